//! Handling the host's facts: manifests and playlists, request outcomes.

use std::time::Duration;

use super::{Agent, AgentError, Failure, ObjectKind, Output, Request, RequestId, RungEntry};
#[cfg(not(feature = "hls"))]
use crate::ManifestError;
use crate::edge::{CmsdDynamic, CmsdStatic, EdgeConfig, EdgeSelector, FetchPlan, SelectorConfig};
#[cfg(feature = "hls")]
use crate::edge::{SteeringClient, SteeringProtocol};
use crate::{
    Bitrate, ByteCount, Ladder, ManifestFormat, PathEstimate, Presentation, PresentationKind,
    RenditionId, Rung, SegmentIndex, Timestamp, TransferSample,
};

impl Agent {
    #[cfg(not(feature = "hls"))]
    pub(super) fn on_manifest(
        &mut self,
        _now: Timestamp,
        _url: String,
        _body: String,
    ) -> Result<(), AgentError> {
        Err(ManifestError::FormatNotBuilt { format: "HLS" }.into())
    }

    #[cfg(feature = "hls")]
    pub(super) fn on_manifest(
        &mut self,
        now: Timestamp,
        url: String,
        body: String,
    ) -> Result<(), AgentError> {
        let opts = self.parse_options(&url);
        let parsed = crate::parse(body.as_bytes(), &opts)?;
        for w in &parsed.warnings {
            let msg = format!("manifest: {w}");
            self.diagnostic(msg);
        }
        if let Some(p) = &mut self.presentation
            && p.format == ManifestFormat::Dash
            && parsed.format == ManifestFormat::Dash
        {
            p.apply_mpd_update(parsed)?;
            self.schedule_manifest_refresh(now);
            return Ok(());
        }
        self.install(now, url, parsed)
    }

    pub(super) fn install(
        &mut self,
        now: Timestamp,
        url: String,
        p: Presentation,
    ) -> Result<(), AgentError> {
        // The ladder: the first period's video variants (audio-only when there is no
        // video), one rung per distinct bitrate; each rung lists its renditions per pathway.
        let mut rungs: Vec<RungEntry> = Vec::new();
        for v in p
            .variants
            .iter()
            .filter(|v| v.period == 0 && !v.i_frames_only)
        {
            let bps = v.average_bandwidth.unwrap_or(v.bandwidth).bps();
            if bps == 0 {
                continue;
            }
            let path = v.pathway.clone().unwrap_or_else(|| ".".into());
            match rungs.iter_mut().find(|(b, _, r)| {
                *b == bps && (r.resolution == v.resolution || r.resolution.is_none())
            }) {
                Some((_, list, _)) => {
                    if !list.iter().any(|(p, _)| *p == path) {
                        list.push((path, v.rendition));
                    }
                }
                None => rungs.push((
                    bps,
                    vec![(path, v.rendition)],
                    Rung {
                        bitrate: Bitrate(bps),
                        peak: v.bandwidth,
                        resolution: v.resolution,
                        frame_rate: v.frame_rate,
                        codecs: v.codecs.clone(),
                        variant: Some(v.id),
                    },
                )),
            }
        }
        if rungs.is_empty() {
            // A lone media playlist: one rung, its bitrate as declared or nominal.
            if let Some(r) = p.renditions.iter().find(|r| r.period == 0) {
                let bps = r
                    .bandwidth
                    .or_else(|| r.segments.segments.iter().find_map(|s| s.bitrate))
                    .map_or(1_000_000, |b| b.bps())
                    .max(1);
                let path = r.pathway.clone().unwrap_or_else(|| ".".into());
                rungs.push((bps, vec![(path, r.id)], Rung::from_bitrate(Bitrate(bps))));
            }
        }
        rungs.sort_by_key(|r| r.0);
        if rungs.is_empty() {
            return Err(AgentError::NothingToPlay);
        }
        let ladder = Ladder::new(rungs.iter().map(|r| r.2.clone()).collect())
            .map_err(|_| AgentError::NothingToPlay)?;
        let mut scfg = SelectorConfig::new(self.session_id.clone());
        scfg.seed = self.cfg.seed;
        scfg.region = self.cfg.region.clone();
        let extra = self
            .cfg
            .edges
            .iter()
            .map(|e| {
                let mut c = EdgeConfig::new(e.pathway.clone()).weight(e.weight);
                if let Some(h) = &e.host {
                    c = c.host(h.clone());
                }
                if let Some(r) = &e.region {
                    c = c.region(r.clone());
                }
                c
            })
            .collect();
        let selector = EdgeSelector::from_presentation(&p, scfg, extra)
            .map_err(|_| AgentError::NothingToPlay)?;
        self.rung_map = rungs.into_iter().map(|r| r.1).collect();
        self.ladder = Some(ladder);
        self.selector = Some(selector);
        #[cfg(feature = "hls")]
        {
            self.steering = p.steering.as_ref().and_then(|s| {
                let proto = if p.format == ManifestFormat::Dash {
                    SteeringProtocol::Dash
                } else {
                    SteeringProtocol::Hls
                };
                SteeringClient::new(&s.server_uri, proto, now).ok()
            });
            if let (Some(c), Some(sel)) = (&self.steering, &mut self.selector)
                && let Some(m) = c.manifest()
            {
                let _ = sel.apply_steering(m);
            }
        }
        // A lone live media playlist is its own refresh target.
        if p.format == ManifestFormat::HlsMedia && p.kind != PresentationKind::Vod {
            if let Some(r) = p.renditions.first().filter(|r| !r.segments.ended) {
                let block = r
                    .segments
                    .server_control
                    .as_ref()
                    .is_some_and(|s| s.can_block_reload);
                let wait = if block {
                    Duration::ZERO
                } else {
                    r.segments.target_duration.unwrap_or(Duration::from_secs(4))
                };
                self.refresh_at_next = Some((r.id, now.saturating_add(wait)));
            }
        }
        self.manifest_url = Some(url);
        self.presentation = Some(p);
        self.next_number = None;
        self.loaded_init = None;
        self.pinned = None;
        self.ended = false;
        self.forget_request();
        self.pending_playlist = None;
        self.refreshing = None;
        self.refresh_at = self.refresh_at_next.take();
        if self.cfg.telemetry.enabled && self.telemetry_at.is_none() {
            self.telemetry_at = Some(now.saturating_add(self.cfg.telemetry.interval));
        }
        self.schedule_manifest_refresh(now);
        Ok(())
    }

