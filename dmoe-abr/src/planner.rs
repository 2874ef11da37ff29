//! The hybrid's long-horizon planner: stochastic dynamic programming over buffer level,
//! rung and throughput level.
//!
//! The look-ahead of [`crate::Hybrid`] plans a few segments on one throughput figure. What
//! it cannot see is how the buffer it leaves pays off later, when throughput wobbles around
//! its level for the rest of the session. The planner models exactly that and solves it
//! once per ladder:
//!
//! - **State**: buffer level (a grid of up to [`BUFFER_POINTS`] points from 0 to the
//!   player's maximum buffer), the rung of the last segment, and a throughput *level* (a
//!   log-spaced grid of [`PlannerConfig::levels`] points from 0.3 × the lowest to 3 × the
//!   highest bitrate).
//! - **Throughput model**: each segment's throughput is the level times log-normal noise
//!   ([`PlannerConfig::noise`]); the level itself drifts slowly between segments
//!   ([`PlannerConfig::drift`]). That is a "steady with noise" network, which is what a
//!   session mostly is between its rare level shifts (a shift shows in the estimate, and
//!   the next decision starts from the new level).
//! - **Reward**: QoE_lin per segment, bitrate in Mbps − 4.3 × stall seconds − |Δ bitrate|,
//!   the score every controller here is judged by, less a climb cost on each step up
//!   ([`PlannerConfig::climb_cost`]): QoE_lin alone makes a planner that learns the level
//!   as it rises climb one rung at a time, a switch per rung.
//! - **Solution**: backward induction over the segments left, up to
//!   [`PlannerConfig::horizon`]; the value of a decision with more segments left than that
//!   is taken from the last table (by then the values have settled to a stationary shape).
//!
//! At decision time the level is the estimate (a blend of the dual EWMA's cautious and fast
//! figures, raised on a surge: [`PlannerConfig::surge_ratio`], at most
//! [`PlannerConfig::newest_sample_cap`] × the newest sample, and reset on a collapse:
//! [`PlannerConfig::collapse_ratio`]), the first segment uses its real size, and each rung is scored by its expected
//! reward plus the expected value of the state it leads to. That is 9 noise points per rung,
//! a bilinear lookup each: a few hundred nanoseconds, no allocation.
//!
//! The table is solved when the ladder loads, in about fifty bounded steps, one per call
//! of [`AbrController::prepare`](dmoe_core::AbrController::prepare) (the agent makes one
//! per host input and asks to be called back soon while work is left), so no single call
//! pauses playback: about 13 ms in all natively for a 6-rung ladder, a tenth of a
//! millisecond per step (`cargo bench -p dmoe-benches --bench abr -- planner`; bounded
//! size: see [`PlannerConfig`]). Until it is complete, the look-ahead decides. It is kept
//! until the ladder, segment duration or maximum buffer change.

use std::time::Duration;

use dmoe_core::AbrContext;

use crate::REBUFFER_PENALTY;

/// Largest number of buffer grid points (the grid step grows with the maximum buffer).
pub const BUFFER_POINTS: usize = 61;

/// Noise points per decision (quadrature of the log-normal noise).
const NOISE_POINTS: usize = 9;

/// Ladders longer than this are planned by the look-ahead alone (the table grows with the
/// number of rungs).
pub const MAX_PLANNED_RUNGS: usize = 16;

