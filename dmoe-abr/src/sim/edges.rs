//! Multi-edge simulation: one session fetches a video from several CDN edges, each with its
//! own throughput trace and round-trip time, while faults are injected — an edge down, an
//! RTT spike, a throughput collapse, a CMSD duress flag, a steering server that answers
//! 429, 410 or garbage — and three edge policies are compared with the same ABR
//! ([`Hybrid`]) on top:
//!
//! - [`Policy::Static`]: what players do today — follow the steering controller's order,
//!   and on a failed request move to the next pathway and penalise the failed one for
//!   300 s (hls.js).
//! - [`Policy::Dmoe`]: DMOE's [`EdgeSelector`] — scoring, breakers, duress, probes and
//!   joint edge-before-quality switching.
//! - [`Policy::Oracle`]: knows every edge's future: each request goes to the edge that
//!   will deliver it soonest (a bound, not a product).
//!
//! Everything runs on a simulated clock; the steering server and CMSD headers are produced
//! as text and go through DMOE's real parsers.

use std::time::Duration;

use dmoe_core::edge::{
    CmsdDynamic, EdgeConfig, EdgeId, EdgeSelector, FetchPlan, RequestFailure, SelectorConfig,
    SteeringClient, SteeringProtocol,
};
use dmoe_core::{
    AbrContext, AbrController, ByteCount, Caps, InFlight, Ladder, PathEstimate, PlaybackState,
    Timestamp, TransferSample,
};

use super::builtin::SplitMix;
use super::{Link, Trace, Video, builtin_video_of, qoe_lin};
use crate::Hybrid;

/// A fault on one edge during `[from_s, to_s)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// Every request fails with HTTP 503 after one round trip.
    Down,
    /// The round-trip time becomes this many seconds.
    RttSpike(f64),
    /// Throughput is multiplied by this factor (baked into the edge's trace).
    Collapse(f64),
    /// The edge sends `CMSD-Dynamic: ...;du` (and, overloaded, delivers half its throughput).
    Duress,
    /// Throughput is capped at this many Mbps (baked into the trace): a bottleneck that
    /// every edge shares, such as the device's own link.
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

/// What the steering server answers from a given time on.
#[derive(Debug, Clone, PartialEq)]
pub enum SteeringReply {
    /// 200 with this pathway order (and a TTL).
    Priority(Vec<String>),
    /// 429 with `Retry-After` seconds.
    TooMany(u64),
    /// 200 with a body that is not a steering manifest.
    Garbage,
    /// 410: steering is over.
    Gone,
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
}

/// An edge policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Controller order with hls.js's 300 s penalty on failure.
    Static,
    /// DMOE's edge selector.
    Dmoe,
    /// Knows each edge's future throughput.
    Oracle,
}

impl Policy {
    /// All three, in report order.
    pub const ALL: [Self; 3] = [Self::Static, Self::Dmoe, Self::Oracle];

    /// Name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Static => "static",
            Self::Dmoe => "dmoe",
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
    /// Explanations of the policy's edge switches (DMOE only), with times.
    pub explanations: Vec<(f64, String)>,
}

fn at(clock: f64) -> Timestamp {
    Timestamp::from_micros((clock.max(0.0) * 1e6) as u64)
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

struct Net<'s> {
    scn: &'s Scenario,
    links: Vec<Link<'s>>,
    clock: f64,
}

