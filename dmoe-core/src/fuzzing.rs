//! Entry points for the cargo-fuzz targets (compiled only with `--cfg fuzzing`).
//!
//! Each function parses its input at every strictness level and checks the invariants that
//! must hold for any input: no panic, limits respected, indices in range, live merges of a
//! playlist into itself well-behaved.

use crate::{ManifestFormat, ParseOptions, RenditionId, Strictness};

const LEVELS: [Strictness; 3] = [
    Strictness::Permissive,
    Strictness::Normal,
    Strictness::Strict,
];

/// Smaller caps than the defaults keep executions fast and reach the limit paths often.
fn options(s: Strictness, base: &str) -> ParseOptions {
    ParseOptions::new()
        .strictness(s)
        .base_url(base)
        .limits(crate::Limits {
            max_segments_per_rendition: 5_000,
            max_total_segments: 20_000,
            ..crate::Limits::default()
        })
}

fn check(p: &crate::Presentation, opts: &ParseOptions) {
    let mut total = 0u64;
    for r in &p.renditions {
        let n = r.segments.segments.len() as u64;
        assert!(
            n <= opts.limits.max_segments_per_rendition,
            "segment cap exceeded"
        );
        total += n;
        for s in &r.segments.segments {
            if let Some(i) = s.init {
                assert!(
                    (i as usize) < r.segments.init_sections.len(),
                    "dangling init index"
                );
            }
            if let Some(k) = s.key_set {
                assert!((k as usize) < r.segments.key_sets.len(), "dangling key set");
            }
        }
        for set in &r.segments.key_sets {
            for &k in set {
                assert!((k as usize) < r.segments.keys.len(), "dangling key index");
            }
        }
    }
    if p.format == ManifestFormat::Dash {
        assert!(
            total <= opts.limits.max_total_segments,
            "total cap exceeded"
        );
    }
    for v in &p.variants {
        assert!(p.rendition(v.rendition).is_some(), "variant points nowhere");
    }
}

/// Fuzz the HLS parser, and the live merge of a playlist into itself.
pub fn hls(data: &[u8]) {
    for s in LEVELS {
        let opts = options(s, "https://fuzz.example/a/b.m3u8");
        if let Ok(mut p) = crate::hls::parse(data, &opts) {
            check(&p, &opts);
            if p.format == ManifestFormat::HlsMedia {
                let _ = p.apply_media_playlist(RenditionId(0), data, &opts);
                check(&p, &opts);
            }
        }
    }
}

/// Fuzz the DASH parser, with and without a wall clock.
pub fn dash(data: &[u8]) {
    for s in LEVELS {
        let opts = options(s, "https://fuzz.example/m.mpd");
        if let Ok(p) = crate::dash::parse(data, &opts) {
            check(&p, &opts);
        }
        let live = opts
            .clone()
            .now(crate::WallClock::from_unix_seconds(1_800_000_000));
        if let Ok(p) = crate::dash::parse(data, &live) {
            check(&p, &live);
        }
    }
}

/// Fuzz the MP4 box readers.
pub fn mp4(data: &[u8]) {
    let init = crate::cmaf::parse_init(data).ok();
    let _ = crate::cmaf::parse_media_segment(data, init.as_ref());
    if let Ok(s) = crate::cmaf::parse_sidx(data) {
        assert!(s.references.len() <= data.len() / 12);
    }
    let index = crate::IndexRange {
        url: "v.mp4".into(),
        range: crate::ByteRange {
            start: 0,
            length: data.len() as u64,
        },
        timescale: 1000,
        presentation_time_offset: 0,
    };
    let _ = crate::cmaf::segments_from_sidx(&index, data, 1);
}
