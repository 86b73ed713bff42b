//! Reading and writing rows inside transactions: snapshot scans that see the transaction's own
//! writes, locking SELECTs, and INSERT/UPDATE/DELETE that lock rows before staging changes (see
//! `txn.rs` for locks and savepoints, `mvcc.rs` for snapshots).
//!
//! Every write (and every locking SELECT) runs in two passes: first find the affected rows in the
//! statement's snapshot and lock them (returning `Blocked` at the first lock another transaction
//! holds — locks taken so far are kept), then, with the locks held, re-read each row's newest
//! committed version, re-check the WHERE clause against it, and stage the change (PostgreSQL's
//! EvalPlanQual under READ COMMITTED). Under REPEATABLE READ and SERIALIZABLE a locked row whose
//! newest version was committed after the snapshot fails the statement with 40001 instead. A blocked
//! request is retried from the start, so staging happens exactly once.

use pglitedb_sql::{LockStrength, LockWaitPolicy, QueryPlan, SqlError, TableDef, Value, WritePlan};
use pglitedb_storage::io::Io;
use pglitedb_storage::TreeId;

use crate::error::{Result, ShardError};
use crate::message::ShardResponse;
use crate::shard::{Shard, Step};
use crate::table::{decode_row, encode_row, key_detail, row_key};
use crate::txn::{LockMode, LockResult, TxnCtx};

fn lock_mode(s: LockStrength) -> LockMode {
    match s {
        LockStrength::KeyShare => LockMode::KeyShare,
        LockStrength::Share => LockMode::Share,
        LockStrength::NoKeyUpdate => LockMode::NoKeyUpdate,
        LockStrength::Update => LockMode::Update,
    }
}

impl<I: Io> Shard<I> {
    /// The bytes of a row as `txn` sees it: its own pending write, else the committed version of
    /// its snapshot (`newest`: the newest committed version instead).
    pub(crate) async fn visible(
        &mut self,
        txn: &TxnCtx,
        tree: TreeId,
        key: &[u8],
        newest: bool,
    ) -> Result<Option<Vec<u8>>> {
        if let Some(own) = self.txns.set(txn.id).and_then(|s| s.get(tree, key)) {
            return Ok(own.cloned());
        }
        let at = (!newest).then_some(txn.snapshot);
        self.committed(tree, key, at).await
    }

    /// Every `(key, row)` of the table's partition that `txn` sees (the row under `key` only, when
    /// given), in key order.
    async fn visible_rows(
        &mut self,
        txn: &TxnCtx,
        table: &TableDef,
        key: Option<Vec<u8>>,
    ) -> Result<Vec<(Vec<u8>, Vec<Value>)>> {
        let tree = TreeId(table.id.0);
        if let Some(key) = key {
            return Ok(match self.visible(txn, tree, &key, false).await? {
                Some(bytes) => vec![(key, decode_row(table, &bytes)?)],
                None => Vec::new(),
            });
        }
        let mut merged = self.committed_scan(tree, txn.snapshot).await?;
        if let Some(set) = self.txns.set(txn.id) {
            for (k, v) in set.tree_writes(tree) {
                match v {
                    Some(v) => merged.insert(k.clone(), v.clone()),
                    None => merged.remove(k),
                };
            }
        }
        merged
            .into_iter()
            .map(|(k, v)| Ok((k.clone(), decode_row(table, &v)?)))
            .collect()
    }

    /// A transaction prepared (in doubt) with a write in the rows this request reads, which its
    /// snapshot may have to see: the request must wait for its outcome.
    pub(crate) fn prepared_in_the_way(
        &self,
        txn: &TxnCtx,
        tree: TreeId,
        key: Option<&[u8]>,
    ) -> Option<Step<I::File>> {
        let holder = match key {
            Some(k) => self.txns.prepared_writer(tree, k, txn.snapshot),
            None => self.txns.prepared_in_tree(tree, txn.snapshot),
        }?;
        (holder != txn.id).then_some(Step::Blocked {
            waiter: txn.id,
            holder,
        })
    }

