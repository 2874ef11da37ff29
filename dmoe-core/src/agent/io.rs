//! What goes into the agent (and the advisor) and what comes out.
//!
//! Units in the serialized form (JSON recordings, the C ABI's JSON input, the wasm
//! package's `pollJson`) are in the key names: times in milliseconds (`_ms`, a number
//! with microsecond resolution), bitrates in bits per second (`_bps`), sizes in bytes.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::edge::RequestFailure;
use crate::units::{serde_ms, serde_opt_ms, serde_ts_ms};
use crate::{ByteRange, ManifestError, MediaType, PlaybackState, RenditionId, Timestamp};

use super::cmcd::Cmcd;
use super::host::{HostRendition, HostSegments};
use super::why::Why;

/// Identifies one request: issued by the agent in its [`Fetch`] and [`Probe`] outputs,
/// chosen by the host for the transfers it reports to the [`Advisor`](super::Advisor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u64);

/// One fact from the host, at a host time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// The host's monotonic clock (`at_ms` in JSON).
    #[serde(rename = "at_ms", with = "serde_ts_ms")]
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

impl Input {
    /// An input at `at`.
    pub fn new(at: Timestamp, event: Event) -> Self {
        Self { at, event }
    }
}

/// How a request ended without data (the serialisable form of [`RequestFailure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// An HTTP error status (100 to 599).
    Http {
        /// The status.
        status: u16,
    },
    /// No answer in time.
    Timeout,
    /// Connection refused, reset, DNS or TLS failure.
    Connection,
}

impl From<Failure> for RequestFailure {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Http { status } => Self::Http(status),
            Failure::Timeout => Self::Timeout,
            Failure::Connection => Self::Connection,
        }
    }
}

