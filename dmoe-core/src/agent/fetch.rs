//! Building the requests: which rendition an edge serves, its URL there, LL-HLS reload
//! parameters, CMCD keys.

use std::fmt::Write as _;
use std::time::Duration;

use super::{
    Agent, Cmcd, CmcdMode, CmcdObject, CmcdState, Fetch, ObjectKind, Output, Request, RequestId,
};
use crate::edge::EdgeId;
use crate::{ByteRange, ManifestFormat, MediaType, PlaybackState, RenditionId, Timestamp};

impl Agent {
    /// The rendition of `rung` served by `edge`, or the rung's first one.
    pub(super) fn rendition_for(&self, rung: usize, edge: EdgeId) -> Option<RenditionId> {
        let name = self
            .selector
            .as_ref()
            .map(|s| s.edge(edge).pathway.as_str());
        rendition_in(&self.rung_map, rung, name)
    }

    /// A URL of `rendition` as served by `edge`.
    pub(super) fn url_on_edge(&self, rid: RenditionId, url: &str, edge: EdgeId) -> String {
        let mut out = String::new();
        self.write_url_on_edge(rid, url, edge, &mut out);
        out
    }

    /// [`Self::url_on_edge`] into `out` (appended): no allocation when `out` has room and
    /// the edge serves the rendition's own URLs.
    pub(super) fn write_url_on_edge(
        &self,
        rid: RenditionId,
        url: &str,
        edge: EdgeId,
        out: &mut String,
    ) {
        let (Some(p), Some(sel)) = (&self.presentation, &self.selector) else {
            out.push_str(url);
            return;
        };
        let name = &sel.edge(edge).pathway;
        let Some(r) = p.renditions.get(rid.0 as usize) else {
            out.push_str(url);
            return;
        };
        if r.pathway.as_deref().unwrap_or(".") == name {
            out.push_str(url);
            return;
        }
        if let (Some(first), Some(alt)) = (
            r.base_urls.first(),
            r.base_urls
                .iter()
                .find(|b| b.service_location.as_deref() == Some(name.as_str())),
        ) && let Some(rest) = url.strip_prefix(first.url.as_str())
        {
            out.push_str(&alt.url);
            out.push_str(rest);
            return;
        }
        match sel.rewrite(edge, url, None, r.stable_id.as_deref()) {
            Ok(u) => out.push_str(&u),
            Err(_) => out.push_str(url),
        }
    }

    pub(super) fn live_params(&self, rid: RenditionId, url: &str) -> String {
        let Some(segs) = self
            .presentation
            .as_ref()
            .and_then(|p| p.renditions.get(rid.0 as usize))
            .map(|r| &r.segments)
        else {
            return url.to_owned();
        };
        let Some(sc) = segs.server_control.as_ref().filter(|s| s.can_block_reload) else {
            return url.to_owned();
        };
        let Some(last) = segs.segments.last().map(|s| s.number) else {
            return url.to_owned();
        };
        let (msn, part) = match segs.parts.last() {
            Some(p) if p.segment > last => (p.segment, Some(p.index + 1)),
            Some(_) => (last + 1, Some(0)),
            None => (last + 1, None),
        };
        let mut u = url.to_owned();
        let sep = if u.contains('?') { '&' } else { '?' };
        let _ = write!(u, "{sep}_HLS_msn={msn}");
        if let Some(p) = part {
            let _ = write!(u, "&_HLS_part={p}");
        }
        if sc.can_skip_until.is_some() {
            u.push_str("&_HLS_skip=YES");
        }
        u
    }

    pub(super) fn cmcd(
        &self,
        kind: ObjectKind,
        rung: usize,
        duration: Duration,
        media: MediaType,
    ) -> Option<Cmcd> {
        if self.cfg.cmcd.mode == CmcdMode::Off {
            return None;
        }
        let ladder = self.ladder.as_ref()?;
        let p = self.presentation.as_ref()?;
        let buffer_ms = self.buffer().as_millis() as u64;
        let v2 = self.cfg.cmcd.version >= 2;
        Some(Cmcd {
            br: (kind == ObjectKind::Media).then(|| ladder.rung(rung).bitrate.kbps()),
            bl: Some(buffer_ms),
            bs: self.starved,
            cid: self.cfg.cmcd.content_id.clone(),
            d: (kind == ObjectKind::Media).then_some(duration.as_millis() as u64),
            dl: (self.rate > 0.0).then(|| (buffer_ms as f64 / self.rate) as u64),
            mtp: self.last_tput_kbps,
            nor: None,
            nrr: None,
            ot: Some(match (kind, media) {
                (ObjectKind::Init, _) => CmcdObject::Init,
                (_, MediaType::Audio) => CmcdObject::Audio,
                _ => CmcdObject::Video,
            }),
            pr: Some(self.rate),
            rtp: None,
            sf: Some(if p.format == ManifestFormat::Dash {
                'd'
            } else {
                'h'
            }),
            sid: Some(self.session_id.clone()),
            st: Some(if self.is_live() { 'l' } else { 'v' }),
            su: self.urgent,
            tb: Some(ladder.rung(ladder.len() - 1).bitrate.kbps()),
            v: (self.cfg.cmcd.version != 1).then_some(self.cfg.cmcd.version),
            ltc: if v2 {
                self.latency.map(|l| l.as_millis() as u64)
            } else {
                None
            },
            sn: v2.then_some(self.request_seq),
            sta: v2.then_some(match self.state {
                PlaybackState::Starting => CmcdState::Starting,
                PlaybackState::Playing => CmcdState::Playing,
                PlaybackState::Paused => CmcdState::Paused,
                PlaybackState::Seeking => CmcdState::Seeking,
                PlaybackState::Stalled => CmcdState::Rebuffering,
                PlaybackState::Ended => CmcdState::Ended,
            }),
        })
    }

