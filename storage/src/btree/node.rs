//! B+tree nodes: the decoded in-memory form kept by the buffer pool, and their page encoding.
//!
//! The buffer pool caches decoded nodes (WiredTiger's "in-memory format differs from the disk format"),
//! so a lookup binary-searches `Vec`s instead of parsing page bytes. [`Node::encoded_len`] must agree with
//! [`Node::encode`]: splits and merges decide on it, and `encode` refuses a node that would overflow a page.
//! Byte layouts are in storage/DESIGN.md ("data: 8 KiB pages").

pub use super::bytes::SmallBytes;
use crate::page::{self, PageId, PageKind, Reader, BODY_LEN, HEADER_LEN, PAGE_SIZE};
use crate::{Result, StorageError};

/// Bytes the allocator spends per heap allocation beyond the requested size (glibc malloc: a 16-byte
/// header and rounding), counted by the buffer pool's memory accounting.
pub const ALLOC_OVERHEAD: usize = 16;

/// Bytes of value data one overflow page carries.
pub const OVERFLOW_CHUNK: usize = BODY_LEN - 8 - 2;

/// A leaf value: inline bytes or the head of an overflow chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Stored in the leaf.
    Inline(SmallBytes),
    /// Stored in a chain of overflow pages.
    Overflow {
        /// Total value length.
        len: u32,
        /// First page of the chain.
        first: PageId,
    },
}

impl Value {
    fn encoded_len(&self) -> usize {
        match self {
            Value::Inline(v) => 1 + 2 + v.len(),
            Value::Overflow { .. } => 1 + 4 + 8,
        }
    }
}

/// A node as cached by the buffer pool.
#[derive(Clone, Debug)]
pub enum Node {
    /// Keys in ascending order with their values.
    Leaf {
        /// Sorted keys.
        keys: Vec<SmallBytes>,
        /// `vals[i]` belongs to `keys[i]`.
        vals: Vec<Value>,
    },
    /// `children.len() == keys.len() + 1`; child `i` holds keys in `[keys[i-1], keys[i])`.
    Branch {
        /// Separator keys.
        keys: Vec<SmallBytes>,
        /// Child pages.
        children: Vec<PageId>,
    },
    /// One piece of a large value.
    Overflow {
        /// Next page of the chain, `PageId(0)` at the end.
        next: PageId,
        /// This page's part of the value.
        data: Vec<u8>,
    },
}

/// Encoded size of one leaf entry.
pub fn leaf_entry_len(key: &[u8], val: &Value) -> usize {
    2 + key.len() + val.encoded_len()
}

impl Node {
    /// An empty leaf.
    pub fn empty_leaf() -> Self {
        Node::Leaf {
            keys: Vec::new(),
            vals: Vec::new(),
        }
    }

    /// Heap bytes this node holds (vector capacities, long keys and values, overflow data), counting
    /// [`ALLOC_OVERHEAD`] per allocation: the buffer pool's budget is in real bytes.
    pub fn heap_bytes(&self) -> usize {
        fn vec<T>(v: &Vec<T>) -> usize {
            if v.capacity() == 0 {
                0
            } else {
                v.capacity() * size_of::<T>() + ALLOC_OVERHEAD
            }
        }
        fn small(b: &SmallBytes) -> usize {
            match b {
                SmallBytes::Inline { .. } => 0,
                SmallBytes::Heap(h) => h.len() + ALLOC_OVERHEAD,
            }
        }
        match self {
            Node::Leaf { keys, vals } => {
                vec(keys)
                    + vec(vals)
                    + keys.iter().map(small).sum::<usize>()
                    + vals
                        .iter()
                        .map(|v| match v {
                            Value::Inline(b) => small(b),
                            Value::Overflow { .. } => 0,
                        })
                        .sum::<usize>()
            }
            Node::Branch { keys, children } => {
                vec(keys) + vec(children) + keys.iter().map(small).sum::<usize>()
            }
            Node::Overflow { data, .. } => vec(data),
        }
    }

    /// Bytes of the encoded body.
    pub fn encoded_len(&self) -> usize {
        match self {
            Node::Leaf { keys, vals } => {
                2 + keys
                    .iter()
                    .zip(vals)
                    .map(|(k, v)| leaf_entry_len(k, v))
                    .sum::<usize>()
            }
            Node::Branch { keys, .. } => {
                2 + 8 + keys.iter().map(|k| 2 + k.len() + 8).sum::<usize>()
            }
            Node::Overflow { data, .. } => 8 + 2 + data.len(),
        }
    }

