//! The simulated player: a host of the shipped [`Agent`](dmoe_core::agent::Agent) (or [`Advisor`](dmoe_core::agent::Advisor)) over simulated
//! edges, on a simulated clock. It does what a player does and nothing more: it hands the
//! agent the manifest (or the ladder and segment lists it parsed), carries out the agent's
//! outputs — fetches, abandonments, cancellations, probes, playlist and steering loads —
//! against the edges' links, reports every request's start, progress and end, plays the
//! buffer out, stalls when it runs dry, seeks when the script says, ticks at the agent's
//! timeouts, and stops at [`Output::End`]. It never decides a rendition or an edge itself:
//! every decision measured here is the agent's.
//!
//! Two reference hosts are built on the same loop and say so where they are used:
//! [`Router::Oracle`] (a request router in front of the edges that knows each one's future
//! and sends every request to the edge that delivers it soonest), and the advisor host
//! ([`Driver::Advisor`]: the player fetches segments in order itself and asks the advisor
//! which rendition each one should be).

use std::time::Duration;

use dmoe_core::agent::{Event, Failure, Fetch, Input, ObjectKind, Output, RequestId};
use dmoe_core::{MediaType, PlaybackState, RenditionId, Timestamp};

use crate::link::TraceLink;

mod stage;

use stage::within;
pub use stage::{Driver, NetEdge, Played, Router, Stage, SteeringReply, Transcript};

/// A request the player is carrying out.
#[derive(Debug, Clone)]
struct Transfer {
    id: u64,
    edge: usize,
    rendition: Option<RenditionId>,
    number: u64,
    kind: ObjectKind,
    media_s: f64,
    bytes: f64,
    sent: f64,
    first_byte: Option<f64>,
    /// Bytes moved up to `anchor` (s), and how many transfers shared the last mile since.
    done: f64,
    anchor: f64,
    sharers: usize,
    /// Its round trip and the CMSD header its response carries.
    rtt: f64,
    cmsd: Option<String>,
    probe: bool,
    /// When the object this transfer carries was first asked for on another edge (a
    /// failover's start).
    failed_since: Option<(f64, usize)>,
    /// It carries an object whose request failed before.
    failover: bool,
}

impl Transfer {
    /// A transfer of `bytes` on `edge`, sent at `now`, nothing moved yet.
    fn new(id: u64, edge: usize, now: f64, bytes: f64) -> Self {
        Self {
            id,
            edge,
            rendition: None,
            number: 0,
            kind: ObjectKind::Init,
            media_s: 0.0,
            bytes,
            sent: now,
            first_byte: None,
            done: 0.0,
            anchor: now,
            sharers: 1,
            rtt: 0.0,
            cmsd: None,
            probe: false,
            failed_since: None,
            failover: false,
        }
    }
}

struct Sim<'s> {
    stage: &'s Stage,
    /// Per edge: its link when one and when two transfers share the last mile.
    links: Vec<[TraceLink; 2]>,
    now: f64,
    seq: u64,
    pending: Vec<(f64, u64, Event)>,
    timeout: Option<f64>,
    buffer: f64,
    position: f64,
    state: PlaybackState,
    stall_since: Option<f64>,
    /// Stall time counted up to the last media arrival.
    stall_mark: f64,
    transfers: Vec<Transfer>,
    /// (kind, number) of the object whose request failed or missed a deadline, with when
    /// it was first sent and on which edge.
    failing: Option<(ObjectKind, u64, f64, usize)>,
    abandoned: Option<u64>,
    t: Transcript,
    /// Advisor host: the next segment to fetch, and its ids.
    next_k: u64,
    next_id: u64,
    host_wake: Option<f64>,
    /// Advisor host: after a failed request, no new one before this.
    retry_at: Option<f64>,
    advisor: bool,
}