/// The facts a host reports. Which ones a session takes depends on its kind: the
/// [`Agent`](super::Agent) takes all but [`Event::TransferStarted`] and
/// [`Event::AdviceWanted`]; the [`Advisor`](super::Advisor) takes those two, the ladder,
/// transfer outcomes and the playback facts (see its docs). Another one is
/// [`AgentError::WrongSession`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// Nothing happened; time passed (answer to [`Output::Timeout`]).
    Tick,
    /// The manifest (multivariant playlist, media playlist or MPD) was loaded, initially or
    /// as a refresh.
    ManifestLoaded {
        /// The URL it was loaded from (after redirects).
        url: String,
        /// Its text.
        body: String,
    },
    /// A media playlist asked for with [`Output::LoadPlaylist`] was loaded.
    PlaylistLoaded {
        /// The rendition.
        rendition: RenditionId,
        /// Its text.
        body: String,
    },
    /// The host parsed the manifest itself: its ladder, rendition `i` being entry `i`
    /// (see [`host`](super::host)). Replaces any earlier presentation, as
    /// [`Event::ManifestLoaded`] does.
    LadderLoaded {
        /// The manifest's URL (for reports).
        url: String,
        /// The renditions.
        renditions: Vec<HostRendition>,
    },
    /// The host parsed a rendition's media playlist itself (first load or a live
    /// refresh): its segments, merged as [`Event::PlaylistLoaded`] merges a playlist.
    SegmentsLoaded {
        /// The rendition.
        rendition: RenditionId,
        /// Its segments.
        segments: HostSegments,
    },
    /// A playlist or manifest request failed.
    PlaylistFailed {
        /// The rendition (None: the manifest).
        rendition: Option<RenditionId>,
        /// How.
        failure: Failure,
    },
    /// The steering manifest asked for with [`Output::LoadSteering`] answered.
    SteeringLoaded {
        /// HTTP status (100 to 599).
        status: u16,
        /// `Retry-After`, for a 429.
        #[serde(
            default,
            rename = "retry_after_ms",
            with = "serde_opt_ms",
            skip_serializing_if = "Option::is_none"
        )]
        retry_after: Option<Duration>,
        /// The body.
        body: String,
    },
    /// The steering request got no answer.
    SteeringFailed,
    /// The request was sent.
    RequestStarted {
        /// Which.
        id: RequestId,
    },
    /// Bytes of the response so far (0: the response has begun, no body yet). Reporting
    /// progress lets the agent hold each request to a time-to-first-byte deadline and
    /// notice a transfer that stalled.
    RequestProgress {
        /// Which.
        id: RequestId,
        /// Bytes received so far.
        bytes: u64,
    },
    /// The response is complete.
    RequestCompleted {
        /// Which.
        id: RequestId,
        /// Bytes received.
        bytes: u64,
        /// Time from sending to the first byte (`ttfb_ms`).
        #[serde(rename = "ttfb_ms", with = "serde_ms")]
        ttfb: Duration,
        /// The `CMSD-Static` header value, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cmsd_static: Option<String>,
        /// The `CMSD-Dynamic` header value, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cmsd_dynamic: Option<String>,
    },
    /// The request failed.
    RequestFailed {
        /// Which.
        id: RequestId,
        /// How.
        failure: Failure,
    },
    /// The host dropped the request itself (a seek, a switch the player forced, a stop):
    /// not a failure of the edge, so no breaker, retry or failure count is touched; the
    /// agent decides the next fetch afresh and ignores late reports of this id.
    RequestCancelled {
        /// Which.
        id: RequestId,
    },
    /// Media buffered ahead of the play head, per media type.
    Buffer {
        /// Media type.
        media: MediaType,
        /// Level (`level_ms`).
        #[serde(rename = "level_ms", with = "serde_ms")]
        level: Duration,
    },
    /// The player's state or rate changed.
    Playback {
        /// State.
        state: PlaybackState,
        /// Playback rate (0 to 16).
        rate: f64,
    },
    /// Play-head position, and the latency to the live edge for live streams.
    Position {
        /// Media time of the play head (`position_ms`).
        #[serde(rename = "position_ms", with = "serde_ms")]
        position: Duration,
        /// Latency to the live edge (`latency_ms`).
        #[serde(
            default,
            rename = "latency_ms",
            with = "serde_opt_ms",
            skip_serializing_if = "Option::is_none"
        )]
        latency: Option<Duration>,
    },
    /// The user sought: the buffer is flushed and fetching restarts at `position`.
    Seek {
        /// The new position (`position_ms`).
        #[serde(rename = "position_ms", with = "serde_ms")]
        position: Duration,
    },
    /// Frame counters since the start of the session.
    Frames {
        /// Frames dropped.
        dropped: u64,
        /// Frames decoded (at least `dropped`).
        total: u64,
    },
    /// The viewport or other limits changed.
    Viewport {
        /// Tallest picture worth fetching.
        max_height: Option<u32>,
        /// Highest bitrate allowed, bits per second.
        max_bitrate_bps: Option<u64>,
    },
    /// Advisor: the player sent a request it chose itself. `id` is the host's own; report
    /// the outcome with the `Request*` events under the same id.
    TransferStarted {
        /// The host's id for it.
        id: RequestId,
        /// The rendition (ladder entry) it belongs to, when the player says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rendition: Option<RenditionId>,
        /// Init or media segment.
        kind: ObjectKind,
        /// Media duration of the segment, when known (`duration_ms`).
        #[serde(
            default,
            rename = "duration_ms",
            with = "serde_opt_ms",
            skip_serializing_if = "Option::is_none"
        )]
        duration: Option<Duration>,
        /// The pathway (CDN) it went to, when the ladder names pathways.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pathway: Option<String>,
    },
    /// Advisor: the player is about to request its next media segment; the advisor
    /// answers with [`Output::Advice`].
    AdviceWanted {
        /// The segment's media duration, when known (`segment_duration_ms`).
        #[serde(
            default,
            rename = "segment_duration_ms",
            with = "serde_opt_ms",
            skip_serializing_if = "Option::is_none"
        )]
        segment_duration: Option<Duration>,
        /// Its size in bytes per ladder entry, when the player knows them (byte ranges,
        /// a segment index); 0 or absent entries are unknown.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        sizes: Vec<u64>,
        /// Segments left in the presentation after this one's predecessors (VOD), when
        /// known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remaining: Option<u32>,
    },
}

