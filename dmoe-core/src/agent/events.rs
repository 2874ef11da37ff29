//! Handling the host's facts. Each input is first *prepared* — everything that can refuse
//! it (an unknown id, a manifest that does not parse, a list out of order) is checked and
//! computed without touching the session — and only then *applied*, which cannot fail.

use std::time::Duration;

use super::decide::Frame;
use super::edges::{Edges, extra_edges, selector_config};
use super::io::{AgentError, Event, Failure, ObjectKind, Output, RequestId};
use super::requests::Known;
use super::source::ladder_of;
use super::why::{AbandonWhy, DeadlineKind, DeadlineWhy, Why};
use super::{Agent, host};
use crate::edge::{CmsdDynamic, EdgeId, FetchPlan, RequestFailure};
use crate::{ByteCount, InFlight, Ladder, Presentation, RenditionId, Timestamp};

/// What an input needs beyond the event itself, computed before anything changes.
pub(super) enum Prepared {
    /// Nothing (the event carries everything).
    Plain,
    /// A new presentation with its ladder and edges.
    Install {
        presentation: Box<Presentation>,
        ladder: Ladder,
        rung_map: super::source::RungMap,
        edges: Box<Edges>,
    },
    /// A rendition's segment index after a host-parsed list was merged into it.
    Segments {
        rendition: RenditionId,
        index: Box<crate::SegmentIndex>,
    },
    /// The presentation after an update (a playlist, a DASH refresh).
    #[cfg(feature = "hls")]
    Update {
        presentation: Box<Presentation>,
        rendition: Option<RenditionId>,
    },
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The decision frame for `ladder` (lent out of the source by the caller), from the
/// agent's parts (borrowed one by one, so the decider can be borrowed mutably beside it).
pub(super) fn frame_of<'a>(
    source: &'a super::source::Source,
    edges: &'a Edges,
    playhead: &'a super::playhead::Playhead,
    cfg: &'a super::Config,
    viewport: crate::Caps,
    ladder: &'a Ladder,
) -> Frame<'a> {
    let seg = source.segment_duration();
    let mut caps = viewport;
    if let Some(mb) = edges
        .selector
        .as_ref()
        .and_then(crate::edge::EdgeSelector::max_bitrate)
    {
        caps.max_bitrate = Some(caps.max_bitrate.map_or(mb, |c| c.min(mb)));
    }
    let live = if source.is_live() {
        playhead.latency.map(|latency| crate::LiveContext {
            latency,
            target: cfg.target_latency.unwrap_or(seg.saturating_mul(3)),
            min_rate: 0.95,
            max_rate: 1.05,
        })
    } else {
        None
    };
    Frame {
        ladder,
        playhead,
        max_buffer: cfg.max_buffer,
        segment_duration: seg,
        remaining: source.remaining(),
        caps,
        live,
    }
}

/// The parts a playback fact changes (shared by the agent and the advisor).
pub(super) struct Parts<'a> {
    pub(super) playhead: &'a mut super::playhead::Playhead,
    pub(super) telemetry: &'a mut super::qoe::Telemetry,
    pub(super) decider: &'a mut super::decide::Decider,
    pub(super) viewport: &'a mut crate::Caps,
}

/// Buffer levels, playback state and rate, position, frame counts and viewport caps: the
/// facts both session kinds take the same way.
pub(super) fn playback_fact(now: Timestamp, event: Event, p: &mut Parts<'_>, cfg: &super::Config) {
    match event {
        Event::Buffer { media, level } => {
            let started = p.telemetry.tracker.qoe.startup.is_some();
            p.playhead.on_buffer(media, level, started);
            p.decider.on_buffer(now, p.playhead.buffer());
        }
        Event::Playback { state, rate } => {
            p.telemetry.tracker.on_state(now, state);
            p.decider.on_playback(now, state);
            p.playhead.on_playback(state, rate);
        }
        Event::Position { position, latency } => {
            p.playhead.latency = latency;
            p.playhead.position = Some(position);
            p.telemetry.tracker.qoe.latency = latency;
        }
        Event::Frames { dropped, total } => {
            p.telemetry.tracker.qoe.dropped_frames = dropped;
            p.telemetry.tracker.qoe.total_frames = total;
        }
        Event::Viewport {
            max_height,
            max_bitrate_bps,
        } => {
            p.viewport.max_height = max_height.or(cfg.max_height);
            p.viewport.max_bitrate = max_bitrate_bps.or(cfg.max_bitrate_bps).map(crate::Bitrate);
        }
        _ => {}
    }
}

