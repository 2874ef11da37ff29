//! Typed events for C: one function per fact a host reports. Each takes the host's
//! monotonic clock as `now_us` (microseconds) and is the same input as the JSON form
//! `dmoe_agent_handle_input_json` takes.

use std::time::Duration;

use dmoe_core::agent::{
    Event, Failure, HostInit, HostRendition, HostSegment, HostSegments, Input, ObjectKind,
    RequestId,
};
use dmoe_core::{ByteRange, Limits, MediaType, PlaybackState, RenditionId};

use super::{
    dmoe_agent, dmoe_object, dmoe_status, err_text, feed, opt_str_in, str_in, ts, unknown_enum,
    with_agent,
};
use dmoe_status::*;

/// Media type.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dmoe_media {
    /// Video (or muxed).
    DMOE_MEDIA_VIDEO = 0,
    /// Audio.
    DMOE_MEDIA_AUDIO = 1,
    /// Subtitles or other timed text.
    DMOE_MEDIA_SUBTITLES = 2,
    /// In-band closed captions.
    DMOE_MEDIA_CLOSED_CAPTIONS = 3,
    /// Not known.
    DMOE_MEDIA_UNKNOWN = 4,
}

/// Playback state.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dmoe_playback {
    /// Loading before the first frame.
    DMOE_PLAYBACK_STARTING = 0,
    /// Playing.
    DMOE_PLAYBACK_PLAYING = 1,
    /// Paused by the user.
    DMOE_PLAYBACK_PAUSED = 2,
    /// Seeking.
    DMOE_PLAYBACK_SEEKING = 3,
    /// Stalled.
    DMOE_PLAYBACK_STALLED = 4,
    /// Finished.
    DMOE_PLAYBACK_ENDED = 5,
}

/// How a request failed.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dmoe_failure {
    /// An HTTP error status (given alongside).
    DMOE_FAILURE_HTTP = 0,
    /// No answer in time.
    DMOE_FAILURE_TIMEOUT = 1,
    /// Connection refused, reset, DNS or TLS failure.
    DMOE_FAILURE_CONNECTION = 2,
}

/// One rendition of a ladder the host parsed itself (see `dmoe_agent_ladder_loaded`).
/// Strings are UTF-8 with their lengths; a NULL `codecs` or `pathway` is "not declared".
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dmoe_rendition {
    /// Peak bitrate, bits per second (HLS `BANDWIDTH`); 0 is not offered.
    pub bandwidth_bps: u64,
    /// Average bitrate, bits per second; 0: not declared.
    pub average_bandwidth_bps: u64,
    /// Picture width; 0: unknown.
    pub width: u32,
    /// Picture height; 0: unknown.
    pub height: u32,
    /// Frames per second; 0 or less: unknown.
    pub frame_rate: f64,
    /// Codecs string, or NULL.
    pub codecs: *const u8,
    /// Its length.
    pub codecs_len: usize,
    /// Absolute media playlist URL.
    pub url: *const u8,
    /// Its length.
    pub url_len: usize,
    /// The pathway (CDN) serving it (HLS `PATHWAY-ID`, DASH `serviceLocation`), or NULL.
    pub pathway: *const u8,
    /// Its length.
    pub pathway_len: usize,
}

/// An initialization section of a host-parsed segment list.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dmoe_init {
    /// Absolute URL.
    pub url: *const u8,
    /// Its length.
    pub url_len: usize,
    /// First byte of its range.
    pub range_start: u64,
    /// Length of its range; 0: the whole resource.
    pub range_length: u64,
}

/// One media segment of a host-parsed segment list.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dmoe_segment {
    /// Sequence number (ascending in a list, kept across refreshes).
    pub number: u64,
    /// Media time of its start, microseconds.
    pub start_us: u64,
    /// Duration, microseconds.
    pub duration_us: u64,
    /// Absolute URL.
    pub url: *const u8,
    /// Its length.
    pub url_len: usize,
    /// First byte of its range.
    pub range_start: u64,
    /// Length of its range; 0: the whole resource.
    pub range_length: u64,
    /// Index of its init section in the list's `inits`; -1 (any negative): none.
    pub init: i32,
}

/// `count` items at `ptr` (NULL with 0 is empty), at most `max`.
unsafe fn items_in<'a, T>(
    ptr: *const T,
    count: usize,
    max: usize,
) -> Result<&'a [T], (dmoe_status, String)> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(err_text(DMOE_STATUS_NULL_ARGUMENT));
    }
    if count > max {
        return Err((
            DMOE_STATUS_INVALID_INPUT,
            format!("{count} items: at most {max} are taken"),
        ));
    }
    // SAFETY: the caller promises `count` readable items at `ptr` for the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

