//! Running bound statements: transaction control, settings, and queries sent to a shard. Shared by
//! the simple protocol (here) and the extended protocol (`extended.rs`).

use std::sync::Arc;

use pglitedb_protocol::backend::{self, FieldDescription, TransactionStatus};
use pglitedb_protocol::{ErrorFields, Format, SqlState};
use pglitedb_shard::{ShardRequest, ShardResponse};
use std::rc::Rc;

use pglitedb_sql::types::FormatContext;
use pglitedb_sql::{bind, parse, DataType, Params, QueryPlan, Statement, Value};

pub use super::ctx::Ctx;
use super::plan_cache;
use super::{Next, Session};
use crate::error;

/// Transaction block state, as ReadyForQuery reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnState {
    Idle,
    InBlock,
    /// An error happened inside the block; only COMMIT/ROLLBACK are accepted (25P02 otherwise).
    Failed,
}

impl TxnState {
    pub fn status(self) -> TransactionStatus {
        match self {
            TxnState::Idle => TransactionStatus::Idle,
            TxnState::InBlock => TransactionStatus::InBlock,
            TxnState::Failed => TransactionStatus::Failed,
        }
    }
}

/// How a statement finished: a command tag still to send, or rows already sent with their tag.
pub(super) enum Done {
    Tag(String),
    Rows(usize),
}

/// Statements that read or write tables, and so run inside a transaction.
fn touches_tables(stmt: &Statement) -> bool {
    match stmt {
        Statement::Query(q) => q.reads_tables(),
        Statement::Returning { inner, .. } => touches_tables(inner),
        Statement::Cursor(pglitedb_sql::CursorCommand::Declare { query, .. }) => {
            query.reads_tables()
        }
        Statement::Insert { .. }
        | Statement::InsertSelect { .. }
        | Statement::Update(_)
        | Statement::Delete(_)
        | Statement::WithWrites(_)
        | Statement::CopyFrom(_)
        | Statement::CopyTo { .. }
        | Statement::Truncate(..) => true,
        _ => false,
    }
}

/// DDL that runs in a transaction (`ddl.rs`): outside a block, in an implicit one of its own.
fn transactional_ddl(stmt: &Statement) -> bool {
    match stmt {
        Statement::CreateTable { table, .. } => table.temp.is_none(),
        Statement::CreateTableAs { .. }
        | Statement::CreateTableWithSequences { .. }
        | Statement::CreateSequence { .. }
        | Statement::DropSequence { .. }
        | Statement::CreateView { .. }
        | Statement::DropView { .. }
        | Statement::DropTable { .. }
        | Statement::AlterTable(_)
        | Statement::AlterIndex(_)
        | Statement::AttachPartition { .. }
        | Statement::DetachPartition { .. }
        // CREATE SCHEMA's elements (CREATE TABLE, ...) commit with it.
        | Statement::CreateSchema { .. }
        | Statement::DropSchema { .. } => true,
        _ => false,
    }
}

