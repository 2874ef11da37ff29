//! The device agent: one [`Agent`] per playback session ties the presentation model, the
//! ABR, edge selection, steering, CMCD and QoE telemetry together, sans-IO. For players
//! that fetch segments themselves and only want to know which rendition to take next, the
//! [`Advisor`] is the same logic behind a smaller contract.
//!
//! ## The run loop
//!
//! The host owns sockets, timers and the media pipeline. It tells the agent what happened
//! with [`Agent::handle_input`] and then drains [`Agent::poll_output`] until it returns
//! `None`. An [`Output::Timeout`] says when to call back if nothing else happens first; it
//! replaces the previous one and is said again only when it changes. **Mutate once, then drain**: giving an input while outputs are waiting
//! is an error ([`AgentError::OutputNotDrained`]), as is time going backwards. A refused
//! input changes nothing and queues nothing; drain and go on.
//!
//! ```
//! use std::time::Duration;
//! use dmoe_core::agent::{Agent, Config, Event, Input, Output};
//! use dmoe_core::{AbrContext, AbrController, Decision, Reason, Timestamp};
//!
//! // Any ABR: dmoe-abr's `Hybrid` in a real player; the lowest rung here.
//! struct Lowest;
//! impl AbrController for Lowest {
//!     fn name(&self) -> &'static str { "lowest" }
//!     fn choose(&self, ctx: &AbrContext<'_>) -> Decision {
//!         Decision { rung: 0, reason: Reason::Rule, estimate_bps: None, buffer: ctx.buffer, playback_rate: None }
//!     }
//! }
//!
//! // The core never reads a random source: the session's entropy comes in the config
//! // (dmoe_abr::agent draws it from the platform when it is absent).
//! let cfg = Config { seed: Some(7), ..Config::default() };
//! let mut agent = Agent::new(cfg, Box::new(Lowest))?;
//! let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXTINF:4,\nb.ts\n#EXT-X-ENDLIST\n";
//! agent.handle_input(Input::new(Timestamp::ZERO, Event::ManifestLoaded {
//!     url: "https://cdn.example/v/index.m3u8".into(),
//!     body: playlist.into(),
//! }))?;
//! let fetches: Vec<_> = std::iter::from_fn(|| agent.poll_output())
//!     .filter_map(|o| match o { Output::Fetch(f) => Some(f), _ => None })
//!     .collect();
//! assert_eq!(fetches[0].url, "https://cdn.example/v/a.ts");
//! // The host fetches it and reports back.
//! let id = fetches[0].id;
//! agent.handle_input(Input::new(Timestamp::from_millis(10), Event::RequestStarted { id }))?;
//! while agent.poll_output().is_some() {}
//! agent.handle_input(Input::new(Timestamp::from_millis(900), Event::RequestCompleted {
//!     id, bytes: 500_000, ttfb: Duration::from_millis(60), cmsd_static: None, cmsd_dynamic: None,
//! }))?;
//! let next: Vec<Output> = std::iter::from_fn(|| agent.poll_output()).collect();
//! assert!(next.iter().any(|o| matches!(o, Output::Fetch(f) if f.url.ends_with("b.ts"))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## A complete host
//!
//! A real host also reports playback and buffer levels (the QoE figures come from them:
//! without `Playback` there is no start-up time, play time or stall), reports progress so
//! the agent can abandon a transfer that would starve the buffer, answers every
//! [`Output::Timeout`] with a tick, drops a request the agent abandons or cancels, keeps
//! going after a refused input, and stops at [`Output::End`]. `examples/src/host_loop.rs`
//! (crate `dmoe-examples`, run by `cargo test`) is that loop in full; `dmoe-sim`'s player
//! is the same loop at scale, and `examples/c/player.c` is it in C.
//!
//! ## Errors and bugs
//!
//! Bad host input — a manifest that does not parse, an unknown request id, time going
//! backwards, a value out of range ([`gate`]) — is an [`AgentError`]; the agent stays
//! usable and nothing changed. A broken internal invariant is a bug and panics; the
//! bindings catch it at the boundary.
//!
//! ## Threads
//!
//! An `Agent` is `Send`: move it to the thread that drives it. It is not shared; there is no
//! locking inside.

mod advisor;
mod cmcd;
mod config;
mod decide;
mod drive;
mod edges;
mod events;
mod fetch;
pub mod gate;
pub mod host;
mod io;
mod outbox;
mod playhead;
mod qoe;
mod requests;
mod source;
mod why;

