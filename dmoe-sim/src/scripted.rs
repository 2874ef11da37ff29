//! The scripted sessions: short sessions with every kind of event in them, whose
//! recordings are the cross-language decision vectors (the C, wasm and Rust replays must
//! print the same decisions).
//!
//! - [`scripted_session`]: a two-pathway HLS presentation as text, an edge failure, a
//!   throughput collapse (a stall) and a seek.
//! - [`scripted_host_session`]: the same story for a host that parses manifests itself
//!   (typed ladder and segment lists, progress reports, as the npm package's adapters do).
//! - [`scripted_advisor_session`]: the advisor's vector: a player that fetches segments
//!   itself and asks which rendition each should be.

use std::time::Duration;

use dmoe_core::RenditionId;
use dmoe_core::agent::{
    CmcdConfig, CmcdMode, Config, Event, HostInit, HostRendition, HostSegment, HostSegments,
};

use crate::link::TraceLink;
use crate::player::{self, Driver, NetEdge, Router, Stage, SteeringReply, Transcript};
use crate::{Trace, Video};

/// The configuration of the scripted sessions (recorded, CMCD in the query, seed 42).
pub fn config() -> Config {
    Config {
        seed: Some(42),
        record: true,
        cmcd: CmcdConfig {
            mode: CmcdMode::Query,
            ..CmcdConfig::default()
        },
        ..Config::default()
    }
}

const RUNGS: [(u64, &str, u32, u32); 4] = [
    (600, "360p", 640, 360),
    (1500, "540p", 960, 540),
    (3000, "720p", 1280, 720),
    (5000, "1080p", 1920, 1080),
];

/// A trace that holds `steps` (`(from_s, Mbps)`) for `until_s`.
fn steps(name: &str, steps: &[(f64, f64)], until_s: f64) -> Trace {
    let mut time = vec![0.0];
    let mut mbps = vec![0.0];
    for (i, &(_, m)) in steps.iter().enumerate() {
        let end = steps.get(i + 1).map_or(until_s, |n| n.0);
        time.push(end);
        mbps.push(m);
    }
    // Invariant: ascending steps with positive rates.
    Trace::new(name, time, mbps).expect("valid scripted trace")
}

/// 40 segments of 4 s at the four rungs' nominal sizes.
fn video() -> Video {
    let kbps: Vec<u64> = RUNGS.iter().map(|r| r.0).collect();
    let sizes = (0..40)
        .map(|_| kbps.iter().map(|k| k * 125 * 4).collect())
        .collect();
    // Invariant: ascending bitrates, 40 segments.
    Video::new(4.0, kbps, sizes).expect("valid scripted video")
}

fn stage(first: Event, playlists: Vec<Event>, rung_of: Vec<usize>, edges: Vec<NetEdge>) -> Stage {
    Stage {
        first,
        playlists,
        rung_of,
        video: video(),
        init_bytes: 1500.0,
        edges,
        steering: vec![(
            0.0,
            SteeringReply::Priority(vec!["cdn-a".into(), "cdn-b".into()]),
        )],
        steering_ttl_s: 60,
        seeks: vec![(140.0, 60.0)],
        until_s: 300.0,
        progress_s: None,
        start_buffer_s: 4.0,
        max_buffer_s: 30.0,
        router: Router::AsAsked,
        last_mile: None,
    }
}

/// The reference session: a two-pathway HLS presentation (four rungs, 40 segments of 4 s
/// with an init section), `cdn-a` failing between 50 and 60 s, a throughput collapse on
/// both edges between 75 and 115 s (a stall), and a seek at 140 s back to 60 s.
pub fn scripted_session(cfg: Config) -> (Driver, Stage) {
    let mut manifest = String::from(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-CONTENT-STEERING:SERVER-URI=\"https://steer.example/v1\",PATHWAY-ID=\"cdn-a\"\n",
    );
    let mut playlists = Vec::new();
    let mut rung_of = Vec::new();
    for cdn in ["cdn-a", "cdn-b"] {
        for (r, (kbps, name, w, h)) in RUNGS.iter().enumerate() {
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
            playlists.push(Event::PlaylistLoaded {
                rendition: RenditionId(playlists.len() as u32),
                body: pl,
            });
            rung_of.push(r);
        }
    }
    let mut a = NetEdge::new(
        "cdn-a",
        TraceLink::new(&steps(
            "cdn-a",
            &[(0.0, 12.0), (75.0, 0.25), (115.0, 12.0)],
            400.0,
        )),
        0.04,
    );
    a.down.push((50.0, 60.0));
    let b = NetEdge::new(
        "cdn-b",
        TraceLink::new(&steps(
            "cdn-b",
            &[(0.0, 9.0), (75.0, 0.2), (115.0, 9.0)],
            400.0,
        )),
        0.06,
    );
    let first = Event::ManifestLoaded {
        url: "https://cdn-a.example/v/master.m3u8".into(),
        body: manifest,
    };
    // Invariant: the configuration comes from `config()` or a caller's valid one; fall
    // back to the scripted one.
    let agent = dmoe_abr::agent(cfg)
        .unwrap_or_else(|_| dmoe_abr::agent(config()).expect("the scripted config is valid"));
    (
        Driver::Agent(Box::new(agent)),
        stage(first, playlists, rung_of, vec![a, b]),
    )
}