/// [`frame_of`] over an agent's fields.
macro_rules! frame {
    ($a:expr, $ladder:expr) => {
        $crate::agent::events::frame_of(
            &$a.source,
            &$a.edges,
            &$a.playhead,
            &$a.cfg,
            $a.viewport,
            $ladder,
        )
    };
}
pub(super) use frame;

impl Agent {
    fn install_of(&self, now: Timestamp, p: Presentation) -> Result<Prepared, AgentError> {
        let (ladder, rung_map) = ladder_of(&p)?;
        let scfg = selector_config(&self.cfg, &self.session_id, self.seed);
        let edges = Edges::for_presentation(&p, scfg, extra_edges(&self.cfg), now)
            .map_err(|_| AgentError::NothingToPlay)?;
        Ok(Prepared::Install {
            presentation: Box::new(p),
            ladder,
            rung_map,
            edges: Box::new(edges),
        })
    }

    fn known(&self, id: RequestId) -> Result<Known, AgentError> {
        self.requests
            .known(id)
            .ok_or(AgentError::UnknownRequest(id.0))
    }

    /// Everything that can refuse `event`, checked and computed without changing the
    /// session.
    pub(super) fn prepare(&self, now: Timestamp, event: &Event) -> Result<Prepared, AgentError> {
        match event {
            Event::TransferStarted { .. } | Event::AdviceWanted { .. } => {
                Err(AgentError::WrongSession {
                    event: event.name(),
                    session: "the agent",
                })
            }
            Event::RequestStarted { id }
            | Event::RequestProgress { id, .. }
            | Event::RequestCompleted { id, .. }
            | Event::RequestFailed { id, .. }
            | Event::RequestCancelled { id } => self.known(*id).map(|_| Prepared::Plain),
            #[cfg(feature = "hls")]
            Event::ManifestLoaded { url, body } => {
                let opts = crate::ParseOptions::new()
                    .strictness(self.cfg.strictness)
                    .base_url(url);
                let parsed = crate::parse(body.as_bytes(), &opts)?;
                match &self.source.presentation {
                    Some(p)
                        if p.format == crate::ManifestFormat::Dash
                            && parsed.format == crate::ManifestFormat::Dash =>
                    {
                        let mut p = p.clone();
                        p.apply_mpd_update(parsed)?;
                        Ok(Prepared::Update {
                            presentation: Box::new(p),
                            rendition: None,
                        })
                    }
                    _ => self.install_of(now, parsed),
                }
            }
            #[cfg(not(feature = "hls"))]
            Event::ManifestLoaded { .. } => {
                Err(crate::ManifestError::FormatNotBuilt { format: "HLS" }.into())
            }
            #[cfg(feature = "hls")]
            Event::PlaylistLoaded { rendition, body } => {
                let Some(p) = self
                    .source
                    .presentation
                    .as_ref()
                    .filter(|p| (rendition.0 as usize) < p.renditions.len())
                else {
                    return Err(AgentError::UnknownRendition(rendition.0));
                };
                let base = p.renditions[rendition.0 as usize]
                    .uri
                    .clone()
                    .or_else(|| self.source.manifest_url.clone())
                    .unwrap_or_default();
                let opts = crate::ParseOptions::new()
                    .strictness(self.cfg.strictness)
                    .base_url(&base);
                let mut p = p.clone();
                p.apply_media_playlist(*rendition, body.as_bytes(), &opts)?;
                Ok(Prepared::Update {
                    presentation: Box::new(p),
                    rendition: Some(*rendition),
                })
            }
            #[cfg(not(feature = "hls"))]
            Event::PlaylistLoaded { .. } => {
                Err(crate::ManifestError::FormatNotBuilt { format: "HLS" }.into())
            }
            Event::LadderLoaded { renditions, .. } => {
                let p = host::presentation(renditions)?;
                self.install_of(now, p)
            }
            Event::SegmentsLoaded {
                rendition,
                segments,
            } => {
                if !self.source.has_rendition(*rendition) {
                    return Err(AgentError::UnknownRendition(rendition.0));
                }
                let index = host::segment_index(segments.clone())?;
                let Some(p) = self.source.presentation.as_ref() else {
                    return Err(AgentError::UnknownRendition(rendition.0));
                };
                let (merged, _) = p.merged_segment_index(*rendition, index)?;
                Ok(Prepared::Segments {
                    rendition: *rendition,
                    index: Box::new(merged),
                })
            }
            _ => Ok(Prepared::Plain),
        }
    }