/// Tuning of the long-horizon planner.
///
/// The defaults were chosen on training data only and are reported on data they were not
/// chosen on (`cargo run --release -p dmoe-sim --example tune -- ../shared/data/abr` runs
/// the scan and prints both):
///
/// - **Training:** built-in traces of seeds 100–199 (realistic model, through the agent)
///   and the even-position halves (file-name order) of the public FCC and HSDPA sets
///   (Pensieve's model, as a fraction of each trace's offline optimum).
/// - **Evaluation:** built-in seeds 1–10 and the odd-position halves of FCC and HSDPA
///   (`dmoe-sim --traces DIR --split eval`).
///
/// The shape of the model (noise, drift, the level estimate, horizon, climb cost, surge
/// rule) was settled by hand scans during development; the last scan varied one parameter
/// at a time around the defaults on the training data, and `surge_ratio` 1.3 (from 1.5)
/// won there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlannerConfig {
    /// Standard deviation of one segment's log throughput around the level.
    pub noise: f64,
    /// Standard deviation of the level's drift from one segment to the next (log units).
    pub drift: f64,
    /// Weight of the fast EWMA against the cautious one (min of fast and slow) in the
    /// level estimate, as a geometric blend (0: cautious only, 1: fast only).
    pub fast_weight: f64,
    /// The level is at most this multiple of the newest sample (at least 1), so that a
    /// fall is believed at once while the EWMAs still remember the faster past.
    pub newest_sample_cap: f64,
    /// A newest sample below this fraction of the level is a collapse (a transfer that
    /// fell mid-way averages the fast start with the slow end): the level is then the lower
    /// of that sample and the look-ahead's error-discounted prediction.
    pub collapse_ratio: f64,
    /// Below [`crate::HybridConfig::fill_below`] of buffer, a step up may use at most this
    /// fraction of the look-ahead's error-discounted prediction; a climb that does not fit
    /// waits at the current rung. Without it the planner climbs straight to the rung the
    /// level sustains on a two-second buffer, which a sudden tenfold fall turns into a stall.
    pub fill_fraction: f64,
    /// Throughput levels in the grid (at least 4, at most 64).
    pub levels: usize,
    /// Segments solved exactly (at least 1, at most 64). Memory grows linearly with it:
    /// `(horizon + 1) × 61 × rungs × levels` single-precision values (2.9 MB for the
    /// defaults and a 6-rung ladder).
    pub horizon: usize,
    /// What a step up costs on top of QoE_lin's |Δ bitrate|, as a fraction of the new
    /// rung's bitrate (that is, of the bitrate term of the segment it climbs to). QoE_lin
    /// charges a climb of one rung and a climb of three in one go the same per Mbps, so a
    /// planner that only knows the level as it rises climbs one rung at a time and counts
    /// many switches for each rise. Charging each climb makes it climb in fewer, larger
    /// steps; a step down costs nothing extra, so a fall is followed as before. 0 plans
    /// for QoE_lin alone.
    pub climb_cost: f64,
    /// When the newest [`SURGE_SAMPLES`] samples are all above this multiple of the level,
    /// the level rose: it becomes the lower of them (at most 1 turns the rule off). The
    /// EWMAs weigh a sample by its download time, so after a fall, the short transfers of
    /// a low rung barely move them when the network comes back; without this rule the
    /// planner climbs back one rung per estimate update.
    pub surge_ratio: f64,
}

/// Samples in a row that make a surge ([`PlannerConfig::surge_ratio`]).
pub const SURGE_SAMPLES: usize = 2;

impl Default for PlannerConfig {
    fn default() -> Self {
        Self {
            noise: 0.21,
            drift: 0.03,
            fast_weight: 0.75,
            newest_sample_cap: 1.1,
            collapse_ratio: 0.7,
            fill_fraction: 0.6,
            levels: 40,
            horizon: 48,
            climb_cost: 0.23,
            surge_ratio: 1.3,
        }
    }
}

/// What the table was built for.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    mbps: Vec<f64>,
    segment_s: f64,
    cap_s: f64,
}

impl Key {
    fn fits(&self, ctx: &AbrContext<'_>) -> bool {
        self.mbps.len() == ctx.ladder.len()
            && self.segment_s == ctx.segment_duration.as_secs_f64()
            && self.cap_s == cap_s(ctx)
            && self
                .mbps
                .iter()
                .enumerate()
                .all(|(i, m)| *m == ctx.ladder.bps(i) / 1e6)
    }
}

/// The solved planning problem for one ladder.
#[derive(Clone)]
pub(crate) struct ValueTable {
    key: Key,
    /// ln(Mbps) of the lowest level and the grid step.
    lo: f64,
    dx: f64,
    levels: usize,
    /// Buffer grid: points and step in seconds.
    nb: usize,
    db: f64,
    /// (throughput multiplier, probability) of the noise quadrature.
    noise: [(f64, f64); NOISE_POINTS],
    /// Expected value of the state after a segment, before its throughput is known:
    /// `u[((n * nb + b) * rungs + rung) * levels + level]` with `n` segments left after it.
    u: Vec<f32>,
    /// Cost of a step up to each rung: [`PlannerConfig::climb_cost`] × its Mbps.
    climb: Vec<f64>,
}

/// Sizes, not the megabytes of values: a controller's `{:?}` stays readable.
impl std::fmt::Debug for ValueTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValueTable")
            .field("key", &self.key)
            .field("levels", &self.levels)
            .field("buffer_points", &self.nb)
            .field("segments", &self.horizon())
            .field("values", &self.u.len())
            .finish()
    }
}

