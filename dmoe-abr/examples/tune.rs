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
    for f in [0.0, 0.1, 0.25, 0.5, 1.0] {
        let h = HybridConfig {
            hold_depth_factor: f,
            ..HybridConfig::default()
        };
        let [a, b] = run(h);
        let mut c = Hybrid::new(h);
        let (mut ev, mut sw, mut q) = (0, 0, 0.0);
        let video_b = sim::builtin_video(1);
        for t in sim::builtin_traces(1, 4) {
            dmoe_core::AbrController::reset(&mut c);
            let r = sim::simulate(&mut c, &t, &video_b, &SimConfig::default());
            ev += r.rebuffer_events;
            sw += r.switches;
            q += r.qoe_lin_per_chunk;
        }
        println!(
            "f={f} fcc={a:.4} hsdpa={b:.4} realistic qoe={:.4} events={ev} switches={sw} {spec}",
            q / 20.0
        );
    }
    let _ = &mut best;
}
