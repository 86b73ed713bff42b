//! Transactions on one shard: private write sets, savepoint marks and row locks.
//!
//! # Model (no-steal, redo-only)
//! A transaction's changes stay in its write set, in memory, until it commits; the B+tree only ever
//! holds committed data, so recovery only redoes. Readers see a snapshot of committed rows (see
//! `mvcc.rs`), overlaid with their own transaction's writes.
//!
//! # Row locks
//! Four strengths, as PostgreSQL's row locks (`FOR KEY SHARE` < `FOR SHARE` < `FOR NO KEY UPDATE` <
//! `FOR UPDATE`), with PostgreSQL's conflict table:
//!
//! ```text
//!                 KEY SHARE  SHARE  NO KEY UPDATE  UPDATE
//!  KEY SHARE                                         X
//!  SHARE                            X              X
//!  NO KEY UPDATE             X      X              X
//!  UPDATE             X      X      X              X
//! ```
//!
//! INSERT and DELETE take `UPDATE`, an UPDATE that leaves the key alone `NO KEY UPDATE`. A lock is
//! kept until the transaction ends (or a savepoint before it is rolled back to). A request that meets
//! a conflicting lock does not proceed: it is parked by the runtime and retried when a transaction
//! ends here, after which it re-reads the row's newest committed version and re-checks its WHERE
//! clause — PostgreSQL's READ COMMITTED behaviour, so `UPDATE t SET x = x + 1` never loses an update.
//!
//! ```text
//!  T1: lock(k) ─ write ────────────── commit ─ release(k)
//!  T2:        lock(k) → Blocked(T1)  ···wait···  retry: lock(k) ─ re-read k (T1's value) ─ write
//! ```
//!
//! # Savepoints
//! The session numbers each SAVEPOINT of a transaction (1, 2, ...; never reused within it) and sends
//! the innermost live one's number (`sub`) with every write. The first change a write set sees under
//! a number greater than its last mark pushes a mark `(sub, undo position)`; from then on each change
//! records how to undo it (the previous pending value, the previous lock strength). ROLLBACK TO
//! savepoint `s` undoes, newest first, everything after the first mark numbered `s` or more: every
//! change made while `s` (or a savepoint opened after it) was the innermost one. Changes made with no
//! savepoint (`sub` 0) are never undone this way, so they record nothing.
//!
//! Deadlocks: a cycle among one shard's waiters is detected when a request blocks; a wait that lasts
//! longer than the deadlock timeout is answered with 40P01 as well (cycles that span shards — a
//! conservative stand-in for global cycle detection).

use std::collections::{BTreeMap, HashMap};

use pglitedb_storage::{TreeId, TxnId, WriteBatch};

/// A commit timestamp or snapshot, from the server's one monotonic clock. A snapshot `s` sees every
/// version committed at `ts <= s`.
pub type Ts = u64;

/// Isolation level of a transaction, as PostgreSQL names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Isolation {
    #[default]
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

/// What a request knows about the transaction it runs in. Small and `Copy`: it travels with every
/// read and write request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnCtx {
    pub id: TxnId,
    /// The innermost live savepoint's number, 0 outside any savepoint (see the module docs).
    pub sub: u32,
    /// The snapshot reads see (the statement's under READ COMMITTED, the transaction's otherwise).
    pub snapshot: Ts,
    pub isolation: Isolation,
    /// `lock_timeout` in milliseconds, 0 for none.
    pub lock_timeout_ms: u32,
}

impl TxnCtx {
    /// A context for tests and tools: READ COMMITTED, no savepoint, snapshot `snapshot`.
    pub fn new(id: TxnId, snapshot: Ts) -> TxnCtx {
        TxnCtx {
            id,
            sub: 0,
            snapshot,
            isolation: Isolation::ReadCommitted,
            lock_timeout_ms: 0,
        }
    }

    /// Whether a write that meets a version newer than the snapshot must fail with 40001.
    pub fn snapshot_per_txn(&self) -> bool {
        self.isolation != Isolation::ReadCommitted
    }
}

