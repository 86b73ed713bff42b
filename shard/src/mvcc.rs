//! Snapshots: which committed version of a row a transaction sees, and the old versions a shard
//! keeps for that.
//!
//! # Timestamps
//! One monotonic [`Clock`] serves the whole server: a lock-free counter shared by every core (the
//! only shared word this needs; no lock, no message). A snapshot is the clock's current value `s`;
//! it sees exactly the versions committed at `ts <= s`. A commit takes `ts = tick()` (the counter
//! plus one), so a snapshot taken after the commit's tick sees it and one taken before does not.
//!
//! # Versions
//! The B+tree holds each row's newest committed version (no-steal: uncommitted writes stay in write
//! sets). Each shard keeps, in memory, a chain for every row it changed recently: the newest
//! version's commit timestamp and the older values with the timestamps they were committed at. A
//! row without a chain has not changed since every live snapshot was taken, so its B+tree version is
//! what everybody sees. A chain whose newest version every live snapshot sees is dropped, and so are
//! versions no live snapshot can reach (garbage collection, [`Versions::collect`]); the oldest live
//! snapshot of the whole server (the horizon) comes from the cores' published minimums (`server`).
//!
//! ```text
//!  key k:  v0 (before the horizon) ── T1 commits v1 at ts 10 ── T2 commits v2 at ts 17
//!  chain:  latest = 17, older = [(0, v0), (10, v1)]          B+tree: v2
//!  snapshot  8 → v0     snapshot 12 → v1     snapshot 20 → v2 (B+tree)
//!  horizon 12: (0, v0) is dropped; horizon 17: the chain is dropped
//! ```
//!
//! # One shard's commit
//! ```text
//!  session ── Commit{txn} ──► shard: ts = tick(); apply to the B+tree; chain(k).push(old, ts)
//!                                     (in one handler: no request sees the tick without the apply)
//! ```
//!
//! # Several shards' commit (see `commit.rs`)
//! ```text
//!  session ── Prepare ──► each participant: WAL(prepared); prepared_at = clock.now()
//!          ◄─ Prepared ─ (all durable)
//!          ts = tick()  (greater than every prepared_at)
//!          ── CommitPrepared{txn, ts} ──► apply; chain(k).push(old, ts)
//!  reader with snapshot s meets a row written by a prepared transaction:
//!     s <= prepared_at  → s < ts whatever happens: read the committed version, no wait
//!     s >  prepared_at  → the outcome decides what s sees: the request waits until it is known
//! ```
//! A participant that has applied the commit while another has not yet received it cannot mislead
//! a reader: on the late participant the transaction is still prepared, so the reader waits there.
//!
//! # Isolation levels built on this
//! READ COMMITTED takes a snapshot per statement, REPEATABLE READ one per transaction (at its first
//! statement), SERIALIZABLE is REPEATABLE READ: snapshot isolation. Writers lock rows and re-check
//! the newest version (`dml.rs`); under a transaction snapshot a row changed after the snapshot
//! fails with 40001, so no update is lost and no read is unrepeatable or phantom. Snapshot isolation
//! still allows write skew and the read-only anomaly, which PostgreSQL's SERIALIZABLE (SSI) prevents
//! and ours does not: our SERIALIZABLE guarantees what REPEATABLE READ does, no more.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pglitedb_storage::io::Io;
use pglitedb_storage::TreeId;

use crate::error::Result;
use crate::shard::{Shard, SCAN_BATCH};
use crate::txn::{Ts, WriteSet};

/// The server's one monotonic timestamp source (module docs). Cloning shares it.
#[derive(Debug, Clone)]
pub struct Clock(Arc<AtomicU64>);

impl Default for Clock {
    fn default() -> Self {
        Clock(Arc::new(AtomicU64::new(1)))
    }
}

impl Clock {
    /// A snapshot: sees every commit whose tick happened before.
    pub fn now(&self) -> Ts {
        self.0.load(Ordering::SeqCst)
    }

