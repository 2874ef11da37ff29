//! The DMOE hybrid controller: throughput prediction and buffer occupancy combined in a
//! short look-ahead.
//!
//! Each decision scores a small family of plans over the next few segments — "the first
//! segment at rung `a`, the rest at rung `b`" with `b` within two rungs of `a` — simulating
//! the buffer under a robust throughput prediction and valuing what the plan leaves in the
//! buffer. That is RobustMPC's idea, but:
//!
//! - the prediction discount blends the mean and the worst recent error instead of taking
//!   the worst alone, so one outlier does not halve the estimate for five segments;
//! - a plan is charged for the stall it would cause under a pessimistic prediction as well
//!   (risk term), so a confident estimate is used while a risky one is hedged;
//! - the buffer left at the end of the horizon has a value, BOLA-like, so the controller
//!   builds buffer when it can and spends it when it has it, instead of draining to zero at
//!   the horizon's edge;
//! - the plan family is `O(rungs × 5 × horizon)`, not `O(rungs^horizon)`: one decision costs
//!   well under a microsecond and never allocates.
//!
//! On top: a start-up rule (fill fast at a safe rung), a hold rule against oscillation,
//! abandonment of a segment that would starve the buffer, caps, and a low-latency mode that
//! suggests a playback rate to hold a latency target.

use std::time::Duration;

use dmoe_core::{
    AbrContext, AbrController, Decision, InFlight, PlaybackState, Reason, Timestamp, TransferSample,
};

use crate::REBUFFER_PENALTY;
use crate::estimator::{DualEwma, SampleFilter, SlidingHarmonic};

/// Tuning of the hybrid controller. The defaults are what the trace studies in
/// `dmoe-abr/tests` and `dmoe-sim` measured best; see the crate docs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HybridConfig {
    /// Segments looked ahead.
    pub horizon: usize,
    /// Weight of the worst recent prediction error in the discount (the rest is the mean).
    pub worst_error_weight: f64,
    /// Weight of the most recent sample against the window's harmonic mean (0 to 1).
    pub recent_weight: f64,
    /// Weight of the stall a plan causes under the pessimistic prediction.
    pub risk_weight: f64,
    /// Value of one second of buffer left at the end of the horizon, in Mbps·s units of
    /// QoE_lin, up to `buffer_value_cap`.
    pub buffer_value: f64,
    /// Buffer beyond this is worth nothing more.
    pub buffer_value_cap: Duration,
    /// Penalty per Mbps of switch (QoE_lin uses 1).
    pub switch_penalty: f64,
    /// A better plan must beat staying by this much (QoE units) to switch.
    pub hold_margin: f64,
    /// Throughput assumed before any sample, bits per second.
    pub default_estimate_bps: f64,
    /// Fraction of the default estimate the first segment may use.
    pub startup_safety: f64,
    /// Minimum time a segment must have been in flight before it may be abandoned.
    pub abandon_after: Duration,
}

impl Default for HybridConfig {
    fn default() -> Self {
        Self {
            horizon: 5,
            worst_error_weight: 0.5,
            recent_weight: 0.0,
            risk_weight: 0.3,
            buffer_value: 0.2,
            buffer_value_cap: Duration::from_secs(20),
            switch_penalty: 1.0,
            hold_margin: 0.2,
            default_estimate_bps: 1_000_000.0,
            startup_safety: 0.7,
            abandon_after: Duration::from_millis(500),
        }
    }
}

/// The hybrid buffer-plus-throughput controller.
#[derive(Debug, Clone)]
pub struct Hybrid {
    cfg: HybridConfig,
    filter: SampleFilter,
    harmonic: SlidingHarmonic,
    ewma: DualEwma,
    /// Throughput of the segment in flight, from progress samples.
    in_flight_bps: Option<f64>,
    state: PlaybackState,
}

impl Default for Hybrid {
    fn default() -> Self {
        Self::new(HybridConfig::default())
    }
}

