//! A host loop for a live LL-HLS rendition: load the playlist, then apply a delta update,
//! as a player does after a blocking reload. The host owns the network; here the "network"
//! is the bundled fixtures.
//!
//! ```sh
//! cargo run -q -p dmoe-examples --example live_refresh
//! ```

use dmoe_core::{ParseOptions, RenditionId};

const FIRST: &[u8] = include_bytes!("../../dmoe-core/tests/data/manifests/ll-hls-live.m3u8");
const DELTA: &[u8] = include_bytes!("../../dmoe-core/tests/data/manifests/ll-hls-delta.m3u8");

fn main() -> Result<(), dmoe_core::ManifestError> {
    let opts = ParseOptions::new().base_url("https://live.example.com/v/index.m3u8");
    let mut p = dmoe_core::parse(FIRST, &opts)?;
    print_window("loaded", &p);
    let summary = p.apply_media_playlist(RenditionId(0), DELTA, &opts)?;
    println!(
        "delta update: +{} -{} ({} filled from the previous window)",
        summary.added, summary.removed, summary.filled_from_previous
    );
    print_window("merged", &p);
    if let Some(ll) = p.low_latency {
        println!(
            "part target {:?}, part hold-back {:?}, blocking reload: {}",
            ll.part_target, ll.part_hold_back, ll.can_block_reload
        );
    }
    Ok(())
}

fn print_window(label: &str, p: &dmoe_core::Presentation) {
    let idx = &p.renditions[0].segments;
    println!(
        "{label}: {} segments, {} parts",
        idx.segments.len(),
        idx.parts.len()
    );
    for s in &idx.segments {
        println!(
            "  #{:<4} {:>6.2}s +{:.2}s {}",
            s.number,
            s.start.as_secs_f64(),
            s.duration.as_secs_f64(),
            s.url
        );
    }
}
