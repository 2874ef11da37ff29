//! Dual-half-life EWMA weighted by download time, bias-corrected; the estimate is the
//! minimum of the fast and slow averages. This is the estimator hls.js
//! (`EwmaBandWidthEstimator`) and Shaka (`EwmaBandwidthEstimator`) use.

use super::Sample;

/// One exponentially weighted moving average with a half-life in seconds of transfer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ewma {
    /// ln of the weight kept per second of samples (`ln 0.5 / half_life`): weights are
    /// `exp(ln_alpha * seconds)`.
    ln_alpha: f64,
    estimate: f64,
    total_weight: f64,
}

impl Ewma {
    /// An average whose weight halves every `half_life` seconds of samples.
    pub fn new(half_life: f64) -> Self {
        let half_life = if half_life.is_finite() && half_life > 0.0 {
            half_life
        } else {
            1.0
        };
        Self {
            ln_alpha: -std::f64::consts::LN_2 / half_life,
            estimate: 0.0,
            total_weight: 0.0,
        }
    }

    /// Add a value observed over `weight` seconds.
    pub fn sample(&mut self, weight: f64, value: f64) {
        let adj = (self.ln_alpha * weight).exp();
        self.estimate = value * (1.0 - adj) + adj * self.estimate;
        self.total_weight += weight;
    }

    /// The bias-corrected average, None before any sample.
    pub fn estimate(&self) -> Option<f64> {
        if self.total_weight <= 0.0 {
            return None;
        }
        let zero_factor = 1.0 - (self.ln_alpha * self.total_weight).exp();
        (zero_factor > 0.0).then(|| self.estimate / zero_factor)
    }
}

/// Fast and slow EWMAs; the estimate is their minimum (quick to fall, slow to rise).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DualEwma {
    fast: Ewma,
    slow: Ewma,
}

impl Default for DualEwma {
    /// hls.js defaults: half-lives of 3 and 9 seconds.
    fn default() -> Self {
        Self::new(3.0, 9.0)
    }
}

impl DualEwma {
    /// With the given half-lives in seconds.
    pub fn new(fast: f64, slow: f64) -> Self {
        Self {
            fast: Ewma::new(fast),
            slow: Ewma::new(slow),
        }
    }

    /// Add a sample (weighted by its transfer seconds).
    pub fn add(&mut self, s: &Sample) {
        self.fast.sample(s.seconds, s.bps);
        self.slow.sample(s.seconds, s.bps);
    }

    /// min(fast, slow) in bits per second.
    pub fn estimate(&self) -> Option<f64> {
        match (self.fast.estimate(), self.slow.estimate()) {
            (Some(f), Some(s)) => Some(f.min(s)),
            (a, b) => a.or(b),
        }
    }

    /// The fast average alone.
    pub fn fast(&self) -> Option<f64> {
        self.fast.estimate()
    }

    /// Start over on a new network path, keeping the half-lives: empty, or holding only
    /// `expected` (bits per second, as one second of transfer) when it is a usable rate.
    pub fn rebase(&mut self, expected: Option<f64>) {
        for e in [&mut self.fast, &mut self.slow] {
            e.estimate = 0.0;
            e.total_weight = 0.0;
        }
        if let Some(bps) = expected.filter(|b| b.is_finite() && *b > 0.0) {
            self.add(&Sample {
                bps,
                seconds: 1.0,
                bytes: bps / 8.0,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_keeps_half_lives_and_seeds_the_expected_rate() {
        let mut e = DualEwma::new(2.0, 5.0);
        for _ in 0..10 {
            e.add(&Sample {
                bps: 1e6,
                seconds: 1.0,
                bytes: 125_000.0,
            });
        }
        e.rebase(Some(8e6));
        assert!((e.estimate().unwrap() - 8e6).abs() < 1.0);
        let mut fresh = DualEwma::new(2.0, 5.0);
        fresh.add(&Sample {
            bps: 8e6,
            seconds: 1.0,
            bytes: 1e6,
        });
        assert_eq!(e, fresh);
        for bad in [
            None,
            Some(f64::NAN),
            Some(0.0),
            Some(-1.0),
            Some(f64::INFINITY),
        ] {
            e.rebase(bad);
            assert_eq!(e, DualEwma::new(2.0, 5.0), "{bad:?}");
        }
    }

    #[test]
    fn converges_and_is_bias_corrected() {
        let mut e = DualEwma::default();
        assert_eq!(e.estimate(), None);
        e.add(&Sample {
            bps: 4e6,
            seconds: 1.0,
            bytes: 5e5,
        });
        // One sample: the bias-corrected estimate is that sample.
        assert!((e.estimate().unwrap() - 4e6).abs() < 1.0);
        for _ in 0..20 {
            e.add(&Sample {
                bps: 1e6,
                seconds: 1.0,
                bytes: 1.25e5,
            });
        }
        let est = e.estimate().unwrap();
        assert!((1e6..1.1e6).contains(&est), "{est}");
    }

    #[test]
    fn drops_fast_rises_slowly() {
        let mut e = DualEwma::default();
        for _ in 0..30 {
            e.add(&Sample {
                bps: 1e6,
                seconds: 1.0,
                bytes: 1.25e5,
            });
        }
        e.add(&Sample {
            bps: 10e6,
            seconds: 1.0,
            bytes: 1.25e6,
        });
        assert!(e.estimate().unwrap() < 2e6);
        let mut d = DualEwma::default();
        for _ in 0..30 {
            d.add(&Sample {
                bps: 10e6,
                seconds: 1.0,
                bytes: 1.25e6,
            });
        }
        d.add(&Sample {
            bps: 1e6,
            seconds: 2.0,
            bytes: 2.5e5,
        });
        assert!(d.estimate().unwrap() < 7e6);
    }
}
