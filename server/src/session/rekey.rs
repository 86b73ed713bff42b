//! ALTER TABLE, driven from the session (the binder's `AlterPlan` says what changes; see
//! `sql/src/bind/alter.rs`).
//!
//! - Definition-only changes (renames, defaults, DROP NOT NULL, SET NOT NULL after its check): shard
//!   0, the DDL sequencer, replaces the definition first (checking a new name), then every other
//!   shard.
//! - Changes to stored rows (ADD/DROP COLUMN, ADD PRIMARY KEY): a table without a primary key keeps
//!   each row on some shard under a hidden row id; with a key, every row lives on
//!   `crc32(key) % shards`. So the session reads every row (committed data, all shards), maps it to
//!   the new columns, checks NOT NULL (23502) and, for a new key, duplicates (23505, as PostgreSQL's
//!   unique index build reports them); then shard 0 gets the new definition — it assigns a new
//!   table id, so the rows go to a new tree — and its share of the rows, bulk-loads them
//!   (checkpointed, so durable without WAL) and swaps the catalog entry and drops the old tree in
//!   one logged commit; then every other shard does the same with that id, concurrently. Rows of a
//!   table without a key are dealt round-robin.
//!
//! Definition-only changes are transactional (`ddl.rs`). Row rewrites are not: refused inside a
//! transaction block, and writes by concurrent transactions to the table while it runs are not
//! coordinated with it. A crash between shards leaves shards that changed and shards that did not; a crash
//! before a shard's swap leaves an orphan tree that the shard drops when it next opens. Prepared
//! statements bound to the old definition fail afterwards (42P01) instead of being re-planned.

use std::collections::HashSet;
use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_shard::route::shard_for_key;
use pglitedb_shard::table::key_of;
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::{bind, parse, AlterPlan, ColSource, Statement, TableDef, TableId, Value};

use super::tables::{all_shards, scatter, shard_error};
use super::Session;
use crate::error;

impl Session {
    pub(super) async fn alter_table(&mut self, plan: &AlterPlan) -> Result<(), ErrorFields> {
        if plan.old.temp.is_some() {
            return Err(error::error(
                SqlState::FEATURE_NOT_SUPPORTED,
                "ALTER TABLE on a temporary table is not supported yet",
            ));
        }
        for n in &plan.notices {
            let n = error::notice(SqlState::SUCCESSFUL_COMPLETION, n.clone());
            backend::notice_response(&mut self.conn.out, &n);
        }
        if plan.old.partition_by.is_some() {
            return self.alter_partitioned(plan).await;
        }
        self.fk_validate(plan).await?;
        let old = &plan.old;
        let new = &plan.new;
        if plan.rewrite.is_none() && plan.check_not_null.is_empty() && **old == *new {
            return Ok(());
        }
        if plan.rewrite.is_some() {
            self.refuse_in_block("ALTER TABLE that rewrites rows")?;
        }
        let mut rows = Vec::new();
        let validate = !plan.check_not_null.is_empty() || !plan.validate_checks.is_empty();
        if plan.rewrite.is_some() || validate {
            rows = self.all_rows(old).await?;
            if let Some(sources) = &plan.rewrite {
                rows = rows
                    .into_iter()
                    .map(|r| {
                        sources
                            .iter()
                            .map(|s| match s {
                                ColSource::Old(i) => r[*i].clone(),
                                ColSource::Const(v) => v.clone(),
                            })
                            .collect()
                    })
                    .collect();
            }
            for &c in &plan.check_not_null {
                if rows.iter().any(|r: &Vec<Value>| r[c] == Value::Null) {
                    return Err(error::error(
                        SqlState::NOT_NULL_VIOLATION,
                        format!(
                            "column \"{}\" of relation \"{}\" contains null values",
                            new.columns[c].name, new.name
                        ),
                    ));
                }
            }
            let params = self.statement_params(&[]);
            for c in new
                .checks
                .iter()
                .filter(|c| plan.validate_checks.contains(&c.name))
            {
                for r in &rows {
                    if c.expr
                        .eval_row(r, &params)
                        .map_err(|e| error::from_sql(&e))?
                        == Value::Bool(false)
                    {
                        return Err(error::error(
                            SqlState::CHECK_VIOLATION,
                            format!(
                                "check constraint \"{}\" of relation \"{}\" is violated by some row",
                                c.name, new.name
                            ),
                        ));
                    }
                }
            }
        }
        match &plan.rewrite {
            // ADD UNIQUE: publish, then build (see `index.rs`).
            None if new.indexes.iter().any(|ix| ix.id == 0) => {
                if self.txn != super::exec::TxnState::Idle {
                    return self.add_indexes_staged(old, new.clone()).await;
                }
                self.add_indexes(old, new.clone()).await
            }
            None => self.replace_definition(old, new).await,
            Some(_) if new.indexes.is_empty() => self.rewrite_rows(old, new.clone(), rows).await,
            Some(_) => {
                // Index entries name rows by storage keys, which the rewrite changes: rewrite
                // without the indexes, then build them again under new ids.
                let mut bare = new.clone();
                let indexes = std::mem::take(&mut bare.indexes);
                self.rewrite_rows(old, bare, rows).await?;
                let current = self
                    .ctx()
                    .catalog
                    .table(&self.database, &new.schema, &new.name)
                    .ok_or_else(|| {
                        error::error(SqlState::INTERNAL_ERROR, "rewritten table vanished (bug)")
                    })?;
                let mut with = (*current).clone();
                with.indexes = indexes
                    .into_iter()
                    .map(|ix| pglitedb_sql::IndexDef { id: 0, ..ix })
                    .collect();
                self.add_indexes(&current, with).await
            }
        }
    }