impl<'s> Net<'s> {
    fn new(scn: &'s Scenario) -> Self {
        Self {
            scn,
            links: scn
                .edges
                .iter()
                .map(|e| Link::new(&e.trace.time_s, &e.trace.mbps))
                .collect(),
            clock: 0.0,
        }
    }
    fn active(&self, e: usize, kind: fn(&FaultKind) -> bool, t: f64) -> Option<FaultKind> {
        self.scn
            .faults
            .iter()
            .find(|f| f.edge == e && kind(&f.kind) && f.from_s <= t && t < f.to_s)
            .map(|f| f.kind)
    }
    fn down(&self, e: usize, t: f64) -> bool {
        self.active(e, |k| matches!(k, FaultKind::Down), t)
            .is_some()
    }
    fn blackhole(&self, e: usize, t: f64) -> bool {
        self.active(e, |k| matches!(k, FaultKind::Blackhole), t)
            .is_some()
    }
    fn duress(&self, e: usize, t: f64) -> bool {
        self.active(e, |k| matches!(k, FaultKind::Duress), t)
            .is_some()
    }
    fn rtt(&self, e: usize, t: f64) -> f64 {
        match self.active(e, |k| matches!(k, FaultKind::RttSpike(_)), t) {
            Some(FaultKind::RttSpike(r)) => r,
            _ => self.scn.edges[e].rtt_s,
        }
    }
    /// Let `dt` pass on every link but `busy`.
    fn pass(&mut self, busy: Option<usize>, dt: f64) {
        for (i, l) in self.links.iter_mut().enumerate() {
            if Some(i) != busy {
                l.idle(dt);
            }
        }
        self.clock += dt;
    }
    /// What fetching `bytes` from `e` now would take (rtt, transfer), without doing it.
    fn preview(&self, e: usize, bytes: f64) -> Option<(f64, f64)> {
        if self.down(e, self.clock) || self.blackhole(e, self.clock) {
            return None;
        }
        let rtt = self.rtt(e, self.clock);
        let mut l = self.links[e].clone();
        l.idle(rtt);
        let (t, _) = l.transfer(bytes, |_, _| true);
        Some((rtt, t))
    }
    fn steering_reply(&self) -> Option<&'s SteeringReply> {
        self.scn
            .steering
            .iter()
            .rev()
            .find(|(from, _)| *from <= self.clock)
            .map(|(_, r)| r)
    }
}

enum Attempt {
    /// Bytes, ttfb, total seconds.
    Done(f64, f64, f64),
    Failed(RequestFailure),
    /// Refetch at this rung; bytes, ttfb, seconds of the abandoned part.
    Abandoned(usize, f64, f64, f64),
}

/// The per-policy edge logic.
enum Chooser {
    Static { penalty_until: Vec<f64> },
    Dmoe(Box<EdgeSelector>),
    Oracle,
}

struct Session<'s> {
    net: Net<'s>,
    video: &'s Video,
    ladder: Ladder,
    flat: Vec<u64>,
    abr: Hybrid,
    chooser: Chooser,
    steering: SteeringClient,
    /// Allowed edges in the controller's order.
    priority: Vec<usize>,
    current: Option<usize>,
    buffer: f64,
    probes: u32,
    explanations: Vec<(f64, String)>,
    last_tput: Option<f64>,
}

const PROGRESS_S: f64 = 0.25;
/// hls.js's default `maxBufferLength`.
const MAX_BUFFER_S: f64 = 30.0;
const STATIC_PENALTY_S: f64 = 300.0;
/// Time-to-first-byte timeout of the static policy: hls.js's `fragLoadPolicy` default
/// `maxTimeToFirstByteMs` (10 s).
const STATIC_TTFB_TIMEOUT_S: f64 = 10.0;

