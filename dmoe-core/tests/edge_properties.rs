//! Properties of edge selection, steering and CMSD parsing under arbitrary event sequences
//! and hostile input.
#![allow(clippy::disallowed_types)]

use std::time::Duration;

use dmoe_core::edge::{
    BreakerState, CmsdDynamic, CmsdStatic, EdgeConfig, EdgeId, EdgeSelector, FetchPlan,
    RequestFailure, SelectorConfig, SteeringManifest,
};
use dmoe_core::{ByteCount, Timestamp, TransferSample};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Event {
    Transfer {
        edge: usize,
        kbps: u32,
        ttfb_ms: u16,
    },
    Failure {
        edge: usize,
        kind: u8,
    },
    Duress {
        edge: usize,
        on: bool,
    },
    Priority(Vec<usize>),
    Wait(u16),
}

fn event(n: usize) -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => (0..n, 100u32..50_000, 0u16..2000)
            .prop_map(|(edge, kbps, ttfb_ms)| Event::Transfer { edge, kbps, ttfb_ms }),
        3 => (0..n, 0u8..4).prop_map(|(edge, kind)| Event::Failure { edge, kind }),
        1 => (0..n, any::<bool>()).prop_map(|(edge, on)| Event::Duress { edge, on }),
        1 => proptest::collection::vec(0..n + 2, 0..n + 1).prop_map(Event::Priority),
        2 => (0u16..30_000).prop_map(Event::Wait),
    ]
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Event>, u64)> {
    (1usize..6).prop_flat_map(|n| {
        (
            Just(n),
            proptest::collection::vec(event(n), 1..80),
            any::<u64>(),
        )
    })
}

