//! PGLiteDB's SQL front end: parse (sqlparser, PostgreSQL dialect) → bind → typed statement → evaluate.
//!
//! # Life of a statement (as of the foundation)
//! 1. [`parse`] turns one query string into zero or more [`Parsed`] statements. The whole string is parsed
//!    before anything runs, so a syntax error in the third statement means none run (PostgreSQL does the
//!    same). Syntax errors carry PostgreSQL's message (`syntax error at or near "x"`) and a 1-based
//!    character position.
//! 2. [`bind`] resolves a [`Parsed`] statement against the session ([`SessionContext`]) and the declared
//!    parameter types, giving a typed [`Statement`]: utility statements (transaction control, SET/SHOW),
//!    or a [`QueryPlan`] whose output columns and parameter types are known before execution, which is
//!    what the extended protocol's Describe needs.
//! 3. A [`QueryPlan`] runs in two halves (`plan` draws them): every shard holding rows of its table
//!    runs [`QueryPlan::shard_rows`] (filter, projection or partial aggregation, per-shard top-N),
//!    and the router merges with [`QueryPlan::finish`] (final aggregation, sort, DISTINCT,
//!    OFFSET/LIMIT). A table-less plan runs both with [`QueryPlan::execute`].
//! 4. Joins, subqueries, set operations and CTEs bind to a plan whose input is a relational tree
//!    (`plan::Rel`) evaluated where the session runs; its leaves are single-table plans
//!    ([`QueryPlan::scans`]) that the shards run as in 3, and [`QueryPlan::run_with`] runs the
//!    tree over their gathered rows (`plan/rel.rs` draws it).
//! 5. Every half evaluates with [`Params`]: the parameter values and the session's [`FormatContext`]
//!    (TimeZone, DateStyle, `now()` = the transaction's start), fixed by the session per statement
//!    and shipped with the plan, so a shard on another core evaluates as the session would.
//!
//! The sqlparser AST never leaves this crate. Command tags and result shapes come from the typed
//! statement, never from the SQL text.
//!
//! # What is left out
//! Window functions, join reordering (joins run in FROM order: hash join on equi-keys, nested
//! loop otherwise, with a bound on the pairs examined), whole-row references, aggregates over
//! outer-level columns, and subqueries in UPDATE/DELETE answer 0A000 (or 54000 past the join
//! bound), so clients get PostgreSQL-shaped errors rather than wrong results.
#![forbid(unsafe_code)]

mod bind;
mod catalog;
pub mod copy;
mod error;
mod exec;
mod expr;
pub mod fkey;
pub mod func;
mod function;
mod index;
mod locking;
pub mod namespace;
mod parse;
pub mod partition;
mod plan;
pub mod seqeval;
mod syscat;
pub mod types;

pub use bind::{
    bind, check_view_replace, index_lookup, AlterPlan, ColSource, ConflictAction, CteWrite,
    CursorCommand, FetchDirection, OnConflict, PreparedCommand, SessionContext, SetValue,
    Statement, TransactionMode, WithWrites, WritePlan, WriteSource,
};
pub use catalog::{
    Catalog, ColumnDef, EmptyCatalog, OnCommit, SequenceDef, SettingInfo, TableDef, TableId,
    DEFAULT_DATABASE,
};
pub use error::{Result, SqlError};
pub use exec::ShardRun;
pub use expr::{Expr, Params};
pub use function::{FuncArg, FunctionBody, FunctionDef, Volatility};
pub use index::{choose_index_name, IndexDef};
pub use namespace::SchemaDef;
pub use parse::lift::{lift, Lifted, Literal, LiteralKind};
pub use parse::{parse, Maintenance, MaintenanceTarget, Parsed};
pub use plan::{
    AggCall, Aggregate, Body, Distinct, LockStrength, LockWaitPolicy, QueryPlan, RowLocking,
    ScanSource, SortKey,
};
pub use types::{DataType, FormatContext, Value};
