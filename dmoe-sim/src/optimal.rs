//! The offline optimum: dynamic programming over (segment, buffer on a 100 ms grid,
//! previous rung) with full knowledge of the trace. Each grid cell keeps the best path that
//! reaches it, with its exact buffer and position in the trace, so the network is simulated
//! exactly along every kept path. It is the reference the online controllers are measured
//! against (an upper bound up to the grid's resolution).

use crate::{Link, Model, SimConfig, SimResult, Step, Trace, Video, summarize};
use dmoe_abr::REBUFFER_PENALTY;

#[derive(Clone)]
struct Cell<'t> {
    reward: f64,
    buffer_s: f64,
    clock_s: f64,
    link: Link<'t>,
    /// Index of the parent cell in the previous layer and the rung taken.
    parent: usize,
    rung: usize,
    rebuf: f64,
}

const GRID_S: f64 = 0.1;

/// One download step from a cell; returns the new cell.
#[allow(clippy::too_many_arguments)]
fn step<'t>(
    from: &Cell<'t>,
    from_idx: usize,
    k: usize,
    q: usize,
    prev: Option<usize>,
    video: &Video,
    cfg: &SimConfig,
) -> Cell<'t> {
    let br = |r: usize| video.bitrates_kbps[r] as f64 / 1000.0;
    let mut link = from.link.clone();
    let bytes = video.sizes[k][q] as f64;
    let delay = match cfg.model {
        Model::Pensieve => link.transfer(bytes, |_, _| true).0 + cfg.rtt_s,
        Model::Realistic => {
            link.idle(cfg.rtt_s);
            link.transfer(bytes, |_, _| true).0 + cfg.rtt_s
        }
    };
    let rebuf = (delay - from.buffer_s).max(0.0);
    let mut buffer = (from.buffer_s - delay).max(0.0) + video.segment_s;
    let mut clock = from.clock_s + delay;
    if buffer > cfg.max_buffer_s {
        let sleep = match cfg.model {
            Model::Pensieve => ((buffer - cfg.max_buffer_s) * 1000.0 / 500.0).ceil() * 0.5,
            Model::Realistic => buffer - cfg.max_buffer_s,
        };
        buffer -= sleep;
        link.idle(sleep);
        clock += sleep;
    }
    let reward = match prev {
        None => 0.0,
        Some(p) => br(q) - REBUFFER_PENALTY * rebuf - (br(q) - br(p)).abs(),
    };
    Cell {
        reward: from.reward + reward,
        buffer_s: buffer,
        clock_s: clock,
        link,
        parent: from_idx,
        rung: q,
        rebuf,
    }
}

/// Run the offline optimum for `trace` and `video` under `cfg.model`.
pub fn optimal(trace: &Trace, video: &Video, cfg: &SimConfig) -> SimResult {
    let n = video.bitrates_kbps.len();
    let buckets = (cfg.max_buffer_s / GRID_S).ceil() as usize + 2;
    let idx = |b: f64, r: usize| ((b / GRID_S).round() as usize).min(buckets - 1) * n + r;
    let mut layers: Vec<Vec<Option<Cell<'_>>>> = Vec::with_capacity(video.segments());

    let root = Cell {
        reward: 0.0,
        buffer_s: 0.0,
        clock_s: 0.0,
        link: Link::new(&trace.time_s, &trace.mbps),
        parent: usize::MAX,
        rung: 0,
        rebuf: 0.0,
    };
    let first_rungs: Vec<usize> = match cfg.model {
        Model::Pensieve => vec![cfg.pensieve_first_rung.min(n - 1)],
        Model::Realistic => (0..n).collect(),
    };
    let mut layer: Vec<Option<Cell<'_>>> = vec![None; buckets * n];
    for &q in &first_rungs {
        let c = step(&root, usize::MAX, 0, q, None, video, cfg);
        let i = idx(c.buffer_s, q);
        // The first segment's start-up wait is not part of QoE_lin; among first rungs
        // prefer the one that starts soonest at equal reward.
        let better = match &layer[i] {
            None => true,
            Some(o) => c.clock_s < o.clock_s,
        };
        if better {
            layer[i] = Some(c);
        }
    }
    layers.push(layer);
    for k in 1..video.segments() {
        let mut next: Vec<Option<Cell<'_>>> = vec![None; buckets * n];
        let prev_layer = &layers[k - 1];
        for (pi, cell) in prev_layer.iter().enumerate() {
            let Some(cell) = cell else { continue };
            for q in 0..n {
                let c = step(cell, pi, k, q, Some(cell.rung), video, cfg);
                let i = idx(c.buffer_s, q);
                let better = match &next[i] {
                    None => true,
                    Some(o) => c.reward > o.reward,
                };
                if better {
                    next[i] = Some(c);
                }
            }
        }
        layers.push(next);
    }
    // Walk back from the best final cell.
    let last = layers.last().map(Vec::as_slice).unwrap_or_default();
    let mut best = None;
    for (i, c) in last.iter().enumerate() {
        if let Some(c) = c {
            if best.is_none_or(|(_, r)| c.reward > r) {
                best = Some((i, c.reward));
            }
        }
    }
    let mut steps = Vec::with_capacity(video.segments());
    let mut at = best.map(|(i, _)| i);
    for k in (0..video.segments()).rev() {
        let Some(i) = at else { break };
        let Some(c) = layers[k][i].as_ref() else {
            break;
        };
        steps.push(Step {
            at_s: c.clock_s,
            rung: c.rung,
            kbps: video.bitrates_kbps[c.rung],
            buffer_s: c.buffer_s,
            rebuffer_s: c.rebuf,
            throughput_mbps: 0.0,
            abandoned: false,
        });
        at = (c.parent != usize::MAX).then_some(c.parent);
    }
    steps.reverse();
    let startup = steps.first().map_or(0.0, |s| s.rebuffer_s);
    summarize("optimal", &trace.name, video, steps, startup)
}
