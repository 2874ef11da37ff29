//! Throughput estimators. Each accepts [`Sample`]s (bytes over a transfer time) and ignores
//! samples that cannot be trusted: zero or non-finite values, transfers too small to
//! measure, and cache hits.

mod ewma;
mod harmonic;

pub use ewma::{DualEwma, Ewma};
pub use harmonic::{SlidingHarmonic, WINDOW};

use dmoe_core::TransferSample;

/// One throughput observation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sample {
    /// Bits per second.
    pub bps: f64,
    /// Seconds the transfer took (its weight).
    pub seconds: f64,
    /// Bytes transferred.
    pub bytes: f64,
}

/// Why a sample was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Zero, negative, NaN or infinite values.
    Invalid,
    /// Fewer bytes than the minimum: too small to measure.
    TooSmall,
    /// Faster than the cache-hit threshold: served from a cache, not the network.
    CacheHit,
}

/// What counts as a usable sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleFilter {
    /// Smallest transfer used, in bytes (Shaka uses 16 kB).
    pub min_bytes: f64,
    /// Transfers shorter than this many seconds are cache hits (Shaka uses 5 ms).
    pub cache_hit_seconds: f64,
}

impl Default for SampleFilter {
    fn default() -> Self {
        Self {
            min_bytes: 16_000.0,
            cache_hit_seconds: 0.005,
        }
    }
}

impl SampleFilter {
    /// Turn a host transfer into a sample, or say why not. The server's hold time (LL-HLS
    /// blocking, CMSD `ht`) and the time to first byte are excluded from the transfer time.
    pub fn accept(&self, t: &TransferSample) -> Result<Sample, Rejected> {
        let bytes = t.bytes.0 as f64;
        let seconds = t
            .total
            .saturating_sub(t.ttfb)
            .saturating_sub(t.server_hold)
            .as_secs_f64();
        self.accept_raw(bytes, seconds)
    }

    /// The same check on raw numbers.
    pub fn accept_raw(&self, bytes: f64, seconds: f64) -> Result<Sample, Rejected> {
        if !(bytes.is_finite() && seconds.is_finite()) || bytes <= 0.0 || seconds <= 0.0 {
            return Err(Rejected::Invalid);
        }
        if bytes < self.min_bytes {
            return Err(Rejected::TooSmall);
        }
        if seconds < self.cache_hit_seconds {
            return Err(Rejected::CacheHit);
        }
        let bps = bytes * 8.0 / seconds;
        if !bps.is_finite() {
            return Err(Rejected::Invalid);
        }
        Ok(Sample {
            bps,
            seconds,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dmoe_core::ByteCount;
    use std::time::Duration;

    #[test]
    fn filter_excludes_ttfb_and_hold_time() {
        let f = SampleFilter::default();
        let t = TransferSample {
            bytes: ByteCount(1_000_000),
            ttfb: Duration::from_millis(100),
            total: Duration::from_millis(1_600),
            server_hold: Duration::from_millis(500),
        };
        let s = f.accept(&t).unwrap();
        assert!((s.bps - 8_000_000.0).abs() < 1e-6);
        assert_eq!(f.accept_raw(100.0, 1.0), Err(Rejected::TooSmall));
        assert_eq!(f.accept_raw(1e6, 0.001), Err(Rejected::CacheHit));
        assert_eq!(f.accept_raw(f64::NAN, 1.0), Err(Rejected::Invalid));
        assert_eq!(f.accept_raw(1e6, -1.0), Err(Rejected::Invalid));
        assert_eq!(f.accept_raw(f64::INFINITY, 1.0), Err(Rejected::Invalid));
    }
}
