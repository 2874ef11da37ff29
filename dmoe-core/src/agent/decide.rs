//! The rendition decision, shared by the [`Agent`](super::Agent) and the
//! [`Advisor`](super::Advisor): the ABR controller, the context it sees (buffer, ladder,
//! caps, the sizes of the next segments), its explanation, abandonment, and the bounded
//! preparation work a controller does between decisions.
//!
//! **Segment sizes.** The controller is told the size of the next segments where a player
//! would know it: the byte range of the segment (HLS `EXT-X-BYTERANGE`, DASH `mediaRange`,
//! sizes the host hands over), else the segment's nominal size (bitrate × its duration)
//! scaled by how the segments already fetched at that rung compared with their nominal
//! size (a ladder that declares peak bitrates delivers smaller segments), else nothing
//! (the controller then uses the nominal size itself).

use std::time::Duration;

use crate::{
    AbrContext, AbrController, Caps, Decision, InFlight, Ladder, LiveContext, PathEstimate,
    PlaybackState, Timestamp, TransferSample,
};

use super::playhead::Playhead;
use super::why::{QualityWhy, Why};

/// Segments ahead whose sizes the controller is told.
pub(crate) const LOOKAHEAD: usize = 5;

/// What a decision sees besides the controller's own history.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame<'a> {
    pub(crate) ladder: &'a Ladder,
    pub(crate) playhead: &'a Playhead,
    pub(crate) max_buffer: Duration,
    pub(crate) segment_duration: Duration,
    pub(crate) remaining: Option<u32>,
    pub(crate) caps: Caps,
    pub(crate) live: Option<LiveContext>,
}

/// A decision and what follows from it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Choice {
    pub(crate) rung: usize,
    /// Why, when the rung changed.
    pub(crate) why: Option<QualityWhy>,
    /// A playback rate to suggest (changed since the last suggestion).
    pub(crate) rate: Option<f64>,
}

pub(crate) struct Decider {
    abr: Box<dyn AbrController + Send>,
    /// The rung of the last media segment fetched.
    pub(crate) prev_rung: Option<usize>,
    suggested_rate: Option<f64>,
    /// Upcoming sizes, row-major (`k * rungs + rung`), refilled before each decision.
    sizes: Vec<u64>,
    /// Per rung: (sum of actual / nominal size, segments) of the media fetched there.
    ratio: Vec<(f64, u32)>,
}

impl std::fmt::Debug for Decider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decider")
            .field("abr", &self.abr.name())
            .field("prev_rung", &self.prev_rung)
            .finish_non_exhaustive()
    }
}

impl Decider {
    pub(crate) fn new(abr: Box<dyn AbrController + Send>) -> Self {
        Self {
            abr,
            prev_rung: None,
            suggested_rate: None,
            sizes: Vec::with_capacity(LOOKAHEAD * 16),
            ratio: Vec::new(),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        self.abr.name()
    }

    /// A new ladder: forget the rung and the size history.
    pub(crate) fn on_ladder(&mut self, rungs: usize) {
        self.prev_rung = None;
        self.ratio.clear();
        self.ratio.resize(rungs, (0.0, 0));
        self.sizes.clear();
    }

    /// The nominal size of a segment of `duration` at `rung`, scaled by what the
    /// segments fetched at that rung measured (None without a measurement).
    fn estimated_size(&self, ladder: &Ladder, rung: usize, duration: Duration) -> Option<u64> {
        let (sum, n) = *self.ratio.get(rung)?;
        (n > 0).then(|| {
            let nominal = ladder.bps(rung) * duration.as_secs_f64() / 8.0;
            (nominal * sum / f64::from(n)).max(1.0) as u64
        })
    }

    /// The upcoming-sizes buffer, lent out to be filled with [`Decider::fill_sizes`] and
    /// given back with [`Decider::put_sizes`] (no allocation once warm).
    pub(crate) fn take_sizes(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.sizes)
    }

    pub(crate) fn put_sizes(&mut self, sizes: Vec<u64>) {
        self.sizes = sizes;
    }

    /// Fill `out` with the upcoming sizes: `known(k, rung)` gives the `k`-th next
    /// segment's byte size at `rung` when the player knows it, with its duration when the
    /// list has it.
    pub(crate) fn fill_sizes(
        &self,
        out: &mut Vec<u64>,
        ladder: &Ladder,
        default_duration: Duration,
        mut known: impl FnMut(usize, usize) -> (Option<u64>, Option<Duration>),
    ) {
        out.clear();
        for k in 0..LOOKAHEAD {
            for r in 0..ladder.len() {
                let (size, duration) = known(k, r);
                let size = size.filter(|s| *s > 0).or_else(|| {
                    self.estimated_size(ladder, r, duration.unwrap_or(default_duration))
                });
                out.push(size.unwrap_or(0));
            }
        }
    }

