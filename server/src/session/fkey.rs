//! FOREIGN KEY enforcement, from the session, the way PostgreSQL's RI triggers do it: after a
//! statement has staged its rows, internal queries check and act on the other table, in the same
//! transaction (`sql/src/fkey.rs` has the catalog side).
//!
//! * Child side (INSERT, COPY, an UPDATE that changes the key columns): each distinct new key
//!   is looked up in the parent with `SELECT 1 FROM parent WHERE key = $k FOR KEY SHARE`. The
//!   lookup is a point read on the parent key's shard (primary key) or goes through the unique
//!   index's entries, and it leaves a KEY SHARE lock on the parent row in this transaction: a
//!   concurrent DELETE of that row (which locks FOR UPDATE) waits for this transaction, and a
//!   DELETE that got there first makes this lookup wait and then find no row (23503). A key
//!   with a NULL is not checked (MATCH SIMPLE); MATCH FULL refuses a partly NULL key.
//! * Parent side (DELETE, an UPDATE that changes referenced columns): the shards answer with the
//!   changed rows (`WritePlan::changes`), and for each referencing constraint and each old key the
//!   session runs the action: NO ACTION / RESTRICT look for a referencing row (23503 if one
//!   exists; NO ACTION first lets a parent row that still has the key satisfy it), CASCADE
//!   deletes or updates the referencing rows, SET NULL / SET DEFAULT update them. These are
//!   ordinary statements, so they fire their own tables' constraints in turn (a cascade through
//!   a self-referencing table goes on until no row is left to change).
//! * Visibility: the internal statements read at a snapshot taken when they run, not the
//!   statement's, so a referencing row committed by another transaction since the statement began
//!   is seen (PostgreSQL's RI queries use a fresh snapshot too); the statement's own writes are
//!   always visible.
//! * Cost: the parent-side lookup by the referencing columns scans every shard's partition of
//!   the referencing table unless it has a secondary index whose key is exactly those columns,
//!   which the query then uses (`index.rs`); PostgreSQL also scans without an index. Each
//!   distinct key is one internal statement (one round trip for a point lookup); its text is
//!   bound once per constraint and statement.
//!
//! Temporary tables reference only temporary tables (PostgreSQL's rule), which live on this
//! session's shard like their rows.
//!
//! Deferred constraints wait for COMMIT (`fkey_defer.rs`).
//!
//! INSERT ... ON CONFLICT checks the rows it inserted or updated (`upsert.rs`). Not yet: a DO
//! UPDATE that changes a referenced table's key columns runs no parent-side action.

use std::collections::HashSet;
use std::sync::Arc;

use pglitedb_protocol::{ErrorFields, SqlState};
use pglitedb_sql::fkey::{referencing, FkAction, ForeignKey};
use pglitedb_sql::{bind, parse, DataType, SqlError, Statement, TableDef, Value};

use super::Session;
use crate::error;

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn qualified(t: &TableDef) -> String {
    format!("{}.{}", q(&t.schema), q(&t.name))
}

/// `a = $1 AND b = $2` over `cols` of `t`, parameters numbered from `first`.
fn key_filter(t: &TableDef, cols: &[usize], first: usize) -> String {
    let parts: Vec<String> = (cols.iter().enumerate())
        .map(|(i, &c)| format!("{} = ${}", q(&t.columns[c].name), first + i))
        .collect();
    parts.join(" AND ")
}

/// `(a, b)=(1, 2)`: the DETAIL's key, column names of `t` and the values as text.
fn key_text(
    t: &TableDef,
    cols: &[usize],
    key: &[Value],
    ctx: &pglitedb_sql::FormatContext,
) -> String {
    let names: Vec<&str> = cols.iter().map(|&c| t.columns[c].name.as_str()).collect();
    let values: Vec<String> = (key.iter())
        .map(|v| v.to_text_ctx(ctx).unwrap_or_else(|| "null".into()))
        .collect();
    format!("({})=({})", names.join(", "), values.join(", "))
}

