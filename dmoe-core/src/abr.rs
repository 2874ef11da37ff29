//! The ABR vocabulary: the ladder an ABR chooses from, the samples and context it sees, the
//! decision it returns with its explanation, and the [`AbrController`] trait that every
//! algorithm implements (the shape of quinn-proto's `congestion::Controller`).
//!
//! Implementations live in `dmoe-abr`; the agent picks one when it is built.

use std::time::Duration;

use crate::model::{Presentation, Resolution, VariantId};
use crate::units::{Bitrate, ByteCount, Timestamp};

/// One choice of the ladder.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Rung {
    /// Nominal bitrate (HLS `AVERAGE-BANDWIDTH` when known, else `BANDWIDTH`; DASH
    /// `@bandwidth`).
    pub bitrate: Bitrate,
    /// Peak bitrate (HLS `BANDWIDTH`).
    pub peak: Bitrate,
    /// Picture size.
    pub resolution: Option<Resolution>,
    /// Frames per second.
    pub frame_rate: Option<f64>,
    /// Codecs.
    pub codecs: Option<String>,
    /// The presentation variant this rung stands for, when built from one.
    pub variant: Option<VariantId>,
}

impl Rung {
    /// A rung known only by its bitrate.
    pub fn from_bitrate(bitrate: Bitrate) -> Self {
        Self {
            bitrate,
            peak: bitrate,
            resolution: None,
            frame_rate: None,
            codecs: None,
            variant: None,
        }
    }
}

/// The rungs an ABR chooses between, sorted by ascending bitrate. Never empty.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Ladder {
    rungs: Vec<Rung>,
}

/// Why a ladder could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LadderError {
    /// No rungs.
    #[error("a ladder needs at least one rung")]
    Empty,
    /// A rung with a zero bitrate.
    #[error("rung {index} has a zero bitrate")]
    ZeroBitrate {
        /// Index of the rung as given.
        index: usize,
    },
    /// More rungs than DMOE handles (64).
    #[error("a ladder has at most 64 rungs, got {count}")]
    TooManyRungs {
        /// Rungs given.
        count: usize,
    },
}

/// Most rungs in a ladder.
pub const MAX_RUNGS: usize = 64;

impl Ladder {
    /// A ladder from rungs in any order; sorted by bitrate (stable for equal bitrates).
    pub fn new(mut rungs: Vec<Rung>) -> Result<Self, LadderError> {
        if rungs.is_empty() {
            return Err(LadderError::Empty);
        }
        if rungs.len() > MAX_RUNGS {
            return Err(LadderError::TooManyRungs { count: rungs.len() });
        }
        if let Some(index) = rungs.iter().position(|r| r.bitrate.bps() == 0) {
            return Err(LadderError::ZeroBitrate { index });
        }
        rungs.sort_by_key(|r| r.bitrate);
        Ok(Self { rungs })
    }

    /// A ladder from bitrates in kbps.
    ///
    /// ```
    /// let l = dmoe_core::Ladder::from_kbps(&[750, 300, 1200])?;
    /// assert_eq!(l.rung(0).bitrate.kbps(), 300);
    /// # Ok::<(), dmoe_core::LadderError>(())
    /// ```
    pub fn from_kbps(kbps: &[u64]) -> Result<Self, LadderError> {
        Self::new(
            kbps.iter()
                .map(|&k| Rung::from_bitrate(Bitrate::from_kbps(k)))
                .collect(),
        )
    }

    /// The ladder of one period's non-trick-play variants.
    pub fn from_presentation(p: &Presentation, period: u32) -> Result<Self, LadderError> {
        let rungs = p
            .variants
            .iter()
            .filter(|v| v.period == period && !v.i_frames_only)
            .map(|v| Rung {
                bitrate: v.average_bandwidth.unwrap_or(v.bandwidth),
                peak: v.bandwidth,
                resolution: v.resolution,
                frame_rate: v.frame_rate,
                codecs: v.codecs.clone(),
                variant: Some(v.id),
            })
            .collect();
        Self::new(rungs)
    }

    /// Number of rungs (at least one).
    pub fn len(&self) -> usize {
        self.rungs.len()
    }

    /// Always false: a ladder has at least one rung.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The rung at `index`; the top rung when out of range.
    pub fn rung(&self, index: usize) -> &Rung {
        &self.rungs[index.min(self.rungs.len() - 1)]
    }

