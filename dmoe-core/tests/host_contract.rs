//! The host contract under extreme values: every value a host can send is either taken
//! (and computed with saturating arithmetic) or refused with a typed error; a refused
//! input changes nothing and queues nothing, so a session with refused inputs interleaved
//! decides exactly as one without them. No panic, whatever the values.
#![allow(clippy::disallowed_types)]

use std::time::Duration;

use dmoe_core::agent::{
    Advisor, Agent, AgentError, Config, Event, Failure, HostRendition, HostSegment, HostSegments,
    Input, ObjectKind, Output, RequestId,
};
use dmoe_core::{MediaType, PlaybackState, RenditionId, Timestamp};
use proptest::prelude::*;

mod common;
use common::LastSample;

const PLAYLIST: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n#EXTINF:4,\nb.ts\n#EXTINF:4,\nc.ts\n#EXTINF:4,\nd.ts\n#EXT-X-ENDLIST\n";

fn agent() -> Agent {
    Agent::new(
        Config {
            seed: Some(9),
            record: true,
            ..Config::default()
        },
        Box::new(LastSample::default()),
    )
    .unwrap()
}

/// Durations from the ordinary to the absurd.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_nanos(1)),
        Just(Duration::MAX),
        Just(Duration::from_secs(86_400)),
        Just(Duration::from_secs(86_401)),
        Just(Duration::from_secs(u64::MAX / 2)),
        (0u64..120_000).prop_map(Duration::from_millis),
    ]
}

/// Counts from the ordinary to the absurd.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(u64::MAX),
        Just(u64::MAX - 1),
        Just(1 << 53),
        0u64..10_000_000,
    ]
}

/// Rates from the ordinary to the absurd.
fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(0.0),
        Just(1e-300),
        Just(f64::MIN_POSITIVE),
        Just(16.0),
        Just(16.000_001),
        Just(-1.0),
        Just(f64::MAX),
        0.0f64..4.0,
    ]
}

fn state() -> impl Strategy<Value = PlaybackState> {
    prop_oneof![
        Just(PlaybackState::Starting),
        Just(PlaybackState::Playing),
        Just(PlaybackState::Paused),
        Just(PlaybackState::Seeking),
        Just(PlaybackState::Stalled),
        Just(PlaybackState::Ended),
    ]
}

/// Any event, with extreme values in every numeric field.
fn event() -> impl Strategy<Value = Event> {
    let id = prop_oneof![Just(u64::MAX), 0u64..8].prop_map(RequestId);
    prop_oneof![
        Just(Event::Tick),
        (id.clone(), count()).prop_map(|(id, bytes)| Event::RequestProgress { id, bytes }),
        (id.clone(), count(), duration()).prop_map(|(id, bytes, ttfb)| Event::RequestCompleted {
            id,
            bytes,
            ttfb,
            cmsd_static: None,
            cmsd_dynamic: None,
        }),
        id.clone().prop_map(|id| Event::RequestStarted { id }),
        (id.clone(), 0u16..1000).prop_map(|(id, status)| Event::RequestFailed {
            id,
            failure: Failure::Http { status },
        }),
        id.clone().prop_map(|id| Event::RequestCancelled { id }),
        duration().prop_map(|level| Event::Buffer {
            media: MediaType::Video,
            level,
        }),
        (state(), rate()).prop_map(|(state, rate)| Event::Playback { state, rate }),
        (duration(), proptest::option::of(duration()))
            .prop_map(|(position, latency)| Event::Position { position, latency }),
        duration().prop_map(|position| Event::Seek { position }),
        (count(), count()).prop_map(|(dropped, total)| Event::Frames { dropped, total }),
        (
            proptest::option::of(prop_oneof![Just(0u32), Just(u32::MAX), 1u32..2000]),
            proptest::option::of(count())
        )
            .prop_map(|(max_height, max_bitrate_bps)| Event::Viewport {
                max_height,
                max_bitrate_bps
            }),
        (0u16..1000, proptest::option::of(duration())).prop_map(|(status, retry_after)| {
            Event::SteeringLoaded {
                status,
                retry_after,
                body: "{\"VERSION\":1,\"TTL\":1}".into(),
            }
        }),
        (count(), proptest::option::of(count()), rate()).prop_map(|(bw, avg, fr)| {
            Event::LadderLoaded {
                url: "https://h.example/m.m3u8".into(),
                renditions: vec![
                    HostRendition {
                        bandwidth_bps: bw,
                        average_bandwidth_bps: avg,
                        frame_rate: Some(fr),
                        url: "https://h.example/0.m3u8".into(),
                        ..HostRendition::default()
                    },
                    HostRendition {
                        bandwidth_bps: 2_000_000,
                        url: "https://h.example/1.m3u8".into(),
                        ..HostRendition::default()
                    },
                ],
            }
        }),
        (0u32..3, count(), duration(), duration()).prop_map(|(r, n, start, d)| {
            Event::SegmentsLoaded {
                rendition: RenditionId(r),
                segments: HostSegments {
                    ended: true,
                    target_duration: Some(d),
                    inits: Vec::new(),
                    segments: vec![HostSegment {
                        number: n,
                        start,
                        duration: d,
                        url: "https://h.example/s.m4s".into(),
                        byte_range: None,
                        init: None,
                    }],
                },
            }
        }),
        (id, 0u32..3, proptest::option::of(duration())).prop_map(|(id, r, duration)| {
            Event::TransferStarted {
                id,
                rendition: Some(RenditionId(r)),
                kind: ObjectKind::Media,
                duration,
                pathway: None,
            }
        }),
        (
            proptest::option::of(duration()),
            proptest::collection::vec(count(), 0..3)
        )
            .prop_map(|(segment_duration, sizes)| Event::AdviceWanted {
                segment_duration,
                sizes,
                remaining: None,
            }),
    ]
}

