//! `KeyIndex`: a compact search array for one cached node, so a point lookup binary-searches 8-byte
//! integers in one small allocation instead of 24-byte `SmallBytes` (profiles of 10M-key gets were
//! dominated by cache and TLB misses on the key array).
//!
//! The node's keys share a common prefix `P` (that of its first and last key, at most [`MAX_PREFIX`]
//! bytes kept). Each key `P ‖ s` gets a *head*: the first 7 bytes of `s` (zero padded), big-endian, with
//! `min(len(s), 8)` in the low byte. Invariants:
//! - heads are order-preserving: `head(a) < head(b)` implies `a < b` (a shorter suffix that is a prefix
//!   of a longer one has zero padding and a smaller length byte); so the heads array is sorted;
//! - equal heads with a length byte below 8 mean equal keys (the whole suffix is in the head); equal heads
//!   with length byte 8 are ambiguous and are resolved by comparing the full keys of that run.
//!
//! The pager builds an index lazily for a cached node and drops it whenever the node is modified
//! (`Pager::node_mut`), so an index always describes its node's current keys.

use super::bytes::{cmp_bytes, SmallBytes};

/// Longest common prefix kept (a longer one only makes more heads ambiguous, never wrong).
pub const MAX_PREFIX: usize = 16;

/// Search array over a node's sorted keys, laid out as a three-level static B-tree of cache lines so a
/// lookup touches three lines (plus a few for the top of very full nodes) instead of a binary search's
/// ~log2(n) - 3 distinct ones:
/// `arr = top ‖ mid ‖ heads`, where `heads` is padded with `u64::MAX` to whole blocks of [`B`],
/// `mid[j]` is the last head of block `j` (padded to whole groups of `B` blocks) and `top[g]` the last
/// head of group `g`. A search counts the entries below the key in `top` (the group), in that group's
/// line of `mid` (the block) and in the block.
#[derive(Debug, Default)]
pub struct KeyIndex {
    plen: u8,
    prefix: [u8; MAX_PREFIX],
    /// Number of keys.
    n: u32,
    /// Number of groups (`top.len()`); `mid` has `groups * B` entries and `heads` `groups * B * B`
    /// at most (only whole blocks are stored).
    groups: u32,
    /// Copy of `top` when it fits one line (up to 512 keys): it sits next to the rest of the frame that
    /// the lookup reads anyway, which saves a cache miss per node.
    top_inline: [u64; B],
    arr: Box<[u64]>,
}

fn head(suffix: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = suffix.len().min(7);
    buf[..n].copy_from_slice(&suffix[..n]);
    buf[7] = u8::try_from(suffix.len().min(8)).expect("invariant: at most 8");
    u64::from_be_bytes(buf)
}

/// Heads per block: one 64-byte cache line of `u64`s.
const B: usize = 8;

/// Number of entries of `line` below `x` (branch-free; the compiler vectorises it).
#[inline(always)]
fn count_below(line: &[u64], x: u64) -> usize {
    line.iter().map(|h| usize::from(*h < x)).sum()
}

/// Where a search key falls relative to a node's keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    /// First index whose key is ≥ the search key.
    pub lower: usize,
    /// Whether `keys[lower]` equals the search key.
    pub found: bool,
}

impl Probe {
    /// First index whose key is > the search key (the child to descend into in a branch).
    pub fn upper(self) -> usize {
        self.lower + usize::from(self.found)
    }
}

impl KeyIndex {
    /// The index of `keys` (sorted ascending, distinct).
    pub fn build(keys: &[SmallBytes]) -> Self {
        let (Some(first), Some(last)) = (keys.first(), keys.last()) else {
            return Self::default();
        };
        let plen = first
            .iter()
            .zip(last.iter())
            .take(MAX_PREFIX)
            .take_while(|(a, b)| a == b)
            .count();
        let mut prefix = [0u8; MAX_PREFIX];
        prefix[..plen].copy_from_slice(&first[..plen]);
        let n = keys.len();
        let blocks = n.div_ceil(B);
        let groups = blocks.div_ceil(B);
        let mut arr = vec![u64::MAX; groups + groups * B + blocks * B];
        let (top, rest) = arr.split_at_mut(groups);
        let (mid, heads) = rest.split_at_mut(groups * B);
        for (h, k) in heads.iter_mut().zip(keys) {
            *h = head(&k[plen..]);
        }
        for (m, block) in mid.iter_mut().zip(heads.chunks(B)) {
            *m = block[B - 1];
        }
        for (t, group) in top.iter_mut().zip(mid.chunks(B)) {
            *t = group[B - 1];
        }
        let mut top_inline = [u64::MAX; B];
        if groups <= B {
            top_inline[..groups].copy_from_slice(&arr[..groups]);
        }
        Self {
            top_inline,
            plen: u8::try_from(plen).expect("invariant: MAX_PREFIX < 256"),
            prefix,
            n: u32::try_from(n).expect("invariant: a node holds < 2^32 keys"),
            groups: u32::try_from(groups).expect("invariant: a node holds < 2^32 keys"),
            arr: arr.into_boxed_slice(),
        }
    }