/// A row lock strength; the order is PostgreSQL's (weakest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    KeyShare,
    Share,
    NoKeyUpdate,
    Update,
}

impl LockMode {
    /// PostgreSQL's row-lock conflict table (module docs).
    pub fn conflicts(self, other: LockMode) -> bool {
        use LockMode::*;
        !matches!(
            (self.min(other), self.max(other)),
            (KeyShare, KeyShare | Share | NoKeyUpdate) | (Share, Share)
        )
    }
}

/// What a reader does with a row another transaction has locked in a conflicting mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockWait {
    Block,
    /// Fail with 55P03.
    Nowait,
    /// Leave the row out.
    SkipLocked,
}

/// A pending change: the new value (`None` deletes) and the committed value it replaces (kept for
/// the version history at commit, see `mvcc.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub value: Option<Vec<u8>>,
    pub old: Option<Vec<u8>>,
}

#[derive(Debug)]
enum Undo {
    Write {
        key: (u64, Vec<u8>),
        prev: Option<Pending>,
    },
    Lock {
        key: (u64, Vec<u8>),
        prev: Option<LockMode>,
    },
}

/// One transaction's state on this shard.
#[derive(Debug, Default)]
pub struct WriteSet {
    pub writes: BTreeMap<(u64, Vec<u8>), Pending>,
    locks: Vec<(u64, Vec<u8>)>,
    undo: Vec<Undo>,
    marks: Vec<(u32, usize)>,
    /// Set once prepared: the clock when the prepare was handled here. Its commit timestamp will be
    /// greater, so snapshots up to this one may ignore its writes.
    pub prepared_at: Option<Ts>,
}

impl WriteSet {
    /// The batch that commits these changes.
    pub fn batch(&self) -> WriteBatch {
        let mut b = WriteBatch::new();
        for ((tree, key), p) in &self.writes {
            match &p.value {
                Some(v) => b.put(TreeId(*tree), key, v),
                None => b.delete(TreeId(*tree), key),
            };
        }
        b
    }

    /// This transaction's pending value for a key: `Some(Some(v))` put, `Some(None)` deleted, `None`
    /// untouched.
    pub fn get(&self, tree: TreeId, key: &[u8]) -> Option<Option<&Vec<u8>>> {
        self.writes
            .get(&(tree.0, key.to_vec()))
            .map(|p| p.value.as_ref())
    }

    /// The pending changes to one tree, in key order.
    pub fn tree_writes(&self, tree: TreeId) -> impl Iterator<Item = (&Vec<u8>, &Option<Vec<u8>>)> {
        self.writes
            .range((tree.0, Vec::new())..)
            .take_while(move |((t, _), _)| *t == tree.0)
            .map(|((_, k), p)| (k, &p.value))
    }

    /// Whether there is nothing to commit.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// Pushes a savepoint mark if `sub` is newer than the last one; whether changes must be undoable.
    fn mark(&mut self, sub: u32) -> bool {
        if sub == 0 {
            return false;
        }
        if self.marks.last().is_none_or(|(s, _)| *s < sub) {
            self.marks.push((sub, self.undo.len()));
        }
        true
    }
}

/// Outcome of trying to lock a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockResult {
    Acquired,
    /// Held by another transaction in a conflicting mode.
    HeldBy(TxnId),
}

/// The transactions holding a row's lock, each with its strength.
type Holders = Vec<(TxnId, LockMode)>;

/// The shard's transactions and row locks.
#[derive(Debug, Default)]
pub struct TxnTable {
    sets: HashMap<TxnId, WriteSet>,
    locks: HashMap<(u64, Vec<u8>), Holders>,
}

