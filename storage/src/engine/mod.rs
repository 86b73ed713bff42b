//! The engine: one shard's store. Commits, prepared transactions, reads, checkpoints and recovery.
//!
//! ```text
//!  commit(batch) ── validate ── WAL append (LSN n) ── apply to trees ── CommitTicket(n)
//!                                                                        └─ durable().await: group commit
//!  prepare(txn, participants, batch) ── WAL append ── kept aside (in doubt until an outcome)
//!  commit_prepared(txn) ── WAL append ── apply the kept ops      abort_prepared(txn) ── WAL append
//!  checkpoint() ── WAL durable to last LSN ── catalog ── dirty pages ── free list ── fsync ── meta ── fsync
//!  open() ── newest valid meta ── free list, catalog ── WAL scan from replay_start ── replay
//! ```
//!
//! Every method takes `&mut self`, so appends and applies are serialised; only waiting for durability
//! (`CommitTicket::durable`) runs concurrently, which is what lets group commit batch. The protocols and the
//! crash analysis are in storage/DESIGN.md; `checkpoint.rs` and `recovery.rs` hold those two paths.
//!
//! Not here: MVCC, locks and visibility (the shard crate); the engine stores the latest committed value.

mod apply;
mod checkpoint;
mod meta;
mod recovery;

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::btree;
use crate::buffer::{Pager, PagerStats};
use crate::io::{Io, IoFile};
use crate::page::PageId;
use crate::wal::record::Record;
pub use crate::wal::record::{Op, TreeId, TxnId};
use crate::wal::writer::{wait_durable, Shared, WalStats, WalWriter};
use crate::wal::Lsn;
use crate::{Result, StorageError};

/// Tuning knobs.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Buffer pool budget in real bytes: cached nodes are charged their decoded size (for small entries
    /// about 1.5× their 8 KiB page; `EngineStats::pager.cached_bytes`), at least 16 pages are kept.
    pub cache_bytes: usize,
    /// WAL segment size in bytes (multiple of 4096).
    pub wal_segment_bytes: u64,
    /// `needs_checkpoint` turns true after this many WAL bytes since the last checkpoint...
    pub checkpoint_wal_bytes: u64,
    /// ...or this much time.
    pub checkpoint_interval: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            cache_bytes: 256 << 20,
            wal_segment_bytes: 64 << 20,
            checkpoint_wal_bytes: 256 << 20,
            checkpoint_interval: Duration::from_secs(60),
        }
    }
}

impl EngineConfig {
    /// Small settings for tests on `MemIo`: 256 KiB WAL segments (the default 64 MiB segment is zero-filled
    /// in memory at every open) and a 4 MiB pool.
    pub fn for_tests() -> Self {
        Self {
            cache_bytes: 4 << 20,
            wal_segment_bytes: 256 << 10,
            ..Self::default()
        }
    }
}

/// A set of changes committed atomically.
#[derive(Clone, Debug, Default)]
pub struct WriteBatch {
    /// The changes, applied in order.
    pub ops: Vec<Op>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a put.
    pub fn put(&mut self, tree: TreeId, key: &[u8], value: &[u8]) -> &mut Self {
        self.ops.push(Op::Put {
            tree,
            key: key.to_vec(),
            value: value.to_vec(),
        });
        self
    }
    /// Adds a delete.
    pub fn delete(&mut self, tree: TreeId, key: &[u8]) -> &mut Self {
        self.ops.push(Op::Delete {
            tree,
            key: key.to_vec(),
        });
        self
    }
    /// Adds a tree creation.
    pub fn create_tree(&mut self, tree: TreeId) -> &mut Self {
        self.ops.push(Op::CreateTree(tree));
        self
    }
    /// Adds a tree drop.
    pub fn drop_tree(&mut self, tree: TreeId) -> &mut Self {
        self.ops.push(Op::DropTree(tree));
        self
    }
}

/// A logged commit; `durable()` resolves once its WAL record is on disk.
#[must_use = "a commit is acknowledged only once durable() resolves"]
pub struct CommitTicket<F: IoFile> {
    shared: Rc<Shared<F>>,
    lsn: Lsn,
}

impl<F: IoFile> CommitTicket<F> {
    /// The record's LSN.
    pub fn lsn(&self) -> Lsn {
        self.lsn
    }
    /// Waits until the record is durable (batched with concurrent commits).
    pub async fn durable(self) -> Result<()> {
        wait_durable(&self.shared, self.lsn).await
    }
}

/// A prepared transaction without an outcome yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InDoubt {
    /// Transaction.
    pub txn: TxnId,
    /// Participating shards.
    pub participants: Vec<u32>,
    /// LSN of the prepared record.
    pub lsn: Lsn,
    /// The changes it will apply if committed.
    pub ops: Vec<Op>,
}

/// Counters.
#[derive(Clone, Copy, Debug)]
pub struct EngineStats {
    /// Buffer pool.
    pub pager: PagerStats,
    /// WAL.
    pub wal: WalStats,
    /// Records replayed at open.
    pub replayed: u64,
}

