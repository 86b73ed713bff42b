//! Schemas on one shard (see `pglitedb_sql::namespace`): CREATE SCHEMA records the schema under
//! the catalog key `N<database>\0<name>` (value: the owner's name); DROP SCHEMA removes it and, in
//! the same logged commit, every relation of it here; ALTER SCHEMA RENAME rewrites the key and the
//! definitions of its relations in one commit. Built-in schemas (`public`, ...) are implicit and
//! never stored. Shard 0 (the DDL sequencer) is asked first, so a duplicate or missing name is
//! reported once, before any other shard changes.
//!
//! Each operation is one `WriteBatch` of catalog changes, so it can move onto transactional DDL's
//! staged catalog writes unchanged.

use std::sync::Arc;

use pglitedb_sql::{SchemaDef, SqlError, TableDef, TableId};
use pglitedb_storage::io::Io;
use pglitedb_storage::{TreeId, WriteBatch};

use crate::error::Result;
use crate::message::ShardResponse;
use crate::shard::{Shard, Step, CATALOG_TREE};

/// Catalog keys of schemas start with this byte (databases use `D`, tables 8-byte ids below
/// 2^56, which start with 0).
pub(crate) const SCHEMA_KEY: &[u8] = b"N";

pub(crate) fn schema_key(database: &str, name: &str) -> Vec<u8> {
    let mut k = SCHEMA_KEY.to_vec();
    k.extend_from_slice(database.as_bytes());
    k.push(0);
    k.extend_from_slice(name.as_bytes());
    k
}

/// Reads a schema's catalog entry (key without its prefix byte, and value).
pub(crate) fn decode_schema(key: &[u8], value: &[u8]) -> Result<SchemaDef> {
    let corrupt = || SqlError::Internal("corrupted schema catalog entry".into());
    let at = key.iter().position(|&b| b == 0).ok_or_else(corrupt)?;
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| corrupt());
    Ok(SchemaDef {
        database: text(&key[..at])?,
        name: text(&key[at + 1..])?,
        owner: text(value)?,
    })
}

fn exists(schemas: &[SchemaDef], database: &str, name: &str) -> bool {
    pglitedb_sql::namespace::BUILTIN.contains(&name)
        || schemas
            .iter()
            .any(|s| s.database == database && s.name == name)
}

impl<I: Io> Shard<I> {
    /// Whether schema `name` of `database` exists here (built-in or created; an empty name is a
    /// definition built without one, e.g. `TableDef::default()` in tests, and means `public`).
    pub(crate) fn schema_exists(&self, database: &str, name: &str) -> bool {
        name.is_empty() || exists(&self.schemas, database, name)
    }

    pub(crate) async fn create_schema(
        &mut self,
        schema: &SchemaDef,
        if_not_exists: bool,
    ) -> Result<Step<I::File>> {
        if !self.databases.contains(&schema.database) {
            return Err(SqlError::UndefinedDatabase(schema.database.clone()).into());
        }
        if exists(&self.schemas, &schema.database, &schema.name) {
            if if_not_exists {
                return Ok(Step::Reply(ShardResponse::SchemaCreated(None)));
            }
            return Err(SqlError::DuplicateSchema(schema.name.clone()).into());
        }
        let mut batch = WriteBatch::new();
        batch.put(
            CATALOG_TREE,
            &schema_key(&schema.database, &schema.name),
            &schema.encode(),
        );
        let ticket = self.engine.commit(batch).await?;
        self.schemas.push(schema.clone());
        Ok(Step::Commit(
            ticket,
            ShardResponse::SchemaCreated(Some(schema.clone())),
        ))
    }

    /// Drops a schema and, in the same commit, every relation of it on this shard.
    pub(crate) async fn drop_schema(
        &mut self,
        database: &str,
        name: &str,
    ) -> Result<Step<I::File>> {
        let Some(at) = (self.schemas.iter()).position(|s| s.database == database && s.name == name)
        else {
            return Err(SqlError::UndefinedSchema(name.to_string()).into());
        };
        let doomed: Vec<Arc<TableDef>> = (self.tables.values())
            .filter(|t| t.database == database && t.schema == name)
            .cloned()
            .collect();
        let mut batch = WriteBatch::new();
        for t in &doomed {
            batch.delete(CATALOG_TREE, &t.id.0.to_be_bytes());
            for tree in std::iter::once(t.id.0).chain(t.indexes.iter().map(|i| i.id)) {
                if self.engine.has_tree(TreeId(tree)) {
                    batch.drop_tree(TreeId(tree));
                }
            }
        }
        batch.delete(CATALOG_TREE, &schema_key(database, name));
        let ticket = self.engine.commit(batch).await?;
        for t in &doomed {
            self.tables.remove(&t.id);
            self.next_rowid.remove(&t.id);
            self.sequences.remove(&t.id);
            self.versions.drop_tree(TreeId(t.id.0));
            for ix in &t.indexes {
                self.versions.drop_tree(TreeId(ix.id));
            }
        }
        self.schemas.remove(at);
        Ok(Step::Commit(
            ticket,
            ShardResponse::SchemaDropped {
                database: database.to_string(),
                name: name.to_string(),
            },
        ))
    }

    /// ALTER SCHEMA name RENAME TO to: the key and every relation's definition, in one commit.
    pub(crate) async fn rename_schema(
        &mut self,
        database: &str,
        name: &str,
        to: &str,
    ) -> Result<Step<I::File>> {
        let Some(at) = (self.schemas.iter()).position(|s| s.database == database && s.name == name)
        else {
            return Err(SqlError::UndefinedSchema(name.to_string()).into());
        };
        if exists(&self.schemas, database, to) {
            return Err(SqlError::DuplicateSchema(to.to_string()).into());
        }
        let moved: Vec<(TableId, TableDef)> = (self.tables.values())
            .filter(|t| t.database == database && t.schema == name)
            .map(|t| {
                let mut def = (**t).clone();
                def.schema = to.to_string();
                (t.id, def)
            })
            .collect();
        let mut renamed = self.schemas[at].clone();
        renamed.name = to.to_string();
        let mut batch = WriteBatch::new();
        for (id, def) in &moved {
            batch.put(CATALOG_TREE, &id.0.to_be_bytes(), &def.encode());
        }
        batch.delete(CATALOG_TREE, &schema_key(database, name));
        batch.put(CATALOG_TREE, &schema_key(database, to), &renamed.encode());
        let ticket = self.engine.commit(batch).await?;
        for (id, def) in moved {
            self.tables.insert(id, Arc::new(def));
        }
        self.schemas[at] = renamed;
        Ok(Step::Commit(
            ticket,
            ShardResponse::SchemaRenamed {
                database: database.to_string(),
                name: name.to_string(),
                to: to.to_string(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_keys_round_trip() {
        let s = SchemaDef {
            database: "tenant".into(),
            name: "sales".into(),
            owner: "bob".into(),
        };
        let key = schema_key(&s.database, &s.name);
        assert_eq!(key[0], b'N');
        assert_eq!(decode_schema(&key[1..], &s.encode()).ok(), Some(s));
        assert!(decode_schema(b"no-separator", b"").is_err());
    }
}
