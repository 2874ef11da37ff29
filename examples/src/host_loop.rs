//! A complete host loop in Rust: a simulated player that streams a four-rung HLS
//! presentation over a link whose throughput follows a schedule, driving the agent as a
//! real player does.
//!
//! What a host owes the agent, each in one place below:
//!
//! - **Mutate once, then drain.** Every input is followed by draining `poll_output_into`
//!   (outputs reuse their buffers through the slot).
//! - **Timeouts.** An [`Output::Timeout`] replaces the previous one; the host calls back
//!   with [`Event::Tick`] at that time if nothing else happened first. The agent's deadlines
//!   (first byte, stalled transfers) and its telemetry run on these.
//! - **Progress.** [`Event::RequestProgress`] every 250 ms lets the agent abandon a
//!   transfer that would starve the buffer, and notice one that stalled.
//! - **Playback and buffer.** The QoE figures come from [`Event::Playback`] (start-up, play
//!   time, stalls) and the buffer-based ABR from [`Event::Buffer`]: a host that reports
//!   neither gets throughput-only decisions and a report of zeros.
//! - **Abandon and cancel.** On [`Output::Abandon`] the host drops the transfer (and says
//!   nothing about it: the agent already knows) and fetches the replacement; on
//!   [`Output::Cancel`] it only drops it.
//! - **Errors.** A refused input is an [`AgentError`](dmoe_core::agent::AgentError) that
//!   changed nothing and queued nothing: log it and go on.
//! - **The end.** [`Output::End`] follows the final telemetry report; no timeout comes
//!   after it.

use std::time::Duration;

use dmoe_core::agent::{Agent, Config, Event, Input, ObjectKind, Output, Qoe, RequestId};
use dmoe_core::{MediaType, PlaybackState, Timestamp};

/// Segments in the presentation.
pub const SEGMENTS: usize = 30;
const SEGMENT_MS: u64 = 4000;
const RTT_MS: u64 = 50;
const PROGRESS_MS: u64 = 250;

const MASTER: &str = "#EXTM3U\n\
#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=480x270\nlow/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=960x540\nmid/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\nhigh/index.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=4500000,RESOLUTION=1920x1080\ntop/index.m3u8\n";

fn media_playlist() -> String {
    let mut s = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n");
    for i in 0..SEGMENTS {
        s.push_str(&format!("#EXTINF:4.0,\nseg{i}.m4s\n"));
    }
    s + "#EXT-X-ENDLIST\n"
}

/// The link: throughput in bits per second at a time in ms.
pub type Link = fn(u64) -> f64;

/// 6 Mb/s, with a dip to 0.8 Mb/s from 20 s to 45 s.
pub fn dipping_link(ms: u64) -> f64 {
    if (20_000..45_000).contains(&ms) {
        800_000.0
    } else {
        6_000_000.0
    }
}

/// What the session came to.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Media segments played.
    pub segments: usize,
    /// Transfers the agent abandoned.
    pub abandons: u32,
    /// Telemetry reports marked final.
    pub final_reports: u32,
    /// Whether `Output::End` came.
    pub ended: bool,
    /// Outputs after `End`, and timeouts or reports after a later tick (should be 0).
    pub after_end: u32,
    /// Inputs the agent refused (should be 0 for this host).
    pub refused: u32,
    /// The agent's QoE figures.
    pub qoe: Qoe,
}

#[derive(Debug, Clone)]
struct Transfer {
    id: RequestId,
    bytes: u64,
    received: f64,
    sent_ms: u64,
    duration: Duration,
    media: bool,
}

/// The player's side of the session.
struct Player {
    agent: Agent,
    slot: Option<Output>,
    now: u64,
    link: Link,
    buffer_ms: u64,
    playing: bool,
    stalled: bool,
    timeout: Option<u64>,
    next: Option<Transfer>,
    current: Option<Transfer>,
    playlist: Option<u32>,
    summary: Summary,
}

impl Player {
    /// One input, then every output it produced.
    fn give(&mut self, event: Event) {
        if let Err(e) = self
            .agent
            .handle_input(Input::new(Timestamp::from_millis(self.now), event))
        {
            // Nothing changed and nothing is queued: note it and go on.
            eprintln!("refused: {e}");
            self.summary.refused += 1;
        }
        while self.agent.poll_output_into(&mut self.slot) {
            let Some(out) = self.slot.as_ref() else { break };
            if self.summary.ended {
                self.summary.after_end += 1;
            }
            match out {
                Output::Fetch(f) => self.next = Some(transfer(f)),
                Output::Abandon { id, refetch, .. } => {
                    if self.current.as_ref().is_some_and(|c| c.id == *id) {
                        self.current = None;
                    }
                    self.summary.abandons += 1;
                    self.next = Some(transfer(refetch));
                }
                Output::Cancel { id } if self.current.as_ref().is_some_and(|c| c.id == *id) => {
                    self.current = None;
                }
                Output::LoadPlaylist {
                    rendition,
                    prefetch: false,
                    ..
                } => self.playlist = Some(rendition.0),
                Output::Timeout { at } => self.timeout = Some(at.as_micros() / 1000),
                // A real player posts each report's JSON to its analytics endpoint.
                Output::Telemetry { last: true, .. } => self.summary.final_reports += 1,
                Output::End => {
                    self.summary.ended = true;
                    self.timeout = None;
                }
                // Probes, steering, manifest reloads and rates do not arise here.
                _ => {}
            }
        }
    }