/// The 25P02 error.
pub fn aborted_error() -> ErrorFields {
    error::error(
        SqlState::IN_FAILED_SQL_TRANSACTION,
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

/// Statements allowed in a failed transaction block.
pub fn allowed_when_failed(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::Commit
            | Statement::Rollback
            | Statement::RollbackTo(_)
            | Statement::CommitAndChain
            | Statement::RollbackAndChain
    )
}

/// The command a read-only transaction refuses (25006), as PostgreSQL names it.
fn write_command(stmt: &Statement) -> Option<&'static str> {
    match stmt {
        Statement::Returning { inner, .. } => write_command(inner),
        // PostgreSQL names the primary statement.
        Statement::WithWrites(w) => Some(write_command(&w.main).unwrap_or("SELECT")),
        Statement::Insert { .. } | Statement::InsertSelect { .. } => Some("INSERT"),
        Statement::CopyFrom(_) => Some("COPY FROM"),
        Statement::Truncate(..) => Some("TRUNCATE TABLE"),
        Statement::CreateTableAs { .. } => Some("CREATE TABLE AS"),
        Statement::AlterTable(_)
        | Statement::AttachPartition { .. }
        | Statement::DetachPartition { .. } => Some("ALTER TABLE"),
        Statement::CreateDatabase(_) => Some("CREATE DATABASE"),
        Statement::DropDatabase { .. } => Some("DROP DATABASE"),
        Statement::Update(_) => Some("UPDATE"),
        Statement::Delete(_) => Some("DELETE"),
        Statement::CreateTable { .. } => Some("CREATE TABLE"),
        Statement::DropTable { .. } => Some("DROP TABLE"),
        Statement::CreateView { .. } => Some("CREATE VIEW"),
        Statement::CreateSequence { .. } => Some("CREATE SEQUENCE"),
        Statement::CreateTableWithSequences { .. } => Some("CREATE TABLE"),
        Statement::DropSequence { .. } => Some("DROP SEQUENCE"),
        Statement::DropView { .. } => Some("DROP VIEW"),
        Statement::CreateIndex { .. } => Some("CREATE INDEX"),
        Statement::CreateFunction { .. } => Some("CREATE FUNCTION"),
        Statement::DropFunction { .. } => Some("DROP FUNCTION"),
        Statement::AlterFunction(_) => Some("ALTER FUNCTION"),
        Statement::DropIndex { .. } => Some("DROP INDEX"),
        Statement::AlterIndex(_) => Some("ALTER INDEX"),
        Statement::CreateSchema { .. } => Some("CREATE SCHEMA"),
        Statement::DropSchema { .. } => Some("DROP SCHEMA"),
        Statement::RenameSchema { .. } => Some("ALTER SCHEMA"),
        Statement::Query(q) => match q.source.as_ref().and_then(|s| s.lock) {
            Some(l) => Some(match l.strength {
                pglitedb_sql::LockStrength::Update => "SELECT FOR UPDATE",
                pglitedb_sql::LockStrength::NoKeyUpdate => "SELECT FOR NO KEY UPDATE",
                pglitedb_sql::LockStrength::Share => "SELECT FOR SHARE",
                pglitedb_sql::LockStrength::KeyShare => "SELECT FOR KEY SHARE",
            }),
            None => None,
        },
        _ => None,
    }
}

/// Result columns of a statement, `None` for statements without rows.
pub fn result_columns(stmt: &Statement) -> Option<Vec<(String, DataType)>> {
    match stmt {
        Statement::Query(q) => Some(q.columns.clone()),
        Statement::Returning { columns, .. } => Some(columns.clone()),
        Statement::WithWrites(w) => result_columns(&w.main),
        Statement::Show(name) if name == "all" => Some(vec![
            ("name".into(), DataType::Text),
            ("setting".into(), DataType::Text),
            ("description".into(), DataType::Text),
        ]),
        // SHOW's column name depends on the setting's canonical name, resolved at execution; the
        // describe path uses the requested name, which PostgreSQL also does for unknown settings.
        Statement::Show(name) => Some(vec![(name.clone(), DataType::Text)]),
        Statement::SetConfig { column, .. } | Statement::Sleep { column, .. } => {
            Some(vec![(column.clone(), DataType::Text)])
        }
        Statement::Explain { .. } => Some(vec![("QUERY PLAN".into(), DataType::Text)]),
        _ => None,
    }
}

/// Writes a RowDescription for `columns` with per-column `formats` (0, 1 or n entries).
pub fn write_row_description(
    out: &mut bytes::BytesMut,
    columns: &[(String, DataType)],
    formats: &[Format],
) {
    let fields: Vec<FieldDescription<'_>> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| FieldDescription {
            name,
            table_oid: 0,
            column: 0,
            type_oid: ty.oid(),
            type_size: ty.type_size(),
            type_modifier: -1,
            format: Format::for_index(formats, i).unwrap_or(Format::Text),
        })
        .collect();
    backend::row_description(out, &fields);
}

/// A query statement paired with its shareable plan (sent to shards by reference count, not copied).
pub fn shared_plan(stmt: &Statement) -> Option<Arc<QueryPlan>> {
    match stmt {
        Statement::Query(q) => Some(Arc::new(q.clone())),
        _ => None,
    }
}