fn range_of(start: u64, length: u64) -> Option<ByteRange> {
    (length > 0).then_some(ByteRange { start, length })
}

fn us(v: u64) -> Duration {
    Duration::from_micros(v)
}

fn failure_of(failure: u32, http_status: u16) -> Result<Failure, (dmoe_status, String)> {
    use dmoe_failure::*;
    Ok(match failure {
        x if x == DMOE_FAILURE_HTTP as u32 => Failure::Http {
            status: http_status,
        },
        x if x == DMOE_FAILURE_TIMEOUT as u32 => Failure::Timeout,
        x if x == DMOE_FAILURE_CONNECTION as u32 => Failure::Connection,
        x => return Err(unknown_enum("dmoe_failure", x)),
    })
}

fn media_in(media: u32) -> Result<MediaType, (dmoe_status, String)> {
    use dmoe_media::*;
    [
        (DMOE_MEDIA_VIDEO, MediaType::Video),
        (DMOE_MEDIA_AUDIO, MediaType::Audio),
        (DMOE_MEDIA_SUBTITLES, MediaType::Subtitles),
        (DMOE_MEDIA_CLOSED_CAPTIONS, MediaType::ClosedCaptions),
        (DMOE_MEDIA_UNKNOWN, MediaType::Unknown),
    ]
    .into_iter()
    .find(|(c, _)| *c as u32 == media)
    .map(|(_, m)| m)
    .ok_or_else(|| unknown_enum("dmoe_media", media))
}

/// Give `agent` the event `event` at `now_us`.
fn event(
    agent: *mut dmoe_agent,
    now_us: u64,
    event: impl FnOnce() -> Result<Event, (dmoe_status, String)>,
) -> dmoe_status {
    with_agent(agent, |a| feed(a, Input::new(ts(now_us), event()?)))
}

/// Nothing happened; time passed (the answer to a `DMOE_OUTPUT_TIMEOUT`).
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_tick(agent: *mut dmoe_agent, now_us: u64) -> dmoe_status {
    event(agent, now_us, || Ok(Event::Tick))
}

/// The manifest (multivariant playlist, media playlist or MPD) was loaded from `url`
/// (after redirects), initially or as a refresh.
///
/// # Safety
/// `agent` is a handle; `url` and `body` point to their lengths in readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_manifest_loaded(
    agent: *mut dmoe_agent,
    now_us: u64,
    url: *const u8,
    url_len: usize,
    body: *const u8,
    body_len: usize,
) -> dmoe_status {
    event(agent, now_us, || {
        // SAFETY: forwarded caller guarantee.
        let (url, body) = unsafe { (str_in(url, url_len), str_in(body, body_len)) };
        Ok(Event::ManifestLoaded {
            url: url.map_err(err_text)?.to_owned(),
            body: body.map_err(err_text)?.to_owned(),
        })
    })
}

/// A media playlist asked for with `DMOE_OUTPUT_LOAD_PLAYLIST` was loaded.
///
/// # Safety
/// `agent` is a handle; `body` points to `body_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_playlist_loaded(
    agent: *mut dmoe_agent,
    now_us: u64,
    rendition: u32,
    body: *const u8,
    body_len: usize,
) -> dmoe_status {
    event(agent, now_us, || {
        // SAFETY: forwarded caller guarantee.
        let body = unsafe { str_in(body, body_len) }.map_err(err_text)?;
        Ok(Event::PlaylistLoaded {
            rendition: RenditionId(rendition),
            body: body.to_owned(),
        })
    })
}

