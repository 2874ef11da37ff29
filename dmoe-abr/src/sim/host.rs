//! A simulated host player driving a [`dmoe_core::agent::Agent`]: it answers the agent's
//! fetches over simulated edges, plays the buffer out, stalls when it runs dry, and follows
//! a script of faults and user actions. Discrete events on a simulated clock: no sleeping.
//!
//! [`scripted_session`] is the reference session (manifest, segments, an edge failure, a
//! stall, a seek) whose recording the C and Rust replays are compared on;
//! [`scripted_host_session`] is its counterpart for a host that parses manifests itself
//! (typed ladder and segment lists, progress reports, as the npm package's hls.js adapter
//! does), whose recording the wasm and Rust replays are compared on.

use std::time::Duration;

use dmoe_core::agent::{
    Agent, Config, Event, Failure, Fetch, HostInit, HostRendition, HostSegment, HostSegments,
    Input, ObjectKind, Output,
};
use dmoe_core::{MediaType, PlaybackState, RenditionId, Timestamp};

/// How a simulated edge behaves over time.
#[derive(Debug, Clone, PartialEq)]
pub struct SimEdge {
    /// Pathway ID.
    pub name: String,
    /// `(from_s, Mbps)` steps, ascending; the last applies to the end.
    pub mbps: Vec<(f64, f64)>,
    /// Round-trip time, seconds.
    pub rtt_s: f64,
    /// `[from_s, to_s)` windows in which requests fail with HTTP 503.
    pub down: Vec<(f64, f64)>,
}

impl SimEdge {
    fn rate(&self, t: f64) -> f64 {
        self.mbps
            .iter()
            .rev()
            .find(|(from, _)| *from <= t)
            .or(self.mbps.first())
            .map_or(1.0, |(_, m)| *m)
            .max(0.01)
    }
    fn is_down(&self, t: f64) -> bool {
        self.down.iter().any(|(a, b)| *a <= t && t < *b)
    }
    /// Bytes moved in the `secs` after `t` (the same 100 ms steps as [`Self::transfer_s`]).
    fn bytes_in(&self, t: f64, secs: f64) -> f64 {
        let mut moved = 0.0;
        let mut now = t;
        let end = t + secs;
        while now < end {
            let boundary = (((now * 10.0).floor() + 1.0) / 10.0).min(end);
            let step = (boundary - now).max(1e-6);
            moved += self.rate(now) * 1e6 * step / 8.0;
            now += step;
        }
        moved
    }

    /// Seconds to move `bytes` starting at `t` (100 ms integration steps).
    fn transfer_s(&self, t: f64, bytes: f64) -> f64 {
        let mut left = bytes * 8.0;
        let mut now = t;
        loop {
            // To the next 100 ms boundary (never a zero step).
            let boundary = ((now * 10.0).floor() + 1.0) / 10.0;
            let step = (boundary - now).max(1e-6);
            let can = self.rate(now) * 1e6 * step;
            if can >= left {
                return now - t + left / (self.rate(now) * 1e6);
            }
            left -= can;
            now += step;
        }
    }
}

/// A simulated session: the manifest, the media playlists, the edges and the user's actions.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// Manifest URL.
    pub url: String,
    /// Manifest text.
    pub manifest: String,
    /// Media playlist text per rendition (by rendition id).
    pub playlists: Vec<String>,
    /// Edges by pathway ID.
    pub edges: Vec<SimEdge>,
    /// `(at_s, position_s)`: the user seeks.
    pub seeks: Vec<(f64, f64)>,
    /// Segment bytes per second of media at a rung's bitrate (1.0 = exactly nominal).
    pub size_factor: f64,
    /// Stop at this time, seconds.
    pub until_s: f64,
    /// Length of the presentation, seconds (the buffer running dry there is the end, not a
    /// stall).
    pub media_s: f64,
    /// The host parses manifests itself: the ladder and segment lists it hands over typed
    /// instead of `manifest` and `playlists`.
    pub host_parsed: Option<HostParsed>,
    /// Report each media transfer's progress this often (seconds); `None`: completions only.
    pub progress_s: Option<f64>,
}

