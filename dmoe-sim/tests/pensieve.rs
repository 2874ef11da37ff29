//! The public Pensieve trace sets (`../shared/data/abr`, read in place) under Pensieve's
//! exact network model: the baselines reproduce the published reference figures, and the
//! hybrid beats RobustMPC on both sets. Skips with a printed reason when the data is absent.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::{Path, PathBuf};

use dmoe_core::AbrController;
use dmoe_sim::{Model, SimConfig, Trace, Video, optimal, pensieve};

fn data() -> Option<PathBuf> {
    let root = std::env::var_os("DMOE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
        .join("abr");
    if root.join("fcc").is_dir() && root.join("video/envivio").is_dir() {
        Some(root)
    } else {
        println!(
            "SKIPPED: {} not found (the public ABR traces live in ../shared/data)",
            root.display()
        );
        None
    }
}

fn load(dir: &Path) -> Vec<Trace> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    v.sort();
    v.iter()
        .map(|p| {
            Trace::parse(
                &p.display().to_string(),
                &std::fs::read_to_string(p).unwrap(),
            )
            .unwrap()
        })
        .collect()
}

fn video(root: &Path) -> Video {
    let per_rung: Vec<Vec<u64>> = (0..6)
        .map(|r| {
            std::fs::read_to_string(root.join(format!("video/envivio/video_size_{r}")))
                .unwrap()
                .split_whitespace()
                .map(|s| s.parse().unwrap())
                .collect()
        })
        .collect();
    Video::from_per_rung(
        4.0,
        vec![300, 750, 1200, 1850, 2850, 4300],
        &per_rung,
        Some(48),
    )
    .unwrap()
}

fn mean_qoe(ctrl: &mut dyn AbrController, traces: &[Trace], video: &Video) -> f64 {
    let cfg = SimConfig {
        model: Model::Pensieve,
        ..SimConfig::default()
    };
    let mut q = 0.0;
    for t in traces {
        ctrl.reset();
        q += pensieve::simulate(ctrl, t, video, &cfg).qoe_lin_per_chunk;
    }
    q / traces.len() as f64
}

fn within(got: f64, reference: f64, tol: f64) -> bool {
    ((got - reference) / reference).abs() <= tol
}

#[test]
fn baselines_reproduce_and_hybrid_beats_robust_mpc() {
    let Some(root) = data() else { return };
    let video = video(&root);
    let cfg = SimConfig {
        model: Model::Pensieve,
        ..SimConfig::default()
    };
    // (set, reference BB, reference RobustMPC, reference offline optimum) from the data's README.
    for (set, bb_ref, mpc_ref, opt_ref) in [
        ("fcc", 0.124, 0.4265, 0.609),
        ("hsdpa", 0.639, 0.866, 1.149),
    ] {
        let traces = load(&root.join(set));
        let bba = mean_qoe(&mut dmoe_abr::baseline::Bba::default(), &traces, &video);
        let mpc = mean_qoe(
            &mut dmoe_abr::baseline::RobustMpc::default(),
            &traces,
            &video,
        );
        let mpc_ref_code = mean_qoe(
            &mut dmoe_abr::baseline::RobustMpc::reference(),
            &traces,
            &video,
        );
        let hybrid = mean_qoe(&mut dmoe_abr::Hybrid::default(), &traces, &video);
        let opt: f64 = traces
            .iter()
            .map(|t| optimal(t, &video, &cfg).qoe_lin_per_chunk)
            .sum::<f64>()
            / traces.len() as f64;
        println!(
            "{set}: BBA {bba:.4} (ref {bb_ref}), RobustMPC {mpc:.4} / reference-code variant {mpc_ref_code:.4} (ref {mpc_ref}), hybrid {hybrid:.4}, optimum {opt:.4} (ref {opt_ref}); hybrid = {:.1} % of optimum",
            100.0 * hybrid / opt
        );
        // The network model and the QoE arithmetic are exact: BBA and the optimum match.
        assert!(within(bba, bb_ref, 0.03), "{set}: BBA {bba} vs {bb_ref}");
        assert!(
            within(opt, opt_ref, 0.03),
            "{set}: optimum {opt} vs {opt_ref}"
        );
        // The reference code keeps its error history across traces, so its figure depends
        // on the order it reads them in (the published one is directory order; this test
        // sorts by name, which lands 2.5 % / 1.2 % off it on FCC / HSDPA).
        assert!(
            within(mpc_ref_code, mpc_ref, 0.03),
            "{set}: RobustMPC {mpc_ref_code} vs {mpc_ref}"
        );
        assert!(
            hybrid > mpc && hybrid > mpc_ref_code,
            "{set}: hybrid {hybrid} vs RobustMPC {mpc}"
        );
        // At least 85 % of the offline optimum on each set.
        assert!(
            hybrid / opt >= 0.85,
            "{set}: hybrid reaches {:.3} of the optimum",
            hybrid / opt
        );
    }
}