/// One shard's store.
pub struct Engine<I: Io> {
    cfg: EngineConfig,
    pager: Pager<I::File>,
    wal: WalWriter<I>,
    roots: BTreeMap<TreeId, PageId>,
    durable_roots: BTreeMap<TreeId, PageId>,
    catalog_root: PageId,
    prepared: BTreeMap<TxnId, InDoubt>,
    meta_seq: u64,
    poisoned: bool,
    wal_bytes_at_checkpoint: u64,
    last_checkpoint: Instant,
    replayed: u64,
}

impl<I: Io> Engine<I> {
    /// Refuses to work after a fatal error.
    fn check(&self) -> Result<()> {
        if self.poisoned {
            return Err(StorageError::Poisoned);
        }
        Ok(())
    }

    /// Marks the engine unusable if `r` is a fatal error.
    fn poison_on<T>(&mut self, r: Result<T>) -> Result<T> {
        if let Err(e) = &r {
            if e.is_fatal() {
                self.poisoned = true;
            }
        }
        r
    }

    /// Commits a single-shard transaction: logged and applied now, durable once the ticket resolves.
    pub async fn commit(&mut self, batch: WriteBatch) -> Result<CommitTicket<I::File>> {
        self.check()?;
        self.validate(&batch.ops)?;
        let rec = Record::Commit(batch.ops);
        let lsn = self.wal.append(&rec).await;
        let lsn = self.poison_on(lsn)?;
        let Record::Commit(ops) = rec else {
            return Err(StorageError::Internal("record changed kind".into()));
        };
        let applied = self.apply(&ops).await;
        self.poison_on(applied)?;
        Ok(self.ticket(lsn))
    }

    /// Logs a multi-shard participant's vote with its changes; they apply at `commit_prepared`. The ops are
    /// validated now against the current trees; the caller's locks must keep them valid until the outcome
    /// (a prepared put into a tree dropped meanwhile fails at `commit_prepared` and poisons the engine).
    pub async fn prepare(
        &mut self,
        txn: TxnId,
        participants: Vec<u32>,
        batch: WriteBatch,
    ) -> Result<CommitTicket<I::File>> {
        self.check()?;
        if self.prepared.contains_key(&txn) {
            return Err(StorageError::Internal(format!(
                "transaction {} prepared twice",
                txn.0
            )));
        }
        self.validate(&batch.ops)?;
        let rec = Record::Prepared {
            txn,
            participants,
            ops: batch.ops,
        };
        let lsn = self.wal.append(&rec).await;
        let lsn = self.poison_on(lsn)?;
        let Record::Prepared {
            participants, ops, ..
        } = rec
        else {
            return Err(StorageError::Internal("record changed kind".into()));
        };
        self.prepared.insert(
            txn,
            InDoubt {
                txn,
                participants,
                lsn,
                ops,
            },
        );
        Ok(self.ticket(lsn))
    }

    /// Logs the commit outcome of a prepared transaction and applies its changes.
    pub async fn commit_prepared(&mut self, txn: TxnId) -> Result<CommitTicket<I::File>> {
        self.check()?;
        let Some(p) = self.prepared.remove(&txn) else {
            return Err(StorageError::NotPrepared(txn.0));
        };
        let lsn = self.wal.append(&Record::CommitPrepared(txn)).await;
        let lsn = self.poison_on(lsn)?;
        let applied = self.apply(&p.ops).await;
        self.poison_on(applied)?;
        Ok(self.ticket(lsn))
    }

    /// Logs the abort outcome of a prepared transaction.
    pub async fn abort_prepared(&mut self, txn: TxnId) -> Result<CommitTicket<I::File>> {
        self.check()?;
        if self.prepared.remove(&txn).is_none() {
            return Err(StorageError::NotPrepared(txn.0));
        }
        let lsn = self.wal.append(&Record::AbortPrepared(txn)).await;
        let lsn = self.poison_on(lsn)?;
        Ok(self.ticket(lsn))
    }

    /// Prepared transactions without an outcome (after recovery: ask their participants).
    pub fn in_doubt(&self) -> Vec<InDoubt> {
        self.prepared.values().cloned().collect()
    }

    /// One prepared transaction without an outcome yet, if `txn` is one.
    pub fn prepared(&self, txn: TxnId) -> Option<&InDoubt> {
        self.prepared.get(&txn)
    }

    /// A ticket that resolves once everything up to `lsn` (already logged) is durable.
    pub fn ticket(&self, lsn: Lsn) -> CommitTicket<I::File> {
        CommitTicket {
            shared: self.wal.shared(),
            lsn,
        }
    }

    /// Waits until everything logged so far is durable.
    pub async fn sync(&mut self) -> Result<()> {
        self.check()?;
        let lsn = self.wal.last_lsn();
        wait_durable(&self.wal.shared(), lsn).await
    }

    /// Clean shutdown: makes everything logged durable. (No checkpoint: reopening replays the WAL tail.)
    pub async fn close(mut self) -> Result<()> {
        self.sync().await
    }

