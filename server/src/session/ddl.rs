//! Transactional DDL, the session's side (the shard's: `shard/src/ddl.rs`).
//!
//! CREATE/DROP TABLE (views, sequences) and definition-only ALTER TABLE run in the statement's
//! transaction — the block's, or an implicit one per statement — and every shard becomes a
//! participant: shard 0 first (it checks names and assigns ids), then all others concurrently. Each
//! stages the catalog entry; the commit (two-phase with several shards) applies it everywhere or
//! nowhere, and each core's catalog replica follows its shard's commit.
//!
//! Until then the session binds against the replica plus its transaction's own changes (the
//! *overlay*, `TxnExtra::ddl`, applied in order by [`Session::catalog_view`]); each savepoint
//! remembers the overlay's length, so ROLLBACK TO restores it, and the transaction's end drops it.
//! Plans bound against an overlay are never cached (`plan_cache.rs`).
//!
//! CREATE/DROP INDEX and ADD UNIQUE inside a block are staged definition changes too (the index
//! is built in the transaction; outside a block they keep their own publish-then-build path, see
//! `index.rs`). Still refused inside a block (0A000): ALTER TABLE that rewrites rows (ADD/DROP
//! COLUMN, ADD PRIMARY KEY), REINDEX of an unbuilt index.

use std::rc::Rc;
use std::sync::Arc;

use pglitedb_protocol::ErrorFields;
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::TableDef;

use super::tables::{all_shards, scatter, shard_error};
use super::Session;
use crate::worker::CatalogReplica;

/// One change of the overlay: `old` leaves, `new` enters.
pub type DdlChange = (Option<Arc<TableDef>>, Option<Arc<TableDef>>);

impl Session {
    /// The catalog statements bind against: the core's replica, plus the current transaction's
    /// own catalog changes if it has any.
    pub(super) fn catalog_view(&self) -> Rc<CatalogReplica> {
        let base = self.worker.catalog();
        if self.tx.ddl.is_empty() {
            return base;
        }
        let mut view = CatalogReplica::clone(&base);
        for (old, new) in &self.tx.ddl {
            view.apply_table_change(old.as_deref(), new.as_ref());
        }
        Rc::new(view)
    }

    /// Whether the current transaction changed the catalog (its bindings are private to it).
    pub(super) fn has_pending_ddl(&self) -> bool {
        !self.tx.ddl.is_empty()
    }

    /// Sends `make(shard, txn, shard 0's answer)` in the current transaction to shard 0, then
    /// (unless `stop` says shard 0's answer ends it) to every other shard concurrently; all become
    /// participants. Returns shard 0's answer if every shard answered as `ok` says.
    async fn ddl_everywhere(
        &mut self,
        make: impl Fn(pglitedb_shard::TxnCtx, Option<&ShardResponse>) -> ShardRequest,
        ok: impl Fn(&ShardResponse) -> bool,
        stop: impl Fn(&ShardResponse) -> bool,
    ) -> Result<ShardResponse, ErrorFields> {
        let txn = self.txn_ctx();
        self.participants.extend(all_shards(&self.worker));
        let first = self.worker.request(ShardId(0), make(txn, None)).await;
        if !ok(&first) {
            return Err(shard_error(first));
        }
        if stop(&first) {
            return Ok(first);
        }
        let rest: Vec<_> = all_shards(&self.worker)
            .skip(1)
            .map(|s| (s, make(txn, Some(&first))))
            .collect();
        for resp in scatter(&self.worker, rest).await {
            if !ok(&resp) {
                return Err(shard_error(resp));
            }
        }
        Ok(first)
    }

    /// CREATE TABLE (view, sequence) in the current transaction: the created definition, or
    /// `None` when it existed and `if_not_exists` said skip.
    pub(super) async fn stage_create(
        &mut self,
        table: &TableDef,
        if_not_exists: bool,
    ) -> Result<Option<Arc<TableDef>>, ErrorFields> {
        let first = self
            .ddl_everywhere(
                |txn, first| ShardRequest::CreateTable {
                    txn: Some(txn),
                    table: match first {
                        Some(ShardResponse::TableCreated(Some(t))) => (**t).clone(),
                        _ => table.clone(),
                    },
                    if_not_exists: if_not_exists && first.is_none(),
                },
                |r| matches!(r, ShardResponse::TableCreated(_)),
                |r| matches!(r, ShardResponse::TableCreated(None)),
            )
            .await?;
        let ShardResponse::TableCreated(created) = first else {
            return Err(shard_error(first));
        };
        if let Some(t) = &created {
            self.tx.ddl.push((None, Some(t.clone())));
        }
        Ok(created)
    }

    /// DROP TABLE of one table (view, sequence) in the current transaction.
    pub(super) async fn stage_drop(&mut self, table: &Arc<TableDef>) -> Result<(), ErrorFields> {
        self.ddl_everywhere(
            |txn, _| ShardRequest::DropTable {
                txn: Some(txn),
                table: table.clone(),
            },
            |r| matches!(r, ShardResponse::TableDropped(_)),
            |_| false,
        )
        .await?;
        self.tx.ddl.push((Some(table.clone()), None));
        Ok(())
    }

    /// Replaces a table's definition (same id) in the current transaction; new indexes (id 0) get
    /// their ids from shard 0. Returns the definition as staged.
    pub(super) async fn stage_define(
        &mut self,
        old: &Arc<TableDef>,
        new: &TableDef,
    ) -> Result<Arc<TableDef>, ErrorFields> {
        let new = Arc::new(new.clone());
        let first = self
            .ddl_everywhere(
                |txn, first| ShardRequest::DefineTable {
                    txn,
                    old: old.clone(),
                    new: match first {
                        Some(ShardResponse::TableStaged(t)) => t.clone(),
                        _ => new.clone(),
                    },
                },
                |r| matches!(r, ShardResponse::TableStaged(_)),
                |_| false,
            )
            .await?;
        let ShardResponse::TableStaged(staged) = first else {
            return Err(shard_error(first));
        };
        self.tx.ddl.push((Some(old.clone()), Some(staged.clone())));
        Ok(staged)
    }

    /// CREATE INDEX (or ADD UNIQUE) inside a transaction block: the definition with the new
    /// indexes is staged — from then on other transactions' writes to the table wait for this
    /// one, as PostgreSQL's CREATE INDEX blocks writers — and the entries are built from the rows
    /// this transaction sees, in it. Committed together, or not at all.
    pub(super) async fn add_indexes_staged(
        &mut self,
        old: &Arc<TableDef>,
        mut new: TableDef,
    ) -> Result<(), ErrorFields> {
        for ix in new.indexes.iter_mut().filter(|ix| ix.id == 0) {
            ix.building = false;
        }
        let staged = self.stage_define(old, &new).await?;
        let fresh: Vec<pglitedb_sql::IndexDef> = staged
            .indexes
            .iter()
            .filter(|ix| old.indexes.iter().all(|o| o.id != ix.id))
            .cloned()
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        self.build_indexes(&staged, &fresh).await
    }
}
