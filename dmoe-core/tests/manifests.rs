//! Hand-written manifests in `tests/data/manifests`, checked field by field, and hostile
//! inputs that must fail fast with a typed error.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::time::Duration;

use dmoe_core::{
    ByteRange, HintType, KeyMethod, Limit, Limits, ManifestError, ManifestFormat, MediaType,
    ParseOptions, PresentationKind, Rule, Strictness, VideoRange, WallClock,
};

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/manifests")
        .join(name);
    std::fs::read(p).expect("fixture readable")
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[test]
fn ll_hls_live_playlist_keeps_everything() {
    let opts = ParseOptions::new()
        .base_url("https://cdn.example.com/live/v/index.m3u8")
        .strictness(Strictness::Strict);
    let p = dmoe_core::parse(&fixture("ll-hls-live.m3u8"), &opts).unwrap();
    assert_eq!(p.format, ManifestFormat::HlsMedia);
    assert_eq!(p.kind, PresentationKind::Live);
    let c = p.counts();
    assert_eq!(
        (
            c.segments,
            c.parts,
            c.preload_hints,
            c.rendition_reports,
            c.keys
        ),
        (3, 6, 2, 2, 3)
    );
    let idx = &p.renditions[0].segments;
    assert_eq!(idx.media_sequence, 100);
    assert_eq!(idx.discontinuity_sequence, 3);
    let nums: Vec<u64> = idx.segments.iter().map(|s| s.number).collect();
    assert_eq!(nums, [100, 101, 102]);
    let s = &idx.segments;
    assert_eq!(s[0].url, "https://cdn.example.com/live/v/seg100.m4s");
    assert!(!s[1].discontinuity && s[2].discontinuity);
    // EXT-X-MAP applies to every following segment, not just the next one.
    assert_eq!(
        (s[0].init, s[1].init, s[2].init),
        (Some(0), Some(0), Some(1))
    );
    assert_eq!(
        idx.init_sections[1].url,
        "https://cdn.example.com/live/v/init-102.mp4"
    );
    // Two keys at once (FairPlay + Widevine), then the FairPlay key rotates.
    let set0 = &idx.key_sets[s[0].key_set.unwrap() as usize];
    let set2 = &idx.key_sets[s[2].key_set.unwrap() as usize];
    assert_eq!(set0, &vec![0, 1]);
    assert_eq!(set2, &vec![1, 2]);
    assert_eq!(idx.keys[0].method, KeyMethod::SampleAes);
    assert_eq!(idx.keys[0].uri.as_deref(), Some("skd://key-100"));
    assert_eq!(s[1].key_set, s[0].key_set);
    // Program date-time is extrapolated.
    let t0 = WallClock(1_795_341_600_000);
    assert_eq!(s[0].program_date_time, Some(t0));
    assert_eq!(s[2].program_date_time, Some(WallClock(t0.0 + 8000)));
    assert_eq!((s[1].start, s[2].start), (secs(4.0), secs(8.0)));
    // Parts: four of segment 102 with chained byte ranges, two of the segment in progress.
    let parts = &idx.parts;
    assert_eq!(
        parts[0].byte_range,
        Some(ByteRange {
            start: 0,
            length: 20_000
        })
    );
    assert_eq!(
        parts[1].byte_range,
        Some(ByteRange {
            start: 20_000,
            length: 21_000
        })
    );
    assert_eq!(
        parts[3].byte_range,
        Some(ByteRange {
            start: 60_000,
            length: 22_000
        })
    );
    assert_eq!((parts[3].segment, parts[3].index), (102, 3));
    assert_eq!(
        (parts[4].segment, parts[4].index, parts[4].independent),
        (103, 0, true)
    );
    assert_eq!((parts[5].segment, parts[5].index), (103, 1));
    assert_eq!(idx.preload_hints[1].hint_type, HintType::Map);
    assert_eq!(idx.preload_hints[1].byte_range_length, Some(800));
    let rr = &idx.rendition_reports[0];
    assert_eq!(rr.url, "https://cdn.example.com/live/720p/index.m3u8");
    assert_eq!((rr.last_msn, rr.last_part), (Some(103), Some(1)));
    let ll = p.low_latency.unwrap();
    assert_eq!(ll.part_target, Some(secs(1.0)));
    assert_eq!(ll.part_hold_back, Some(secs(3.0)));
    assert!(ll.can_block_reload);
    assert_eq!(p.live.unwrap().hold_back, Some(secs(12.0)));
}

