use super::*;
use crate::{AbrContext, Decision, PlaybackState, Reason, RenditionId, TransferSample};

/// The highest rung the last throughput sample allows (enough for these tests).
#[derive(Debug, Default)]
struct Rate(Option<f64>);

impl AbrController for Rate {
    fn name(&self) -> &'static str {
        "rate"
    }
    fn on_segment_complete(&mut self, _now: Timestamp, s: &TransferSample) {
        if let Some(b) = s.throughput_bps() {
            self.0 = Some(b);
        }
    }
    fn choose(&self, ctx: &AbrContext<'_>) -> Decision {
        let rung = self.0.map_or(0, |b| ctx.ladder.highest_below(b * 0.8));
        Decision {
            rung,
            reason: Reason::Throughput,
            estimate_bps: self.0,
            buffer: ctx.buffer,
            playback_rate: None,
        }
    }
}

#[cfg(feature = "hls")]
const MASTER: &str = "#EXTM3U
#EXT-X-CONTENT-STEERING:SERVER-URI=\"https://steer.example/s\",PATHWAY-ID=\"a\"
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,PATHWAY-ID=\"a\"
https://a.example/low.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,PATHWAY-ID=\"a\"
https://a.example/high.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,PATHWAY-ID=\"b\"
https://b.example/low.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,PATHWAY-ID=\"b\"
https://b.example/high.m3u8
";

/// The ladder of a plain two-variant multivariant playlist, as a host parses it.
const PLAIN: &str = "#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\"
https://a.example/low.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS=\"avc1.4d401f,mp4a.40.2\"
https://a.example/high.m3u8
";

fn plain_ladder() -> Vec<HostRendition> {
    [
        (800_000, 640, 360, "avc1.4d401e"),
        (3_000_000, 1280, 720, "avc1.4d401f"),
    ]
    .into_iter()
    .zip(["low", "high"])
    .map(|((bandwidth_bps, w, h, v), name)| HostRendition {
        bandwidth_bps,
        width: Some(w),
        height: Some(h),
        codecs: Some(format!("{v},mp4a.40.2")),
        url: format!("https://a.example/{name}.m3u8"),
        ..HostRendition::default()
    })
    .collect()
}

/// What a host's parser makes of [`media`]`(n)` loaded from `url`.
fn host_media(url: &str, n: u64) -> HostSegments {
    host_list(url, 0..n, true)
}

/// A host-parsed list of the segments `numbers` (4 s each, one init section) next to `url`.
fn host_list(url: &str, numbers: std::ops::Range<u64>, ended: bool) -> HostSegments {
    let dir = &url[..url.rfind('/').map_or(0, |i| i + 1)];
    HostSegments {
        ended,
        target_duration: Some(Duration::from_secs(4)),
        inits: vec![HostInit {
            url: format!("{dir}init.mp4"),
            byte_range: None,
        }],
        segments: numbers
            .map(|i| HostSegment {
                number: i,
                start: Duration::from_secs(4 * i),
                duration: Duration::from_secs(4),
                url: format!("{dir}seg{i}.m4s"),
                byte_range: None,
                init: Some(0),
            })
            .collect(),
    }
}

fn media(n: usize) -> String {
    let mut s = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n");
    for i in 0..n {
        s += &format!("#EXTINF:4.0,\nseg{i}.m4s\n");
    }
    s + "#EXT-X-ENDLIST\n"
}

