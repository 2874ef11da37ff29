//! CMAF / fragmented MP4 facts: codec strings, timescales and track ids from an init
//! segment; decode time and duration from a media segment (`tfdt`/`trun`); `sidx` indexes.
//!
//! A careful, bounded box reader: every size is checked against the bytes actually present,
//! nesting is capped, and no allocation is sized from a count in the file. The `mp4` crate is
//! used as a cross-check in the tests; it has no `av1C`/`hvcC` codec-string support and
//! reads whole files, so this reader does the production work.
//!
//! ```
//! use dmoe_core::cmaf;
//! // A minimal sidx: version 0, reference_ID 1, timescale 1000, EPT 0, first offset 0,
//! // two references of 100 and 200 bytes lasting 2 s each.
//! let mut b = vec![0, 0, 0, 56, b's', b'i', b'd', b'x', 0, 0, 0, 0];
//! for v in [1u32, 1000, 0, 0] { b.extend_from_slice(&v.to_be_bytes()); }
//! b.extend_from_slice(&[0, 0, 0, 2]);
//! for (size, dur) in [(100u32, 2000u32), (200, 2000)] {
//!     b.extend_from_slice(&size.to_be_bytes());
//!     b.extend_from_slice(&dur.to_be_bytes());
//!     b.extend_from_slice(&0x9000_0000u32.to_be_bytes());
//! }
//! let sidx = cmaf::parse_sidx(&b)?;
//! assert_eq!(sidx.references.len(), 2);
//! assert_eq!(sidx.references[1].size, 200);
//! # Ok::<(), cmaf::Mp4Error>(())
//! ```

mod codec;

use std::time::Duration;

use crate::model::{IndexRange, Segment};
use crate::units::{ByteRange, secs_saturating};

pub use codec::codec_string;

/// Why box data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mp4Error {
    /// A box claims more bytes than are present.
    #[error("box {box_type} is truncated")]
    Truncated {
        /// The four-character box type.
        box_type: String,
    },
    /// A box's contents are invalid.
    #[error("box {box_type}: {reason}")]
    Invalid {
        /// The four-character box type.
        box_type: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A box that must be present is missing.
    #[error("missing box {box_type}")]
    Missing {
        /// The four-character box type.
        box_type: &'static str,
    },
    /// Boxes nest deeper than DMOE follows.
    #[error("boxes nest too deeply")]
    TooDeep,
}

/// A four-character code.
fn fourcc(t: [u8; 4]) -> String {
    t.iter()
        .map(|&c| if c.is_ascii_graphic() { c as char } else { '?' })
        .collect()
}

/// One box: its type and payload (after the header).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BoxRef<'a> {
    pub(crate) kind: [u8; 4],
    pub(crate) data: &'a [u8],
    /// Total size including the header.
    pub(crate) size: usize,
}

/// Iterate the boxes laid end to end in `data`.
pub(crate) struct Boxes<'a> {
    data: &'a [u8],
}

pub(crate) fn boxes(data: &[u8]) -> Boxes<'_> {
    Boxes { data }
}

impl<'a> Iterator for Boxes<'a> {
    type Item = Result<BoxRef<'a>, Mp4Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.is_empty() {
            return None;
        }
        let d = self.data;
        if d.len() < 8 {
            self.data = &[];
            return Some(Err(Mp4Error::Truncated {
                box_type: "(header)".into(),
            }));
        }
        let kind = [d[4], d[5], d[6], d[7]];
        let size32 = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as u64;
        let (size, header) = match size32 {
            0 => (d.len() as u64, 8),
            1 => {
                if d.len() < 16 {
                    self.data = &[];
                    return Some(Err(Mp4Error::Truncated {
                        box_type: fourcc(kind),
                    }));
                }
                (
                    u64::from_be_bytes([d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]]),
                    16,
                )
            }
            s => (s, 8),
        };
        if size < header as u64 || size > d.len() as u64 {
            self.data = &[];
            return Some(Err(Mp4Error::Truncated {
                box_type: fourcc(kind),
            }));
        }
        let size = size as usize;
        self.data = &d[size..];
        Some(Ok(BoxRef {
            kind,
            data: &d[header..size],
            size,
        }))
    }
}

