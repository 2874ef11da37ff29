//! The C ABI of the device agent and the advisor.
//!
//! Conventions (after rustls-ffi):
//!
//! - `dmoe_agent` is an opaque handle to a session — an agent ([`dmoe_agent_new`]) or an
//!   advisor ([`dmoe_advisor_new`]) — freed by [`dmoe_agent_free`]. A handle is a token,
//!   not an address: each carries a generation, so a freed handle stays refused
//!   (`DMOE_STATUS_INVALID_HANDLE`) even when a new session takes its place.
//!   `dmoe_agent_free(NULL)` and freeing twice do nothing.
//! - Every function runs inside a panic boundary: a panic never crosses into C. It returns
//!   `DMOE_STATUS_PANIC`, and the handle is *poisoned*: every later call but `_free`
//!   returns `DMOE_STATUS_POISONED`.
//! - Fallible functions return a [`dmoe_status`] with explicit numbers that are never reused.
//!   Out-parameters are written only on success.
//! - Strings in are pointer + length UTF-8, checked here (`DMOE_STATUS_INVALID_UTF8`).
//!   Strings out are borrowed views ([`dmoe_str`]) valid until the next call that takes
//!   the handle (any call but [`dmoe_agent_last_error`]), or copies into a caller buffer.
//! - The last error's message is kept on the handle ([`dmoe_agent_last_error`]); a call
//!   that succeeds clears it. A refused configuration's reason goes to the caller's
//!   buffer given to `dmoe_agent_new` (there is no handle yet).
//! - Decisions are polled ([`dmoe_agent_poll`] as a typed [`dmoe_output`], or
//!   [`dmoe_agent_poll_json`]), never called back.
//! - Units: times in microseconds (`_us`), bitrates in bits per second (`_bps`), sizes in
//!   bytes.
//!
//! Thread rules: a handle may move between threads. A call made while another thread is in
//! a call on the same handle returns `DMOE_STATUS_BUSY` (nothing happens); it is never
//! undefined behaviour. Functions without a handle are callable from any thread.

#![allow(non_camel_case_types, clippy::missing_safety_doc)]

mod events;
mod output;
mod report;

pub use events::*;
pub use output::*;
pub use report::*;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard};

use dmoe_core::agent::{Advisor, Agent, AgentError, Config, ConfigError, Input, Output};
use dmoe_core::{ManifestError, Timestamp};

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
    /// Wrong use: outputs not drained, time going backwards, an unknown request id, an
    /// event the session does not take.
    DMOE_STATUS_MISUSE = 105,
    /// The handle is not a live session (never made, or already freed).
    DMOE_STATUS_INVALID_HANDLE = 106,
    /// An earlier call panicked; only `dmoe_agent_free` is accepted now.
    DMOE_STATUS_POISONED = 107,
    /// The presentation has nothing playable, or this build cannot read it.
    DMOE_STATUS_UNSUPPORTED = 108,
    /// Another thread is in a call on this handle; nothing happened.
    DMOE_STATUS_BUSY = 109,
    /// Too many live sessions in this process.
    DMOE_STATUS_TOO_MANY = 110,
    /// A bug inside the library was caught at the boundary.
    DMOE_STATUS_PANIC = 200,
}

use dmoe_status::*;

/// Library major version (matches `dmoe_version_major()`).
pub const DMOE_VERSION_MAJOR: u32 = 0;
/// Library minor version.
pub const DMOE_VERSION_MINOR: u32 = 1;
/// Library patch version.
pub const DMOE_VERSION_PATCH: u32 = 0;

/// The two kinds of session behind a handle.
#[derive(Debug)]
enum Session {
    Agent(Box<Agent>),
    Advisor(Box<Advisor>),
}

/// A session (opaque): an agent or an advisor.
#[derive(Debug)]
pub struct dmoe_agent {
    session: Session,
    last_error: String,
    /// The last polled output (its buffers go back to the session on the next poll).
    slot: Option<Output>,
    /// The typed view of `slot`'s strings that do not live in `slot` itself.
    view: output::View,
    /// The JSON form of the last polled output.
    json: Vec<u8>,
    report: String,
    poisoned: bool,
}

impl dmoe_agent {
    fn new(session: Session) -> Self {
        Self {
            session,
            last_error: String::new(),
            slot: None,
            view: output::View::default(),
            json: Vec::new(),
            report: String::new(),
            poisoned: false,
        }
    }

