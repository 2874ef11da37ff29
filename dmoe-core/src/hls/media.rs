//! HLS media playlist tags: segments, keys, maps, LL-HLS parts, hints and reports.

use std::time::Duration;

use super::{Parser, yes};
use crate::error::{Limit, ManifestError, Rule, ValueProblem};
use crate::model::{
    DateRange, HintType, InitSection, Key, KeyMethod, LiveTiming, LowLatency, ManifestFormat,
    MediaType, Part, Period, PlaylistType, PreloadHint, Presentation, PresentationKind, Rendition,
    RenditionId, RenditionReport, Segment, SegmentIndex, ServerControl,
};
use crate::text::{parse_datetime, parse_f64, parse_iv, parse_secs, parse_u64, secs};
use crate::units::{Bitrate, ByteRange, WallClock};

/// A `length[@offset]` byte range as written.
fn parse_byterange(s: &str) -> Result<(u64, Option<u64>), ValueProblem> {
    let (len, off) = match s.split_once('@') {
        Some((l, o)) if !o.trim().is_empty() => (l, Some(o)),
        Some((l, _)) => (l, None),
        None => (s, None),
    };
    let len = parse_u64(len.trim()).map_err(|_| ValueProblem::NotAByteRange)?;
    let off = match off {
        Some(o) => Some(parse_u64(o.trim()).map_err(|_| ValueProblem::NotAByteRange)?),
        None => None,
    };
    Ok((len, off))
}

#[derive(Debug, Default)]
struct Seen {
    target_duration: bool,
    media_sequence: bool,
    discontinuity_sequence: bool,
    endlist: bool,
    playlist_type: bool,
    part_inf: bool,
    server_control: bool,
    skip: bool,
    i_frames_only: bool,
}

/// Builds a [`SegmentIndex`] from media playlist lines.
#[derive(Debug, Default)]
pub(crate) struct MediaBuilder {
    pub(crate) index: SegmentIndex,
    seen: Seen,
    /// Something that only a media playlist has was seen.
    content: bool,
    // State for the next segment.
    duration: Option<Duration>,
    byte_range: Option<(u64, Option<u64>)>,
    discontinuity: bool,
    pdt: Option<WallClock>,
    gap: bool,
    // State that persists until changed.
    bitrate: Option<Bitrate>,
    init: Option<u32>,
    /// Keys in force: indices into `index.keys`, one per KEYFORMAT.
    keys_in_force: Vec<u32>,
    /// The key set for `keys_in_force`, created when first used.
    key_set: Option<u32>,
    next_start: Duration,
    /// (uri, end offset) of the previous byte-range segment, for ranges without an offset.
    last_range: Option<(String, u64)>,
    last_part_range: Option<(String, u64)>,
    parts_in_segment: u32,
    /// Wall clock extrapolated from the last program date-time.
    clock: Option<WallClock>,
    /// One-entry cache of the last resolved segment URI.
    last_uri: Option<(String, String)>,
}

impl MediaBuilder {
    pub(crate) fn has_content(&self) -> bool {
        self.content
    }

    fn next_msn(&self) -> u64 {
        self.index
            .media_sequence
            .saturating_add(self.index.skipped_segments)
            .saturating_add(self.index.segments.len() as u64)
    }

    fn once(p: &mut Parser<'_>, seen: &mut bool, tag: &'static str) -> Result<(), ManifestError> {
        if *seen {
            p.violation(Rule::DuplicateTag { tag })?;
        }
        *seen = true;
        Ok(())
    }

    fn before_segments(&self, p: &mut Parser<'_>, tag: &'static str) -> Result<(), ManifestError> {
        if !self.index.segments.is_empty() || self.duration.is_some() {
            p.violation(Rule::TagAfterFirstSegment { tag })?;
        }
        Ok(())
    }

    fn current_key_set(&mut self) -> Option<u32> {
        if self.keys_in_force.is_empty() {
            return None;
        }
        if self.key_set.is_none() {
            self.index.key_sets.push(self.keys_in_force.clone());
            self.key_set = Some((self.index.key_sets.len() - 1) as u32);
        }
        self.key_set
    }

