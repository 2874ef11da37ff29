//! Cost of the device agent: its steady-state cycle for one segment (request started,
//! completed, buffer level; each followed by draining the outputs, the next fetch among
//! them), and the slowest single call over whole recorded sessions (the goal: under 1 ms
//! natively, since a smart TV's CPU is several times slower and a browser runs the agent
//! on its main thread).
//!
//! ```sh
//! cargo bench -p dmoe-benches --bench agent
//! ```
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dmoe_benches::cycle::Cycle;
use dmoe_benches::recorded;

fn bench(c: &mut Criterion) {
    let mut cycle = Cycle::warm();
    c.bench_function("agent: one segment cycle (3 inputs, drain)", |b| {
        b.iter(|| {
            cycle.step();
            std::hint::black_box(cycle.outputs)
        })
    });
    // Each iteration replays a whole session; the figure is the mean over iterations of
    // the session's slowest single handle_input + drain.
    let mut group = c.benchmark_group("slowest call");
    group.sample_size(10);
    for (name, path) in [
        ("agent, HLS text session", "bindings/c/tests/session.jsonl"),
        (
            "agent, host-parsed session",
            "bindings/js/test/session-host.jsonl",
        ),
        ("advisor session", "bindings/c/tests/session-advisor.jsonl"),
    ] {
        let r = match recorded::load(path) {
            Ok(r) => r,
            Err(e) => panic!("{path}: {e}"),
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| recorded::slowest_call(&r))
                    .sum::<Duration>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
