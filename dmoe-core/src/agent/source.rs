//! What the session plays: the presentation, the ladder built from it (one rung per
//! distinct bitrate, each with its renditions per pathway), which segment comes next, and
//! when live playlists and manifests are refreshed.

use std::fmt::Write as _;
use std::time::Duration;

use crate::edge::{EdgeId, EdgeSelector};
use crate::{
    Bitrate, Ladder, ManifestFormat, Presentation, PresentationKind, RenditionId, Rung, Segment,
    SegmentIndex, Timestamp,
};

use super::io::AgentError;

/// Per ladder rung, the renditions that serve it, each with its pathway.
pub(super) type RungMap = Vec<Vec<(String, RenditionId)>>;

/// A rung while the ladder is built: bitrate, renditions per pathway, the rung.
type RungEntry = (u64, Vec<(String, RenditionId)>, Rung);

#[derive(Debug, Clone, Default)]
pub(crate) struct Source {
    pub(crate) presentation: Option<Presentation>,
    pub(crate) manifest_url: Option<String>,
    pub(crate) ladder: Option<Ladder>,
    /// Per rung: the renditions serving it, with their pathway.
    rung_map: RungMap,
    /// The next media segment's number.
    pub(crate) next_number: Option<u64>,
    /// The init section loaded last (rendition, index).
    pub(crate) loaded_init: Option<(RenditionId, u32)>,
    /// The playlist a decision waits for.
    pub(crate) pending_playlist: Option<RenditionId>,
    /// A live playlist refresh due.
    pub(crate) refresh_at: Option<(RenditionId, Timestamp)>,
    /// A live playlist refresh in flight (fetching goes on meanwhile).
    pub(crate) refreshing: Option<RenditionId>,
    /// A list loaded ahead of need (for a probe) in flight.
    pub(crate) prefetching: Option<RenditionId>,
    /// A live DASH manifest refresh due.
    pub(crate) manifest_refresh_at: Option<Timestamp>,
    /// Every segment of a VOD was fetched.
    pub(crate) fetched_all: bool,
}

