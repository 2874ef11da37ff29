//! The explanations and CMCD keys that ride on decisions, as records a Kotlin or Swift
//! host reads field by field (the `text` of a [`Why`] is the sentence the core writes).

use dmoe_core::Reason as CoreReason;
use dmoe_core::agent::{
    self as core, CmcdObject as CoreObject, CmcdState as CoreState, DeadlineKind as CoreDeadline,
};
use dmoe_core::edge::EdgeReason as CoreEdgeReason;

use super::events::Failure;

/// Both conversions of a field-less enum and its core twin. A core enum that may grow
/// (`#[non_exhaustive]`) names the variant its unknown values become here, and the one
/// that variant becomes there.
macro_rules! twin_enum {
    ($mirror:ident, $core:ident, [$($v:ident),* $(,)?] $(, unknown: $other:ident => $back:ident)?) => {
        impl From<$mirror> for $core {
            fn from(v: $mirror) -> Self {
                match v {
                    $($mirror::$v => $core::$v,)*
                    $($mirror::$other => $core::$back,)?
                }
            }
        }
        impl From<$core> for $mirror {
            fn from(v: $core) -> Self {
                #[allow(unreachable_patterns)]
                match v {
                    $($core::$v => $mirror::$v,)*
                    $(_ => $mirror::$other,)?
                }
            }
        }
    };
}

/// Why a rung was chosen (the ABR's reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Reason {
    /// Start-up: a safe rung to fill the buffer fast.
    Startup,
    /// The throughput estimate allows this rung.
    Throughput,
    /// The buffer is low: protect against a stall.
    BufferLow,
    /// The buffer is high: afford a higher rung.
    BufferHigh,
    /// A look-ahead over the next segments found this rung best.
    Lookahead,
    /// Kept the previous rung to avoid oscillating.
    Hold,
    /// Limited by caps (bitrate, resolution, dropped frames).
    Capped,
    /// The buffer will run dry: drop hard.
    Emergency,
    /// A fixed rule of a baseline algorithm.
    Rule,
    /// A reason newer than this binding.
    Other,
}

twin_enum!(Reason, CoreReason, [Startup, Throughput, BufferLow, BufferHigh, Lookahead, Hold, Capped, Emergency, Rule], unknown: Other => Rule);

/// Why an edge was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EdgeReason {
    /// The first choice: the controller's order, then rendezvous among equals.
    Start,
    /// Kept the current edge.
    Stay,
    /// A measured edge is clearly faster.
    Faster,
    /// The current edge cannot sustain the rendition; this one can.
    CannotSustain,
    /// The request failed on another edge; retried here.
    Failover,
    /// The current edge signalled duress (CMSD `du`).
    Duress,
    /// The current edge's breaker is open.
    BreakerOpen,
    /// The steering manifest no longer lists the current edge.
    SteeringRemoved,
    /// A half-open edge gets its trial request.
    HalfOpenTrial,
    /// No edge is healthy: the one that recovers soonest.
    LeastBad,
    /// The controller's order put it first.
    Priority,
    /// A reason newer than this binding.
    Other,
}

twin_enum!(EdgeReason, CoreEdgeReason, [Start, Stay, Faster, CannotSustain, Failover, Duress, BreakerOpen, SteeringRemoved, HalfOpenTrial, LeastBad, Priority], unknown: Other => Stay);

/// Which deadline a request missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeadlineKind {
    /// No first byte (nor any progress) in time.
    FirstByte,
    /// Bytes stopped arriving.
    Stalled,
    /// A host that reports no progress: no completion in time.
    Completion,
}

twin_enum!(DeadlineKind, CoreDeadline, [FirstByte, Stalled, Completion]);

/// Why a rendition was chosen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QualityWhy {
    /// The ABR's reason.
    pub reason: Reason,
    /// The bitrate before, bits per second (none at the start).
    pub from_bps: Option<u64>,
    /// The bitrate chosen, bits per second.
    pub to_bps: u64,
    /// The throughput estimate the decision used, bits per second.
    pub estimate_bps: Option<u64>,
    /// The buffer the decision saw, ms.
    pub buffer_ms: u64,
}

