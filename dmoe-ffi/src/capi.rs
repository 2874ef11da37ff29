//! The C ABI of the device agent.
//!
//! Conventions (after rustls-ffi):
//!
//! - `dmoe_agent` is an opaque handle made by [`dmoe_agent_new`] and freed by
//!   [`dmoe_agent_free`]; `dmoe_agent_free(NULL)` does nothing, and so does freeing a handle
//!   twice (the library keeps a registry of live handles and refuses unknown ones with
//!   `DMOE_STATUS_INVALID_HANDLE`).
//! - Every function runs inside a panic boundary: a panic never crosses into C. It returns
//!   `DMOE_STATUS_PANIC`, and the handle is *poisoned*: every later call but `_free` returns
//!   `DMOE_STATUS_POISONED`.
//! - Fallible functions return a [`dmoe_status`] with explicit numbers that are never reused.
//!   Out-parameters are written only on success.
//! - Strings in are pointer + length UTF-8, checked here (`DMOE_STATUS_INVALID_UTF8`).
//!   Strings out are borrowed views valid until the next call that takes the handle mutably
//!   (`_handle_*`, `_poll`, `_free`), or copies into a caller buffer.
//! - The last error's message is kept on the handle ([`dmoe_agent_last_error`]).
//! - Decisions are polled ([`dmoe_agent_poll`]), never called back.
//!
//! Thread rules: a handle may move between threads but must not be used from two threads at
//! once. Functions without a handle are callable from any thread.

#![allow(non_camel_case_types, clippy::missing_safety_doc)]

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::Duration;

use dmoe_core::agent::{
    Agent, AgentError, Config, Event, Failure, HostInit, HostRendition, HostSegment, HostSegments,
    Input, RequestId,
};
use dmoe_core::{ByteRange, Limits, MediaType, PlaybackState, RenditionId, Timestamp};

/// Result of a call. Numbers are part of the ABI and never reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dmoe_status {
    /// Success.
    DMOE_STATUS_OK = 0,
    /// Nothing to return (no output waiting). Not an error.
    DMOE_STATUS_NOTHING = 1,
    /// A required pointer was NULL.
    DMOE_STATUS_NULL_ARGUMENT = 100,
    /// A string was not valid UTF-8.
    DMOE_STATUS_INVALID_UTF8 = 101,
    /// An input was malformed (bad JSON, a value out of range, an unknown enum value).
    DMOE_STATUS_INVALID_INPUT = 102,
    /// A manifest or playlist did not parse.
    DMOE_STATUS_INVALID_MANIFEST = 103,
    /// The configuration was refused.
    DMOE_STATUS_INVALID_CONFIG = 104,
    /// Wrong use: outputs not drained, time going backwards, an unknown request id.
    DMOE_STATUS_MISUSE = 105,
    /// The handle is not a live agent (never made, or already freed).
    DMOE_STATUS_INVALID_HANDLE = 106,
    /// An earlier call panicked; only `dmoe_agent_free` is accepted now.
    DMOE_STATUS_POISONED = 107,
    /// The presentation has nothing playable.
    DMOE_STATUS_UNSUPPORTED = 108,
    /// A bug inside the library was caught at the boundary.
    DMOE_STATUS_PANIC = 200,
}

use dmoe_status::*;

/// Media type of a buffer report.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dmoe_media {
    /// Video (or muxed).
    DMOE_MEDIA_VIDEO = 0,
    /// Audio.
    DMOE_MEDIA_AUDIO = 1,
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

/// Library major version (matches `dmoe_version_major()`).
pub const DMOE_VERSION_MAJOR: u32 = 0;
/// Library minor version.
pub const DMOE_VERSION_MINOR: u32 = 1;
/// Library patch version.
pub const DMOE_VERSION_PATCH: u32 = 0;

/// An agent session (opaque).
#[derive(Debug)]
pub struct dmoe_agent {
    agent: Agent,
    last_error: String,
    /// The last polled output (its buffers go back to the agent on the next poll).
    slot: Option<dmoe_core::agent::Output>,
    /// Its JSON, the view `dmoe_agent_poll` hands out.
    output: Vec<u8>,
    report: String,
    poisoned: bool,
}

