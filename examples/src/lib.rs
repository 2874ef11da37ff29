//! Host examples for DMOE; see `rust/`.
