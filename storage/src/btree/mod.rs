//! Copy-on-write B+trees over the pager: many trees per shard, each identified by its root page.
//!
//! Every operation takes the pager and a root page id and returns the (possibly new) root: modifying a
//! page of the durable image copies it (see `buffer`), so a change ripples copies up to the root. The
//! engine keeps the roots in its catalog. There are no sibling pointers (a copied leaf would force its
//! neighbours to be copied too); scans walk up and down a stack of parents instead (`cursor.rs`).
//!
//! - `get` / `put` / `delete`: point operations (`split.rs` splits overflowing nodes on the way up,
//!   `merge.rs` merges or rebalances underfull ones; both share the byte-midpoint splitters here).
//! - `cursor.rs`: bounded range scans in both directions.
//! - `bulk.rs`: builds a tree from sorted input, leaves first.
//! - Large values: an entry longer than [`MAX_INLINE_ENTRY`] keeps its value in an overflow chain.
//!
//! Keys are compared as bytes; `crate::keycode` encodes SQL values so that byte order is value order.

mod bulk;
mod bytes;

use bytes::cmp_bytes;
mod cursor;
mod merge;
pub mod node;
pub mod search;
mod split;

pub use bulk::bulk_load;
pub use cursor::range;
pub use merge::delete;
pub use split::put;

use node::{leaf_entry_len, Node, SmallBytes, Value, OVERFLOW_CHUNK};
use search::KeyIndex;

use crate::buffer::Pager;
use crate::io::IoFile;
use crate::page::{PageId, BODY_LEN};
use crate::{Result, StorageError};

/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 1024;
/// Longest leaf entry stored inline; larger values go to overflow pages. With keys ≤ 1024 bytes this keeps
/// at least four entries per page, so splits always make progress.
pub const MAX_INLINE_ENTRY: usize = 2000;
/// A node whose encoding is smaller than this is merged with or rebalanced against a sibling.
pub const MIN_FILL: usize = BODY_LEN / 4;

/// Creates an empty tree and returns its root.
pub async fn create<F: IoFile>(pager: &mut Pager<F>) -> Result<PageId> {
    pager.alloc(Node::empty_leaf()).await
}

/// Checks a key against the limits.
pub fn check_key(key: &[u8]) -> Result<()> {
    if key.len() > MAX_KEY_LEN {
        return Err(StorageError::KeyTooLarge(key.len()));
    }
    Ok(())
}

/// One step of a point lookup in a node.
enum Step {
    Child(PageId),
    Found(Value),
    Missing,
    NotANode,
}

fn step(node: &Node, index: Option<&KeyIndex>, key: &[u8]) -> Step {
    let Some(index) = index else {
        return step_unindexed(node, key);
    };
    match node {
        Node::Branch { keys, children } => Step::Child(children[index.probe(keys, key).upper()]),
        Node::Leaf { keys, vals } => {
            let p = index.probe(keys, key);
            if p.found {
                Step::Found(vals[p.lower].clone())
            } else {
                Step::Missing
            }
        }
        Node::Overflow { .. } => Step::NotANode,
    }
}

/// `step` without an index (a page just loaded, or changed since its last lookups).
fn step_unindexed(node: &Node, key: &[u8]) -> Step {
    match node {
        Node::Branch { keys, children } => {
            Step::Child(children[keys.partition_point(|k| cmp_bytes(k, key).is_le())])
        }
        Node::Leaf { keys, vals } => match keys.binary_search_by(|k| cmp_bytes(k, key)) {
            Ok(i) => Step::Found(vals[i].clone()),
            Err(_) => Step::Missing,
        },
        Node::Overflow { .. } => Step::NotANode,
    }
}

/// Looks up `key`.
pub async fn get<F: IoFile>(
    pager: &mut Pager<F>,
    root: PageId,
    key: &[u8],
) -> Result<Option<Vec<u8>>> {
    get_with(pager, root, key, <[u8]>::to_vec).await
}

