//! What a Kotlin or Swift host tells a session: [`Event`] and the records it carries, each
//! converted into the core's own type (the core checks every value).

use std::time::Duration;

use dmoe_core::agent::{self as core, ObjectKind as CoreKind, RequestId};
use dmoe_core::{ByteRange as CoreRange, RenditionId};

/// A byte range of a resource: `length` bytes starting at offset `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ByteRange {
    /// Offset of the first byte.
    pub start: u64,
    /// Number of bytes.
    pub length: u64,
}

impl From<ByteRange> for CoreRange {
    fn from(r: ByteRange) -> Self {
        Self {
            start: r.start,
            length: r.length,
        }
    }
}

impl From<CoreRange> for ByteRange {
    fn from(r: CoreRange) -> Self {
        Self {
            start: r.start,
            length: r.length,
        }
    }
}

/// How a request ended without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

impl From<Failure> for core::Failure {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Http { status } => Self::Http { status },
            Failure::Timeout => Self::Timeout,
            Failure::Connection => Self::Connection,
        }
    }
}

impl From<dmoe_core::edge::RequestFailure> for Failure {
    fn from(f: dmoe_core::edge::RequestFailure) -> Self {
        use dmoe_core::edge::RequestFailure as F;
        match f {
            F::Http(status) => Self::Http { status },
            F::Timeout => Self::Timeout,
            F::Connection => Self::Connection,
        }
    }
}

impl From<Failure> for dmoe_core::edge::RequestFailure {
    fn from(f: Failure) -> Self {
        core::Failure::from(f).into()
    }
}

/// The type of media a buffer level is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MediaType {
    /// Video (possibly muxed with audio).
    Video,
    /// Audio only.
    Audio,
    /// Subtitles or other timed text.
    Subtitles,
    /// In-band closed captions.
    ClosedCaptions,
    /// Not known.
    Unknown,
}

impl From<MediaType> for dmoe_core::MediaType {
    fn from(m: MediaType) -> Self {
        match m {
            MediaType::Video => Self::Video,
            MediaType::Audio => Self::Audio,
            MediaType::Subtitles => Self::Subtitles,
            MediaType::ClosedCaptions => Self::ClosedCaptions,
            MediaType::Unknown => Self::Unknown,
        }
    }
}

impl From<dmoe_core::MediaType> for MediaType {
    fn from(m: dmoe_core::MediaType) -> Self {
        use dmoe_core::MediaType as M;
        match m {
            M::Video => Self::Video,
            M::Audio => Self::Audio,
            M::Subtitles => Self::Subtitles,
            M::ClosedCaptions => Self::ClosedCaptions,
            M::Unknown => Self::Unknown,
        }
    }
}

/// The player's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PlaybackState {
    /// Loading before the first frame.
    Starting,
    /// Playing.
    Playing,
    /// Paused by the user.
    Paused,
    /// Seeking.
    Seeking,
    /// Stalled (rebuffering).
    Stalled,
    /// Finished.
    Ended,
}

impl From<PlaybackState> for dmoe_core::PlaybackState {
    fn from(s: PlaybackState) -> Self {
        match s {
            PlaybackState::Starting => Self::Starting,
            PlaybackState::Playing => Self::Playing,
            PlaybackState::Paused => Self::Paused,
            PlaybackState::Seeking => Self::Seeking,
            PlaybackState::Stalled => Self::Stalled,
            PlaybackState::Ended => Self::Ended,
        }
    }
}

/// Init or media segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ObjectKind {
    /// Initialisation segment.
    Init,
    /// Media segment.
    Media,
}

impl From<ObjectKind> for CoreKind {
    fn from(k: ObjectKind) -> Self {
        match k {
            ObjectKind::Init => Self::Init,
            ObjectKind::Media => Self::Media,
        }
    }
}

impl From<CoreKind> for ObjectKind {
    fn from(k: CoreKind) -> Self {
        match k {
            CoreKind::Init => Self::Init,
            CoreKind::Media => Self::Media,
        }
    }
}

/// One rendition of a ladder the host parsed (an HLS variant, a DASH Representation, an
/// ExoPlayer `Format`): entry `i` of the list is rendition `i` in every later event and
/// output.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HostRendition {
    /// Peak bitrate in bits per second; a rendition with 0 is not offered.
    pub bandwidth_bps: u64,
    /// Average bitrate in bits per second, when declared; the ABR plans with it.
    #[uniffi(default = None)]
    pub average_bandwidth_bps: Option<u64>,
    /// Picture width.
    #[uniffi(default = None)]
    pub width: Option<u32>,
    /// Picture height.
    #[uniffi(default = None)]
    pub height: Option<u32>,
    /// Frames per second.
    #[uniffi(default = None)]
    pub frame_rate: Option<f64>,
    /// The codecs string (`avc1.64001f,mp4a.40.2`).
    #[uniffi(default = None)]
    pub codecs: Option<String>,
    /// Its media playlist's absolute URL (`""` when there is none to name).
    #[uniffi(default = "")]
    pub url: String,
    /// The pathway (CDN) serving it: HLS `PATHWAY-ID`, DASH `serviceLocation`.
    #[uniffi(default = None)]
    pub pathway: Option<String>,
}

