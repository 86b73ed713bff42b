//! Transactions on one shard: private write sets and row locks.
//!
//! # Model (no-steal, redo-only)
//! A transaction's changes stay in its write set, in memory, until it commits; the B+tree only ever
//! holds committed data, so recovery only redoes. Readers see the latest committed row, overlaid
//! with their own transaction's writes (READ COMMITTED reads; MVCC snapshots come later).
//!
//! # Row locks
//! A transaction that writes a row first takes the row's lock (one owner, exclusive) and keeps it
//! until it commits or aborts. A write that meets a lock held by another transaction does not
//! proceed: the request is parked by the runtime and retried when that transaction ends, after which
//! it re-reads the row's newest committed version and re-checks its WHERE clause — PostgreSQL's READ
//! COMMITTED behaviour for UPDATE/DELETE, so `UPDATE t SET x = x + 1` never loses an update.
//!
//! ```text
//!  T1: lock(k) ─ write ────────────── commit ─ release(k)
//!  T2:        lock(k) → Blocked(T1)  ···wait···  retry: lock(k) ─ re-read k (T1's value) ─ write
//! ```
//!
//! Deadlocks: a cycle among one shard's waiters is detected when a request blocks; a wait that lasts
//! longer than the deadlock timeout is answered with 40P01 as well (cycles that span shards — a
//! conservative stand-in for global cycle detection, see issue 7).

use std::collections::{BTreeMap, HashMap};

use pglitedb_storage::{TreeId, TxnId, WriteBatch};

/// One transaction's pending changes on this shard: `(tree, key) → Some(value)` for a put, `None`
/// for a delete.
#[derive(Debug, Default)]
pub struct WriteSet {
    pub writes: BTreeMap<(u64, Vec<u8>), Option<Vec<u8>>>,
    locks: Vec<(u64, Vec<u8>)>,
}

impl WriteSet {
    /// The batch that commits these changes.
    pub fn batch(&self) -> WriteBatch {
        let mut b = WriteBatch::new();
        for ((tree, key), v) in &self.writes {
            match v {
                Some(v) => b.put(TreeId(*tree), key, v),
                None => b.delete(TreeId(*tree), key),
            };
        }
        b
    }

    /// This transaction's pending value for a key: `Some(Some(v))` put, `Some(None)` deleted, `None`
    /// untouched.
    pub fn get(&self, tree: TreeId, key: &[u8]) -> Option<Option<&Vec<u8>>> {
        self.writes.get(&(tree.0, key.to_vec())).map(Option::as_ref)
    }

    /// The pending changes to one tree, in key order.
    pub fn tree_writes(&self, tree: TreeId) -> impl Iterator<Item = (&Vec<u8>, &Option<Vec<u8>>)> {
        self.writes
            .range((tree.0, Vec::new())..)
            .take_while(move |((t, _), _)| *t == tree.0)
            .map(|((_, k), v)| (k, v))
    }
}

/// Outcome of trying to lock a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockResult {
    Acquired,
    /// Held by another transaction.
    HeldBy(TxnId),
}

/// The shard's transactions and row locks.
#[derive(Debug, Default)]
pub struct TxnTable {
    sets: HashMap<TxnId, WriteSet>,
    locks: HashMap<(u64, Vec<u8>), TxnId>,
}

impl TxnTable {
    /// Takes (or re-enters) the lock on a row for `txn`.
    pub fn lock(&mut self, txn: TxnId, tree: TreeId, key: &[u8]) -> LockResult {
        let k = (tree.0, key.to_vec());
        match self.locks.get(&k) {
            Some(owner) if *owner == txn => LockResult::Acquired,
            Some(owner) => LockResult::HeldBy(*owner),
            None => {
                self.locks.insert(k.clone(), txn);
                self.sets.entry(txn).or_default().locks.push(k);
                LockResult::Acquired
            }
        }
    }

    /// Records a put (`Some`) or delete (`None`) in `txn`'s write set. The row must be locked by it.
    pub fn stage(&mut self, txn: TxnId, tree: TreeId, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.sets
            .entry(txn)
            .or_default()
            .writes
            .insert((tree.0, key), value);
    }

    /// The write set of `txn`, if it has one here.
    pub fn set(&self, txn: TxnId) -> Option<&WriteSet> {
        self.sets.get(&txn)
    }

    /// Ends `txn` here: forgets its write set and releases its locks. Returns the write set.
    pub fn end(&mut self, txn: TxnId) -> WriteSet {
        let set = self.sets.remove(&txn).unwrap_or_default();
        for k in &set.locks {
            if self.locks.get(k) == Some(&txn) {
                self.locks.remove(k);
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

    #[test]
    fn locks_are_exclusive_reentrant_and_released_at_end() {
        let mut t = TxnTable::default();
        let (a, b, tree) = (TxnId(1), TxnId(2), TreeId(1000));
        assert_eq!(t.lock(a, tree, b"k"), LockResult::Acquired);
        assert_eq!(t.lock(a, tree, b"k"), LockResult::Acquired);
        assert_eq!(t.lock(b, tree, b"k"), LockResult::HeldBy(a));
        t.stage(a, tree, b"k".to_vec(), Some(b"v".to_vec()));
        assert_eq!(
            t.set(a).and_then(|s| s.get(tree, b"k")),
            Some(Some(&b"v".to_vec()))
        );
        let set = t.end(a);
        assert_eq!(set.batch().ops.len(), 1);
        assert_eq!(t.lock(b, tree, b"k"), LockResult::Acquired);
    }

    #[test]
    fn cycles_are_found() {
        let (a, b, c) = (TxnId(1), TxnId(2), TxnId(3));
        // b waits for c, c waits for a: a waiting for b closes a cycle.
        assert!(closes_cycle(&[(b, c), (c, a)], a, b));
        assert!(!closes_cycle(&[(b, c)], a, b));
    }
}