    /// Handle a media-playlist tag; false when `name` is not one.
    pub(crate) fn tag(
        &mut self,
        p: &mut Parser<'_>,
        name: &str,
        value: Option<&str>,
    ) -> Result<bool, ManifestError> {
        let v = value.unwrap_or("");
        match name {
            "INF" => {
                self.content = true;
                if self.duration.is_some() {
                    self.dangling_extinf(p)?;
                }
                let (dur, has_comma) = match v.find(',') {
                    Some(i) => (&v[..i], true),
                    None => (v, false),
                };
                if !has_comma {
                    p.tolerated(Rule::ExtinfWithoutComma)?;
                }
                match parse_f64(dur.trim(), false).and_then(secs) {
                    Ok(d) => self.duration = Some(d),
                    Err(e) => {
                        p.invalid_tolerated("EXTINF", None, e)?;
                        self.duration = Some(Duration::ZERO);
                    }
                }
            }
            "-X-BYTERANGE" => {
                self.content = true;
                if v.trim_end().ends_with('@') {
                    p.tolerated(Rule::InvalidValue {
                        tag: "EXT-X-BYTERANGE",
                        attribute: None,
                        problem: ValueProblem::NotAByteRange,
                    })?;
                }
                match parse_byterange(v.trim()) {
                    Ok(r) => self.byte_range = Some(r),
                    Err(e) => p.invalid("EXT-X-BYTERANGE", None, e)?,
                }
            }
            "-X-DISCONTINUITY" => {
                self.content = true;
                self.discontinuity = true;
            }
            "-X-GAP" => {
                self.content = true;
                self.gap = true;
            }
            "-X-PROGRAM-DATE-TIME" => {
                self.content = true;
                match parse_datetime(v) {
                    Ok(t) => self.pdt = Some(t),
                    Err(e) => p.invalid_tolerated("EXT-X-PROGRAM-DATE-TIME", None, e)?,
                }
            }
            "-X-BITRATE" => {
                self.content = true;
                match parse_u64(v.trim()) {
                    Ok(k) => self.bitrate = Some(Bitrate::from_kbps(k)),
                    Err(e) => p.invalid("EXT-X-BITRATE", None, e)?,
                }
            }
            "-X-TARGETDURATION" => {
                self.content = true;
                Self::once(p, &mut self.seen.target_duration, "EXT-X-TARGETDURATION")?;
                match parse_u64(v.trim()) {
                    Ok(t) => self.index.target_duration = Some(Duration::from_secs(t)),
                    Err(ValueProblem::NotAnInteger) if parse_secs(v.trim()).is_ok() => {
                        p.tolerated(Rule::DecimalTargetDuration)?;
                        self.index.target_duration = parse_secs(v.trim()).ok();
                    }
                    Err(e) => p.invalid("EXT-X-TARGETDURATION", None, e)?,
                }
            }
            "-X-MEDIA-SEQUENCE" => {
                self.content = true;
                if self.seen.media_sequence && self.index.segments.is_empty() {
                    // video.js plays a repeated sequence number before any segment.
                    p.tolerated(Rule::DuplicateTag {
                        tag: "EXT-X-MEDIA-SEQUENCE",
                    })?;
                } else {
                    Self::once(p, &mut self.seen.media_sequence, "EXT-X-MEDIA-SEQUENCE")?;
                }
                self.seen.media_sequence = true;
                self.before_segments(p, "EXT-X-MEDIA-SEQUENCE")?;
                match parse_u64(v.trim()) {
                    Ok(n) if self.index.segments.is_empty() => self.index.media_sequence = n,
                    Ok(_) => {}
                    Err(e) => p.invalid("EXT-X-MEDIA-SEQUENCE", None, e)?,
                }
            }
            "-X-DISCONTINUITY-SEQUENCE" => {
                self.content = true;
                Self::once(
                    p,
                    &mut self.seen.discontinuity_sequence,
                    "EXT-X-DISCONTINUITY-SEQUENCE",
                )?;
                if !self.index.segments.is_empty() {
                    // hls.js applies a late sequence number to every segment; so do we.
                    p.tolerated(Rule::TagAfterFirstSegment {
                        tag: "EXT-X-DISCONTINUITY-SEQUENCE",
                    })?;
                }
                match parse_u64(v.trim()) {
                    Ok(n) => self.index.discontinuity_sequence = n,
                    Err(e) => p.invalid("EXT-X-DISCONTINUITY-SEQUENCE", None, e)?,
                }
            }
            "-X-ENDLIST" => {
                self.content = true;
                Self::once(p, &mut self.seen.endlist, "EXT-X-ENDLIST")?;
                self.index.ended = true;
            }
            "-X-PLAYLIST-TYPE" => {
                self.content = true;
                Self::once(p, &mut self.seen.playlist_type, "EXT-X-PLAYLIST-TYPE")?;
                match v.trim() {
                    "VOD" => self.index.playlist_type = Some(PlaylistType::Vod),
                    "EVENT" => self.index.playlist_type = Some(PlaylistType::Event),
                    "" => p.invalid("EXT-X-PLAYLIST-TYPE", None, ValueProblem::Empty)?,
                    _ => p.invalid("EXT-X-PLAYLIST-TYPE", None, ValueProblem::NotAllowed)?,
                }
            }
            "-X-I-FRAMES-ONLY" => {
                self.content = true;
                Self::once(p, &mut self.seen.i_frames_only, "EXT-X-I-FRAMES-ONLY")?;
                self.index.i_frames_only = true;
            }
            "-X-KEY" => {
                self.content = true;
                self.key(p, value)?;
            }
            "-X-MAP" => {
                self.content = true;
                self.map(p, value)?;
            }
            "-X-PART-INF" => {
                self.content = true;
                Self::once(p, &mut self.seen.part_inf, "EXT-X-PART-INF")?;
                let mut target = None;
                for (n, a) in p.attributes("EXT-X-PART-INF", value)? {
                    if n == "PART-TARGET" {
                        match parse_secs(a.raw) {
                            Ok(d) => target = Some(d),
                            Err(e) => p.invalid("EXT-X-PART-INF", Some("PART-TARGET"), e)?,
                        }
                    }
                }
                if target.is_none() {
                    p.violation(Rule::MissingAttribute {
                        tag: "EXT-X-PART-INF",
                        attribute: "PART-TARGET",
                    })?;
                }
                self.index.part_target = target;
            }
            "-X-SERVER-CONTROL" => {
                self.content = true;
                Self::once(p, &mut self.seen.server_control, "EXT-X-SERVER-CONTROL")?;
                self.server_control(p, value)?;
            }
            "-X-SKIP" => {
                self.content = true;
                let can_skip = self
                    .index
                    .server_control
                    .is_some_and(|sc| sc.can_skip_until.is_some());
                if self.seen.skip && can_skip {
                    // hls.js merges repeated delta markers from servers that announce skipping.
                    p.tolerated(Rule::DuplicateTag { tag: "EXT-X-SKIP" })?;
                } else {
                    Self::once(p, &mut self.seen.skip, "EXT-X-SKIP")?;
                }
                self.seen.skip = true;
                if !self.index.segments.is_empty() || self.duration.is_some() || !can_skip {
                    p.tolerated(Rule::MisplacedSkip)?;
                }
                let mut skipped = None;
                for (n, a) in p.attributes("EXT-X-SKIP", value)? {
                    if n == "SKIPPED-SEGMENTS" {
                        match parse_u64(a.raw) {
                            Ok(s) => skipped = Some(s),
                            Err(e) => p.invalid("EXT-X-SKIP", Some("SKIPPED-SEGMENTS"), e)?,
                        }
                    }
                }
                match skipped {
                    Some(s) if self.index.segments.is_empty() => {
                        if s > p.diag.limits.max_segments_per_rendition {
                            return Err(ManifestError::LimitExceeded {
                                limit: Limit::SegmentsPerRendition,
                                max: p.diag.limits.max_segments_per_rendition,
                                line: p.line,
                            });
                        }
                        self.index.skipped_segments = s;
                    }
                    Some(_) => {}
                    None => p.violation(Rule::MissingAttribute {
                        tag: "EXT-X-SKIP",
                        attribute: "SKIPPED-SEGMENTS",
                    })?,
                }
            }
            "-X-PART" => {
                self.content = true;
                self.part(p, value)?;
            }
            "-X-PRELOAD-HINT" => {
                self.content = true;
                self.preload_hint(p, value)?;
            }
            "-X-RENDITION-REPORT" => {
                self.content = true;
                self.rendition_report(p, value)?;
            }
            "-X-DATERANGE" => {
                self.content = true;
                self.date_range(p, value)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn key(&mut self, p: &mut Parser<'_>, value: Option<&str>) -> Result<(), ManifestError> {
        let key = match parse_key(p, "EXT-X-KEY", value)? {
            Some(k) => k,
            None => return Ok(()),
        };
        p.check_len(Limit::ListItems, self.index.keys.len())?;
        let is_none = key.method == KeyMethod::None;
        let format = key.key_format.clone();
        self.index.keys.push(key);
        let idx = (self.index.keys.len() - 1) as u32;
        if is_none {
            self.keys_in_force.clear();
        } else {
            let keys = &self.index.keys;
            self.keys_in_force
                .retain(|&k| keys[k as usize].key_format != format);
            self.keys_in_force.push(idx);
        }
        self.key_set = None;
        Ok(())
    }

    fn map(&mut self, p: &mut Parser<'_>, value: Option<&str>) -> Result<(), ManifestError> {
        let mut uri = None;
        let mut range = None;
        for (n, a) in p.attributes("EXT-X-MAP", value)? {
            match n {
                "URI" => uri = p.resolve(a.raw)?,
                "BYTERANGE" => match parse_byterange(&p.subst(a.raw)?) {
                    Ok((len, off)) => {
                        range = Some(ByteRange {
                            start: off.unwrap_or(0),
                            length: len,
                        })
                    }
                    Err(e) => p.invalid("EXT-X-MAP", Some("BYTERANGE"), e)?,
                },
                _ => {}
            }
        }
        let Some(url) = uri else {
            return p.tolerated(Rule::MissingAttribute {
                tag: "EXT-X-MAP",
                attribute: "URI",
            });
        };
        p.check_len(Limit::ListItems, self.index.init_sections.len())?;
        let key_set = self.current_key_set();
        self.index.init_sections.push(InitSection {
            url,
            byte_range: range,
            key_set,
        });
        self.init = Some((self.index.init_sections.len() - 1) as u32);
        Ok(())
    }

    fn server_control(
        &mut self,
        p: &mut Parser<'_>,
        value: Option<&str>,
    ) -> Result<(), ManifestError> {
        let mut sc = ServerControl::default();
        for (n, a) in p.attributes("EXT-X-SERVER-CONTROL", value)? {
            let dur = |p: &mut Parser<'_>,
                       attr: &'static str|
             -> Result<Option<Duration>, ManifestError> {
                match parse_secs(a.raw) {
                    Ok(d) => Ok(Some(d)),
                    Err(e) => {
                        p.invalid("EXT-X-SERVER-CONTROL", Some(attr), e)?;
                        Ok(None)
                    }
                }
            };
            match n {
                "CAN-BLOCK-RELOAD" => sc.can_block_reload = yes(a),
                "CAN-SKIP-DATERANGES" => sc.can_skip_dateranges = yes(a),
                "CAN-SKIP-UNTIL" => sc.can_skip_until = dur(p, "CAN-SKIP-UNTIL")?,
                "HOLD-BACK" => sc.hold_back = dur(p, "HOLD-BACK")?,
                "PART-HOLD-BACK" => sc.part_hold_back = dur(p, "PART-HOLD-BACK")?,
                _ => {}
            }
        }
        self.index.server_control = Some(sc);
        Ok(())
    }

    /// Resolve with a one-entry cache (byte-range playlists repeat one URI).
    fn resolve_cached(
        &mut self,
        p: &mut Parser<'_>,
        uri: &str,
    ) -> Result<Option<String>, ManifestError> {
        if let Some((raw, resolved)) = &self.last_uri {
            if raw == uri {
                return Ok(Some(resolved.clone()));
            }
        }
        let r = p.resolve(uri)?;
        if let Some(resolved) = &r {
            self.last_uri = Some((uri.to_owned(), resolved.clone()));
        }
        Ok(r)
    }

    fn range_for(
        last: &mut Option<(String, u64)>,
        url: &str,
        (len, off): (u64, Option<u64>),
    ) -> Option<ByteRange> {
        let start = match off {
            Some(o) => o,
            None => match last {
                Some((u, end)) if u == url => *end,
                _ => 0,
            },
        };
        let r = ByteRange { start, length: len };
        *last = Some((url.to_owned(), r.end_exclusive().unwrap_or(u64::MAX)));
        Some(r)
    }

    /// A URI line: the segment that the preceding tags describe.
    pub(crate) fn uri_line(&mut self, p: &mut Parser<'_>, uri: &str) -> Result<(), ManifestError> {
        self.content = true;
        let duration = match self.duration.take() {
            Some(d) => d,
            None => {
                p.tolerated(Rule::SegmentWithoutDuration)?;
                self.index.target_duration.unwrap_or(Duration::ZERO)
            }
        };
        if self.index.ended {
            p.tolerated(Rule::SegmentAfterEndlist)?;
        }
        if duration.is_zero() {
            p.tolerated(Rule::ZeroDuration)?;
        }
        let total = self.index.segments.len() as u64;
        if total >= p.diag.limits.max_segments_per_rendition {
            return Err(ManifestError::LimitExceeded {
                limit: Limit::SegmentsPerRendition,
                max: p.diag.limits.max_segments_per_rendition,
                line: p.line,
            });
        }
        let Some(url) = self.resolve_cached(p, uri)? else {
            self.reset_segment_state();
            return Ok(());
        };
        let byte_range = match self.byte_range.take() {
            Some(r) => Self::range_for(&mut self.last_range, &url, r),
            None => {
                self.last_range = None;
                None
            }
        };
        if let Some(t) = self.pdt.take() {
            self.clock = Some(t);
        }
        let number = self.next_msn();
        let key_set = self.current_key_set();
        self.index.segments.push(Segment {
            number,
            url,
            byte_range,
            start: self.next_start,
            duration,
            discontinuity: self.discontinuity,
            init: self.init,
            key_set,
            program_date_time: self.clock,
            gap: self.gap,
            bitrate: self.bitrate,
        });
        self.next_start = self.next_start.saturating_add(duration);
        self.clock = self.clock.map(|c| c.saturating_add(duration));
        self.reset_segment_state();
        self.parts_in_segment = 0;
        Ok(())
    }

    /// An `#EXTINF` whose URI line never came: kept as a GAP segment with no URL, so that
    /// segment numbering follows the tags and nothing is silently dropped.
    fn dangling_extinf(&mut self, p: &mut Parser<'_>) -> Result<(), ManifestError> {
        p.tolerated(Rule::MissingUri { tag: "EXTINF" })?;
        let duration = self.duration.take().unwrap_or_default();
        if self.index.segments.len() as u64 >= p.diag.limits.max_segments_per_rendition {
            return Err(ManifestError::LimitExceeded {
                limit: Limit::SegmentsPerRendition,
                max: p.diag.limits.max_segments_per_rendition,
                line: p.line,
            });
        }
        let number = self.next_msn();
        let key_set = self.current_key_set();
        if let Some(t) = self.pdt.take() {
            self.clock = Some(t);
        }
        self.index.segments.push(Segment {
            number,
            url: String::new(),
            byte_range: None,
            start: self.next_start,
            duration,
            discontinuity: self.discontinuity,
            init: self.init,
            key_set,
            program_date_time: self.clock,
            gap: true,
            bitrate: self.bitrate,
        });
        self.next_start = self.next_start.saturating_add(duration);
        self.clock = self.clock.map(|c| c.saturating_add(duration));
        self.reset_segment_state();
        self.parts_in_segment = 0;
        Ok(())
    }

    fn reset_segment_state(&mut self) {
        self.discontinuity = false;
        self.gap = false;
        self.byte_range = None;
    }

    fn part(&mut self, p: &mut Parser<'_>, value: Option<&str>) -> Result<(), ManifestError> {
        let mut uri = None;
        let mut duration = None;
        let mut independent = false;
        let mut gap = false;
        let mut range = None;
        for (n, a) in p.attributes("EXT-X-PART", value)? {
            match n {
                "URI" => uri = p.resolve(a.raw)?,
                "DURATION" => match parse_secs(a.raw) {
                    Ok(d) => duration = Some(d),
                    Err(e) => p.invalid("EXT-X-PART", Some("DURATION"), e)?,
                },
                "INDEPENDENT" => independent = yes(a),
                "GAP" => gap = yes(a),
                "BYTERANGE" => match parse_byterange(&p.subst(a.raw)?) {
                    Ok(r) => range = Some(r),
                    Err(e) => p.invalid("EXT-X-PART", Some("BYTERANGE"), e)?,
                },
                _ => {}
            }
        }
        let (Some(url), Some(duration)) = (uri, duration) else {
            return p.violation(Rule::MissingAttribute {
                tag: "EXT-X-PART",
                attribute: "URI",
            });
        };
        p.check_len(Limit::ListItems, self.index.parts.len())?;
        let byte_range = match range {
            Some(r) => Self::range_for(&mut self.last_part_range, &url, r),
            None => None,
        };
        self.index.parts.push(Part {
            segment: self.next_msn(),
            index: self.parts_in_segment,
            url,
            byte_range,
            duration,
            independent,
            gap,
        });
        self.parts_in_segment = self.parts_in_segment.saturating_add(1);
        Ok(())
    }

    fn preload_hint(
        &mut self,
        p: &mut Parser<'_>,
        value: Option<&str>,
    ) -> Result<(), ManifestError> {
        let mut hint_type = None;
        let mut uri = None;
        let mut start = None;
        let mut length = None;
        for (n, a) in p.attributes("EXT-X-PRELOAD-HINT", value)? {
            match n {
                "TYPE" => match a.raw {
                    "PART" => hint_type = Some(HintType::Part),
                    "MAP" => hint_type = Some(HintType::Map),
                    // Clients ignore unknown hint types (rfc8216bis §4.4.5.3); the model
                    // keeps them, marked, so nothing is lost.
                    _ => {
                        p.invalid_tolerated(
                            "EXT-X-PRELOAD-HINT",
                            Some("TYPE"),
                            ValueProblem::NotAllowed,
                        )?;
                        hint_type = Some(HintType::Unknown);
                    }
                },
                "URI" => uri = p.resolve(a.raw)?,
                "BYTERANGE-START" => match parse_u64(a.raw) {
                    Ok(v) => start = Some(v),
                    Err(e) => p.invalid("EXT-X-PRELOAD-HINT", Some("BYTERANGE-START"), e)?,
                },
                "BYTERANGE-LENGTH" => match parse_u64(a.raw) {
                    Ok(v) => length = Some(v),
                    Err(e) => p.invalid("EXT-X-PRELOAD-HINT", Some("BYTERANGE-LENGTH"), e)?,
                },
                _ => {}
            }
        }
        let (Some(hint_type), Some(url)) = (hint_type, uri) else {
            return p.tolerated(Rule::MissingAttribute {
                tag: "EXT-X-PRELOAD-HINT",
                attribute: "TYPE",
            });
        };
        p.check_len(Limit::ListItems, self.index.preload_hints.len())?;
        self.index.preload_hints.push(PreloadHint {
            hint_type,
            url,
            byte_range_start: start,
            byte_range_length: length,
        });
        Ok(())
    }

    fn rendition_report(
        &mut self,
        p: &mut Parser<'_>,
        value: Option<&str>,
    ) -> Result<(), ManifestError> {
        let mut uri = None;
        let mut last_msn = None;
        let mut last_part = None;
        for (n, a) in p.attributes("EXT-X-RENDITION-REPORT", value)? {
            match n {
                "URI" => uri = p.resolve(a.raw)?,
                "LAST-MSN" => match parse_u64(a.raw) {
                    Ok(v) => last_msn = Some(v),
                    Err(e) => p.invalid("EXT-X-RENDITION-REPORT", Some("LAST-MSN"), e)?,
                },
                "LAST-PART" => match parse_u64(a.raw) {
                    Ok(v) => last_part = Some(v),
                    Err(e) => p.invalid("EXT-X-RENDITION-REPORT", Some("LAST-PART"), e)?,
                },
                _ => {}
            }
        }
        let Some(url) = uri else {
            return p.violation(Rule::MissingAttribute {
                tag: "EXT-X-RENDITION-REPORT",
                attribute: "URI",
            });
        };
        p.check_len(Limit::ListItems, self.index.rendition_reports.len())?;
        self.index.rendition_reports.push(RenditionReport {
            url,
            last_msn,
            last_part,
        });
        Ok(())
    }

    fn date_range(&mut self, p: &mut Parser<'_>, value: Option<&str>) -> Result<(), ManifestError> {
        let mut id = None;
        let mut class = None;
        let mut start = None;
        let mut duration = None;
        for (n, a) in p.attributes("EXT-X-DATERANGE", value)? {
            match n {
                "ID" => id = Some(p.subst(a.raw)?.into_owned()),
                "CLASS" => class = Some(p.subst(a.raw)?.into_owned()),
                "START-DATE" => match parse_datetime(&p.subst(a.raw)?) {
                    Ok(t) => start = Some(t),
                    Err(e) => p.invalid_tolerated("EXT-X-DATERANGE", Some("START-DATE"), e)?,
                },
                "DURATION" | "PLANNED-DURATION" => {
                    if let Ok(d) = parse_secs(a.raw) {
                        duration = duration.or(Some(d));
                    } else {
                        p.invalid(
                            "EXT-X-DATERANGE",
                            Some("DURATION"),
                            ValueProblem::NotANumber,
                        )?;
                    }
                }
                _ => {}
            }
        }
        let Some(id) = id else {
            return p.violation(Rule::MissingAttribute {
                tag: "EXT-X-DATERANGE",
                attribute: "ID",
            });
        };
        p.check_len(Limit::ListItems, self.index.date_ranges.len())?;
        self.index.date_ranges.push(DateRange {
            id,
            class,
            start,
            duration,
            attributes: value.unwrap_or("").to_owned(),
        });
        Ok(())
    }

    /// End-of-playlist checks.
    pub(crate) fn finish(&mut self, p: &mut Parser<'_>) -> Result<(), ManifestError> {
        if self.duration.is_some() {
            self.dangling_extinf(p)?;
        }
        p.line = 0;
        self.index.loaded = true;
        if self.index.target_duration.is_none() {
            p.tolerated(Rule::MissingTargetDuration)?;
        }
        if let Some(td) = self.index.target_duration {
            // RFC 8216 §4.3.3.1: each EXTINF rounded to the nearest integer must not exceed
            // the target duration.
            let limit = td.as_secs_f64() + 0.5;
            if let Some(s) = self
                .index
                .segments
                .iter()
                .find(|s| s.duration.as_secs_f64() >= limit)
            {
                let number = s.number;
                p.tolerated(Rule::SegmentOverTargetDuration { number })?;
            }
            if !self.index.ended && self.index.playlist_type.is_none() {
                // Saturating: a hostile TARGETDURATION or EXTINF must not overflow.
                let total = self
                    .index
                    .segments
                    .iter()
                    .fold(Duration::ZERO, |t, s| t.saturating_add(s.duration));
                if total < td.saturating_mul(3)
                    && self.index.parts.is_empty()
                    && self.index.skipped_segments == 0
                {
                    p.tolerated(Rule::ShortLivePlaylist)?;
                }
            }
        }
        Ok(())
    }

    pub(crate) fn kind(&self) -> PresentationKind {
        match (self.index.ended, self.index.playlist_type) {
            (true, _) | (_, Some(PlaylistType::Vod)) => PresentationKind::Vod,
            (false, Some(PlaylistType::Event)) => PresentationKind::Event,
            (false, None) => PresentationKind::Live,
        }
    }

    /// A presentation holding this media playlist as its only rendition.
    pub(crate) fn into_presentation(self, base_url: Option<&str>) -> Presentation {
        let kind = self.kind();
        let mut p = Presentation::empty(ManifestFormat::HlsMedia, kind);
        let idx = self.index;
        if kind == PresentationKind::Vod {
            p.duration = Some(
                idx.segments
                    .iter()
                    .fold(Duration::ZERO, |t, s| t.saturating_add(s.duration)),
            );
        }
        p.periods.push(Period {
            id: None,
            start: Duration::ZERO,
            duration: p.duration,
        });
        apply_playlist_timing(&mut p, &idx);
        let mut r = Rendition::new(
            RenditionId(0),
            base_url.unwrap_or("media").to_owned(),
            0,
            MediaType::Unknown,
        );
        r.uri = base_url.map(str::to_owned);
        r.segments = idx;
        p.renditions.push(r);
        p
    }
}

/// Copy a media playlist's live and low-latency signalling into the presentation.
pub(crate) fn apply_playlist_timing(p: &mut Presentation, idx: &SegmentIndex) {
    if p.kind != PresentationKind::Vod {
        let td = idx.target_duration;
        let sc = idx.server_control.unwrap_or_default();
        p.live = Some(LiveTiming {
            target_duration: td,
            hold_back: sc.hold_back.or(td.map(|t| t.saturating_mul(3))),
            ..LiveTiming::default()
        });
    }
    if idx.part_target.is_some() || idx.server_control.is_some() {
        let sc = idx.server_control.unwrap_or_default();
        p.low_latency = Some(LowLatency {
            part_target: idx.part_target,
            part_hold_back: sc.part_hold_back,
            can_block_reload: sc.can_block_reload,
            can_skip_until: sc.can_skip_until,
            ..LowLatency::default()
        });
    }
}

/// Parse an `EXT-X-KEY` or `EXT-X-SESSION-KEY` attribute list.
pub(crate) fn parse_key(
    p: &mut Parser<'_>,
    tag: &'static str,
    value: Option<&str>,
) -> Result<Option<Key>, ManifestError> {
    let mut method = None;
    let mut uri = None;
    let mut iv = None;
    let mut key_format = None;
    let mut key_format_versions = None;
    for (n, a) in p.attributes(tag, value)? {
        match n {
            "METHOD" => {
                method = Some(match a.raw {
                    "NONE" => KeyMethod::None,
                    "AES-128" => KeyMethod::Aes128,
                    "AES-256" => KeyMethod::Aes256,
                    "SAMPLE-AES" => KeyMethod::SampleAes,
                    "SAMPLE-AES-CTR" => KeyMethod::SampleAesCtr,
                    other => KeyMethod::Other(other.to_owned()),
                })
            }
            "URI" => {
                let s = p.subst(a.raw)?;
                match p.resolver.resolve_opaque(&s) {
                    Ok(u) => uri = Some(u),
                    Err(rule) => p.violation(rule)?,
                }
            }
            "IV" => match parse_iv(&p.subst(a.raw)?) {
                Ok((v, full)) => {
                    if !full {
                        // Shorter than 128 bits: hls.js and m3u8-rs left-pad it with zeros.
                        p.tolerated(Rule::InvalidValue {
                            tag,
                            attribute: Some("IV"),
                            problem: ValueProblem::NotHex,
                        })?;
                    }
                    iv = Some(v);
                }
                Err(e) => p.invalid(tag, Some("IV"), e)?,
            },
            "KEYFORMAT" => key_format = Some(a.raw.to_owned()),
            "KEYFORMATVERSIONS" => key_format_versions = Some(a.raw.to_owned()),
            _ => {}
        }
    }
    let Some(method) = method else {
        p.violation(Rule::MissingAttribute {
            tag,
            attribute: "METHOD",
        })?;
        return Ok(None);
    };
    if method != KeyMethod::None && uri.is_none() {
        p.violation(Rule::MissingAttribute {
            tag,
            attribute: "URI",
        })?;
    }
    Ok(Some(Key {
        method,
        uri,
        iv,
        key_format,
        key_format_versions,
    }))
}

#[cfg(test)]
mod tests {
    use crate::{ByteRange, ManifestError, ParseOptions, Rule, Strictness};

    fn parse(s: &str) -> Result<crate::Presentation, ManifestError> {
        crate::hls::parse(s.as_bytes(), &ParseOptions::new())
    }

    #[test]
    fn byte_ranges_continue_from_the_previous_one() {
        let p = parse("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n#EXT-X-BYTERANGE:100@50\na.ts\n#EXTINF:4,\n#EXT-X-BYTERANGE:200\na.ts\n#EXTINF:4,\n#EXT-X-BYTERANGE:10\nb.ts\n").unwrap();
        let r: Vec<_> = p.renditions[0]
            .segments
            .segments
            .iter()
            .map(|s| s.byte_range)
            .collect();
        assert_eq!(
            r,
            [
                Some(ByteRange {
                    start: 50,
                    length: 100
                }),
                Some(ByteRange {
                    start: 150,
                    length: 200
                }),
                Some(ByteRange {
                    start: 0,
                    length: 10
                }),
            ]
        );
    }

    #[test]
    fn key_none_clears_keys_in_force() {
        let p = parse("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x0000000000000000000000000000000A\n#EXTINF:4,\na.ts\n#EXT-X-KEY:METHOD=NONE\n#EXTINF:4,\nb.ts\n").unwrap();
        let idx = &p.renditions[0].segments;
        assert!(idx.segments[0].key_set.is_some());
        assert_eq!(idx.segments[1].key_set, None);
        assert_eq!(idx.keys[0].iv.unwrap()[15], 10);
        assert_eq!(p.counts().keys, 1);
    }

    #[test]
    fn media_sequence_after_a_segment_fails() {
        let e =
            parse("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXT-X-MEDIA-SEQUENCE:3\n")
                .unwrap_err();
        assert!(matches!(
            e,
            ManifestError::Violation {
                line: 5,
                rule: Rule::TagAfterFirstSegment { .. }
            }
        ));
    }

    /// Found by the fuzzer: a huge TARGETDURATION overflowed `Duration` arithmetic in the
    /// short-live-playlist check and the hold-back default.
    #[test]
    fn huge_durations_saturate() {
        for td in ["18446744073709551615", "6148914691236517206"] {
            let text = format!("#EXTM3U\n#EXT-X-TARGETDURATION:{td}\n#EXTINF:4,\na.ts\n");
            for st in [Strictness::Permissive, Strictness::Normal] {
                let _ = crate::hls::parse(text.as_bytes(), &ParseOptions::new().strictness(st));
            }
        }
    }

    #[test]
    fn event_and_vod_kinds() {
        let ev = parse(
            "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:4,\na.ts\n",
        )
        .unwrap();
        assert_eq!(ev.kind, crate::PresentationKind::Event);
        let vod = parse("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXTINF:2.5,\nb.ts\n#EXT-X-ENDLIST\n").unwrap();
        assert_eq!(vod.kind, crate::PresentationKind::Vod);
        assert_eq!(vod.duration, Some(std::time::Duration::from_secs_f64(6.5)));
    }

    #[test]
    fn strict_flags_segments_over_target_duration() {
        let s = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:5,\na.ts\n#EXT-X-ENDLIST\n";
        assert!(parse(s).is_ok());
        let strict = crate::hls::parse(
            s.as_bytes(),
            &ParseOptions::new().strictness(Strictness::Strict),
        );
        assert!(matches!(
            strict,
            Err(ManifestError::Violation {
                rule: Rule::SegmentOverTargetDuration { number: 0 },
                ..
            })
        ));
    }

    #[test]
    fn variables_substitute_in_uris_and_must_be_defined() {
        let ok = parse("#EXTM3U\n#EXT-X-DEFINE:NAME=\"h\",VALUE=\"https://x.example\"\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n{$h}/a.ts\n").unwrap();
        assert_eq!(
            ok.renditions[0].segments.segments[0].url,
            "https://x.example/a.ts"
        );
        let bad = parse(
            "#EXTM3U\n#EXT-X-DEFINE:NAME=\"h\",VALUE=\"x\"\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n{$nope}/a.ts\n",
        );
        assert!(matches!(
            bad,
            Err(ManifestError::Violation {
                rule: Rule::UndefinedVariable { .. },
                ..
            })
        ));
    }
}