pub use advisor::Advisor;
pub use cmcd::{Cmcd, CmcdObject, CmcdState};
pub use config::{
    CmcdConfig, CmcdMode, Config, ConfigError, ConfigValue, EdgeEntry, EdgePolicy, TelemetryConfig,
};
pub use host::{HostInit, HostRendition, HostSegment, HostSegments};
pub use io::{
    Advice, AgentError, Event, Failure, Fetch, Input, ObjectKind, Output, Probe, RequestId,
};
pub use qoe::{EdgeTraffic, Qoe, Report};
pub use requests::STALL_TIMEOUT;
pub use why::{AbandonWhy, DeadlineKind, DeadlineWhy, EdgeWhy, QualityWhy, Why};

use std::time::Duration;

use crate::edge::{EdgeId, EdgeSelector};
use crate::{AbrController, Presentation, Timestamp};

use decide::Decider;
use edges::Edges;
use outbox::{Outbox, Recorder};
use playhead::Playhead;
use qoe::Telemetry;
use requests::Requests;
use source::Source;

/// A playback session's decision engine. See the [module docs](self) for the run loop.
pub struct Agent {
    cfg: Config,
    seed: u64,
    session_id: String,
    now: Option<Timestamp>,
    out: Outbox,
    recorder: Recorder,
    source: Source,
    edges: Edges,
    requests: Requests,
    playhead: Playhead,
    decider: Decider,
    telemetry: Telemetry,
    viewport: crate::Caps,
    /// A failed request is retried after this (no other edge to go to).
    hold_until: Option<Timestamp>,
    /// Rounds of retries in a row that found no edge to go to (the pause doubles each).
    retry_round: u32,
    /// An explanation waiting for the fetch it belongs to (a failover that first needed
    /// the other pathway's playlist).
    carry_why: Option<Why>,
    /// Rung and edge an abandonment chose, kept until its refetch's media request is out
    /// (the refetch may first need the rung's playlist or init section).
    pinned: Option<(usize, EdgeId)>,
    last_why: Option<Why>,
    /// The ABR has preparation left (a planning table being solved in slices).
    preparing: bool,
    /// The session is over ([`Output::End`] went out).
    over: bool,
    /// The last timeout announced.
    last_timeout: Option<Timestamp>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("abr", &self.decider.name())
            .field("session_id", &self.session_id)
            .field("now", &self.now)
            .field("queued", &self.out.len())
            .field("request", &self.requests.current.as_ref().map(|r| r.id))
            .field("over", &self.over)
            .finish_non_exhaustive()
    }
}

/// A version-4 UUID made from the session's entropy.
pub(crate) fn session_id_from_seed(seed: u64) -> String {
    let mut rng = crate::edge::rng_for_agent(seed);
    let (a, b) = (rng.next_u64(), rng.next_u64());
    // Formatted as a version-4 UUID (random bits, version and variant set).
    let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
    let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// What every session (agent or advisor) starts from: its configuration checked, its
/// entropy, its id, its recorder (first line `{"<kind>": config}`) and the viewport caps.
struct Opening {
    seed: u64,
    session_id: String,
    recorder: Recorder,
    viewport: crate::Caps,
}

impl Opening {
    fn of(cfg: &Config, kind: &str) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let seed = cfg.seed.ok_or(ConfigError::MissingSeed)?;
        let session_id = cfg
            .session_id
            .clone()
            .unwrap_or_else(|| session_id_from_seed(seed));
        let recorder = Recorder::new(cfg.record, cfg.record_limit, || {
            // Invariant: a configuration serializes (strings, numbers, flags, lists).
            format!(
                "{{\"{kind}\":{}}}",
                serde_json::to_string(cfg).expect("serializable configuration")
            )
        });
        Ok(Self {
            seed,
            session_id,
            recorder,
            viewport: crate::Caps {
                max_bitrate: cfg.max_bitrate_bps.map(crate::Bitrate),
                min_bitrate: None,
                max_height: cfg.max_height,
            },
        })
    }
}

/// Checks shared by both session kinds: outputs drained, time forward, values in range.
pub(crate) fn admit(out: &Outbox, now: Option<Timestamp>, input: &Input) -> Result<(), AgentError> {
    if !out.is_empty() {
        return Err(AgentError::OutputNotDrained);
    }
    if let Some(prev) = now
        && input.at < prev
    {
        return Err(AgentError::TimeWentBackwards {
            previous_ms: crate::units::micros_to_ms(prev.as_micros()),
            at_ms: crate::units::micros_to_ms(input.at.as_micros()),
        });
    }
    gate::check(&input.event, &crate::Limits::default())
}