    /// Play media from now to `to`; an empty buffer before the end is a stall.
    fn play_until(&mut self, to: u64) {
        if self.playing && !self.stalled {
            let elapsed = to - self.now;
            if elapsed >= self.buffer_ms && self.summary.segments < SEGMENTS {
                self.now += self.buffer_ms;
                self.buffer_ms = 0;
                self.stalled = true;
                self.give(Event::Playback {
                    state: PlaybackState::Stalled,
                    rate: 1.0,
                });
            } else {
                self.buffer_ms = self.buffer_ms.saturating_sub(elapsed);
            }
        }
        self.now = to;
    }

    fn step(&mut self) -> bool {
        if let Some(r) = self.playlist.take() {
            let to = self.now + RTT_MS;
            self.play_until(to);
            self.give(Event::PlaylistLoaded {
                rendition: dmoe_core::RenditionId(r),
                body: media_playlist(),
            });
            return true;
        }
        if self.current.is_none()
            && let Some(mut t) = self.next.take()
        {
            t.sent_ms = self.now;
            let id = t.id;
            self.current = Some(t);
            self.give(Event::RequestStarted { id });
            return true;
        }
        // The next thing to happen: a progress report (or the transfer's end), or the
        // agent's timeout, or, with everything fetched, the end of the media.
        let next = match (&self.current, self.timeout) {
            (Some(_), Some(w)) if w > self.now => (self.now + PROGRESS_MS).min(w),
            (Some(_), _) => self.now + PROGRESS_MS,
            (None, Some(w)) if w > self.now => w,
            (None, _) => {
                if self.summary.segments < SEGMENTS || !self.playing {
                    return false;
                }
                let end = self.now + self.buffer_ms;
                self.play_until(end);
                self.give(Event::Playback {
                    state: PlaybackState::Ended,
                    rate: 1.0,
                });
                return !self.summary.ended;
            }
        };
        if let Some(t) = self.current.as_mut() {
            let from = self.now.max(t.sent_ms + RTT_MS);
            let mut ms = from;
            while ms < next {
                t.received += (self.link)(ms) / 8.0 * 0.01;
                ms += 10;
            }
        }
        self.play_until(next);
        match self.current.take() {
            Some(t) if t.received >= t.bytes as f64 => {
                self.give(Event::RequestCompleted {
                    id: t.id,
                    bytes: t.bytes,
                    ttfb: Duration::from_millis(RTT_MS),
                    cmsd_static: None,
                    cmsd_dynamic: None,
                });
                if t.media {
                    self.buffer_ms += t.duration.as_millis() as u64;
                    self.summary.segments += 1;
                }
                self.give(Event::Buffer {
                    media: MediaType::Video,
                    level: Duration::from_millis(self.buffer_ms),
                });
                if (!self.playing || self.stalled) && self.buffer_ms >= SEGMENT_MS {
                    self.playing = true;
                    self.stalled = false;
                    self.give(Event::Playback {
                        state: PlaybackState::Playing,
                        rate: 1.0,
                    });
                }
            }
            Some(t) => {
                let (id, bytes) = (t.id, t.received as u64);
                self.current = Some(t);
                self.give(Event::RequestProgress { id, bytes });
            }
            None => {
                if self.timeout == Some(self.now) {
                    self.timeout = None;
                    self.give(Event::Tick);
                }
            }
        }
        true
    }
}

fn transfer(f: &dmoe_core::agent::Fetch) -> Transfer {
    // A real player learns the size from the response; the simulation derives it from
    // the rendition's bitrate.
    let bytes = match f.byte_range {
        Some(r) => r.length,
        None => (f.bitrate_bps as u128 * f.duration.as_micros() / 8_000_000) as u64,
    };
    Transfer {
        id: f.id,
        bytes: bytes.max(1000),
        received: 0.0,
        sent_ms: 0,
        duration: f.duration,
        media: f.kind == ObjectKind::Media,
    }
}

/// Play the presentation over `link` with an agent made from `config` (give it a `seed`
/// for a repeatable session, or let `dmoe_abr::agent` draw one).
pub fn play(config: Config, link: Link) -> Result<Summary, dmoe_core::agent::ConfigError> {
    let agent = dmoe_abr::agent(config)?;
    let qoe = agent.qoe().clone();
    let mut p = Player {
        agent,
        slot: None,
        now: 0,
        link,
        buffer_ms: 0,
        playing: false,
        stalled: false,
        timeout: None,
        next: None,
        current: None,
        playlist: None,
        summary: Summary {
            segments: 0,
            abandons: 0,
            final_reports: 0,
            ended: false,
            after_end: 0,
            refused: 0,
            qoe,
        },
    };
    p.give(Event::ManifestLoaded {
        url: "https://cdn.example/show/master.m3u8".into(),
        body: MASTER.into(),
    });
    for _ in 0..1_000_000 {
        if !p.step() {
            break;
        }
    }
    // After the end nothing more is asked for: a later tick brings no timeout or report.
    p.now += 60_000;
    let reports = p.summary.final_reports;
    p.give(Event::Tick);
    if p.timeout.is_some() || p.summary.final_reports != reports {
        p.summary.after_end += 1;
    }
    p.summary.qoe = p.agent.qoe().clone();
    Ok(p.summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_plays_through_the_dip_and_ends_cleanly() {
        let s = play(
            Config {
                seed: Some(1),
                ..Config::default()
            },
            dipping_link,
        )
        .unwrap();
        assert_eq!(s.segments, SEGMENTS);
        assert!(s.ended);
        assert_eq!(s.final_reports, 1);
        assert_eq!(s.after_end, 0);
        assert_eq!(s.refused, 0);
        assert_eq!(s.qoe.rebuffer_count, 0, "{s:?}");
        assert!(s.qoe.startup.is_some());
        assert!(
            s.qoe.switches >= 2,
            "the dip moves the rendition down and back: {s:?}"
        );
    }
}