#[test]
fn delta_update_merges_skipped_segments() {
    let opts = ParseOptions::new().base_url("https://cdn.example.com/live/v/index.m3u8");
    let mut p = dmoe_core::parse(&fixture("ll-hls-live.m3u8"), &opts).unwrap();
    let summary = p
        .apply_media_playlist(
            dmoe_core::RenditionId(0),
            &fixture("ll-hls-delta.m3u8"),
            &opts,
        )
        .unwrap();
    assert_eq!(
        (summary.added, summary.removed, summary.filled_from_previous),
        (1, 1, 2)
    );
    let idx = &p.renditions[0].segments;
    let nums: Vec<u64> = idx.segments.iter().map(|s| s.number).collect();
    assert_eq!(nums, [101, 102, 103]);
    assert_eq!(idx.skipped_segments, 0);
    // The filled segment 102 keeps its init section and keys, re-interned in the new tables.
    let s102 = &idx.segments[1];
    assert_eq!(
        idx.init_sections[s102.init.unwrap() as usize].url,
        "https://cdn.example.com/live/v/init-102.mp4"
    );
    let keys: Vec<&str> = idx.key_sets[s102.key_set.unwrap() as usize]
        .iter()
        .map(|&k| idx.keys[k as usize].uri.as_deref().unwrap())
        .collect();
    assert_eq!(keys, ["data:text/plain;base64,AAAA", "skd://key-102"]);
    // The timeline continues: 101 started at 4 s, so 103 starts at 12 s.
    assert_eq!(idx.segments[2].start, secs(12.0));
    assert_eq!(idx.parts.len(), 1);
    assert_eq!(idx.parts[0].segment, 104);
    // A delta update with nothing to fill from is an error, not a guess.
    let mut fresh = dmoe_core::parse(&fixture("ll-hls-live.m3u8"), &opts).unwrap();
    fresh.renditions[0].segments = Default::default();
    assert!(matches!(
        fresh.apply_media_playlist(
            dmoe_core::RenditionId(0),
            &fixture("ll-hls-delta.m3u8"),
            &opts
        ),
        Err(ManifestError::Violation {
            rule: Rule::SkipWithoutHistory,
            ..
        })
    ));
}

