//! Every input the fuzzers ever found a problem with (`fuzz/regressions/<target>/`) is
//! replayed here through the same public entry points, on every `cargo test`.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use dmoe_core::{ParseOptions, Strictness};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if e.path().is_file() {
            let bytes = std::fs::read(e.path()).expect("readable");
            out.push((e.path().display().to_string(), bytes));
        }
    }
    out
}

#[test]
fn regressions_replay_without_panics_or_hangs() {
    let mut n = 0;
    for target in ["hls", "dash", "mp4"] {
        for (name, bytes) in inputs(target) {
            n += 1;
            for s in [
                Strictness::Permissive,
                Strictness::Normal,
                Strictness::Strict,
            ] {
                let _ = dmoe_core::parse(&bytes, &ParseOptions::new().strictness(s));
            }
            let init = dmoe_core::cmaf::parse_init(&bytes).ok();
            let _ = dmoe_core::cmaf::parse_media_segment(&bytes, init.as_ref());
            let _ = dmoe_core::cmaf::parse_sidx(&bytes);
            let index = dmoe_core::IndexRange {
                url: "v.mp4".into(),
                range: dmoe_core::ByteRange {
                    start: 0,
                    length: bytes.len() as u64,
                },
                timescale: 1000,
                presentation_time_offset: 0,
            };
            let _ = dmoe_core::cmaf::segments_from_sidx(&index, &bytes, 1);
            println!("replayed {name}");
        }
    }
    assert!(
        n >= 1,
        "the regression folders hold at least the committed cases"
    );
}
