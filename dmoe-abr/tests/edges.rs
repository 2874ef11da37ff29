#![cfg(feature = "hls")]
//! The multi-edge scenarios: DMOE's edge selection against the static controller order,
//! on the goals of the edge-selection issue.

use dmoe_abr::sim::edges::{Policy, builtin_edge_scenarios, simulate_edges};

fn run(name: &str, policy: Policy, seed: u64) -> dmoe_abr::sim::edges::EdgeSimResult {
    let scn = builtin_edge_scenarios(seed)
        .into_iter()
        .find(|s| s.name == name)
        .expect("scenario exists");
    simulate_edges(&scn, policy, seed)
}

#[test]
fn failover_within_one_segment_and_no_stall_with_a_buffer() {
    for seed in 1..4 {
        for name in ["primary-down-30s", "primary-blackhole-30s"] {
            let r = run(name, Policy::Dmoe, seed);
            assert!(!r.failovers_ms.is_empty(), "{name}: the fault was hit");
            let worst = r.failovers_ms.iter().copied().fold(0.0, f64::max);
            assert!(worst <= 4000.0, "{name} seed {seed}: failover {worst} ms");
            assert_eq!(r.rebuffer_s, 0.0, "{name} seed {seed}: stalled");
        }
        // The static order waits for a 10 s timeout on a black hole.
        let s = run("primary-blackhole-30s", Policy::Static, seed);
        assert!(s.failovers_ms.iter().any(|&f| f > 9000.0));
    }
}

#[test]
fn no_flapping_on_a_steady_network() {
    for seed in 1..6 {
        let r = run("steady", Policy::Dmoe, seed);
        assert_eq!(r.edge_switches, 0, "seed {seed}: {:?}", r.explanations);
        assert!(r.probes > 0, "probes measured the other edges");
    }
}

#[test]
fn moves_edge_instead_of_dropping_quality_when_the_primary_degrades() {
    for seed in 1..4 {
        let d = run("primary-degrades", Policy::Dmoe, seed);
        let s = run("primary-degrades", Policy::Static, seed);
        assert!(
            d.qoe_lin_per_chunk > s.qoe_lin_per_chunk * 1.3,
            "seed {seed}: dmoe {} vs static {}",
            d.qoe_lin_per_chunk,
            s.qoe_lin_per_chunk
        );
        assert!(
            d.explanations
                .iter()
                .any(|(_, why)| why.contains("before any quality switch")),
            "{:?}",
            d.explanations
        );
    }
}

#[test]
fn obeys_the_controller_and_survives_steering_faults() {
    for seed in 1..4 {
        let r = run("steering-faults", Policy::Dmoe, seed);
        assert_eq!(r.off_priority_fetches, 0, "seed {seed}");
        assert!(
            r.explanations
                .iter()
                .any(|(_, why)| why.contains("removed by the steering controller"))
        );
    }
}

#[test]
fn a_shared_bottleneck_does_not_start_a_tour_of_the_edges() {
    for seed in 1..4 {
        let r = run("last-mile", Policy::Dmoe, seed);
        assert!(r.edge_switches <= 1, "seed {seed}: {:?}", r.explanations);
        assert_eq!(r.flaps, 0);
    }
}