/// What going from rung `from` to rung `to` costs: QoE_lin's |Δ bitrate|, plus the climb
/// cost of `to` when it is a step up.
fn switch_cost(mbps: &[f64], climb: &[f64], from: usize, to: usize) -> f64 {
    let d = (mbps[to] - mbps[from]).abs();
    if to > from { d + climb[to] } else { d }
}

fn gauss(d: f64, s: f64) -> f64 {
    (-(d * d) / (2.0 * s * s)).exp()
}

fn noise_points(sigma: f64) -> [(f64, f64); NOISE_POINTS] {
    let mut pts = [(1.0, 0.0); NOISE_POINTS];
    let mut total = 0.0;
    for (i, p) in pts.iter_mut().enumerate() {
        let z = (i as f64 / (NOISE_POINTS - 1) as f64 * 2.0 - 1.0) * 2.5;
        let w = gauss(z, 1.0);
        *p = ((z * sigma).exp(), w);
        total += w;
    }
    for p in &mut pts {
        p.1 /= total;
    }
    pts
}

impl ValueTable {
    /// True when this table was built for `ctx`'s ladder and buffer.
    pub(crate) fn fits(&self, ctx: &AbrContext<'_>) -> bool {
        self.key.fits(ctx)
    }

    /// Solve the planning problem for `ctx`'s ladder in one go (a [`TableBuilder`] run to
    /// the end). None when there is nothing to plan (a one-rung or over-long ladder, or a
    /// degenerate segment duration or bitrate).
    #[cfg(test)]
    pub(crate) fn build(cfg: &PlannerConfig, ctx: &AbrContext<'_>, ttfb_s: f64) -> Option<Self> {
        let mut b = TableBuilder::new(cfg, ctx, ttfb_s)?;
        while !b.step() {}
        Some(b.finish())
    }

    /// Segments solved exactly.
    fn horizon(&self) -> usize {
        self.u.len() / (self.nb * self.key.mbps.len() * self.levels) - 1
    }

    /// The table with `n` segments left and the level grid position of `ln_mbps`: the two
    /// level indices to blend and the weight of the upper one.
    fn slice(&self, n: usize, ln_mbps: f64) -> (&[f32], usize, f64) {
        let layer = self.nb * self.key.mbps.len() * self.levels;
        let n = n.min(self.horizon());
        let x = ((ln_mbps - self.lo) / self.dx).clamp(0.0, (self.levels - 1) as f64);
        let j = (x as usize).min(self.levels - 2);
        (&self.u[n * layer..(n + 1) * layer], j, x - j as f64)
    }

    /// Expected value, with `n` segments left, of `buffer` seconds buffered after a segment
    /// at `rung` with the level at `ln_mbps` (interpolated in buffer and level).
    #[cfg(test)]
    fn value(&self, n: usize, buffer: f64, rung: usize, ln_mbps: f64) -> f64 {
        let (u, j, g) = self.slice(n, ln_mbps);
        self.lerp(u, j, g, buffer, rung)
    }

    /// `u` at (`buffer`, `rung`), blended between levels `j` and `j + 1` by `g`.
    fn lerp(&self, u: &[f32], j: usize, g: f64, buffer: f64, rung: usize) -> f64 {
        let rungs = self.key.mbps.len();
        let x = (buffer / self.db).clamp(0.0, (self.nb - 1) as f64);
        let i = (x as usize).min(self.nb - 2);
        let f = x - i as f64;
        let row = |b: usize| {
            let k = (b * rungs + rung) * self.levels + j;
            f64::from(u[k]) * (1.0 - g) + f64::from(u[k + 1]) * g
        };
        row(i) * (1.0 - f) + row(i + 1) * f
    }

