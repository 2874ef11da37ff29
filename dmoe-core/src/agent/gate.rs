//! The input gate: every value an input carries is checked here, before anything in a
//! session changes. A value out of range is a typed [`AgentError::InvalidValue`]; values
//! in range are then used with saturating arithmetic, so an input that passes the gate
//! cannot overflow, divide by zero or panic further in.
//!
//! | value | range |
//! |---|---|
//! | playback rate | finite, 0 to 16 |
//! | buffer level, TTFB, latency, `Retry-After`, segment durations | at most a day ([`LONGEST_SPAN`]) |
//! | position, seek, segment start | at most a hundred years ([`LONGEST_MEDIA_TIME`]) |
//! | HTTP status | 100 to 599 |
//! | frame counters | `dropped` ≤ `total` |
//! | viewport | height and bitrate positive when given |
//! | ladder bitrates | 1 bit/s to 10 Tbit/s ([`HIGHEST_BITRATE_BPS`]); frame rates finite and positive; sizes positive |
//! | strings | bounded by [`Limits`] |
//!
//! Byte counts and host times take any `u64`.

use std::time::Duration;

use super::host::{HostRendition, HostSegments};
use super::io::{AgentError, Event, Failure};
use crate::Limits;

/// The longest buffer level, time to first byte, latency, retry delay or segment the
/// agent takes: a day. More is a unit mistake (microseconds given as milliseconds, say).
pub const LONGEST_SPAN: Duration = Duration::from_secs(86_400);

/// The latest media time (position, segment start) the agent takes: a hundred years,
/// room for a live timeline counted from the Unix epoch.
pub const LONGEST_MEDIA_TIME: Duration = Duration::from_secs(100 * 365 * 86_400);

/// The highest bitrate a ladder entry may declare: 10 Tbit/s.
pub const HIGHEST_BITRATE_BPS: u64 = 10_000_000_000_000;

/// The longest string an input may carry besides manifest and playlist bodies (URLs,
/// header values, pathway names): 64 KiB.
pub const LONGEST_STRING: usize = 64 * 1024;

fn bad(field: &'static str, rule: &'static str) -> AgentError {
    AgentError::InvalidValue { field, rule }
}

fn span(field: &'static str, d: Duration) -> Result<(), AgentError> {
    if d > LONGEST_SPAN {
        return Err(bad(field, "at most a day"));
    }
    Ok(())
}

fn media_time(field: &'static str, d: Duration) -> Result<(), AgentError> {
    if d > LONGEST_MEDIA_TIME {
        return Err(bad(field, "at most a hundred years"));
    }
    Ok(())
}

fn text(field: &'static str, s: &str) -> Result<(), AgentError> {
    if s.len() > LONGEST_STRING {
        return Err(bad(field, "at most 64 KiB"));
    }
    Ok(())
}

fn body(field: &'static str, s: &str, limits: &Limits) -> Result<(), AgentError> {
    if s.len() > limits.max_manifest_bytes {
        return Err(bad(field, "no longer than Limits::max_manifest_bytes"));
    }
    Ok(())
}

fn failure(f: &Failure) -> Result<(), AgentError> {
    match f {
        Failure::Http { status } if !(100..=599).contains(status) => {
            Err(bad("failure.status", "an HTTP status, 100 to 599"))
        }
        _ => Ok(()),
    }
}

/// Check a host-parsed ladder's values.
pub(crate) fn ladder(renditions: &[HostRendition], limits: &Limits) -> Result<(), AgentError> {
    if renditions.len() > limits.max_renditions {
        return Err(bad("renditions", "no more than Limits::max_renditions"));
    }
    for r in renditions {
        if r.bandwidth_bps > HIGHEST_BITRATE_BPS {
            return Err(bad("bandwidth_bps", "at most 10 Tbit/s"));
        }
        if r.average_bandwidth_bps
            .is_some_and(|b| b == 0 || b > HIGHEST_BITRATE_BPS)
        {
            return Err(bad("average_bandwidth_bps", "1 bit/s to 10 Tbit/s"));
        }
        if r.width == Some(0) || r.height == Some(0) {
            return Err(bad("width/height", "positive when given"));
        }
        if r.frame_rate.is_some_and(|f| !(f.is_finite() && f > 0.0)) {
            return Err(bad("frame_rate", "finite and positive when given"));
        }
        text("url", &r.url)?;
        if let Some(c) = &r.codecs {
            text("codecs", c)?;
        }
        if let Some(p) = &r.pathway {
            text("pathway", p)?;
        }
    }
    Ok(())
}

