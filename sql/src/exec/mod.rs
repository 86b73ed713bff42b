//! Executing a [`QueryPlan`]: the shard's half ([`ShardRun`]) and the router's half ([`finish`]).
//!
//! The stages and the rows between them are drawn in `crate::plan`. This module runs them:
//! - [`ShardRun`] filters each input row and either projects it (keeping at most OFFSET+LIMIT rows
//!   when that is safe: per-shard top-N under ORDER BY, the first rows without it) or folds it
//!   into its group's partial aggregate (`aggregate`).
//! - [`finish`] merges the shards' answers (final aggregation, HAVING), sorts (`sort`), removes
//!   duplicates, applies OFFSET/LIMIT and drops hidden columns.
//!
//! Invariant: `finish(split rows over N shards)` equals `finish(all rows on one shard)` for every
//! N, up to the orders PostgreSQL leaves unspecified (tested in `tests`).

mod aggregate;
pub(crate) mod env;
pub(crate) mod interrupt;
mod rel;
#[cfg(test)]
mod rel_tests;
mod series;
#[cfg(test)]
mod series_tests;
pub(crate) mod sort;
mod srf;
pub(crate) mod sublink;
#[cfg(test)]
mod tests;
mod window;

use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::plan::{Body, Distinct, LocalKind, LocalRows, QueryPlan};
use crate::types::Value;

pub(crate) use aggregate::can_partial;
pub(crate) use sort::GroupKey;

/// The shard's half of a plan, fed one input row at a time.
pub struct ShardRun<'a> {
    plan: &'a QueryPlan,
    params: &'a crate::expr::Params,
    filter: Option<&'a Expr>,
    state: State<'a>,
}

enum State<'a> {
    /// Projected target rows; `keep` bounds how many matter (OFFSET+LIMIT), `sorted` says whether
    /// the bound is a top-N under ORDER BY (otherwise the first rows win).
    Rows {
        exprs: &'a [Expr],
        rows: Vec<Vec<Value>>,
        keep: Option<usize>,
        sorted: bool,
    },
    Groups(aggregate::ShardGroups<'a>),
}

impl<'a> ShardRun<'a> {
    pub(crate) fn new(
        plan: &'a QueryPlan,
        params: &'a crate::expr::Params,
    ) -> Result<ShardRun<'a>> {
        let filter = match (&plan.source, &plan.local) {
            (Some(s), _) => s.filter.as_ref(),
            (None, Some(s)) => s.filter.as_ref(),
            (None, None) => None,
        };
        let state = match &plan.body {
            Body::Project(exprs) => {
                let bound = limit_bound(plan, params)?;
                // Per-shard limits are safe only when every shard's best rows include the final
                // answer's: not under DISTINCT (a duplicate can hide a distinct row).
                let keep = match plan.distinct {
                    Distinct::None if plan.window.is_none() => bound,
                    _ => None,
                };
                State::Rows {
                    exprs,
                    rows: Vec::new(),
                    keep,
                    sorted: !plan.order.is_empty(),
                }
            }
            Body::Aggregate(agg) => State::Groups(aggregate::ShardGroups::new(agg)),
        };
        Ok(ShardRun {
            plan,
            params,
            filter,
            state,
        })
    }

    /// How many target rows are kept so far (not meaningful for aggregates).
    pub(crate) fn kept(&self) -> usize {
        match &self.state {
            State::Rows { rows, .. } => rows.len(),
            State::Groups(_) => 0,
        }
    }

    /// Whether further rows cannot change this shard's answer (LIMIT without ORDER BY reached).
    pub fn is_done(&self) -> bool {
        matches!(&self.state, State::Rows { rows, keep: Some(k), sorted: false, .. } if rows.len() >= *k)
    }

    /// Feeds one input row.
    pub fn push(&mut self, row: Vec<Value>) -> Result<()> {
        interrupt::tick(self.params)?;
        if let Some(f) = self.filter {
            if f.eval_row(&row, self.params)? != Value::Bool(true) {
                return Ok(());
            }
        }
        match &mut self.state {
            State::Rows {
                exprs,
                rows,
                keep,
                sorted,
            } => {
                if !*sorted && keep.is_some_and(|k| rows.len() >= k) {
                    return Ok(());
                }
                let target = exprs
                    .iter()
                    .map(|e| e.eval_row(&row, self.params))
                    .collect::<Result<Vec<_>>>()?;
                rows.push(target);
                if let (true, Some(k)) = (*sorted, *keep) {
                    // Bound memory: trim to the best k rows whenever twice as many accumulate.
                    if rows.len() >= 2 * k.max(512) {
                        sort::sort_rows(rows, &self.plan.order);
                        rows.truncate(k);
                    }
                }
                Ok(())
            }
            State::Groups(g) => g.push(&row, self.params),
        }
    }

    /// The shard's answer.
    pub fn finish(self) -> Result<Vec<Vec<Value>>> {
        match self.state {
            State::Rows {
                mut rows,
                keep,
                sorted,
                ..
            } => {
                if let Some(k) = keep {
                    if sorted {
                        sort::sort_rows(&mut rows, &self.plan.order);
                    }
                    rows.truncate(k);
                }
                Ok(rows)
            }
            State::Groups(g) => g.finish(),
        }
    }
}