    /// Score of each rung in `bottom..=top` for the next segment: expected QoE_lin of the
    /// segment plus the expected value of what follows, minus the switch from `previous`.
    pub(crate) fn scores(
        &self,
        ctx: &AbrContext<'_>,
        level_bps: f64,
        ttfb_s: f64,
        previous: usize,
        (bottom, top): (usize, usize),
        out: &mut [f64],
    ) {
        let mbps = &self.key.mbps;
        let seg = self.key.segment_s;
        let cap = self.key.cap_s;
        let buf = ctx.buffer.as_secs_f64().min(cap);
        let level = (level_bps / 1e6).max(1e-9);
        let ln_level = level.ln();
        let ttfb = if ttfb_s.is_finite() {
            ttfb_s.max(0.0)
        } else {
            0.0
        };
        // Segments left after the next one (live: as many as the table solves).
        let left = ctx
            .segments_remaining
            .map_or(usize::MAX, |r| (r as usize).saturating_sub(1));
        let previous = previous.min(mbps.len() - 1);
        let (u, j, g) = self.slice(left, ln_level);
        let mut inv = [0.0f64; NOISE_POINTS];
        for (v, &(mult, _)) in inv.iter_mut().zip(&self.noise) {
            *v = 1.0 / (level * mult);
        }
        for a in bottom..=top.min(mbps.len() - 1) {
            let bits = ctx.segment_bytes(0, a) * 8.0 / 1e6;
            let mut s = 0.0;
            for (&(_, p), &inv) in self.noise.iter().zip(&inv) {
                let t = bits * inv + ttfb;
                let stall = (t - buf).max(0.0);
                let after = ((buf - t).max(0.0) + seg).min(cap);
                let cont = if left > 0 {
                    self.lerp(u, j, g, after, a)
                } else {
                    0.0
                };
                s += p * (mbps[a] - REBUFFER_PENALTY * stall + cont);
            }
            out[a] = s - switch_cost(mbps, &self.climb, previous, a);
        }
    }
}

/// Buffer rows of the reward and landing tables computed per [`TableBuilder::step`].
const SETUP_ROWS: usize = 16;

/// The planning problem being solved, one bounded step at a time: first the immediate
/// rewards and landing points (in groups of [`SETUP_ROWS`] buffer rows), then one segment
/// of backward induction per step. Each step costs at most about a tenth of a millisecond
/// natively for a 6-rung ladder (`cargo bench -p dmoe-benches --bench abr --
/// planner-step`); the whole table, about 50 steps.
#[derive(Clone)]
pub(crate) struct TableBuilder {
    key: Key,
    lo: f64,
    dx: f64,
    levels: usize,
    nb: usize,
    db: f64,
    noise: [(f64, f64); NOISE_POINTS],
    climb: Vec<f64>,
    ttfb: f64,
    horizon: usize,
    drift: Vec<Vec<(usize, f64)>>,
    reward: Vec<f64>,
    lands: Vec<(u32, f32, f32)>,
    u: Vec<f32>,
    v: Vec<f64>,
    /// Next buffer row to set up (`nb` when the setup is done).
    row: usize,
    /// Next segment layer to solve (`horizon + 1` when done).
    n: usize,
}

impl std::fmt::Debug for TableBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableBuilder")
            .field("key", &self.key)
            .field("row", &self.row)
            .field("segment", &self.n)
            .finish_non_exhaustive()
    }
}