/// Check a host-parsed segment list's values (its order and references are checked when
/// it is turned into an index).
pub(crate) fn segments(list: &HostSegments, limits: &Limits) -> Result<(), AgentError> {
    if list.segments.len() as u64 > limits.max_segments_per_rendition
        || list.inits.len() > limits.max_list_items
    {
        return Err(bad("segments", "no more than Limits allow"));
    }
    if let Some(t) = list.target_duration {
        if t.is_zero() {
            return Err(bad("target_duration_ms", "positive when given"));
        }
        span("target_duration_ms", t)?;
    }
    for i in &list.inits {
        text("init url", &i.url)?;
    }
    for s in &list.segments {
        if s.duration.is_zero() {
            return Err(bad("duration_ms", "positive"));
        }
        span("duration_ms", s.duration)?;
        media_time("start_ms", s.start)?;
        text("url", &s.url)?;
        if s.url.is_empty() {
            return Err(bad("url", "not empty"));
        }
    }
    Ok(())
}

/// Check every value `event` carries. Pure: nothing changes here.
pub(crate) fn check(event: &Event, limits: &Limits) -> Result<(), AgentError> {
    match event {
        Event::Tick
        | Event::SteeringFailed
        | Event::RequestStarted { .. }
        | Event::RequestProgress { .. }
        | Event::RequestCancelled { .. } => Ok(()),
        Event::ManifestLoaded { url, body: b } => {
            text("url", url)?;
            body("body", b, limits)
        }
        Event::PlaylistLoaded { body: b, .. } => body("body", b, limits),
        Event::LadderLoaded { url, renditions } => {
            text("url", url)?;
            ladder(renditions, limits)
        }
        Event::SegmentsLoaded { segments: s, .. } => segments(s, limits),
        Event::PlaylistFailed { failure: f, .. } | Event::RequestFailed { failure: f, .. } => {
            failure(f)
        }
        Event::SteeringLoaded {
            status,
            retry_after,
            body: b,
        } => {
            if !(100..=599).contains(status) {
                return Err(bad("status", "an HTTP status, 100 to 599"));
            }
            if let Some(r) = retry_after {
                span("retry_after_ms", *r)?;
            }
            body("body", b, limits)
        }
        Event::RequestCompleted {
            ttfb,
            cmsd_static,
            cmsd_dynamic,
            ..
        } => {
            span("ttfb_ms", *ttfb)?;
            if let Some(h) = cmsd_static {
                text("cmsd_static", h)?;
            }
            if let Some(h) = cmsd_dynamic {
                text("cmsd_dynamic", h)?;
            }
            Ok(())
        }
        Event::Buffer { level, .. } => span("level_ms", *level),
        Event::Playback { rate, .. } => {
            if !(rate.is_finite() && (0.0..=16.0).contains(rate)) {
                return Err(bad("rate", "finite, 0 to 16"));
            }
            Ok(())
        }
        Event::Position { position, latency } => {
            media_time("position_ms", *position)?;
            if let Some(l) = latency {
                span("latency_ms", *l)?;
            }
            Ok(())
        }
        Event::Seek { position } => media_time("position_ms", *position),
        Event::Frames { dropped, total } => {
            if dropped > total {
                return Err(bad("dropped", "no more than total"));
            }
            Ok(())
        }
        Event::Viewport {
            max_height,
            max_bitrate_bps,
        } => {
            if *max_height == Some(0) {
                return Err(bad("max_height", "positive when given"));
            }
            if *max_bitrate_bps == Some(0) {
                return Err(bad("max_bitrate_bps", "positive when given"));
            }
            Ok(())
        }
        Event::TransferStarted {
            duration, pathway, ..
        } => {
            if let Some(d) = duration {
                if d.is_zero() {
                    return Err(bad("duration_ms", "positive when given"));
                }
                span("duration_ms", *d)?;
            }
            if let Some(p) = pathway {
                text("pathway", p)?;
            }
            Ok(())
        }
        Event::AdviceWanted {
            segment_duration,
            sizes,
            ..
        } => {
            if let Some(d) = segment_duration {
                if d.is_zero() {
                    return Err(bad("segment_duration_ms", "positive when given"));
                }
                span("segment_duration_ms", *d)?;
            }
            if sizes.len() > limits.max_renditions {
                return Err(bad("sizes", "no more entries than the ladder may have"));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MediaType;

    #[test]
    fn extremes_are_refused_by_name() {
        let l = Limits::default();
        let cases = [
            (
                Event::Playback {
                    state: crate::PlaybackState::Playing,
                    rate: f64::NAN,
                },
                "rate",
            ),
            (
                Event::Buffer {
                    media: MediaType::Video,
                    level: Duration::MAX,
                },
                "level_ms",
            ),
            (
                Event::Frames {
                    dropped: u64::MAX,
                    total: 1,
                },
                "dropped",
            ),
            (
                Event::Viewport {
                    max_height: Some(0),
                    max_bitrate_bps: None,
                },
                "max_height",
            ),
        ];
        for (e, field) in cases {
            match check(&e, &l) {
                Err(AgentError::InvalidValue { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{e:?}: {other:?}"),
            }
        }
        assert!(
            check(
                &Event::Playback {
                    state: crate::PlaybackState::Playing,
                    rate: 1e-300
                },
                &l
            )
            .is_ok(),
            "a tiny rate is in range; the arithmetic after the gate saturates"
        );
    }
}
