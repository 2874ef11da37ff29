//! The hybrid planner's tuning, with the split kept: candidates are scored on the training
//! data only, and the winner and the defaults are then reported on data neither saw.
//!
//! - **Training:** built-in traces of seeds 100–199 (realistic model, through the agent:
//!   400 sessions) and the even-position halves of the public FCC and HSDPA sets
//!   (Pensieve's model, as a fraction of each trace's offline optimum).
//! - **Evaluation:** built-in seeds 1–10 (realistic model) and the odd-position halves of
//!   FCC and HSDPA (`dmoe-sim --split eval`).
//!
//! Candidates vary one planner parameter at a time around the defaults. A candidate that
//! stalls more than the defaults on the training traces is out; the rest are ranked by
//! the sum of the two public fractions of the optimum plus the realistic QoE_lin relative
//! to the defaults'. The defaults stay unless a candidate beats them on training.
//!
//! ```sh
//! cargo run --release -p dmoe-sim --example tune -- ../shared/data/abr
//! ```
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use dmoe_abr::planner::PlannerConfig;
use dmoe_abr::{Hybrid, HybridConfig};
use dmoe_sim::{Model, SimConfig, Split, Trace, Video};

/// Realistic-model figures over a set of built-in seeds.
#[derive(Debug, Clone, Copy, Default)]
struct Realistic {
    qoe: f64,
    stalls: u32,
    switches: u32,
    kbps: f64,
    sessions: u32,
}

fn realistic(h: HybridConfig, seeds: std::ops::RangeInclusive<u64>) -> Realistic {
    let sim = SimConfig::default();
    let mut r = Realistic::default();
    for seed in seeds {
        let video = dmoe_sim::builtin_video(seed);
        for t in dmoe_sim::builtin_traces(seed, 4) {
            let (res, _) = dmoe_sim::realistic::simulate_controller(
                "hybrid",
                Box::new(Hybrid::new(h)),
                &t,
                &video,
                &sim,
            )
            .expect("valid configuration");
            r.qoe += res.qoe_lin_per_chunk;
            r.stalls += res.rebuffer_events;
            r.switches += res.switches;
            r.kbps += res.avg_bitrate_kbps;
            r.sessions += 1;
        }
    }
    let n = f64::from(r.sessions.max(1));
    r.qoe /= n;
    r.kbps /= n;
    r
}

/// A public set's traces and their offline optima (Pensieve's model).
struct PublicSet {
    traces: Vec<Trace>,
    optimum: f64,
}

fn public(dir: &Path, split: Split, video: &Video, cfg: &SimConfig) -> PublicSet {
    let traces = dmoe_sim::load_traces(dir, split).expect("the public traces");
    let optimum = traces
        .iter()
        .map(|t| dmoe_sim::optimal(t, video, cfg).qoe_lin_per_chunk)
        .sum::<f64>()
        / traces.len() as f64;
    PublicSet { traces, optimum }
}

/// Mean QoE_lin over the set as a fraction of the mean optimum.
fn fraction(h: HybridConfig, set: &PublicSet, video: &Video, cfg: &SimConfig) -> f64 {
    let mut c = Hybrid::new(h);
    let mut q = 0.0;
    for t in &set.traces {
        dmoe_core::AbrController::reset(&mut c);
        q += dmoe_sim::pensieve::simulate(&mut c, t, video, cfg).qoe_lin_per_chunk;
    }
    q / set.traces.len() as f64 / set.optimum
}

fn envivio(root: &Path) -> Video {
    let per_rung: Vec<Vec<u64>> = (0..6)
        .map(|r| {
            std::fs::read_to_string(root.join(format!("video/envivio/video_size_{r}")))
                .expect("the Envivio video sizes")
                .split_whitespace()
                .map(|s| s.parse().expect("a size"))
                .collect()
        })
        .collect();
    Video::from_per_rung(
        4.0,
        vec![300, 750, 1200, 1850, 2850, 4300],
        &per_rung,
        Some(48),
    )
    .expect("a valid video")
}