impl TableBuilder {
    /// Start solving for `ctx`'s ladder (None when there is nothing to plan). Allocates
    /// the tables; computes nothing yet.
    pub(crate) fn new(cfg: &PlannerConfig, ctx: &AbrContext<'_>, ttfb_s: f64) -> Option<Self> {
        let rungs = ctx.ladder.len();
        let seg = ctx.segment_duration.as_secs_f64();
        let cap = cap_s(ctx);
        // Checked before anything is allocated: a ladder the planner refuses costs the
        // decision path nothing.
        let ok = (2..=MAX_PLANNED_RUNGS).contains(&rungs)
            && seg.is_finite()
            && seg > 0.0
            && (0..rungs).all(|i| ctx.ladder.bps(i).is_finite() && ctx.ladder.bps(i) > 0.0)
            && cfg.noise.is_finite()
            && cfg.noise > 0.0
            && cfg.drift.is_finite()
            && cfg.drift >= 0.0;
        if !ok {
            return None;
        }
        let mbps: Vec<f64> = (0..rungs).map(|i| ctx.ladder.bps(i) / 1e6).collect();
        let climb_cost = if cfg.climb_cost.is_finite() {
            cfg.climb_cost.max(0.0)
        } else {
            0.0
        };
        let climb: Vec<f64> = mbps.iter().map(|m| m * climb_cost).collect();
        let ttfb = if ttfb_s.is_finite() {
            ttfb_s.max(0.0)
        } else {
            0.0
        };
        let levels = cfg.levels.clamp(4, 64);
        let horizon = cfg.horizon.clamp(1, 64);
        let lo = (mbps[0] * 0.3).ln();
        let hi = (mbps[rungs - 1] * 3.0).ln();
        let dx = (hi - lo) / (levels - 1) as f64;
        let nb = ((cap / 1.0).ceil() as usize + 1).clamp(2, BUFFER_POINTS);
        let db = cap / (nb - 1) as f64;
        let noise = noise_points(cfg.noise);
        // Level drift: a discretised normal kernel per level, truncated at 4 sigma.
        let span = if cfg.drift > 0.0 {
            ((4.0 * cfg.drift) / dx).ceil() as usize
        } else {
            0
        };
        let mut drift: Vec<Vec<(usize, f64)>> = Vec::with_capacity(levels);
        for j in 0..levels {
            let mut w: Vec<(usize, f64)> = (j.saturating_sub(span)..=(j + span).min(levels - 1))
                .map(|jj| {
                    let d = (jj as f64 - j as f64) * dx;
                    let p = if cfg.drift > 0.0 {
                        gauss(d, cfg.drift)
                    } else {
                        f64::from(u8::from(jj == j))
                    };
                    (jj, p)
                })
                .collect();
            let total: f64 = w.iter().map(|x| x.1).sum();
            for x in &mut w {
                x.1 /= total;
            }
            drift.push(w);
        }
        let layer = nb * rungs * levels;
        Some(Self {
            key: Key {
                mbps,
                segment_s: seg,
                cap_s: cap,
            },
            lo,
            dx,
            levels,
            nb,
            db,
            noise,
            climb,
            ttfb,
            horizon,
            drift,
            reward: vec![0.0; layer],
            lands: vec![(0, 0.0, 0.0); layer * NOISE_POINTS],
            u: vec![0.0; (horizon + 1) * layer],
            v: vec![0.0; layer],
            row: 0,
            n: 1,
        })
    }

    /// True when this builder solves the problem of `ctx`.
    pub(crate) fn fits(&self, ctx: &AbrContext<'_>) -> bool {
        self.key.fits(ctx)
    }

    /// One bounded step; true when the table is complete.
    pub(crate) fn step(&mut self) -> bool {
        if self.row < self.nb {
            let end = (self.row + SETUP_ROWS).min(self.nb);
            for b in self.row..end {
                self.setup_row(b);
            }
            self.row = end;
            return false;
        }
        if self.n <= self.horizon {
            self.layer(self.n);
            self.n += 1;
        }
        self.n > self.horizon
    }

    /// Everything about a decision that does not depend on the segments left, for buffer
    /// row `b`: its immediate expected reward, and for each noise point where the buffer
    /// lands (two grid neighbours, each with its probability-weighted share).
    fn setup_row(&mut self, b: usize) {
        let rungs = self.key.mbps.len();
        let (seg, cap, db, nb) = (self.key.segment_s, self.key.cap_s, self.db, self.nb);
        let buf = b as f64 * db;
        for j in 0..self.levels {
            let level = (self.lo + j as f64 * self.dx).exp();
            for (a, &q) in self.key.mbps.iter().enumerate() {
                let cell = (b * self.levels + j) * rungs + a;
                let mut r = 0.0;
                for (e, &(mult, p)) in self.noise.iter().enumerate() {
                    let t = q * seg / (level * mult) + self.ttfb;
                    let stall = (t - buf).max(0.0);
                    let after = ((buf - t).max(0.0) + seg).min(cap);
                    r += p * (q - REBUFFER_PENALTY * stall);
                    let x = (after / db).clamp(0.0, (nb - 1) as f64);
                    let i = (x as usize).min(nb - 2);
                    let f = x - i as f64;
                    let at = (i * rungs + a) * self.levels + j;
                    self.lands[cell * NOISE_POINTS + e] =
                        (at as u32, (p * (1.0 - f)) as f32, (p * f) as f32);
                }
                self.reward[cell] = r;
            }
        }
    }

