//! Pensieve's simulation model (its `fixed_env`), controller-level: the model the published
//! baselines (RobustMPC, BBA, Pensieve itself) were measured under, reproduced exactly so
//! that their figures can be checked here. It drives an [`AbrController`] directly, not the
//! agent: it exists to compare with published numbers under their exact rules (the first
//! segment forced to rung 1, the RTT off the trace's clock, no abandonment, upcoming sizes
//! known exactly). Every other figure is measured through the agent ([`crate::realistic`]).

use std::time::Duration;

use dmoe_core::{
    AbrContext, AbrController, ByteCount, Caps, Ladder, PathEstimate, PlaybackState, Timestamp,
    TransferSample,
};

use crate::{Link, SimConfig, SimResult, Step, Trace, Video, summarize};

#[allow(clippy::too_many_arguments)]
fn context<'a>(
    ladder: &'a Ladder,
    video: &'a Video,
    flat: &'a [u64],
    k: usize,
    buffer_s: f64,
    previous: Option<usize>,
    max_buffer_s: f64,
    now_s: f64,
) -> AbrContext<'a> {
    let n = ladder.len();
    AbrContext {
        now: Timestamp::from_micros((now_s * 1e6) as u64),
        ladder,
        buffer: Duration::from_secs_f64(buffer_s.max(0.0)),
        max_buffer: Duration::from_secs_f64(max_buffer_s),
        previous,
        segment_duration: Duration::from_secs_f64(video.segment_s),
        upcoming_sizes: &flat[(k * n).min(flat.len())..],
        segments_remaining: Some((video.segments() - k) as u32),
        state: PlaybackState::Playing,
        playback_rate: 1.0,
        caps: Caps::default(),
        live: None,
    }
}

/// Tell the controller ([`SimConfig::oracle_hint`]) the throughput of a transfer of
/// `bytes` that takes `secs` after its first byte, measured as its own sample of that
/// transfer would measure it, and the time to first byte.
fn hint(ctrl: &mut dyn AbrController, clock_s: f64, bytes: f64, secs: f64, ttfb: f64) {
    ctrl.on_path_change(
        Timestamp::from_micros((clock_s * 1e6) as u64),
        &PathEstimate {
            throughput_bps: Some(bytes * 8.0 / secs.max(1e-9)),
            ttfb: Duration::try_from_secs_f64(ttfb.max(0.0)).ok(),
            measured: true,
        },
    );
}

fn sample(bytes: f64, ttfb: f64, total: f64) -> TransferSample {
    TransferSample {
        bytes: ByteCount(bytes as u64),
        ttfb: Duration::from_secs_f64(ttfb.max(0.0)),
        total: Duration::from_secs_f64(total.max(0.0)),
        server_hold: Duration::ZERO,
    }
}

/// Run one session under Pensieve's model.
pub fn simulate(
    ctrl: &mut dyn AbrController,
    trace: &Trace,
    video: &Video,
    cfg: &SimConfig,
) -> SimResult {
    let ladder = video.ladder();
    let flat = video.flat_sizes();
    let mut link = Link::new(&trace.time_s, &trace.mbps);
    let mut buffer_ms = 0.0f64;
    let mut clock_s = 0.0;
    let mut steps = Vec::with_capacity(video.segments());
    let mut previous = None;
    let mut rung = cfg.pensieve_first_rung.min(ladder.len() - 1);
    let mut startup = 0.0;
    for k in 0..video.segments() {
        if k > 0 {
            let ctx = context(
                &ladder,
                video,
                &flat,
                k,
                buffer_ms / 1000.0,
                previous,
                cfg.max_buffer_s,
                clock_s,
            );
            if cfg.oracle_hint {
                let bytes = video.sizes[k][previous.unwrap_or(rung)] as f64;
                // The round trip does not advance Pensieve's trace, and its samples count
                // it as transfer time.
                let (secs, _) = link.clone().transfer(bytes, |_, _| true);
                hint(ctrl, clock_s, bytes, secs + cfg.rtt_s, 0.0);
            }
            // Whatever preparation the controller does (the hybrid's planning table), done
            // before the decision, as Pensieve's controllers plan with nothing pending.
            while ctrl.prepare(&ctx) {}
            rung = ctrl.choose(&ctx).rung.min(ladder.len() - 1);
        }
        let bytes = video.sizes[k][rung] as f64;
        let (secs, _) = link.transfer(bytes, |_, _| true);
        let delay_ms = secs * 1000.0 + cfg.rtt_s * 1000.0;
        let rebuf_ms = (delay_ms - buffer_ms).max(0.0);
        buffer_ms = (buffer_ms - delay_ms).max(0.0) + video.segment_s * 1000.0;
        clock_s += delay_ms / 1000.0;
        let cap_ms = cfg.max_buffer_s * 1000.0;
        if buffer_ms > cap_ms {
            let sleep_ms = ((buffer_ms - cap_ms) / 500.0).ceil() * 500.0;
            buffer_ms -= sleep_ms;
            link.idle(sleep_ms / 1000.0);
            clock_s += sleep_ms / 1000.0;
        }
        if k == 0 {
            startup = rebuf_ms / 1000.0;
        }
        ctrl.on_segment_complete(
            Timestamp::from_micros((clock_s * 1e6) as u64),
            &sample(bytes, 0.0, delay_ms / 1000.0),
        );
        steps.push(Step {
            at_s: clock_s,
            rung,
            kbps: video.bitrates_kbps[rung],
            buffer_s: buffer_ms / 1000.0,
            rebuffer_s: rebuf_ms / 1000.0,
            throughput_mbps: bytes * 8.0 / delay_ms / 1000.0,
            abandoned: false,
        });
        previous = Some(rung);
    }
    summarize(ctrl.name(), &trace.name, video, steps, startup)
}