fn t(ms: u64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn drain(a: &mut Agent) -> Vec<Output> {
    std::iter::from_fn(|| a.poll_output()).collect()
}

fn cfg() -> Config {
    Config {
        seed: Some(7),
        record: true,
        cmcd: CmcdConfig {
            mode: CmcdMode::Query,
            ..CmcdConfig::default()
        },
        ..Config::default()
    }
}

/// A discrete-event host: every request completes after a delay at `mbps` (or fails when
/// `fail` says so), playlists and steering answer in 30 ms, timeouts are honoured, and
/// playback starts after the first media segment. Runs until `until_ms`; returns every
/// output.
#[cfg(feature = "hls")]
fn host(a: &mut Agent, until_ms: u64, mbps: f64, fail: impl Fn(&Fetch) -> bool) -> Vec<Output> {
    run_host(a, until_ms, mbps, fail, false)
}

/// [`host`], answering `LoadPlaylist` with the segment list as text or, `typed`, as a host
/// parser's objects ([`Event::SegmentsLoaded`]).
fn run_host(
    a: &mut Agent,
    until_ms: u64,
    mbps: f64,
    fail: impl Fn(&Fetch) -> bool,
    typed: bool,
) -> Vec<Output> {
    let mut all = Vec::new();
    let mut now = 0u64;
    let mut pending: Vec<(u64, u64, Event)> = Vec::new();
    let mut seq = 0u64;
    let mut timeout: Option<u64> = None;
    let mut playing = false;
    loop {
        for o in drain(a) {
            all.push(o.clone());
            let fetch = |f: &Fetch, pending: &mut Vec<(u64, u64, Event)>, seq: &mut u64| {
                *seq += 1;
                if fail(f) {
                    pending.push((
                        now + 50,
                        *seq,
                        Event::RequestFailed {
                            id: f.id,
                            failure: Failure::Http { status: 503 },
                        },
                    ));
                } else {
                    let bytes =
                        (f.bitrate_bps as f64 / 8.0 * f.duration.as_secs_f64()).max(2000.0) as u64;
                    let done = now + 50 + (bytes as f64 * 8.0 / (mbps * 1000.0)) as u64;
                    pending.push((
                        done,
                        *seq,
                        Event::RequestCompleted {
                            id: f.id,
                            bytes,
                            ttfb: Duration::from_millis(50),
                            cmsd_static: None,
                            cmsd_dynamic: Some(format!("\"{}\";etp=20000", f.edge)),
                        },
                    ));
                }
            };
            match o {
                Output::Fetch(f) => fetch(&f, &mut pending, &mut seq),
                Output::Abandon { id, refetch, .. } => {
                    pending.retain(|(_, _, e)| !matches!(e, Event::RequestCompleted { id: i, .. } | Event::RequestFailed { id: i, .. } if *i == id));
                    fetch(&refetch, &mut pending, &mut seq);
                }
                Output::LoadPlaylist { rendition, url, .. } => {
                    seq += 1;
                    let event = if typed {
                        Event::SegmentsLoaded {
                            rendition,
                            segments: host_media(&url, 10),
                        }
                    } else {
                        Event::PlaylistLoaded {
                            rendition,
                            body: media(10),
                        }
                    };
                    pending.push((now + 30, seq, event));
                }
                Output::LoadSteering { .. } => {
                    seq += 1;
                    pending.push((
                        now + 30,
                        seq,
                        Event::SteeringLoaded {
                            status: 200,
                            retry_after: None,
                            body: r#"{"VERSION":1,"TTL":300,"PATHWAY-PRIORITY":["a","b"]}"#.into(),
                        },
                    ));
                }
                Output::Timeout { at } => timeout = Some(at.as_micros() / 1000),
                _ => {}
            }
        }
        let next = pending
            .iter()
            .enumerate()
            .min_by_key(|(_, (t, s, _))| (*t, *s))
            .map(|(i, _)| i);
        let (at, event) = match next {
            Some(i) => {
                let (t, _, e) = pending.remove(i);
                (t, e)
            }
            None => match timeout.take() {
                Some(t) => (t, Event::Tick),
                None => break,
            },
        };
        if at > until_ms {
            break;
        }
        now = now.max(at);
        let first_media = matches!(event, Event::RequestCompleted { .. }) && !playing;
        a.handle_input(Input::new(t(now), event)).unwrap();
        if first_media && a.qoe().avg_bitrate_bps > 0.0 {
            playing = true;
            seq += 1;
            pending.push((
                now,
                seq,
                Event::Playback {
                    state: PlaybackState::Playing,
                    rate: 1.0,
                },
            ));
        }
    }
    all
}

fn fetches(outs: &[Output]) -> Vec<&Fetch> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Fetch(f) => Some(f),
            Output::Abandon { refetch, .. } => Some(refetch),
            _ => None,
        })
        .collect()
}

#[cfg(feature = "hls")]
fn start() -> Agent {
    let mut a = Agent::new(cfg(), Box::new(Rate::default())).unwrap();
    a.handle_input(Input::new(
        t(0),
        Event::ManifestLoaded {
            url: "https://a.example/master.m3u8".into(),
            body: MASTER.into(),
        },
    ))
    .unwrap();
    a
}