    /// No sizes known (the controller uses nominal ones).
    pub(crate) fn clear_sizes(&mut self) {
        self.sizes.clear();
    }

    fn context<'a>(&'a self, now: Timestamp, f: &Frame<'a>) -> AbrContext<'a> {
        AbrContext {
            now,
            ladder: f.ladder,
            buffer: f.playhead.buffer(),
            max_buffer: f.max_buffer,
            previous: self.prev_rung.map(|r| r.min(f.ladder.len() - 1)),
            segment_duration: f.segment_duration,
            upcoming_sizes: &self.sizes,
            segments_remaining: f.remaining,
            state: f.playhead.state,
            playback_rate: f.playhead.rate,
            caps: f.caps,
            live: f.live,
        }
    }

    /// Choose the next segment's rung.
    pub(crate) fn choose(&mut self, now: Timestamp, f: &Frame<'_>) -> Choice {
        let ctx = self.context(now, f);
        let d: Decision = self.abr.choose(&ctx);
        let rung = d.rung.min(f.ladder.len() - 1);
        let rate = d
            .playback_rate
            .filter(|r| r.is_finite() && self.suggested_rate.is_none_or(|s| (s - r).abs() > 0.005));
        if let Some(r) = rate {
            self.suggested_rate = Some(r);
        }
        let why = (self.prev_rung != Some(rung)).then(|| QualityWhy {
            reason: d.reason,
            from_bps: self.prev_rung.map(|p| f.ladder.rung(p).bitrate.bps()),
            to_bps: f.ladder.rung(rung).bitrate.bps(),
            estimate_bps: d
                .estimate_bps
                .filter(|e| e.is_finite() && *e >= 0.0)
                .map(|e| e.round() as u64),
            buffer_ms: u64::try_from(d.buffer.as_millis()).unwrap_or(u64::MAX),
        });
        Choice { rung, why, rate }
    }

    /// Whether the transfer in flight should be abandoned for a lower rung.
    pub(crate) fn should_abandon(
        &self,
        now: Timestamp,
        f: &Frame<'_>,
        inflight: &InFlight,
    ) -> Option<usize> {
        let ctx = self.context(now, f);
        self.abr
            .should_abandon(&ctx, inflight)
            .filter(|&r| r < inflight.rung)
    }

    /// A bounded slice of the controller's preparation (see
    /// [`AbrController::prepare`]); true while there is more to do.
    pub(crate) fn prepare(&mut self, now: Timestamp, f: &Frame<'_>) -> bool {
        let ctx = AbrContext {
            now,
            ladder: f.ladder,
            buffer: f.playhead.buffer(),
            max_buffer: f.max_buffer,
            previous: self.prev_rung.map(|r| r.min(f.ladder.len() - 1)),
            segment_duration: f.segment_duration,
            upcoming_sizes: &[],
            segments_remaining: f.remaining,
            state: f.playhead.state,
            playback_rate: f.playhead.rate,
            caps: f.caps,
            live: f.live,
        };
        self.abr.prepare(&ctx)
    }

    pub(crate) fn on_progress(&mut self, now: Timestamp, sample: &TransferSample) {
        self.abr.on_progress(now, sample);
    }

    /// A media segment at `rung` completed: `nominal` is its size at the rung's bitrate.
    pub(crate) fn on_media(
        &mut self,
        now: Timestamp,
        sample: &TransferSample,
        rung: usize,
        nominal: f64,
    ) {
        self.abr.on_segment_complete(now, sample);
        if nominal > 0.0
            && let Some((sum, n)) = self.ratio.get_mut(rung)
        {
            let r = sample.bytes.0 as f64 / nominal;
            if r.is_finite() && r > 0.0 {
                *sum += r.min(10.0);
                *n = n.saturating_add(1);
            }
        }
        self.prev_rung = Some(rung);
    }

    /// Requests go over another path now.
    pub(crate) fn on_path_change(&mut self, now: Timestamp, est: &PathEstimate) {
        self.abr.on_path_change(now, est);
    }

    pub(crate) fn on_buffer(&mut self, now: Timestamp, level: Duration) {
        self.abr.on_buffer(now, level);
    }

    pub(crate) fn on_playback(&mut self, now: Timestamp, state: PlaybackState) {
        self.abr.on_playback(now, state);
    }
}

/// The quality part of an explanation, as a [`Why`].
pub(crate) fn why_of(q: Option<QualityWhy>) -> Option<Why> {
    q.map(Why::quality)
}
