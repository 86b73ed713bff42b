//! Query plans, as data: owned, `Send`, shipped to shards in an `Arc`. A plan reads one table
//! (drawn below), no table, or a [`Rel`] tree over several sources (`rel`).
//!
//! # The plan
//! ```text
//!            router (QueryPlan::finish)                 ┐
//!   truncate to the visible columns                     │
//!   OFFSET / LIMIT                                      │  once, over all shards' partials
//!   DISTINCT / DISTINCT ON (first row of each key)      │
//!   sort (ORDER BY keys: columns of the target row)     │
//!   window functions (`window`), then target rows       │
//!   aggregate: merge partial groups, finish, HAVING,    │
//!              output expressions (Body::Aggregate)     ┘
//!   ──────────────────── Vec<Vec<Value>> per shard ────────────────────
//!            shard (QueryPlan::shard_rows / ShardRun)   ┐
//!   per-shard top-N (ORDER BY + LIMIT, no DISTINCT, no  │
//!              aggregate) or first N rows (LIMIT alone) │  on every shard that holds rows
//!   partial aggregation per group, or the projection    │
//!   filter (WHERE)                                      │
//!   scan (the shard's partition, or one row by key)     ┘
//! ```
//! Table-less queries run both halves where the session is ([`QueryPlan::execute`]), over one
//! empty input row, or over the rows of `FROM generate_series(...)` or `FROM (VALUES ...)`
//! ([`LocalRows`]).
//!
//! # Rows at each stage
//! - *Input row*: the stored row (table columns in order), or `[]` without a table.
//! - *Target row* ([`Body`]'s output): the visible output columns (`columns`) first, then hidden
//!   columns that only ORDER BY or DISTINCT ON need (PostgreSQL's resjunk entries). Sort keys and
//!   DISTINCT ON keys are positions in the target row.
//! - *Group row* (aggregate queries): the GROUP BY values, then one value per aggregate call.
//!   HAVING and the output expressions are evaluated over it.
//! - *Partial row* (what a shard of an aggregate query returns): the GROUP BY values, then each
//!   call's partial state encoded as a fixed number of values (`exec::aggregate`), or, when the
//!   shards cannot pre-aggregate (`Aggregate::partial` false: DISTINCT inside an aggregate), the
//!   GROUP BY values and every call's arguments for each input row.
//!
//! # Invariants
//! - The result does not depend on how rows are split between shards, nor on the order in which
//!   shards answer, except where PostgreSQL leaves the order unspecified (rows without ORDER BY,
//!   ties in ORDER BY, `string_agg`/`array_agg` without ORDER BY).
//! - Everything a shard needs is in the plan and the parameters; the shard returns plain values.

mod rel;
pub(crate) mod visit;
pub mod window;

use std::sync::Arc;

pub use rel::{Join, JoinKind, Recursive, Rel, Scans, SetOp, SetOpKind, SubLink, SubLinkKind};

use crate::catalog::TableDef;
use crate::error::Result;
use crate::expr::Expr;
use crate::func::agg::AggSig;
use crate::types::{DataType, Value};

/// A bound SELECT over one table (`source`) or over no table.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPlan {
    /// The visible output columns: names and types.
    pub columns: Vec<(String, DataType)>,
    /// The parameters' resolved types, `$1` first.
    pub param_types: Vec<DataType>,
    pub source: Option<ScanSource>,
    /// Input rows → target rows.
    pub body: Body,
    /// ORDER BY, as positions in the target row.
    pub order: Vec<SortKey>,
    pub distinct: Distinct,
    /// `LIMIT` (int8; NULL or absent means no limit).
    pub limit: Option<Box<Expr>>,
    /// `OFFSET` (int8; NULL means 0).
    pub offset: Option<Box<Expr>>,
    /// `FROM generate_series(...)` or `FROM (VALUES ...)`: input rows made where the plan runs
    /// (no table, no shards); or a [`Rel`] tree (joins, subqueries, set operations).
    pub local: Option<Box<LocalRows>>,
    /// The statement's base-table reads that `Rel::Scan` leaves name (top-level plan only): the
    /// session gathers them from the shards before running this plan ([`QueryPlan::run_with`]).
    pub scans: Scans,
    /// Window functions: run at the router between the body and ORDER BY (`window`).
    pub window: Option<Box<window::WindowStage>>,
}