#[cfg(feature = "hls")]
#[test]
fn plays_a_vod_session_to_the_end() {
    let mut a = start();
    let outs = host(&mut a, 120_000, 10.0, |_| false);
    let f = fetches(&outs);
    let media: Vec<&&Fetch> = f.iter().filter(|f| f.kind == ObjectKind::Media).collect();
    assert_eq!(media.len(), 10, "every segment once");
    let numbers: Vec<u64> = media.iter().map(|f| f.segment).collect();
    assert_eq!(numbers, (0..10).collect::<Vec<_>>());
    assert!(
        f[0].kind == ObjectKind::Init,
        "init before the first segment"
    );
    assert!(
        media.last().unwrap().bitrate_bps == 3_000_000,
        "climbed to the top"
    );
    assert!(f.iter().all(|f| f.url.contains("CMCD=") && f.edge == "a"));
    assert!(
        outs.iter()
            .any(|o| matches!(o, Output::LoadSteering { url } if url == "https://steer.example/s"))
    );
    assert!(a.qoe().avg_bitrate_bps > 800_000.0);
}

#[cfg(feature = "hls")]
#[test]
fn a_failed_request_moves_to_the_other_pathway() {
    let mut a = start();
    let outs = host(&mut a, 120_000, 10.0, |f| f.edge == "a" && f.segment >= 3);
    let f = fetches(&outs);
    let first_b = f.iter().position(|f| f.edge == "b").expect("moved to b");
    assert!(
        f[first_b]
            .why
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
            .contains("failed")
    );
    assert_eq!(f[first_b].segment, 3, "same segment retried");
    let media_b = f
        .iter()
        .filter(|f| f.edge == "b" && f.kind == ObjectKind::Media)
        .count();
    assert!(media_b >= 7);
    assert!(
        a.qoe()
            .edges
            .iter()
            .any(|e| e.edge == "a" && e.failures >= 1)
    );
}

#[cfg(feature = "hls")]
#[test]
fn a_cancelled_request_is_not_a_failure() {
    let mut a = start();
    let mut now = 0;
    let mut first = None;
    let mut playlists = Vec::new();
    for _ in 0..16 {
        for o in drain(&mut a) {
            match o {
                Output::LoadPlaylist { rendition, .. } => playlists.push(rendition),
                Output::Fetch(f) if first.is_none() => first = Some(f),
                _ => {}
            }
        }
        if first.is_some() {
            break;
        }
        now += 10;
        let event = match playlists.pop() {
            Some(rendition) => Event::PlaylistLoaded {
                rendition,
                body: media(10),
            },
            None => Event::Tick,
        };
        a.handle_input(Input::new(t(now), event)).unwrap();
    }
    let f = first.expect("a first fetch");
    a.handle_input(Input::new(t(now + 5), Event::RequestStarted { id: f.id }))
        .unwrap();
    drain(&mut a);
    a.handle_input(Input::new(
        t(now + 20),
        Event::RequestCancelled { id: f.id },
    ))
    .unwrap();
    let mut outs = drain(&mut a);
    // Late reports of the cancelled request are ignored, not misuse.
    a.handle_input(Input::new(
        t(now + 30),
        Event::RequestFailed {
            id: f.id,
            failure: Failure::Connection,
        },
    ))
    .unwrap();
    outs.extend(drain(&mut a));
    a.handle_input(Input::new(t(now + 40), Event::Tick))
        .unwrap();
    outs.extend(drain(&mut a));
    let again = fetches(&outs)
        .into_iter()
        .next()
        .cloned()
        .expect("the object is asked for again at once");
    assert_eq!(
        (again.kind, again.segment, again.edge.as_str()),
        (f.kind, f.segment, f.edge.as_str())
    );
    assert_ne!(again.id, f.id);
    assert!(
        !again
            .why
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
            .contains("failed")
    );
    assert!(a.qoe().edges.iter().all(|e| e.failures == 0));
}

