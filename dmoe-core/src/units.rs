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
            write!(f, "{} Mbps", Fixed::new(self.0, 1_000_000, 2))
        } else {
            write!(f, "{} kbps", Fixed::new(self.0, 1000, 0))
        }
    }
}

/// A non-negative quantity `value / unit`, written with `places` decimals (rounded half
/// up) by integer arithmetic: exact, never NaN, and no float formatting code in the
/// WebAssembly build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixed {
    value: u64,
    unit: u64,
    places: u32,
}

impl Fixed {
    /// `value / unit` to `places` decimals (at most 6). `unit` is a power of ten from 1 to
    /// 10^9 in practice; 0 counts as 1.
    pub(crate) const fn new(value: u64, unit: u64, places: u32) -> Self {
        Self {
            value,
            unit: if unit == 0 { 1 } else { unit },
            places: if places > 6 { 6 } else { places },
        }
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        let scale = 10u64.pow(self.places);
        let mut int = self.value / self.unit;
        let rem = self.value % self.unit;
        let mut frac = rem.saturating_mul(scale).saturating_add(self.unit / 2) / self.unit;
        if frac >= scale {
            int += 1;
            frac -= scale;
        }
        write!(f, "{int}")?;
        if self.places > 0 {
            f.write_char('.')?;
            let mut digit = scale / 10;
            while digit > 0 {
                f.write_char(char::from(b'0' + (frac / digit % 10) as u8))?;
                digit /= 10;
            }
        }
        Ok(())
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

/// Milliseconds (finite, non-negative, as JSON and JavaScript carry them) as whole
/// microseconds, rounded; `None` when the value is negative, not finite or past
/// `u64::MAX` µs. Every surface that takes milliseconds converts with it, so a time reads
/// the same from a recording, the C ABI's JSON and the wasm API.
///
/// ```
/// assert_eq!(dmoe_core::ms_to_micros(1.5), Some(1500));
/// assert_eq!(dmoe_core::ms_to_micros(0.0004), Some(0));
/// assert_eq!(dmoe_core::ms_to_micros(-1.0), None);
/// assert_eq!(dmoe_core::ms_to_micros(f64::NAN), None);
/// ```
#[cfg(feature = "serde")]
pub fn ms_to_micros(ms: f64) -> Option<u64> {
    let us = (ms * 1000.0).round();
    (ms.is_finite() && ms >= 0.0 && us <= u64::MAX as f64).then_some(us as u64)
}

/// Whole microseconds as milliseconds for JSON.
#[cfg(feature = "serde")]
pub(crate) fn micros_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Serialize a [`Duration`] as milliseconds (JSON number; microsecond resolution).
#[cfg(feature = "serde")]
pub(crate) mod serde_ms {
    use std::time::Duration;

    pub(crate) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        s.serialize_f64(super::micros_to_ms(us))
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Duration, D::Error> {
        let v = <f64 as serde::Deserialize>::deserialize(d)?;
        super::ms_to_micros(v)
            .map(Duration::from_micros)
            .ok_or_else(|| {
                serde::de::Error::custom("a duration is finite, non-negative milliseconds")
            })
    }
}

/// Serialize an `Option<Duration>` as milliseconds or null.
#[cfg(feature = "serde")]
pub(crate) mod serde_opt_ms {
    use std::time::Duration;

    pub(crate) fn serialize<S: serde::Serializer>(
        d: &Option<Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => {
                let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
                s.serialize_some(&super::micros_to_ms(us))
            }
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        match <Option<f64> as serde::Deserialize>::deserialize(d)? {
            None => Ok(None),
            Some(v) => super::ms_to_micros(v)
                .map(|us| Some(Duration::from_micros(us)))
                .ok_or_else(|| {
                    serde::de::Error::custom("a duration is finite, non-negative milliseconds")
                }),
        }
    }
}

/// Serialize a [`Timestamp`] as milliseconds on the host's clock (JSON number; microsecond
/// resolution).
#[cfg(feature = "serde")]
pub(crate) mod serde_ts_ms {
    use super::Timestamp;

    pub(crate) fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(super::micros_to_ms(t.0))
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Timestamp, D::Error> {
        let v = <f64 as serde::Deserialize>::deserialize(d)?;
        super::ms_to_micros(v)
            .map(Timestamp)
            .ok_or_else(|| serde::de::Error::custom("a time is finite, non-negative milliseconds"))
    }
}

/// Serialize a [`Duration`] as floating-point seconds (the presentation model's form,
/// `dmoe-inspect --model`).
#[cfg(feature = "serde")]
pub(crate) mod serde_secs {
    use std::time::Duration;

    pub(crate) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
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
