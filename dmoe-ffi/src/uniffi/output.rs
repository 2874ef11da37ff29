//! What a session tells a Kotlin or Swift host: [`Output`] and its records, converted from
//! the core's decisions (and back, for [`output_to_json`](super::output_to_json)).

use std::time::Duration;

use dmoe_core::agent::{self as core, RequestId};
use dmoe_core::{RenditionId, Timestamp};

use super::events::{ByteRange, MediaType, ObjectKind};
use super::explain::{Cmcd, Why};

/// One HTTP header to attach to a request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Header {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A request the host should make (the full agent decides every request).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FetchRequest {
    /// Its id: report progress, completion or failure with it.
    pub id: u64,
    /// Full URL on the chosen edge (with the CMCD query when CMCD is in query mode).
    pub url: String,
    /// Byte range, when the object is part of a resource.
    pub byte_range: Option<ByteRange>,
    /// Rendition (ladder entry).
    pub rendition: u32,
    /// Media type.
    pub media: MediaType,
    /// Init or media segment.
    pub kind: ObjectKind,
    /// Segment number (media sequence or `$Number$`).
    pub segment: u64,
    /// Media duration of the segment (zero for an init section).
    pub duration: Duration,
    /// The edge (pathway ID).
    pub edge: String,
    /// Bitrate of the rendition, bits per second.
    pub bitrate_bps: u64,
    /// Headers to attach (CMCD header mode).
    pub headers: Vec<Header>,
    /// The CMCD keys sent, when CMCD is on.
    pub cmcd: Option<Cmcd>,
    /// Why this rendition and edge, when either changed (or on a retry).
    pub why: Option<Why>,
}

/// A small request that measures an edge the session is not using: fetch `byte_range` of
/// `url` and report it like any request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProbeRequest {
    /// Its id.
    pub id: u64,
    /// URL on the edge to measure.
    pub url: String,
    /// The bytes to fetch.
    pub byte_range: ByteRange,
    /// The edge (pathway ID) measured.
    pub edge: String,
}

/// The advisor's answer to `AdviceWanted`: the rendition to fetch next.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RungAdvice {
    /// The ladder entry to use.
    pub rendition: u32,
    /// Its bitrate, bits per second.
    pub bitrate_bps: u64,
    /// The pathway (CDN) to fetch it from, when the ladder names pathways.
    pub pathway: Option<String>,
    /// The CMCD keys for the request the player is about to send (when CMCD is on).
    pub cmcd: Option<Cmcd>,
    /// Why, when the rendition or pathway changed.
    pub why: Option<Why>,
}

/// One decision for the host.
// A value the generated code copies across the boundary field by field: UniFFI has no
// boxed variants, and the size of a transient value does not matter here.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Output {
    /// Fetch this object.
    Fetch {
        /// The request.
        request: FetchRequest,
    },
    /// Cancel request `id` and make `refetch` instead.
    Abandon {
        /// The request to cancel.
        id: u64,
        /// Its replacement.
        refetch: FetchRequest,
        /// Why.
        why: Why,
    },
    /// Cancel request `id` (a probe that missed its deadline); nothing replaces it.
    Cancel {
        /// The request to cancel.
        id: u64,
    },
    /// Measure another edge.
    Probe {
        /// The request.
        request: ProbeRequest,
    },
    /// Load (or reload) a media playlist.
    LoadPlaylist {
        /// The rendition.
        rendition: u32,
        /// URL, with LL-HLS blocking-reload parameters when the server can block.
        url: String,
        /// Wanted ahead of need (another edge's list), not for the next fetch.
        prefetch: bool,
    },
    /// Reload the manifest (live DASH `minimumUpdatePeriod`).
    LoadManifest {
        /// URL.
        url: String,
    },
    /// Fetch the steering manifest.
    LoadSteering {
        /// URL, with the steering query parameters.
        url: String,
    },
    /// Set the playback rate (low-latency catch-up).
    SetPlaybackRate {
        /// The rate.
        rate: f64,
    },
    /// Advisor: the rendition to fetch next.
    Advice {
        /// The advice.
        advice: RungAdvice,
    },
    /// Advisor: the transfer `id` would starve the buffer; cancel it and fetch the same
    /// segment at `rendition`.
    AbandonAdvice {
        /// The host's transfer to cancel.
        id: u64,
        /// The ladder entry to refetch at.
        rendition: u32,
        /// Its bitrate, bits per second.
        bitrate_bps: u64,
        /// Why.
        why: Why,
    },
    /// A telemetry report for the controller (JSON text).
    Telemetry {
        /// The report.
        json: String,
        /// The session's final report: an `End` follows.
        last: bool,
    },
    /// Something the host may want to log; nothing to act on.
    Diagnostic {
        /// The message.
        message: String,
    },
    /// Give the session a `Tick` at this host time if nothing else happens first. It
    /// replaces any earlier timeout.
    Timeout {
        /// When, on the host's clock.
        at: Duration,
    },
    /// The session is over (a VOD played to its end): the final telemetry report went out
    /// just before, and no timeout follows. A seek or a new manifest opens it again.
    End,
}

