//! Buffer-based ABR, BBA (Huang et al., "A Buffer-Based Approach to Rate Adaptation:
//! Evidence from a Large Video Streaming Service", SIGCOMM 2014): the rung is a function of
//! the buffer alone. Below a reservoir the lowest rung; above reservoir + cushion the top
//! rung; linear in between. The defaults (5 s reservoir, 10 s cushion) and the linear
//! index mapping are those of Pensieve's BB baseline, so its published figures apply.

use std::time::Duration;

use dmoe_core::{AbrContext, AbrController, Decision, Reason};

use super::bounds;

/// BBA.
#[derive(Debug, Clone, Copy)]
pub struct Bba {
    /// Buffer below which the lowest rung is used.
    pub reservoir: Duration,
    /// Buffer range over which the rung rises to the top.
    pub cushion: Duration,
}

impl Default for Bba {
    fn default() -> Self {
        Self {
            reservoir: Duration::from_secs(5),
            cushion: Duration::from_secs(10),
        }
    }
}

impl AbrController for Bba {
    fn name(&self) -> &'static str {
        "bba"
    }

    fn choose(&self, ctx: &AbrContext<'_>) -> Decision {
        let (bottom, top) = bounds(ctx);
        let b = ctx.buffer.as_secs_f64();
        let r = self.reservoir.as_secs_f64();
        let c = self.cushion.as_secs_f64().max(1e-9);
        let n = ctx.ladder.len() - 1;
        let rung = if b < r {
            0
        } else if b >= r + c {
            n
        } else {
            ((n as f64) * (b - r) / c) as usize
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