impl Session {
    /// The simple Query message: every statement in order, stopping at the first error.
    pub(super) async fn simple_query(&mut self, sql: &str) -> Next {
        // A simple Query destroys the unnamed statement and portal.
        self.prepared.remove("");
        self.portals.remove("");
        let mut lifted = plan_cache::candidate(sql);
        if let Some((entry, values)) = lifted.as_ref().and_then(|l| self.cached_statement(l)) {
            let exempt = allowed_when_failed(entry.statement());
            if let Err(f) = self.run_cached(&entry, &values).await {
                let f = if self.txn == TxnState::Failed && !exempt {
                    aborted_error_or(f)
                } else {
                    f
                };
                self.send_error(&f);
            }
            self.ready_for_query();
            return Next::Continue;
        }
        match parse(sql) {
            Err(e) => self.send_error(&error::from_sql(&e)),
            Ok(stmts) if stmts.is_empty() => backend::empty_query_response(&mut self.conn.out),
            Ok(stmts) => {
                if stmts.len() != 1 {
                    lifted = None;
                }
                for parsed in &stmts {
                    let bound = bind(parsed, &[], &self.ctx());
                    let exempt = bound.as_ref().is_ok_and(allowed_when_failed);
                    let result = match bound {
                        Ok(stmt) => {
                            let plan = shared_plan(&stmt);
                            let ran = self
                                .run_statement(&stmt, plan, &[], &[], true)
                                .await
                                .map(|_| ());
                            if let (Ok(()), Some(l)) = (&ran, lifted.take()) {
                                self.remember(l, &stmt);
                            }
                            ran
                        }
                        Err(e) => Err(error::from_sql(&e)),
                    };
                    if let Err(f) = result {
                        let f = if self.txn == TxnState::Failed && !exempt {
                            aborted_error_or(f)
                        } else {
                            f
                        };
                        self.send_error(&f);
                        break;
                    }
                }
            }
        }
        self.ready_for_query();
        Next::Continue
    }

    /// Runs one bound statement and writes its rows (RowDescription too when `describe`) and
    /// CommandComplete. Returns the number of rows sent. In a failed block only COMMIT/ROLLBACK run.
    pub(super) async fn run_statement(
        &mut self,
        stmt: &Statement,
        plan: Option<Arc<QueryPlan>>,
        params: &[Value],
        formats: &[Format],
        describe: bool,
    ) -> Result<usize, ErrorFields> {
        if self.txn == TxnState::Failed && !allowed_when_failed(stmt) {
            return Err(aborted_error());
        }
        if !plan_cache::keeps_cache(stmt) {
            // Settings or the session's objects may change: cached bindings may no longer hold.
            self.plan_cache.clear();
        }
        self.cancel.set(false);
        if let Some(cmd) = write_command(stmt) {
            if self.read_only() {
                return Err(error::error(
                    SqlState::READ_ONLY_SQL_TRANSACTION,
                    format!("cannot execute {cmd} in a read-only transaction"),
                ));
            }
        }
        // Outside a block, a statement over tables runs in its own transaction, committed before
        // its CommandComplete is sent (or rolled back on error).
        let tables = touches_tables(stmt) || transactional_ddl(stmt);
        let implicit = self.txn == TxnState::Idle && tables;
        let params = &self.statement_params(params);
        if !matches!(stmt, Statement::Query(_)) {
            // SET, RESET, DISCARD and transaction ends may change output settings.
            self.format = None;
        }
        let done = if tables {
            // Reads and writes run at a snapshot and may wait for row locks: a cancel request or
            // statement_timeout interrupts such waits.
            self.begin_statement();
            let txn = self.current_txn();
            let (worker, pid, deadline) =
                (self.worker.clone(), self.pid, self.statement_deadline());
            let work = self.execute(stmt, plan, params, formats, describe);
            Session::watched(worker, pid, deadline, txn, work).await
        } else {
            if matches!(stmt, Statement::Query(_)) {
                self.begin_statement();
            }
            self.execute(stmt, plan, params, formats, describe).await
        };
        self.end_statement();
        if implicit {
            let ended = self.finish_txn(done.is_ok()).await;
            if let (Ok(_), Err(e)) = (&done, ended) {
                return Err(e);
            }
        } else if self.txn == TxnState::Idle {
            // No transaction outlives a statement outside a block.
            self.reset_txn_extra();
        }
        match done? {
            Done::Tag(tag) => {
                backend::command_complete(&mut self.conn.out, &tag);
                Ok(0)
            }
            Done::Rows(n) => Ok(n),
        }
    }

