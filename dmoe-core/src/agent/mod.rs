//! The device agent: one [`Agent`] per playback session ties the presentation model, the
//! ABR, edge selection, steering, CMCD and QoE telemetry together, sans-IO.
//!
//! ## The run loop
//!
//! The host owns sockets, timers and the media pipeline. It tells the agent what happened
//! with [`Agent::handle_input`] and then drains [`Agent::poll_output`] until it returns
//! `None` or an [`Output::Timeout`]; then it waits for the next event or the timeout.
//! **Mutate once, then drain**: giving an input while outputs are waiting is an error
//! ([`AgentError::OutputNotDrained`]), as is time going backwards.
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
//! let mut agent = Agent::new(Config::default(), Box::new(Lowest))?;
//! let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXTINF:4,\nb.ts\n#EXT-X-ENDLIST\n";
//! agent.handle_input(Input::new(Timestamp::ZERO, Event::ManifestLoaded {
//!     url: "https://cdn.example/v/index.m3u8".into(),
//!     body: playlist.into(),
//! }))?;
//! let mut fetches = Vec::new();
//! while let Some(out) = agent.poll_output() {
//!     match out {
//!         Output::Fetch(f) => fetches.push(f),
//!         Output::Timeout { .. } => break,
//!         _ => {}
//!     }
//! }
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
//! ## Errors and bugs
//!
//! Bad host input — a manifest that does not parse, an unknown request id, time going
//! backwards — is an [`AgentError`]; the agent stays usable. A broken internal invariant is
//! a bug and panics; the bindings catch it at the boundary.
//!
//! ## Threads
//!
//! An `Agent` is `Send`: move it to the thread that drives it. It is not shared; there is no
//! locking inside.

mod cmcd;
mod config;
mod events;
mod fetch;
pub mod host;
mod io;
mod qoe;

use std::collections::VecDeque;
use std::time::Duration;

pub use cmcd::{Cmcd, CmcdObject, CmcdState};
pub use config::{
    CmcdConfig, CmcdMode, Config, ConfigError, ConfigValue, EdgeEntry, TelemetryConfig,
};
pub use host::{HostInit, HostRendition, HostSegment, HostSegments};
pub use io::{AgentError, Event, Failure, Fetch, Input, ObjectKind, Output, RequestId};
pub use qoe::{EdgeTraffic, Qoe, Report};

use crate::edge::{EdgeId, EdgeSelector, FetchPlan};
#[cfg(feature = "hls")]
use crate::edge::{SteeringClient, SteeringOutcome};
use crate::{
    AbrContext, AbrController, Bitrate, Caps, Ladder, LiveContext, MediaType, PathEstimate,
    PlaybackState, Presentation, PresentationKind, RenditionId, Rung, Timestamp,
};

/// A rung while the ladder is built: bitrate, renditions per pathway, the rung.
type RungEntry = (u64, Vec<(String, RenditionId)>, Rung);

/// Most outputs waiting at once; more means the host is not draining.
const MAX_QUEUE: usize = 64;
/// Most string buffers kept for reuse.
const POOL: usize = 16;
/// Ids of requests the agent forgot (seek, abandon) whose late reports are ignored.
const STALE_IDS: usize = 16;

#[derive(Debug, Clone)]
struct Request {
    id: RequestId,
    rung: usize,
    rendition: RenditionId,
    number: u64,
    kind: ObjectKind,
    init_index: Option<u32>,
    edge: EdgeId,
    duration: Duration,
    sent: Timestamp,
    started: Option<Timestamp>,
    expected: u64,
    failed: Vec<EdgeId>,
}

