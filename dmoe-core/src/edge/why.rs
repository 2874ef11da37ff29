//! Why an edge was chosen: the selector's reason and figures, and the sentence made from
//! them at the boundary.

use std::time::Duration;

use super::{EdgeId, EdgeSelector, RequestFailure};

/// Why an edge was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum EdgeReason {
    /// The first choice: the controller's order, then rendezvous among equals.
    Start,
    /// Kept the current edge.
    Stay,
    /// A measured edge is clearly faster.
    Faster,
    /// The current edge cannot sustain the rendition; this one can.
    CannotSustain,
    /// The request failed on another edge; retried here.
    Failover,
    /// The current edge signalled duress (CMSD `du`).
    Duress,
    /// The current edge's breaker is open.
    BreakerOpen,
    /// The controller's steering manifest no longer lists the current edge.
    SteeringRemoved,
    /// A half-open edge gets its trial request.
    HalfOpenTrial,
    /// No edge is healthy: the one that recovers soonest.
    LeastBad,
    /// [`SelectionPolicy::Priority`](super::SelectionPolicy::Priority): the controller's order put it first.
    Priority,
}

/// A selection and what it was based on.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EdgeChoice {
    /// The chosen edge.
    pub edge: EdgeId,
    /// The edge before, when this is a switch.
    pub from: Option<EdgeId>,
    /// Why.
    pub reason: EdgeReason,
    /// Expected time to fetch the plan's bytes from the chosen edge.
    #[cfg_attr(feature = "serde", serde(with = "crate::units::serde_secs"))]
    pub expected: Duration,
    /// Expected time on the edge before (switches only).
    #[cfg_attr(feature = "serde", serde(with = "crate::units::serde_opt_secs"))]
    pub expected_from: Option<Duration>,
    /// Throughput estimate used for the chosen edge, bits/s.
    pub throughput_bps: f64,
    /// Whether that estimate is measured (false: a prior).
    pub measured: bool,
    /// Whether even the chosen edge is expected to miss the plan's budget: the ABR
    /// should go lower.
    pub misses_budget: bool,
}

impl EdgeChoice {
    /// Whether the edge changed.
    pub fn switched(&self) -> bool {
        self.from.is_some_and(|f| f != self.edge)
    }
}

/// Why an edge was chosen: the selector's reason and its numbers. Its
/// [`Display`](std::fmt::Display) is the one-line explanation (times in seconds,
/// throughput in Mb/s; unknown figures are left out).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EdgeWhy {
    /// The selector's reason.
    pub reason: EdgeReason,
    /// The edge left, when this is a switch.
    pub from: Option<String>,
    /// The edge chosen.
    pub to: String,
    /// Expected time to fetch the next segment there, ms.
    pub expected_ms: u64,
    /// Expected time on the edge left, ms (switches only).
    pub expected_from_ms: Option<u64>,
    /// The throughput estimate for the chosen edge, bits per second.
    pub throughput_bps: u64,
    /// Whether that estimate is measured (false: a prior).
    pub measured: bool,
    /// How the request on the edge left failed, when it did.
    pub failure: Option<RequestFailure>,
}

/// Seconds to two decimals.
fn ms_secs(ms: u64) -> crate::units::Fixed {
    crate::units::Fixed::new(ms, 1000, 2)
}

fn to_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl EdgeChoice {
    /// The explanation, with edge names; `failure` is how the request on the edge left
    /// failed, when it did.
    pub fn why(&self, sel: &EdgeSelector, failure: Option<RequestFailure>) -> EdgeWhy {
        let name = |e: EdgeId| {
            sel.edges
                .get(e.0 as usize)
                .map_or_else(String::new, |s| s.cfg.pathway.clone())
        };
        EdgeWhy {
            reason: self.reason,
            from: self.from.map(name),
            to: name(self.edge),
            expected_ms: to_ms(self.expected),
            expected_from_ms: self.expected_from.map(to_ms),
            throughput_bps: if self.throughput_bps.is_finite() && self.throughput_bps > 0.0 {
                self.throughput_bps as u64
            } else {
                0
            },
            measured: self.measured,
            failure,
        }
    }
}

impl std::fmt::Display for EdgeWhy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let to = &self.to;
        let from = self.from.as_deref().unwrap_or("-");
        let exp = ms_secs(self.expected_ms);
        let tput = crate::units::Fixed::new(self.throughput_bps, 1_000_000, 2);
        let src = if self.measured { "measured" } else { "prior" };
        let was = |f: &mut std::fmt::Formatter<'_>| match self.expected_from_ms {
            Some(ms) => write!(f, " ({} s per segment)", ms_secs(ms)),
            None => Ok(()),
        };
        match self.reason {
            EdgeReason::Start => write!(f, "start on {to} ({src} {tput} Mb/s)"),
            EdgeReason::Stay => write!(f, "stay on {to}: next segment in {exp} s"),
            EdgeReason::Faster => {
                write!(
                    f,
                    "{from} -> {to}: {to} measured faster ({exp} s per segment"
                )?;
                if let Some(ms) = self.expected_from_ms {
                    write!(f, " vs {} s", ms_secs(ms))?;
                }
                write!(f, ")")
            }
            EdgeReason::CannotSustain => {
                write!(
                    f,
                    "{from} -> {to}: {from} cannot sustain the current rendition"
                )?;
                was(f)?;
                write!(
                    f,
                    ", {to} can ({exp} s, {src} {tput} Mb/s); edge switched before any quality switch"
                )
            }
            EdgeReason::Failover => {
                write!(f, "{from} failed")?;
                match self.failure {
                    Some(RequestFailure::Http(status)) => write!(f, " (HTTP {status})")?,
                    Some(RequestFailure::Timeout) => write!(f, " (timeout)")?,
                    Some(RequestFailure::Connection) => write!(f, " (connection)")?,
                    None => {}
                }
                write!(f, ": same range retried on {to}")
            }
            EdgeReason::Duress => write!(f, "{from} signalled duress (CMSD du): moved to {to}"),
            EdgeReason::BreakerOpen => write!(f, "{from} breaker open: moved to {to}"),
            EdgeReason::SteeringRemoved => {
                write!(
                    f,
                    "{from} removed by the steering controller: moved to {to}"
                )
            }
            EdgeReason::HalfOpenTrial => write!(f, "{to} half-open: trial request"),
            EdgeReason::LeastBad => write!(f, "no healthy edge: {to} recovers soonest"),
            EdgeReason::Priority => write!(f, "{from} -> {to}: the controller's order"),
        }
    }
}