    fn handle(&mut self, input: Input) -> Result<(), AgentError> {
        match &mut self.session {
            Session::Agent(a) => a.handle_input(input),
            Session::Advisor(a) => a.handle_input(input),
        }
    }

    fn poll_into_slot(&mut self) -> bool {
        match &mut self.session {
            Session::Agent(a) => a.poll_output_into(&mut self.slot),
            Session::Advisor(a) => a.poll_output_into(&mut self.slot),
        }
    }
}

// --- handles ----------------------------------------------------------------------------

/// Bits of a handle that name its slot; the rest carry the slot's generation.
const SLOT_BITS: u32 = if usize::BITS >= 64 { 24 } else { 12 };
const SLOT_MASK: usize = (1 << SLOT_BITS) - 1;
/// Generations wrap within the bits left (and skip 0).
const GENERATION_MASK: usize = usize::MAX >> SLOT_BITS;

#[derive(Debug)]
enum SlotState {
    Free,
    Idle(Box<dmoe_agent>),
    /// In a call; `free_after`: freed meanwhile from another thread.
    Busy {
        free_after: bool,
    },
}

#[derive(Debug)]
struct Slot {
    generation: usize,
    state: SlotState,
}

/// Live sessions by slot. Locked only to take a session out for a call and put it back.
static REGISTRY: Mutex<Vec<Slot>> = Mutex::new(Vec::new());

fn registry() -> MutexGuard<'static, Vec<Slot>> {
    // Nothing panics while the lock is held; a poisoned lock is still consistent.
    REGISTRY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn token(index: usize, generation: usize) -> *mut dmoe_agent {
    // A token, never dereferenced: slot index + 1 (never 0) and the generation.
    std::ptr::without_provenance_mut(((generation & GENERATION_MASK) << SLOT_BITS) | (index + 1))
}

fn decode(p: *const dmoe_agent) -> Option<(usize, usize)> {
    let v = p as usize;
    let index = (v & SLOT_MASK).checked_sub(1)?;
    Some((index, v >> SLOT_BITS))
}

fn register(a: dmoe_agent) -> Result<*mut dmoe_agent, dmoe_status> {
    let mut slots = registry();
    let boxed = Box::new(a);
    if let Some((i, s)) = slots
        .iter_mut()
        .enumerate()
        .find(|(_, s)| matches!(s.state, SlotState::Free))
    {
        s.state = SlotState::Idle(boxed);
        return Ok(token(i, s.generation));
    }
    if slots.len() >= SLOT_MASK - 1 {
        return Err(DMOE_STATUS_TOO_MANY);
    }
    slots.push(Slot {
        generation: 1,
        state: SlotState::Idle(boxed),
    });
    Ok(token(slots.len() - 1, 1))
}

/// Take the session of `p` out of the registry for a call.
fn checkout(p: *const dmoe_agent) -> Result<(usize, Box<dmoe_agent>), dmoe_status> {
    if p.is_null() {
        return Err(DMOE_STATUS_NULL_ARGUMENT);
    }
    let (index, generation) = decode(p).ok_or(DMOE_STATUS_INVALID_HANDLE)?;
    let mut slots = registry();
    let slot = slots
        .get_mut(index)
        .filter(|s| s.generation == generation)
        .ok_or(DMOE_STATUS_INVALID_HANDLE)?;
    match std::mem::replace(&mut slot.state, SlotState::Busy { free_after: false }) {
        SlotState::Idle(b) => Ok((index, b)),
        other => {
            let busy = matches!(other, SlotState::Busy { .. });
            slot.state = other;
            Err(if busy {
                DMOE_STATUS_BUSY
            } else {
                DMOE_STATUS_INVALID_HANDLE
            })
        }
    }
}

/// Put a session back after a call (or drop it, when it was freed meanwhile).
fn checkin(index: usize, b: Box<dmoe_agent>) {
    let mut slots = registry();
    let Some(slot) = slots.get_mut(index) else {
        return;
    };
    match slot.state {
        SlotState::Busy { free_after: true } => {
            slot.state = SlotState::Free;
            slot.generation = next_generation(slot.generation);
            drop(slots);
            let _ = catch_unwind(AssertUnwindSafe(move || drop(b)));
        }
        _ => slot.state = SlotState::Idle(b),
    }
}

