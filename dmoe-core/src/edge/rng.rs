//! Seeded randomness and stable hashing: the core never asks the platform for entropy, so a
//! session replays identically from its seed.

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast, and good enough for jitter.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// SplitMix64's finalizer: a bijective 64-bit mix with full avalanche.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over bytes: stable across platforms and Rust versions (unlike `DefaultHasher`).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// Weighted rendezvous (highest-random-weight) score of `edge` for `session`: every
/// device ranks the edges by this and takes the highest, so a fleet spreads in proportion
/// to the weights, and removing an edge moves only that edge's share (Thaler and Ravishankar,
/// 1998; the `-w / ln(u)` weighting of Schindelhauer and Schomaker, 2005).
pub fn rendezvous_score(session: &str, edge: &str, weight: f64) -> f64 {
    let h = mix(fnv1a(session.as_bytes()) ^ mix(fnv1a(edge.as_bytes())));
    // u in (0, 1), never 0 or 1.
    let u = ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    if weight.is_finite() && weight > 0.0 {
        -weight / u.ln()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendezvous_is_stable_and_spreads() {
        assert_eq!(
            rendezvous_score("s1", "a", 1.0),
            rendezvous_score("s1", "a", 1.0)
        );
        let edges = ["a", "b", "c", "d"];
        let mut counts = [0u32; 4];
        for i in 0..4000 {
            let s = format!("session-{i}");
            let best = (0..4)
                .max_by(|&x, &y| {
                    rendezvous_score(&s, edges[x], 1.0)
                        .total_cmp(&rendezvous_score(&s, edges[y], 1.0))
                })
                .unwrap();
            counts[best] += 1;
        }
        assert!(
            counts.iter().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
    }
}
