//! Helpers shared by the integration tests: locating `../shared/data`, a test controller.
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

/// A controller for agent tests: the highest rung the last transfer sample allows (the
/// lowest before any sample). Simple and deterministic, so failures point at the agent.
#[derive(Debug, Default)]
pub struct LastSample(pub Option<f64>);

impl dmoe_core::AbrController for LastSample {
    fn name(&self) -> &'static str {
        "last-sample"
    }
    fn on_segment_complete(&mut self, _now: dmoe_core::Timestamp, s: &dmoe_core::TransferSample) {
        self.0 = s.throughput_bps().or(self.0);
    }
    fn choose(&self, ctx: &dmoe_core::AbrContext<'_>) -> dmoe_core::Decision {
        dmoe_core::Decision {
            rung: self.0.map_or(0, |b| ctx.ladder.highest_below(b)),
            reason: dmoe_core::Reason::Throughput,
            estimate_bps: self.0,
            buffer: ctx.buffer,
            playback_rate: None,
        }
    }
}
