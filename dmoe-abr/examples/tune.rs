//! Grid search of the hybrid controller's tuning over trace sets in Pensieve's format.
//!
//! ```sh
//! cargo run --release -p dmoe-abr --example tune -- ../shared/data/abr
//! ```
#![allow(clippy::disallowed_methods)]

use dmoe_abr::sim::{self, Model, SimConfig, Trace, Video};
use dmoe_abr::{Hybrid, HybridConfig};

fn load(dir: &std::path::Path) -> Vec<Trace> {
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

fn main() {
    let root = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or("../shared/data/abr".into()),
    );
    let br = [300u64, 750, 1200, 1850, 2850, 4300];
    let per_rung: Vec<Vec<u64>> = (0..6)
        .map(|r| {
            std::fs::read_to_string(root.join(format!("video/envivio/video_size_{r}")))
                .unwrap()
                .split_whitespace()
                .map(|s| s.parse().unwrap())
                .collect()
        })
        .collect();
    let sizes = (0..48)
        .map(|k| per_rung.iter().map(|r| r[k]).collect())
        .collect();
    let video = Video::new(4.0, br.to_vec(), sizes).unwrap();
    let sets = [load(&root.join("fcc")), load(&root.join("hsdpa"))];
    let cfg = SimConfig {
        model: Model::Pensieve,
        ..SimConfig::default()
    };
    let run = |h: HybridConfig| -> [f64; 2] {
        let mut out = [0.0; 2];
        for (i, set) in sets.iter().enumerate() {
            let mut c = Hybrid::new(h);
            let mut q = 0.0;
            for t in set {
                dmoe_core::AbrController::reset(&mut c);
                q += sim::simulate(&mut c, t, &video, &cfg).qoe_lin_per_chunk;
            }
            out[i] = q / set.len() as f64;
        }
        out
    };
    let spec = std::env::args().nth(2).unwrap_or_default();
    let mut best = (f64::NEG_INFINITY, HybridConfig::default());
    for rw in [0.0, 0.25, 0.5, 0.75] {
        for w in [0.25, 0.5, 1.0] {
            for risk in [0.15, 0.3, 0.6] {
                for hold in [0.1, 0.2, 0.3] {
                    let h = HybridConfig {
                        recent_weight: rw,
                        worst_error_weight: w,
                        risk_weight: risk,
                        hold_margin: hold,
                        ..HybridConfig::default()
                    };
                    let [f, s] = run(h);
                    let score = f / 0.609 + s / 1.149;
                    if score > best.0 {
                        best = (score, h);
                        println!(
                            "{f:.4} {s:.4} {score:.4} rw={rw} w={w} risk={risk} hold={hold} {spec}"
                        );
                    }
                }
            }
        }
    }
}