    /// A commit timestamp, greater than every snapshot taken so far.
    pub fn tick(&self) -> Ts {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

#[derive(Debug)]
struct Chain {
    /// Commit timestamp of the newest version (the B+tree's).
    latest: Ts,
    /// Older versions, oldest first: the timestamp each was committed at (0: before the horizon)
    /// and its value (`None`: the row did not exist).
    older: Vec<(Ts, Option<Vec<u8>>)>,
}

/// A shard's recent versions (module docs).
#[derive(Debug, Default)]
pub struct Versions {
    trees: HashMap<u64, BTreeMap<Vec<u8>, Chain>>,
    /// Changed rows in commit order, for garbage collection.
    queue: VecDeque<(Ts, u64, Vec<u8>)>,
}

/// What a snapshot reads for one row.
enum Seen<'a> {
    /// The B+tree's version.
    Newest,
    Old(Option<&'a Vec<u8>>),
}

impl Versions {
    /// Records a committed write set: every row it changed got a new version at `ts`.
    pub fn record(&mut self, set: &WriteSet, ts: Ts) {
        for ((tree, key), p) in &set.writes {
            let chain = self
                .trees
                .entry(*tree)
                .or_default()
                .entry(key.clone())
                .or_insert(Chain {
                    latest: 0,
                    older: Vec::new(),
                });
            chain.older.push((chain.latest, p.old.clone()));
            chain.latest = ts;
            self.queue.push_back((ts, *tree, key.clone()));
        }
    }

    fn seen(&self, tree: TreeId, key: &[u8], at: Ts) -> Seen<'_> {
        match self.trees.get(&tree.0).and_then(|t| t.get(key)) {
            Some(c) if c.latest > at => Seen::Old(Self::old(c, at)),
            _ => Seen::Newest,
        }
    }

    fn old(c: &Chain, at: Ts) -> Option<&Vec<u8>> {
        // The newest older version committed at or before `at`; the oldest kept one otherwise
        // (garbage collection never drops a version a live snapshot needs).
        c.older
            .iter()
            .rev()
            .find(|(ts, _)| *ts <= at)
            .or(c.older.first())
            .and_then(|(_, v)| v.as_ref())
    }

    /// Whether the row has a version committed after `at`.
    pub fn changed_since(&self, tree: TreeId, key: &[u8], at: Ts) -> bool {
        matches!(self.seen(tree, key, at), Seen::Old(_))
    }

    /// Drops what no snapshot at or after `horizon` can see.
    pub fn collect(&mut self, horizon: Ts) {
        while self.queue.front().is_some_and(|(ts, _, _)| *ts <= horizon) {
            let Some((_, tree, key)) = self.queue.pop_front() else {
                break;
            };
            let Some(t) = self.trees.get_mut(&tree) else {
                continue;
            };
            let Some(c) = t.get_mut(&key) else { continue };
            if c.latest <= horizon {
                t.remove(&key);
                if t.is_empty() {
                    self.trees.remove(&tree);
                }
            } else if let Some(i) = c.older.iter().rposition(|(ts, _)| *ts <= horizon) {
                c.older.drain(..i);
            }
        }
    }

    /// Rows with a chain (for tests and statistics).
    pub fn chains(&self) -> usize {
        self.trees.values().map(BTreeMap::len).sum()
    }

    /// Forgets a dropped tree's versions.
    pub fn drop_tree(&mut self, tree: TreeId) {
        self.trees.remove(&tree.0);
    }
}

impl<I: Io> Shard<I> {
    /// The committed version of a row that snapshot `at` sees (`None`: the newest).
    pub(crate) async fn committed(
        &mut self,
        tree: TreeId,
        key: &[u8],
        at: Option<Ts>,
    ) -> Result<Option<Vec<u8>>> {
        if let Some(at) = at {
            if let Seen::Old(v) = self.versions.seen(tree, key, at) {
                return Ok(v.cloned());
            }
        }
        Ok(self.engine.get(tree, key).await?)
    }

