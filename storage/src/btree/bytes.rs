//! `SmallBytes`: keys and inline values of cached nodes. Up to 22 bytes live inside the 24-byte value
//! itself, so a leaf's key array is contiguous and a binary search does not chase one heap pointer per
//! comparison (with `Vec<Vec<u8>>` key comparisons were the top item in point-get profiles).

use std::cmp::Ordering;
use std::fmt;
use std::ops::Deref;

const INLINE: usize = 22;

/// Byte-wise comparison (same result as `a.cmp(b)`), deciding on the first 8 bytes as one big-endian
/// integer when it can: most keys differ there, and it saves a `memcmp` call per binary-search step.
#[inline]
pub fn cmp_bytes(a: &[u8], b: &[u8]) -> Ordering {
    if let (Some(x), Some(y)) = (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        match u64::from_be_bytes(*x).cmp(&u64::from_be_bytes(*y)) {
            Ordering::Equal => a[8..].cmp(&b[8..]),
            other => other,
        }
    } else {
        a.cmp(b)
    }
}

/// A byte string, inline when short.
#[derive(Clone)]
pub enum SmallBytes {
    /// `buf[..len]`.
    Inline {
        /// Length.
        len: u8,
        /// Bytes.
        buf: [u8; INLINE],
    },
    /// Longer strings.
    Heap(Box<[u8]>),
}

impl From<&[u8]> for SmallBytes {
    fn from(b: &[u8]) -> Self {
        if b.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..b.len()].copy_from_slice(b);
            SmallBytes::Inline {
                len: u8::try_from(b.len()).expect("invariant: INLINE < 256"),
                buf,
            }
        } else {
            SmallBytes::Heap(b.into())
        }
    }
}

impl From<Vec<u8>> for SmallBytes {
    fn from(v: Vec<u8>) -> Self {
        if v.len() <= INLINE {
            v.as_slice().into()
        } else {
            SmallBytes::Heap(v.into_boxed_slice())
        }
    }
}

impl Default for SmallBytes {
    fn default() -> Self {
        SmallBytes::Inline {
            len: 0,
            buf: [0; INLINE],
        }
    }
}

impl Deref for SmallBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            SmallBytes::Inline { len, buf } => &buf[..usize::from(*len)],
            SmallBytes::Heap(b) => b,
        }
    }
}

impl PartialEq for SmallBytes {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}
impl Eq for SmallBytes {}
impl PartialOrd for SmallBytes {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for SmallBytes {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_bytes(self, other)
    }
}

impl fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &**self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmp_bytes_agrees_with_slice_order() {
        let samples: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![0; 8],
            vec![0; 9],
            vec![1, 2, 3, 4, 5, 6, 7, 8],
            vec![1, 2, 3, 4, 5, 6, 7, 8, 0],
            vec![1, 2, 3, 4, 5, 6, 7, 9],
            vec![255; 12],
            b"k00001".to_vec(),
            b"k00001xxxxxxxx".to_vec(),
        ];
        for a in &samples {
            for b in &samples {
                assert_eq!(cmp_bytes(a, b), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn inline_and_heap_compare_as_bytes() {
        let a = SmallBytes::from(&b"abc"[..]);
        let b = SmallBytes::from(vec![b'a'; 40]);
        assert_eq!(&*a, b"abc");
        assert_eq!(b.len(), 40);
        assert!(b < a);
        assert_eq!(size_of::<SmallBytes>(), 24);
    }
}
