//! Secondary indexes from the session: CREATE/DROP INDEX, UNIQUE constraints added or dropped by
//! ALTER TABLE, and keeping index entries in step with INSERT/UPDATE/DELETE.
//!
//! Entries live on the shard of their index key (see `shard/src/index.rs` for why and for their
//! bytes). A write to a table with indexes is two steps in the statement's transaction: the rows'
//! shards stage the rows and answer with their storage keys (INSERT) or old and new rows
//! (UPDATE/DELETE); then this session sends each index shard its entry changes (`IndexWrite`),
//! which lock the entry keys, check uniqueness and stage. The index shards become participants,
//! so the commit (2PC when several) makes rows and entries durable together, and a rollback or a
//! failed statement leaves neither.
//!
//! CREATE INDEX: shard 0 (the DDL sequencer) checks the name and assigns the index id, every shard
//! records the definition (marked `building`) and creates the index's tree; from then on every
//! write maintains the index and checks its uniqueness (a write bound to the old definition is
//! re-pointed at the current one, or fails with 40001 if this core has not seen it yet). Then the
//! build reads every row with its key (each shard first waits for transactions still writing the
//! table there) and writes the entries in a transaction of its own; duplicates among existing
//! rows fail it with `could not create unique index` and the definition is withdrawn. Once it has
//! committed, the definition is published again without `building`, and only then do reads use
//! the index. A crash between the two leaves an index that is maintained but never read
//! (PostgreSQL's INVALID); REINDEX builds it again. That is CREATE INDEX outside a block; inside
//! one, CREATE/DROP INDEX are staged definition changes of the transaction and the build runs in
//! it (`ddl.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_shard::index::{
    duplicate_detail, entry_key, index_key, row_ref, split_ref, IndexOp, RowChange,
};
use pglitedb_shard::route::shard_for_key;
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::{Expr, IndexDef, Params, QueryPlan, SqlError, TableDef, Value, WritePlan};

use super::tables::{all_shards, on_other_shards, routed_key, scatter, shard_error};
use super::Session;
use crate::error;

/// Rows one shard stored, with the storage keys it gave them.
pub(super) type Stored = (ShardId, Vec<Vec<Value>>, Vec<Vec<u8>>);

/// Entry changes to send: by (index id, index shard), deletes before inserts.
type Ops = BTreeMap<(u64, u16), (Vec<IndexOp>, Vec<IndexOp>)>;

/// Adds the entry changes of one row (`old` and/or `new` at storage key `key` on `shard`).
fn row_ops(
    ops: &mut Ops,
    table: &TableDef,
    shards: usize,
    shard: ShardId,
    key: &[u8],
    old: Option<&[Value]>,
    new: Option<&[Value]>,
) {
    let r = row_ref(shard, key);
    for ix in &table.indexes {
        let old_key = old.and_then(|row| index_key(ix, row));
        let new_key = new.and_then(|row| index_key(ix, row));
        if old_key.is_some() && old_key == new_key {
            continue; // same entry before and after
        }
        if let Some(k) = old_key {
            let target = shard_for_key(&k, shards);
            ops.entry((ix.id, target.0)).or_default().0.push(IndexOp {
                key: entry_key(ix, &k, &r),
                value: None,
                detail: String::new(),
            });
        }
        if let (Some(k), Some(row)) = (new_key, new) {
            let target = shard_for_key(&k, shards);
            ops.entry((ix.id, target.0)).or_default().1.push(IndexOp {
                key: entry_key(ix, &k, &r),
                value: Some(r.clone()),
                detail: duplicate_detail(table, ix, row, "already exists."),
            });
        }
    }
}

/// The index a single-table read should go through, with its key bytes: the filter fixes every
/// key column of a secondary index (`pglitedb_sql::index_lookup`) and not the primary key, and
/// the key's values evaluate without error and without NULL. `None`: scan as usual.
pub(super) fn index_route(
    table: &TableDef,
    filter: Option<&Expr>,
    pk: Option<&[Expr]>,
    params: &Params,
) -> Option<(usize, Vec<u8>)> {
    if pk.and_then(|k| routed_key(k, params)).is_some() {
        return None;
    }
    let (i, exprs) = pglitedb_sql::index_lookup(filter?, table)?;
    let ix = &table.indexes[i];
    let mut row = vec![Value::Null; table.columns.len()];
    for (&col, e) in ix.columns.iter().zip(&exprs) {
        row[col] = e.eval(params).ok()?;
    }
    Some((i, index_key(ix, &row)?))
}