fn next_generation(g: usize) -> usize {
    let n = g.wrapping_add(1) & GENERATION_MASK;
    if n == 0 { 1 } else { n }
}

/// Run `f` on the live, unpoisoned session `p` inside the panic boundary. The error text
/// of a failure is kept on the handle; a success clears it.
fn with_agent(
    p: *mut dmoe_agent,
    f: impl FnOnce(&mut dmoe_agent) -> Result<dmoe_status, (dmoe_status, String)>,
) -> dmoe_status {
    let (index, mut a) = match checkout(p) {
        Ok(x) => x,
        Err(s) => return s,
    };
    let status = if a.poisoned {
        DMOE_STATUS_POISONED
    } else {
        match catch_unwind(AssertUnwindSafe(|| f(&mut a))) {
            Ok(Ok(s)) => {
                a.last_error.clear();
                s
            }
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
    };
    checkin(index, a);
    status
}

// --- helpers ----------------------------------------------------------------------------

fn status_text(s: dmoe_status) -> &'static str {
    match s {
        DMOE_STATUS_OK => "ok",
        DMOE_STATUS_NOTHING => "nothing to return",
        DMOE_STATUS_NULL_ARGUMENT => "a required pointer was NULL",
        DMOE_STATUS_INVALID_UTF8 => "a string was not valid UTF-8",
        DMOE_STATUS_INVALID_INPUT => "malformed input",
        DMOE_STATUS_INVALID_MANIFEST => "the manifest did not parse",
        DMOE_STATUS_INVALID_CONFIG => "invalid configuration",
        DMOE_STATUS_MISUSE => "wrong use of the session",
        DMOE_STATUS_INVALID_HANDLE => "not a live session handle",
        DMOE_STATUS_POISONED => "the session is poisoned by an earlier panic; free it",
        DMOE_STATUS_UNSUPPORTED => "nothing playable, or not supported by this build",
        DMOE_STATUS_BUSY => "another thread is in a call on this handle",
        DMOE_STATUS_TOO_MANY => "too many live sessions",
        DMOE_STATUS_PANIC => "internal error (a bug) caught at the boundary",
    }
}

const ALL_STATUSES: [dmoe_status; 14] = [
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
    DMOE_STATUS_BUSY,
    DMOE_STATUS_TOO_MANY,
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
        | AgentError::DuplicateRequest(_)
        | AgentError::UnknownRendition(_)
        | AgentError::WrongSession { .. }
        | AgentError::NoLadder => DMOE_STATUS_MISUSE,
        AgentError::Manifest(ManifestError::FormatNotBuilt { .. }) => DMOE_STATUS_UNSUPPORTED,
        AgentError::Manifest(_) => DMOE_STATUS_INVALID_MANIFEST,
        AgentError::NothingToPlay => DMOE_STATUS_UNSUPPORTED,
        _ => DMOE_STATUS_INVALID_INPUT,
    }
}