    /// Apply an input that [`Agent::prepare`] accepted.
    pub(super) fn apply(&mut self, now: Timestamp, event: Event, prepared: Prepared) {
        match prepared {
            Prepared::Install {
                presentation,
                ladder,
                rung_map,
                edges,
            } => {
                for w in &presentation.warnings {
                    let msg = format!("manifest: {w}");
                    self.diagnostic(msg);
                }
                let url = match event {
                    Event::ManifestLoaded { url, .. } | Event::LadderLoaded { url, .. } => url,
                    _ => String::new(),
                };
                self.decider.on_ladder(ladder.len());
                self.source
                    .install(now, url, *presentation, ladder, rung_map);
                self.edges = *edges;
                self.requests.forget();
                self.pinned = None;
                self.over = false;
                self.preparing = true;
                self.telemetry.reopen(now, &self.cfg.telemetry);
                self.telemetry.start(now, &self.cfg.telemetry);
                return;
            }
            #[cfg(feature = "hls")]
            Prepared::Update {
                presentation,
                rendition,
            } => {
                let before = self
                    .source
                    .presentation
                    .as_ref()
                    .map_or(0, |p| p.warnings.len());
                for w in presentation.warnings.iter().skip(before) {
                    let msg = format!("manifest: {w}");
                    self.diagnostic(msg);
                }
                self.source.presentation = Some(*presentation);
                match rendition {
                    Some(r) => {
                        self.source.playlist_arrived(r);
                        self.source.schedule_refresh(now, r);
                    }
                    None => self.source.schedule_manifest_refresh(now),
                }
                return;
            }
            Prepared::Segments { rendition, index } => {
                if let Some(p) = self.source.presentation.as_mut() {
                    p.install_segment_index(rendition, *index);
                }
                self.source.playlist_arrived(rendition);
                self.source.schedule_refresh(now, rendition);
                return;
            }
            Prepared::Plain => {}
        }
        self.apply_plain(now, event);
    }