/// A playback session's decision engine. See the [module docs](self) for the run loop.
pub struct Agent {
    cfg: Config,
    abr: Box<dyn AbrController + Send>,
    session_id: String,
    now: Option<Timestamp>,
    out: VecDeque<Output>,
    recording: Vec<String>,
    presentation: Option<Presentation>,
    manifest_url: Option<String>,
    ladder: Option<Ladder>,
    /// Per rung: the renditions serving it, with their pathway.
    rung_map: Vec<Vec<(String, RenditionId)>>,
    selector: Option<EdgeSelector>,
    #[cfg(feature = "hls")]
    steering: Option<SteeringClient>,
    next_number: Option<u64>,
    loaded_init: Option<(RenditionId, u32)>,
    request: Option<Request>,
    stale: VecDeque<RequestId>,
    pending_playlist: Option<RenditionId>,
    refresh_at: Option<(RenditionId, Timestamp)>,
    manifest_refresh_at: Option<Timestamp>,
    hold_until: Option<Timestamp>,
    video_buffer: Option<Duration>,
    audio_buffer: Option<Duration>,
    buffer_at: Timestamp,
    state: PlaybackState,
    rate: f64,
    latency: Option<Duration>,
    viewport: Caps,
    prev_rung: Option<usize>,
    last_tput_kbps: Option<u64>,
    starved: bool,
    urgent: bool,
    request_seq: u64,
    next_id: u64,
    tracker: qoe::Tracker,
    telemetry_at: Option<Timestamp>,
    ended: bool,
    final_report_sent: bool,
    suggested_rate: Option<f64>,
    /// An explanation waiting for the fetch it belongs to (a failover that first needed
    /// the other pathway's playlist).
    carry_why: Option<String>,
    /// Rung and edge an abandonment chose, kept until its refetch's media request is out
    /// (the refetch may first need the rung's playlist or init section).
    pinned: Option<(usize, EdgeId)>,
    last_why: Option<String>,
    /// Buffers of polled outputs, reused for new ones ([`Agent::poll_output_into`]).
    pool: Vec<String>,
    /// A live playlist refresh in flight (fetching goes on meanwhile).
    refreshing: Option<RenditionId>,
    /// The refresh a newly installed presentation asks for.
    refresh_at_next: Option<(RenditionId, Timestamp)>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("abr", &self.abr.name())
            .field("session_id", &self.session_id)
            .field("now", &self.now)
            .field("queued", &self.out.len())
            .field("request", &self.request.as_ref().map(|r| r.id))
            .finish_non_exhaustive()
    }
}

