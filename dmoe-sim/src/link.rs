//! A trace-driven link: throughput varies over time as the trace says, and time only moves
//! when the simulation moves it. The stepping reproduces Pensieve's `fixed_env` exactly
//! (goodput = trace Mbps × 0.95, wrap to the second entry at the end, then time 0).

/// Fraction of the trace's throughput that carries payload.
pub const PAYLOAD_PORTION: f64 = 0.95;

/// A position in a trace.
#[derive(Debug, Clone)]
pub struct Link<'t> {
    time: &'t [f64],
    bw: &'t [f64],
    ptr: usize,
    last_time: f64,
}

impl<'t> Link<'t> {
    /// At the start of the trace (`time[0]`), as Pensieve starts each trace.
    pub fn new(time: &'t [f64], bw: &'t [f64]) -> Self {
        Self {
            time,
            bw,
            ptr: 1,
            last_time: time.first().copied().unwrap_or(0.0),
        }
    }

    fn advance_ptr(&mut self) {
        self.ptr += 1;
        if self.ptr >= self.bw.len() {
            self.ptr = 1;
            self.last_time = 0.0;
        }
    }

    /// Bytes per second available now.
    pub fn rate(&self) -> f64 {
        self.bw[self.ptr] * 1e6 / 8.0
    }

    /// Pull `bytes` through the link; returns seconds taken. `on_step` sees
    /// (seconds so far, bytes so far) after each trace interval, for progress reporting,
    /// and may stop the transfer by returning false (the bytes so far are then returned
    /// as the second value).
    pub fn transfer(
        &mut self,
        bytes: f64,
        mut on_step: impl FnMut(f64, f64) -> bool,
    ) -> (f64, f64) {
        let mut delay = 0.0;
        let mut sent = 0.0;
        loop {
            let throughput = self.rate();
            let duration = self.time[self.ptr] - self.last_time;
            let payload = throughput * duration * PAYLOAD_PORTION;
            if sent + payload > bytes {
                let frac = (bytes - sent) / throughput / PAYLOAD_PORTION;
                delay += frac;
                self.last_time += frac;
                return (delay, bytes);
            }
            sent += payload;
            delay += duration;
            self.last_time = self.time[self.ptr];
            self.advance_ptr();
            if !on_step(delay, sent) {
                return (delay, sent);
            }
        }
    }

    /// Let `seconds` pass without transferring (Pensieve's sleep).
    pub fn idle(&mut self, seconds: f64) {
        let mut left = seconds;
        loop {
            let duration = self.time[self.ptr] - self.last_time;
            if duration > left {
                self.last_time += left;
                return;
            }
            left -= duration;
            self.last_time = self.time[self.ptr];
            self.advance_ptr();
        }
    }
}

/// A trace as a function of absolute time, for the simulated players: how many bytes move
/// between two instants, and when a transfer that starts at some instant ends. Value `i` of
/// the trace holds over `(t[i-1], t[i]]` (Pensieve's convention), goodput is
/// [`PAYLOAD_PORTION`] of it, and the trace repeats after its last point. Queries are
/// O(log n) and leave the link unchanged, so any number of transfers (one per edge) can be
/// simulated side by side.
#[derive(Debug, Clone)]
pub struct TraceLink {
    t0: f64,
    /// Time of each point, relative to the first.
    time: Vec<f64>,
    /// Goodput in bytes per second over `(time[i-1], time[i]]` (entry 0 unused).
    rate: Vec<f64>,
    /// Bytes moved from the first point to each point.
    cum: Vec<f64>,
}

impl TraceLink {
    /// The link of a trace.
    pub fn new(trace: &crate::Trace) -> Self {
        let t0 = trace.time_s[0];
        let time: Vec<f64> = trace.time_s.iter().map(|t| t - t0).collect();
        let rate: Vec<f64> = trace
            .mbps
            .iter()
            .map(|m| m.max(0.0) * 1e6 / 8.0 * PAYLOAD_PORTION)
            .collect();
        let mut cum = vec![0.0; time.len()];
        for i in 1..time.len() {
            cum[i] = cum[i - 1] + rate[i] * (time[i] - time[i - 1]);
        }
        Self {
            t0,
            time,
            rate,
            cum,
        }
    }

    fn period(&self) -> f64 {
        self.time[self.time.len() - 1]
    }

    fn lap_bytes(&self) -> f64 {
        self.cum[self.cum.len() - 1]
    }

    /// Bytes moved from the trace's start to absolute time `t` (0 before it).
    fn moved_to(&self, t: f64) -> f64 {
        let rel = (t - self.t0).max(0.0);
        let p = self.period();
        let laps = (rel / p).floor();
        let r = rel - laps * p;
        // The interval (time[i-1], time[i]] that holds r.
        let i = self
            .time
            .partition_point(|&x| x < r)
            .clamp(1, self.time.len() - 1);
        let within = self.cum[i - 1] + self.rate[i] * (r - self.time[i - 1]).max(0.0);
        laps * self.lap_bytes() + within
    }

