//! Databases (tenants) on one shard: `CREATE DATABASE` records the name (catalog key `D<name>`);
//! `DROP DATABASE` removes it and, in the same logged commit, every table of it here. Tables carry
//! their database in their definition; sessions resolve names only within their own database, so
//! tenants never see each other's tables. Shard 0 (the DDL sequencer) is asked first, so a duplicate
//! or missing name is reported once, before any other shard changes.

use pglitedb_sql::{SqlError, TableId};
use pglitedb_storage::io::Io;
use pglitedb_storage::{TreeId, WriteBatch};

use crate::error::Result;
use crate::message::ShardResponse;
use crate::shard::{database_key, Shard, Step, CATALOG_TREE};

impl<I: Io> Shard<I> {
    pub(crate) async fn create_database(&mut self, name: &str) -> Result<Step<I::File>> {
        if self.databases.contains(name) {
            return Err(SqlError::DuplicateDatabase(name.to_string()).into());
        }
        let mut batch = WriteBatch::new();
        batch.put(CATALOG_TREE, &database_key(name), b"");
        let ticket = self.engine.commit(batch).await?;
        self.databases.insert(name.to_string());
        Ok(Step::Commit(
            ticket,
            ShardResponse::DatabaseCreated(name.to_string()),
        ))
    }

    /// Drops a database and, in the same commit, every table of it on this shard.
    pub(crate) async fn drop_database(
        &mut self,
        name: &str,
        if_exists: bool,
    ) -> Result<Step<I::File>> {
        if !self.databases.contains(name) {
            if if_exists {
                return Ok(Step::Reply(ShardResponse::DatabaseDropped {
                    name: name.to_string(),
                    existed: false,
                }));
            }
            return Err(SqlError::UndefinedDatabase(name.to_string()).into());
        }
        let doomed: Vec<TableId> = self
            .tables
            .values()
            .filter(|t| t.database == name)
            .map(|t| t.id)
            .collect();
        let mut batch = WriteBatch::new();
        for id in &doomed {
            batch.delete(CATALOG_TREE, &id.0.to_be_bytes());
            if self.engine.has_tree(TreeId(id.0)) {
                batch.drop_tree(TreeId(id.0));
            }
        }
        batch.delete(CATALOG_TREE, &database_key(name));
        let ticket = self.engine.commit(batch).await?;
        for id in doomed {
            self.tables.remove(&id);
            self.next_rowid.remove(&id);
        }
        self.databases.remove(name);
        Ok(Step::Commit(
            ticket,
            ShardResponse::DatabaseDropped {
                name: name.to_string(),
                existed: true,
            },
        ))
    }
}
