//! Entry points for the cargo-fuzz targets (compiled only with `--cfg fuzzing`).
//!
//! Each function parses its input at every strictness level and checks the invariants that
//! must hold for any input: no panic, limits respected, indices in range, live merges of a
//! playlist into itself well-behaved.

use crate::{ManifestFormat, ParseOptions, RenditionId, Strictness};

const LEVELS: [Strictness; 3] = [
    Strictness::Permissive,
    Strictness::Normal,
    Strictness::Strict,
];

/// Smaller caps than the defaults keep executions fast and reach the limit paths often.
fn options(s: Strictness, base: &str) -> ParseOptions {
    ParseOptions::new()
        .strictness(s)
        .base_url(base)
        .limits(crate::Limits {
            max_segments_per_rendition: 5_000,
            max_total_segments: 20_000,
            ..crate::Limits::default()
        })
}

fn check(p: &crate::Presentation, opts: &ParseOptions) {
    let mut total = 0u64;
    for r in &p.renditions {
        let n = r.segments.segments.len() as u64;
        assert!(
            n <= opts.limits.max_segments_per_rendition,
            "segment cap exceeded"
        );
        total += n;
        for s in &r.segments.segments {
            if let Some(i) = s.init {
                assert!(
                    (i as usize) < r.segments.init_sections.len(),
                    "dangling init index"
                );
            }
            if let Some(k) = s.key_set {
                assert!((k as usize) < r.segments.key_sets.len(), "dangling key set");
            }
        }
        for set in &r.segments.key_sets {
            for &k in set {
                assert!((k as usize) < r.segments.keys.len(), "dangling key index");
            }
        }
    }
    if p.format == ManifestFormat::Dash {
        assert!(
            total <= opts.limits.max_total_segments,
            "total cap exceeded"
        );
    }
    for v in &p.variants {
        assert!(p.rendition(v.rendition).is_some(), "variant points nowhere");
    }
}

/// Fuzz the HLS parser, and the live merge of a playlist into itself.
pub fn hls(data: &[u8]) {
    for s in LEVELS {
        let opts = options(s, "https://fuzz.example/a/b.m3u8");
        if let Ok(mut p) = crate::hls::parse(data, &opts) {
            check(&p, &opts);
            if p.format == ManifestFormat::HlsMedia {
                let _ = p.apply_media_playlist(RenditionId(0), data, &opts);
                check(&p, &opts);
            }
        }
    }
}

/// Fuzz the DASH parser, with and without a wall clock.
#[cfg(feature = "dash")]
pub fn dash(data: &[u8]) {
    for s in LEVELS {
        let opts = options(s, "https://fuzz.example/m.mpd");
        if let Ok(p) = crate::dash::parse(data, &opts) {
            check(&p, &opts);
        }
        let live = opts
            .clone()
            .now(crate::WallClock::from_unix_seconds(1_800_000_000));
        if let Ok(p) = crate::dash::parse(data, &live) {
            check(&p, &live);
        }
    }
}

/// Fuzz the MP4 box readers.
pub fn mp4(data: &[u8]) {
    let init = crate::cmaf::parse_init(data).ok();
    let _ = crate::cmaf::parse_media_segment(data, init.as_ref());
    if let Ok(s) = crate::cmaf::parse_sidx(data) {
        assert!(s.references.len() <= data.len() / 12);
    }
    let index = crate::IndexRange {
        url: "v.mp4".into(),
        range: crate::ByteRange {
            start: 0,
            length: data.len() as u64,
        },
        timescale: 1000,
        presentation_time_offset: 0,
    };
    let _ = crate::cmaf::segments_from_sidx(&index, data, 1);
}

/// Fuzz the steering manifest parser, the steering client and the selector that obeys it.
pub fn steering(data: &[u8]) {
    use crate::edge::{
        EdgeConfig, EdgeSelector, FetchPlan, SelectorConfig, SteeringClient, SteeringManifest,
        SteeringProtocol,
    };
    if let Ok(m) = SteeringManifest::parse(data) {
        assert_eq!(m.version, 1);
        assert!(!m.pathway_priority.is_empty());
        assert!(m.pathway_priority.len() <= crate::edge::steering::MAX_PATHWAYS);
        let edges = ["a", "b", "c"].map(EdgeConfig::new).to_vec();
        let Ok(mut sel) = EdgeSelector::new(SelectorConfig::new("fuzz"), edges) else {
            return;
        };
        let _ = sel.apply_steering(&m);
        let plan = FetchPlan {
            bytes: 100_000,
            budget: std::time::Duration::from_secs(4),
        };
        let c = sel.select(crate::Timestamp::ZERO, &plan);
        let listed = m.pathway_priority.iter().any(|p| sel.find(p).is_some());
        if listed {
            let name = &sel.edge(c.edge).pathway;
            assert!(
                m.pathway_priority.iter().any(|p| p == name),
                "chose an edge the controller left out"
            );
        }
        for c in &m.pathway_clones {
            let _ = c
                .uri_replacement
                .apply("https://a.example/v/1.m4s?x=1", Some("v"), Some("r"));
        }
    }
    let now = crate::Timestamp::ZERO;
    if let Ok(mut c) = SteeringClient::new("https://s.example/x", SteeringProtocol::Dash, now) {
        let _ = c.poll(now, &[("a", Some(1)), ("b", None)]);
        let _ = c.on_response(now, 200, None, data);
        let _ = c.poll(crate::Timestamp::from_secs(100_000), &[]);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = SteeringClient::new(text, SteeringProtocol::Hls, now);
    }
}