    fn apply_plain(&mut self, now: Timestamp, event: Event) {
        match event {
            Event::PlaylistFailed { rendition, .. } => {
                if rendition.is_some() && rendition == self.source.prefetching {
                    // A list wanted ahead of need: nothing waits for it.
                    self.source.prefetching = None;
                    return;
                }
                self.source.pending_playlist = None;
                if let Some(r) = self.source.refreshing.take() {
                    self.source.refresh_at = Some((r, now.saturating_add(Duration::from_secs(1))));
                }
                self.hold_until = Some(now.saturating_add(Duration::from_secs(1)));
                if rendition.is_none()
                    && self.source.presentation.is_some()
                    && self.source.is_live()
                {
                    self.source.manifest_refresh_at =
                        Some(now.saturating_add(Duration::from_secs(1)));
                }
            }
            #[cfg(feature = "hls")]
            Event::SteeringLoaded {
                status,
                retry_after,
                body,
            } => {
                if let Some(msg) = self.edges.on_steering(now, status, retry_after, &body) {
                    self.diagnostic(msg);
                }
            }
            #[cfg(feature = "hls")]
            Event::SteeringFailed => self.edges.on_steering_failed(now),
            Event::RequestStarted { id } => match self.requests.known(id) {
                Some(Known::Current) => {
                    let edge = self.requests.current.as_ref().map(|r| r.edge);
                    let t = edge.map_or(Duration::ZERO, |e| self.edges.ttfb_timeout(e));
                    self.requests.on_started(now, t);
                }
                Some(Known::Probe) => {
                    if let Some(p) = &mut self.requests.probe {
                        p.deadline = p
                            .deadline
                            .saturating_add(now.saturating_duration_since(p.sent));
                        p.started = Some(now);
                    }
                }
                _ => {}
            },
            Event::RequestProgress { id, bytes } => match self.requests.known(id) {
                Some(Known::Current) => self.on_progress(now, bytes),
                Some(Known::Probe) => {
                    if let Some(p) = &mut self.requests.probe {
                        p.first_byte = true;
                    }
                }
                _ => {}
            },
            Event::RequestCompleted {
                id,
                bytes,
                ttfb,
                cmsd_static,
                cmsd_dynamic,
            } => match self.requests.known(id) {
                Some(Known::Current) => {
                    self.on_completed(now, bytes, ttfb, cmsd_static, cmsd_dynamic);
                }
                Some(Known::Probe) => {
                    if let Some(p) = self.requests.probe.take() {
                        let started = p.started.unwrap_or(p.sent);
                        let hold = self.cmsd_hold(cmsd_static.as_deref());
                        let sample = crate::TransferSample {
                            bytes: ByteCount(bytes),
                            ttfb,
                            total: now.saturating_duration_since(started),
                            server_hold: hold,
                        };
                        self.edges.on_transfer(now, p.edge, &sample);
                        // A probe's CMSD says as much about its edge as a segment's does.
                        if let Some(d) = cmsd_dynamic
                            .as_deref()
                            .and_then(|d| CmsdDynamic::parse(d).ok())
                            && let Some(sel) = &mut self.edges.selector
                        {
                            sel.on_cmsd(now, p.edge, &d);
                        }
                    }
                }
                _ => {}
            },
            Event::RequestFailed { id, failure } => match self.requests.known(id) {
                Some(Known::Current) => self.on_failed(now, failure),
                Some(Known::Probe) => {
                    if let Some(p) = self.requests.forget_probe() {
                        self.edges.on_failure(now, p.edge, failure.into());
                    }
                }
                _ => {}
            },
            Event::RequestCancelled { id } => match self.requests.known(id) {
                Some(Known::Current) => {
                    self.pinned = None;
                    self.requests.forget();
                }
                Some(Known::Probe) => {
                    self.requests.forget_probe();
                }
                _ => {}
            },
            e @ (Event::Buffer { .. }
            | Event::Playback { .. }
            | Event::Position { .. }
            | Event::Frames { .. }
            | Event::Viewport { .. }) => {
                if matches!(e, Event::Viewport { .. }) {
                    // New caps apply to the next media request, pinned or not.
                    self.pinned = None;
                }
                playback_fact(
                    now,
                    e,
                    &mut Parts {
                        playhead: &mut self.playhead,
                        telemetry: &mut self.telemetry,
                        decider: &mut self.decider,
                        viewport: &mut self.viewport,
                    },
                    &self.cfg,
                );
            }
            Event::Seek { position } => {
                self.requests.forget();
                self.pinned = None;
                // The playlist asked for before is for a decision the seek made moot; it is
                // still taken when it arrives.
                self.source.pending_playlist = None;
                self.playhead.on_seek(position);
                self.source.fetched_all = false;
                self.source.next_number = self.source.number_at(position);
                if self.over {
                    self.over = false;
                    self.telemetry.reopen(now, &self.cfg.telemetry);
                }
            }
            // Handled in `prepare` (or refused there), or nothing to do.
            _ => {}
        }
    }