/// The router's half: see the module doc.
pub(crate) fn finish(
    plan: &QueryPlan,
    partials: Vec<Vec<Vec<Value>>>,
    params: &crate::expr::Params,
) -> Result<Vec<Vec<Value>>> {
    let mut rows = match &plan.body {
        Body::Project(_) => partials.into_iter().flatten().collect(),
        Body::Aggregate(agg) => aggregate::finish(agg, partials, params)?,
    };
    if let Some(w) = &plan.window {
        rows = window::run(w, rows, params)?;
    }
    if !plan.order.is_empty() {
        sort::sort_rows(&mut rows, &plan.order);
    }
    match &plan.distinct {
        Distinct::None => {}
        Distinct::All => {
            let n = plan.columns.len();
            sort::keep_first(&mut rows, |r| r[..n].to_vec());
        }
        Distinct::On(cols) => {
            sort::keep_first(&mut rows, |r| cols.iter().map(|&c| r[c].clone()).collect())
        }
    }
    let offset = match &plan.offset {
        None => 0,
        Some(e) => count(e, params, "OFFSET")?.unwrap_or(0),
    };
    let limit = match &plan.limit {
        None => None,
        Some(e) => count(e, params, "LIMIT")?,
    };
    let n = plan.columns.len();
    Ok(rows
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .map(|mut r| {
            r.truncate(n);
            r
        })
        .collect())
}

/// Runs both halves of a plan where the caller is, over its table-less source or `Rel` tree (or
/// one empty row): what subqueries, derived tables and the session's multi-table queries use.
pub(crate) fn run_plan(plan: &QueryPlan, params: &crate::expr::Params) -> Result<Vec<Vec<Value>>> {
    run_plan_hint(plan, params, None)
}

/// [`run_plan`] when the caller needs at most `hint` rows. A plan whose output rows are its
/// input rows one for one (projection only) asks its input for no more than it keeps, so a
/// recursive CTE under `LIMIT` stops, as PostgreSQL's demand-driven executor does.
pub(crate) fn run_plan_hint(
    plan: &QueryPlan,
    params: &crate::expr::Params,
    hint: Option<usize>,
) -> Result<Vec<Vec<Value>>> {
    let mut run = plan.shard_run(params)?;
    match &plan.local {
        None => run.push(Vec::new())?,
        Some(l) => {
            // Rows in, rows out (no aggregate, sort or DISTINCT): the caller's need bounds
            // what is read, counted after the filter.
            let streaming = matches!(plan.body, Body::Project(_))
                && plan.window.is_none()
                && plan.order.is_empty()
                && plan.distinct == Distinct::None;
            let enough = if streaming {
                let offset = match &plan.offset {
                    None => 0,
                    Some(e) => count(e, params, "OFFSET")?.unwrap_or(0),
                };
                match (
                    limit_bound(plan, params)?,
                    hint.map(|h| h.saturating_add(offset)),
                ) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            } else {
                None
            };
            let input_hint = if l.filter.is_none() { enough } else { None };
            match &l.kind {
                LocalKind::Rel(rel) if !l.probe.is_empty() => {
                    // Keyed by the plan's address: stable for the whole (synchronous) run.
                    let at = &**l as *const LocalRows as usize;
                    let index = env::index(at, || {
                        let mut index = env::Index::new();
                        for row in rel::rows(rel, params, None)? {
                            let mut key = Vec::with_capacity(l.probe.len());
                            for (inner, _) in &l.probe {
                                key.push(inner.eval_row(&row, params)?);
                            }
                            if !key.iter().any(Value::is_null) {
                                index.entry(GroupKey(key)).or_default().push(row);
                            }
                        }
                        Ok(index)
                    })?;
                    let mut key = Vec::with_capacity(l.probe.len());
                    for (_, outer) in &l.probe {
                        key.push(outer.eval(params)?);
                    }
                    if !key.iter().any(Value::is_null) {
                        if let Some(rows) = index.get(&GroupKey(key)) {
                            for row in rows {
                                if enough.is_some_and(|n| run.kept() >= n) {
                                    break;
                                }
                                run.push(row.clone())?;
                            }
                        }
                    }
                }
                LocalKind::Rel(rel) => {
                    for row in rel::rows(rel, params, input_hint)? {
                        if enough.is_some_and(|n| run.kept() >= n) {
                            break;
                        }
                        run.push(row)?;
                    }
                }
                kind => local_rows(kind, params, |row| run.push(row))?,
            }
        }
    }
    let part = run.finish()?;
    plan.finish(vec![part], params)
}

