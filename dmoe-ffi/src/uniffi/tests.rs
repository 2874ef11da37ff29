use std::path::Path;

use super::*;

/// The shared recordings, replayed through the UniFFI session with the core's events
/// converted to this layer's and back: the typed round trip loses nothing.
fn replay(path: &str) -> (Vec<String>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join(path)).unwrap();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let head: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let (advisor, cfg) = match head.get("advisor") {
        Some(c) => (true, c.to_string()),
        None => (false, head["config"].to_string()),
    };
    let s = if advisor {
        Session::advisor(cfg.clone()).unwrap()
    } else {
        Session::agent(cfg.clone()).unwrap()
    };
    let mut reference = if advisor {
        Box::new(Kind::Advisor(Box::new(
            dmoe_abr::advisor(Config::from_json(&cfg).unwrap()).unwrap(),
        )))
    } else {
        Box::new(Kind::Agent(Box::new(
            dmoe_abr::agent(Config::from_json(&cfg).unwrap()).unwrap(),
        )))
    };
    let (mut got, mut want) = (Vec::new(), Vec::new());
    for line in lines {
        let input: Input = serde_json::from_str(line).unwrap();
        let event = mirror(&input.event);
        let at = Duration::from_micros(input.at.0);
        let r1 = s.handle(at, event);
        let r2 = match reference.as_mut() {
            Kind::Agent(a) => a.handle_input(input),
            Kind::Advisor(a) => a.handle_input(input),
        };
        assert_eq!(r1.is_ok(), r2.is_ok(), "{line}");
        for o in s.drain().unwrap() {
            got.push(output_to_json(o).unwrap());
        }
        loop {
            let o = match reference.as_mut() {
                Kind::Agent(a) => a.poll_output(),
                Kind::Advisor(a) => a.poll_output(),
            };
            let Some(o) = o else { break };
            want.push(serde_json::to_string(&o).unwrap());
        }
    }
    (got, want)
}

/// This layer's form of a core event (the test's way from a recording to the typed API).
fn mirror(e: &core::Event) -> Event {
    let json = serde_json::to_value(e).unwrap();
    let ms = |k: &str| {
        json.get(k)
            .and_then(|v| v.as_f64())
            .map(|v| Duration::from_micros(dmoe_core::ms_to_micros(v).unwrap()))
    };
    let failure = |f: &dmoe_core::agent::Failure| match *f {
        dmoe_core::agent::Failure::Http { status } => Failure::Http { status },
        dmoe_core::agent::Failure::Timeout => Failure::Timeout,
        dmoe_core::agent::Failure::Connection => Failure::Connection,
    };
    use self::core::Event as E;
    match e {
        E::Tick => Event::Tick,
        E::ManifestLoaded { url, body } => Event::ManifestLoaded {
            url: url.clone(),
            body: body.clone(),
        },
        E::PlaylistLoaded { rendition, body } => Event::PlaylistLoaded {
            rendition: rendition.0,
            body: body.clone(),
        },
        E::LadderLoaded { url, renditions } => Event::LadderLoaded {
            url: url.clone(),
            renditions: renditions
                .iter()
                .map(|r| HostRendition {
                    bandwidth_bps: r.bandwidth_bps,
                    average_bandwidth_bps: r.average_bandwidth_bps,
                    width: r.width,
                    height: r.height,
                    frame_rate: r.frame_rate,
                    codecs: r.codecs.clone(),
                    url: r.url.clone(),
                    pathway: r.pathway.clone(),
                })
                .collect(),
        },
        E::SegmentsLoaded {
            rendition,
            segments,
        } => Event::SegmentsLoaded {
            rendition: rendition.0,
            segments: HostSegments {
                ended: segments.ended,
                target_duration: segments.target_duration,
                inits: segments
                    .inits
                    .iter()
                    .map(|i| HostInit {
                        url: i.url.clone(),
                        byte_range: i.byte_range.map(Into::into),
                    })
                    .collect(),
                segments: segments
                    .segments
                    .iter()
                    .map(|s| HostSegment {
                        number: s.number,
                        start: s.start,
                        duration: s.duration,
                        url: s.url.clone(),
                        byte_range: s.byte_range.map(Into::into),
                        init: s.init,
                    })
                    .collect(),
            },
        },
        E::PlaylistFailed {
            rendition,
            failure: f,
        } => Event::PlaylistFailed {
            rendition: rendition.map(|r| r.0),
            failure: failure(f),
        },
        E::SteeringLoaded { status, body, .. } => Event::SteeringLoaded {
            status: *status,
            retry_after: ms("retry_after_ms"),
            body: body.clone(),
        },
        E::SteeringFailed => Event::SteeringFailed,
        E::RequestStarted { id } => Event::RequestStarted { id: id.0 },
        E::RequestProgress { id, bytes } => Event::RequestProgress {
            id: id.0,
            bytes: *bytes,
        },
        E::RequestCompleted {
            id,
            bytes,
            ttfb,
            cmsd_static,
            cmsd_dynamic,
        } => Event::RequestCompleted {
            id: id.0,
            bytes: *bytes,
            ttfb: *ttfb,
            cmsd_static: cmsd_static.clone(),
            cmsd_dynamic: cmsd_dynamic.clone(),
        },
        E::RequestFailed { id, failure: f } => Event::RequestFailed {
            id: id.0,
            failure: failure(f),
        },
        E::RequestCancelled { id } => Event::RequestCancelled { id: id.0 },
        E::Buffer { media, level } => Event::Buffer {
            media: (*media).into(),
            level: *level,
        },
        E::Playback { state, rate } => Event::Playback {
            state: match state {
                dmoe_core::PlaybackState::Starting => PlaybackState::Starting,
                dmoe_core::PlaybackState::Playing => PlaybackState::Playing,
                dmoe_core::PlaybackState::Paused => PlaybackState::Paused,
                dmoe_core::PlaybackState::Seeking => PlaybackState::Seeking,
                dmoe_core::PlaybackState::Stalled => PlaybackState::Stalled,
                dmoe_core::PlaybackState::Ended => PlaybackState::Ended,
            },
            rate: *rate,
        },
        E::Position { position, latency } => Event::Position {
            position: *position,
            latency: *latency,
        },
        E::Seek { position } => Event::Seek {
            position: *position,
        },
        E::Frames { dropped, total } => Event::Frames {
            dropped: *dropped,
            total: *total,
        },
        E::Viewport {
            max_height,
            max_bitrate_bps,
        } => Event::Viewport {
            max_height: *max_height,
            max_bitrate_bps: *max_bitrate_bps,
        },
        E::TransferStarted {
            id,
            rendition,
            kind,
            duration,
            pathway,
        } => Event::TransferStarted {
            id: id.0,
            rendition: rendition.map(|r| r.0),
            kind: (*kind).into(),
            duration: *duration,
            pathway: pathway.clone(),
        },
        E::AdviceWanted {
            segment_duration,
            sizes,
            remaining,
        } => Event::AdviceWanted {
            segment_duration: *segment_duration,
            sizes: sizes.clone(),
            remaining: *remaining,
        },
        other => panic!("an event this test does not know: {other:?}"),
    }
}