    fn on_progress(&mut self, now: Timestamp, bytes: u64) {
        self.requests.on_progress(now, bytes);
        let Some(req) = self.requests.current.clone() else {
            return;
        };
        if req.kind != ObjectKind::Media {
            return;
        }
        let sample = req.sample(now, bytes, Duration::ZERO, Duration::ZERO);
        self.decider.on_progress(now, &sample);
        self.consider_abandon(now, &req, bytes, sample.total);
    }

    /// Abandon the media request in flight for a lower rung (or the same rung on another
    /// edge) when finishing it would starve the buffer.
    fn consider_abandon(
        &mut self,
        now: Timestamp,
        req: &super::requests::Request,
        bytes: u64,
        elapsed: Duration,
    ) {
        let Some(ladder) = self.source.ladder.take() else {
            return;
        };
        self.fill_sizes(&ladder, req.number, Some(req.edge));
        let inflight = InFlight {
            rung: req.rung,
            received: ByteCount(bytes),
            expected: ByteCount(req.expected),
            elapsed,
        };
        let lower = self
            .decider
            .should_abandon(now, &frame!(self, &ladder), &inflight);
        let from_bps = ladder.rung(req.rung).bitrate.bps();
        let buffer_ms = ms(self.playhead.buffer());
        self.source.ladder = Some(ladder);
        // A refetch goes to the highest rung at or below the ABR's whose segment list is in
        // (no playlist round trip while the buffer drains); when none is, to the ABR's
        // rung after its list (a round trip is still far shorter than finishing).
        let sel = self.edges.selector.as_ref();
        let Some(lower) = lower.map(|r| {
            (0..=r)
                .rev()
                .find(|&r| {
                    self.source
                        .listed(self.source.rendition_for(r, req.edge, sel))
                })
                .unwrap_or(r)
        }) else {
            return;
        };
        // Joint decision: another edge may carry this quality; otherwise go lower.
        let mut edge = req.edge;
        let mut rung = lower;
        let mut why = Why::default();
        self.edges.on_transfer(
            now,
            req.edge,
            &req.sample(now, bytes, Duration::ZERO, Duration::ZERO),
        );
        let plan = FetchPlan {
            bytes: req.expected,
            budget: req.duration,
        };
        if let Some(c) = self.edges.select(now, &plan) {
            let there = self
                .source
                .rendition_for(req.rung, c.edge, self.edges.selector.as_ref());
            if c.switched() && !c.misses_budget && self.source.listed(there) {
                edge = c.edge;
                rung = req.rung;
                why.edge = Some(self.edges.why(&c, None));
                let est = self.edges.path_estimate(now, &c);
                self.decider.on_path_change(now, &est);
                self.telemetry.tracker.qoe.edge_switches =
                    self.telemetry.tracker.qoe.edge_switches.saturating_add(1);
            }
        }
        if rung != req.rung {
            let to_bps = self
                .source
                .ladder
                .as_ref()
                .map_or(0, |l| l.rung(rung).bitrate.bps());
            why.abandon = Some(AbandonWhy {
                received_bytes: bytes,
                expected_bytes: req.expected,
                elapsed_ms: ms(elapsed),
                buffer_ms,
                from_bps,
                to_bps,
            });
        }
        self.requests.forget();
        let refetch = self.build_fetch(now, rung, edge, req.number, Some(why.clone()));
        self.push_replacement(req.id, refetch, why, rung, edge);
    }

    /// Tell the decider the sizes of the segments from `number` on, at every rung on
    /// `edge`.
    pub(super) fn fill_sizes(&mut self, ladder: &Ladder, number: u64, edge: Option<EdgeId>) {
        let mut buf = self.decider.take_sizes();
        let seg = self.source.segment_duration();
        self.decider.fill_sizes(&mut buf, ladder, seg, |k, r| {
            self.known_size(number, k, r, edge)
        });
        self.decider.put_sizes(buf);
    }