    /// Goodput at absolute time `t`, bytes per second.
    pub fn rate_at(&self, t: f64) -> f64 {
        let rel = (t - self.t0).max(0.0);
        let p = self.period();
        let r = rel - (rel / p).floor() * p;
        let i = self
            .time
            .partition_point(|&x| x < r)
            .clamp(1, self.time.len() - 1);
        self.rate[i]
    }

    /// The instants at which this link's rate may change, from the trace's start to
    /// `until` (the trace repeated as often as needed).
    fn breakpoints(&self, until: f64) -> Vec<f64> {
        let p = self.period();
        let mut out = Vec::new();
        let mut lap = 0.0;
        while self.t0 + lap <= until {
            out.extend(self.time.iter().map(|t| self.t0 + lap + t));
            lap += p;
        }
        out
    }

    /// The link a transfer gets when it shares `last_mile` with `sharers - 1` others: at
    /// each instant the lower of this link's rate and the last mile's share, until
    /// `until` (after which it repeats).
    pub fn shared(&self, last_mile: &Self, sharers: usize, until: f64) -> Self {
        let n = sharers.max(1) as f64;
        let mut points = self.breakpoints(until);
        points.extend(last_mile.breakpoints(until));
        points.push(0.0);
        points.push(until);
        points.retain(|t| *t >= 0.0 && *t <= until);
        points.sort_by(f64::total_cmp);
        points.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        let mut time = vec![points[0]];
        let mut rate = vec![0.0];
        for w in points.windows(2) {
            let mid = 0.5 * (w[0] + w[1]);
            time.push(w[1]);
            rate.push(self.rate_at(mid).min(last_mile.rate_at(mid) / n));
        }
        let t0 = time[0];
        let time: Vec<f64> = time.iter().map(|t| t - t0).collect();
        let mut cum = vec![0.0; time.len()];
        for i in 1..time.len() {
            cum[i] = cum[i - 1] + rate[i] * (time[i] - time[i - 1]);
        }
        Self {
            t0,
            time,
            rate,
            cum,
        }
    }

    /// Bytes that move between `from` and `to`.
    pub fn bytes_between(&self, from: f64, to: f64) -> f64 {
        (self.moved_to(to) - self.moved_to(from)).max(0.0)
    }

    /// When a transfer of `bytes` that starts at `from` ends.
    pub fn finish(&self, from: f64, bytes: f64) -> f64 {
        let target = self.moved_to(from) + bytes.max(0.0);
        let lap = self.lap_bytes();
        if lap <= 0.0 {
            return f64::INFINITY;
        }
        let laps = (target / lap).floor();
        let mut rem = target - laps * lap;
        let mut base = laps * self.period();
        if rem <= 0.0 && laps > 0.0 {
            // Exactly at a lap's end: the previous lap's last point.
            base -= self.period();
            rem = lap;
        }
        // The first point whose cumulative bytes reach `rem`.
        let i = self
            .cum
            .partition_point(|&c| c < rem)
            .clamp(1, self.cum.len() - 1);
        let rate = self.rate[i];
        let t = if rate > 0.0 {
            self.time[i - 1] + (rem - self.cum[i - 1]) / rate
        } else {
            self.time[i]
        };
        (self.t0 + base + t).max(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_link_moves_what_the_trace_says_and_repeats() {
        // 8 Mb/s over (0, 10], 0 over (10, 20], 4 Mb/s over (20, 30].
        let tr =
            crate::Trace::new("t", vec![0.0, 10.0, 20.0, 30.0], vec![0.0, 8.0, 0.0, 4.0]).unwrap();
        let l = TraceLink::new(&tr);
        let rate = 1e6 * PAYLOAD_PORTION; // bytes per second at 8 Mb/s
        assert!((l.bytes_between(0.0, 10.0) - 10.0 * rate).abs() < 1e-6);
        assert_eq!(l.bytes_between(10.0, 20.0), 0.0);
        // A transfer caught in the dead interval waits for the next.
        let end = l.finish(9.0, 2.0 * rate);
        assert!((end - 22.0).abs() < 1e-9, "{end}");
        // The second lap starts at 30 s.
        assert!((l.bytes_between(30.0, 35.0) - 5.0 * rate).abs() < 1e-6);
        assert!((l.finish(30.0, 5.0 * rate) - 35.0).abs() < 1e-9);
        for from in [0.0, 3.3, 12.0, 27.5, 61.0] {
            for bytes in [1.0, 1e5, 3e6, 2e7] {
                let end = l.finish(from, bytes);
                assert!(
                    (l.bytes_between(from, end) - bytes).abs() < 1e-3,
                    "{from} {bytes}"
                );
            }
        }
    }
}