impl Session {
    /// `table` as this core's catalog replica has it now, if only its indexes changed since the
    /// statement was bound (a prepared statement outliving CREATE/DROP INDEX): the rows are the
    /// same, and the shards maintain the indexes of their current definition (a write that names
    /// other indexes fails with 40001).
    pub(super) fn fresh_indexes(&self, table: &Arc<TableDef>) -> Arc<TableDef> {
        if table.temp.is_some() {
            return table.clone(); // (no indexes; the name may be a permanent table's too)
        }
        match self
            .ctx()
            .catalog
            .table(&self.database, &table.schema, &table.name)
        {
            Some(t)
                if t.id == table.id && t.indexes != table.indexes && t.columns == table.columns =>
            {
                t
            }
            _ => table.clone(),
        }
    }

    /// The shard requests of a single-table read that goes through a secondary index (see
    /// [`index_route`]): the entries for the key (one shard), then a point read of each row they
    /// name on its shard, which applies the whole filter again (an entry only says where to
    /// look). With no entry, one point read of a key no row has, so the plan's shard half still
    /// runs once (an aggregate over no rows). `None`: not an index read.
    pub(super) async fn index_scan_requests(
        &mut self,
        plan: &Arc<QueryPlan>,
        params: &Params,
    ) -> Result<Option<Vec<(ShardId, ShardRequest)>>, ErrorFields> {
        let Some(source) = &plan.source else {
            return Ok(None);
        };
        let table = self.fresh_indexes(&source.table);
        let route = index_route(
            &table,
            source.filter.as_ref(),
            source.key.as_deref(),
            params,
        );
        let Some((i, key)) = route else {
            return Ok(None);
        };
        let txn = self.txn_ctx();
        let scan = |key: Vec<u8>| ShardRequest::Scan {
            txn,
            plan: plan.clone(),
            params: params.clone(),
            key: Some(key),
        };
        let reqs = self.through_index(&table, i, key, scan).await?;
        if source.lock.is_some() {
            self.add_lockers(reqs.iter().map(|(s, _)| *s));
        }
        Ok(Some(reqs))
    }

    /// UPDATE/DELETE through a secondary index, as [`Session::index_scan_requests`] reads.
    pub(super) async fn index_modify_requests(
        &mut self,
        plan: &Arc<WritePlan>,
        params: &Params,
    ) -> Result<Option<Vec<(ShardId, ShardRequest)>>, ErrorFields> {
        let route = index_route(
            &plan.table,
            plan.filter.as_ref(),
            plan.key.as_deref(),
            params,
        );
        let Some((i, key)) = route else {
            return Ok(None);
        };
        let txn = self.txn_ctx();
        let modify = |key: Vec<u8>| ShardRequest::Modify {
            txn,
            plan: plan.clone(),
            params: params.clone(),
            key: Some(key),
        };
        Ok(Some(self.through_index(&plan.table, i, key, modify).await?))
    }

    /// Looks up index `i`'s entries for `key` and makes one request per row they name (or one
    /// for a key no row has, on the entries' shard, when there is none).
    async fn through_index(
        &mut self,
        table: &Arc<TableDef>,
        i: usize,
        key: Vec<u8>,
        make: impl Fn(Vec<u8>) -> ShardRequest,
    ) -> Result<Vec<(ShardId, ShardRequest)>, ErrorFields> {
        let entries_on = shard_for_key(&key, self.worker.cores());
        let lookup = ShardRequest::IndexLookup {
            txn: self.txn_ctx(),
            table: table.clone(),
            index: table.indexes[i].id,
            key,
        };
        let refs = match self.worker.request(entries_on, lookup).await {
            ShardResponse::IndexRefs(refs) => refs,
            other => return Err(shard_error(other)),
        };
        let mut reqs: Vec<_> = refs
            .iter()
            .filter_map(|r| split_ref(r))
            .map(|(shard, key)| (shard, make(key.to_vec())))
            .collect();
        if reqs.is_empty() {
            reqs.push((entries_on, make(Vec::new())));
        }
        Ok(reqs)
    }

    /// Index entries for rows just inserted: `inserted` holds, per shard, the rows and the storage
    /// keys that shard gave them.
    pub(super) async fn index_inserted(
        &mut self,
        table: &Arc<TableDef>,
        inserted: Vec<Stored>,
    ) -> Result<(), ErrorFields> {
        let shards = self.worker.cores();
        let mut ops = Ops::new();
        for (shard, rows, keys) in &inserted {
            for (row, key) in rows.iter().zip(keys) {
                row_ops(&mut ops, table, shards, *shard, key, None, Some(row));
            }
        }
        self.send_index_ops(table, ops).await
    }

    /// Index entries for rows just updated or deleted, per shard that changed them.
    pub(super) async fn index_changed(
        &mut self,
        table: &Arc<TableDef>,
        changed: &[(ShardId, Vec<RowChange>)],
    ) -> Result<(), ErrorFields> {
        let shards = self.worker.cores();
        let mut ops = Ops::new();
        for (shard, changes) in changed {
            for c in changes {
                row_ops(
                    &mut ops,
                    table,
                    shards,
                    *shard,
                    &c.key,
                    Some(&c.old),
                    c.new.as_deref(),
                );
            }
        }
        self.send_index_ops(table, ops).await
    }

