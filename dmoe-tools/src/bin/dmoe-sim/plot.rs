//! `--plot`: one SVG figure per trace, three panels sharing the time axis — the bitrate
//! each controller played, its buffer, and the throughput its transfers measured over the
//! trace's own — with tick values and units on both axes and a legend.

use std::fmt::Write as _;

use dmoe_sim::{SimResult, Trace};

const COLORS: [&str; 8] = [
    "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];
const W: f64 = 1000.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 60.0;
const PANEL_H: f64 = 190.0;
const GAP: f64 = 48.0;

/// A "nice" axis step for a range of `span` with about `n` ticks.
fn step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f < 1.5 {
        1.0
    } else if f < 3.0 {
        2.0
    } else if f < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

struct Panel {
    top: f64,
    max: f64,
    t_max: f64,
}

impl Panel {
    fn x(&self, t: f64) -> f64 {
        LEFT + (W - LEFT - RIGHT) * (t / self.t_max).clamp(0.0, 1.0)
    }
    fn y(&self, v: f64) -> f64 {
        self.top + PANEL_H - PANEL_H * (v / self.max).clamp(0.0, 1.0)
    }

    /// Frame, grid, tick labels and the axis title.
    fn axes(&self, svg: &mut String, title: &str, last: bool) {
        let _ = write!(
            svg,
            r##"<rect x="{LEFT}" y="{}" width="{}" height="{PANEL_H}" fill="none" stroke="#444"/>"##,
            self.top,
            W - LEFT - RIGHT
        );
        let ys = step(self.max, 4.0);
        let mut v = 0.0;
        while v <= self.max + 1e-9 {
            let y = self.y(v);
            let _ = write!(
                svg,
                r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
                W - RIGHT,
                LEFT - 6.0,
                y + 4.0,
                trim(v)
            );
            v += ys;
        }
        let xs = step(self.t_max, 10.0);
        let mut t = 0.0;
        while t <= self.t_max + 1e-9 {
            let x = self.x(t);
            let _ = write!(
                svg,
                r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#eee"/>"##,
                self.top,
                self.top + PANEL_H
            );
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                self.top + PANEL_H + 15.0,
                trim(t)
            );
            t += xs;
        }
        let _ = write!(
            svg,
            r##"<text x="{LEFT}" y="{:.1}" font-weight="bold">{}</text>"##,
            self.top - 8.0,
            escape(title)
        );
        if last {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">time (s)</text>"##,
                LEFT + (W - LEFT - RIGHT) / 2.0,
                self.top + PANEL_H + 34.0
            );
        }
    }

    fn line(&self, svg: &mut String, pts: &[(f64, f64)], color: &str, width: f64) {
        if pts.is_empty() {
            return;
        }
        let mut p = String::new();
        for (t, v) in pts {
            let _ = write!(p, "{:.1},{:.1} ", self.x(*t), self.y(*v));
        }
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{color}" stroke-width="{width}" points="{}"/>"#,
            p.trim_end()
        );
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The figure of one trace.
pub(crate) fn figure(results: &[&SimResult], trace: &Trace) -> String {
    let t_max = results
        .iter()
        .flat_map(|r| r.steps.last().map(|s| s.at_s))
        .fold(1.0f64, f64::max);
    let top_kbps = results
        .iter()
        .flat_map(|r| r.steps.iter().map(|s| s.kbps as f64))
        .fold(1.0f64, f64::max);
    let top_buffer = results
        .iter()
        .flat_map(|r| r.steps.iter().map(|s| s.buffer_s))
        .fold(1.0f64, f64::max);
    let trace_max = trace
        .time_s
        .iter()
        .zip(&trace.mbps)
        .filter(|(t, _)| **t <= t_max)
        .map(|(_, m)| *m)
        .fold(1.0f64, f64::max);
    let tput_max = results
        .iter()
        .flat_map(|r| r.steps.iter().map(|s| s.throughput_mbps))
        .fold(trace_max, f64::max);
    let panels = [
        ("bitrate played (kb/s)", top_kbps * 1.1),
        ("buffer (s)", top_buffer * 1.1),
        (
            "throughput (Mb/s): trace (grey) and measured",
            tput_max * 1.1,
        ),
    ];
    let h = TOP + 3.0 * (PANEL_H + GAP) + 40.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>"#
    );
    let _ = write!(
        svg,
        r#"<text x="{LEFT}" y="24" font-size="16" font-weight="bold">dmoe-sim: trace {}</text>"#,
        escape(&trace.name)
    );
    // Legend.
    let mut lx = LEFT;
    for (i, r) in results.iter().enumerate() {
        let c = COLORS[i % COLORS.len()];
        let label = format!(
            "{} (QoE_lin {:.3}, {} stalls, {} switches)",
            r.abr, r.qoe_lin_per_chunk, r.rebuffer_events, r.switches
        );
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="36" width="14" height="4" fill="{c}"/><text x="{}" y="42">{}</text>"#,
            lx + 18.0,
            escape(&label)
        );
        lx += 30.0 + 6.5 * label.len() as f64;
    }
    let panel = |i: usize| Panel {
        top: TOP + 10.0 + i as f64 * (PANEL_H + GAP),
        max: panels[i].1,
        t_max,
    };
    for (i, (title, _)) in panels.iter().enumerate() {
        panel(i).axes(&mut svg, title, i == 2);
    }
    // The trace itself under the measured throughput.
    let mut tp = Vec::new();
    let mut prev = 0.0;
    for (t, m) in trace.time_s.iter().zip(&trace.mbps) {
        if *t > t_max {
            break;
        }
        tp.push((prev, *m));
        tp.push((*t, *m));
        prev = *t;
    }
    panel(2).line(&mut svg, &tp, "#bbb", 1.0);
    for (i, r) in results.iter().enumerate() {
        let c = COLORS[i % COLORS.len()];
        // Bitrate as a step: each segment's rung from its arrival on.
        let mut br = Vec::new();
        for w in r.steps.windows(2) {
            br.push((w[0].at_s, w[0].kbps as f64));
            br.push((w[1].at_s, w[0].kbps as f64));
        }
        panel(0).line(&mut svg, &br, c, 1.8);
        let buf: Vec<(f64, f64)> = r.steps.iter().map(|s| (s.at_s, s.buffer_s)).collect();
        panel(1).line(&mut svg, &buf, c, 1.5);
        let tput: Vec<(f64, f64)> = r
            .steps
            .iter()
            .map(|s| (s.at_s, s.throughput_mbps))
            .collect();
        panel(2).line(&mut svg, &tput, c, 1.2);
    }
    svg.push_str("</svg>\n");
    svg
}

/// Write one figure per trace; returns the paths written.
pub(crate) fn write(
    path: &str,
    results: &[SimResult],
    traces: &[Trace],
) -> Result<Vec<String>, String> {
    let mut written = Vec::new();
    for t in traces {
        let runs: Vec<&SimResult> = results.iter().filter(|r| r.trace == t.name).collect();
        let file = if traces.len() == 1 {
            path.to_owned()
        } else {
            let stem = path.strip_suffix(".svg").unwrap_or(path);
            let name: String = t
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("{stem}-{name}.svg")
        };
        std::fs::write(&file, figure(&runs, t)).map_err(|e| format!("{file}: {e}"))?;
        written.push(file);
    }
    Ok(written)
}
