//! Explanations: why a rendition, an edge or an abandonment was chosen, as typed values
//! with their numbers. Text is made only at the boundary ([`std::fmt::Display`], and the
//! `text` field of the JSON form), with one unit per quantity: bitrates and throughput in
//! Mb/s, times in seconds, sizes in bytes. A figure that is not known is left out, never
//! printed as NaN.
//!
//! ```
//! use dmoe_core::agent::{QualityWhy, Why};
//! use dmoe_core::Reason;
//! let why = Why::quality(QualityWhy {
//!     reason: Reason::Throughput,
//!     from_bps: Some(1_200_000),
//!     to_bps: 2_400_000,
//!     estimate_bps: Some(3_100_000),
//!     buffer_ms: 12_400,
//! });
//! assert_eq!(why.to_string(), "throughput: 1.20 -> 2.40 Mb/s (estimate 3.10 Mb/s, buffer 12.4 s)");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Reason;
pub use crate::edge::EdgeWhy;
use crate::units::Fixed;

/// Why a rendition was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QualityWhy {
    /// The ABR's reason.
    pub reason: Reason,
    /// The bitrate before, bits per second (None at the start).
    pub from_bps: Option<u64>,
    /// The bitrate chosen, bits per second.
    pub to_bps: u64,
    /// The throughput estimate the decision used, bits per second.
    pub estimate_bps: Option<u64>,
    /// The buffer the decision saw, ms.
    pub buffer_ms: u64,
}

/// Why a transfer was abandoned for a lower rendition.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AbandonWhy {
    /// Bytes received when it was abandoned.
    pub received_bytes: u64,
    /// Bytes it was expected to have.
    pub expected_bytes: u64,
    /// Time since it was sent, ms.
    pub elapsed_ms: u64,
    /// The buffer left, ms.
    pub buffer_ms: u64,
    /// The bitrate abandoned, bits per second.
    pub from_bps: u64,
    /// The bitrate of the refetch, bits per second.
    pub to_bps: u64,
}

/// Which deadline a request missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// No first byte (nor any progress) in time.
    FirstByte,
    /// Bytes stopped arriving.
    Stalled,
    /// A host that reports no progress: no completion in time.
    Completion,
}

/// A request missed a deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlineWhy {
    /// Which deadline.
    pub kind: DeadlineKind,
    /// The edge it was sent to.
    pub edge: String,
    /// How long the agent waited, ms.
    pub waited_ms: u64,
}

/// An explanation: each part that applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Why {
    /// The request missed a deadline (it comes first: it caused the rest).
    pub deadline: Option<DeadlineWhy>,
    /// The transfer was abandoned.
    pub abandon: Option<AbandonWhy>,
    /// The edge changed.
    pub edge: Option<EdgeWhy>,
    /// The rendition changed.
    pub quality: Option<QualityWhy>,
}

impl Why {
    /// Only a quality reason.
    pub fn quality(q: QualityWhy) -> Self {
        Self {
            quality: Some(q),
            ..Self::default()
        }
    }

    /// Only an edge reason.
    pub fn edge(e: EdgeWhy) -> Self {
        Self {
            edge: Some(e),
            ..Self::default()
        }
    }

    /// Whether nothing is explained.
    pub fn is_empty(&self) -> bool {
        self.deadline.is_none()
            && self.abandon.is_none()
            && self.edge.is_none()
            && self.quality.is_none()
    }

    /// Both explanations, the parts of `other` filling what `self` lacks.
    pub(crate) fn merged(self, other: Self) -> Self {
        Self {
            deadline: self.deadline.or(other.deadline),
            abandon: self.abandon.or(other.abandon),
            edge: self.edge.or(other.edge),
            quality: self.quality.or(other.quality),
        }
    }
}

/// Mb/s to two decimals.
fn mbps(bps: u64) -> Fixed {
    Fixed::new(bps, 1_000_000, 2)
}

/// Seconds to two decimals.
fn secs(ms: u64) -> Fixed {
    Fixed::new(ms, 1000, 2)
}

/// Seconds to one decimal.
fn secs1(ms: u64) -> Fixed {
    Fixed::new(ms, 1000, 1)
}