/// A cursor over big-endian fields of one box.
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    kind: [u8; 4],
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(b: BoxRef<'a>) -> Self {
        Self {
            data: b.data,
            kind: b.kind,
        }
    }

    fn err(&self) -> Mp4Error {
        Mp4Error::Truncated {
            box_type: fourcc(self.kind),
        }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Mp4Error> {
        if self.data.len() < n {
            return Err(self.err());
        }
        let (a, b) = self.data.split_at(n);
        self.data = b;
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Mp4Error> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Mp4Error> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Mp4Error> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Mp4Error> {
        let b = self.take(8)?;
        Ok(u64::from_be_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }

    /// Version and flags of a full box.
    pub(crate) fn full(&mut self) -> Result<(u8, u32), Mp4Error> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0x00ff_ffff))
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.data
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len()
    }
}

/// Find the first child box of a kind.
pub(crate) fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Result<Option<BoxRef<'a>>, Mp4Error> {
    for b in boxes(data) {
        let b = b?;
        if &b.kind == kind {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// What a track carries (`hdlr` handler type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum TrackKind {
    /// `vide`.
    Video,
    /// `soun`.
    Audio,
    /// `text`, `subt`, `sbtl`.
    Text,
    /// Anything else.
    Other,
}

/// Facts about one track of an init segment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct TrackInfo {
    /// `tkhd` track id.
    pub track_id: u32,
    /// `mdhd` timescale.
    pub timescale: u32,
    /// Handler.
    pub kind: TrackKind,
    /// RFC 6381 codec string (`avc1.64001f`, `hvc1.1.6.L93.B0`, `av01.0.04M.08`, `mp4a.40.2`).
    pub codec: Option<String>,
    /// The sample entry was `encv`/`enca` (protected).
    pub encrypted: bool,
    /// Visual width and height from the sample entry.
    pub dimensions: Option<(u16, u16)>,
    /// `trex` default sample duration.
    pub default_sample_duration: Option<u32>,
}

/// Facts from an init segment (`ftyp` + `moov`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct InitInfo {
    /// `ftyp` major brand.
    pub major_brand: Option<String>,
    /// The tracks.
    pub tracks: Vec<TrackInfo>,
    /// The init segment carries `pssh` boxes.
    pub has_pssh: bool,
}

const MAX_TRACKS: usize = 64;

/// Read an init segment.
pub fn parse_init(data: &[u8]) -> Result<InitInfo, Mp4Error> {
    let mut info = InitInfo {
        major_brand: None,
        tracks: Vec::new(),
        has_pssh: false,
    };
    let mut moov = None;
    for b in boxes(data) {
        let b = b?;
        match &b.kind {
            b"ftyp" if b.data.len() >= 4 => {
                info.major_brand = Some(fourcc([b.data[0], b.data[1], b.data[2], b.data[3]]));
            }
            b"moov" => moov = Some(b),
            _ => {}
        }
    }
    let moov = moov.ok_or(Mp4Error::Missing { box_type: "moov" })?;
    let mut trex: Vec<(u32, u32)> = Vec::new();
    if let Some(mvex) = child(moov.data, b"mvex")? {
        for b in boxes(mvex.data) {
            let b = b?;
            if &b.kind == b"trex" && trex.len() < MAX_TRACKS {
                let mut c = Cursor::new(b);
                c.full()?;
                let id = c.u32()?;
                c.u32()?;
                trex.push((id, c.u32()?));
            }
        }
    }
    for b in boxes(moov.data) {
        let b = b?;
        match &b.kind {
            b"pssh" => info.has_pssh = true,
            b"trak" => {
                if info.tracks.len() >= MAX_TRACKS {
                    return Err(Mp4Error::Invalid {
                        box_type: "moov".into(),
                        reason: "too many tracks",
                    });
                }
                let mut t = track(b)?;
                t.default_sample_duration = trex
                    .iter()
                    .find(|(id, _)| *id == t.track_id)
                    .map(|(_, d)| *d);
                info.tracks.push(t);
            }
            _ => {}
        }
    }
    Ok(info)
}

