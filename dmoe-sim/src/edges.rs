//! Multi-edge scenarios: one session fetches a video from four CDN edges, each with its
//! own throughput trace and round-trip time, while faults are injected — an edge down, an
//! edge black-holed, an RTT spike, a throughput collapse, a CMSD duress flag, a steering
//! server that answers 429, 410 or garbage, a shared last-mile bottleneck — and edge
//! policies are compared with the same hybrid ABR, every one of them the shipped agent in
//! the simulated [`player`]:
//!
//! - `static`: the agent with [`EdgePolicy::Priority`], what players do today — the
//!   steering controller's order, a failed pathway penalised for 300 s, a fixed 10 s
//!   time-to-first-byte timeout (hls.js).
//! - `dmoe`: the agent with its default measured edge selection — scoring, breakers,
//!   duress, probes, adaptive deadlines and joint edge-before-quality switching.
//! - `oracle`: a *reference host*, not a product: the agent sees one pathway, and a
//!   request router in front of the edges, knowing every edge's future, sends each
//!   request to the edge that delivers it soonest (a bound for the other two).
//!
//! Steering manifests and CMSD headers are produced as text and go through DMOE's real
//! parsers in the agent.

use std::time::Duration;

use dmoe_core::agent::{Config, EdgePolicy, Event, Output};
use dmoe_core::edge::EdgeReason;
use dmoe_core::{ManifestFormat, ParseOptions, Timestamp};

use crate::builtin::SplitMix;
use crate::link::TraceLink;
use crate::player::{self, Driver, NetEdge, Router, Stage, SteeringReply, Transcript};
use crate::{Trace, Video, qoe_lin};

/// A fault on one edge during `[from_s, to_s)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// Every request fails with HTTP 503 after one round trip.
    Down,
    /// The round-trip time becomes this many seconds.
    RttSpike(f64),
    /// Throughput is multiplied by this factor (baked into the edge's trace).
    Collapse(f64),
    /// The edge is overloaded and says so: it sends `CMSD-Dynamic: ...;du`, delivers a
    /// third of its throughput and answers with four times its round trip.
    Duress,
    /// The device's own link carries at most this many Mbps, shared by every transfer
    /// in flight whichever edge it goes to (the scenario's last mile).
    Cap(f64),
    /// Requests get no answer at all: the client must time out.
    Blackhole,
}

/// A fault on one edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// Index of the edge.
    pub edge: usize,
    /// What happens.
    pub kind: FaultKind,
    /// Start, seconds of session time.
    pub from_s: f64,
    /// End, seconds of session time.
    pub to_s: f64,
}

/// One edge of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeSpec {
    /// Pathway ID.
    pub name: String,
    /// Throughput over time (faults of kind `Collapse` and `Duress` already applied).
    pub trace: Trace,
    /// Base round-trip time, seconds.
    pub rtt_s: f64,
}

/// A multi-edge scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// A control: no edge choice can do better here (no fault, or one that hits every
    /// edge alike); an edge policy must only do no worse.
    pub control: bool,
    /// The edges; the steering server's initial order is this order.
    pub edges: Vec<EdgeSpec>,
    /// Faults.
    pub faults: Vec<Fault>,
    /// The steering server's answers: `(from_s, reply)`, ascending.
    pub steering: Vec<(f64, SteeringReply)>,
    /// Steering TTL, seconds.
    pub steering_ttl_s: u64,
    /// The video.
    pub video: Video,
    /// The device's own link, shared by every transfer (faults of kind `Cap`); None: never
    /// the bottleneck.
    pub last_mile: Option<Trace>,
}

/// An edge policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// The agent with [`EdgePolicy::Priority`]: the controller's order, hls.js's 300 s
    /// penalty on failure, a fixed 10 s TTFB timeout.
    Static,
    /// The agent with its measured edge selection.
    Dmoe,
    /// Like `Dmoe`, with probes off.
    DmoeNoProbes,
    /// Reference host: a router that knows each edge's future.
    Oracle,
}

impl Policy {
    /// The three compared in reports.
    pub const ALL: [Self; 3] = [Self::Static, Self::Dmoe, Self::Oracle];

    /// Name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Static => "static",
            Self::Dmoe => "dmoe",
            Self::DmoeNoProbes => "dmoe-no-probes",
            Self::Oracle => "oracle",
        }
    }
}

