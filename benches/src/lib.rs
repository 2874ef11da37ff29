//! Shared helpers for the DMOE benchmarks.
