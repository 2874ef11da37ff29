//! The play head as the session knows it: buffer levels per media type (drained while
//! playing, refilled as segments arrive, corrected whenever the host reports them),
//! playback state and rate, position and live latency, and the CMCD flags that follow
//! from them (`su`: the next object is urgent; `bs`: the buffer ran dry since the last
//! request). Shared by the [`Agent`](super::Agent) and the [`Advisor`](super::Advisor).

use std::time::Duration;

use crate::{MediaType, PlaybackState, Timestamp};

#[derive(Debug, Clone)]
pub(crate) struct Playhead {
    video: Option<Duration>,
    audio: Option<Duration>,
    /// When the levels were last brought up to date.
    at: Timestamp,
    pub(crate) state: PlaybackState,
    pub(crate) rate: f64,
    pub(crate) latency: Option<Duration>,
    pub(crate) position: Option<Duration>,
    /// The buffer ran dry since the last media request.
    pub(crate) starved: bool,
    /// The next object is needed urgently (start-up, seek, stall).
    pub(crate) urgent: bool,
}

impl Playhead {
    pub(crate) fn new() -> Self {
        Self {
            video: None,
            audio: None,
            at: Timestamp::ZERO,
            state: PlaybackState::Starting,
            rate: 1.0,
            latency: None,
            position: None,
            starved: false,
            urgent: true,
        }
    }

    /// Drain the buffers for the time played since the last update.
    pub(crate) fn advance(&mut self, now: Timestamp) {
        if self.state == PlaybackState::Playing {
            let elapsed = now.saturating_duration_since(self.at);
            let drained = crate::units::secs_saturating(elapsed.as_secs_f64() * self.rate);
            for b in [&mut self.video, &mut self.audio].into_iter().flatten() {
                *b = b.saturating_sub(drained);
            }
        }
        self.at = now;
    }

    /// Media buffered ahead: the shorter of the media types reported.
    pub(crate) fn buffer(&self) -> Duration {
        match (self.video, self.audio) {
            (Some(v), Some(a)) => v.min(a),
            (Some(v), None) => v,
            (None, Some(a)) => a,
            (None, None) => Duration::ZERO,
        }
    }

    /// How long until the buffer runs dry at the current rate (None when not draining).
    pub(crate) fn time_to_dry(&self) -> Option<Duration> {
        (self.state == PlaybackState::Playing && self.rate > 0.0)
            .then(|| crate::units::secs_saturating(self.buffer().as_secs_f64() / self.rate))
    }

    /// The host's report of a buffer level. `started`: playback began at some point (a
    /// dry buffer then means starvation).
    pub(crate) fn on_buffer(&mut self, media: MediaType, level: Duration, started: bool) {
        match media {
            MediaType::Audio => self.audio = Some(level),
            _ => self.video = Some(level),
        }
        if level.is_zero() && started {
            self.starved = true;
        }
    }

    pub(crate) fn on_playback(&mut self, state: PlaybackState, rate: f64) {
        if matches!(state, PlaybackState::Stalled | PlaybackState::Seeking) {
            self.starved |= state == PlaybackState::Stalled;
            self.urgent = true;
        }
        if state == PlaybackState::Playing {
            self.urgent = false;
        }
        self.state = state;
        self.rate = rate;
    }

    pub(crate) fn on_seek(&mut self, position: Duration) {
        self.video = Some(Duration::ZERO);
        self.audio = self.audio.map(|_| Duration::ZERO);
        self.position = Some(position);
        self.urgent = true;
    }

    /// A media segment of `duration` arrived: until the host says otherwise, it is in the
    /// buffer.
    pub(crate) fn add_media(&mut self, duration: Duration) {
        if let Some(a) = &mut self.audio {
            *a = a.saturating_add(duration);
        }
        self.video = Some(
            self.video
                .unwrap_or(Duration::ZERO)
                .saturating_add(duration),
        );
        self.starved = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_rates_and_levels_saturate() {
        let mut p = Playhead::new();
        p.on_buffer(MediaType::Video, Duration::from_secs(86_400), false);
        p.on_playback(PlaybackState::Playing, 1e-300);
        p.advance(Timestamp(u64::MAX));
        assert_eq!(p.buffer(), Duration::from_secs(86_400));
        // Dry only after an absurdly long time, without a panic.
        assert!(p.time_to_dry().is_some());
        p.add_media(Duration::MAX);
        assert_eq!(p.buffer(), Duration::MAX);
        p.on_playback(PlaybackState::Playing, 16.0);
        p.advance(Timestamp(u64::MAX));
        assert_eq!(p.buffer(), Duration::MAX);
    }
}