#[test]
fn multivariant_playlist_model() {
    let opts = ParseOptions::new().base_url("https://origin.example.com/master.m3u8");
    let p = dmoe_core::parse(&fixture("multivariant.m3u8"), &opts).unwrap();
    assert_eq!(p.format, ManifestFormat::HlsMultivariant);
    let c = p.counts();
    assert_eq!((c.variants, c.renditions, c.keys), (4, 8, 1));
    let v0 = &p.variants[0];
    assert_eq!(v0.bandwidth.bps(), 800_000);
    assert_eq!(v0.average_bandwidth.map(|b| b.bps()), Some(700_000));
    assert_eq!(v0.resolution.map(|r| (r.width, r.height)), Some((640, 360)));
    assert_eq!(v0.frame_rate, Some(29.97));
    assert_eq!(v0.video_range, Some(VideoRange::Sdr));
    assert_eq!(v0.audio_group.as_deref(), Some("aac"));
    assert_eq!(v0.closed_captions.as_deref(), Some("cc"));
    assert_eq!(v0.pathway.as_deref(), Some("CDN-A"));
    let r0 = p.rendition(v0.rendition).unwrap();
    assert_eq!(
        r0.uri.as_deref(),
        Some("https://cdn-a.example.com/360p/index.m3u8")
    );
    assert_eq!(r0.media_type, MediaType::Video);
    assert_eq!(p.variants[2].pathway.as_deref(), Some("CDN-B"));
    assert!(p.variants[3].i_frames_only);
    let en = p
        .renditions
        .iter()
        .find(|r| r.language.as_deref() == Some("en") && r.media_type == MediaType::Audio)
        .unwrap();
    assert_eq!(
        en.uri.as_deref(),
        Some("https://cdn-a.example.com/audio/en.m3u8")
    );
    assert!(en.default && en.autoselect);
    let cc = p
        .renditions
        .iter()
        .find(|r| r.media_type == MediaType::ClosedCaptions)
        .unwrap();
    assert_eq!(
        (cc.uri.as_deref(), cc.instream_id.as_deref()),
        (None, Some("CC1"))
    );
    let st = p.steering.as_ref().unwrap();
    assert_eq!(st.server_uri, "https://steer.example.com/v1?session=1");
    assert_eq!(st.default_pathway.as_deref(), Some("CDN-A"));
    assert_eq!(
        p.start.map(|s| (s.time_offset, s.precise)),
        Some((-12.5, true))
    );
    assert_eq!(p.session_data[0].value.as_deref(), Some("Test"));
    assert!(p.independent_segments);
}

#[test]
fn dash_multiperiod_vod_is_fully_expanded() {
    let opts = ParseOptions::new()
        .base_url("https://origin.example.com/mpd/manifest.mpd")
        .strictness(Strictness::Strict);
    let p = dmoe_core::parse(&fixture("vod-multiperiod.mpd"), &opts).unwrap();
    assert_eq!(p.format, ManifestFormat::Dash);
    assert_eq!(p.kind, PresentationKind::Vod);
    assert_eq!(p.duration, Some(secs(30.0)));
    let c = p.counts();
    assert_eq!(
        (c.variants, c.renditions, c.segments, c.keys),
        (3, 5, 17, 2)
    );
    assert_eq!(p.periods[1].start, secs(20.0));
    let v360 = &p.renditions[0];
    assert_eq!(v360.segments.segments.len(), 5);
    assert_eq!(
        v360.segments.segments[0].url,
        "https://a.example.com/show/main/v360/seg-00001.m4s"
    );
    assert_eq!(
        v360.segments.init_sections[0].url,
        "https://a.example.com/show/main/v360/init.mp4"
    );
    assert_eq!(v360.base_urls.len(), 2);
    assert_eq!(v360.base_urls[1].service_location.as_deref(), Some("cdn-b"));
    assert_eq!(v360.base_urls[1].url, "https://b.example.com/show/main/");
    assert!((v360.frame_rate.unwrap() - 29.97).abs() < 0.01);
    let v720 = &p.renditions[1];
    assert_eq!(
        v720.segments.segments[4].url,
        "https://a.example.com/show/main/hd/v720/seg-00005.m4s"
    );
    assert_eq!(v720.segments.segments[4].start, secs(16.0));
    // r="-1" repeats until the end of the period: 20 s of 4 s segments.
    let audio = &p.renditions[2];
    assert_eq!(audio.media_type, MediaType::Audio);
    let urls: Vec<&str> = audio
        .segments
        .segments
        .iter()
        .map(|s| s.url.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "0.m4s",
            "192000.m4s",
            "384000.m4s",
            "576000.m4s",
            "768000.m4s"
        ]
    );
    assert_eq!(audio.channels.as_deref(), Some("2"));
    assert_eq!(p.variants[0].audio_group.as_deref(), Some("2"));
    // SegmentList with byte ranges.
    let ad = &p.renditions[3];
    assert_eq!(
        ad.segments.segments[1].byte_range,
        Some(ByteRange {
            start: 50_800,
            length: 50_000
        })
    );
    assert_eq!(
        ad.segments.init_sections[0].byte_range,
        Some(ByteRange {
            start: 0,
            length: 800
        })
    );
    // SegmentBase keeps its index range for the sidx.
    let base = &p.renditions[4];
    assert!(base.segments.segments.is_empty());
    let ir = base.segments.index_range.as_ref().unwrap();
    assert_eq!(ir.url, "https://a.example.com/show/ad/audio.mp4");
    assert_eq!(
        ir.range,
        ByteRange {
            start: 800,
            length: 100
        }
    );
    assert_eq!(
        p.content_protection[0].default_kid.as_deref(),
        Some("10000000-1000-1000-1000-100000000001")
    );
    assert_eq!(
        p.content_protection[1].pssh.as_deref(),
        Some("AAAAQHBzc2g=")
    );
    let st = p.steering.as_ref().unwrap();
    assert_eq!(st.server_uri, "https://steer.example.com/dash.dcsm");
    assert!(st.query_before_start);
}