    /// Every committed row of `table`, from all shards.
    pub(super) async fn all_rows(
        &mut self,
        table: &TableDef,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let sql = format!(
            "SELECT * FROM {}.{}",
            quote(&table.schema),
            quote(&table.name)
        );
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
        let params = self.statement_params(&[]);
        self.query_rows(Arc::new(plan), &params).await
    }

    pub(super) async fn replace_definition(
        &mut self,
        old: &Arc<TableDef>,
        new: &TableDef,
    ) -> Result<(), ErrorFields> {
        let new = Arc::new(new.clone());
        let request = |_| ShardRequest::AlterTable {
            old: old.clone(),
            new: new.clone(),
        };
        if old.temp.is_some() {
            // Only this session and its own shard know a temporary table; no catalog changes.
            match self.worker.request(self.worker.id, request(0)).await {
                ShardResponse::TableAltered { new, .. } => {
                    self.temp.remove(&old.name);
                    self.temp.insert(new.name.clone(), new);
                    return Ok(());
                }
                other => return Err(shard_error(other)),
            }
        }
        self.stage_define(old, &new).await.map(|_| ())
    }

    pub(super) async fn rewrite_rows(
        &mut self,
        old: &Arc<TableDef>,
        mut def: TableDef,
        rows: Vec<Vec<Value>>,
    ) -> Result<(), ErrorFields> {
        def.id = TableId(0);
        let shards = self.worker.cores();
        let mut per_shard: Vec<Vec<Vec<Value>>> = vec![Vec::new(); shards];
        let mut seen = HashSet::with_capacity(rows.len());
        for (n, row) in rows.into_iter().enumerate() {
            let Some(columns) = def.primary_key.as_deref() else {
                per_shard[n % shards].push(row);
                continue;
            };
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
                    old: old.clone(),
                    new: def,
                    rows: first_rows,
                },
            )
            .await
        {
            ShardResponse::TableAltered { new, .. } => new,
            other => return Err(shard_error(other)),
        };
        let rest: Vec<_> = all_shards(&self.worker)
            .skip(1)
            .zip(per_shard)
            .map(|(s, rows)| {
                (
                    s,
                    ShardRequest::ReplaceTable {
                        old: old.clone(),
                        new: (*created).clone(),
                        rows,
                    },
                )
            })
            .collect();
        for resp in scatter(&self.worker, rest).await {
            if !matches!(resp, ShardResponse::TableAltered { .. }) {
                return Err(shard_error(resp));
            }
        }
        Ok(())
    }
}
