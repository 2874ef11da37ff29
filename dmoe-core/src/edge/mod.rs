//! Edge selection: which CDN edge (HLS pathway, DASH service location, or a host-configured
//! edge) each request goes to, decided on measurements, sans-IO.
//!
//! The host feeds each edge's outcomes in — transfer samples, failures, CMSD headers — and
//! asks [`EdgeSelector::select`] where the next request goes, giving the size of the next
//! segment at the current rendition and the time it may take. The selector:
//!
//! - scores each edge by the expected time to fetch that segment from it (TTFB + size ÷
//!   its throughput estimate), penalised for duress and recent failures, with a prior from
//!   the controller's order, the edge's region or coordinates when it has no samples;
//! - is sticky: it leaves an edge voluntarily only for a *measured* one that is clearly
//!   faster, after a minimum dwell, so a steady network sees no flapping;
//! - leaves at once an edge that failed, whose breaker is open, that the controller removed,
//!   that is in duress, or that cannot sustain the current rendition while another can —
//!   the edge switch comes before any quality switch ([`EdgeReason::CannotSustain`]);
//! - keeps a [`Breaker`] per edge, with seeded jitter;
//! - obeys content steering ([`SteeringClient`]): never an edge the controller left out;
//! - spreads a fleet without measurements by rendezvous hashing of the session id.
//!
//! ```
//! use std::time::Duration;
//! use dmoe_core::{ByteCount, Timestamp, TransferSample};
//! use dmoe_core::edge::{EdgeConfig, EdgeReason, EdgeSelector, FetchPlan, RequestFailure, SelectorConfig};
//!
//! let cfg = SelectorConfig::new("session-42");
//! let mut sel = EdgeSelector::new(cfg, vec![EdgeConfig::new("cdn-a"), EdgeConfig::new("cdn-b")])?;
//! sel.set_priority(&["cdn-a".into(), "cdn-b".into()]);
//! let plan = FetchPlan { bytes: 1_000_000, budget: Duration::from_secs(4) };
//! let first = sel.select(Timestamp::ZERO, &plan);
//! assert_eq!(sel.edge(first.edge).pathway, "cdn-a"); // the controller's first choice
//!
//! // cdn-a fails: the same byte range goes to the next best edge at once.
//! sel.on_failure(Timestamp::from_millis(50), first.edge, RequestFailure::Http(503));
//! let retry = sel.select_retry(Timestamp::from_millis(50), &[first.edge], &plan).unwrap();
//! assert_eq!(sel.edge(retry.edge).pathway, "cdn-b");
//! assert_eq!(retry.reason, EdgeReason::Failover);
//! # Ok::<(), dmoe_core::edge::EdgeError>(())
//! ```

mod breaker;
pub mod cmsd;
mod geo;
mod rng;
pub mod sf;
pub mod steering;

use std::time::Duration;

use thiserror::Error;

use crate::{Bitrate, Presentation, Timestamp, TransferSample};

pub use breaker::{Breaker, BreakerConfig, BreakerState};
pub use cmsd::{CmsdDynamic, CmsdError, CmsdHop, CmsdStatic, ObjectType};
pub use geo::GeoPoint;
pub use rng::rendezvous_score;
pub use steering::{PathwayClone, SteeringError, SteeringManifest, UriReplacement};
#[cfg(feature = "hls")]
pub use steering::{SteeringClient, SteeringOutcome, SteeringProtocol, SteeringRequest};

use rng::SplitMix;

/// The seeded generator, for the agent's own random choices (its session id).
#[cfg(feature = "serde")]
pub(crate) fn rng_for_agent(seed: u64) -> SplitMix {
    SplitMix::new(seed ^ 0xA6E7_5E55_1011_D00D)
}

/// Most edges one selector holds.
pub const MAX_EDGES: usize = 64;

/// Why an edge set could not be built or changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EdgeError {
    /// No edges.
    #[error("no edges")]
    NoEdges,
    /// Two edges with one pathway ID.
    #[error("duplicate edge \"{0}\"")]
    Duplicate(String),
    /// More than [`MAX_EDGES`].
    #[error("more than {MAX_EDGES} edges")]
    TooMany,
    /// A clone's base pathway is unknown.
    #[error("pathway clone \"{id}\": unknown base pathway \"{base}\"")]
    UnknownBase {
        /// The clone's ID.
        id: String,
        /// Its BASE-ID.
        base: String,
    },
    /// A weight that is not a positive finite number.
    #[error("edge \"{0}\": weight must be positive and finite")]
    BadWeight(String),
}

/// Index of an edge in its [`EdgeSelector`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EdgeId(pub u16);

/// One edge: a pathway of the presentation or an edge the host adds.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeConfig {
    /// Pathway ID (HLS `PATHWAY-ID`, DASH `serviceLocation`, or a host-chosen name).
    pub pathway: String,
    /// How this edge's URIs differ from its base pathway's (clones and host-added edges).
    pub replacement: Option<UriReplacement>,
    /// Region label; an edge in the device's region gets a better prior.
    pub region: Option<String>,
    /// Coordinates; with the device's, they give a prior round-trip time.
    pub location: Option<GeoPoint>,
    /// Static weight for spreading a fleet (rendezvous hashing); 1 by default.
    pub weight: f64,
}

impl EdgeConfig {
    /// An edge with this pathway ID, weight 1, no region.
    pub fn new(pathway: impl Into<String>) -> Self {
        Self {
            pathway: pathway.into(),
            replacement: None,
            region: None,
            location: None,
            weight: 1.0,
        }
    }
    /// With a region label.
    pub fn region(mut self, r: impl Into<String>) -> Self {
        self.region = Some(r.into());
        self
    }
    /// With coordinates.
    pub fn location(mut self, p: GeoPoint) -> Self {
        self.location = Some(p);
        self
    }
    /// With a static weight.
    pub fn weight(mut self, w: f64) -> Self {
        self.weight = w;
        self
    }
    /// Serving the base pathway's URIs with another host.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.replacement = Some(UriReplacement {
            host: Some(host.into()),
            ..UriReplacement::default()
        });
        self
    }
}

/// How the selector chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SelectionPolicy {
    /// Expected fetch time, breakers, duress, stickiness and the joint rule (the default).
    #[default]
    Measured,
    /// The controller's order, as hls.js follows it: the highest-ranked allowed edge that
    /// has not failed within [`SelectorConfig::priority_penalty`]; time-to-first-byte
    /// deadlines fixed at [`SelectorConfig::max_ttfb_timeout`]; no probes.
    Priority,
}