/// Time steps, ordinary and absurd (the clock may also be pushed to its end).
fn step() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), Just(u64::MAX / 4), 0u64..5_000_000,]
}

fn drain_checked<T>(
    r: &Result<(), AgentError>,
    mut poll: impl FnMut() -> Option<T>,
    out: &mut Vec<T>,
) -> Result<(), TestCaseError> {
    if r.is_err() {
        // A refused input queues nothing.
        prop_assert!(poll().is_none(), "a refused input queued an output");
    }
    let mut n = 0;
    while let Some(o) = poll() {
        n += 1;
        prop_assert!(n <= 64, "unbounded output");
        out.push(o);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any value in any field: no panic, and a refused input queues nothing.
    #[test]
    fn extreme_values_never_panic_and_refusals_queue_nothing(
        events in proptest::collection::vec((step(), event()), 0..40)
    ) {
        let mut a = agent();
        let mut now = 0u64;
        let first = a.handle_input(Input::new(Timestamp::ZERO, Event::ManifestLoaded {
            url: "https://h.example/v.m3u8".into(),
            body: PLAYLIST.into(),
        }));
        let mut outs = Vec::new();
        drain_checked(&first, || a.poll_output(), &mut outs)?;
        for (dt, e) in &events {
            now = now.saturating_add(*dt);
            let r = a.handle_input(Input::new(Timestamp::from_micros(now), e.clone()));
            drain_checked(&r, || a.poll_output(), &mut outs)?;
        }
        // The advisor takes the same values as well.
        let mut adv = Advisor::new(
            Config { seed: Some(9), ..Config::default() },
            Box::new(LastSample::default()),
        ).unwrap();
        let mut now = 0u64;
        let mut advice = Vec::new();
        for (dt, e) in &events {
            now = now.saturating_add(*dt);
            let r = adv.handle_input(Input::new(Timestamp::from_micros(now), e.clone()));
            drain_checked(&r, || adv.poll_output(), &mut advice)?;
        }
    }

    /// A session with refused inputs interleaved decides exactly as the same session
    /// without them: same outputs, same recording.
    #[test]
    fn refused_inputs_change_nothing(
        events in proptest::collection::vec((0u64..3_000_000, event()), 0..40),
        bad in proptest::collection::vec((0usize..40, 0usize..5), 0..20),
    ) {
        let play = |inject: bool| -> Result<(Vec<Output>, Vec<String>, usize), TestCaseError> {
            let mut a = agent();
            let mut outs = Vec::new();
            let first = a.handle_input(Input::new(Timestamp::ZERO, Event::ManifestLoaded {
                url: "https://h.example/v.m3u8".into(),
                body: PLAYLIST.into(),
            }));
            drain_checked(&first, || a.poll_output(), &mut outs)?;
            let mut now = 0u64;
            // The time of the last input the agent took.
            let mut taken = 0u64;
            let mut refused = 0;
            for (i, (dt, e)) in events.iter().enumerate() {
                if inject {
                    for (_, kind) in bad.iter().filter(|(at, _)| *at == i) {
                        // Inputs the contract refuses, whatever the session's state.
                        let (at, e) = match kind {
                            0 => (now, Event::Playback { state: PlaybackState::Playing, rate: f64::NAN }),
                            1 => (now, Event::Buffer { media: MediaType::Video, level: Duration::MAX }),
                            2 => (now, Event::RequestStarted { id: RequestId(u64::MAX) }),
                            3 => (now, Event::Frames { dropped: 2, total: 1 }),
                            _ => (taken.saturating_sub(1), Event::Tick),
                        };
                        if kind == &4 && taken == 0 {
                            continue;
                        }
                        let r = a.handle_input(Input::new(Timestamp::from_micros(at), e));
                        prop_assert!(r.is_err(), "kind {kind} was taken");
                        prop_assert!(a.poll_output().is_none());
                        refused += 1;
                    }
                }
                now = now.saturating_add(*dt);
                let r = a.handle_input(Input::new(Timestamp::from_micros(now), e.clone()));
                if r.is_ok() {
                    taken = now;
                }
                drain_checked(&r, || a.poll_output(), &mut outs)?;
            }
            Ok((outs, a.recording().to_vec(), refused))
        };
        let (plain, rec_plain, _) = play(false)?;
        let (mixed, rec_mixed, _) = play(true)?;
        prop_assert_eq!(plain, mixed);
        prop_assert_eq!(rec_plain, rec_mixed);
    }
}

/// The cases that panicked or misbehaved before the input gate: a tiny rate with a full
/// buffer, a maximal buffer level, a refused input that still queued a timeout.
#[test]
fn the_cases_that_used_to_fail() {
    let start = |a: &mut Agent| {
        a.handle_input(Input::new(
            Timestamp::ZERO,
            Event::ManifestLoaded {
                url: "https://h.example/v.m3u8".into(),
                body: PLAYLIST.into(),
            },
        ))
        .unwrap();
        let outs: Vec<Output> = std::iter::from_fn(|| a.poll_output()).collect();
        outs.into_iter()
            .find_map(|o| match o {
                Output::Fetch(f) => Some(f.id),
                _ => None,
            })
            .unwrap()
    };
    let done = |id| Event::RequestCompleted {
        id,
        bytes: 1000,
        ttfb: Duration::ZERO,
        cmsd_static: None,
        cmsd_dynamic: None,
    };
    // Tiny rate, full buffer, then a completion: taken, no panic.
    let mut a = agent();
    let id = start(&mut a);
    for e in [
        Event::Playback {
            state: PlaybackState::Playing,
            rate: 1e-300,
        },
        Event::Buffer {
            media: MediaType::Video,
            level: Duration::from_secs(40),
        },
        done(id),
    ] {
        a.handle_input(Input::new(Timestamp::from_millis(3), e))
            .unwrap();
        while a.poll_output().is_some() {}
    }
    // A buffer level past a day: refused by name, nothing changes.
    let mut a = agent();
    let id = start(&mut a);
    let r = a.handle_input(Input::new(
        Timestamp::from_millis(2),
        Event::Buffer {
            media: MediaType::Video,
            level: Duration::MAX,
        },
    ));
    assert!(matches!(
        r,
        Err(AgentError::InvalidValue {
            field: "level_ms",
            ..
        })
    ));
    a.handle_input(Input::new(Timestamp::from_millis(3), done(id)))
        .unwrap();
    // An unknown id: refused, and nothing is queued, so the next input is taken.
    let mut a = agent();
    start(&mut a);
    assert_eq!(
        a.handle_input(Input::new(
            Timestamp::from_millis(5),
            Event::RequestStarted { id: RequestId(99) }
        )),
        Err(AgentError::UnknownRequest(99))
    );
    assert_eq!(a.poll_output(), None);
    a.handle_input(Input::new(Timestamp::from_millis(6), Event::Tick))
        .unwrap();
}
