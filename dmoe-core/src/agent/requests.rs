//! The agent's requests: the one media (or init) request in flight, a probe beside it,
//! their ids, the ids forgotten (seek, abandonment) whose late reports are ignored, and the
//! deadlines each request is held to.
//!
//! **Deadlines.** A request must show its first byte within the edge's time-to-first-byte
//! timeout ([`EdgeSelector::ttfb_timeout`](crate::edge::EdgeSelector::ttfb_timeout):
//! six times the edge's TTFB estimate plus half a second, 1 to 10 s), counted from the
//! host's `RequestStarted` (or from the decision, before that). Once bytes flow, they
//! must keep flowing: no new bytes for [`STALL_TIMEOUT`] (or four times the host's usual
//! progress interval, when that is longer) is a stalled transfer. A host that has never
//! reported progress cannot show a first byte, so its requests get a completion deadline
//! instead: the TTFB timeout plus twice the segment's duration, or four times its
//! expected transfer time when that is longer. A missed deadline counts as a failure
//! for the edge's breaker and abandons the request for a refetch.

use std::collections::VecDeque;
use std::time::Duration;

use crate::edge::EdgeId;
use crate::{ByteCount, RenditionId, Timestamp, TransferSample};

use super::io::{ObjectKind, RequestId};
use super::why::DeadlineKind;

/// Ids of requests the agent forgot (seek, abandon) whose late reports are ignored.
const STALE_IDS: usize = 16;

/// Bytes that stop arriving for this long (at least) make a stalled transfer.
pub const STALL_TIMEOUT: Duration = Duration::from_millis(2500);

/// A media or init request in flight.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) id: RequestId,
    pub(crate) rung: usize,
    pub(crate) rendition: RenditionId,
    pub(crate) number: u64,
    pub(crate) kind: ObjectKind,
    pub(crate) init_index: Option<u32>,
    pub(crate) edge: EdgeId,
    pub(crate) duration: Duration,
    pub(crate) sent: Timestamp,
    pub(crate) started: Option<Timestamp>,
    /// When the first progress report came.
    pub(crate) first_byte: Option<Timestamp>,
    /// Bytes at the last progress report, and when more last arrived.
    pub(crate) bytes: u64,
    pub(crate) bytes_at: Option<Timestamp>,
    pub(crate) expected: u64,
    /// Edges this segment failed on (failover history).
    pub(crate) failed: Vec<EdgeId>,
    /// The deadline in force.
    pub(crate) deadline: Option<(Timestamp, DeadlineKind)>,
}

impl Request {
    /// A transfer sample of this request at `now`.
    pub(crate) fn sample(
        &self,
        now: Timestamp,
        bytes: u64,
        ttfb: Duration,
        hold: Duration,
    ) -> TransferSample {
        let started = self.started.unwrap_or(self.sent);
        TransferSample {
            bytes: ByteCount(bytes),
            ttfb,
            total: now.saturating_duration_since(started),
            server_hold: hold,
        }
    }

    fn base(&self) -> Timestamp {
        self.started.unwrap_or(self.sent)
    }
}

/// A probe in flight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProbeRequest {
    pub(crate) id: RequestId,
    pub(crate) edge: EdgeId,
    pub(crate) sent: Timestamp,
    pub(crate) started: Option<Timestamp>,
    pub(crate) first_byte: bool,
    pub(crate) deadline: Timestamp,
}

#[derive(Debug, Clone)]
pub(crate) struct Requests {
    pub(crate) current: Option<Request>,
    pub(crate) probe: Option<ProbeRequest>,
    stale: VecDeque<RequestId>,
    next_id: u64,
    /// Media and init requests made (CMCD `sn`).
    pub(crate) seq: u64,
    /// The host reports progress (it did at least once): first-byte and stall deadlines
    /// apply.
    progress_seen: bool,
    /// Mean interval between the host's progress reports, seconds (EWMA).
    progress_interval: Option<f64>,
    /// Deadlines on (the configuration's `deadlines`).
    pub(crate) deadlines: bool,
}

/// Where a request id points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    Current,
    Probe,
    Stale,
}

impl Requests {
    pub(crate) fn new(deadlines: bool) -> Self {
        Self {
            current: None,
            probe: None,
            stale: VecDeque::with_capacity(STALE_IDS),
            next_id: 1,
            seq: 0,
            progress_seen: false,
            progress_interval: None,
            deadlines,
        }
    }

    pub(crate) fn next_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    /// Whether `id` is a request the agent knows (for the input gate: an unknown id is
    /// refused before anything changes).
    pub(crate) fn known(&self, id: RequestId) -> Option<Known> {
        if self.current.as_ref().is_some_and(|r| r.id == id) {
            Some(Known::Current)
        } else if self.probe.is_some_and(|p| p.id == id) {
            Some(Known::Probe)
        } else if self.stale.contains(&id) {
            Some(Known::Stale)
        } else {
            None
        }
    }