/// Selector tuning. [`SelectorConfig::new`] gives the defaults for a session id.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectorConfig {
    /// The session's id: spreads a fleet by rendezvous hashing.
    pub session_id: String,
    /// Seed of the jitter generator (replays are identical for one seed).
    pub seed: u64,
    /// The device's region, when known.
    pub region: Option<String>,
    /// The device's coordinates, when known.
    pub location: Option<GeoPoint>,
    /// Throughput assumed before any sample, bits/s.
    pub default_throughput_bps: f64,
    /// TTFB assumed for an edge with no samples in the device's region (or of unknown
    /// region); edges known to be elsewhere get three times this.
    pub default_ttfb: Duration,
    /// A measured edge must be this much faster (fraction of the current's expected fetch
    /// time) to be switched to voluntarily.
    pub switch_gain: f64,
    /// Minimum time on an edge before a voluntary switch.
    pub min_dwell: Duration,
    /// An edge "cannot sustain" a rendition when fetching its next segment would take
    /// more than this fraction of the plan's budget.
    pub sustain_ratio: f64,
    /// How long a CMSD duress flag counts.
    pub duress_hold: Duration,
    /// Cost added right after a failure (seconds of expected fetch time), decaying.
    pub failure_penalty: Duration,
    /// Time constant of that decay.
    pub failure_decay: Duration,
    /// Measurements older than this no longer justify a voluntary switch.
    pub stale_after: Duration,
    /// After moving off an edge that could not sustain, if the new edge is no faster,
    /// the bottleneck is shared (the device's own link): no more prior-driven moves for
    /// this long.
    pub shared_bottleneck_hold: Duration,
    /// Shortest time-to-first-byte timeout [`EdgeSelector::ttfb_timeout`] gives.
    pub min_ttfb_timeout: Duration,
    /// Longest time-to-first-byte timeout (also used for an edge with no samples).
    pub max_ttfb_timeout: Duration,
    /// Circuit-breaker tuning.
    pub breaker: BreakerConfig,
    /// Offer small active probes of edges without fresh measurements ([`EdgeSelector::probe`]).
    pub probes: bool,
    /// How edges are chosen.
    pub policy: SelectionPolicy,
    /// Under [`SelectionPolicy::Priority`]: how long an edge that failed sits out (hls.js
    /// penalises a failed pathway for 300 s).
    pub priority_penalty: Duration,
    /// Size of a probe request.
    pub probe_bytes: u64,
    /// At most one probe per this interval, and an edge is probed only when its
    /// measurements are older than it.
    pub probe_interval: Duration,
}

impl SelectorConfig {
    /// Defaults for a session.
    pub fn new(session_id: impl Into<String>) -> Self {
        Self {
            session_id: session_id.into(),
            seed: 0,
            region: None,
            location: None,
            default_throughput_bps: 5_000_000.0,
            default_ttfb: Duration::from_millis(100),
            switch_gain: 0.3,
            min_dwell: Duration::from_secs(20),
            sustain_ratio: 0.8,
            duress_hold: Duration::from_secs(30),
            failure_penalty: Duration::from_secs(8),
            failure_decay: Duration::from_secs(15),
            stale_after: Duration::from_secs(120),
            shared_bottleneck_hold: Duration::from_secs(300),
            min_ttfb_timeout: Duration::from_secs(1),
            max_ttfb_timeout: Duration::from_secs(10),
            breaker: BreakerConfig::default(),
            probes: true,
            policy: SelectionPolicy::Measured,
            priority_penalty: Duration::from_secs(300),
            probe_bytes: 128 * 1024,
            probe_interval: Duration::from_secs(30),
        }
    }
}

/// The next request, as the selector needs to know it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FetchPlan {
    /// Bytes of the next segment at the current rendition.
    pub bytes: u64,
    /// Time it may take: the segment duration in steady state, the time until the buffer
    /// runs dry when that is shorter.
    pub budget: Duration,
}

/// How a request ended without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum RequestFailure {
    /// An HTTP error status.
    Http(u16),
    /// No answer in time.
    Timeout,
    /// Connection refused, reset, DNS or TLS failure.
    Connection,
}

impl RequestFailure {
    /// Whether the failure says the edge is unhealthy (5xx, 408, 429, timeouts,
    /// connection errors) rather than the request being wrong (other 4xx).
    pub fn is_health_failure(self) -> bool {
        match self {
            Self::Http(s) => s >= 500 || s == 408 || s == 429,
            Self::Timeout | Self::Connection => true,
        }
    }
}

/// Why an edge was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum EdgeReason {
    /// The first choice: the controller's order, then rendezvous among equals.
    Start,
    /// Kept the current edge.
    Stay,
    /// A measured edge is clearly faster.
    Faster,
    /// The current edge cannot sustain the rendition; this one can.
    CannotSustain,
    /// The request failed on another edge; retried here.
    Failover,
    /// The current edge signalled duress (CMSD `du`).
    Duress,
    /// The current edge's breaker is open.
    BreakerOpen,
    /// The controller's steering manifest no longer lists the current edge.
    SteeringRemoved,
    /// A half-open edge gets its trial request.
    HalfOpenTrial,
    /// No edge is healthy: the one that recovers soonest.
    LeastBad,
    /// [`SelectionPolicy::Priority`]: the controller's order put it first.
    Priority,
}

/// A selection and what it was based on.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EdgeChoice {
    /// The chosen edge.
    pub edge: EdgeId,
    /// The edge before, when this is a switch.
    pub from: Option<EdgeId>,
    /// Why.
    pub reason: EdgeReason,
    /// Expected time to fetch the plan's bytes from the chosen edge.
    #[cfg_attr(feature = "serde", serde(with = "crate::units::serde_secs"))]
    pub expected: Duration,
    /// Expected time on the edge before (switches only).
    #[cfg_attr(feature = "serde", serde(with = "crate::units::serde_opt_secs"))]
    pub expected_from: Option<Duration>,
    /// Throughput estimate used for the chosen edge, bits/s.
    pub throughput_bps: f64,
    /// Whether that estimate is measured (false: a prior).
    pub measured: bool,
    /// Whether even the chosen edge is expected to miss the plan's budget: the ABR
    /// should go lower.
    pub misses_budget: bool,
}

