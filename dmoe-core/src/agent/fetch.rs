//! Building the agent's requests: the URL of a segment on an edge, its CMCD keys, the
//! playlist it needs first, its init section, and the explanation it carries.

use std::time::Duration;

use super::io::{Fetch, ObjectKind, Output, Probe};
use super::requests::{new_probe, new_request};
use super::source::find_segment;
use super::why::Why;
use super::{Agent, cmcd};
use crate::edge::EdgeId;
use crate::{ByteRange, ManifestFormat, MediaType, RenditionId, Timestamp};

impl Agent {
    /// The CMCD keys of a request at `rung` (None when CMCD is off).
    fn cmcd_for(
        &self,
        kind: ObjectKind,
        rung: usize,
        duration: Duration,
        media: MediaType,
    ) -> Option<cmcd::Cmcd> {
        let ladder = self.source.ladder.as_ref()?;
        cmcd::keys(&cmcd::Facts {
            cfg: &self.cfg.cmcd,
            session_id: &self.session_id,
            init: kind == ObjectKind::Init,
            media,
            bitrate_bps: ladder.rung(rung).bitrate.bps(),
            top_bps: ladder.rung(ladder.len() - 1).bitrate.bps(),
            duration,
            playhead: &self.playhead,
            mtp_bps: self.edges.last_tput_bps,
            format: Some(if self.source.format() == Some(ManifestFormat::Dash) {
                'd'
            } else {
                'h'
            }),
            live: Some(self.source.is_live()),
            seq: self.requests.seq,
        })
    }

    /// A request the host should make, registered as the one in flight.
    #[allow(clippy::too_many_arguments)]
    fn make_fetch(
        &mut self,
        now: Timestamp,
        rung: usize,
        edge: EdgeId,
        rid: RenditionId,
        number: u64,
        kind: ObjectKind,
        init_index: Option<u32>,
        url: String,
        range: Option<ByteRange>,
        duration: Duration,
        why: Option<Why>,
    ) -> Output {
        let why = match (self.carry_why.take(), why) {
            (Some(a), Some(b)) if a != b => Some(a.merged(b)),
            (a, b) => a.or(b),
        };
        // Say a reason once, not again on the segment after its init section.
        let why = why.filter(|w| self.last_why.as_ref() != Some(w));
        if why.is_some() {
            self.last_why.clone_from(&why);
        }
        let media = self
            .source
            .presentation
            .as_ref()
            .and_then(|p| p.renditions.get(rid.0 as usize))
            .map_or(MediaType::Video, |r| r.media_type);
        let mut url = url;
        let mut headers = Vec::new();
        self.requests.seq = self.requests.seq.saturating_add(1);
        let cmcd = self.cmcd_for(kind, rung, duration, media);
        if let Some(c) = &cmcd {
            cmcd::attach(self.cfg.cmcd.mode, &mut url, &mut headers, c);
        }
        let bps = self
            .source
            .ladder
            .as_ref()
            .map_or(0, |l| l.rung(rung).bitrate.bps());
        let expected = match range {
            Some(r) => r.length,
            None => (bps as f64 / 8.0 * duration.as_secs_f64()) as u64,
        };
        let id = self.requests.next_id();
        let mut edge_name = self.out.take_buf();
        edge_name.push_str(self.edges.name(edge));
        self.requests.current = Some(new_request(
            id, rung, rid, number, kind, init_index, edge, duration, now, expected,
        ));
        // The time the transfer should take on the edge's estimate (for a host that
        // reports no progress, the completion deadline).
        let est = self.edges.throughput(now, edge).unwrap_or(5e6).max(1e5);
        let transfer = crate::units::secs_saturating(expected as f64 * 8.0 / est);
        let ttfb = self.edges.ttfb_timeout(edge);
        self.requests.arm(ttfb, transfer);
        Output::Fetch(Fetch {
            id,
            url,
            byte_range: range,
            rendition: rid,
            media,
            kind,
            segment: number,
            duration,
            edge: edge_name,
            bitrate_bps: bps,
            headers,
            cmcd,
            why,
        })
    }

