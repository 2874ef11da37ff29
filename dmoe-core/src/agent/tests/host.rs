//! Sessions of a host that parses its manifests itself (typed ladder and segment lists).

use super::*;

fn start_typed(c: Config) -> Agent {
    let mut a = Agent::new(c, Box::new(Rate::default())).unwrap();
    a.handle_input(Input::new(
        t(0),
        Event::LadderLoaded {
            url: "https://a.example/master.m3u8".into(),
            renditions: plain_ladder(),
        },
    ))
    .unwrap();
    a
}

#[test]
fn plays_a_host_parsed_session_to_the_end() {
    let mut a = start_typed(cfg());
    let outs = run_host(&mut a, 120_000, 10.0, |_| false, true);
    let f = fetches(&outs);
    assert_eq!(f[0].kind, ObjectKind::Init, "init before the first segment");
    assert_eq!(
        f[0].url.split('?').next(),
        Some("https://a.example/init.mp4")
    );
    let media: Vec<u64> = f
        .iter()
        .filter(|f| f.kind == ObjectKind::Media)
        .map(|f| f.segment)
        .collect();
    assert_eq!(media, (0..10).collect::<Vec<_>>(), "every segment once");
    assert_eq!(
        f.last().unwrap().bitrate_bps,
        3_000_000,
        "climbed to the top"
    );
    assert!(
        f.last()
            .unwrap()
            .url
            .starts_with("https://a.example/seg9.m4s?CMCD=")
    );
    // The recording holds the typed inputs: a replay decides the same.
    let rec = a.recording().to_vec();
    let mut b = Agent::new(cfg(), Box::new(Rate::default())).unwrap();
    let mut replayed = Vec::new();
    for line in &rec[1..] {
        b.handle_input(serde_json::from_str(line).unwrap()).unwrap();
        replayed.extend(drain(&mut b));
    }
    assert_eq!(replayed, outs);
}

#[cfg(feature = "hls")]
#[test]
fn host_parsed_and_text_manifests_give_the_same_decisions() {
    let mut text = Agent::new(cfg(), Box::new(Rate::default())).unwrap();
    text.handle_input(Input::new(
        t(0),
        Event::ManifestLoaded {
            url: "https://a.example/master.m3u8".into(),
            body: PLAIN.into(),
        },
    ))
    .unwrap();
    let from_text = run_host(&mut text, 120_000, 4.0, |f| f.segment == 5, false);
    let mut typed = start_typed(cfg());
    let from_objects = run_host(&mut typed, 120_000, 4.0, |f| f.segment == 5, true);
    assert!(fetches(&from_text).len() > 10);
    assert_eq!(from_objects, from_text);
}

#[test]
fn bad_host_lists_are_typed_errors() {
    let mut a = start_typed(cfg());
    drain(&mut a);
    let good = host_media("https://a.example/low.m3u8", 3);
    let mut cases = Vec::new();
    let mut c = good.clone();
    c.segments[2].number = 1;
    cases.push(c);
    let mut c = good.clone();
    c.segments[1].duration = Duration::ZERO;
    cases.push(c);
    let mut c = good.clone();
    c.segments[0].init = Some(4);
    cases.push(c);
    let mut c = good.clone();
    c.segments[0].url.clear();
    cases.push(c);
    for (i, segments) in cases.into_iter().enumerate() {
        let r = a.handle_input(Input::new(
            t(1 + i as u64),
            Event::SegmentsLoaded {
                rendition: RenditionId(0),
                segments,
            },
        ));
        assert!(
            matches!(r, Err(AgentError::InvalidValue { .. })),
            "case {i}: {r:?}"
        );
        drain(&mut a);
    }
    assert_eq!(
        a.handle_input(Input::new(
            t(10),
            Event::SegmentsLoaded {
                rendition: RenditionId(9),
                segments: good.clone(),
            },
        )),
        Err(AgentError::UnknownRendition(9))
    );
    drain(&mut a);
    // Still usable: the good list is taken.
    a.handle_input(Input::new(
        t(11),
        Event::SegmentsLoaded {
            rendition: RenditionId(0),
            segments: good,
        },
    ))
    .unwrap();
    assert!(drain(&mut a).iter().any(|o| matches!(o, Output::Fetch(_))));
    // An empty ladder has nothing to play.
    let mut b = Agent::new(cfg(), Box::new(Rate::default())).unwrap();
    assert_eq!(
        b.handle_input(Input::new(
            t(0),
            Event::LadderLoaded {
                url: String::new(),
                renditions: vec![HostRendition::default()],
            },
        )),
        Err(AgentError::NothingToPlay)
    );
}