impl<'s> Session<'s> {
    fn ctx(&self, k: usize, previous: Option<usize>, buffer: f64) -> AbrContext<'_> {
        let n = self.ladder.len();
        AbrContext {
            now: at(self.net.clock),
            ladder: &self.ladder,
            buffer: secs(buffer),
            max_buffer: secs(MAX_BUFFER_S),
            previous,
            segment_duration: secs(self.video.segment_s),
            upcoming_sizes: &self.flat[(k * n).min(self.flat.len())..],
            segments_remaining: Some((self.video.segments() - k) as u32),
            state: PlaybackState::Playing,
            playback_rate: 1.0,
            caps: Caps::default(),
            live: None,
        }
    }

    fn names(&self) -> Vec<String> {
        self.net.scn.edges.iter().map(|e| e.name.clone()).collect()
    }

    fn poll_steering(&mut self) {
        let cur = self.current.map(|c| self.net.scn.edges[c].name.clone());
        let used: Vec<(&str, Option<u64>)> = cur
            .as_deref()
            .map(|c| vec![(c, self.last_tput.map(|t| t as u64))])
            .unwrap_or_default();
        let now = at(self.net.clock);
        if self.steering.poll(now, &used).is_none() {
            return;
        }
        let (status, retry, body) = match self.net.steering_reply() {
            Some(SteeringReply::Priority(p)) => {
                let list: Vec<String> = p.iter().map(|s| format!("\"{s}\"")).collect();
                let body = format!(
                    "{{\"VERSION\":1,\"TTL\":{},\"PATHWAY-PRIORITY\":[{}]}}",
                    self.net.scn.steering_ttl_s,
                    list.join(",")
                );
                (200, None, body)
            }
            Some(SteeringReply::TooMany(s)) => (429, Some(Duration::from_secs(*s)), String::new()),
            Some(SteeringReply::Garbage) => (200, None, "<html>502 Bad Gateway</html>".into()),
            Some(SteeringReply::Gone) => (410, None, String::new()),
            None => (404, None, String::new()),
        };
        let before = self.steering.generation();
        // Garbage is a typed error; the previous order stays in force.
        let _ = self
            .steering
            .on_response(now, status, retry, body.as_bytes());
        if self.steering.generation() != before
            && let Some(m) = self.steering.manifest().cloned()
        {
            let names = self.names();
            self.priority = m
                .pathway_priority
                .iter()
                .filter_map(|p| names.iter().position(|n| n == p))
                .collect();
            if let Chooser::Dmoe(sel) = &mut self.chooser {
                // Every pathway the manifest names exists in the scenario.
                let _ = sel.apply_steering(&m);
            }
        }
    }

    fn path_change(&mut self, bps: Option<f64>, ttfb: Option<f64>) {
        self.abr.on_path_change(
            at(self.net.clock),
            &PathEstimate {
                throughput_bps: bps,
                ttfb: ttfb.map(secs),
            },
        );
    }

    /// Choose the edge for the next request; `failed` are edges this request failed on.
    fn choose_edge(&mut self, bytes: f64, failed: &[usize]) -> (usize, bool) {
        let now = at(self.net.clock);
        let plan = FetchPlan {
            bytes: bytes as u64,
            budget: secs(self.video.segment_s),
        };
        match &mut self.chooser {
            Chooser::Static { penalty_until } => {
                let clock = self.net.clock;
                let pick = self
                    .priority
                    .iter()
                    .copied()
                    .find(|&e| penalty_until[e] <= clock && !failed.contains(&e))
                    .or_else(|| self.priority.iter().copied().find(|e| !failed.contains(e)))
                    .unwrap_or(self.priority[0]);
                (pick, false)
            }
            Chooser::Dmoe(sel) => {
                let choice = if failed.is_empty() {
                    sel.select(now, &plan)
                } else {
                    let ids: Vec<EdgeId> = failed.iter().map(|&e| EdgeId(e as u16)).collect();
                    match sel.select_retry(now, &ids, &plan) {
                        Some(c) => c,
                        None => sel.select(now, &plan),
                    }
                };
                let e = choice.edge.0 as usize;
                if choice.switched() {
                    self.explanations
                        .push((self.net.clock, choice.explain(sel)));
                    let est = sel.estimate(now, choice.edge);
                    let bps = est
                        .and_then(|x| x.throughput_bps)
                        .unwrap_or(choice.throughput_bps);
                    let ttfb = est.and_then(|x| x.ttfb).map(|d| d.as_secs_f64());
                    self.path_change(Some(bps), ttfb);
                }
                (e, choice.misses_budget)
            }
            Chooser::Oracle => {
                let mut best: Option<(usize, f64, f64)> = None;
                for &e in &self.priority {
                    if let Some((rtt, t)) = self.net.preview(e, bytes)
                        && best.is_none_or(|(_, bt, _)| rtt + t < bt)
                    {
                        best = Some((e, rtt + t, bytes * 8.0 / t.max(1e-9)));
                    }
                }
                match best {
                    Some((e, _, bps)) => {
                        if self.current.is_some_and(|c| c != e) {
                            self.path_change(Some(bps), None);
                        }
                        (e, false)
                    }
                    None => (self.priority[0], false),
                }
            }
        }
    }

    fn on_failure(&mut self, e: usize, start: f64, why: RequestFailure) {
        match &mut self.chooser {
            Chooser::Static { penalty_until } => penalty_until[e] = start + STATIC_PENALTY_S,
            Chooser::Dmoe(sel) => sel.on_failure(at(self.net.clock), EdgeId(e as u16), why),
            Chooser::Oracle => {}
        }
    }

    fn on_success(&mut self, e: usize, bytes: f64, ttfb: f64, total: f64) {
        let now = at(self.net.clock);
        let sample = TransferSample {
            bytes: ByteCount(bytes as u64),
            ttfb: secs(ttfb),
            total: secs(total),
            server_hold: Duration::ZERO,
        };
        if let Chooser::Dmoe(sel) = &mut self.chooser {
            sel.on_transfer(now, EdgeId(e as u16), &sample);
            // The edge's CMSD header, as text through the real parser.
            let name = &self.net.scn.edges[e].name;
            let rtt_ms = (self.net.rtt(e, self.net.clock) * 1000.0) as u64;
            let header = if self.net.duress(e, self.net.clock) {
                format!("\"{name}\";rtt={rtt_ms};du")
            } else {
                format!("\"{name}\";rtt={rtt_ms}")
            };
            if let Ok(d) = CmsdDynamic::parse(&header) {
                sel.on_cmsd(now, EdgeId(e as u16), &d);
            }
        }
    }

    /// One request on edge `e` for segment `k` at `rung`; time passes.
    fn attempt(&mut self, e: usize, k: usize, rung: usize, previous: Option<usize>) -> Attempt {
        let rtt = self.net.rtt(e, self.net.clock);
        if self.net.down(e, self.net.clock) {
            self.net.pass(None, rtt);
            return Attempt::Failed(RequestFailure::Http(503));
        }
        if self.net.blackhole(e, self.net.clock) {
            let timeout = match &self.chooser {
                Chooser::Dmoe(sel) => sel.ttfb_timeout(EdgeId(e as u16)).as_secs_f64(),
                _ => STATIC_TTFB_TIMEOUT_S,
            };
            self.net.pass(None, timeout);
            return Attempt::Failed(RequestFailure::Timeout);
        }
        let bytes = self.video.sizes[k][rung] as f64;
        let start_buffer = self.buffer;
        let clock0 = self.net.clock;
        self.net.links[e].idle(rtt);
        let mut abandon_to = None;
        let (t, got) = {
            let abr = &mut self.abr;
            let ladder = &self.ladder;
            let video = self.video;
            let flat = &self.flat;
            let mut next = PROGRESS_S;
            self.net.links[e].transfer(bytes, |t, b| {
                if t < next || k == 0 {
                    return true;
                }
                next = t + PROGRESS_S;
                let now = at(clock0 + rtt + t);
                abr.on_progress(
                    now,
                    &TransferSample {
                        bytes: ByteCount(b as u64),
                        ttfb: Duration::ZERO,
                        total: secs(t),
                        server_hold: Duration::ZERO,
                    },
                );
                let n = ladder.len();
                let c = AbrContext {
                    now,
                    ladder,
                    buffer: secs(start_buffer - rtt - t),
                    max_buffer: secs(MAX_BUFFER_S),
                    previous,
                    segment_duration: secs(video.segment_s),
                    upcoming_sizes: &flat[(k * n).min(flat.len())..],
                    segments_remaining: Some((video.segments() - k) as u32),
                    state: PlaybackState::Playing,
                    playback_rate: 1.0,
                    caps: Caps::default(),
                    live: None,
                };
                let f = InFlight {
                    rung,
                    received: ByteCount(b as u64),
                    expected: ByteCount(bytes as u64),
                    elapsed: secs(rtt + t),
                };
                match abr.should_abandon(&c, &f) {
                    Some(r) if r < rung => {
                        abandon_to = Some(r);
                        false
                    }
                    _ => true,
                }
            })
        };
        self.net.pass(Some(e), rtt + t);
        match abandon_to {
            Some(r) => Attempt::Abandoned(r, got, rtt, rtt + t),
            None => Attempt::Done(bytes, rtt, rtt + t),
        }
    }

    /// While the buffer is full: wait, and let DMOE run its probes.
    fn idle(&mut self, wait: f64) {
        if let Chooser::Dmoe(sel) = &mut self.chooser
            && let Some(p) = sel.probe(at(self.net.clock))
        {
            let e = p.edge.0 as usize;
            self.probes += 1;
            match self.net.preview(e, p.bytes as f64) {
                Some((rtt, t)) if rtt + t <= wait => {
                    let now = at(self.net.clock + rtt + t);
                    sel.on_transfer(
                        now,
                        p.edge,
                        &TransferSample {
                            bytes: ByteCount(p.bytes),
                            ttfb: secs(rtt),
                            total: secs(rtt + t),
                            server_hold: Duration::ZERO,
                        },
                    );
                }
                Some(_) => {}
                None => {
                    let rtt = self.net.rtt(e, self.net.clock);
                    sel.on_failure(at(self.net.clock + rtt), p.edge, RequestFailure::Http(503))
                }
            }
            // The probe ran on its own edge's link while the player waited; the wait
            // itself is unchanged.
        }
        self.net.pass(None, wait);
    }
}

