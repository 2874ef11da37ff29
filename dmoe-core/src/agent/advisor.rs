//! The advisor: DMOE for players that fetch segments themselves (Shaka, dash.js, Media3,
//! AVPlayer) and take an ABR as a plug-in that answers "which rendition now?".
//!
//! The host gives the ladder ([`Event::LadderLoaded`], as a host that parses its own
//! manifests does), the transfers it makes ([`Event::TransferStarted`] under an id of its
//! own, then `RequestProgress` / `RequestCompleted` / `RequestFailed` /
//! `RequestCancelled` under that id; the rendition and segment duration when it knows
//! them, no segment identity needed), buffer levels, playback state, seeks and CMSD
//! headers (with the completions). Before each media request it asks
//! ([`Event::AdviceWanted`]) and gets [`Output::Advice`]: the rendition, why, the CMCD keys
//! for that request, and, when the ladder names pathways, the one to fetch from. While a
//! transfer runs it may get [`Output::AbandonAdvice`]; it also gets playback-rate
//! suggestions for live latency, telemetry, timeouts and, at the end, [`Output::End`].
//!
//! The rendition decision, the estimators, abandonment, QoE and telemetry are the
//! [`Agent`](super::Agent)'s own parts: given the same transfers and buffer, the advisor
//! chooses what the agent chooses. What it cannot do is choose *which* segment or edge
//! the player fetches, hold requests to deadlines, probe, or load playlists and steering:
//! the player does those.
//!
//! ```
//! use std::time::Duration;
//! use dmoe_core::agent::{Advisor, Config, Event, HostRendition, Input, ObjectKind, Output, RequestId};
//! use dmoe_core::{AbrContext, AbrController, Decision, Reason, Timestamp, TransferSample};
//!
//! // The highest rung the last sample allows (dmoe-abr's controllers in a real player).
//! #[derive(Default)]
//! struct LastSample(Option<f64>);
//! impl AbrController for LastSample {
//!     fn name(&self) -> &'static str { "last-sample" }
//!     fn on_segment_complete(&mut self, _: Timestamp, s: &TransferSample) { self.0 = s.throughput_bps(); }
//!     fn choose(&self, ctx: &AbrContext<'_>) -> Decision {
//!         let rung = self.0.map_or(0, |b| ctx.ladder.highest_below(b));
//!         Decision { rung, reason: Reason::Throughput, estimate_bps: self.0, buffer: ctx.buffer, playback_rate: None }
//!     }
//! }
//! let mut adv = Advisor::new(Config { seed: Some(3), ..Config::default() }, Box::new(LastSample::default()))?;
//! let entry = |bps: u64| HostRendition { bandwidth_bps: bps, ..HostRendition::default() };
//! adv.handle_input(Input::new(Timestamp::ZERO, Event::LadderLoaded {
//!     url: "https://cdn.example/master.m3u8".into(),
//!     renditions: vec![entry(800_000), entry(2_400_000)],
//! }))?;
//! while adv.poll_output().is_some() {}
//! // The player loaded a 4 s segment of rendition 0: 1 MB in 1 s (8 Mb/s).
//! let id = RequestId(1);
//! adv.handle_input(Input::new(Timestamp::from_millis(10), Event::TransferStarted {
//!     id, rendition: Some(dmoe_core::RenditionId(0)), kind: ObjectKind::Media,
//!     duration: Some(Duration::from_secs(4)), pathway: None,
//! }))?;
//! while adv.poll_output().is_some() {}
//! adv.handle_input(Input::new(Timestamp::from_millis(1010), Event::RequestCompleted {
//!     id, bytes: 1_000_000, ttfb: Duration::from_millis(40), cmsd_static: None, cmsd_dynamic: None,
//! }))?;
//! while adv.poll_output().is_some() {}
//! // Which rendition next?
//! adv.handle_input(Input::new(Timestamp::from_millis(1020), Event::AdviceWanted {
//!     segment_duration: None, sizes: vec![], remaining: None,
//! }))?;
//! let advice = std::iter::from_fn(|| adv.poll_output()).find_map(|o| match o {
//!     Output::Advice(a) => Some(a),
//!     _ => None,
//! });
//! assert_eq!(advice.unwrap().rendition, dmoe_core::RenditionId(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use super::decide::{Decider, Frame};
use super::edges::{Edges, extra_edges, selector_config};
use super::events::{Parts, playback_fact};
use super::io::{Advice, AgentError, Event, Input, ObjectKind, Output, RequestId};
use super::outbox::{Outbox, Recorder};
use super::playhead::Playhead;
use super::qoe::{Qoe, Telemetry};
use super::source::ladder_of;
use super::why::{AbandonWhy, Why};
use super::{Config, ConfigError, admit, cmcd, host};
use crate::edge::{CmsdDynamic, EdgeId, FetchPlan};
use crate::{AbrController, ByteCount, InFlight, Ladder, PlaybackState, RenditionId, Timestamp};