/// The host parsed the manifest itself (a player with its own parser): its ladder,
/// rendition `i` being `renditions[i]`. The session then behaves as after
/// `dmoe_agent_manifest_loaded`: a `DMOE_OUTPUT_LOAD_PLAYLIST` names the rendition whose
/// segments it needs, handed over with `dmoe_agent_segments_loaded`. An advisor takes its
/// ladder this way.
///
/// # Safety
/// `agent` is a handle; `url` points to `url_len` readable bytes; `renditions` to `count`
/// readable items whose strings point to their lengths in readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_ladder_loaded(
    agent: *mut dmoe_agent,
    now_us: u64,
    url: *const u8,
    url_len: usize,
    renditions: *const dmoe_rendition,
    count: usize,
) -> dmoe_status {
    event(agent, now_us, || {
        // SAFETY: forwarded caller guarantees.
        let url = unsafe { str_in(url, url_len) }.map_err(err_text)?;
        // SAFETY: as above.
        let items = unsafe { items_in(renditions, count, Limits::default().max_renditions) }?;
        let mut ladder = Vec::with_capacity(items.len());
        for r in items {
            // SAFETY: as above.
            let (codecs, rurl, pathway) = unsafe {
                (
                    opt_str_in(r.codecs, r.codecs_len).map_err(err_text)?,
                    str_in(r.url, r.url_len).map_err(err_text)?,
                    opt_str_in(r.pathway, r.pathway_len).map_err(err_text)?,
                )
            };
            ladder.push(HostRendition {
                bandwidth_bps: r.bandwidth_bps,
                average_bandwidth_bps: (r.average_bandwidth_bps > 0)
                    .then_some(r.average_bandwidth_bps),
                width: (r.width > 0).then_some(r.width),
                height: (r.height > 0).then_some(r.height),
                frame_rate: (r.frame_rate > 0.0 && r.frame_rate.is_finite())
                    .then_some(r.frame_rate),
                codecs: codecs.map(str::to_owned),
                url: rurl.to_owned(),
                pathway: pathway.map(str::to_owned),
            });
        }
        Ok(Event::LadderLoaded {
            url: url.to_owned(),
            renditions: ladder,
        })
    })
}

/// The host parsed a rendition's media playlist itself (first load or a live refresh):
/// its init sections and segments. `ended`: no segment will be added (VOD);
/// `target_duration_us` 0: not given. As `dmoe_agent_playlist_loaded`, without the text.
///
/// # Safety
/// `agent` is a handle; `inits` and `segments` point to their counts of readable items
/// whose URLs point to their lengths in readable bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dmoe_agent_segments_loaded(
    agent: *mut dmoe_agent,
    now_us: u64,
    rendition: u32,
    ended: bool,
    target_duration_us: u64,
    inits: *const dmoe_init,
    init_count: usize,
    segments: *const dmoe_segment,
    segment_count: usize,
) -> dmoe_status {
    event(agent, now_us, || {
        let limits = Limits::default();
        let max_segments = usize::try_from(limits.max_segments_per_rendition).unwrap_or(usize::MAX);
        // SAFETY: forwarded caller guarantees.
        let (init_items, segment_items) = unsafe {
            (
                items_in(inits, init_count, limits.max_list_items)?,
                items_in(segments, segment_count, max_segments)?,
            )
        };
        let mut list = HostSegments {
            ended,
            target_duration: (target_duration_us > 0).then(|| us(target_duration_us)),
            inits: Vec::with_capacity(init_items.len()),
            segments: Vec::with_capacity(segment_items.len()),
        };
        for i in init_items {
            // SAFETY: as above.
            let url = unsafe { str_in(i.url, i.url_len) }.map_err(err_text)?;
            list.inits.push(HostInit {
                url: url.to_owned(),
                byte_range: range_of(i.range_start, i.range_length),
            });
        }
        for g in segment_items {
            // SAFETY: as above.
            let url = unsafe { str_in(g.url, g.url_len) }.map_err(err_text)?;
            list.segments.push(HostSegment {
                number: g.number,
                start: us(g.start_us),
                duration: us(g.duration_us),
                url: url.to_owned(),
                byte_range: range_of(g.range_start, g.range_length),
                init: u32::try_from(g.init).ok(),
            });
        }
        Ok(Event::SegmentsLoaded {
            rendition: RenditionId(rendition),
            segments: list,
        })
    })
}

/// A playlist request failed (`has_rendition` false: the manifest). `failure` is a
/// `dmoe_failure` value; `http_status` goes with `DMOE_FAILURE_HTTP`.
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_playlist_failed(
    agent: *mut dmoe_agent,
    now_us: u64,
    has_rendition: bool,
    rendition: u32,
    failure: u32,
    http_status: u16,
) -> dmoe_status {
    event(agent, now_us, || {
        Ok(Event::PlaylistFailed {
            rendition: has_rendition.then_some(RenditionId(rendition)),
            failure: failure_of(failure, http_status)?,
        })
    })
}

/// The steering manifest asked for with `DMOE_OUTPUT_LOAD_STEERING` answered with HTTP
/// `status` (and `Retry-After`, for a 429, when `has_retry_after`).
///
/// # Safety
/// `agent` is a handle; `body` points to `body_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_steering_loaded(
    agent: *mut dmoe_agent,
    now_us: u64,
    status: u16,
    has_retry_after: bool,
    retry_after_us: u64,
    body: *const u8,
    body_len: usize,
) -> dmoe_status {
    event(agent, now_us, || {
        // SAFETY: forwarded caller guarantee.
        let body = unsafe { str_in(body, body_len) }.map_err(err_text)?;
        Ok(Event::SteeringLoaded {
            status,
            retry_after: has_retry_after.then(|| us(retry_after_us)),
            body: body.to_owned(),
        })
    })
}

