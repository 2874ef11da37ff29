//! Cost of one ABR decision, of solving the hybrid's planner table (in total and its
//! slowest slice), and of one estimator update.
//!
//! ```sh
//! cargo bench -p dmoe-benches --bench abr
//! ```
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dmoe_abr::estimator::{DualEwma, Sample, SlidingHarmonic};
use dmoe_core::{
    AbrContext, AbrController, ByteCount, Caps, Ladder, PlaybackState, Timestamp, TransferSample,
};

fn bench(c: &mut Criterion) {
    let ladder = Ladder::from_kbps(&[300, 750, 1200, 1850, 2850, 4300]).expect("valid ladder");
    let sizes: Vec<u64> = (0..5 * 6).map(|i| 150_000 + i * 70_000).collect();
    let ctx = AbrContext {
        now: Timestamp::from_micros(1),
        ladder: &ladder,
        buffer: Duration::from_secs(14),
        max_buffer: Duration::from_secs(60),
        previous: Some(3),
        segment_duration: Duration::from_secs(4),
        upcoming_sizes: &sizes,
        segments_remaining: Some(40),
        state: PlaybackState::Playing,
        playback_rate: 1.0,
        caps: Caps::default(),
        live: None,
    };
    let mut hybrid = dmoe_abr::Hybrid::default();
    let mut mpc = dmoe_abr::baseline::RobustMpc::default();
    for (i, ms) in [2_000u64, 3_100, 2_600, 4_000, 2_900].iter().enumerate() {
        let s = TransferSample {
            bytes: ByteCount(1_000_000 + i as u64 * 100_000),
            ttfb: Duration::from_millis(50),
            total: Duration::from_millis(*ms),
            server_hold: Duration::ZERO,
        };
        hybrid.on_segment_complete(Timestamp::from_micros(1), &s);
        mpc.on_segment_complete(Timestamp::from_micros(1), &s);
    }
    // The planner's table is solved in slices by prepare() (the agent calls it once per
    // host input from the ladder's arrival), never inside a decision.
    while hybrid.prepare(&ctx) {}
    c.bench_function("hybrid/decision", |b| {
        b.iter(|| std::hint::black_box(&hybrid).choose(std::hint::black_box(&ctx)))
    });
    let fresh = || {
        let mut h = dmoe_abr::Hybrid::default();
        h.on_segment_complete(
            Timestamp::from_micros(1),
            &TransferSample {
                bytes: ByteCount(1_000_000),
                ttfb: Duration::from_millis(50),
                total: Duration::from_millis(3_000),
                server_hold: Duration::ZERO,
            },
        );
        h
    };
    let mut group = c.benchmark_group("hybrid");
    group.sample_size(10);
    // The whole table, every slice: what a ladder load costs in total, spread over inputs.
    group.bench_function("planner-table (all steps)", |b| {
        b.iter_batched(
            fresh,
            |mut h| {
                let mut steps = 0;
                while h.prepare(std::hint::black_box(&ctx)) {
                    steps += 1;
                }
                steps
            },
            criterion::BatchSize::LargeInput,
        )
    });
    // The longest single slice: what one host input can cost on top of its own work.
    group.bench_function("planner-step (slowest)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut h = fresh();
                let mut slowest = Duration::ZERO;
                loop {
                    let t = std::time::Instant::now();
                    let more = h.prepare(std::hint::black_box(&ctx));
                    slowest = slowest.max(t.elapsed());
                    if !more {
                        break;
                    }
                }
                total += slowest;
            }
            total
        })
    });
    group.finish();
    c.bench_function("robust-mpc/decision", |b| {
        b.iter(|| std::hint::black_box(&mpc).choose(std::hint::black_box(&ctx)))
    });
    let s = Sample {
        bps: 2.5e6,
        seconds: 3.2,
        bytes: 1e6,
    };
    let mut ewma = DualEwma::default();
    c.bench_function("estimator/ewma-update", |b| {
        b.iter(|| ewma.add(std::hint::black_box(&s)))
    });
    let mut harm = SlidingHarmonic::default();
    c.bench_function("estimator/harmonic-update", |b| {
        b.iter(|| harm.add(std::hint::black_box(&s)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
