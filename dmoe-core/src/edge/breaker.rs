//! A circuit breaker per edge: consecutive failures open it, it stays open for an
//! exponentially growing, jittered back-off, then lets one trial request through
//! (half-open); a success closes it, a failure opens it again for longer.

use std::time::Duration;

use crate::Timestamp;

use super::rng::SplitMix;

/// Breaker tuning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerConfig {
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// First open period.
    pub base_backoff: Duration,
    /// Longest open period.
    pub max_backoff: Duration,
    /// Each open period is scaled by a uniform factor in `1 ± jitter`, so a fleet that
    /// saw the same failure does not come back in lockstep.
    pub jitter: f64,
    /// A trial request that was never reported on is forgotten after this long.
    pub trial_timeout: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 2,
            base_backoff: Duration::from_secs(4),
            max_backoff: Duration::from_secs(120),
            jitter: 0.2,
            trial_timeout: Duration::from_secs(30),
        }
    }
}

/// Where a breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum BreakerState {
    /// Requests flow; counts consecutive failures.
    Closed,
    /// No requests until the back-off is over.
    Open,
    /// One trial request may go; its outcome decides.
    HalfOpen,
}

/// A circuit breaker.
#[derive(Debug, Clone)]
pub struct Breaker {
    failures: u32,
    open_until: Option<Timestamp>,
    /// Open period used last time (doubles on each failed trial).
    backoff: Duration,
    trial_started: Option<Timestamp>,
}

impl Default for Breaker {
    fn default() -> Self {
        Self::new()
    }
}

impl Breaker {
    /// A closed breaker.
    pub fn new() -> Self {
        Self {
            failures: 0,
            open_until: None,
            backoff: Duration::ZERO,
            trial_started: None,
        }
    }

    /// The state at `now`.
    pub fn state(&self, now: Timestamp) -> BreakerState {
        match self.open_until {
            None => BreakerState::Closed,
            Some(t) if now < t => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }

    /// Whether a request may go to this edge at `now` (closed, or half-open with no
    /// trial outstanding).
    pub fn allows(&self, now: Timestamp, cfg: &BreakerConfig) -> bool {
        match self.state(now) {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen => self
                .trial_started
                .is_none_or(|t| now.saturating_duration_since(t) >= cfg.trial_timeout),
        }
    }

    /// When the breaker will next let a request through (now, if it already does).
    pub fn reopens_at(&self) -> Option<Timestamp> {
        self.open_until
    }

    /// A request was sent (counts as the trial when half-open).
    pub fn on_request(&mut self, now: Timestamp) {
        if self.state(now) == BreakerState::HalfOpen {
            self.trial_started = Some(now);
        }
    }

    /// A request succeeded: close.
    pub fn on_success(&mut self) {
        self.failures = 0;
        self.open_until = None;
        self.backoff = Duration::ZERO;
        self.trial_started = None;
    }

    /// A request failed. Returns true when this opened (or re-opened) the breaker.
    pub(crate) fn on_failure(
        &mut self,
        now: Timestamp,
        cfg: &BreakerConfig,
        rng: &mut SplitMix,
    ) -> bool {
        self.failures = self.failures.saturating_add(1);
        let trial_failed = self.state(now) == BreakerState::HalfOpen;
        if !trial_failed && self.failures < cfg.failure_threshold.max(1) {
            return false;
        }
        self.backoff = if self.backoff.is_zero() {
            cfg.base_backoff
        } else {
            self.backoff.saturating_mul(2).min(cfg.max_backoff)
        };
        let j = cfg.jitter.clamp(0.0, 0.9);
        let factor = 1.0 + j * (2.0 * rng.unit() - 1.0);
        self.open_until = Some(now.saturating_add(self.backoff.mul_f64(factor)));
        self.trial_started = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_backs_off_trials_and_closes() {
        let cfg = BreakerConfig::default();
        let mut rng = SplitMix::new(7);
        let mut b = Breaker::new();
        let t = Timestamp::from_secs;
        assert!(!b.on_failure(t(0), &cfg, &mut rng));
        assert!(b.allows(t(0), &cfg));
        assert!(b.on_failure(t(1), &cfg, &mut rng));
        assert_eq!(b.state(t(1)), BreakerState::Open);
        let first = b.reopens_at().unwrap();
        let open_s = first.saturating_duration_since(t(1)).as_secs_f64();
        assert!((3.2..=4.8).contains(&open_s), "{open_s}");
        assert_eq!(b.state(first), BreakerState::HalfOpen);
        assert!(b.allows(first, &cfg));
        b.on_request(first);
        assert!(!b.allows(first, &cfg), "one trial at a time");
        // The trial fails: open for about twice as long.
        assert!(b.on_failure(first, &cfg, &mut rng));
        let second = b
            .reopens_at()
            .unwrap()
            .saturating_duration_since(first)
            .as_secs_f64();
        assert!((6.4..=9.6).contains(&second), "{second}");
        b.on_success();
        assert_eq!(b.state(t(1000)), BreakerState::Closed);
    }
}