    /// Encodes into a sealed page for page `id`.
    pub fn encode(&self, id: PageId) -> Result<Box<[u8; PAGE_SIZE]>> {
        if self.encoded_len() > BODY_LEN {
            return Err(StorageError::Internal(format!(
                "node of {} bytes does not fit page {}",
                self.encoded_len(),
                id.0
            )));
        }
        let mut page = page::blank();
        let mut out = Vec::with_capacity(BODY_LEN);
        let kind = match self {
            Node::Leaf { keys, vals } => {
                out.extend_from_slice(&len16(keys.len()).to_le_bytes());
                for (k, v) in keys.iter().zip(vals) {
                    out.extend_from_slice(&len16(k.len()).to_le_bytes());
                    out.extend_from_slice(k);
                    match v {
                        Value::Inline(bytes) => {
                            out.push(0);
                            out.extend_from_slice(&len16(bytes.len()).to_le_bytes());
                            out.extend_from_slice(bytes);
                        }
                        Value::Overflow { len, first } => {
                            out.push(1);
                            out.extend_from_slice(&len.to_le_bytes());
                            out.extend_from_slice(&first.0.to_le_bytes());
                        }
                    }
                }
                PageKind::Leaf
            }
            Node::Branch { keys, children } => {
                out.extend_from_slice(&len16(keys.len()).to_le_bytes());
                out.extend_from_slice(&children[0].0.to_le_bytes());
                for (k, c) in keys.iter().zip(&children[1..]) {
                    out.extend_from_slice(&len16(k.len()).to_le_bytes());
                    out.extend_from_slice(k);
                    out.extend_from_slice(&c.0.to_le_bytes());
                }
                PageKind::Branch
            }
            Node::Overflow { next, data } => {
                out.extend_from_slice(&next.0.to_le_bytes());
                out.extend_from_slice(&len16(data.len()).to_le_bytes());
                out.extend_from_slice(data);
                PageKind::Overflow
            }
        };
        page[HEADER_LEN..HEADER_LEN + out.len()].copy_from_slice(&out);
        page::seal(&mut page, id, kind);
        Ok(page)
    }

    /// Decodes a page read from disk (checksum verified here).
    pub fn decode(bytes: &[u8], id: PageId) -> Result<Self> {
        let kind = page::open(bytes, id)?;
        let mut r = Reader::new(&bytes[HEADER_LEN..], id);
        match kind {
            PageKind::Leaf => {
                let n = usize::from(r.u16()?);
                let mut keys = Vec::with_capacity(n);
                let mut vals = Vec::with_capacity(n);
                for _ in 0..n {
                    let klen = usize::from(r.u16()?);
                    keys.push(r.bytes(klen)?.into());
                    vals.push(match r.u8()? {
                        0 => {
                            let vlen = usize::from(r.u16()?);
                            Value::Inline(r.bytes(vlen)?.into())
                        }
                        1 => Value::Overflow {
                            len: r.u32()?,
                            first: PageId(r.u64()?),
                        },
                        t => {
                            return Err(StorageError::Corrupted(format!(
                                "page {} has value tag {t}",
                                id.0
                            )))
                        }
                    });
                }
                Ok(Node::Leaf { keys, vals })
            }
            PageKind::Branch => {
                let n = usize::from(r.u16()?);
                let mut keys = Vec::with_capacity(n);
                let mut children = Vec::with_capacity(n + 1);
                children.push(PageId(r.u64()?));
                for _ in 0..n {
                    let klen = usize::from(r.u16()?);
                    keys.push(r.bytes(klen)?.into());
                    children.push(PageId(r.u64()?));
                }
                Ok(Node::Branch { keys, children })
            }
            PageKind::Overflow => {
                let next = PageId(r.u64()?);
                let len = usize::from(r.u16()?);
                Ok(Node::Overflow {
                    next,
                    data: r.bytes(len)?.to_vec(),
                })
            }
            other => Err(StorageError::Corrupted(format!(
                "page {} is a {other:?} page where a tree node was expected",
                id.0
            ))),
        }
    }
}

/// A length known to fit in u16 (keys ≤ 1024 bytes, inline values < 2000 bytes, page bodies < 8 KiB).
fn len16(n: usize) -> u16 {
    u16::try_from(n).expect("invariant: lengths inside a page fit in u16")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_round_trip_and_sizes_agree() {
        let leaf = Node::Leaf {
            keys: vec![b"a".to_vec().into(), b"bb".to_vec().into()],
            vals: vec![
                Value::Inline(b"x".to_vec().into()),
                Value::Overflow {
                    len: 10_000,
                    first: PageId(9),
                },
            ],
        };
        let branch = Node::Branch {
            keys: vec![b"m".to_vec().into()],
            children: vec![PageId(3), PageId(4)],
        };
        let ovf = Node::Overflow {
            next: PageId(0),
            data: vec![7; 100],
        };
        for node in [leaf, branch, ovf] {
            let page = node.encode(PageId(5)).expect("fits");
            let back = Node::decode(&page[..], PageId(5)).expect("decodes");
            assert_eq!(format!("{node:?}"), format!("{back:?}"));
            let used = HEADER_LEN + node.encoded_len();
            assert!(page[used..].iter().all(|b| *b == 0));
        }
    }
}
