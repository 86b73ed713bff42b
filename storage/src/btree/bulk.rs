//! Bulk loading: builds a tree from sorted input by filling leaves left to right, then each branch level
//! from the one below. Pages are filled to [`FILL`] of a page so later inserts do not split at once.
//! Used for COPY into a new table and CREATE INDEX; the engine logs the rows so replay rebuilds the same
//! contents (not necessarily the same page layout).

use super::node::{leaf_entry_len, Node, SmallBytes};
use super::{check_key, make_value};
use crate::buffer::Pager;
use crate::io::IoFile;
use crate::page::{PageId, BODY_LEN};
use crate::{Result, StorageError};

/// Target fill of bulk-loaded pages, in bytes.
const FILL: usize = BODY_LEN * 9 / 10;

/// Builds a new tree from `entries` (strictly ascending keys); returns its root.
pub async fn bulk_load<F, I>(pager: &mut Pager<F>, entries: I) -> Result<PageId>
where
    F: IoFile,
    I: IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
{
    // Level 0: leaves, as (first key, page).
    let mut level: Vec<(Vec<u8>, PageId)> = Vec::new();
    let (mut keys, mut vals): (Vec<SmallBytes>, _) = (Vec::new(), Vec::new());
    let mut size = 2;
    for (key, value) in entries {
        check_key(&key)?;
        if keys.last().is_some_and(|last| last[..] >= key[..]) {
            return Err(StorageError::Internal(
                "bulk load input is not strictly ascending".into(),
            ));
        }
        let val = make_value(pager, &key, &value).await?;
        let len = leaf_entry_len(&key, &val);
        if size + len > FILL && !keys.is_empty() {
            let first = keys[0].to_vec();
            let node = Node::Leaf {
                keys: std::mem::take(&mut keys),
                vals: std::mem::take(&mut vals),
            };
            level.push((first, pager.alloc(node).await?));
            size = 2;
        }
        size += len;
        keys.push(key.into());
        vals.push(val);
    }
    if !keys.is_empty() || level.is_empty() {
        let first = keys.first().map(|k| k.to_vec()).unwrap_or_default();
        level.push((first, pager.alloc(Node::Leaf { keys, vals }).await?));
    }
    // Branch levels until one page remains.
    while level.len() > 1 {
        let mut next = Vec::new();
        let mut iter = level.into_iter();
        let Some((mut first, child0)) = iter.next() else {
            return Err(StorageError::Internal("empty bulk-load level".into()));
        };
        let (mut bkeys, mut children) = (Vec::new(), vec![child0]);
        let mut size = 2 + 8;
        for (key, child) in iter {
            if size + 2 + key.len() + 8 > FILL && children.len() >= 2 {
                let node = Node::Branch {
                    keys: std::mem::take(&mut bkeys),
                    children: std::mem::take(&mut children),
                };
                next.push((std::mem::take(&mut first), pager.alloc(node).await?));
                first = key;
                children.push(child);
                size = 2 + 8;
                continue;
            }
            size += 2 + key.len() + 8;
            bkeys.push(key.into());
            children.push(child);
        }
        let node = Node::Branch {
            keys: bkeys,
            children,
        };
        next.push((first, pager.alloc(node).await?));
        level = next;
    }
    Ok(level.pop().map(|(_, pid)| pid).unwrap_or(PageId(0)))
}
