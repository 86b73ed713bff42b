//! Applying logged ops to the trees: shared by live commits and WAL replay, which must agree exactly
//! (replay re-runs this function on the same ops in the same LSN order).

use super::Engine;
use crate::btree;
use crate::io::Io;
use crate::wal::record::Op;
use crate::{Result, StorageError};

impl<I: Io> Engine<I> {
    /// Applies validated ops in order.
    pub(super) async fn apply(&mut self, ops: &[Op]) -> Result<()> {
        for op in ops {
            match op {
                Op::Put { tree, key, value } => {
                    let root = self.root(*tree)?;
                    let root = btree::put(&mut self.pager, root, key, value).await?;
                    self.roots.insert(*tree, root);
                }
                Op::Delete { tree, key } => {
                    let root = self.root(*tree)?;
                    let (root, _) = btree::delete(&mut self.pager, root, key).await?;
                    self.roots.insert(*tree, root);
                }
                Op::CreateTree(tree) => {
                    if self.roots.contains_key(tree) {
                        return Err(StorageError::TreeExists(tree.0));
                    }
                    let root = btree::create(&mut self.pager).await?;
                    self.roots.insert(*tree, root);
                }
                Op::DropTree(tree) => {
                    let root = self.root(*tree)?;
                    btree::free_tree(&mut self.pager, root).await?;
                    self.roots.remove(tree);
                }
            }
        }
        Ok(())
    }
}
