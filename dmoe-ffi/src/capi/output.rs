//! Typed decisions for C: [`dmoe_agent_poll`] fills a [`dmoe_output`].

use std::fmt::Write as _;

use dmoe_core::agent::{Fetch, ObjectKind, Output};
use dmoe_core::{MediaType, Timestamp};

use super::{dmoe_agent, dmoe_media, dmoe_status, with_agent};
use dmoe_status::*;

/// A borrowed UTF-8 string (not NUL-terminated): `len` bytes at `ptr`. An empty one may
/// have a NULL `ptr`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dmoe_str {
    /// First byte.
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

impl dmoe_str {
    const EMPTY: Self = Self {
        ptr: std::ptr::null(),
        len: 0,
    };

    fn of(s: &str) -> Self {
        if s.is_empty() {
            Self::EMPTY
        } else {
            Self {
                ptr: s.as_ptr(),
                len: s.len(),
            }
        }
    }
}

/// A header to attach to a request (`name: value`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dmoe_header {
    /// Header name (`CMCD-Request`).
    pub name: dmoe_str,
    /// Its value.
    pub value: dmoe_str,
}

/// Init or media segment.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dmoe_object {
    /// An initialisation section.
    DMOE_OBJECT_INIT = 0,
    /// A media segment.
    DMOE_OBJECT_MEDIA = 1,
}

/// What a [`dmoe_output`] asks for. Numbers are part of the ABI and never reused; a
/// newer library may add kinds, which a host should log and skip.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dmoe_output_kind {
    /// Fetch `url` (`range` when `has_range`); report it under `id`.
    DMOE_OUTPUT_FETCH = 1,
    /// Cancel request `cancel_id` and fetch the object described instead, under `id`.
    DMOE_OUTPUT_ABANDON = 2,
    /// Cancel request `cancel_id`; nothing replaces it.
    DMOE_OUTPUT_CANCEL = 3,
    /// Measure edge `edge`: fetch `range` of `url` and report it under `id`.
    DMOE_OUTPUT_PROBE = 4,
    /// Load the media playlist of `rendition` from `url` (`prefetch`: wanted ahead of
    /// need; a host that cannot load a list without switching to it may skip it).
    DMOE_OUTPUT_LOAD_PLAYLIST = 5,
    /// Reload the manifest from `url`.
    DMOE_OUTPUT_LOAD_MANIFEST = 6,
    /// Fetch the steering manifest at `url`.
    DMOE_OUTPUT_LOAD_STEERING = 7,
    /// Set the playback rate to `rate`.
    DMOE_OUTPUT_SET_PLAYBACK_RATE = 8,
    /// Advisor: fetch the next media segment at `rendition` (`bitrate_bps`), from pathway
    /// `edge` when not empty, attaching the CMCD of `cmcd_query` or `headers`.
    DMOE_OUTPUT_ADVICE = 9,
    /// Advisor: cancel the host's transfer `cancel_id` and refetch its segment at
    /// `rendition` (`bitrate_bps`).
    DMOE_OUTPUT_ABANDON_ADVICE = 10,
    /// A telemetry report (JSON in `text`) for the controller.
    DMOE_OUTPUT_TELEMETRY = 11,
    /// Something to log (`text`); nothing to act on.
    DMOE_OUTPUT_DIAGNOSTIC = 12,
    /// Call `dmoe_agent_tick` at `at_us` if nothing else happens first (replaces any
    /// earlier timeout).
    DMOE_OUTPUT_TIMEOUT = 13,
    /// The session is over: the final telemetry report went out just before, and no
    /// timeout follows.
    DMOE_OUTPUT_END = 14,
}

/// One decision, as [`dmoe_agent_poll`] writes it. Only the fields its `kind` names are
/// meaningful; the rest are zero or empty. Every string and the header array are views
/// valid until the next call that takes the handle.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dmoe_output {
    /// What to do.
    pub kind: dmoe_output_kind,
    /// The request to make (fetch, the refetch of an abandon, probe).
    pub id: u64,
    /// The request to cancel (abandon, cancel, abandon advice).
    pub cancel_id: u64,
    /// URL to fetch or load.
    pub url: dmoe_str,
    /// Whether `range_start` / `range_length` apply.
    pub has_range: bool,
    /// First byte of the range.
    pub range_start: u64,
    /// Number of bytes of the range.
    pub range_length: u64,
    /// Rendition (fetch, abandon, load playlist, advice, abandon advice).
    pub rendition: u32,
    /// Media type of a fetch.
    pub media: dmoe_media,
    /// Init or media segment (fetch, abandon).
    pub object: dmoe_object,
    /// Segment number (fetch, abandon).
    pub segment: u64,
    /// Media duration of the segment, microseconds (0 for an init section).
    pub duration_us: u64,
    /// The edge (pathway ID) of a fetch or probe, or the pathway advised (may be empty).
    pub edge: dmoe_str,
    /// Bitrate of the rendition, bits per second.
    pub bitrate_bps: u64,
    /// Headers to attach (CMCD header mode of a fetch; an advice's CMCD as headers).
    pub headers: *const dmoe_header,
    /// Number of `headers`.
    pub header_count: usize,
    /// An advice's CMCD as a query parameter (`CMCD=...`, URL-encoded); empty when CMCD
    /// is off. A fetch's URL already carries it in query mode.
    pub cmcd_query: dmoe_str,
    /// Why (a one-line English explanation), when the rendition or edge changed, on a
    /// retry and on every abandon; empty otherwise.
    pub why: dmoe_str,
    /// Timeout: when, microseconds on the host clock.
    pub at_us: u64,
    /// Set playback rate: the rate.
    pub rate: f64,
    /// Telemetry: the report (JSON); diagnostic: the message.
    pub text: dmoe_str,
    /// Load playlist: wanted ahead of need.
    pub prefetch: bool,
    /// Telemetry: the session's final report (`DMOE_OUTPUT_END` follows).
    pub last: bool,
}