/// A key as text, to find duplicates.
fn dedupe_key(key: &[Value]) -> String {
    let parts: Vec<String> = (key.iter()).map(|v| format!("{:?}", v.to_text())).collect();
    parts.join("\u{0}")
}

/// `values` (of types `from`) as the types `to`; `None` if one does not fit (it cannot match).
fn cast_key(values: &[Value], from: &[DataType], to: &[DataType]) -> Option<Vec<Value>> {
    (values.iter().zip(from).zip(to))
        .map(|((v, &f), &t)| {
            if f == t {
                Some(v.clone())
            } else {
                pglitedb_sql::types::cast::cast(v.clone(), f, t, -1).ok()
            }
        })
        .collect()
}

fn col_types(t: &TableDef, cols: &[usize]) -> Vec<DataType> {
    cols.iter().map(|&c| t.columns[c].ty).collect()
}

fn internal(msg: String) -> ErrorFields {
    error::error(SqlState::INTERNAL_ERROR, msg)
}

impl Session {
    /// Whether an UPDATE (of the columns `assigned`) or a DELETE (`assigned` empty) of `table`
    /// needs its changed rows for foreign keys: an UPDATE that assigns a column of one of its
    /// constraints or a column another table's constraint references, a DELETE of a referenced
    /// table. (pgbench's balance updates of referenced tables need nothing.)
    pub(super) fn fk_wants_changes(&self, table: &TableDef, assigned: &[usize]) -> bool {
        if self.fk.off {
            return false;
        }
        let touches = |cols: &[usize]| cols.iter().any(|c| assigned.contains(c));
        if table.foreign_keys.iter().any(|fk| touches(&fk.columns)) {
            return true;
        }
        let all = self.fk_tables();
        referencing(&all, table)
            .iter()
            .any(|(child, i)| assigned.is_empty() || touches(&child.foreign_keys[*i].ref_columns))
    }

    /// The tables a constraint may name: the database's and the session's temporary ones.
    pub(super) fn fk_tables(&self) -> Vec<Arc<TableDef>> {
        let mut all = self.ctx().catalog.tables_of(&self.database);
        all.extend(self.temp.values().cloned());
        all
    }

    /// Binds an internal statement (its parameters typed by `types`), or takes it from the
    /// session's cache: a binding holds while the catalog replica is the same and the
    /// transaction has no DDL of its own; statements are not cached while the session has
    /// temporary tables (their definitions are not in the replica).
    fn ri_bind(&mut self, sql: &str, types: &[DataType]) -> Result<Statement, ErrorFields> {
        let cacheable = self.temp.is_empty() && !self.has_pending_ddl();
        let key = (sql.to_string(), types.to_vec());
        if cacheable {
            let current = self.worker.catalog();
            if !(self.fk.bound_for.as_ref()).is_some_and(|c| std::rc::Rc::ptr_eq(c, &current)) {
                self.fk.bound.clear();
                self.fk.bound_for = Some(current);
            }
            if let Some(stmt) = self.fk.bound.get(&key) {
                return Ok(stmt.clone());
            }
        }
        let stmt = self.ri_bind_uncached(sql, types)?;
        if cacheable {
            if self.fk.bound.len() >= 256 {
                self.fk.bound.clear();
            }
            self.fk.bound.insert(key, stmt.clone());
        }
        Ok(stmt)
    }

    fn ri_bind_uncached(
        &mut self,
        sql: &str,
        types: &[DataType],
    ) -> Result<Statement, ErrorFields> {
        let parsed = parse(sql).map_err(|e| error::from_sql(&e))?;
        let [one] = parsed.as_slice() else {
            return Err(internal(format!("bug: internal statement {sql:?}")));
        };
        let declared: Vec<Option<DataType>> = types.iter().map(|&t| Some(t)).collect();
        bind(one, &declared, &self.ctx()).map_err(|e| error::from_sql(&e))
    }