fn at(s: f64) -> Timestamp {
    Timestamp::from_micros((s.max(0.0) * 1e6).round() as u64)
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

impl Sim<'_> {
    fn push(&mut self, t: f64, e: Event) {
        self.seq += 1;
        self.pending.push((t, self.seq, e));
    }

    fn cancel(&mut self, id: u64) {
        self.pending.retain(|(_, _, e)| !response_to(e, id));
        self.transfers.retain(|t| t.id != id);
        self.reschedule();
    }

    /// Transfers moving bytes (answered, not finished) share the last mile: whenever
    /// their number changes, each one's progress and completion are computed again from
    /// now on.
    fn reschedule(&mut self) {
        let now = self.now;
        let sharers = self
            .transfers
            .iter()
            .filter(|t| t.first_byte.is_some())
            .count()
            .clamp(1, 2);
        for i in 0..self.transfers.len() {
            let Some(first) = self.transfers[i].first_byte else {
                continue;
            };
            let tr = &mut self.transfers[i];
            let from = tr.anchor.max(first);
            if now > from {
                let old = &self.links[tr.edge][tr.sharers - 1];
                tr.done = (tr.done + old.bytes_between(from, now)).min(tr.bytes);
            }
            tr.anchor = now;
            tr.sharers = sharers;
            let tr = tr.clone();
            self.pending.retain(|(_, _, e)| {
                !matches!(e, Event::RequestProgress { id, .. } | Event::RequestCompleted { id, .. } if id.0 == tr.id)
            });
            let link = &self.links[tr.edge][sharers - 1];
            let start = now.max(first);
            let end = link.finish(start, tr.bytes - tr.done);
            let id = RequestId(tr.id);
            let mut events = Vec::new();
            if let Some(every) = self.stage.progress_s.filter(|p| *p > 0.0) {
                let mut k = ((start - first) / every).floor() + 1.0;
                while first + k * every < end - 1e-3 {
                    let when = first + k * every;
                    let got = (tr.done + link.bytes_between(start, when)).min(tr.bytes);
                    events.push((
                        when,
                        Event::RequestProgress {
                            id,
                            bytes: got as u64,
                        },
                    ));
                    k += 1.0;
                }
            }
            events.push((
                end,
                Event::RequestCompleted {
                    id,
                    bytes: tr.bytes as u64,
                    ttfb: secs(tr.rtt),
                    cmsd_static: None,
                    cmsd_dynamic: tr.cmsd.clone(),
                },
            ));
            for (t, e) in events {
                self.push(t, e);
            }
        }
    }

    fn edge_named(&self, name: &str) -> Option<usize> {
        self.stage.edges.iter().position(|e| e.name == name)
    }

    fn media_bytes(&self, rendition: Option<RenditionId>, number: u64) -> f64 {
        let rung = rendition
            .and_then(|r| self.stage.rung_of.get(r.0 as usize).copied())
            .unwrap_or(0);
        let v = &self.stage.video;
        let k = (number as usize).min(v.segments().saturating_sub(1));
        v.sizes[k][rung.min(v.bitrates_kbps.len() - 1)] as f64
    }

    /// Start a transfer and schedule what the host will report of it.
    fn start(&mut self, mut tr: Transfer) {
        if self.stage.router == Router::Oracle && !tr.probe {
            // The router sends it where it completes soonest.
            let now = self.now;
            tr.edge = (0..self.stage.edges.len())
                .filter_map(|e| {
                    self.stage.edges[e]
                        .completes(now, tr.bytes)
                        .map(|end| (e, end))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(0, |(e, _)| e);
        }
        let id = RequestId(tr.id);
        let e = &self.stage.edges[tr.edge];
        let t = self.now;
        let rtt = e.rtt(t);
        if within(&e.down, t) {
            self.push(
                t + rtt,
                Event::RequestFailed {
                    id,
                    failure: Failure::Http { status: 503 },
                },
            );
        } else if within(&e.blackhole, t) {
            // No answer: only the agent's deadline (or a cancellation) ends it.
        } else {
            tr.first_byte = Some(t + rtt);
            tr.rtt = rtt;
            tr.cmsd = Some(if within(&e.duress, t) {
                format!("\"{}\";du", e.name)
            } else {
                format!("\"{}\";rtt={}", e.name, (rtt * 1000.0) as u64)
            });
            tr.anchor = t;
            tr.done = 0.0;
            tr.sharers = 1;
        }
        let answered = tr.first_byte.is_some();
        self.transfers.push(tr);
        if answered {
            self.reschedule();
        }
    }

    fn fetch(&mut self, f: &Fetch) {
        let edge = match self.stage.router {
            Router::Oracle => Some(0),
            Router::AsAsked => self.edge_named(&f.edge),
        };
        let Some(edge) = edge else {
            self.push(
                self.now + 0.01,
                Event::RequestFailed {
                    id: f.id,
                    failure: Failure::Connection,
                },
            );
            return;
        };
        let bytes = match (f.byte_range, f.kind) {
            (Some(r), _) => r.length as f64,
            (None, ObjectKind::Init) => self.stage.init_bytes,
            (None, ObjectKind::Media) => self.media_bytes(Some(f.rendition), f.segment),
        };
        let failed_since = match self.failing {
            Some((k, n, since, e)) if k == f.kind && n == f.segment => Some((since, e)),
            _ => None,
        };
        self.push(self.now, Event::RequestStarted { id: f.id });
        self.start(Transfer {
            rendition: Some(f.rendition),
            number: f.segment,
            kind: f.kind,
            media_s: if f.kind == ObjectKind::Media {
                f.duration.as_secs_f64()
            } else {
                0.0
            },
            failover: failed_since.is_some(),
            failed_since,
            ..Transfer::new(f.id.0, edge, self.now, bytes)
        });
    }

    /// Carry out one output of the agent.
    fn carry_out(&mut self, o: &Output) {
        match o {
            Output::Fetch(f) => self.fetch(f),
            Output::Abandon { id, refetch, why } => {
                self.note_failing(id.0, why.deadline.is_some());
                self.abandoned = Some(refetch.segment);
                self.cancel(id.0);
                self.fetch(refetch);
            }
            Output::Cancel { id } => {
                // A media request cancelled without a replacement in the same output: its
                // refetch comes once another edge's playlist is in (a failover).
                self.note_failing(id.0, true);
                self.cancel(id.0);
            }
            Output::Probe(p) => {
                self.t.probes += 1;
                let Some(edge) = self.edge_named(&p.edge) else {
                    return;
                };
                self.push(self.now, Event::RequestStarted { id: p.id });
                self.start(Transfer {
                    probe: true,
                    ..Transfer::new(p.id.0, edge, self.now, p.byte_range.length as f64)
                });
            }
            Output::LoadPlaylist { rendition, .. } => {
                let answer = self
                    .stage
                    .playlists
                    .get(rendition.0 as usize)
                    .cloned()
                    .unwrap_or(Event::PlaylistFailed {
                        rendition: Some(*rendition),
                        failure: Failure::Http { status: 404 },
                    });
                self.push(self.now + 0.03, answer);
            }
            Output::LoadSteering { .. } => {
                let reply = self
                    .stage
                    .steering
                    .iter()
                    .rev()
                    .find(|(from, _)| *from <= self.now)
                    .map(|(_, r)| r.clone());
                let event = match reply {
                    Some(SteeringReply::Priority(p)) => {
                        self.t.steering_orders.push((self.now + 0.03, p.clone()));
                        let list: Vec<String> = p.iter().map(|s| format!("\"{s}\"")).collect();
                        Event::SteeringLoaded {
                            status: 200,
                            retry_after: None,
                            body: format!(
                                "{{\"VERSION\":1,\"TTL\":{},\"PATHWAY-PRIORITY\":[{}]}}",
                                self.stage.steering_ttl_s,
                                list.join(",")
                            ),
                        }
                    }
                    Some(SteeringReply::TooMany(s)) => Event::SteeringLoaded {
                        status: 429,
                        retry_after: Some(Duration::from_secs(s)),
                        body: String::new(),
                    },
                    Some(SteeringReply::Garbage) => Event::SteeringLoaded {
                        status: 200,
                        retry_after: None,
                        body: "<html>502 Bad Gateway</html>".into(),
                    },
                    Some(SteeringReply::Gone) => Event::SteeringLoaded {
                        status: 410,
                        retry_after: None,
                        body: String::new(),
                    },
                    None => Event::SteeringFailed,
                };
                self.push(self.now + 0.03, event);
            }
            Output::Timeout { at } => self.timeout = Some(at.as_micros() as f64 / 1e6),
            Output::End => self.t.ended = true,
            _ => {}
        }
    }

    /// A media request that failed or missed a deadline: its failover starts here (or
    /// earlier, when it already failed elsewhere).
    fn note_failing(&mut self, id: u64, failed: bool) {
        if !failed {
            return;
        }
        if let Some(tr) = self.transfers.iter().find(|t| t.id == id && !t.probe) {
            let since = tr.failed_since.unwrap_or((tr.sent, tr.edge));
            self.failing = Some((tr.kind, tr.number, since.0, since.1));
        }
    }

    fn feed(&mut self, d: &mut Driver, event: Event) {
        let input = Input::new(at(self.now), event);
        let r = match d {
            Driver::Agent(a) => a.handle_input(input),
            Driver::Advisor(a) => a.handle_input(input),
        };
        if let Err(e) = r {
            self.t.refused.push(e.to_string());
        }
        loop {
            let o = match d {
                Driver::Agent(a) => a.poll_output(),
                Driver::Advisor(a) => a.poll_output(),
            };
            let Some(o) = o else { break };
            self.t
                .outputs
                .push(serde_json::to_string(&o).unwrap_or_default());
            self.t.output_times.push(self.now);
            match (&*d, &o) {
                (Driver::Advisor(_), Output::Advice(a)) => self.fetch_advised(a.rendition),
                (Driver::Advisor(_), Output::AbandonAdvice { id, rendition, .. }) => {
                    if let Some(tr) = self.transfers.iter().find(|t| t.id == id.0).cloned() {
                        self.cancel(id.0);
                        self.abandoned = Some(tr.number);
                        self.pending
                            .push((self.now, 0, Event::RequestCancelled { id: *id }));
                        self.next_k = tr.number;
                        self.host_fetch_at(*rendition, tr.number);
                    }
                }
                _ => self.carry_out(&o),
            }
        }
    }

    /// Advisor host: fetch segment `next_k` at the advised rendition.
    fn fetch_advised(&mut self, rendition: RenditionId) {
        let k = self.next_k;
        self.host_fetch_at(rendition, k);
    }

    fn host_fetch_at(&mut self, rendition: RenditionId, k: u64) {
        self.next_id += 1;
        let id = self.next_id;
        let media_s = self.stage.video.segment_s;
        self.next_k = k + 1;
        let bytes = self.media_bytes(Some(rendition), k);
        self.pending.push((
            self.now,
            0,
            Event::TransferStarted {
                id: RequestId(id),
                rendition: Some(rendition),
                kind: ObjectKind::Media,
                duration: Some(secs(media_s)),
                pathway: None,
            },
        ));
        self.start(Transfer {
            rendition: Some(rendition),
            number: k,
            kind: ObjectKind::Media,
            media_s,
            ..Transfer::new(id, 0, self.now, bytes)
        });
    }

    /// Advisor host: ask for advice when a segment is due and the buffer has room.
    fn host_wants(&self) -> bool {
        let segs = self.stage.video.segments() as u64;
        let busy = self.transfers.iter().any(|t| !t.probe);
        !busy
            && self.retry_at.is_none_or(|t| self.now >= t)
            && self.next_k < segs
            && self.buffer + self.stage.video.segment_s <= self.stage.max_buffer_s + 1e-9
    }
}

fn response_to(e: &Event, id: u64) -> bool {
    matches!(e, Event::RequestCompleted { id: i, .. }
        | Event::RequestFailed { id: i, .. }
        | Event::RequestStarted { id: i }
        | Event::RequestProgress { id: i, .. } if i.0 == id)
}

/// Play `stage` with `driver`.
pub fn run(driver: &mut Driver, stage: &Stage) -> Transcript {
    let media_s = stage.video.segment_s * stage.video.segments() as f64;
    let until = stage.until_s + 1.0;
    let links = stage
        .edges
        .iter()
        .map(|e| match &stage.last_mile {
            Some(lm) => [e.link.shared(lm, 1, until), e.link.shared(lm, 2, until)],
            None => [e.link.clone(), e.link.clone()],
        })
        .collect();
    let mut s = Sim {
        stage,
        links,
        now: 0.0,
        seq: 0,
        pending: Vec::new(),
        timeout: None,
        buffer: 0.0,
        position: 0.0,
        state: PlaybackState::Starting,
        stall_since: None,
        stall_mark: 0.0,
        transfers: Vec::new(),
        failing: None,
        abandoned: None,
        t: Transcript::default(),
        next_k: 0,
        next_id: 0,
        host_wake: None,
        retry_at: None,
        advisor: false,
    };
    let mut seeks = stage.seeks.clone();
    let advisor = matches!(driver, Driver::Advisor(_));
    s.advisor = advisor;
    s.feed(driver, stage.first.clone());
    if advisor && let Driver::Advisor(_) = driver {
        s.feed(
            driver,
            Event::Playback {
                state: PlaybackState::Starting,
                rate: 1.0,
            },
        );
    }
    loop {
        if s.t.ended {
            break;
        }
        if advisor && s.host_wants() {
            s.feed(
                driver,
                Event::AdviceWanted {
                    segment_duration: Some(secs(stage.video.segment_s)),
                    sizes: Vec::new(),
                    remaining: Some((stage.video.segments() as u64 - s.next_k) as u32),
                },
            );
            continue;
        }
        if advisor {
            // The player looks again when its buffer has drained enough for a segment.
            let busy = s.transfers.iter().any(|t| !t.probe);
            let excess = s.buffer + stage.video.segment_s - stage.max_buffer_s;
            let room_at = if excess <= 1e-9 {
                Some(s.now)
            } else if s.state == PlaybackState::Playing {
                Some(s.now + excess.max(0.01))
            } else {
                None
            };
            s.host_wake = room_at
                .map(|r| r.max(s.retry_at.unwrap_or(r)))
                .filter(|_| !busy && s.next_k < stage.video.segments() as u64);
        }
        let next = s
            .pending
            .iter()
            .enumerate()
            .min_by(|a, b| {
                (a.1.0, a.1.1)
                    .partial_cmp(&(b.1.0, b.1.1))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map(|(i, p)| (i, p.0));
        let dry_at = (s.state == PlaybackState::Playing).then_some(s.now + s.buffer);
        let seek_at = seeks.first().map(|x| x.0);
        let mut t_next = f64::INFINITY;
        for t in [next.map(|p| p.1), dry_at, seek_at, s.timeout, s.host_wake]
            .into_iter()
            .flatten()
        {
            t_next = t_next.min(t);
        }
        if !t_next.is_finite() || t_next > stage.until_s {
            break;
        }
        // Time passes: the buffer plays out.
        let dt = (t_next - s.now).max(0.0);
        if s.state == PlaybackState::Playing {
            let p = dt.min(s.buffer);
            s.buffer -= p;
            s.position += p;
        }
        s.now = t_next;
        let event = if dry_at.is_some_and(|t| t <= s.now) && s.state == PlaybackState::Playing {
            if s.position + 1e-6 >= media_s {
                s.state = PlaybackState::Ended;
            } else {
                s.state = PlaybackState::Stalled;
                s.t.stalls += 1;
                s.stall_since = Some(s.now);
            }
            Event::Playback {
                state: s.state,
                rate: 1.0,
            }
        } else if seek_at.is_some_and(|t| t <= s.now) {
            let (_, pos) = seeks.remove(0);
            s.buffer = 0.0;
            s.position = pos;
            if let Some(since) = s.stall_since.take() {
                s.t.stall_s += s.now - since;
            }
            s.state = PlaybackState::Seeking;
            // The media requests in flight are dropped with the old buffer.
            let drop: Vec<u64> = s
                .transfers
                .iter()
                .filter(|t| !t.probe)
                .map(|t| t.id)
                .collect();
            for id in drop {
                s.cancel(id);
            }
            if advisor {
                s.next_k = (pos / stage.video.segment_s).floor() as u64;
            }
            Event::Seek {
                position: secs(pos),
            }
        } else if let Some((i, _)) = next.filter(|p| p.1 <= s.now) {
            let (_, _, e) = s.pending.remove(i);
            on_response(&mut s, &e);
            e
        } else if s.host_wake.is_some_and(|t| t <= s.now) {
            s.host_wake = None;
            continue;
        } else {
            s.timeout = None;
            Event::Tick
        };
        let media_done = matches!(&event, Event::RequestCompleted { .. });
        s.feed(driver, event);
        // After a segment lands: tell the agent the buffer, and start or resume playing.
        if media_done || matches!(s.state, PlaybackState::Seeking) {
            s.feed(
                driver,
                Event::Buffer {
                    media: MediaType::Video,
                    level: secs(s.buffer),
                },
            );
        }
        let ready = s.buffer + 1e-9 >= stage.start_buffer_s.min(media_s - s.position)
            && s.buffer > 0.0
            && matches!(
                s.state,
                PlaybackState::Starting | PlaybackState::Stalled | PlaybackState::Seeking
            );
        if ready {
            if s.state == PlaybackState::Starting {
                s.t.startup_s = s.now;
            }
            if let Some(since) = s.stall_since.take() {
                s.t.stall_s += s.now - since;
            }
            s.state = PlaybackState::Playing;
            s.feed(
                driver,
                Event::Playback {
                    state: PlaybackState::Playing,
                    rate: 1.0,
                },
            );
            s.feed(
                driver,
                Event::Position {
                    position: secs(s.position),
                    latency: None,
                },
            );
        }
    }
    if let Some(since) = s.stall_since.take() {
        s.t.stall_s += s.now - since;
    }
    s.t.session_s = s.now;
    s.t.recording = match driver {
        Driver::Agent(a) => a.recording().to_vec(),
        Driver::Advisor(a) => a.recording().to_vec(),
    };
    s.t
}

/// The host's side of a response: buffer, played log, failover timing.
fn on_response(s: &mut Sim<'_>, e: &Event) {
    match e {
        Event::RequestProgress { id, .. } => {
            if let Some(tr) = s.transfers.iter().find(|t| t.id == id.0).cloned()
                && let Some((since, from)) = tr.failed_since
                && tr.edge != from
                && let Some(first) = tr.first_byte
            {
                s.t.failovers_ms.push((first - since) * 1000.0);
                if let Some(t) = s.transfers.iter_mut().find(|t| t.id == id.0) {
                    t.failed_since = None;
                }
                s.failing = None;
            }
        }
        Event::RequestCompleted { id, bytes, .. } => {
            let Some(i) = s.transfers.iter().position(|t| t.id == id.0) else {
                return;
            };
            let tr = s.transfers.remove(i);
            s.reschedule();
            if let (Some((since, from)), Some(first)) = (tr.failed_since, tr.first_byte)
                && tr.edge != from
            {
                s.t.failovers_ms.push((first - since) * 1000.0);
                s.failing = None;
            }
            if tr.kind != ObjectKind::Media || tr.probe {
                return;
            }
            // The stall since the previous segment arrived, an open one included.
            let so_far = s.t.stall_s + s.stall_since.map_or(0.0, |since| s.now - since);
            let stall = so_far - s.stall_mark;
            s.stall_mark = so_far;
            s.buffer += tr.media_s;
            let took = s.now - tr.first_byte.unwrap_or(tr.sent);
            let rung = tr
                .rendition
                .and_then(|r| s.stage.rung_of.get(r.0 as usize).copied())
                .unwrap_or(0);
            s.t.played.push(Played {
                at_s: s.now,
                sent_s: tr.sent,
                number: tr.number,
                rung,
                buffer_s: s.buffer,
                stall_s: stall.max(0.0),
                throughput_mbps: *bytes as f64 * 8.0 / took.max(1e-9) / 1e6,
                abandoned: s.abandoned == Some(tr.number),
                edge: tr.edge,
                failover: tr.failover,
            });
        }
        Event::RequestFailed { id, .. } => {
            if let Some(tr) = s.transfers.iter().find(|t| t.id == id.0).cloned() {
                if !tr.probe && tr.kind == ObjectKind::Media {
                    let since = tr.failed_since.unwrap_or((tr.sent, tr.edge));
                    s.failing = Some((tr.kind, tr.number, since.0, since.1));
                    if s.advisor {
                        // The player retries the segment after a pause, as players do.
                        s.next_k = tr.number;
                        s.retry_at = Some(s.now + 0.5);
                    }
                }
                s.transfers.retain(|t| t.id != id.0);
                s.reschedule();
            }
        }
        _ => {}
    }
}