impl EdgeChoice {
    /// Whether the edge changed.
    pub fn switched(&self) -> bool {
        self.from.is_some_and(|f| f != self.edge)
    }
}

/// Why an edge was chosen: the selector's reason and its numbers. Its
/// [`Display`](std::fmt::Display) is the one-line explanation (times in seconds,
/// throughput in Mb/s; unknown figures are left out).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EdgeWhy {
    /// The selector's reason.
    pub reason: EdgeReason,
    /// The edge left, when this is a switch.
    pub from: Option<String>,
    /// The edge chosen.
    pub to: String,
    /// Expected time to fetch the next segment there, ms.
    pub expected_ms: u64,
    /// Expected time on the edge left, ms (switches only).
    pub expected_from_ms: Option<u64>,
    /// The throughput estimate for the chosen edge, bits per second.
    pub throughput_bps: u64,
    /// Whether that estimate is measured (false: a prior).
    pub measured: bool,
    /// How the request on the edge left failed, when it did.
    pub failure: Option<RequestFailure>,
}

/// Seconds to two decimals.
fn ms_secs(ms: u64) -> crate::units::Fixed {
    crate::units::Fixed::new(ms, 1000, 2)
}

fn to_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl EdgeChoice {
    /// The explanation, with edge names; `failure` is how the request on the edge left
    /// failed, when it did.
    pub fn why(&self, sel: &EdgeSelector, failure: Option<RequestFailure>) -> EdgeWhy {
        let name = |e: EdgeId| {
            sel.edges
                .get(e.0 as usize)
                .map_or_else(String::new, |s| s.cfg.pathway.clone())
        };
        EdgeWhy {
            reason: self.reason,
            from: self.from.map(name),
            to: name(self.edge),
            expected_ms: to_ms(self.expected),
            expected_from_ms: self.expected_from.map(to_ms),
            throughput_bps: if self.throughput_bps.is_finite() && self.throughput_bps > 0.0 {
                self.throughput_bps as u64
            } else {
                0
            },
            measured: self.measured,
            failure,
        }
    }
}

impl std::fmt::Display for EdgeWhy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let to = &self.to;
        let from = self.from.as_deref().unwrap_or("-");
        let exp = ms_secs(self.expected_ms);
        let tput = crate::units::Fixed::new(self.throughput_bps, 1_000_000, 2);
        let src = if self.measured { "measured" } else { "prior" };
        let was = |f: &mut std::fmt::Formatter<'_>| match self.expected_from_ms {
            Some(ms) => write!(f, " ({} s per segment)", ms_secs(ms)),
            None => Ok(()),
        };
        match self.reason {
            EdgeReason::Start => write!(f, "start on {to} ({src} {tput} Mb/s)"),
            EdgeReason::Stay => write!(f, "stay on {to}: next segment in {exp} s"),
            EdgeReason::Faster => {
                write!(
                    f,
                    "{from} -> {to}: {to} measured faster ({exp} s per segment"
                )?;
                if let Some(ms) = self.expected_from_ms {
                    write!(f, " vs {} s", ms_secs(ms))?;
                }
                write!(f, ")")
            }
            EdgeReason::CannotSustain => {
                write!(
                    f,
                    "{from} -> {to}: {from} cannot sustain the current rendition"
                )?;
                was(f)?;
                write!(
                    f,
                    ", {to} can ({exp} s, {src} {tput} Mb/s); edge switched before any quality switch"
                )
            }
            EdgeReason::Failover => {
                write!(f, "{from} failed")?;
                match self.failure {
                    Some(RequestFailure::Http(status)) => write!(f, " (HTTP {status})")?,
                    Some(RequestFailure::Timeout) => write!(f, " (timeout)")?,
                    Some(RequestFailure::Connection) => write!(f, " (connection)")?,
                    None => {}
                }
                write!(f, ": same range retried on {to}")
            }
            EdgeReason::Duress => write!(f, "{from} signalled duress (CMSD du): moved to {to}"),
            EdgeReason::BreakerOpen => write!(f, "{from} breaker open: moved to {to}"),
            EdgeReason::SteeringRemoved => {
                write!(
                    f,
                    "{from} removed by the steering controller: moved to {to}"
                )
            }
            EdgeReason::HalfOpenTrial => write!(f, "{to} half-open: trial request"),
            EdgeReason::LeastBad => write!(f, "no healthy edge: {to} recovers soonest"),
            EdgeReason::Priority => write!(f, "{from} -> {to}: the controller's order"),
        }
    }
}

/// A small request the host may make to measure an edge (an explicit decision: DMOE never
/// sends hidden traffic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Probe {
    /// The edge to measure.
    pub edge: EdgeId,
    /// Bytes to fetch (a byte range of a segment the player needs anyway is best).
    pub bytes: u64,
}

/// What the selector knows of one edge.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EdgeEstimate {
    /// Measured throughput, bits/s.
    pub throughput_bps: Option<f64>,
    /// Measured TTFB.
    #[cfg_attr(feature = "serde", serde(with = "crate::units::serde_opt_secs"))]
    pub ttfb: Option<Duration>,
    /// Successful samples.
    pub samples: u32,
    /// Breaker state.
    pub breaker: BreakerState,
    /// Whether a duress flag is in force.
    pub duress: bool,
    /// Whether the controller allows the edge.
    pub allowed: bool,
}

/// Bias-corrected EWMA with a half-life in samples (as hls.js's estimator).
#[derive(Debug, Clone, Copy)]
struct Ewma {
    alpha: f64,
    value: f64,
    weight: f64,
}

impl Ewma {
    fn new(half_life: f64) -> Self {
        Self {
            alpha: (0.5f64.ln() / half_life).exp(),
            value: 0.0,
            weight: 0.0,
        }
    }
    fn add(&mut self, v: f64) {
        self.value = self.alpha * self.value + (1.0 - self.alpha) * v;
        self.weight = self.alpha * self.weight + (1.0 - self.alpha);
    }
    fn get(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.value / self.weight)
    }
}

