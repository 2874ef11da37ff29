//! `dmoe-replay` as scripts use it, and the committed recordings (the cross-language
//! decision vectors).
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

fn committed(path: &str) -> String {
    let p = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Each committed recording is what the built-in session records today.
#[test]
fn the_committed_recordings_are_the_scripted_sessions() {
    for (flag, path) in [
        ("--scripted", "bindings/c/tests/session.jsonl"),
        ("--scripted-host", "bindings/js/test/session-host.jsonl"),
        (
            "--scripted-advisor",
            "bindings/c/tests/session-advisor.jsonl",
        ),
    ] {
        let (code, out, err) = replay(&[flag]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out,
            committed(path),
            "{path} is stale: regenerate with `cargo run -q --bin dmoe-replay -- {flag} > {path}`"
        );
    }
}

#[test]
fn replay_prints_the_decisions_of_the_original_run() {
    let dir = std::env::temp_dir().join(format!("dmoe-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("session.jsonl");
    std::fs::write(&file, committed("bindings/c/tests/session.jsonl")).unwrap();
    let (code, out, err) = replay(&[file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() > 50);
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
        let kind = v["type"].as_str().expect("an output");
        // Decisions only by default.
        assert!(
            !matches!(kind, "timeout" | "telemetry" | "diagnostic"),
            "{l}"
        );
    }
    assert!(out.contains("cdn-a failed (HTTP 503): same range retried on cdn-b"));
    // --all adds the timeouts and reports.
    let (code, all, _) = replay(&["--all", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(all.lines().count() > lines.len());
    assert!(all.contains("\"type\":\"timeout\"") && all.contains("\"type\":\"telemetry\""));
    // Twice the same file, twice the same decisions.
    let (_, again, _) = replay(&[file.to_str().unwrap()]);
    assert_eq!(out, again);
    // An advisor recording replays too.
    let adv = dir.join("advisor.jsonl");
    std::fs::write(&adv, committed("bindings/c/tests/session-advisor.jsonl")).unwrap();
    let (code, out, err) = replay(&[adv.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"type\":\"advice\""));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_is_a_one_line_error_and_usage_is_documented() {
    let dir = std::env::temp_dir().join(format!("dmoe-replay-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.jsonl");
    std::fs::write(
        &file,
        "{\"config\":{\"seed\":1}}\n{\"at_ms\":1,\"type\":\"nope\"}\n",
    )
    .unwrap();
    let (code, _, err) = replay(&[file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("line 2"), "{err}");
    assert_eq!(err.lines().count(), 1);
    let (code, _, _) = replay(&[]);
    assert_eq!(code, 2);
    let (code, _, err) = replay(&["--bogus"]);
    assert_eq!(code, 2);
    assert!(err.contains("--bogus"), "{err}");
    let (code, out, _) = replay(&["--help"]);
    assert_eq!(code, 0);
    for opt in [
        "--all",
        "--scripted",
        "--scripted-host",
        "--scripted-advisor",
        "--version",
    ] {
        assert!(out.contains(opt), "--help lacks {opt}");
    }
    let (code, out, _) = replay(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.contains(env!("CARGO_PKG_VERSION")));
    std::fs::remove_dir_all(&dir).ok();
}
