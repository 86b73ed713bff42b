//! Statements over tables: CREATE/DROP TABLE, INSERT, and queries that read a table. The session
//! (router role) evaluates what it can, routes by primary key, scatters to all shards otherwise, and
//! merges the answers.
//!
//! Statements carry their transaction's context (`TxnCtx`: id, snapshot, savepoint, isolation, lock
//! timeout, see `txn.rs`); so does DDL (`ddl.rs`).

use std::rc::Rc;
use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_shard::route::shard_for_key;
use pglitedb_shard::table::{key_of, keyable};
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::{Expr, OnConflict, Params, QueryPlan, SqlError, TableDef, Value, WritePlan};

use super::exec::TxnState;
use super::Session;
use crate::error;
use crate::worker::Worker;

/// Sends one request to each of `shards` concurrently and collects the answers in order.
pub(crate) async fn scatter(
    worker: &Rc<Worker>,
    shards: Vec<(ShardId, ShardRequest)>,
) -> Vec<ShardResponse> {
    let tasks: Vec<_> = shards
        .into_iter()
        .map(|(to, req)| {
            let w = worker.clone();
            glommio::spawn_local(async move { w.request(to, req).await })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await);
    }
    out
}

pub(super) fn all_shards(worker: &Worker) -> impl Iterator<Item = ShardId> {
    (0..worker.cores()).map(|i| ShardId(i as u16))
}

/// Sends `make(shard)` to every shard but shard 0 (the DDL sequencer, asked first by the caller) and
/// checks that each answered as `ok` says; the first other answer becomes the error.
pub(super) async fn on_other_shards(
    worker: &Rc<Worker>,
    make: impl Fn(ShardId) -> ShardRequest,
    ok: impl Fn(&ShardResponse) -> bool,
) -> Result<(), ErrorFields> {
    let reqs: Vec<_> = all_shards(worker).skip(1).map(|s| (s, make(s))).collect();
    for resp in scatter(worker, reqs).await {
        if !ok(&resp) {
            return Err(shard_error(resp));
        }
    }
    Ok(())
}

pub(super) fn shard_error(resp: ShardResponse) -> ErrorFields {
    match resp {
        ShardResponse::Error(e) => error::from_shard(&e),
        other => error::error(
            SqlState::INTERNAL_ERROR,
            format!("unexpected shard response (bug): {other:?}"),
        ),
    }
}

impl Session {
    pub(super) fn refuse_in_block(&self, what: &str) -> Result<(), ErrorFields> {
        if self.txn == TxnState::InBlock {
            return Err(error::error(
                SqlState::FEATURE_NOT_SUPPORTED,
                format!("{what} inside a transaction block is not supported yet"),
            ));
        }
        Ok(())
    }

