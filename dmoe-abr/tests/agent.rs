//! The device agent with the hybrid ABR in a simulated player: the scripted session
//! (an edge failure, a stall, a seek) and its replay.

#[cfg(feature = "hls")]
use dmoe_abr::sim::host::scripted_session;
use dmoe_abr::sim::host::{run, scripted_host_session};
use dmoe_core::agent::ObjectKind;
use dmoe_core::agent::{CmcdConfig, CmcdMode, Config, Output};

fn cfg() -> Config {
    Config {
        seed: 42,
        record: true,
        cmcd: CmcdConfig {
            mode: CmcdMode::Query,
            ..CmcdConfig::default()
        },
        ..Config::default()
    }
}

fn outputs(t: &[String]) -> Vec<Output> {
    t.iter().map(|l| serde_json::from_str(l).unwrap()).collect()
}

// The text sessions need the HLS parser.
#[cfg(feature = "hls")]
#[test]
fn scripted_session_survives_failure_stall_and_seek() {
    let (mut agent, script) = scripted_session(cfg());
    let t = run(&mut agent, &script);
    let outs = outputs(&t.outputs);
    let fetches: Vec<_> = outs
        .iter()
        .filter_map(|o| match o {
            Output::Fetch(f) => Some(f),
            Output::Abandon { refetch, .. } => Some(refetch),
            _ => None,
        })
        .collect();
    // The edge failure: the same segment retried on the other pathway, with the reason.
    let failover = fetches
        .iter()
        .find(|f| f.edge == "cdn-b")
        .expect("moved to cdn-b");
    assert!(
        failover
            .why
            .as_deref()
            .unwrap_or("")
            .contains("cdn-a failed")
    );
    // The collapse below the lowest rung stalls; the agent counts what the host saw.
    assert_eq!(t.stalls, 1);
    let q = agent.qoe();
    assert_eq!(q.rebuffer_count, 1);
    assert!((q.rebuffer_time.as_secs_f64() - t.stall_s).abs() < 0.01);
    // The seek back to 60 s refetches from segment 15.
    let after_seek: Vec<u64> = fetches.iter().map(|f| f.segment).collect();
    assert!(after_seek.windows(2).any(|w| w[0] > 30 && w[1] == 15));
    // Everything carries CMCD in the query.
    assert!(
        fetches
            .iter()
            .all(|f| f.url.contains("CMCD=") && f.url.contains("sid%3D"))
    );
    assert!(t.segments >= 60);
    let report: serde_json::Value = serde_json::from_str(&agent.report()).unwrap();
    assert_eq!(report["qoe"]["rebuffer_count"], 1);
    assert!(report["qoe"]["edges"].as_array().unwrap().len() == 2);
}

#[cfg(feature = "hls")]
#[test]
fn replay_gives_exactly_the_same_decisions() {
    let (mut agent, script) = scripted_session(cfg());
    let t = run(&mut agent, &script);
    let replayed = dmoe_abr::replay(&t.recording.join("\n")).unwrap();
    assert!(t.outputs.len() > 50);
    assert_eq!(replayed, t.outputs);
}

/// The host that parses manifests itself (typed lists, progress every 250 ms): the
/// collapse makes the agent abandon, and each abandonment's refetch (an init section first
/// when the lower rung's is not in) is followed by the same segment at the same rung, not
/// by a fresh decision that goes back up and is abandoned again.
#[test]
fn typed_host_session_abandons_once_per_collapse_and_plays_on() {
    let (mut agent, script) = scripted_host_session(cfg());
    let t = run(&mut agent, &script);
    let outs = outputs(&t.outputs);
    let mut abandons = 0;
    for (i, o) in outs.iter().enumerate() {
        let Output::Abandon { refetch, .. } = o else {
            continue;
        };
        abandons += 1;
        let media = if refetch.kind == ObjectKind::Media {
            refetch
        } else {
            outs[i + 1..]
                .iter()
                .find_map(|o| match o {
                    Output::Fetch(f) if f.kind == ObjectKind::Media => Some(f),
                    _ => None,
                })
                .expect("the refetch's media request")
        };
        assert_eq!(
            (media.rendition, media.segment),
            (refetch.rendition, refetch.segment)
        );
    }
    assert!((1..=4).contains(&abandons), "{abandons} abandonments");
    assert!(t.segments >= 60, "{} segments", t.segments);
    assert!(t.stalls <= 1, "{} stalls", t.stalls);
    // Its recording replays to the same decisions.
    let replayed = dmoe_abr::replay(&t.recording.join("\n")).unwrap();
    assert_eq!(replayed.len(), t.outputs.len());
}
