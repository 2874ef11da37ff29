//! The built-in data the simulator runs on when no files are given: throughput traces and a
//! ladder that DMOE generates itself from a fixed seed, so a fresh clone has something real
//! to measure. Five bandwidth models between 0.5 and 5 Mbps, several seeds each.

use crate::{Trace, Video};

/// SplitMix64: a small, well-known seeded generator (Steele, Lea and Flood, 2014).
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// A bandwidth model: draws one trace's throughput values.
type Generator = Box<dyn Fn(&mut SplitMix) -> Vec<f64>>;

const LO: f64 = 0.5;
const HI: f64 = 5.0;
const LEN_S: usize = 600;

fn clamp(v: f64) -> f64 {
    v.clamp(LO, HI)
}

/// The built-in traces: `per_model` seeds of each of five models, 600 s each, 1 s steps.
pub fn builtin_traces(seed: u64, per_model: usize) -> Vec<Trace> {
    let mut out = Vec::new();
    for s in 0..per_model {
        let mut rng = SplitMix::new(seed.wrapping_mul(1_000_003).wrapping_add(s as u64));
        let models: [(&str, Generator); 5] = [
            (
                "steady",
                Box::new(|r: &mut SplitMix| {
                    let level = r.range(1.0, 4.0);
                    (0..=LEN_S)
                        .map(|_| clamp(level * r.range(0.85, 1.15)))
                        .collect()
                }),
            ),
            (
                "walk",
                Box::new(|r: &mut SplitMix| {
                    let mut v: f64 = r.range(1.0, 4.0);
                    (0..=LEN_S)
                        .map(|_| {
                            v = clamp(v * (r.range(-0.08, 0.08)).exp());
                            v
                        })
                        .collect()
                }),
            ),
            (
                "steps",
                Box::new(|r: &mut SplitMix| {
                    let mut v = r.range(LO, HI);
                    let mut left = 0;
                    (0..=LEN_S)
                        .map(|_| {
                            if left == 0 {
                                v = r.range(LO, HI);
                                left = r.range(20.0, 60.0) as usize;
                            }
                            left -= 1;
                            clamp(v * r.range(0.9, 1.1))
                        })
                        .collect()
                }),
            ),
            (
                "drops",
                Box::new(|r: &mut SplitMix| {
                    let high = r.range(3.0, 5.0);
                    let mut low_left = 0usize;
                    (0..=LEN_S)
                        .map(|_| {
                            if low_left == 0 && r.unit() < 0.02 {
                                low_left = r.range(5.0, 15.0) as usize;
                            }
                            if low_left > 0 {
                                low_left -= 1;
                                clamp(r.range(0.5, 0.9))
                            } else {
                                clamp(high * r.range(0.85, 1.1))
                            }
                        })
                        .collect()
                }),
            ),
            (
                "sine",
                Box::new(|r: &mut SplitMix| {
                    let period = r.range(60.0, 180.0);
                    let phase = r.range(0.0, std::f64::consts::TAU);
                    (0..=LEN_S)
                        .map(|t| {
                            let base = 2.75
                                + 2.25 * (phase + t as f64 * std::f64::consts::TAU / period).sin();
                            clamp(base * r.range(0.9, 1.1))
                        })
                        .collect()
                }),
            ),
        ];
        for (name, make) in models.iter() {
            let mbps = make(&mut rng);
            let time = (0..=LEN_S).map(|t| t as f64).collect();
            // Invariant: generated traces have 601 increasing points of at least 0.5 Mbps.
            out.push(
                Trace::new(&format!("{name}-{s}"), time, mbps).expect("valid generated trace"),
            );
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The built-in video: the Envivio ladder's bitrates (300–4300 kbps), 4 s segments, five
/// minutes, with seeded ±15 % variable-bitrate segment sizes.
pub fn builtin_video(seed: u64) -> Video {
    builtin_video_of(seed, 75)
}

/// The built-in ladder with `segments` four-second segments (at least 2).
pub fn builtin_video_of(seed: u64, segments: usize) -> Video {
    builtin_video_ladder(seed, segments, &[300, 750, 1200, 1850, 2850, 4300])
}

/// A built-in video of `segments` segments of 4 s over the ladder `kbps` (ascending),
/// with segment sizes that vary with the content's complexity.
pub fn builtin_video_ladder(seed: u64, segments: usize, kbps: &[u64]) -> Video {
    let bitrates = kbps.to_vec();
    let mut rng = SplitMix::new(seed ^ 0x5EED_F00D);
    let sizes = (0..segments.max(2))
        .map(|_| {
            let complexity = rng.range(0.85, 1.15);
            bitrates
                .iter()
                .map(|&k| {
                    (k as f64 * 1000.0 * 4.0 / 8.0 * complexity * rng.range(0.97, 1.03)) as u64
                })
                .collect()
        })
        .collect();
    // Invariant: ascending bitrates and a size for every rung of every segment.
    Video::new(4.0, bitrates, sizes).expect("valid built-in video")
}