/// The ladder of a presentation: the first period's video variants (audio-only when there
/// is no video), one rung per distinct bitrate; each rung lists its renditions per pathway.
pub(crate) fn ladder_of(p: &Presentation) -> Result<(Ladder, RungMap), AgentError> {
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
        match rungs
            .iter_mut()
            .find(|(b, _, r)| *b == bps && (r.resolution == v.resolution || r.resolution.is_none()))
        {
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
    Ok((ladder, rungs.into_iter().map(|r| r.1).collect()))
}

/// The segment numbered `number` (segments are in ascending number order; a linear scan
/// covers an index that is not).
pub(crate) fn find_segment(segs: &[Segment], number: u64) -> Option<&Segment> {
    match segs.binary_search_by_key(&number, |s| s.number) {
        Ok(i) => segs.get(i),
        Err(_) => segs.iter().find(|s| s.number == number),
    }
}

impl Source {
    /// Take a presentation (its ladder already built); `refresh_at` is the refresh a
    /// lone live media playlist asks for.
    pub(crate) fn install(
        &mut self,
        now: Timestamp,
        url: String,
        p: Presentation,
        ladder: Ladder,
        rung_map: RungMap,
    ) {
        // A lone live media playlist is its own refresh target.
        let mut refresh = None;
        if p.format == ManifestFormat::HlsMedia && p.kind != PresentationKind::Vod {
            if let Some(r) = p.renditions.first().filter(|r| !r.segments.ended) {
                let wait = if blocks(&r.segments) {
                    Duration::ZERO
                } else {
                    r.segments.target_duration.unwrap_or(Duration::from_secs(4))
                };
                refresh = Some((r.id, now.saturating_add(wait)));
            }
        }
        self.manifest_url = Some(url);
        self.presentation = Some(p);
        self.ladder = Some(ladder);
        self.rung_map = rung_map;
        self.next_number = None;
        self.loaded_init = None;
        self.pending_playlist = None;
        self.refreshing = None;
        self.prefetching = None;
        self.refresh_at = refresh;
        self.fetched_all = false;
        self.schedule_manifest_refresh(now);
    }

    pub(crate) fn schedule_manifest_refresh(&mut self, now: Timestamp) {
        let p = self.presentation.as_ref();
        self.manifest_refresh_at = p
            .filter(|p| p.format == ManifestFormat::Dash && p.kind != PresentationKind::Vod)
            .and_then(|p| p.live.as_ref())
            .and_then(|l| l.minimum_update_period)
            .map(|d| now.saturating_add(d.max(Duration::from_millis(500))));
    }

    pub(crate) fn is_live(&self) -> bool {
        self.presentation
            .as_ref()
            .is_some_and(|p| p.kind != PresentationKind::Vod)
    }

    pub(crate) fn format(&self) -> Option<ManifestFormat> {
        self.presentation.as_ref().map(|p| p.format)
    }

    /// Whether rendition `rid` exists.
    pub(crate) fn has_rendition(&self, rid: RenditionId) -> bool {
        self.presentation
            .as_ref()
            .is_some_and(|p| (rid.0 as usize) < p.renditions.len())
    }

    pub(crate) fn segments(&self, rid: RenditionId) -> Option<&SegmentIndex> {
        self.presentation
            .as_ref()?
            .renditions
            .get(rid.0 as usize)
            .map(|r| &r.segments)
    }

    /// The nominal segment duration: a target duration, else the first segment's, else 4 s.
    pub(crate) fn segment_duration(&self) -> Duration {
        let p = self.presentation.as_ref();
        p.and_then(|p| {
            p.renditions
                .iter()
                .find_map(|r| r.segments.target_duration)
                .or_else(|| {
                    p.renditions
                        .iter()
                        .find_map(|r| r.segments.segments.first().map(|s| s.duration))
                })
        })
        .filter(|d| !d.is_zero())
        .unwrap_or(Duration::from_secs(4))
    }

    /// The rendition of `rung` on the pathway `name` (the rung's first when that pathway
    /// has none).
    pub(crate) fn rendition_in(&self, rung: usize, name: Option<&str>) -> Option<RenditionId> {
        let list = self.rung_map.get(rung)?;
        list.iter()
            .find(|(p, _)| Some(p.as_str()) == name)
            .or(list.first())
            .map(|(_, r)| *r)
    }

    /// The rendition of `rung` served by `edge`.
    pub(crate) fn rendition_for(
        &self,
        rung: usize,
        edge: EdgeId,
        sel: Option<&EdgeSelector>,
    ) -> Option<RenditionId> {
        let name = sel
            .filter(|s| (edge.0 as usize) < s.len())
            .map(|s| s.edge(edge).pathway.as_str());
        self.rendition_in(rung, name)
    }

    /// Whether the segment list of `rid` is loaded.
    pub(crate) fn listed(&self, rid: Option<RenditionId>) -> bool {
        rid.and_then(|rid| self.segments(rid))
            .is_some_and(|s| s.loaded)
    }

    /// The rendition whose list stands for the presentation's timeline (the lowest rung's).
    fn reference(&self) -> Option<RenditionId> {
        self.rung_map.first()?.first().map(|r| r.1)
    }

    /// The segment number at media time `position`.
    pub(crate) fn number_at(&self, position: Duration) -> Option<u64> {
        let segs = &self.segments(self.reference()?)?.segments;
        segs.iter()
            .find(|s| s.start.saturating_add(s.duration) > position)
            .or(segs.last())
            .map(|s| s.number)
    }

    /// Segments left after the next one's predecessors (VOD only).
    pub(crate) fn remaining(&self) -> Option<u32> {
        if self.is_live() {
            return None;
        }
        let list = &self.segments(self.reference()?)?.segments;
        let next = self.next_number?;
        // Segments are in ascending number order: a binary search, not a scan.
        let left = list.len() - list.partition_point(|s| s.number < next);
        Some(u32::try_from(left).unwrap_or(u32::MAX))
    }

    /// The segment number to fetch next in `rid`, or None when there is none (yet): the
    /// end of a VOD (`fetched_all` is set) or a live list not refreshed yet.
    pub(crate) fn next_in(&mut self, rid: RenditionId, target: Option<Duration>) -> Option<u64> {
        let live = self.is_live();
        let segs = self.segments(rid)?;
        let first = segs.segments.first()?.number;
        let last = segs.segments.last()?.number;
        let n = match self.next_number {
            Some(n) if n < first => first,
            Some(n) => n,
            None if live => {
                // Start `target` (or three segments) behind the live edge.
                let seg = segs.target_duration.unwrap_or(Duration::from_secs(4));
                let back = target.map_or(3, |t| {
                    (t.as_secs_f64() / seg.as_secs_f64().max(0.001)).ceil() as u64
                });
                last.saturating_sub(back.max(1) - 1).max(first)
            }
            None => first,
        };
        if n > last {
            if !live {
                self.fetched_all = true;
            }
            return None;
        }
        self.next_number = Some(n);
        Some(n)
    }

    /// A playlist (or host list) for `rid` arrived.
    pub(crate) fn playlist_arrived(&mut self, rid: RenditionId) {
        if self.pending_playlist == Some(rid) {
            self.pending_playlist = None;
        }
        if self.refreshing == Some(rid) {
            self.refreshing = None;
        }
        if self.prefetching == Some(rid) {
            self.prefetching = None;
        }
    }

    /// A live rendition's list is asked for again: at once when the server blocks until
    /// it changes (LL-HLS), else after a target duration.
    pub(crate) fn schedule_refresh(&mut self, now: Timestamp, rid: RenditionId) {
        let Some(p) = &self.presentation else {
            return;
        };
        let Some(r) = p.renditions.get(rid.0 as usize) else {
            return;
        };
        let segs = &r.segments;
        if !segs.ended && p.kind != PresentationKind::Vod {
            let wait = if blocks(segs) {
                Duration::ZERO
            } else {
                segs.target_duration.unwrap_or(Duration::from_secs(4))
            };
            self.refresh_at = Some((rid, now.saturating_add(wait)));
        }
    }

    /// A URL of `rid` as served by `edge`, appended to `out`: no allocation when `out`
    /// has room and the edge serves the rendition's own URLs.
    pub(crate) fn write_url_on_edge(
        &self,
        rid: RenditionId,
        url: &str,
        edge: EdgeId,
        sel: Option<&EdgeSelector>,
        out: &mut String,
    ) {
        let (Some(p), Some(sel)) = (&self.presentation, sel) else {
            out.push_str(url);
            return;
        };
        if (edge.0 as usize) >= sel.len() {
            out.push_str(url);
            return;
        }
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

    /// The LL-HLS blocking-reload parameters for a refresh of `rid`, appended to `url`.
    pub(crate) fn live_params(&self, rid: RenditionId, url: &mut String) {
        let Some(segs) = self.segments(rid) else {
            return;
        };
        let Some(sc) = segs.server_control.as_ref().filter(|s| s.can_block_reload) else {
            return;
        };
        let Some(last) = segs.segments.last().map(|s| s.number) else {
            return;
        };
        let (msn, part) = match segs.parts.last() {
            Some(p) if p.segment > last => (p.segment, Some(p.index.saturating_add(1))),
            Some(_) => (last.saturating_add(1), Some(0)),
            None => (last.saturating_add(1), None),
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let _ = write!(url, "{sep}_HLS_msn={msn}");
        if let Some(p) = part {
            let _ = write!(url, "&_HLS_part={p}");
        }
        if sc.can_skip_until.is_some() {
            url.push_str("&_HLS_skip=YES");
        }
    }
}

fn blocks(segs: &SegmentIndex) -> bool {
    segs.server_control
        .as_ref()
        .is_some_and(|s| s.can_block_reload)
}
