//! `dmoe-inspect` as scripts use it: JSON keys, exit codes and one-line errors.
#![allow(clippy::disallowed_methods)]

use std::process::Command;

fn fixture(name: &str) -> String {
    format!(
        "{}/../dmoe-core/tests/data/manifests/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn inspect(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dmoe-inspect"))
        .args(args)
        .output()
        .expect("dmoe-inspect runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_has_the_documented_keys() {
    let f = fixture("ll-hls-live.m3u8");
    let (code, out, _) = inspect(&[
        "--json",
        &f,
        "--base-url",
        "https://cdn.example/v/index.m3u8",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    for key in [
        "format",
        "kind",
        "variants",
        "renditions",
        "segments",
        "parts",
        "preload_hints",
        "rendition_reports",
        "keys",
        "steering",
        "warnings",
    ] {
        assert!(v.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(v["format"], "hls-media");
    assert_eq!(v["kind"], "live");
    assert_eq!(v["segments"], 3);
    assert_eq!(v["parts"], 6);
    assert_eq!(v["preload_hints"], 2);
    assert_eq!(v["rendition_reports"], 2);
    assert_eq!(v["keys"], 3);
    assert_eq!(v["steering"], false);
    assert!(v["warnings"].is_array());
}

#[test]
fn dash_and_multivariant_counts() {
    let (code, out, _) = inspect(&["--json", &fixture("vod-multiperiod.mpd")]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["format"].as_str(), v["kind"].as_str()),
        (Some("dash"), Some("vod"))
    );
    assert_eq!(
        (v["variants"].as_u64(), v["segments"].as_u64()),
        (Some(3), Some(17))
    );
    assert_eq!(v["steering"], true);
    let (_, out, _) = inspect(&["--json", &fixture("live-number.mpd"), "--now", "1795341700"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["segments"], 20);
    let (_, out, _) = inspect(&["--json", "--model", &fixture("multivariant.m3u8")]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format"], "hls-multivariant");
    assert_eq!(v["model"]["variants"].as_array().map(Vec::len), Some(4));
}

#[test]
fn bad_input_gives_one_line_and_non_zero_exit() {
    let dir = std::env::temp_dir().join(format!("dmoe-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.mpd");
    std::fs::write(&bad, "<MPD><Period>").unwrap();
    let (code, out, err) = inspect(&["--json", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(err.trim_end().lines().count(), 1, "stderr: {err}");
    assert!(err.contains("XML"));
    let hostile = dir.join("century.mpd");
    std::fs::write(
        &hostile,
        r#"<MPD type="static" mediaPresentationDuration="P100Y"><Period><AdaptationSet><SegmentTemplate timescale="1000" duration="1" media="$Number$"/><Representation id="a" bandwidth="1"/></AdaptationSet></Period></MPD>"#,
    )
    .unwrap();
    let (code, _, err) = inspect(&["--json", hostile.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("limit"), "{err}");
    let (code, _, _) = inspect(&["--json", "/nonexistent/file.m3u8"]);
    assert_eq!(code, 1);
    let (code, _, _) = inspect(&["--bogus"]);
    assert_eq!(code, 2);
    // A bad option value is the option's fault, not the file's.
    let (code, _, err) = inspect(&["--base-url", "notaurl", &fixture("multivariant.m3u8")]);
    assert_eq!(code, 2);
    assert!(err.contains("--base-url"), "{err}");
    let (code, out, _) = inspect(&["--help"]);
    assert_eq!(code, 0);
    for opt in [
        "--json",
        "--model",
        "--strict",
        "--permissive",
        "--base-url",
        "--now",
        "--version",
    ] {
        assert!(out.contains(opt), "--help lacks {opt}");
    }
    let (code, out, _) = inspect(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.contains(env!("CARGO_PKG_VERSION")));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn readable_summary_without_json() {
    let (code, out, _) = inspect(&[&fixture("multivariant.m3u8")]);
    assert_eq!(code, 0);
    assert!(out.starts_with("hls-multivariant"));
    assert!(out.contains("variants      4"));
}