/// Run one session of `scn` under `policy`.
pub fn simulate_edges(scn: &Scenario, policy: Policy, seed: u64) -> EdgeSimResult {
    let names: Vec<String> = scn.edges.iter().map(|e| e.name.clone()).collect();
    let chooser = match policy {
        Policy::Static => Chooser::Static {
            penalty_until: vec![f64::NEG_INFINITY; scn.edges.len()],
        },
        Policy::Dmoe => {
            let mut cfg = SelectorConfig::new(format!("{}-{seed}", scn.name));
            cfg.seed = seed;
            let edges = names.iter().map(EdgeConfig::new).collect();
            // Invariant: built-in scenarios have 1..=64 uniquely named edges.
            Chooser::Dmoe(Box::new(
                EdgeSelector::new(cfg, edges).expect("valid scenario edges"),
            ))
        }
        Policy::Oracle => Chooser::Oracle,
    };
    let steering = SteeringClient::new(
        "https://steer.example/v1",
        SteeringProtocol::Hls,
        Timestamp::ZERO,
    )
    .expect("static URL");
    let video = &scn.video;
    let mut s = Session {
        net: Net::new(scn),
        video,
        ladder: video.ladder(),
        flat: video.flat_sizes(),
        abr: Hybrid::default(),
        chooser,
        steering,
        priority: (0..scn.edges.len()).collect(),
        current: None,
        buffer: 0.0,
        probes: 0,
        explanations: Vec::new(),
        last_tput: None,
    };
    if let Chooser::Dmoe(sel) = &mut s.chooser {
        sel.set_priority(&names);
    }
    s.abr.on_playback(Timestamp::ZERO, PlaybackState::Starting);

    let mut kbps = Vec::with_capacity(video.segments());
    let mut rebuf = Vec::with_capacity(video.segments());
    let mut failovers = Vec::new();
    let mut switches = 0;
    let mut flaps = 0;
    let mut off_priority = 0;
    // When each edge was last left (voluntarily or not).
    let mut left_at = vec![f64::NEG_INFINITY; scn.edges.len()];
    let mut previous: Option<usize> = None;
    let mut played: Vec<usize> = Vec::with_capacity(video.segments());
    for k in 0..video.segments() {
        s.poll_steering();
        // The quality the session has been holding: the best of the last three segments,
        // so an edge that forced a step down is still judged on what it should carry.
        let plan_rung = played.iter().rev().take(3).copied().max().unwrap_or(0);
        let (mut e, _) = s.choose_edge(video.sizes[k][plan_rung] as f64, &[]);
        let mut rung = s.abr.choose(&s.ctx(k, previous, s.buffer)).rung;
        let mut stall = 0.0;
        let mut failed: Vec<usize> = Vec::new();
        let mut fail_start: Option<f64> = None;
        let (bytes, ttfb, total) = loop {
            let t0 = s.net.clock;
            let outcome = s.attempt(e, k, rung, previous);
            let dt = s.net.clock - t0;
            if k > 0 {
                stall += (dt - s.buffer).max(0.0);
            }
            s.buffer = (s.buffer - dt).max(0.0);
            match outcome {
                Attempt::Done(b, ttfb, total) => {
                    if let Some(f) = fail_start
                        && failed.iter().any(|&x| x != e)
                    {
                        failovers.push((t0 + ttfb - f) * 1000.0);
                    }
                    break (b, ttfb, total);
                }
                Attempt::Abandoned(r, got, ttfb, total) => {
                    // What arrived before abandoning still measures the edge.
                    s.on_success(e, got, ttfb, total);
                    rung = r;
                    if matches!(s.chooser, Chooser::Dmoe(_)) {
                        // Joint decision: another edge may carry the quality this one
                        // cannot; then the ABR chooses again on that edge's estimate.
                        let (ne, _) = s.choose_edge(video.sizes[k][plan_rung] as f64, &[]);
                        if ne != e {
                            e = ne;
                            rung = s.abr.choose(&s.ctx(k, previous, s.buffer)).rung;
                        }
                    }
                }
                Attempt::Failed(why) => {
                    fail_start.get_or_insert(t0);
                    s.on_failure(e, t0, why);
                    failed.push(e);
                    if failed.len() >= scn.edges.len() {
                        // Everything failed: wait a second and start over.
                        s.net.pass(None, 1.0);
                        if k > 0 {
                            stall += (1.0 - s.buffer).max(0.0);
                        }
                        s.buffer = (s.buffer - 1.0).max(0.0);
                        failed.clear();
                    }
                    let (ne, misses) = s.choose_edge(video.sizes[k][rung] as f64, &failed);
                    if misses {
                        rung = s.abr.choose(&s.ctx(k, previous, s.buffer)).rung.min(rung);
                    }
                    e = ne;
                }
            }
        };
        if !s.priority.contains(&e) {
            off_priority += 1;
        }
        if let Some(c) = s.current
            && c != e
        {
            switches += 1;
            let forced = !failed.is_empty();
            if !forced && s.net.clock - left_at[e] < 60.0 {
                flaps += 1;
            }
            left_at[c] = s.net.clock;
        }
        s.current = Some(e);
        s.last_tput = Some(bytes * 8.0 / (total - ttfb).max(1e-6));
        if k == 0 {
            s.abr.on_playback(at(s.net.clock), PlaybackState::Playing);
        }
        s.abr.on_segment_complete(
            at(s.net.clock),
            &TransferSample {
                bytes: ByteCount(bytes as u64),
                ttfb: secs(ttfb),
                total: secs(total),
                server_hold: Duration::ZERO,
            },
        );
        s.on_success(e, bytes, ttfb, total);
        s.buffer += video.segment_s;
        if s.buffer > MAX_BUFFER_S {
            let wait = s.buffer - MAX_BUFFER_S;
            s.idle(wait);
            s.buffer = MAX_BUFFER_S;
        }
        kbps.push(video.bitrates_kbps[rung]);
        rebuf.push(stall);
        previous = Some(rung);
        played.push(rung);
    }
    EdgeSimResult {
        scenario: scn.name.clone(),
        policy,
        qoe_lin_per_chunk: qoe_lin(&kbps, &rebuf),
        avg_bitrate_kbps: kbps.iter().sum::<u64>() as f64 / kbps.len().max(1) as f64,
        rebuffer_s: rebuf.iter().skip(1).sum(),
        failovers_ms: failovers,
        edge_switches: switches,
        flaps,
        session_s: s.net.clock,
        probes: s.probes,
        off_priority_fetches: off_priority,
        explanations: s.explanations,
    }
}

