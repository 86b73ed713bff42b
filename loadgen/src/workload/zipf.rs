//! Key choosers: uniform, and YCSB's scrambled zipfian.
//!
//! The zipfian sampler is the one YCSB uses (Gray et al., "Quickly generating billion-record
//! synthetic databases", SIGMOD 1994): O(n) set-up to compute ζ(n, θ), then O(1) per draw. Rank 0
//! is the hottest. As in YCSB's `ScrambledZipfianGenerator`, ranks are spread over the key space
//! with FNV-1a so the hot keys are not all adjacent (which would put them on one B-tree page).

use rand::rngs::SmallRng;
use rand::Rng as _;

/// Draws keys in `0..n`.
#[derive(Clone, Debug)]
pub(crate) enum KeyChooser {
    Uniform { n: u64 },
    Zipfian(Zipfian),
}

impl KeyChooser {
    pub(crate) fn next(&self, rng: &mut SmallRng) -> u64 {
        match self {
            Self::Uniform { n } => rng.gen_range(0..*n),
            Self::Zipfian(z) => fnv1a(z.next_rank(rng)) % z.n,
        }
    }
}

/// Zipfian ranks in `0..n` with exponent `theta` (YCSB default 0.99).
#[derive(Clone, Debug)]
pub(crate) struct Zipfian {
    n: u64,
    theta: f64,
    alpha: f64,
    zetan: f64,
    eta: f64,
}

fn zeta(n: u64, theta: f64) -> f64 {
    (1..=n).map(|i| 1.0 / (i as f64).powf(theta)).sum()
}

impl Zipfian {
    /// `n >= 1`, `0 < theta < 1`.
    pub(crate) fn new(n: u64, theta: f64) -> Self {
        let n = n.max(1);
        let zetan = zeta(n, theta);
        let zeta2 = zeta(2, theta);
        Self {
            n,
            theta,
            alpha: 1.0 / (1.0 - theta),
            zetan,
            eta: (1.0 - (2.0 / n as f64).powf(1.0 - theta)) / (1.0 - zeta2 / zetan),
        }
    }

    pub(crate) fn next_rank(&self, rng: &mut SmallRng) -> u64 {
        let u: f64 = rng.gen();
        let uz = u * self.zetan;
        if uz < 1.0 {
            return 0;
        }
        if uz < 1.0 + 0.5f64.powf(self.theta) {
            return 1.min(self.n - 1);
        }
        // The float-to-int cast saturates; the min keeps u = 1.0 - ε in range.
        let r = (self.n as f64 * (self.eta * u - self.eta + 1.0).powf(self.alpha)) as u64;
        r.min(self.n - 1)
    }
}

/// 64-bit FNV-1a of the little-endian bytes of `v` (YCSB's `fnvhash64` spreads ranks the same way).
fn fnv1a(v: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in v.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    #[test]
    fn zipfian_is_skewed_and_in_range() {
        let z = Zipfian::new(1000, 0.99);
        let mut rng = SmallRng::seed_from_u64(7);
        let mut counts = vec![0u32; 1000];
        for _ in 0..100_000 {
            let r = z.next_rank(&mut rng);
            counts[usize::try_from(r).expect("invariant: rank < 1000")] += 1;
        }
        // With θ = 0.99 and n = 1000, rank 0 gets ~1/ζ(1000) ≈ 13% of draws, rank 9 ≈ 1.4%.
        assert!(counts[0] > 10_000, "rank 0: {}", counts[0]);
        assert!(counts[0] > 5 * counts[9]);
        assert!(counts[500..].iter().all(|&c| c < 200));
    }

    #[test]
    fn chooser_stays_in_range() {
        let mut rng = SmallRng::seed_from_u64(1);
        for chooser in [
            KeyChooser::Uniform { n: 10 },
            KeyChooser::Zipfian(Zipfian::new(10, 0.5)),
            KeyChooser::Zipfian(Zipfian::new(1, 0.99)),
        ] {
            for _ in 0..1000 {
                assert!(chooser.next(&mut rng) < 10);
            }
        }
    }
}