/// `d` truncated to whole microseconds (the resolution recordings keep).
fn us(d: Duration) -> Duration {
    Duration::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

impl Event {
    /// The event with every time in it truncated to whole microseconds: what the agent
    /// works with and records, so that a replay sees exactly what the session saw.
    pub(crate) fn quantized(mut self) -> Self {
        match &mut self {
            Self::SteeringLoaded { retry_after, .. } => *retry_after = retry_after.map(us),
            Self::RequestCompleted { ttfb, .. } => *ttfb = us(*ttfb),
            Self::Buffer { level, .. } => *level = us(*level),
            Self::Position { position, latency } => {
                *position = us(*position);
                *latency = latency.map(us);
            }
            Self::Seek { position } => *position = us(*position),
            Self::SegmentsLoaded { segments, .. } => {
                segments.target_duration = segments.target_duration.map(us);
                for s in &mut segments.segments {
                    s.start = us(s.start);
                    s.duration = us(s.duration);
                }
            }
            Self::TransferStarted { duration, .. } => *duration = duration.map(us),
            Self::AdviceWanted {
                segment_duration, ..
            } => *segment_duration = segment_duration.map(us),
            _ => {}
        }
        self
    }

    /// The event's name as it appears in JSON (`"tick"`, `"request_started"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Tick => "tick",
            Self::ManifestLoaded { .. } => "manifest_loaded",
            Self::PlaylistLoaded { .. } => "playlist_loaded",
            Self::LadderLoaded { .. } => "ladder_loaded",
            Self::SegmentsLoaded { .. } => "segments_loaded",
            Self::PlaylistFailed { .. } => "playlist_failed",
            Self::SteeringLoaded { .. } => "steering_loaded",
            Self::SteeringFailed => "steering_failed",
            Self::RequestStarted { .. } => "request_started",
            Self::RequestProgress { .. } => "request_progress",
            Self::RequestCompleted { .. } => "request_completed",
            Self::RequestFailed { .. } => "request_failed",
            Self::RequestCancelled { .. } => "request_cancelled",
            Self::Buffer { .. } => "buffer",
            Self::Playback { .. } => "playback",
            Self::Position { .. } => "position",
            Self::Seek { .. } => "seek",
            Self::Frames { .. } => "frames",
            Self::Viewport { .. } => "viewport",
            Self::TransferStarted { .. } => "transfer_started",
            Self::AdviceWanted { .. } => "advice_wanted",
        }
    }
}

/// What kind of object a request fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// Initialisation segment.
    Init,
    /// Media segment.
    Media,
}

/// A request the host should make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fetch {
    /// Its id: report progress, completion or failure with it.
    pub id: RequestId,
    /// Full URL on the chosen edge (with the CMCD query when CMCD is in query mode).
    pub url: String,
    /// Byte range, when the object is part of a resource.
    pub byte_range: Option<ByteRange>,
    /// Rendition.
    pub rendition: RenditionId,
    /// Media type.
    pub media: MediaType,
    /// Init or media segment.
    pub kind: ObjectKind,
    /// Segment number (media sequence or `$Number$`).
    pub segment: u64,
    /// Media duration of the segment (`duration_ms`; 0 for an init section).
    #[serde(rename = "duration_ms", with = "serde_ms")]
    pub duration: Duration,
    /// The edge (pathway ID).
    pub edge: String,
    /// Bitrate of the rendition, bits per second.
    pub bitrate_bps: u64,
    /// Headers to attach (CMCD header mode).
    pub headers: Vec<(String, String)>,
    /// The CMCD keys sent, when CMCD is on.
    pub cmcd: Option<Cmcd>,
    /// Why this rendition and edge, when either changed (or on a retry).
    pub why: Option<Why>,
}

/// A small request that measures an edge the session is not using: fetch `byte_range`
/// of `url` (part of a segment the player may need anyway) and report it like any
/// request. The agent asks for probes only while the buffer is full, at most one at a
/// time, and never when [`Config::probes`](super::Config::probes) is off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// Its id.
    pub id: RequestId,
    /// URL on the edge to measure.
    pub url: String,
    /// The bytes to fetch.
    pub byte_range: ByteRange,
    /// The edge (pathway ID) measured.
    pub edge: String,
}

/// The advisor's answer to [`Event::AdviceWanted`]: the rendition to fetch next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    /// The ladder entry to use.
    pub rendition: RenditionId,
    /// Its bitrate, bits per second.
    pub bitrate_bps: u64,
    /// The pathway (CDN) to fetch it from, when the ladder names pathways and the player
    /// can follow (optional advice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pathway: Option<String>,
    /// The CMCD keys for the request it is about to send (when CMCD is on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmcd: Option<Cmcd>,
    /// Why, when the rendition or pathway changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Why>,
}