    /// The init section request for segment `number` of `rid`.
    pub(super) fn fetch_init(
        &mut self,
        now: Timestamp,
        rung: usize,
        edge: EdgeId,
        rid: RenditionId,
        number: u64,
        why: Option<Why>,
    ) -> Option<Output> {
        let segs = self.source.segments(rid)?;
        let i = find_segment(&segs.segments, number)?.init?;
        let init = segs.init_sections.get(i as usize)?;
        let range = init.byte_range;
        let mut url = self.out.take_buf();
        // Re-borrow: `take_buf` needed the agent mutably.
        if let Some(init) = self
            .source
            .segments(rid)
            .and_then(|s| s.init_sections.get(i as usize))
        {
            self.source.write_url_on_edge(
                rid,
                &init.url,
                edge,
                self.edges.selector.as_ref(),
                &mut url,
            );
        }
        Some(self.make_fetch(
            now,
            rung,
            edge,
            rid,
            number,
            ObjectKind::Init,
            Some(i),
            url,
            range,
            Duration::ZERO,
            why,
        ))
    }

    /// The fetch (or the playlist load it needs first) for segment `number` at `rung` on
    /// `edge`.
    pub(super) fn build_fetch(
        &mut self,
        now: Timestamp,
        rung: usize,
        edge: EdgeId,
        number: u64,
        why: Option<Why>,
    ) -> Option<Output> {
        let rid = self
            .source
            .rendition_for(rung, edge, self.edges.selector.as_ref())?;
        let p = self.source.presentation.as_ref()?;
        let r = p.renditions.get(rid.0 as usize)?;
        if !r.segments.loaded {
            let uri = r.uri.clone()?;
            let mut url = String::new();
            self.source
                .write_url_on_edge(rid, &uri, edge, self.edges.selector.as_ref(), &mut url);
            self.source.pending_playlist = Some(rid);
            if why.is_some() {
                self.carry_why = why;
            }
            return Some(Output::LoadPlaylist {
                rendition: rid,
                url,
                prefetch: false,
            });
        }
        let seg = find_segment(&r.segments.segments, number)?;
        if let Some(i) = seg.init
            && self.source.loaded_init != Some((rid, i))
        {
            return self.fetch_init(now, rung, edge, rid, number, why);
        }
        let (range, duration) = (seg.byte_range, seg.duration);
        let mut url = self.out.take_buf();
        if let Some(seg) = self
            .source
            .segments(rid)
            .and_then(|s| find_segment(&s.segments, number))
        {
            self.source.write_url_on_edge(
                rid,
                &seg.url,
                edge,
                self.edges.selector.as_ref(),
                &mut url,
            );
        }
        Some(self.make_fetch(
            now,
            rung,
            edge,
            rid,
            number,
            ObjectKind::Media,
            None,
            url,
            range,
            duration,
            why,
        ))
    }

    /// A probe of `edge`: the first `bytes` of the next segment at the current rung there.
    pub(super) fn build_probe(
        &mut self,
        now: Timestamp,
        edge: EdgeId,
        bytes: u64,
    ) -> Option<Output> {
        let rung = self.decider.prev_rung.unwrap_or(0);
        let rid = self
            .source
            .rendition_for(rung, edge, self.edges.selector.as_ref())?;
        let number = self.source.next_number?;
        let segs = self.source.segments(rid).filter(|s| s.loaded)?;
        let seg = find_segment(&segs.segments, number).or(segs.segments.last())?;
        let range = match seg.byte_range {
            Some(r) => ByteRange {
                start: r.start,
                length: r.length.min(bytes),
            },
            None => ByteRange {
                start: 0,
                length: bytes,
            },
        };
        let mut url = self.out.take_buf();
        self.source
            .write_url_on_edge(rid, &seg.url, edge, self.edges.selector.as_ref(), &mut url);
        let id = self.requests.next_id();
        let timeout = self.edges.ttfb_timeout(edge);
        self.requests.probe = Some(new_probe(id, edge, now, timeout));
        let mut name = self.out.take_buf();
        name.push_str(self.edges.name(edge));
        Some(Output::Probe(Probe {
            id,
            url,
            byte_range: range,
            edge: name,
        }))
    }

    /// The `k`-th next segment's size at `rung` when the player knows it (a byte range),
    /// with its duration.
    pub(super) fn known_size(
        &self,
        number: u64,
        k: usize,
        rung: usize,
        edge: Option<EdgeId>,
    ) -> (Option<u64>, Option<Duration>) {
        let rid = match edge {
            Some(e) => self
                .source
                .rendition_for(rung, e, self.edges.selector.as_ref()),
            None => self.source.rendition_in(rung, None),
        };
        let Some(segs) = rid.and_then(|r| self.source.segments(r)) else {
            return (None, None);
        };
        match find_segment(&segs.segments, number.saturating_add(k as u64)) {
            Some(s) => (s.byte_range.map(|r| r.length), Some(s.duration)),
            None => (None, None),
        }
    }
}
