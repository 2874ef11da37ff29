//! Sliding-window harmonic mean with a prediction-error discount, as RobustMPC (Yin et al.,
//! "A Control-Theoretic Approach for Dynamic Adaptive Video Streaming over HTTP",
//! SIGCOMM 2015) predicts throughput: the harmonic mean of the last 5 samples, divided by
//! 1 + the largest relative prediction error of the last 5 predictions.

use super::Sample;
use crate::ring::Ring;

/// Window of samples and of errors.
pub const WINDOW: usize = 5;

/// The RobustMPC predictor.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlidingHarmonic {
    samples: Ring<f64, WINDOW>,
    errors: Ring<f64, WINDOW>,
    last_prediction: Option<f64>,
}

impl SlidingHarmonic {
    /// Add a sample: record how wrong the last prediction was, then predict again.
    pub fn add(&mut self, s: &Sample) {
        let err = match self.last_prediction {
            Some(p) => (p - s.bps).abs() / s.bps,
            None => 0.0,
        };
        self.errors.push(err);
        self.samples.push(s.bps);
        self.last_prediction = self.harmonic_mean();
    }

    /// Harmonic mean of the window, bits per second.
    pub fn harmonic_mean(&self) -> Option<f64> {
        if self.samples.is_empty() {
            return None;
        }
        let inv: f64 = self.samples.iter().map(|v| 1.0 / v).sum();
        (inv > 0.0).then(|| self.samples.len() as f64 / inv)
    }

    /// Largest relative error of the recent predictions.
    pub fn max_error(&self) -> f64 {
        self.errors.iter().fold(0.0, f64::max)
    }

    /// Mean relative error of the recent predictions.
    pub fn mean_error(&self) -> f64 {
        if self.errors.is_empty() {
            0.0
        } else {
            self.errors.iter().sum::<f64>() / self.errors.len() as f64
        }
    }

    /// The robust prediction: harmonic mean / (1 + max error).
    pub fn robust(&self) -> Option<f64> {
        self.harmonic_mean().map(|h| h / (1.0 + self.max_error()))
    }

    /// Number of samples in the window.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True before the first sample.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The most recent sample.
    pub fn last(&self) -> Option<f64> {
        self.samples.last()
    }

    /// The lowest of the newest `n` samples, when there are at least `n`.
    pub fn recent_min(&self, n: usize) -> Option<f64> {
        if n == 0 || self.samples.len() < n {
            return None;
        }
        Some(self.samples.recent(n).fold(f64::INFINITY, f64::min))
    }

    /// Forget the samples but keep the error history and the last prediction.
    pub fn clear_samples(&mut self) {
        self.samples.clear();
    }

    /// Start over on a new path: the window holds only `expected` (when known), which
    /// is also the prediction the next sample's error is measured against. The error
    /// history stays: it describes how predictable the network is.
    pub fn rebase(&mut self, expected: Option<f64>) {
        self.samples.clear();
        self.last_prediction = None;
        if let Some(bps) = expected.filter(|b| b.is_finite() && *b > 0.0) {
            self.samples.push(bps);
            self.last_prediction = Some(bps);
        }
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(bps: f64) -> Sample {
        Sample {
            bps,
            seconds: 1.0,
            bytes: bps / 8.0,
        }
    }

    #[test]
    fn harmonic_and_error_discount() {
        let mut h = SlidingHarmonic::default();
        h.add(&s(1e6));
        h.add(&s(2e6));
        // Harmonic mean of 1 and 2 Mbps is 4/3 Mbps.
        assert!((h.harmonic_mean().unwrap() - 4e6 / 3.0).abs() < 1.0);
        // The prediction after the first sample was 1 Mbps; the error was |1-2|/2 = 0.5.
        assert!((h.max_error() - 0.5).abs() < 1e-12);
        assert!((h.robust().unwrap() - 4e6 / 3.0 / 1.5).abs() < 1.0);
        for _ in 0..10 {
            h.add(&s(3e6));
        }
        assert!((h.harmonic_mean().unwrap() - 3e6).abs() < 1.0);
        assert!(h.max_error() < 1e-12);
    }

    #[test]
    fn recent_min_reads_only_the_newest_samples() {
        let mut h = SlidingHarmonic::default();
        assert_eq!(h.recent_min(1), None);
        h.add(&s(1e6));
        assert_eq!(h.recent_min(2), None);
        h.add(&s(5e6));
        h.add(&s(4e6));
        assert_eq!(h.recent_min(2), Some(4e6));
        assert_eq!(h.recent_min(3), Some(1e6));
        assert_eq!(h.recent_min(0), None);
        assert_eq!(h.recent_min(WINDOW + 1), None);
    }
}
