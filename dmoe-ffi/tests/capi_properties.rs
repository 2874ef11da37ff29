//! The host contract through the C ABI: typed calls with values from the ordinary to the
//! absurd never panic or poison the handle; a refused call queues nothing and changes
//! nothing, so a session with refused calls interleaved decides exactly as its twin
//! without them.
#![allow(clippy::disallowed_types)]

use dmoe::capi::*;
use proptest::prelude::*;

const PLAYLIST: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXTINF:4,\nb.ts\n#EXTINF:4,\nc.ts\n#EXTINF:4,\nd.ts\n#EXT-X-ENDLIST\n";

/// One typed call, its time given as an offset from the previous one.
#[derive(Debug, Clone)]
enum Call {
    Tick,
    Started(u64),
    Progress(u64, u64),
    Completed(u64, u64, u64),
    Failed(u64, u32, u16),
    Cancelled(u64),
    Buffer(u32, u64),
    Playback(u32, f64),
    Position(u64, Option<u64>),
    Seek(u64),
    Frames(u64, u64),
    Viewport(u32, u64),
}

fn count() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(u64::MAX),
        Just(1 << 53),
        Just(86_400_000_001),
        0u64..10_000_000,
    ]
}

fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-1.0),
        Just(0.0),
        Just(1e-300),
        Just(f64::MIN_POSITIVE),
        Just(16.0),
        Just(16.000_001),
        0.0f64..4.0,
    ]
}

/// Request ids near the ones the session issues, and absurd ones.
fn id() -> impl Strategy<Value = u64> {
    prop_oneof![1u64..6, Just(0), Just(u64::MAX)]
}

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        Just(Call::Tick),
        id().prop_map(Call::Started),
        (id(), count()).prop_map(|(i, b)| Call::Progress(i, b)),
        (id(), count(), count()).prop_map(|(i, b, t)| Call::Completed(i, b, t)),
        (id(), 0u32..4, any::<u16>()).prop_map(|(i, f, s)| Call::Failed(i, f, s)),
        id().prop_map(Call::Cancelled),
        (0u32..6, count()).prop_map(|(m, l)| Call::Buffer(m, l)),
        (0u32..7, rate()).prop_map(|(s, r)| Call::Playback(s, r)),
        (count(), proptest::option::of(count())).prop_map(|(p, l)| Call::Position(p, l)),
        count().prop_map(Call::Seek),
        (count(), count()).prop_map(|(d, t)| Call::Frames(d, t)),
        (any::<u32>(), count()).prop_map(|(h, b)| Call::Viewport(h, b)),
    ]
}

/// Time steps: small, large, and one that jumps past any sane session.
fn step() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..2_000_000, Just(0), Just(u64::MAX / 4)]
}

struct Session(*mut dmoe_agent);

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: a handle from dmoe_agent_new, freed once.
        unsafe { dmoe_agent_free(self.0) };
    }
}

fn open() -> Session {
    let cfg = br#"{"seed": 11}"#;
    let mut a = std::ptr::null_mut();
    // SAFETY: valid buffers and out-pointer.
    let s = unsafe {
        dmoe_agent_new(
            cfg.as_ptr(),
            cfg.len(),
            &mut a,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(s, dmoe_status::DMOE_STATUS_OK);
    let url = "https://e.example/v/index.m3u8";
    // SAFETY: a live handle and valid buffers.
    let s = unsafe {
        dmoe_agent_manifest_loaded(
            a,
            0,
            url.as_ptr(),
            url.len(),
            PLAYLIST.as_ptr(),
            PLAYLIST.len(),
        )
    };
    assert_eq!(s, dmoe_status::DMOE_STATUS_OK);
    Session(a)
}

/// Every waiting output as JSON.
fn drain(a: *mut dmoe_agent) -> Vec<String> {
    let mut out = Vec::new();
    let (mut p, mut n) = (std::ptr::null(), 0usize);
    // SAFETY: a live handle; the view is copied before the next call.
    while unsafe { dmoe_agent_poll_json(a, &mut p, &mut n) } == dmoe_status::DMOE_STATUS_OK {
        // SAFETY: the library's view of n bytes.
        out.push(String::from_utf8(unsafe { std::slice::from_raw_parts(p, n) }.to_vec()).unwrap());
    }
    out
}

fn apply(a: *mut dmoe_agent, now: u64, c: &Call) -> dmoe_status {
    // SAFETY: a live handle; no pointer arguments beyond NULL strings.
    unsafe {
        match *c {
            Call::Tick => dmoe_agent_tick(a, now),
            Call::Started(i) => dmoe_agent_request_started(a, now, i),
            Call::Progress(i, b) => dmoe_agent_request_progress(a, now, i, b),
            Call::Completed(i, b, t) => dmoe_agent_request_completed(
                a,
                now,
                i,
                b,
                t,
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
            ),
            Call::Failed(i, f, s) => dmoe_agent_request_failed(a, now, i, f, s),
            Call::Cancelled(i) => dmoe_agent_request_cancelled(a, now, i),
            Call::Buffer(m, l) => dmoe_agent_buffer(a, now, m, l),
            Call::Playback(s, r) => dmoe_agent_playback(a, now, s, r),
            Call::Position(p, l) => dmoe_agent_position(a, now, p, l.is_some(), l.unwrap_or(0)),
            Call::Seek(p) => dmoe_agent_seek(a, now, p),
            Call::Frames(d, t) => dmoe_agent_frames(a, now, d, t),
            Call::Viewport(h, b) => dmoe_agent_viewport(a, now, h, b),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn extreme_calls_never_panic_and_refusals_change_nothing(
        calls in proptest::collection::vec((step(), call()), 1..40)
    ) {
        let s = open();
        let twin = open();
        prop_assert_eq!(drain(s.0), drain(twin.0));
        let mut now = 0u64;
        for (dt, c) in &calls {
            now = now.saturating_add(*dt);
            let status = apply(s.0, now, c);
            prop_assert!(
                !matches!(status, dmoe_status::DMOE_STATUS_PANIC | dmoe_status::DMOE_STATUS_POISONED),
                "{c:?} at {now}: {status:?}"
            );
            let out = drain(s.0);
            if status == dmoe_status::DMOE_STATUS_OK {
                // The twin takes only what the session took, and decides the same.
                prop_assert_eq!(apply(twin.0, now, c), dmoe_status::DMOE_STATUS_OK);
                prop_assert_eq!(&out, &drain(twin.0), "{:?} at {}", c, now);
            } else {
                prop_assert!(out.is_empty(), "a refused {:?} queued {:?}", c, out);
            }
        }
    }
}
