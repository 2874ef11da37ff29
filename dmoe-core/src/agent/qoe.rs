//! Quality-of-experience metrics of one session, and the telemetry report built from them.

use std::time::Duration;

use serde::Serialize;

use crate::units::{serde_opt_secs, serde_secs};
use crate::{PlaybackState, Timestamp};

/// Traffic of one edge.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
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

/// The session's QoE figures.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Qoe {
    /// From the first input to the first frame (None before it).
    #[serde(with = "serde_opt_secs")]
    pub startup: Option<Duration>,
    /// Stalls after start-up.
    pub rebuffer_count: u32,
    /// Stall time after start-up.
    #[serde(with = "serde_secs")]
    pub rebuffer_time: Duration,
    /// Time spent playing.
    #[serde(with = "serde_secs")]
    pub play_time: Duration,
    /// Average bitrate of the media fetched, weighted by media duration, kbps.
    pub avg_bitrate_kbps: f64,
    /// Rendition switches.
    pub switches: u32,
    /// Sum of the switches' sizes, kbps.
    pub switch_kbps_total: u64,
    /// Frames dropped (as reported by the host).
    pub dropped_frames: u64,
    /// Frames decoded (as reported by the host).
    pub total_frames: u64,
    /// Latest latency to the live edge.
    #[serde(with = "serde_opt_secs")]
    pub latency: Option<Duration>,
    /// Traffic per edge.
    pub edges: Vec<EdgeTraffic>,
    /// Edge switches.
    pub edge_switches: u32,
    /// CMSD headers or manifests that could not be read.
    pub diagnostics: u32,
}

impl Qoe {
    /// Stall time over stall plus play time.
    pub fn rebuffer_ratio(&self) -> f64 {
        let s = self.rebuffer_time.as_secs_f64();
        let p = self.play_time.as_secs_f64();
        if s + p > 0.0 { s / (s + p) } else { 0.0 }
    }
}

/// Follows the playback state to accumulate play, stall and start-up time.
#[derive(Debug, Clone)]
pub(crate) struct Tracker {
    pub(crate) qoe: Qoe,
    session_start: Option<Timestamp>,
    state: PlaybackState,
    since: Timestamp,
    media_s: f64,
    weighted_kbps: f64,
    last_kbps: Option<u64>,
}

impl Tracker {
    pub(crate) fn new() -> Self {
        Self {
            qoe: Qoe::default(),
            session_start: None,
            state: PlaybackState::Starting,
            since: Timestamp::ZERO,
            media_s: 0.0,
            weighted_kbps: 0.0,
            last_kbps: None,
        }
    }

    /// Account for time up to `now` in the current state.
    pub(crate) fn advance(&mut self, now: Timestamp) {
        if self.session_start.is_none() {
            self.session_start = Some(now);
            self.since = now;
        }
        let dt = now.saturating_duration_since(self.since);
        match self.state {
            PlaybackState::Playing => self.qoe.play_time += dt,
            PlaybackState::Stalled if self.qoe.startup.is_some() => {
                self.qoe.rebuffer_time += dt;
            }
            _ => {}
        }
        self.since = now;
    }

    pub(crate) fn on_state(&mut self, now: Timestamp, state: PlaybackState) {
        self.advance(now);
        if state == PlaybackState::Playing && self.qoe.startup.is_none() {
            self.qoe.startup = self.session_start.map(|s| now.saturating_duration_since(s));
        }
        if state == PlaybackState::Stalled
            && self.state != PlaybackState::Stalled
            && self.qoe.startup.is_some()
        {
            self.qoe.rebuffer_count += 1;
        }
        self.state = state;
    }

    pub(crate) fn on_media(&mut self, kbps: u64, duration: Duration) {
        let d = duration.as_secs_f64();
        self.media_s += d;
        self.weighted_kbps += kbps as f64 * d;
        if self.media_s > 0.0 {
            self.qoe.avg_bitrate_kbps = self.weighted_kbps / self.media_s;
        }
        if let Some(prev) = self.last_kbps
            && prev != kbps
        {
            self.qoe.switches += 1;
            self.qoe.switch_kbps_total += prev.abs_diff(kbps);
        }
        self.last_kbps = Some(kbps);
    }

    pub(crate) fn edge(&mut self, name: &str) -> &mut EdgeTraffic {
        let i = match self.qoe.edges.iter().position(|e| e.edge == name) {
            Some(i) => i,
            None => {
                self.qoe.edges.push(EdgeTraffic {
                    edge: name.to_owned(),
                    ..EdgeTraffic::default()
                });
                self.qoe.edges.len() - 1
            }
        };
        &mut self.qoe.edges[i]
    }
}

/// The telemetry report: what the controller learns about a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report<'a> {
    /// Session id (random unless the host set one).
    pub session_id: &'a str,
    /// Content id, if the host gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_id: Option<&'a str>,
    /// Device id, only if the host chose to share one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<&'a str>,
    /// User id, only if the host chose to share one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<&'a str>,
    /// Host time of the report, seconds.
    pub at_s: f64,
    /// Rebuffer ratio.
    pub rebuffer_ratio: f64,
    /// The figures.
    pub qoe: &'a Qoe,
}