    /// Layer `n` (segments left) of the backward induction.
    fn layer(&mut self, n: usize) {
        let rungs = self.key.mbps.len();
        let levels = self.levels;
        let layer = self.nb * rungs * levels;
        let stride = rungs * levels;
        let mut w = [0.0f64; MAX_PLANNED_RUNGS];
        // V_n from U_{n-1}: the best rung in each state with n segments left.
        {
            let (done, _) = self.u.split_at(n * layer);
            let prev = &done[(n - 1) * layer..];
            for b in 0..self.nb {
                for j in 0..levels {
                    for (a, wa) in w.iter_mut().enumerate().take(rungs) {
                        let cell = (b * levels + j) * rungs + a;
                        let mut s = self.reward[cell];
                        if n > 1 {
                            for &(at, w0, w1) in
                                &self.lands[cell * NOISE_POINTS..(cell + 1) * NOISE_POINTS]
                            {
                                let at = at as usize;
                                s += f64::from(w0) * f64::from(prev[at])
                                    + f64::from(w1) * f64::from(prev[at + stride]);
                            }
                        }
                        *wa = s;
                    }
                    for r in 0..rungs {
                        let best = w
                            .iter()
                            .take(rungs)
                            .enumerate()
                            .map(|(a, wa)| wa - switch_cost(&self.key.mbps, &self.climb, r, a))
                            .fold(f64::NEG_INFINITY, f64::max);
                        self.v[(b * rungs + r) * levels + j] = best;
                    }
                }
            }
        }
        // U_n: V_n averaged over the level's drift.
        let out = &mut self.u[n * layer..(n + 1) * layer];
        for b in 0..self.nb {
            for r in 0..rungs {
                let row = (b * rungs + r) * levels;
                for (j, kern) in self.drift.iter().enumerate() {
                    let s: f64 = kern.iter().map(|&(jj, p)| p * self.v[row + jj]).sum();
                    out[row + j] = s as f32;
                }
            }
        }
    }

    /// The solved table (call once [`TableBuilder::step`] returned true).
    pub(crate) fn finish(self) -> ValueTable {
        ValueTable {
            key: self.key,
            lo: self.lo,
            dx: self.dx,
            levels: self.levels,
            nb: self.nb,
            db: self.db,
            noise: self.noise,
            u: self.u,
            climb: self.climb,
        }
    }
}

