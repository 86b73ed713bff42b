//! Databases (tenants) on one shard: `CREATE DATABASE` records the name (catalog key `D<name>`);
//! `DROP DATABASE` removes it and, in the same logged commit, every table and function of it here. Tables carry
//! their database in their definition; sessions resolve names only within their own database, so
//! tenants never see each other's tables. Shard 0 (the DDL sequencer) is asked first, so a duplicate
//! or missing name is reported once, before any other shard changes. ALTER DATABASE SET stores the
//! database's setting defaults as the value of its catalog key; sessions apply them at connection.

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
        // Index entries go with their tables.
        let index_trees: Vec<TreeId> = self
            .tables
            .values()
            .filter(|t| t.database == name)
            .flat_map(|t| t.indexes.iter().map(|i| TreeId(i.id)))
            .collect();
        let mut batch = WriteBatch::new();
        for id in &doomed {
            batch.delete(CATALOG_TREE, &id.0.to_be_bytes());
            if self.engine.has_tree(TreeId(id.0)) {
                batch.drop_tree(TreeId(id.0));
            }
        }
        for tree in index_trees {
            if self.engine.has_tree(tree) {
                batch.drop_tree(tree);
            }
            self.versions.drop_tree(tree);
        }
        for s in self.schemas.iter().filter(|s| s.database == name) {
            batch.delete(CATALOG_TREE, &crate::schema::schema_key(name, &s.name));
        }
        let functions: Vec<u64> = (self.functions.values())
            .filter(|f| f.database == name)
            .map(|f| f.id)
            .collect();
        for id in &functions {
            batch.delete(CATALOG_TREE, &crate::function::function_key(*id));
        }
        batch.delete(CATALOG_TREE, &database_key(name));
        let ticket = self.engine.commit(batch).await?;
        self.schemas.retain(|s| s.database != name);
        for id in functions {
            self.functions.remove(&id);
        }
        for id in doomed {
            self.tables.remove(&id);
            self.next_rowid.remove(&id);
        }
        self.databases.remove(name);
        self.database_settings.remove(name);
        Ok(Step::Commit(
            ticket,
            ShardResponse::DatabaseDropped {
                name: name.to_string(),
                existed: true,
            },
        ))
    }

    /// ALTER DATABASE SET/RESET: rewrites the database's defaults (the value of its catalog key).
    /// The session validated the setting and its value; names arrive canonical.
    pub(crate) async fn alter_database(
        &mut self,
        name: &str,
        setting: Option<&str>,
        value: Option<&str>,
    ) -> Result<Step<I::File>> {
        if !self.databases.contains(name) {
            return Err(SqlError::UndefinedDatabase(name.to_string()).into());
        }
        let mut settings = self
            .database_settings
            .get(name)
            .cloned()
            .unwrap_or_default();
        match (setting, value) {
            (None, _) => settings.clear(),
            (Some(s), None) => settings.retain(|(k, _)| k != s),
            (Some(s), Some(v)) => match settings.iter_mut().find(|(k, _)| k == s) {
                Some(entry) => entry.1 = v.to_string(),
                None => settings.push((s.to_string(), v.to_string())),
            },
        }
        let mut batch = WriteBatch::new();
        batch.put(
            CATALOG_TREE,
            &database_key(name),
            &encode_settings(&settings),
        );
        let ticket = self.engine.commit(batch).await?;
        if settings.is_empty() {
            self.database_settings.remove(name);
        } else {
            self.database_settings
                .insert(name.to_string(), settings.clone());
        }
        Ok(Step::Commit(
            ticket,
            ShardResponse::DatabaseAltered {
                name: name.to_string(),
                settings,
            },
        ))
    }
}

/// The value of a database's catalog key: its defaults as `u32 count, (u32 len, name, u32 len,
/// value)*`; empty (as every database before ALTER DATABASE existed) means none.
fn encode_settings(settings: &[(String, String)]) -> Vec<u8> {
    if settings.is_empty() {
        return Vec::new();
    }
    let mut out = (settings.len() as u32).to_be_bytes().to_vec();
    for (k, v) in settings {
        for s in [k, v] {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }
    out
}

/// Reads what [`encode_settings`] wrote.
pub(crate) fn decode_settings(mut b: &[u8]) -> Result<Vec<(String, String)>> {
    let corrupt = || SqlError::Internal("corrupted database settings".into());
    let u32_of = |b: &mut &[u8]| -> std::result::Result<u32, SqlError> {
        let (head, rest) = b.split_at_checked(4).ok_or_else(corrupt)?;
        *b = rest;
        Ok(u32::from_be_bytes([head[0], head[1], head[2], head[3]]))
    };
    if b.is_empty() {
        return Ok(Vec::new());
    }
    let n = u32_of(&mut b)?;
    let mut out = Vec::new();
    for _ in 0..n {
        let mut pair = Vec::with_capacity(2);
        for _ in 0..2 {
            let len = u32_of(&mut b)? as usize;
            let (s, rest) = b.split_at_checked(len).ok_or_else(corrupt)?;
            b = rest;
            pair.push(String::from_utf8(s.to_vec()).map_err(|_| corrupt())?);
        }
        let value = pair.pop().unwrap_or_default();
        let key = pair.pop().unwrap_or_default();
        out.push((key, value));
    }
    if !b.is_empty() {
        return Err(corrupt().into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_reject_damage() {
        assert_eq!(decode_settings(b"").ok(), Some(Vec::new()));
        let s = vec![
            ("timezone".to_string(), "Europe/Berlin".to_string()),
            ("work_mem".to_string(), "64MB".to_string()),
        ];
        let bytes = encode_settings(&s);
        assert_eq!(decode_settings(&bytes).ok(), Some(s));
        for cut in 1..bytes.len() {
            assert!(decode_settings(&bytes[..cut]).is_err(), "{cut}");
        }
    }
}
