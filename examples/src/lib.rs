//! Host examples for DMOE: [`host_loop`], a complete player loop around the agent (run by
//! `cargo test`, and as `cargo run -p dmoe-examples --example host_loop`), and the
//! programs in `rust/`.

pub mod host_loop;
