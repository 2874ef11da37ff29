//! `dmoe-sim`: trace-driven ABR comparison.
//!
//! ```text
//! dmoe-sim [--traces DIR] [--video DIR --bitrates K,K,.. --chunk-s S | --ladder FILE]
//!          [--abr hybrid,robust-mpc,bola,bba,throughput] [--model pensieve|realistic]
//!          [--optimal] [--oracle-hint] [--seed N] [--json] [--plot FILE.svg]
//! dmoe-sim --scenario edges [--seed N] [--json]
//! ```
//!
//! Without `--traces` it runs on the built-in generated traces and ladder.
//! `--oracle-hint` is a diagnostic: every controller is told the next segment's true
//! throughput before each decision (`SimConfig::oracle_hint`) and its rows are named
//! `<abr>+oracle-hint`.
//! `--scenario edges` runs the built-in multi-edge fault scenarios and compares the edge
//! policies `static`, `dmoe` and `oracle` (all with the hybrid ABR).

use std::path::Path;
use std::process::ExitCode;

use dmoe_abr::sim::{self, Model, SimConfig, SimResult, Trace, Video};

/// Appended to each controller's name under `--oracle-hint`.
const ORACLE_SUFFIX: &str = "+oracle-hint";

const USAGE: &str = "usage: dmoe-sim [--traces DIR] [--video DIR --bitrates K,K,.. --chunk-s S | --ladder FILE] [--abr LIST] [--model pensieve|realistic] [--optimal] [--oracle-hint] [--seed N] [--json] [--plot FILE.svg]\n       dmoe-sim --scenario edges [--seed N] [--json]";

