//! Bounded range scans in both directions.
//!
//! Without sibling pointers (see the module doc) a scan keeps the stack of (branch page, child index) from
//! the root and climbs it to reach the next leaf. It holds page ids, not references, so pages it passed
//! may be evicted and reloaded. A scan returns at most `limit` entries; callers continue by scanning again
//! from just past the last key (the engine's `Cursor` does this), which stays correct across writes.

use std::ops::Bound;

use super::node::Node;
use super::{not_a_node, read_value};
use crate::buffer::Pager;
use crate::io::IoFile;
use crate::page::PageId;
use crate::Result;

fn below_hi(key: &[u8], hi: Bound<&[u8]>) -> bool {
    match hi {
        Bound::Included(h) => key <= h,
        Bound::Excluded(h) => key < h,
        Bound::Unbounded => true,
    }
}

fn above_lo(key: &[u8], lo: Bound<&[u8]>) -> bool {
    match lo {
        Bound::Included(l) => key >= l,
        Bound::Excluded(l) => key > l,
        Bound::Unbounded => true,
    }
}

/// Entries with keys within (`lo`, `hi`), ascending (or descending when `reverse`), at most `limit`.
pub async fn range<F: IoFile>(
    pager: &mut Pager<F>,
    root: PageId,
    lo: Bound<&[u8]>,
    hi: Bound<&[u8]>,
    reverse: bool,
    limit: usize,
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut out = Vec::new();
    if limit == 0 {
        return Ok(out);
    }
    // The key the scan starts from, used to pick children on the way down.
    let start: Option<&[u8]> = match (reverse, lo, hi) {
        (false, Bound::Included(k) | Bound::Excluded(k), _) => Some(k),
        (true, _, Bound::Included(k) | Bound::Excluded(k)) => Some(k),
        _ => None,
    };
    let mut stack: Vec<(PageId, usize)> = Vec::new();
    let mut pid = root;
    let mut first_leaf = true;
    loop {
        // Descend to a leaf: towards `start` for the first leaf, then along the edge.
        loop {
            let (idx, child) = match pager.node(pid).await? {
                Node::Branch { keys, children } => {
                    let idx = match (first_leaf, start) {
                        (true, Some(k)) => keys.partition_point(|s| super::cmp_bytes(s, k).is_le()),
                        _ if reverse => children.len() - 1,
                        _ => 0,
                    };
                    (idx, children[idx])
                }
                Node::Leaf { .. } => break,
                Node::Overflow { .. } => return Err(not_a_node(pid)),
            };
            stack.push((pid, idx));
            pid = child;
        }
        // Collect from this leaf.
        let Node::Leaf { keys, vals } = pager.node(pid).await? else {
            return Err(not_a_node(pid));
        };
        // `stopped`: the pick ended before the leaf's edge (a bound or the limit), so the scan is done.
        let (picked, stopped): (Vec<_>, bool) = if reverse {
            let end = keys.partition_point(|k| below_hi(k, hi));
            let picked: Vec<_> = (0..end)
                .rev()
                .take_while(|&i| above_lo(&keys[i], lo))
                .take(limit - out.len())
                .map(|i| (keys[i].clone(), vals[i].clone()))
                .collect();
            let stopped = end > picked.len();
            (picked, stopped)
        } else {
            let begin = keys.partition_point(|k| !above_lo(k, lo));
            let picked: Vec<_> = (begin..keys.len())
                .take_while(|&i| below_hi(&keys[i], hi))
                .take(limit - out.len())
                .map(|i| (keys[i].clone(), vals[i].clone()))
                .collect();
            let stopped = begin + picked.len() < keys.len();
            (picked, stopped)
        };
        for (k, v) in picked {
            let v = read_value(pager, &v).await?;
            out.push((k.to_vec(), v));
        }
        if out.len() >= limit || stopped {
            return Ok(out);
        }
        first_leaf = false;
        // Climb to the next subtree.
        loop {
            let Some((parent, idx)) = stack.pop() else {
                return Ok(out);
            };
            let Node::Branch { children, .. } = pager.node(parent).await? else {
                return Err(not_a_node(parent));
            };
            let next = if reverse {
                idx.checked_sub(1)
            } else {
                Some(idx + 1).filter(|i| *i < children.len())
            };
            if let Some(next) = next {
                let child = children[next];
                stack.push((parent, next));
                pid = child;
                break;
            }
        }
    }
}
