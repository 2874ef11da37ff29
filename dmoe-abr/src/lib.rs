//! # dmoe-abr
//!
//! DMOE's adaptive bitrate logic, sans-IO: samples and time come in, decisions go out.
//!
//! - [`estimator`]: dual-half-life EWMA (as hls.js and Shaka) and the sliding harmonic mean
//!   with prediction-error discount (as RobustMPC), with a filter for tiny transfers, cache
//!   hits and server hold time.
//! - [`Hybrid`]: the hybrid buffer-plus-throughput controller.
//! - `baseline` (feature `baselines`, on by default): throughput-only, BBA, BOLA and
//!   RobustMPC, each from its paper.
//!
//! Every controller implements [`dmoe_core::AbrController`]; [`agent`] and [`advisor`] build
//! a session with the controller a configuration names. The trace-driven simulator that
//! measures them (through the agent) is the `dmoe-sim` crate.
//!
//! ```
//! use dmoe_core::agent::Config;
//! let a = dmoe_abr::agent(Config::default())?;
//! let b = dmoe_abr::agent(Config::default())?;
//! // Each default session draws its own entropy from the platform.
//! assert_ne!(a.session_id(), b.session_id());
//! # Ok::<(), dmoe_core::agent::ConfigError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "baselines")]
pub mod baseline;
pub mod estimator;
mod hybrid;
pub mod planner;
mod ring;

pub use hybrid::{Hybrid, HybridConfig};
pub use ring::Ring;

/// Rebuffer penalty of QoE_lin: one second of stall costs as much as 4.3 Mbps of bitrate
/// for one segment (Pensieve, after Yin et al.).
pub const REBUFFER_PENALTY: f64 = 4.3;

/// A controller by its command-line name: `hybrid`, `hybrid-stable` (the stability preset),
/// `hybrid-lookahead` (the hybrid without its planner), and with the `baselines` feature
/// (on by default; the npm package leaves it out) `robust-mpc`, `robust-mpc-ref` (the
/// reference code's sizing quirk), `bola`, `bba`, `throughput`.
pub fn controller(name: &str) -> Option<Box<dyn dmoe_core::AbrController + Send>> {
    Some(match name {
        "hybrid" => Box::new(Hybrid::default()),
        "hybrid-stable" => Box::new(Hybrid::stable()),
        "hybrid-lookahead" => Box::new(Hybrid::lookahead()),
        #[cfg(feature = "baselines")]
        "robust-mpc" | "mpc" => Box::new(baseline::RobustMpc::default()),
        #[cfg(feature = "baselines")]
        "robust-mpc-ref" => Box::new(baseline::RobustMpc::reference()),
        #[cfg(feature = "baselines")]
        "bola" => Box::new(baseline::Bola::default()),
        #[cfg(feature = "baselines")]
        "bba" | "bb" => Box::new(baseline::Bba::default()),
        #[cfg(feature = "baselines")]
        "throughput" | "rate" => Box::new(baseline::ThroughputRule::default()),
        _ => return None,
    })
}

/// The controller names [`controller`] takes, for messages that list them.
#[cfg(feature = "baselines")]
pub const CONTROLLERS: &[&str] = &[
    "hybrid",
    "hybrid-stable",
    "hybrid-lookahead",
    "robust-mpc",
    "robust-mpc-ref",
    "bola",
    "bba",
    "throughput",
];

/// The controller names [`controller`] takes, for messages that list them.
#[cfg(not(feature = "baselines"))]
pub const CONTROLLERS: &[&str] = &["hybrid", "hybrid-stable", "hybrid-lookahead"];

fn controller_for(
    cfg: &dmoe_core::agent::Config,
) -> Result<Box<dyn dmoe_core::AbrController + Send>, dmoe_core::agent::ConfigError> {
    controller(&cfg.abr).ok_or_else(|| dmoe_core::agent::ConfigError::UnknownAbr(cfg.abr.clone()))
}

/// `cfg` with a seed: its own, or (with the default `os-entropy` feature) one drawn from
/// the operating system's random source. This is the one place the ABR crates touch the
/// platform, once per session; without the feature a missing seed is
/// [`ConfigError::MissingSeed`](dmoe_core::agent::ConfigError::MissingSeed) and the host
/// passes its own (the npm package passes `crypto.getRandomValues`).
#[cfg_attr(not(feature = "os-entropy"), allow(unused_mut))]
pub fn seeded(
    mut cfg: dmoe_core::agent::Config,
) -> Result<dmoe_core::agent::Config, dmoe_core::agent::ConfigError> {
    #[cfg(feature = "os-entropy")]
    if cfg.seed.is_none() {
        // The largest value a JSON number (or JavaScript) holds exactly, so the seed a
        // recording keeps reads back the same everywhere.
        let s = getrandom::u64().map_err(|_| dmoe_core::agent::ConfigError::MissingSeed)?;
        cfg.seed = Some(s & ((1 << 53) - 1));
    }
    if cfg.seed.is_none() {
        return Err(dmoe_core::agent::ConfigError::MissingSeed);
    }
    Ok(cfg)
}

/// A device agent for `cfg`, with the ABR its `abr` field names (see [`controller`]) and,
/// when `cfg.seed` is absent, entropy from the platform (see [`seeded`]).
pub fn agent(
    cfg: dmoe_core::agent::Config,
) -> Result<dmoe_core::agent::Agent, dmoe_core::agent::ConfigError> {
    let cfg = seeded(cfg)?;
    let abr = controller_for(&cfg)?;
    dmoe_core::agent::Agent::new(cfg, abr)
}

/// An advisor ([`dmoe_core::agent::Advisor`]) for `cfg`, as [`agent`] makes an agent.
pub fn advisor(
    cfg: dmoe_core::agent::Config,
) -> Result<dmoe_core::agent::Advisor, dmoe_core::agent::ConfigError> {
    let cfg = seeded(cfg)?;
    let abr = controller_for(&cfg)?;
    dmoe_core::agent::Advisor::new(cfg, abr)
}