fn name(i: usize) -> String {
    format!("edge-{i}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Never an edge with an open breaker while a healthy allowed one exists; never an
    /// edge the controller left out while it lists one that exists.
    #[test]
    fn choices_respect_breakers_and_steering((n, events, seed) in scenario()) {
        let mut cfg = SelectorConfig::new(format!("s{seed}"));
        cfg.seed = seed;
        let mut sel = EdgeSelector::new(cfg, (0..n).map(|i| EdgeConfig::new(name(i))).collect()).unwrap();
        let plan = FetchPlan { bytes: 1_000_000, budget: Duration::from_secs(4) };
        let mut now = Timestamp::ZERO;
        let mut listed: Option<Vec<String>> = None;
        let mut last_failed: Option<EdgeId> = None;
        for ev in events {
            now = now.saturating_add(Duration::from_millis(50));
            match ev {
                Event::Transfer { edge, kbps, ttfb_ms } => {
                    let bytes = 500_000u64;
                    let secs = bytes as f64 * 8.0 / (f64::from(kbps) * 1000.0);
                    let s = TransferSample {
                        bytes: ByteCount(bytes),
                        ttfb: Duration::from_millis(u64::from(ttfb_ms)),
                        total: Duration::from_millis(u64::from(ttfb_ms)) + Duration::from_secs_f64(secs),
                        server_hold: Duration::ZERO,
                    };
                    sel.on_transfer(now, EdgeId(edge as u16), &s);
                }
                Event::Failure { edge, kind } => {
                    let f = match kind {
                        0 => RequestFailure::Http(503),
                        1 => RequestFailure::Http(404),
                        2 => RequestFailure::Timeout,
                        _ => RequestFailure::Connection,
                    };
                    sel.on_failure(now, EdgeId(edge as u16), f);
                    last_failed = Some(EdgeId(edge as u16));
                }
                Event::Duress { edge, on } => {
                    let h = if on { format!("\"{}\";du", name(edge)) } else { format!("\"{}\"", name(edge)) };
                    sel.on_cmsd(now, EdgeId(edge as u16), &CmsdDynamic::parse(&h).unwrap());
                }
                Event::Priority(order) => {
                    // Indices past `n` name pathways that do not exist.
                    let names: Vec<String> = order.iter().map(|&i| name(i)).collect();
                    sel.set_priority(&names);
                    listed = Some(names);
                }
                Event::Wait(ms) => now = now.saturating_add(Duration::from_millis(u64::from(ms))),
            }
            let choice = match last_failed {
                Some(f) => match sel.select_retry(now, &[f], &plan) {
                    Some(c) => {
                        if c.edge == f {
                            // Only when no other edge takes requests.
                            for i in (0..n).filter(|&i| i != f.0 as usize) {
                                let e = sel.estimate(now, EdgeId(i as u16)).unwrap();
                                prop_assert!(
                                    !e.allowed || e.breaker != BreakerState::Closed,
                                    "retried on the failed edge while edge {i} was healthy"
                                );
                            }
                        }
                        c
                    }
                    None => sel.select(now, &plan),
                },
                None => sel.select(now, &plan),
            };
            let chosen = choice.edge;
            let allowed: Vec<usize> = (0..n)
                .filter(|&i| match &listed {
                    Some(l) if l.iter().any(|p| (0..n).any(|j| name(j) == *p)) => l.contains(&name(i)),
                    _ => true,
                })
                .collect();
            prop_assert!(allowed.contains(&(chosen.0 as usize)), "chose {chosen:?}, allowed {allowed:?}");
            // "Healthy" here: breaker closed, i.e. the edge takes requests without a trial.
            let healthy_exists = allowed.iter().any(|&i| {
                sel.estimate(now, EdgeId(i as u16)).unwrap().breaker == BreakerState::Closed
            });
            if healthy_exists {
                prop_assert_ne!(
                    sel.estimate(now, chosen).unwrap().breaker,
                    BreakerState::Open,
                    "open breaker chosen while a healthy edge exists"
                );
            }
            last_failed = None;
        }
    }

    /// Arbitrary bytes never panic the steering parser; what parses is valid.
    #[test]
    fn steering_manifest_hostile_bytes(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(m) = SteeringManifest::parse(&data) {
            prop_assert_eq!(m.version, 1);
            prop_assert!(!m.pathway_priority.is_empty());
        }
    }

    /// JSON-shaped hostile manifests: wrong types, odd IDs, nesting — typed errors only.
    #[test]
    fn steering_manifest_hostile_json(
        version in prop_oneof![Just("1".to_string()), Just("2".to_string()), Just("\"1\"".to_string()), Just("1.5".to_string()), Just("null".to_string())],
        ttl in prop_oneof![Just("10".to_string()), Just("-1".to_string()), Just("1e400".to_string()), Just("\"x\"".to_string()), Just("[]".to_string())],
        ids in proptest::collection::vec("[a-c .\\-\"\\\\é]{0,4}", 0..6),
        clone_host in "[a-z./@:?#]{0,12}",
    ) {
        let ids_json: Vec<String> = ids.iter().map(|s| serde_json::to_string(s).unwrap()).collect();
        let text = format!(
            r#"{{"VERSION":{version},"TTL":{ttl},"PATHWAY-PRIORITY":[{}],"PATHWAY-CLONES":[{{"BASE-ID":"a","ID":"z","URI-REPLACEMENT":{{"HOST":{}}}}}]}}"#,
            ids_json.join(","),
            serde_json::to_string(&clone_host).unwrap()
        );
        match SteeringManifest::parse(text.as_bytes()) {
            Ok(m) => {
                prop_assert_eq!(m.version, 1);
                for p in &m.pathway_priority {
                    prop_assert!(p.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c)));
                }
                let mut sorted = m.pathway_priority.clone();
                sorted.sort();
                sorted.dedup();
                prop_assert_eq!(sorted.len(), m.pathway_priority.len());
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Decimals read as a float parser reads their text (the parser scales integers
    /// instead of carrying a float parser).
    #[test]
    fn sf_decimals_are_correctly_rounded(neg in any::<bool>(), int in 0u64..1_000_000_000_000, frac in "[0-9]{1,3}") {
        let text = format!("{}{int}.{frac}", if neg { "-" } else { "" });
        let dict = dmoe_core::edge::sf::parse_dictionary(&format!("d={text}")).unwrap();
        let item = match &dict[0].1 {
            dmoe_core::edge::sf::Member::Item(item, _) => item.clone(),
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(item, dmoe_core::edge::sf::BareItem::Decimal(text.parse::<f64>().unwrap()));
    }

    /// Arbitrary header values never panic the CMSD parsers.
    #[test]
    fn cmsd_hostile_headers(s in "\\PC{0,200}") {
        if let Err(e) = CmsdStatic::parse(&s) {
            prop_assert!(!e.to_string().is_empty());
        }
        if let Ok(d) = CmsdDynamic::parse(&s) {
            prop_assert!(d.hops.len() <= dmoe_core::edge::sf::MAX_MEMBERS);
        }
    }

    /// Structured-field shaped headers: well-formed ones parse and keep their values.
    #[test]
    fn cmsd_dynamic_roundtrip(
        hops in proptest::collection::vec(("[a-z][a-z0-9-]{0,8}", 0u64..1_000_000, any::<bool>(), proptest::option::of(0u64..100_000)), 1..5)
    ) {
        let text: Vec<String> = hops
            .iter()
            .map(|(id, etp, du, mb)| {
                let mut s = format!("\"{id}\";etp={etp}");
                if *du { s += ";du"; }
                if let Some(mb) = mb { s += &format!(";mb={mb}"); }
                s
            })
            .collect();
        let d = CmsdDynamic::parse(&text.join(", ")).unwrap();
        prop_assert_eq!(d.hops.len(), hops.len());
        for (h, (id, etp, du, mb)) in d.hops.iter().zip(&hops) {
            prop_assert_eq!(&h.server, id);
            prop_assert_eq!(h.etp_kbps, Some(*etp));
            prop_assert_eq!(h.duress, *du);
            prop_assert_eq!(h.max_bitrate_kbps, *mb);
        }
    }
}