/// A table-less row source, evaluated where the plan runs. `filter` is the WHERE clause over
/// its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalRows {
    pub kind: LocalKind,
    pub filter: Option<Expr>,
    /// A correlated subquery's `inner = outer` conditions split off `filter`: (expression over
    /// the input row, expression over enclosing rows only). Set only when the rows themselves do
    /// not depend on enclosing rows: they are then read and indexed by the inner side once per
    /// statement, and each run takes the rows whose key equals the outer side's value.
    pub probe: Vec<(Expr, Expr)>,
}

/// The kinds of [`LocalRows`].
#[derive(Debug, Clone, PartialEq)]
pub enum LocalKind {
    /// `generate_series(start, stop [, step])` over integers: one int4 or int8 column; the
    /// bounds are expressions without column references.
    Series {
        start: Box<Expr>,
        stop: Box<Expr>,
        step: Option<Box<Expr>>,
        ty: DataType,
    },
    /// `(VALUES (...), ...)`: each row's expressions, already cast to its column's type.
    Values(Vec<Vec<Expr>>),
    /// `unnest(array)`: one row per element (a NULL array gives none).
    Unnest(Box<Expr>),
    /// A set-returning function (`func::table`): its arguments, its output columns.
    Table { func: TableCall, args: Vec<Expr> },
    /// Joins, derived tables, set operations, CTEs (`rel`).
    Rel(Box<Rel>),
}

/// The function of a [`LocalKind::Table`]: which one (by name, for EXPLAIN and equality), its
/// rows function, strictness (NULL argument: no rows) and output columns.
#[derive(Debug, Clone)]
pub struct TableCall {
    pub name: &'static str,
    pub rows: crate::func::table::RowsFn,
    pub strict: bool,
    pub columns: Vec<(String, DataType)>,
    /// WITH ORDINALITY: the last column (of `columns`) numbers the rows from 1 (bigint).
    pub ordinality: bool,
}

impl PartialEq for TableCall {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.columns == other.columns
    }
}

/// The table a query reads, with the filter that shards apply while scanning.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanSource {
    pub table: Arc<TableDef>,
    pub filter: Option<Expr>,
    /// When the filter fixes every primary-key column (`pk = expr AND ...`), the key's expressions in
    /// key order: the row lives on one shard and is found by a point lookup.
    pub key: Option<Vec<Expr>>,
    /// `FOR UPDATE` / `FOR SHARE` / ...: lock every returned row (see `shard/src/txn.rs`).
    pub lock: Option<RowLocking>,
    /// Reading a partition whose columns are in another order than the statement's table's: the
    /// stored row's position of each of the statement's columns (`crate::partition::remap`).
    pub remap: Option<Vec<usize>>,
}

/// A locking clause of a SELECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowLocking {
    pub strength: LockStrength,
    pub wait: LockWaitPolicy,
}

/// Row lock strengths, weakest first (PostgreSQL's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockStrength {
    KeyShare,
    Share,
    NoKeyUpdate,
    Update,
}

impl LockStrength {
    /// `FOR UPDATE`, as PostgreSQL's messages spell it.
    pub fn clause(self) -> &'static str {
        match self {
            LockStrength::KeyShare => "FOR KEY SHARE",
            LockStrength::Share => "FOR SHARE",
            LockStrength::NoKeyUpdate => "FOR NO KEY UPDATE",
            LockStrength::Update => "FOR UPDATE",
        }
    }
}

/// What a locking SELECT does with a row another transaction holds locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockWaitPolicy {
    Block,
    Nowait,
    SkipLocked,
}

