//! BOLA (Spiteri, Urgaonkar and Sitaraman, "BOLA: Near-Optimal Bitrate Adaptation for
//! Online Videos", INFOCOM 2016), the BOLA-BASIC rule: choose the rung maximising
//! `(V·(u_m + γp) − Q) / S_m`, with logarithmic utilities `u_m = ln(S_m/S_0) + 1`.
//! `V` and `γp` are set as dash.js's BolaRule does, so that the lowest rung is chosen at the
//! minimum buffer and the top rung at the buffer target.

use std::time::Duration;

use dmoe_core::{AbrContext, AbrController, Decision, Reason};

use super::bounds;

/// BOLA-BASIC.
#[derive(Debug, Clone, Copy)]
pub struct Bola {
    /// Buffer at which the lowest rung is preferred (dash.js: 10 s).
    pub minimum_buffer: Duration,
    /// Extra buffer target per rung (dash.js: 2 s).
    pub per_rung: Duration,
    /// Stable buffer target; the target is the larger of this and the per-rung rule.
    pub stable_buffer: Duration,
}

impl Default for Bola {
    fn default() -> Self {
        Self {
            minimum_buffer: Duration::from_secs(10),
            per_rung: Duration::from_secs(2),
            stable_buffer: Duration::from_secs(12),
        }
    }
}

impl AbrController for Bola {
    fn name(&self) -> &'static str {
        "bola"
    }

    fn choose(&self, ctx: &AbrContext<'_>) -> Decision {
        let (bottom, top) = bounds(ctx);
        let n = ctx.ladder.len();
        let s0 = ctx.ladder.bps(0);
        let util = |m: usize| (ctx.ladder.bps(m) / s0).ln() + 1.0;
        let min_b = self.minimum_buffer.as_secs_f64();
        let target = self
            .stable_buffer
            .as_secs_f64()
            .max(min_b + self.per_rung.as_secs_f64() * n as f64)
            .min(ctx.max_buffer.as_secs_f64().max(min_b + 1.0));
        let rung = if n == 1 || util(n - 1) <= 1.0 {
            0
        } else {
            let gp = (util(n - 1) - 1.0) / (target / min_b - 1.0);
            let vp = min_b / gp;
            let q = ctx.buffer.as_secs_f64();
            let mut best = 0;
            let mut best_score = f64::NEG_INFINITY;
            for m in 0..n {
                let score = (vp * (util(m) + gp) - q) / ctx.ladder.bps(m);
                if score >= best_score {
                    best_score = score;
                    best = m;
                }
            }
            best
        };
        Decision {
            rung: rung.clamp(bottom, top),
            reason: Reason::Rule,
            estimate_bps: None,
            buffer: ctx.buffer,
            playback_rate: None,
        }
    }
}