    /// Runs an internal statement at a fresh snapshot (module docs): the rows a query found, or
    /// the rows an UPDATE/DELETE changed.
    async fn ri_run(&mut self, stmt: &Statement, values: Vec<Value>) -> Result<u64, ErrorFields> {
        let fresh = self.worker.take_snapshot();
        let saved = self.swap_statement_snapshot(Some(fresh));
        let params = self.statement_params(&values);
        let result = match stmt {
            Statement::Query(q) => Box::pin(self.query_rows(Arc::new(q.clone()), &params))
                .await
                .map(|rows| rows.len() as u64),
            Statement::Update(p) | Statement::Delete(p) => Box::pin(self.modify(p, &params)).await,
            other => Err(internal(format!("bug: internal statement {other:?}"))),
        };
        self.swap_statement_snapshot(saved);
        self.worker.release_snapshot(fresh);
        result
    }

    /// Whether each lookup (a statement bound by [`Session::ri_bind`] and its key; `None`: a key
    /// that cannot match) finds a row. Lookups that fix the parent's primary key all go out at
    /// once, a point read each on its key's shard (in chunks, so a COPY of many rows does not
    /// pay a round trip per key, and a row with several constraints one round trip in all);
    /// any other runs as its own statement.
    async fn ri_lookup_all(
        &mut self,
        stmts: &[Statement],
        jobs: &[(usize, Option<Vec<Value>>)],
    ) -> Result<Vec<bool>, ErrorFields> {
        const CHUNK: usize = 256;
        // The point-read plan of each statement that fixes the parent's primary key.
        let plans: Vec<Option<Arc<pglitedb_sql::QueryPlan>>> = (stmts.iter())
            .map(|stmt| match stmt {
                Statement::Query(q)
                    if (q.source.as_ref())
                        .is_some_and(|s| s.key.is_some() && s.table.temp.is_none()) =>
                {
                    Some(Arc::new(q.clone()))
                }
                _ => None,
            })
            .collect();
        let mut found = vec![false; jobs.len()];
        let mut points = Vec::new();
        for (i, (k, key)) in jobs.iter().enumerate() {
            let Some(key) = key else { continue };
            match &plans[*k] {
                Some(plan) => points.push((i, plan.clone(), key.clone())),
                None => found[i] = self.ri_run(&stmts[*k], key.clone()).await? > 0,
            }
        }
        if points.is_empty() {
            return Ok(found);
        }
        let fresh = self.worker.take_snapshot();
        let saved = self.swap_statement_snapshot(Some(fresh));
        let result = self.ri_point_reads(&points, CHUNK).await;
        self.swap_statement_snapshot(saved);
        self.worker.release_snapshot(fresh);
        for i in result? {
            found[i] = true;
        }
        Ok(found)
    }

    /// The job numbers of `points` whose point read found a row.
    async fn ri_point_reads(
        &mut self,
        points: &[(usize, Arc<pglitedb_sql::QueryPlan>, Vec<Value>)],
        chunk: usize,
    ) -> Result<Vec<usize>, ErrorFields> {
        let mut hits = Vec::new();
        for part in points.chunks(chunk) {
            let mut reqs = Vec::with_capacity(part.len());
            let mut owner = Vec::with_capacity(part.len());
            for (i, plan, key) in part {
                let params = self.statement_params(key);
                for r in self.scan_requests(plan, &params) {
                    reqs.push(r);
                    owner.push(*i);
                }
            }
            for (resp, i) in super::tables::scatter(&self.worker, reqs)
                .await
                .into_iter()
                .zip(owner)
            {
                match resp {
                    pglitedb_shard::ShardResponse::Rows(rows) if rows.is_empty() => {}
                    pglitedb_shard::ShardResponse::Rows(_) => hits.push(i),
                    other => return Err(self.stash_shard(other)),
                }
            }
        }
        Ok(hits)
    }