    pub(crate) async fn scan(
        &mut self,
        txn: &TxnCtx,
        plan: &QueryPlan,
        params: &pglitedb_sql::Params,
        key: Option<Vec<u8>>,
    ) -> Result<Step<I::File>> {
        let Some(source) = &plan.source else {
            return Ok(Step::Reply(ShardResponse::Rows(plan.execute(params)?)));
        };
        let table = crate::ddl::table_or_wait!(self, txn, &source.table);
        let tree = TreeId(table.id.0);
        if let Some(wait) = self.prepared_in_the_way(txn, tree, key.as_deref()) {
            return Ok(wait);
        }
        let mut rows = self.visible_rows(txn, &table, key).await?;
        if let Some(map) = &source.remap {
            for (_, row) in rows.iter_mut() {
                *row = permute(map, row);
            }
        }
        let Some(lock) = source.lock else {
            // The plan's shard half: filter, then projection or partial aggregation, per-shard top-N.
            let rows = plan.shard_rows(rows.into_iter().map(|(_, row)| row), params)?;
            return Ok(Step::Reply(ShardResponse::Rows(rows)));
        };
        // A locking SELECT: lock the matching rows in the order the query returns them, as many
        // as it can return, then return their newest versions if they still match. The bound is
        // per shard: a query over several shards with a LIMIT may lock (up to LIMIT per shard)
        // rows the router then leaves out, which PostgreSQL would not lock.
        let matches = |row: &[Value]| -> Result<bool> {
            Ok(match &source.filter {
                None => true,
                Some(f) => f.eval_row(row, params)? == Value::Bool(true),
            })
        };
        let mut candidates = Vec::new();
        for (k, row) in rows {
            if matches(&row)? {
                candidates.push((k, row));
            }
        }
        let bound = plan.locking_order(&mut candidates, params)?;
        let mode = lock_mode(lock.strength);
        let mut out = Vec::new();
        for (k, _) in candidates {
            if bound.is_some_and(|b| out.len() >= b) {
                break;
            }
            if let LockResult::HeldBy(holder) = self.txns.lock(txn, tree, &k, mode) {
                match lock.wait {
                    LockWaitPolicy::Block => {
                        return Ok(Step::Blocked {
                            waiter: txn.id,
                            holder,
                        })
                    }
                    LockWaitPolicy::Nowait => {
                        return Err(ShardError::LockNotAvailable {
                            relation: table.name.clone(),
                        })
                    }
                    LockWaitPolicy::SkipLocked => continue,
                }
            }
            let Some(bytes) = self.recheck(txn, tree, &k).await?.0 else {
                continue;
            };
            let mut row = decode_row(&table, &bytes)?;
            if let Some(map) = &source.remap {
                row = permute(map, &row);
            }
            if matches(&row)? {
                out.push(row);
            }
        }
        Ok(Step::Reply(ShardResponse::Rows(
            plan.shard_rows(out, params)?,
        )))
    }

    /// With the row's lock held: its newest version as `txn` sees it, and the committed value it
    /// would replace (`None` when `txn` already has a pending write there). Under a transaction
    /// snapshot, a version committed after the snapshot is a serialization failure.
    async fn recheck(
        &mut self,
        txn: &TxnCtx,
        tree: TreeId,
        key: &[u8],
    ) -> Result<(Option<Vec<u8>>, Option<Vec<u8>>)> {
        if let Some(own) = self.txns.set(txn.id).and_then(|s| s.get(tree, key)) {
            return Ok((own.cloned(), None));
        }
        let newest = self.committed(tree, key, None).await?;
        if txn.snapshot_per_txn() && self.changed_since(tree, key, txn.snapshot) {
            return Err(ShardError::SerializationFailure {
                deleted: newest.is_none(),
            });
        }
        Ok((newest.clone(), newest))
    }

