//! Allocations of the device agent's steady-state segment cycle, counted by a global
//! allocator. The cycle is not allocation-free yet: each `Fetch` decision owns its URL and
//! edge name. This test pins the count so it can only go down.
#![allow(clippy::disallowed_methods, clippy::disallowed_types, unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use dmoe_benches::cycle::Cycle;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations per cycle: 2.1 measured when this test was written (the fetch URL, the edge
/// name, and a telemetry report every 30 s of session time).
const BUDGET: usize = 3;

#[test]
fn segment_cycle_allocations_stay_within_budget() {
    let mut c = Cycle::warm();
    for _ in 0..50 {
        c.step();
    }
    let before = ALLOCS.load(Ordering::SeqCst);
    let n = 200;
    for _ in 0..n {
        c.step();
    }
    let per = (ALLOCS.load(Ordering::SeqCst) - before) as f64 / n as f64;
    println!("allocations per segment cycle: {per:.2}");
    assert!(
        per <= BUDGET as f64,
        "{per} allocations per cycle (budget {BUDGET})"
    );
    assert!(c.outputs > 0, "the cycle produced decisions");
}
