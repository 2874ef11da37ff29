//! RFC 6381 codec strings from sample entries (`avcC`, `hvcC`, `av1C`, `vpcC`, `esds`).

use std::fmt::Write as _;

use super::{BoxRef, Cursor, Mp4Error, TrackKind, child, fourcc, parse_init};

/// The codec strings of every track of an init segment, in track order.
///
/// ```
/// # fn run(init: &[u8]) -> Result<(), dmoe_core::cmaf::Mp4Error> {
/// let codecs = dmoe_core::cmaf::codec_string(init)?; // e.g. ["avc1.64001f", "mp4a.40.2"]
/// # Ok(()) }
/// ```
pub fn codec_string(init: &[u8]) -> Result<Vec<String>, Mp4Error> {
    Ok(parse_init(init)?
        .tracks
        .into_iter()
        .filter_map(|t| t.codec)
        .collect())
}

type EntryFacts = (Option<String>, bool, Option<(u16, u16)>);

/// Codec, protection and dimensions of a sample entry.
pub(super) fn sample_entry(entry: BoxRef<'_>, kind: TrackKind) -> Result<EntryFacts, Mp4Error> {
    let mut c = Cursor::new(entry);
    // SampleEntry: 6 reserved bytes and a data reference index.
    c.take(8)?;
    let mut dims = None;
    let is_visual = matches!(
        &entry.kind,
        b"avc1"
            | b"avc3"
            | b"hvc1"
            | b"hev1"
            | b"av01"
            | b"vp09"
            | b"vp08"
            | b"encv"
            | b"dvh1"
            | b"dvhe"
            | b"mp4v"
    ) || (kind == TrackKind::Video && &entry.kind != b"encv");
    let is_audio = matches!(
        &entry.kind,
        b"mp4a" | b"enca" | b"ac-3" | b"ec-3" | b"ac-4" | b"Opus" | b"fLaC"
    );
    if is_visual {
        c.take(16)?;
        let w = c.u16()?;
        let h = c.u16()?;
        dims = Some((w, h));
        c.take(50)?;
    } else if is_audio {
        c.take(20)?;
    } else {
        // Text and other entries: report the four-character code only.
        return Ok((Some(fourcc(entry.kind)), false, None));
    }
    let children = c.rest();
    let mut format = entry.kind;
    let encrypted = matches!(&entry.kind, b"encv" | b"enca");
    if encrypted {
        let frma = child(children, b"sinf")?
            .map(|s| child(s.data, b"frma"))
            .transpose()?
            .flatten();
        match frma {
            Some(f) if f.data.len() >= 4 => format = [f.data[0], f.data[1], f.data[2], f.data[3]],
            _ => return Ok((None, true, dims)),
        }
    }
    let codec = match &format {
        b"avc1" | b"avc3" => child(children, b"avcC")?
            .map(|b| avc(format, b))
            .transpose()?,
        b"hvc1" | b"hev1" => child(children, b"hvcC")?
            .map(|b| hevc(format, b))
            .transpose()?,
        b"av01" => child(children, b"av1C")?.map(av1).transpose()?,
        b"vp09" => child(children, b"vpcC")?.map(vp9).transpose()?,
        b"mp4a" => Some(match child(children, b"esds")? {
            Some(b) => esds(b)?,
            None => "mp4a".to_owned(),
        }),
        _ => Some(fourcc(format)),
    };
    Ok((codec.or_else(|| Some(fourcc(format))), encrypted, dims))
}

fn avc(format: [u8; 4], b: BoxRef<'_>) -> Result<String, Mp4Error> {
    let mut c = Cursor::new(b);
    c.u8()?;
    let (p, compat, level) = (c.u8()?, c.u8()?, c.u8()?);
    Ok(format!("{}.{p:02x}{compat:02x}{level:02x}", fourcc(format)))
}

fn hevc(format: [u8; 4], b: BoxRef<'_>) -> Result<String, Mp4Error> {
    let mut c = Cursor::new(b);
    c.u8()?;
    let b1 = c.u8()?;
    let space = ["", "A", "B", "C"][usize::from(b1 >> 6)];
    let tier = if b1 & 0x20 != 0 { 'H' } else { 'L' };
    let profile = b1 & 0x1f;
    let compat = c.u32()?.reverse_bits();
    let constraints = c.take(6)?;
    let level = c.u8()?;
    let mut s = format!(
        "{}.{space}{profile}.{compat:x}.{tier}{level}",
        fourcc(format)
    );
    let used = constraints
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i + 1);
    for b in &constraints[..used] {
        let _ = write!(s, ".{b:X}");
    }
    Ok(s)
}

fn av1(b: BoxRef<'_>) -> Result<String, Mp4Error> {
    let mut c = Cursor::new(b);
    c.u8()?;
    let b1 = c.u8()?;
    let b2 = c.u8()?;
    let profile = b1 >> 5;
    let level = b1 & 0x1f;
    let tier = if b2 & 0x80 != 0 { 'H' } else { 'M' };
    let high = b2 & 0x40 != 0;
    let twelve = b2 & 0x20 != 0;
    let depth = match (high, twelve, profile) {
        (true, true, 2) => 12,
        (true, _, _) => 10,
        _ => 8,
    };
    Ok(format!("av01.{profile}.{level:02}{tier}.{depth:02}"))
}

fn vp9(b: BoxRef<'_>) -> Result<String, Mp4Error> {
    let mut c = Cursor::new(b);
    c.full()?;
    let profile = c.u8()?;
    let level = c.u8()?;
    let depth = c.u8()? >> 4;
    Ok(format!("vp09.{profile:02}.{level:02}.{depth:02}"))
}

/// Read an MPEG-4 descriptor header: tag and length.
fn descriptor(c: &mut Cursor<'_>) -> Result<(u8, usize), Mp4Error> {
    let tag = c.u8()?;
    let mut len = 0usize;
    for _ in 0..4 {
        let b = c.u8()?;
        len = (len << 7) | usize::from(b & 0x7f);
        if b & 0x80 == 0 {
            break;
        }
    }
    Ok((tag, len))
}

fn esds(b: BoxRef<'_>) -> Result<String, Mp4Error> {
    let mut c = Cursor::new(b);
    c.full()?;
    let (tag, _) = descriptor(&mut c)?;
    if tag != 0x03 {
        return Err(Mp4Error::Invalid {
            box_type: "esds".into(),
            reason: "no ES descriptor",
        });
    }
    c.u16()?;
    let flags = c.u8()?;
    if flags & 0x80 != 0 {
        c.u16()?;
    }
    if flags & 0x40 != 0 {
        let n = c.u8()?;
        c.take(usize::from(n))?;
    }
    if flags & 0x20 != 0 {
        c.u16()?;
    }
    let (tag, _) = descriptor(&mut c)?;
    if tag != 0x04 {
        return Err(Mp4Error::Invalid {
            box_type: "esds".into(),
            reason: "no decoder config descriptor",
        });
    }
    let oti = c.u8()?;
    c.take(12)?;
    let mut s = format!("mp4a.{oti:x}");
    if oti == 0x40 && c.remaining() > 0 {
        let (tag, len) = descriptor(&mut c)?;
        if tag == 0x05 && len > 0 {
            let asc = c.take(len.min(c.remaining()))?;
            let mut aot = asc[0] >> 3;
            if aot == 31 && asc.len() >= 2 {
                aot = 32 + (((asc[0] & 0x07) << 3) | (asc[1] >> 5));
            }
            let _ = write!(s, ".{aot}");
        }
    }
    Ok(s)
}
