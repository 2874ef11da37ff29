//! # dmoe-abr
//!
//! DMOE's adaptive bitrate logic, sans-IO: samples and time come in, decisions go out.
//!
//! - [`estimator`]: dual-half-life EWMA (as hls.js and Shaka) and the sliding harmonic mean
//!   with prediction-error discount (as RobustMPC), with a filter for tiny transfers, cache
//!   hits and server hold time.
//! - [`Hybrid`]: the hybrid buffer-plus-throughput controller.
//! - [`baseline`]: throughput-only, BBA, BOLA and RobustMPC, each from its paper.
//! - [`sim`]: a trace-driven simulator with a simulated clock, Pensieve's exact network
//!   model and a realistic one, and the offline optimum.
//!
//! Every controller implements [`dmoe_core::AbrController`]:
//!
//! ```
//! use dmoe_abr::{sim, Hybrid};
//! let video = sim::builtin_video(1);
//! let trace = &sim::builtin_traces(1, 1)[0];
//! let r = sim::simulate(&mut Hybrid::default(), trace, &video, &sim::SimConfig::default());
//! assert_eq!(r.steps.len(), video.segments());
//! assert!(r.avg_bitrate_kbps >= 300.0);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod baseline;
pub mod estimator;
mod hybrid;
pub mod planner;
mod replay;
mod ring;
pub mod sim;

pub use hybrid::{Hybrid, HybridConfig};
pub use replay::{ReplayError, replay};
pub use ring::Ring;

/// Rebuffer penalty of QoE_lin: one second of stall costs as much as 4.3 Mbps of bitrate
/// for one segment (Pensieve, after Yin et al.).
pub const REBUFFER_PENALTY: f64 = 4.3;

/// A controller by its command-line name: `hybrid`, `hybrid-stable` (the stability preset),
/// `hybrid-lookahead` (the hybrid without its planner), `robust-mpc`, `robust-mpc-ref` (the reference code's sizing quirk), `bola`, `bba`,
/// `throughput`.
pub fn controller(name: &str) -> Option<Box<dyn dmoe_core::AbrController + Send>> {
    Some(match name {
        "hybrid" => Box::new(Hybrid::default()),
        "hybrid-stable" => Box::new(Hybrid::stable()),
        "hybrid-lookahead" => Box::new(Hybrid::lookahead()),
        "robust-mpc" | "mpc" => Box::new(baseline::RobustMpc::default()),
        "robust-mpc-ref" => Box::new(baseline::RobustMpc::reference()),
        "bola" => Box::new(baseline::Bola::default()),
        "bba" | "bb" => Box::new(baseline::Bba::default()),
        "throughput" | "rate" => Box::new(baseline::ThroughputRule::default()),
        _ => return None,
    })
}

/// A device agent for `cfg`, with the ABR its `abr` field names (see [`controller`]).
pub fn agent(
    cfg: dmoe_core::agent::Config,
) -> Result<dmoe_core::agent::Agent, dmoe_core::agent::ConfigError> {
    let abr = controller(&cfg.abr)
        .ok_or_else(|| dmoe_core::agent::ConfigError::UnknownAbr(cfg.abr.clone()))?;
    dmoe_core::agent::Agent::new(cfg, abr)
}