impl From<HostRendition> for core::HostRendition {
    fn from(r: HostRendition) -> Self {
        Self {
            bandwidth_bps: r.bandwidth_bps,
            average_bandwidth_bps: r.average_bandwidth_bps,
            width: r.width,
            height: r.height,
            frame_rate: r.frame_rate,
            codecs: r.codecs,
            url: r.url,
            pathway: r.pathway,
        }
    }
}

/// An initialization section of a host-parsed segment list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HostInit {
    /// Absolute URL.
    pub url: String,
    /// Byte range within it.
    #[uniffi(default = None)]
    pub byte_range: Option<ByteRange>,
}

/// One media segment of a host-parsed segment list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HostSegment {
    /// Its sequence number: ascending in a list, kept across refreshes of a live list.
    pub number: u64,
    /// Media time of its start.
    pub start: Duration,
    /// Its duration.
    pub duration: Duration,
    /// Absolute URL.
    pub url: String,
    /// Byte range within it (its length is the segment's size, which the ABR then uses).
    #[uniffi(default = None)]
    pub byte_range: Option<ByteRange>,
    /// Index into [`HostSegments::inits`] of its initialization section.
    #[uniffi(default = None)]
    pub init: Option<u32>,
}

/// A rendition's segment list as the host parsed it (a loaded or refreshed media
/// playlist).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HostSegments {
    /// No segment will be added (`EXT-X-ENDLIST`, a static MPD): VOD.
    pub ended: bool,
    /// The longest segment duration the list promises (`EXT-X-TARGETDURATION`).
    #[uniffi(default = None)]
    pub target_duration: Option<Duration>,
    /// Initialization sections the segments refer to.
    #[uniffi(default = [])]
    pub inits: Vec<HostInit>,
    /// The segments, in ascending number order.
    pub segments: Vec<HostSegment>,
}

impl From<HostSegments> for core::HostSegments {
    fn from(s: HostSegments) -> Self {
        Self {
            ended: s.ended,
            target_duration: s.target_duration,
            inits: s
                .inits
                .into_iter()
                .map(|i| core::HostInit {
                    url: i.url,
                    byte_range: i.byte_range.map(Into::into),
                })
                .collect(),
            segments: s
                .segments
                .into_iter()
                .map(|s| core::HostSegment {
                    number: s.number,
                    start: s.start,
                    duration: s.duration,
                    url: s.url,
                    byte_range: s.byte_range.map(Into::into),
                    init: s.init,
                })
                .collect(),
        }
    }
}

