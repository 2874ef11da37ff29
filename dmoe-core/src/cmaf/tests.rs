use super::*;

fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut v = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(payload);
    v
}

fn full(kind: &[u8; 4], version: u8, flags: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = (u32::from(version) << 24 | flags).to_be_bytes().to_vec();
    p.extend_from_slice(payload);
    bx(kind, &p)
}

/// A media segment with one traf: tfdt v1 = 90000, trun of 3 samples of 3000 with CTO 1000.
fn media_segment() -> Vec<u8> {
    let tfhd = full(b"tfhd", 0, 0, &7u32.to_be_bytes());
    let tfdt = full(b"tfdt", 1, 0, &90_000u64.to_be_bytes());
    let mut trun_p = 3u32.to_be_bytes().to_vec();
    for _ in 0..3 {
        trun_p.extend_from_slice(&3000u32.to_be_bytes());
        trun_p.extend_from_slice(&1000u32.to_be_bytes());
    }
    let trun = full(b"trun", 0, 0x100 | 0x800, &trun_p);
    let traf = bx(b"traf", &[tfhd, tfdt, trun].concat());
    let moof = bx(
        b"moof",
        &[full(b"mfhd", 0, 0, &1u32.to_be_bytes()), traf].concat(),
    );
    [bx(b"styp", b"msdhmsdh"), moof, bx(b"mdat", &[0; 16])].concat()
}

#[test]
fn reads_media_segment_timing() {
    let m = parse_media_segment(&media_segment(), None).unwrap();
    assert_eq!(m.fragments.len(), 1);
    let f = m.fragments[0];
    assert_eq!(f.track_id, 7);
    assert_eq!(f.base_media_decode_time, Some(90_000));
    assert_eq!(f.earliest_presentation_time, Some(91_000));
    assert_eq!(f.duration, 9000);
    let (ept, dur) = m.timing(7, 90_000).unwrap();
    assert!((ept.as_secs_f64() - 91_000.0 / 90_000.0).abs() < 1e-9);
    assert!((dur.as_secs_f64() - 0.1).abs() < 1e-9);
}

#[test]
fn truncated_boxes_are_errors() {
    let seg = media_segment();
    for cut in [3, 9, 20, seg.len() / 2, seg.len() - 1] {
        // Every prefix is either an error or a (shorter) valid parse, never a panic.
        let _ = parse_media_segment(&seg[..cut], None);
    }
    assert!(matches!(
        parse_media_segment(&seg[..20], None),
        Err(Mp4Error::Truncated { .. })
    ));
    let mut huge = bx(b"moov", &[]);
    huge[3] = 200; // claims 200 bytes, has 8
    assert!(matches!(parse_init(&huge), Err(Mp4Error::Truncated { .. })));
}

#[test]
fn trun_count_cannot_force_allocation_or_overrun() {
    let tfhd = full(b"tfhd", 0, 0, &1u32.to_be_bytes());
    let trun = full(b"trun", 0, 0x100, &u32::MAX.to_be_bytes());
    let traf = bx(b"traf", &[tfhd, trun].concat());
    let moof = bx(b"moof", &traf);
    assert!(matches!(
        parse_media_segment(&moof, None),
        Err(Mp4Error::Truncated { .. })
    ));
}

#[test]
fn sidx_to_segments() {
    let mut p = Vec::new();
    for v in [1u32, 1000, 500, 10] {
        p.extend_from_slice(&v.to_be_bytes());
    }
    p.extend_from_slice(&[0, 0, 0, 3]);
    for (size, dur) in [(100u32, 2000u32), (200, 2000), (300, 1000)] {
        p.extend_from_slice(&size.to_be_bytes());
        p.extend_from_slice(&dur.to_be_bytes());
        p.extend_from_slice(&0x9000_0000u32.to_be_bytes());
    }
    let sidx = full(b"sidx", 0, 0, &p);
    let idx = IndexRange {
        url: "v.mp4".into(),
        range: ByteRange {
            start: 800,
            length: sidx.len() as u64,
        },
        timescale: 1000,
        presentation_time_offset: 500,
    };
    let segs = segments_from_sidx(&idx, &sidx, 1).unwrap();
    assert_eq!(segs.len(), 3);
    let first_byte = 800 + sidx.len() as u64 + 10;
    assert_eq!(
        segs[0].byte_range,
        Some(ByteRange {
            start: first_byte,
            length: 100
        })
    );
    assert_eq!(segs[2].byte_range.unwrap().start, first_byte + 300);
    assert_eq!(segs[0].start, Duration::ZERO);
    assert_eq!(segs[1].start, Duration::from_secs(2));
    assert_eq!(segs[2].duration, Duration::from_secs(1));
    let mut bad = sidx.clone();
    bad.truncate(bad.len() - 5);
    assert!(parse_sidx(&bad).is_err());
}

#[test]
fn codec_strings() {
    // avcC: version 1, profile 0x64, compat 0x00, level 0x1f.
    let avcc = bx(b"avcC", &[1, 0x64, 0x00, 0x1f, 0xff, 0xe1]);
    let mut entry_p = vec![0u8; 8];
    entry_p.extend_from_slice(&[0u8; 16]);
    entry_p.extend_from_slice(&1280u16.to_be_bytes());
    entry_p.extend_from_slice(&720u16.to_be_bytes());
    entry_p.extend_from_slice(&[0u8; 50]);
    entry_p.extend_from_slice(&avcc);
    let entry = bx(b"avc1", &entry_p);
    let b = boxes(&entry).next().unwrap().unwrap();
    let (codec, enc, dims) = codec::sample_entry(b, TrackKind::Video).unwrap();
    assert_eq!(codec.as_deref(), Some("avc1.64001f"));
    assert!(!enc);
    assert_eq!(dims, Some((1280, 720)));
}

#[test]
fn trun_without_per_sample_fields_is_not_a_loop() {
    // Regression from fuzzing: sample_count = u32::MAX with no per-sample fields used to
    // iterate four billion times.
    let mut tfhd_p = 1u32.to_be_bytes().to_vec();
    tfhd_p.extend_from_slice(&1000u32.to_be_bytes());
    let tfhd = full(b"tfhd", 0, 0x8, &tfhd_p);
    let trun = full(b"trun", 0, 0, &u32::MAX.to_be_bytes());
    let moof = bx(b"moof", &bx(b"traf", &[tfhd, trun].concat()));
    let m = parse_media_segment(&moof, None).unwrap();
    assert_eq!(m.fragments[0].sample_count, u64::from(u32::MAX));
    assert_eq!(m.fragments[0].duration, u64::from(u32::MAX) * 1000);
}