/// Feeds the rows of a table-less source to `push` (PostgreSQL's error for a zero step).
pub(crate) fn local_rows(
    kind: &LocalKind,
    params: &crate::expr::Params,
    mut push: impl FnMut(Vec<Value>) -> Result<()>,
) -> Result<()> {
    let (start, stop, step, ty) = match kind {
        LocalKind::Rel(rel) => {
            for r in rel::rows(rel, params, None)? {
                push(r)?;
            }
            return Ok(());
        }
        LocalKind::Values(rows) => {
            for r in rows {
                push(r.iter().map(|e| e.eval(params)).collect::<Result<_>>()?)?;
            }
            return Ok(());
        }
        LocalKind::Unnest(array) => {
            if let Value::Array(a) = array.eval(params)? {
                for v in a.items {
                    push(vec![v])?;
                }
            }
            return Ok(());
        }
        LocalKind::Table { func, args } => {
            let args = args
                .iter()
                .map(|e| e.eval(params))
                .collect::<Result<Vec<_>>>()?;
            if func.strict && args.iter().any(Value::is_null) {
                return Ok(());
            }
            let own = &func.columns[..func.columns.len() - usize::from(func.ordinality)];
            for (i, mut r) in (func.rows)(&args, own, params.ctx())?
                .into_iter()
                .enumerate()
            {
                if func.ordinality {
                    r.push(Value::Int8(i as i64 + 1));
                }
                push(r)?;
            }
            return Ok(());
        }
        LocalKind::Series {
            start,
            stop,
            step,
            ty,
        } => (start, stop, step, *ty),
    };
    series::rows(start, stop, step.as_deref(), ty, params, push)
}

/// OFFSET + LIMIT, when LIMIT is given: the most rows any shard needs to send.
pub(crate) fn limit_bound(plan: &QueryPlan, params: &crate::expr::Params) -> Result<Option<usize>> {
    let Some(limit) = &plan.limit else {
        return Ok(None);
    };
    let Some(limit) = count(limit, params, "LIMIT")? else {
        return Ok(None);
    };
    let offset = match &plan.offset {
        None => 0,
        Some(e) => count(e, params, "OFFSET")?.unwrap_or(0),
    };
    Ok(Some(limit.saturating_add(offset)))
}

/// A LIMIT or OFFSET value: NULL is `None`; negative is PostgreSQL's error (2201W / 2201X).
fn count(e: &Expr, params: &crate::expr::Params, what: &'static str) -> Result<Option<usize>> {
    let n = match e.eval(params)? {
        Value::Null => return Ok(None),
        Value::Int8(n) => n,
        Value::Int4(n) => i64::from(n),
        Value::Int2(n) => i64::from(n),
        other => {
            return Err(SqlError::Internal(format!(
                "{what} is not an integer: {other:?}"
            )))
        }
    };
    if n < 0 {
        return Err(if what == "LIMIT" {
            SqlError::InvalidRowCountInLimit
        } else {
            SqlError::InvalidRowCountInOffset
        });
    }
    Ok(Some(usize::try_from(n).unwrap_or(usize::MAX)))
}
