//! The DMOE hybrid controller: throughput prediction and buffer occupancy combined in a
//! short look-ahead and, mid-session, a long-horizon planner.
//!
//! Mid-session (a rung already playing, start-up over), the default tuning decides with
//! the [planner](crate::planner): a stochastic dynamic program over buffer, rung and
//! throughput level, solved once per ladder, that values what a decision leaves in the
//! buffer for the whole rest of the session under a noisy throughput, and charges each step
//! up a climb cost so that it climbs in few, large steps. It reaches 86.1 % of the offline
//! optimum on the Pensieve FCC set and 86.7 % on HSDPA, where the look-ahead alone reached
//! 83.2 % and 84.5 %, and on the built-in traces it switches less than throughput-only.
//! Two guards keep it from betting on a thin buffer: a filling rule (below `fill_below`, a
//! climb must fit in part of the error-discounted prediction) and a collapse rule (a sample
//! far below the level resets the level to it); a surge rule (two samples in a row far
//! above the level) lets it see a recovery at once. Start-up, seeks and ladders of over 16
//! rungs use the look-ahead described below; abandonment and caps apply to both.
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
//! On top: a start-up rule (with no estimate, a safe rung; with one before the first frame,
//! the rung whose first segment arrives within a start-up budget), a filling rule (below
//! `fill_below` of buffer a step up may use only part of the expected throughput, and a
//! climb that does not fit waits instead of going part of the way), an end-of-VOD rule
//! (the look-ahead that reaches the last segment spends the buffer), a hold rule against
//! oscillation,
//! abandonment of a segment that would starve the buffer (judged on the transfer's current
//! rate, not its average since the request began; a transfer that slowed down counts at
//! its end rate, and a refetch is planned on the rate that was abandoned), caps, and a
//! low-latency mode that suggests a playback rate to hold a latency target.

use std::time::Duration;

use dmoe_core::{
    AbrContext, AbrController, Decision, InFlight, PathEstimate, PlaybackState, Reason, Timestamp,
    TransferSample,
};

use crate::REBUFFER_PENALTY;
use crate::estimator::{DualEwma, SampleFilter, SlidingHarmonic};
use crate::planner::{PlannerConfig, SURGE_SAMPLES, TableBuilder, ValueTable};

/// Tuning of the hybrid controller. The defaults come from a grid search
/// (`cargo run --release -p dmoe-abr --example tune`, a seeded random search) over the
/// public Pensieve FCC and HSDPA
/// trace sets, scored as the sum of each set's fraction of the offline optimum; the filling
/// rule (`fill_below`, `fill_fraction`) was then chosen so that the realistic model has no
/// stall on the built-in traces, at a cost of about one point on FCC.
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
    /// Penalty per Mbps of switch in planning (QoE_lin scores 1; planning with more inertia
    /// than the score avoids chasing noisy predictions).
    pub switch_penalty: f64,
    /// A better plan must beat staying by this much (QoE units) to switch.
    pub hold_margin: f64,
    /// How much the hold margin grows per segment of buffer.
    pub hold_depth_factor: f64,
    /// Prediction error assumed for the samples the window does not have yet (a fresh
    /// session has no error history, which would make the first predictions overconfident).
    pub prior_error: f64,
    /// Throughput assumed before any sample, bits per second.
    pub default_estimate_bps: f64,
    /// Fraction of the default estimate the first segment may use.
    pub startup_safety: f64,
    /// Before the first frame (or right after a seek) with nothing buffered and an
    /// estimate already in hand (a bandwidth probe, a throughput carried over from an
    /// earlier session or path), the first segment's download is start-up delay rather
    /// than a stall: the look-ahead's rung is taken if that segment arrives within this
    /// budget under the pessimistic prediction, instead of filling at the lowest rung.
    pub startup_budget: Duration,
    /// Minimum time a segment must have been in flight before it may be abandoned.
    pub abandon_after: Duration,
    /// Shortest span between two progress samples whose rate counts as the current rate
    /// of the transfer in flight (below it the span grows until the next sample).
    pub recent_progress_s: f64,
    /// Below this buffer level the controller is filling: a step up may use at most
    /// `fill_fraction` of the expected throughput, so the buffer grows while it ramps.
    pub fill_below: Duration,
    /// Fraction of the expected throughput a step up may use while filling.
    pub fill_fraction: f64,
    /// A step up must beat staying by `hold_margin × up_margin_factor` (a step down by
    /// `hold_margin`). Above 1: fewer speculative climbs, so fewer switches and a little
    /// less bitrate; see [`HybridConfig::stable`].
    pub up_margin_factor: f64,
    /// Penalty per Mbps of switch once the look-ahead reaches the end of a VOD (buffer
    /// left then is worth nothing). The default charges what QoE_lin charges; the
    /// stability preset keeps its mid-session inertia.
    pub end_switch_penalty: f64,
    /// The long-horizon planner ([`crate::planner`]) that scores mid-session decisions;
    /// `None` plans every decision with the look-ahead alone (`hybrid-lookahead`).
    pub planner: Option<PlannerConfig>,
}