/// Looks up `key` and passes its value to `f` without copying it (unless it lives in overflow pages).
pub async fn get_with<F: IoFile, R>(
    pager: &mut Pager<F>,
    root: PageId,
    key: &[u8],
    f: impl FnOnce(&[u8]) -> R,
) -> Result<Option<R>> {
    let mut pid = root;
    loop {
        let s = match pager.with_indexed(pid, |n, index| step(n, index, key)) {
            Some(s) => s,
            None => step_unindexed(pager.node(pid).await?, key),
        };
        match s {
            Step::Child(child) => pid = child,
            Step::Found(Value::Inline(v)) => return Ok(Some(f(&v))),
            Step::Found(val) => return Ok(Some(f(&read_value(pager, &val).await?))),
            Step::Missing => return Ok(None),
            Step::NotANode => return Err(not_a_node(pid)),
        }
    }
}

/// The bytes of a leaf value (following its overflow chain if needed).
pub async fn read_value<F: IoFile>(pager: &mut Pager<F>, val: &Value) -> Result<Vec<u8>> {
    match val {
        Value::Inline(v) => Ok(v.to_vec()),
        Value::Overflow { len, first } => {
            let mut out = Vec::with_capacity(*len as usize);
            let mut next = *first;
            while next.0 != 0 && out.len() < *len as usize {
                let Node::Overflow { next: after, data } = pager.node(next).await? else {
                    return Err(StorageError::Corrupted(format!(
                        "page {} in an overflow chain is not an overflow page",
                        next.0
                    )));
                };
                out.extend_from_slice(data);
                next = *after;
            }
            if out.len() != *len as usize {
                return Err(StorageError::Corrupted(format!(
                    "overflow chain at page {} holds {} bytes, expected {len}",
                    first.0,
                    out.len()
                )));
            }
            Ok(out)
        }
    }
}

/// Stores `value` for `key`: inline when the entry is small, else in a new overflow chain.
pub async fn make_value<F: IoFile>(
    pager: &mut Pager<F>,
    key: &[u8],
    value: &[u8],
) -> Result<Value> {
    let inline = Value::Inline(value.into());
    if leaf_entry_len(key, &inline) <= MAX_INLINE_ENTRY {
        return Ok(inline);
    }
    let len = u32::try_from(value.len()).map_err(|_| StorageError::RecordTooLarge(value.len()))?;
    // Written back to front so each page knows its successor.
    let mut next = PageId(0);
    for chunk in value.chunks(OVERFLOW_CHUNK).rev() {
        next = pager
            .alloc(Node::Overflow {
                next,
                data: chunk.to_vec(),
            })
            .await?;
    }
    Ok(Value::Overflow { len, first: next })
}

/// Frees a value's overflow pages, if any.
pub async fn free_value<F: IoFile>(pager: &mut Pager<F>, val: &Value) -> Result<()> {
    if let Value::Overflow { first, .. } = val {
        pager.free_chain(*first).await?;
    }
    Ok(())
}

/// Frees every page of the tree (drop).
pub async fn free_tree<F: IoFile>(pager: &mut Pager<F>, root: PageId) -> Result<()> {
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        match pager.node(pid).await? {
            Node::Branch { children, .. } => stack.extend(children.iter().copied()),
            Node::Leaf { vals, .. } => {
                let chains: Vec<PageId> = vals
                    .iter()
                    .filter_map(|v| match v {
                        Value::Overflow { first, .. } => Some(*first),
                        Value::Inline(_) => None,
                    })
                    .collect();
                for first in chains {
                    pager.free_chain(first).await?;
                }
            }
            Node::Overflow { .. } => return Err(not_a_node(pid)),
        }
        pager.free(pid);
    }
    Ok(())
}

/// Splits leaf entries at the byte midpoint: (left keys, left vals, right keys, right vals). Both halves
/// are non-empty when there are at least two entries.
type LeafHalves = (Vec<SmallBytes>, Vec<Value>, Vec<SmallBytes>, Vec<Value>);
fn split_leaf(mut keys: Vec<SmallBytes>, mut vals: Vec<Value>) -> LeafHalves {
    let total: usize = keys
        .iter()
        .zip(&vals)
        .map(|(k, v)| leaf_entry_len(k, v))
        .sum();
    let mut acc = 0;
    let mut at = keys.len() / 2;
    for (i, (k, v)) in keys.iter().zip(&vals).enumerate() {
        acc += leaf_entry_len(k, v);
        if acc * 2 >= total {
            at = i + 1;
            break;
        }
    }
    let at = at.clamp(1, keys.len().saturating_sub(1).max(1));
    let rk = keys.split_off(at);
    let rv = vals.split_off(at);
    (keys, vals, rk, rv)
}

