//! Units carried in types: bitrates, byte counts, byte ranges, timestamps and wall-clock instants.

use std::fmt;
use std::time::Duration;

/// A bit rate in bits per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Bitrate(pub u64);

impl Bitrate {
    /// Bits per second.
    pub const fn bps(self) -> u64 {
        self.0
    }

    /// Kilobits per second (1 kbps = 1000 bps), rounded down.
    pub const fn kbps(self) -> u64 {
        self.0 / 1000
    }

    /// A bit rate from kilobits per second.
    pub const fn from_kbps(kbps: u64) -> Self {
        Self(kbps.saturating_mul(1000))
    }
}

impl fmt::Display for Bitrate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 1_000_000 {
            write!(f, "{:.2} Mbps", self.0 as f64 / 1e6)
        } else {
            write!(f, "{:.0} kbps", self.0 as f64 / 1e3)
        }
    }
}

/// A number of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct ByteCount(pub u64);

/// A byte range of a resource: `length` bytes starting at offset `start`.
///
/// HLS writes this as `length@start`, DASH and HTTP as the inclusive `start-end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ByteRange {
    /// Offset of the first byte.
    pub start: u64,
    /// Number of bytes.
    pub length: u64,
}

impl ByteRange {
    /// The offset one past the last byte, or `None` on overflow.
    pub fn end_exclusive(&self) -> Option<u64> {
        self.start.checked_add(self.length)
    }

    /// The range as the value of an HTTP `Range` header (`bytes=start-end`, inclusive).
    ///
    /// ```
    /// # use dmoe_core::ByteRange;
    /// assert_eq!(ByteRange { start: 100, length: 50 }.http_range(), "bytes=100-149");
    /// ```
    pub fn http_range(&self) -> String {
        format!(
            "bytes={}-{}",
            self.start,
            self.start.saturating_add(self.length).saturating_sub(1)
        )
    }
}

/// A host-provided monotonic instant, in microseconds since an origin the host chooses.
///
/// DMOE never reads a clock: every input carries one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The host's origin.
    pub const ZERO: Self = Self(0);

    /// A timestamp from whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        Self(s.saturating_mul(1_000_000))
    }

    /// A timestamp from milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms.saturating_mul(1_000))
    }

    /// Seconds since the host's origin.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// This instant moved forward by `d` (saturating).
    pub fn saturating_add(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
        )
    }

    /// A timestamp from microseconds.
    pub const fn from_micros(us: u64) -> Self {
        Self(us)
    }

    /// Microseconds since the host's origin.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// The time elapsed since `earlier`, zero when `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

/// A wall-clock instant: milliseconds since the Unix epoch (UTC), possibly negative.
///
/// Used for HLS `EXT-X-PROGRAM-DATE-TIME`, DASH `availabilityStartTime` and the host's
/// "now" when asking which live segments exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct WallClock(pub i64);

impl WallClock {
    /// From whole seconds since the Unix epoch.
    pub const fn from_unix_seconds(s: i64) -> Self {
        Self(s.saturating_mul(1000))
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// This instant moved by `d` (saturating).
    pub fn saturating_add(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    /// Signed milliseconds from `earlier` to `self`.
    pub const fn millis_since(self, earlier: Self) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Seconds as a [`Duration`], saturating: NaN, zero and negative give zero, values past
/// [`Duration::MAX`] (e.g. a 64-bit media time over a timescale of 1) give `Duration::MAX`.
/// `Duration::from_secs_f64` panics on both; hostile inputs reach this.
pub(crate) fn secs_saturating(s: f64) -> Duration {
    if s.is_finite() && s > 0.0 {
        Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX)
    } else if s == f64::INFINITY {
        Duration::MAX
    } else {
        Duration::ZERO
    }
}

/// Serialize a [`Duration`] as floating-point seconds.
#[cfg(feature = "serde")]
pub(crate) mod serde_secs {
    use std::time::Duration;

    pub(crate) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Duration, D::Error> {
        let v = <f64 as serde::Deserialize>::deserialize(d)?;
        Duration::try_from_secs_f64(v).map_err(serde::de::Error::custom)
    }
}

/// Serialize an `Option<Duration>` as floating-point seconds or null.
#[cfg(feature = "serde")]
pub(crate) mod serde_opt_secs {
    use std::time::Duration;

    pub(crate) fn serialize<S: serde::Serializer>(
        d: &Option<Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        match <Option<f64> as serde::Deserialize>::deserialize(d)? {
            None => Ok(None),
            Some(v) => Duration::try_from_secs_f64(v)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_range_http() {
        assert_eq!(
            ByteRange {
                start: 0,
                length: 1
            }
            .http_range(),
            "bytes=0-0"
        );
        assert_eq!(
            ByteRange {
                start: u64::MAX,
                length: 2
            }
            .end_exclusive(),
            None
        );
    }

    #[test]
    fn bitrate_units() {
        assert_eq!(Bitrate::from_kbps(750).bps(), 750_000);
        assert_eq!(Bitrate(1_234_567).kbps(), 1234);
        assert_eq!(Bitrate(2_500_000).to_string(), "2.50 Mbps");
    }

    #[test]
    fn wall_clock_arith() {
        let t = WallClock::from_unix_seconds(10);
        assert_eq!(
            t.saturating_add(Duration::from_millis(1500)).unix_millis(),
            11_500
        );
        assert_eq!(t.millis_since(WallClock(12_000)), -2000);
    }
}