/// Why a transfer was abandoned for a lower rendition.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AbandonWhy {
    /// Bytes received when it was abandoned.
    pub received_bytes: u64,
    /// Bytes it was expected to have.
    pub expected_bytes: u64,
    /// Time since it was sent, ms.
    pub elapsed_ms: u64,
    /// The buffer left, ms.
    pub buffer_ms: u64,
    /// The bitrate abandoned, bits per second.
    pub from_bps: u64,
    /// The bitrate of the refetch, bits per second.
    pub to_bps: u64,
}

/// A request missed a deadline.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeadlineWhy {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// The edge it was sent to.
    pub edge: String,
    /// How long the agent waited, ms.
    pub waited_ms: u64,
}

/// Why an edge was chosen, with the figures the choice was made on.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EdgeWhy {
    /// The selector's reason.
    pub reason: EdgeReason,
    /// The edge left, when this is a switch.
    pub from: Option<String>,
    /// The edge chosen.
    pub to: String,
    /// Expected time to fetch the next segment there, ms.
    pub expected_ms: u64,
    /// Expected time on the edge left, ms (switches only).
    pub expected_from_ms: Option<u64>,
    /// The throughput estimate for the chosen edge, bits per second.
    pub throughput_bps: u64,
    /// Whether that estimate is measured (false: a prior).
    pub measured: bool,
    /// How the request on the edge left failed, when it did.
    pub failure: Option<Failure>,
}

/// An explanation: each part that applies, and the sentence made from them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Why {
    /// The request missed a deadline (it comes first: it caused the rest).
    pub deadline: Option<DeadlineWhy>,
    /// The transfer was abandoned.
    pub abandon: Option<AbandonWhy>,
    /// The edge changed.
    pub edge: Option<EdgeWhy>,
    /// The rendition changed.
    pub quality: Option<QualityWhy>,
    /// The explanation as one line of text (bitrates in Mb/s, times in seconds).
    pub text: String,
}

impl From<core::Why> for Why {
    fn from(w: core::Why) -> Self {
        let text = w.to_string();
        Self {
            deadline: w.deadline.map(|d| DeadlineWhy {
                kind: d.kind.into(),
                edge: d.edge,
                waited_ms: d.waited_ms,
            }),
            abandon: w.abandon.map(|a| AbandonWhy {
                received_bytes: a.received_bytes,
                expected_bytes: a.expected_bytes,
                elapsed_ms: a.elapsed_ms,
                buffer_ms: a.buffer_ms,
                from_bps: a.from_bps,
                to_bps: a.to_bps,
            }),
            edge: w.edge.map(|e| EdgeWhy {
                reason: e.reason.into(),
                from: e.from,
                to: e.to,
                expected_ms: e.expected_ms,
                expected_from_ms: e.expected_from_ms,
                throughput_bps: e.throughput_bps,
                measured: e.measured,
                failure: e.failure.map(Into::into),
            }),
            quality: w.quality.map(|q| QualityWhy {
                reason: q.reason.into(),
                from_bps: q.from_bps,
                to_bps: q.to_bps,
                estimate_bps: q.estimate_bps,
                buffer_ms: q.buffer_ms,
            }),
            text,
        }
    }
}

impl From<Why> for core::Why {
    /// The core's form (the `text` is made again from the parts).
    fn from(w: Why) -> Self {
        Self {
            deadline: w.deadline.map(|d| core::DeadlineWhy {
                kind: d.kind.into(),
                edge: d.edge,
                waited_ms: d.waited_ms,
            }),
            abandon: w.abandon.map(|a| core::AbandonWhy {
                received_bytes: a.received_bytes,
                expected_bytes: a.expected_bytes,
                elapsed_ms: a.elapsed_ms,
                buffer_ms: a.buffer_ms,
                from_bps: a.from_bps,
                to_bps: a.to_bps,
            }),
            edge: w.edge.map(|e| core::EdgeWhy {
                reason: e.reason.into(),
                from: e.from,
                to: e.to,
                expected_ms: e.expected_ms,
                expected_from_ms: e.expected_from_ms,
                throughput_bps: e.throughput_bps,
                measured: e.measured,
                failure: e.failure.map(Into::into),
            }),
            quality: w.quality.map(|q| core::QualityWhy {
                reason: q.reason.into(),
                from_bps: q.from_bps,
                to_bps: q.to_bps,
                estimate_bps: q.estimate_bps,
                buffer_ms: q.buffer_ms,
            }),
        }
    }
}

