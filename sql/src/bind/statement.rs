//! The bound statement ([`Statement`]) and the small types its variants carry: what the binder
//! hands the session. Command tags and result shapes come from here.

use std::sync::Arc;

use super::{AlterPlan, CursorCommand, OnConflict, PreparedCommand, WithWrites, WritePlan};
use crate::catalog::TableDef;
use crate::expr::Expr;
use crate::plan::QueryPlan;
use crate::types::DataType;

/// Transaction characteristics given to BEGIN / START TRANSACTION / SET TRANSACTION.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionMode {
    IsolationLevel(String),
    ReadOnly(bool),
    Deferrable(bool),
}

/// The right-hand side of SET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    Default,
    /// Each item as PostgreSQL flattens it (identifiers and literals as text); a list is joined with ", ".
    Values(Vec<String>),
    /// The setting's text as a whole (`set_config`): a list setting keeps it as written.
    Raw(String),
}

/// A bound statement. Command tags and result shapes come from here.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Begin(Vec<TransactionMode>),
    /// `START TRANSACTION`: BEGIN with its own command tag.
    StartTransaction(Vec<TransactionMode>),
    Commit,
    Rollback,
    SetTransaction(Vec<TransactionMode>),
    /// `COMMIT AND CHAIN`: commit, then start a block with the same characteristics.
    CommitAndChain,
    /// `ROLLBACK AND CHAIN`.
    RollbackAndChain,
    /// `SET SESSION CHARACTERISTICS AS TRANSACTION ...`: the defaults of later transactions.
    SetSessionCharacteristics(Vec<TransactionMode>),
    Savepoint(String),
    /// `ROLLBACK TO [SAVEPOINT] name`.
    RollbackTo(String),
    /// `RELEASE [SAVEPOINT] name`.
    Release(String),
    Set {
        name: String,
        value: SetValue,
        local: bool,
    },
    /// A lone `SELECT set_config(name, value, is_local)` (`session_call.rs`): SET from
    /// expressions, answering the new value in a column named `column`.
    SetConfig {
        args: Vec<Expr>,
        column: String,
        param_types: Vec<DataType>,
    },
    /// A lone `SELECT pg_sleep(float8)` / `pg_sleep_for(interval)` / `pg_sleep_until(timestamptz)`
    /// (`session_call.rs`): the session sleeps, answering one empty value.
    Sleep {
        arg: Expr,
        column: String,
        param_types: Vec<DataType>,
    },
    /// `RESET name`; `None` is `RESET ALL`.
    Reset(Option<String>),
    /// `SHOW name`; "all" for `SHOW ALL`.
    Show(String),
    /// `DISCARD ALL`.
    DiscardAll,
    Query(QueryPlan),
    /// CREATE TABLE; the definition's id is assigned when the DDL runs.
    CreateTable {
        table: TableDef,
        if_not_exists: bool,
    },
    /// DROP TABLE of the tables that exist; `missing` are names that did not (IF EXISTS).
    DropTable {
        tables: Vec<Arc<TableDef>>,
        missing: Vec<String>,
        /// CASCADE: foreign keys of other tables that reference these are dropped with them.
        cascade: bool,
    },
    /// CREATE [OR REPLACE] [TEMP] VIEW (see `view.rs`): `view` has id 0 and the query text.
    CreateView {
        view: TableDef,
        or_replace: bool,
    },
    /// CREATE TABLE with SERIAL or identity columns: the table, then `sequences` (id 0), each
    /// owned by the table (`sequence.rs`).
    CreateTableWithSequences {
        table: TableDef,
        if_not_exists: bool,
        sequences: Vec<TableDef>,
    },
    /// CREATE [TEMP] SEQUENCE (see `sequence.rs`): `seq` has id 0.
    CreateSequence {
        seq: TableDef,
        if_not_exists: bool,
    },
    /// DROP SEQUENCE [IF EXISTS]: the sequences found and the names missing (IF EXISTS only).
    DropSequence {
        seqs: Vec<Arc<TableDef>>,
        missing: Vec<String>,
    },
    /// DROP VIEW [IF EXISTS]: the views found and the names missing (IF EXISTS only).
    DropView {
        views: Vec<Arc<TableDef>>,
        missing: Vec<String>,
    },
    /// UPDATE ... SET ... WHERE.
    Update(Arc<WritePlan>),
    /// DELETE FROM ... WHERE.
    Delete(Arc<WritePlan>),
    /// INSERT ... VALUES: one full-width row of expressions per VALUES row.
    Insert {
        table: Arc<TableDef>,
        rows: Vec<Vec<Expr>>,
        param_types: Vec<DataType>,
        /// ON CONFLICT (see `conflict.rs`).
        on_conflict: Option<Arc<OnConflict>>,
    },
    /// INSERT ... SELECT: each row of `query` becomes the table row `row` (expressions over the
    /// query's output row: the target columns cast to their types, the others their defaults).
    InsertSelect {
        table: Arc<TableDef>,
        query: Box<QueryPlan>,
        row: Vec<Expr>,
        on_conflict: Option<Arc<OnConflict>>,
    },
    /// INSERT/UPDATE/DELETE ... RETURNING: `exprs` over each affected table row (see
    /// `bind/returning.rs`), with the result `columns`.
    Returning {
        inner: Box<Statement>,
        exprs: Vec<Expr>,
        columns: Vec<(String, DataType)>,
    },
    /// PREPARE / EXECUTE / DEALLOCATE (`bind/prepare.rs`).
    Prepared(PreparedCommand),
    /// DECLARE / FETCH / MOVE / CLOSE of cursors (`bind/prepare.rs`).
    Cursor(CursorCommand),
    /// COPY ... FROM.
    CopyFrom(Arc<crate::copy::CopyFromPlan>),
    /// COPY ... TO: the rows of `query` in COPY's format, to the client (`file: None`) or a file.
    CopyTo {
        query: Box<QueryPlan>,
        options: crate::copy::CopyOptions,
        file: Option<String>,
    },
    /// TRUNCATE: every row of each table goes, transactionally (as a DELETE without WHERE would).
    /// TRUNCATE of these tables; `true`: CASCADE (tables whose foreign keys reference them go
    /// too, added by the session).
    Truncate(Vec<Arc<WritePlan>>, bool),
    /// VACUUM and/or ANALYZE, after checking the names (nothing else to do, see `utility.rs`).
    Maintenance {
        vacuum: bool,
        analyze: bool,
    },
    /// CREATE TABLE ... AS query, SELECT ... INTO: a new table holding the query's rows (tag
    /// `SELECT n`).
    CreateTableAs {
        table: TableDef,
        query: Box<QueryPlan>,
        if_not_exists: bool,
    },
    /// ALTER TABLE (see `alter.rs`).
    AlterTable(Box<AlterPlan>),
    /// ALTER TABLE parent ATTACH PARTITION: `new` is `old` with its bound (`partition.rs`).
    AttachPartition {
        old: Arc<TableDef>,
        new: Box<TableDef>,
    },
    /// ALTER TABLE parent DETACH PARTITION: `new` is `old` without its bound.
    DetachPartition {
        old: Arc<TableDef>,
        new: Box<TableDef>,
    },
    /// EXPLAIN of a bound statement (text format: one `QUERY PLAN` column).
    Explain {
        inner: Box<Statement>,
        analyze: bool,
    },
    /// CREATE DATABASE: a new, empty tenant.
    CreateDatabase(String),
    /// DROP DATABASE [IF EXISTS]: the tenant and all its tables.
    DropDatabase {
        name: String,
        if_exists: bool,
    },
    /// ALTER DATABASE name SET/RESET: a default for sessions that connect to it later.
    /// `setting: None` is RESET ALL; `value: None` resets one setting.
    AlterDatabase {
        name: String,
        setting: Option<String>,
        value: Option<SetValue>,
    },
    /// CREATE [UNIQUE] INDEX: `index` (id 0) to add to `table`; its entries are built from the
    /// table's rows. With `if_not_exists`, a name already taken only draws a NOTICE.
    CreateIndex {
        table: Arc<TableDef>,
        index: crate::index::IndexDef,
        if_not_exists: bool,
    },
    /// ALTER INDEX ... RENAME TO: a definition-only ALTER TABLE of the index's table.
    AlterIndex(Box<AlterPlan>),
    /// DROP INDEX: each existing index as (its table, its name); `missing`: names IF EXISTS skips.
    DropIndex {
        indexes: Vec<(Arc<TableDef>, String)>,
        missing: Vec<String>,
    },
    /// REINDEX of something that exists: nothing to rebuild (entries are exact, kept in step by
    /// every write's transaction). `kind` as in `REINDEX TABLE cannot run inside a transaction
    /// block`; `notice`: PostgreSQL's "has no indexes" NOTICE.
    /// SET CONSTRAINTS (`bind/fkey.rs`): `names` are (table, constraint) pairs of deferrable
    /// foreign keys, `None` for ALL.
    SetConstraints {
        names: Option<Vec<(Arc<TableDef>, String)>>,
        deferred: bool,
    },
    Reindex {
        kind: &'static str,
        concurrently: bool,
        notice: Option<String>,
        /// Indexes it covers that were never fully built (a crash during CREATE INDEX): built now.
        rebuild: Vec<(Arc<TableDef>, String)>,
    },
    /// CREATE SCHEMA (`bind/schema.rs`): the schema, then its `elements` (each a query string
    /// holding one statement), bound and run with the new schema first in the search path.
    CreateSchema {
        schema: crate::namespace::SchemaDef,
        if_not_exists: bool,
        elements: Vec<String>,
    },
    /// DROP SCHEMA: the schemas (with every relation they hold), the names IF EXISTS skips, and
    /// how PostgreSQL describes the relations that go with them (`table s.t`).
    DropSchema {
        schemas: Vec<String>,
        missing: Vec<String>,
        cascaded: Vec<String>,
    },
    /// ALTER SCHEMA name RENAME TO to.
    RenameSchema {
        name: String,
        to: String,
    },
    /// A statement with nothing to do but a NOTICE (ALTER TABLE IF EXISTS of a missing table).
    Notice(String),
    /// CREATE [OR REPLACE] FUNCTION (`function.rs`): `func` has id 0.
    CreateFunction {
        func: crate::function::FunctionDef,
        or_replace: bool,
    },
    /// ALTER FUNCTION: the changed definition (same id).
    AlterFunction(crate::function::FunctionDef),
    /// DROP FUNCTION: the functions found; `missing`: the NOTICEs of those IF EXISTS skips.
    DropFunction {
        funcs: Vec<Arc<crate::function::FunctionDef>>,
        missing: Vec<String>,
    },
    /// A statement with data-modifying CTEs (`modifying.rs`).
    WithWrites(Box<WithWrites>),
}
