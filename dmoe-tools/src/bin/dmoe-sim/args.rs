//! `dmoe-sim`'s command line.

use dmoe_sim::Model;

pub(crate) const HELP: &str = "\
dmoe-sim: compare ABR controllers and edge policies over throughput traces, through the
shipped DMOE agent (the realistic model) or under Pensieve's exact model.

usage:
  dmoe-sim [--traces DIR [--split all|train|eval]]
           [--video DIR --bitrates K,K,.. --chunk-s S | --ladder FILE] [--abr LIST]
           [--model realistic|pensieve] [--host agent|advisor] [--optimal] [--oracle-hint]
           [--seed N] [--json] [--plot FILE.svg]
  dmoe-sim --scenario edges [--seed N] [--json]
  dmoe-sim --help | --version

options:
  --traces DIR        every file in DIR is a trace in Pensieve's format (`time_s Mbps` per
                      line); default: 20 built-in traces generated from --seed
  --split S           which of DIR's traces, in file-name order: all (default), train (even
                      positions: the half the defaults were tuned on) or eval (odd
                      positions: the half figures are reported on)
  --video DIR         Pensieve's video_size_<rung> files (needs --bitrates and --chunk-s)
  --bitrates K,K,..   the ladder's bitrates, kbps, ascending
  --chunk-s S         segment duration, seconds
  --ladder FILE       JSON {\"segment_duration_s\", \"bitrates_kbps\", \"segment_sizes_bytes\": [[per
                      segment] per rung]} instead of --video
  --abr LIST          comma-separated controllers (default hybrid,robust-mpc,bola,bba,throughput):
                      hybrid, hybrid-stable, hybrid-lookahead, robust-mpc, robust-mpc-ref, bola,
                      bba, throughput
  --model M           realistic (default): each trace played through the shipped agent by a
                      simulated player (the ABR picks the first segment, the round trip is on
                      the trace's clock, progress, abandonment, the agent's deadlines);
                      pensieve: Pensieve's fixed_env exactly, the controller driven directly
                      (the model published baselines were measured under; kept to reproduce
                      them, not a player)
  --host H            realistic model: agent (default; the agent decides what to fetch) or
                      advisor (the player fetches each segment in order itself and asks the
                      advisor which rendition)
  --optimal           add the offline optimum (full knowledge of the trace) as `optimal`
  --oracle-hint       pensieve model only, a diagnostic: every controller is told the next
                      segment's true throughput before each decision (rows <abr>+oracle-hint)
  --seed N            seed of the built-in traces and edge scenarios (default 1)
  --json              print one JSON object instead of a table
  --plot FILE.svg     draw bitrate, buffer and throughput over time, one figure per trace
                      (FILE.svg for one trace, FILE-<trace>.svg for several), and say where
  --scenario S        abr (default) or edges: the built-in multi-edge fault scenarios
  -h, --help          this text
  -V, --version       the version
";

/// Which comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// Single-edge ABR comparison over traces.
    Abr,
    /// Multi-edge fault scenarios.
    Edges,
}

/// Who decides in the realistic model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    Agent,
    Advisor,
}

#[derive(Debug)]
pub(crate) struct Args {
    pub(crate) traces: Option<String>,
    pub(crate) split: dmoe_sim::Split,
    pub(crate) video: Option<String>,
    pub(crate) bitrates: Option<Vec<u64>>,
    pub(crate) chunk_s: Option<f64>,
    pub(crate) ladder: Option<String>,
    pub(crate) abrs: Vec<String>,
    pub(crate) model: Model,
    pub(crate) host: Host,
    pub(crate) optimal: bool,
    pub(crate) oracle_hint: bool,
    pub(crate) seed: u64,
    pub(crate) json: bool,
    pub(crate) plot: Option<String>,
    pub(crate) scenario: Scenario,
}

/// What the command line asks for.
pub(crate) enum Parsed {
    Run(Box<Args>),
    Help,
    Version,
}

fn need(it: &mut dyn Iterator<Item = String>, flag: &str, what: &str) -> Result<String, String> {
    it.next().ok_or(format!("{flag} needs {what}"))
}