    /// All rungs, ascending.
    pub fn rungs(&self) -> &[Rung] {
        &self.rungs
    }

    /// Bitrate of a rung in bits per second, as f64.
    pub fn bps(&self, index: usize) -> f64 {
        self.rung(index).bitrate.bps() as f64
    }

    /// The highest rung whose bitrate is at most `bps`, or 0.
    pub fn highest_below(&self, bps: f64) -> usize {
        self.rungs
            .iter()
            .rposition(|r| r.bitrate.bps() as f64 <= bps)
            .unwrap_or(0)
    }
}

/// One finished (or abandoned) transfer, as the host measured it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TransferSample {
    /// Bytes received.
    pub bytes: ByteCount,
    /// From request sent to first byte.
    pub ttfb: Duration,
    /// From request sent to last byte.
    pub total: Duration,
    /// Time the server held the request before answering (LL-HLS blocking reload, CMSD
    /// `ht`); excluded from throughput.
    pub server_hold: Duration,
}

impl TransferSample {
    /// Throughput in bits per second over the transfer time (total − TTFB − server hold),
    /// or None when that time is zero.
    pub fn throughput_bps(&self) -> Option<f64> {
        let t = self
            .total
            .saturating_sub(self.ttfb)
            .saturating_sub(self.server_hold);
        let s = t.as_secs_f64();
        (s > 0.0).then(|| self.bytes.0 as f64 * 8.0 / s)
    }
}

/// The player's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
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

/// Limits on which rungs may be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Caps {
    /// Highest bitrate allowed.
    pub max_bitrate: Option<Bitrate>,
    /// Lowest bitrate wanted (still overridden when the buffer is about to run dry).
    pub min_bitrate: Option<Bitrate>,
    /// Tallest picture allowed (player size, Save-Data).
    pub max_height: Option<u32>,
}

impl Caps {
    /// The highest rung index these caps allow in `ladder` (at least 0).
    pub fn top(&self, ladder: &Ladder) -> usize {
        let mut top = ladder.len() - 1;
        while top > 0 {
            let r = ladder.rung(top);
            let over_rate = self.max_bitrate.is_some_and(|m| r.bitrate > m);
            let over_size = match (self.max_height, r.resolution) {
                (Some(h), Some(res)) => res.height > h,
                _ => false,
            };
            if !over_rate && !over_size {
                break;
            }
            top -= 1;
        }
        top
    }

    /// The lowest rung index these caps want (at most `top`).
    pub fn bottom(&self, ladder: &Ladder, top: usize) -> usize {
        match self.min_bitrate {
            Some(m) => ladder
                .rungs()
                .iter()
                .position(|r| r.bitrate >= m)
                .unwrap_or(0)
                .min(top),
            None => 0,
        }
    }
}

/// Low-latency live context.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LiveContext {
    /// Current latency to the live edge.
    pub latency: Duration,
    /// Target latency.
    pub target: Duration,
    /// Allowed playback-rate range for catching up.
    pub min_rate: f64,
    /// Allowed playback-rate range for catching up.
    pub max_rate: f64,
}

/// Everything an ABR sees when choosing the next segment's rung.
#[derive(Debug, Clone, Copy)]
pub struct AbrContext<'a> {
    /// The host's clock.
    pub now: Timestamp,
    /// The ladder.
    pub ladder: &'a Ladder,
    /// Media buffered ahead of the play head.
    pub buffer: Duration,
    /// Largest buffer the player keeps.
    pub max_buffer: Duration,
    /// The rung of the previous segment (None before the first).
    pub previous: Option<usize>,
    /// Nominal segment duration.
    pub segment_duration: Duration,
    /// Byte sizes of the next segments per rung, when known, row-major: the size of the
    /// `k`-th next segment at `rung` is `upcoming_sizes[k * ladder.len() + rung]`. Missing
    /// or zero entries fall back to nominal bitrate × duration.
    pub upcoming_sizes: &'a [u64],
    /// Segments left in the presentation (None: live or unknown).
    pub segments_remaining: Option<u32>,
    /// Playback state.
    pub state: PlaybackState,
    /// Playback rate.
    pub playback_rate: f64,
    /// Caps.
    pub caps: Caps,
    /// Low-latency live context.
    pub live: Option<LiveContext>,
}

