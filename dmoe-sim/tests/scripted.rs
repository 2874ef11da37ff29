//! The scripted sessions (the cross-language decision vectors) through the simulated
//! player: what they exercise, and that their recordings replay to the same decisions.

use dmoe_core::agent::{ObjectKind, Output};
use dmoe_sim::player::Driver;
use dmoe_sim::scripted::{
    config, run, scripted_advisor_session, scripted_host_session, scripted_session,
};

fn outputs(t: &[String]) -> Vec<Output> {
    t.iter().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn fetches(outs: &[Output]) -> Vec<&dmoe_core::agent::Fetch> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Fetch(f) => Some(f),
            Output::Abandon { refetch, .. } => Some(refetch),
            _ => None,
        })
        .collect()
}

#[test]
fn scripted_session_survives_failure_stall_and_seek() {
    let (driver, t) = run(scripted_session(config()));
    let Driver::Agent(agent) = driver else {
        panic!("an agent session")
    };
    assert!(t.refused.is_empty(), "{:?}", t.refused);
    let outs = outputs(&t.outputs);
    let fetches = fetches(&outs);
    // The edge failure: the same segment retried on the other pathway, with the reason.
    let failover = fetches
        .iter()
        .find(|f| f.edge == "cdn-b")
        .expect("moved to cdn-b");
    let why = failover
        .why
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(why.contains("cdn-a failed"), "{why}");
    // The collapse below the lowest rung stalls; the agent counts what the host saw.
    assert!(t.stalls >= 1);
    let q = agent.qoe();
    assert_eq!(q.rebuffer_count, t.stalls);
    assert!((q.rebuffer_time.as_secs_f64() - t.stall_s).abs() < 0.01);
    // The seek back to 60 s refetches from segment 15.
    let numbers: Vec<u64> = fetches
        .iter()
        .filter(|f| f.kind == ObjectKind::Media)
        .map(|f| f.segment)
        .collect();
    assert!(numbers.windows(2).any(|w| w[0] > 30 && w[1] == 15));
    // Everything carries CMCD in the query.
    assert!(
        fetches
            .iter()
            .all(|f| f.url.contains("CMCD=") && f.url.contains("sid%3D"))
    );
    assert!(t.played.len() >= 55, "{} segments", t.played.len());
    // The session ends: one final report, then End, and nothing after.
    assert!(t.ended);
    let end = outs.iter().position(|o| matches!(o, Output::End)).unwrap();
    assert_eq!(end, outs.len() - 1, "nothing after the end");
    assert!(
        matches!(&outs[end - 1], Output::Telemetry { json, last: true } if json.contains("\"last\":true"))
    );
    let report: serde_json::Value = serde_json::from_str(&agent.report()).unwrap();
    assert_eq!(report["qoe"]["rebuffer_count"], t.stalls);
    assert_eq!(report["qoe"]["edges"].as_array().unwrap().len(), 2);
}

#[test]
fn replay_gives_exactly_the_same_decisions() {
    for session in [scripted_session(config()), scripted_host_session(config())] {
        let (_, t) = run(session);
        let replayed = dmoe_sim::replay(&t.recording.join("\n")).unwrap();
        assert!(t.outputs.len() > 50);
        assert_eq!(replayed, t.outputs);
    }
}

/// The host that parses manifests itself (typed lists, progress every 250 ms): the
/// collapse makes the agent abandon, and each abandonment's refetch (an init section first
/// when the lower rung's is not in) is followed by the same segment at the same rung, not
/// by a fresh decision that goes back up and is abandoned again.
#[test]
fn typed_host_session_abandons_once_per_collapse_and_plays_on() {
    let (_, t) = run(scripted_host_session(config()));
    assert!(t.refused.is_empty(), "{:?}", t.refused);
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
    assert!(t.played.len() >= 55, "{} segments", t.played.len());
    assert!(t.stalls <= 1, "{} stalls", t.stalls);
}

/// The advisor's session: advice before every segment, abandon advice in the collapse,
/// and a recording that replays to the same outputs.
#[test]
fn advisor_session_advises_and_replays() {
    let (_, t) = run(scripted_advisor_session(config()));
    assert!(t.refused.is_empty(), "{:?}", t.refused);
    let outs = outputs(&t.outputs);
    let advice = outs
        .iter()
        .filter(|o| matches!(o, Output::Advice(_)))
        .count();
    assert!(advice >= 40, "{advice} pieces of advice");
    assert!(
        outs.iter()
            .any(|o| matches!(o, Output::AbandonAdvice { .. })),
        "abandon advice in the collapse"
    );
    assert!(outs.iter().any(|o| matches!(o, Output::End)));
    assert_eq!(t.played.len(), 40);
    let replayed = dmoe_sim::replay(&t.recording.join("\n")).unwrap();
    assert_eq!(replayed, t.outputs);
    assert!(t.recording[0].starts_with("{\"advisor\":"));
}