pub(crate) fn parse(args: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let mut a = Args {
        traces: None,
        split: dmoe_sim::Split::All,
        video: None,
        bitrates: None,
        chunk_s: None,
        ladder: None,
        abrs: ["hybrid", "robust-mpc", "bola", "bba", "throughput"]
            .map(String::from)
            .to_vec(),
        model: Model::Realistic,
        host: Host::Agent,
        optimal: false,
        oracle_hint: false,
        seed: 1,
        json: false,
        plot: None,
        scenario: Scenario::Abr,
    };
    let mut it = args;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--traces" => a.traces = Some(need(&mut it, "--traces", "a directory")?),
            "--split" => {
                a.split = match need(&mut it, "--split", "all, train or eval")?.as_str() {
                    "all" => dmoe_sim::Split::All,
                    "train" => dmoe_sim::Split::Train,
                    "eval" => dmoe_sim::Split::Eval,
                    s => return Err(format!("--split: unknown split {s} (all, train, eval)")),
                }
            }
            "--video" => a.video = Some(need(&mut it, "--video", "a directory")?),
            "--ladder" => a.ladder = Some(need(&mut it, "--ladder", "a JSON file")?),
            "--bitrates" => {
                let v = need(&mut it, "--bitrates", "a list of kbps")?;
                let parsed: Result<Vec<u64>, _> = v.split(',').map(|s| s.trim().parse()).collect();
                a.bitrates =
                    Some(parsed.map_err(|_| format!("--bitrates: not a list of whole kbps: {v}"))?);
            }
            "--chunk-s" => {
                let v = need(&mut it, "--chunk-s", "seconds")?;
                a.chunk_s = Some(
                    v.parse()
                        .map_err(|_| format!("--chunk-s: not a number of seconds: {v}"))?,
                );
            }
            "--abr" => {
                a.abrs = need(&mut it, "--abr", "a list of controllers")?
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .collect();
            }
            "--model" => {
                a.model = match need(&mut it, "--model", "realistic or pensieve")?.as_str() {
                    "pensieve" => Model::Pensieve,
                    "realistic" => Model::Realistic,
                    m => return Err(format!("--model: unknown model {m} (realistic, pensieve)")),
                }
            }
            "--host" => {
                a.host = match need(&mut it, "--host", "agent or advisor")?.as_str() {
                    "agent" => Host::Agent,
                    "advisor" => Host::Advisor,
                    h => return Err(format!("--host: unknown host {h} (agent, advisor)")),
                }
            }
            "--optimal" => a.optimal = true,
            "--oracle-hint" => a.oracle_hint = true,
            "--seed" => {
                let v = need(&mut it, "--seed", "a whole number")?;
                a.seed = v
                    .parse()
                    .map_err(|_| format!("--seed: not a whole number: {v}"))?;
            }
            "--json" => a.json = true,
            "--plot" => a.plot = Some(need(&mut it, "--plot", "a file name")?),
            "--scenario" => {
                a.scenario = match need(&mut it, "--scenario", "abr or edges")?.as_str() {
                    "abr" => Scenario::Abr,
                    "edges" => Scenario::Edges,
                    s => return Err(format!("--scenario: unknown scenario {s} (abr, edges)")),
                }
            }
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            other => return Err(format!("unknown option {other} (see --help)")),
        }
    }
    for name in &a.abrs {
        if dmoe_abr::controller(name).is_none() {
            return Err(format!(
                "--abr: unknown controller {name} (one of: {})",
                dmoe_abr::CONTROLLERS.join(", ")
            ));
        }
    }
    if a.oracle_hint && a.model != Model::Pensieve {
        return Err(
            "--oracle-hint: a diagnostic of the pensieve model only (add --model pensieve)".into(),
        );
    }
    if a.split != dmoe_sim::Split::All && a.traces.is_none() {
        return Err("--split: selects among --traces DIR (built-in traces split by --seed)".into());
    }
    if a.host == Host::Advisor && a.model != Model::Realistic {
        return Err("--host advisor: the realistic model only".into());
    }
    if a.video.is_some() && (a.bitrates.is_none() || a.chunk_s.is_none()) {
        return Err("--video needs --bitrates and --chunk-s".into());
    }
    Ok(Parsed::Run(Box::new(a)))
}