/// The steering request got no answer.
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_steering_failed(
    agent: *mut dmoe_agent,
    now_us: u64,
) -> dmoe_status {
    event(agent, now_us, || Ok(Event::SteeringFailed))
}

/// Request `id` was sent.
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_request_started(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
) -> dmoe_status {
    event(agent, now_us, || {
        Ok(Event::RequestStarted { id: RequestId(id) })
    })
}

/// Bytes of response `id` so far (0: the response has begun, no body yet). Reporting
/// progress lets the agent hold each request to a time-to-first-byte deadline and notice
/// a transfer that stalled.
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_request_progress(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
    bytes: u64,
) -> dmoe_status {
    event(agent, now_us, || {
        Ok(Event::RequestProgress {
            id: RequestId(id),
            bytes,
        })
    })
}

/// Response `id` is complete: `bytes` received, the first of them `ttfb_us` after sending.
/// `cmsd_static` / `cmsd_dynamic` are the CMSD header values, NULL when absent.
///
/// # Safety
/// `agent` is a handle; each non-NULL string points to its length in readable bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dmoe_agent_request_completed(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
    bytes: u64,
    ttfb_us: u64,
    cmsd_static: *const u8,
    cmsd_static_len: usize,
    cmsd_dynamic: *const u8,
    cmsd_dynamic_len: usize,
) -> dmoe_status {
    event(agent, now_us, || {
        // SAFETY: forwarded caller guarantee.
        let (s, d) = unsafe {
            (
                opt_str_in(cmsd_static, cmsd_static_len).map_err(err_text)?,
                opt_str_in(cmsd_dynamic, cmsd_dynamic_len).map_err(err_text)?,
            )
        };
        Ok(Event::RequestCompleted {
            id: RequestId(id),
            bytes,
            ttfb: us(ttfb_us),
            cmsd_static: s.map(str::to_owned),
            cmsd_dynamic: d.map(str::to_owned),
        })
    })
}

/// Request `id` failed: an HTTP status (with `DMOE_FAILURE_HTTP`), a timeout or a
/// connection error. `failure` is a `dmoe_failure` value (taken as an integer: any other
/// is `DMOE_STATUS_INVALID_INPUT`).
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_request_failed(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
    failure: u32,
    http_status: u16,
) -> dmoe_status {
    event(agent, now_us, || {
        Ok(Event::RequestFailed {
            id: RequestId(id),
            failure: failure_of(failure, http_status)?,
        })
    })
}

/// The host dropped request `id` itself (a seek, a switch the player forced, a stop). Not
/// a failure of the edge: nothing is retried or counted, and late reports of `id` are
/// ignored.
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_request_cancelled(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
) -> dmoe_status {
    event(agent, now_us, || {
        Ok(Event::RequestCancelled { id: RequestId(id) })
    })
}

/// Media buffered ahead of the play head. `media` is a `dmoe_media` value (any other is
/// `DMOE_STATUS_INVALID_INPUT`).
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_buffer(
    agent: *mut dmoe_agent,
    now_us: u64,
    media: u32,
    level_us: u64,
) -> dmoe_status {
    event(agent, now_us, || {
        Ok(Event::Buffer {
            media: media_in(media)?,
            level: us(level_us),
        })
    })
}

/// The playback state or rate changed. `state` is a `dmoe_playback` value (any other is
/// `DMOE_STATUS_INVALID_INPUT`); `rate` is 0 to 16.
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_playback(
    agent: *mut dmoe_agent,
    now_us: u64,
    state: u32,
    rate: f64,
) -> dmoe_status {
    event(agent, now_us, || {
        use dmoe_playback::*;
        let state = [
            (DMOE_PLAYBACK_STARTING, PlaybackState::Starting),
            (DMOE_PLAYBACK_PLAYING, PlaybackState::Playing),
            (DMOE_PLAYBACK_PAUSED, PlaybackState::Paused),
            (DMOE_PLAYBACK_SEEKING, PlaybackState::Seeking),
            (DMOE_PLAYBACK_STALLED, PlaybackState::Stalled),
            (DMOE_PLAYBACK_ENDED, PlaybackState::Ended),
        ]
        .into_iter()
        .find(|(c, _)| *c as u32 == state)
        .map(|(_, s)| s)
        .ok_or_else(|| unknown_enum("dmoe_playback", state))?;
        Ok(Event::Playback { state, rate })
    })
}