    /// Child side (module docs): every new row of `table` in `rows` must find its parent row.
    pub(super) async fn fk_check_rows(
        &mut self,
        table: &Arc<TableDef>,
        rows: &[&[Value]],
    ) -> Result<(), ErrorFields> {
        if table.foreign_keys.is_empty() || rows.is_empty() {
            return Ok(());
        }
        let tables = self.fk_tables();
        // Every constraint's lookups, then one batch (`ri_lookup_all`).
        let mut stmts: Vec<Statement> = Vec::new();
        let mut jobs: Vec<(usize, Option<Vec<Value>>)> = Vec::new();
        let mut asked: Vec<(usize, Vec<Value>)> = Vec::new();
        for (f, fk) in table.foreign_keys.iter().enumerate() {
            let parent = fk.parent_in(table, &tables).cloned().ok_or_else(|| {
                internal(format!(
                    "bug: table \"{}\" referenced by constraint \"{}\" is missing",
                    fk.ref_name, fk.name
                ))
            })?;
            let mut seen = HashSet::new();
            let mut keys = Vec::new();
            for row in rows {
                if fk.full_mismatch(row) {
                    return Err(error::from_sql(&SqlError::ForeignKeyViolation {
                        message: insert_message(table, fk),
                        detail: "MATCH FULL does not allow mixing of null and nonnull key values."
                            .into(),
                    }));
                }
                if let Some(key) = fk.key_of(row) {
                    if seen.insert(dedupe_key(&key)) {
                        keys.push(key);
                    }
                }
            }
            if keys.is_empty() {
                continue;
            }
            if self.fk_deferred(fk) {
                for key in keys {
                    self.fk_defer(super::fkey_defer::Pending {
                        child: table.clone(),
                        fk: fk.name.clone(),
                        key,
                        parent_side: false,
                    });
                }
                continue;
            }
            let sql = format!(
                "SELECT 1 FROM {} WHERE {} FOR KEY SHARE",
                qualified(&parent),
                key_filter(&parent, &fk.ref_columns, 1)
            );
            let (from, to) = (
                col_types(table, &fk.columns),
                col_types(&parent, &fk.ref_columns),
            );
            stmts.push(self.ri_bind(&sql, &to)?);
            for key in keys {
                jobs.push((stmts.len() - 1, cast_key(&key, &from, &to)));
                asked.push((f, key));
            }
        }
        let found = self.ri_lookup_all(&stmts, &jobs).await?;
        for ((f, key), found) in asked.into_iter().zip(found) {
            if !found {
                let fk = &table.foreign_keys[f];
                let parent = fk
                    .parent_in(table, &tables)
                    .map_or(fk.ref_name.clone(), |p| p.name.clone());
                let ctx = self.format_ctx();
                return Err(error::from_sql(&SqlError::ForeignKeyViolation {
                    message: insert_message(table, fk),
                    detail: format!(
                        "Key {} is not present in table \"{}\".",
                        key_text(table, &fk.columns, &key, &ctx),
                        parent
                    ),
                }));
            }
        }
        Ok(())
    }