    /// Tell the host to cancel `id` and make `refetch` instead.
    fn push_replacement(
        &mut self,
        id: RequestId,
        refetch: Option<Output>,
        why: Why,
        rung: usize,
        edge: EdgeId,
    ) {
        if let Some(o) = &refetch {
            self.pin_unless_media(o, rung, edge);
        }
        match refetch {
            Some(Output::Fetch(f)) => self.out.push(Output::Abandon {
                id,
                refetch: f,
                why,
            }),
            Some(other) => {
                self.out.push(Output::Cancel { id });
                self.out.push(other);
            }
            None => self.out.push(Output::Cancel { id }),
        }
    }

    /// A decision (or an abandonment's refetch) that first needs the rung's playlist or
    /// init section keeps its rung and edge until the media request itself goes out: a
    /// fresh decision in between would waste the init or playlist just fetched, and after
    /// an abandonment could undo it and be abandoned again.
    pub(super) fn pin_unless_media(&mut self, o: &Output, rung: usize, edge: EdgeId) {
        if !matches!(o, Output::Fetch(f) if f.kind == ObjectKind::Media) {
            self.pinned = Some((rung, edge));
        }
    }

    fn on_completed(
        &mut self,
        now: Timestamp,
        bytes: u64,
        ttfb: Duration,
        cmsd_static: Option<String>,
        cmsd_dynamic: Option<String>,
    ) {
        let Some(req) = self.requests.current.take() else {
            return;
        };
        let hold = self.cmsd_hold(cmsd_static.as_deref());
        let dynamic = match cmsd_dynamic.map(|d| CmsdDynamic::parse(&d)) {
            Some(Ok(d)) => Some(d),
            Some(Err(e)) => {
                self.diagnostic(format!("CMSD-Dynamic: {e}"));
                None
            }
            None => None,
        };
        let sample = req.sample(now, bytes, ttfb, hold);
        self.retry_round = 0;
        self.edges.on_transfer(now, req.edge, &sample);
        if let (Some(d), Some(sel)) = (&dynamic, &mut self.edges.selector) {
            sel.on_cmsd(now, req.edge, d);
        }
        let t = self.telemetry.tracker.edge(self.edges.name(req.edge));
        t.bytes = t.bytes.saturating_add(bytes);
        t.requests = t.requests.saturating_add(1);
        match req.kind {
            ObjectKind::Init => {
                self.source.loaded_init = req.init_index.map(|i| (req.rendition, i));
            }
            ObjectKind::Media => {
                if let Some(bps) = sample.throughput_bps().filter(|b| b.is_finite()) {
                    self.edges.last_tput_bps = Some(bps as u64);
                }
                let bps = self
                    .source
                    .ladder
                    .as_ref()
                    .map_or(0, |l| l.rung(req.rung).bitrate.bps());
                let nominal = bps as f64 / 8.0 * req.duration.as_secs_f64();
                self.decider.on_media(now, &sample, req.rung, nominal);
                self.telemetry.tracker.on_media(bps, req.duration);
                self.source.next_number = Some(req.number.saturating_add(1));
                self.playhead.add_media(req.duration);
            }
        }
    }

    fn on_failed(&mut self, now: Timestamp, failure: Failure) {
        let Some(req) = self.requests.current.take() else {
            return;
        };
        // The edge (or rung) that failed is decided afresh.
        self.pinned = None;
        self.retry_elsewhere(now, req, failure.into(), None);
    }

