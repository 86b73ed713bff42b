//! Router-side relational operators: joins, set operations, subqueries and CTEs.
//!
//! A query over more than one row source (or with a subquery anywhere) binds to a [`QueryPlan`]
//! whose input rows come from a [`Rel`] tree (`LocalKind::Rel`). The tree's leaves are the
//! statement's base-table reads, [`QueryPlan::scans`]: single-table plans that the shards run as
//! they run any single-table query (pushed-down filter, point lookup when the filter fixes the
//! key). The session gathers them once, then runs the tree over the materialized rows:
//! ```text
//!            QueryPlan (filter, aggregates, ORDER BY, DISTINCT, LIMIT as for one table)
//!                 │ input rows
//!            Rel::Join (hash join on `keys`, nested loop otherwise; `cond` over left ++ right)
//!             ┌───┴────────────┐
//!        Rel::Scan(0)      Rel::Query (a derived table: a whole QueryPlan)
//!    (scans[0]'s rows)          │
//!                          Rel::Scan(1)
//! ```
//! Subqueries in expressions ([`SubLink`]) read the same materialized scans: a correlated one is
//! evaluated per outer row without another shard round trip; an uncorrelated one once per
//! statement (`crate::exec::env` caches it).
//!
//! # Rows
//! A join's row is its left row followed by its right row (`left_width + right_width` values);
//! the side an outer join does not match is NULL. Expressions of a level see enclosing levels'
//! current rows as [`Expr::Outer`]: depth 1 is the row that the nearest enclosing subquery or
//! LATERAL boundary was entered with.

use std::sync::Arc;

use super::{LocalKind, QueryPlan};
use crate::expr::Expr;
use crate::types::DataType;

/// A row source evaluated where the plan runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Rel {
    /// The rows of the top plan's `scans[i]`, gathered from the shards.
    Scan(usize),
    /// `generate_series(...)` or `VALUES` (bounds may read outer rows under LATERAL).
    Local(LocalKind),
    /// A subquery's rows (derived table, CTE, set-operation branch).
    Query(Box<QueryPlan>),
    Join(Box<Join>),
    SetOp(Box<SetOp>),
    /// `WITH RECURSIVE`: `base`, then `step` over the previous iteration's rows until none.
    Recursive(Box<Recursive>),
    /// The rows of the previous iteration of the recursive CTE with this id.
    WorkTable(usize),
    /// The RETURNING rows of the data-modifying CTE with this id: a placeholder that the session
    /// replaces with [`Rel::Rows`] once that write ran (`crate::bind::WithWrites`).
    Cte(usize),
    /// Rows computed before the plan runs: a data-modifying CTE's RETURNING rows, or a
    /// base-table read done before the statement's writes.
    Rows(Arc<Vec<Vec<crate::types::Value>>>),
}

/// The kinds of join. CROSS JOIN and comma lists are `Inner` without a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

/// A join of two row sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    pub kind: JoinKind,
    pub left: Rel,
    pub right: Rel,
    pub left_width: usize,
    pub right_width: usize,
    /// Equi-join keys: (expression over the left row, expression over the right row), same
    /// types. A NULL key matches nothing.
    pub keys: Vec<(Expr, Expr)>,
    /// The rest of the join condition, over the joined row.
    pub cond: Option<Expr>,
    /// LATERAL: `right` is evaluated once per left row, which it reads as `Expr::Outer` depth 1.
    pub lateral: bool,
}

/// UNION / INTERSECT / EXCEPT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOpKind {
    Union,
    Intersect,
    Except,
}

/// A set operation; both sides' columns already have the result's types.
#[derive(Debug, Clone, PartialEq)]
pub struct SetOp {
    pub op: SetOpKind,
    pub all: bool,
    pub left: QueryPlan,
    pub right: QueryPlan,
}

/// A recursive CTE.
#[derive(Debug, Clone, PartialEq)]
pub struct Recursive {
    /// Identifies its [`Rel::WorkTable`] in `step`.
    pub id: usize,
    /// UNION ALL (keep duplicates) or UNION (drop rows already produced).
    pub all: bool,
    pub base: QueryPlan,
    pub step: QueryPlan,
}

/// A subquery used as an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct SubLink {
    /// Unique within the statement (the cache key of an uncorrelated subquery's rows).
    pub id: usize,
    pub kind: SubLinkKind,
    pub plan: QueryPlan,
    /// Whether the plan reads enclosing rows (then it runs once per distinct value of them).
    pub correlated: bool,
    /// The enclosing values it reads, as (levels up, column): 1 is the row the expression is
    /// evaluated over. Runs with equal values share one result (a memo per statement).
    pub reads: Vec<(usize, usize)>,
}

/// What a [`SubLink`] computes from the subquery's rows.
#[derive(Debug, Clone, PartialEq)]
pub enum SubLinkKind {
    /// `EXISTS (...)`: whether there is a row.
    Exists,
    /// `(SELECT x ...)`: the only row's only value, NULL without rows, 21000 with several.
    Scalar,
    /// `ARRAY(SELECT x ...)`: the values as an array of `elem`.
    Array(DataType),
    /// `lhs op ANY (...)` (`IN` is `= ANY`): `test` is evaluated over the row
    /// `lhs values ++ subquery row`; true if it is true for some row, else NULL if NULL for
    /// some row, else false.
    Any { lhs: Vec<Expr>, test: Expr },
    /// `lhs op ALL (...)`: false if `test` is false for some row, else NULL if NULL for some,
    /// else true.
    All { lhs: Vec<Expr>, test: Expr },
}

impl SubLink {
    pub fn data_type(&self) -> DataType {
        match &self.kind {
            SubLinkKind::Scalar => self.plan.columns.first().map_or(DataType::Unknown, |c| c.1),
            SubLinkKind::Array(elem) => elem.array_of().unwrap_or(DataType::Unknown),
            _ => DataType::Bool,
        }
    }
}

/// The base-table reads of a statement, in `Rel::Scan` order.
pub type Scans = Vec<Arc<QueryPlan>>;
