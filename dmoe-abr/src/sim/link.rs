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