    /// CREATE TABLE; returns the created definition (`None`: it existed and IF NOT EXISTS said skip).
    pub(super) async fn create_table(
        &mut self,
        table: &TableDef,
        if_not_exists: bool,
    ) -> Result<Option<Arc<TableDef>>, ErrorFields> {
        if table.temp.is_some() {
            return self.create_temp_table(table, if_not_exists).await;
        }
        self.check_new_partition(table, false).await?;
        // Shard 0 sequences DDL: it checks the name and assigns the id; then every other shard gets
        // the definition (`ddl.rs`).
        let created = self.stage_create(table, if_not_exists).await?;
        if created.is_none() {
            let n = error::notice(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{}\" already exists, skipping", table.name),
            );
            backend::notice_response(&mut self.conn.out, &n);
        }
        Ok(created)
    }

    pub(super) async fn drop_tables(
        &mut self,
        tables: &[Arc<TableDef>],
        missing: &[String],
    ) -> Result<(), ErrorFields> {
        for name in missing {
            let n = error::notice(
                SqlState::SUCCESSFUL_COMPLETION,
                format!("table \"{name}\" does not exist, skipping"),
            );
            backend::notice_response(&mut self.conn.out, &n);
        }
        let mut all: Vec<Arc<TableDef>> = Vec::new();
        for t in tables {
            for x in self.with_partitions(t) {
                if !all.iter().any(|y| y.id == x.id) {
                    all.push(x);
                }
            }
        }
        for t in &all {
            let owned = self.owned_sequences(t);
            if t.temp.is_some() {
                self.drop_temp_table(t).await?;
                for s in &owned {
                    self.drop_temp_table(s).await?;
                }
                continue;
            }
            if !owned.is_empty() {
                Box::pin(self.drop_tables(&owned, &[])).await?;
            }
            self.stage_drop(t).await?;
        }
        Ok(())
    }

    /// INSERT: evaluates every row, then [`Session::insert_rows`].
    pub(super) async fn insert(
        &mut self,
        table: &Arc<TableDef>,
        rows: &[Vec<Expr>],
        on_conflict: Option<&Arc<OnConflict>>,
        params: &Params,
    ) -> Result<u64, ErrorFields> {
        let values = self.insert_values(rows, params).await?;
        match on_conflict {
            None => self.insert_rows(table, values).await,
            Some(oc) => Ok(self.upsert_rows(table, values, oc, params, false).await?.0),
        }
    }

    /// The rows of INSERT ... VALUES, evaluated (sequence calls included, see `sequence.rs`).
    pub(super) async fn insert_values(
        &mut self,
        rows: &[Vec<Expr>],
        params: &Params,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        let mut attempts = super::sequence::SeqAttempts::default();
        let values = loop {
            let p = self.seq_attempt(params, &mut attempts);
            let evaluated: Result<Vec<Vec<Value>>, SqlError> = rows
                .iter()
                .map(|exprs| exprs.iter().map(|e| e.eval(&p)).collect())
                .collect();
            match evaluated {
                Ok(v) => break Ok(v),
                Err(e) => {
                    let f = self.stash_sql(e);
                    match self.seq_retry(&mut attempts).await {
                        Ok(true) => continue,
                        Ok(false) => break Err(f),
                        Err(f) => break Err(f),
                    }
                }
            }
        };
        self.seq_done(attempts);
        values
    }

    /// INSERT ... SELECT: the query's rows, mapped to table rows by `row`.
    pub(super) async fn insert_select(
        &mut self,
        table: &Arc<TableDef>,
        query: &QueryPlan,
        row: &[Expr],
        on_conflict: Option<&Arc<OnConflict>>,
        params: &Params,
    ) -> Result<u64, ErrorFields> {
        let values = self.insert_select_values(query, row, params).await?;
        match on_conflict {
            None => self.insert_rows(table, values).await,
            Some(oc) => Ok(self.upsert_rows(table, values, oc, params, false).await?.0),
        }
    }

    /// The rows of INSERT ... SELECT: the query's rows mapped to table rows by `row`.
    pub(super) async fn insert_select_values(
        &mut self,
        query: &QueryPlan,
        row: &[Expr],
        params: &Params,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        // Both phases in each attempt: the query's and the row mapping's sequence calls (DEFAULT
        // nextval) share one buffer.
        let plan = Arc::new(query.clone());
        let mut attempts = super::sequence::SeqAttempts::default();
        let values = loop {
            let p = self.seq_attempt(params, &mut attempts);
            let source = match self.query_rows_once(plan.clone(), &p).await {
                Ok(source) => source,
                Err(f) => match self.seq_retry(&mut attempts).await {
                    Ok(true) => continue,
                    Ok(false) => break Err(f),
                    Err(f) => break Err(f),
                },
            };
            let mapped: Result<Vec<Vec<Value>>, SqlError> = source
                .iter()
                .map(|r| row.iter().map(|e| e.eval_row(r, &p)).collect())
                .collect();
            match mapped {
                Ok(v) => break Ok(v),
                Err(e) => {
                    let f = self.stash_sql(e);
                    match self.seq_retry(&mut attempts).await {
                        Ok(true) => continue,
                        Ok(false) => break Err(f),
                        Err(f) => break Err(f),
                    }
                }
            }
        };
        self.seq_done(attempts);
        values
    }

    /// Inserts rows into `table`: through tuple routing when it is partitioned or a partition
    /// (`partition.rs`), else [`Session::insert_unrouted`].
    pub(super) async fn insert_rows(
        &mut self,
        table: &Arc<TableDef>,
        rows: Vec<Vec<Value>>,
    ) -> Result<u64, ErrorFields> {
        if table.partition_by.is_some() || table.partition_of.is_some() {
            return self.insert_routed(table, rows).await;
        }
        self.insert_unrouted(table, rows).await
    }

    /// Applies type modifiers, checks NOT NULL, routes each row to its shard (by primary key; rows
    /// of a table without one stay on this core's shard) and sums the counts.
    pub(super) async fn insert_unrouted(
        &mut self,
        table: &Arc<TableDef>,
        rows: Vec<Vec<Value>>,
    ) -> Result<u64, ErrorFields> {
        let table = &self.fresh_indexes(table);
        let mut per_shard: Vec<Vec<Vec<Value>>> = vec![Vec::new(); self.worker.cores()];
        for (shard, row) in self.place_rows(table, rows)? {
            per_shard[shard.0 as usize].push(row);
        }
        let txn = self.txn_ctx();
        let reqs: Vec<_> = per_shard
            .into_iter()
            .enumerate()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(i, rows)| {
                (
                    ShardId(i as u16),
                    ShardRequest::Insert {
                        txn,
                        table: table.clone(),
                        rows,
                    },
                )
            })
            .collect();
        self.participants.extend(reqs.iter().map(|(s, _)| *s));
        if table.indexes.is_empty() && table.foreign_keys.is_empty() {
            return sum_counts(scatter(&self.worker, reqs).await);
        }
        if table.indexes.is_empty() {
            let rows: Vec<Vec<Value>> = reqs
                .iter()
                .flat_map(|(_, r)| match r {
                    ShardRequest::Insert { rows, .. } => rows.clone(),
                    _ => Vec::new(),
                })
                .collect();
            let n = sum_counts(scatter(&self.worker, reqs).await)?;
            let refs: Vec<&[Value]> = rows.iter().map(Vec::as_slice).collect();
            self.fk_check_rows(table, &refs).await?;
            return Ok(n);
        }
        // Rows first, then their index entries (see `index.rs`).
        let sent: Vec<(ShardId, Vec<Vec<Value>>)> = reqs
            .iter()
            .map(|(s, r)| match r {
                ShardRequest::Insert { rows, .. } => (*s, rows.clone()),
                _ => (*s, Vec::new()),
            })
            .collect();
        let mut inserted = Vec::with_capacity(sent.len());
        for (resp, (shard, rows)) in scatter(&self.worker, reqs).await.into_iter().zip(sent) {
            match resp {
                ShardResponse::InsertedKeys(keys) => inserted.push((shard, rows, keys)),
                other => return Err(shard_error(other)),
            }
        }
        let n = inserted.iter().map(|(_, r, _)| r.len() as u64).sum();
        let rows: Vec<Vec<Value>> = if table.foreign_keys.is_empty() {
            Vec::new()
        } else {
            inserted.iter().flat_map(|(_, r, _)| r.clone()).collect()
        };
        self.index_inserted(table, inserted).await?;
        let refs: Vec<&[Value]> = rows.iter().map(Vec::as_slice).collect();
        self.fk_check_rows(table, &refs).await?;
        Ok(n)
    }

    /// Applies type modifiers, checks NOT NULL and CHECK constraints, and sorts the rows by the
    /// shard that stores them (by primary key; rows of a table without one, and of temporary
    /// tables, stay on this core's shard). In the input order.
    pub(super) fn place_rows(
        &mut self,
        table: &TableDef,
        rows: Vec<Vec<Value>>,
    ) -> Result<Vec<(ShardId, Vec<Value>)>, ErrorFields> {
        let shards = self.worker.cores();
        let mut placed = Vec::with_capacity(rows.len());
        let ctx = self.format_ctx();
        let params = (!table.checks.is_empty()).then(|| self.statement_params(&[]));
        for row in rows {
            let row = table.coerce_row(row).map_err(|e| error::from_sql(&e))?;
            table
                .check_not_null_ctx(&row, &ctx)
                .map_err(|e| error::from_sql(&e))?;
            if let Some(params) = &params {
                table
                    .check_constraints(&row, params)
                    .map_err(|e| error::from_sql(&e))?;
            }
            let shard = match &table.primary_key {
                _ if table.temp.is_some() => self.worker.id,
                Some(pk) => {
                    let values: Vec<&Value> = pk.iter().map(|&i| &row[i]).collect();
                    let key = key_of(&values).ok_or_else(|| {
                        error::error(
                            SqlState::FEATURE_NOT_SUPPORTED,
                            "primary keys of this type are not supported yet",
                        )
                    })?;
                    shard_for_key(&key, shards)
                }
                // Rows without a primary key stay on the inserting session's core.
                None => self.worker.id,
            };
            placed.push((shard, row));
        }
        Ok(placed)
    }

    /// Rows of a query over a table: a point lookup on one shard when the filter fixes the primary
    /// key, otherwise a scan of every shard's partition; the shards run the plan's shard half
    /// (`QueryPlan::shard_rows`) and this core its router half (`QueryPlan::finish`).
    pub(super) async fn table_rows(
        &mut self,
        plan: Arc<QueryPlan>,
        params: &Params,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        let mut reqs = Vec::new();
        for leaf in self.expand_scan(&plan, params) {
            match self.index_scan_requests(&leaf, params).await? {
                Some(r) => reqs.extend(r),
                None => reqs.extend(self.scan_requests(&leaf, params)),
            }
        }
        let mut partials = Vec::new();
        for resp in scatter(&self.worker, reqs).await {
            match resp {
                ShardResponse::Rows(r) => partials.push(r),
                other => return Err(self.stash_shard(other)),
            }
        }
        // The plan's router half: final aggregation, sort, DISTINCT, OFFSET/LIMIT.
        plan.finish(partials, params).map_err(|e| self.stash_sql(e))
    }

    /// Rows of a query over several row sources (joins, subqueries, set operations): every
    /// base-table read (`QueryPlan::scans`) runs on the shards as a single-table query would,
    /// all of them in flight at once; then this core runs the plan over the gathered rows.
    pub(super) async fn joined_rows(
        &mut self,
        plan: Arc<QueryPlan>,
        params: &Params,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        let inputs = self.gather_scans(&plan.scans, params).await?;
        plan.run_with(inputs, params).map_err(|e| self.stash_sql(e))
    }

    /// The rows of each of a plan's base-table reads (`QueryPlan::scans`), all of them in
    /// flight at once.
    pub(super) async fn gather_scans(
        &mut self,
        scans: &[Arc<QueryPlan>],
        params: &Params,
    ) -> Result<Vec<Vec<Vec<Value>>>, ErrorFields> {
        let mut reqs = Vec::new();
        // Which scan each request belongs to.
        let mut owner = Vec::new();
        for (i, scan) in scans.iter().enumerate() {
            for leaf in self.expand_scan(scan, params) {
                let leaf_reqs = match self.index_scan_requests(&leaf, params).await? {
                    Some(r) => r,
                    None => self.scan_requests(&leaf, params),
                };
                for req in leaf_reqs {
                    reqs.push(req);
                    owner.push(i);
                }
            }
        }
        let mut partials: Vec<Vec<Vec<Vec<Value>>>> = vec![Vec::new(); scans.len()];
        for (resp, i) in scatter(&self.worker, reqs).await.into_iter().zip(owner) {
            match resp {
                ShardResponse::Rows(r) => partials[i].push(r),
                other => return Err(self.stash_shard(other)),
            }
        }
        let mut inputs = Vec::with_capacity(partials.len());
        for (scan, parts) in scans.iter().zip(partials) {
            inputs.push(scan.finish(parts, params).map_err(|e| self.stash_sql(e))?);
        }
        Ok(inputs)
    }

    /// The shard requests of one single-table plan: its key's shard, or every shard.
    pub(super) fn scan_requests(
        &mut self,
        plan: &Arc<QueryPlan>,
        params: &Params,
    ) -> Vec<(ShardId, ShardRequest)> {
        let key = plan
            .source
            .as_ref()
            .and_then(|s| s.key.as_deref())
            .and_then(|exprs| routed_key(exprs, params));
        let txn = self.txn_ctx();
        let request = |key: Option<Vec<u8>>| ShardRequest::Scan {
            txn,
            plan: plan.clone(),
            params: params.clone(),
            key,
        };
        let temp = plan.source.as_ref().is_some_and(|s| s.table.temp.is_some());
        let reqs = self.targets(temp, key, request);
        if plan.source.as_ref().is_some_and(|s| s.lock.is_some()) {
            // A locking SELECT leaves row locks on the shards it read.
            self.add_lockers(reqs.iter().map(|(s, _)| *s));
        }
        reqs
    }

    /// The shards a statement over one table goes to: the session's own for a temporary table
    /// (all its rows are there), the key's shard, or every shard; `request(key)` makes each request.
    fn targets(
        &self,
        temp: bool,
        key: Option<Vec<u8>>,
        request: impl Fn(Option<Vec<u8>>) -> ShardRequest,
    ) -> Vec<(ShardId, ShardRequest)> {
        match key {
            _ if temp => vec![(self.worker.id, request(key))],
            Some(key) => vec![(shard_for_key(&key, self.worker.cores()), request(Some(key)))],
            None => all_shards(&self.worker)
                .map(|s| (s, request(None)))
                .collect(),
        }
    }

    /// UPDATE and DELETE: on the one shard that holds the key, or on every shard.
    pub(super) async fn modify(
        &mut self,
        plan: &Arc<WritePlan>,
        params: &Params,
    ) -> Result<u64, ErrorFields> {
        if let Some(source) = &plan.source {
            return Ok(self.modify_joined(plan, source, params, false).await?.0);
        }
        if plan.table.partition_by.is_some() {
            return self.modify_partitioned(plan, params).await;
        }
        sum_counts(self.modify_responses(plan, params).await?)
    }

    /// The shards' answers to one table's UPDATE or DELETE. With secondary indexes the shards
    /// answer with the changed rows, whose index entries are written here (`index.rs`); each
    /// answer then becomes what a table without indexes gets (`Modified`, or `Rows` for
    /// RETURNING: the new rows of an UPDATE, the old ones of a DELETE).
    pub(super) async fn modify_responses(
        &mut self,
        plan: &Arc<WritePlan>,
        params: &Params,
    ) -> Result<Vec<ShardResponse>, ErrorFields> {
        let fresh = self.fresh_indexes(&plan.table);
        let changes = plan.changes || self.fk_wants_changes(&plan.table, &assigned_columns(plan));
        let plan = &if Arc::ptr_eq(&fresh, &plan.table) && changes == plan.changes {
            plan.clone()
        } else {
            Arc::new(WritePlan {
                table: fresh,
                changes,
                ..(**plan).clone()
            })
        };
        let txn = self.txn_ctx();
        let key = plan
            .key
            .as_deref()
            .and_then(|exprs| routed_key(exprs, params));
        let request = |key: Option<Vec<u8>>| ShardRequest::Modify {
            txn,
            plan: plan.clone(),
            params: params.clone(),
            key,
        };
        let temp = plan.table.temp.is_some();
        let reqs = match key {
            Some(_) => self.targets(temp, key, request),
            // (Temporary tables have no indexes: `bind/index.rs`.)
            None => match self.index_modify_requests(plan, params).await? {
                Some(reqs) => reqs,
                None => self.targets(temp, None, request),
            },
        };
        self.participants.extend(reqs.iter().map(|(s, _)| *s));
        if plan.table.indexes.is_empty() && !plan.changes {
            return Ok(scatter(&self.worker, reqs).await);
        }
        let shards: Vec<ShardId> = reqs.iter().map(|(s, _)| *s).collect();
        let mut changed = Vec::with_capacity(shards.len());
        for (resp, shard) in scatter(&self.worker, reqs).await.into_iter().zip(shards) {
            match resp {
                ShardResponse::ModifiedRows(changes) => changed.push((shard, changes)),
                other => return Err(shard_error(other)),
            }
        }
        self.index_changed(&plan.table, &changed).await?;
        if plan.changes {
            let pairs: Vec<(&[Value], Option<&[Value]>)> = (changed.iter())
                .flat_map(|(_, cs)| cs.iter().map(|c| (c.old.as_slice(), c.new.as_deref())))
                .collect();
            self.fk_after_changes(&plan.table, &pairs).await?;
        }
        Ok(changed
            .into_iter()
            .map(|(_, changes)| {
                if plan.returning {
                    ShardResponse::Rows(
                        changes
                            .into_iter()
                            .map(|c| c.new.unwrap_or(c.old))
                            .collect(),
                    )
                } else {
                    ShardResponse::Modified(changes.len() as u64)
                }
            })
            .collect())
    }
}