/// Addresses of live handles: refuses use after free and double free.
static LIVE: Mutex<BTreeSet<usize>> = Mutex::new(BTreeSet::new());

fn live(p: *const dmoe_agent) -> bool {
    LIVE.lock()
        .map(|s| s.contains(&(p as usize)))
        .unwrap_or(false)
}

fn status_text(s: dmoe_status) -> &'static str {
    match s {
        DMOE_STATUS_OK => "ok",
        DMOE_STATUS_NOTHING => "nothing to return",
        DMOE_STATUS_NULL_ARGUMENT => "a required pointer was NULL",
        DMOE_STATUS_INVALID_UTF8 => "a string was not valid UTF-8",
        DMOE_STATUS_INVALID_INPUT => "malformed input",
        DMOE_STATUS_INVALID_MANIFEST => "the manifest did not parse",
        DMOE_STATUS_INVALID_CONFIG => "invalid configuration",
        DMOE_STATUS_MISUSE => "wrong use of the agent",
        DMOE_STATUS_INVALID_HANDLE => "not a live agent handle",
        DMOE_STATUS_POISONED => "the agent is poisoned by an earlier panic; free it",
        DMOE_STATUS_UNSUPPORTED => "nothing playable in the presentation",
        DMOE_STATUS_PANIC => "internal error (a bug) caught at the boundary",
    }
}

const ALL_STATUSES: [dmoe_status; 12] = [
    DMOE_STATUS_OK,
    DMOE_STATUS_NOTHING,
    DMOE_STATUS_NULL_ARGUMENT,
    DMOE_STATUS_INVALID_UTF8,
    DMOE_STATUS_INVALID_INPUT,
    DMOE_STATUS_INVALID_MANIFEST,
    DMOE_STATUS_INVALID_CONFIG,
    DMOE_STATUS_MISUSE,
    DMOE_STATUS_INVALID_HANDLE,
    DMOE_STATUS_POISONED,
    DMOE_STATUS_UNSUPPORTED,
    DMOE_STATUS_PANIC,
];

/// Enum values arrive from C as plain integers (C lets any int through): an unknown one
/// is invalid input, never a Rust enum with an impossible value.
fn unknown_enum(name: &str, value: u32) -> (dmoe_status, String) {
    (
        DMOE_STATUS_INVALID_INPUT,
        format!("{value} is not a {name} value"),
    )
}

fn classify(e: &AgentError) -> dmoe_status {
    match e {
        AgentError::OutputNotDrained
        | AgentError::TimeWentBackwards { .. }
        | AgentError::UnknownRequest(_)
        | AgentError::UnknownRendition(_) => DMOE_STATUS_MISUSE,
        AgentError::Manifest(_) => DMOE_STATUS_INVALID_MANIFEST,
        AgentError::NothingToPlay => DMOE_STATUS_UNSUPPORTED,
        _ => DMOE_STATUS_INVALID_INPUT,
    }
}

/// Borrow `len` bytes at `ptr` as UTF-8. NULL with length 0 is the empty string.
unsafe fn str_in<'a>(ptr: *const u8, len: usize) -> Result<&'a str, dmoe_status> {
    if ptr.is_null() {
        return if len == 0 {
            Ok("")
        } else {
            Err(DMOE_STATUS_NULL_ARGUMENT)
        };
    }
    // SAFETY: the caller promises `len` readable bytes at `ptr` for the call.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).map_err(|_| DMOE_STATUS_INVALID_UTF8)
}

/// Optional string: NULL is None.
unsafe fn opt_str_in<'a>(ptr: *const u8, len: usize) -> Result<Option<&'a str>, dmoe_status> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: as str_in.
        unsafe { str_in(ptr, len) }.map(Some)
    }
}