fn track(trak: BoxRef<'_>) -> Result<TrackInfo, Mp4Error> {
    let tkhd = child(trak.data, b"tkhd")?.ok_or(Mp4Error::Missing { box_type: "tkhd" })?;
    let mut c = Cursor::new(tkhd);
    let (v, _) = c.full()?;
    c.take(if v == 1 { 16 } else { 8 })?;
    let track_id = c.u32()?;
    let mdia = child(trak.data, b"mdia")?.ok_or(Mp4Error::Missing { box_type: "mdia" })?;
    let mdhd = child(mdia.data, b"mdhd")?.ok_or(Mp4Error::Missing { box_type: "mdhd" })?;
    let mut c = Cursor::new(mdhd);
    let (v, _) = c.full()?;
    c.take(if v == 1 { 16 } else { 8 })?;
    let timescale = c.u32()?;
    let kind = match child(mdia.data, b"hdlr")? {
        Some(h) => {
            let mut c = Cursor::new(h);
            c.full()?;
            c.u32()?;
            match c.take(4)? {
                b"vide" => TrackKind::Video,
                b"soun" => TrackKind::Audio,
                b"text" | b"subt" | b"sbtl" => TrackKind::Text,
                _ => TrackKind::Other,
            }
        }
        None => TrackKind::Other,
    };
    let mut t = TrackInfo {
        track_id,
        timescale,
        kind,
        codec: None,
        encrypted: false,
        dimensions: None,
        default_sample_duration: None,
    };
    let stsd = child(mdia.data, b"minf")?
        .map(|m| child(m.data, b"stbl"))
        .transpose()?
        .flatten()
        .map(|s| child(s.data, b"stsd"))
        .transpose()?
        .flatten();
    if let Some(stsd) = stsd {
        let mut c = Cursor::new(stsd);
        c.full()?;
        let count = c.u32()?;
        if count > 0 {
            if let Some(entry) = boxes(c.rest()).next() {
                let entry = entry?;
                let (codec, encrypted, dims) = codec::sample_entry(entry, kind)?;
                t.codec = codec;
                t.encrypted = encrypted;
                t.dimensions = dims;
            }
        }
    }
    Ok(t)
}

/// Timing of one track fragment (`traf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct FragmentInfo {
    /// `tfhd` track id.
    pub track_id: u32,
    /// `tfdt` base media decode time, in the track's timescale.
    pub base_media_decode_time: Option<u64>,
    /// Decode time plus the first sample's composition offset.
    pub earliest_presentation_time: Option<u64>,
    /// Sum of sample durations, in the track's timescale.
    pub duration: u64,
    /// Number of samples.
    pub sample_count: u64,
}

/// Facts from a media segment: one entry per track fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MediaSegmentInfo {
    /// Track fragments in file order.
    pub fragments: Vec<FragmentInfo>,
}

impl MediaSegmentInfo {
    /// Earliest presentation time and total duration of `track_id` in seconds, given its
    /// timescale.
    pub fn timing(&self, track_id: u32, timescale: u32) -> Option<(Duration, Duration)> {
        if timescale == 0 {
            return None;
        }
        let mut frags = self.fragments.iter().filter(|f| f.track_id == track_id);
        let first = frags.next()?;
        let ept = first
            .earliest_presentation_time
            .or(first.base_media_decode_time)?;
        let total: u64 = self
            .fragments
            .iter()
            .filter(|f| f.track_id == track_id)
            .fold(0u64, |sum, f| sum.saturating_add(f.duration));
        let ts = f64::from(timescale);
        Some((
            secs_saturating(ept as f64 / ts),
            secs_saturating(total as f64 / ts),
        ))
    }
}

const MAX_FRAGMENTS: usize = 4096;