/// The columns an UPDATE assigns (none for DELETE).
fn assigned_columns(plan: &WritePlan) -> Vec<usize> {
    plan.assignments.iter().map(|(c, _)| *c).collect()
}

/// Adds up the row counts of `Inserted`/`Modified` answers; the first error wins.
fn sum_counts(responses: Vec<ShardResponse>) -> Result<u64, ErrorFields> {
    let mut total = 0;
    for resp in responses {
        match resp {
            ShardResponse::Inserted(n) | ShardResponse::Modified(n) => total += n,
            other => return Err(shard_error(other)),
        }
    }
    Ok(total)
}

/// The storage key fixed by primary-key expressions, if all of them evaluate to keyable values.
pub(crate) fn routed_key(exprs: &[Expr], params: &Params) -> Option<Vec<u8>> {
    let mut values = Vec::with_capacity(exprs.len());
    for e in exprs {
        if !keyable(e.data_type()) {
            return None;
        }
        values.push(e.eval(params).ok()?);
    }
    key_of(&values.iter().collect::<Vec<_>>())
}

impl Session {
    /// CREATE DATABASE: shard 0 checks the name, then every other shard records it.
    pub(super) async fn create_database(&mut self, name: &str) -> Result<(), ErrorFields> {
        self.refuse_database_ddl_in_block("CREATE DATABASE")?;
        let req = |_| ShardRequest::CreateDatabase {
            name: name.to_string(),
        };
        match self.worker.request(ShardId(0), req(0)).await {
            ShardResponse::DatabaseCreated(_) => {}
            other => return Err(shard_error(other)),
        }
        on_other_shards(
            &self.worker,
            |s| req(s.0),
            |r| matches!(r, ShardResponse::DatabaseCreated(_)),
        )
        .await
    }