impl HybridConfig {
    /// The stability preset: the planner charges a step up about twice the default
    /// [`PlannerConfig::climb_cost`], and the look-ahead (start-up, seeks) needs eight
    /// times the default margin for one. Fewer switches than the default, for a little
    /// QoE_lin; `dmoe-sim --abr hybrid,hybrid-stable` shows both.
    pub fn stable() -> Self {
        let d = Self::default();
        Self {
            up_margin_factor: 8.0,
            end_switch_penalty: d.switch_penalty,
            planner: d.planner.map(|p| PlannerConfig {
                climb_cost: 0.4,
                ..p
            }),
            ..d
        }
    }
}

impl Default for HybridConfig {
    fn default() -> Self {
        Self {
            horizon: 5,
            worst_error_weight: 0.25,
            recent_weight: 0.15,
            risk_weight: 0.5,
            buffer_value: 0.23,
            buffer_value_cap: Duration::from_secs(14),
            switch_penalty: 3.1,
            hold_margin: 0.17,
            hold_depth_factor: 0.0,
            prior_error: 0.2,
            default_estimate_bps: 1_000_000.0,
            startup_safety: 0.7,
            startup_budget: Duration::from_secs(2),
            abandon_after: Duration::from_millis(500),
            recent_progress_s: 0.2,
            fill_below: Duration::from_secs(10),
            fill_fraction: 0.7,
            up_margin_factor: 1.0,
            end_switch_penalty: 1.0,
            planner: Some(PlannerConfig::default()),
        }
    }
}

/// The hybrid buffer-plus-throughput controller.
#[derive(Debug, Clone)]
pub struct Hybrid {
    name: &'static str,
    cfg: HybridConfig,
    filter: SampleFilter,
    harmonic: SlidingHarmonic,
    ewma: DualEwma,
    /// Time to first byte, seconds (EWMA), added to every planned download.
    ttfb: crate::estimator::Ewma,
    /// Throughput of the segment in flight, from progress samples: the lower of the
    /// average since the request began and the rate since an earlier progress sample
    /// (a drop mid-transfer shows at once instead of being averaged with the fast start).
    in_flight_bps: Option<f64>,
    /// (bytes, seconds) of the progress sample the current rate is measured from.
    last_progress: Option<(f64, f64)>,
    /// The current rate of the transfer in flight, when progress has measured one.
    tail_bps: Option<f64>,
    state: PlaybackState,
    /// The planner's solved table for the current ladder (solved in slices by
    /// [`AbrController::prepare`]; until then the look-ahead decides).
    table: Option<Box<ValueTable>>,
    /// The table being solved.
    building: Option<Box<TableBuilder>>,
}

impl Default for Hybrid {
    fn default() -> Self {
        Self::new(HybridConfig::default())
    }
}

/// Largest horizon the fixed-size plan arrays hold.
const MAX_HORIZON: usize = 10;

/// Largest ladder the fixed-size arrays hold (the ladder type's own cap).
const MAX_RUNGS: usize = dmoe_core::abr::MAX_RUNGS;

impl Hybrid {
    /// A controller with this tuning.
    pub fn new(cfg: HybridConfig) -> Self {
        Self {
            name: "hybrid",
            cfg,
            filter: SampleFilter::default(),
            harmonic: SlidingHarmonic::default(),
            ewma: DualEwma::default(),
            ttfb: crate::estimator::Ewma::new(3.0),
            in_flight_bps: None,
            last_progress: None,
            tail_bps: None,
            state: PlaybackState::Starting,
            table: None,
            building: None,
        }
    }

