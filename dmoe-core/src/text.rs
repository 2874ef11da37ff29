//! Small value parsers shared by the HLS and DASH parsers: numbers, dates, durations.

use std::time::Duration;

use crate::error::ValueProblem;
use crate::units::WallClock;

/// A decimal integer (`0-9`+), no sign.
pub(crate) fn parse_u64(s: &str) -> Result<u64, ValueProblem> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(ValueProblem::Empty);
    }
    if b[0] == b'-' {
        return Err(ValueProblem::Negative);
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(ValueProblem::NotAnInteger);
        }
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
            .ok_or(ValueProblem::OutOfRange)?;
    }
    Ok(v)
}

/// A decimal floating-point number; `allow_negative` for signed values. Rejects NaN and
/// infinities (HLS never allows them).
pub(crate) fn parse_f64(s: &str, allow_negative: bool) -> Result<f64, ValueProblem> {
    if s.is_empty() {
        return Err(ValueProblem::Empty);
    }
    let body = s.strip_prefix('-').unwrap_or(s);
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return Err(ValueProblem::NotANumber);
    }
    let v: f64 = s.parse().map_err(|_| ValueProblem::NotANumber)?;
    if !v.is_finite() {
        return Err(ValueProblem::OutOfRange);
    }
    if v < 0.0 && !allow_negative {
        return Err(ValueProblem::Negative);
    }
    Ok(v)
}

/// Seconds as a duration, rejecting negative, NaN and absurd values.
pub(crate) fn secs(v: f64) -> Result<Duration, ValueProblem> {
    if !v.is_finite() {
        return Err(ValueProblem::OutOfRange);
    }
    if v < 0.0 {
        return Err(ValueProblem::Negative);
    }
    Duration::try_from_secs_f64(v).map_err(|_| ValueProblem::OutOfRange)
}

/// A non-negative decimal number of seconds.
pub(crate) fn parse_secs(s: &str) -> Result<Duration, ValueProblem> {
    secs(parse_f64(s, false)?)
}

/// An `xs:double` as DASH writes it: decimal, exponent, or `INF`.
#[cfg(feature = "dash")]
pub(crate) fn parse_xs_double(s: &str) -> Result<f64, ValueProblem> {
    match s.trim() {
        "INF" => Ok(f64::INFINITY),
        "-INF" => Ok(f64::NEG_INFINITY),
        "" => Err(ValueProblem::Empty),
        "NaN" => Err(ValueProblem::NotANumber),
        t => t
            .parse::<f64>()
            .map_err(|_| ValueProblem::NotANumber)
            .and_then(|v| {
                if v.is_nan() {
                    Err(ValueProblem::NotANumber)
                } else {
                    Ok(v)
                }
            }),
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v = 0u32;
    for i in 0..n {
        let c = *b.get(at + i)?;
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), after Howard Hinnant's
/// well-known `days_from_civil` algorithm.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An ISO 8601 / RFC 3339 date-time: `YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm|±hhmm]`.
/// A missing zone is taken as UTC (DASH allows that; HLS requires a zone but players accept it).
pub(crate) fn parse_datetime(s: &str) -> Result<WallClock, ValueProblem> {
    let b = s.trim().as_bytes();
    let bad = ValueProblem::NotADate;
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad);
    }
    let year = digits(b, 0, 4).ok_or(bad)?;
    let month = digits(b, 5, 2).ok_or(bad)?;
    let day = digits(b, 8, 2).ok_or(bad)?;
    let hour = digits(b, 11, 2).ok_or(bad)?;
    let min = digits(b, 14, 2).ok_or(bad)?;
    let sec = digits(b, 17, 2).ok_or(bad)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 24 || min > 59 || sec > 60 {
        return Err(bad);
    }
    let mut i = 19;
    let mut millis: i64 = 0;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        i += 1;
        let start = i;
        let mut scale = 100;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            millis += i64::from(c - b'0') * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return Err(bad);
        }
    }
    let offset_min: i64 = match b.get(i) {
        None => 0,
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
        Some(&c @ (b'+' | b'-')) => {
            let hh = digits(b, i + 1, 2).ok_or(bad)?;
            let rest = &b[i + 3..];
            let mm = match rest {
                [] => 0,
                [b':', ..] if rest.len() == 3 => digits(rest, 1, 2).ok_or(bad)?,
                _ if rest.len() == 2 => digits(rest, 0, 2).ok_or(bad)?,
                _ => return Err(bad),
            };
            let m = i64::from(hh * 60 + mm);
            if c == b'+' { m } else { -m }
        }
        _ => return Err(bad),
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(min) * 60 + i64::from(sec)
        - offset_min * 60;
    Ok(WallClock(secs * 1000 + millis))
}