/// Most transfers the advisor follows at once (audio, video, a few prefetches).
const MAX_TRANSFERS: usize = 16;
/// Ids of transfers that ended whose late reports are ignored.
const STALE_IDS: usize = 32;
/// While the ABR prepares, call back this soon (as the agent does).
const PREPARE_TICK: Duration = Duration::from_millis(10);

/// A transfer the player made.
#[derive(Debug, Clone)]
struct Transfer {
    id: RequestId,
    rung: Option<usize>,
    kind: ObjectKind,
    duration: Option<Duration>,
    edge: Option<EdgeId>,
    sent: Timestamp,
    /// Abandonment was advised already.
    advised: bool,
}

/// A rendition advisor for a player that fetches its own segments: the inputs it takes,
/// the outputs it gives and what it shares with the [`Agent`](super::Agent) are in the
/// [`agent`](super) module docs and the README's advisor section.
pub struct Advisor {
    cfg: Config,
    seed: u64,
    session_id: String,
    now: Option<Timestamp>,
    out: Outbox,
    recorder: Recorder,
    ladder: Option<Ladder>,
    /// Per rung: the ladder entries serving it, with their pathway.
    rung_map: super::source::RungMap,
    /// Per ladder entry: its rung.
    entry_rung: Vec<usize>,
    edges: Edges,
    transfers: Vec<Transfer>,
    stale: VecDeque<RequestId>,
    playhead: Playhead,
    decider: Decider,
    telemetry: Telemetry,
    viewport: crate::Caps,
    /// The segment duration the player last said.
    segment_duration: Duration,
    /// Media requests made (CMCD `sn`).
    seq: u64,
    /// The rung and edge advised last.
    advised: Option<(usize, Option<EdgeId>)>,
    preparing: bool,
    over: bool,
    /// The last timeout announced.
    last_timeout: Option<Timestamp>,
}

impl std::fmt::Debug for Advisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Advisor")
            .field("abr", &self.decider.name())
            .field("session_id", &self.session_id)
            .field("now", &self.now)
            .field("transfers", &self.transfers.len())
            .finish_non_exhaustive()
    }
}

impl Advisor {
    /// An advisor with this configuration and ABR (`dmoe_abr::advisor` chooses the ABR
    /// by `cfg.abr`). `cfg.seed` must be set.
    pub fn new(cfg: Config, abr: Box<dyn AbrController + Send>) -> Result<Self, ConfigError> {
        let super::Opening {
            seed,
            session_id,
            recorder,
            viewport,
        } = super::Opening::of(&cfg, "advisor")?;
        Ok(Self {
            viewport,
            cfg,
            seed,
            session_id,
            now: None,
            out: Outbox::new(),
            recorder,
            ladder: None,
            rung_map: Vec::new(),
            entry_rung: Vec::new(),
            edges: Edges::default(),
            transfers: Vec::new(),
            stale: VecDeque::with_capacity(STALE_IDS),
            playhead: Playhead::new(),
            decider: Decider::new(abr),
            telemetry: Telemetry::new(),
            segment_duration: Duration::from_secs(4),
            seq: 0,
            advised: None,
            preparing: false,
            over: false,
            last_timeout: None,
        })
    }

    /// The session id (made from the seed unless configured).
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The entropy the session was made with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The QoE figures so far.
    pub fn qoe(&self) -> &Qoe {
        &self.telemetry.tracker.qoe
    }

    /// Whether the session is over.
    pub fn is_over(&self) -> bool {
        self.over
    }

    /// The recorded inputs as JSON lines (first line `{"advisor": config}`), when
    /// [`Config::record`] is on.
    pub fn recording(&self) -> &[String] {
        self.recorder.lines()
    }