    pub(super) fn attach_cmcd(
        &self,
        url: &mut String,
        headers: &mut Vec<(String, String)>,
        c: &Cmcd,
    ) {
        match self.cfg.cmcd.mode {
            CmcdMode::Query => {
                let q = c.to_query();
                if !q.is_empty() {
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str(&q);
                }
            }
            CmcdMode::Header => {
                headers.extend(c.to_headers().into_iter().map(|(k, v)| (k.to_owned(), v)));
            }
            CmcdMode::Json | CmcdMode::Off => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn make_fetch(
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
        why: Option<String>,
    ) -> Output {
        let why = match (self.carry_why.take(), why) {
            (Some(a), Some(b)) if a != b => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        // Say a reason once, not again on the segment after its init section.
        let why = why.filter(|w| self.last_why.as_deref() != Some(w.as_str()));
        if why.is_some() {
            self.last_why.clone_from(&why);
        }
        let media = self
            .presentation
            .as_ref()
            .and_then(|p| p.renditions.get(rid.0 as usize))
            .map_or(MediaType::Video, |r| r.media_type);
        let mut url = url;
        let mut headers = Vec::new();
        let cmcd = self.cmcd(kind, rung, duration, media);
        if let Some(c) = &cmcd {
            self.attach_cmcd(&mut url, &mut headers, c);
        }
        let kbps = self
            .ladder
            .as_ref()
            .map_or(0, |l| l.rung(rung).bitrate.kbps());
        let expected = match range {
            Some(r) => r.length,
            None => (kbps as f64 * 125.0 * duration.as_secs_f64()) as u64,
        };
        let id = RequestId(self.next_id);
        self.next_id += 1;
        self.request_seq += 1;
        let mut edge_name = self.take_buf();
        if let Some(s) = &self.selector {
            edge_name.push_str(&s.edge(edge).pathway);
        }
        self.request = Some(Request {
            id,
            rung,
            rendition: rid,
            number,
            kind,
            init_index,
            edge,
            duration,
            sent: now,
            started: None,
            expected,
            failed: Vec::new(),
        });
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
            bitrate_kbps: kbps,
            headers,
            cmcd,
            why,
        })
    }

    pub(super) fn fetch_init(
        &mut self,
        now: Timestamp,
        rung: usize,
        edge: EdgeId,
        rid: RenditionId,
        number: u64,
        why: Option<String>,
    ) -> Option<Output> {
        let p = self.presentation.as_ref()?;
        let segs = &p.renditions.get(rid.0 as usize)?.segments;
        let seg = find_segment(&segs.segments, number)?;
        let i = seg.init?;
        let init = segs.init_sections.get(i as usize)?;
        let range = init.byte_range;
        let mut url = self.take_buf();
        // Re-borrow: `take_buf` needed the agent mutably.
        if let Some(init) = self
            .presentation
            .as_ref()
            .and_then(|p| p.renditions.get(rid.0 as usize))
            .and_then(|r| r.segments.init_sections.get(i as usize))
        {
            self.write_url_on_edge(rid, &init.url, edge, &mut url);
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
        why: Option<String>,
    ) -> Option<Output> {
        let rid = self.rendition_for(rung, edge)?;
        let p = self.presentation.as_ref()?;
        let r = p.renditions.get(rid.0 as usize)?;
        if !r.segments.loaded {
            let uri = r.uri.clone()?;
            let url = self.url_on_edge(rid, &uri, edge);
            self.pending_playlist = Some(rid);
            if why.is_some() {
                self.carry_why = why;
            }
            return Some(Output::LoadPlaylist {
                rendition: rid,
                url,
            });
        }
        let seg = find_segment(&r.segments.segments, number)?;
        if let Some(i) = seg.init
            && self.loaded_init != Some((rid, i))
        {
            return self.fetch_init(now, rung, edge, rid, number, why);
        }
        let (range, duration) = (seg.byte_range, seg.duration);
        let mut url = self.take_buf();
        if let Some(seg) = self
            .presentation
            .as_ref()
            .and_then(|p| p.renditions.get(rid.0 as usize))
            .and_then(|r| find_segment(&r.segments.segments, number))
        {
            self.write_url_on_edge(rid, &seg.url, edge, &mut url);
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
}

/// The rendition of `rung` on the pathway `name` (the rung's first when that pathway
/// has none).
pub(super) fn rendition_in(
    rung_map: &[Vec<(String, RenditionId)>],
    rung: usize,
    name: Option<&str>,
) -> Option<RenditionId> {
    let list = rung_map.get(rung)?;
    list.iter()
        .find(|(p, _)| Some(p.as_str()) == name)
        .or(list.first())
        .map(|(_, r)| *r)
}

/// Whether the segment list of `rid` is loaded.
pub(super) fn listed(p: Option<&crate::Presentation>, rid: Option<RenditionId>) -> bool {
    rid.and_then(|rid| p?.renditions.get(rid.0 as usize))
        .is_some_and(|r| r.segments.loaded)
}

/// The segment numbered `number` (segments are in ascending number order; a linear scan
/// covers an index that is not).
pub(super) fn find_segment(segs: &[crate::Segment], number: u64) -> Option<&crate::Segment> {
    match segs.binary_search_by_key(&number, |s| s.number) {
        Ok(i) => segs.get(i),
        Err(_) => segs.iter().find(|s| s.number == number),
    }
}
