//! A complete host loop: a simulated player streams a four-rung HLS presentation over a
//! link that dips from 6 to 0.8 Mb/s for 25 s, driving the agent (see
//! `examples/src/host_loop.rs` for the loop itself).
//!
//! ```sh
//! cargo run -q -p dmoe-examples --example host_loop
//! ```

use dmoe_core::agent::Config;
use dmoe_examples::host_loop::{dipping_link, play};

fn main() -> Result<(), dmoe_core::agent::ConfigError> {
    let s = play(
        Config {
            seed: Some(1),
            ..Config::default()
        },
        dipping_link,
    )?;
    let q = &s.qoe;
    println!(
        "{} segments, start-up {:.2} s, {} stalls, {:.0} kb/s average, {} switches, {} abandoned",
        s.segments,
        q.startup.map_or(0.0, |d| d.as_secs_f64()),
        q.rebuffer_count,
        q.avg_bitrate_bps / 1000.0,
        q.switches,
        s.abandons
    );
    println!(
        "{}: {} final report, {} outputs after it",
        if s.ended { "ended" } else { "did not end" },
        s.final_reports,
        s.after_end
    );
    Ok(())
}
