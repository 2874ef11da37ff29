//! What the selector is given: its edges, its settings, and each request's plan and
//! outcome.

use std::time::Duration;

use super::{BreakerConfig, GeoPoint, UriReplacement};

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
    /// Shortest time-to-first-byte timeout [`EdgeSelector::ttfb_timeout`](super::EdgeSelector::ttfb_timeout) gives.
    pub min_ttfb_timeout: Duration,
    /// Longest time-to-first-byte timeout (also used for an edge with no samples).
    pub max_ttfb_timeout: Duration,
    /// Circuit-breaker tuning.
    pub breaker: BreakerConfig,
    /// Offer small active probes of edges without fresh measurements ([`EdgeSelector::probe`](super::EdgeSelector::probe)).
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
