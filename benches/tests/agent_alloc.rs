//! The device agent's steady-state segment cycle allocates nothing once warm: a counting
//! global allocator watches inputs go in and decisions come out through
//! `Agent::poll_output_into`, which hands each polled output's buffers back for reuse.
#![allow(clippy::disallowed_methods, clippy::disallowed_types, unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use dmoe_benches::cycle::Cycle;

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