    pub(super) fn schedule_manifest_refresh(&mut self, now: Timestamp) {
        let p = self.presentation.as_ref();
        self.manifest_refresh_at = p
            .filter(|p| p.format == ManifestFormat::Dash && p.kind != PresentationKind::Vod)
            .and_then(|p| p.live.as_ref())
            .and_then(|l| l.minimum_update_period)
            .map(|d| now.saturating_add(d.max(Duration::from_millis(500))));
    }

    #[cfg(not(feature = "hls"))]
    pub(super) fn on_playlist(
        &mut self,
        _now: Timestamp,
        _rid: RenditionId,
        _body: &str,
    ) -> Result<(), AgentError> {
        Err(ManifestError::FormatNotBuilt { format: "HLS" }.into())
    }

    #[cfg(feature = "hls")]
    pub(super) fn on_playlist(
        &mut self,
        now: Timestamp,
        rid: RenditionId,
        body: &str,
    ) -> Result<(), AgentError> {
        let Some(r) = self
            .presentation
            .as_ref()
            .and_then(|p| p.renditions.get(rid.0 as usize))
        else {
            return Err(AgentError::UnknownRendition(rid.0));
        };
        let base = r
            .uri
            .clone()
            .or_else(|| self.manifest_url.clone())
            .unwrap_or_default();
        let opts = crate::ParseOptions::new()
            .strictness(self.cfg.strictness)
            .base_url(&base);
        self.playlist_arrived(rid);
        if let Some(p) = &mut self.presentation {
            p.apply_media_playlist(rid, body.as_bytes(), &opts)?;
        }
        self.schedule_refresh(now, rid);
        Ok(())
    }

    /// A host-parsed segment list for `rid` (see [`super::host`]).
    pub(super) fn on_segments(
        &mut self,
        now: Timestamp,
        rid: RenditionId,
        index: SegmentIndex,
    ) -> Result<(), AgentError> {
        if self
            .presentation
            .as_ref()
            .is_none_or(|p| rid.0 as usize >= p.renditions.len())
        {
            return Err(AgentError::UnknownRendition(rid.0));
        }
        self.playlist_arrived(rid);
        if let Some(p) = &mut self.presentation {
            p.apply_segment_index(rid, index)?;
        }
        self.schedule_refresh(now, rid);
        Ok(())
    }

    /// Whether the segment list of `rung` on `edge` is loaded.
    fn rung_listed(&self, rung: usize, edge: crate::edge::EdgeId) -> bool {
        super::fetch::listed(self.presentation.as_ref(), self.rendition_for(rung, edge))
    }