impl TxnTable {
    /// Takes (or re-enters, or strengthens) the lock on a row for `txn`.
    pub fn lock(&mut self, txn: &TxnCtx, tree: TreeId, key: &[u8], mode: LockMode) -> LockResult {
        let k = (tree.0, key.to_vec());
        let holders = self.locks.entry(k.clone()).or_default();
        let mine = holders.iter().position(|(t, _)| *t == txn.id);
        let prev = mine.map(|i| holders[i].1);
        if prev.is_some_and(|m| m >= mode) {
            return LockResult::Acquired;
        }
        if let Some((other, _)) = holders
            .iter()
            .find(|(t, m)| *t != txn.id && m.conflicts(mode))
        {
            return LockResult::HeldBy(*other);
        }
        match mine {
            Some(i) => holders[i].1 = mode,
            None => holders.push((txn.id, mode)),
        }
        let set = self.sets.entry(txn.id).or_default();
        if prev.is_none() {
            set.locks.push(k.clone());
        }
        if set.mark(txn.sub) {
            set.undo.push(Undo::Lock { key: k, prev });
        }
        LockResult::Acquired
    }

    /// The transaction other than `txn` that holds a lock on the row conflicting with `mode`.
    pub fn conflicting(
        &self,
        txn: TxnId,
        tree: TreeId,
        key: &[u8],
        mode: LockMode,
    ) -> Option<TxnId> {
        self.locks
            .get(&(tree.0, key.to_vec()))?
            .iter()
            .find(|(t, m)| *t != txn && m.conflicts(mode))
            .map(|(t, _)| *t)
    }

    /// Records a put (`Some`) or delete (`None`) in `txn`'s write set, replacing the committed value
    /// `old`. The row must be locked by it.
    pub fn stage(
        &mut self,
        txn: &TxnCtx,
        tree: TreeId,
        key: Vec<u8>,
        value: Option<Vec<u8>>,
        old: Option<Vec<u8>>,
    ) {
        let set = self.sets.entry(txn.id).or_default();
        let k = (tree.0, key);
        let old = match set.writes.get(&k) {
            Some(p) => p.old.clone(),
            None => old,
        };
        let prev = set.writes.insert(k.clone(), Pending { value, old });
        if set.mark(txn.sub) {
            set.undo.push(Undo::Write { key: k, prev });
        }
    }

    /// ROLLBACK TO savepoint `sub`: undoes `txn`'s changes and locks since it (module docs).
    /// Returns whether a lock was released.
    pub fn rollback_to(&mut self, txn: TxnId, sub: u32) -> bool {
        let Some(set) = self.sets.get_mut(&txn) else {
            return false;
        };
        let Some(i) = set.marks.iter().position(|(s, _)| *s >= sub) else {
            return false;
        };
        let from = set.marks[i].1;
        set.marks.truncate(i);
        let mut released = false;
        for undo in set.undo.drain(from..).rev() {
            match undo {
                Undo::Write { key, prev } => match prev {
                    Some(p) => {
                        set.writes.insert(key, p);
                    }
                    None => {
                        set.writes.remove(&key);
                    }
                },
                Undo::Lock { key, prev } => {
                    released = true;
                    let holders = self.locks.entry(key.clone()).or_default();
                    match prev {
                        Some(m) => {
                            if let Some(h) = holders.iter_mut().find(|(t, _)| *t == txn) {
                                h.1 = m;
                            }
                        }
                        None => {
                            holders.retain(|(t, _)| *t != txn);
                            if holders.is_empty() {
                                self.locks.remove(&key);
                            }
                            if let Some(p) = set.locks.iter().rposition(|k| *k == key) {
                                set.locks.swap_remove(p);
                            }
                        }
                    }
                }
            }
        }
        released
    }

    /// The write set of `txn`, if it has one here.
    pub fn set(&self, txn: TxnId) -> Option<&WriteSet> {
        self.sets.get(&txn)
    }

    /// Marks `txn` prepared at clock value `at` (see [`WriteSet::prepared_at`]).
    pub fn set_prepared(&mut self, txn: TxnId, at: Ts) {
        self.sets.entry(txn).or_default().prepared_at = Some(at);
    }

