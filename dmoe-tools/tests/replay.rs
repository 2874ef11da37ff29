//! `dmoe-replay` as scripts use it, and the committed scripted-session recording.
#![allow(clippy::disallowed_methods)]

use std::process::Command;

fn replay(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dmoe-replay"))
        .args(args)
        .output()
        .expect("dmoe-replay runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn committed() -> String {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bindings/c/tests/session.jsonl"
    );
    std::fs::read_to_string(p).expect("committed recording")
}

#[test]
fn the_committed_recording_is_the_scripted_session() {
    let (code, out, err) = replay(&["--scripted"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        committed(),
        "bindings/c/tests/session.jsonl is stale: regenerate with \
         `cargo run -q --bin dmoe-replay -- --scripted > bindings/c/tests/session.jsonl`"
    );
}

#[test]
fn the_committed_host_recording_is_the_scripted_host_session() {
    let (code, out, err) = replay(&["--scripted-host"]);
    assert_eq!(code, 0, "{err}");
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bindings/js/test/session-host.jsonl"
    );
    assert_eq!(
        out,
        std::fs::read_to_string(p).expect("committed host recording"),
        "bindings/js/test/session-host.jsonl is stale: regenerate with \
         `cargo run -q --bin dmoe-replay -- --scripted-host > bindings/js/test/session-host.jsonl`"
    );
    assert!(
        out.contains("\"type\":\"ladder_loaded\"") && out.contains("\"type\":\"request_progress\"")
    );
}

#[test]
fn replay_prints_the_decisions_of_the_original_run() {
    let dir = std::env::temp_dir().join(format!("dmoe-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("session.jsonl");
    std::fs::write(&file, committed()).unwrap();
    let (code, out, err) = replay(&[file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() > 100);
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
        assert!(v.get("type").is_some(), "{l}");
    }
    assert!(out.contains("cdn-a failed: same range retried on cdn-b"));
    // Twice the same file, twice the same decisions.
    let (_, again, _) = replay(&[file.to_str().unwrap()]);
    assert_eq!(out, again);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_is_a_one_line_error() {
    let dir = std::env::temp_dir().join(format!("dmoe-replay-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.jsonl");
    std::fs::write(&file, "{\"config\":{}}\n{\"at\":1,\"type\":\"nope\"}\n").unwrap();
    let (code, _, err) = replay(&[file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("line 2"), "{err}");
    assert_eq!(err.lines().count(), 1);
    let (code, _, _) = replay(&[]);
    assert_eq!(code, 2);
    std::fs::remove_dir_all(&dir).ok();
}
