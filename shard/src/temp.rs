//! Temporary tables on their session's shard.
//!
//! A temporary table belongs to one session, and all its rows live on that session's shard (the
//! session never moves to another core), whatever its primary key: no other session can reach
//! them, and no statement over them needs another shard. Its definition is kept in memory only
//! (`Shard::temp_tables`), never in the catalog tree, and no core's catalog replica lists it (the
//! session resolves its temporary tables itself). Its rows live in an ordinary tree, written
//! through the WAL like any other, so transactions over them work unchanged.
//!
//! Ids come from a range of their own, `TEMP_ID_BASE | shard << 40 | n`, far above permanent
//! table ids (which stay below 2^56, see `shard.rs`), so shard 0's id assignment never sees them.
//!
//! The session drops its temporary tables when it ends. After a crash, or if that drop failed,
//! the tree has no catalog entry, so the next open drops it with the other orphan trees
//! (`Shard::drop_orphan_trees`) before any id is handed out again.

use std::sync::Arc;

use pglitedb_sql::{SqlError, TableDef, TableId};
use pglitedb_storage::io::Io;
use pglitedb_storage::{TreeId, WriteBatch};

use crate::error::Result;
use crate::message::ShardResponse;
use crate::shard::{Shard, Step};

/// The first temporary table id (bit 60); bits 40..56 hold the shard.
pub(crate) const TEMP_ID_BASE: u64 = 1 << 60;

impl<I: Io> Shard<I> {
    pub(crate) async fn create_temp_table(&mut self, mut table: TableDef) -> Result<Step<I::File>> {
        self.next_temp += 1;
        table.id = TableId(TEMP_ID_BASE | (u64::from(self.id.0) << 40) | self.next_temp);
        let tree = TreeId(table.id.0);
        let mut batch = WriteBatch::new();
        batch.create_tree(tree);
        let ticket = self.engine.commit(batch).await?;
        let table = Arc::new(table);
        self.temp_tables.insert(table.id, table.clone());
        Ok(Step::Commit(
            ticket,
            ShardResponse::TableCreated(Some(table)),
        ))
    }

    pub(crate) async fn drop_temp_table(&mut self, table: &TableDef) -> Result<Step<I::File>> {
        let Some(table) = self.temp_tables.remove(&table.id) else {
            return Err(SqlError::UndefinedTableNoPosition(table.name.clone()).into());
        };
        let tree = TreeId(table.id.0);
        let mut batch = WriteBatch::new();
        if self.engine.has_tree(tree) {
            batch.drop_tree(tree);
        }
        self.next_rowid.remove(&table.id);
        self.sequences.remove(&table.id);
        self.versions.drop_tree(tree);
        let ticket = self.engine.commit(batch).await?;
        Ok(Step::Commit(ticket, ShardResponse::TableDropped(table)))
    }

    /// Replaces a temporary table's tree by an empty one, in one logged commit.
    pub(crate) async fn truncate_temp(&mut self, table: &TableDef) -> Result<Step<I::File>> {
        if !self.temp_tables.contains_key(&table.id) {
            return Err(SqlError::UndefinedTableNoPosition(table.name.clone()).into());
        }
        let tree = TreeId(table.id.0);
        let mut batch = WriteBatch::new();
        if self.engine.has_tree(tree) {
            batch.drop_tree(tree);
        }
        batch.create_tree(tree);
        self.next_rowid.remove(&table.id);
        self.versions.drop_tree(tree);
        let ticket = self.engine.commit(batch).await?;
        Ok(Step::Commit(ticket, ShardResponse::Done))
    }
}