/// Splits a branch at the byte midpoint: (left keys, left children, separator, right keys, right children).
type BranchHalves = (
    Vec<SmallBytes>,
    Vec<PageId>,
    SmallBytes,
    Vec<SmallBytes>,
    Vec<PageId>,
);
fn split_branch(mut keys: Vec<SmallBytes>, mut children: Vec<PageId>) -> BranchHalves {
    let total: usize = keys.iter().map(|k| k.len() + 10).sum();
    let mut acc = 0;
    let mut at = keys.len() / 2;
    for (i, k) in keys.iter().enumerate() {
        acc += k.len() + 10;
        if acc * 2 >= total {
            at = i;
            break;
        }
    }
    let at = at.clamp(1, keys.len().saturating_sub(2).max(1));
    let mut rk = keys.split_off(at);
    let sep = rk.remove(0);
    let rc = children.split_off(at + 1);
    (keys, children, sep, rk, rc)
}

fn not_a_node(pid: PageId) -> StorageError {
    StorageError::Corrupted(format!("page {} is an overflow page inside a tree", pid.0))
}

/// Descends from `root` to the leaf for `key`, making every page on the way writable. Returns the new
/// root, the path of (branch page, child index) and the leaf page.
async fn writable_path<F: IoFile>(
    pager: &mut Pager<F>,
    root: PageId,
    key: &[u8],
) -> Result<(PageId, Vec<(PageId, usize)>, PageId)> {
    let root = pager.make_writable(root).await?;
    let mut path = Vec::new();
    let mut pid = root;
    loop {
        let s = match pager.with_cached(pid, |n| path_step(n, key)) {
            Some(s) => s,
            None => path_step(pager.node(pid).await?, key),
        };
        let (idx, child) = match s {
            Some(Some(branch)) => branch,
            Some(None) => return Ok((root, path, pid)),
            None => return Err(not_a_node(pid)),
        };
        let new_child = if pager.is_fresh(child) {
            child
        } else {
            pager.make_writable(child).await?
        };
        if new_child != child {
            set_child(pager, pid, idx, new_child).await?;
        }
        path.push((pid, idx));
        pid = new_child;
    }
}

/// A step of `writable_path`: `Some(Some((index, child)))` in a branch, `Some(None)` at a leaf, `None`
/// for a page that is not a tree node.
fn path_step(node: &Node, key: &[u8]) -> Option<Option<(usize, PageId)>> {
    match node {
        Node::Branch { keys, children } => {
            let idx = keys.partition_point(|k| cmp_bytes(k, key).is_le());
            Some(Some((idx, children[idx])))
        }
        Node::Leaf { .. } => Some(None),
        Node::Overflow { .. } => None,
    }
}

async fn set_child<F: IoFile>(
    pager: &mut Pager<F>,
    parent: PageId,
    idx: usize,
    child: PageId,
) -> Result<()> {
    match pager.node_mut(parent).await? {
        Node::Branch { children, .. } => {
            children[idx] = child;
            Ok(())
        }
        _ => Err(StorageError::Internal(format!(
            "page {} on a tree path is not a branch",
            parent.0
        ))),
    }
}

/// Takes a writable page's node out of the pool (leaving an empty leaf to be replaced).
async fn take<F: IoFile>(pager: &mut Pager<F>, pid: PageId) -> Result<Node> {
    Ok(std::mem::replace(
        pager.node_mut(pid).await?,
        Node::empty_leaf(),
    ))
}

/// Puts a node back into a writable page.
async fn put_back<F: IoFile>(pager: &mut Pager<F>, pid: PageId, node: Node) -> Result<()> {
    *pager.node_mut(pid).await? = node;
    Ok(())
}
