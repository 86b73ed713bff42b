//! `ALTER TABLE ... ADD PRIMARY KEY`: a table without a primary key keeps each row on the shard of
//! the session that inserted it, under a hidden row id; with a key, every row lives on
//! `crc32(key) % shards`. Adding the key therefore moves rows:
//!
//! 1. read every row (committed data, all shards), check the key columns for NULLs (23502) and
//!    duplicates (23505, as PostgreSQL's unique index build reports them);
//! 2. shard 0 gets the new definition — it assigns a new table id, so the rows go to a new tree —
//!    and its rows, bulk-loads them (checkpointed, so durable without WAL) and then swaps the
//!    catalog entry and drops the old tree in one logged commit; then every other shard does the
//!    same with that id, concurrently.
//!
//! Not transactional (like the rest of our DDL, see ARCHITECTURE.md): refused inside a transaction
//! block, and writes by concurrent transactions to the table while it runs are not coordinated
//! with it. A crash between shards leaves shards that swapped and shards that did not; a crash
//! before a shard's swap leaves an orphan tree that the shard drops when it next opens.

use std::collections::HashSet;
use std::sync::Arc;

use pglitedb_protocol::{ErrorFields, SqlState};
use pglitedb_shard::route::shard_for_key;
use pglitedb_shard::table::key_of;
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::{bind, parse, Statement, TableDef, Value};

use super::tables::{all_shards, scatter, shard_error};
use super::Session;
use crate::error;

impl Session {
    pub(super) async fn add_primary_key(
        &mut self,
        table: &Arc<TableDef>,
        columns: &[usize],
    ) -> Result<(), ErrorFields> {
        self.refuse_in_block("ALTER TABLE")?;
        let sql = format!("SELECT * FROM \"{}\"", table.name.replace('"', "\"\""));
        let parsed = parse(&sql).map_err(|e| error::from_sql(&e))?;
        let plan = match parsed.first().map(|p| bind(p, &[], &self.ctx())) {
            Some(Ok(Statement::Query(q))) => q,
            Some(Err(e)) => return Err(error::from_sql(&e)),
            _ => {
                return Err(error::error(
                    SqlState::INTERNAL_ERROR,
                    "could not plan the table scan (bug)",
                ))
            }
        };
        let rows = self.query_rows(Arc::new(plan), &[]).await?;

        let mut def = (**table).clone();
        def.id = pglitedb_sql::TableId(0);
        def.primary_key = Some(columns.to_vec());
        for &c in columns {
            def.columns[c].not_null = true;
        }
        let shards = self.worker.cores();
        let mut per_shard: Vec<Vec<Vec<Value>>> = vec![Vec::new(); shards];
        let mut seen = HashSet::with_capacity(rows.len());
        for row in rows {
            for &c in columns {
                if row[c] == Value::Null {
                    return Err(error::error(
                        SqlState::NOT_NULL_VIOLATION,
                        format!(
                            "column \"{}\" of relation \"{}\" contains null values",
                            def.columns[c].name, def.name
                        ),
                    ));
                }
            }
            let values: Vec<&Value> = columns.iter().map(|&c| &row[c]).collect();
            let key = key_of(&values).ok_or_else(|| {
                error::error(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "primary keys of this type are not supported yet",
                )
            })?;
            let shard = shard_for_key(&key, shards);
            if !seen.insert(key) {
                let names: Vec<&str> = columns
                    .iter()
                    .map(|&c| def.columns[c].name.as_str())
                    .collect();
                let shown: Vec<String> = values
                    .iter()
                    .map(|v| v.to_text().unwrap_or_default())
                    .collect();
                return Err(error::error(
                    SqlState::UNIQUE_VIOLATION,
                    format!("could not create unique index \"{}\"", def.pkey_name()),
                )
                .with_detail(format!(
                    "Key ({})=({}) is duplicated.",
                    names.join(", "),
                    shown.join(", ")
                )));
            }
            per_shard[shard.0 as usize].push(row);
        }
        let mut per_shard = per_shard.into_iter();
        let first_rows = per_shard.next().unwrap_or_default();
        let created = match self
            .worker
            .request(
                ShardId(0),
                ShardRequest::ReplaceTable {
                    old: table.clone(),
                    new: def,
                    rows: first_rows,
                },
            )
            .await
        {
            ShardResponse::TableCreated(Some(t)) => t,
            other => return Err(shard_error(other)),
        };
        let rest: Vec<_> = all_shards(&self.worker)
            .skip(1)
            .zip(per_shard)
            .map(|(s, rows)| {
                (
                    s,
                    ShardRequest::ReplaceTable {
                        old: table.clone(),
                        new: (*created).clone(),
                        rows,
                    },
                )
            })
            .collect();
        for resp in scatter(&self.worker, rest).await {
            if !matches!(resp, ShardResponse::TableCreated(Some(_))) {
                return Err(shard_error(resp));
            }
        }
        Ok(())
    }
}
