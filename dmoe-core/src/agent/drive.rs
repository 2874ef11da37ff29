//! After each input: deadlines, steering, live refreshes, telemetry, the end of the
//! session, the next fetch (edge, then rendition) or a probe, and when to be called back.

use std::time::Duration;

use super::Agent;
use super::decide::why_of;
use super::events::frame;
use super::io::Output;
use super::why::Why;
use crate::edge::{EdgeId, FetchPlan};
use crate::{PlaybackState, Timestamp};

/// While the ABR still prepares (a planning table solved in slices), the agent asks to be
/// called back this soon, so the work is done in small steps early in the session.
const PREPARE_TICK: Duration = Duration::from_millis(10);

/// Segments buffered, at least, before the agent asks for a probe.
const PROBE_BUFFER_SEGMENTS: u32 = 2;

impl Agent {
    pub(super) fn drive(&mut self, now: Timestamp) {
        if self.source.presentation.is_none() || self.over {
            return;
        }
        if let Some(kind) = self.requests.missed(now) {
            self.on_deadline(now, kind);
        }
        if self.requests.probe_missed(now) {
            self.on_probe_deadline(now);
        }
        if let Some(url) = self.edges.poll_steering(now) {
            self.out.push(Output::LoadSteering { url });
        }
        // Live DASH manifest refresh.
        if self.source.manifest_refresh_at.is_some_and(|t| now >= t)
            && let Some(url) = self.source.manifest_url.clone()
        {
            self.source.manifest_refresh_at = None;
            self.out.push(Output::LoadManifest { url });
        }
        self.refresh_playlist(now);
        if self.telemetry.due(now, &self.cfg.telemetry) {
            self.push_report(now, false);
        }
        if self.ends(now) {
            return;
        }
        self.maybe_probe(now);
        let wake = self.fetch_or_wait(now);
        self.prepare_abr(now);
        let candidates = [
            self.edges.steering_at(),
            self.source.manifest_refresh_at,
            self.source.refresh_at.map(|r| r.1),
            self.telemetry.next_at(),
            wake,
            self.hold_until,
            self.requests.deadline(),
            self.preparing.then(|| now.saturating_add(PREPARE_TICK)),
        ];
        let next = candidates.into_iter().flatten().filter(|t| *t > now).min();
        self.announce_timeout(now, next);
    }

    /// Say when to be called back, when that changed (a timeout replaces the previous
    /// one, which stands until then).
    fn announce_timeout(&mut self, now: Timestamp, next: Option<Timestamp>) {
        if let Some(at) = next
            && self.last_timeout.is_none_or(|t| t != at || t <= now)
        {
            self.last_timeout = Some(at);
            self.out.push(Output::Timeout { at });
        }
    }

    fn push_report(&mut self, now: Timestamp, last: bool) {
        let mut json = self.out.take_buf();
        self.telemetry
            .report_into(&mut json, now, &self.session_id, &self.cfg, last);
        self.out.push(Output::Telemetry { json, last });
    }

    /// A live HLS playlist refresh that is due.
    fn refresh_playlist(&mut self, now: Timestamp) {
        if self.source.refreshing.is_some() {
            return;
        }
        let Some((rid, at)) = self.source.refresh_at else {
            return;
        };
        if now < at {
            return;
        }
        self.source.refresh_at = None;
        let edge = self.edges.current().unwrap_or(EdgeId(0));
        let Some(uri) = self
            .source
            .presentation
            .as_ref()
            .and_then(|p| p.renditions.get(rid.0 as usize))
            .and_then(|r| r.uri.clone())
            .or_else(|| self.source.manifest_url.clone())
        else {
            return;
        };
        let mut url = String::new();
        self.source
            .write_url_on_edge(rid, &uri, edge, self.edges.selector.as_ref(), &mut url);
        self.source.live_params(rid, &mut url);
        self.source.refreshing = Some(rid);
        self.out.push(Output::LoadPlaylist {
            rendition: rid,
            url,
            prefetch: false,
        });
    }