fn reason_text(r: Reason) -> &'static str {
    match r {
        Reason::Startup => "startup",
        Reason::Throughput => "throughput",
        Reason::BufferLow => "buffer low",
        Reason::BufferHigh => "buffer high",
        Reason::Lookahead => "look-ahead",
        Reason::Hold => "hold",
        Reason::Capped => "capped",
        Reason::Emergency => "emergency",
        Reason::Rule => "rule",
    }
}

impl fmt::Display for QualityWhy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", reason_text(self.reason))?;
        match self.from_bps {
            Some(from) => write!(f, "{} -> {} Mb/s", mbps(from), mbps(self.to_bps))?,
            None => write!(f, "start at {} Mb/s", mbps(self.to_bps))?,
        }
        match self.estimate_bps {
            Some(e) => write!(f, " (estimate {} Mb/s, ", mbps(e))?,
            None => write!(f, " (no estimate, ")?,
        }
        write!(f, "buffer {} s)", secs1(self.buffer_ms))
    }
}

impl fmt::Display for AbandonWhy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "abandon: {} of {} bytes after {} s would starve the buffer ({} s left); refetch at {} Mb/s instead of {} Mb/s",
            self.received_bytes,
            self.expected_bytes,
            secs(self.elapsed_ms),
            secs1(self.buffer_ms),
            mbps(self.to_bps),
            mbps(self.from_bps)
        )
    }
}

impl fmt::Display for DeadlineWhy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DeadlineKind::FirstByte => "no first byte",
            DeadlineKind::Stalled => "no bytes",
            DeadlineKind::Completion => "not complete",
        };
        write!(f, "{}: {what} in {} s", self.edge, secs(self.waited_ms))
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut part = |f: &mut fmt::Formatter<'_>, p: &dyn fmt::Display| {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{p}")
        };
        if let Some(d) = &self.deadline {
            part(f, d)?;
        }
        if let Some(a) = &self.abandon {
            part(f, a)?;
        }
        if let Some(e) = &self.edge {
            part(f, e)?;
        }
        if let Some(q) = &self.quality {
            part(f, q)?;
        }
        Ok(())
    }
}

/// The JSON form: each part that applies, and `text`, the sentence [`Display`](fmt::Display)
/// makes (hosts log it as it is).
#[derive(Serialize, Deserialize)]
struct WhyJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deadline: Option<DeadlineWhy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    abandon: Option<AbandonWhy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    edge: Option<EdgeWhy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quality: Option<QualityWhy>,
    #[serde(default, skip_deserializing)]
    text: String,
}

impl Serialize for Why {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WhyJson {
            deadline: self.deadline.clone(),
            abandon: self.abandon,
            edge: self.edge.clone(),
            quality: self.quality,
            text: self.to_string(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Why {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = WhyJson::deserialize(d)?;
        Ok(Self {
            deadline: j.deadline,
            abandon: j.abandon,
            edge: j.edge,
            quality: j.quality,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_figures_are_left_out_never_nan() {
        let w = Why {
            edge: Some(EdgeWhy {
                reason: crate::edge::EdgeReason::Faster,
                from: Some("a".into()),
                to: "b".into(),
                expected_ms: 1500,
                expected_from_ms: None,
                throughput_bps: 6_000_000,
                measured: true,
                failure: None,
            }),
            quality: Some(QualityWhy {
                reason: Reason::Startup,
                from_bps: None,
                to_bps: 750_000,
                estimate_bps: None,
                buffer_ms: 0,
            }),
            ..Why::default()
        };
        let text = w.to_string();
        assert!(!text.contains("NaN"), "{text}");
        assert_eq!(
            text,
            "a -> b: b measured faster (1.50 s per segment); startup: start at 0.75 Mb/s (no estimate, buffer 0.0 s)"
        );
    }

    #[test]
    fn json_carries_the_numbers_and_the_text() {
        let w = Why::quality(QualityWhy {
            reason: Reason::BufferLow,
            from_bps: Some(3_000_000),
            to_bps: 1_500_000,
            estimate_bps: Some(1_800_000),
            buffer_ms: 3_200,
        });
        let j = serde_json::to_value(&w).unwrap();
        assert_eq!(j["quality"]["to_bps"], 1_500_000);
        assert_eq!(j["quality"]["reason"], "buffer_low");
        assert_eq!(j["text"], w.to_string());
        let back: Why = serde_json::from_value(j).unwrap();
        assert_eq!(back, w);
    }
}