    /// The stability preset ([`HybridConfig::stable`]), named `hybrid-stable`.
    pub fn stable() -> Self {
        Self {
            name: "hybrid-stable",
            ..Self::new(HybridConfig::stable())
        }
    }

    /// The default tuning without the planner (every decision by the look-ahead), named
    /// `hybrid-lookahead`: what the hybrid was before the planner, kept for comparison.
    pub fn lookahead() -> Self {
        Self {
            name: "hybrid-lookahead",
            ..Self::new(HybridConfig {
                planner: None,
                ..HybridConfig::default()
            })
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
        let seen = self.harmonic.len().min(crate::estimator::WINDOW) as f64;
        let missing = crate::estimator::WINDOW as f64 - seen;
        let prior = self.cfg.prior_error.max(0.0);
        let worst = if missing > 0.0 {
            self.harmonic.max_error().max(prior)
        } else {
            self.harmonic.max_error()
        };
        let mean = (self.harmonic.mean_error() * seen + prior * missing) / (seen + missing);
        let w = self.cfg.worst_error_weight.clamp(0.0, 1.0);
        let expected = h / (1.0 + w * worst + (1.0 - w) * mean);
        let pessimistic = h / (1.0 + worst);
        Some((expected, pessimistic.min(expected)))
    }

    /// Best score over the plan family for each first rung `a` in `bottom..=top`: QoE_lin
    /// over the horizon, minus the risk term, plus the value of the buffer left. Plans are
    /// "first segment at `a`, the rest at `b`" with `|a − b| ≤ 2`. Download times are
    /// precomputed once per decision and the first step is shared by all `b`, so a decision
    /// is a few hundred multiply-adds and touches no heap.
    fn plan_scores(
        &self,
        ctx: &AbrContext<'_>,
        (bottom, top): (usize, usize),
        horizon: usize,
        (bw, low): (f64, f64),
        starting: bool,
        out: &mut [f64; MAX_RUNGS],
    ) {
        let seg = ctx.segment_duration.as_secs_f64();
        let cap = ctx.max_buffer.as_secs_f64().max(seg);
        let ttfb = self.ttfb.estimate().unwrap_or(0.0);
        let (inv, inv_low) = (1.0 / bw, 1.0 / low);
        let mut mbps = [0.0f64; MAX_RUNGS];
        let mut t = [[0.0f64; MAX_RUNGS]; MAX_HORIZON];
        let mut t_low = [[0.0f64; MAX_RUNGS]; MAX_HORIZON];
        for q in bottom..=top {
            mbps[q] = ctx.ladder.bps(q) / 1e6;
            for k in 0..horizon {
                let bits = ctx.segment_bytes(k, q) * 8.0;
                t[k][q] = bits * inv + ttfb;
                t_low[k][q] = bits * inv_low + ttfb;
            }
        }
        let keep_cap = self.cfg.buffer_value_cap.as_secs_f64();
        // When the look-ahead reaches the last segment of a VOD, the plan is the whole rest
        // of the session: buffer left over is worth nothing (it is spent, not kept), and a
        // switch costs what the score charges for it, no more (the extra inertia stands in
        // for the segments beyond the horizon, and there are none).
        let at_end = ctx
            .segments_remaining
            .is_some_and(|r| (r as usize) <= horizon);
        let (buffer_value, switch_penalty) = if at_end {
            (0.0, self.cfg.end_switch_penalty)
        } else {
            (self.cfg.buffer_value, self.cfg.switch_penalty)
        };
        let prev_mbps = ctx.previous.map(|p| ctx.ladder.bps(p) / 1e6);
        let start = ctx.buffer.as_secs_f64();
        let drain = |buf: &mut f64, rebuf: &mut f64, dt: f64| {
            if dt > *buf {
                *rebuf += dt - *buf;
                *buf = 0.0;
            } else {
                *buf -= dt;
            }
            *buf = (*buf + seg).min(cap);
        };
        for a in bottom..=top {
            let (mut buf0, mut low0, mut rebuf0, mut rlow0) = (start, start, 0.0, 0.0);
            if starting {
                // Before the first frame the first download is start-up delay, which
                // the start-up budget bounds, not a stall.
                buf0 = (start + seg).min(cap);
                low0 = buf0;
            } else {
                drain(&mut buf0, &mut rebuf0, t[0][a]);
                drain(&mut low0, &mut rlow0, t_low[0][a]);
            }
            let smooth0 = prev_mbps.map_or(0.0, |p| (mbps[a] - p).abs());
            let mut best = f64::NEG_INFINITY;
            for b in a.saturating_sub(2).max(bottom)..=(a + 2).min(top) {
                let (mut buf, mut bl, mut rebuf, mut rlow) = (buf0, low0, rebuf0, rlow0);
                for k in 1..horizon {
                    drain(&mut buf, &mut rebuf, t[k][b]);
                    drain(&mut bl, &mut rlow, t_low[k][b]);
                }
                let quality = mbps[a] + mbps[b] * (horizon - 1) as f64;
                let smooth = smooth0
                    + if horizon > 1 {
                        (mbps[b] - mbps[a]).abs()
                    } else {
                        0.0
                    };
                let score = quality
                    - REBUFFER_PENALTY * (rebuf + self.cfg.risk_weight * rlow)
                    - switch_penalty * smooth
                    + buffer_value * buf.min(keep_cap);
                best = best.max(score);
            }
            out[a] = best;
        }
    }
}

impl Hybrid {
    /// Before the first frame (or after a seek) with next to nothing buffered (under a
    /// quarter of a segment: once a segment is in, playback can begin and the next
    /// download is no longer start-up delay).
    fn starting(&self, ctx: &AbrContext<'_>) -> bool {
        matches!(ctx.state, PlaybackState::Starting | PlaybackState::Seeking)
            && ctx.buffer < ctx.segment_duration / 4
    }

