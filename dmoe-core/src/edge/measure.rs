//! What the selector learns: transfer samples, failures and CMSD headers per edge, and
//! the time-to-first-byte deadline it derives from them.

use std::time::Duration;

use super::{CmsdDynamic, EdgeId, EdgeSelector, Ewma, RequestFailure, SelectionPolicy};
use crate::{Bitrate, Timestamp, TransferSample};

impl EdgeSelector {
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
}
