//! Invariants of every controller under arbitrary inputs.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::time::Duration;

use dmoe_core::{
    AbrContext, ByteCount, Caps, InFlight, Ladder, PlaybackState, Timestamp, TransferSample,
};
use proptest::prelude::*;

const NAMES: [&str; 7] = [
    "hybrid",
    "hybrid-stable",
    "hybrid-lookahead",
    "robust-mpc",
    "bola",
    "bba",
    "throughput",
];

const STATES: [PlaybackState; 6] = [
    PlaybackState::Starting,
    PlaybackState::Playing,
    PlaybackState::Paused,
    PlaybackState::Seeking,
    PlaybackState::Stalled,
    PlaybackState::Ended,
];

fn ctx<'a>(
    ladder: &'a Ladder,
    sizes: &'a [u64],
    buffer: f64,
    prev: Option<usize>,
    caps: Caps,
) -> AbrContext<'a> {
    AbrContext {
        now: Timestamp::from_micros(0),
        ladder,
        buffer: Duration::from_secs_f64(buffer),
        max_buffer: Duration::from_secs(60),
        previous: prev,
        segment_duration: Duration::from_secs(4),
        upcoming_sizes: sizes,
        segments_remaining: None,
        state: PlaybackState::Playing,
        playback_rate: 1.0,
        caps,
        live: None,
    }
}

fn sample(bytes: u64, total_ms: u64, ttfb_ms: u64) -> TransferSample {
    TransferSample {
        bytes: ByteCount(bytes),
        ttfb: Duration::from_millis(ttfb_ms),
        total: Duration::from_millis(total_ms),
        server_hold: Duration::ZERO,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn decisions_stay_in_the_ladder_and_caps(
        kbps in proptest::collection::btree_set(100u64..20_000, 1..10),
        samples in proptest::collection::vec((0u64..50_000_000, 0u64..30_000, 0u64..2_000), 0..20),
        buffer in 0.0f64..120.0,
        prev in proptest::option::of(0usize..12),
        max_kbps in proptest::option::of(100u64..20_000),
        state in 0usize..6,
        remaining in proptest::option::of(0u32..12),
        in_flight in (0usize..12, 0u64..10_000_000, 0u64..10_000_000, 0u64..20_000),
    ) {
        let kbps: Vec<u64> = kbps.into_iter().collect();
        let ladder = Ladder::from_kbps(&kbps).unwrap();
        let caps = Caps { max_bitrate: max_kbps.map(dmoe_core::Bitrate::from_kbps), ..Caps::default() };
        let top = caps.top(&ladder);
        for name in NAMES {
            let mut c = dmoe_abr::controller(name).unwrap();
            for &(b, t, f) in &samples {
                c.on_segment_complete(Timestamp::from_micros(0), &sample(b, t, f));
                c.on_progress(Timestamp::from_micros(0), &sample(b / 2, t / 2, f));
            }
            let mut cx = ctx(&ladder, &[], buffer, prev, caps);
            // Start-up, seeking and the end of a VOD take their own branches.
            cx.state = STATES[state];
            cx.segments_remaining = remaining;
            let d = c.choose(&cx);
            let (rung, got, want, ms) = in_flight;
            let f = InFlight {
                rung: rung.min(ladder.len() - 1),
                received: ByteCount(got.min(want)),
                expected: ByteCount(want),
                elapsed: Duration::from_millis(ms),
            };
            if let Some(r) = c.should_abandon(&cx, &f) {
                prop_assert!(r < f.rung, "{name} refetches at {r}, not below {}", f.rung);
            }
            prop_assert!(d.rung < ladder.len(), "{name} chose {} of {}", d.rung, ladder.len());
            prop_assert!(d.rung <= top, "{name} ignored the cap");
            if let Some(e) = d.estimate_bps {
                prop_assert!(e.is_finite() && e > 0.0, "{name} estimate {e}");
            }
        }
    }

    #[test]
    fn hostile_samples_are_ignored(bad in proptest::collection::vec(prop_oneof![Just(0u64), Just(1u64), Just(u64::MAX)], 1..10)) {
        let ladder = Ladder::from_kbps(&[300, 1200, 4300]).unwrap();
        for name in NAMES {
            let mut c = dmoe_abr::controller(name).unwrap();
            for &b in &bad {
                // Zero bytes, zero time, TTFB beyond the total, absurd sizes.
                c.on_segment_complete(Timestamp::from_micros(0), &sample(b, 0, 0));
                c.on_segment_complete(Timestamp::from_micros(0), &sample(b, 10, 1_000));
            }
            let d = c.choose(&ctx(&ladder, &[], 10.0, Some(1), Caps::default()));
            prop_assert!(d.rung < 3);
            if let Some(e) = d.estimate_bps {
                prop_assert!(e.is_finite() && e > 0.0);
            }
        }
    }

    #[test]
    fn same_inputs_same_decisions(
        samples in proptest::collection::vec((20_000u64..5_000_000, 10u64..8_000), 1..30),
        buffer in 0.0f64..60.0,
    ) {
        let ladder = Ladder::from_kbps(&[300, 750, 1200, 1850, 2850, 4300]).unwrap();
        for name in NAMES {
            let mut a = dmoe_abr::controller(name).unwrap();
            let mut b = dmoe_abr::controller(name).unwrap();
            for &(bytes, ms) in &samples {
                a.on_segment_complete(Timestamp::from_micros(0), &sample(bytes, ms, 0));
                b.on_segment_complete(Timestamp::from_micros(0), &sample(bytes, ms, 0));
            }
            let c = ctx(&ladder, &[], buffer, Some(2), Caps::default());
            prop_assert_eq!(a.choose(&c), b.choose(&c));
            // Choosing twice does not change anything (decisions are pure).
            prop_assert_eq!(a.choose(&c), a.choose(&c));
        }
    }
}
