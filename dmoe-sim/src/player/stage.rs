//! What a simulation is given (the stage: edges, links, faults, the script) and what it
//! reports (the transcript).

use dmoe_core::agent::{Advisor, Agent, Event};

use crate::Video;
use crate::link::TraceLink;

/// One simulated edge: its link and its faults.
#[derive(Debug, Clone)]
pub struct NetEdge {
    /// Pathway ID.
    pub name: String,
    /// Throughput over time.
    pub link: TraceLink,
    /// Round-trip time, seconds.
    pub rtt_s: f64,
    /// `[from, to)` windows in which requests fail with HTTP 503 after one round trip.
    pub down: Vec<(f64, f64)>,
    /// `[from, to)` windows in which requests get no answer at all.
    pub blackhole: Vec<(f64, f64)>,
    /// `[from, to, rtt)`: windows with another round-trip time.
    pub rtt_spikes: Vec<(f64, f64, f64)>,
    /// `[from, to)` windows in which responses carry `CMSD-Dynamic: ...;du`.
    pub duress: Vec<(f64, f64)>,
}

pub(super) fn within(w: &[(f64, f64)], t: f64) -> bool {
    w.iter().any(|(a, b)| *a <= t && t < *b)
}

impl NetEdge {
    /// An edge without faults.
    pub fn new(name: &str, link: TraceLink, rtt_s: f64) -> Self {
        Self {
            name: name.to_owned(),
            link,
            rtt_s,
            down: Vec::new(),
            blackhole: Vec::new(),
            rtt_spikes: Vec::new(),
            duress: Vec::new(),
        }
    }

    pub(super) fn rtt(&self, t: f64) -> f64 {
        self.rtt_spikes
            .iter()
            .find(|(a, b, _)| *a <= t && t < *b)
            .map_or(self.rtt_s, |s| s.2)
    }

    /// When a request of `bytes` sent at `t` would complete (None: it would not).
    pub(super) fn completes(&self, t: f64, bytes: f64) -> Option<f64> {
        if within(&self.down, t) || within(&self.blackhole, t) {
            return None;
        }
        Some(self.link.finish(t + self.rtt(t), bytes))
    }
}

/// What the steering server answers from a given time on.
#[derive(Debug, Clone, PartialEq)]
pub enum SteeringReply {
    /// 200 with this pathway order (and the stage's TTL).
    Priority(Vec<String>),
    /// 429 with `Retry-After` seconds.
    TooMany(u64),
    /// 200 with a body that is not a steering manifest.
    Garbage,
    /// 410: steering is over.
    Gone,
}

/// Where requests go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Router {
    /// To the edge the agent named (a player).
    AsAsked,
    /// Reference host: to the edge that will deliver the request soonest, whatever the
    /// agent named (a router that knows every edge's future; a bound, not a product).
    Oracle,
}

/// Who decides.
#[derive(Debug)]
pub enum Driver {
    /// The full agent: it decides what to fetch, from where, and when.
    Agent(Box<Agent>),
    /// The advisor: the player fetches the segments in order itself, when its buffer has
    /// room, and asks the advisor which rendition each one should be.
    Advisor(Box<Advisor>),
}

/// A session to play.
#[derive(Debug, Clone)]
pub struct Stage {
    /// The first input: the manifest ([`Event::ManifestLoaded`]) or the ladder the player
    /// parsed ([`Event::LadderLoaded`]).
    pub first: Event,
    /// The answer to a playlist load, per rendition ([`Event::PlaylistLoaded`] or
    /// [`Event::SegmentsLoaded`]).
    pub playlists: Vec<Event>,
    /// The rung of each rendition (for segment sizes).
    pub rung_of: Vec<usize>,
    /// Segment sizes: segment number `k` at rung `r` is `video.sizes[k][r]` bytes.
    pub video: Video,
    /// Bytes of an init section.
    pub init_bytes: f64,
    /// The edges; the first is where requests for unknown pathways fail fast.
    pub edges: Vec<NetEdge>,
    /// The steering server's answers, `(from_s, reply)` ascending.
    pub steering: Vec<(f64, SteeringReply)>,
    /// Steering TTL, seconds.
    pub steering_ttl_s: u64,
    /// `(at_s, position_s)`: the user seeks.
    pub seeks: Vec<(f64, f64)>,
    /// Stop at this time, seconds.
    pub until_s: f64,
    /// Report each transfer's progress this often, seconds (None: completions only).
    pub progress_s: Option<f64>,
    /// Buffer needed to start or resume playback, seconds.
    pub start_buffer_s: f64,
    /// The player's own buffer goal (the advisor host fetches while below it), seconds.
    pub max_buffer_s: f64,
    /// Where requests go.
    pub router: Router,
    /// The device's own link (its last mile), shared by every transfer in flight; None:
    /// never the bottleneck.
    pub last_mile: Option<TraceLink>,
}

/// One media segment that reached the buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Played {
    /// When it arrived, seconds.
    pub at_s: f64,
    /// When its request went out, seconds.
    pub sent_s: f64,
    /// Segment number.
    pub number: u64,
    /// Rung.
    pub rung: usize,
    /// Buffer after it arrived, seconds.
    pub buffer_s: f64,
    /// Stall time since the previous segment arrived (after start-up), seconds.
    pub stall_s: f64,
    /// Throughput of its transfer, Mb/s.
    pub throughput_mbps: f64,
    /// A transfer of this segment was abandoned first.
    pub abandoned: bool,
    /// The edge it came from.
    pub edge: usize,
    /// It came from another edge after its request failed or missed a deadline.
    pub failover: bool,
}

/// What a session produced.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// Every output of the agent, in order, as JSON lines.
    pub outputs: Vec<String>,
    /// When each output came, seconds.
    pub output_times: Vec<f64>,
    /// The agent's recording (configuration line, then every accepted input).
    pub recording: Vec<String>,
    /// Media segments in the order they reached the buffer.
    pub played: Vec<Played>,
    /// Time to the first frame, seconds.
    pub startup_s: f64,
    /// Stalls after start-up.
    pub stalls: u32,
    /// Seconds stalled after start-up.
    pub stall_s: f64,
    /// Session time, seconds.
    pub session_s: f64,
    /// Per failover: ms from sending the first request that failed (or missed a deadline)
    /// to the first byte of the same object from another edge.
    pub failovers_ms: Vec<f64>,
    /// Probes the host made.
    pub probes: u32,
    /// Refused inputs (none in a correct session).
    pub refused: Vec<String>,
    /// Pathway orders the steering server delivered, with when they arrived.
    pub steering_orders: Vec<(f64, Vec<String>)>,
    /// The session reached [`Output::End`](dmoe_core::agent::Output::End).
    pub ended: bool,
}