impl From<core::Fetch> for FetchRequest {
    fn from(f: core::Fetch) -> Self {
        Self {
            id: f.id.0,
            url: f.url,
            byte_range: f.byte_range.map(Into::into),
            rendition: f.rendition.0,
            media: f.media.into(),
            kind: f.kind.into(),
            segment: f.segment,
            duration: f.duration,
            edge: f.edge,
            bitrate_bps: f.bitrate_bps,
            headers: f
                .headers
                .into_iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
            cmcd: f.cmcd.map(Into::into),
            why: f.why.map(Into::into),
        }
    }
}

impl From<FetchRequest> for core::Fetch {
    fn from(f: FetchRequest) -> Self {
        Self {
            id: RequestId(f.id),
            url: f.url,
            byte_range: f.byte_range.map(Into::into),
            rendition: RenditionId(f.rendition),
            media: f.media.into(),
            kind: f.kind.into(),
            segment: f.segment,
            duration: f.duration,
            edge: f.edge,
            bitrate_bps: f.bitrate_bps,
            headers: f.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            cmcd: f.cmcd.map(Into::into),
            why: f.why.map(Into::into),
        }
    }
}

/// A host time as a duration since the host's origin.
fn since_origin(t: Timestamp) -> Duration {
    Duration::from_micros(t.0)
}

