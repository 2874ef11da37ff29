//! Quality-of-experience metrics of one session, the telemetry report built from them, and
//! when reports go out (every interval, and one final report when the session ends).

use std::time::Duration;

use serde::Serialize;

use crate::units::{serde_ms, serde_opt_ms};
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
    /// From the first input to the first frame (None before it; `startup_ms`).
    #[serde(rename = "startup_ms", with = "serde_opt_ms")]
    pub startup: Option<Duration>,
    /// Stalls after start-up.
    pub rebuffer_count: u32,
    /// Stall time after start-up (`rebuffer_ms`).
    #[serde(rename = "rebuffer_ms", with = "serde_ms")]
    pub rebuffer_time: Duration,
    /// Time spent playing (`play_ms`).
    #[serde(rename = "play_ms", with = "serde_ms")]
    pub play_time: Duration,
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
    /// Latest latency to the live edge (`latency_ms`).
    #[serde(rename = "latency_ms", with = "serde_opt_ms")]
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
    weighted_bps: f64,
    last_bps: Option<u64>,
}

impl Tracker {
    pub(crate) fn new() -> Self {
        Self {
            qoe: Qoe::default(),
            session_start: None,
            state: PlaybackState::Starting,
            since: Timestamp::ZERO,
            media_s: 0.0,
            weighted_bps: 0.0,
            last_bps: None,
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
            PlaybackState::Playing => self.qoe.play_time = self.qoe.play_time.saturating_add(dt),
            PlaybackState::Stalled if self.qoe.startup.is_some() => {
                self.qoe.rebuffer_time = self.qoe.rebuffer_time.saturating_add(dt);
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
            self.qoe.rebuffer_count = self.qoe.rebuffer_count.saturating_add(1);
        }
        self.state = state;
    }

    pub(crate) fn on_media(&mut self, bps: u64, duration: Duration) {
        let d = duration.as_secs_f64();
        self.media_s += d;
        self.weighted_bps += bps as f64 * d;
        if self.media_s > 0.0 {
            self.qoe.avg_bitrate_bps = self.weighted_bps / self.media_s;
        }
        if let Some(prev) = self.last_bps
            && prev != bps
        {
            self.qoe.switches = self.qoe.switches.saturating_add(1);
            self.qoe.switch_bps_total =
                self.qoe.switch_bps_total.saturating_add(prev.abs_diff(bps));
        }
        self.last_bps = Some(bps);
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
    /// Host time of the report, ms.
    pub at_ms: f64,
    /// Whether this is the session's final report.
    pub last: bool,
    /// Rebuffer ratio.
    pub rebuffer_ratio: f64,
    /// The figures.
    pub qoe: &'a Qoe,
}

/// The QoE tracker and the report schedule of a session.
#[derive(Debug, Clone)]
pub(crate) struct Telemetry {
    pub(crate) tracker: Tracker,
    next_at: Option<Timestamp>,
    final_sent: bool,
}

impl Telemetry {
    pub(crate) fn new() -> Self {
        Self {
            tracker: Tracker::new(),
            next_at: None,
            final_sent: false,
        }
    }

    /// Start the schedule (when a presentation is in), unless it runs already.
    pub(crate) fn start(&mut self, now: Timestamp, cfg: &super::TelemetryConfig) {
        if cfg.enabled && self.next_at.is_none() && !self.final_sent {
            self.next_at = Some(now.saturating_add(cfg.interval));
        }
    }

    /// Whether a periodic report is due at `now` (and reschedule it).
    pub(crate) fn due(&mut self, now: Timestamp, cfg: &super::TelemetryConfig) -> bool {
        if !cfg.enabled || self.final_sent || self.next_at.is_none_or(|t| now < t) {
            return false;
        }
        self.next_at = Some(now.saturating_add(cfg.interval));
        true
    }

    /// Whether the final report is still to go (and mark it gone).
    pub(crate) fn take_final(&mut self) -> bool {
        if self.final_sent {
            return false;
        }
        self.final_sent = true;
        self.next_at = None;
        true
    }

    /// The session opens again (a seek back after the end): reports resume.
    pub(crate) fn reopen(&mut self, now: Timestamp, cfg: &super::TelemetryConfig) {
        if self.final_sent {
            self.final_sent = false;
            self.start(now, cfg);
        }
    }

    pub(crate) fn next_at(&self) -> Option<Timestamp> {
        self.next_at
    }

    /// The report at `now` (the session's latest input; zero before any), as JSON.
    pub(crate) fn report(
        &self,
        now: Option<Timestamp>,
        session_id: &str,
        cfg: &super::Config,
        last: bool,
    ) -> String {
        let mut out = String::new();
        self.report_into(
            &mut out,
            now.unwrap_or(Timestamp::ZERO),
            session_id,
            cfg,
            last,
        );
        out
    }

    /// The report now, into `out` (replacing its contents).
    pub(crate) fn report_into(
        &self,
        out: &mut String,
        now: Timestamp,
        session_id: &str,
        cfg: &super::Config,
        last: bool,
    ) {
        let t = &cfg.telemetry;
        let r = Report {
            session_id,
            content_id: cfg.cmcd.content_id.as_deref(),
            device_id: t.device_id.as_deref(),
            user_id: t.user_id.as_deref(),
            at_ms: crate::units::micros_to_ms(now.as_micros()),
            last,
            rebuffer_ratio: self.tracker.qoe.rebuffer_ratio(),
            qoe: &self.tracker.qoe,
        };
        let mut bytes = std::mem::take(out).into_bytes();
        bytes.clear();
        // Invariant: the report holds only strings and numbers; writing to a Vec cannot fail.
        serde_json::to_writer(&mut bytes, &r).expect("serializable report");
        // Invariant: serde_json writes UTF-8.
        *out = String::from_utf8(bytes).expect("UTF-8 JSON");
    }
}
