//! The realistic model: a throughput trace played through the shipped agent by the
//! simulated [`player`]. The player hands the agent the ladder and segment
//! lists it parsed (typed, no byte ranges: the agent knows each segment's size only as a
//! real player would, from the sizes of segments it already fetched), carries out its
//! fetches over the trace (the round trip on the trace's clock before the first byte,
//! progress every quarter second, abandonment and its refetch), starts playing when the
//! first segment is in, stalls when the buffer runs dry, and ticks at the agent's
//! timeouts. The scores are computed from what the player played.

use std::time::Duration;

use dmoe_core::agent::{Config, ConfigError, Event, HostRendition, HostSegment, HostSegments};
use dmoe_core::{RenditionId, Timestamp};

use crate::link::TraceLink;
use crate::player::{self, Driver, NetEdge, Router, Stage, Transcript};
use crate::{SimConfig, SimResult, Step, Trace, Video, summarize};

/// The ladder a player would hand over: one entry per rung, in rung order.
pub fn ladder(video: &Video) -> Vec<HostRendition> {
    video
        .bitrates_kbps
        .iter()
        .enumerate()
        .map(|(r, kbps)| HostRendition {
            bandwidth_bps: kbps * 1000,
            url: format!("https://sim.example/r{r}/index.m3u8"),
            ..HostRendition::default()
        })
        .collect()
}

/// Rung `r`'s segment list as a player would hand it over (no byte ranges).
pub fn segment_list(video: &Video, r: usize) -> HostSegments {
    let seg = Duration::from_secs_f64(video.segment_s);
    HostSegments {
        ended: true,
        target_duration: Some(seg),
        inits: Vec::new(),
        segments: (0..video.segments() as u64)
            .map(|k| HostSegment {
                number: k,
                start: seg.saturating_mul(k as u32),
                duration: seg,
                url: format!("https://sim.example/r{r}/seg{k}.m4s"),
                byte_range: None,
                init: None,
            })
            .collect(),
    }
}

/// The session the realistic model plays: one edge over `trace`.
pub fn stage(trace: &Trace, video: &Video, sim: &SimConfig) -> Stage {
    let rungs = video.bitrates_kbps.len();
    let media_s = video.segment_s * video.segments() as f64;
    Stage {
        first: Event::LadderLoaded {
            url: "https://sim.example/master.m3u8".into(),
            renditions: ladder(video),
        },
        playlists: (0..rungs)
            .map(|r| Event::SegmentsLoaded {
                rendition: RenditionId(r as u32),
                segments: segment_list(video, r),
            })
            .collect(),
        rung_of: (0..rungs).collect(),
        video: video.clone(),
        init_bytes: 1500.0,
        edges: vec![NetEdge::new(".", TraceLink::new(trace), sim.rtt_s)],
        steering: Vec::new(),
        steering_ttl_s: 300,
        seeks: Vec::new(),
        // Long enough for any trace: a stalled session still ends.
        until_s: 20.0 * media_s + 600.0,
        progress_s: Some(sim.progress_s),
        start_buffer_s: video.segment_s,
        max_buffer_s: sim.max_buffer_s,
        router: Router::AsAsked,
        last_mile: None,
    }
}

/// The agent configuration the realistic model runs `abr` with: the product's defaults,
/// the model's buffer, a fixed seed (repeatable runs).
pub fn config(abr: &str, sim: &SimConfig) -> Config {
    Config {
        abr: abr.to_owned(),
        max_buffer: Duration::from_secs_f64(sim.max_buffer_s),
        seed: Some(sim.seed),
        record: sim.record,
        ..Config::default()
    }
}

/// Score a transcript as the models report it.
pub fn result(abr: &str, trace: &str, video: &Video, t: &Transcript) -> SimResult {
    let steps: Vec<Step> = t
        .played
        .iter()
        .enumerate()
        .map(|(i, p)| Step {
            at_s: p.at_s,
            rung: p.rung,
            kbps: video.bitrates_kbps[p.rung.min(video.bitrates_kbps.len() - 1)],
            buffer_s: p.buffer_s,
            rebuffer_s: if i == 0 { t.startup_s } else { p.stall_s },
            throughput_mbps: p.throughput_mbps,
            abandoned: p.abandoned,
        })
        .collect();
    if steps.is_empty() {
        return SimResult {
            abr: abr.to_owned(),
            trace: trace.to_owned(),
            qoe_lin_per_chunk: f64::NEG_INFINITY,
            avg_bitrate_kbps: 0.0,
            rebuffer_s: t.stall_s,
            rebuffer_ratio: 1.0,
            rebuffer_events: t.stalls,
            switches: 0,
            startup_s: t.startup_s,
            steps,
        };
    }
    summarize(abr, trace, video, steps, t.startup_s)
}

/// Play `trace` through a fresh agent running `abr`.
pub fn simulate(
    abr: &str,
    trace: &Trace,
    video: &Video,
    sim: &SimConfig,
) -> Result<(SimResult, Transcript), ConfigError> {
    let agent = dmoe_abr::agent(config(abr, sim))?;
    let mut d = Driver::Agent(Box::new(agent));
    let t = player::run(&mut d, &stage(trace, video, sim));
    Ok((result(abr, &trace.name, video, &t), t))
}

/// Play `trace` through a fresh agent running the controller `abr` (a tuned or custom
/// one), reported under `name`.
pub fn simulate_controller(
    name: &str,
    abr: Box<dyn dmoe_core::AbrController + Send>,
    trace: &Trace,
    video: &Video,
    sim: &SimConfig,
) -> Result<(SimResult, Transcript), ConfigError> {
    let agent = dmoe_core::agent::Agent::new(config(name, sim), abr)?;
    let mut d = Driver::Agent(Box::new(agent));
    let t = player::run(&mut d, &stage(trace, video, sim));
    Ok((result(name, &trace.name, video, &t), t))
}

/// Play `trace` through the advisor host: the player fetches the segments in order itself
/// and asks a fresh advisor running `abr` which rendition each should be.
pub fn simulate_advisor(
    abr: &str,
    trace: &Trace,
    video: &Video,
    sim: &SimConfig,
) -> Result<(SimResult, Transcript), ConfigError> {
    let advisor = dmoe_abr::advisor(config(abr, sim))?;
    let mut d = Driver::Advisor(Box::new(advisor));
    let t = player::run(&mut d, &stage(trace, video, sim));
    Ok((result(abr, &trace.name, video, &t), t))
}

/// A timestamp in seconds, for tests.
pub fn at(s: f64) -> Timestamp {
    Timestamp::from_micros((s * 1e6) as u64)
}
