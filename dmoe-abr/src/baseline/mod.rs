//! Honest baselines, each implemented from its paper and sharing DMOE's estimators and
//! [`AbrController`](dmoe_core::AbrController) trait, so comparisons are like for like.

mod bba;
mod bola;
mod mpc;
mod throughput;

pub use bba::Bba;
pub use bola::Bola;
pub use mpc::RobustMpc;
pub use throughput::ThroughputRule;

use dmoe_core::AbrContext;

/// The highest rung the context allows and the lowest it wants.
pub(crate) fn bounds(ctx: &AbrContext<'_>) -> (usize, usize) {
    let top = ctx.caps.top(ctx.ladder);
    (ctx.caps.bottom(ctx.ladder, top), top)
}