    /// Checks a batch so that applying it (and replaying it) cannot fail.
    fn validate(&self, ops: &[Op]) -> Result<()> {
        let mut created = HashSet::new();
        let mut dropped = HashSet::new();
        let exists = |t: &TreeId, created: &HashSet<TreeId>, dropped: &HashSet<TreeId>| {
            created.contains(t) || (self.roots.contains_key(t) && !dropped.contains(t))
        };
        for op in ops {
            match op {
                Op::Put { tree, key, .. } | Op::Delete { tree, key } => {
                    btree::check_key(key)?;
                    if !exists(tree, &created, &dropped) {
                        return Err(StorageError::NoSuchTree(tree.0));
                    }
                }
                Op::CreateTree(tree) => {
                    if tree.0 == 0 || exists(tree, &created, &dropped) {
                        return Err(StorageError::TreeExists(tree.0));
                    }
                    created.insert(*tree);
                }
                Op::DropTree(tree) => {
                    if !exists(tree, &created, &dropped) {
                        return Err(StorageError::NoSuchTree(tree.0));
                    }
                    created.remove(tree);
                    dropped.insert(*tree);
                }
            }
        }
        Ok(())
    }

    /// The value of `key` in `tree`.
    pub async fn get(&mut self, tree: TreeId, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.check()?;
        let root = self.root(tree)?;
        let r = btree::get(&mut self.pager, root, key).await;
        self.poison_on(r)
    }

    /// Looks up `key` in `tree` and passes the value to `f` without copying it into a new buffer (row
    /// decoding straight from the cached node).
    pub async fn get_with<R>(
        &mut self,
        tree: TreeId,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>> {
        self.check()?;
        let root = self.root(tree)?;
        let r = btree::get_with(&mut self.pager, root, key, f).await;
        self.poison_on(r)
    }

    /// Up to `limit` entries of `tree` with keys within (`lo`, `hi`), ascending or descending. Continue a
    /// scan by calling again with the bound just past the last key returned.
    pub async fn scan(
        &mut self,
        tree: TreeId,
        lo: Bound<&[u8]>,
        hi: Bound<&[u8]>,
        reverse: bool,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.check()?;
        let root = self.root(tree)?;
        let r = btree::range(&mut self.pager, root, lo, hi, reverse, limit).await;
        self.poison_on(r)
    }

    /// Whether `tree` exists.
    pub fn has_tree(&self, tree: TreeId) -> bool {
        self.roots.contains_key(&tree)
    }

    /// Ids of all trees.
    pub fn trees(&self) -> Vec<TreeId> {
        self.roots.keys().copied().collect()
    }

    fn root(&self, tree: TreeId) -> Result<PageId> {
        self.roots
            .get(&tree)
            .copied()
            .ok_or(StorageError::NoSuchTree(tree.0))
    }

    /// Creates `tree` from entries sorted by strictly ascending key, building leaves directly (COPY into a
    /// new table, CREATE INDEX). The rows are not logged: the call ends with a checkpoint, so the tree is
    /// durable (and exists at all after a crash) only once this returns. Input that is not strictly
    /// ascending is a caller bug: the call fails and poisons the engine (reopen to continue).
    pub async fn bulk_load<It>(&mut self, tree: TreeId, entries: It) -> Result<()>
    where
        It: IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
    {
        self.check()?;
        self.validate(&[Op::CreateTree(tree)])?;
        let root = btree::bulk_load(&mut self.pager, entries).await;
        let root = self.poison_on(root)?;
        self.roots.insert(tree, root);
        self.checkpoint().await
    }

    /// Whether the WAL or the clock says a checkpoint is due (the shard's timer calls `checkpoint`).
    pub fn needs_checkpoint(&self) -> bool {
        self.wal.stats().bytes - self.wal_bytes_at_checkpoint >= self.cfg.checkpoint_wal_bytes
            || self.last_checkpoint.elapsed() >= self.cfg.checkpoint_interval
    }

    /// Takes a checkpoint if `needs_checkpoint` says one is due; returns whether it did.
    pub async fn maybe_checkpoint(&mut self) -> Result<bool> {
        if !self.needs_checkpoint() {
            return Ok(false);
        }
        self.checkpoint().await?;
        Ok(true)
    }

    /// Counters.
    pub fn stats(&self) -> EngineStats {
        EngineStats {
            pager: self.pager.stats(),
            wal: self.wal.stats(),
            replayed: self.replayed,
        }
    }

    /// Whether everything up to `lsn` is durable.
    pub fn is_durable(&self, lsn: Lsn) -> bool {
        self.wal.durable_lsn() >= lsn
    }

    /// The LSN of the last logged record.
    pub fn last_lsn(&self) -> Lsn {
        self.wal.last_lsn()
    }

    /// Pages in the data file's address space and pages free in it.
    pub fn space(&self) -> (u64, usize) {
        (self.pager.page_count(), self.pager.free_page_count())
    }
}