struct Args {
    traces: Option<String>,
    video: Option<String>,
    bitrates: Option<Vec<u64>>,
    chunk_s: Option<f64>,
    ladder: Option<String>,
    abrs: Vec<String>,
    model: Model,
    optimal: bool,
    oracle_hint: bool,
    seed: u64,
    json: bool,
    plot: Option<String>,
    scenario: Scenario,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// Single-edge ABR comparison over traces.
    Abr,
    /// Multi-edge fault scenarios.
    Edges,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        traces: None,
        video: None,
        bitrates: None,
        chunk_s: None,
        ladder: None,
        abrs: ["hybrid", "robust-mpc", "bola", "bba", "throughput"]
            .map(String::from)
            .to_vec(),
        model: Model::Realistic,
        optimal: false,
        oracle_hint: false,
        seed: 1,
        json: false,
        plot: None,
        scenario: Scenario::Abr,
    };
    let mut it = std::env::args().skip(1);
    let need = |it: &mut dyn Iterator<Item = String>, f: &str| {
        it.next().ok_or(format!("{f} needs a value"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--traces" => a.traces = Some(need(&mut it, "--traces")?),
            "--video" => a.video = Some(need(&mut it, "--video")?),
            "--ladder" => a.ladder = Some(need(&mut it, "--ladder")?),
            "--bitrates" => {
                let v = need(&mut it, "--bitrates")?;
                let parsed: Result<Vec<u64>, _> = v.split(',').map(|s| s.trim().parse()).collect();
                a.bitrates =
                    Some(parsed.map_err(|_| format!("--bitrates: not a list of integers: {v}"))?);
            }
            "--chunk-s" => {
                let v = need(&mut it, "--chunk-s")?;
                a.chunk_s = Some(
                    v.parse()
                        .map_err(|_| format!("--chunk-s: not a number: {v}"))?,
                );
            }
            "--abr" => {
                a.abrs = need(&mut it, "--abr")?
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .collect()
            }
            "--model" => {
                a.model = match need(&mut it, "--model")?.as_str() {
                    "pensieve" => Model::Pensieve,
                    "realistic" => Model::Realistic,
                    m => return Err(format!("--model: unknown model {m}")),
                }
            }
            "--optimal" => a.optimal = true,
            "--oracle-hint" => a.oracle_hint = true,
            "--seed" => {
                let v = need(&mut it, "--seed")?;
                a.seed = v
                    .parse()
                    .map_err(|_| format!("--seed: not an integer: {v}"))?;
            }
            "--json" => a.json = true,
            "--plot" => a.plot = Some(need(&mut it, "--plot")?),
            "--scenario" => {
                a.scenario = match need(&mut it, "--scenario")?.as_str() {
                    "abr" => Scenario::Abr,
                    "edges" => Scenario::Edges,
                    s => return Err(format!("--scenario: unknown scenario {s} (abr, edges)")),
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    for name in &a.abrs {
        if dmoe_abr::controller(name).is_none() {
            return Err(format!("--abr: unknown controller {name}"));
        }
    }
    Ok(a)
}

fn load_traces(dir: &str) -> Result<Vec<Trace>, String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{dir}: {e}"))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        out.push(Trace::parse(&name, &text).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    if out.is_empty() {
        return Err(format!("{dir}: no trace files"));
    }
    Ok(out)
}

fn load_video(a: &Args) -> Result<Video, String> {
    if let Some(f) = &a.ladder {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{f}: {e}"))?;
        let seg = v["segment_duration_s"]
            .as_f64()
            .ok_or(format!("{f}: segment_duration_s missing"))?;
        let br: Vec<u64> = v["bitrates_kbps"]
            .as_array()
            .ok_or(format!("{f}: bitrates_kbps missing"))?
            .iter()
            .filter_map(|x| x.as_f64().map(|x| x as u64))
            .collect();
        let per_rung: Vec<Vec<u64>> = v["segment_sizes_bytes"]
            .as_array()
            .ok_or(format!("{f}: segment_sizes_bytes missing"))?
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
        return transpose(seg, br, per_rung).map_err(|e| format!("{f}: {e}"));
    }
    if let Some(dir) = &a.video {
        let br = a.bitrates.clone().ok_or("--video needs --bitrates")?;
        let seg = a.chunk_s.ok_or("--video needs --chunk-s")?;
        let mut per_rung = Vec::new();
        for r in 0..br.len() {
            let p = Path::new(dir).join(format!("video_size_{r}"));
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let sizes: Result<Vec<u64>, _> = text.split_whitespace().map(str::parse).collect();
            per_rung.push(sizes.map_err(|_| format!("{}: not a list of integers", p.display()))?);
        }
        return transpose(seg, br, per_rung);
    }
    Ok(sim::builtin_video(1))
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
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("dmoe-sim: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if a.scenario == Scenario::Edges {
        edges::run(a.seed, a.json);
        return ExitCode::SUCCESS;
    }
    let traces = match &a.traces {
        Some(d) => match load_traces(d) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("dmoe-sim: {e}");
                return ExitCode::from(1);
            }
        },
        None => sim::builtin_traces(a.seed, 4),
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
        // One controller per ABR, reset between traces (as a player reuses its ABR).
        let mut ctrl = dmoe_abr::controller(name);
        for t in &traces {
            let r = match ctrl.as_mut() {
                None => sim::optimal(t, &video, &cfg),
                Some(c) => {
                    c.reset();
                    sim::simulate(c.as_mut(), t, &video, &cfg)
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
        if let Some((_, g)) = summary
            .iter_mut()
            .find(|(n, _)| *n == r.abr || (n == "robust-mpc" && r.abr == "robust-mpc"))
        {
            g.n += 1;
            g.qoe += r.qoe_lin_per_chunk;
            g.br += r.avg_bitrate_kbps;
            g.ratio += r.rebuffer_ratio;
            g.events += f64::from(r.rebuffer_events);
            g.switches += f64::from(r.switches);
        }
    }
    if let Some(path) = &a.plot {
        if let Err(e) = dmoe_tools_plot::write(path, &results, &traces[0]) {
            eprintln!("dmoe-sim: {path}: {e}");
            return ExitCode::from(1);
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
        println!(
            "{} traces, {} segments of {} s, model {:?}",
            traces.len(),
            video.segments(),
            video.segment_s,
            a.model
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

mod edges {
    use dmoe_abr::sim::edges::{
        EdgeSimResult, Policy, builtin_edge_scenarios, load_spread, simulate_edges,
    };
    use serde_json::json;

    /// Seeds per scenario (trace noise differs; faults are the same).
    const RUNS: u64 = 3;
    const SESSIONS: usize = 10_000;
    const EDGES: usize = 4;

    #[derive(Default)]
    struct Sum {
        n: usize,
        qoe: f64,
        kbps: f64,
        rebuf: f64,
        failover_max: f64,
        failovers: usize,
        flaps: u32,
        switches: u32,
        hours: f64,
        off_priority: u32,
        probes: u32,
    }

    impl Sum {
        fn add(&mut self, r: &EdgeSimResult) {
            self.n += 1;
            self.qoe += r.qoe_lin_per_chunk;
            self.kbps += r.avg_bitrate_kbps;
            self.rebuf += r.rebuffer_s;
            self.failover_max = r
                .failovers_ms
                .iter()
                .copied()
                .fold(self.failover_max, f64::max);
            self.failovers += r.failovers_ms.len();
            self.flaps += r.flaps;
            self.switches += r.edge_switches;
            self.hours += r.session_s / 3600.0;
            self.off_priority += r.off_priority_fetches;
            self.probes += r.probes;
        }
        fn json(&self) -> serde_json::Value {
            let n = self.n.max(1) as f64;
            json!({
                "qoe_lin_per_chunk": self.qoe / n,
                "avg_bitrate_kbps": self.kbps / n,
                "rebuffer_s": self.rebuf,
                "failover_ms_max": self.failover_max,
                "failovers": self.failovers,
                "flaps_per_hour": f64::from(self.flaps) / self.hours.max(1e-9),
                "edge_switches": self.switches,
                "off_priority_fetches": self.off_priority,
                "probes": self.probes,
                "sessions": self.n,
            })
        }
    }

    pub(super) fn run(seed: u64, as_json: bool) {
        let mut per_policy: Vec<Sum> = Policy::ALL.iter().map(|_| Sum::default()).collect();
        let mut per_scenario: Vec<(String, Policy, Sum)> = Vec::new();
        let mut explanations: Vec<serde_json::Value> = Vec::new();
        for run in 0..RUNS {
            for scn in builtin_edge_scenarios(seed.wrapping_add(run)) {
                for (pi, &p) in Policy::ALL.iter().enumerate() {
                    let r = simulate_edges(&scn, p, seed.wrapping_add(run));
                    per_policy[pi].add(&r);
                    match per_scenario
                        .iter_mut()
                        .find(|(s, q, _)| *s == r.scenario && *q == p)
                    {
                        Some((_, _, sum)) => sum.add(&r),
                        None => {
                            let mut sum = Sum::default();
                            sum.add(&r);
                            per_scenario.push((r.scenario.clone(), p, sum));
                        }
                    }
                    if run == 0 && p == Policy::Dmoe {
                        for (t, text) in &r.explanations {
                            explanations
                                .push(json!({"scenario": r.scenario, "t_s": t, "why": text}));
                        }
                    }
                }
            }
        }
        let spread = load_spread(SESSIONS, EDGES, seed);
        if as_json {
            let policies: Vec<_> = Policy::ALL
                .iter()
                .zip(&per_policy)
                .map(|(p, s)| {
                    let mut v = s.json();
                    v["policy"] = json!(p.name());
                    v
                })
                .collect();
            let scenarios: Vec<_> = per_scenario
                .iter()
                .map(|(n, p, s)| {
                    let mut v = s.json();
                    v["scenario"] = json!(n);
                    v["policy"] = json!(p.name());
                    v
                })
                .collect();
            println!(
                "{}",
                json!({
                    "policies": policies,
                    "load_spread": {"sessions": SESSIONS, "edges": EDGES, "max_over_mean": spread},
                    "scenarios": scenarios,
                    "dmoe_switches": explanations,
                })
            );
            return;
        }
        println!(
            "{} scenarios x {RUNS} seeds, 4 edges, hybrid ABR; rebuffer and failover summed/maxed over sessions",
            per_scenario.len() / Policy::ALL.len()
        );
        println!(
            "{:<18} {:<7} {:>8} {:>7} {:>9} {:>11} {:>9} {:>8}",
            "scenario",
            "policy",
            "QoE_lin",
            "kbps",
            "rebuf s",
            "failover ms",
            "flaps/h",
            "switches"
        );
        let row = |name: &str, p: Policy, s: &Sum| {
            let v = s.json();
            println!(
                "{:<18} {:<7} {:>8.3} {:>7.0} {:>9.2} {:>11.0} {:>9.2} {:>8}",
                name,
                p.name(),
                v["qoe_lin_per_chunk"].as_f64().unwrap_or(f64::NAN),
                v["avg_bitrate_kbps"].as_f64().unwrap_or(f64::NAN),
                s.rebuf,
                s.failover_max,
                v["flaps_per_hour"].as_f64().unwrap_or(f64::NAN),
                s.switches
            );
        };
        for (n, p, s) in &per_scenario {
            row(n, *p, s);
        }
        for (p, s) in Policy::ALL.iter().zip(&per_policy) {
            row("ALL", *p, s);
        }
        println!(
            "load spread: {SESSIONS} sessions over {EDGES} equal edges, max/mean share {spread:.4}"
        );
    }
}

mod dmoe_tools_plot {
    use dmoe_abr::sim::{SimResult, Trace};

    /// Bitrate, buffer and throughput over time for the first trace, one line per ABR.
    pub(super) fn write(path: &str, results: &[SimResult], trace: &Trace) -> Result<(), String> {
        let runs: Vec<&SimResult> = results.iter().filter(|r| r.trace == trace.name).collect();
        let t_max = runs
            .iter()
            .flat_map(|r| r.steps.last().map(|s| s.at_s))
            .fold(1.0f64, f64::max);
        let (w, h) = (960.0, 720.0);
        let panel = |i: usize| (40.0 + i as f64 * 230.0, 190.0);
        let colors = [
            "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        ];
        let mut svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>"#
        );
        let titles = ["bitrate (kbps)", "buffer (s)", "throughput (Mbps)"];
        let maxes = [4500.0, 60.0, 6.0];
        for (i, title) in titles.iter().enumerate() {
            let (y0, ph) = panel(i);
            svg += &format!(
                r##"<text x="60" y="{}">{title} — trace {}</text><rect x="60" y="{y0}" width="{}" height="{ph}" fill="none" stroke="#999"/>"##,
                y0 - 6.0,
                trace.name,
                w - 80.0
            );
        }
        let x = |t: f64| 60.0 + (w - 80.0) * t / t_max;
        for (ci, r) in runs.iter().enumerate() {
            let color = colors[ci % colors.len()];
            for (i, max) in maxes.iter().enumerate() {
                let (y0, ph) = panel(i);
                let pts: Vec<String> = r
                    .steps
                    .iter()
                    .map(|s| {
                        let v = [s.kbps as f64, s.buffer_s, s.throughput_mbps][i];
                        format!("{:.1},{:.1}", x(s.at_s), y0 + ph - ph * (v / max).min(1.0))
                    })
                    .collect();
                svg += &format!(
                    r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/>"#,
                    pts.join(" ")
                );
            }
            svg += &format!(
                r#"<text x="{}" y="{}" fill="{color}">{}</text>"#,
                70.0 + ci as f64 * 120.0,
                h - 8.0,
                r.abr
            );
        }
        let (y0, ph) = panel(2);
        let pts: Vec<String> = trace
            .time_s
            .iter()
            .zip(&trace.mbps)
            .filter(|(t, _)| **t <= t_max)
            .map(|(t, b)| format!("{:.1},{:.1}", x(*t), y0 + ph - ph * (b / 6.0).min(1.0)))
            .collect();
        svg += &format!(
            r##"<polyline fill="none" stroke="#bbb" stroke-width="1" points="{}"/>"##,
            pts.join(" ")
        );
        svg += "</svg>\n";
        std::fs::write(path, svg).map_err(|e| e.to_string())
    }
}
