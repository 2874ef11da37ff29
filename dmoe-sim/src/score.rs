//! Scoring a played session: QoE_lin per segment as Pensieve reports it, and the figures
//! every model reports beside it.

use dmoe_abr::REBUFFER_PENALTY;

use crate::Video;

/// One simulated segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Simulated time when the segment finished downloading, seconds.
    pub at_s: f64,
    /// Rung played.
    pub rung: usize,
    /// Bitrate played, kbps.
    pub kbps: u64,
    /// Buffer after the segment arrived, seconds.
    pub buffer_s: f64,
    /// Stall caused by this segment, seconds.
    pub rebuffer_s: f64,
    /// Measured throughput of the download, Mbps.
    pub throughput_mbps: f64,
    /// Whether a download at a higher rung was abandoned first.
    pub abandoned: bool,
}

/// Outcome of one session.
#[derive(Debug, Clone, PartialEq)]
pub struct SimResult {
    /// Controller name.
    pub abr: String,
    /// Trace name.
    pub trace: String,
    /// Mean QoE_lin per segment over segments 2..N (Pensieve's figure).
    pub qoe_lin_per_chunk: f64,
    /// Mean bitrate played, kbps.
    pub avg_bitrate_kbps: f64,
    /// Stall time after start-up, seconds.
    pub rebuffer_s: f64,
    /// Stall / (play + stall), start-up excluded.
    pub rebuffer_ratio: f64,
    /// Stalls after start-up.
    pub rebuffer_events: u32,
    /// Rung changes.
    pub switches: u32,
    /// Time to the first segment, seconds.
    pub startup_s: f64,
    /// Per-segment detail.
    pub steps: Vec<Step>,
}

/// Score a played sequence: QoE_lin per segment over segments 2..N, as Pensieve reports it.
pub fn qoe_lin(kbps: &[u64], rebuffer_s: &[f64]) -> f64 {
    if kbps.len() < 2 {
        return 0.0;
    }
    let mut sum = 0.0;
    for k in 1..kbps.len() {
        let br = kbps[k] as f64 / 1000.0;
        let prev = kbps[k - 1] as f64 / 1000.0;
        sum += br - REBUFFER_PENALTY * rebuffer_s[k] - (br - prev).abs();
    }
    sum / (kbps.len() - 1) as f64
}

pub(crate) fn summarize(
    abr: &str,
    trace: &str,
    video: &Video,
    steps: Vec<Step>,
    startup_s: f64,
) -> SimResult {
    let kbps: Vec<u64> = steps.iter().map(|s| s.kbps).collect();
    let rebuf: Vec<f64> = steps.iter().map(|s| s.rebuffer_s).collect();
    let stall: f64 = rebuf[1..].iter().sum();
    let events = rebuf[1..].iter().filter(|&&r| r > 1e-9).count() as u32;
    let switches = steps.windows(2).filter(|w| w[0].rung != w[1].rung).count() as u32;
    let play = video.segment_s * steps.len() as f64;
    SimResult {
        abr: abr.to_owned(),
        trace: trace.to_owned(),
        qoe_lin_per_chunk: qoe_lin(&kbps, &rebuf),
        avg_bitrate_kbps: kbps.iter().sum::<u64>() as f64 / kbps.len() as f64,
        rebuffer_s: stall,
        rebuffer_ratio: stall / (play + stall),
        rebuffer_events: events,
        switches,
        startup_s,
        steps,
    }
}
