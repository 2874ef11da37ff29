//! The agent under arbitrary event sequences: never a panic, typed errors for wrong use,
//! bounded output, and the same inputs always give the same decisions.
#![allow(clippy::disallowed_types)]

use std::time::Duration;

use dmoe_core::agent::{
    Agent, AgentError, Config, Event, Failure, HostInit, HostRendition, HostSegment, HostSegments,
    Input, Output, RequestId,
};
use dmoe_core::{MediaType, PlaybackState, RenditionId, Timestamp};
use proptest::prelude::*;

mod common;
use common::LastSample;

const MASTER: &str = "#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=800000,PATHWAY-ID=\"a\"
https://a.example/low.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000,PATHWAY-ID=\"a\"
https://a.example/high.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000,PATHWAY-ID=\"b\"
https://b.example/low.m3u8
";

const MEDIA: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:4,\na.m4s\n#EXTINF:4,\nb.m4s\n#EXTINF:4,\nc.m4s\n#EXT-X-ENDLIST\n";

fn event() -> impl Strategy<Value = Event> {
    let id = (0u64..6).prop_map(RequestId);
    prop_oneof![
        Just(Event::Tick),
        (0u32..5).prop_map(|r| Event::PlaylistLoaded {
            rendition: RenditionId(r),
            body: MEDIA.into()
        }),
        id.clone().prop_map(|id| Event::RequestStarted { id }),
        (id.clone(), 0u64..5_000_000).prop_map(|(id, bytes)| Event::RequestProgress { id, bytes }),
        (id.clone(), 0u64..5_000_000, 0u64..3000, any::<bool>()).prop_map(|(id, bytes, ms, du)| {
            Event::RequestCompleted {
                id,
                bytes,
                ttfb: Duration::from_millis(ms),
                cmsd_static: None,
                cmsd_dynamic: du.then(|| "\"a\";du;mb=900".to_owned()),
            }
        }),
        (id.clone(), 0u16..600).prop_map(|(id, status)| Event::RequestFailed {
            id,
            failure: Failure::Http { status }
        }),
        id.prop_map(|id| Event::RequestCancelled { id }),
        // Host-parsed lists, well-formed or not: numbers out of order, zero durations,
        // init indices past the end are typed errors.
        (
            0u32..5,
            proptest::collection::vec((0u64..8, 0u64..6_000, 0u32..3), 0..6),
            any::<bool>()
        )
            .prop_map(|(r, segs, ended)| Event::SegmentsLoaded {
                rendition: RenditionId(r),
                segments: HostSegments {
                    ended,
                    target_duration: Some(Duration::from_secs(4)),
                    inits: vec![HostInit {
                        url: "https://a.example/i.mp4".into(),
                        byte_range: None,
                    }],
                    segments: segs
                        .into_iter()
                        .map(|(n, ms, init)| HostSegment {
                            number: n,
                            start: Duration::from_secs(4 * n),
                            duration: Duration::from_millis(ms),
                            url: format!("https://a.example/{n}.m4s"),
                            byte_range: None,
                            init: Some(init),
                        })
                        .collect(),
                },
            }),
        (0u64..4).prop_map(|n| Event::LadderLoaded {
            url: "https://a.example/m.m3u8".into(),
            renditions: (0..n)
                .map(|i| HostRendition {
                    bandwidth_bps: i * 700_000,
                    url: format!("https://a.example/{i}.m3u8"),
                    ..HostRendition::default()
                })
                .collect(),
        }),
        (0u64..60_000).prop_map(|ms| Event::Buffer {
            media: MediaType::Video,
            level: Duration::from_millis(ms)
        }),
        (0usize..6, -1.0f64..3.0).prop_map(|(s, rate)| Event::Playback {
            state: [
                PlaybackState::Starting,
                PlaybackState::Playing,
                PlaybackState::Paused,
                PlaybackState::Seeking,
                PlaybackState::Stalled,
                PlaybackState::Ended
            ][s],
            rate,
        }),
        (0u64..20_000).prop_map(|ms| Event::Seek {
            position: Duration::from_millis(ms)
        }),
        Just(Event::SteeringLoaded {
            status: 200,
            retry_after: None,
            body: "{\"VERSION\":1,\"PATHWAY-PRIORITY\":[\"b\"]}".into()
        }),
        Just(Event::SteeringLoaded {
            status: 200,
            retry_after: None,
            body: "<garbage>".into()
        }),
    ]
}

fn run(events: &[(i64, Event)]) -> (Vec<Output>, Vec<Result<(), AgentError>>) {
    let mut a = Agent::new(
        Config {
            seed: Some(5),
            ..Config::default()
        },
        Box::new(LastSample::default()),
    )
    .unwrap();
    let mut outs = Vec::new();
    let mut results = Vec::new();
    let r = a.handle_input(Input::new(
        Timestamp::ZERO,
        Event::ManifestLoaded {
            url: "https://a.example/m.m3u8".into(),
            body: MASTER.into(),
        },
    ));
    results.push(r);
    let mut now: i64 = 0;
    for (dt, e) in events {
        let mut n = 0;
        while let Some(o) = a.poll_output() {
            n += 1;
            assert!(n <= 64, "unbounded output");
            outs.push(o);
        }
        now += dt;
        let at = Timestamp::from_micros(now.max(0) as u64);
        results.push(a.handle_input(Input::new(at, e.clone())));
    }
    (outs, results)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_sequences_never_panic_and_replay_identically(
        events in proptest::collection::vec((-50_000i64..2_000_000, event()), 0..60)
    ) {
        let (outs, results) = run(&events);
        // Time going backwards is always the typed error.
        let mut now: i64 = 0;
        let mut last: i64 = 0;
        for ((dt, _), r) in events.iter().zip(&results[1..]) {
            now += dt;
            let t = now.max(0);
            if t < last {
                prop_assert!(matches!(r, Err(AgentError::TimeWentBackwards { .. })), "{r:?}");
            } else if r.is_ok() {
                // A refused input does not move the clock either.
                last = t;
            }
        }
        let (again, results2) = run(&events);
        prop_assert_eq!(outs, again);
        prop_assert_eq!(results, results2);
    }
}