    fn playlist_arrived(&mut self, rid: RenditionId) {
        if self.pending_playlist == Some(rid) {
            self.pending_playlist = None;
        }
        if self.refreshing == Some(rid) {
            self.refreshing = None;
        }
    }

    /// A live rendition's list is asked for again: at once when the server blocks until
    /// it changes (LL-HLS), else after a target duration.
    fn schedule_refresh(&mut self, now: Timestamp, rid: RenditionId) {
        let Some(p) = &self.presentation else {
            return;
        };
        let Some(r) = p.renditions.get(rid.0 as usize) else {
            return;
        };
        let segs = &r.segments;
        if !segs.ended && p.kind != PresentationKind::Vod {
            let wait = if segs
                .server_control
                .as_ref()
                .is_some_and(|s| s.can_block_reload)
            {
                // A blocking reload waits on the server: ask again at once.
                Duration::ZERO
            } else {
                segs.target_duration.unwrap_or(Duration::from_secs(4))
            };
            self.refresh_at = Some((rid, now.saturating_add(wait)));
        }
    }

    pub(super) fn sample(
        req: &Request,
        now: Timestamp,
        bytes: u64,
        ttfb: Duration,
        hold: Duration,
    ) -> TransferSample {
        let started = req.started.unwrap_or(req.sent);
        TransferSample {
            bytes: ByteCount(bytes),
            ttfb,
            total: now.saturating_duration_since(started),
            server_hold: hold,
        }
    }

    pub(super) fn on_progress(
        &mut self,
        now: Timestamp,
        id: RequestId,
        bytes: u64,
    ) -> Result<(), AgentError> {
        let Some(req) = self.request.clone().filter(|r| r.id == id) else {
            if self.stale.contains(&id) {
                return Ok(());
            }
            return Err(AgentError::UnknownRequest(id.0));
        };
        if req.kind != ObjectKind::Media {
            return Ok(());
        }
        let sample = Self::sample(&req, now, bytes, Duration::ZERO, Duration::ZERO);
        self.abr.on_progress(now, &sample);
        let Some(ladder) = &self.ladder else {
            return Ok(());
        };
        let ctx = self.context(ladder, now);
        let inflight = crate::InFlight {
            rung: req.rung,
            received: ByteCount(bytes),
            expected: ByteCount(req.expected),
            elapsed: sample.total,
        };
        // A refetch goes to a rung whose segment list is in: a playlist round trip while
        // the buffer drains would defeat the purpose (and a host that parses playlists
        // itself may not have that list yet).
        let Some(lower) = self
            .abr
            .should_abandon(&ctx, &inflight)
            .filter(|&r| r < req.rung)
            .and_then(|r| (0..=r).rev().find(|&r| self.rung_listed(r, req.edge)))
        else {
            return Ok(());
        };
        // Joint decision: another edge may carry this quality; otherwise go lower.
        let seg_dur = req.duration;
        let mut edge = req.edge;
        let mut rung = lower;
        let mut why = format!(
            "abandon: {} of {} bytes after {:.2} s would starve the buffer; refetch at rung {lower}",
            bytes,
            req.expected,
            sample.total.as_secs_f64()
        );
        if let Some(sel) = &mut self.selector {
            sel.on_transfer(now, req.edge, &sample);
            let plan = FetchPlan {
                bytes: req.expected,
                budget: seg_dur,
            };
            let c = sel.select(now, &plan);
            let there = super::fetch::rendition_in(
                &self.rung_map,
                req.rung,
                Some(sel.edge(c.edge).pathway.as_str()),
            );
            if c.switched()
                && !c.misses_budget
                && super::fetch::listed(self.presentation.as_ref(), there)
            {
                edge = c.edge;
                rung = req.rung;
                why = format!(
                    "abandon on {}: {}",
                    sel.edge(req.edge).pathway,
                    c.explain(sel)
                );
                let est = sel.estimate(now, c.edge);
                self.abr.on_path_change(
                    now,
                    &PathEstimate {
                        throughput_bps: est
                            .and_then(|e| e.throughput_bps)
                            .or(Some(c.throughput_bps)),
                        ttfb: est.and_then(|e| e.ttfb),
                    },
                );
            }
        }
        self.forget_request();
        let refetch = self.build_fetch(now, rung, edge, req.number, Some(why.clone()));
        if let Some(o) = &refetch {
            self.pin_unless_media(o, rung, edge);
        }
        match refetch {
            Some(Output::Fetch(f)) => self.push(Output::Abandon {
                id,
                refetch: f,
                why,
            }),
            Some(other) => self.push(other),
            None => {}
        }
        Ok(())
    }