/// Outcome of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeSimResult {
    /// Scenario name.
    pub scenario: String,
    /// Policy.
    pub policy: Policy,
    /// Mean QoE_lin per segment (segments 2..N).
    pub qoe_lin_per_chunk: f64,
    /// Mean bitrate played, kbps.
    pub avg_bitrate_kbps: f64,
    /// Stall time after start-up, seconds.
    pub rebuffer_s: f64,
    /// Per failover: milliseconds from sending the first failed request to the first byte
    /// from another edge.
    pub failovers_ms: Vec<f64>,
    /// Edge changes between consecutive segments.
    pub edge_switches: u32,
    /// Switches not forced by a failure that return to an edge left less than 60 s before.
    pub flaps: u32,
    /// Session time, seconds (start-up, play and stalls).
    pub session_s: f64,
    /// Probe requests made.
    pub probes: u32,
    /// Segments fetched from an edge the steering controller did not list at the time.
    pub off_priority_fetches: u32,
    /// Explanations of the agent's edge switches, with times.
    pub explanations: Vec<(f64, String)>,
    /// Refused inputs (none in a correct session).
    pub refused: Vec<String>,
    /// Media segments played.
    pub segments: usize,
}

/// The scenario's presentation: a multivariant playlist with one variant per rung per
/// edge (each edge a pathway), content steering, and the media playlists; for the oracle
/// host, one pathway only.
fn manifest(scn: &Scenario, pathways: bool) -> (String, Vec<String>) {
    let v = &scn.video;
    let mut m = String::from("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    if pathways {
        m += &format!(
            "#EXT-X-CONTENT-STEERING:SERVER-URI=\"https://steer.example/v1\",PATHWAY-ID=\"{}\"\n",
            scn.edges[0].name
        );
    }
    let names: Vec<&str> = if pathways {
        scn.edges.iter().map(|e| e.name.as_str()).collect()
    } else {
        vec!["."]
    };
    let mut uris = Vec::new();
    for name in names {
        for (r, kbps) in v.bitrates_kbps.iter().enumerate() {
            let host = if name == "." { "origin" } else { name };
            let uri = format!("https://{host}.example/v/r{r}/index.m3u8");
            let path = if pathways {
                format!(",PATHWAY-ID=\"{name}\",STABLE-VARIANT-ID=\"r{r}\"")
            } else {
                String::new()
            };
            m += &format!(
                "#EXT-X-STREAM-INF:BANDWIDTH={},RESOLUTION={}x{}{path}\n{uri}\n",
                kbps * 1000,
                160 * (r + 2),
                90 * (r + 2)
            );
            uris.push(uri);
        }
    }
    let mut playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{}\n#EXT-X-PLAYLIST-TYPE:VOD\n",
        v.segment_s.ceil() as u64
    );
    for k in 0..v.segments() {
        playlist += &format!("#EXTINF:{:.3},\nseg{k}.m4s\n", v.segment_s);
    }
    playlist += "#EXT-X-ENDLIST\n";
    (m, uris.into_iter().map(|_| playlist.clone()).collect())
}

/// The stage of `scn` for `policy`.
pub fn stage(scn: &Scenario, policy: Policy) -> Stage {
    let pathways = policy != Policy::Oracle;
    let (manifest, playlists) = manifest(scn, pathways);
    let url = "https://cdn-a.example/v/master.m3u8".to_owned();
    // Invariant: the manifest is built above from valid parts.
    let p = dmoe_core::parse(manifest.as_bytes(), &ParseOptions::new().base_url(&url))
        .expect("scenario manifest parses");
    debug_assert_eq!(p.format, ManifestFormat::HlsMultivariant);
    let rungs = scn.video.bitrates_kbps.len();
    // Renditions in order of the variants: rung r of pathway e is entry e * rungs + r.
    let rung_of: Vec<usize> = p
        .renditions
        .iter()
        .map(|r| {
            r.uri
                .as_deref()
                .and_then(|u| u.split("/r").nth(1))
                .and_then(|t| t.split('/').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        })
        .collect();
    let edges = scn
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut n = NetEdge::new(&e.name, TraceLink::new(&e.trace), e.rtt_s);
            for f in scn.faults.iter().filter(|f| f.edge == i) {
                match f.kind {
                    FaultKind::Down => n.down.push((f.from_s, f.to_s)),
                    FaultKind::Blackhole => n.blackhole.push((f.from_s, f.to_s)),
                    FaultKind::RttSpike(r) => n.rtt_spikes.push((f.from_s, f.to_s, r)),
                    FaultKind::Duress => {
                        n.duress.push((f.from_s, f.to_s));
                        n.rtt_spikes.push((f.from_s, f.to_s, 4.0 * e.rtt_s));
                    }
                    // Baked into the trace.
                    FaultKind::Collapse(_) | FaultKind::Cap(_) => {}
                }
            }
            n
        })
        .collect();
    let media_s = scn.video.segment_s * scn.video.segments() as f64;
    let _ = rungs;
    Stage {
        first: Event::ManifestLoaded {
            url,
            body: manifest,
        },
        playlists: playlists
            .into_iter()
            .enumerate()
            .map(|(i, body)| Event::PlaylistLoaded {
                rendition: dmoe_core::RenditionId(i as u32),
                body,
            })
            .collect(),
        rung_of,
        video: scn.video.clone(),
        init_bytes: 1500.0,
        edges,
        steering: if pathways {
            scn.steering.clone()
        } else {
            Vec::new()
        },
        steering_ttl_s: scn.steering_ttl_s,
        seeks: Vec::new(),
        until_s: 3.0 * media_s + 600.0,
        progress_s: Some(PROGRESS_S),
        start_buffer_s: scn.video.segment_s,
        max_buffer_s: MAX_BUFFER_S,
        router: if pathways {
            Router::AsAsked
        } else {
            Router::Oracle
        },
        last_mile: scn.last_mile.as_ref().map(TraceLink::new),
    }
}