impl AbrContext<'_> {
    /// Size in bytes of the `k`-th next segment at `rung`.
    pub fn segment_bytes(&self, k: usize, rung: usize) -> f64 {
        let n = self.ladder.len();
        match self.upcoming_sizes.get(k * n + rung) {
            Some(&b) if b > 0 && rung < n => b as f64,
            _ => self.ladder.bps(rung) * self.segment_duration.as_secs_f64() / 8.0,
        }
    }
}

/// Why a rung was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
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
    /// A fixed rule of a baseline algorithm (its paper's table).
    Rule,
}

/// A rung choice and its explanation.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Decision {
    /// Chosen rung index.
    pub rung: usize,
    /// Why.
    pub reason: Reason,
    /// Throughput estimate used, bits per second.
    pub estimate_bps: Option<f64>,
    /// Buffer level the decision saw.
    pub buffer: Duration,
    /// Suggested playback rate (low-latency live catch-up), when the controller has one.
    pub playback_rate: Option<f64>,
}

/// What is known of a network path the controller moves to.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PathEstimate {
    /// Expected throughput, bits per second.
    pub throughput_bps: Option<f64>,
    /// Expected time to first byte.
    pub ttfb: Option<Duration>,
    /// Whether the throughput was measured on that path (false: a prior, such as the
    /// edge selector's guess for an edge it never used).
    pub measured: bool,
}

impl PathEstimate {
    /// The throughput a controller should start from on the new path, given its own
    /// current estimate: a measured figure as it is; a prior never above the current
    /// estimate (moving to an unmeasured edge is no reason to climb: its first samples
    /// will show a faster path soon enough, while a shared bottleneck would make an
    /// optimistic prior a stall).
    pub fn start_bps(&self, current: Option<f64>) -> Option<f64> {
        let t = self.throughput_bps.filter(|b| b.is_finite() && *b > 0.0);
        if self.measured {
            return t;
        }
        match (t, current.filter(|c| c.is_finite() && *c > 0.0)) {
            (Some(p), Some(c)) => Some(p.min(c)),
            (p, c) => p.or(c),
        }
    }
}

/// Progress of an in-flight segment, for abandonment decisions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InFlight {
    /// Rung being fetched.
    pub rung: usize,
    /// Bytes received so far.
    pub received: ByteCount,
    /// Bytes expected in total.
    pub expected: ByteCount,
    /// Time since the request was sent.
    pub elapsed: Duration,
}

/// An adaptive-bitrate algorithm. Hooks default to doing nothing; `choose` is required.
///
/// Invalid samples (zero or non-finite throughput) are ignored by implementations, never
/// a panic.
pub trait AbrController {
    /// A short stable name (`"hybrid"`, `"robust-mpc"`, ...).
    fn name(&self) -> &'static str;

    /// A segment finished downloading.
    fn on_segment_complete(&mut self, now: Timestamp, sample: &TransferSample) {
        let _ = (now, sample);
    }

    /// Progress of the segment in flight (bytes so far, time so far).
    fn on_progress(&mut self, now: Timestamp, sample: &TransferSample) {
        let _ = (now, sample);
    }

    /// The buffer level changed.
    fn on_buffer(&mut self, now: Timestamp, level: Duration) {
        let _ = (now, level);
    }

    /// The playback state changed.
    fn on_playback(&mut self, now: Timestamp, state: PlaybackState) {
        let _ = (now, state);
    }

    /// Choose the rung of the next segment.
    fn choose(&self, ctx: &AbrContext<'_>) -> Decision;

    /// Whether to abandon the segment in flight; Some(rung) to refetch at that rung.
    fn should_abandon(&self, ctx: &AbrContext<'_>, in_flight: &InFlight) -> Option<usize> {
        let _ = (ctx, in_flight);
        None
    }

    /// Requests now go over another network path (a different CDN edge): throughput
    /// history from the old path no longer predicts the new one. `expected` is what the
    /// caller knows of the new path (the edge selector's estimate), if anything.
    fn on_path_change(&mut self, now: Timestamp, expected: &PathEstimate) {
        let _ = (now, expected);
    }

    /// Do a bounded slice of preparation for decisions in `ctx` (solving a planning table
    /// for the ladder, say), so that no single call does all of it; the agent calls this
    /// once per host input while it returns true. Decisions made before preparation is
    /// complete must still be sound (a controller falls back on a cheaper rule).
    fn prepare(&mut self, ctx: &AbrContext<'_>) -> bool {
        let _ = ctx;
        false
    }

    /// Forget all history (new content, seek to a distant position).
    fn reset(&mut self) {}
}