/// Edge throughput levels of the built-in scenarios, Mbps: the primary is the best.
const LEVELS: [f64; 4] = [7.0, 6.0, 5.5, 5.0];
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

/// The built-in multi-edge fault scenarios (four edges, ten-minute video), from a seed.
pub fn builtin_edge_scenarios(seed: u64) -> Vec<Scenario> {
    let names: Vec<String> = ["cdn-a", "cdn-b", "cdn-c", "cdn-d"]
        .map(String::from)
        .to_vec();
    let video = builtin_video_of(seed, 150);
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
            "steering-faults",
            vec![],
            vec![
                (0.0, order.clone()),
                (100.0, SteeringReply::TooMany(60)),
                (200.0, SteeringReply::Garbage),
                (260.0, all(&["cdn-b", "cdn-c", "cdn-d"])),
                (400.0, SteeringReply::Gone),
            ],
        ),
        (
            "last-mile",
            (0..4)
                .map(|e| f(e, FaultKind::Cap(1.5), end, end + 150.0))
                .collect(),
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
                            FaultKind::Duress => Some((x.from_s, x.to_s, 0.5, f64::INFINITY)),
                            FaultKind::Cap(m) => Some((x.from_s, x.to_s, 1.0, m)),
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
            Scenario {
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

/// Spread of `sessions` fresh devices over `edges` equal edges with no measurements (each
/// picks by rendezvous hashing of its session id): the busiest edge's share over the mean.
pub fn load_spread(sessions: usize, edges: usize, seed: u64) -> f64 {
    let names: Vec<String> = (0..edges).map(|e| format!("edge-{e}")).collect();
    let mut counts = vec![0usize; edges];
    let plan = FetchPlan {
        bytes: 1_000_000,
        budget: Duration::from_secs(4),
    };
    for i in 0..sessions {
        let mut cfg = SelectorConfig::new(format!("{seed:016x}-session-{i}"));
        cfg.seed = seed;
        // Invariant: edge names are unique and their number small.
        let Ok(mut sel) = EdgeSelector::new(cfg, names.iter().map(EdgeConfig::new).collect())
        else {
            return f64::NAN;
        };
        counts[sel.select(Timestamp::ZERO, &plan).edge.0 as usize] += 1;
    }
    let mean = sessions as f64 / edges.max(1) as f64;
    counts.iter().copied().max().unwrap_or(0) as f64 / mean
}
