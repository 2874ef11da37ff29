//! Cost of the device agent's steady-state cycle for one segment (request started,
//! completed, buffer level; each followed by draining the outputs, the next fetch among
//! them).
//!
//! ```sh
//! cargo bench -p dmoe-benches --bench agent
//! ```
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use dmoe_benches::cycle::Cycle;

fn bench(c: &mut Criterion) {
    let mut cycle = Cycle::warm();
    c.bench_function("agent: one segment cycle (3 inputs, drain)", |b| {
        b.iter(|| {
            cycle.step();
            std::hint::black_box(cycle.outputs)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
