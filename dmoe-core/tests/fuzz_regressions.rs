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

/// The steering target's regressions, through its public entry points: the manifest parser,
/// a client fed the input as a response, and the input as the steering server URI.
#[test]
fn steering_regressions_replay_without_panics() {
    use dmoe_core::Timestamp;
    use dmoe_core::edge::{SteeringClient, SteeringManifest, SteeringProtocol};
    let cases = inputs("steering");
    assert!(
        !cases.is_empty(),
        "the steering regression folder is committed"
    );
    for (name, bytes) in cases {
        let _ = SteeringManifest::parse(&bytes);
        let now = Timestamp::ZERO;
        if let Ok(mut c) = SteeringClient::new("https://s.example/x", SteeringProtocol::Dash, now) {
            let _ = c.poll(now, &[("a", Some(1))]);
            let _ = c.on_response(now, 200, None, &bytes);
        }
        let text = String::from_utf8_lossy(&bytes);
        for protocol in [SteeringProtocol::Hls, SteeringProtocol::Dash] {
            let _ = SteeringClient::new(&text, protocol, now);
        }
        println!("replayed {name}");
    }
}
