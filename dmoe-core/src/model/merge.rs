//! Live updates: merging a refreshed HLS media playlist (sliding window, `EXT-X-SKIP` delta
//! updates) or a refreshed dynamic MPD into an existing model.

use crate::error::{ManifestError, Rule};
#[cfg(feature = "hls")]
use crate::hls::{self, Variables};
use crate::model::{
    InitSection, Key, ManifestFormat, Presentation, PresentationKind, RenditionId, SegmentIndex,
};
#[cfg(feature = "hls")]
use crate::options::{Diagnostics, ParseOptions};

/// What a live update changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MergeSummary {
    /// Segments that are new in this update.
    pub added: usize,
    /// Segments that slid out of the window.
    pub removed: usize,
    /// Segments a delta update skipped and that were filled from the previous index.
    pub filled_from_previous: usize,
}

impl SegmentIndex {
    /// Merge a newer version of this rendition's index into `self`.
    ///
    /// Segments are matched by number. A delta update's skipped segments are copied from the
    /// current index (an error when it does not have them); start times of the new index are
    /// shifted so that the timeline stays continuous across reloads.
    ///
    /// ```
    /// use dmoe_core::{hls, ParseOptions};
    /// let o = ParseOptions::new();
    /// let v1 = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n";
    /// let v2 = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12\n#EXT-X-MEDIA-SEQUENCE:11\n#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n#EXTINF:2,\nd.ts\n";
    /// let mut idx = hls::parse(v1.as_bytes(), &o)?.renditions.remove(0).segments;
    /// let newer = hls::parse(v2.as_bytes(), &o)?.renditions.remove(0).segments;
    /// let s = idx.merge(newer)?;
    /// assert_eq!((s.added, s.removed, s.filled_from_previous), (1, 1, 2));
    /// let urls: Vec<_> = idx.segments.iter().map(|s| s.url.as_str()).collect();
    /// assert_eq!(urls, ["b.ts", "c.ts", "d.ts"]);
    /// # Ok::<(), dmoe_core::ManifestError>(())
    /// ```
    pub fn merge(&mut self, mut newer: Self) -> Result<MergeSummary, ManifestError> {
        let mut summary = MergeSummary::default();
        if !self.loaded {
            summary.added = newer.segments.len();
            if newer.skipped_segments > 0 {
                return Err(ManifestError::Violation {
                    line: 0,
                    rule: Rule::SkipWithoutHistory,
                });
            }
            *self = newer;
            return Ok(summary);
        }
        if newer.media_sequence < self.media_sequence {
            return Err(ManifestError::UpdateMismatch {
                reason: "media sequence went backwards",
            });
        }
        let old_last = self.segments.last().map(|s| s.number);
        if newer.skipped_segments > 0 {
            let first = newer.media_sequence;
            let count = newer.skipped_segments;
            let have = self
                .segments
                .iter()
                .filter(|s| s.number >= first && s.number - first < count)
                .count() as u64;
            if have != count {
                return Err(ManifestError::Violation {
                    line: 0,
                    rule: Rule::SkipWithoutHistory,
                });
            }
            let mut filled = Vec::with_capacity(count as usize);
            for s in self
                .segments
                .iter()
                .filter(|s| s.number >= first && s.number - first < count)
            {
                let mut s = s.clone();
                s.init = s
                    .init
                    .map(|i| intern_init(&mut newer, &self.init_sections[i as usize], self));
                s.key_set = s.key_set.map(|k| intern_key_set(&mut newer, self, k));
                filled.push(s);
            }
            // New segments' start times are relative to the first non-skipped segment:
            // continue the old timeline after the last filled segment.
            let base = filled
                .last()
                .map(|f| f.start.saturating_add(f.duration))
                .unwrap_or_default();
            for s in &mut newer.segments {
                s.start = s.start.saturating_add(base);
            }
            summary.filled_from_previous = filled.len();
            filled.append(&mut newer.segments);
            newer.segments = filled;
            newer.skipped_segments = 0;
        } else if let Some(anchor) = newer.segments.iter().find_map(|n| {
            self.segments
                .iter()
                .find(|o| o.number == n.number)
                .map(|o| (o, n))
        }) {
            // Keep the old timeline: shift by the difference at the first common segment.
            let (o, n) = anchor;
            let (os, ns) = (o.start, n.start);
            for s in &mut newer.segments {
                s.start = s.start.saturating_add(os).saturating_sub(ns);
            }
        } else if let Some(last) = self.segments.last() {
            // No overlap: continue after the last known segment.
            let base = last.start + last.duration;
            for s in &mut newer.segments {
                s.start = s.start.saturating_add(base);
            }
        }
        summary.added = newer
            .segments
            .iter()
            .filter(|s| old_last.is_none_or(|l| s.number > l))
            .count();
        let new_first = newer.segments.first().map(|s| s.number).unwrap_or(u64::MAX);
        summary.removed = self
            .segments
            .iter()
            .filter(|s| s.number < new_first)
            .count();
        *self = newer;
        Ok(summary)
    }
}