/// Run `f` on a live, unpoisoned handle inside the panic boundary; store the error text.
fn with_agent(
    agent: *mut dmoe_agent,
    f: impl FnOnce(&mut dmoe_agent) -> Result<dmoe_status, (dmoe_status, String)>,
) -> dmoe_status {
    if agent.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    if !live(agent) {
        return DMOE_STATUS_INVALID_HANDLE;
    }
    // SAFETY: `agent` is a live handle made by dmoe_agent_new (registry checked) and the
    // caller does not use it from another thread during the call.
    let a = unsafe { &mut *agent };
    if a.poisoned {
        return DMOE_STATUS_POISONED;
    }
    match catch_unwind(AssertUnwindSafe(|| f(&mut *a))) {
        Ok(Ok(s)) => s,
        Ok(Err((s, msg))) => {
            a.last_error = msg;
            s
        }
        Err(_) => {
            a.poisoned = true;
            a.last_error = status_text(DMOE_STATUS_PANIC).to_owned();
            DMOE_STATUS_PANIC
        }
    }
}

fn feed(a: &mut dmoe_agent, input: Input) -> Result<dmoe_status, (dmoe_status, String)> {
    a.agent
        .handle_input(input)
        .map(|()| DMOE_STATUS_OK)
        .map_err(|e| (classify(&e), e.to_string()))
}

fn ts(now_us: u64) -> Timestamp {
    Timestamp::from_micros(now_us)
}

/// Make an agent from a JSON configuration (`NULL`/0 for the defaults; the hybrid ABR).
///
/// On success writes the new handle to `*out` and returns `DMOE_STATUS_OK`; free it with
/// `dmoe_agent_free`. On failure `*out` is untouched.
///
/// # Safety
/// `config_json` points to `config_len` readable bytes (or is NULL with length 0); `out`
/// is a valid pointer to write a handle to.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_new(
    config_json: *const u8,
    config_len: usize,
    out: *mut *mut dmoe_agent,
) -> dmoe_status {
    if out.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    let r = catch_unwind(|| {
        // SAFETY: forwarded caller guarantee.
        let text = unsafe { str_in(config_json, config_len) }?;
        let cfg = if text.trim().is_empty() {
            Config::default()
        } else {
            Config::from_json(text).map_err(|_| DMOE_STATUS_INVALID_CONFIG)?
        };
        let agent = dmoe_abr::agent(cfg).map_err(|_| DMOE_STATUS_INVALID_CONFIG)?;
        Ok::<_, dmoe_status>(Box::new(dmoe_agent {
            agent,
            last_error: String::new(),
            slot: None,
            output: Vec::new(),
            report: String::new(),
            poisoned: false,
        }))
    });
    match r {
        Ok(Ok(b)) => {
            let p = Box::into_raw(b);
            if let Ok(mut s) = LIVE.lock() {
                s.insert(p as usize);
            }
            // SAFETY: `out` checked non-NULL; the caller promises it is writable.
            unsafe { *out = p };
            DMOE_STATUS_OK
        }
        Ok(Err(s)) => s,
        Err(_) => DMOE_STATUS_PANIC,
    }
}

/// Free an agent. NULL, and a handle already freed, are ignored.
///
/// # Safety
/// `agent` is NULL or a pointer returned by `dmoe_agent_new`; no view borrowed from it is
/// used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_free(agent: *mut dmoe_agent) {
    if agent.is_null() {
        return;
    }
    let was_live = LIVE
        .lock()
        .map(|mut s| s.remove(&(agent as usize)))
        .unwrap_or(false);
    if was_live {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: made by Box::into_raw in dmoe_agent_new and removed from the registry
            // exactly once.
            drop(unsafe { Box::from_raw(agent) });
        }));
    }
}

/// Give the agent one input as JSON (the serde form of `dmoe_core::agent::Input`, e.g.
/// `{"at": 1000, "type": "tick"}`). Any event can be given this way.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`; `json` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_handle_input_json(
    agent: *mut dmoe_agent,
    json: *const u8,
    len: usize,
) -> dmoe_status {
    with_agent(agent, |a| {
        // SAFETY: forwarded caller guarantee.
        let text = unsafe { str_in(json, len) }.map_err(|s| (s, status_text(s).to_owned()))?;
        let input: Input = serde_json::from_str(text)
            .map_err(|e| (DMOE_STATUS_INVALID_INPUT, format!("input: {e}")))?;
        feed(a, input)
    })
}

/// Time passed (answer to a timeout output).
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_tick(agent: *mut dmoe_agent, now_us: u64) -> dmoe_status {
    with_agent(agent, |a| feed(a, Input::new(ts(now_us), Event::Tick)))
}