    /// Pass 1 of INSERT and upsert: each row's storage key (a new hidden row id without a primary
    /// key), locked for update. `Err` is the step to answer when a lock is held (the request is
    /// retried from the start).
    pub(crate) async fn lock_row_keys(
        &mut self,
        txn: &TxnCtx,
        table: &TableDef,
        rows: &[Vec<Value>],
    ) -> Result<std::result::Result<Vec<Vec<u8>>, Step<I::File>>> {
        let tree = TreeId(table.id.0);
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            let key = match &table.primary_key {
                Some(_) => row_key(table, row).ok_or_else(|| {
                    SqlError::FeatureNotSupported(
                        "primary keys of this type are not supported yet".into(),
                    )
                })?,
                None => self.next_rowid(table).await?.to_be_bytes().to_vec(),
            };
            if let LockResult::HeldBy(holder) = self.txns.lock(txn, tree, &key, LockMode::Update) {
                return Ok(Err(Step::Blocked {
                    waiter: txn.id,
                    holder,
                }));
            }
            keys.push(key);
        }
        Ok(Ok(keys))
    }

    pub(crate) async fn insert(
        &mut self,
        txn: &TxnCtx,
        table: &TableDef,
        rows: &[Vec<Value>],
    ) -> Result<Step<I::File>> {
        let sent = table;
        let table = crate::ddl::table_or_wait!(self, txn, table);
        crate::index::check_same_indexes(sent, &table)?;
        let tree = TreeId(table.id.0);
        // Pass 1: keys and locks.
        let keys = match self.lock_row_keys(txn, &table, rows).await? {
            Ok(keys) => keys,
            Err(blocked) => return Ok(blocked),
        };
        // Pass 2: uniqueness against the newest versions, then stage.
        let mut olds = Vec::with_capacity(keys.len());
        let mut seen = std::collections::HashSet::with_capacity(if table.primary_key.is_some() {
            keys.len()
        } else {
            0
        });
        for (key, row) in keys.iter().zip(rows) {
            let (newest, old) = if table.primary_key.is_some() {
                self.newest_locked(txn, tree, key).await?
            } else {
                (None, None)
            };
            let duplicate_in_statement =
                table.primary_key.is_some() && !seen.insert(key.as_slice());
            if duplicate_in_statement || newest.is_some() {
                return Err(SqlError::UniqueViolation {
                    constraint: table.pkey_name(),
                    detail: key_detail(&table, row),
                }
                .into());
            }
            olds.push(old);
        }
        let indexed = !table.indexes.is_empty();
        let mut stored = Vec::with_capacity(if indexed { keys.len() } else { 0 });
        for ((key, row), old) in keys.into_iter().zip(rows).zip(olds) {
            if indexed {
                stored.push(key.clone());
            }
            self.txns.stage(txn, tree, key, Some(encode_row(row)), old);
        }
        if indexed {
            // The session writes the index entries, which name the rows by these keys.
            return Ok(Step::Reply(ShardResponse::InsertedKeys(stored)));
        }
        Ok(Step::Reply(ShardResponse::Inserted(rows.len() as u64)))
    }

    /// With the key's lock held: the row as the transaction must treat it (its own pending
    /// version, else the newest committed one) and the committed value a write would replace.
    /// INSERT's and upsert's re-check: a unique violation is reported whatever the isolation
    /// level (as PostgreSQL does under REPEATABLE READ), so no serialization check here.
    pub(crate) async fn newest_locked(
        &mut self,
        txn: &TxnCtx,
        tree: TreeId,
        key: &[u8],
    ) -> Result<(Option<Vec<u8>>, Option<Vec<u8>>)> {
        if let Some(own) = self.txns.set(txn.id).and_then(|s| s.get(tree, key)) {
            return Ok((own.cloned(), None));
        }
        let newest = self.committed(tree, key, None).await?;
        Ok((newest.clone(), newest))
    }

    pub(crate) async fn modify(
        &mut self,
        txn: &TxnCtx,
        plan: &WritePlan,
        params: &pglitedb_sql::Params,
        key: Option<Vec<u8>>,
    ) -> Result<Step<I::File>> {
        let table = crate::ddl::table_or_wait!(self, txn, &plan.table);
        crate::index::check_same_indexes(&plan.table, &table)?;
        let tree = TreeId(table.id.0);
        if let Some(wait) = self.prepared_in_the_way(txn, tree, key.as_deref()) {
            return Ok(wait);
        }
        // An UPDATE takes FOR UPDATE strength when it changes columns a foreign key references
        // (the session then asks for the changes): a concurrent child insert's FOR KEY SHARE
        // lookup must wait for it, as in PostgreSQL, where those are key columns.
        let mode = if plan.assignments.is_empty() || plan.changes {
            LockMode::Update
        } else {
            LockMode::NoKeyUpdate
        };
        // Pass 1: rows that match in the snapshot; lock them.
        let mut keys = Vec::new();
        for (k, row) in self.visible_rows(txn, &table, key).await? {
            let row = match &plan.remap {
                Some(map) => permute(map, &row),
                None => row,
            };
            if plan.matches(&row, params)? {
                if let LockResult::HeldBy(holder) = self.txns.lock(txn, tree, &k, mode) {
                    return Ok(Step::Blocked {
                        waiter: txn.id,
                        holder,
                    });
                }
                keys.push(k);
            }
        }
        // Pass 2: with the locks held, the newest version is stable: re-check and stage.
        let mut n = 0;
        let mut moved = Vec::new();
        let mut returned = Vec::new();
        // With secondary indexes the session maintains their entries from each changed row (and
        // derives RETURNING's rows from them); partitions have no indexes (`bind/index.rs`).
        // (Foreign keys: the session asks for the changed rows with `plan.changes`.)
        let indexed = !table.indexes.is_empty() || plan.changes;
        let mut changes = Vec::new();
        for k in keys {
            let (newest, old) = self.recheck(txn, tree, &k).await?;
            let Some(bytes) = newest else {
                continue; // deleted by the transaction that held the lock
            };
            let mut row = decode_row(&table, &bytes)?;
            if let Some(map) = &plan.remap {
                row = permute(map, &row);
            }
            if !plan.matches(&row, params)? {
                continue;
            }
            n += 1;
            let new_row = if plan.assignments.is_empty() {
                None
            } else {
                // Constraints are checked once the row is known to stay in this partition (a
                // row that moves is checked by the insert into its new partition).
                let new = plan.assign(&row, params)?;
                // `new` is in the statement's column order; the stored row in the partition's.
                let stored = match &plan.remap {
                    Some(map) => unpermute(map, &new),
                    None => new.clone(),
                };
                if table.partition_of.is_some() && !self.fits_partition(&table, &stored)? {
                    if !plan.moves {
                        return Err(pglitedb_sql::partition::violation(
                            &table,
                            &stored,
                            params.ctx(),
                        )
                        .into());
                    }
                    if indexed {
                        // (Refused when the index is made; kept from going silently wrong.)
                        return Err(SqlError::FeatureNotSupported(
                            "moving a row out of a partition that has indexes is not supported"
                                .into(),
                        )
                        .into());
                    }
                    // The row leaves this partition: delete it here; the session inserts it
                    // through the statement's target.
                    moved.push(new);
                    self.txns.stage(txn, tree, k, None, old);
                    continue;
                }
                plan.check_row(&new, params)?;
                if plan.returning && !indexed {
                    returned.push(new);
                }
                Some(stored)
            };
            let new = new_row.as_deref().map(encode_row);
            if indexed {
                // Index entries name columns in stored order.
                let old = match &plan.remap {
                    Some(map) => unpermute(map, &row),
                    None => row,
                };
                changes.push(crate::index::RowChange {
                    key: k.clone(),
                    old,
                    new: new_row,
                });
            } else if plan.returning && plan.assignments.is_empty() {
                returned.push(row);
            }
            self.txns.stage(txn, tree, k, new, old);
        }
        if !moved.is_empty() {
            if plan.returning {
                return Ok(Step::Reply(ShardResponse::MovedReturning {
                    returned,
                    moved,
                }));
            }
            return Ok(Step::Reply(ShardResponse::Moved {
                count: n,
                rows: moved,
            }));
        }
        if indexed {
            // The session maintains the index entries from the old and new rows (and returns
            // the new, or for DELETE the old, rows for RETURNING).
            return Ok(Step::Reply(ShardResponse::ModifiedRows(changes)));
        }
        if plan.returning {
            // RETURNING: the affected rows (new for UPDATE, old for DELETE) instead of a count.
            return Ok(Step::Reply(ShardResponse::Rows(returned)));
        }
        Ok(Step::Reply(ShardResponse::Modified(n)))
    }

    /// Whether a row belongs in partition `table` (and its ancestors), by this shard's catalog.
    fn fits_partition(&self, table: &TableDef, row: &[Value]) -> Result<bool> {
        let by_id = |id| self.tables.get(&id).cloned();
        let children = |parent| {
            let mut c: Vec<_> = self
                .tables
                .values()
                .filter(|t| t.partition_of.as_ref().is_some_and(|o| o.parent == parent))
                .cloned()
                .collect();
            c.sort_by_key(|t| t.id);
            c
        };
        Ok(pglitedb_sql::partition::fits(
            table, row, &by_id, &children,
        )?)
    }

    pub(crate) async fn next_rowid(&mut self, table: &TableDef) -> Result<u64> {
        let next = match self.next_rowid.get(&table.id) {
            Some(n) => *n,
            None => {
                let last = self
                    .engine
                    .scan(
                        TreeId(table.id.0),
                        std::ops::Bound::Unbounded,
                        std::ops::Bound::Unbounded,
                        true,
                        1,
                    )
                    .await?;
                match last.first() {
                    Some((k, _)) if k.len() == 8 => {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(k);
                        u64::from_be_bytes(a) + 1
                    }
                    _ => 1,
                }
            }
        };
        self.next_rowid.insert(table.id, next + 1);
        Ok(next)
    }
}

/// A stored row in the statement's column order (`remap[i]`: the stored position of column `i`).
fn permute(remap: &[usize], row: &[Value]) -> Vec<Value> {
    remap
        .iter()
        .map(|&j| row.get(j).cloned().unwrap_or(Value::Null))
        .collect()
}

/// The inverse of [`permute`]: a row in the statement's order, in the stored order.
fn unpermute(remap: &[usize], row: &[Value]) -> Vec<Value> {
    let mut out = vec![Value::Null; remap.len()];
    for (i, &j) in remap.iter().enumerate() {
        if let (Some(slot), Some(v)) = (out.get_mut(j), row.get(i)) {
            *slot = v.clone();
        }
    }
    out
}
