//! Rate-based ABR: the highest rung below a safety fraction of the estimated throughput.
//! The classic rule of dash.js's ThroughputRule and hls.js's default (see Jiang et al.,
//! "Improving Fairness, Efficiency, and Stability in HTTP-based Adaptive Video Streaming
//! with FESTIVE", CoNEXT 2012, for the family).

use dmoe_core::{
    AbrContext, AbrController, Decision, PathEstimate, Reason, Timestamp, TransferSample,
};

use super::bounds;
use crate::estimator::{DualEwma, SampleFilter};

/// Throughput-only ABR.
#[derive(Debug, Clone)]
pub struct ThroughputRule {
    filter: SampleFilter,
    ewma: DualEwma,
    /// Fraction of the estimate a rung may use (default 0.9, as dash.js).
    pub safety: f64,
}

impl Default for ThroughputRule {
    fn default() -> Self {
        Self {
            filter: SampleFilter::default(),
            ewma: DualEwma::default(),
            safety: 0.9,
        }
    }
}

impl AbrController for ThroughputRule {
    fn name(&self) -> &'static str {
        "throughput"
    }

    fn on_segment_complete(&mut self, _now: Timestamp, sample: &TransferSample) {
        if let Ok(s) = self.filter.accept(sample) {
            self.ewma.add(&s);
        }
    }

    fn choose(&self, ctx: &AbrContext<'_>) -> Decision {
        let (bottom, top) = bounds(ctx);
        let est = self.ewma.estimate();
        let (rung, reason) = match est {
            None => (bottom, Reason::Startup),
            Some(e) => (
                ctx.ladder.highest_below(e * self.safety).clamp(bottom, top),
                Reason::Throughput,
            ),
        };
        Decision {
            rung,
            reason,
            estimate_bps: est,
            buffer: ctx.buffer,
            playback_rate: None,
        }
    }

    fn on_path_change(&mut self, _now: Timestamp, expected: &PathEstimate) {
        // The old path's history does not predict the new one; its expected rate does
        // (a prior never above what was measured here).
        self.ewma.rebase(expected.start_bps(self.ewma.estimate()));
    }

    fn reset(&mut self) {
        self.ewma = DualEwma::default();
    }
}
