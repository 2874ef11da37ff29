//! A trace-driven streaming simulator with a simulated clock: no sleeping, no I/O, fully
//! repeatable. It drives any [`AbrController`] through a video over a throughput trace and
//! scores the session with QoE_lin.
//!
//! Two network models:
//! - [`Model::Pensieve`]: exactly Pensieve's `fixed_env` (Mao et al., SIGCOMM 2017): goodput
//!   = trace × 0.95, an 80 ms RTT added to each download without advancing the trace, the
//!   trace looping at its end, a 60 s buffer drained in 500 ms sleeps, the first segment
//!   forced to rung 1, no abandonment.
//! - [`Model::Realistic`] (default): the ABR chooses the first segment, the RTT passes on
//!   the trace's clock before the first byte, progress is reported during downloads and
//!   the ABR may abandon a segment and refetch it lower.

mod builtin;
#[cfg(feature = "hls")]
pub mod edges;
pub mod host;
mod link;
mod optimal;

use std::time::Duration;

use dmoe_core::{
    AbrContext, AbrController, ByteCount, Caps, InFlight, Ladder, PathEstimate, PlaybackState,
    Timestamp, TransferSample,
};

pub use builtin::{builtin_traces, builtin_video, builtin_video_of};
pub use link::{Link, PAYLOAD_PORTION};
pub use optimal::optimal;

use crate::REBUFFER_PENALTY;

/// A throughput trace: `(time_s, Mbps)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Name (file name).
    pub name: String,
    /// Times in seconds, ascending.
    pub time_s: Vec<f64>,
    /// Throughput in Mbps at each time.
    pub mbps: Vec<f64>,
}

/// Why a trace or ladder could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimInputError {
    /// A line is not `time throughput`.
    #[error("line {line}: expected `time_s throughput_Mbps`")]
    BadTraceLine {
        /// 1-based line.
        line: usize,
    },
    /// A trace needs at least two points with increasing times and positive throughput.
    #[error("trace needs at least two points, increasing times and some positive throughput")]
    DegenerateTrace,
    /// Segment sizes are missing or inconsistent with the bitrates.
    #[error("video: {0}")]
    BadVideo(&'static str),
}

impl Trace {
    /// Parse Pensieve's format: one `time_s throughput_Mbps` pair per line.
    pub fn parse(name: &str, text: &str) -> Result<Self, SimInputError> {
        let mut time_s = Vec::new();
        let mut mbps = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let mut it = line.split_whitespace();
            let (Some(t), Some(b)) = (it.next(), it.next()) else {
                if line.trim().is_empty() {
                    continue;
                }
                return Err(SimInputError::BadTraceLine { line: i + 1 });
            };
            let (Ok(t), Ok(b)) = (t.parse::<f64>(), b.parse::<f64>()) else {
                return Err(SimInputError::BadTraceLine { line: i + 1 });
            };
            if !t.is_finite() || !b.is_finite() || b < 0.0 {
                return Err(SimInputError::BadTraceLine { line: i + 1 });
            }
            time_s.push(t);
            mbps.push(b);
        }
        Self::new(name, time_s, mbps)
    }

    /// A trace from points; validated.
    pub fn new(name: &str, time_s: Vec<f64>, mbps: Vec<f64>) -> Result<Self, SimInputError> {
        let ok = time_s.len() >= 2
            && time_s.len() == mbps.len()
            && time_s.windows(2).all(|w| w[1] > w[0])
            && mbps[1..].iter().any(|&b| b > 0.0)
            && time_s[0] >= 0.0;
        if !ok {
            return Err(SimInputError::DegenerateTrace);
        }
        Ok(Self {
            name: name.to_owned(),
            time_s,
            mbps,
        })
    }

    /// Mean throughput over the trace, Mbps (time-weighted).
    pub fn mean_mbps(&self) -> f64 {
        let mut area = 0.0;
        for i in 1..self.time_s.len() {
            area += self.mbps[i] * (self.time_s[i] - self.time_s[i - 1]);
        }
        area / (self.time_s[self.time_s.len() - 1] - self.time_s[0]).max(1e-9)
    }
}

/// A video: a ladder and the byte size of every segment at every rung.
#[derive(Debug, Clone, PartialEq)]
pub struct Video {
    /// Segment duration in seconds.
    pub segment_s: f64,
    /// Bitrates in kbps, ascending.
    pub bitrates_kbps: Vec<u64>,
    /// `sizes[segment][rung]` in bytes.
    pub sizes: Vec<Vec<u64>>,
    /// Sizes listed after the segments played (Pensieve's files hold a 49th that its
    /// simulator never plays but its RobustMPC reads when it looks one segment too far).
    /// Controllers see them at the end of the upcoming sizes; they are never downloaded.
    pub beyond: Vec<Vec<u64>>,
}