    /// The end of the session: the host said playback ended, or a VOD whose every segment
    /// was fetched has played out (the buffer model ran dry while playing). One final
    /// report, then [`Output::End`]; no timeout after it.
    fn ends(&mut self, now: Timestamp) -> bool {
        let ended = self.playhead.state == PlaybackState::Ended;
        let played_out = !self.source.is_live()
            && self.source.fetched_all
            && self.requests.current.is_none()
            && self.playhead.state == PlaybackState::Playing
            && self.playhead.buffer().is_zero();
        if !(ended || played_out) {
            return false;
        }
        if self.telemetry.take_final() && self.cfg.telemetry.enabled {
            self.push_report(now, true);
        }
        self.requests.forget_probe();
        self.over = true;
        self.out.push(Output::End);
        true
    }

    /// Fetch when the buffer has room (or probe an edge while it has none); the time to
    /// look again otherwise.
    fn fetch_or_wait(&mut self, now: Timestamp) -> Option<Timestamp> {
        if self.requests.current.is_some()
            || self.requests.probe.is_some()
            || self.source.pending_playlist.is_some()
            || self.hold_until.is_some_and(|t| now < t)
        {
            return None;
        }
        let seg = self.source.segment_duration();
        let buffer = self.playhead.buffer();
        if !self.source.fetched_all && buffer.saturating_add(seg) <= self.cfg.max_buffer {
            self.try_fetch(now);
            return None;
        }
        let dry = self.playhead.time_to_dry()?;
        if self.source.fetched_all {
            // Look again when the buffer should have played out (the end).
            return Some(now.saturating_add(dry.max(Duration::from_millis(50))));
        }
        let excess = buffer
            .saturating_add(seg)
            .saturating_sub(self.cfg.max_buffer);
        let wait = crate::units::secs_saturating(excess.as_secs_f64() / self.playhead.rate);
        Some(now.saturating_add(wait.max(Duration::from_millis(50))))
    }

    /// Measure another edge (a small ranged request) while playback is comfortable:
    /// playing with at least [`PROBE_BUFFER_SEGMENTS`] segments buffered. A probe goes
    /// *between* media requests, never beside one (on a shared link it would halve the
    /// media transfer's rate and its own measurement), and the next media request waits
    /// for it. The selector rations probes (one per interval, only edges whose
    /// measurements are stale); they are what lets the session come back to an edge that
    /// recovered. A probe needs a segment URL on that edge: when its list is not in yet,
    /// the list is loaded first (a `LoadPlaylist` marked `prefetch`), and the probe
    /// follows once it is.
    fn maybe_probe(&mut self, now: Timestamp) {
        let seg = self.source.segment_duration();
        // A probe the selector needs before it moves may go with a thinner buffer.
        let urgent = self
            .edges
            .selector
            .as_ref()
            .is_some_and(crate::edge::EdgeSelector::probe_is_urgent);
        let needed = if urgent { 1 } else { PROBE_BUFFER_SEGMENTS };
        if self.requests.probe.is_some()
            || self.requests.current.is_some()
            || self.hold_until.is_some_and(|t| now < t)
            || self.source.fetched_all
            || self.playhead.state != PlaybackState::Playing
            || self.playhead.buffer() < seg.saturating_mul(needed)
        {
            return;
        }
        let Some(p) = self
            .edges
            .selector
            .as_ref()
            .and_then(|s| s.probe_candidate(now))
        else {
            return;
        };
        let rung = self.decider.prev_rung.unwrap_or(0);
        let Some(rid) = self
            .source
            .rendition_for(rung, p.edge, self.edges.selector.as_ref())
        else {
            return;
        };
        if !self.source.listed(Some(rid)) {
            if self.source.prefetching.is_none() && self.source.pending_playlist.is_none() {
                self.prefetch(rid, p.edge);
            }
            return;
        }
        if let Some(o) = self.build_probe(now, p.edge, p.bytes) {
            if let Some(s) = self.edges.selector.as_mut() {
                s.on_probe(now, p.edge);
            }
            self.out.push(o);
        }
    }