/// Fuzz the structured-field and CMSD parsers.
pub fn cmsd(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::edge::sf::parse_list(&text);
    let _ = crate::edge::sf::parse_dictionary(&text);
    let _ = crate::edge::CmsdStatic::parse(&text);
    if let Ok(d) = crate::edge::CmsdDynamic::parse(&text) {
        assert!(d.hops.len() <= crate::edge::sf::MAX_MEMBERS);
        let edges = vec![crate::edge::EdgeConfig::new("a")];
        if let Ok(mut sel) =
            crate::edge::EdgeSelector::new(crate::edge::SelectorConfig::new("fuzz"), edges)
        {
            sel.on_cmsd(crate::Timestamp::ZERO, crate::edge::EdgeId(0), &d);
            let _ = sel.max_bitrate();
        }
    }
}

/// A controller for the agent target: the highest rung the last sample allows.
#[derive(Debug, Default)]
struct LastSample(Option<f64>);

impl crate::AbrController for LastSample {
    fn name(&self) -> &'static str {
        "last-sample"
    }
    fn on_segment_complete(&mut self, _now: crate::Timestamp, s: &crate::TransferSample) {
        self.0 = s.throughput_bps().or(self.0);
    }
    fn choose(&self, ctx: &crate::AbrContext<'_>) -> crate::Decision {
        crate::Decision {
            rung: self.0.map_or(0, |b| ctx.ladder.highest_below(b)),
            reason: crate::Reason::Throughput,
            estimate_bps: self.0,
            buffer: ctx.buffer,
            playback_rate: None,
        }
    }
}

/// Fuzz the device agent and the advisor: the first line is a manifest, every further
/// line an input as JSON (or, when it does not parse, a tick). The agent gets the manifest
/// and every line; the advisor gets every line. Outputs are drained after each; neither
/// may panic, a refused input must queue nothing, and queues and recordings stay bounded.
pub fn agent(data: &[u8]) {
    use crate::agent::{Advisor, Agent, Config, Event, Input};
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let manifest = lines.next().unwrap_or("").replace("\\n", "\n");
    let inputs: Vec<Input> = lines
        .take(256)
        .scan(0u64, |now, line| {
            Some(serde_json::from_str::<Input>(line).unwrap_or_else(|_| {
                *now += 1000;
                Input::new(crate::Timestamp::from_micros(*now), Event::Tick)
            }))
        })
        .collect();
    let cfg = Config {
        record: true,
        record_limit: 64,
        seed: Some(7),
        ..Config::default()
    };
    if let Ok(mut a) = Agent::new(cfg.clone(), Box::new(LastSample::default())) {
        let first = Input::new(
            crate::Timestamp::ZERO,
            Event::ManifestLoaded {
                url: "https://fuzz.example/m.m3u8".into(),
                body: manifest,
            },
        );
        for input in std::iter::once(first).chain(inputs.iter().cloned()) {
            if a.handle_input(input).is_err() {
                assert!(
                    a.poll_output().is_none(),
                    "a refused input queued an output"
                );
            }
            let mut n = 0;
            while a.poll_output().is_some() {
                n += 1;
                assert!(n <= 64, "output queue unbounded");
            }
        }
        assert!(a.recording().len() <= 64);
        let _ = a.report();
    }
    if let Ok(mut a) = Advisor::new(cfg, Box::new(LastSample::default())) {
        for input in inputs {
            if a.handle_input(input).is_err() {
                assert!(
                    a.poll_output().is_none(),
                    "a refused input queued an output"
                );
            }
            let mut n = 0;
            while a.poll_output().is_some() {
                n += 1;
                assert!(n <= 64, "output queue unbounded");
            }
        }
        assert!(a.recording().len() <= 64);
        let _ = a.report();
    }
}