#[test]
fn dash_live_window_follows_the_host_clock() {
    let ast = dmoe_core::WallClock::from_unix_seconds(1_795_341_600);
    let at = |s: i64| {
        let opts = ParseOptions::new().now(WallClock(ast.0 + s * 1000));
        dmoe_core::parse(&fixture("live-number.mpd"), &opts).unwrap()
    };
    let p = at(40);
    assert_eq!(p.kind, PresentationKind::Live);
    let nums: Vec<u64> = p.renditions[0]
        .segments
        .segments
        .iter()
        .map(|s| s.number)
        .collect();
    assert_eq!(nums, (11..=20).collect::<Vec<_>>());
    let p2 = at(100);
    let s = &p2.renditions[1].segments.segments;
    assert_eq!(
        (s.first().unwrap().number, s.last().unwrap().number),
        (41, 50)
    );
    assert_eq!(s[0].url, "high/41.m4s");
    // Without a clock, publishTime (40 s) decides.
    let p3 = dmoe_core::parse(&fixture("live-number.mpd"), &ParseOptions::new()).unwrap();
    assert_eq!(p3.counts().segments, 20);
    let ll = p.low_latency.unwrap();
    assert_eq!(ll.target_latency, Some(secs(3.5)));
    assert_eq!(
        (ll.min_playback_rate, ll.max_playback_rate),
        (Some(0.96), Some(1.04))
    );
    assert_eq!(ll.availability_time_offset, Some(1.5));
    assert!(ll.chunked);
    let live = p.live.unwrap();
    assert_eq!(live.time_shift_depth, Some(secs(20.0)));
    assert_eq!(live.availability_start, Some(ast));
    // A refresh keeps rendition ids and reports what slid.
    let mut model = at(40);
    let summary = model.apply_mpd_update(at(44)).unwrap();
    assert_eq!((summary.added, summary.removed), (4, 4));
    assert_eq!(model.renditions[0].segments.segments[0].number, 13);
}

fn expect_limit(r: Result<dmoe_core::Presentation, ManifestError>, want: Limit) {
    match r {
        Err(ManifestError::LimitExceeded { limit, .. }) => assert_eq!(limit, want),
        other => panic!("expected limit {want:?}, got {other:?}"),
    }
}