    /// Load `rid`'s list on `edge` ahead of need.
    fn prefetch(&mut self, rid: crate::RenditionId, edge: EdgeId) {
        let Some(uri) = self
            .source
            .presentation
            .as_ref()
            .and_then(|p| p.renditions.get(rid.0 as usize))
            .and_then(|r| r.uri.clone())
        else {
            return;
        };
        let mut url = String::new();
        self.source
            .write_url_on_edge(rid, &uri, edge, self.edges.selector.as_ref(), &mut url);
        self.source.prefetching = Some(rid);
        self.out.push(Output::LoadPlaylist {
            rendition: rid,
            url,
            prefetch: true,
        });
    }

    /// A slice of the ABR's preparation for the current ladder.
    fn prepare_abr(&mut self, now: Timestamp) {
        if !self.preparing {
            return;
        }
        let Some(ladder) = self.source.ladder.take() else {
            return;
        };
        let more = self.decider.prepare(now, &frame!(self, &ladder));
        self.source.ladder = Some(ladder);
        self.preparing = more;
    }

    fn try_fetch(&mut self, now: Timestamp) {
        // Borrowed out and put back: no clone of the ladder per decision.
        let Some(ladder) = self.source.ladder.take() else {
            return;
        };
        // A pin names an edge of the selector it was made with.
        let edges = self.edges.len();
        let chosen = match self.pinned.take().filter(|p| (p.1.0 as usize) < edges) {
            // Its explanation went out with the init section or playlist request.
            Some((rung, edge)) => Some((rung.min(ladder.len() - 1), edge, None)),
            None => self.choose(now, &ladder),
        };
        self.source.ladder = Some(ladder);
        let Some((rung, edge, why)) = chosen else {
            return;
        };
        let Some(rid) = self
            .source
            .rendition_for(rung, edge, self.edges.selector.as_ref())
        else {
            return;
        };
        // The playlist must be loaded before its segments can be named.
        let number = if self.source.listed(Some(rid)) {
            let target = self.cfg.target_latency;
            self.source.next_in(rid, target)
        } else {
            Some(0)
        };
        let Some(number) = number else {
            return;
        };
        if let Some(o) = self.build_fetch(now, rung, edge, number, why) {
            self.pin_unless_media(&o, rung, edge);
            self.out.push(o);
        }
    }

    /// Edge and rung of the next segment, with the explanation when either changes.
    fn choose(
        &mut self,
        now: Timestamp,
        ladder: &crate::Ladder,
    ) -> Option<(usize, EdgeId, Option<Why>)> {
        let seg = self.source.segment_duration();
        let plan_rung = self.decider.prev_rung.unwrap_or(0);
        let plan = FetchPlan {
            bytes: (ladder.bps(plan_rung) * seg.as_secs_f64() / 8.0) as u64,
            budget: seg,
        };
        let choice = self.edges.select(now, &plan)?;
        let mut why_edge = None;
        if choice.switched() {
            why_edge = Some(self.edges.why(&choice, None));
            self.telemetry.tracker.qoe.edge_switches =
                self.telemetry.tracker.qoe.edge_switches.saturating_add(1);
            let est = self.edges.path_estimate(now, &choice);
            self.decider.on_path_change(now, &est);
        }
        match self.source.next_number {
            Some(n) => self.fill_sizes(ladder, n, Some(choice.edge)),
            None => self.decider.clear_sizes(),
        }
        let c = self.decider.choose(now, &frame!(self, ladder));
        if let Some(rate) = c.rate {
            self.out.push(Output::SetPlaybackRate { rate });
        }
        let why = match (why_edge, why_of(c.why)) {
            (None, None) => None,
            (e, q) => Some(Why {
                edge: e,
                quality: q.and_then(|w| w.quality),
                ..Why::default()
            }),
        };
        Some((c.rung, choice.edge, why))
    }
}