/// The message C callers read: the agent's own, with C names where it names a Rust call.
fn message(e: &AgentError) -> String {
    match e {
        AgentError::OutputNotDrained => {
            "outputs not drained: call dmoe_agent_poll until it returns DMOE_STATUS_NOTHING before the next input"
                .to_owned()
        }
        other => other.to_string(),
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

fn err_text(s: dmoe_status) -> (dmoe_status, String) {
    (s, status_text(s).to_owned())
}

fn feed(a: &mut dmoe_agent, input: Input) -> Result<dmoe_status, (dmoe_status, String)> {
    a.handle(input)
        .map(|()| DMOE_STATUS_OK)
        .map_err(|e| (classify(&e), message(&e)))
}

fn ts(now_us: u64) -> Timestamp {
    Timestamp::from_micros(now_us)
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

// --- sessions ---------------------------------------------------------------------------

/// The configuration `config_json` gives (the defaults when empty), or the reason it is
/// refused.
unsafe fn config_in(config_json: *const u8, config_len: usize) -> Result<Config, String> {
    // SAFETY: forwarded caller guarantee.
    let text = unsafe { str_in(config_json, config_len) }
        .map_err(|s| format!("config: {}", status_text(s)))?;
    if text.trim().is_empty() {
        Ok(Config::default())
    } else {
        Config::from_json(text).map_err(|e| e.to_string())
    }
}

/// Make a session with `make`, writing the handle to `out` or the reason it was refused to
/// `err_buf`.
unsafe fn open(
    config_json: *const u8,
    config_len: usize,
    out: *mut *mut dmoe_agent,
    err_buf: *mut u8,
    err_cap: usize,
    err_len: *mut usize,
    make: fn(Config) -> Result<Session, ConfigError>,
) -> dmoe_status {
    if out.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    let refuse = |s: dmoe_status, why: &str| {
        if !err_buf.is_null() && !err_len.is_null() {
            // SAFETY: the caller promises `err_cap` writable bytes at `err_buf`.
            unsafe { copy_out(why.as_bytes(), err_buf, err_cap, err_len) };
        }
        s
    };
    let r = catch_unwind(|| {
        // SAFETY: forwarded caller guarantee.
        let cfg = unsafe { config_in(config_json, config_len) }
            .map_err(|e| (DMOE_STATUS_INVALID_CONFIG, e))?;
        let session = make(cfg).map_err(|e| (DMOE_STATUS_INVALID_CONFIG, e.to_string()))?;
        register(dmoe_agent::new(session)).map_err(|s| (s, status_text(s).to_owned()))
    });
    match r {
        Ok(Ok(p)) => {
            // SAFETY: `out` checked non-NULL; the caller promises it is writable.
            unsafe { *out = p };
            DMOE_STATUS_OK
        }
        Ok(Err((s, why))) => refuse(s, &why),
        Err(_) => refuse(DMOE_STATUS_PANIC, status_text(DMOE_STATUS_PANIC)),
    }
}

/// Make an agent from a JSON configuration (NULL/0 for the defaults: the hybrid ABR and a
/// random session from the operating system's entropy; a `seed` in the configuration
/// makes the session repeatable).
///
/// On success writes the new handle to `*out` and returns `DMOE_STATUS_OK`; free it with
/// `dmoe_agent_free`. On failure `*out` is untouched and, when `err_buf` and `err_len` are
/// not NULL, the reason (e.g. `config: max_buffer_ms must be 1000 to 3600000 (1 s to an
/// hour)`) is copied to `err_buf` (at most `err_cap` bytes, not NUL-terminated) and its
/// length to `*err_len`.
///
/// # Safety
/// `config_json` points to `config_len` readable bytes (or is NULL with length 0); `out`
/// is a valid pointer to write a handle to; `err_buf` is NULL or has `err_cap` writable
/// bytes; `err_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_new(
    config_json: *const u8,
    config_len: usize,
    out: *mut *mut dmoe_agent,
    err_buf: *mut u8,
    err_cap: usize,
    err_len: *mut usize,
) -> dmoe_status {
    // SAFETY: forwarded caller guarantees.
    unsafe {
        open(
            config_json,
            config_len,
            out,
            err_buf,
            err_cap,
            err_len,
            |c| dmoe_abr::agent(c).map(|a| Session::Agent(Box::new(a))),
        )
    }
}

/// Make an advisor (for a player that fetches segments itself and asks which rendition
/// to take; see `dmoe_agent_transfer_started` and `dmoe_agent_advice_wanted`), as
/// `dmoe_agent_new` makes an agent. It is a `dmoe_agent` handle: the event, poll, report
/// and free functions take it; events only an agent takes return `DMOE_STATUS_MISUSE`.
///
/// # Safety
/// As `dmoe_agent_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_advisor_new(
    config_json: *const u8,
    config_len: usize,
    out: *mut *mut dmoe_agent,
    err_buf: *mut u8,
    err_cap: usize,
    err_len: *mut usize,
) -> dmoe_status {
    // SAFETY: forwarded caller guarantees.
    unsafe {
        open(
            config_json,
            config_len,
            out,
            err_buf,
            err_cap,
            err_len,
            |c| dmoe_abr::advisor(c).map(|a| Session::Advisor(Box::new(a))),
        )
    }
}

/// Free a session. NULL, a handle already freed and an unknown one are ignored; a handle
/// in a call on another thread is freed when that call returns.
///
/// # Safety
/// `agent` is NULL or a handle from `dmoe_agent_new` / `dmoe_advisor_new`; no view
/// borrowed from it is used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_free(agent: *mut dmoe_agent) {
    let Some((index, generation)) = decode(agent) else {
        return;
    };
    let mut slots = registry();
    let Some(slot) = slots.get_mut(index).filter(|s| s.generation == generation) else {
        return;
    };
    match std::mem::replace(&mut slot.state, SlotState::Free) {
        SlotState::Idle(b) => {
            slot.generation = next_generation(slot.generation);
            drop(slots);
            let _ = catch_unwind(AssertUnwindSafe(move || drop(b)));
        }
        SlotState::Busy { .. } => {
            slot.state = SlotState::Busy { free_after: true };
        }
        SlotState::Free => {}
    }
}

