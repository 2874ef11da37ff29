//! What goes into the agent and what comes out.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::edge::RequestFailure;
use crate::units::{serde_opt_secs, serde_secs};
use crate::{ByteRange, ManifestError, MediaType, PlaybackState, RenditionId, Timestamp};

use super::cmcd::Cmcd;
use super::host::{HostRendition, HostSegments};

/// Identifies one request the agent asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u64);

/// One fact from the host, at a host time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// The host's monotonic clock.
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
    /// An HTTP error status.
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

/// The facts a host reports.
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
        /// HTTP status.
        status: u16,
        /// `Retry-After`, for a 429.
        #[serde(
            default,
            with = "serde_opt_secs",
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
    /// Bytes of the response so far.
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
        /// Time from sending to the first byte.
        #[serde(with = "serde_secs")]
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
        /// Level.
        #[serde(with = "serde_secs")]
        level: Duration,
    },
    /// The player's state or rate changed.
    Playback {
        /// State.
        state: PlaybackState,
        /// Playback rate.
        rate: f64,
    },
    /// Play-head position, and the latency to the live edge for live streams.
    Position {
        /// Media time of the play head.
        #[serde(with = "serde_secs")]
        position: Duration,
        /// Latency to the live edge.
        #[serde(
            default,
            with = "serde_opt_secs",
            skip_serializing_if = "Option::is_none"
        )]
        latency: Option<Duration>,
    },
    /// The user sought: the buffer is flushed and fetching restarts at `position`.
    Seek {
        /// The new position.
        #[serde(with = "serde_secs")]
        position: Duration,
    },
    /// Frame counters since the start of the session.
    Frames {
        /// Frames dropped.
        dropped: u64,
        /// Frames decoded.
        total: u64,
    },
    /// The viewport or other limits changed.
    Viewport {
        /// Tallest picture worth fetching.
        max_height: Option<u32>,
        /// Highest bitrate allowed, kbps.
        max_bitrate_kbps: Option<u64>,
    },
}

/// What kind of object a fetch is.
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
    /// Media duration of the segment.
    #[serde(with = "serde_secs")]
    pub duration: Duration,
    /// The edge (pathway ID).
    pub edge: String,
    /// Bitrate of the rendition, kbps.
    pub bitrate_kbps: u64,
    /// Headers to attach (CMCD header mode).
    pub headers: Vec<(String, String)>,
    /// The CMCD keys sent, when CMCD is on.
    pub cmcd: Option<Cmcd>,
    /// Why this rendition and edge, when either changed (or on a retry).
    pub why: Option<String>,
}

/// One decision for the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Output {
    /// Fetch this object.
    Fetch(Fetch),
    /// Abandon request `id` and make `refetch` instead.
    Abandon {
        /// The request to cancel.
        id: RequestId,
        /// Its replacement.
        refetch: Fetch,
        /// Why.
        why: String,
    },
    /// Load (or reload) a media playlist.
    LoadPlaylist {
        /// The rendition.
        rendition: RenditionId,
        /// URL, with LL-HLS `_HLS_msn` / `_HLS_part` / `_HLS_skip` when the server can block.
        url: String,
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
    /// A telemetry report for the controller (JSON text).
    Telemetry {
        /// The report.
        json: String,
    },
    /// Something the host may want to log (a CMSD header that did not parse, a manifest
    /// warning); nothing to act on.
    Diagnostic {
        /// The message.
        message: String,
    },
    /// Call [`Agent::handle_input`](super::Agent::handle_input) with [`Event::Tick`] at this
    /// time if nothing else happens first.
    Timeout {
        /// When.
        at: Timestamp,
    },
}

/// A wrong use of the agent, or input it cannot take. The agent stays usable.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum AgentError {
    /// Inputs were given while outputs were still waiting: drain `poll_output` first.
    #[error("outputs not drained: call poll_output until it returns None or a timeout")]
    OutputNotDrained,
    /// An input's time is before the previous input's.
    #[error("time went backwards: {at} µs after {previous} µs")]
    TimeWentBackwards {
        /// The previous input's time, µs.
        previous: u64,
        /// This input's time, µs.
        at: u64,
    },
    /// A request id the agent did not issue or that already ended.
    #[error("unknown request id {0}")]
    UnknownRequest(u64),
    /// A playlist for a rendition the agent does not know.
    #[error("unknown rendition {0}")]
    UnknownRendition(u32),
    /// The manifest did not parse.
    #[error("manifest: {0}")]
    Manifest(#[from] ManifestError),
    /// The manifest has no playable variant.
    #[error("the manifest has no playable variant")]
    NothingToPlay,
    /// A number that must be finite and positive was not.
    #[error("invalid value for {0}")]
    InvalidValue(&'static str),
}