/// Read a media segment (`styp`? `sidx`? (`moof` `mdat`)+). `init` supplies `trex` defaults.
pub fn parse_media_segment(
    data: &[u8],
    init: Option<&InitInfo>,
) -> Result<MediaSegmentInfo, Mp4Error> {
    let mut out = MediaSegmentInfo {
        fragments: Vec::new(),
    };
    for b in boxes(data) {
        let b = b?;
        if &b.kind != b"moof" {
            continue;
        }
        for traf in boxes(b.data) {
            let traf = traf?;
            if &traf.kind != b"traf" {
                continue;
            }
            if out.fragments.len() >= MAX_FRAGMENTS {
                return Err(Mp4Error::Invalid {
                    box_type: "moof".into(),
                    reason: "too many track fragments",
                });
            }
            out.fragments.push(fragment(traf, init)?);
        }
    }
    if out.fragments.is_empty() {
        return Err(Mp4Error::Missing { box_type: "moof" });
    }
    Ok(out)
}

fn fragment(traf: BoxRef<'_>, init: Option<&InitInfo>) -> Result<FragmentInfo, Mp4Error> {
    let tfhd = child(traf.data, b"tfhd")?.ok_or(Mp4Error::Missing { box_type: "tfhd" })?;
    let mut c = Cursor::new(tfhd);
    let (_, flags) = c.full()?;
    let track_id = c.u32()?;
    if flags & 0x1 != 0 {
        c.u64()?;
    }
    if flags & 0x2 != 0 {
        c.u32()?;
    }
    let mut default_duration = if flags & 0x8 != 0 {
        Some(c.u32()?)
    } else {
        None
    };
    if default_duration.is_none() {
        default_duration = init.and_then(|i| {
            i.tracks
                .iter()
                .find(|t| t.track_id == track_id)
                .and_then(|t| t.default_sample_duration)
        });
    }
    let mut f = FragmentInfo {
        track_id,
        base_media_decode_time: None,
        earliest_presentation_time: None,
        duration: 0,
        sample_count: 0,
    };
    if let Some(tfdt) = child(traf.data, b"tfdt")? {
        let mut c = Cursor::new(tfdt);
        let (v, _) = c.full()?;
        f.base_media_decode_time = Some(if v == 1 {
            c.u64()?
        } else {
            u64::from(c.u32()?)
        });
    }
    let mut first_cto: Option<i64> = None;
    for b in boxes(traf.data) {
        let b = b?;
        if &b.kind != b"trun" {
            continue;
        }
        let mut c = Cursor::new(b);
        let (v, flags) = c.full()?;
        let count = u64::from(c.u32()?);
        if flags & 0x1 != 0 {
            c.u32()?;
        }
        if flags & 0x4 != 0 {
            c.u32()?;
        }
        let per_sample = [0x100u32, 0x200, 0x400, 0x800]
            .iter()
            .filter(|&&b| flags & b != 0)
            .count() as u64
            * 4;
        if per_sample.saturating_mul(count) > c.remaining() as u64 {
            return Err(Mp4Error::Truncated {
                box_type: "trun".into(),
            });
        }
        if per_sample == 0 {
            // No per-sample fields: every sample has the default duration. Multiply rather
            // than loop, so a huge sample_count costs nothing (found by fuzzing).
            let d = u64::from(default_duration.unwrap_or(0));
            f.duration = f.duration.saturating_add(d.saturating_mul(count));
        }
        for i in 0..if per_sample == 0 { 0 } else { count } {
            let d = if flags & 0x100 != 0 {
                c.u32()?
            } else {
                default_duration.unwrap_or(0)
            };
            if flags & 0x200 != 0 {
                c.u32()?;
            }
            if flags & 0x400 != 0 {
                c.u32()?;
            }
            if flags & 0x800 != 0 {
                let raw = c.u32()?;
                if i == 0 && first_cto.is_none() {
                    first_cto = Some(if v == 0 {
                        i64::from(raw)
                    } else {
                        i64::from(raw as i32)
                    });
                }
            }
            f.duration = f.duration.saturating_add(u64::from(d));
        }
        f.sample_count = f.sample_count.saturating_add(count);
    }
    f.earliest_presentation_time = f
        .base_media_decode_time
        .map(|t| t.saturating_add_signed(first_cto.unwrap_or(0)));
    Ok(f)
}

