//! `dmoe-sim`: trace-driven comparison of ABR controllers and edge policies, measured
//! through the shipped agent (see `--help`).
//!
//! ```text
//! dmoe-sim [--traces DIR] [--video DIR --bitrates K,K,.. --chunk-s S | --ladder FILE]
//!          [--abr LIST] [--model realistic|pensieve] [--host agent|advisor] [--optimal]
//!          [--oracle-hint] [--seed N] [--json] [--plot FILE.svg]
//! dmoe-sim --scenario edges [--seed N] [--json]
//! ```

mod args;
mod edges;
mod plot;

use std::path::Path;
use std::process::ExitCode;

use args::{Host, Parsed, Scenario};
use dmoe_sim::{Model, SimConfig, SimResult, Video};

/// Appended to each controller's name under `--oracle-hint`.
const ORACLE_SUFFIX: &str = "+oracle-hint";

fn load_video(a: &args::Args) -> Result<Video, String> {
    if let Some(f) = &a.ladder {
        let text = std::fs::read_to_string(f).map_err(|e| format!("--ladder {f}: {e}"))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("--ladder {f}: {e}"))?;
        let seg = v["segment_duration_s"]
            .as_f64()
            .ok_or(format!("--ladder {f}: segment_duration_s missing"))?;
        let br: Vec<u64> = v["bitrates_kbps"]
            .as_array()
            .ok_or(format!("--ladder {f}: bitrates_kbps missing"))?
            .iter()
            .filter_map(|x| x.as_f64().map(|x| x as u64))
            .collect();
        let per_rung: Vec<Vec<u64>> = v["segment_sizes_bytes"]
            .as_array()
            .ok_or(format!("--ladder {f}: segment_sizes_bytes missing"))?
            .iter()
            .map(|row| {
                row.as_array()
                    .map(|r| {
                        r.iter()
                            .filter_map(|x| x.as_f64().map(|x| x as u64))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        return transpose(seg, br, per_rung).map_err(|e| format!("--ladder {f}: {e}"));
    }
    if let Some(dir) = &a.video {
        let (Some(br), Some(seg)) = (a.bitrates.clone(), a.chunk_s) else {
            return Err("--video needs --bitrates and --chunk-s".into());
        };
        let mut per_rung = Vec::new();
        for r in 0..br.len() {
            let p = Path::new(dir).join(format!("video_size_{r}"));
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let sizes: Result<Vec<u64>, _> = text.split_whitespace().map(str::parse).collect();
            per_rung.push(sizes.map_err(|_| format!("{}: not a list of integers", p.display()))?);
        }
        return transpose(seg, br, per_rung).map_err(|e| format!("--video {dir}: {e}"));
    }
    Ok(dmoe_sim::builtin_video(1))
}

/// Per-rung lists into a video; Pensieve's 49-entry files are played as 48 segments, as its
/// simulator does.
fn transpose(seg: f64, br: Vec<u64>, per_rung: Vec<Vec<u64>>) -> Result<Video, String> {
    let common = per_rung.iter().map(Vec::len).min().unwrap_or(0);
    let n = if common == 49 { Some(48) } else { None };
    Video::from_per_rung(seg, br, &per_rung, n).map_err(|e| e.to_string())
}

#[derive(Default)]
struct Agg {
    n: usize,
    qoe: f64,
    br: f64,
    ratio: f64,
    events: f64,
    switches: f64,
}

fn main() -> ExitCode {
    let a = match args::parse(std::env::args().skip(1)) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help) => {
            print!("{}", args::HELP);
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("dmoe-sim {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("dmoe-sim: {e}");
            return ExitCode::from(2);
        }
    };
    if a.scenario == Scenario::Edges {
        edges::run(a.seed, a.json);
        return ExitCode::SUCCESS;
    }
    let traces = match &a.traces {
        Some(d) => match dmoe_sim::load_traces(std::path::Path::new(d), a.split)
            .map_err(|e| format!("--traces {e}"))
        {
            Ok(t) => t,
            Err(e) => {
                eprintln!("dmoe-sim: {e}");
                return ExitCode::from(1);
            }
        },
        None => dmoe_sim::builtin_traces(a.seed, 4),
    };
    let video = match load_video(&a) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("dmoe-sim: {e}");
            return ExitCode::from(1);
        }
    };
    let cfg = SimConfig {
        model: a.model,
        oracle_hint: a.oracle_hint,
        ..SimConfig::default()
    };
    let mut names = a.abrs.clone();
    if a.optimal {
        names.push("optimal".into());
    }
    let mut results: Vec<SimResult> = Vec::new();
    for name in &names {
        // Pensieve's model reuses one controller per ABR, reset between traces (as a
        // player reuses its ABR); the realistic model makes a fresh agent per session.
        let mut ctrl = dmoe_abr::controller(name);
        for t in &traces {
            let r = match (ctrl.as_mut(), a.model) {
                (None, _) => dmoe_sim::optimal(t, &video, &cfg),
                (Some(c), Model::Pensieve) => {
                    c.reset();
                    dmoe_sim::pensieve::simulate(c.as_mut(), t, &video, &cfg)
                }
                (Some(_), Model::Realistic) => {
                    let run = match a.host {
                        Host::Agent => dmoe_sim::realistic::simulate(name, t, &video, &cfg),
                        Host::Advisor => {
                            dmoe_sim::realistic::simulate_advisor(name, t, &video, &cfg)
                        }
                    };
                    match run {
                        Ok((r, _)) => r,
                        Err(e) => {
                            eprintln!("dmoe-sim: --abr {name}: {e}");
                            return ExitCode::from(2);
                        }
                    }
                }
            };
            results.push(r);
        }
    }
    if a.oracle_hint {
        // Controllers told the next segment's throughput are not the players they are
        // named after: say so in every row.
        for n in names.iter_mut().filter(|n| *n != "optimal") {
            n.push_str(ORACLE_SUFFIX);
        }
        for r in results.iter_mut().filter(|r| r.abr != "optimal") {
            r.abr.push_str(ORACLE_SUFFIX);
        }
    }
    let mut summary: Vec<(String, Agg)> =
        names.iter().map(|n| (n.clone(), Agg::default())).collect();
    for r in &results {
        if let Some((_, g)) = summary.iter_mut().find(|(n, _)| *n == r.abr) {
            g.n += 1;
            g.qoe += r.qoe_lin_per_chunk;
            g.br += r.avg_bitrate_kbps;
            g.ratio += r.rebuffer_ratio;
            g.events += f64::from(r.rebuffer_events);
            g.switches += f64::from(r.switches);
        }
    }
    if let Some(path) = &a.plot {
        match plot::write(path, &results, &traces) {
            Ok(files) => {
                for f in files {
                    eprintln!("dmoe-sim: wrote {f}");
                }
            }
            Err(e) => {
                eprintln!("dmoe-sim: --plot {e}");
                return ExitCode::from(1);
            }
        }
    }
    if a.json {
        let res: Vec<_> = results
            .iter()
            .map(|r| {
                serde_json::json!({
                    "abr": r.abr, "trace": r.trace, "qoe_lin_per_chunk": r.qoe_lin_per_chunk,
                    "avg_bitrate_kbps": r.avg_bitrate_kbps, "rebuffer_s": r.rebuffer_s,
                    "rebuffer_ratio": r.rebuffer_ratio, "rebuffer_events": r.rebuffer_events,
                    "switches": r.switches, "startup_s": r.startup_s,
                })
            })
            .collect();
        let sum: Vec<_> = summary
            .iter()
            .map(|(n, g)| {
                let k = g.n.max(1) as f64;
                serde_json::json!({
                    "abr": n, "traces": g.n, "qoe_lin_per_chunk": g.qoe / k,
                    "avg_bitrate_kbps": g.br / k, "rebuffer_ratio": g.ratio / k,
                    "rebuffer_events": g.events, "switches": g.switches,
                })
            })
            .collect();
        println!("{}", serde_json::json!({"results": res, "summary": sum}));
    } else {
        let how = match (a.model, a.host) {
            (Model::Pensieve, _) => "Pensieve's model (controller-level)",
            (Model::Realistic, Host::Agent) => "realistic model, through the agent",
            (Model::Realistic, Host::Advisor) => "realistic model, through the advisor",
        };
        println!(
            "{} traces, {} segments of {} s, {how}",
            traces.len(),
            video.segments(),
            video.segment_s
        );
        let w = summary
            .iter()
            .map(|(n, _)| n.len())
            .max()
            .unwrap_or(0)
            .max(15);
        println!(
            "{:<w$} {:>9} {:>10} {:>9} {:>8} {:>9}",
            "abr", "QoE_lin", "kbps", "rebuf %", "stalls", "switches"
        );
        for (n, g) in &summary {
            let k = g.n.max(1) as f64;
            println!(
                "{:<w$} {:>9.4} {:>10.0} {:>9.3} {:>8} {:>9}",
                n,
                g.qoe / k,
                g.br / k,
                100.0 * g.ratio / k,
                g.events,
                g.switches
            );
        }
    }
    ExitCode::SUCCESS
}
