//! # dmoe-sim
//!
//! DMOE's trace-driven simulator, on a simulated clock: no sleeping, no I/O, fully
//! repeatable. Every figure DMOE publishes about its sessions — stalls, switches, bitrate,
//! failover time — is measured here **through the agent that ships**: a simulated
//! [`player`] hosts the real [`dmoe_core::agent::Agent`] (or
//! [`Advisor`](dmoe_core::agent::Advisor)), feeds it inputs and carries out its outputs,
//! exactly as a player embedding the library would. Nothing here re-implements a decision.
//!
//! - [`realistic`]: a throughput trace through the agent (the ABR picks the first segment,
//!   the RTT passes on the clock, progress, abandonment, the agent's own deadlines).
//! - [`edges`]: multi-edge fault scenarios through the agent, with the `static` edge
//!   policy (the agent's hls.js-like priority rule) beside DMOE's, and an `oracle`
//!   reference host.
//! - [`pensieve`]: Pensieve's exact `fixed_env`, controller-level, kept only to reproduce
//!   published baselines under their own rules; [`optimal`], the offline optimum.
//! - [`scripted`]: the sessions whose recordings are the cross-language decision vectors;
//!   [`replay()`] replays any recording.
//!
//! ```
//! use dmoe_sim::{builtin_traces, builtin_video, realistic, SimConfig};
//! let video = builtin_video(1);
//! let trace = &builtin_traces(1, 1)[0];
//! let (r, t) = realistic::simulate("hybrid", trace, &video, &SimConfig::default())?;
//! assert_eq!(r.steps.len(), video.segments());
//! assert!(t.ended, "the agent said the session is over");
//! # Ok::<(), dmoe_core::agent::ConfigError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod builtin;
pub mod edges;
mod link;
mod optimal;
pub mod pensieve;
pub mod player;
pub mod realistic;
pub mod replay;
mod score;
pub mod scripted;
mod trace;

pub use builtin::{builtin_traces, builtin_video, builtin_video_ladder, builtin_video_of};
pub use link::{Link, PAYLOAD_PORTION, TraceLink};
pub use optimal::optimal;
pub use replay::{ReplayError, replay};
pub(crate) use score::summarize;
pub use score::{SimResult, Step, qoe_lin};
pub use trace::{SimInputError, Split, Trace, Video, load_traces};

/// The network model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Model {
    /// Pensieve's `fixed_env`, controller-level ([`pensieve`]).
    Pensieve,
    /// Through the agent ([`realistic`]).
    #[default]
    Realistic,
}

/// Simulation parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimConfig {
    /// Network model.
    pub model: Model,
    /// Round-trip time per request, seconds (Pensieve: 0.08).
    pub rtt_s: f64,
    /// Largest buffer, seconds (Pensieve: 60).
    pub max_buffer_s: f64,
    /// Rung of the first segment in the Pensieve model.
    pub pensieve_first_rung: usize,
    /// Progress report interval of the simulated player, seconds.
    pub progress_s: f64,
    /// Pensieve model only, a diagnostic, not a player: before every decision the
    /// controller is told, through [`dmoe_core::AbrController::on_path_change`], the
    /// throughput the next segment will really see. How a controller does with this
    /// perfect one-segment prediction bounds what a better throughput predictor could give
    /// it; the rest of its distance to the offline optimum is planning.
    pub oracle_hint: bool,
    /// The agent's seed (the session's entropy): the same seed, trace and video give the
    /// same session.
    pub seed: u64,
    /// Record the agent's inputs (for replay).
    pub record: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            model: Model::Realistic,
            rtt_s: 0.08,
            max_buffer_s: 60.0,
            pensieve_first_rung: 1,
            progress_s: 0.25,
            oracle_hint: false,
            seed: 1,
            record: false,
        }
    }
}