/// One decision for the host.
// Outputs move through a slot the host reuses (`poll_output_into`), so a steady session
// allocates nothing: boxing the large variants would allocate on every decision.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Output {
    /// Fetch this object.
    Fetch(Fetch),
    /// Cancel request `id` and make `refetch` instead (the transfer would starve the
    /// buffer, or missed its deadline).
    Abandon {
        /// The request to cancel.
        id: RequestId,
        /// Its replacement.
        refetch: Fetch,
        /// Why.
        why: Why,
    },
    /// Cancel request `id` (a probe that missed its deadline); nothing replaces it.
    Cancel {
        /// The request to cancel.
        id: RequestId,
    },
    /// Measure another edge.
    Probe(Probe),
    /// Load (or reload) a media playlist.
    LoadPlaylist {
        /// The rendition.
        rendition: RenditionId,
        /// URL, with LL-HLS `_HLS_msn` / `_HLS_part` / `_HLS_skip` when the server can block.
        url: String,
        /// The list is wanted ahead of need (another edge's, to probe it or fail over to it
        /// without a round trip), not for the next fetch: a host that cannot load a list
        /// without switching to it may ignore it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        prefetch: bool,
    },
    /// Reload the manifest (live DASH `minimumUpdatePeriod`).
    LoadManifest {
        /// URL.
        url: String,
    },
    /// Fetch the steering manifest.
    LoadSteering {
        /// URL, with the `_HLS_*` / `_DASH_*` steering parameters.
        url: String,
    },
    /// Set the playback rate (low-latency catch-up).
    SetPlaybackRate {
        /// The rate.
        rate: f64,
    },
    /// Advisor: the rendition to fetch next.
    Advice(Advice),
    /// Advisor: the transfer `id` would starve the buffer; cancel it and fetch the same
    /// segment at `rendition`.
    AbandonAdvice {
        /// The host's transfer to cancel.
        id: RequestId,
        /// The ladder entry to refetch at.
        rendition: RenditionId,
        /// Its bitrate, bits per second.
        bitrate_bps: u64,
        /// Why.
        why: Why,
    },
    /// A telemetry report for the controller (JSON text).
    Telemetry {
        /// The report.
        json: String,
        /// The session's final report (the report's own `last` too): an
        /// [`Output::End`] follows.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        last: bool,
    },
    /// Something the host may want to log (a CMSD header that did not parse, a manifest
    /// warning); nothing to act on.
    Diagnostic {
        /// The message.
        message: String,
    },
    /// Call `handle_input` with [`Event::Tick`] at this time if nothing else happens
    /// first. It replaces any earlier timeout (which stands until a new one comes: the
    /// agent says it again only when it changes).
    Timeout {
        /// When (`at_ms`).
        #[serde(rename = "at_ms", with = "serde_ts_ms")]
        at: Timestamp,
    },
    /// The session is over (a VOD played to its end): the final telemetry report went out
    /// just before, and no timeout follows. A seek or a new manifest opens it again.
    End,
}

/// A wrong use of the agent, or input it cannot take. A refused input changes nothing:
/// no state moves, no output is queued, and the agent stays usable.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum AgentError {
    /// Inputs were given while outputs were still waiting: drain `poll_output` first.
    #[error("outputs not drained: poll every waiting output before the next input")]
    OutputNotDrained,
    /// An input's time is before the previous input's.
    #[error("time went backwards: {at_ms} ms after {previous_ms} ms")]
    TimeWentBackwards {
        /// The previous input's time, ms.
        previous_ms: f64,
        /// This input's time, ms.
        at_ms: f64,
    },
    /// A request id the session did not issue (or the host did not start), or that
    /// already ended.
    #[error("unknown request id {0}")]
    UnknownRequest(u64),
    /// A request id the host already uses for a transfer in flight (advisor).
    #[error("request id {0} is already in flight")]
    DuplicateRequest(u64),
    /// A playlist for a rendition the agent does not know.
    #[error("unknown rendition {0}")]
    UnknownRendition(u32),
    /// The manifest did not parse.
    #[error("manifest: {0}")]
    Manifest(#[from] ManifestError),
    /// The manifest has no playable variant.
    #[error("the manifest has no playable variant")]
    NothingToPlay,
    /// A value out of its range (NaN, infinite, zero where it must be positive, or past
    /// the largest the field can mean).
    #[error("invalid {field}: {rule}")]
    InvalidValue {
        /// The field.
        field: &'static str,
        /// What it must be.
        rule: &'static str,
    },
    /// An event this kind of session does not take (an advisor event given to the agent,
    /// or the other way round).
    #[error("{event} is not an input of {session}")]
    WrongSession {
        /// The event's name.
        event: &'static str,
        /// `"the agent"` or `"the advisor"`.
        session: &'static str,
    },
    /// An input that needs the ladder came before it.
    #[error("no ladder yet: give the ladder first")]
    NoLadder,
}