#[cfg(feature = "hls")]
#[test]
fn misuse_is_a_typed_error() {
    let mut a = start();
    // Outputs are waiting.
    assert_eq!(
        a.handle_input(Input::new(t(1), Event::Tick)),
        Err(AgentError::OutputNotDrained)
    );
    drain(&mut a);
    assert!(matches!(
        a.handle_input(Input::new(Timestamp::ZERO, Event::Tick)),
        Ok(())
    ));
    drain(&mut a);
    a.handle_input(Input::new(t(5), Event::Tick)).unwrap();
    drain(&mut a);
    assert!(matches!(
        a.handle_input(Input::new(t(4), Event::Tick)),
        Err(AgentError::TimeWentBackwards { .. })
    ));
    assert_eq!(
        a.handle_input(Input::new(
            t(6),
            Event::RequestStarted { id: RequestId(999) }
        )),
        Err(AgentError::UnknownRequest(999))
    );
    drain(&mut a);
    assert!(matches!(
        a.handle_input(Input::new(
            t(7),
            Event::ManifestLoaded {
                url: "https://x/".into(),
                body: "garbage".into()
            }
        )),
        Err(AgentError::Manifest(_))
    ));
    drain(&mut a);
    assert!(matches!(
        a.handle_input(Input::new(
            t(8),
            Event::Playback {
                state: PlaybackState::Playing,
                rate: f64::NAN
            }
        )),
        Err(AgentError::InvalidValue { field: "rate", .. })
    ));
}

#[cfg(feature = "hls")]
#[test]
fn replaying_the_recording_gives_the_same_decisions() {
    let mut a = start();
    let outs = host(&mut a, 120_000, 6.0, |f| f.edge == "a" && f.segment == 4);
    let rec = a.recording().to_vec();
    assert!(rec[0].starts_with("{\"config\""));
    let cfg: serde_json::Value = serde_json::from_str(&rec[0]).unwrap();
    let cfg: Config = serde_json::from_value(cfg["config"].clone()).unwrap();
    let mut b = Agent::new(cfg, Box::new(Rate::default())).unwrap();
    let mut replayed = Vec::new();
    for line in &rec[1..] {
        let input: Input = serde_json::from_str(line).unwrap();
        b.handle_input(input).unwrap();
        replayed.extend(drain(&mut b));
    }
    assert!(outs.len() > 20);
    assert_eq!(replayed, outs);
}

#[test]
fn session_ids_are_random_per_seed_and_private() {
    let a = Agent::new(
        Config {
            seed: Some(1),
            ..Config::default()
        },
        Box::new(Rate::default()),
    )
    .unwrap();
    let b = Agent::new(
        Config {
            seed: Some(2),
            ..Config::default()
        },
        Box::new(Rate::default()),
    )
    .unwrap();
    assert_ne!(a.session_id(), b.session_id());
    assert_eq!(a.session_id().len(), 36);
    assert_eq!(&a.session_id()[14..15], "4");
    let r: serde_json::Value = serde_json::from_str(&a.report()).unwrap();
    assert!(r.get("device_id").is_none() && r.get("user_id").is_none());
    assert_eq!(r["session_id"], a.session_id());
}

#[test]
fn config_reads_json_with_defaults_and_refuses_nonsense() {
    let c = Config::from_json(r#"{"abr":"bola","cmcd":{"mode":"header"},"max_buffer_ms":20000}"#)
        .unwrap();
    assert_eq!(c.abr, "bola");
    assert_eq!(c.cmcd.mode, CmcdMode::Header);
    assert_eq!(c.max_buffer, Duration::from_secs(20));
    assert!(matches!(
        Config::from_json(r#"{"max_buffer_ms":0}"#),
        Err(ConfigError::OutOfRange {
            key: "max_buffer_ms",
            ..
        })
    ));
    assert!(matches!(
        Config::from_json(r#"{"nope":1}"#),
        Err(ConfigError::Json(_))
    ));
}

#[cfg(feature = "hls")]
#[test]
fn live_ll_hls_refreshes_with_blocking_reload_parameters() {
    let mut a = Agent::new(cfg(), Box::new(Rate::default())).unwrap();
    a.handle_input(Input::new(
        t(0),
        Event::ManifestLoaded {
            url: "https://live.example/540p/index.m3u8".into(),
            body: include_str!("../../../tests/data/manifests/ll-hls-live.m3u8").into(),
        },
    ))
    .unwrap();
    let outs = drain(&mut a);
    let reload = outs
        .iter()
        .find_map(|o| match o {
            Output::LoadPlaylist { url, .. } => Some(url.clone()),
            _ => None,
        })
        .expect("a blocking reload right away");
    assert_eq!(
        reload,
        "https://live.example/540p/index.m3u8?_HLS_msn=103&_HLS_part=2&_HLS_skip=YES"
    );
    // Fetching starts three segments behind the live edge, at the first of this window.
    let f = fetches(&outs);
    assert_eq!(f[0].segment, 100);
    assert_eq!(f[0].kind, ObjectKind::Init);
}

mod host;