impl Video {
    /// Validate and build.
    pub fn new(
        segment_s: f64,
        bitrates_kbps: Vec<u64>,
        sizes: Vec<Vec<u64>>,
    ) -> Result<Self, SimInputError> {
        if !(segment_s.is_finite() && segment_s > 0.0) {
            return Err(SimInputError::BadVideo("segment duration must be positive"));
        }
        if bitrates_kbps.is_empty() || bitrates_kbps.windows(2).any(|w| w[1] <= w[0]) {
            return Err(SimInputError::BadVideo(
                "bitrates must be ascending and non-empty",
            ));
        }
        if sizes.len() < 2 || sizes.iter().any(|row| row.len() != bitrates_kbps.len()) {
            return Err(SimInputError::BadVideo(
                "need two or more segments with a size per rung",
            ));
        }
        Ok(Self {
            segment_s,
            bitrates_kbps,
            sizes,
            beyond: Vec::new(),
        })
    }

    /// From one size list per rung (Pensieve's `video_size_<rung>` files), keeping the first
    /// `segments` entries (all common ones when None). Pensieve's files hold 49 sizes of
    /// which its simulator plays 48.
    pub fn from_per_rung(
        segment_s: f64,
        bitrates_kbps: Vec<u64>,
        per_rung: &[Vec<u64>],
        segments: Option<usize>,
    ) -> Result<Self, SimInputError> {
        if per_rung.len() != bitrates_kbps.len() {
            return Err(SimInputError::BadVideo(
                "one size list per bitrate is needed",
            ));
        }
        let common = per_rung.iter().map(Vec::len).min().unwrap_or(0);
        let n = segments.map_or(common, |s| s.min(common));
        let row = |k: usize| per_rung.iter().map(|r| r[k]).collect();
        let mut video = Self::new(segment_s, bitrates_kbps, (0..n).map(row).collect())?;
        video.beyond = (n..common).map(row).collect();
        Ok(video)
    }

    /// The ladder.
    pub fn ladder(&self) -> Ladder {
        // Invariant: validated non-empty, positive bitrates.
        Ladder::from_kbps(&self.bitrates_kbps).expect("validated ladder")
    }

    /// Every listed size, segment-major (`[segment * rungs + rung]`), the played segments
    /// then those beyond: the upcoming sizes a controller sees.
    pub fn flat_sizes(&self) -> Vec<u64> {
        self.sizes
            .iter()
            .chain(&self.beyond)
            .flatten()
            .copied()
            .collect()
    }

    /// Number of segments.
    pub fn segments(&self) -> usize {
        self.sizes.len()
    }
}

/// The network model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Model {
    /// Pensieve's `fixed_env`.
    Pensieve,
    /// ABR-chosen first segment, RTT on the clock, progress and abandonment.
    #[default]
    Realistic,
}

/// Simulation parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimConfig {
    /// Network model.
    pub model: Model,
    /// Round-trip time per request, seconds (Pensieve: 0.08).
    pub rtt_s: f64,
    /// Largest buffer, seconds (Pensieve: 60).
    pub max_buffer_s: f64,
    /// Rung of the first segment in the Pensieve model.
    pub pensieve_first_rung: usize,
    /// Progress report interval in the realistic model, seconds.
    pub progress_s: f64,
    /// A diagnostic, not a player: before every decision the controller is told, through
    /// [`AbrController::on_path_change`], the throughput the next segment will really see
    /// (fetched at the previous rung, measured as the controller's own sample of that
    /// transfer will measure it) and the time to first byte. How a controller does with this
    /// perfect one-segment prediction bounds what a better throughput predictor could give
    /// it; the rest of its distance to the offline optimum is planning.
    pub oracle_hint: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            model: Model::Realistic,
            rtt_s: 0.08,
            max_buffer_s: 60.0,
            pensieve_first_rung: 1,
            progress_s: 0.25,
            oracle_hint: false,
        }
    }
}

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