    /// After an UPDATE or DELETE of `table` (`changes`: old row, new row for UPDATE): the child
    /// side for updated rows whose key columns changed, then the parent side for every
    /// constraint that references `table`.
    pub(super) async fn fk_after_changes(
        &mut self,
        table: &Arc<TableDef>,
        changes: &[(&[Value], Option<&[Value]>)],
    ) -> Result<(), ErrorFields> {
        if changes.is_empty() {
            return Ok(());
        }
        // Child side: the new rows whose key for some constraint changed.
        let moved: Vec<&[Value]> = (changes.iter())
            .filter_map(|(old, new)| {
                let new = (*new)?;
                (table.foreign_keys.iter())
                    .any(|fk| fk.columns.iter().any(|&c| old[c] != new[c]))
                    .then_some(new)
            })
            .collect();
        self.fk_check_rows(table, &moved).await?;
        // Parent side.
        let tables = self.fk_tables();
        for (child, i) in referencing(&tables, table) {
            let fk = &child.foreign_keys[i];
            let mut seen = HashSet::new();
            // (old key, new key for an UPDATE)
            let mut keys: Vec<(Vec<Value>, Option<Vec<Value>>)> = Vec::new();
            for (old, new) in changes {
                let key: Vec<Value> = fk.ref_columns.iter().map(|&c| old[c].clone()).collect();
                if key.contains(&Value::Null) {
                    continue;
                }
                let new_key = new.map(|n| fk.ref_columns.iter().map(|&c| n[c].clone()).collect());
                if new_key.as_ref() == Some(&key) {
                    continue; // the referenced columns did not change
                }
                if seen.insert(dedupe_key(&key)) {
                    keys.push((key, new_key));
                }
            }
            if keys.is_empty() {
                continue;
            }
            self.fk_parent_keys(table, &child, fk, keys).await?;
        }
        Ok(())
    }

    /// Runs `fk`'s action for parent keys that went away (deleted, or updated to the new key).
    async fn fk_parent_keys(
        &mut self,
        parent: &Arc<TableDef>,
        child: &Arc<TableDef>,
        fk: &ForeignKey,
        keys: Vec<(Vec<Value>, Option<Vec<Value>>)>,
    ) -> Result<(), ErrorFields> {
        let update = keys[0].1.is_some();
        let action = if update { fk.on_update } else { fk.on_delete };
        let (pk_types, fk_types) = (
            col_types(parent, &fk.ref_columns),
            col_types(child, &fk.columns),
        );
        if action == FkAction::NoAction && self.fk_deferred(fk) {
            for (key, _) in keys {
                if let Some(key) = cast_key(&key, &pk_types, &fk_types) {
                    self.fk_defer(super::fkey_defer::Pending {
                        child: child.clone(),
                        fk: fk.name.clone(),
                        key,
                        parent_side: true,
                    });
                }
            }
            return Ok(());
        }
        let filter = key_filter(child, &fk.columns, 1);
        let n = fk.columns.len();
        let act = match action {
            FkAction::NoAction | FkAction::Restrict => None,
            FkAction::Cascade if !update => {
                Some(format!("DELETE FROM {} WHERE {filter}", qualified(child)))
            }
            FkAction::Cascade | FkAction::SetNull | FkAction::SetDefault => {
                let sets: Vec<String> = (fk.columns.iter().enumerate())
                    .map(|(i, &c)| {
                        let value = match action {
                            FkAction::Cascade => format!("${}", n + 1 + i),
                            FkAction::SetNull => "NULL".into(),
                            _ => "DEFAULT".into(),
                        };
                        format!("{} = {value}", q(&child.columns[c].name))
                    })
                    .collect();
                Some(format!(
                    "UPDATE {} SET {} WHERE {filter}",
                    qualified(child),
                    sets.join(", ")
                ))
            }
        };
        let mut types = fk_types.clone();
        if update && action == FkAction::Cascade {
            types.extend(fk_types.iter().copied());
        }
        let act = match act {
            Some(sql) => Some(self.ri_bind(&sql, &types)?),
            None => None,
        };
        // Whether a referencing row may remain: always for NO ACTION and RESTRICT, and for SET
        // DEFAULT when the default is the key that went away (PostgreSQL checks it again).
        let probe = match action {
            FkAction::NoAction | FkAction::Restrict | FkAction::SetDefault => {
                let sql = format!("SELECT 1 FROM {} WHERE {filter} LIMIT 1", qualified(child));
                Some(self.ri_bind(&sql, &fk_types)?)
            }
            _ => None,
        };
        let mut still_there = None;
        for (key, new_key) in keys {
            let Some(values) = cast_key(&key, &pk_types, &fk_types) else {
                continue; // no referencing value can equal it
            };
            if let Some(a) = &act {
                let mut args = values.clone();
                if update && action == FkAction::Cascade {
                    let new = new_key.unwrap_or_default();
                    let cast = cast_key(&new, &pk_types, &fk_types).ok_or_else(|| {
                        internal("bug: cascaded key does not fit the referencing columns".into())
                    })?;
                    args.extend(cast);
                }
                self.ri_run(a, args).await?;
            }
            let Some(p) = &probe else {
                continue;
            };
            if self.ri_run(p, values).await? == 0 {
                continue;
            }
            if action != FkAction::Restrict {
                // NO ACTION is satisfied by a parent row that (still, or again) has the key.
                if still_there.is_none() {
                    let sql = format!(
                        "SELECT 1 FROM {} WHERE {}",
                        qualified(parent),
                        key_filter(parent, &fk.ref_columns, 1)
                    );
                    still_there = Some(self.ri_bind(&sql, &pk_types)?);
                }
                if let Some(s) = &still_there {
                    if self.ri_run(s, key.clone()).await? > 0 {
                        continue;
                    }
                }
            }
            let ctx = self.format_ctx();
            return Err(error::from_sql(&SqlError::ForeignKeyViolation {
                message: format!(
                    "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
                    parent.name, fk.name, child.name
                ),
                detail: format!(
                    "Key {} is still referenced from table \"{}\".",
                    key_text(parent, &fk.ref_columns, &key, &ctx),
                    child.name
                ),
            }));
        }
        Ok(())
    }
}