/// The manifest was loaded from `url`.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`; `url` and `body` point to their lengths in
/// readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_manifest_loaded(
    agent: *mut dmoe_agent,
    now_us: u64,
    url: *const u8,
    url_len: usize,
    body: *const u8,
    body_len: usize,
) -> dmoe_status {
    with_agent(agent, |a| {
        // SAFETY: forwarded caller guarantee.
        let (url, body) = unsafe { (str_in(url, url_len), str_in(body, body_len)) };
        let (url, body) = (
            url.map_err(|s| (s, status_text(s).to_owned()))?,
            body.map_err(|s| (s, status_text(s).to_owned()))?,
        );
        feed(
            a,
            Input::new(
                ts(now_us),
                Event::ManifestLoaded {
                    url: url.to_owned(),
                    body: body.to_owned(),
                },
            ),
        )
    })
}

/// One rendition of a ladder the host parsed itself (see `dmoe_agent_ladder_loaded`).
/// Strings are UTF-8 with their lengths; a NULL `codecs` is "not declared".
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dmoe_rendition {
    /// Peak bitrate, bits per second (HLS `BANDWIDTH`); 0 is not offered.
    pub bandwidth: u64,
    /// Average bitrate, bits per second; 0: not declared.
    pub average_bandwidth: u64,
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
unsafe fn items_in<'a, T>(ptr: *const T, count: usize, max: usize) -> Result<&'a [T], dmoe_status> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(DMOE_STATUS_NULL_ARGUMENT);
    }
    if count > max {
        return Err(DMOE_STATUS_INVALID_INPUT);
    }
    // SAFETY: the caller promises `count` readable items at `ptr` for the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

fn range_of(start: u64, length: u64) -> Option<ByteRange> {
    (length > 0).then_some(ByteRange { start, length })
}

fn err_text(s: dmoe_status) -> (dmoe_status, String) {
    (s, status_text(s).to_owned())
}

/// The host parsed the manifest itself (a player with its own parser): its ladder,
/// rendition `i` being `renditions[i]`. The agent then behaves as after
/// `dmoe_agent_manifest_loaded`: a `load_playlist` output names the rendition whose
/// segments it needs, handed over with `dmoe_agent_segments_loaded`.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`; `url` points to `url_len` readable bytes;
/// `renditions` to `count` readable items whose strings point to their lengths in
/// readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_ladder_loaded(
    agent: *mut dmoe_agent,
    now_us: u64,
    url: *const u8,
    url_len: usize,
    renditions: *const dmoe_rendition,
    count: usize,
) -> dmoe_status {
    with_agent(agent, |a| {
        // SAFETY: forwarded caller guarantees.
        let url = unsafe { str_in(url, url_len) }.map_err(err_text)?;
        // SAFETY: as above.
        let items = unsafe { items_in(renditions, count, Limits::default().max_renditions) }
            .map_err(err_text)?;
        let mut ladder = Vec::with_capacity(items.len());
        for r in items {
            // SAFETY: as above.
            let (codecs, rurl) = unsafe {
                (
                    opt_str_in(r.codecs, r.codecs_len).map_err(err_text)?,
                    str_in(r.url, r.url_len).map_err(err_text)?,
                )
            };
            ladder.push(HostRendition {
                bandwidth: r.bandwidth,
                average_bandwidth: (r.average_bandwidth > 0).then_some(r.average_bandwidth),
                width: (r.width > 0).then_some(r.width),
                height: (r.height > 0).then_some(r.height),
                frame_rate: (r.frame_rate > 0.0 && r.frame_rate.is_finite())
                    .then_some(r.frame_rate),
                codecs: codecs.map(str::to_owned),
                url: rurl.to_owned(),
            });
        }
        feed(
            a,
            Input::new(
                ts(now_us),
                Event::LadderLoaded {
                    url: url.to_owned(),
                    renditions: ladder,
                },
            ),
        )
    })
}