#[derive(Debug, Clone)]
struct EdgeState {
    cfg: EdgeConfig,
    fast: Ewma,
    slow: Ewma,
    ttfb: Ewma,
    samples: u32,
    last_sample: Option<Timestamp>,
    duress_until: Option<Timestamp>,
    /// Last time the edge said it was in duress.
    last_duress: Option<Timestamp>,
    etp_bps: Option<f64>,
    max_bitrate: Option<Bitrate>,
    last_failure: Option<Timestamp>,
    breaker: Breaker,
    /// Position in the controller's order (None: not listed).
    rank: Option<usize>,
    last_probe: Option<Timestamp>,
    /// The last throughput sample, bits/s.
    last_bps: Option<f64>,
    /// When samples last began to fall far below this edge's slow average: measurements
    /// of other edges taken before then may predate a shared drop.
    degraded_at: Option<Timestamp>,
    /// The last sample was far below the slow average.
    degraded: bool,
}

impl EdgeState {
    fn new(cfg: EdgeConfig) -> Self {
        Self {
            cfg,
            fast: Ewma::new(2.0),
            slow: Ewma::new(6.0),
            ttfb: Ewma::new(3.0),
            samples: 0,
            last_sample: None,
            duress_until: None,
            last_duress: None,
            etp_bps: None,
            max_bitrate: None,
            last_failure: None,
            breaker: Breaker::new(),
            rank: Some(0),
            last_probe: None,
            last_bps: None,
            degraded_at: None,
            degraded: false,
        }
    }
    fn throughput(&self) -> Option<f64> {
        match (self.fast.get(), self.slow.get()) {
            (Some(f), Some(s)) => Some(f.min(s)),
            (f, s) => f.or(s),
        }
    }
    fn duress(&self, now: Timestamp) -> bool {
        self.duress_until.is_some_and(|t| now < t)
    }
    fn fresh(&self, now: Timestamp, stale_after: Duration) -> bool {
        self.last_sample
            .is_some_and(|t| now.saturating_duration_since(t) < stale_after)
    }
}

/// A set of edge indices (at most [`MAX_EDGES`], so one word): candidate sets without
/// allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct EdgeSet(u64);

impl EdgeSet {
    fn insert(&mut self, i: usize) {
        if i < 64 {
            self.0 |= 1 << i;
        }
    }
    fn contains(self, i: usize) -> bool {
        i < 64 && self.0 & (1 << i) != 0
    }
    fn is_empty(self) -> bool {
        self.0 == 0
    }
    fn iter(self) -> impl Iterator<Item = usize> {
        (0..64).filter(move |&i| self.0 & (1u64 << i) != 0)
    }
}

/// One candidate's cost.
#[derive(Debug, Clone, Copy)]
struct Cost {
    /// Plain expected fetch time, seconds.
    fetch: f64,
    /// Fetch time with penalties and the controller prior, seconds.
    score: f64,
    bps: f64,
    measured: bool,
}

/// The edge selector of one session.
#[derive(Debug, Clone)]
pub struct EdgeSelector {
    cfg: SelectorConfig,
    edges: Vec<EdgeState>,
    current: Option<EdgeId>,
    since: Timestamp,
    /// Samples on the current edge since it was chosen.
    samples_since: u32,
    rng: SplitMix,
    steering: bool,
    reference: Ewma,
    shared_until: Option<Timestamp>,
    /// The throughput that showed the shared bottleneck (it lifts at twice that).
    shared_level: Option<f64>,
    /// After a CannotSustain switch: the estimate of the edge left, to detect a shared
    /// bottleneck on the first sample of the new one.
    check_shared: Option<f64>,
    last_probe: Option<Timestamp>,
    /// An edge to probe at once: the cannot-sustain rule would move to it on its prior.
    urgent_probe: Option<EdgeId>,
}

impl EdgeSelector {
    /// A selector over these edges (at least one, unique pathway IDs).
    pub fn new(cfg: SelectorConfig, edges: Vec<EdgeConfig>) -> Result<Self, EdgeError> {
        if edges.is_empty() {
            return Err(EdgeError::NoEdges);
        }
        let mut s = Self {
            rng: SplitMix::new(cfg.seed ^ rng::fnv1a(cfg.session_id.as_bytes())),
            cfg,
            edges: Vec::new(),
            current: None,
            since: Timestamp::ZERO,
            samples_since: 0,
            steering: false,
            reference: Ewma::new(10.0),
            shared_until: None,
            shared_level: None,
            check_shared: None,
            last_probe: None,
            urgent_probe: None,
        };
        for e in edges {
            s.add_edge(e)?;
        }
        Ok(s)
    }

    /// The edges of a presentation: HLS `PATHWAY-ID`s of the variants (`.` when absent),
    /// DASH `serviceLocation`s of the BaseURLs (or the BaseURL itself without one), in
    /// order of appearance; the steering default pathway ranks first until a steering
    /// manifest says otherwise. `extra` edges from the host are appended.
    pub fn from_presentation(
        p: &Presentation,
        cfg: SelectorConfig,
        extra: Vec<EdgeConfig>,
    ) -> Result<Self, EdgeError> {
        let mut names: Vec<String> = Vec::new();
        let mut push = |n: &str| {
            if !names.iter().any(|m| m == n) {
                names.push(n.to_owned());
            }
        };
        for v in &p.variants {
            push(v.pathway.as_deref().unwrap_or("."));
        }
        for r in &p.renditions {
            for b in &r.base_urls {
                push(b.service_location.as_deref().unwrap_or(&b.url));
            }
        }
        if names.is_empty() {
            // A lone media playlist: its origin is the one pathway, "." as in HLS.
            names.push(".".to_owned());
        }
        let mut edges: Vec<EdgeConfig> = names.into_iter().map(EdgeConfig::new).collect();
        for e in extra {
            if !edges.iter().any(|x| x.pathway == e.pathway) {
                edges.push(e);
            }
        }
        let mut s = Self::new(cfg, edges)?;
        if let Some(d) = p
            .steering
            .as_ref()
            .and_then(|st| st.default_pathway.as_deref())
        {
            for e in &mut s.edges {
                e.rank = Some(usize::from(e.cfg.pathway != d));
            }
        }
        Ok(s)
    }

    /// Add an edge (host configuration or a pathway clone).
    pub fn add_edge(&mut self, e: EdgeConfig) -> Result<EdgeId, EdgeError> {
        if !(e.weight.is_finite() && e.weight > 0.0) {
            return Err(EdgeError::BadWeight(e.pathway));
        }
        if self.edges.iter().any(|x| x.cfg.pathway == e.pathway) {
            return Err(EdgeError::Duplicate(e.pathway));
        }
        if self.edges.len() >= MAX_EDGES {
            return Err(EdgeError::TooMany);
        }
        let mut st = EdgeState::new(e);
        if self.steering {
            st.rank = None;
        }
        self.edges.push(st);
        Ok(EdgeId((self.edges.len() - 1) as u16))
    }