impl Agent {
    /// A session with this configuration and ABR (choose the ABR from `cfg.abr` with
    /// `dmoe_abr::agent`, or pass any [`AbrController`]). `cfg.seed` must be set: the
    /// core takes its entropy from the host.
    pub fn new(cfg: Config, abr: Box<dyn AbrController + Send>) -> Result<Self, ConfigError> {
        let Opening {
            seed,
            session_id,
            recorder,
            viewport,
        } = Opening::of(&cfg, "config")?;
        Ok(Self {
            viewport,
            requests: Requests::new(cfg.deadlines),
            cfg,
            seed,
            session_id,
            now: None,
            out: Outbox::new(),
            recorder,
            source: Source::default(),
            edges: Edges::default(),
            playhead: Playhead::new(),
            decider: Decider::new(abr),
            telemetry: Telemetry::new(),
            hold_until: None,
            retry_round: 0,
            carry_why: None,
            pinned: None,
            last_why: None,
            preparing: false,
            over: false,
            last_timeout: None,
        })
    }

    /// The session id (made from the seed unless configured).
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The entropy the session was made with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The QoE figures so far.
    pub fn qoe(&self) -> &Qoe {
        &self.telemetry.tracker.qoe
    }

    /// The presentation, once a manifest was loaded.
    pub fn presentation(&self) -> Option<&Presentation> {
        self.source.presentation.as_ref()
    }

    /// The edge selector, once a manifest was loaded.
    pub fn selector(&self) -> Option<&EdgeSelector> {
        self.edges.selector.as_ref()
    }

    /// Whether the session is over ([`Output::End`] went out; a seek or a new manifest
    /// opens it again).
    pub fn is_over(&self) -> bool {
        self.over
    }

    /// The recorded inputs as JSON lines (first line: the configuration, with its seed),
    /// when [`Config::record`] is on. Replay them with `dmoe-replay`.
    pub fn recording(&self) -> &[String] {
        self.recorder.lines()
    }

    /// The telemetry report now, as JSON.
    pub fn report(&self) -> String {
        self.telemetry
            .report(self.now, &self.session_id, &self.cfg, self.over)
    }

    /// The next decision, or None when there is nothing to do until the next input.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop()
    }

    /// Like [`poll_output`](Self::poll_output), into `slot`: the output that was in the
    /// slot hands its buffers back to the agent, which reuses them for the next decisions,
    /// so a warm steady-state cycle allocates nothing. Returns false (slot untouched) when
    /// nothing is waiting.
    ///
    /// ```
    /// # use dmoe_core::agent::{Agent, Output};
    /// # fn drive(agent: &mut Agent) {
    /// let mut slot: Option<Output> = None;
    /// while agent.poll_output_into(&mut slot) {
    ///     if let Some(Output::Fetch(f)) = &slot {
    ///         // start the request for f.url ...
    ///     }
    /// }
    /// # }
    /// ```
    pub fn poll_output_into(&mut self, slot: &mut Option<Output>) -> bool {
        self.out.pop_into(slot)
    }

    /// Record one fact from the host, then decide what follows from it. A refused input
    /// changes nothing and queues nothing.
    pub fn handle_input(&mut self, input: Input) -> Result<(), AgentError> {
        let input = Input::new(input.at, input.event.quantized());
        admit(&self.out, self.now, &input)?;
        let prepared = self.prepare(input.at, &input.event)?;
        self.recorder.record(&input);
        let now = input.at;
        // The buffer drains while playing.
        self.playhead.advance(now);
        self.now = Some(now);
        self.telemetry.tracker.advance(now);
        self.apply(now, input.event, prepared);
        self.drive(now);
        Ok(())
    }

    fn diagnostic(&mut self, message: String) {
        self.telemetry.tracker.qoe.diagnostics =
            self.telemetry.tracker.qoe.diagnostics.saturating_add(1);
        self.out.push(Output::Diagnostic { message });
    }

    /// The CMSD hold time of a response, and a diagnostic for a header that did not parse.
    fn cmsd_hold(&mut self, header: Option<&str>) -> Duration {
        let Some(h) = header else {
            return Duration::ZERO;
        };
        match crate::edge::CmsdStatic::parse(h) {
            Ok(s) => Duration::from_millis(s.held_ms.unwrap_or(0)),
            Err(e) => {
                self.diagnostic(format!("CMSD-Static: {e}"));
                Duration::ZERO
            }
        }
    }
}

#[cfg(test)]
mod tests;