#[cfg(not(feature = "hls"))]
#[test]
fn without_the_hls_feature_text_and_hosts_are_refused_with_types() {
    let mut a = Agent::new(cfg(), Box::new(Rate::default())).unwrap();
    assert_eq!(
        a.handle_input(Input::new(
            t(0),
            Event::ManifestLoaded {
                url: "https://a.example/master.m3u8".into(),
                body: PLAIN.into(),
            },
        )),
        Err(AgentError::Manifest(crate::ManifestError::FormatNotBuilt {
            format: "HLS"
        }))
    );
    let c = Config::from_json(r#"{"edges":[{"pathway":"b","host":"b.example"}]}"#);
    assert!(matches!(c, Err(ConfigError::NotBuilt("edges.host"))));
}

/// What a host holding settings as values does: every scalar by its dotted key, edges
/// pushed (the npm package's wrapper walks a JS object the same way).
fn config_by_keys(json: &str) -> Result<Config, ConfigError> {
    fn walk(c: &mut Config, prefix: &str, v: &serde_json::Value) -> Result<(), ConfigError> {
        let obj = v.as_object().expect("an object");
        for (k, v) in obj {
            let key = format!("{prefix}{k}");
            let value = match v {
                serde_json::Value::Object(_) => {
                    walk(c, &format!("{key}."), v)?;
                    continue;
                }
                serde_json::Value::Array(edges) if key == "edges" => {
                    for e in edges {
                        c.edges.push(serde_json::from_value(e.clone()).unwrap());
                    }
                    continue;
                }
                serde_json::Value::Null => ConfigValue::Null,
                serde_json::Value::Bool(b) => ConfigValue::Bool(*b),
                serde_json::Value::Number(n) => ConfigValue::Number(n.as_f64().unwrap()),
                serde_json::Value::String(s) => ConfigValue::Text(s.clone()),
                serde_json::Value::Array(_) => panic!("no other list"),
            };
            c.set(&key, value)?;
        }
        Ok(())
    }
    let mut c = Config::default();
    walk(&mut c, "", &serde_json::from_str(json).unwrap())?;
    c.validate()?;
    Ok(c)
}

#[test]
fn settings_by_key_match_the_json_reader() {
    let full = r#"{"abr":"bola","max_buffer_ms":42500,"max_bitrate_bps":5000000,"max_height":720,
        "edges":[{"pathway":"b","region":"eu","weight":2.0}],"region":"eu","session_id":"s-1",
        "seed":99,"strictness":"strict","target_latency_ms":3500,"edge_policy":"priority",
        "probes":false,"deadlines":false,
        "cmcd":{"mode":"json","version":2,"content_id":"c"},
        "telemetry":{"enabled":false,"interval_ms":12000,"device_id":null,"user_id":"u"},
        "record":true,"record_limit":77}"#;
    let by_keys = config_by_keys(full).unwrap();
    assert_eq!(by_keys, Config::from_json(full).unwrap());
    assert_ne!(by_keys, Config::default());
    // Every serialised config reads back the same way by keys.
    let round = serde_json::to_string(&by_keys).unwrap();
    assert_eq!(config_by_keys(&round).unwrap(), by_keys);
    let mut c = Config::default();
    assert_eq!(
        c.set("nope", ConfigValue::Bool(true)),
        Err(ConfigError::UnknownKey("nope".into()))
    );
    for (key, value) in [
        ("max_buffer_ms", ConfigValue::Number(-1.0)),
        ("max_buffer_ms", ConfigValue::Text("10".into())),
        ("edge_policy", ConfigValue::Text("random".into())),
        ("seed", ConfigValue::Number(1.5)),
        ("max_height", ConfigValue::Number(f64::NAN)),
        ("cmcd.mode", ConfigValue::Text("loud".into())),
        ("record", ConfigValue::Number(1.0)),
        ("abr", ConfigValue::Null),
        ("edges", ConfigValue::Null),
    ] {
        assert!(
            matches!(
                c.set(key, value.clone()),
                Err(ConfigError::WrongType { .. })
            ),
            "{key} = {value:?}"
        );
    }
    assert_eq!(c, Config::default(), "a refused value changes nothing");
    // Ranges are the validator's: the same refusal as from JSON.
    assert!(matches!(
        config_by_keys(r#"{"max_buffer_ms":0}"#),
        Err(ConfigError::OutOfRange {
            key: "max_buffer_ms",
            ..
        })
    ));
}

/// A live list the host refreshes itself: the agent starts behind the live edge, asks for
/// a refresh after a target duration, and carries on with the new segments of the slid
/// window.
#[test]
fn host_parsed_live_lists_slide() {
    let live =
        |first: u64, last: u64| host_list("https://a.example/low.m3u8", first..last + 1, false);
    let mut a = start_typed(cfg());
    let r = drain(&mut a)
        .iter()
        .find_map(|o| match o {
            Output::LoadPlaylist { rendition, .. } => Some(*rendition),
            _ => None,
        })
        .expect("a list is asked for");
    a.handle_input(Input::new(
        t(10),
        Event::SegmentsLoaded {
            rendition: r,
            segments: live(100, 105),
        },
    ))
    .unwrap();
    let outs = drain(&mut a);
    let f = fetches(&outs);
    assert_eq!((f[0].kind, f[0].segment), (ObjectKind::Init, 103));
    // Fetch the init and the three segments to the live edge.
    let mut now = 10;
    let mut media = Vec::new();
    let mut next = f[0].clone();
    // A timeout, once said, stands until it changes: it may have come with the list.
    let mut refresh = outs
        .iter()
        .any(|o| matches!(o, Output::Timeout { .. } | Output::LoadPlaylist { .. }));
    for _ in 0..6 {
        now += 100;
        a.handle_input(Input::new(t(now), Event::RequestStarted { id: next.id }))
            .unwrap();
        drain(&mut a);
        now += 400;
        a.handle_input(Input::new(
            t(now),
            Event::RequestCompleted {
                id: next.id,
                bytes: 100_000,
                ttfb: Duration::from_millis(20),
                cmsd_static: None,
                cmsd_dynamic: None,
            },
        ))
        .unwrap();
        if next.kind == ObjectKind::Media {
            media.push(next.segment);
        }
        let outs = drain(&mut a);
        refresh |= outs
            .iter()
            .any(|o| matches!(o, Output::Timeout { .. } | Output::LoadPlaylist { .. }));
        match fetches(&outs).first() {
            Some(f) => next = (*f).clone(),
            None => break,
        }
    }
    assert_eq!(media, vec![103, 104, 105]);
    assert!(refresh, "waits for the next list");
    // The host's refresh slides the window: the agent goes on at 106.
    now += 4000;
    a.handle_input(Input::new(
        t(now),
        Event::SegmentsLoaded {
            rendition: r,
            segments: live(102, 107),
        },
    ))
    .unwrap();
    let outs = drain(&mut a);
    let f = fetches(&outs);
    assert_eq!(f.first().map(|f| f.segment), Some(106));
}
