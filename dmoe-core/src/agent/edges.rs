//! The session's edges: the [`EdgeSelector`] over the presentation's pathways (and the
//! host's extra edges), the content-steering client that orders them, and what an edge
//! change tells the ABR ([`Edges::path_estimate`], the one place a path estimate is made).

use std::time::Duration;

use crate::edge::{
    EdgeChoice, EdgeConfig, EdgeId, EdgeSelector, EdgeWhy, FetchPlan, RequestFailure,
    SelectionPolicy, SelectorConfig,
};
#[cfg(feature = "hls")]
use crate::edge::{SteeringClient, SteeringOutcome, SteeringProtocol};
use crate::{ManifestFormat, PathEstimate, Presentation, Timestamp, TransferSample};

use super::config::{Config, EdgePolicy};

#[derive(Debug, Clone, Default)]
pub(crate) struct Edges {
    pub(crate) selector: Option<EdgeSelector>,
    #[cfg(feature = "hls")]
    steering: Option<SteeringClient>,
    /// The last media throughput measured, bits per second (CMCD `mtp`, steering's
    /// `_HLS_throughput`).
    pub(crate) last_tput_bps: Option<u64>,
}

/// The selector tuning a configuration asks for.
pub(crate) fn selector_config(cfg: &Config, session_id: &str, seed: u64) -> SelectorConfig {
    let mut s = SelectorConfig::new(session_id.to_owned());
    s.seed = seed;
    s.region = cfg.region.clone();
    s.probes = cfg.probes;
    s.policy = match cfg.edge_policy {
        EdgePolicy::Measured => SelectionPolicy::Measured,
        EdgePolicy::Priority => SelectionPolicy::Priority,
    };
    s
}

/// The host-configured edges.
pub(crate) fn extra_edges(cfg: &Config) -> Vec<EdgeConfig> {
    cfg.edges
        .iter()
        .map(|e| {
            let mut c = EdgeConfig::new(e.pathway.clone()).weight(e.weight);
            if let Some(h) = &e.host {
                c = c.host(h.clone());
            }
            if let Some(r) = &e.region {
                c = c.region(r.clone());
            }
            c
        })
        .collect()
}

impl Edges {
    /// The edges of a newly installed presentation.
    pub(crate) fn for_presentation(
        p: &Presentation,
        scfg: SelectorConfig,
        extra: Vec<EdgeConfig>,
        now: Timestamp,
    ) -> Result<Self, crate::edge::EdgeError> {
        let _ = now;
        #[allow(unused_mut)]
        let mut selector = EdgeSelector::from_presentation(p, scfg, extra)?;
        #[cfg(feature = "hls")]
        let steering = p.steering.as_ref().and_then(|s| {
            let proto = if p.format == ManifestFormat::Dash {
                SteeringProtocol::Dash
            } else {
                SteeringProtocol::Hls
            };
            SteeringClient::new(&s.server_uri, proto, now).ok()
        });
        #[cfg(feature = "hls")]
        if let Some(m) = steering.as_ref().and_then(SteeringClient::manifest) {
            // A `data:` steering manifest is in force at once; a bad one is ignored as a
            // steering server's garbage is.
            let _ = selector.apply_steering(m);
        }
        #[cfg(not(feature = "hls"))]
        let _ = ManifestFormat::Dash;
        Ok(Self {
            selector: Some(selector),
            #[cfg(feature = "hls")]
            steering,
            last_tput_bps: None,
        })
    }

    /// The pathway name of an edge ("" when there is no selector).
    pub(crate) fn name(&self, e: EdgeId) -> &str {
        self.selector
            .as_ref()
            .filter(|s| (e.0 as usize) < s.len())
            .map_or("", |s| s.edge(e).pathway.as_str())
    }

    pub(crate) fn len(&self) -> usize {
        self.selector.as_ref().map_or(0, EdgeSelector::len)
    }

    pub(crate) fn current(&self) -> Option<EdgeId> {
        self.selector.as_ref().and_then(EdgeSelector::current)
    }