/// The agent configuration of `policy` (the hybrid ABR, hls.js's 30 s buffer goal).
pub fn config(policy: Policy, seed: u64) -> Config {
    Config {
        abr: "hybrid".into(),
        max_buffer: Duration::from_secs_f64(MAX_BUFFER_S),
        seed: Some(seed),
        edge_policy: if policy == Policy::Static {
            EdgePolicy::Priority
        } else {
            EdgePolicy::Measured
        },
        probes: policy != Policy::DmoeNoProbes,
        // The oracle router already sends each request where it arrives soonest: the
        // agent's deadlines would second-guess it.
        deadlines: policy != Policy::Oracle,
        ..Config::default()
    }
}

const PROGRESS_S: f64 = 0.25;
/// hls.js's default `maxBufferLength`.
const MAX_BUFFER_S: f64 = 30.0;

/// The steering controller's order the session had at `t` (the last one delivered).
fn order_at(t: &Transcript, at: f64) -> Option<&[String]> {
    t.steering_orders
        .iter()
        .rfind(|(when, _)| *when <= at)
        .map(|(_, o)| o.as_slice())
}

/// Score a transcript of `scn`.
pub fn result(scn: &Scenario, policy: Policy, t: &Transcript) -> EdgeSimResult {
    let v = &scn.video;
    let kbps: Vec<u64> = t.played.iter().map(|p| v.bitrates_kbps[p.rung]).collect();
    let rebuf: Vec<f64> = t.played.iter().map(|p| p.stall_s).collect();
    let mut switches = 0;
    let mut flaps = 0;
    let mut off_priority = 0;
    let mut left_at = vec![f64::NEG_INFINITY; scn.edges.len()];
    let mut explanations = Vec::new();
    for w in t.played.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.edge != b.edge {
            switches += 1;
            // A return within a minute to an edge left, not forced by a failure.
            if !b.failover && b.at_s - left_at[b.edge] < 60.0 {
                flaps += 1;
            }
            left_at[a.edge] = b.at_s;
        }
    }
    if policy != Policy::Oracle {
        for p in &t.played {
            // The order in force when the request went out.
            if let Some(order) = order_at(t, p.sent_s)
                && !order.iter().any(|n| *n == scn.edges[p.edge].name)
            {
                off_priority += 1;
            }
        }
    }
    for (time, line) in t.output_times.iter().zip(&t.outputs) {
        let Ok(o) = serde_json::from_str::<Output>(line) else {
            continue;
        };
        let why = match o {
            Output::Fetch(f) => f.why,
            Output::Abandon { why, .. } => Some(why),
            _ => None,
        };
        if let Some(w) = why
            && let Some(e) = &w.edge
            && !matches!(e.reason, EdgeReason::Start | EdgeReason::Stay)
        {
            explanations.push((*time, w.to_string()));
        }
    }
    EdgeSimResult {
        scenario: scn.name.clone(),
        policy,
        qoe_lin_per_chunk: qoe_lin(&kbps, &rebuf),
        avg_bitrate_kbps: kbps.iter().sum::<u64>() as f64 / kbps.len().max(1) as f64,
        rebuffer_s: rebuf.iter().skip(1).sum(),
        failovers_ms: t.failovers_ms.clone(),
        edge_switches: switches,
        flaps,
        session_s: t.session_s,
        probes: t.probes,
        off_priority_fetches: off_priority,
        explanations,
        refused: t.refused.clone(),
        segments: t.played.len(),
    }
}

