//! The session's temporary tables (CREATE TEMP TABLE, `pg_temp.t`, ON COMMIT).
//!
//! A temporary table is known only to the session that created it: the session keeps the
//! definitions (`Session::temp`) and resolves names among them before the database's tables (see
//! `Ctx` in `exec.rs`), and no core's catalog replica lists them. Its rows all live on the
//! session's own shard, whatever the primary key (`shard/src/temp.rs`), so every statement over
//! it goes to that one shard (`Session::targets` in `tables.rs`).
//!
//! Lifetime: dropped when the session ends (a crash leaves trees without catalog entries, which
//! the shard drops when it next opens). Creating and dropping are not transactional (unlike other
//! DDL, `ddl.rs`), with one concession to PostgreSQL: a temporary table created inside a block
//! that rolls back is dropped. At the end of each transaction, ON COMMIT DROP tables are dropped and ON
//! COMMIT DELETE ROWS tables are emptied (when the transaction wrote on this shard).

use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_shard::{ShardRequest, ShardResponse};
use pglitedb_sql::{OnCommit, TableDef};

use super::exec::TxnState;
use super::tables::shard_error;
use super::Session;
use crate::error;

impl Session {
    /// CREATE TEMP TABLE on this session's shard; `None` when it existed and IF NOT EXISTS said skip.
    pub(super) async fn create_temp_table(
        &mut self,
        table: &TableDef,
        if_not_exists: bool,
    ) -> Result<Option<Arc<TableDef>>, ErrorFields> {
        if self.temp.contains_key(&table.name) {
            if if_not_exists {
                let n = error::notice(
                    SqlState::DUPLICATE_TABLE,
                    format!("relation \"{}\" already exists, skipping", table.name),
                );
                backend::notice_response(&mut self.conn.out, &n);
                return Ok(None);
            }
            return Err(error::error(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{}\" already exists", table.name),
            ));
        }
        let req = ShardRequest::CreateTable {
            txn: None,
            table: table.clone(),
            if_not_exists: false,
        };
        let created = match self.worker.request(self.worker.id, req).await {
            ShardResponse::TableCreated(Some(t)) => t,
            other => return Err(shard_error(other)),
        };
        self.temp.insert(created.name.clone(), created.clone());
        if self.txn != TxnState::Idle {
            self.temp_new.push(created.name.clone());
        }
        Ok(Some(created))
    }

    /// DROP TABLE of a temporary table.
    pub(super) async fn drop_temp_table(&mut self, table: &TableDef) -> Result<(), ErrorFields> {
        self.temp.remove(&table.name);
        self.temp_new.retain(|n| *n != table.name);
        let req = ShardRequest::DropTable {
            txn: None,
            table: Arc::new(table.clone()),
        };
        match self.worker.request(self.worker.id, req).await {
            ShardResponse::TableDropped(_) => Ok(()),
            other => Err(shard_error(other)),
        }
    }

    /// ON COMMIT actions at the end of a transaction that `committed` (or rolled back), after its
    /// outcome is applied; `wrote_here`: it wrote on this session's shard. Outside a block a
    /// statement is its own transaction, so this also runs after each such statement.
    pub(super) async fn temp_at_txn_end(
        &mut self,
        committed: bool,
        wrote_here: bool,
    ) -> Result<(), ErrorFields> {
        if self.temp.is_empty() {
            return Ok(());
        }
        let created = std::mem::take(&mut self.temp_new);
        let mut first_error = Ok(());
        let tables: Vec<Arc<TableDef>> = self.temp.values().cloned().collect();
        for t in tables {
            let drop = t.temp == Some(OnCommit::Drop) || (!committed && created.contains(&t.name));
            let result = if drop {
                self.drop_temp_table(&t).await
            } else if t.temp == Some(OnCommit::DeleteRows) && wrote_here {
                let req = ShardRequest::TruncateTemp { table: t };
                match self.worker.request(self.worker.id, req).await {
                    ShardResponse::Done => Ok(()),
                    other => Err(shard_error(other)),
                }
            } else {
                Ok(())
            };
            if first_error.is_ok() {
                first_error = result;
            }
        }
        first_error
    }

    /// Drops every temporary table of the session (its end).
    pub(super) async fn drop_all_temp(&mut self) {
        let tables: Vec<Arc<TableDef>> = self.temp.values().cloned().collect();
        for t in tables {
            // A failure leaves an orphan tree, which the shard drops at its next open.
            let _ = self.drop_temp_table(&t).await;
        }
    }
}