/// One `sidx` reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SidxReference {
    /// Points to another `sidx` rather than media.
    pub is_index: bool,
    /// Referenced size in bytes.
    pub size: u32,
    /// Subsegment duration in the index timescale.
    pub duration: u32,
    /// Starts with a stream access point.
    pub starts_with_sap: bool,
}

/// A segment index box.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Sidx {
    /// `reference_ID`.
    pub reference_id: u32,
    /// Timescale.
    pub timescale: u32,
    /// Earliest presentation time of the first subsegment.
    pub earliest_presentation_time: u64,
    /// Offset from the end of this box to the first referenced byte.
    pub first_offset: u64,
    /// The references.
    pub references: Vec<SidxReference>,
    /// Size of the `sidx` box itself.
    pub box_size: u64,
}

/// Read the first `sidx` box in `data` (the bytes of a DASH `indexRange`).
pub fn parse_sidx(data: &[u8]) -> Result<Sidx, Mp4Error> {
    for b in boxes(data) {
        let b = b?;
        if &b.kind != b"sidx" {
            continue;
        }
        let mut c = Cursor::new(b);
        let (v, _) = c.full()?;
        let reference_id = c.u32()?;
        let timescale = c.u32()?;
        let (ept, first_offset) = if v == 0 {
            (u64::from(c.u32()?), u64::from(c.u32()?))
        } else {
            (c.u64()?, c.u64()?)
        };
        c.u16()?;
        let count = usize::from(c.u16()?);
        if count * 12 > c.remaining() {
            return Err(Mp4Error::Truncated {
                box_type: "sidx".into(),
            });
        }
        let mut references = Vec::with_capacity(count);
        for _ in 0..count {
            let a = c.u32()?;
            let duration = c.u32()?;
            let sap = c.u32()?;
            references.push(SidxReference {
                is_index: a & 0x8000_0000 != 0,
                size: a & 0x7fff_ffff,
                duration,
                starts_with_sap: sap & 0x8000_0000 != 0,
            });
        }
        return Ok(Sidx {
            reference_id,
            timescale,
            earliest_presentation_time: ept,
            first_offset,
            references,
            box_size: b.size as u64,
        });
    }
    Err(Mp4Error::Missing { box_type: "sidx" })
}

/// Turn the bytes of a SegmentBase `indexRange` into segments (media references only).
///
/// Byte ranges are absolute in the media file: they start right after the `sidx` box
/// (at `index.range.start` + box size + `first_offset`). Segment numbers start at
/// `first_number`.
pub fn segments_from_sidx(
    index: &IndexRange,
    sidx_bytes: &[u8],
    first_number: u64,
) -> Result<Vec<Segment>, Mp4Error> {
    let sidx = parse_sidx(sidx_bytes)?;
    if sidx.timescale == 0 {
        return Err(Mp4Error::Invalid {
            box_type: "sidx".into(),
            reason: "timescale is zero",
        });
    }
    let ts = f64::from(sidx.timescale);
    let mut offset = index
        .range
        .start
        .saturating_add(sidx.box_size)
        .saturating_add(sidx.first_offset);
    let mut t = sidx.earliest_presentation_time;
    let pto_secs = index.presentation_time_offset as f64 / index.timescale.max(1) as f64;
    let mut out = Vec::with_capacity(sidx.references.len());
    for (i, r) in sidx.references.iter().enumerate() {
        if !r.is_index {
            let start = (t as f64 / ts - pto_secs).max(0.0);
            out.push(Segment::plain(
                first_number.saturating_add(i as u64),
                index.url.clone(),
                Some(ByteRange {
                    start: offset,
                    length: u64::from(r.size),
                }),
                secs_saturating(start),
                secs_saturating(f64::from(r.duration) / ts),
            ));
        }
        offset = offset.saturating_add(u64::from(r.size));
        t = t.saturating_add(u64::from(r.duration));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