    pub(super) async fn execute(
        &mut self,
        stmt: &Statement,
        plan: Option<Arc<QueryPlan>>,
        params: &Params,
        formats: &[Format],
        describe: bool,
    ) -> Result<Done, ErrorFields> {
        let tag: String = match stmt {
            Statement::Explain { inner, analyze } => {
                let n = self.explain(inner, *analyze, params, formats, describe)?;
                return Ok(Done::Rows(n));
            }
            Statement::Query(q) => {
                let plan = plan.unwrap_or_else(|| Arc::new(q.clone()));
                let rows = self.query_rows(plan, params).await?;
                if describe {
                    write_row_description(&mut self.conn.out, &q.columns, formats);
                }
                let n = rows.len();
                self.write_rows(&rows, &q.columns, formats)?;
                backend::command_complete(&mut self.conn.out, &format!("SELECT {n}"));
                return Ok(Done::Rows(n));
            }
            Statement::Returning {
                inner,
                exprs,
                columns,
            } => {
                let n = self
                    .returning(inner, exprs, columns, params, formats, describe)
                    .await?;
                return Ok(Done::Rows(n));
            }
            Statement::WithWrites(w) => {
                return self.with_writes(w, params, formats, describe).await;
            }
            Statement::Prepared(cmd) => {
                match self
                    .prepared_command(cmd, params, formats, describe)
                    .await?
                {
                    super::prepare::PreparedDone::Tag(tag) => tag,
                    super::prepare::PreparedDone::Ran(n) => return Ok(Done::Rows(n)),
                }
            }
            Statement::Cursor(cmd) => {
                match self.cursor_command(cmd, params, formats, describe).await? {
                    Ok(n) => return Ok(Done::Rows(n)),
                    Err(tag) => tag,
                }
            }
            Statement::CreateTable {
                table,
                if_not_exists,
            } => {
                self.create_table(table, *if_not_exists).await?;
                if self.txn == TxnState::Idle && table.temp.is_some() {
                    // Its own transaction ends now (ON COMMIT DROP).
                    self.temp_at_txn_end(true, false).await?;
                }
                "CREATE TABLE".into()
            }
            Statement::CreateTableAs {
                table,
                query,
                if_not_exists,
            } => match self.create_table(table, *if_not_exists).await? {
                None => "CREATE TABLE AS".into(),
                Some(created) => {
                    let row: Vec<pglitedb_sql::Expr> = query
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, (_, ty))| pglitedb_sql::Expr::Column(i, *ty))
                        .collect();
                    // The rows go in the same transaction as the table (the statement's own one
                    // outside a block).
                    let n = self
                        .insert_select(&created, query, &row, None, params)
                        .await?;
                    format!("SELECT {n}")
                }
            },
            Statement::CreateTableWithSequences {
                table,
                if_not_exists,
                sequences,
            } => {
                self.create_table_with_sequences(table, *if_not_exists, sequences)
                    .await?;
                "CREATE TABLE".into()
            }
            Statement::CreateSequence { seq, if_not_exists } => {
                self.create_table(seq, *if_not_exists).await?;
                "CREATE SEQUENCE".into()
            }
            Statement::DropSequence { seqs, missing } => {
                self.drop_sequences(seqs, missing).await?;
                "DROP SEQUENCE".into()
            }
            Statement::CreateView { view, or_replace } => {
                self.create_view(view, *or_replace).await?;
                "CREATE VIEW".into()
            }
            Statement::DropView { views, missing } => {
                self.drop_views(views, missing).await?;
                "DROP VIEW".into()
            }
            Statement::DropTable {
                tables,
                missing,
                cascade,
            } => {
                self.fk_drop_referenced(tables, *cascade).await?;
                self.drop_tables(tables, missing).await?;
                "DROP TABLE".into()
            }
            Statement::CreateIndex {
                table,
                index,
                if_not_exists,
            } => {
                self.create_index(table, index, *if_not_exists).await?;
                "CREATE INDEX".into()
            }
            Statement::AlterIndex(plan) => {
                self.alter_table(plan).await?;
                "ALTER INDEX".into()
            }
            Statement::DropIndex { indexes, missing } => {
                self.drop_indexes(indexes, missing).await?;
                "DROP INDEX".into()
            }
            Statement::Reindex {
                kind,
                concurrently,
                notice,
                rebuild,
            } => {
                self.reindex(kind, *concurrently, notice.as_deref())?;
                self.rebuild_indexes(rebuild).await?;
                "REINDEX".into()
            }
            Statement::Update(plan) => {
                let n = self.modify(plan, params).await?;
                format!("UPDATE {n}")
            }
            Statement::Delete(plan) => {
                let n = self.modify(plan, params).await?;
                format!("DELETE {n}")
            }
            Statement::Insert {
                table,
                rows,
                on_conflict,
                ..
            } => {
                let n = self
                    .insert(table, rows, on_conflict.as_ref(), params)
                    .await?;
                format!("INSERT 0 {n}")
            }
            Statement::InsertSelect {
                table,
                query,
                row,
                on_conflict,
            } => {
                let n = self
                    .insert_select(table, query, row, on_conflict.as_ref(), params)
                    .await?;
                format!("INSERT 0 {n}")
            }
            Statement::CopyFrom(plan) => {
                let n = self.copy_from(plan).await?;
                format!("COPY {n}")
            }
            Statement::CopyTo {
                query,
                options,
                file,
            } => {
                let n = self
                    .copy_to(query, options, file.as_deref(), params)
                    .await?;
                format!("COPY {n}")
            }
            Statement::Truncate(plans, cascade) => {
                let plans = &self.fk_check_truncate(plans, *cascade)?;
                self.fk.off = true;
                let mut done = Ok(0);
                for p in plans {
                    done = self.modify(p, params).await;
                    if done.is_err() {
                        break;
                    }
                }
                self.fk.off = false;
                done?;
                "TRUNCATE TABLE".into()
            }
            Statement::Maintenance { vacuum, analyze } => {
                if *vacuum {
                    if self.txn != TxnState::Idle {
                        return Err(error::error(
                            SqlState::ACTIVE_SQL_TRANSACTION,
                            "VACUUM cannot run inside a transaction block",
                        ));
                    }
                    "VACUUM".into()
                } else {
                    debug_assert!(*analyze);
                    "ANALYZE".into()
                }
            }
            Statement::AlterTable(plan) => {
                self.alter_table(plan).await?;
                "ALTER TABLE".into()
            }
            Statement::AttachPartition { old, new } => {
                self.attach_partition(old, new).await?;
                "ALTER TABLE".into()
            }
            Statement::DetachPartition { old, new } => {
                self.detach_partition(old, new).await?;
                "ALTER TABLE".into()
            }
            Statement::CreateDatabase(name) => {
                self.create_database(name).await?;
                "CREATE DATABASE".into()
            }
            Statement::AlterDatabase {
                name,
                setting,
                value,
            } => {
                self.alter_database(name, setting.as_deref(), value.as_ref())
                    .await?;
                "ALTER DATABASE".into()
            }
            Statement::DropDatabase { name, if_exists } => {
                self.drop_database(name, *if_exists).await?;
                "DROP DATABASE".into()
            }
            Statement::CreateSchema {
                schema,
                if_not_exists,
                elements,
            } => {
                self.create_schema(schema, *if_not_exists, elements).await?;
                "CREATE SCHEMA".into()
            }
            Statement::DropSchema {
                schemas,
                missing,
                cascaded,
            } => {
                self.drop_schemas(schemas, missing, cascaded).await?;
                "DROP SCHEMA".into()
            }
            Statement::RenameSchema { name, to } => {
                self.rename_schema(name, to).await?;
                "ALTER SCHEMA".into()
            }
            Statement::CreateFunction { func, or_replace } => {
                self.create_function(func, *or_replace, "CREATE FUNCTION")
                    .await?;
                "CREATE FUNCTION".into()
            }
            Statement::AlterFunction(func) => {
                self.create_function(func, true, "ALTER FUNCTION").await?;
                "ALTER FUNCTION".into()
            }
            Statement::DropFunction { funcs, missing } => {
                self.drop_functions(funcs, missing).await?;
                "DROP FUNCTION".into()
            }
            Statement::SetConstraints { names, deferred } => {
                self.fk_set_constraints(names.as_deref(), *deferred).await?;
                "SET CONSTRAINTS".into()
            }
            Statement::Notice(text) => {
                let n = error::notice(SqlState::SUCCESSFUL_COMPLETION, text.clone());
                backend::notice_response(&mut self.conn.out, &n);
                "ALTER TABLE".into()
            }
            Statement::SetConfig { args, column, .. } => {
                self.set_config(args, column, params, formats, describe)?;
                "SELECT 1".into()
            }
            Statement::Sleep { arg, column, .. } => {
                self.sleep(arg, column, params, formats, describe).await?;
                "SELECT 1".into()
            }
            other => self.control(other, formats, describe).await?,
        };
        Ok(Done::Tag(tag))
    }

    /// Runs a query plan on the shard that owns its data (the session's own shard for table-less
    /// queries) through the typed request path.
    pub(super) async fn query_rows(
        &mut self,
        plan: Arc<QueryPlan>,
        params: &Params,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        let mut attempts = super::sequence::SeqAttempts::default();
        let result = loop {
            let p = self.seq_attempt(params, &mut attempts);
            match self.query_rows_once(plan.clone(), &p).await {
                Err(e) => match self.seq_retry(&mut attempts).await {
                    Ok(true) => continue,
                    Ok(false) => break Err(e),
                    Err(e) => break Err(e),
                },
                ok => break ok,
            }
        };
        self.seq_done(attempts);
        result
    }

    /// One attempt of [`Session::query_rows`] (see `sequence.rs`).
    pub(super) async fn query_rows_once(
        &mut self,
        plan: Arc<QueryPlan>,
        params: &Params,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        let rows = if plan.source.is_some() {
            self.table_rows(plan, params).await
        } else if !plan.scans.is_empty() {
            self.joined_rows(plan, params).await
        } else {
            // Table-less: the session's own shard evaluates it (no data lives elsewhere).
            let shard = self.worker.id;
            let req = ShardRequest::Execute {
                plan,
                params: params.clone(),
            };
            match self.worker.request(shard, req).await {
                ShardResponse::Rows(rows) => Ok(rows),
                e @ ShardResponse::Error(_) => Err(self.stash_shard(e)),
                other => Err(error::error(
                    SqlState::INTERNAL_ERROR,
                    format!("unexpected shard response (bug): {other:?}"),
                )),
            }
        };
        if self.cancel.replace(false) {
            return Err(error::error(
                SqlState::QUERY_CANCELED,
                "canceling statement due to user request",
            ));
        }
        rows
    }

    /// The binder's context for this session.
    pub(super) fn ctx(&self) -> Ctx<'_> {
        let now = match (self.txn, self.txn_start) {
            (TxnState::Idle, _) | (_, None) => pg_now(),
            (_, Some(t)) => t,
        };
        Ctx {
            settings: &self.settings,
            catalog: self.catalog_view(),
            database: &self.database,
            now,
            temp: &self.temp,
            first_schema: self.first_schema.as_deref(),
            path: std::cell::OnceCell::new(),
        }
    }

    /// Writes DataRows, each column in its requested format.
    pub(super) fn write_rows(
        &mut self,
        rows: &[Vec<Value>],
        columns: &[(String, DataType)],
        formats: &[Format],
    ) -> Result<(), ErrorFields> {
        let _ = columns;
        let ctx = self.format_ctx();
        for row in rows {
            let mut w = backend::data_row(&mut self.conn.out);
            for (i, v) in row.iter().enumerate() {
                if *v == Value::Null {
                    w.null();
                    continue;
                }
                self.scratch.clear();
                match Format::for_index(formats, i).unwrap_or(Format::Text) {
                    Format::Text => v.write_text_ctx(&ctx, &mut self.scratch),
                    Format::Binary => v
                        .write_binary(&mut self.scratch)
                        .map_err(|e| error::from_sql(&e))?,
                }
                w.value(Some(&self.scratch));
            }
            w.finish();
        }
        Ok(())
    }

    /// A statement's parameter values with the context it evaluates in: the session's settings
    /// and `now()`, the start of the current transaction (so it stays fixed within a block).
    pub(super) fn statement_params(&mut self, values: &[Value]) -> Params {
        if self.txn == TxnState::Idle {
            self.txn_start = None;
        }
        let now = *self.txn_start.get_or_insert_with(pg_now);
        let mut ctx = (*self.format_ctx()).clone();
        ctx.now = now;
        Params::new(values.to_vec(), Arc::new(ctx)).with_deadline(self.statement_deadline())
    }

    /// The output-format context of the session's settings (DateStyle, IntervalStyle, TimeZone,
    /// extra_float_digits), built once and kept until a setting may have changed.
    pub(super) fn format_ctx(&mut self) -> Rc<FormatContext> {
        if let Some(ctx) = &self.format {
            return ctx.clone();
        }
        let get = |name: &str| self.settings.get(name).unwrap_or_default().to_string();
        let ctx = FormatContext::from_settings(
            &get("datestyle"),
            &get("intervalstyle"),
            &get("timezone"),
            &get("extra_float_digits"),
        )
        .unwrap_or_default();
        let ctx = Rc::new(ctx);
        self.format = Some(ctx.clone());
        ctx
    }
}

/// The current time in PostgreSQL's representation (microseconds since 2000-01-01 UTC).
fn pg_now() -> i64 {
    const PG_EPOCH_UNIX_SECS: i64 = 946_684_800;
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    unix - PG_EPOCH_UNIX_SECS * 1_000_000
}

/// In a failed block PostgreSQL reports 25P02 for anything but COMMIT/ROLLBACK, even a statement
/// that would also have failed for another reason at bind time.
fn aborted_error_or(f: ErrorFields) -> ErrorFields {
    if f.code == SqlState::SYNTAX_ERROR {
        f
    } else {
        aborted_error()
    }
}