/// One fact from the host. Which ones a session takes depends on its kind: an agent takes
/// all but `TransferStarted` and `AdviceWanted`; an advisor takes those two, the ladder,
/// transfer outcomes and the playback facts. Times are media or host durations,
/// truncated to whole microseconds.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Event {
    /// Nothing happened; time passed (the answer to a `Timeout` output).
    Tick,
    /// The manifest (multivariant playlist, media playlist or MPD) was loaded.
    ManifestLoaded {
        /// The URL it was loaded from (after redirects).
        url: String,
        /// Its text.
        body: String,
    },
    /// A media playlist asked for with a `LoadPlaylist` output was loaded.
    PlaylistLoaded {
        /// The rendition.
        rendition: u32,
        /// Its text.
        body: String,
    },
    /// The host parsed the manifest itself: its ladder, rendition `i` being entry `i`.
    LadderLoaded {
        /// The manifest's URL (for reports).
        url: String,
        /// The renditions.
        renditions: Vec<HostRendition>,
    },
    /// The host parsed a rendition's media playlist itself.
    SegmentsLoaded {
        /// The rendition.
        rendition: u32,
        /// Its segments.
        segments: HostSegments,
    },
    /// A playlist or manifest request failed.
    PlaylistFailed {
        /// The rendition (none: the manifest).
        rendition: Option<u32>,
        /// How.
        failure: Failure,
    },
    /// The steering manifest asked for with a `LoadSteering` output answered.
    SteeringLoaded {
        /// HTTP status (100 to 599).
        status: u16,
        /// `Retry-After`, for a 429.
        retry_after: Option<Duration>,
        /// The body.
        body: String,
    },
    /// The steering request got no answer.
    SteeringFailed,
    /// The request was sent.
    RequestStarted {
        /// Which.
        id: u64,
    },
    /// Bytes of the response so far (0: the response has begun, no body yet).
    RequestProgress {
        /// Which.
        id: u64,
        /// Bytes received so far.
        bytes: u64,
    },
    /// The response is complete.
    RequestCompleted {
        /// Which.
        id: u64,
        /// Bytes received.
        bytes: u64,
        /// Time from sending to the first byte.
        ttfb: Duration,
        /// The `CMSD-Static` header value, if any.
        cmsd_static: Option<String>,
        /// The `CMSD-Dynamic` header value, if any.
        cmsd_dynamic: Option<String>,
    },
    /// The request failed.
    RequestFailed {
        /// Which.
        id: u64,
        /// How.
        failure: Failure,
    },
    /// The host dropped the request itself (a seek, a forced switch, a stop).
    RequestCancelled {
        /// Which.
        id: u64,
    },
    /// Media buffered ahead of the play head, per media type.
    Buffer {
        /// Media type.
        media: MediaType,
        /// Level.
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
        /// Media time of the play head.
        position: Duration,
        /// Latency to the live edge.
        latency: Option<Duration>,
    },
    /// The user sought: the buffer is flushed and fetching restarts at `position`.
    Seek {
        /// The new position.
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
    /// Advisor: the player sent a request it chose itself, under the host's own `id`;
    /// report its outcome with the `Request*` events under the same id.
    TransferStarted {
        /// The host's id for it.
        id: u64,
        /// The rendition it belongs to, when the player says.
        rendition: Option<u32>,
        /// Init or media segment.
        kind: ObjectKind,
        /// Media duration of the segment, when known.
        duration: Option<Duration>,
        /// The pathway (CDN) it went to, when the ladder names pathways.
        pathway: Option<String>,
    },
    /// Advisor: the player is about to request its next media segment; an `Advice`
    /// output answers.
    AdviceWanted {
        /// The segment's media duration, when known.
        segment_duration: Option<Duration>,
        /// Its size in bytes per ladder entry, when known (0 entries are unknown).
        sizes: Vec<u64>,
        /// Segments left in the presentation (VOD), when known.
        remaining: Option<u32>,
    },
}

impl From<Event> for core::Event {
    fn from(e: Event) -> Self {
        match e {
            Event::Tick => Self::Tick,
            Event::ManifestLoaded { url, body } => Self::ManifestLoaded { url, body },
            Event::PlaylistLoaded { rendition, body } => Self::PlaylistLoaded {
                rendition: RenditionId(rendition),
                body,
            },
            Event::LadderLoaded { url, renditions } => Self::LadderLoaded {
                url,
                renditions: renditions.into_iter().map(Into::into).collect(),
            },
            Event::SegmentsLoaded {
                rendition,
                segments,
            } => Self::SegmentsLoaded {
                rendition: RenditionId(rendition),
                segments: segments.into(),
            },
            Event::PlaylistFailed { rendition, failure } => Self::PlaylistFailed {
                rendition: rendition.map(RenditionId),
                failure: failure.into(),
            },
            Event::SteeringLoaded {
                status,
                retry_after,
                body,
            } => Self::SteeringLoaded {
                status,
                retry_after,
                body,
            },
            Event::SteeringFailed => Self::SteeringFailed,
            Event::RequestStarted { id } => Self::RequestStarted { id: RequestId(id) },
            Event::RequestProgress { id, bytes } => Self::RequestProgress {
                id: RequestId(id),
                bytes,
            },
            Event::RequestCompleted {
                id,
                bytes,
                ttfb,
                cmsd_static,
                cmsd_dynamic,
            } => Self::RequestCompleted {
                id: RequestId(id),
                bytes,
                ttfb,
                cmsd_static,
                cmsd_dynamic,
            },
            Event::RequestFailed { id, failure } => Self::RequestFailed {
                id: RequestId(id),
                failure: failure.into(),
            },
            Event::RequestCancelled { id } => Self::RequestCancelled { id: RequestId(id) },
            Event::Buffer { media, level } => Self::Buffer {
                media: media.into(),
                level,
            },
            Event::Playback { state, rate } => Self::Playback {
                state: state.into(),
                rate,
            },
            Event::Position { position, latency } => Self::Position { position, latency },
            Event::Seek { position } => Self::Seek { position },
            Event::Frames { dropped, total } => Self::Frames { dropped, total },
            Event::Viewport {
                max_height,
                max_bitrate_bps,
            } => Self::Viewport {
                max_height,
                max_bitrate_bps,
            },
            Event::TransferStarted {
                id,
                rendition,
                kind,
                duration,
                pathway,
            } => Self::TransferStarted {
                id: RequestId(id),
                rendition: rendition.map(RenditionId),
                kind: kind.into(),
                duration,
                pathway,
            },
            Event::AdviceWanted {
                segment_duration,
                sizes,
                remaining,
            } => Self::AdviceWanted {
                segment_duration,
                sizes,
                remaining,
            },
        }
    }
}