/// Run one session of `scn` under `policy` through the agent.
pub fn simulate_edges(scn: &Scenario, policy: Policy, seed: u64) -> EdgeSimResult {
    // Invariant: the configuration is built above from valid values.
    let agent = dmoe_abr::agent(config(policy, seed)).expect("valid scenario config");
    let mut d = Driver::Agent(Box::new(agent));
    let t = player::run(&mut d, &stage(scn, policy));
    result(scn, policy, &t)
}

/// Edge throughput levels of the built-in scenarios, Mbps. The edges differ as a
/// multi-CDN deployment's do: the primary is the fastest and the only one that sustains the
/// top rung (6 Mb/s); the backups carry the rung below it (4.3 Mb/s), not the top one.
const LEVELS: [f64; 4] = [10.0, 5.0, 4.6, 4.3];
/// The ladder of the edge scenarios: the built-in ladder with a 6 Mb/s top rung.
const LADDER_KBPS: [u64; 7] = [300, 750, 1200, 1850, 2850, 4300, 6000];
const RTTS: [f64; 4] = [0.03, 0.04, 0.05, 0.06];
const TRACE_S: usize = 1200;
/// Faults start here: the buffer is well past two segments by then.
const FAULT_AT: f64 = 150.0;

/// Faults baked into a trace: `(from_s, to_s, factor, cap_mbps)`.
type Baked = (f64, f64, f64, f64);

fn edge_trace(rng: &mut SplitMix, name: &str, level: f64, faults: &[Baked]) -> Trace {
    let mut v = 1.0f64;
    let mbps: Vec<f64> = (0..=TRACE_S)
        .map(|t| {
            // A mean-reverting walk of ±10 % around the edge's level.
            v = (v * rng.range(-0.05, 0.05).exp()).clamp(0.85, 1.15);
            let mut m = level * v;
            for &(from, to, factor, cap) in faults {
                if from <= t as f64 && (t as f64) < to {
                    m = (m * factor).min(cap * v);
                }
            }
            m.max(0.05)
        })
        .collect();
    let time = (0..=TRACE_S).map(|t| t as f64).collect();
    // Invariant: 1201 increasing points, positive throughput.
    Trace::new(name, time, mbps).expect("valid generated trace")
}

