use super::*;
use crate::{ByteCount, TransferSample};

fn t(ms: u64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn sample(bytes: u64, mbps: f64, ttfb_ms: u64) -> TransferSample {
    let secs = bytes as f64 * 8.0 / (mbps * 1e6);
    TransferSample {
        bytes: ByteCount(bytes),
        ttfb: Duration::from_millis(ttfb_ms),
        total: Duration::from_millis(ttfb_ms) + Duration::from_secs_f64(secs),
        server_hold: Duration::ZERO,
    }
}

const PLAN: FetchPlan = FetchPlan {
    bytes: 1_500_000,
    budget: Duration::from_secs(4),
};

fn four() -> EdgeSelector {
    let edges = ["a", "b", "c", "d"].map(EdgeConfig::new).to_vec();
    let mut s = EdgeSelector::new(SelectorConfig::new("s"), edges).unwrap();
    s.set_priority(&["a", "b", "c", "d"].map(String::from));
    s
}

#[test]
fn starts_on_the_controllers_first_and_stays_on_a_steady_network() {
    let mut s = four();
    let c = s.select(t(0), &PLAN);
    assert_eq!((c.edge, c.reason), (EdgeId(0), EdgeReason::Start));
    for k in 1..200u64 {
        s.on_transfer(t(k * 4000), EdgeId(0), &sample(1_500_000, 8.0, 40));
        let c = s.select(t(k * 4000), &PLAN);
        assert_eq!((c.edge, c.reason), (EdgeId(0), EdgeReason::Stay), "k={k}");
    }
}

#[test]
fn cannot_sustain_moves_edge_and_says_so() {
    let mut s = four();
    s.select(t(0), &PLAN);
    for k in 1..5 {
        s.on_transfer(t(k * 4000), EdgeId(0), &sample(1_500_000, 8.0, 40));
        s.select(t(k * 4000), &PLAN);
    }
    // The edge collapses to 1.5 Mb/s: 8 s per segment against a 4 s budget. The best
    // other edge is known only by its prior: the selector stays and asks to measure it
    // first; once a probe shows it fast, it moves.
    let mut moved = None;
    let mut probed = false;
    for k in 5..12 {
        let now = t(k * 4000);
        s.on_transfer(now, EdgeId(0), &sample(1_500_000, 1.5, 40));
        if let Some(p) = s.probe_candidate(now)
            && s.probe_is_urgent()
        {
            assert_eq!(p.edge, EdgeId(1));
            s.on_probe(now, p.edge);
            s.on_transfer(t(k * 4000 + 200), p.edge, &sample(p.bytes, 8.0, 40));
            probed = true;
        }
        let c = s.select(t(k * 4000 + 300), &PLAN);
        if c.switched() {
            moved = Some(c);
            break;
        }
    }
    assert!(probed, "the target was measured before the move");
    let c = moved.expect("switched edge");
    assert_eq!(c.reason, EdgeReason::CannotSustain);
    assert_eq!(c.edge, EdgeId(1));
    assert!(
        c.why(&s, None)
            .to_string()
            .contains("before any quality switch"),
        "{}",
        c.why(&s, None).to_string()
    );
}

#[test]
fn shared_bottleneck_stops_the_tour() {
    let mut s = four();
    s.select(t(0), &PLAN);
    let mut switches = 0;
    for k in 1..60u64 {
        let cur = s.current().unwrap();
        let mbps = if k < 4 { 8.0 } else { 1.5 };
        s.on_transfer(t(k * 4000), cur, &sample(1_500_000, mbps, 40));
        if s.select(t(k * 4000), &PLAN).switched() {
            switches += 1;
        }
    }
    assert!(switches <= 1, "{switches} switches on a shared bottleneck");
}

#[test]
fn failure_fails_over_and_the_breaker_opens() {
    let mut s = four();
    let c = s.select(t(0), &PLAN);
    s.on_failure(t(30), c.edge, RequestFailure::Connection);
    let r = s.select_retry(t(30), &[c.edge], &PLAN).unwrap();
    assert_eq!((r.edge, r.reason), (EdgeId(1), EdgeReason::Failover));
    // The penalty keeps requests off `a` for a while.
    assert_eq!(s.select(t(2000), &PLAN).edge, EdgeId(1));
    s.on_failure(t(2100), EdgeId(0), RequestFailure::Http(503));
    assert_eq!(
        s.estimate(t(2100), EdgeId(0)).unwrap().breaker,
        BreakerState::Open
    );
    // 404 is not a health failure.
    s.on_failure(t(2200), EdgeId(2), RequestFailure::Http(404));
    s.on_failure(t(2300), EdgeId(2), RequestFailure::Http(404));
    assert_eq!(
        s.estimate(t(2300), EdgeId(2)).unwrap().breaker,
        BreakerState::Closed
    );
}

#[test]
fn duress_and_steering_removal_move_traffic() {
    let mut s = four();
    s.select(t(0), &PLAN);
    s.on_transfer(t(4000), EdgeId(0), &sample(1_500_000, 8.0, 40));
    let d = CmsdDynamic::parse(r#""a";du"#).unwrap();
    s.on_cmsd(t(4000), EdgeId(0), &d);
    let c = s.select(t(4000), &PLAN);
    assert_eq!((c.edge, c.reason), (EdgeId(1), EdgeReason::Duress));
    s.set_priority(&["c".into(), "a".into()]);
    let c = s.select(t(8000), &PLAN);
    assert_eq!(c.reason, EdgeReason::SteeringRemoved);
    assert_eq!(c.edge, EdgeId(2));
    // Even if "b" is measured fastest, it is not listed.
    for k in 0..5 {
        s.on_transfer(t(9000 + k), EdgeId(1), &sample(1_500_000, 50.0, 10));
    }
    assert_eq!(s.select(t(60_000), &PLAN).edge, EdgeId(2));
}

#[test]
fn faster_measured_edge_after_dwell() {
    let mut s = four();
    s.select(t(0), &PLAN);
    for k in 1..20u64 {
        s.on_transfer(t(k * 4000), EdgeId(0), &sample(1_500_000, 4.0, 40));
        // A probe measured "b" much faster.
        if k == 2 {
            s.on_transfer(t(k * 4000), EdgeId(1), &sample(1_500_000, 20.0, 20));
            s.on_transfer(t(k * 4000 + 1), EdgeId(1), &sample(1_500_000, 20.0, 20));
        }
        let c = s.select(t(k * 4000), &PLAN);
        if c.switched() {
            assert_eq!(c.reason, EdgeReason::Faster);
            assert!(k * 4000 >= 20_000, "dwell respected");
            return;
        }
    }
    panic!("never moved to the faster edge");
}

#[test]
fn equal_edges_spread_by_rendezvous() {
    let mut counts = [0u32; 4];
    for i in 0..4000 {
        let edges = ["a", "b", "c", "d"].map(EdgeConfig::new).to_vec();
        let mut s = EdgeSelector::new(SelectorConfig::new(format!("dev-{i}")), edges).unwrap();
        counts[s.select(t(0), &PLAN).edge.0 as usize] += 1;
    }
    assert!(
        counts.iter().all(|&c| (850..1150).contains(&c)),
        "{counts:?}"
    );
}

#[test]
fn priors_from_region_and_coordinates() {
    let mut cfg = SelectorConfig::new("x");
    cfg.region = Some("eu".into());
    let edges = vec![
        EdgeConfig::new("us").region("us"),
        EdgeConfig::new("eu").region("eu"),
    ];
    let mut s = EdgeSelector::new(cfg.clone(), edges).unwrap();
    let e = s.select(t(0), &PLAN).edge;
    assert_eq!(s.edge(e).pathway, "eu");

    cfg.region = None;
    cfg.location = Some(GeoPoint {
        lat: 48.85,
        lon: 2.35,
    });
    let edges = vec![
        EdgeConfig::new("nyc").location(GeoPoint {
            lat: 40.7,
            lon: -74.0,
        }),
        EdgeConfig::new("fra").location(GeoPoint {
            lat: 50.1,
            lon: 8.7,
        }),
    ];
    let mut s = EdgeSelector::new(cfg, edges).unwrap();
    let e = s.select(t(0), &PLAN).edge;
    assert_eq!(s.edge(e).pathway, "fra");
}

#[cfg(feature = "hls")]
#[test]
fn clones_and_rewrites() {
    let mut s = four();
    let m = SteeringManifest::parse(
        br#"{"VERSION":1,"PATHWAY-PRIORITY":["e","a"],"PATHWAY-CLONES":[{"BASE-ID":"a","ID":"e","URI-REPLACEMENT":{"HOST":"e.example"}}]}"#,
    )
    .unwrap();
    s.apply_steering(&m).unwrap();
    let c = s.select(t(0), &PLAN);
    assert_eq!(s.edge(c.edge).pathway, "e");
    assert_eq!(
        s.rewrite(c.edge, "https://a.example/v/1.m4s", None, None)
            .unwrap(),
        "https://e.example/v/1.m4s"
    );
    let bad = PathwayClone {
        base_id: "zz".into(),
        id: "f".into(),
        uri_replacement: UriReplacement::default(),
    };
    assert!(matches!(
        s.add_clone(&bad),
        Err(EdgeError::UnknownBase { .. })
    ));
    assert!(matches!(
        s.add_edge(EdgeConfig::new("a")),
        Err(EdgeError::Duplicate(_))
    ));
}

#[test]
fn probes_are_explicit_and_rate_limited() {
    let mut s = four();
    s.select(t(0), &PLAN);
    let p = s.probe(t(1000)).unwrap();
    assert_eq!(p.edge, EdgeId(1));
    assert!(s.probe(t(2000)).is_none());
    let p2 = s.probe(t(31_000)).unwrap();
    assert_eq!(p2.edge, EdgeId(2));
}