/// The ladder and segment lists of the host-parsed sessions.
fn host_parsed() -> (Vec<HostRendition>, Vec<HostSegments>) {
    let base = "https://cdn.example/v";
    let ladder = RUNGS
        .iter()
        .map(|&(kbps, name, w, h)| HostRendition {
            bandwidth_bps: kbps * 1100,
            average_bandwidth_bps: Some(kbps * 1000),
            width: Some(w),
            height: Some(h),
            frame_rate: Some(30.0),
            codecs: Some("avc1.64001f,mp4a.40.2".into()),
            url: format!("{base}/{name}/index.m3u8"),
            pathway: None,
        })
        .collect();
    let lists = RUNGS
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
    (ladder, lists)
}

/// The host-parsed session's one edge: throughput collapsing between 75 and 115 s, down
/// between 50 and 54 s.
fn host_edge() -> NetEdge {
    let mut e = NetEdge::new(
        ".",
        TraceLink::new(&steps(".", &[(0.0, 8.0), (75.0, 0.4), (115.0, 8.0)], 400.0)),
        0.05,
    );
    e.down.push((50.0, 54.0));
    e
}

/// The reference session of a host that parses manifests itself (the npm package's
/// adapters): the ladder (four rungs) and the segment lists (40 segments of 4 s with an
/// init section) handed over typed, progress reported every 250 ms, the edge failing
/// between 50 and 54 s, throughput collapsing between 75 and 115 s (a stall, and
/// abandonments), and a seek at 140 s back to 60 s.
pub fn scripted_host_session(cfg: Config) -> (Driver, Stage) {
    let (ladder, lists) = host_parsed();
    let playlists = lists
        .into_iter()
        .enumerate()
        .map(|(i, segments)| Event::SegmentsLoaded {
            rendition: RenditionId(i as u32),
            segments,
        })
        .collect();
    let first = Event::LadderLoaded {
        url: "https://cdn.example/v/master.m3u8".into(),
        renditions: ladder,
    };
    let mut s = stage(first, playlists, (0..4).collect(), vec![host_edge()]);
    s.progress_s = Some(0.25);
    s.steering.clear();
    // Invariant: as in `scripted_session`.
    let agent = dmoe_abr::agent(cfg)
        .unwrap_or_else(|_| dmoe_abr::agent(config()).expect("the scripted config is valid"));
    (Driver::Agent(Box::new(agent)), s)
}

/// The advisor's reference session: the same ladder, edge and collapse as
/// [`scripted_host_session`], the player fetching in order and asking the advisor before
/// each segment (no seek: the player decides where it fetches).
pub fn scripted_advisor_session(cfg: Config) -> (Driver, Stage) {
    let (ladder, _) = host_parsed();
    let first = Event::LadderLoaded {
        url: "https://cdn.example/v/master.m3u8".into(),
        renditions: ladder,
    };
    let mut s = stage(first, Vec::new(), (0..4).collect(), vec![host_edge()]);
    s.progress_s = Some(0.25);
    s.steering.clear();
    s.seeks.clear();
    // Invariant: as in `scripted_session`.
    let advisor = dmoe_abr::advisor(cfg)
        .unwrap_or_else(|_| dmoe_abr::advisor(config()).expect("the scripted config is valid"));
    (Driver::Advisor(Box::new(advisor)), s)
}

/// Run a scripted session.
pub fn run((mut driver, stage): (Driver, Stage)) -> (Driver, Transcript) {
    let t = player::run(&mut driver, &stage);
    (driver, t)
}