/// How target rows are computed from filtered input rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// One target row per input row: these expressions over the input row.
    Project(Vec<Expr>),
    /// One target row per group (one group without GROUP BY, even over no rows).
    Aggregate(Box<Aggregate>),
}

/// GROUP BY, aggregates and HAVING.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// Grouping expressions over the input row.
    pub group_by: Vec<Expr>,
    pub calls: Vec<AggCall>,
    /// Over the group row.
    pub having: Option<Expr>,
    /// Target-row expressions over the group row.
    pub output: Vec<Expr>,
    /// Whether shards pre-aggregate (false when a call has DISTINCT: then shards ship arguments).
    pub partial: bool,
}

/// One aggregate call.
#[derive(Debug, Clone, PartialEq)]
pub struct AggCall {
    pub sig: AggSig,
    /// Arguments over the input row, already cast to the signature's types (`[]` for `count(*)`).
    pub args: Vec<Expr>,
    /// `agg(DISTINCT x)`.
    pub distinct: bool,
    /// `FILTER (WHERE ...)` over the input row: rows where it is not true are not fed.
    pub filter: Option<Expr>,
    /// `agg(x ORDER BY ...)`: expressions over the input row, each with its ordering (the key's
    /// `column` is the expression's position in this list). Rows are fed in this order.
    pub order: Vec<(Expr, SortKey)>,
}

/// One ORDER BY key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// Position in the target row.
    pub column: usize,
    pub ty: DataType,
    pub descending: bool,
    /// PostgreSQL's default: NULLs sort as larger than everything (first when descending).
    pub nulls_first: bool,
}

/// DISTINCT handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Distinct {
    None,
    /// `SELECT DISTINCT`: over the visible columns.
    All,
    /// `SELECT DISTINCT ON (...)`: the first row (in ORDER BY order) of each key; positions in
    /// the target row.
    On(Vec<usize>),
}

impl QueryPlan {
    /// The shard's half over its rows (already read from storage): see the module doc.
    pub fn shard_rows(
        &self,
        rows: impl IntoIterator<Item = Vec<Value>>,
        params: &crate::expr::Params,
    ) -> Result<Vec<Vec<Value>>> {
        let mut run = self.shard_run(params)?;
        for row in rows {
            run.push(row)?;
        }
        run.finish()
    }

    /// The shard's half, fed one row at a time (for scans that read in batches).
    pub fn shard_run<'a>(
        &'a self,
        params: &'a crate::expr::Params,
    ) -> Result<crate::exec::ShardRun<'a>> {
        crate::exec::ShardRun::new(self, params)
    }

    /// The router's half over every shard's answer (in any order): the final rows.
    pub fn finish(
        &self,
        partials: Vec<Vec<Vec<Value>>>,
        params: &crate::expr::Params,
    ) -> Result<Vec<Vec<Value>>> {
        crate::exec::finish(self, partials, params)
    }

    /// Runs a plan without base-table reads with bound parameter values.
    pub fn execute(&self, params: &crate::expr::Params) -> Result<Vec<Vec<Value>>> {
        self.run_with(Vec::new(), params)
    }

    /// Runs the plan where the session is, given the rows of each of [`QueryPlan::scans`] (in
    /// order, each already through its plan's `finish`).
    pub fn run_with(
        &self,
        inputs: Vec<Vec<Vec<Value>>>,
        params: &crate::expr::Params,
    ) -> Result<Vec<Vec<Value>>> {
        crate::exec::env::with_inputs(inputs, || crate::exec::run_plan(self, params))
    }

    /// Whether running the plan reads tables (and so needs a transaction).
    pub fn reads_tables(&self) -> bool {
        self.source.is_some() || !self.scans.is_empty()
    }
}

