//! `dmoe-replay`: replay a recorded agent session and print every decision.
//!
//! ```text
//! dmoe-replay FILE             print each output of the recorded session as a JSON line
//! dmoe-replay --scripted       print the recording of the built-in scripted session
//! dmoe-replay --scripted-host  the same for the built-in session of a host that parses
//!                              manifests itself (typed ladder and segment lists)
//! ```
//!
//! A recording is JSON lines: `{"config": {...}}` first, then one input per line, as
//! `dmoe_core::agent::Agent` writes them with `record` on. The same file always gives the
//! same decisions.

use std::io::Write as _;
use std::process::ExitCode;

use dmoe_core::agent::{CmcdConfig, CmcdMode, Config};

const USAGE: &str =
    "usage: dmoe-replay FILE | dmoe-replay --scripted | dmoe-replay --scripted-host";

/// The configuration of the built-in scripted session.
fn scripted_config() -> Config {
    Config {
        seed: 42,
        record: true,
        cmcd: CmcdConfig {
            mode: CmcdMode::Query,
            ..CmcdConfig::default()
        },
        ..Config::default()
    }
}

fn print_lines(lines: &[String]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    for l in lines {
        if writeln!(out, "{l}").is_err() {
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag] if flag == "--scripted" => {
            let (mut agent, script) = dmoe_abr::sim::host::scripted_session(scripted_config());
            let t = dmoe_abr::sim::host::run(&mut agent, &script);
            print_lines(&t.recording)
        }
        [flag] if flag == "--scripted-host" => {
            let (mut agent, script) = dmoe_abr::sim::host::scripted_host_session(scripted_config());
            let t = dmoe_abr::sim::host::run(&mut agent, &script);
            print_lines(&t.recording)
        }
        [flag] if flag == "-h" || flag == "--help" => {
            eprintln!("{USAGE}");
            ExitCode::SUCCESS
        }
        [file] if !file.starts_with('-') => {
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("dmoe-replay: {file}: {e}");
                    return ExitCode::from(1);
                }
            };
            match dmoe_abr::replay(&text) {
                Ok(lines) => print_lines(&lines),
                Err(e) => {
                    eprintln!("dmoe-replay: {file}: {e}");
                    ExitCode::from(1)
                }
            }
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