    /// Add the edge a steering manifest's pathway clone describes (same region and weight
    /// as its base). An ID already present is left as it is.
    pub fn add_clone(&mut self, c: &PathwayClone) -> Result<EdgeId, EdgeError> {
        if let Some(id) = self.find(&c.id) {
            return Ok(id);
        }
        let base = self
            .find(&c.base_id)
            .ok_or_else(|| EdgeError::UnknownBase {
                id: c.id.clone(),
                base: c.base_id.clone(),
            })?;
        let b = &self.edges[base.0 as usize].cfg;
        let e = EdgeConfig {
            pathway: c.id.clone(),
            replacement: Some(c.uri_replacement.clone()),
            region: b.region.clone(),
            location: b.location,
            weight: b.weight,
        };
        self.add_edge(e)
    }

    /// Apply a steering manifest: its clones, then its order.
    pub fn apply_steering(&mut self, m: &SteeringManifest) -> Result<(), EdgeError> {
        for c in &m.pathway_clones {
            self.add_clone(c)?;
        }
        self.set_priority(&m.pathway_priority);
        Ok(())
    }

    /// The controller's order: listed edges rank in this order, unlisted ones are never
    /// chosen while a listed one exists. Unknown IDs are ignored.
    pub fn set_priority(&mut self, order: &[String]) {
        self.steering = true;
        for e in &mut self.edges {
            e.rank = order.iter().position(|p| *p == e.cfg.pathway);
        }
    }

    /// The edge with this pathway ID.
    pub fn find(&self, pathway: &str) -> Option<EdgeId> {
        self.edges
            .iter()
            .position(|e| e.cfg.pathway == pathway)
            .map(|i| EdgeId(i as u16))
    }

    /// An edge's configuration. Panics on an id not from this selector.
    pub fn edge(&self, id: EdgeId) -> &EdgeConfig {
        &self.edges[id.0 as usize].cfg
    }

    /// Number of edges.
    pub fn len(&self) -> usize {
        self.edges.len()
    }

    /// Whether there are no edges (never true for a constructed selector).
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// The edge requests currently go to.
    pub fn current(&self) -> Option<EdgeId> {
        self.current
    }

    /// The tuning.
    pub fn config(&self) -> &SelectorConfig {
        &self.cfg
    }

    /// What the selector knows of an edge at `now`.
    pub fn estimate(&self, now: Timestamp, id: EdgeId) -> Option<EdgeEstimate> {
        let e = self.edges.get(id.0 as usize)?;
        Some(EdgeEstimate {
            throughput_bps: e.throughput(),
            ttfb: e.ttfb.get().map(crate::units::secs_saturating),
            samples: e.samples,
            breaker: e.breaker.state(now),
            duress: e.duress(now),
            allowed: self.allowed(e),
        })
    }

    /// The tightest CMSD `mb` (maximum suggested bitrate) of the current edge, for the
    /// ABR's caps.
    pub fn max_bitrate(&self) -> Option<Bitrate> {
        self.current
            .and_then(|c| self.edges[c.0 as usize].max_bitrate)
    }

    /// Rewrite a URI of the base pathway for `edge` (host replacement, parameters,
    /// per-variant URIs); unchanged for an edge without a replacement.
    pub fn rewrite(
        &self,
        edge: EdgeId,
        uri: &str,
        stable_variant_id: Option<&str>,
        stable_rendition_id: Option<&str>,
    ) -> Result<String, SteeringError> {
        match self
            .edges
            .get(edge.0 as usize)
            .and_then(|e| e.cfg.replacement.as_ref())
        {
            Some(r) => r.apply(uri, stable_variant_id, stable_rendition_id),
            None => Ok(uri.to_owned()),
        }
    }

    fn allowed(&self, e: &EdgeState) -> bool {
        !self.steering || e.rank.is_some() || !self.edges.iter().any(|x| x.rank.is_some())
    }

    fn prior_ttfb(&self, e: &EdgeState) -> f64 {
        let base = self.cfg.default_ttfb.as_secs_f64();
        if let (Some(a), Some(b)) = (self.cfg.location, e.cfg.location) {
            // Light in fibre covers about 100 km of round trip per millisecond; add a
            // few milliseconds for the server.
            return a.distance_km(&b) / 100_000.0 + 0.005;
        }
        match (&self.cfg.region, &e.cfg.region) {
            (Some(a), Some(b)) if a == b => base,
            (Some(_), Some(_)) => 3.0 * base,
            _ => base,
        }
    }

    fn prior_bps(&self, now: Timestamp) -> f64 {
        let mut p = self
            .reference
            .get()
            .unwrap_or(self.cfg.default_throughput_bps);
        if self.shared_until.is_some_and(|t| now < t) {
            // The device's own link is the bottleneck: no edge is expected to beat the
            // best one measured recently.
            let best = self
                .edges
                .iter()
                .filter(|e| e.fresh(now, self.cfg.stale_after))
                .filter_map(EdgeState::throughput)
                .fold(0.0f64, f64::max);
            if best > 0.0 {
                p = p.min(best);
            }
        }
        p
    }

    fn cost(&self, now: Timestamp, i: usize, bytes: u64) -> Cost {
        let e = &self.edges[i];
        let (bps, measured) = match e.throughput() {
            Some(t) => (t, true),
            None => (self.prior_bps(now), false),
        };
        // A server's own estimate (CMSD etp) bounds what we expect from it.
        let bps = match e.etp_bps {
            Some(etp) if etp > 0.0 => bps.min(etp),
            _ => bps,
        }
        .max(1.0);
        let ttfb = e.ttfb.get().unwrap_or_else(|| self.prior_ttfb(e));
        let fetch = ttfb + bytes as f64 * 8.0 / bps;
        let mut score = fetch;
        if e.duress(now) {
            score = score * 4.0 + 2.0;
        }
        if let Some(f) = e.last_failure {
            let age = now.saturating_duration_since(f).as_secs_f64();
            let tau = self.cfg.failure_decay.as_secs_f64().max(1e-3);
            score += self.cfg.failure_penalty.as_secs_f64() * (-age / tau).exp();
        }
        // The controller's order is the prior: 5 % per rank.
        score *= 1.0 + 0.05 * e.rank.unwrap_or(0) as f64;
        Cost {
            fetch,
            score,
            bps,
            measured,
        }
    }