/// Largest horizon the fixed-size plan arrays hold.
const MAX_HORIZON: usize = 10;

impl Hybrid {
    /// A controller with this tuning.
    pub fn new(cfg: HybridConfig) -> Self {
        Self {
            cfg,
            filter: SampleFilter::default(),
            harmonic: SlidingHarmonic::default(),
            ewma: DualEwma::default(),
            in_flight_bps: None,
            state: PlaybackState::Starting,
        }
    }

    /// The tuning.
    pub fn config(&self) -> &HybridConfig {
        &self.cfg
    }

    /// (expected, pessimistic) throughput predictions in bits per second.
    pub fn predictions(&self) -> Option<(f64, f64)> {
        let hm = self.harmonic.harmonic_mean()?;
        let rw = self.cfg.recent_weight.clamp(0.0, 1.0);
        let h = match self.harmonic.last() {
            Some(last) => rw * last + (1.0 - rw) * hm,
            None => hm,
        };
        let worst = self.harmonic.max_error();
        let mean = self.harmonic.mean_error();
        let w = self.cfg.worst_error_weight.clamp(0.0, 1.0);
        let expected = h / (1.0 + w * worst + (1.0 - w) * mean);
        let pessimistic = h / (1.0 + worst);
        Some((expected, pessimistic.min(expected)))
    }

    /// Score of a plan (first segment at `a`, the rest at `b`): QoE_lin over the horizon,
    /// minus the risk term, plus the value of the buffer left.
    fn score(
        &self,
        ctx: &AbrContext<'_>,
        a: usize,
        b: usize,
        horizon: usize,
        bw: f64,
        low: f64,
    ) -> f64 {
        let seg = ctx.segment_duration.as_secs_f64();
        let cap = ctx.max_buffer.as_secs_f64().max(seg);
        let mut buf = ctx.buffer.as_secs_f64();
        let mut buf_low = buf;
        let mut rebuf = 0.0;
        let mut rebuf_low = 0.0;
        let mut quality = 0.0;
        let mut last = ctx.previous.unwrap_or(a);
        let mut smooth = 0.0;
        for k in 0..horizon {
            let q = if k == 0 { a } else { b };
            let bits = ctx.segment_bytes(k, q) * 8.0;
            let t = bits / bw;
            let t_low = bits / low;
            if t > buf {
                rebuf += t - buf;
                buf = 0.0;
            } else {
                buf -= t;
            }
            if t_low > buf_low {
                rebuf_low += t_low - buf_low;
                buf_low = 0.0;
            } else {
                buf_low -= t_low;
            }
            buf = (buf + seg).min(cap);
            buf_low = (buf_low + seg).min(cap);
            let mbps = ctx.ladder.bps(q) / 1e6;
            quality += mbps;
            smooth += (mbps - ctx.ladder.bps(last) / 1e6).abs();
            last = q;
        }
        let kept = buf.min(self.cfg.buffer_value_cap.as_secs_f64());
        quality
            - REBUFFER_PENALTY * (rebuf + self.cfg.risk_weight * rebuf_low)
            - self.cfg.switch_penalty * smooth
            + self.cfg.buffer_value * kept
    }
}

