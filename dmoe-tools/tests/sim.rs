//! `dmoe-sim` as scripts use it.
#![allow(clippy::disallowed_methods)]

use std::process::Command;

fn sim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dmoe-sim"))
        .args(args)
        .output()
        .expect("dmoe-sim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn builtin_run_prints_the_documented_json() {
    let (code, out, err) = sim(&["--json", "--abr", "hybrid,throughput", "--optimal"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3 * 20);
    for key in [
        "abr",
        "trace",
        "qoe_lin_per_chunk",
        "avg_bitrate_kbps",
        "rebuffer_s",
        "rebuffer_ratio",
        "rebuffer_events",
        "switches",
        "startup_s",
    ] {
        assert!(results[0].get(key).is_some(), "results lack {key}");
    }
    let summary = v["summary"].as_array().unwrap();
    let names: Vec<&str> = summary.iter().map(|s| s["abr"].as_str().unwrap()).collect();
    assert_eq!(names, ["hybrid", "throughput", "optimal"]);
    for key in [
        "abr",
        "traces",
        "qoe_lin_per_chunk",
        "avg_bitrate_kbps",
        "rebuffer_ratio",
        "rebuffer_events",
        "switches",
    ] {
        assert!(summary[0].get(key).is_some(), "summary lacks {key}");
    }
    let q = |i: usize| summary[i]["qoe_lin_per_chunk"].as_f64().unwrap();
    assert!(q(2) >= q(0) && q(0) > q(1), "optimal ≥ hybrid > throughput");
}

#[test]
fn files_plot_and_errors() {
    let dir = std::env::temp_dir().join(format!("dmoe-sim-{}", std::process::id()));
    let traces = dir.join("traces");
    std::fs::create_dir_all(&traces).unwrap();
    std::fs::write(traces.join("flat"), "0 2.0\n1 2.0\n2 2.0\n3 1.0\n").unwrap();
    let ladder = dir.join("ladder.json");
    std::fs::write(
        &ladder,
        r#"{"segment_duration_s": 2, "bitrates_kbps": [500, 1500], "segment_sizes_bytes": [[125000,125000,125000],[375000,375000,375000]]}"#,
    )
    .unwrap();
    let plot = dir.join("plot.svg");
    let (code, out, err) = sim(&[
        "--traces",
        traces.to_str().unwrap(),
        "--ladder",
        ladder.to_str().unwrap(),
        "--abr",
        "hybrid,bba",
        "--model",
        "pensieve",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("hybrid") && out.contains("bba"));
    // One trace: one figure, at the name given, and the tool says where it wrote it.
    assert!(err.contains(&format!("wrote {}", plot.display())), "{err}");
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("polyline"));
    for label in [
        "bitrate played (kb/s)",
        "buffer (s)",
        "throughput (Mb/s)",
        "time (s)",
        "hybrid (QoE_lin",
    ] {
        assert!(svg.contains(label), "the figure lacks {label}");
    }
    std::fs::write(traces.join("broken"), "not a trace\n").unwrap();
    let (code, _, err) = sim(&["--traces", traces.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("broken"), "{err}");
    let (code, _, err) = sim(&["--abr", "nope"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("nope") && err.contains("hybrid-stable, hybrid-lookahead"),
        "{err}"
    );
    let (code, _, err) = sim(&["--traces", "/nonexistent/dir"]);
    assert_eq!(code, 1);
    assert!(err.contains("--traces /nonexistent/dir"), "{err}");
    let (code, _, err) = sim(&["--oracle-hint"]);
    assert_eq!(code, 2);
    assert!(err.contains("pensieve"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn edge_scenarios_print_the_documented_json() {
    let (code, out, err) = sim(&["--scenario", "edges", "--seed", "2", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    let policies = v["policies"].as_array().unwrap();
    let names: Vec<&str> = policies
        .iter()
        .map(|p| p["policy"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["static", "dmoe", "oracle", "dmoe-no-probes"]);
    for p in policies {
        for key in [
            "qoe_lin_per_chunk",
            "rebuffer_s",
            "failover_ms_max",
            "flaps_per_hour",
        ] {
            assert!(p[key].as_f64().is_some(), "{key} missing in {p}");
        }
    }
    let spread = &v["load_spread"];
    assert_eq!(spread["sessions"], 10_000);
    assert_eq!(spread["edges"], 4);
    let m = spread["max_over_mean"].as_f64().unwrap();
    assert!((1.0..=1.05).contains(&m), "load spread {m}");
    // Same seed, same output: the simulation is deterministic.
    let (_, again, _) = sim(&["--scenario", "edges", "--seed", "2", "--json"]);
    assert_eq!(out, again);
    let (code, _, err) = sim(&["--scenario", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown scenario"), "{err}");
}

#[test]
fn help_lists_every_option_and_version_prints() {
    let (code, out, _) = sim(&["--help"]);
    assert_eq!(code, 0);
    for opt in [
        "--traces",
        "--video",
        "--bitrates",
        "--chunk-s",
        "--ladder",
        "--abr",
        "--model",
        "--host",
        "--optimal",
        "--oracle-hint",
        "--seed",
        "--json",
        "--plot",
        "--scenario",
        "--version",
    ] {
        assert!(out.contains(opt), "--help lacks {opt}");
    }
    let (code, out, _) = sim(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn the_advisor_host_runs_beside_the_agent() {
    let (code, out, err) = sim(&["--json", "--abr", "hybrid", "--host", "advisor"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"][0]["traces"], 20);
}