/// The player's maximum buffer in seconds, at least one segment.
fn cap_s(ctx: &AbrContext<'_>) -> f64 {
    ctx.max_buffer
        .max(ctx.segment_duration)
        .max(Duration::from_millis(1))
        .as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dmoe_core::{Caps, Ladder, PlaybackState, Timestamp};

    fn ctx(ladder: &Ladder, buffer: f64, remaining: Option<u32>) -> AbrContext<'_> {
        AbrContext {
            now: Timestamp::from_micros(0),
            ladder,
            buffer: Duration::from_secs_f64(buffer),
            max_buffer: Duration::from_secs(60),
            previous: Some(2),
            segment_duration: Duration::from_secs(4),
            upcoming_sizes: &[],
            segments_remaining: remaining,
            state: PlaybackState::Playing,
            playback_rate: 1.0,
            caps: Caps::default(),
            live: None,
        }
    }

    fn ladder() -> Ladder {
        Ladder::from_kbps(&[300, 750, 1200, 1850, 2850, 4300]).unwrap()
    }

    fn best(t: &ValueTable, c: &AbrContext<'_>, level_bps: f64, prev: usize) -> usize {
        let mut s = [f64::NEG_INFINITY; 6];
        t.scores(c, level_bps, 0.05, prev, (0, 5), &mut s);
        (0..6).fold(0, |b, a| if s[a] > s[b] { a } else { b })
    }

    #[test]
    fn follows_the_level_and_protects_a_thin_buffer() {
        let l = ladder();
        let c = ctx(&l, 20.0, None);
        let t = ValueTable::build(&PlannerConfig::default(), &c, 0.05).unwrap();
        assert!(t.fits(&c));
        // Far above the ladder: the top rung. Far below: the bottom.
        assert_eq!(best(&t, &c, 50e6, 2), 5);
        assert_eq!(best(&t, &c, 0.2e6, 2), 0);
        // 2.2 Mb/s: a rung the level sustains, not the one above it on a thin buffer.
        let mid = best(&t, &c, 2.2e6, 3);
        assert!((2..=3).contains(&mid), "{mid}");
        let thin = ctx(&l, 1.0, None);
        assert!(best(&t, &thin, 2.2e6, 3) <= mid);
    }

    #[test]
    fn spends_the_buffer_when_the_vod_ends() {
        let l = ladder();
        let mid = ctx(&l, 40.0, Some(40));
        let end = ctx(&l, 40.0, Some(2));
        let t = ValueTable::build(&PlannerConfig::default(), &mid, 0.05).unwrap();
        // 1.5 Mb/s and 40 s buffered: mid-session the rung the level sustains; with two
        // segments left the buffer covers a higher rung.
        let a = best(&t, &mid, 1.5e6, 2);
        let b = best(&t, &end, 1.5e6, 2);
        assert!(b > a, "{b} vs {a}");
    }

    #[test]
    fn the_table_is_bounded_and_refuses_what_it_cannot_plan() {
        let one = Ladder::from_kbps(&[500]).unwrap();
        assert!(ValueTable::build(&PlannerConfig::default(), &ctx(&one, 0.0, None), 0.0).is_none());
        let kbps: Vec<u64> = (1..=MAX_PLANNED_RUNGS as u64 + 1)
            .map(|i| i * 300)
            .collect();
        let long = Ladder::from_kbps(&kbps).unwrap();
        assert!(
            ValueTable::build(&PlannerConfig::default(), &ctx(&long, 0.0, None), 0.0).is_none()
        );
        let l = ladder();
        let bad = PlannerConfig {
            noise: f64::NAN,
            ..PlannerConfig::default()
        };
        assert!(ValueTable::build(&bad, &ctx(&l, 0.0, None), 0.0).is_none());
        // A one-hour maximum buffer and an absurd grid: the grid is clamped.
        let mut huge = ctx(&l, 0.0, None);
        huge.max_buffer = Duration::from_secs(3600);
        let cfg = PlannerConfig {
            levels: 10_000,
            horizon: 10_000,
            ..PlannerConfig::default()
        };
        let t = ValueTable::build(&cfg, &huge, f64::INFINITY).unwrap();
        assert_eq!(t.u.len(), 65 * BUFFER_POINTS * 6 * 64);
        // Its debug form names the sizes, not the values.
        assert!(format!("{t:?}").len() < 400);
        // Built for another maximum buffer or ladder: it does not fit.
        assert!(!t.fits(&ctx(&l, 0.0, None)));
        assert!(t.fits(&huge));
    }

    #[test]
    fn a_climb_costs_more_than_the_way_down() {
        let mbps = [0.3, 0.75, 1.2];
        let climb: Vec<f64> = mbps.iter().map(|m| m * 0.5).collect();
        assert_eq!(switch_cost(&mbps, &climb, 1, 1), 0.0);
        assert!((switch_cost(&mbps, &climb, 2, 0) - 0.9).abs() < 1e-12);
        assert!((switch_cost(&mbps, &climb, 0, 2) - (0.9 + 0.6)).abs() < 1e-12);
        // A nonsensical climb cost plans for QoE_lin alone.
        let l = ladder();
        let c = ctx(&l, 20.0, None);
        let zero = PlannerConfig {
            climb_cost: 0.0,
            ..PlannerConfig::default()
        };
        let plain = ValueTable::build(&zero, &c, 0.05).unwrap();
        for bad in [f64::NAN, -1.0, f64::NEG_INFINITY] {
            let cfg = PlannerConfig {
                climb_cost: bad,
                ..PlannerConfig::default()
            };
            let t = ValueTable::build(&cfg, &c, 0.05).unwrap();
            assert_eq!(t.u, plain.u);
        }
        // With the cost, a level just above a rung's needs no longer pulls the planner up
        // from the rung below it as readily: at a level where QoE_lin alone climbs, the
        // default climbs no higher.
        let t = ValueTable::build(&PlannerConfig::default(), &c, 0.05).unwrap();
        for level in [1.0e6, 1.6e6, 2.2e6, 3.2e6, 4.8e6] {
            assert!(
                best(&t, &c, level, 1) <= best(&plain, &c, level, 1),
                "{level}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// More buffer is never worth less, and every score is finite.
        #[test]
        fn value_grows_with_the_buffer(
            n in 0usize..60,
            rung in 0usize..6,
            ln_level in -3.0f64..3.0,
            b1 in 0.0f64..70.0,
            extra in 0.0f64..30.0,
        ) {
            thread_local! {
                static T: ValueTable =
                    ValueTable::build(&PlannerConfig::default(), &ctx(&ladder(), 0.0, None), 0.05).unwrap();
            }
            T.with(|t| {
                let lo = t.value(n, b1, rung, ln_level);
                let hi = t.value(n, b1 + extra, rung, ln_level);
                proptest::prop_assert!(lo.is_finite() && hi.is_finite());
                proptest::prop_assert!(hi >= lo - 1e-3, "{hi} < {lo}");
                Ok(())
            })?;
        }
    }
}
