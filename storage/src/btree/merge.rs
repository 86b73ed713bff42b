//! Delete, merging or rebalancing underfull nodes on the way back up, and shrinking the root.
//!
//! A node whose encoding falls below `MIN_FILL` is combined with a sibling (the left one when it has one):
//! if both fit in one page they merge (for branches the parent's separator comes down between them),
//! otherwise their entries are redistributed by the same byte-midpoint splitters `split.rs` uses.

use super::node::Node;
use super::{
    free_value, put_back, set_child, split_branch, split_leaf, take, writable_path, MIN_FILL,
};
use crate::buffer::Pager;
use crate::io::IoFile;
use crate::page::{PageId, BODY_LEN};
use crate::{Result, StorageError};

/// Deletes `key`; returns the new root and whether the key existed.
pub async fn delete<F: IoFile>(
    pager: &mut Pager<F>,
    root: PageId,
    key: &[u8],
) -> Result<(PageId, bool)> {
    // Look first, so deleting a missing key copies nothing.
    if super::get(pager, root, key).await?.is_none() {
        return Ok((root, false));
    }
    let (mut root, path, leaf) = writable_path(pager, root, key).await?;
    let Node::Leaf { mut keys, mut vals } = take(pager, leaf).await? else {
        return Err(StorageError::Internal("tree path ends in a branch".into()));
    };
    let Ok(i) = keys.binary_search_by(|k| super::cmp_bytes(k, key)) else {
        return Err(StorageError::Internal(
            "key vanished between lookup and delete".into(),
        ));
    };
    keys.remove(i);
    let old = vals.remove(i);
    put_back(pager, leaf, Node::Leaf { keys, vals }).await?;
    free_value(pager, &old).await?;

    let mut child = leaf;
    for &(parent, idx) in path.iter().rev() {
        if pager.node(child).await?.encoded_len() >= MIN_FILL {
            break;
        }
        rebalance(pager, parent, idx).await?;
        child = parent;
    }
    // Shrink: a root branch with one child hands the root to it.
    loop {
        let only = match pager.node(root).await? {
            Node::Branch { children, .. } if children.len() == 1 => children[0],
            _ => break,
        };
        pager.free(root);
        root = only;
    }
    Ok((root, true))
}

/// Fixes underfull child `idx` of writable branch `parent` using a sibling.
async fn rebalance<F: IoFile>(pager: &mut Pager<F>, parent: PageId, idx: usize) -> Result<()> {
    let Node::Branch { keys, children } = pager.node(parent).await? else {
        return Err(StorageError::Internal("parent is not a branch".into()));
    };
    if children.len() < 2 {
        return Ok(());
    }
    let li = if idx > 0 { idx - 1 } else { idx };
    let (left, right, sep) = (children[li], children[li + 1], keys[li].clone());
    let left_w = pager.make_writable(left).await?;
    if left_w != left {
        set_child(pager, parent, li, left_w).await?;
    }
    let right_w = pager.make_writable(right).await?;
    if right_w != right {
        set_child(pager, parent, li + 1, right_w).await?;
    }
    let l = take(pager, left_w).await?;
    let r = take(pager, right_w).await?;
    let left_len = match &l {
        Node::Leaf { keys, .. } | Node::Branch { keys, .. } => keys.len(),
        Node::Overflow { .. } => 0,
    };
    let parent_len = pager.node(parent).await?.encoded_len();
    let old_sep_len = sep.len();
    let merged = match (l, r) {
        (
            Node::Leaf {
                keys: mut lk,
                vals: mut lv,
            },
            Node::Leaf { keys: rk, vals: rv },
        ) => {
            lk.extend(rk);
            lv.extend(rv);
            Node::Leaf { keys: lk, vals: lv }
        }
        (
            Node::Branch {
                keys: mut lk,
                children: mut lc,
            },
            Node::Branch {
                keys: rk,
                children: rc,
            },
        ) => {
            lk.push(sep);
            lk.extend(rk);
            lc.extend(rc);
            Node::Branch {
                keys: lk,
                children: lc,
            }
        }
        _ => {
            return Err(StorageError::Corrupted(
                "siblings of different kinds".into(),
            ))
        }
    };
    if merged.encoded_len() <= BODY_LEN {
        put_back(pager, left_w, merged).await?;
        pager.free(right_w);
        let Node::Branch { keys, children } = pager.node_mut(parent).await? else {
            return Err(StorageError::Internal("parent is not a branch".into()));
        };
        keys.remove(li);
        children.remove(li + 1);
        return Ok(());
    }
    // Too big for one page: redistribute evenly, unless the new separator would overflow the parent; then
    // keep the old split (an underfull node is allowed, merely wasteful).
    let (ln, rn, new_sep) = match merged {
        Node::Leaf { mut keys, mut vals } => {
            let (lk, lv, rk, rv) = {
                let (lk, lv, rk, rv) = split_leaf(keys.clone(), vals.clone());
                if parent_len + rk[0].len() > BODY_LEN + old_sep_len {
                    let rk = keys.split_off(left_len);
                    let rv = vals.split_off(left_len);
                    (keys, vals, rk, rv)
                } else {
                    (lk, lv, rk, rv)
                }
            };
            let sep = rk[0].clone();
            (
                Node::Leaf { keys: lk, vals: lv },
                Node::Leaf { keys: rk, vals: rv },
                sep,
            )
        }
        Node::Branch {
            mut keys,
            mut children,
        } => {
            let (lk, lc, sep, rk, rc) = {
                let (lk, lc, sep, rk, rc) = split_branch(keys.clone(), children.clone());
                if parent_len + sep.len() > BODY_LEN + old_sep_len {
                    let mut rk = keys.split_off(left_len);
                    let sep = rk.remove(0);
                    let rc = children.split_off(left_len + 1);
                    (keys, children, sep, rk, rc)
                } else {
                    (lk, lc, sep, rk, rc)
                }
            };
            (
                Node::Branch {
                    keys: lk,
                    children: lc,
                },
                Node::Branch {
                    keys: rk,
                    children: rc,
                },
                sep,
            )
        }
        Node::Overflow { .. } => {
            return Err(StorageError::Internal("merged an overflow page".into()))
        }
    };
    put_back(pager, left_w, ln).await?;
    put_back(pager, right_w, rn).await?;
    let Node::Branch { keys, .. } = pager.node_mut(parent).await? else {
        return Err(StorageError::Internal("parent is not a branch".into()));
    };
    keys[li] = new_sep;
    Ok(())
}