#[test]
fn the_recordings_cross_the_typed_layer_unchanged() {
    for path in [
        "bindings/c/tests/session.jsonl",
        "bindings/js/test/session-host.jsonl",
        "bindings/c/tests/session-advisor.jsonl",
    ] {
        let (got, want) = replay(path);
        assert!(want.len() > 50, "{path}: {} outputs", want.len());
        assert_eq!(got, want, "{path}");
    }
}

#[test]
fn refusals_are_typed_and_change_nothing() {
    let s = Session::agent(r#"{"seed": 4}"#.into()).unwrap();
    let ladder = Event::LadderLoaded {
        url: "https://cdn.example/m.m3u8".into(),
        renditions: vec![HostRendition {
            bandwidth_bps: 800_000,
            average_bandwidth_bps: None,
            width: None,
            height: None,
            frame_rate: None,
            codecs: None,
            url: "https://cdn.example/a.m3u8".into(),
            pathway: None,
        }],
    };
    s.handle(Duration::ZERO, ladder).unwrap();
    assert!(matches!(
        s.handle(Duration::from_millis(1), Event::Tick),
        Err(DmoeError::OutputNotDrained(_))
    ));
    assert!(!s.drain().unwrap().is_empty());
    s.handle(Duration::from_millis(5), Event::Tick).unwrap();
    s.drain().unwrap();
    assert!(matches!(
        s.handle(Duration::from_millis(4), Event::Tick),
        Err(DmoeError::TimeWentBackwards(_))
    ));
    let nan = Event::Playback {
        state: PlaybackState::Playing,
        rate: f64::NAN,
    };
    assert!(matches!(
        s.handle(Duration::from_millis(6), nan),
        Err(DmoeError::InvalidValue(_))
    ));
    let advice = Event::AdviceWanted {
        segment_duration: None,
        sizes: vec![],
        remaining: None,
    };
    let e = s.handle(Duration::from_millis(6), advice).unwrap_err();
    assert!(matches!(e, DmoeError::WrongSession(_)));
    assert_eq!(
        e.to_string(),
        "advice_wanted is not an input of the agent",
        "the core's message"
    );
    assert_eq!(s.poll().unwrap(), None);
    let bad = Session::advisor(r#"{"abr": "nope"}"#.into()).unwrap_err();
    assert_eq!(
        bad,
        DmoeError::InvalidConfig("config: unknown abr \"nope\"".into())
    );
    assert!(Session::agent(String::new()).is_ok(), "blank: the defaults");
}

#[test]
fn a_panic_retires_the_session() {
    let s = Session::agent(r#"{"seed": 4}"#.into()).unwrap();
    let r: Result<(), DmoeError> = s.guarded(|_| panic!("a bug"));
    assert!(matches!(r, Err(DmoeError::Panic(_))));
    assert!(matches!(
        s.handle(Duration::ZERO, Event::Tick),
        Err(DmoeError::Poisoned(_))
    ));
    assert!(matches!(s.drain(), Err(DmoeError::Poisoned(_))));
}

#[test]
fn host_times_truncate_to_microseconds_and_saturate() {
    assert_eq!(timestamp(Duration::from_nanos(1_999)).0, 1);
    assert_eq!(timestamp(Duration::MAX).0, u64::MAX);
}