/// The host parsed a rendition's media playlist itself (first load or a live refresh):
/// its init sections and segments. `ended`: no segment will be added (VOD);
/// `target_duration_us` 0: not given. As `dmoe_agent_playlist_loaded`, without the text.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`; `inits` and `segments` point to their
/// counts of readable items whose URLs point to their lengths in readable bytes.
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
    with_agent(agent, |a| {
        let limits = Limits::default();
        let max_segments = usize::try_from(limits.max_segments_per_rendition).unwrap_or(usize::MAX);
        // SAFETY: forwarded caller guarantees.
        let (init_items, segment_items) = unsafe {
            (
                items_in(inits, init_count, limits.max_list_items).map_err(err_text)?,
                items_in(segments, segment_count, max_segments).map_err(err_text)?,
            )
        };
        let mut list = HostSegments {
            ended,
            target_duration: (target_duration_us > 0)
                .then(|| Duration::from_micros(target_duration_us)),
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
                start: Duration::from_micros(g.start_us),
                duration: Duration::from_micros(g.duration_us),
                url: url.to_owned(),
                byte_range: range_of(g.range_start, g.range_length),
                init: u32::try_from(g.init).ok(),
            });
        }
        feed(
            a,
            Input::new(
                ts(now_us),
                Event::SegmentsLoaded {
                    rendition: RenditionId(rendition),
                    segments: list,
                },
            ),
        )
    })
}

/// A media playlist asked for was loaded.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`; `body` points to `body_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_playlist_loaded(
    agent: *mut dmoe_agent,
    now_us: u64,
    rendition: u32,
    body: *const u8,
    body_len: usize,
) -> dmoe_status {
    with_agent(agent, |a| {
        // SAFETY: forwarded caller guarantee.
        let body = unsafe { str_in(body, body_len) }.map_err(|s| (s, status_text(s).to_owned()))?;
        feed(
            a,
            Input::new(
                ts(now_us),
                Event::PlaylistLoaded {
                    rendition: RenditionId(rendition),
                    body: body.to_owned(),
                },
            ),
        )
    })
}

/// A request was sent.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_request_started(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
) -> dmoe_status {
    with_agent(agent, |a| {
        feed(
            a,
            Input::new(ts(now_us), Event::RequestStarted { id: RequestId(id) }),
        )
    })
}

/// Bytes of a response so far.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_request_progress(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
    bytes: u64,
) -> dmoe_status {
    with_agent(agent, |a| {
        feed(
            a,
            Input::new(
                ts(now_us),
                Event::RequestProgress {
                    id: RequestId(id),
                    bytes,
                },
            ),
        )
    })
}

/// A response is complete. `cmsd_static` / `cmsd_dynamic` are the header values, NULL when
/// absent.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`; each non-NULL string points to its length in
/// readable bytes.
#[unsafe(no_mangle)]
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
    with_agent(agent, |a| {
        // SAFETY: forwarded caller guarantee.
        let (s, d) = unsafe {
            (
                opt_str_in(cmsd_static, cmsd_static_len),
                opt_str_in(cmsd_dynamic, cmsd_dynamic_len),
            )
        };
        let s = s.map_err(|e| (e, status_text(e).to_owned()))?;
        let d = d.map_err(|e| (e, status_text(e).to_owned()))?;
        feed(
            a,
            Input::new(
                ts(now_us),
                Event::RequestCompleted {
                    id: RequestId(id),
                    bytes,
                    ttfb: Duration::from_micros(ttfb_us),
                    cmsd_static: s.map(str::to_owned),
                    cmsd_dynamic: d.map(str::to_owned),
                },
            ),
        )
    })
}

/// The host dropped a request itself (a seek, a switch the player forced, a stop). Not a
/// failure of the edge: nothing is retried or counted, and late reports of `id` are
/// ignored.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_request_cancelled(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
) -> dmoe_status {
    with_agent(agent, |a| {
        feed(
            a,
            Input::new(ts(now_us), Event::RequestCancelled { id: RequestId(id) }),
        )
    })
}