    /// Best candidate among `cands` by score; ties (within 0.1 %) go to rendezvous.
    fn best(&self, now: Timestamp, cands: EdgeSet, bytes: u64) -> Option<(usize, Cost)> {
        let min = cands
            .iter()
            .map(|i| self.cost(now, i, bytes).score)
            .fold(f64::INFINITY, f64::min);
        cands
            .iter()
            .map(|i| (i, self.cost(now, i, bytes)))
            .filter(|(_, c)| c.score <= min * 1.001)
            .max_by(|(a, _), (b, _)| {
                let sa = rendezvous_score(
                    &self.cfg.session_id,
                    &self.edges[*a].cfg.pathway,
                    self.edges[*a].cfg.weight,
                );
                let sb = rendezvous_score(
                    &self.cfg.session_id,
                    &self.edges[*b].cfg.pathway,
                    self.edges[*b].cfg.weight,
                );
                sa.total_cmp(&sb)
            })
    }

    /// Candidates: allowed by the controller, not excluded; healthy ones when any.
    fn candidates(&self, now: Timestamp, exclude: &[EdgeId]) -> (EdgeSet, bool) {
        let mut allowed = EdgeSet::default();
        let mut healthy = EdgeSet::default();
        for (i, e) in self.edges.iter().enumerate() {
            if self.allowed(e) && !exclude.contains(&EdgeId(i as u16)) {
                allowed.insert(i);
                if e.breaker.allows(now, &self.cfg.breaker) {
                    healthy.insert(i);
                }
            }
        }
        if healthy.is_empty() {
            (allowed, false)
        } else {
            (healthy, true)
        }
    }

    fn commit(
        &mut self,
        now: Timestamp,
        i: usize,
        reason: EdgeReason,
        c: Cost,
        plan: &FetchPlan,
    ) -> EdgeChoice {
        let id = EdgeId(i as u16);
        let from = self.current;
        let expected_from = from
            .filter(|f| *f != id)
            .map(|f| crate::units::secs_saturating(self.cost(now, f.0 as usize, plan.bytes).fetch));
        if from != Some(id) {
            self.since = now;
            self.samples_since = 0;
            self.current = Some(id);
        }
        let reason = if reason != EdgeReason::Failover
            && self.edges[i].breaker.state(now) == BreakerState::HalfOpen
        {
            EdgeReason::HalfOpenTrial
        } else {
            reason
        };
        self.edges[i].breaker.on_request(now);
        EdgeChoice {
            edge: id,
            from: from.filter(|f| *f != id),
            reason,
            expected: crate::units::secs_saturating(c.fetch),
            expected_from,
            throughput_bps: c.bps,
            measured: c.measured,
            misses_budget: c.fetch > plan.budget.as_secs_f64(),
        }
    }

    /// Under [`SelectionPolicy::Priority`]: the highest-ranked allowed edge not in
    /// `exclude` that has not failed within the penalty (the first allowed one when all
    /// have).
    fn by_priority(&self, now: Timestamp, exclude: &[EdgeId]) -> usize {
        let penalty = self.cfg.priority_penalty;
        let key = |i: usize| (self.edges[i].rank.unwrap_or(usize::MAX), i);
        let allowed = |i: &usize| self.allowed(&self.edges[*i]);
        let fresh = |i: &usize| {
            self.edges[*i]
                .last_failure
                .is_none_or(|f| now.saturating_duration_since(f) >= penalty)
        };
        let kept = |i: &usize| !exclude.contains(&EdgeId(*i as u16));
        let n = self.edges.len();
        (0..n)
            .filter(|i| allowed(i) && fresh(i) && kept(i))
            .min_by_key(|&i| key(i))
            .or_else(|| {
                (0..n)
                    .filter(|i| allowed(i) && kept(i))
                    .min_by_key(|&i| key(i))
            })
            .or_else(|| (0..n).filter(allowed).min_by_key(|&i| key(i)))
            .unwrap_or(0)
    }

    fn commit_priority(
        &mut self,
        now: Timestamp,
        i: usize,
        retry: bool,
        plan: &FetchPlan,
    ) -> EdgeChoice {
        let c = self.cost(now, i, plan.bytes);
        let reason = match self.current {
            _ if retry => EdgeReason::Failover,
            None => EdgeReason::Start,
            Some(cur) if cur.0 as usize == i => EdgeReason::Stay,
            Some(_) => EdgeReason::Priority,
        };
        self.commit(now, i, reason, c, plan)
    }