    pub(super) fn on_completed(
        &mut self,
        now: Timestamp,
        id: RequestId,
        bytes: u64,
        ttfb: Duration,
        cmsd_static: Option<String>,
        cmsd_dynamic: Option<String>,
    ) -> Result<(), AgentError> {
        let Some(req) = self.take_request(id)? else {
            return Ok(());
        };
        let mut hold = Duration::ZERO;
        if let Some(h) = cmsd_static {
            match CmsdStatic::parse(&h) {
                Ok(s) => hold = Duration::from_millis(s.held_ms.unwrap_or(0)),
                Err(e) => self.diagnostic(format!("CMSD-Static: {e}")),
            }
        }
        let dynamic = match cmsd_dynamic.map(|d| CmsdDynamic::parse(&d)) {
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                self.diagnostic(format!("CMSD-Dynamic: {e}"));
                None
            }
            None => None,
        };
        let sample = Self::sample(&req, now, bytes, ttfb, hold);
        if let Some(sel) = &mut self.selector {
            sel.on_transfer(now, req.edge, &sample);
            if let Some(d) = &dynamic {
                sel.on_cmsd(now, req.edge, d);
            }
        }
        let edge_name = self
            .selector
            .as_ref()
            .map_or("", |s| s.edge(req.edge).pathway.as_str());
        let t = self.tracker.edge(edge_name);
        t.bytes = t.bytes.saturating_add(bytes);
        t.requests += 1;
        if let Some(bps) = sample.throughput_bps() {
            self.last_tput_kbps = Some((bps / 1000.0) as u64);
        }
        match req.kind {
            ObjectKind::Init => {
                self.loaded_init = req.init_index.map(|i| (req.rendition, i));
            }
            ObjectKind::Media => {
                self.abr.on_segment_complete(now, &sample);
                let kbps = self
                    .ladder
                    .as_ref()
                    .map_or(0, |l| l.rung(req.rung).bitrate.kbps());
                self.tracker.on_media(kbps, req.duration);
                self.next_number = Some(req.number.saturating_add(1));
                // Until the host says otherwise, the segment is in the buffer.
                if let Some(a) = &mut self.audio_buffer {
                    *a += req.duration;
                }
                self.video_buffer =
                    Some(self.video_buffer.unwrap_or(Duration::ZERO) + req.duration);
                self.prev_rung = Some(req.rung);
                self.starved = false;
            }
        }
        Ok(())
    }

    pub(super) fn on_failed(
        &mut self,
        now: Timestamp,
        id: RequestId,
        failure: Failure,
    ) -> Result<(), AgentError> {
        let Some(req) = self.take_request(id)? else {
            return Ok(());
        };
        // The edge (or rung) that failed is decided afresh.
        self.pinned = None;
        let name = self
            .selector
            .as_ref()
            .map(|s| s.edge(req.edge).pathway.clone())
            .unwrap_or_default();
        self.tracker.edge(&name).failures += 1;
        let mut failed = req.failed.clone();
        failed.push(req.edge);
        let retry = self.selector.as_mut().and_then(|sel| {
            sel.on_failure(now, req.edge, failure.into());
            let plan = FetchPlan {
                bytes: req.expected,
                budget: req.duration,
            };
            sel.select_retry(now, &failed, &plan)
                .map(|c| (c, c.explain(sel), sel.estimate(now, c.edge)))
        });
        match retry {
            Some((c, why, est)) if c.edge != req.edge => {
                self.abr.on_path_change(
                    now,
                    &PathEstimate {
                        throughput_bps: est
                            .and_then(|e| e.throughput_bps)
                            .or(Some(c.throughput_bps)),
                        ttfb: est.and_then(|e| e.ttfb),
                    },
                );
                let out = match req.kind {
                    ObjectKind::Init => {
                        self.fetch_init(now, req.rung, c.edge, req.rendition, req.number, Some(why))
                    }
                    ObjectKind::Media => {
                        self.build_fetch(now, req.rung, c.edge, req.number, Some(why))
                    }
                };
                if let Some(o) = out {
                    if let Output::Fetch(_) = &o
                        && let Some(r) = &mut self.request
                    {
                        r.failed = failed;
                    }
                    self.push(o);
                }
            }
            _ => {
                // No other edge: try again shortly.
                self.hold_until = Some(now.saturating_add(Duration::from_millis(500)));
            }
        }
        Ok(())
    }
}