/// What a host with its own manifest parser hands the agent.
#[derive(Debug, Clone, PartialEq)]
pub struct HostParsed {
    /// The ladder ([`Event::LadderLoaded`]).
    pub ladder: Vec<HostRendition>,
    /// Each rendition's segment list ([`Event::SegmentsLoaded`]), by rendition id.
    pub lists: Vec<HostSegments>,
}

/// What a session produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// Every output of the agent, in order, as JSON lines.
    pub outputs: Vec<String>,
    /// The agent's recording (configuration line, then every input).
    pub recording: Vec<String>,
    /// Stalls the host saw after start-up.
    pub stalls: u32,
    /// Seconds the host was stalled after start-up.
    pub stall_s: f64,
    /// Media segments played.
    pub segments: u32,
}

const START_BUFFER_S: f64 = 4.0;

fn at(s: f64) -> Timestamp {
    Timestamp::from_micros((s.max(0.0) * 1e6).round() as u64)
}

/// Run `agent` through `script`.
pub fn run(agent: &mut Agent, script: &Script) -> Transcript {
    let mut outputs = Vec::new();
    let mut pending: Vec<(f64, u64, Event)> = Vec::new();
    let mut seq = 0u64;
    let mut timeout: Option<f64> = None;
    let mut now = 0.0f64;
    let mut buffer = 0.0f64;
    let mut state = PlaybackState::Starting;
    let mut started = false;
    let mut stalls = 0;
    let mut stall_s = 0.0;
    let mut stall_since = 0.0;
    let mut segments = 0;
    let mut seeks = script.seeks.clone();
    let mut position = 0.0f64;
    let mut in_flight: Option<(u64, f64)> = None;
    let mut push = |pending: &mut Vec<(f64, u64, Event)>, t: f64, e: Event| {
        seq += 1;
        pending.push((t, seq, e));
    };
    let first = match &script.host_parsed {
        Some(h) => Event::LadderLoaded {
            url: script.url.clone(),
            renditions: h.ladder.clone(),
        },
        None => Event::ManifestLoaded {
            url: script.url.clone(),
            body: script.manifest.clone(),
        },
    };
    push(&mut pending, 0.0, first);
    loop {
        // The next thing that happens: a response, the buffer running dry, a seek, or
        // the agent's timeout.
        let next_pending = pending
            .iter()
            .enumerate()
            .min_by(|a, b| {
                (a.1.0, a.1.1)
                    .partial_cmp(&(b.1.0, b.1.1))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map(|(i, p)| (i, p.0));
        let dry_at = (state == PlaybackState::Playing).then_some(now + buffer);
        let seek_at = seeks.first().map(|s| s.0);
        let mut t_next = f64::INFINITY;
        for t in [next_pending.map(|p| p.1), dry_at, seek_at, timeout]
            .into_iter()
            .flatten()
        {
            t_next = t_next.min(t);
        }
        if !t_next.is_finite() || t_next > script.until_s {
            break;
        }
        // Time passes: the buffer plays out.
        let dt = (t_next - now).max(0.0);
        if state == PlaybackState::Playing {
            let played = dt.min(buffer);
            buffer -= played;
            position += played;
        }
        now = t_next;
        let event = if dry_at.is_some_and(|t| t <= now) && state == PlaybackState::Playing {
            if position + 1e-6 >= script.media_s {
                state = PlaybackState::Ended;
            } else {
                state = PlaybackState::Stalled;
                stalls += 1;
                stall_since = now;
            }
            Event::Playback { state, rate: 1.0 }
        } else if seek_at.is_some_and(|t| t <= now) {
            let (_, pos) = seeks.remove(0);
            buffer = 0.0;
            position = pos;
            if state == PlaybackState::Stalled {
                stall_s += now - stall_since;
            }
            state = PlaybackState::Seeking;
            // The in-flight response is dropped with the old buffer.
            if let Some((id, _)) = in_flight.take() {
                pending.retain(|(_, _, e)| !is_response_to(e, id));
            }
            Event::Seek {
                position: Duration::from_secs_f64(pos),
            }
        } else if let Some((i, t)) = next_pending.filter(|p| p.1 <= now) {
            let _ = t;
            let (_, _, e) = pending.remove(i);
            if let Event::RequestCompleted { id, .. } = &e
                && let Some((fid, dur)) = in_flight.filter(|f| f.0 == id.0)
            {
                in_flight = None;
                let _ = fid;
                if dur > 0.0 {
                    buffer += dur;
                    segments += 1;
                }
            }
            if let Event::RequestFailed { id, .. } = &e
                && in_flight.is_some_and(|f| f.0 == id.0)
            {
                in_flight = None;
            }
            e
        } else {
            timeout = None;
            Event::Tick
        };
        if agent.handle_input(Input::new(at(now), event)).is_err() {
            break;
        }
        // After a segment lands: tell the agent the buffer, and start or resume playing.
        let ready = buffer >= START_BUFFER_S
            && matches!(
                state,
                PlaybackState::Starting | PlaybackState::Stalled | PlaybackState::Seeking
            );
        let mut follow_ups = vec![Event::Buffer {
            media: MediaType::Video,
            level: Duration::from_secs_f64(buffer),
        }];
        if ready {
            if state == PlaybackState::Stalled {
                stall_s += now - stall_since;
            }
            state = PlaybackState::Playing;
            started = true;
            follow_ups.push(Event::Playback { state, rate: 1.0 });
            follow_ups.push(Event::Position {
                position: Duration::from_secs_f64(position),
                latency: None,
            });
        }
        let _ = started;
        for e in follow_ups {
            for o in std::iter::from_fn(|| agent.poll_output()) {
                handle(
                    &o,
                    script,
                    now,
                    &mut |t, e| push(&mut pending, t, e),
                    &mut timeout,
                    &mut in_flight,
                );
                outputs.push(serde_json::to_string(&o).unwrap_or_default());
            }
            if agent.handle_input(Input::new(at(now), e)).is_err() {
                break;
            }
        }
        for o in std::iter::from_fn(|| agent.poll_output()) {
            handle(
                &o,
                script,
                now,
                &mut |t, e| push(&mut pending, t, e),
                &mut timeout,
                &mut in_flight,
            );
            outputs.push(serde_json::to_string(&o).unwrap_or_default());
        }
    }
    Transcript {
        outputs,
        recording: agent.recording().to_vec(),
        stalls,
        stall_s,
        segments,
    }
}

fn is_response_to(e: &Event, id: u64) -> bool {
    matches!(e, Event::RequestCompleted { id: i, .. } | Event::RequestFailed { id: i, .. } | Event::RequestStarted { id: i } | Event::RequestProgress { id: i, .. } if i.0 == id)
}

fn handle(
    o: &Output,
    script: &Script,
    now: f64,
    push: &mut dyn FnMut(f64, Event),
    timeout: &mut Option<f64>,
    in_flight: &mut Option<(u64, f64)>,
) {
    let mut fetch = |f: &Fetch, push: &mut dyn FnMut(f64, Event)| {
        let Some(edge) = script.edges.iter().find(|e| e.name == f.edge) else {
            push(
                now + 0.01,
                Event::RequestFailed {
                    id: f.id,
                    failure: Failure::Connection,
                },
            );
            return;
        };
        let dur = if f.kind == ObjectKind::Media {
            f.duration.as_secs_f64()
        } else {
            0.0
        };
        *in_flight = Some((f.id.0, dur));
        push(now, Event::RequestStarted { id: f.id });
        if edge.is_down(now) {
            push(
                now + edge.rtt_s,
                Event::RequestFailed {
                    id: f.id,
                    failure: Failure::Http { status: 503 },
                },
            );
            return;
        }
        let bytes = match (f.byte_range, f.kind) {
            (Some(r), _) => r.length as f64,
            (None, ObjectKind::Init) => 1500.0,
            (None, ObjectKind::Media) => {
                f.bitrate_kbps as f64 * 125.0 * f.duration.as_secs_f64() * script.size_factor
            }
        };
        let total = edge.rtt_s + edge.transfer_s(now + edge.rtt_s, bytes);
        if let Some(every) = script.progress_s.filter(|e| *e > 0.0 && dur > 0.0) {
            let mut after = every;
            // Strictly before the completion (a millisecond clear of rounding).
            while after < total - edge.rtt_s - 0.001 {
                let got = edge.bytes_in(now + edge.rtt_s, after).min(bytes);
                push(
                    now + edge.rtt_s + after,
                    Event::RequestProgress {
                        id: f.id,
                        bytes: got as u64,
                    },
                );
                after += every;
            }
        }
        push(
            now + total,
            Event::RequestCompleted {
                id: f.id,
                bytes: bytes as u64,
                ttfb: Duration::from_secs_f64(edge.rtt_s),
                cmsd_static: None,
                cmsd_dynamic: Some(format!(
                    "\"{}\";rtt={}",
                    edge.name,
                    (edge.rtt_s * 1000.0) as u64
                )),
            },
        );
    };
    match o {
        Output::Fetch(f) => fetch(f, push),
        Output::Abandon { refetch, .. } => fetch(refetch, push),
        Output::LoadPlaylist { rendition, .. } => {
            let typed = script
                .host_parsed
                .as_ref()
                .map(|h| h.lists.get(rendition.0 as usize));
            let answer =
                match typed {
                    Some(Some(segments)) => Some(Event::SegmentsLoaded {
                        rendition: *rendition,
                        segments: segments.clone(),
                    }),
                    Some(None) => None,
                    None => script.playlists.get(rendition.0 as usize).map(|body| {
                        Event::PlaylistLoaded {
                            rendition: *rendition,
                            body: body.clone(),
                        }
                    }),
                };
            push(
                now + 0.03,
                answer.unwrap_or(Event::PlaylistFailed {
                    rendition: Some(RenditionId(rendition.0)),
                    failure: Failure::Http { status: 404 },
                }),
            );
        }
        Output::LoadSteering { .. } => push(
            now + 0.03,
            Event::SteeringLoaded {
                status: 200,
                retry_after: None,
                body: r#"{"VERSION":1,"TTL":60,"PATHWAY-PRIORITY":["cdn-a","cdn-b"]}"#.into(),
            },
        ),
        Output::Timeout { at } => *timeout = Some(at.as_micros() as f64 / 1e6),
        _ => {}
    }
}

/// The reference session: a two-pathway HLS presentation (four rungs, 40 segments of 4 s
/// with an init section), `cdn-a` failing between 50 and 60 s, a throughput collapse on
/// both edges between 75 and 115 s (a stall), and a seek at 140 s back to 60 s.
pub fn scripted_session(cfg: Config) -> (Agent, Script) {
    let rungs = [
        (600u64, "360p", 640, 360),
        (1500, "540p", 960, 540),
        (3000, "720p", 1280, 720),
        (5000, "1080p", 1920, 1080),
    ];
    let mut manifest = String::from(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-CONTENT-STEERING:SERVER-URI=\"https://steer.example/v1\",PATHWAY-ID=\"cdn-a\"\n",
    );
    let mut playlists = Vec::new();
    for cdn in ["cdn-a", "cdn-b"] {
        for (kbps, name, w, h) in rungs {
            manifest += &format!(
                "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},RESOLUTION={w}x{h},CODECS=\"avc1.64001f,mp4a.40.2\",PATHWAY-ID=\"{cdn}\",STABLE-VARIANT-ID=\"{name}\"\nhttps://{cdn}.example/v/{name}/index.m3u8\n",
                kbps * 1100,
                kbps * 1000
            );
            let mut pl = String::from(
                "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init.mp4\"\n",
            );
            for i in 0..40 {
                pl += &format!("#EXTINF:4.000,\nseg{i}.m4s\n");
            }
            pl += "#EXT-X-ENDLIST\n";
            playlists.push(pl);
        }
    }
    let script = Script {
        url: "https://cdn-a.example/v/master.m3u8".into(),
        manifest,
        playlists,
        edges: vec![
            SimEdge {
                name: "cdn-a".into(),
                mbps: vec![(0.0, 12.0), (75.0, 0.25), (115.0, 12.0)],
                rtt_s: 0.04,
                down: vec![(50.0, 60.0)],
            },
            SimEdge {
                name: "cdn-b".into(),
                mbps: vec![(0.0, 9.0), (75.0, 0.2), (115.0, 9.0)],
                rtt_s: 0.06,
                down: vec![],
            },
        ],
        seeks: vec![(140.0, 60.0)],
        size_factor: 1.0,
        until_s: 300.0,
        media_s: 160.0,
        host_parsed: None,
        progress_s: None,
    };
    // Invariant: the ABR name comes from a validated config; fall back to hybrid.
    let agent = crate::agent(cfg)
        .unwrap_or_else(|_| crate::agent(Config::default()).expect("the default config is valid"));
    (agent, script)
}

/// The reference session of a host that parses manifests itself (the npm package's
/// hls.js adapter): the ladder (four rungs) and the segment lists (40 segments of 4 s with
/// an init section) handed over typed, progress reported every 250 ms, one edge failing
/// between 50 and 54 s, throughput collapsing between 75 and 115 s (a stall, and
/// abandonments), and a seek at 140 s back to 60 s.
pub fn scripted_host_session(cfg: Config) -> (Agent, Script) {
    let rungs = [
        (600u64, "360p", 640, 360),
        (1500, "540p", 960, 540),
        (3000, "720p", 1280, 720),
        (5000, "1080p", 1920, 1080),
    ];
    let base = "https://cdn.example/v";
    let ladder = rungs
        .iter()
        .map(|&(kbps, name, w, h)| HostRendition {
            bandwidth: kbps * 1100,
            average_bandwidth: Some(kbps * 1000),
            width: Some(w),
            height: Some(h),
            frame_rate: Some(30.0),
            codecs: Some("avc1.64001f,mp4a.40.2".into()),
            url: format!("{base}/{name}/index.m3u8"),
        })
        .collect();
    let lists = rungs
        .iter()
        .map(|&(_, name, _, _)| HostSegments {
            ended: true,
            target_duration: Some(Duration::from_secs(4)),
            inits: vec![HostInit {
                url: format!("{base}/{name}/init.mp4"),
                byte_range: None,
            }],
            segments: (0..40u64)
                .map(|i| HostSegment {
                    number: i,
                    start: Duration::from_secs(4 * i),
                    duration: Duration::from_secs(4),
                    url: format!("{base}/{name}/seg{i}.m4s"),
                    byte_range: None,
                    init: Some(0),
                })
                .collect(),
        })
        .collect();
    let script = Script {
        url: format!("{base}/master.m3u8"),
        manifest: String::new(),
        playlists: Vec::new(),
        // A ladder without pathways is served by the default pathway, ".".
        edges: vec![SimEdge {
            name: ".".into(),
            mbps: vec![(0.0, 8.0), (75.0, 0.4), (115.0, 8.0)],
            rtt_s: 0.05,
            down: vec![(50.0, 54.0)],
        }],
        seeks: vec![(140.0, 60.0)],
        size_factor: 1.0,
        until_s: 300.0,
        media_s: 160.0,
        host_parsed: Some(HostParsed { ladder, lists }),
        progress_s: Some(0.25),
    };
    // Invariant: the ABR name comes from a validated config; fall back to hybrid.
    let agent = crate::agent(cfg)
        .unwrap_or_else(|_| crate::agent(Config::default()).expect("the default config is valid"));
    (agent, script)
}
