//! Reading and writing rows inside transactions: scans that see the transaction's own writes, and
//! INSERT/UPDATE/DELETE that lock rows before staging changes (see `txn.rs` for the model).
//!
//! Every write runs in two passes: first find the affected keys and lock them all (returning
//! `Blocked` at the first lock another transaction holds — locks taken so far are kept), then, with
//! every lock held, re-read each row's newest version, re-check it, and stage the change. A blocked
//! request is retried from the start, so staging happens exactly once.

use std::ops::Bound;

use pglitedb_sql::{QueryPlan, SqlError, TableDef, Value, WritePlan};
use pglitedb_storage::io::Io;
use pglitedb_storage::TreeId;

use crate::error::Result;
use crate::message::{ShardResponse, TxnId};
use crate::shard::{Shard, Step, SCAN_BATCH};
use crate::table::{decode_row, encode_row, key_detail, row_key};
use crate::txn::LockResult;

impl<I: Io> Shard<I> {
    /// The newest visible bytes of a row: `txn`'s own pending write, else the committed value.
    async fn visible(
        &mut self,
        txn: Option<TxnId>,
        tree: TreeId,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>> {
        if let Some(own) = txn
            .and_then(|t| self.txns.set(t))
            .and_then(|s| s.get(tree, key))
        {
            return Ok(own.cloned());
        }
        Ok(self.engine.get(tree, key).await?)
    }

    /// Every visible `(key, row)` of the table's partition under `key`, or all of them, in key order.
    async fn visible_rows(
        &mut self,
        txn: Option<TxnId>,
        table: &TableDef,
        key: Option<Vec<u8>>,
    ) -> Result<Vec<(Vec<u8>, Vec<Value>)>> {
        let tree = TreeId(table.id.0);
        if let Some(key) = key {
            return Ok(match self.visible(txn, tree, &key).await? {
                Some(bytes) => vec![(key, decode_row(table, &bytes)?)],
                None => Vec::new(),
            });
        }
        let mut committed: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut lo: Option<Vec<u8>> = None;
        loop {
            let lo_ref = lo.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
            let batch = self
                .engine
                .scan(tree, lo_ref, Bound::Unbounded, false, SCAN_BATCH)
                .await?;
            let full = batch.len() == SCAN_BATCH;
            lo = batch.last().map(|(k, _)| k.clone());
            committed.extend(batch);
            if !full {
                break;
            }
        }
        let own = txn.and_then(|t| self.txns.set(t));
        let mut merged: std::collections::BTreeMap<Vec<u8>, Vec<u8>> =
            committed.into_iter().collect();
        if let Some(set) = own {
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

    pub(crate) async fn scan(
        &mut self,
        txn: Option<TxnId>,
        plan: &QueryPlan,
        params: &pglitedb_sql::Params,
        key: Option<Vec<u8>>,
    ) -> Result<Vec<Vec<Value>>> {
        let Some(source) = &plan.source else {
            return Ok(plan.execute(params)?);
        };
        let table = self.local_table(&source.table)?;
        let rows = self.visible_rows(txn, &table, key).await?;
        // The plan's shard half: filter, then projection or partial aggregation, per-shard top-N.
        Ok(plan.shard_rows(rows.into_iter().map(|(_, row)| row), params)?)
    }

    pub(crate) async fn insert(
        &mut self,
        txn: TxnId,
        table: &TableDef,
        rows: &[Vec<Value>],
    ) -> Result<Step<I::File>> {
        let table = self.local_table(table)?;
        let tree = TreeId(table.id.0);
        // Pass 1: keys and locks.
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            let key = match &table.primary_key {
                Some(_) => row_key(&table, row).ok_or_else(|| {
                    SqlError::FeatureNotSupported(
                        "primary keys of this type are not supported yet".into(),
                    )
                })?,
                None => self.next_rowid(&table).await?.to_be_bytes().to_vec(),
            };
            if let LockResult::HeldBy(holder) = self.txns.lock(txn, tree, &key) {
                return Ok(Step::Blocked {
                    waiter: txn,
                    holder,
                });
            }
            keys.push(key);
        }
        // Pass 2: uniqueness against the newest versions, then stage.
        let mut seen = std::collections::HashSet::with_capacity(if table.primary_key.is_some() {
            keys.len()
        } else {
            0
        });
        for (key, row) in keys.iter().zip(rows) {
            if table.primary_key.is_some()
                && (!seen.insert(key.as_slice())
                    || self.visible(Some(txn), tree, key).await?.is_some())
            {
                return Err(SqlError::UniqueViolation {
                    constraint: table.pkey_name(),
                    detail: key_detail(&table, row),
                }
                .into());
            }
        }
        for (key, row) in keys.into_iter().zip(rows) {
            self.txns.stage(txn, tree, key, Some(encode_row(row)));
        }
        Ok(Step::Reply(ShardResponse::Inserted(rows.len() as u64)))
    }

    pub(crate) async fn modify(
        &mut self,
        txn: TxnId,
        plan: &WritePlan,
        params: &pglitedb_sql::Params,
        key: Option<Vec<u8>>,
    ) -> Result<Step<I::File>> {
        let table = self.local_table(&plan.table)?;
        let tree = TreeId(table.id.0);
        // Pass 1: rows that match now; lock them.
        let mut keys = Vec::new();
        for (k, row) in self.visible_rows(Some(txn), &table, key).await? {
            if plan.matches(&row, params)? {
                if let LockResult::HeldBy(holder) = self.txns.lock(txn, tree, &k) {
                    return Ok(Step::Blocked {
                        waiter: txn,
                        holder,
                    });
                }
                keys.push(k);
            }
        }
        // Pass 2: with the locks held, the newest version is stable: re-check and stage.
        let mut n = 0;
        for k in keys {
            let Some(bytes) = self.visible(Some(txn), tree, &k).await? else {
                continue; // deleted by the transaction that held the lock
            };
            let row = decode_row(&table, &bytes)?;
            if !plan.matches(&row, params)? {
                continue;
            }
            n += 1;
            let new = if plan.assignments.is_empty() {
                None
            } else {
                Some(encode_row(&plan.apply(&row, params)?))
            };
            self.txns.stage(txn, tree, k, new);
        }
        Ok(Step::Reply(ShardResponse::Modified(n)))
    }

    async fn next_rowid(&mut self, table: &TableDef) -> Result<u64> {
        let next = match self.next_rowid.get(&table.id) {
            Some(n) => *n,
            None => {
                let last = self
                    .engine
                    .scan(
                        TreeId(table.id.0),
                        Bound::Unbounded,
                        Bound::Unbounded,
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
