//! Property tests: generated playlists and MPDs round-trip through the model; arbitrary
//! and mutated bytes never panic.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::fmt::Write as _;
use std::time::Duration;

use dmoe_core::{ByteRange, ParseOptions, Strictness};
use proptest::prelude::*;

/// One generated media segment.
#[derive(Debug, Clone)]
struct GenSegment {
    millis: u32,
    discontinuity: bool,
    range: Option<(u32, Option<u32>)>,
    parts: Vec<u32>,
    new_key: bool,
}

fn segment() -> impl Strategy<Value = GenSegment> {
    (
        1u32..10_000,
        any::<bool>(),
        proptest::option::of((1u32..1_000_000, proptest::option::of(0u32..1_000_000))),
        proptest::collection::vec(100u32..1000, 0..4),
        any::<bool>(),
    )
        .prop_map(
            |(millis, discontinuity, range, parts, new_key)| GenSegment {
                millis,
                discontinuity,
                range,
                parts,
                new_key,
            },
        )
}

fn render(media_sequence: u64, segs: &[GenSegment], ended: bool) -> String {
    let mut s = String::from("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:10\n");
    let _ = writeln!(s, "#EXT-X-MEDIA-SEQUENCE:{media_sequence}");
    s.push_str("#EXT-X-PART-INF:PART-TARGET=1.0\n");
    for (i, g) in segs.iter().enumerate() {
        if g.new_key {
            let _ = writeln!(s, "#EXT-X-KEY:METHOD=AES-128,URI=\"k{i}.key\"");
        }
        if g.discontinuity {
            s.push_str("#EXT-X-DISCONTINUITY\n");
        }
        for (j, p) in g.parts.iter().enumerate() {
            let _ = writeln!(
                s,
                "#EXT-X-PART:DURATION={}.{:03},URI=\"s{i}.p{j}.mp4\"",
                p / 1000,
                p % 1000
            );
        }
        let _ = writeln!(s, "#EXTINF:{}.{:03},", g.millis / 1000, g.millis % 1000);
        if let Some((len, off)) = g.range {
            match off {
                Some(o) => {
                    let _ = writeln!(s, "#EXT-X-BYTERANGE:{len}@{o}");
                }
                None => {
                    let _ = writeln!(s, "#EXT-X-BYTERANGE:{len}");
                }
            }
        }
        let _ = writeln!(s, "s{}.ts", if g.range.is_some() { 0 } else { i });
    }
    if ended {
        s.push_str("#EXT-X-ENDLIST\n");
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_playlists_round_trip(
        ms in 0u64..1_000_000,
        segs in proptest::collection::vec(segment(), 0..40),
        ended in any::<bool>(),
    ) {
        let text = render(ms, &segs, ended);
        let p = dmoe_core::parse(text.as_bytes(), &ParseOptions::new().strictness(Strictness::Permissive)).unwrap();
        let idx = &p.renditions[0].segments;
        prop_assert_eq!(idx.segments.len(), segs.len());
        prop_assert_eq!(idx.ended, ended);
        let mut start = Duration::ZERO;
        let mut prev_end: Option<(String, u64)> = None;
        let mut key_tags = 0;
        for (i, (s, g)) in idx.segments.iter().zip(&segs).enumerate() {
            prop_assert_eq!(s.number, ms + i as u64);
            prop_assert_eq!(s.duration, Duration::from_millis(u64::from(g.millis)));
            prop_assert_eq!(s.start, start);
            start += s.duration;
            prop_assert_eq!(s.discontinuity, g.discontinuity);
            key_tags += usize::from(g.new_key);
            prop_assert_eq!(s.key_set.is_some(), key_tags > 0);
            match g.range {
                None => {
                    prop_assert_eq!(s.byte_range, None);
                    prev_end = None;
                }
                Some((len, off)) => {
                    let expect_start = match (off, &prev_end) {
                        (Some(o), _) => u64::from(o),
                        (None, Some((u, e))) if *u == s.url => *e,
                        (None, _) => 0,
                    };
                    prop_assert_eq!(s.byte_range, Some(ByteRange { start: expect_start, length: u64::from(len) }));
                    prev_end = Some((s.url.clone(), expect_start + u64::from(len)));
                }
            }
        }
        let parts: usize = segs.iter().map(|g| g.parts.len()).sum();
        prop_assert_eq!(idx.parts.len(), parts);
        let mut k = 0;
        for (i, g) in segs.iter().enumerate() {
            for j in 0..g.parts.len() {
                prop_assert_eq!(idx.parts[k].segment, ms + i as u64);
                prop_assert_eq!(idx.parts[k].index, j as u32);
                k += 1;
            }
        }
    }

    #[test]
    fn generated_timelines_expand_exactly(
        timescale in 1u64..100_000,
        entries in proptest::collection::vec((1u64..500_000, 0u64..20, any::<bool>()), 1..12),
        start_number in 0u64..1000,
    ) {
        // Build a SegmentTimeline, optionally with explicit @t, and the expected expansion.
        let mut xml = String::new();
        let mut expect: Vec<(u64, u64)> = Vec::new();
        let mut t = 0u64;
        for (d, r, explicit_t) in &entries {
            if *explicit_t {
                t += 7;
                let _ = write!(xml, r#"<S t="{t}" d="{d}" r="{r}"/>"#);
            } else {
                let _ = write!(xml, r#"<S d="{d}" r="{r}"/>"#);
            }
            for _ in 0..=*r {
                expect.push((t, *d));
                t += d;
            }
        }
        let mpd = format!(
            r#"<MPD type="static"><Period><AdaptationSet mimeType="video/mp4">
            <SegmentTemplate timescale="{timescale}" startNumber="{start_number}" media="$Number$-$Time$.m4s">
            <SegmentTimeline>{xml}</SegmentTimeline></SegmentTemplate>
            <Representation id="v" bandwidth="1000"/></AdaptationSet></Period></MPD>"#
        );
        let p = dmoe_core::parse(mpd.as_bytes(), &ParseOptions::new()).unwrap();
        let segs = &p.renditions[0].segments.segments;
        prop_assert_eq!(segs.len(), expect.len());
        for (i, (s, (t, d))) in segs.iter().zip(&expect).enumerate() {
            let number = start_number + i as u64;
            prop_assert_eq!(s.number, number);
            prop_assert_eq!(&s.url, &format!("{number}-{t}.m4s"));
            let want = *d as f64 / timescale as f64;
            prop_assert!((s.duration.as_secs_f64() - want).abs() < 1e-6);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for s in [Strictness::Permissive, Strictness::Normal, Strictness::Strict] {
            let _ = dmoe_core::parse(&bytes, &ParseOptions::new().strictness(s));
            let _ = dmoe_core::hls::parse(&bytes, &ParseOptions::new().strictness(s));
            let _ = dmoe_core::dash::parse(&bytes, &ParseOptions::new().strictness(s));
        }
        let _ = dmoe_core::cmaf::parse_init(&bytes);
        let _ = dmoe_core::cmaf::parse_media_segment(&bytes, None);
        let _ = dmoe_core::cmaf::parse_sidx(&bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..5,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let names = ["ll-hls-live.m3u8", "ll-hls-delta.m3u8", "multivariant.m3u8", "vod-multiperiod.mpd", "live-number.mpd"];
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/manifests").join(names[which]);
        let mut bytes = std::fs::read(path).unwrap();
        for (i, b) in &edits {
            let at = i.index(bytes.len());
            bytes[at] = *b;
        }
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep);
        for s in [Strictness::Permissive, Strictness::Normal, Strictness::Strict] {
            let opts = ParseOptions::new().strictness(s).base_url("https://h.example/a/b.m3u8");
            if let Ok(mut p) = dmoe_core::parse(&bytes, &opts) {
                for r in &p.renditions {
                    prop_assert!(r.segments.segments.len() as u64 <= opts.limits.max_segments_per_rendition);
                }
                let id = dmoe_core::RenditionId(0);
                if p.format != dmoe_core::ManifestFormat::Dash && !p.renditions.is_empty() {
                    let _ = p.apply_media_playlist(id, &bytes, &opts);
                }
            }
        }
    }
}