    /// True when starting and the first segment at `rung` arrives within the start-up
    /// budget at the `low` rate.
    fn starts_within_budget(&self, ctx: &AbrContext<'_>, rung: usize, low: f64) -> bool {
        if !self.starting(ctx) || low.is_nan() || low <= 0.0 {
            return false;
        }
        let ttfb = self.ttfb.estimate().unwrap_or(0.0);
        ctx.segment_bytes(0, rung) * 8.0 / low + ttfb <= self.cfg.startup_budget.as_secs_f64()
    }
}

impl Hybrid {
    /// The throughput level the planner starts from: a geometric blend of the dual EWMA's
    /// cautious (min of fast and slow) and fast figures, capped by a multiple of the newest
    /// sample and by a transfer in flight. `expected` is the look-ahead's error-discounted
    /// prediction (already capped by a transfer in flight), which a collapse falls back on.
    fn planning_level(&self, cfg: &PlannerConfig, expected: f64) -> Option<f64> {
        let cautious = self.ewma.estimate()?;
        let fast = self.ewma.fast()?;
        let w = cfg.fast_weight.clamp(0.0, 1.0);
        // cautious^(1-w) * fast^w, by exp and ln (the planner's own functions).
        let mut level = if w == 0.0 {
            cautious
        } else if w == 1.0 {
            fast
        } else if cautious > 0.0 && fast > 0.0 {
            ((1.0 - w) * cautious.ln() + w * fast.ln()).exp()
        } else {
            0.0
        };
        // A collapse shows at once: the level never exceeds a multiple of the newest sample.
        // A rise shows in two samples: the short transfers of a low rung barely move the
        // download-time-weighted EWMAs.
        if cfg.surge_ratio > 1.0 {
            if let Some(m) = self.harmonic.recent_min(SURGE_SAMPLES) {
                if m > level * cfg.surge_ratio {
                    level = m;
                }
            }
        }
        if let Some(last) = self.harmonic.last() {
            if last < level * cfg.collapse_ratio {
                level = expected.min(last);
            }
            level = level.min(last * cfg.newest_sample_cap.max(1.0));
        }
        if let Some(r) = self.in_flight_bps {
            level = level.min(r);
        }
        (level.is_finite() && level > 0.0).then_some(level)
    }