fn intern_init(newer: &mut SegmentIndex, init: &InitSection, old: &SegmentIndex) -> u32 {
    let key_set = init.key_set.map(|k| intern_key_set(newer, old, k));
    let candidate = InitSection {
        url: init.url.clone(),
        byte_range: init.byte_range,
        key_set,
    };
    if let Some(i) = newer.init_sections.iter().position(|i| *i == candidate) {
        return i as u32;
    }
    newer.init_sections.push(candidate);
    (newer.init_sections.len() - 1) as u32
}

fn intern_key(newer: &mut SegmentIndex, key: &Key) -> u32 {
    if let Some(i) = newer.keys.iter().position(|k| k == key) {
        return i as u32;
    }
    newer.keys.push(key.clone());
    (newer.keys.len() - 1) as u32
}

fn intern_key_set(newer: &mut SegmentIndex, old: &SegmentIndex, set: u32) -> u32 {
    let keys: Vec<u32> = old
        .key_sets
        .get(set as usize)
        .map(|ks| {
            ks.iter()
                .map(|&k| intern_key(newer, &old.keys[k as usize]))
                .collect()
        })
        .unwrap_or_default();
    if let Some(i) = newer.key_sets.iter().position(|s| *s == keys) {
        return i as u32;
    }
    newer.key_sets.push(keys);
    (newer.key_sets.len() - 1) as u32
}

impl Presentation {
    /// Load (or reload) the media playlist of an HLS rendition and merge it in.
    ///
    /// Relative URIs resolve against `opts.base_url`, or the rendition's own URI when that
    /// is unset. Variables of the multivariant playlist are available to `IMPORT`.
    #[cfg(feature = "hls")]
    pub fn apply_media_playlist(
        &mut self,
        id: RenditionId,
        input: &[u8],
        opts: &ParseOptions,
    ) -> Result<MergeSummary, ManifestError> {
        let rendition = self.segment_target(id)?;
        let mut o = opts.clone();
        if o.base_url.is_none() {
            o.base_url = rendition.uri.clone();
        }
        let imports = Variables {
            vars: self.variables.clone(),
            unresolved: Vec::new(),
        };
        let mut diag = Diagnostics::new(&o);
        let index = hls::parse_media_index(input, &o, &imports, &mut diag)?;
        self.warnings.append(&mut diag.warnings);
        let summary = self.apply_segment_index(id, index)?;
        let idx = self.renditions[id.0 as usize].segments.clone_timing();
        hls::apply_playlist_timing(self, &idx);
        Ok(summary)
    }

    /// Merge a newer segment index of an HLS-style rendition (one the host parsed itself,
    /// or a media playlist) into the model, and set the presentation's kind from it: VOD
    /// once the index is ended or of type VOD, else event or live.
    pub fn apply_segment_index(
        &mut self,
        id: RenditionId,
        index: SegmentIndex,
    ) -> Result<MergeSummary, ManifestError> {
        self.segment_target(id)?;
        let r = &mut self.renditions[id.0 as usize];
        let summary = r.segments.merge(index)?;
        self.kind = kind_of(&r.segments);
        Ok(summary)
    }

    /// What [`apply_segment_index`](Self::apply_segment_index) would make of rendition
    /// `id`'s index, leaving the presentation as it is: check an update first, then
    /// [`install_segment_index`](Self::install_segment_index) it.
    pub fn merged_segment_index(
        &self,
        id: RenditionId,
        index: SegmentIndex,
    ) -> Result<(SegmentIndex, MergeSummary), ManifestError> {
        let mut merged = self.segment_target(id)?.segments.clone();
        let summary = merged.merge(index)?;
        Ok((merged, summary))
    }

