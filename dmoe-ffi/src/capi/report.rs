//! What a session reports: the QoE figures typed, the telemetry report as JSON, and
//! whether the session is over.

use std::time::Duration;

use super::{Session, dmoe_agent, dmoe_status, with_agent};
use dmoe_status::*;

/// The QoE figures of a session so far (the typed form of the telemetry report's `qoe`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct dmoe_qoe {
    /// Whether the first frame played (`startup_us` is meaningful).
    pub started: bool,
    /// From the first input to the first frame, microseconds.
    pub startup_us: u64,
    /// Stalls after start-up.
    pub rebuffer_count: u32,
    /// Stall time after start-up, microseconds.
    pub rebuffer_us: u64,
    /// Time spent playing, microseconds.
    pub play_us: u64,
    /// Average bitrate of the media fetched, weighted by media duration, bits per second.
    pub avg_bitrate_bps: f64,
    /// Rendition switches.
    pub switches: u32,
    /// Sum of the switches' sizes, bits per second.
    pub switch_bps_total: u64,
    /// Frames dropped, as reported.
    pub dropped_frames: u64,
    /// Frames decoded, as reported.
    pub total_frames: u64,
    /// Whether a live latency was reported (`latency_us` is meaningful).
    pub has_latency: bool,
    /// Latest latency to the live edge, microseconds.
    pub latency_us: u64,
    /// Edge switches.
    pub edge_switches: u32,
    /// CMSD headers or manifests that could not be read.
    pub diagnostics: u32,
    /// Whether the session is over (a VOD played to its end; `DMOE_OUTPUT_END` went out).
    pub over: bool,
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The QoE figures so far, typed, into `*out`.
///
/// # Safety
/// `agent` is a handle; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_qoe(agent: *mut dmoe_agent, out: *mut dmoe_qoe) -> dmoe_status {
    if out.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    with_agent(agent, |a| {
        let (q, over) = match &a.session {
            Session::Agent(x) => (x.qoe(), x.is_over()),
            Session::Advisor(x) => (x.qoe(), x.is_over()),
        };
        let typed = dmoe_qoe {
            started: q.startup.is_some(),
            startup_us: q.startup.map_or(0, micros),
            rebuffer_count: q.rebuffer_count,
            rebuffer_us: micros(q.rebuffer_time),
            play_us: micros(q.play_time),
            avg_bitrate_bps: q.avg_bitrate_bps,
            switches: q.switches,
            switch_bps_total: q.switch_bps_total,
            dropped_frames: q.dropped_frames,
            total_frames: q.total_frames,
            has_latency: q.latency.is_some(),
            latency_us: q.latency.map_or(0, micros),
            edge_switches: q.edge_switches,
            diagnostics: q.diagnostics,
            over,
        };
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(typed) };
        Ok(DMOE_STATUS_OK)
    })
}

/// The telemetry report now, as JSON (what `DMOE_OUTPUT_TELEMETRY` carries, for the
/// controller): a view valid until the next call that takes the handle.
///
/// # Safety
/// `agent` is a handle; `out_json` and `out_len` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_report(
    agent: *mut dmoe_agent,
    out_json: *mut *const u8,
    out_len: *mut usize,
) -> dmoe_status {
    if out_json.is_null() || out_len.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    with_agent(agent, |a| {
        a.report = match &a.session {
            Session::Agent(x) => x.report(),
            Session::Advisor(x) => x.report(),
        };
        // SAFETY: both checked non-NULL; the caller promises they are writable.
        unsafe {
            *out_json = a.report.as_ptr();
            *out_len = a.report.len();
        }
        Ok(DMOE_STATUS_OK)
    })
}