    /// The planner's decision, mid-session (a previous rung, past start-up) when the
    /// planner is configured and can plan this ladder; None hands over to the look-ahead.
    /// `expected` is the look-ahead's error-discounted prediction, capped by a transfer in
    /// flight.
    fn planned(
        &self,
        ctx: &AbrContext<'_>,
        (bottom, top): (usize, usize),
        expected: f64,
        playback_rate: Option<f64>,
    ) -> Option<Decision> {
        let cfg = self.cfg.planner.as_ref()?;
        let prev = ctx.previous?;
        if self.starting(ctx) {
            return None;
        }
        let level = self.planning_level(cfg, expected)?;
        let ttfb = self.ttfb.estimate().unwrap_or(0.0);
        let table = self.table.as_ref().filter(|t| t.fits(ctx))?;
        let mut scores = [f64::NEG_INFINITY; MAX_RUNGS];
        table.scores(ctx, level, ttfb, prev, (bottom, top), &mut scores);
        let mut best = (f64::NEG_INFINITY, prev.clamp(bottom, top));
        for (a, &sc) in scores.iter().enumerate().take(top + 1).skip(bottom) {
            if sc > best.0 {
                best = (sc, a);
            }
        }
        let mut rung = best.1;
        let seg = ctx.segment_duration;
        // Filling: below `fill_below` a step up may use only part of the look-ahead's
        // error-discounted prediction; a climb that does not fit waits at the current rung.
        let mut filling = false;
        if ctx.buffer < self.cfg.fill_below && rung > prev {
            let fill_top = ctx
                .ladder
                .highest_below(expected * cfg.fill_fraction)
                .clamp(prev.min(top), top);
            if rung > fill_top {
                rung = prev.clamp(bottom, top);
                filling = true;
            }
        }
        let reason = if filling {
            Reason::Startup
        } else if rung == top && top < ctx.ladder.len() - 1 {
            Reason::Capped
        } else if rung < prev && ctx.buffer < seg {
            Reason::Emergency
        } else if rung < prev {
            Reason::BufferLow
        } else if rung > prev && ctx.buffer > seg * 10 {
            Reason::BufferHigh
        } else {
            Reason::Lookahead
        };
        Some(Decision {
            rung,
            reason,
            estimate_bps: Some(level),
            buffer: ctx.buffer,
            playback_rate,
        })
    }
}

impl AbrController for Hybrid {
    fn name(&self) -> &'static str {
        self.name
    }

    fn on_segment_complete(&mut self, _now: Timestamp, sample: &TransferSample) {
        self.in_flight_bps = None;
        self.last_progress = None;
        let tail = self.tail_bps.take();
        if let Ok(mut s) = self.filter.accept(sample) {
            // A transfer that slowed down before it ended says more about the next one
            // through its end than through its average.
            if let Some(t) = tail.filter(|t| *t < s.bps) {
                s.bps = t;
            }
            self.harmonic.add(&s);
            self.ewma.add(&s);
            let t = sample.ttfb.as_secs_f64();
            if t.is_finite() {
                self.ttfb.sample(1.0, t);
            }
        }
    }