impl dmoe_output {
    fn empty(kind: dmoe_output_kind) -> Self {
        Self {
            kind,
            id: 0,
            cancel_id: 0,
            url: dmoe_str::EMPTY,
            has_range: false,
            range_start: 0,
            range_length: 0,
            rendition: 0,
            media: dmoe_media::DMOE_MEDIA_VIDEO,
            object: dmoe_object::DMOE_OBJECT_MEDIA,
            segment: 0,
            duration_us: 0,
            edge: dmoe_str::EMPTY,
            bitrate_bps: 0,
            headers: std::ptr::null(),
            header_count: 0,
            cmcd_query: dmoe_str::EMPTY,
            why: dmoe_str::EMPTY,
            at_us: 0,
            rate: 0.0,
            text: dmoe_str::EMPTY,
            prefetch: false,
            last: false,
        }
    }
}

/// Text a polled output's views point to that the output itself does not hold.
#[derive(Debug, Default)]
pub(super) struct View {
    why: String,
    cmcd_query: String,
    advice_headers: Vec<(&'static str, String)>,
    headers: Vec<dmoe_header>,
}

// SAFETY: `headers` holds pointers into strings owned by the same session (its polled
// output or `advice_headers`); Rust never reads through them, and they move between
// threads only with the session that owns what they point to.
unsafe impl Send for View {}

pub(super) fn media_of(m: MediaType) -> dmoe_media {
    match m {
        MediaType::Audio => dmoe_media::DMOE_MEDIA_AUDIO,
        MediaType::Subtitles => dmoe_media::DMOE_MEDIA_SUBTITLES,
        MediaType::ClosedCaptions => dmoe_media::DMOE_MEDIA_CLOSED_CAPTIONS,
        MediaType::Video => dmoe_media::DMOE_MEDIA_VIDEO,
        _ => dmoe_media::DMOE_MEDIA_UNKNOWN,
    }
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn at_us(t: Timestamp) -> u64 {
    t.as_micros()
}

impl View {
    fn fill_fetch(&mut self, o: &mut dmoe_output, f: &Fetch) {
        o.id = f.id.0;
        o.url = dmoe_str::of(&f.url);
        if let Some(r) = f.byte_range {
            o.has_range = true;
            o.range_start = r.start;
            o.range_length = r.length;
        }
        o.rendition = f.rendition.0;
        o.media = media_of(f.media);
        o.object = match f.kind {
            ObjectKind::Init => dmoe_object::DMOE_OBJECT_INIT,
            ObjectKind::Media => dmoe_object::DMOE_OBJECT_MEDIA,
        };
        o.segment = f.segment;
        o.duration_us = micros(f.duration);
        o.edge = dmoe_str::of(&f.edge);
        o.bitrate_bps = f.bitrate_bps;
        self.headers.clear();
        self.headers
            .extend(f.headers.iter().map(|(n, v)| dmoe_header {
                name: dmoe_str::of(n),
                value: dmoe_str::of(v),
            }));
        self.set_headers(o);
        if let Some(w) = &f.why {
            self.set_why(o, w);
        }
    }

    fn set_headers(&self, o: &mut dmoe_output) {
        if !self.headers.is_empty() {
            o.headers = self.headers.as_ptr();
            o.header_count = self.headers.len();
        }
    }

    fn set_why(&mut self, o: &mut dmoe_output, why: &dyn std::fmt::Display) {
        self.why.clear();
        let _ = write!(self.why, "{why}");
        o.why = dmoe_str::of(&self.why);
    }

    /// The typed form of `out`, pointing into `out` and into `self`.
    pub(super) fn describe(&mut self, out: &Output) -> Option<dmoe_output> {
        use dmoe_output_kind::*;
        self.headers.clear();
        let o = match out {
            Output::Fetch(f) => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_FETCH);
                self.fill_fetch(&mut o, f);
                o
            }
            Output::Abandon { id, refetch, why } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_ABANDON);
                self.fill_fetch(&mut o, refetch);
                o.cancel_id = id.0;
                self.set_why(&mut o, why);
                o
            }
            Output::Cancel { id } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_CANCEL);
                o.cancel_id = id.0;
                o
            }
            Output::Probe(p) => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_PROBE);
                o.id = p.id.0;
                o.url = dmoe_str::of(&p.url);
                o.has_range = true;
                o.range_start = p.byte_range.start;
                o.range_length = p.byte_range.length;
                o.edge = dmoe_str::of(&p.edge);
                o
            }
            Output::LoadPlaylist {
                rendition,
                url,
                prefetch,
            } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_LOAD_PLAYLIST);
                o.rendition = rendition.0;
                o.url = dmoe_str::of(url);
                o.prefetch = *prefetch;
                o
            }
            Output::LoadManifest { url } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_LOAD_MANIFEST);
                o.url = dmoe_str::of(url);
                o
            }
            Output::LoadSteering { url } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_LOAD_STEERING);
                o.url = dmoe_str::of(url);
                o
            }
            Output::SetPlaybackRate { rate } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_SET_PLAYBACK_RATE);
                o.rate = *rate;
                o
            }
            Output::Advice(a) => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_ADVICE);
                o.rendition = a.rendition.0;
                o.bitrate_bps = a.bitrate_bps;
                if let Some(p) = &a.pathway {
                    o.edge = dmoe_str::of(p);
                }
                self.cmcd_query.clear();
                self.advice_headers.clear();
                if let Some(c) = &a.cmcd {
                    self.cmcd_query = c.to_query();
                    self.advice_headers = c.to_headers();
                }
                o.cmcd_query = dmoe_str::of(&self.cmcd_query);
                let headers: Vec<dmoe_header> = self
                    .advice_headers
                    .iter()
                    .map(|(n, v)| dmoe_header {
                        name: dmoe_str::of(n),
                        value: dmoe_str::of(v),
                    })
                    .collect();
                self.headers = headers;
                self.set_headers(&mut o);
                if let Some(w) = &a.why {
                    self.set_why(&mut o, w);
                }
                o
            }
            Output::AbandonAdvice {
                id,
                rendition,
                bitrate_bps,
                why,
            } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_ABANDON_ADVICE);
                o.cancel_id = id.0;
                o.rendition = rendition.0;
                o.bitrate_bps = *bitrate_bps;
                self.set_why(&mut o, why);
                o
            }
            Output::Telemetry { json, last } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_TELEMETRY);
                o.text = dmoe_str::of(json);
                o.last = *last;
                o
            }
            Output::Diagnostic { message } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_DIAGNOSTIC);
                o.text = dmoe_str::of(message);
                o
            }
            Output::Timeout { at } => {
                let mut o = dmoe_output::empty(DMOE_OUTPUT_TIMEOUT);
                o.at_us = at_us(*at);
                o
            }
            Output::End => dmoe_output::empty(DMOE_OUTPUT_END),
            // A kind this ABI does not know yet: the JSON form still carries it.
            _ => return None,
        };
        Some(o)
    }
}