    /// Where the next request goes.
    pub fn select(&mut self, now: Timestamp, plan: &FetchPlan) -> EdgeChoice {
        if self.cfg.policy == SelectionPolicy::Priority {
            let i = self.by_priority(now, &[]);
            return self.commit_priority(now, i, false, plan);
        }
        let (cands, healthy) = self.candidates(now, &[]);
        let bytes = plan.bytes;
        // `cands` is never empty: the selector has edges, and with none allowed by the
        // controller every edge is allowed (`allowed`).
        let Some((best_i, best_c)) = self.best(now, cands, bytes) else {
            let c = self.cost(now, 0, bytes);
            return self.commit(now, 0, EdgeReason::LeastBad, c, plan);
        };
        if !healthy {
            // Every allowed edge is failing: the best of them by score (measured speed, the
            // controller's order, how recently each failed). The agent's pause between rounds
            // keeps this from becoming a retry storm; when the outage ends, the session is
            // back on the edge it would have chosen.
            return self.commit(now, best_i, EdgeReason::LeastBad, best_c, plan);
        }
        let Some(cur) = self.current else {
            return self.commit(now, best_i, EdgeReason::Start, best_c, plan);
        };
        let ci = cur.0 as usize;
        let cur_state = &self.edges[ci];
        if !self.allowed(cur_state) {
            return self.commit(now, best_i, EdgeReason::SteeringRemoved, best_c, plan);
        }
        if !cands.contains(ci) {
            return self.commit(now, best_i, EdgeReason::BreakerOpen, best_c, plan);
        }
        if best_i == ci {
            return self.commit(now, ci, EdgeReason::Stay, best_c, plan);
        }
        let cur_c = self.cost(now, ci, bytes);
        if cur_state.duress(now) && !self.edges[best_i].duress(now) {
            return self.commit(now, best_i, EdgeReason::Duress, best_c, plan);
        }
        if self.shared_until.is_some_and(|t| now < t) {
            // The bottleneck is the device's own link: moving cannot help.
            return self.commit(now, ci, EdgeReason::Stay, cur_c, plan);
        }
        // Measurements of the best edge count only if taken after the current edge last
        // degraded (otherwise they may predate a drop that hit every edge).
        let since_drop = cur_state.degraded_at;
        let best_state = &self.edges[best_i];
        let best_current_data = best_state.last_sample.is_some_and(|t| {
            since_drop.is_none_or(|d| t >= d)
                && now.saturating_duration_since(t) < self.cfg.stale_after
        });
        let best_c = if best_c.measured && !best_current_data {
            // Fall back to the prior for it.
            let prior = self.prior_bps(now).min(best_c.bps.max(1.0) * 4.0);
            let ttfb = best_c.fetch - bytes as f64 * 8.0 / best_c.bps;
            let fetch = ttfb + bytes as f64 * 8.0 / prior;
            Cost {
                fetch,
                score: best_c.score * fetch / best_c.fetch.max(1e-9),
                bps: prior,
                measured: false,
            }
        } else {
            best_c
        };
        let budget = plan.budget.as_secs_f64();
        // A voluntary move must beat the current edge at its best recent evidence (its last
        // sample when that is above its averages: they lag a recovery), as leaving an edge
        // that cannot sustain judges it at its worst.
        let cur_best_bps = cur_state
            .last_bps
            .map_or(cur_c.bps, |l| l.max(cur_c.bps))
            .max(1.0);
        let cur_ttfb_part = (cur_c.fetch - bytes as f64 * 8.0 / cur_c.bps).max(0.0);
        let cur_fetch_best = cur_ttfb_part + bytes as f64 * 8.0 / cur_best_bps;
        let cur_score_best = cur_c.score * cur_fetch_best / cur_c.fetch.max(1e-9);
        let clearly_better = best_c.score < cur_score_best * (1.0 - self.cfg.switch_gain);
        // The current edge's capability: its estimate, or its last sample if lower (one
        // slow segment is enough to react; the ABR reacts to it too).
        let cur_now = cur_state
            .last_bps
            .map_or(cur_c.bps, |l| l.min(cur_c.bps))
            .max(1.0);
        let cur_ttfb = cur_c.fetch - bytes as f64 * 8.0 / cur_c.bps;
        let cur_fetch_now = cur_ttfb + bytes as f64 * 8.0 / cur_now;
        // An edge that said it was in duress is worth moving to only on a measurement taken
        // after it last said so (earlier ones predate the overload).
        let best_state = &self.edges[best_i];
        let cooled = best_state.last_duress.is_none_or(|t| {
            best_state.last_sample.is_some_and(|s| s > t) && !best_state.duress(now)
        });
        if cur_fetch_now > budget
            && cooled
            && best_c.fetch <= budget * self.cfg.sustain_ratio
            && best_c.score < cur_fetch_now * (1.0 - self.cfg.switch_gain)
            && self.samples_since >= 1
        {
            if best_c.measured || !self.cfg.probes {
                self.check_shared = Some(cur_now);
                return self.commit(now, best_i, EdgeReason::CannotSustain, best_c, plan);
            }
            // Known only by its prior: measure it before moving (a probe, urgently), so a
            // bottleneck every edge shares is found without a move, and a faster edge is
            // moved to on a measurement.
            self.urgent_probe = Some(EdgeId(best_i as u16));
        }
        let dwell = now.saturating_duration_since(self.since) >= self.cfg.min_dwell;
        // A voluntary move compares the two edges over the same period: the current edge
        // has a sample at least as new as the candidate's (after a network change that
        // helps every edge, a fresh probe of another edge must not beat the current
        // edge's estimate from before it).
        let same_period = match (cur_state.last_sample, self.edges[best_i].last_sample) {
            (Some(c), Some(b)) => c >= b,
            _ => true,
        };
        if clearly_better && dwell && best_c.measured && cooled && same_period {
            return self.commit(now, best_i, EdgeReason::Faster, best_c, plan);
        }
        self.commit(now, ci, EdgeReason::Stay, cur_c, plan)
    }

    /// Where to retry a request that failed on the edges in `failed` (same byte range):
    /// the best other edge, or None when there is none.
    pub fn select_retry(
        &mut self,
        now: Timestamp,
        failed: &[EdgeId],
        plan: &FetchPlan,
    ) -> Option<EdgeChoice> {
        if self.cfg.policy == SelectionPolicy::Priority {
            let i = self.by_priority(now, failed);
            if failed.contains(&EdgeId(i as u16)) {
                return None;
            }
            return Some(self.commit_priority(now, i, true, plan));
        }
        let (mut cands, healthy) = self.candidates(now, failed);
        if !healthy {
            // Every other edge's breaker is open: a healthy edge that failed this request
            // once beats one known to be failing.
            let (all, any_healthy) = self.candidates(now, &[]);
            if any_healthy {
                cands = all;
            }
        }
        let (i, c) = self.best(now, cands, plan.bytes)?;
        Some(self.commit(now, i, EdgeReason::Failover, c, plan))
    }

    /// How long to wait for the first byte from `edge` before calling the request failed
    /// ([`RequestFailure::Timeout`]): six times its TTFB estimate plus half a second,
    /// within `[min_ttfb_timeout, max_ttfb_timeout]`; the maximum for an edge never
    /// measured. A black-holed edge is detected in about a second, not the 10 s of a
    /// fixed player timeout.
    pub fn ttfb_timeout(&self, edge: EdgeId) -> Duration {
        let (lo, hi) = (
            self.cfg.min_ttfb_timeout,
            self.cfg.max_ttfb_timeout.max(self.cfg.min_ttfb_timeout),
        );
        if self.cfg.policy == SelectionPolicy::Priority {
            return hi;
        }
        match self.edges.get(edge.0 as usize).and_then(|e| e.ttfb.get()) {
            Some(t) => crate::units::secs_saturating(6.0 * t + 0.5).clamp(lo, hi),
            None => hi,
        }
    }