    fn remember(&mut self, id: RequestId) {
        if self.stale.len() >= STALE_IDS {
            self.stale.pop_front();
        }
        self.stale.push_back(id);
    }

    /// Forget the request in flight: late reports of it are ignored.
    pub(crate) fn forget(&mut self) -> Option<Request> {
        let r = self.current.take()?;
        self.remember(r.id);
        Some(r)
    }

    /// Forget the probe in flight.
    pub(crate) fn forget_probe(&mut self) -> Option<ProbeRequest> {
        let p = self.probe.take()?;
        self.remember(p.id);
        Some(p)
    }

    /// The request just sent: its first deadline. `ttfb_timeout` is the edge's;
    /// `transfer` the expected time to move its bytes.
    pub(crate) fn arm(&mut self, ttfb_timeout: Duration, transfer: Duration) {
        let deadlines = self.deadlines;
        let progress_seen = self.progress_seen;
        let Some(r) = &mut self.current else { return };
        r.deadline = deadlines.then(|| {
            if progress_seen {
                (
                    r.base().saturating_add(ttfb_timeout),
                    DeadlineKind::FirstByte,
                )
            } else {
                let budget = r.duration.saturating_mul(2).max(transfer.saturating_mul(4));
                (
                    r.base().saturating_add(ttfb_timeout).saturating_add(budget),
                    DeadlineKind::Completion,
                )
            }
        });
    }

    /// The host sent request `id` (the current one): deadlines count from now.
    pub(crate) fn on_started(&mut self, now: Timestamp, ttfb_timeout: Duration) {
        if let Some(r) = &mut self.current {
            let shift = now.saturating_duration_since(r.base());
            r.started = Some(now);
            if let Some((at, kind)) = r.deadline
                && r.first_byte.is_none()
            {
                let _ = ttfb_timeout;
                r.deadline = Some((at.saturating_add(shift), kind));
            }
        }
    }

    fn stall_timeout(&self) -> Duration {
        let usual = self
            .progress_interval
            .map_or(Duration::ZERO, |s| crate::units::secs_saturating(4.0 * s));
        STALL_TIMEOUT.max(usual)
    }

    /// Progress of the current request: `bytes` so far at `now`.
    pub(crate) fn on_progress(&mut self, now: Timestamp, bytes: u64) {
        let first_report = !self.progress_seen;
        self.progress_seen = true;
        let stall = self.stall_timeout();
        let deadlines = self.deadlines;
        let Some(r) = &mut self.current else { return };
        if let Some(prev) = r.bytes_at {
            let dt = now.saturating_duration_since(prev).as_secs_f64();
            if dt > 0.0 && bytes > r.bytes {
                self.progress_interval = Some(match self.progress_interval {
                    Some(m) => 0.8 * m + 0.2 * dt,
                    None => dt,
                });
            }
        }
        let _ = first_report;
        if r.first_byte.is_none() {
            r.first_byte = Some(now);
        }
        if bytes > r.bytes || r.bytes_at.is_none() {
            r.bytes = bytes;
            r.bytes_at = Some(now);
        }
        if deadlines {
            let from = r.bytes_at.unwrap_or(now);
            r.deadline = Some((from.saturating_add(stall), DeadlineKind::Stalled));
        }
    }

    /// The deadline of the current request, when one is in force.
    pub(crate) fn deadline(&self) -> Option<Timestamp> {
        self.current
            .as_ref()
            .and_then(|r| r.deadline)
            .map(|d| d.0)
            .into_iter()
            .chain(self.probe.map(|p| p.deadline))
            .min()
    }

    /// The current request when its deadline has passed at `now`.
    pub(crate) fn missed(&self, now: Timestamp) -> Option<DeadlineKind> {
        self.current
            .as_ref()
            .and_then(|r| r.deadline)
            .filter(|(at, _)| now >= *at)
            .map(|d| d.1)
    }

    /// The probe when its first byte is late at `now`.
    pub(crate) fn probe_missed(&self, now: Timestamp) -> bool {
        self.deadlines
            && self
                .probe
                .is_some_and(|p| !p.first_byte && now >= p.deadline)
    }
}

/// A probe to send.
pub(crate) fn new_probe(
    id: RequestId,
    edge: EdgeId,
    now: Timestamp,
    ttfb_timeout: Duration,
) -> ProbeRequest {
    ProbeRequest {
        id,
        edge,
        sent: now,
        started: None,
        first_byte: false,
        deadline: now.saturating_add(ttfb_timeout),
    }
}

/// A request with nothing measured yet.
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_request(
    id: RequestId,
    rung: usize,
    rendition: RenditionId,
    number: u64,
    kind: ObjectKind,
    init_index: Option<u32>,
    edge: EdgeId,
    duration: Duration,
    now: Timestamp,
    expected: u64,
) -> Request {
    Request {
        id,
        rung,
        rendition,
        number,
        kind,
        init_index,
        edge,
        duration,
        sent: now,
        started: None,
        first_byte: None,
        bytes: 0,
        bytes_at: None,
        expected,
        failed: Vec::new(),
        deadline: None,
    }
}