    /// Heap bytes held (for the buffer pool's memory accounting).
    pub fn heap_bytes(&self) -> usize {
        if self.arr.is_empty() {
            0
        } else {
            self.arr.len() * size_of::<u64>() + super::node::ALLOC_OVERHEAD
        }
    }

    /// Heads of the keys, in key order.
    fn heads(&self) -> &[u64] {
        let g = self.groups as usize;
        &self.arr[g + g * B..][..self.n as usize]
    }

    /// First `i` with `heads[i] >= x`.
    fn lower_bound(&self, x: u64) -> usize {
        let g = self.groups as usize;
        let (top, rest) = self.arr.split_at(g);
        let (mid, heads) = rest.split_at(g * B);
        let top = if g <= B { &self.top_inline[..g] } else { top };
        let group = count_below(top, x);
        if group == g {
            return self.n as usize;
        }
        let block = group * B + count_below(&mid[group * B..][..B], x);
        if block * B >= heads.len() {
            // Past the last block (a full last block of a partial group: padding follows in `mid`).
            return self.n as usize;
        }
        (block * B + count_below(&heads[block * B..][..B], x)).min(self.n as usize)
    }

    /// Locates `q` among `keys` (the keys this index was built from).
    pub fn probe(&self, keys: &[SmallBytes], q: &[u8]) -> Probe {
        debug_assert_eq!(keys.len(), self.n as usize, "stale key index");
        let n = self.n as usize;
        let plen = usize::from(self.plen);
        let qp = &q[..q.len().min(plen)];
        match qp.cmp(&self.prefix[..qp.len()]) {
            std::cmp::Ordering::Less => {
                return Probe {
                    lower: 0,
                    found: false,
                }
            }
            std::cmp::Ordering::Greater => {
                return Probe {
                    lower: n,
                    found: false,
                }
            }
            // `q` is a proper prefix of the common prefix: smaller than every key.
            std::cmp::Ordering::Equal if q.len() < plen => {
                return Probe {
                    lower: 0,
                    found: false,
                }
            }
            std::cmp::Ordering::Equal => {}
        }
        let hq = head(&q[plen..]);
        let heads = self.heads();
        let lo = self.lower_bound(hq);
        if lo == n || heads[lo] != hq {
            return Probe {
                lower: lo,
                found: false,
            };
        }
        if hq & 0xff < 8 {
            // The whole suffix is in the head: equal heads are equal keys.
            return Probe {
                lower: lo,
                found: true,
            };
        }
        // Ambiguous run of equal heads: compare full keys within it.
        let run = heads[lo..].iter().take_while(|h| **h == hq).count();
        let within = &keys[lo..lo + run];
        let i = within.partition_point(|k| cmp_bytes(k, q).is_lt());
        Probe {
            lower: lo + i,
            found: within.get(i).is_some_and(|k| **k == *q),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn check(keys: &[Vec<u8>], queries: &[Vec<u8>]) {
        let small: Vec<SmallBytes> = keys.iter().map(|k| k.as_slice().into()).collect();
        let idx = KeyIndex::build(&small);
        for q in queries {
            let want_lower = keys.partition_point(|k| k < q);
            let want_found = keys.get(want_lower) == Some(q);
            let p = idx.probe(&small, q);
            assert_eq!(
                (p.lower, p.found),
                (want_lower, want_found),
                "{keys:?} {q:?}"
            );
            assert_eq!(p.upper(), keys.partition_point(|k| k <= q));
        }
    }

    #[test]
    fn heads_preserve_order() {
        let samples: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![0, 0],
            vec![0; 7],
            vec![0; 8],
            vec![0; 9],
            vec![1],
            vec![1, 0, 0, 0, 0, 0, 0, 0, 5],
            vec![1, 2, 3, 4, 5, 6, 7],
            vec![1, 2, 3, 4, 5, 6, 7, 8],
            vec![255; 3],
        ];
        for a in &samples {
            for b in &samples {
                if head(a) < head(b) {
                    assert!(a < b, "{a:?} {b:?}");
                }
                if head(a) == head(b) && head(a) & 0xff < 8 {
                    assert_eq!(a, b);
                }
            }
        }
    }

    #[test]
    fn probe_agrees_with_slice_search() {
        let mut rng = StdRng::seed_from_u64(7);
        for round in 0..400 {
            // Small alphabets and shared prefixes make ambiguous runs and prefix edge cases common.
            let common: Vec<u8> = (0..rng.gen_range(0..20))
                .map(|_| rng.gen_range(0..3))
                .collect();
            let gen = |rng: &mut StdRng| {
                let mut k = if rng.gen_bool(0.8) {
                    common.clone()
                } else {
                    Vec::new()
                };
                k.truncate(rng.gen_range(0..=k.len()));
                for _ in 0..rng.gen_range(0..12) {
                    k.push(rng.gen_range(0..3));
                }
                k
            };
            let mut keys: Vec<Vec<u8>> = (0..rng.gen_range(0..40)).map(|_| gen(&mut rng)).collect();
            if round % 2 == 0 {
                keys.retain(|k| k.starts_with(&common));
            }
            keys.sort();
            keys.dedup();
            let mut queries: Vec<Vec<u8>> = (0..60).map(|_| gen(&mut rng)).collect();
            queries.extend(keys.iter().cloned());
            queries.push(common.clone());
            check(&keys, &queries);
        }
    }
}