    /// The request in flight missed its deadline.
    pub(super) fn on_deadline(&mut self, now: Timestamp, kind: DeadlineKind) {
        let Some(req) = self.requests.current.clone() else {
            return;
        };
        if kind == DeadlineKind::Stalled && self.edges.len() < 2 {
            // No other edge to go to: the ABR judges the stalled transfer at its rate now
            // (it may abandon it for a lower rung), and the transfer keeps its chance.
            self.requests.on_progress(now, req.bytes);
            if req.kind == ObjectKind::Media {
                let elapsed = now.saturating_duration_since(req.started.unwrap_or(req.sent));
                let sample = req.sample(now, req.bytes, Duration::ZERO, Duration::ZERO);
                self.decider.on_progress(now, &sample);
                self.consider_abandon(now, &req, req.bytes, elapsed);
            }
            return;
        }
        self.requests.forget();
        self.pinned = None;
        let waited = now.saturating_duration_since(req.started.unwrap_or(req.sent));
        let deadline = DeadlineWhy {
            kind,
            edge: self.edges.name(req.edge).to_owned(),
            waited_ms: ms(waited),
        };
        self.retry_elsewhere(now, req, RequestFailure::Timeout, Some(deadline));
    }

    /// A request failed (or missed a deadline, `deadline`): count it against its edge and
    /// retry the same object on the best other edge; with no other edge, after a pause
    /// (a failure) or at once (a deadline: the host must cancel the request).
    fn retry_elsewhere(
        &mut self,
        now: Timestamp,
        req: super::requests::Request,
        failure: RequestFailure,
        deadline: Option<DeadlineWhy>,
    ) {
        self.edges.on_failure(now, req.edge, failure);
        let t = self.telemetry.tracker.edge(self.edges.name(req.edge));
        t.failures = t.failures.saturating_add(1);
        let mut failed = req.failed.clone();
        failed.push(req.edge);
        let plan = FetchPlan {
            bytes: req.expected,
            budget: req.duration,
        };
        // A request that failed on every edge waits before going round again, longer each
        // round up to 2 s (a total outage must not become a retry storm, and must not keep
        // the session waiting long after it ends).
        let retry = self
            .edges
            .select_retry(now, &failed, &plan)
            .filter(|c| !failed.contains(&c.edge));
        let (edge, mut why) = match retry {
            Some(c) => {
                let est = self.edges.path_estimate(now, &c);
                self.decider.on_path_change(now, &est);
                self.telemetry.tracker.qoe.edge_switches =
                    self.telemetry.tracker.qoe.edge_switches.saturating_add(1);
                (c.edge, Why::edge(self.edges.why(&c, Some(failure))))
            }
            None if deadline.is_some() && self.edges.len() < 2 => (req.edge, Why::default()),
            None => {
                // No other edge to try: again after a pause, longer each round.
                let round = self.retry_round.min(2);
                self.retry_round = self.retry_round.saturating_add(1);
                let pause = Duration::from_millis(500).saturating_mul(1 << round);
                self.hold_until = Some(now.saturating_add(pause));
                if deadline.is_some() {
                    // The host must still drop the request that missed its deadline.
                    self.out.push(Output::Cancel { id: req.id });
                }
                return;
            }
        };
        why.deadline = deadline;
        let out = match req.kind {
            ObjectKind::Init => self.fetch_init(
                now,
                req.rung,
                edge,
                req.rendition,
                req.number,
                Some(why.clone()),
            ),
            ObjectKind::Media => {
                self.build_fetch(now, req.rung, edge, req.number, Some(why.clone()))
            }
        };
        if let Some(Output::Fetch(_)) = &out
            && let Some(r) = &mut self.requests.current
        {
            r.failed = failed;
        }
        if why.deadline.is_some() {
            self.push_replacement(req.id, out, why, req.rung, edge);
        } else if let Some(o) = out {
            self.pin_unless_media(&o, req.rung, edge);
            self.out.push(o);
        }
    }

    /// The probe in flight missed its first-byte deadline: the edge failed it.
    pub(super) fn on_probe_deadline(&mut self, now: Timestamp) {
        if let Some(p) = self.requests.forget_probe() {
            self.edges.on_failure(now, p.edge, RequestFailure::Timeout);
            self.out.push(Output::Cancel { id: p.id });
        }
    }
}
