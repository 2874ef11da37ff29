//! The steady-state hot paths allocate nothing once warm — the hybrid ABR's decision cycle
//! (with RobustMPC beside it) and the device agent's segment cycle (inputs in, decisions out
//! through `Agent::poll_output_into`, which hands each polled output's buffers back for
//! reuse). One counting global allocator watches both; each test counts only its own
//! thread's allocations.
#![allow(clippy::disallowed_methods, clippy::disallowed_types, unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use dmoe_benches::cycle::Cycle;
use dmoe_core::{
    AbrContext, AbrController, ByteCount, Caps, Ladder, PlaybackState, Timestamp, TransferSample,
};

struct Counting;

thread_local! {
    /// Allocations made by this thread: the test harness's own threads do not count.
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // A const-initialised thread-local without a destructor: safe inside the allocator.
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn hybrid_decision_cycle_does_not_allocate() {
    let ladder = Ladder::from_kbps(&[300, 750, 1200, 1850, 2850, 4300]).unwrap();
    let sizes: Vec<u64> = (0..5 * 6).map(|i| 100_000 + i * 50_000).collect();
    let mut h = dmoe_abr::Hybrid::default();
    let mut mpc = dmoe_abr::baseline::RobustMpc::default();
    let sample = TransferSample {
        bytes: ByteCount(1_500_000),
        ttfb: Duration::from_millis(60),
        total: Duration::from_millis(3_000),
        server_hold: Duration::ZERO,
    };
    let ctx = AbrContext {
        now: Timestamp::from_micros(1),
        ladder: &ladder,
        buffer: Duration::from_secs(12),
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
    // Warm up.
    for _ in 0..10 {
        h.on_segment_complete(Timestamp::from_micros(1), &sample);
        mpc.on_segment_complete(Timestamp::from_micros(1), &sample);
        std::hint::black_box(h.choose(&ctx));
    }
    let before = allocs();
    let mut acc = 0;
    for _ in 0..1_000 {
        h.on_progress(Timestamp::from_micros(2), &sample);
        h.on_segment_complete(Timestamp::from_micros(3), &sample);
        acc += h.choose(&ctx).rung;
        mpc.on_segment_complete(Timestamp::from_micros(3), &sample);
        acc += mpc.choose(&ctx).rung;
    }
    let after = allocs();
    std::hint::black_box(acc);
    assert_eq!(after - before, 0, "the steady-state cycle allocated");
}

#[test]
fn warm_segment_cycle_does_not_allocate() {
    let mut c = Cycle::warm();
    // Warm: past segment 1000, so URL buffers have grown to four-digit segment numbers.
    for _ in 0..1100 {
        c.step();
    }
    let before = allocs();
    let n = 200;
    for _ in 0..n {
        c.step();
    }
    let allocs = allocs() - before;
    println!("allocations in {n} warm segment cycles: {allocs}");
    assert_eq!(allocs, 0, "{allocs} allocations in {n} warm cycles");
    assert!(c.outputs > 0, "the cycle produced decisions");
}