    async fn send_index_ops(&mut self, table: &Arc<TableDef>, ops: Ops) -> Result<(), ErrorFields> {
        if ops.is_empty() {
            return Ok(());
        }
        let txn = self.txn_ctx();
        let reqs: Vec<_> = ops
            .into_iter()
            .map(|((index, shard), (mut deletes, inserts))| {
                deletes.extend(inserts);
                (
                    ShardId(shard),
                    ShardRequest::IndexWrite {
                        txn,
                        table: table.clone(),
                        index,
                        ops: deletes,
                    },
                )
            })
            .collect();
        self.participants.extend(reqs.iter().map(|(s, _)| *s));
        for resp in scatter(&self.worker, reqs).await {
            if !matches!(resp, ShardResponse::Modified(_)) {
                return Err(shard_error(resp));
            }
        }
        Ok(())
    }

    /// CREATE [UNIQUE] INDEX (module docs).
    pub(super) async fn create_index(
        &mut self,
        table: &Arc<TableDef>,
        index: &IndexDef,
        if_not_exists: bool,
    ) -> Result<(), ErrorFields> {
        let ctx = self.ctx();
        let exists = ctx
            .catalog
            .table(&self.database, &table.schema, &index.name)
            .is_some()
            || ctx
                .catalog
                .index_owner(&self.database, &table.schema, &index.name)
                .is_some();
        if exists && if_not_exists {
            let n = error::notice(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{}\" already exists, skipping", index.name),
            );
            backend::notice_response(&mut self.conn.out, &n);
            return Ok(());
        }
        // The newest definition of the table (the bound one may be older).
        let current = ctx
            .catalog
            .table(&self.database, &table.schema, &table.name)
            .unwrap_or(table.clone());
        let mut new = (*current).clone();
        new.indexes.push(index.clone());
        if self.txn != super::exec::TxnState::Idle {
            return self.add_indexes_staged(&current, new).await;
        }
        self.add_indexes(&current, new).await
    }

    /// Publishes `new` (the definition `old` plus indexes without ids) and builds the new indexes
    /// from the table's rows; on failure the indexes are withdrawn again.
    pub(super) async fn add_indexes(
        &mut self,
        old: &Arc<TableDef>,
        mut new: TableDef,
    ) -> Result<(), ErrorFields> {
        // Step 1: published as building (writes maintain it, reads do not use it).
        for ix in new.indexes.iter_mut().filter(|ix| ix.id == 0) {
            ix.building = true;
        }
        let new = self.publish_definition(old, new).await?;
        let fresh: Vec<IndexDef> = new
            .indexes
            .iter()
            .filter(|ix| old.index_named(&ix.name).is_none())
            .cloned()
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let built = self.build_indexes(&new, &fresh).await;
        let ended = self.finish_txn(built.is_ok()).await;
        if let Err(e) = built.and(ended) {
            let mut back = (*new).clone();
            back.indexes
                .retain(|ix| !fresh.iter().any(|f| f.id == ix.id));
            if let Err(undo) = self.publish_definition(&new, back).await {
                tracing::error!(?undo, "could not withdraw an index whose build failed");
            }
            return Err(e);
        }
        // Step 2: every row has its entries; reads may use it.
        let mut built = (*new).clone();
        for ix in built.indexes.iter_mut() {
            if fresh.iter().any(|f| f.id == ix.id) {
                ix.building = false;
            }
        }
        self.publish_definition(&new, built).await?;
        Ok(())
    }

    /// Replaces a table's definition on every shard, shard 0 first (it checks names and assigns
    /// ids to new indexes); returns the definition as published.
    pub(super) async fn publish_definition(
        &mut self,
        old: &Arc<TableDef>,
        new: TableDef,
    ) -> Result<Arc<TableDef>, ErrorFields> {
        let first = self
            .worker
            .request(
                ShardId(0),
                ShardRequest::AlterTable {
                    old: old.clone(),
                    new: Arc::new(new),
                },
            )
            .await;
        let published = match first {
            ShardResponse::TableAltered { new, .. } => new,
            other => return Err(shard_error(other)),
        };
        on_other_shards(
            &self.worker,
            |_| ShardRequest::AlterTable {
                old: old.clone(),
                new: published.clone(),
            },
            |r| matches!(r, ShardResponse::TableAltered { .. }),
        )
        .await?;
        Ok(published)
    }

    /// Reads every row with its key and writes the entries of `fresh` (indexes of `table`).
    pub(super) async fn build_indexes(
        &mut self,
        table: &Arc<TableDef>,
        fresh: &[IndexDef],
    ) -> Result<(), ErrorFields> {
        let txn = self.txn_ctx();
        let reqs: Vec<_> = all_shards(&self.worker)
            .map(|s| {
                (
                    s,
                    ShardRequest::ScanKeyed {
                        txn,
                        table: table.clone(),
                    },
                )
            })
            .collect();
        self.add_lockers(reqs.iter().map(|(s, _)| *s));
        let mut inserted = Vec::new();
        for (resp, (shard, _)) in scatter(&self.worker, reqs.clone())
            .await
            .into_iter()
            .zip(reqs)
        {
            match resp {
                ShardResponse::KeyedRows(rows) => {
                    let (keys, rows): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
                    inserted.push((shard, rows, keys));
                }
                other => return Err(shard_error(other)),
            }
        }
        for ix in fresh.iter().filter(|ix| ix.unique) {
            let mut seen = std::collections::HashSet::new();
            for (_, rows, _) in &inserted {
                for row in rows {
                    if let Some(k) = index_key(ix, row) {
                        if !seen.insert(k) {
                            return Err(error::from_sql(&SqlError::UniqueIndexBuild {
                                index: ix.name.clone(),
                                detail: duplicate_detail(table, ix, row, "is duplicated."),
                            }));
                        }
                    }
                }
            }
        }
        let only_fresh = TableDef {
            indexes: fresh.to_vec(),
            ..(**table).clone()
        };
        let shards = self.worker.cores();
        let mut ops = Ops::new();
        for (shard, rows, keys) in &inserted {
            for (row, key) in rows.iter().zip(keys) {
                row_ops(&mut ops, &only_fresh, shards, *shard, key, None, Some(row));
            }
        }
        self.send_index_ops(table, ops).await
    }

    /// REINDEX: nothing to rebuild (entries are exact and transactional), but refused where
    /// PostgreSQL refuses it, inside a transaction block.
    pub(super) fn reindex(
        &mut self,
        kind: &str,
        concurrently: bool,
        notice: Option<&str>,
    ) -> Result<(), ErrorFields> {
        if self.txn != super::exec::TxnState::Idle {
            if concurrently {
                return Err(error::error(
                    SqlState::ACTIVE_SQL_TRANSACTION,
                    "REINDEX CONCURRENTLY cannot run inside a transaction block",
                ));
            }
            if matches!(kind, "SCHEMA" | "DATABASE" | "SYSTEM") {
                return Err(error::error(
                    SqlState::ACTIVE_SQL_TRANSACTION,
                    format!("REINDEX {kind} cannot run inside a transaction block"),
                ));
            }
        }
        if let Some(text) = notice {
            let n = error::notice(SqlState::SUCCESSFUL_COMPLETION, text.to_string());
            backend::notice_response(&mut self.conn.out, &n);
        }
        Ok(())
    }

    /// REINDEX of indexes a crash left unbuilt: each is withdrawn and created again (new id,
    /// fresh entries), as CREATE INDEX would.
    pub(super) async fn rebuild_indexes(
        &mut self,
        indexes: &[(Arc<TableDef>, String)],
    ) -> Result<(), ErrorFields> {
        if indexes.is_empty() {
            return Ok(());
        }
        self.refuse_in_block("REINDEX of an index that was never built")?;
        for (table, name) in indexes {
            let current = self
                .ctx()
                .catalog
                .table(&self.database, &table.schema, &table.name)
                .unwrap_or(table.clone());
            let Some(i) = current.index_named(name) else {
                continue;
            };
            let ix = current.indexes[i].clone();
            let mut without = (*current).clone();
            without.indexes.remove(i);
            let without = self.publish_definition(&current, without).await?;
            let mut again = (*without).clone();
            again
                .indexes
                .insert(i.min(again.indexes.len()), IndexDef { id: 0, ..ix });
            self.add_indexes(&without, again).await?;
        }
        Ok(())
    }

    /// DROP INDEX: each index leaves its table's definition, and its tree goes, on every shard.
    pub(super) async fn drop_indexes(
        &mut self,
        indexes: &[(Arc<TableDef>, String)],
        missing: &[String],
    ) -> Result<(), ErrorFields> {
        for name in missing {
            let n = error::notice(
                SqlState::SUCCESSFUL_COMPLETION,
                format!("index \"{name}\" does not exist, skipping"),
            );
            backend::notice_response(&mut self.conn.out, &n);
        }
        for (table, name) in indexes {
            let current = self
                .ctx()
                .catalog
                .table(&self.database, &table.schema, &table.name)
                .unwrap_or(table.clone());
            let mut new = (*current).clone();
            new.indexes.retain(|ix| ix.name != *name);
            if self.txn != super::exec::TxnState::Idle {
                self.stage_define(&current, &new).await?;
            } else {
                self.publish_definition(&current, new).await?;
            }
        }
        Ok(())
    }
}