/// An `xs:duration` as DASH uses it: `[-]PnYnMnDTnHnMnS` (years as 365 days, months as 30).
/// Negative durations are refused.
#[cfg(feature = "dash")]
pub(crate) fn parse_xs_duration(s: &str) -> Result<Duration, ValueProblem> {
    let s = s.trim();
    let bad = ValueProblem::NotADuration;
    if s.starts_with('-') {
        return Err(ValueProblem::Negative);
    }
    let rest = s.strip_prefix('P').ok_or(bad)?;
    if rest.is_empty() {
        return Err(bad);
    }
    let mut total = 0f64;
    let mut in_time = false;
    let mut num_start = 0usize;
    let mut any = false;
    let bytes = rest.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'T' => {
                if in_time || i != num_start {
                    return Err(bad);
                }
                in_time = true;
                num_start = i + 1;
            }
            b'0'..=b'9' | b'.' => {}
            b'Y' | b'M' | b'W' | b'D' | b'H' | b'S' => {
                let n: f64 = rest[num_start..i].parse().map_err(|_| bad)?;
                let unit = match (c, in_time) {
                    (b'Y', false) => 365.0 * 86_400.0,
                    (b'M', false) => 30.0 * 86_400.0,
                    (b'W', false) => 7.0 * 86_400.0,
                    (b'D', false) => 86_400.0,
                    (b'H', true) => 3600.0,
                    (b'M', true) => 60.0,
                    (b'S', true) => 1.0,
                    _ => return Err(bad),
                };
                total += n * unit;
                num_start = i + 1;
                any = true;
            }
            _ => return Err(bad),
        }
    }
    if !any || num_start != bytes.len() {
        return Err(bad);
    }
    secs(total)
}

/// A hexadecimal `0x…`/`0X…` sequence of at most 16 bytes (HLS `IV`), left-padded with
/// zeros; the flag is true when it had all 32 digits.
pub(crate) fn parse_iv(s: &str) -> Result<([u8; 16], bool), ValueProblem> {
    let h = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or(ValueProblem::NotHex)?;
    let hb = h.as_bytes();
    if hb.is_empty() || hb.len() > 32 {
        return Err(ValueProblem::NotHex);
    }
    let mut out = [0u8; 16];
    let pad = 32 - hb.len();
    for (i, &c) in hb.iter().enumerate() {
        let d = (c as char).to_digit(16).ok_or(ValueProblem::NotHex)? as u8;
        let pos = pad + i;
        out[pos / 2] |= if pos % 2 == 0 { d << 4 } else { d };
    }
    Ok((out, hb.len() == 32))
}

/// A `WIDTHxHEIGHT` resolution.
pub(crate) fn parse_resolution(s: &str) -> Result<(u32, u32), ValueProblem> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or(ValueProblem::NotAResolution)?;
    let w = u32::try_from(parse_u64(w).map_err(|_| ValueProblem::NotAResolution)?)
        .map_err(|_| ValueProblem::OutOfRange)?;
    let h = u32::try_from(parse_u64(h).map_err(|_| ValueProblem::NotAResolution)?)
        .map_err(|_| ValueProblem::OutOfRange)?;
    Ok((w, h))
}