/// The play head is at media time `position_us`; for live streams, `latency_us` behind
/// the live edge (when `has_latency`).
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_position(
    agent: *mut dmoe_agent,
    now_us: u64,
    position_us: u64,
    has_latency: bool,
    latency_us: u64,
) -> dmoe_status {
    event(agent, now_us, || {
        Ok(Event::Position {
            position: us(position_us),
            latency: has_latency.then(|| us(latency_us)),
        })
    })
}

/// The user sought to media time `position_us`: the buffer is flushed and fetching
/// restarts there.
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_seek(
    agent: *mut dmoe_agent,
    now_us: u64,
    position_us: u64,
) -> dmoe_status {
    event(agent, now_us, || {
        Ok(Event::Seek {
            position: us(position_us),
        })
    })
}

/// Frame counters since the start of the session (`dropped` at most `total`).
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_frames(
    agent: *mut dmoe_agent,
    now_us: u64,
    dropped: u64,
    total: u64,
) -> dmoe_status {
    event(agent, now_us, || Ok(Event::Frames { dropped, total }))
}

/// The viewport or another limit changed: the tallest picture worth fetching and the
/// highest bitrate allowed (bits per second); 0 is "no limit" for either.
///
/// # Safety
/// `agent` is a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_viewport(
    agent: *mut dmoe_agent,
    now_us: u64,
    max_height: u32,
    max_bitrate_bps: u64,
) -> dmoe_status {
    event(agent, now_us, || {
        Ok(Event::Viewport {
            max_height: (max_height > 0).then_some(max_height),
            max_bitrate_bps: (max_bitrate_bps > 0).then_some(max_bitrate_bps),
        })
    })
}

/// Advisor: the player sent a request it chose itself, under its own `id` (report its
/// outcome with `dmoe_agent_request_*` under the same id). `rendition` (when
/// `has_rendition`) is the ladder entry it belongs to; `object` a `dmoe_object` value;
/// `duration_us` the segment's media duration (0: unknown); `pathway` the CDN it went to,
/// or NULL.
///
/// # Safety
/// `agent` is a handle; `pathway` is NULL or points to `pathway_len` readable bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dmoe_agent_transfer_started(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
    has_rendition: bool,
    rendition: u32,
    object: u32,
    duration_us: u64,
    pathway: *const u8,
    pathway_len: usize,
) -> dmoe_status {
    event(agent, now_us, || {
        let kind = match object {
            x if x == dmoe_object::DMOE_OBJECT_INIT as u32 => ObjectKind::Init,
            x if x == dmoe_object::DMOE_OBJECT_MEDIA as u32 => ObjectKind::Media,
            x => return Err(unknown_enum("dmoe_object", x)),
        };
        // SAFETY: forwarded caller guarantee.
        let pathway = unsafe { opt_str_in(pathway, pathway_len) }.map_err(err_text)?;
        Ok(Event::TransferStarted {
            id: RequestId(id),
            rendition: has_rendition.then_some(RenditionId(rendition)),
            kind,
            duration: (duration_us > 0).then(|| us(duration_us)),
            pathway: pathway.map(str::to_owned),
        })
    })
}

/// Advisor: the player is about to request its next media segment; the answer is a
/// `DMOE_OUTPUT_ADVICE`. `segment_duration_us` 0: unknown; `sizes` (NULL with 0: none) the
/// segment's size in bytes per ladder entry when the player knows them (0 entries are
/// unknown); `remaining` (when `has_remaining`) the segments left in a VOD.
///
/// # Safety
/// `agent` is a handle; `sizes` is NULL with 0 or points to `size_count` readable values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_advice_wanted(
    agent: *mut dmoe_agent,
    now_us: u64,
    segment_duration_us: u64,
    sizes: *const u64,
    size_count: usize,
    has_remaining: bool,
    remaining: u32,
) -> dmoe_status {
    event(agent, now_us, || {
        // SAFETY: forwarded caller guarantee.
        let sizes = unsafe { items_in(sizes, size_count, Limits::default().max_renditions) }?;
        Ok(Event::AdviceWanted {
            segment_duration: (segment_duration_us > 0).then(|| us(segment_duration_us)),
            sizes: sizes.to_vec(),
            remaining: has_remaining.then_some(remaining),
        })
    })
}