/// A request failed: an HTTP status (with `DMOE_FAILURE_HTTP`), a timeout or a connection
/// error. `failure` is a `dmoe_failure` value (taken as an integer: any other value is
/// `DMOE_STATUS_INVALID_INPUT`).
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_request_failed(
    agent: *mut dmoe_agent,
    now_us: u64,
    id: u64,
    failure: u32,
    http_status: u16,
) -> dmoe_status {
    with_agent(agent, |a| {
        let failure = match failure {
            x if x == dmoe_failure::DMOE_FAILURE_HTTP as u32 => Failure::Http {
                status: http_status,
            },
            x if x == dmoe_failure::DMOE_FAILURE_TIMEOUT as u32 => Failure::Timeout,
            x if x == dmoe_failure::DMOE_FAILURE_CONNECTION as u32 => Failure::Connection,
            x => return Err(unknown_enum("dmoe_failure", x)),
        };
        feed(
            a,
            Input::new(
                ts(now_us),
                Event::RequestFailed {
                    id: RequestId(id),
                    failure,
                },
            ),
        )
    })
}

/// Media buffered ahead of the play head. `media` is a `dmoe_media` value (any other is
/// `DMOE_STATUS_INVALID_INPUT`).
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_buffer(
    agent: *mut dmoe_agent,
    now_us: u64,
    media: u32,
    level_us: u64,
) -> dmoe_status {
    with_agent(agent, |a| {
        let media = match media {
            x if x == dmoe_media::DMOE_MEDIA_VIDEO as u32 => MediaType::Video,
            x if x == dmoe_media::DMOE_MEDIA_AUDIO as u32 => MediaType::Audio,
            x => return Err(unknown_enum("dmoe_media", x)),
        };
        feed(
            a,
            Input::new(
                ts(now_us),
                Event::Buffer {
                    media,
                    level: Duration::from_micros(level_us),
                },
            ),
        )
    })
}

/// The playback state or rate changed. `state` is a `dmoe_playback` value (any other is
/// `DMOE_STATUS_INVALID_INPUT`).
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_playback(
    agent: *mut dmoe_agent,
    now_us: u64,
    state: u32,
    rate: f64,
) -> dmoe_status {
    with_agent(agent, |a| {
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
        feed(a, Input::new(ts(now_us), Event::Playback { state, rate }))
    })
}

/// The next decision as JSON (the serde form of `dmoe_core::agent::Output`, with a `type`
/// field: `fetch`, `abandon`, `load_playlist`, `load_manifest`, `load_steering`,
/// `set_playback_rate`, `telemetry`, `diagnostic`, `timeout`).
///
/// Returns `DMOE_STATUS_OK` and a view in `*out_json` / `*out_len` (not NUL-terminated,
/// valid until the next call that takes this handle mutably), or `DMOE_STATUS_NOTHING` when
/// nothing is waiting (out-params untouched).
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`; `out_json` and `out_len` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_poll(
    agent: *mut dmoe_agent,
    out_json: *mut *const u8,
    out_len: *mut usize,
) -> dmoe_status {
    if out_json.is_null() || out_len.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    with_agent(agent, |a| {
        if !a.agent.poll_output_into(&mut a.slot) {
            return Ok(DMOE_STATUS_NOTHING);
        }
        a.output.clear();
        // Invariant: outputs serialize (strings, numbers, enums); a Vec cannot fail to grow
        // short of aborting.
        serde_json::to_writer(&mut a.output, &a.slot).expect("serializable output");
        // SAFETY: both checked non-NULL; the caller promises they are writable.
        unsafe {
            *out_json = a.output.as_ptr();
            *out_len = a.output.len();
        }
        Ok(DMOE_STATUS_OK)
    })
}

/// The telemetry report now, as JSON: a view valid until the next mutating call.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`; `out_json` and `out_len` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_report(
    agent: *mut dmoe_agent,
    out_json: *mut *const u8,
    out_len: *mut usize,
) -> dmoe_status {
    if out_json.is_null() || out_len.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    with_agent(agent, |a| {
        a.report = a.agent.report();
        // SAFETY: both checked non-NULL; the caller promises they are writable.
        unsafe {
            *out_json = a.report.as_ptr();
            *out_len = a.report.len();
        }
        Ok(DMOE_STATUS_OK)
    })
}