fn insert_message(table: &TableDef, fk: &ForeignKey) -> String {
    format!(
        "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
        table.name, fk.name
    )
}

impl Session {
    /// A deferred check at COMMIT (`fkey_defer.rs`): if a row of `child` still has `key` (of the
    /// referencing columns' types), its parent row must exist (and is locked FOR KEY SHARE).
    pub(super) async fn fk_recheck(
        &mut self,
        child: &Arc<TableDef>,
        fk: &ForeignKey,
        key: Vec<Value>,
        parent_side: bool,
    ) -> Result<(), ErrorFields> {
        let tables = self.fk_tables();
        let Some(parent) = fk.parent_in(child, &tables).cloned() else {
            return Ok(()); // dropped since
        };
        let (fk_types, pk_types) = (
            col_types(child, &fk.columns),
            col_types(&parent, &fk.ref_columns),
        );
        let probe = format!(
            "SELECT 1 FROM {} WHERE {} LIMIT 1",
            qualified(child),
            key_filter(child, &fk.columns, 1)
        );
        let probe = self.ri_bind(&probe, &fk_types)?;
        if self.ri_run(&probe, key.clone()).await? == 0 {
            return Ok(());
        }
        let lookup = format!(
            "SELECT 1 FROM {} WHERE {} FOR KEY SHARE",
            qualified(&parent),
            key_filter(&parent, &fk.ref_columns, 1)
        );
        let lookup = self.ri_bind(&lookup, &pk_types)?;
        let pk_key = cast_key(&key, &fk_types, &pk_types);
        if let Some(k) = &pk_key {
            if self.ri_run(&lookup, k.clone()).await? > 0 {
                return Ok(());
            }
        }
        let ctx = self.format_ctx();
        let e = if parent_side {
            SqlError::ForeignKeyViolation {
                message: format!(
                    "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
                    parent.name, fk.name, child.name
                ),
                detail: format!(
                    "Key {} is still referenced from table \"{}\".",
                    key_text(&parent, &fk.ref_columns, pk_key.as_deref().unwrap_or(&key), &ctx),
                    child.name
                ),
            }
        } else {
            SqlError::ForeignKeyViolation {
                message: insert_message(child, fk),
                detail: format!(
                    "Key {} is not present in table \"{}\".",
                    key_text(child, &fk.columns, &key, &ctx),
                    parent.name
                ),
            }
        };
        Err(error::from_sql(&e))
    }
}
