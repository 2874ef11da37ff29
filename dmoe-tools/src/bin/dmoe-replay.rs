//! `dmoe-replay`: replay a recorded agent or advisor session and print its decisions.
//!
//! ```text
//! dmoe-replay [--all] FILE       the decisions of the recorded session, one JSON line each
//! dmoe-replay --scripted         print the recording of the built-in scripted session
//! dmoe-replay --scripted-host    ... of the built-in session of a host that parses
//!                                manifests itself (typed ladder and segment lists)
//! dmoe-replay --scripted-advisor ... of the built-in advisor session
//! ```
//!
//! A recording is JSON lines: `{"config": {...}}` (an agent) or `{"advisor": {...}}` first,
//! then one input per line, as the session writes them with `record` on. The same file
//! always gives the same decisions.

use std::io::Write as _;
use std::process::ExitCode;

use dmoe_core::agent::Output;
use dmoe_sim::scripted;

const HELP: &str = "\
dmoe-replay: replay a recorded DMOE session (agent or advisor) and print its decisions.

usage:
  dmoe-replay [--all] FILE
  dmoe-replay --scripted | --scripted-host | --scripted-advisor
  dmoe-replay --help | --version

options:
  FILE                a recording: JSON lines, {\"config\": ...} or {\"advisor\": ...} first, then
                      one input per line (what a session writes with `record` on)
  --all               print every output: timeouts, telemetry and diagnostics too, and inputs
                      refused as {\"error\": ...} (default: the decisions only: fetches,
                      abandonments, cancellations, probes, playlist, manifest and steering
                      loads, playback rates, advice and the end)
  --scripted          print the recording of the built-in scripted session (an HLS text
                      presentation on two pathways with a failure, a stall and a seek)
  --scripted-host     ... of the built-in session of a host that parses manifests itself
  --scripted-advisor  ... of the built-in advisor session
  -h, --help          this text
  -V, --version       the version

exit status: 0 on success, 1 when the file cannot be read or is not a recording, 2 on bad
usage.
";

fn print_lines<'a>(lines: impl IntoIterator<Item = &'a String>) -> ExitCode {
    let mut out = std::io::stdout().lock();
    for l in lines {
        if writeln!(out, "{l}").is_err() {
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

/// A decision, as opposed to bookkeeping (when to call back, reports, diagnostics).
fn is_decision(o: &Output) -> bool {
    !matches!(
        o,
        Output::Timeout { .. } | Output::Telemetry { .. } | Output::Diagnostic { .. }
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let strs: Vec<&str> = args.iter().map(String::as_str).collect();
    match strs.as_slice() {
        ["-h" | "--help"] => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        ["-V" | "--version"] => {
            println!("dmoe-replay {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        ["--scripted"] => {
            let (_, t) = scripted::run(scripted::scripted_session(scripted::config()));
            print_lines(&t.recording)
        }
        ["--scripted-host"] => {
            let (_, t) = scripted::run(scripted::scripted_host_session(scripted::config()));
            print_lines(&t.recording)
        }
        ["--scripted-advisor"] => {
            let (_, t) = scripted::run(scripted::scripted_advisor_session(scripted::config()));
            print_lines(&t.recording)
        }
        [file] | ["--all", file] | [file, "--all"] if !file.starts_with('-') => {
            let all = strs.contains(&"--all");
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("dmoe-replay: {file}: {e}");
                    return ExitCode::from(1);
                }
            };
            match dmoe_sim::replay::replay_outputs(&text) {
                Ok(lines) => print_lines(
                    lines
                        .iter()
                        .filter(|(o, _)| all || o.as_ref().is_some_and(is_decision))
                        .map(|(_, l)| l),
                ),
                Err(e) => {
                    eprintln!("dmoe-replay: {file}: {e}");
                    ExitCode::from(1)
                }
            }
        }
        _ => {
            match strs.iter().find(|a| a.starts_with('-') && **a != "--all") {
                Some(a) => eprintln!("dmoe-replay: unknown option {a} (see --help)"),
                None => eprintln!("dmoe-replay: expected one FILE (see --help)"),
            }
            ExitCode::from(2)
        }
    }
}
