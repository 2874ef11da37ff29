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
mod config;
mod geo;
mod measure;
mod probe;
mod rng;
pub mod sf;
pub mod steering;
mod why;

use std::time::Duration;

use thiserror::Error;

use crate::{Bitrate, Presentation, Timestamp};

pub use breaker::{Breaker, BreakerConfig, BreakerState};
pub use cmsd::{CmsdDynamic, CmsdError, CmsdHop, CmsdStatic, ObjectType};
pub use config::{EdgeConfig, FetchPlan, RequestFailure, SelectionPolicy, SelectorConfig};
pub use geo::GeoPoint;
pub use probe::Probe;
pub use rng::rendezvous_score;
pub use steering::{PathwayClone, SteeringError, SteeringManifest, UriReplacement};
#[cfg(feature = "hls")]
pub use steering::{SteeringClient, SteeringOutcome, SteeringProtocol, SteeringRequest};
pub use why::{EdgeChoice, EdgeReason, EdgeWhy};

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
}

#[cfg(test)]
mod tests;