/// Turn a byte offset into a 1-based line number (used on error paths only).
#[cfg(feature = "dash")]
pub(crate) fn line_of(text: &[u8], offset: usize) -> u32 {
    let end = offset.min(text.len());
    let n = text[..end].iter().filter(|&&c| c == b'\n').count() + 1;
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_u64("0"), Ok(0));
        assert_eq!(parse_u64("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_u64("18446744073709551616"),
            Err(ValueProblem::OutOfRange)
        );
        assert_eq!(parse_u64("-1"), Err(ValueProblem::Negative));
        assert_eq!(parse_u64("1a"), Err(ValueProblem::NotAnInteger));
        assert_eq!(parse_u64(""), Err(ValueProblem::Empty));
    }

    #[test]
    fn floats() {
        assert_eq!(parse_f64("4.004", false), Ok(4.004));
        assert_eq!(parse_f64("NaN", false), Err(ValueProblem::NotANumber));
        assert_eq!(parse_f64("-1.5", false), Err(ValueProblem::Negative));
        assert_eq!(parse_f64("-1.5", true), Ok(-1.5));
        assert_eq!(parse_f64("1e9", false), Err(ValueProblem::NotANumber));
    }

    #[test]
    #[cfg(feature = "dash")]
    fn xs_doubles() {
        assert_eq!(parse_xs_double("INF"), Ok(f64::INFINITY));
        assert_eq!(parse_xs_double("1.5e1"), Ok(15.0));
    }

    #[test]
    fn datetimes() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Ok(WallClock(0)));
        assert_eq!(
            parse_datetime("2010-02-19T14:54:23.031+08:00"),
            Ok(WallClock(1_266_562_463_031))
        );
        assert_eq!(
            parse_datetime("2010-02-19T06:54:23.031Z"),
            Ok(WallClock(1_266_562_463_031))
        );
        assert_eq!(
            parse_datetime("2000-03-01T00:00:00"),
            Ok(WallClock(951_868_800_000))
        );
        assert_eq!(parse_datetime("1969-12-31T23:59:59Z"), Ok(WallClock(-1000)));
        assert!(parse_datetime("2010-13-19T14:54:23Z").is_err());
        assert!(parse_datetime("yesterday").is_err());
        assert!(parse_datetime("2010-02-19T14:54:23+0800").is_ok());
    }

    #[test]
    #[cfg(feature = "dash")]
    fn durations() {
        assert_eq!(
            parse_xs_duration("PT1H2M3.5S"),
            Ok(Duration::from_secs_f64(3723.5))
        );
        assert_eq!(parse_xs_duration("P1DT1S"), Ok(Duration::from_secs(86_401)));
        assert_eq!(parse_xs_duration("PT0S"), Ok(Duration::ZERO));
        assert!(parse_xs_duration("P").is_err());
        assert!(parse_xs_duration("PT").is_err());
        assert!(parse_xs_duration("PT1H2").is_err());
        assert!(parse_xs_duration("1H").is_err());
        assert_eq!(parse_xs_duration("-PT1S"), Err(ValueProblem::Negative));
        assert_eq!(
            parse_xs_duration("P1000000000000Y"),
            Err(ValueProblem::OutOfRange)
        );
    }

    #[test]
    fn ivs_and_resolutions() {
        let (iv, full) = parse_iv("0x000102030405060708090A0B0C0D0E0F").unwrap();
        assert_eq!(iv[15], 15);
        assert!(full);
        let (short, full) = parse_iv("0x102").unwrap();
        assert_eq!((short[14], short[15], full), (1, 2, false));
        assert!(parse_iv("0xZZ").is_err());
        assert!(parse_iv("12").is_err());
        assert_eq!(parse_resolution("1920x1080"), Ok((1920, 1080)));
        assert!(parse_resolution("1920").is_err());
    }
}