    /// A successful transfer from `edge`. Subtract any server hold time (CMSD `ht`,
    /// LL-HLS blocking) in `sample.server_hold`.
    pub fn on_transfer(&mut self, now: Timestamp, edge: EdgeId, sample: &TransferSample) {
        let Some(e) = self.edges.get_mut(edge.0 as usize) else {
            return;
        };
        e.breaker.on_success();
        // A sample after a long gap (an edge known only from probes, or left a while ago)
        // says more about the edge now than the history before the gap: it replaces the
        // estimates instead of being averaged into them.
        let gap = self.cfg.probe_interval;
        if e.last_sample
            .is_some_and(|t| now.saturating_duration_since(t) > gap)
        {
            e.fast = Ewma::new(2.0);
            e.slow = Ewma::new(6.0);
            e.ttfb = Ewma::new(3.0);
        }
        e.ttfb.add(sample.ttfb.as_secs_f64());
        // Tiny transfers measure latency, not throughput.
        let bps = sample
            .throughput_bps()
            .filter(|b| b.is_finite() && *b > 0.0);
        if let Some(bps) = bps.filter(|_| sample.bytes.0 >= 16 * 1024) {
            // The onset of a degradation (not every slow sample after it): measurements of
            // other edges taken before it may predate a drop that hit them too.
            let slow = e.slow.get().is_some_and(|s| bps < 0.6 * s);
            if slow && !e.degraded {
                e.degraded_at = Some(now);
            }
            e.degraded = slow;
            e.last_bps = Some(bps);
            e.fast.add(bps);
            e.slow.add(bps);
            e.samples = e.samples.saturating_add(1);
            e.last_sample = Some(now);
            self.reference.add(bps);
            if self.current == Some(edge) {
                self.samples_since = self.samples_since.saturating_add(1);
                if let Some(left) = self.check_shared.take()
                    && bps < left * 1.3
                {
                    self.shared_until = Some(now.saturating_add(self.cfg.shared_bottleneck_hold));
                    self.shared_level = Some(bps);
                }
            }
            // An edge (this one, or another one probed) moving twice what showed the shared
            // bottleneck: it is not shared (any more), and edges may be compared again.
            if self.shared_level.is_some_and(|l| bps > 2.0 * l) {
                self.shared_until = None;
                self.shared_level = None;
            }
        }
    }

    /// A request to `edge` failed.
    pub fn on_failure(&mut self, now: Timestamp, edge: EdgeId, failure: RequestFailure) {
        let cfg = self.cfg.breaker;
        let Some(e) = self.edges.get_mut(edge.0 as usize) else {
            return;
        };
        e.last_failure = Some(now);
        if failure.is_health_failure() {
            e.breaker.on_failure(now, &cfg, &mut self.rng);
        }
    }

    /// A `CMSD-Dynamic` header arrived with a response from `edge`.
    pub fn on_cmsd(&mut self, now: Timestamp, edge: EdgeId, d: &CmsdDynamic) {
        let hold = self.cfg.duress_hold;
        let Some(e) = self.edges.get_mut(edge.0 as usize) else {
            return;
        };
        if d.duress() {
            e.last_duress = Some(now);
            e.duress_until = Some(now.saturating_add(hold));
        } else {
            e.duress_until = None;
        }
        e.etp_bps = d.etp_kbps().map(|k| k as f64 * 1000.0);
        e.max_bitrate = d
            .max_bitrate_kbps()
            .map(|k| Bitrate(k.saturating_mul(1000)));
    }

    /// A probe the host may run now: an allowed, healthy edge other than the current whose
    /// measurements are missing or older than the probe interval, at most one per
    /// interval. Probes are worth running while playback is comfortable. Commits the probe
    /// (see [`EdgeSelector::probe_candidate`] to look without committing).
    pub fn probe(&mut self, now: Timestamp) -> Option<Probe> {
        let p = self.probe_candidate(now)?;
        self.on_probe(now, p.edge);
        Some(p)
    }

    /// The probe [`EdgeSelector::probe`] would give, without committing it.
    pub fn probe_candidate(&self, now: Timestamp) -> Option<Probe> {
        if !self.cfg.probes || self.cfg.policy == SelectionPolicy::Priority {
            return None;
        }
        if let Some(u) = self.urgent_probe
            && self.current != Some(u)
            && self
                .edges
                .get(u.0 as usize)
                .is_some_and(|e| self.allowed(e) && e.breaker.allows(now, &self.cfg.breaker))
        {
            return Some(Probe {
                edge: u,
                bytes: self.cfg.probe_bytes,
            });
        }
        let iv = self.cfg.probe_interval;
        if self
            .last_probe
            .is_some_and(|t| now.saturating_duration_since(t) < iv)
        {
            return None;
        }
        let (cands, healthy) = self.candidates(now, self.current.as_slice());
        if !healthy {
            return None;
        }
        let current_rank = self
            .current
            .and_then(|c| self.edges[c.0 as usize].rank)
            .unwrap_or(usize::MAX);
        let i = cands
            .iter()
            .filter(|&i| !self.edges[i].fresh(now, iv))
            .filter(|&i| {
                self.edges[i]
                    .last_probe
                    .is_none_or(|t| now.saturating_duration_since(t) >= iv)
            })
            // Edges the controller ranks above the current one first (the session would
            // come back to them), then the one probed longest ago.
            .min_by_key(|&i| {
                let rank = self.edges[i].rank.unwrap_or(usize::MAX);
                let above = rank < current_rank;
                (
                    !above,
                    if above { rank } else { 0 },
                    self.edges[i].last_probe,
                    rank,
                )
            })?;
        Some(Probe {
            edge: EdgeId(i as u16),
            bytes: self.cfg.probe_bytes,
        })
    }

    /// Whether an urgent probe is wanted (one the cannot-sustain rule asked for).
    pub fn probe_is_urgent(&self) -> bool {
        self.urgent_probe.is_some_and(|u| self.current != Some(u))
    }

    /// A probe of `edge` went out at `now` (rations the next ones).
    pub fn on_probe(&mut self, now: Timestamp, edge: EdgeId) {
        if self.urgent_probe == Some(edge) {
            self.urgent_probe = None;
        }
        self.last_probe = Some(now);
        if let Some(e) = self.edges.get_mut(edge.0 as usize) {
            e.last_probe = Some(now);
        }
    }
}

#[cfg(test)]
mod tests;
