//! Checkpoint: the shadow-paging commit of the data file (storage/DESIGN.md, "Checkpoint", with the
//! crash analysis of every step). Steps are numbered as there.

use std::time::Instant;

use super::meta::Meta;
use super::Engine;
use crate::btree;
use crate::io::{Io, IoFile};
use crate::page::PageId;
use crate::wal::writer::wait_durable;
use crate::wal::Lsn;
use crate::Result;

impl<I: Io> Engine<I> {
    /// Takes a checkpoint and recycles the WAL it makes unnecessary. Any failure poisons the engine.
    pub async fn checkpoint(&mut self) -> Result<()> {
        self.check()?;
        let r = self.checkpoint_inner().await;
        self.poison_on(r)
    }

    async fn checkpoint_inner(&mut self) -> Result<()> {
        // 1. Every appended record is applied (`&mut self`); make them durable first.
        let ckpt_lsn = self.wal.last_lsn();
        wait_durable(&self.wal.shared(), ckpt_lsn).await?;
        let replay_start = self
            .prepared
            .values()
            .map(|p| p.lsn.0)
            .min()
            .unwrap_or(ckpt_lsn.0 + 1)
            .min(ckpt_lsn.0 + 1);
        // 2. Changed tree roots into the catalog tree (key: tree id big-endian, value: root page).
        let changed: Vec<_> = self
            .roots
            .iter()
            .filter(|(t, r)| self.durable_roots.get(t) != Some(r))
            .map(|(t, r)| (*t, *r))
            .collect();
        let removed: Vec<_> = self
            .durable_roots
            .keys()
            .filter(|t| !self.roots.contains_key(t))
            .copied()
            .collect();
        let mut catalog = self.catalog_root;
        for (tree, root) in changed {
            catalog = btree::put(
                &mut self.pager,
                catalog,
                &tree.0.to_be_bytes(),
                &root.0.to_le_bytes(),
            )
            .await?;
        }
        for tree in removed {
            catalog = btree::delete(&mut self.pager, catalog, &tree.0.to_be_bytes())
                .await?
                .0;
        }
        self.catalog_root = catalog;
        // 3. Dirty pages to their fresh locations.
        self.pager.flush_dirty().await?;
        // 4. The free list.
        let (free_head, list_pages) = self.pager.write_free_list().await?;
        // 5. Data durable before the meta page points at it.
        self.pager.file().sync().await?;
        // 6. The meta page into the older slot.
        let meta = Meta {
            seq: self.meta_seq + 1,
            ckpt_lsn: ckpt_lsn.0,
            replay_start,
            catalog_root: self.catalog_root,
            free_head,
            page_count: self.pager.page_count(),
        };
        let (slot, page) = meta.encode();
        self.pager.file().write_at(slot.offset(), &page[..]).await?;
        self.pager.file().sync().await?;
        // 7. The new image is durable: release old pages and WAL.
        self.meta_seq = meta.seq;
        self.pager.checkpoint_done(list_pages);
        self.durable_roots = self.roots.clone();
        self.wal.recycle_before(Lsn(replay_start)).await?;
        self.wal_bytes_at_checkpoint = self.wal.stats().bytes;
        self.last_checkpoint = Instant::now();
        Ok(())
    }
}

/// Decodes a catalog entry (tree id, root page).
pub(super) fn catalog_entry(key: &[u8], value: &[u8]) -> Option<(u64, PageId)> {
    let k: [u8; 8] = key.try_into().ok()?;
    let v: [u8; 8] = value.try_into().ok()?;
    Some((u64::from_be_bytes(k), PageId(u64::from_le_bytes(v))))
}