    /// Put an index made by [`merged_segment_index`](Self::merged_segment_index) in
    /// place, and set the presentation's kind from it. An unknown `id` changes nothing.
    pub fn install_segment_index(&mut self, id: RenditionId, merged: SegmentIndex) {
        if let Some(r) = self.renditions.get_mut(id.0 as usize) {
            self.kind = kind_of(&merged);
            r.segments = merged;
        }
    }

    /// The rendition a media-playlist update goes to (not DASH, known id).
    fn segment_target(&self, id: RenditionId) -> Result<&crate::model::Rendition, ManifestError> {
        if self.format == ManifestFormat::Dash {
            return Err(ManifestError::UpdateMismatch {
                reason: "DASH renditions are updated with apply_mpd_update",
            });
        }
        self.renditions
            .get(id.0 as usize)
            .ok_or(ManifestError::UpdateMismatch {
                reason: "unknown rendition id",
            })
    }

    /// Merge a refreshed dynamic MPD into this presentation.
    ///
    /// Renditions are matched by [`stable_key`](crate::Rendition::stable_key): matched ones keep
    /// their ids and take the new segment window; new ones are appended. Top-level timing,
    /// steering and low-latency signalling are replaced.
    pub fn apply_mpd_update(&mut self, newer: Self) -> Result<MergeSummary, ManifestError> {
        if self.format != ManifestFormat::Dash || newer.format != ManifestFormat::Dash {
            return Err(ManifestError::UpdateMismatch {
                reason: "both presentations must be DASH",
            });
        }
        let mut summary = MergeSummary::default();
        let Self {
            kind,
            duration,
            periods,
            variants,
            renditions,
            live,
            low_latency,
            steering,
            content_protection,
            locations,
            utc_timing,
            warnings,
            ..
        } = newer;
        let mut id_map = Vec::with_capacity(renditions.len());
        for mut r in renditions {
            match self
                .renditions
                .iter_mut()
                .find(|o| o.stable_key == r.stable_key)
            {
                Some(old) => {
                    let old_numbers = old.segments.segments.last().map(|s| s.number);
                    let new_first = r.segments.segments.first().map(|s| s.number);
                    summary.added += r
                        .segments
                        .segments
                        .iter()
                        .filter(|s| old_numbers.is_none_or(|l| s.number > l))
                        .count();
                    summary.removed += old
                        .segments
                        .segments
                        .iter()
                        .filter(|s| new_first.is_none_or(|f| s.number < f))
                        .count();
                    id_map.push(old.id);
                    r.id = old.id;
                    *old = r;
                }
                None => {
                    let id = RenditionId(self.renditions.len() as u32);
                    summary.added += r.segments.segments.len();
                    id_map.push(id);
                    r.id = id;
                    self.renditions.push(r);
                }
            }
        }
        self.variants = variants
            .into_iter()
            .enumerate()
            .map(|(i, mut v)| {
                v.id = crate::model::VariantId(i as u32);
                v.rendition = id_map
                    .get(v.rendition.0 as usize)
                    .copied()
                    .unwrap_or(v.rendition);
                v
            })
            .collect();
        self.kind = kind;
        self.duration = duration;
        self.periods = periods;
        self.live = live;
        self.low_latency = low_latency;
        self.steering = steering;
        self.content_protection = content_protection;
        self.locations = locations;
        self.utc_timing = utc_timing;
        self.warnings = warnings;
        Ok(summary)
    }
}

impl SegmentIndex {
    /// A copy of the fields that carry timing signalling (no segments).
    #[cfg(feature = "hls")]
    fn clone_timing(&self) -> Self {
        Self {
            target_duration: self.target_duration,
            part_target: self.part_target,
            server_control: self.server_control,
            ..Self::default()
        }
    }
}

/// The kind of presentation an HLS-style index makes: VOD once ended or of type VOD, else
/// event or live.
fn kind_of(index: &SegmentIndex) -> PresentationKind {
    match (index.ended, index.playlist_type) {
        (true, _) | (_, Some(crate::model::PlaylistType::Vod)) => PresentationKind::Vod,
        (false, Some(crate::model::PlaylistType::Event)) => PresentationKind::Event,
        (false, None) => PresentationKind::Live,
    }
}