    /// DROP DATABASE: the database and all its tables, on every shard. Sessions connected to it
    /// elsewhere are not counted yet (PostgreSQL refuses while there are any, 55006); their next
    /// statement finds no tables.
    pub(super) async fn drop_database(
        &mut self,
        name: &str,
        if_exists: bool,
    ) -> Result<(), ErrorFields> {
        self.refuse_database_ddl_in_block("DROP DATABASE")?;
        if name == self.database {
            return Err(error::error(
                SqlState::OBJECT_IN_USE,
                "cannot drop the currently open database",
            ));
        }
        if name == "template0" || name == "template1" {
            return Err(error::error(
                SqlState::WRONG_OBJECT_TYPE,
                "cannot drop a template database",
            ));
        }
        let req = |_| ShardRequest::DropDatabase {
            name: name.to_string(),
            if_exists,
        };
        match self.worker.request(ShardId(0), req(0)).await {
            ShardResponse::DatabaseDropped { existed: true, .. } => {}
            ShardResponse::DatabaseDropped { existed: false, .. } => {
                let n = error::notice(
                    SqlState::SUCCESSFUL_COMPLETION,
                    format!("database \"{name}\" does not exist, skipping"),
                );
                backend::notice_response(&mut self.conn.out, &n);
                return Ok(());
            }
            other => return Err(shard_error(other)),
        }
        on_other_shards(
            &self.worker,
            |s| req(s.0),
            |r| matches!(r, ShardResponse::DatabaseDropped { .. }),
        )
        .await
    }

