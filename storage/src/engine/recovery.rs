//! Opening a shard: newest valid checkpoint, then replay of the WAL after it (storage/DESIGN.md,
//! "Recovery"). A new store is initialised by an ordinary checkpoint of an empty catalog.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::Instant;

use super::checkpoint::catalog_entry;
use super::meta::{self, Meta};
use super::{Engine, EngineConfig, InDoubt, TreeId};
use crate::btree;
use crate::buffer::{read_free_list, Pager};
use crate::io::{Io, IoFile};
use crate::page::{PageId, PAGE_SIZE};
use crate::wal::record::Record;
use crate::wal::recovery::scan;
use crate::wal::writer::WalWriter;
use crate::wal::{check_segment_size, Lsn};
use crate::{Result, StorageError};

impl<I: Io> Engine<I> {
    /// Opens (or creates) the store in `io`, recovering from the last checkpoint and the WAL.
    pub async fn open(io: I, cfg: EngineConfig) -> Result<Self> {
        check_segment_size(cfg.wal_segment_bytes)?;
        let file = io.open("data", true).await?;
        let file_len = file.size().await?;
        let meta = meta::read_newest(&file).await?;
        if meta.is_none() && file_len > 2 * PAGE_SIZE as u64 {
            return Err(StorageError::Corrupted(
                "no valid meta page in a non-empty data file".into(),
            ));
        }
        let fresh = meta.is_none();
        let meta = meta.unwrap_or(Meta {
            seq: 0,
            ckpt_lsn: 0,
            replay_start: 1,
            catalog_root: PageId(0),
            free_head: PageId(0),
            page_count: 0,
        });
        let (free, list_pages) = read_free_list(&file, meta.free_head, meta.page_count).await?;
        let mut pager = Pager::new(file, meta.page_count, free, list_pages, cfg.cache_bytes);
        let catalog_root = if fresh {
            btree::create(&mut pager).await?
        } else {
            meta.catalog_root
        };
        let mut roots = BTreeMap::new();
        let mut from: Option<Vec<u8>> = None;
        loop {
            let lo = from.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
            let batch =
                btree::range(&mut pager, catalog_root, lo, Bound::Unbounded, false, 1024).await?;
            let Some((last, _)) = batch.last() else {
                break;
            };
            from = Some(last.clone());
            for (k, v) in &batch {
                let (tree, root) = catalog_entry(k, v)
                    .ok_or_else(|| StorageError::Corrupted("malformed catalog entry".into()))?;
                roots.insert(TreeId(tree), root);
            }
        }
        let scanned = scan(&io, Lsn(meta.replay_start), Lsn(meta.ckpt_lsn)).await?;
        if scanned.start.next_lsn <= meta.ckpt_lsn {
            return Err(StorageError::Corrupted(format!(
                "WAL ends at LSN {} before the checkpoint at {}",
                scanned.start.next_lsn - 1,
                meta.ckpt_lsn
            )));
        }
        let wal = WalWriter::start(io, cfg.wal_segment_bytes, scanned.start).await?;
        let mut engine = Engine {
            cfg,
            pager,
            wal,
            durable_roots: roots.clone(),
            roots,
            catalog_root,
            prepared: BTreeMap::new(),
            meta_seq: meta.seq,
            poisoned: false,
            wal_bytes_at_checkpoint: 0,
            last_checkpoint: Instant::now(),
            replayed: 0,
        };
        for (lsn, rec) in scanned.records {
            engine.replay(lsn, rec, meta.ckpt_lsn).await?;
        }
        if fresh {
            engine.checkpoint().await?;
        }
        Ok(engine)
    }

    async fn replay(&mut self, lsn: Lsn, rec: Record, ckpt_lsn: u64) -> Result<()> {
        let after_ckpt = lsn.0 > ckpt_lsn;
        match rec {
            Record::Commit(ops) => {
                if after_ckpt {
                    self.apply(&ops).await?;
                    self.replayed += 1;
                }
            }
            Record::Prepared {
                txn,
                participants,
                ops,
            } => {
                self.prepared.insert(
                    txn,
                    InDoubt {
                        txn,
                        participants,
                        lsn,
                        ops,
                    },
                );
            }
            Record::CommitPrepared(txn) => {
                let p = self.prepared.remove(&txn);
                if after_ckpt {
                    let p = p.ok_or_else(|| {
                        StorageError::Corrupted(format!(
                            "commit of transaction {} that was never prepared",
                            txn.0
                        ))
                    })?;
                    self.apply(&p.ops).await?;
                    self.replayed += 1;
                }
            }
            Record::AbortPrepared(txn) => {
                self.prepared.remove(&txn);
            }
            Record::Synced(_) => {}
        }
        Ok(())
    }
}