    /// The telemetry report now, as JSON.
    pub fn report(&self) -> String {
        self.telemetry
            .report(self.now, &self.session_id, &self.cfg, self.over)
    }

    /// The next output, or None.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop()
    }

    /// Like [`poll_output`](Self::poll_output), into `slot`, reusing the buffers of the
    /// output that was there.
    pub fn poll_output_into(&mut self, slot: &mut Option<Output>) -> bool {
        self.out.pop_into(slot)
    }

    fn transfer(&self, id: RequestId) -> Option<usize> {
        self.transfers.iter().position(|t| t.id == id)
    }

    /// Everything that can refuse `event`, without changing anything.
    fn check(&self, event: &Event) -> Result<(), AgentError> {
        match event {
            Event::Tick
            | Event::LadderLoaded { .. }
            | Event::Buffer { .. }
            | Event::Playback { .. }
            | Event::Position { .. }
            | Event::Seek { .. }
            | Event::Frames { .. }
            | Event::Viewport { .. } => Ok(()),
            Event::TransferStarted { id, rendition, .. } => {
                if self.transfer(*id).is_some() {
                    return Err(AgentError::DuplicateRequest(id.0));
                }
                if self.transfers.len() >= MAX_TRANSFERS {
                    return Err(AgentError::InvalidValue {
                        field: "transfer_started",
                        rule: "at most 16 transfers in flight",
                    });
                }
                if self.ladder.is_none() {
                    return Err(AgentError::NoLadder);
                }
                match rendition {
                    Some(r) if (r.0 as usize) >= self.entry_rung.len() => {
                        Err(AgentError::UnknownRendition(r.0))
                    }
                    _ => Ok(()),
                }
            }
            Event::AdviceWanted { .. } => {
                if self.ladder.is_none() {
                    return Err(AgentError::NoLadder);
                }
                Ok(())
            }
            Event::RequestProgress { id, .. }
            | Event::RequestCompleted { id, .. }
            | Event::RequestFailed { id, .. }
            | Event::RequestCancelled { id } => {
                if self.transfer(*id).is_some() || self.stale.contains(id) {
                    Ok(())
                } else {
                    Err(AgentError::UnknownRequest(id.0))
                }
            }
            other => Err(AgentError::WrongSession {
                event: other.name(),
                session: "the advisor",
            }),
        }
    }

    /// Record one fact from the host, then answer what follows from it. A refused input
    /// changes nothing and queues nothing.
    pub fn handle_input(&mut self, input: Input) -> Result<(), AgentError> {
        let input = Input::new(input.at, input.event.quantized());
        admit(&self.out, self.now, &input)?;
        self.check(&input.event)?;
        let installed = match &input.event {
            Event::LadderLoaded { renditions, .. } => {
                let p = host::presentation(renditions)?;
                let (ladder, rung_map) = ladder_of(&p)?;
                let scfg = selector_config(&self.cfg, &self.session_id, self.seed);
                let edges = Edges::for_presentation(&p, scfg, extra_edges(&self.cfg), input.at)
                    .map_err(|_| AgentError::NothingToPlay)?;
                Some((ladder, rung_map, edges, renditions.len()))
            }
            _ => None,
        };
        self.recorder.record(&input);
        let now = input.at;
        self.playhead.advance(now);
        self.now = Some(now);
        self.telemetry.tracker.advance(now);
        if let Some((ladder, rung_map, edges, entries)) = installed {
            let mut entry_rung = vec![0; entries];
            for (rung, list) in rung_map.iter().enumerate() {
                for (_, rid) in list {
                    if let Some(e) = entry_rung.get_mut(rid.0 as usize) {
                        *e = rung;
                    }
                }
            }
            self.decider.on_ladder(ladder.len());
            self.ladder = Some(ladder);
            self.rung_map = rung_map;
            self.entry_rung = entry_rung;
            self.edges = edges;
            self.transfers.clear();
            self.advised = None;
            self.preparing = true;
            self.over = false;
            self.telemetry.reopen(now, &self.cfg.telemetry);
            self.telemetry.start(now, &self.cfg.telemetry);
        } else {
            self.apply(now, input.event);
        }
        self.drive(now);
        Ok(())
    }

    fn frame<'a>(
        ladder: &'a Ladder,
        playhead: &'a Playhead,
        cfg: &Config,
        seg: Duration,
        viewport: crate::Caps,
        edges: &Edges,
        remaining: Option<u32>,
    ) -> Frame<'a> {
        let mut caps = viewport;
        if let Some(mb) = edges
            .selector
            .as_ref()
            .and_then(crate::edge::EdgeSelector::max_bitrate)
        {
            caps.max_bitrate = Some(caps.max_bitrate.map_or(mb, |c| c.min(mb)));
        }
        let live = playhead.latency.map(|latency| crate::LiveContext {
            latency,
            target: cfg.target_latency.unwrap_or(seg.saturating_mul(3)),
            min_rate: 0.95,
            max_rate: 1.05,
        });
        Frame {
            ladder,
            playhead,
            max_buffer: cfg.max_buffer,
            segment_duration: seg,
            remaining,
            caps,
            live,
        }
    }

    fn apply(&mut self, now: Timestamp, event: Event) {
        match event {
            Event::TransferStarted {
                id,
                rendition,
                kind,
                duration,
                pathway,
            } => {
                if let Some(d) = duration.filter(|_| kind == ObjectKind::Media) {
                    self.segment_duration = d;
                }
                let edge = pathway
                    .as_deref()
                    .and_then(|p| self.edges.selector.as_ref()?.find(p));
                if kind == ObjectKind::Media {
                    self.seq = self.seq.saturating_add(1);
                }
                self.transfers.push(Transfer {
                    id,
                    rung: rendition.and_then(|r| self.entry_rung.get(r.0 as usize).copied()),
                    kind,
                    duration,
                    edge,
                    sent: now,
                    advised: false,
                });
            }
            Event::RequestProgress { id, bytes } => self.on_progress(now, id, bytes),
            Event::RequestCompleted {
                id,
                bytes,
                ttfb,
                cmsd_static,
                cmsd_dynamic,
            } => {
                let Some(i) = self.transfer(id) else { return };
                let t = self.transfers.remove(i);
                self.remember(id);
                let hold = cmsd_static
                    .as_deref()
                    .and_then(|h| crate::edge::CmsdStatic::parse(h).ok())
                    .and_then(|s| s.held_ms)
                    .map_or(Duration::ZERO, Duration::from_millis);
                let sample = crate::TransferSample {
                    bytes: ByteCount(bytes),
                    ttfb,
                    total: now.saturating_duration_since(t.sent),
                    server_hold: hold,
                };
                let edge = t.edge.or_else(|| self.edges.current());
                if let Some(e) = edge {
                    self.edges.on_transfer(now, e, &sample);
                    if let (Some(d), Some(sel)) = (
                        cmsd_dynamic
                            .as_deref()
                            .and_then(|d| CmsdDynamic::parse(d).ok()),
                        &mut self.edges.selector,
                    ) {
                        sel.on_cmsd(now, e, &d);
                    }
                    let name = self.edges.name(e).to_owned();
                    let tr = self.telemetry.tracker.edge(&name);
                    tr.bytes = tr.bytes.saturating_add(bytes);
                    tr.requests = tr.requests.saturating_add(1);
                }
                if t.kind != ObjectKind::Media {
                    return;
                }
                if let Some(bps) = sample.throughput_bps().filter(|b| b.is_finite()) {
                    self.edges.last_tput_bps = Some(bps as u64);
                }
                let duration = t.duration.unwrap_or(self.segment_duration);
                let Some(rung) = t.rung else {
                    // Without its rendition the transfer still measures the network.
                    self.decider.on_progress(now, &sample);
                    return;
                };
                let bps = self
                    .ladder
                    .as_ref()
                    .map_or(0, |l| l.rung(rung).bitrate.bps());
                let nominal = bps as f64 / 8.0 * duration.as_secs_f64();
                self.decider.on_media(now, &sample, rung, nominal);
                self.telemetry.tracker.on_media(bps, duration);
                self.playhead.add_media(duration);
            }
            Event::RequestFailed { id, failure } => {
                let Some(i) = self.transfer(id) else { return };
                let t = self.transfers.remove(i);
                self.remember(id);
                if let Some(e) = t.edge.or_else(|| self.edges.current()) {
                    self.edges.on_failure(now, e, failure.into());
                    let name = self.edges.name(e).to_owned();
                    let tr = self.telemetry.tracker.edge(&name);
                    tr.failures = tr.failures.saturating_add(1);
                }
            }
            Event::RequestCancelled { id } => {
                if let Some(i) = self.transfer(id) {
                    self.transfers.remove(i);
                    self.remember(id);
                }
            }
            Event::Seek { position } => {
                self.playhead.on_seek(position);
                if self.over {
                    self.over = false;
                    self.telemetry.reopen(now, &self.cfg.telemetry);
                }
            }
            Event::AdviceWanted {
                segment_duration,
                sizes,
                remaining,
            } => self.advise(now, segment_duration, &sizes, remaining),
            e => playback_fact(
                now,
                e,
                &mut Parts {
                    playhead: &mut self.playhead,
                    telemetry: &mut self.telemetry,
                    decider: &mut self.decider,
                    viewport: &mut self.viewport,
                },
                &self.cfg,
            ),
        }
    }

    fn remember(&mut self, id: RequestId) {
        if self.stale.len() >= STALE_IDS {
            self.stale.pop_front();
        }
        self.stale.push_back(id);
    }

    /// The ladder entry of `rung` on `edge`'s pathway (the rung's first otherwise).
    fn entry(&self, rung: usize, edge: Option<EdgeId>) -> Option<RenditionId> {
        let list = self.rung_map.get(rung)?;
        let name = edge.map(|e| self.edges.name(e));
        list.iter()
            .find(|(p, _)| Some(p.as_str()) == name)
            .or(list.first())
            .map(|(_, r)| *r)
    }

    fn advise(
        &mut self,
        now: Timestamp,
        segment_duration: Option<Duration>,
        sizes: &[u64],
        remaining: Option<u32>,
    ) {
        if let Some(d) = segment_duration {
            self.segment_duration = d;
        }
        let Some(ladder) = self.ladder.take() else {
            return;
        };
        let seg = self.segment_duration;
        // The edge: the selector's choice among the ladder's pathways (when it names more
        // than one).
        let mut why = Why::default();
        let edge = if self.edges.len() > 1 {
            let plan_rung = self.decider.prev_rung.unwrap_or(0);
            let plan = FetchPlan {
                bytes: (ladder.bps(plan_rung) * seg.as_secs_f64() / 8.0) as u64,
                budget: seg,
            };
            self.edges.select(now, &plan).map(|c| {
                if c.switched() {
                    why.edge = Some(self.edges.why(&c, None));
                    let est = self.edges.path_estimate(now, &c);
                    self.decider.on_path_change(now, &est);
                    self.telemetry.tracker.qoe.edge_switches =
                        self.telemetry.tracker.qoe.edge_switches.saturating_add(1);
                }
                c.edge
            })
        } else {
            None
        };
        // The sizes the player knows, per rung (the entry on the advised pathway).
        let mut buf = self.decider.take_sizes();
        self.decider.fill_sizes(&mut buf, &ladder, seg, |k, r| {
            let known = (k == 0)
                .then(|| self.entry(r, edge))
                .flatten()
                .and_then(|e| sizes.get(e.0 as usize).copied());
            (known, None)
        });
        self.decider.put_sizes(buf);
        let frame = Self::frame(
            &ladder,
            &self.playhead,
            &self.cfg,
            seg,
            self.viewport,
            &self.edges,
            remaining,
        );
        let c = self.decider.choose(now, &frame);
        if let Some(rate) = c.rate {
            self.out.push(Output::SetPlaybackRate { rate });
        }
        let rung = c.rung;
        // The advice says why when the rung or edge differs from the last advice (the
        // decider compares with the last rung fetched, which the player may not have
        // followed).
        let changed = self.advised != Some((rung, edge));
        self.advised = Some((rung, edge));
        why.quality = c.why;
        let bitrate_bps = ladder.rung(rung).bitrate.bps();
        let top_bps = ladder.rung(ladder.len() - 1).bitrate.bps();
        self.ladder = Some(ladder);
        let Some(rendition) = self.entry(rung, edge) else {
            return;
        };
        let cmcd = cmcd::keys(&cmcd::Facts {
            cfg: &self.cfg.cmcd,
            session_id: &self.session_id,
            init: false,
            media: crate::MediaType::Video,
            bitrate_bps,
            top_bps,
            duration: seg,
            playhead: &self.playhead,
            mtp_bps: self.edges.last_tput_bps,
            format: None,
            live: None,
            seq: self.seq.saturating_add(1),
        });
        let pathway = edge.map(|e| {
            let mut s = self.out.take_buf();
            s.push_str(self.edges.name(e));
            s
        });
        self.out.push(Output::Advice(Advice {
            rendition,
            bitrate_bps,
            pathway,
            cmcd,
            why: (changed && !why.is_empty()).then_some(why),
        }));
    }

    fn on_progress(&mut self, now: Timestamp, id: RequestId, bytes: u64) {
        let Some(i) = self.transfer(id) else { return };
        let t = self.transfers[i].clone();
        if t.kind != ObjectKind::Media {
            return;
        }
        let sample = crate::TransferSample {
            bytes: ByteCount(bytes),
            ttfb: Duration::ZERO,
            total: now.saturating_duration_since(t.sent),
            server_hold: Duration::ZERO,
        };
        self.decider.on_progress(now, &sample);
        let (Some(rung), false) = (t.rung, t.advised) else {
            return;
        };
        let Some(ladder) = self.ladder.take() else {
            return;
        };
        let duration = t.duration.unwrap_or(self.segment_duration);
        let expected = (ladder.bps(rung) * duration.as_secs_f64() / 8.0) as u64;
        let inflight = InFlight {
            rung,
            received: ByteCount(bytes),
            expected: ByteCount(expected),
            elapsed: sample.total,
        };
        self.decider.clear_sizes();
        let frame = Self::frame(
            &ladder,
            &self.playhead,
            &self.cfg,
            duration,
            self.viewport,
            &self.edges,
            None,
        );
        let lower = self.decider.should_abandon(now, &frame, &inflight);
        let (from_bps, to_bps) = match lower {
            Some(l) => (
                ladder.rung(rung).bitrate.bps(),
                ladder.rung(l).bitrate.bps(),
            ),
            None => (0, 0),
        };
        self.ladder = Some(ladder);
        let Some(lower) = lower else { return };
        let Some(rendition) = self.entry(lower, t.edge) else {
            return;
        };
        self.transfers[i].advised = true;
        let why = Why {
            abandon: Some(AbandonWhy {
                received_bytes: bytes,
                expected_bytes: expected,
                elapsed_ms: u64::try_from(sample.total.as_millis()).unwrap_or(u64::MAX),
                buffer_ms: u64::try_from(self.playhead.buffer().as_millis()).unwrap_or(u64::MAX),
                from_bps,
                to_bps,
            }),
            ..Why::default()
        };
        self.out.push(Output::AbandonAdvice {
            id,
            rendition,
            bitrate_bps: to_bps,
            why,
        });
    }

    fn drive(&mut self, now: Timestamp) {
        if self.ladder.is_none() || self.over {
            return;
        }
        if self.telemetry.due(now, &self.cfg.telemetry) {
            let mut json = self.out.take_buf();
            self.telemetry
                .report_into(&mut json, now, &self.session_id, &self.cfg, false);
            self.out.push(Output::Telemetry { json, last: false });
        }
        if self.playhead.state == PlaybackState::Ended {
            if self.telemetry.take_final() && self.cfg.telemetry.enabled {
                let mut json = self.out.take_buf();
                self.telemetry
                    .report_into(&mut json, now, &self.session_id, &self.cfg, true);
                self.out.push(Output::Telemetry { json, last: true });
            }
            self.over = true;
            self.out.push(Output::End);
            return;
        }
        if self.preparing
            && let Some(ladder) = self.ladder.take()
        {
            let frame = Self::frame(
                &ladder,
                &self.playhead,
                &self.cfg,
                self.segment_duration,
                self.viewport,
                &self.edges,
                None,
            );
            self.preparing = self.decider.prepare(now, &frame);
            self.ladder = Some(ladder);
        }
        let candidates = [
            self.telemetry.next_at(),
            self.preparing.then(|| now.saturating_add(PREPARE_TICK)),
        ];
        if let Some(at) = candidates.into_iter().flatten().filter(|t| *t > now).min()
            && self.last_timeout.is_none_or(|t| t != at || t <= now)
        {
            self.last_timeout = Some(at);
            self.out.push(Output::Timeout { at });
        }
    }
}