/// A duration since the host's origin as a host time (whole microseconds, saturating).
pub(super) fn timestamp(d: Duration) -> Timestamp {
    Timestamp(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

impl From<core::Output> for Output {
    fn from(o: core::Output) -> Self {
        use core::Output as O;
        match o {
            O::Fetch(f) => Self::Fetch { request: f.into() },
            O::Abandon { id, refetch, why } => Self::Abandon {
                id: id.0,
                refetch: refetch.into(),
                why: why.into(),
            },
            O::Cancel { id } => Self::Cancel { id: id.0 },
            O::Probe(p) => Self::Probe {
                request: ProbeRequest {
                    id: p.id.0,
                    url: p.url,
                    byte_range: p.byte_range.into(),
                    edge: p.edge,
                },
            },
            O::LoadPlaylist {
                rendition,
                url,
                prefetch,
            } => Self::LoadPlaylist {
                rendition: rendition.0,
                url,
                prefetch,
            },
            O::LoadManifest { url } => Self::LoadManifest { url },
            O::LoadSteering { url } => Self::LoadSteering { url },
            O::SetPlaybackRate { rate } => Self::SetPlaybackRate { rate },
            O::Advice(a) => Self::Advice {
                advice: RungAdvice {
                    rendition: a.rendition.0,
                    bitrate_bps: a.bitrate_bps,
                    pathway: a.pathway,
                    cmcd: a.cmcd.map(Into::into),
                    why: a.why.map(Into::into),
                },
            },
            O::AbandonAdvice {
                id,
                rendition,
                bitrate_bps,
                why,
            } => Self::AbandonAdvice {
                id: id.0,
                rendition: rendition.0,
                bitrate_bps,
                why: why.into(),
            },
            O::Telemetry { json, last } => Self::Telemetry { json, last },
            O::Diagnostic { message } => Self::Diagnostic { message },
            O::Timeout { at } => Self::Timeout {
                at: since_origin(at),
            },
            O::End => Self::End,
            other => Self::Diagnostic {
                message: format!("an output this binding does not know: {other:?}"),
            },
        }
    }
}

impl From<Output> for core::Output {
    fn from(o: Output) -> Self {
        match o {
            Output::Fetch { request } => Self::Fetch(request.into()),
            Output::Abandon { id, refetch, why } => Self::Abandon {
                id: RequestId(id),
                refetch: refetch.into(),
                why: why.into(),
            },
            Output::Cancel { id } => Self::Cancel { id: RequestId(id) },
            Output::Probe { request } => Self::Probe(core::Probe {
                id: RequestId(request.id),
                url: request.url,
                byte_range: request.byte_range.into(),
                edge: request.edge,
            }),
            Output::LoadPlaylist {
                rendition,
                url,
                prefetch,
            } => Self::LoadPlaylist {
                rendition: RenditionId(rendition),
                url,
                prefetch,
            },
            Output::LoadManifest { url } => Self::LoadManifest { url },
            Output::LoadSteering { url } => Self::LoadSteering { url },
            Output::SetPlaybackRate { rate } => Self::SetPlaybackRate { rate },
            Output::Advice { advice } => Self::Advice(core::Advice {
                rendition: RenditionId(advice.rendition),
                bitrate_bps: advice.bitrate_bps,
                pathway: advice.pathway,
                cmcd: advice.cmcd.map(Into::into),
                why: advice.why.map(Into::into),
            }),
            Output::AbandonAdvice {
                id,
                rendition,
                bitrate_bps,
                why,
            } => Self::AbandonAdvice {
                id: RequestId(id),
                rendition: RenditionId(rendition),
                bitrate_bps,
                why: why.into(),
            },
            Output::Telemetry { json, last } => Self::Telemetry { json, last },
            Output::Diagnostic { message } => Self::Diagnostic { message },
            Output::Timeout { at } => Self::Timeout { at: timestamp(at) },
            Output::End => Self::End,
        }
    }
}

/// Traffic of one edge.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EdgeTraffic {
    /// Pathway ID.
    pub edge: String,
    /// Bytes received.
    pub bytes: u64,
    /// Requests completed.
    pub requests: u64,
    /// Requests failed.
    pub failures: u64,
}

/// The session's quality-of-experience figures so far.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Qoe {
    /// From the first input to the first frame (none before it).
    pub startup: Option<Duration>,
    /// Stalls after start-up.
    pub rebuffer_count: u32,
    /// Stall time after start-up.
    pub rebuffer_time: Duration,
    /// Time spent playing.
    pub play_time: Duration,
    /// Stall time over stall plus play time.
    pub rebuffer_ratio: f64,
    /// Average bitrate of the media fetched, weighted by media duration, bits per second.
    pub avg_bitrate_bps: f64,
    /// Rendition switches.
    pub switches: u32,
    /// Sum of the switches' sizes, bits per second.
    pub switch_bps_total: u64,
    /// Frames dropped (as reported by the host).
    pub dropped_frames: u64,
    /// Frames decoded (as reported by the host).
    pub total_frames: u64,
    /// Latest latency to the live edge.
    pub latency: Option<Duration>,
    /// Traffic per edge.
    pub edges: Vec<EdgeTraffic>,
    /// Edge switches.
    pub edge_switches: u32,
    /// CMSD headers or manifests that could not be read.
    pub diagnostics: u32,
}

impl From<&core::Qoe> for Qoe {
    fn from(q: &core::Qoe) -> Self {
        Self {
            startup: q.startup,
            rebuffer_count: q.rebuffer_count,
            rebuffer_time: q.rebuffer_time,
            play_time: q.play_time,
            rebuffer_ratio: q.rebuffer_ratio(),
            avg_bitrate_bps: q.avg_bitrate_bps,
            switches: q.switches,
            switch_bps_total: q.switch_bps_total,
            dropped_frames: q.dropped_frames,
            total_frames: q.total_frames,
            latency: q.latency,
            edges: q
                .edges
                .iter()
                .map(|e| EdgeTraffic {
                    edge: e.edge.clone(),
                    bytes: e.bytes,
                    requests: e.requests,
                    failures: e.failures,
                })
                .collect(),
            edge_switches: q.edge_switches,
            diagnostics: q.diagnostics,
        }
    }
}