/// Copy the message of the last error on this handle into `buf` (truncated to `len`
/// bytes, not NUL-terminated) and its length into `*out_n` (0: the last call succeeded).
///
/// # Safety
/// `agent` is a handle; `buf` has `len` writable bytes; `out_n` is writable.
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
    let (index, a) = match checkout(agent) {
        Ok(x) => x,
        Err(s) => return s,
    };
    // SAFETY: forwarded caller guarantee on buf/len/out_n.
    unsafe { copy_out(a.last_error.as_bytes(), buf, len, out_n) };
    checkin(index, a);
    DMOE_STATUS_OK
}

/// Copy the session id (a UUID; the CMCD `sid`) into `buf` (at most `len` bytes, 36 for a
/// generated one) and its length into `*out_n`.
///
/// # Safety
/// `agent` is a handle; `buf` has `len` writable bytes; `out_n` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_session_id(
    agent: *mut dmoe_agent,
    buf: *mut u8,
    len: usize,
    out_n: *mut usize,
) -> dmoe_status {
    if buf.is_null() || out_n.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    with_agent(agent, |a| {
        let id = match &a.session {
            Session::Agent(x) => x.session_id(),
            Session::Advisor(x) => x.session_id(),
        };
        // SAFETY: forwarded caller guarantee on buf/len/out_n.
        unsafe { copy_out(id.as_bytes(), buf, len, out_n) };
        Ok(DMOE_STATUS_OK)
    })
}

/// Copy a short English description of `status` (a `dmoe_status` value; others read
/// "unknown status") into `buf` (truncated to `len` bytes) and its length into `*out_n`.
/// Callable from any thread.
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

/// Give the session one input as JSON (the serde form of `dmoe_core::agent::Input`, times
/// in ms: `{"at_ms": 1000, "type": "tick"}`). Any event can be given this way; the
/// recordings a session writes are lines of this form.
///
/// # Safety
/// `agent` is a handle; `json` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_handle_input_json(
    agent: *mut dmoe_agent,
    json: *const u8,
    len: usize,
) -> dmoe_status {
    with_agent(agent, |a| {
        // SAFETY: forwarded caller guarantee.
        let text = unsafe { str_in(json, len) }.map_err(err_text)?;
        let input: Input = serde_json::from_str(text)
            .map_err(|e| (DMOE_STATUS_INVALID_INPUT, format!("input: {e}")))?;
        feed(a, input)
    })
}

/// The next decision as JSON (the serde form of `dmoe_core::agent::Output`, with a `type`
/// field), the same text the Rust and wasm surfaces give. Returns `DMOE_STATUS_OK` and a
/// view in `*out_json` / `*out_len` (not NUL-terminated, valid until the next call that
/// takes this handle), or `DMOE_STATUS_NOTHING` when nothing is waiting (out-params
/// untouched). Use `dmoe_agent_poll` for a typed output.
///
/// # Safety
/// `agent` is a handle; `out_json` and `out_len` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dmoe_agent_poll_json(
    agent: *mut dmoe_agent,
    out_json: *mut *const u8,
    out_len: *mut usize,
) -> dmoe_status {
    if out_json.is_null() || out_len.is_null() {
        return DMOE_STATUS_NULL_ARGUMENT;
    }
    with_agent(agent, |a| {
        if !a.poll_into_slot() {
            return Ok(DMOE_STATUS_NOTHING);
        }
        a.json.clear();
        // Invariant: outputs serialize (strings, numbers, enums); a Vec cannot fail to grow
        // short of aborting.
        serde_json::to_writer(&mut a.json, &a.slot).expect("serializable output");
        // SAFETY: both checked non-NULL; the caller promises they are writable.
        unsafe {
            *out_json = a.json.as_ptr();
            *out_len = a.json.len();
        }
        Ok(DMOE_STATUS_OK)
    })
}

#[cfg(test)]
mod tests;