/// A last mile that is never the bottleneck (1 Gb/s) but in the `(from, to, Mbps)` caps.
fn last_mile_trace(caps: &[(f64, f64, f64)]) -> Trace {
    let mut points: Vec<(f64, f64)> = vec![(0.0, 1000.0)];
    for &(from, to, m) in caps {
        points.push((from, m));
        points.push((to, 1000.0));
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Value i holds over (t[i-1], t[i]]: each cap's value at its window's end.
    let mut time = vec![0.0];
    let mut mbps = vec![0.0];
    for w in points.windows(2) {
        if w[1].0 > w[0].0 {
            time.push(w[1].0);
            mbps.push(w[0].1);
        }
    }
    time.push(100_000.0);
    mbps.push(points.last().map_or(1000.0, |p| p.1));
    // Invariant: ascending times with positive rates.
    Trace::new("last-mile", time, mbps).expect("valid last-mile trace")
}

/// The built-in multi-edge fault scenarios (four edges, ten-minute video), from a seed.
pub fn builtin_edge_scenarios(seed: u64) -> Vec<Scenario> {
    let names: Vec<String> = ["cdn-a", "cdn-b", "cdn-c", "cdn-d"]
        .map(String::from)
        .to_vec();
    let video = crate::builtin::builtin_video_ladder(seed, 150, &LADDER_KBPS);
    let end = FAULT_AT;
    type Spec = (&'static str, Vec<Fault>, Vec<(f64, SteeringReply)>);
    let all = |p: &[&str]| SteeringReply::Priority(p.iter().map(|s| s.to_string()).collect());
    let order = all(&["cdn-a", "cdn-b", "cdn-c", "cdn-d"]);
    let f = |edge, kind, from_s, to_s| Fault {
        edge,
        kind,
        from_s,
        to_s,
    };
    let specs: Vec<Spec> = vec![
        ("steady", vec![], vec![(0.0, order.clone())]),
        (
            "primary-down-30s",
            vec![f(0, FaultKind::Down, end, end + 30.0)],
            vec![(0.0, order.clone())],
        ),
        (
            "primary-degrades",
            vec![f(0, FaultKind::Collapse(0.15), end, end + 300.0)],
            vec![(0.0, order.clone())],
        ),
        (
            "primary-blackhole-30s",
            vec![f(0, FaultKind::Blackhole, end, end + 30.0)],
            vec![(0.0, order.clone())],
        ),
        (
            "rtt-spike",
            vec![f(0, FaultKind::RttSpike(2.0), end, end + 120.0)],
            vec![(0.0, order.clone())],
        ),
        (
            "duress",
            vec![f(0, FaultKind::Duress, end, end + 150.0)],
            vec![(0.0, order.clone())],
        ),
        (
            // The steering server fails (429, then garbage) just when the primary
            // degrades: it cannot move the session until it recovers and removes the
            // primary; then it stops (410).
            "steering-faults",
            vec![f(0, FaultKind::Collapse(0.15), 220.0, 340.0)],
            vec![
                (0.0, order.clone()),
                (100.0, SteeringReply::TooMany(60)),
                (200.0, SteeringReply::Garbage),
                (340.0, all(&["cdn-b", "cdn-c", "cdn-d"])),
                (400.0, SteeringReply::Gone),
            ],
        ),
        (
            "last-mile",
            vec![f(0, FaultKind::Cap(1.5), end, end + 150.0)],
            vec![(0.0, order.clone())],
        ),
        (
            "all-down-10s",
            (0..4)
                .map(|e| f(e, FaultKind::Down, end, end + 10.0))
                .collect(),
            vec![(0.0, order)],
        ),
    ];
    specs
        .into_iter()
        .enumerate()
        .map(|(i, (name, faults, steering))| {
            let mut rng = SplitMix::new(seed.wrapping_mul(0x9E37).wrapping_add(i as u64));
            let edges = names
                .iter()
                .enumerate()
                .map(|(e, n)| {
                    let baked: Vec<Baked> = faults
                        .iter()
                        .filter(|x| x.edge == e)
                        .filter_map(|x| match x.kind {
                            FaultKind::Collapse(c) => Some((x.from_s, x.to_s, c, f64::INFINITY)),
                            FaultKind::Duress => Some((x.from_s, x.to_s, 1.0 / 3.0, f64::INFINITY)),
                            FaultKind::Cap(_) => None,
                            _ => None,
                        })
                        .collect();
                    EdgeSpec {
                        name: n.clone(),
                        trace: edge_trace(&mut rng, n, LEVELS[e], &baked),
                        rtt_s: RTTS[e],
                    }
                })
                .collect();
            let caps: Vec<(f64, f64, f64)> = faults
                .iter()
                .filter_map(|x| match x.kind {
                    FaultKind::Cap(m) => Some((x.from_s, x.to_s, m)),
                    _ => None,
                })
                .collect();
            let last_mile = (!caps.is_empty()).then(|| last_mile_trace(&caps));
            Scenario {
                last_mile,
                control: matches!(name, "steady" | "last-mile" | "all-down-10s"),
                name: name.to_owned(),
                edges,
                faults,
                steering,
                steering_ttl_s: 30,
                video: video.clone(),
            }
        })
        .collect()
}

/// Spread of `sessions` fresh agents (each with its own entropy) over `edges` equal
/// pathways with no measurements: each agent's first fetch goes where rendezvous hashing
/// of its session id puts it. The busiest edge's share over the mean.
pub fn load_spread(sessions: usize, edges: usize, seed: u64) -> f64 {
    let mut m = String::from("#EXTM3U\n");
    for e in 0..edges {
        m += &format!(
            "#EXT-X-STREAM-INF:BANDWIDTH=1000000,PATHWAY-ID=\"edge-{e}\"\nhttps://edge-{e}.example/v.m3u8\n"
        );
    }
    let mut counts = vec![0usize; edges];
    for i in 0..sessions {
        let cfg = Config {
            seed: Some(seed.wrapping_mul(1_000_003).wrapping_add(i as u64) & ((1 << 53) - 1)),
            telemetry: dmoe_core::agent::TelemetryConfig {
                enabled: false,
                ..Default::default()
            },
            ..Config::default()
        };
        let Ok(mut a) = dmoe_abr::agent(cfg) else {
            return f64::NAN;
        };
        let input = dmoe_core::agent::Input::new(
            Timestamp::ZERO,
            Event::ManifestLoaded {
                url: "https://edge-0.example/m.m3u8".into(),
                body: m.clone(),
            },
        );
        if a.handle_input(input).is_err() {
            return f64::NAN;
        }
        while let Some(o) = a.poll_output() {
            if let Output::LoadPlaylist { url, .. } = o
                && let Some(e) = (0..edges).find(|e| url.contains(&format!("edge-{e}.")))
            {
                counts[e] += 1;
            }
        }
    }
    let mean = sessions as f64 / edges.max(1) as f64;
    counts.iter().copied().max().unwrap_or(0) as f64 / mean
}