    /// ALTER DATABASE SET/RESET: checked as SET would check it here, then stored on every shard
    /// (shard 0 first); sessions that connect to the database later start with it.
    pub(super) async fn alter_database(
        &mut self,
        name: &str,
        setting: Option<&str>,
        value: Option<&pglitedb_sql::SetValue>,
    ) -> Result<(), ErrorFields> {
        self.refuse_database_ddl_in_block("ALTER DATABASE")?;
        let (setting, value) = match (setting, value) {
            (None, _) => (None, None),
            (Some(s), None) => {
                let (key, _) = self
                    .settings
                    .check(s, &pglitedb_sql::SetValue::Default)
                    .map_err(|e| error::from_sql(&e))?;
                (Some(key), None)
            }
            (Some(s), Some(v)) => {
                let (key, text) = self.settings.check(s, v).map_err(|e| error::from_sql(&e))?;
                (Some(key), Some(text))
            }
        };
        let req = |_| ShardRequest::AlterDatabase {
            name: name.to_string(),
            setting: setting.clone(),
            value: value.clone(),
        };
        match self.worker.request(ShardId(0), req(0)).await {
            ShardResponse::DatabaseAltered { .. } => {}
            other => return Err(shard_error(other)),
        }
        on_other_shards(
            &self.worker,
            |s| req(s.0),
            |r| matches!(r, ShardResponse::DatabaseAltered { .. }),
        )
        .await
    }

    fn refuse_database_ddl_in_block(&self, what: &str) -> Result<(), ErrorFields> {
        if self.txn != TxnState::Idle {
            return Err(error::error(
                SqlState::ACTIVE_SQL_TRANSACTION,
                format!("{what} cannot run inside a transaction block"),
            ));
        }
        Ok(())
    }
}