fn session_id_from_seed(seed: u64) -> String {
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

impl Agent {
    /// A session with this configuration and ABR (choose the ABR from `cfg.abr` with
    /// `dmoe_abr::agent`, or pass any [`AbrController`]).
    pub fn new(cfg: Config, abr: Box<dyn AbrController + Send>) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let session_id = cfg
            .session_id
            .clone()
            .unwrap_or_else(|| session_id_from_seed(cfg.seed));
        let mut recording = Vec::new();
        if cfg.record {
            let line = serde_json::json!({ "config": &cfg }).to_string();
            recording.push(line);
        }
        Ok(Self {
            viewport: Caps {
                max_bitrate: cfg.max_bitrate_kbps.map(Bitrate::from_kbps),
                min_bitrate: None,
                max_height: cfg.max_height,
            },
            cfg,
            abr,
            session_id,
            now: None,
            out: VecDeque::with_capacity(MAX_QUEUE),
            recording,
            presentation: None,
            manifest_url: None,
            ladder: None,
            rung_map: Vec::new(),
            selector: None,
            #[cfg(feature = "hls")]
            steering: None,
            next_number: None,
            loaded_init: None,
            request: None,
            stale: VecDeque::with_capacity(STALE_IDS),
            pending_playlist: None,
            refresh_at: None,
            manifest_refresh_at: None,
            hold_until: None,
            video_buffer: None,
            audio_buffer: None,
            buffer_at: Timestamp::ZERO,
            state: PlaybackState::Starting,
            rate: 1.0,
            latency: None,
            prev_rung: None,
            last_tput_kbps: None,
            starved: false,
            urgent: true,
            request_seq: 0,
            next_id: 1,
            tracker: qoe::Tracker::new(),
            telemetry_at: None,
            ended: false,
            final_report_sent: false,
            suggested_rate: None,
            carry_why: None,
            pinned: None,
            last_why: None,
            refresh_at_next: None,
            refreshing: None,
            pool: Vec::with_capacity(POOL),
        })
    }

    /// The session id (random from the seed unless configured).
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The QoE figures so far.
    pub fn qoe(&self) -> &Qoe {
        &self.tracker.qoe
    }

    /// The presentation, once a manifest was loaded.
    pub fn presentation(&self) -> Option<&Presentation> {
        self.presentation.as_ref()
    }

    /// The edge selector, once a manifest was loaded.
    pub fn selector(&self) -> Option<&EdgeSelector> {
        self.selector.as_ref()
    }

    /// The recorded inputs as JSON lines (first line: the configuration), when
    /// [`Config::record`] is on. Replay them with `dmoe-replay`.
    pub fn recording(&self) -> &[String] {
        &self.recording
    }

    /// The telemetry report now, as JSON.
    pub fn report(&self) -> String {
        let mut out = String::new();
        self.report_into(&mut out);
        out
    }

    /// The telemetry report into `out` (replacing its contents).
    fn report_into(&self, out: &mut String) {
        let at = self.now.unwrap_or(Timestamp::ZERO);
        let t = &self.cfg.telemetry;
        let r = Report {
            session_id: &self.session_id,
            content_id: self.cfg.cmcd.content_id.as_deref(),
            device_id: t.device_id.as_deref(),
            user_id: t.user_id.as_deref(),
            at_s: at.as_secs_f64(),
            rebuffer_ratio: self.tracker.qoe.rebuffer_ratio(),
            qoe: &self.tracker.qoe,
        };
        let mut bytes = std::mem::take(out).into_bytes();
        bytes.clear();
        // Invariant: the report holds only strings and numbers; writing to a Vec cannot fail.
        serde_json::to_writer(&mut bytes, &r).expect("serializable report");
        // Invariant: serde_json writes UTF-8.
        *out = String::from_utf8(bytes).expect("UTF-8 JSON");
    }

    /// The next decision, or None when there is nothing to do until the next input.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
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
        let Some(next) = self.out.pop_front() else {
            return false;
        };
        if let Some(old) = slot.replace(next) {
            self.recycle(old);
        }
        true
    }

    fn recycle(&mut self, o: Output) {
        match o {
            Output::Fetch(f) => self.recycle_fetch(f),
            Output::Abandon { refetch, why, .. } => {
                self.recycle_fetch(refetch);
                self.give(why);
            }
            Output::LoadPlaylist { url, .. }
            | Output::LoadManifest { url }
            | Output::LoadSteering { url } => self.give(url),
            Output::Telemetry { json } => self.give(json),
            Output::Diagnostic { message } => self.give(message),
            Output::SetPlaybackRate { .. } | Output::Timeout { .. } => {}
        }
    }

    fn recycle_fetch(&mut self, f: Fetch) {
        self.give(f.url);
        self.give(f.edge);
        if let Some(w) = f.why {
            self.give(w);
        }
    }

    fn give(&mut self, mut s: String) {
        if self.pool.len() < POOL && s.capacity() > 0 {
            s.clear();
            self.pool.push(s);
        }
    }

    /// An empty string, reusing a polled output's buffer when there is one.
    pub(crate) fn take_buf(&mut self) -> String {
        self.pool.pop().unwrap_or_default()
    }

    /// Record one fact from the host, then decide what follows from it.
    pub fn handle_input(&mut self, input: Input) -> Result<(), AgentError> {
        if !self.out.is_empty() {
            return Err(AgentError::OutputNotDrained);
        }
        if let Some(prev) = self.now
            && input.at < prev
        {
            return Err(AgentError::TimeWentBackwards {
                previous: prev.as_micros(),
                at: input.at.as_micros(),
            });
        }
        if self.cfg.record {
            if self.recording.len() >= self.cfg.record_limit.max(2) {
                self.recording.remove(1);
            }
            // Invariant: inputs serialize (strings, numbers, enums).
            self.recording
                .push(serde_json::to_string(&input).expect("serializable input"));
        }
        let now = input.at;
        // The buffer drains while playing.
        self.refresh_buffer(now);
        self.now = Some(now);
        self.tracker.advance(now);
        let result = self.apply(now, input.event);
        self.drive(now);
        result
    }

    fn push(&mut self, o: Output) {
        if self.out.len() < MAX_QUEUE {
            self.out.push_back(o);
        }
    }

    fn diagnostic(&mut self, message: String) {
        self.tracker.qoe.diagnostics += 1;
        self.push(Output::Diagnostic { message });
    }

    fn buffer(&self) -> Duration {
        match (self.video_buffer, self.audio_buffer) {
            (Some(v), Some(a)) => v.min(a),
            (Some(v), None) => v,
            (None, Some(a)) => a,
            (None, None) => Duration::ZERO,
        }
    }

    fn refresh_buffer(&mut self, now: Timestamp) {
        if self.state == PlaybackState::Playing {
            let drained = now
                .saturating_duration_since(self.buffer_at)
                .mul_f64(self.rate.clamp(0.0, 16.0));
            for b in [&mut self.video_buffer, &mut self.audio_buffer]
                .into_iter()
                .flatten()
            {
                *b = b.saturating_sub(drained);
            }
        }
        self.buffer_at = now;
    }

    fn segment_duration(&self) -> Duration {
        let p = self.presentation.as_ref();
        p.and_then(|p| {
            p.renditions
                .iter()
                .find_map(|r| r.segments.target_duration)
                .or_else(|| {
                    p.renditions
                        .iter()
                        .find_map(|r| r.segments.segments.first().map(|s| s.duration))
                })
        })
        .filter(|d| !d.is_zero())
        .unwrap_or(Duration::from_secs(4))
    }

    fn is_live(&self) -> bool {
        self.presentation
            .as_ref()
            .is_some_and(|p| p.kind != PresentationKind::Vod)
    }

    #[cfg(feature = "hls")]
    fn parse_options(&self, base: &str) -> crate::ParseOptions {
        crate::ParseOptions::new()
            .strictness(self.cfg.strictness)
            .base_url(base)
    }

    fn take_request(&mut self, id: RequestId) -> Result<Option<Request>, AgentError> {
        match &self.request {
            Some(r) if r.id == id => Ok(self.request.take()),
            _ if self.stale.contains(&id) => Ok(None),
            _ => Err(AgentError::UnknownRequest(id.0)),
        }
    }

    fn forget_request(&mut self) {
        if let Some(r) = self.request.take() {
            if self.stale.len() >= STALE_IDS {
                self.stale.pop_front();
            }
            self.stale.push_back(r.id);
        }
    }

    fn apply(&mut self, now: Timestamp, event: Event) -> Result<(), AgentError> {
        match event {
            Event::Tick => Ok(()),
            Event::ManifestLoaded { url, body } => self.on_manifest(now, url, body),
            Event::PlaylistLoaded { rendition, body } => self.on_playlist(now, rendition, &body),
            Event::LadderLoaded { url, renditions } => {
                let p = host::presentation(&renditions, &crate::Limits::default())?;
                self.install(now, url, p)
            }
            Event::SegmentsLoaded {
                rendition,
                segments,
            } => {
                let index = host::segment_index(segments, &crate::Limits::default())?;
                self.on_segments(now, rendition, index)
            }
            Event::PlaylistFailed { rendition, .. } => {
                self.pending_playlist = None;
                if let Some(r) = self.refreshing.take() {
                    self.refresh_at = Some((r, now.saturating_add(Duration::from_secs(1))));
                }
                self.hold_until = Some(now.saturating_add(Duration::from_secs(1)));
                if rendition.is_none() && self.presentation.is_some() && self.is_live() {
                    self.manifest_refresh_at = Some(now.saturating_add(Duration::from_secs(1)));
                }
                Ok(())
            }
            #[cfg(feature = "hls")]
            Event::SteeringLoaded {
                status,
                retry_after,
                body,
            } => {
                if let Some(c) = &mut self.steering {
                    match c.on_response(now, status, retry_after, body.as_bytes()) {
                        Ok(SteeringOutcome::Updated) => {
                            if let (Some(m), Some(sel)) = (c.manifest(), &mut self.selector)
                                && let Err(e) = sel.apply_steering(m)
                            {
                                let msg = format!("steering: {e}");
                                self.diagnostic(msg);
                            }
                        }
                        Ok(_) => {}
                        Err(e) => self.diagnostic(format!("steering: {e}")),
                    }
                }
                Ok(())
            }
            #[cfg(feature = "hls")]
            Event::SteeringFailed => {
                if let Some(c) = &mut self.steering {
                    c.on_network_error(now);
                }
                Ok(())
            }
            // Without the `hls` feature there is no steering client to answer.
            #[cfg(not(feature = "hls"))]
            Event::SteeringLoaded { .. } | Event::SteeringFailed => Ok(()),
            Event::RequestStarted { id } => {
                match &mut self.request {
                    Some(r) if r.id == id => r.started = Some(now),
                    _ if self.stale.contains(&id) => {}
                    _ => return Err(AgentError::UnknownRequest(id.0)),
                }
                Ok(())
            }
            Event::RequestProgress { id, bytes } => self.on_progress(now, id, bytes),
            Event::RequestCompleted {
                id,
                bytes,
                ttfb,
                cmsd_static,
                cmsd_dynamic,
            } => self.on_completed(now, id, bytes, ttfb, cmsd_static, cmsd_dynamic),
            Event::RequestFailed { id, failure } => self.on_failed(now, id, failure),
            Event::RequestCancelled { id } => {
                if let Some(r) = self.take_request(id)? {
                    self.pinned = None;
                    // Put back, then forgotten like an abandoned one: late reports are ignored.
                    self.request = Some(r);
                    self.forget_request();
                }
                Ok(())
            }
            Event::Buffer { media, level } => {
                match media {
                    MediaType::Audio => self.audio_buffer = Some(level),
                    _ => self.video_buffer = Some(level),
                }
                if level.is_zero() && self.tracker.qoe.startup.is_some() {
                    self.starved = true;
                }
                self.abr.on_buffer(now, self.buffer());
                Ok(())
            }
            Event::Playback { state, rate } => {
                if !(rate.is_finite() && (0.0..=16.0).contains(&rate)) {
                    return Err(AgentError::InvalidValue("rate"));
                }
                self.tracker.on_state(now, state);
                self.abr.on_playback(now, state);
                if matches!(state, PlaybackState::Stalled | PlaybackState::Seeking) {
                    self.starved |= state == PlaybackState::Stalled;
                    self.urgent = true;
                }
                if state == PlaybackState::Playing {
                    self.urgent = false;
                }
                self.state = state;
                self.rate = rate;
                Ok(())
            }
            Event::Position { latency, .. } => {
                self.latency = latency;
                self.tracker.qoe.latency = latency;
                Ok(())
            }
            Event::Seek { position } => {
                self.forget_request();
                self.pinned = None;
                // The playlist asked for before is for a decision the seek made moot; it is
                // still taken when it arrives.
                self.pending_playlist = None;
                self.video_buffer = Some(Duration::ZERO);
                self.audio_buffer = self.audio_buffer.map(|_| Duration::ZERO);
                self.urgent = true;
                self.ended = false;
                self.next_number = self.number_at(position);
                Ok(())
            }
            Event::Frames { dropped, total } => {
                self.tracker.qoe.dropped_frames = dropped;
                self.tracker.qoe.total_frames = total;
                Ok(())
            }
            Event::Viewport {
                max_height,
                max_bitrate_kbps,
            } => {
                // New caps apply to the next media request, pinned or not.
                self.pinned = None;
                self.viewport.max_height = max_height.or(self.cfg.max_height);
                self.viewport.max_bitrate = max_bitrate_kbps
                    .or(self.cfg.max_bitrate_kbps)
                    .map(Bitrate::from_kbps);
                Ok(())
            }
        }
    }

    fn number_at(&self, position: Duration) -> Option<u64> {
        let p = self.presentation.as_ref()?;
        let rid = self.rung_map.first()?.first()?.1;
        let segs = &p.renditions.get(rid.0 as usize)?.segments.segments;
        segs.iter()
            .find(|s| s.start + s.duration > position)
            .or(segs.last())
            .map(|s| s.number)
    }

    fn context<'a>(&self, ladder: &'a Ladder, now: Timestamp) -> AbrContext<'a> {
        let seg = self.segment_duration();
        let mut caps = self.viewport;
        if let Some(mb) = self.selector.as_ref().and_then(EdgeSelector::max_bitrate) {
            caps.max_bitrate = Some(caps.max_bitrate.map_or(mb, |c| c.min(mb)));
        }
        let live = if self.is_live() {
            self.latency.map(|latency| LiveContext {
                latency,
                target: self.cfg.target_latency.unwrap_or(seg.saturating_mul(3)),
                min_rate: 0.95,
                max_rate: 1.05,
            })
        } else {
            None
        };
        let remaining = self.remaining_segments();
        AbrContext {
            now,
            ladder,
            buffer: self.buffer(),
            max_buffer: self.cfg.max_buffer,
            previous: self.prev_rung,
            segment_duration: seg,
            upcoming_sizes: &[],
            segments_remaining: remaining,
            state: self.state,
            playback_rate: self.rate,
            caps,
            live,
        }
    }

    fn remaining_segments(&self) -> Option<u32> {
        if self.is_live() {
            return None;
        }
        let p = self.presentation.as_ref()?;
        let rid = self.rung_map.first()?.first()?.1;
        let segs = &p.renditions.get(rid.0 as usize)?.segments;
        let next = self.next_number?;
        // Segments are in ascending number order: a binary search, not a scan per decision.
        let list = &segs.segments;
        Some((list.len() - list.partition_point(|s| s.number < next)) as u32)
    }

    /// The segment number to fetch next in `rid`, or None when there is none (yet).
    fn next_in(&mut self, rid: RenditionId) -> Option<u64> {
        let live = self.is_live();
        let target = self.cfg.target_latency;
        let p = self.presentation.as_ref()?;
        let segs = &p.renditions.get(rid.0 as usize)?.segments;
        let first = segs.segments.first()?.number;
        let last = segs.segments.last()?.number;
        let n = match self.next_number {
            Some(n) if n < first => first,
            Some(n) => n,
            None if live => {
                // Start `target` (or three segments) behind the live edge.
                let seg = segs.target_duration.unwrap_or(Duration::from_secs(4));
                let back = target.map_or(3, |t| {
                    (t.as_secs_f64() / seg.as_secs_f64().max(0.001)).ceil() as u64
                });
                last.saturating_sub(back.max(1) - 1).max(first)
            }
            None => first,
        };
        if n > last {
            // VOD: the end. Live: wait for the next refresh.
            if !live {
                self.ended = true;
            }
            return None;
        }
        self.next_number = Some(n);
        Some(n)
    }

    fn drive(&mut self, now: Timestamp) {
        if self.presentation.is_none() {
            return;
        }
        let current = self.selector.as_ref().and_then(|s| s.current());
        #[cfg(feature = "hls")]
        if let Some(c) = &mut self.steering {
            let name = current
                .zip(self.selector.as_ref())
                .map(|(e, s)| s.edge(e).pathway.clone());
            let tput = self.last_tput_kbps.map(|k| k * 1000);
            let used: Vec<(&str, Option<u64>)> =
                name.as_deref().map(|n| vec![(n, tput)]).unwrap_or_default();
            if let Some(r) = c.poll(now, &used) {
                self.push(Output::LoadSteering { url: r.url });
            }
        }
        // Live DASH manifest refresh.
        if self.manifest_refresh_at.is_some_and(|t| now >= t)
            && let Some(url) = self.manifest_url.clone()
        {
            self.manifest_refresh_at = None;
            self.push(Output::LoadManifest { url });
        }
        // Live HLS playlist refresh.
        if self.refreshing.is_none()
            && let Some((rid, at)) = self.refresh_at
            && now >= at
        {
            self.refresh_at = None;
            let edge = current.unwrap_or(EdgeId(0));
            if let Some(uri) = self
                .presentation
                .as_ref()
                .and_then(|p| p.renditions.get(rid.0 as usize))
                .and_then(|r| r.uri.clone())
                .or_else(|| self.manifest_url.clone())
            {
                let url = self.url_on_edge(rid, &uri, edge);
                let url = self.live_params(rid, &url);
                self.refreshing = Some(rid);
                self.push(Output::LoadPlaylist {
                    rendition: rid,
                    url,
                });
            }
        }
        // Telemetry.
        if self.cfg.telemetry.enabled {
            if self.telemetry_at.is_some_and(|t| now >= t) {
                self.telemetry_at = Some(now.saturating_add(self.cfg.telemetry.interval));
                let mut json = self.take_buf();
                self.report_into(&mut json);
                self.push(Output::Telemetry { json });
            }
            if self.ended && !self.final_report_sent && self.state == PlaybackState::Ended {
                self.final_report_sent = true;
                let mut json = self.take_buf();
                self.report_into(&mut json);
                self.push(Output::Telemetry { json });
            }
        }
        // Playback rate suggestion (low-latency live).
        let mut wake = None;
        if self.request.is_none()
            && self.pending_playlist.is_none()
            && !self.ended
            && self.hold_until.is_none_or(|t| now >= t)
        {
            let seg = self.segment_duration();
            let buffer = self.buffer();
            if buffer + seg <= self.cfg.max_buffer {
                self.try_fetch(now);
            } else if self.state == PlaybackState::Playing && self.rate > 0.0 {
                let excess = (buffer + seg).saturating_sub(self.cfg.max_buffer);
                wake = Some(
                    now.saturating_add(excess.div_f64(self.rate).max(Duration::from_millis(50))),
                );
            }
        }
        // When to be called next.
        #[cfg(feature = "hls")]
        let steering = self
            .steering
            .as_ref()
            .and_then(SteeringClient::next_fetch_at);
        #[cfg(not(feature = "hls"))]
        let steering = None;
        let candidates = [
            steering,
            self.manifest_refresh_at,
            self.refresh_at.map(|r| r.1),
            self.telemetry_at.filter(|_| self.cfg.telemetry.enabled),
            wake,
            self.hold_until,
        ];
        if let Some(at) = candidates.into_iter().flatten().filter(|t| *t > now).min() {
            self.push(Output::Timeout { at });
        }
    }

    fn try_fetch(&mut self, now: Timestamp) {
        // Borrowed out and put back: no clone of the ladder per decision.
        let Some(ladder) = self.ladder.take() else {
            return;
        };
        // A pin names an edge of the selector it was made with.
        let edges = self.selector.as_ref().map_or(0, EdgeSelector::len);
        let chosen = match self.pinned.take().filter(|p| (p.1.0 as usize) < edges) {
            // Its explanation went out with the init section or playlist request.
            Some((rung, edge)) => Some((rung.min(ladder.len() - 1), edge, None)),
            None => self.choose_with(now, &ladder),
        };
        self.ladder = Some(ladder);
        let Some((rung, edge, why)) = chosen else {
            return;
        };
        let Some(rid) = self.rendition_for(rung, edge) else {
            return;
        };
        // The playlist must be loaded before its segments can be named.
        let loaded = self
            .presentation
            .as_ref()
            .and_then(|p| p.renditions.get(rid.0 as usize))
            .is_some_and(|r| r.segments.loaded);
        let number = if loaded { self.next_in(rid) } else { Some(0) };
        let Some(number) = number else {
            return;
        };
        if let Some(o) = self.build_fetch(now, rung, edge, number, why) {
            self.pin_unless_media(&o, rung, edge);
            self.push(o);
        }
    }

    /// A decision (or an abandonment's refetch) that first needs the rung's playlist or
    /// init section keeps its rung and edge until the media request itself goes out: a
    /// fresh decision in between would waste the init or playlist just fetched, and after
    /// an abandonment could undo it and be abandoned again.
    pub(super) fn pin_unless_media(&mut self, o: &Output, rung: usize, edge: EdgeId) {
        if !matches!(o, Output::Fetch(f) if f.kind == ObjectKind::Media) {
            self.pinned = Some((rung, edge));
        }
    }

    /// Edge and rung of the next segment, with the explanation when either changes.
    /// `self.ladder` is lent out as `ladder` meanwhile.
    fn choose_with(
        &mut self,
        now: Timestamp,
        ladder: &Ladder,
    ) -> Option<(usize, EdgeId, Option<String>)> {
        let seg = self.segment_duration();
        let plan_rung = self.prev_rung.unwrap_or(0);
        let plan = FetchPlan {
            bytes: (ladder.bps(plan_rung) * seg.as_secs_f64() / 8.0) as u64,
            budget: seg,
        };
        let Some(sel) = &mut self.selector else {
            return None;
        };
        let choice = sel.select(now, &plan);
        let mut why_edge = None;
        if choice.switched() {
            why_edge = Some(choice.explain(sel));
            self.tracker.qoe.edge_switches += 1;
            let est = sel.estimate(now, choice.edge);
            self.abr.on_path_change(
                now,
                &PathEstimate {
                    throughput_bps: est
                        .and_then(|e| e.throughput_bps)
                        .or(Some(choice.throughput_bps)),
                    ttfb: est.and_then(|e| e.ttfb),
                },
            );
        }
        let ctx = self.context(ladder, now);
        let decision = self.abr.choose(&ctx);
        let rung = decision.rung.min(ladder.len() - 1);
        if let Some(rate) = decision.playback_rate
            && self.suggested_rate.is_none_or(|r| (r - rate).abs() > 0.005)
        {
            self.suggested_rate = Some(rate);
            self.push(Output::SetPlaybackRate { rate });
        }
        let why_rung = (self.prev_rung != Some(rung)).then(|| {
            let from = self.prev_rung.map_or("start".to_owned(), |r| {
                format!("{} kbps", ladder.rung(r).bitrate.kbps())
            });
            format!(
                "{:?}: {from} -> {} kbps (estimate {}, buffer {:.1} s)",
                decision.reason,
                ladder.rung(rung).bitrate.kbps(),
                decision
                    .estimate_bps
                    .map_or("none".to_owned(), |b| format!("{:.2} Mb/s", b / 1e6)),
                decision.buffer.as_secs_f64()
            )
        });
        let why = match (why_rung, why_edge) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        Some((rung, choice.edge, why))
    }
}

#[cfg(test)]
mod tests;
