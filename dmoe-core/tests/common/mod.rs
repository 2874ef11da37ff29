//! Helpers shared by the integration tests: locating `../shared/data`.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    dead_code,
    unreachable_pub
)]

use std::path::PathBuf;

/// The shared data folder beside the clone, or None (with the reason printed) when absent.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("DMOE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let p = root.join(sub);
    if p.is_dir() {
        Some(p)
    } else {
        println!(
            "SKIPPED: {} not found (set DMOE_SHARED_DATA or place shared/ beside the clone)",
            p.display()
        );
        None
    }
}
