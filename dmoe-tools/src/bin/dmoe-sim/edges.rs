//! `--scenario edges`: the built-in multi-edge fault scenarios under every edge policy,
//! each one the shipped agent in the simulated player (`oracle` a labelled reference host).

use dmoe_sim::edges::{EdgeSimResult, Policy, builtin_edge_scenarios, load_spread, simulate_edges};
use serde_json::json;

/// Seeds per scenario (trace noise differs; faults are the same).
const RUNS: u64 = 3;
const SESSIONS: usize = 10_000;
const EDGES: usize = 4;

#[derive(Default)]
struct Sum {
    n: usize,
    qoe: f64,
    kbps: f64,
    rebuf: f64,
    failover_max: f64,
    failovers: usize,
    flaps: u32,
    switches: u32,
    hours: f64,
    off_priority: u32,
    probes: u32,
}

impl Sum {
    fn add(&mut self, r: &EdgeSimResult) {
        self.n += 1;
        self.qoe += r.qoe_lin_per_chunk;
        self.kbps += r.avg_bitrate_kbps;
        self.rebuf += r.rebuffer_s;
        self.failover_max = r
            .failovers_ms
            .iter()
            .copied()
            .fold(self.failover_max, f64::max);
        self.failovers += r.failovers_ms.len();
        self.flaps += r.flaps;
        self.switches += r.edge_switches;
        self.hours += r.session_s / 3600.0;
        self.off_priority += r.off_priority_fetches;
        self.probes += r.probes;
    }
    fn json(&self) -> serde_json::Value {
        let n = self.n.max(1) as f64;
        json!({
            "qoe_lin_per_chunk": self.qoe / n,
            "avg_bitrate_kbps": self.kbps / n,
            "rebuffer_s": self.rebuf,
            "failover_ms_max": self.failover_max,
            "failovers": self.failovers,
            "flaps_per_hour": f64::from(self.flaps) / self.hours.max(1e-9),
            "edge_switches": self.switches,
            "off_priority_fetches": self.off_priority,
            "probes": self.probes,
            "sessions": self.n,
        })
    }
}

/// The policies reported: the three compared, and DMOE without probes (what probes add).
const POLICIES: [Policy; 4] = [
    Policy::Static,
    Policy::Dmoe,
    Policy::Oracle,
    Policy::DmoeNoProbes,
];

pub(super) fn run(seed: u64, as_json: bool) {
    let mut per_policy: Vec<Sum> = POLICIES.iter().map(|_| Sum::default()).collect();
    let mut per_scenario: Vec<(String, Policy, bool, Sum)> = Vec::new();
    let mut explanations: Vec<serde_json::Value> = Vec::new();
    for run in 0..RUNS {
        for scn in builtin_edge_scenarios(seed.wrapping_add(run)) {
            for (pi, &p) in POLICIES.iter().enumerate() {
                let r = simulate_edges(&scn, p, seed.wrapping_add(run));
                per_policy[pi].add(&r);
                match per_scenario
                    .iter_mut()
                    .find(|(s, q, _, _)| *s == r.scenario && *q == p)
                {
                    Some((_, _, _, sum)) => sum.add(&r),
                    None => {
                        let mut sum = Sum::default();
                        sum.add(&r);
                        per_scenario.push((r.scenario.clone(), p, scn.control, sum));
                    }
                }
                if run == 0 && p == Policy::Dmoe {
                    for (t, text) in &r.explanations {
                        explanations.push(json!({"scenario": r.scenario, "t_s": t, "why": text}));
                    }
                }
            }
        }
    }
    let spread = load_spread(SESSIONS, EDGES, seed);
    if as_json {
        let policies: Vec<_> = POLICIES
            .iter()
            .zip(&per_policy)
            .map(|(p, s)| {
                let mut v = s.json();
                v["policy"] = json!(p.name());
                v
            })
            .collect();
        let scenarios: Vec<_> = per_scenario
            .iter()
            .map(|(n, p, control, s)| {
                let mut v = s.json();
                v["scenario"] = json!(n);
                v["policy"] = json!(p.name());
                v["control"] = json!(control);
                v
            })
            .collect();
        println!(
            "{}",
            json!({
                "policies": policies,
                "load_spread": {"sessions": SESSIONS, "edges": EDGES, "max_over_mean": spread},
                "scenarios": scenarios,
                "dmoe_switches": explanations,
            })
        );
        return;
    }
    println!(
        "{} scenarios x {RUNS} seeds, 4 edges, hybrid ABR, every policy through the agent \
         (oracle: a reference host that routes each request to the edge that delivers it \
         soonest); rebuffer and failover summed/maxed over sessions; (control): no edge \
         choice can do better there",
        per_scenario.len() / POLICIES.len()
    );
    println!(
        "{:<31} {:<14} {:>8} {:>7} {:>9} {:>11} {:>9} {:>8}",
        "scenario", "policy", "QoE_lin", "kbps", "rebuf s", "failover ms", "flaps/h", "switches"
    );
    let row = |name: &str, p: Policy, s: &Sum| {
        let v = s.json();
        println!(
            "{:<31} {:<14} {:>8.3} {:>7.0} {:>9.2} {:>11.0} {:>9.2} {:>8}",
            name,
            p.name(),
            v["qoe_lin_per_chunk"].as_f64().unwrap_or(f64::NAN),
            v["avg_bitrate_kbps"].as_f64().unwrap_or(f64::NAN),
            s.rebuf,
            s.failover_max,
            v["flaps_per_hour"].as_f64().unwrap_or(f64::NAN),
            s.switches
        );
    };
    for (n, p, control, s) in &per_scenario {
        let name = if *control {
            format!("{n} (control)")
        } else {
            n.clone()
        };
        row(&name, *p, s);
    }
    for (p, s) in POLICIES.iter().zip(&per_policy) {
        row("ALL", *p, s);
    }
    println!(
        "load spread: {SESSIONS} sessions over {EDGES} equal edges, max/mean share {spread:.4}"
    );
}