/// The next decision, typed: returns `DMOE_STATUS_OK` and fills `*out`, or
/// `DMOE_STATUS_NOTHING` when nothing is waiting (`*out` untouched). Drain it (poll until
/// `DMOE_STATUS_NOTHING`) after every event. Its strings and header array stay valid until
/// the next call that takes this handle.
///
/// An output of a kind this build's header does not describe is skipped here with a
/// `DMOE_OUTPUT_DIAGNOSTIC` naming it (use `dmoe_agent_poll_json` to see every kind).
///
/// # Safety
/// `agent` is a handle; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_poll(
    agent: *mut dmoe_agent,
    out: *mut dmoe_output,
) -> dmoe_status {
    if out.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    with_agent(agent, |a| {
        if !a.poll_into_slot() {
            return Ok(DMOE_STATUS_NOTHING);
        }
        let Some(polled) = a.slot.as_ref() else {
            return Ok(DMOE_STATUS_NOTHING);
        };
        let typed = match a.view.describe(polled) {
            Some(o) => o,
            None => {
                a.view.why = format!("an output this header does not describe: {polled:?}");
                let mut o = dmoe_output::empty(dmoe_output_kind::DMOE_OUTPUT_DIAGNOSTIC);
                o.text = dmoe_str::of(&a.view.why);
                o
            }
        };
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { out.write(typed) };
        Ok(DMOE_STATUS_OK)
    })
}
