//! Insert and update, splitting overflowing nodes on the way back up (shares `split_leaf` /
//! `split_branch` with `merge.rs`, which must agree on what fits a page: `Node::encoded_len`).

use super::node::Node;
use super::{
    check_key, free_value, make_value, put_back, split_branch, split_leaf, take, writable_path,
};
use crate::buffer::Pager;
use crate::io::IoFile;
use crate::page::{PageId, BODY_LEN};
use crate::{Result, StorageError};

/// Inserts or replaces `key` → `value`; returns the new root.
pub async fn put<F: IoFile>(
    pager: &mut Pager<F>,
    root: PageId,
    key: &[u8],
    value: &[u8],
) -> Result<PageId> {
    check_key(key)?;
    let (mut root, path, leaf) = writable_path(pager, root, key).await?;
    let val = make_value(pager, key, value).await?;
    let Node::Leaf { mut keys, mut vals } = take(pager, leaf).await? else {
        return Err(StorageError::Internal("tree path ends in a branch".into()));
    };
    match keys.binary_search_by(|k| super::cmp_bytes(k, key)) {
        Ok(i) => {
            // The new value may be longer: fall through to the split check.
            let old = std::mem::replace(&mut vals[i], val);
            free_value(pager, &old).await?;
        }
        Err(i) => {
            keys.insert(i, key.into());
            vals.insert(i, val);
        }
    }
    let node = Node::Leaf { keys, vals };
    if node.encoded_len() <= BODY_LEN {
        put_back(pager, leaf, node).await?;
        return Ok(root);
    }
    let Node::Leaf { keys, vals } = node else {
        return Err(StorageError::Internal("leaf changed kind".into()));
    };
    let (lk, lv, rk, rv) = split_leaf(keys, vals);
    let mut sep = rk[0].clone();
    put_back(pager, leaf, Node::Leaf { keys: lk, vals: lv }).await?;
    let mut right = pager.alloc(Node::Leaf { keys: rk, vals: rv }).await?;

    // Insert (sep, right) into the parents, splitting them as needed.
    for &(parent, idx) in path.iter().rev() {
        let Node::Branch {
            mut keys,
            mut children,
        } = take(pager, parent).await?
        else {
            return Err(StorageError::Internal("tree path holds a leaf".into()));
        };
        keys.insert(idx, sep);
        children.insert(idx + 1, right);
        let node = Node::Branch { keys, children };
        if node.encoded_len() <= BODY_LEN {
            put_back(pager, parent, node).await?;
            return Ok(root);
        }
        let Node::Branch { keys, children } = node else {
            return Err(StorageError::Internal("branch changed kind".into()));
        };
        let (lk, lc, up, rk, rc) = split_branch(keys, children);
        put_back(
            pager,
            parent,
            Node::Branch {
                keys: lk,
                children: lc,
            },
        )
        .await?;
        right = pager
            .alloc(Node::Branch {
                keys: rk,
                children: rc,
            })
            .await?;
        sep = up;
    }
    // The root split: grow the tree by one level.
    root = pager
        .alloc(Node::Branch {
            keys: vec![sep],
            children: vec![root, right],
        })
        .await?;
    Ok(root)
}