#[test]
fn hostile_mpds_fail_fast_with_typed_errors() {
    let o = ParseOptions::new();
    let century = br#"<MPD type="static" mediaPresentationDuration="P100Y"><Period><AdaptationSet>
        <SegmentTemplate timescale="1000" duration="1" media="$Number$.m4s"/>
        <Representation id="a" bandwidth="1"/></AdaptationSet></Period></MPD>"#;
    expect_limit(dmoe_core::parse(century, &o), Limit::SegmentsPerRendition);
    let repeat = br#"<MPD type="static" mediaPresentationDuration="PT10S"><Period><AdaptationSet>
        <SegmentTemplate timescale="1" media="$Time$.m4s"><SegmentTimeline><S t="0" d="1" r="1000000000000"/></SegmentTimeline></SegmentTemplate>
        <Representation id="a" bandwidth="1"/></AdaptationSet></Period></MPD>"#;
    expect_limit(dmoe_core::parse(repeat, &o), Limit::SegmentsPerRendition);
    let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><MPD>&lol2;</MPD>"#;
    assert!(matches!(
        dmoe_core::parse(laughs, &o),
        Err(ManifestError::Doctype { .. })
    ));
    let mut big = b"<MPD a=\"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 10 << 20));
    big.extend_from_slice(b"\"/>");
    expect_limit(dmoe_core::parse(&big, &o), Limit::LineLength);
    let mut deep = b"<MPD>".to_vec();
    for _ in 0..10_000 {
        deep.extend_from_slice(b"<a>");
    }
    expect_limit(dmoe_core::parse(&deep, &o), Limit::XmlDepth);
    let many_periods = format!("<MPD>{}</MPD>", "<Period/>".repeat(2000));
    expect_limit(
        dmoe_core::parse(many_periods.as_bytes(), &o),
        Limit::Periods,
    );
    let huge = vec![b' '; (16 << 20) + 1];
    assert!(matches!(
        dmoe_core::parse(&huge, &o),
        Err(ManifestError::TooLarge { .. })
    ));
}

#[test]
fn hostile_playlists_fail_fast_with_typed_errors() {
    let small = Limits {
        max_segments_per_rendition: 1000,
        ..Limits::default()
    };
    let o = ParseOptions::new().limits(small);
    let mut pl = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:1\n");
    for i in 0..1001 {
        pl.push_str(&format!("#EXTINF:1,\n{i}.ts\n"));
    }
    expect_limit(
        dmoe_core::parse(pl.as_bytes(), &o),
        Limit::SegmentsPerRendition,
    );
    let long = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{}\n",
        "a".repeat(70_000)
    );
    expect_limit(
        dmoe_core::parse(long.as_bytes(), &ParseOptions::new()),
        Limit::LineLength,
    );
    let js = b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\njavascript:alert(1)\n";
    assert!(matches!(
        dmoe_core::parse(js, &ParseOptions::new()),
        Err(ManifestError::Violation {
            rule: Rule::DisallowedUri { .. },
            ..
        })
    ));
    let file = b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:URI=\"file:///etc/passwd\"\n#EXTINF:1,\na.ts\n";
    assert!(dmoe_core::parse(file, &ParseOptions::new()).is_err());
    let skip = b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-SKIP:SKIPPED-SEGMENTS=99999999999\n";
    expect_limit(
        dmoe_core::parse(skip, &ParseOptions::new()),
        Limit::SegmentsPerRendition,
    );
    assert!(matches!(
        dmoe_core::parse(b"\xff\xfe#EXTM3U", &ParseOptions::new()),
        Err(ManifestError::NotUtf8 { .. })
    ));
    assert!(matches!(
        dmoe_core::parse(b"   ", &ParseOptions::new()),
        Err(ManifestError::Empty)
    ));
}

#[test]
fn strictness_levels_decide_what_fails() {
    // `#EXTINF:4` without its comma: tolerated by players, so only Strict fails.
    let pl = b"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4\na.ts\n#EXT-X-ENDLIST\n";
    let normal = dmoe_core::parse(pl, &ParseOptions::new()).unwrap();
    assert_eq!(normal.warnings.len(), 1);
    assert_eq!(normal.warnings[0].rule, Rule::ExtinfWithoutComma);
    assert!(dmoe_core::parse(pl, &ParseOptions::new().strictness(Strictness::Strict)).is_err());
    // A duplicated EXT-X-TARGETDURATION: players reject it, so Normal fails, Permissive warns.
    let dup = b"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n";
    let err = dmoe_core::parse(dup, &ParseOptions::new()).unwrap_err();
    assert_eq!(err.line(), Some(3));
    let p = dmoe_core::parse(dup, &ParseOptions::new().strictness(Strictness::Permissive)).unwrap();
    assert_eq!(p.counts().segments, 1);
    assert!(!p.warnings.is_empty());
}