/// CMCD object type (`ot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CmcdObject {
    /// `m`: manifest or playlist.
    Manifest,
    /// `a`: audio only.
    Audio,
    /// `v`: video only.
    Video,
    /// `av`: muxed audio and video.
    Muxed,
    /// `i`: init segment.
    Init,
    /// `c`: caption or subtitle.
    Caption,
    /// `k`: key or licence.
    Key,
    /// `o`: other.
    Other,
}

twin_enum!(
    CmcdObject,
    CoreObject,
    [Manifest, Audio, Video, Muxed, Init, Caption, Key, Other]
);

/// CMCD player state (`sta`, version 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CmcdState {
    /// `s`: starting.
    Starting,
    /// `p`: playing.
    Playing,
    /// `k`: seeking.
    Seeking,
    /// `r`: rebuffering.
    Rebuffering,
    /// `a`: paused.
    Paused,
    /// `e`: ended.
    Ended,
}

twin_enum!(
    CmcdState,
    CoreState,
    [Starting, Playing, Seeking, Rebuffering, Paused, Ended]
);

/// The CMCD keys of one request (CTA-5004 names; absent and false keys are not sent).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Cmcd {
    /// Encoded bitrate of the object, kbps.
    pub br: Option<u64>,
    /// Buffer length, ms.
    pub bl: Option<u64>,
    /// Buffer starvation since the last request.
    pub bs: bool,
    /// Content id.
    pub cid: Option<String>,
    /// Object duration, ms.
    pub d: Option<u64>,
    /// Deadline: ms until the buffer runs dry at the current rate.
    pub dl: Option<u64>,
    /// Measured throughput, kbps.
    pub mtp: Option<u64>,
    /// Next object request: URL relative to this request's.
    pub nor: Option<String>,
    /// Next range request (`start-end`).
    pub nrr: Option<String>,
    /// Object type.
    pub ot: Option<CmcdObject>,
    /// Playback rate (absent at 1).
    pub pr: Option<f64>,
    /// Requested maximum throughput, kbps.
    pub rtp: Option<u64>,
    /// Streaming format token: `h` HLS, `d` DASH.
    pub sf: Option<String>,
    /// Session id.
    pub sid: Option<String>,
    /// Stream type token: `v` VOD, `l` live.
    pub st: Option<String>,
    /// Startup: the object is needed urgently.
    pub su: bool,
    /// Top bitrate of the ladder, kbps.
    pub tb: Option<u64>,
    /// Version (absent at 1).
    pub v: Option<u8>,
    /// Version 2: live latency, ms.
    pub ltc: Option<u64>,
    /// Version 2: request sequence number in the session.
    pub sn: Option<u64>,
    /// Version 2: player state.
    pub sta: Option<CmcdState>,
}

/// The first character of a one-letter token.
fn token(s: Option<String>) -> Option<char> {
    s.and_then(|s| s.chars().next())
}

impl From<core::Cmcd> for Cmcd {
    fn from(c: core::Cmcd) -> Self {
        Self {
            br: c.br,
            bl: c.bl,
            bs: c.bs,
            cid: c.cid,
            d: c.d,
            dl: c.dl,
            mtp: c.mtp,
            nor: c.nor,
            nrr: c.nrr,
            ot: c.ot.map(Into::into),
            pr: c.pr,
            rtp: c.rtp,
            sf: c.sf.map(String::from),
            sid: c.sid,
            st: c.st.map(String::from),
            su: c.su,
            tb: c.tb,
            v: c.v,
            ltc: c.ltc,
            sn: c.sn,
            sta: c.sta.map(Into::into),
        }
    }
}

impl From<Cmcd> for core::Cmcd {
    fn from(c: Cmcd) -> Self {
        Self {
            br: c.br,
            bl: c.bl,
            bs: c.bs,
            cid: c.cid,
            d: c.d,
            dl: c.dl,
            mtp: c.mtp,
            nor: c.nor,
            nrr: c.nrr,
            ot: c.ot.map(Into::into),
            pr: c.pr,
            rtp: c.rtp,
            sf: token(c.sf),
            sid: c.sid,
            st: token(c.st),
            su: c.su,
            tb: c.tb,
            v: c.v,
            ltc: c.ltc,
            sn: c.sn,
            sta: c.sta.map(Into::into),
        }
    }
}
