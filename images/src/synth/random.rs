//! Seeded randomness: every image is a pure function of its seed.
//!
//! ChaCha8 is used rather than `StdRng` because its output is fixed by its specification, so a
//! seed keeps meaning the same image across rand releases and machines.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The renderer's random source, with the few draws it needs.
#[derive(Debug, Clone)]
pub(crate) struct Dice {
    rng: ChaCha8Rng,
}

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// An independent stream for one part of an image, so adding draws to one part does not
    /// change the others.
    pub fn fork(&mut self) -> Dice {
        Dice::new(self.rng.random())
    }

    pub fn unit(&mut self) -> f32 {
        self.rng.random::<f32>()
    }

    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        if hi <= lo {
            return lo;
        }
        self.rng.random_range(lo..hi)
    }

    /// An integer in `lo..=hi`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        self.rng.random_range(lo..=hi)
    }

    pub fn index(&mut self, len: usize) -> usize {
        if len <= 1 {
            return 0;
        }
        self.rng.random_range(0..len)
    }

    pub fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// Picks by weight; `items` must not be empty.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, f32)]) -> &'a T {
        let total: f32 = items.iter().map(|(_, w)| w.max(0.0)).sum();
        let mut at = self.unit() * total;
        for (item, w) in items {
            at -= w.max(0.0);
            if at < 0.0 {
                return item;
            }
        }
        &items[items.len() - 1].0
    }

    /// A normal draw (Box–Muller), mean 0 and deviation 1.
    pub fn normal(&mut self) -> f32 {
        let u1 = self.unit().max(1e-7);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }

    /// A symmetric jitter in `-amount..amount`.
    pub fn jitter(&mut self, amount: f32) -> f32 {
        self.range(-amount, amount)
    }
}

/// The seed of item `index` of a batch: items do not depend on one another, so a batch renders
/// in any order on any number of threads and item 7 is the same whether 10 or 10,000 are made.
pub fn item_seed(batch_seed: u64, index: u64) -> u64 {
    splitmix(batch_seed ^ splitmix(index.wrapping_add(0x5EED)))
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}