    fn on_progress(&mut self, _now: Timestamp, sample: &TransferSample) {
        // Progress samples are small and early: only a lower filter applies.
        let f = SampleFilter {
            min_bytes: 1.0,
            cache_hit_seconds: 0.0,
        };
        let Ok(s) = f.accept(sample) else { return };
        let recent = match self.last_progress {
            Some((b, t)) if s.bytes >= b && s.seconds > t => {
                let (db, dt) = (s.bytes - b, s.seconds - t);
                (dt >= self.cfg.recent_progress_s).then(|| db * 8.0 / dt)
            }
            _ => None,
        };
        // Fewer bytes than before: a new transfer (the previous one was abandoned).
        let restarted = self.last_progress.is_none_or(|(b, _)| s.bytes < b);
        if restarted {
            self.tail_bps = None;
        }
        if recent.is_some() || restarted {
            self.last_progress = Some((s.bytes, s.seconds));
        }
        if recent.is_some() {
            self.tail_bps = recent;
        }
        self.in_flight_bps = Some(recent.map_or(s.bps, |r| r.min(s.bps)));
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
        let Some((mut bw, mut low)) = self.predictions() else {
            let budget = self.cfg.default_estimate_bps * self.cfg.startup_safety;
            return Decision {
                rung: ctx.ladder.highest_below(budget).clamp(bottom, top),
                reason: Reason::Startup,
                estimate_bps: None,
                buffer: ctx.buffer,
                playback_rate,
            };
        };
        // A transfer measured but not completed (abandoned, or still running) caps the
        // prediction: the refetch must not be planned on the rate that was just abandoned.
        if let Some(r) = self.in_flight_bps {
            bw = bw.min(r);
            low = low.min(r);
        }
        if let Some(d) = self.planned(ctx, (bottom, top), bw, playback_rate) {
            return d;
        }
        let horizon = match ctx.segments_remaining {
            Some(r) => (r as usize).min(self.cfg.horizon),
            None => self.cfg.horizon,
        }
        .clamp(1, MAX_HORIZON);
        let mut scores = [f64::NEG_INFINITY; MAX_RUNGS];
        let starting = self.starting(ctx);
        self.plan_scores(
            ctx,
            (bottom, top),
            horizon,
            (bw, low),
            starting,
            &mut scores,
        );
        let mut best = (f64::NEG_INFINITY, bottom);
        for (a, &sc) in scores.iter().enumerate().take(top + 1).skip(bottom) {
            if sc > best.0 {
                best = (sc, a);
            }
        }
        let mut rung = best.1;
        let mut reason = Reason::Lookahead;
        if let Some(prev) = ctx.previous.filter(|p| (bottom..=top).contains(p)) {
            if rung != prev && self.cfg.hold_margin > 0.0 {
                let stay = scores[prev];
                // With a deep buffer there is no hurry: demand a larger gain to switch.
                let depth = ctx.buffer.as_secs_f64() / ctx.segment_duration.as_secs_f64().max(0.1);
                let margin = self.cfg.hold_margin
                    * (1.0 + self.cfg.hold_depth_factor * depth)
                    * if rung > prev {
                        self.cfg.up_margin_factor.max(0.0)
                    } else {
                        1.0
                    };
                if best.0 - stay < margin {
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
        // Filling: no step up beyond what leaves the buffer growing quickly. When the
        // look-ahead wants more than that, the current rung is held (it fills the buffer
        // fastest) and the climb waits until it can go to the wanted rung in one step,
        // instead of a staircase of partial steps that each count as a switch.
        let floor = ctx.previous.unwrap_or(bottom);
        if self.starting(ctx) && rung > floor {
            // Starting with an estimate in hand: the highest rung up to the look-ahead's
            // whose first segment fits the start-up budget.
            let start = (floor + 1..=rung)
                .rev()
                .find(|&q| self.starts_within_budget(ctx, q, low))
                .unwrap_or(floor);
            if start != rung {
                rung = start;
                reason = Reason::Startup;
            }
        } else if ctx.buffer < self.cfg.fill_below && rung > floor {
            let fill_top = ctx
                .ladder
                .highest_below(bw * self.cfg.fill_fraction)
                .clamp(floor, top);
            if rung > fill_top {
                rung = floor;
                reason = Reason::Startup;
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
        // Starting, the download is start-up delay: what is left of the start-up budget
        // plays the part of the buffer.
        let buffer = if self.starting(ctx) {
            (self.cfg.startup_budget.as_secs_f64() - f.elapsed.as_secs_f64()).max(0.0)
        } else {
            ctx.buffer.as_secs_f64()
        };
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

    fn prepare(&mut self, ctx: &AbrContext<'_>) -> bool {
        let Some(cfg) = self.cfg.planner else {
            return false;
        };
        if self.table.as_ref().is_some_and(|t| t.fits(ctx)) {
            return false;
        }
        if !self.building.as_ref().is_some_and(|b| b.fits(ctx)) {
            let ttfb = self.ttfb.estimate().unwrap_or(0.0);
            self.building = TableBuilder::new(&cfg, ctx, ttfb).map(Box::new);
            // Nothing to plan for this ladder: the look-ahead decides.
            return self.building.is_some();
        }
        let done = self.building.as_mut().is_some_and(|b| b.step());
        if done && let Some(b) = self.building.take() {
            self.table = Some(Box::new(b.finish()));
        }
        !done
    }

    fn on_path_change(&mut self, _now: Timestamp, expected: &PathEstimate) {
        let bps = expected.start_bps(self.ewma.estimate());
        self.harmonic.rebase(bps);
        self.ewma.rebase(bps);
        if let Some(t) = expected.ttfb {
            self.ttfb = crate::estimator::Ewma::new(3.0);
            self.ttfb.sample(1.0, t.as_secs_f64());
        }
        self.in_flight_bps = None;
        self.last_progress = None;
        self.tail_bps = None;
    }

    fn reset(&mut self) {
        self.harmonic.clear();
        self.ewma = DualEwma::default();
        self.ttfb = crate::estimator::Ewma::new(3.0);
        self.in_flight_bps = None;
        self.last_progress = None;
        self.tail_bps = None;
    }
}

#[cfg(test)]
mod tests;