    /// What the ABR is told when requests move to the edge `choice` picked: the
    /// selector's estimate of it, or the throughput the choice was scored with.
    pub(crate) fn path_estimate(&self, now: Timestamp, choice: &EdgeChoice) -> PathEstimate {
        let est = self
            .selector
            .as_ref()
            .and_then(|s| s.estimate(now, choice.edge));
        let measured = est.and_then(|e| e.throughput_bps);
        PathEstimate {
            throughput_bps: measured
                .or(Some(choice.throughput_bps))
                .filter(|b| b.is_finite() && *b > 0.0),
            ttfb: est.and_then(|e| e.ttfb),
            measured: measured.is_some(),
        }
    }

    pub(crate) fn why(&self, choice: &EdgeChoice, failure: Option<RequestFailure>) -> EdgeWhy {
        // Invariant: a choice exists only where a selector does.
        let sel = self.selector.as_ref().expect("a selector made the choice");
        choice.why(sel, failure)
    }

    pub(crate) fn select(&mut self, now: Timestamp, plan: &FetchPlan) -> Option<EdgeChoice> {
        self.selector.as_mut().map(|s| s.select(now, plan))
    }

    pub(crate) fn select_retry(
        &mut self,
        now: Timestamp,
        failed: &[EdgeId],
        plan: &FetchPlan,
    ) -> Option<EdgeChoice> {
        self.selector
            .as_mut()
            .and_then(|s| s.select_retry(now, failed, plan))
    }

    /// How long a request to `edge` may wait for its first byte.
    pub(crate) fn ttfb_timeout(&self, edge: EdgeId) -> Duration {
        self.selector
            .as_ref()
            .map_or(Duration::from_secs(10), |s| s.ttfb_timeout(edge))
    }

    /// An edge's measured throughput, bits per second.
    pub(crate) fn throughput(&self, now: Timestamp, edge: EdgeId) -> Option<f64> {
        self.selector
            .as_ref()
            .and_then(|s| s.estimate(now, edge))
            .and_then(|e| e.throughput_bps)
    }

    pub(crate) fn on_transfer(&mut self, now: Timestamp, edge: EdgeId, sample: &TransferSample) {
        if let Some(s) = &mut self.selector {
            s.on_transfer(now, edge, sample);
        }
    }

    pub(crate) fn on_failure(&mut self, now: Timestamp, edge: EdgeId, f: RequestFailure) {
        if let Some(s) = &mut self.selector {
            s.on_failure(now, edge, f);
        }
    }

    /// Where a steering request is due now, if any.
    #[cfg(feature = "hls")]
    pub(crate) fn poll_steering(&mut self, now: Timestamp) -> Option<String> {
        let c = self.steering.as_mut()?;
        let name = self
            .selector
            .as_ref()
            .and_then(|s| s.current().map(|e| s.edge(e).pathway.clone()));
        let used: Vec<(&str, Option<u64>)> = name
            .as_deref()
            .map(|n| vec![(n, self.last_tput_bps)])
            .unwrap_or_default();
        c.poll(now, &used).map(|r| r.url)
    }

    #[cfg(not(feature = "hls"))]
    pub(crate) fn poll_steering(&mut self, _now: Timestamp) -> Option<String> {
        None
    }

    /// When the steering client wants to be asked again.
    pub(crate) fn steering_at(&self) -> Option<Timestamp> {
        #[cfg(feature = "hls")]
        return self
            .steering
            .as_ref()
            .and_then(SteeringClient::next_fetch_at);
        #[cfg(not(feature = "hls"))]
        None
    }

    /// The steering server answered; a problem comes back as a diagnostic's text.
    #[cfg(feature = "hls")]
    pub(crate) fn on_steering(
        &mut self,
        now: Timestamp,
        status: u16,
        retry_after: Option<Duration>,
        body: &str,
    ) -> Option<String> {
        let c = self.steering.as_mut()?;
        match c.on_response(now, status, retry_after, body.as_bytes()) {
            Ok(SteeringOutcome::Updated) => {
                if let (Some(m), Some(sel)) = (c.manifest(), &mut self.selector)
                    && let Err(e) = sel.apply_steering(m)
                {
                    return Some(format!("steering: {e}"));
                }
                None
            }
            Ok(_) => None,
            Err(e) => Some(format!("steering: {e}")),
        }
    }

    #[cfg(feature = "hls")]
    pub(crate) fn on_steering_failed(&mut self, now: Timestamp) {
        if let Some(c) = &mut self.steering {
            c.on_network_error(now);
        }
    }
}