/// The defaults and one-at-a-time variations of the planner.
fn candidates() -> Vec<(String, HybridConfig)> {
    let base = HybridConfig::default();
    let p = base.planner.unwrap_or_default();
    let with = |name: String, q: PlannerConfig| {
        (
            name,
            HybridConfig {
                planner: Some(q),
                ..base
            },
        )
    };
    let mut out = vec![("defaults".to_owned(), base)];
    for v in [0.15, 0.3] {
        out.push(with(
            format!("climb_cost {v}"),
            PlannerConfig { climb_cost: v, ..p },
        ));
    }
    for v in [0.18, 0.25] {
        out.push(with(format!("noise {v}"), PlannerConfig { noise: v, ..p }));
    }
    for v in [0.02, 0.045] {
        out.push(with(format!("drift {v}"), PlannerConfig { drift: v, ..p }));
    }
    for v in [0.6, 0.85] {
        out.push(with(
            format!("fast_weight {v}"),
            PlannerConfig {
                fast_weight: v,
                ..p
            },
        ));
    }
    for v in [1.5, 2.0] {
        out.push(with(
            format!("surge_ratio {v}"),
            PlannerConfig {
                surge_ratio: v,
                ..p
            },
        ));
    }
    for v in [0.5, 0.7] {
        out.push(with(
            format!("fill_fraction {v}"),
            PlannerConfig {
                fill_fraction: v,
                ..p
            },
        ));
    }
    out
}

struct Scored {
    name: String,
    h: HybridConfig,
    fcc: f64,
    hsdpa: f64,
    real: Realistic,
}

fn main() {
    let root = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/data/abr".into()),
    );
    let video = envivio(&root);
    let pensieve = SimConfig {
        model: Model::Pensieve,
        ..SimConfig::default()
    };
    let train = [
        public(&root.join("fcc"), Split::Train, &video, &pensieve),
        public(&root.join("hsdpa"), Split::Train, &video, &pensieve),
    ];
    let cands = candidates();
    println!(
        "training: built-in seeds 100-199 (realistic, {} sessions each), FCC and HSDPA even halves ({} + {} traces, Pensieve model)",
        400,
        train[0].traces.len(),
        train[1].traces.len()
    );
    // Two workers share the candidates.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let scored = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((name, h)) = cands.get(i) else { break };
                    let sc = Scored {
                        name: name.clone(),
                        h: *h,
                        fcc: fraction(*h, &train[0], &video, &pensieve),
                        hsdpa: fraction(*h, &train[1], &video, &pensieve),
                        real: realistic(*h, 100..=199),
                    };
                    eprintln!("scored {name}");
                    scored.lock().expect("no panic while holding").push((i, sc));
                }
            });
        }
    });
    let mut scored = scored.into_inner().expect("no panic while holding");
    scored.sort_by_key(|(i, _)| *i);
    let scored: Vec<Scored> = scored.into_iter().map(|(_, s)| s).collect();
    let base = &scored[0];
    let score = |s: &Scored| s.fcc + s.hsdpa + s.real.qoe / base.real.qoe;
    println!(
        "{:18} {:>8} {:>8} {:>9} {:>7} {:>9} {:>8}",
        "candidate", "FCC %", "HSDPA %", "real QoE", "stalls", "switches", "score"
    );
    for s in &scored {
        println!(
            "{:18} {:>8.1} {:>8.1} {:>9.4} {:>7} {:>9} {:>8.4}{}",
            s.name,
            100.0 * s.fcc,
            100.0 * s.hsdpa,
            s.real.qoe,
            s.real.stalls,
            s.real.switches,
            score(s),
            if s.real.stalls > base.real.stalls {
                "  (out: more stalls)"
            } else {
                ""
            }
        );
    }
    // Strictly better than the defaults, or the defaults stay (ties keep the defaults).
    let best = scored
        .iter()
        .filter(|s| s.real.stalls <= base.real.stalls)
        .fold(base, |b, s| if score(s) > score(b) { s } else { b });
    println!("best on training: {}", best.name);

    // Evaluation: data no candidate was scored on.
    let eval = [
        public(&root.join("fcc"), Split::Eval, &video, &pensieve),
        public(&root.join("hsdpa"), Split::Eval, &video, &pensieve),
    ];
    println!(
        "evaluation: built-in seeds 1-10 (realistic), FCC and HSDPA odd halves ({} + {} traces, Pensieve model)",
        eval[0].traces.len(),
        eval[1].traces.len()
    );
    let mut shown = vec![base];
    if best.name != base.name {
        shown.push(best);
    }
    for s in shown {
        let r = realistic(s.h, 1..=10);
        println!(
            "{:18} FCC {:.1} % of optimum, HSDPA {:.1} %; realistic QoE_lin {:.4}, {} stalls, {} switches, {:.0} kbps",
            s.name,
            100.0 * fraction(s.h, &eval[0], &video, &pensieve),
            100.0 * fraction(s.h, &eval[1], &video, &pensieve),
            r.qoe,
            r.stalls,
            r.switches,
            r.kbps
        );
    }
}