    /// Every committed row of a tree that snapshot `at` sees, by key.
    pub(crate) async fn committed_scan(
        &mut self,
        tree: TreeId,
        at: Ts,
    ) -> Result<BTreeMap<Vec<u8>, Vec<u8>>> {
        self.committed_range(tree, None, None, at).await
    }

    /// The committed rows of a tree that snapshot `at` sees with keys in `[from, to)` (`None`:
    /// unbounded), by key.
    pub(crate) async fn committed_range(
        &mut self,
        tree: TreeId,
        from: Option<&[u8]>,
        to: Option<&[u8]>,
        at: Ts,
    ) -> Result<BTreeMap<Vec<u8>, Vec<u8>>> {
        let in_range = |k: &[u8]| from.is_none_or(|f| k >= f) && to.is_none_or(|t| k < t);
        let hi = to.map_or(Bound::Unbounded, Bound::Excluded);
        let mut rows: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut lo: Option<Vec<u8>> = None;
        loop {
            let lo_ref = match (&lo, from) {
                (Some(k), _) => Bound::Excluded(k.as_slice()),
                (None, Some(f)) => Bound::Included(f),
                (None, None) => Bound::Unbounded,
            };
            let batch = self
                .engine
                .scan(tree, lo_ref, hi, false, SCAN_BATCH)
                .await?;
            let full = batch.len() == SCAN_BATCH;
            lo = batch.last().map(|(k, _)| k.clone());
            rows.extend(batch);
            if !full {
                break;
            }
        }
        if let Some(chains) = self.versions.trees.get(&tree.0) {
            for (k, c) in chains.iter().filter(|(k, c)| c.latest > at && in_range(k)) {
                match Versions::old(c, at) {
                    Some(v) => rows.insert(k.clone(), v.clone()),
                    None => rows.remove(k),
                };
            }
        }
        Ok(rows)
    }

    /// Whether the row has a committed version newer than snapshot `at`.
    pub(crate) fn changed_since(&self, tree: TreeId, key: &[u8], at: Ts) -> bool {
        self.versions.changed_since(tree, key, at)
    }

    /// Garbage-collects versions no snapshot at or after `horizon` needs.
    pub fn collect_versions(&mut self, horizon: Ts) {
        self.versions.collect(horizon);
    }

    /// Rows with old versions kept in memory.
    pub fn version_chains(&self) -> usize {
        self.versions.chains()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::txn::{Pending, TxnTable};

    fn set(key: &[u8], value: &str, old: Option<&str>) -> WriteSet {
        let mut s = WriteSet::default();
        s.writes.insert(
            (1000, key.to_vec()),
            Pending {
                value: Some(value.as_bytes().to_vec()),
                old: old.map(|o| o.as_bytes().to_vec()),
            },
        );
        s
    }

    #[test]
    fn snapshots_see_the_version_of_their_time_and_gc_keeps_what_they_need() {
        let _ = TxnTable::default();
        let mut v = Versions::default();
        let tree = TreeId(1000);
        v.record(&set(b"k", "v1", Some("v0")), 10);
        v.record(&set(b"k", "v2", Some("v1")), 17);
        let read = |v: &Versions, at| match v.seen(tree, b"k", at) {
            Seen::Newest => "newest".to_string(),
            Seen::Old(x) => x.map_or("none".into(), |b| String::from_utf8_lossy(b).into()),
        };
        assert_eq!(read(&v, 8), "v0");
        assert_eq!(read(&v, 12), "v1");
        assert_eq!(read(&v, 17), "newest");
        assert!(v.changed_since(tree, b"k", 12));
        v.collect(12);
        assert_eq!(read(&v, 12), "v1", "a snapshot at the horizon still reads");
        assert_eq!(v.chains(), 1);
        v.collect(17);
        assert_eq!(v.chains(), 0, "every snapshot sees the newest version");
        assert_eq!(read(&v, 17), "newest");
    }

    #[test]
    fn a_row_created_after_a_snapshot_is_absent_from_it() {
        let mut v = Versions::default();
        v.record(&set(b"n", "new", None), 5);
        assert!(matches!(v.seen(TreeId(1000), b"n", 4), Seen::Old(None)));
    }
}
