//! A shard's half of ALTER TABLE (the session drives it, see `server/src/session/rekey.rs`):
//! replace the table's partition with the given rows under a new definition and tree (ADD PRIMARY
//! KEY, ADD/DROP COLUMN), or replace only the definition (renames, defaults, NOT NULL).
//!
//! A table without a primary key gets fresh hidden row ids 1..n on each shard.
//!
//! Steps and what a crash leaves after each:
//! 1. bulk-load the rows, keyed by the new primary key, into the new table id's tree; the engine
//!    checkpoints, so the tree is durable without logging every row. A crash here leaves an orphan
//!    tree (no catalog entry names it), dropped by [`Shard::drop_orphan_trees`] at the next open.
//! 2. one logged commit: catalog entry of the new definition in, old entry out, old tree dropped.
//!    After it the shard serves only the new definition.

use std::sync::Arc;

use pglitedb_sql::{SqlError, TableDef, TableId, Value};
use pglitedb_storage::io::Io;
use pglitedb_storage::{TreeId, WriteBatch};

use crate::error::{Result, ShardError};
use crate::message::ShardResponse;
use crate::shard::{Shard, Step, CATALOG_TREE, FIRST_TABLE_ID};
use crate::table::{encode_row, row_key};

impl<I: Io> Shard<I> {
    pub(crate) async fn replace_table(
        &mut self,
        old: &TableDef,
        mut new: TableDef,
        rows: &[Vec<Value>],
    ) -> Result<Step<I::File>> {
        let old = self.local_table(old)?;
        self.check_no_staged_ddl(&old)?;
        if new.id.0 == 0 {
            // The first shard asked assigns the id, as for CREATE TABLE.
            new.id = TableId(self.next_table_id());
        }
        let tree = TreeId(new.id.0);
        let mut entries = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let key = match new.primary_key {
                Some(_) => row_key(&new, row).ok_or_else(|| {
                    ShardError::Sql(SqlError::FeatureNotSupported(
                        "primary keys of this type are not supported yet".into(),
                    ))
                })?,
                None => (i as u64 + 1).to_be_bytes().to_vec(),
            };
            entries.push((key, encode_row(row)));
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if entries.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(ShardError::Sql(SqlError::Internal(
                "duplicate keys reached a shard during ADD PRIMARY KEY".into(),
            )));
        }
        if self.engine.has_tree(tree) {
            // An orphan from an interrupted attempt.
            let mut batch = WriteBatch::new();
            batch.drop_tree(tree);
            self.engine.commit(batch).await?.durable().await?;
        }
        self.engine.bulk_load(tree, entries).await?;
        let mut batch = WriteBatch::new();
        batch.delete(CATALOG_TREE, &old.id.0.to_be_bytes());
        batch.put(CATALOG_TREE, &new.id.0.to_be_bytes(), &new.encode());
        let old_tree = TreeId(old.id.0);
        if self.engine.has_tree(old_tree) {
            batch.drop_tree(old_tree);
        }
        // Index entries name rows by storage key, which a rewrite changes: the session rebuilds
        // the indexes afterwards (see `server/src/session/index.rs`).
        for ix in &old.indexes {
            if !new.indexes.iter().any(|n| n.id == ix.id) && self.engine.has_tree(TreeId(ix.id)) {
                batch.drop_tree(TreeId(ix.id));
                self.versions.drop_tree(TreeId(ix.id));
            }
        }
        let ticket = self.engine.commit(batch).await?;
        self.tables.remove(&old.id);
        self.next_rowid.remove(&old.id);
        let new = Arc::new(new);
        self.tables.insert(new.id, new.clone());
        Ok(Step::Commit(
            ticket,
            ShardResponse::TableAltered { old, new },
        ))
    }

    /// Replaces a table's definition, keeping its id and rows. Indexes new in it get their trees
    /// (shard 0, the DDL sequencer, checks their names and assigns their ids: the answer carries
    /// them), indexes gone from it lose theirs.
    pub(crate) async fn alter_table(
        &mut self,
        old: &TableDef,
        new: &Arc<TableDef>,
    ) -> Result<Step<I::File>> {
        let old = self.local_table(old)?;
        if old.temp.is_some() {
            // A temporary table's definition lives only in memory (`temp.rs`): it must never
            // reach the catalog tree or `tables`, whose largest id seeds permanent ids.
            if new.temp.is_none() || new.id != old.id {
                return Err(
                    SqlError::Internal("temporary table altered into another".into()).into(),
                );
            }
            self.temp_tables.insert(new.id, new.clone());
            return Ok(Step::Reply(ShardResponse::TableAltered {
                old,
                new: new.clone(),
            }));
        }
        self.check_no_staged_ddl(&old)?;
        let mut new = new.clone();
        if self.id.0 == 0 {
            if new.name != old.name && self.relation_taken(&new.database, &new.schema, &new.name) {
                return Err(SqlError::DuplicateTable(new.name.clone()).into());
            }
            // New names: indexes being created, or renamed (same id, other name).
            for ix in &new.indexes {
                let renamed = old
                    .indexes
                    .iter()
                    .any(|o| o.id == ix.id && ix.id != 0 && o.name != ix.name);
                if renamed && self.relation_taken(&new.database, &new.schema, &ix.name) {
                    return Err(SqlError::DuplicateTable(ix.name.clone()).into());
                }
            }
            let fresh: Vec<usize> = (0..new.indexes.len())
                .filter(|&i| new.indexes[i].id == 0)
                .collect();
            for (id, i) in (self.next_table_id()..).zip(fresh) {
                let name = new.indexes[i].name.clone();
                if self.relation_taken(&new.database, &new.schema, &name) || name == new.name {
                    return Err(SqlError::DuplicateTable(name).into());
                }
                Arc::make_mut(&mut new).indexes[i].id = id;
            }
        } else if new.indexes.iter().any(|i| i.id == 0) {
            return Err(SqlError::Internal("index without an id reached a shard".into()).into());
        }
        let mut batch = WriteBatch::new();
        for ix in &new.indexes {
            if !self.engine.has_tree(TreeId(ix.id)) {
                batch.create_tree(TreeId(ix.id));
            }
        }
        for ix in &old.indexes {
            if !new.indexes.iter().any(|n| n.id == ix.id) && self.engine.has_tree(TreeId(ix.id)) {
                batch.drop_tree(TreeId(ix.id));
                self.versions.drop_tree(TreeId(ix.id));
            }
        }
        batch.put(CATALOG_TREE, &new.id.0.to_be_bytes(), &new.encode());
        let ticket = self.engine.commit(batch).await?;
        self.tables.insert(new.id, new.clone());
        Ok(Step::Commit(
            ticket,
            ShardResponse::TableAltered {
                old,
                new: new.clone(),
            },
        ))
    }

    /// DDL that commits on its own (index publication, row rewrites) refuses a table whose
    /// definition a live transaction is changing (40001).
    fn check_no_staged_ddl(&self, table: &TableDef) -> Result<()> {
        let key = crate::ddl::table_key(table.id);
        let locked = self.txns.conflicting(
            pglitedb_storage::TxnId(0),
            CATALOG_TREE,
            &key,
            crate::txn::LockMode::KeyShare,
        );
        match locked {
            Some(_) => Err(ShardError::ConcurrentDdl(table.name.clone())),
            None => Ok(()),
        }
    }

    /// The id after the largest table, index or tree id this shard knows or handed out since it
    /// opened (trees of tables staged by live transactions count: see `ddl.rs`).
    pub(crate) fn next_table_id(&self) -> u64 {
        self.tables
            .values()
            .flat_map(|t| std::iter::once(t.id.0).chain(t.indexes.iter().map(|i| i.id)))
            .chain(self.functions.keys().copied())
            .chain(
                (self.engine.trees().into_iter())
                    .map(|t| t.0)
                    .filter(|&t| t < crate::temp::TEMP_ID_BASE),
            )
            .map(|id| id + 1)
            .max()
            .unwrap_or(FIRST_TABLE_ID)
            .max(FIRST_TABLE_ID)
            .max(self.id_floor)
    }

    /// Drops table trees that no catalog entry names (left by an interrupted ADD PRIMARY KEY, or by
    /// a transaction that created a table and never committed).
    pub(crate) async fn drop_orphan_trees(&mut self) -> Result<()> {
        // Trees an in-doubt prepared transaction stages a table for are kept (`ddl.rs`).
        let mut index_trees = self.in_doubt_trees()?;
        index_trees.extend(
            self.tables
                .values()
                .flat_map(|t| t.indexes.iter().map(|i| i.id)),
        );
        let orphans: Vec<TreeId> = self
            .engine
            .trees()
            .into_iter()
            .filter(|t| {
                t.0 >= FIRST_TABLE_ID
                    && !self.tables.contains_key(&TableId(t.0))
                    && !index_trees.contains(&t.0)
            })
            .collect();
        if orphans.is_empty() {
            return Ok(());
        }
        let mut batch = WriteBatch::new();
        for t in &orphans {
            batch.drop_tree(*t);
        }
        self.engine.commit(batch).await?.durable().await?;
        Ok(())
    }
}