/// The AND of some conditions (`None` for none).
pub(crate) fn and_all_exprs(parts: Vec<Expr>) -> Option<Expr> {
    parts.into_iter().reduce(|a, b| Expr::Binary {
        op: crate::expr::BinOp::And,
        left: Box::new(a),
        right: Box::new(b),
        ty: DataType::Bool,
    })
}

/// Whether an expression reads the input row.
pub(crate) fn uses_columns(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| found |= matches!(x, Expr::Column(..)));
    found
}

/// Calls `f` on every node, parents first.
pub(crate) fn walk(e: &Expr, f: &mut impl FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Const(..) | Expr::Param(..) | Expr::Column(..) | Expr::Outer { .. } => {}
        // A subquery's own expressions are over its rows, not this level's.
        Expr::SubLink(s) => match &s.kind {
            SubLinkKind::Any { lhs, .. } | SubLinkKind::All { lhs, .. } => {
                lhs.iter().for_each(|a| walk(a, f))
            }
            _ => {}
        },
        Expr::Cast(inner, _) | Expr::Neg(inner) | Expr::Not(inner) => walk(inner, f),
        Expr::IsNull { expr, .. } => walk(expr, f),
        Expr::Binary { left, right, .. } => {
            walk(left, f);
            walk(right, f);
        }
        Expr::Node {
            kind: crate::expr::Node::SqlFunction(b),
            args,
            ..
        } => {
            args.iter().for_each(|a| walk(a, f));
            walk_function_body(&b.body, f);
        }
        Expr::Call { args, .. } | Expr::Node { args, .. } => args.iter().for_each(|a| walk(a, f)),
    }
}

/// A SQL function's body is over its argument row, not this level's: only its subqueries and
/// sequence calls show through (they decide where the call can run), never its columns.
fn walk_function_body(body: &Expr, f: &mut dyn FnMut(&Expr)) {
    walk(body, &mut |x: &Expr| {
        if matches!(
            x,
            Expr::SubLink(_)
                | Expr::Node {
                    kind: crate::expr::Node::Sequence(..),
                    ..
                }
        ) {
            f(x)
        }
    });
}

/// Rebuilds an expression top-down: `f` may replace a node (and its whole subtree);
/// otherwise the node's children are mapped.
pub(crate) fn rewrite(e: Expr, f: &mut impl FnMut(&Expr) -> Result<Option<Expr>>) -> Result<Expr> {
    if let Some(new) = f(&e)? {
        return Ok(new);
    }
    let mut go = |b: Box<Expr>| rewrite(*b, f).map(Box::new);
    Ok(match e {
        Expr::Const(..) | Expr::Param(..) | Expr::Column(..) | Expr::Outer { .. } => e,
        Expr::SubLink(mut s) => {
            match &mut s.kind {
                SubLinkKind::Any { lhs, .. } | SubLinkKind::All { lhs, .. } => {
                    let old = std::mem::take(lhs);
                    *lhs = old
                        .into_iter()
                        .map(|a| rewrite(a, f))
                        .collect::<Result<_>>()?;
                }
                _ => {}
            }
            Expr::SubLink(s)
        }
        Expr::Cast(inner, t) => Expr::Cast(go(inner)?, t),
        Expr::Neg(inner) => Expr::Neg(go(inner)?),
        Expr::Not(inner) => Expr::Not(go(inner)?),
        Expr::IsNull { expr, negated } => Expr::IsNull {
            expr: go(expr)?,
            negated,
        },
        Expr::Binary {
            op,
            left,
            right,
            ty,
        } => {
            let left = go(left)?;
            Expr::Binary {
                op,
                left,
                right: go(right)?,
                ty,
            }
        }
        Expr::Call { func, args } => Expr::Call {
            func,
            args: args
                .into_iter()
                .map(|a| rewrite(a, f))
                .collect::<Result<_>>()?,
        },
        Expr::Node { kind, args, ty } => Expr::Node {
            kind,
            args: args
                .into_iter()
                .map(|a| rewrite(a, f))
                .collect::<Result<_>>()?,
            ty,
        },
    })
}
