//! Probes: small requests that measure an edge the session is not using, rationed and
//! chosen by the selector.

use super::{EdgeId, EdgeSelector, SelectionPolicy};
use crate::Timestamp;

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

impl EdgeSelector {
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