impl AbrController for Hybrid {
    fn name(&self) -> &'static str {
        "hybrid"
    }

    fn on_segment_complete(&mut self, _now: Timestamp, sample: &TransferSample) {
        self.in_flight_bps = None;
        if let Ok(s) = self.filter.accept(sample) {
            self.harmonic.add(&s);
            self.ewma.add(&s);
        }
    }

    fn on_progress(&mut self, _now: Timestamp, sample: &TransferSample) {
        // Progress samples are small and early: only a lower filter applies.
        let f = SampleFilter {
            min_bytes: 1.0,
            cache_hit_seconds: 0.0,
        };
        if let Ok(s) = f.accept(sample) {
            self.in_flight_bps = Some(s.bps);
        }
    }

    fn on_playback(&mut self, _now: Timestamp, state: PlaybackState) {
        self.state = state;
    }

    fn choose(&self, ctx: &AbrContext<'_>) -> Decision {
        let top = ctx.caps.top(ctx.ladder);
        let bottom = ctx.caps.bottom(ctx.ladder, top);
        let playback_rate = ctx.live.map(|l| {
            // Proportional catch-up: 10 % faster per second of excess latency, clamped.
            let excess = l.latency.as_secs_f64() - l.target.as_secs_f64();
            (1.0 + 0.1 * excess).clamp(l.min_rate, l.max_rate)
        });
        let Some((bw, low)) = self.predictions() else {
            let budget = self.cfg.default_estimate_bps * self.cfg.startup_safety;
            return Decision {
                rung: ctx.ladder.highest_below(budget).clamp(bottom, top),
                reason: Reason::Startup,
                estimate_bps: None,
                buffer: ctx.buffer,
                playback_rate,
            };
        };
        let horizon = match ctx.segments_remaining {
            Some(r) => (r as usize).min(self.cfg.horizon),
            None => self.cfg.horizon,
        }
        .clamp(1, MAX_HORIZON);
        let mut best = (f64::NEG_INFINITY, bottom);
        for a in bottom..=top {
            let lo = a.saturating_sub(2).max(bottom);
            let hi = (a + 2).min(top);
            let mut s = f64::NEG_INFINITY;
            for b in lo..=hi {
                s = s.max(self.score(ctx, a, b, horizon, bw, low));
            }
            if s > best.0 {
                best = (s, a);
            }
        }
        let mut rung = best.1;
        let mut reason = Reason::Lookahead;
        if let Some(prev) = ctx.previous.filter(|p| (bottom..=top).contains(p)) {
            if rung != prev && self.cfg.hold_margin > 0.0 {
                let mut stay = f64::NEG_INFINITY;
                for b in prev.saturating_sub(2).max(bottom)..=(prev + 2).min(top) {
                    stay = stay.max(self.score(ctx, prev, b, horizon, bw, low));
                }
                if best.0 - stay < self.cfg.hold_margin {
                    rung = prev;
                    reason = Reason::Hold;
                }
            }
            if reason != Reason::Hold {
                reason = if rung < prev && ctx.buffer < ctx.segment_duration {
                    Reason::Emergency
                } else if rung < prev {
                    Reason::BufferLow
                } else if rung > prev
                    && ctx.buffer.as_secs_f64()
                        > 2.0 * ctx.segment_duration.as_secs_f64() * horizon as f64
                {
                    Reason::BufferHigh
                } else {
                    Reason::Lookahead
                };
            }
        }
        if rung == top && top < ctx.ladder.len() - 1 {
            reason = Reason::Capped;
        }
        Decision {
            rung,
            reason,
            estimate_bps: Some(bw),
            buffer: ctx.buffer,
            playback_rate,
        }
    }

    fn should_abandon(&self, ctx: &AbrContext<'_>, f: &InFlight) -> Option<usize> {
        if f.elapsed < self.cfg.abandon_after || f.rung == 0 {
            return None;
        }
        let rate = self.in_flight_bps?;
        let remaining = f.expected.0.saturating_sub(f.received.0) as f64 * 8.0;
        let finish = remaining / rate;
        let buffer = ctx.buffer.as_secs_f64();
        if finish <= buffer {
            return None;
        }
        // The highest lower rung whose whole segment would arrive before the buffer runs out.
        (0..f.rung)
            .rev()
            .find(|&r| ctx.segment_bytes(0, r) * 8.0 / rate < buffer.max(0.0) && r < f.rung)
            .or(Some(0))
            .filter(|&r| {
                // Only abandon when refetching lower stalls less than finishing.
                let refetch = ctx.segment_bytes(0, r) * 8.0 / rate;
                (refetch - buffer).max(0.0) < finish - buffer
            })
    }

    fn reset(&mut self) {
        self.harmonic.clear();
        self.ewma = DualEwma::default();
        self.in_flight_bps = None;
    }
}