/// Copy the message of the last error on this handle into `buf` (truncated to `len`
/// bytes, not NUL-terminated) and its length into `*out_n`.
///
/// # Safety
/// `agent` is a handle from `dmoe_agent_new`; `buf` has `len` writable bytes; `out_n` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_last_error(
    agent: *mut dmoe_agent,
    buf: *mut u8,
    len: usize,
    out_n: *mut usize,
) -> dmoe_status {
    if buf.is_null() || out_n.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    if agent.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    if !live(agent) {
        return DMOE_STATUS_INVALID_HANDLE;
    }
    // SAFETY: live handle (registry checked); read only.
    let a = unsafe { &*agent };
    // SAFETY: forwarded caller guarantee on buf/len/out_n.
    unsafe { copy_out(a.last_error.as_bytes(), buf, len, out_n) };
    DMOE_STATUS_OK
}

/// Copy a short English description of `status` (a `dmoe_status` value; others read
/// "unknown status") into `buf` (truncated to `len` bytes) and
/// its length into `*out_n`. Callable from any thread.
///
/// # Safety
/// `buf` has `len` writable bytes; `out_n` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_status_message(
    status: u32,
    buf: *mut u8,
    len: usize,
    out_n: *mut usize,
) -> dmoe_status {
    if buf.is_null() || out_n.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    let text = ALL_STATUSES
        .iter()
        .find(|s| **s as u32 == status)
        .map_or("unknown status", |s| status_text(*s));
    // SAFETY: forwarded caller guarantee.
    unsafe { copy_out(text.as_bytes(), buf, len, out_n) };
    DMOE_STATUS_OK
}

unsafe fn copy_out(src: &[u8], buf: *mut u8, len: usize, out_n: *mut usize) {
    let mut n = src.len().min(len);
    // Never cut a UTF-8 sequence in half.
    while n > 0 && n < src.len() && (src[n] & 0xC0) == 0x80 {
        n -= 1;
    }
    // SAFETY: `buf` has `len >= n` writable bytes; the regions do not overlap (src is ours).
    unsafe {
        std::ptr::copy_nonoverlapping(src.as_ptr(), buf, n);
        *out_n = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constants_match_cargo() {
        assert_eq!(
            format!("{DMOE_VERSION_MAJOR}.{DMOE_VERSION_MINOR}.{DMOE_VERSION_PATCH}"),
            env!("CARGO_PKG_VERSION")
        );
    }

    #[test]
    fn round_trip_through_the_c_functions() {
        let mut a: *mut dmoe_agent = std::ptr::null_mut();
        let cfg = br#"{"seed": 3}"#;
        // SAFETY: valid buffers and out-pointer.
        unsafe {
            assert_eq!(
                dmoe_agent_new(cfg.as_ptr(), cfg.len(), &mut a),
                DMOE_STATUS_OK
            );
            let url = b"https://e.example/v/index.m3u8";
            let body = b"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n";
            assert_eq!(
                dmoe_agent_manifest_loaded(
                    a,
                    0,
                    url.as_ptr(),
                    url.len(),
                    body.as_ptr(),
                    body.len()
                ),
                DMOE_STATUS_OK
            );
            let mut p: *const u8 = std::ptr::null();
            let mut n = 0usize;
            assert_eq!(dmoe_agent_poll(a, &mut p, &mut n), DMOE_STATUS_OK);
            let first = std::str::from_utf8(std::slice::from_raw_parts(p, n)).unwrap();
            assert!(first.contains("\"type\":\"fetch\"") && first.contains("a.ts"));
            while dmoe_agent_poll(a, &mut p, &mut n) == DMOE_STATUS_OK {}
            // Misuse: an unknown id; the message is on the handle.
            assert_eq!(dmoe_agent_request_started(a, 1, 99), DMOE_STATUS_MISUSE);
            let mut buf = [0u8; 64];
            assert_eq!(
                dmoe_agent_last_error(a, buf.as_mut_ptr(), buf.len(), &mut n),
                DMOE_STATUS_OK
            );
            assert_eq!(&buf[..n], b"unknown request id 99");
            let bad = [0xffu8, 0xfe];
            assert_eq!(
                dmoe_agent_handle_input_json(a, bad.as_ptr(), 2),
                DMOE_STATUS_INVALID_UTF8
            );
            dmoe_agent_free(a);
            // Use after free and double free are refused, not undefined.
            assert_eq!(dmoe_agent_tick(a, 5), DMOE_STATUS_INVALID_HANDLE);
            dmoe_agent_free(a);
            dmoe_agent_free(std::ptr::null_mut());
        }
    }
}