    /// A prepared transaction with a pending write to the row that a snapshot `snapshot` might have
    /// to see (prepared before the snapshot was taken): the reader must wait for its outcome.
    pub fn prepared_writer(&self, tree: TreeId, key: &[u8], snapshot: Ts) -> Option<TxnId> {
        self.locks
            .get(&(tree.0, key.to_vec()))?
            .iter()
            .map(|(t, _)| *t)
            .find(|t| {
                self.sets.get(t).is_some_and(|s| {
                    s.prepared_at.is_some_and(|p| p < snapshot)
                        && s.writes.contains_key(&(tree.0, key.to_vec()))
                })
            })
    }

    /// Prepared transactions with a pending write in `tree` that a snapshot `snapshot` might see.
    pub fn prepared_in_tree(&self, tree: TreeId, snapshot: Ts) -> Option<TxnId> {
        self.sets.iter().find_map(|(t, s)| {
            (s.prepared_at.is_some_and(|p| p < snapshot) && s.tree_writes(tree).next().is_some())
                .then_some(*t)
        })
    }

    /// Every transaction's pending writes to `tree` (the catalog tree: DDL not yet committed).
    pub fn staged_in_tree(
        &self,
        tree: TreeId,
    ) -> impl Iterator<Item = (TxnId, &Vec<u8>, &Option<Vec<u8>>)> {
        self.sets
            .iter()
            .flat_map(move |(t, s)| s.tree_writes(tree).map(move |(k, v)| (*t, k, v)))
    }

    /// A transaction other than `except` with a pending write in `tree`.
    pub fn writer_in_tree(&self, tree: TreeId, except: TxnId) -> Option<TxnId> {
        self.sets
            .iter()
            .find_map(|(t, s)| (*t != except && s.tree_writes(tree).next().is_some()).then_some(*t))
    }

    /// Ends `txn` here: forgets its write set and releases its locks. Returns the write set.
    pub fn end(&mut self, txn: TxnId) -> WriteSet {
        let set = self.sets.remove(&txn).unwrap_or_default();
        for k in &set.locks {
            if let Some(holders) = self.locks.get_mut(k) {
                holders.retain(|(t, _)| *t != txn);
                if holders.is_empty() {
                    self.locks.remove(k);
                }
            }
        }
        set
    }

    /// Whether a transaction has state on this shard.
    pub fn is_active(&self, txn: TxnId) -> bool {
        self.sets.contains_key(&txn)
    }

    /// Transactions with state here.
    pub fn active(&self) -> usize {
        self.sets.len()
    }
}