fn summarize(abr: &str, trace: &str, video: &Video, steps: Vec<Step>, startup_s: f64) -> SimResult {
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

/// Run one session.
pub fn simulate(
    ctrl: &mut dyn AbrController,
    trace: &Trace,
    video: &Video,
    cfg: &SimConfig,
) -> SimResult {
    match cfg.model {
        Model::Pensieve => pensieve(ctrl, trace, video, cfg),
        Model::Realistic => realistic(ctrl, trace, video, cfg),
    }
}

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

fn pensieve(
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

fn realistic(
    ctrl: &mut dyn AbrController,
    trace: &Trace,
    video: &Video,
    cfg: &SimConfig,
) -> SimResult {
    let ladder = video.ladder();
    let flat = video.flat_sizes();
    let mut link = Link::new(&trace.time_s, &trace.mbps);
    let mut buffer = 0.0f64;
    let mut clock = 0.0f64;
    let mut steps = Vec::with_capacity(video.segments());
    let mut previous = None;
    let mut startup = 0.0;
    ctrl.on_playback(Timestamp::from_micros(0), PlaybackState::Starting);
    for k in 0..video.segments() {
        let ctx = context(
            &ladder,
            video,
            &flat,
            k,
            buffer,
            previous,
            cfg.max_buffer_s,
            clock,
        );
        if cfg.oracle_hint {
            let bytes = video.sizes[k][previous.unwrap_or(0)] as f64;
            let mut ahead = link.clone();
            ahead.idle(cfg.rtt_s);
            let (secs, _) = ahead.transfer(bytes, |_, _| true);
            hint(ctrl, clock, bytes, secs, cfg.rtt_s);
        }
        let mut rung = ctrl.choose(&ctx).rung.min(ladder.len() - 1);
        let mut abandoned = false;
        let mut stall = 0.0;
        let (bytes, total) = loop {
            let bytes = video.sizes[k][rung] as f64;
            // The request's round trip passes on the trace's clock.
            link.idle(cfg.rtt_s);
            let mut elapsed = cfg.rtt_s;
            let mut abandon_to = None;
            let start_buffer = buffer;
            let (secs, got) = {
                let mut next_report = cfg.progress_s;
                let ctrl_ref = &mut *ctrl;
                link.transfer(bytes, |t, b| {
                    if t < next_report || k == 0 {
                        return true;
                    }
                    next_report = t + cfg.progress_s;
                    let now = clock + cfg.rtt_s + t;
                    ctrl_ref.on_progress(
                        Timestamp::from_micros((now * 1e6) as u64),
                        &sample(b, 0.0, t),
                    );
                    let buf_now = (start_buffer - cfg.rtt_s - t).max(0.0);
                    let c = context(
                        &ladder,
                        video,
                        &flat,
                        k,
                        buf_now,
                        previous,
                        cfg.max_buffer_s,
                        now,
                    );
                    let f = InFlight {
                        rung,
                        received: ByteCount(b as u64),
                        expected: ByteCount(bytes as u64),
                        elapsed: Duration::from_secs_f64(cfg.rtt_s + t),
                    };
                    match ctrl_ref.should_abandon(&c, &f) {
                        Some(r) if r < rung => {
                            abandon_to = Some(r);
                            false
                        }
                        _ => true,
                    }
                })
            };
            elapsed += secs;
            // Time passes: the buffer drains, a stall accrues when it runs out.
            if k > 0 {
                stall += (elapsed - buffer).max(0.0);
            }
            buffer = (buffer - elapsed).max(0.0);
            clock += elapsed;
            match abandon_to {
                Some(r) => {
                    let _ = got;
                    abandoned = true;
                    rung = r;
                }
                None => break (bytes, elapsed),
            }
        };
        if k == 0 {
            startup = clock;
            ctrl.on_playback(
                Timestamp::from_micros((clock * 1e6) as u64),
                PlaybackState::Playing,
            );
        }
        buffer += video.segment_s;
        if buffer > cfg.max_buffer_s {
            let wait = buffer - cfg.max_buffer_s;
            link.idle(wait);
            clock += wait;
            buffer = cfg.max_buffer_s;
        }
        ctrl.on_segment_complete(
            Timestamp::from_micros((clock * 1e6) as u64),
            &sample(bytes, cfg.rtt_s, total),
        );
        steps.push(Step {
            at_s: clock,
            rung,
            kbps: video.bitrates_kbps[rung],
            buffer_s: buffer,
            rebuffer_s: if k == 0 { startup } else { stall },
            throughput_mbps: bytes * 8.0 / (total - cfg.rtt_s).max(1e-9) / 1e6,
            abandoned,
        });
        previous = Some(rung);
    }
    summarize(ctrl.name(), &trace.name, video, steps, startup)
}
