use super::*;
use dmoe_output_kind::*;

fn new_agent(config: &str) -> *mut dmoe_agent {
    let mut a: *mut dmoe_agent = std::ptr::null_mut();
    // SAFETY: valid buffers and out-pointer.
    let s = unsafe {
        dmoe_agent_new(
            config.as_ptr(),
            config.len(),
            &mut a,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(s, DMOE_STATUS_OK);
    a
}

fn text(s: dmoe_str) -> String {
    if s.len == 0 {
        return String::new();
    }
    // SAFETY: views handed out by the library, read before the next call.
    String::from_utf8(unsafe { std::slice::from_raw_parts(s.ptr, s.len) }.to_vec()).unwrap()
}

fn last_error(a: *mut dmoe_agent) -> String {
    let mut buf = [0u8; 256];
    let mut n = 0usize;
    // SAFETY: valid buffers.
    let s = unsafe { dmoe_agent_last_error(a, buf.as_mut_ptr(), buf.len(), &mut n) };
    assert_eq!(s, DMOE_STATUS_OK);
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

/// Every waiting output, as (kind, id, url).
fn drain(a: *mut dmoe_agent) -> Vec<(dmoe_output_kind, u64, String)> {
    let mut out = Vec::new();
    let mut o = std::mem::MaybeUninit::<dmoe_output>::uninit();
    // SAFETY: a valid handle and out-pointer; `o` is read only after OK wrote it.
    while unsafe { dmoe_agent_poll(a, o.as_mut_ptr()) } == DMOE_STATUS_OK {
        // SAFETY: written by the OK poll.
        let o = unsafe { o.assume_init_ref() };
        out.push((o.kind, o.id, text(o.url)));
    }
    out
}

const MEDIA_PLAYLIST: &str =
    "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXTINF:4,\nb.ts\n#EXT-X-ENDLIST\n";

#[test]
fn version_constants_match_cargo() {
    assert_eq!(
        format!("{DMOE_VERSION_MAJOR}.{DMOE_VERSION_MINOR}.{DMOE_VERSION_PATCH}"),
        env!("CARGO_PKG_VERSION")
    );
}

#[test]
fn a_session_round_trips_through_the_typed_functions() {
    let a = new_agent(r#"{"seed": 3}"#);
    let url = "https://e.example/v/index.m3u8";
    // SAFETY: valid handle and buffers throughout.
    unsafe {
        assert_eq!(
            dmoe_agent_manifest_loaded(
                a,
                0,
                url.as_ptr(),
                url.len(),
                MEDIA_PLAYLIST.as_ptr(),
                MEDIA_PLAYLIST.len()
            ),
            DMOE_STATUS_OK
        );
        let out = drain(a);
        let fetch = out.iter().find(|o| o.0 == DMOE_OUTPUT_FETCH).unwrap();
        assert_eq!(fetch.2, "https://e.example/v/a.ts");
        let id = fetch.1;
        assert_eq!(dmoe_agent_request_started(a, 1_000, id), DMOE_STATUS_OK);
        drain(a);
        assert_eq!(
            dmoe_agent_request_completed(
                a,
                500_000,
                id,
                400_000,
                50_000,
                std::ptr::null(),
                0,
                std::ptr::null(),
                0
            ),
            DMOE_STATUS_OK
        );
        let next = drain(a);
        assert!(
            next.iter()
                .any(|o| o.0 == DMOE_OUTPUT_FETCH && o.2.ends_with("b.ts"))
        );
        // Misuse: an unknown id; the message is on the handle, and a success clears it.
        assert_eq!(
            dmoe_agent_request_started(a, 600_000, 99),
            DMOE_STATUS_MISUSE
        );
        assert_eq!(last_error(a), "unknown request id 99");
        assert_eq!(dmoe_agent_tick(a, 600_000), DMOE_STATUS_OK);
        assert_eq!(last_error(a), "");
        let bad = [0xffu8, 0xfe];
        assert_eq!(
            dmoe_agent_handle_input_json(a, bad.as_ptr(), 2),
            DMOE_STATUS_INVALID_UTF8
        );
        // Enum values are checked, never trusted.
        assert_eq!(
            dmoe_agent_buffer(a, 600_000, 77, 0),
            DMOE_STATUS_INVALID_INPUT
        );
        assert_eq!(last_error(a), "77 is not a dmoe_media value");
        dmoe_agent_free(a);
        // Use after free and double free are refused, not undefined.
        assert_eq!(dmoe_agent_tick(a, 700_000), DMOE_STATUS_INVALID_HANDLE);
        dmoe_agent_free(a);
        dmoe_agent_free(std::ptr::null_mut());
    }
}

#[test]
fn a_freed_handle_stays_refused_when_its_slot_is_reused() {
    let a = new_agent(r#"{"seed": 1}"#);
    // SAFETY: handles from new_agent; stale use is what is tested.
    unsafe { dmoe_agent_free(a) };
    let b = new_agent(r#"{"seed": 2}"#);
    // The same slot may be reused; the generation tells the handles apart.
    assert_ne!(a, b);
    // SAFETY: as above.
    unsafe {
        assert_eq!(dmoe_agent_tick(a, 0), DMOE_STATUS_INVALID_HANDLE);
        dmoe_agent_free(a);
        assert_eq!(
            dmoe_agent_tick(b, 0),
            DMOE_STATUS_OK,
            "freeing a stale handle freed b"
        );
        dmoe_agent_free(b);
    }
}

#[test]
fn a_handle_in_a_call_answers_busy_and_is_unchanged() {
    let a = new_agent(r#"{"seed": 1}"#);
    // Hold the session as a call on another thread would.
    let (index, held) = checkout(a).unwrap();
    // SAFETY: a valid handle.
    assert_eq!(unsafe { dmoe_agent_tick(a, 0) }, DMOE_STATUS_BUSY);
    // Freed meanwhile: freed when the call returns.
    // SAFETY: as above.
    unsafe { dmoe_agent_free(a) };
    checkin(index, held);
    // SAFETY: as above.
    assert_eq!(unsafe { dmoe_agent_tick(a, 0) }, DMOE_STATUS_INVALID_HANDLE);
}

#[test]
fn handles_move_between_threads() {
    let a = new_agent(r#"{"seed": 4}"#) as usize;
    let t = std::thread::spawn(move || {
        // SAFETY: a live handle.
        unsafe { dmoe_agent_tick(a as *mut dmoe_agent, 10) }
    });
    assert_eq!(t.join().unwrap(), DMOE_STATUS_OK);
    // SAFETY: as above.
    unsafe { dmoe_agent_free(a as *mut dmoe_agent) };
}

#[test]
fn a_refused_configuration_says_why_in_the_callers_buffer() {
    let cfg = br#"{"max_buffer_ms": 1}"#;
    let mut a: *mut dmoe_agent = std::ptr::null_mut();
    let mut buf = [0u8; 200];
    let mut n = 0usize;
    // SAFETY: valid buffers.
    let s = unsafe {
        dmoe_agent_new(
            cfg.as_ptr(),
            cfg.len(),
            &mut a,
            buf.as_mut_ptr(),
            buf.len(),
            &mut n,
        )
    };
    assert_eq!(s, DMOE_STATUS_INVALID_CONFIG);
    assert!(a.is_null(), "out-parameter written on failure");
    let why = std::str::from_utf8(&buf[..n]).unwrap();
    assert!(why.contains("max_buffer_ms"), "{why}");
}

#[test]
fn two_default_sessions_have_different_ids() {
    let ids: Vec<String> = (0..2)
        .map(|_| {
            let a = new_agent("");
            let mut buf = [0u8; 64];
            let mut n = 0usize;
            // SAFETY: valid handle and buffers.
            unsafe {
                assert_eq!(
                    dmoe_agent_session_id(a, buf.as_mut_ptr(), buf.len(), &mut n),
                    DMOE_STATUS_OK
                );
                dmoe_agent_free(a);
            }
            String::from_utf8(buf[..n].to_vec()).unwrap()
        })
        .collect();
    assert_eq!(ids[0].len(), 36);
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn an_advisor_answers_advice_typed() {
    let cfg = br#"{"seed": 5}"#;
    let mut a: *mut dmoe_agent = std::ptr::null_mut();
    // SAFETY: valid buffers and handle throughout.
    unsafe {
        assert_eq!(
            dmoe_advisor_new(
                cfg.as_ptr(),
                cfg.len(),
                &mut a,
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut()
            ),
            DMOE_STATUS_OK
        );
        let urls = ["https://e.example/lo.m3u8", "https://e.example/hi.m3u8"];
        let ladder: Vec<dmoe_rendition> = [800_000u64, 3_000_000]
            .iter()
            .zip(urls)
            .map(|(bps, url)| dmoe_rendition {
                bandwidth_bps: *bps,
                average_bandwidth_bps: 0,
                width: 0,
                height: 0,
                frame_rate: 0.0,
                codecs: std::ptr::null(),
                codecs_len: 0,
                url: url.as_ptr(),
                url_len: url.len(),
                pathway: std::ptr::null(),
                pathway_len: 0,
            })
            .collect();
        let master = "https://e.example/master.m3u8";
        assert_eq!(
            dmoe_agent_ladder_loaded(a, 0, master.as_ptr(), master.len(), ladder.as_ptr(), 2),
            DMOE_STATUS_OK
        );
        drain(a);
        // An agent-only event is refused with a reason.
        assert_eq!(dmoe_agent_steering_failed(a, 0), DMOE_STATUS_MISUSE);
        assert!(last_error(a).contains("advisor"), "{}", last_error(a));
        assert_eq!(
            dmoe_agent_advice_wanted(a, 10, 4_000_000, std::ptr::null(), 0, true, 10),
            DMOE_STATUS_OK
        );
        let mut o = std::mem::MaybeUninit::<dmoe_output>::uninit();
        let mut advice = None;
        while dmoe_agent_poll(a, o.as_mut_ptr()) == DMOE_STATUS_OK {
            let o = o.assume_init_ref();
            if o.kind == DMOE_OUTPUT_ADVICE {
                advice = Some((o.rendition, o.bitrate_bps));
            }
        }
        let (rendition, bps) = advice.expect("an advice");
        assert_eq!(bps, [800_000, 3_000_000][rendition as usize]);
        dmoe_agent_free(a);
    }
}

#[test]
fn extreme_values_are_refused_or_taken_without_harm() {
    let a = new_agent(r#"{"seed": 6}"#);
    let url = "https://e.example/v/index.m3u8";
    // SAFETY: valid handle and buffers throughout.
    unsafe {
        assert_eq!(
            dmoe_agent_manifest_loaded(
                a,
                0,
                url.as_ptr(),
                url.len(),
                MEDIA_PLAYLIST.as_ptr(),
                MEDIA_PLAYLIST.len()
            ),
            DMOE_STATUS_OK
        );
        let id = drain(a)
            .iter()
            .find(|o| o.0 == DMOE_OUTPUT_FETCH)
            .unwrap()
            .1;
        let refused = [
            dmoe_agent_playback(a, 1, dmoe_playback::DMOE_PLAYBACK_PLAYING as u32, f64::NAN),
            dmoe_agent_playback(
                a,
                1,
                dmoe_playback::DMOE_PLAYBACK_PLAYING as u32,
                f64::INFINITY,
            ),
            dmoe_agent_buffer(a, 1, 0, u64::MAX),
            dmoe_agent_request_failed(a, 1, id, 0, 0),
            dmoe_agent_request_failed(a, 1, id, 0, 65_535),
            dmoe_agent_frames(a, 1, 10, 5),
            dmoe_agent_seek(a, 1, u64::MAX),
            dmoe_agent_request_completed(
                a,
                1,
                id,
                1,
                u64::MAX,
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
            ),
        ];
        for (i, s) in refused.iter().enumerate() {
            assert_eq!(*s, DMOE_STATUS_INVALID_INPUT, "case {i}");
        }
        // A refused input changed nothing: no output waits.
        assert!(drain(a).is_empty());
        // A tiny rate is a valid one (the session once divided by it).
        assert_eq!(
            dmoe_agent_playback(a, 1, dmoe_playback::DMOE_PLAYBACK_PLAYING as u32, 1e-300),
            DMOE_STATUS_OK
        );
        drain(a);
        // The largest clock is a valid time; the session goes on.
        assert_eq!(dmoe_agent_tick(a, u64::MAX), DMOE_STATUS_OK);
        drain(a);
        assert_eq!(dmoe_agent_tick(a, 5), DMOE_STATUS_MISUSE);
        assert!(last_error(a).contains("time went backwards"));
        dmoe_agent_free(a);
    }
}