/// Finds whether letting `waiter` wait for `holder` closes a cycle in the waits-for graph `edges`
/// (waiter → holder pairs of this shard's parked requests).
pub fn closes_cycle(edges: &[(TxnId, TxnId)], waiter: TxnId, holder: TxnId) -> bool {
    let mut stack = vec![holder];
    let mut seen = Vec::new();
    while let Some(t) = stack.pop() {
        if t == waiter {
            return true;
        }
        if seen.contains(&t) {
            continue;
        }
        seen.push(t);
        stack.extend(edges.iter().filter(|(w, _)| *w == t).map(|(_, h)| *h));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(id: u64, sub: u32) -> TxnCtx {
        TxnCtx {
            sub,
            ..TxnCtx::new(TxnId(id), 1)
        }
    }

    #[test]
    fn locks_are_exclusive_reentrant_and_released_at_end() {
        let mut t = TxnTable::default();
        let (a, b, tree) = (ctx(1, 0), ctx(2, 0), TreeId(1000));
        assert_eq!(
            t.lock(&a, tree, b"k", LockMode::Update),
            LockResult::Acquired
        );
        assert_eq!(
            t.lock(&a, tree, b"k", LockMode::Update),
            LockResult::Acquired
        );
        assert_eq!(
            t.lock(&b, tree, b"k", LockMode::KeyShare),
            LockResult::HeldBy(a.id)
        );
        t.stage(&a, tree, b"k".to_vec(), Some(b"v".to_vec()), None);
        assert_eq!(
            t.set(a.id).and_then(|s| s.get(tree, b"k")),
            Some(Some(&b"v".to_vec()))
        );
        let set = t.end(a.id);
        assert_eq!(set.batch().ops.len(), 1);
        assert_eq!(
            t.lock(&b, tree, b"k", LockMode::Update),
            LockResult::Acquired
        );
    }

    #[test]
    fn lock_modes_follow_postgresql_conflict_table() {
        use LockMode::*;
        let all = [KeyShare, Share, NoKeyUpdate, Update];
        let expected = [
            [false, false, false, true],
            [false, false, true, true],
            [false, true, true, true],
            [true, true, true, true],
        ];
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                assert_eq!(a.conflicts(*b), expected[i][j], "{a:?} vs {b:?}");
            }
        }
        let mut t = TxnTable::default();
        let tree = TreeId(1000);
        assert_eq!(t.lock(&ctx(1, 0), tree, b"k", Share), LockResult::Acquired);
        assert_eq!(t.lock(&ctx(2, 0), tree, b"k", Share), LockResult::Acquired);
        assert_eq!(
            t.lock(&ctx(3, 0), tree, b"k", KeyShare),
            LockResult::Acquired
        );
        // Upgrading a shared lock waits for the other sharers.
        assert_eq!(
            t.lock(&ctx(1, 0), tree, b"k", NoKeyUpdate),
            LockResult::HeldBy(TxnId(2))
        );
        t.end(TxnId(2));
        assert_eq!(
            t.lock(&ctx(1, 0), tree, b"k", NoKeyUpdate),
            LockResult::Acquired
        );
        assert_eq!(
            t.lock(&ctx(4, 0), tree, b"k", KeyShare),
            LockResult::Acquired
        );
        assert_eq!(
            t.lock(&ctx(4, 0), tree, b"k", Update),
            LockResult::HeldBy(TxnId(1))
        );
    }

    #[test]
    fn rollback_to_undoes_writes_and_locks_since_the_savepoint() {
        let mut t = TxnTable::default();
        let tree = TreeId(1000);
        let v = |s: &str| Some(s.as_bytes().to_vec());
        t.lock(&ctx(1, 0), tree, b"a", LockMode::Update);
        t.stage(&ctx(1, 0), tree, b"a".to_vec(), v("a0"), None);
        // SAVEPOINT 1
        t.lock(&ctx(1, 1), tree, b"a", LockMode::Update);
        t.stage(&ctx(1, 1), tree, b"a".to_vec(), v("a1"), None);
        t.lock(&ctx(1, 1), tree, b"b", LockMode::NoKeyUpdate);
        t.stage(&ctx(1, 1), tree, b"b".to_vec(), v("b1"), v("b-old"));
        // SAVEPOINT 2, then RELEASE 2: its changes belong to 1.
        t.lock(&ctx(1, 2), tree, b"c", LockMode::Update);
        t.stage(&ctx(1, 2), tree, b"c".to_vec(), None, v("c-old"));
        t.stage(&ctx(1, 1), tree, b"a".to_vec(), v("a2"), None);
        assert!(t.rollback_to(TxnId(1), 1));
        let set = t.set(TxnId(1)).expect("set");
        assert_eq!(set.get(tree, b"a"), Some(v("a0").as_ref()));
        assert_eq!(set.get(tree, b"b"), None);
        assert_eq!(set.get(tree, b"c"), None);
        // The locks taken after the savepoint are gone; the one from before stays.
        assert_eq!(
            t.lock(&ctx(2, 0), tree, b"b", LockMode::Update),
            LockResult::Acquired
        );
        assert_eq!(
            t.lock(&ctx(2, 0), tree, b"c", LockMode::Update),
            LockResult::Acquired
        );
        assert_eq!(
            t.lock(&ctx(2, 0), tree, b"a", LockMode::KeyShare),
            LockResult::HeldBy(TxnId(1)),
            "the lock from before the savepoint is still held FOR UPDATE"
        );
    }

    #[test]
    fn cycles_are_found() {
        let (a, b, c) = (TxnId(1), TxnId(2), TxnId(3));
        // b waits for c, c waits for a: a waiting for b closes a cycle.
        assert!(closes_cycle(&[(b, c), (c, a)], a, b));
        assert!(!closes_cycle(&[(b, c)], a, b));
    }
}
