//! `SmallBytes`: keys and inline values of cached nodes. Up to 22 bytes live inside the 24-byte value
//! itself, so a leaf's key array is contiguous and a binary search does not chase one heap pointer per
//! comparison (with `Vec<Vec<u8>>` key comparisons were the top item in point-get profiles).

use std::cmp::Ordering;
use std::fmt;
use std::ops::Deref;

const INLINE: usize = 22;

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
        (**self).cmp(&**other)
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
    fn inline_and_heap_compare_as_bytes() {
        let a = SmallBytes::from(&b"abc"[..]);
        let b = SmallBytes::from(vec![b'a'; 40]);
        assert_eq!(&*a, b"abc");
        assert_eq!(b.len(), 40);
        assert!(b < a);
        assert_eq!(size_of::<SmallBytes>(), 24);
    }
}
