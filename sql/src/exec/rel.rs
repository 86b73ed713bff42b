//! Running [`Rel`] trees at the router: joins, set operations, recursive CTEs (see `crate::plan`'s
//! `rel` module for the shapes). Every operator materializes its inputs; joins use a hash table
//! (an ordered map keyed like GROUP BY keys) on the right side when there are equi-join keys.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::interrupt;
use super::{env, local_rows, run_plan, run_plan_hint, GroupKey};
use crate::error::{Result, SqlError};
use crate::plan::{Join, JoinKind, Recursive, Rel, SetOp, SetOpKind};
use crate::types::Value;

type Rows = Vec<Vec<Value>>;

/// The most row pairs one join may look at. The router materializes join results on the
/// session's core, synchronously: past this bound (a cross product of two large tables, which
/// this executor cannot plan around yet) the statement fails with 54000 instead of holding the
/// core for minutes or exhausting its memory.
const MAX_JOIN_PAIRS: usize = 1 << 22;

fn too_many_pairs() -> SqlError {
    SqlError::ProgramLimitExceeded(format!(
        "join would examine more than {MAX_JOIN_PAIRS} row pairs (join reordering is not implemented yet)"
    ))
}

/// The rows of a relational tree; `hint` is how many the caller can use (`None`: all). Only
/// the operators that might not end without it (recursive CTEs) and the plans above them look
/// at it.
pub(crate) fn rows(rel: &Rel, params: &crate::expr::Params, hint: Option<usize>) -> Result<Rows> {
    match rel {
        Rel::Scan(i) => env::input(*i),
        Rel::Local(kind) => {
            let mut out = Vec::new();
            local_rows(kind, params, |r| {
                out.push(r);
                Ok(())
            })?;
            Ok(out)
        }
        Rel::Query(plan) => run_plan_hint(plan, params, hint),
        Rel::Join(j) => join(j, params),
        Rel::SetOp(s) => set_op(s, params),
        Rel::Recursive(r) => recursive(r, params, hint),
        Rel::WorkTable(id) => env::work(*id),
        Rel::Cte(id) => Err(SqlError::Internal(format!(
            "rows of data-modifying WITH query {id} were not filled in (bug)"
        ))),
        Rel::Rows(rows) => Ok(rows.as_ref().clone()),
    }
}

fn passes(
    cond: &Option<crate::expr::Expr>,
    row: &[Value],
    params: &crate::expr::Params,
) -> Result<bool> {
    Ok(match cond {
        None => true,
        Some(c) => c.eval_row(row, params)? == Value::Bool(true),
    })
}

fn key(
    exprs: &[&crate::expr::Expr],
    row: &[Value],
    params: &crate::expr::Params,
) -> Result<Option<GroupKey>> {
    let mut k = Vec::with_capacity(exprs.len());
    for e in exprs {
        let v = e.eval_row(row, params)?;
        if v.is_null() {
            return Ok(None);
        }
        k.push(v);
    }
    Ok(Some(GroupKey(k)))
}

fn join(j: &Join, params: &crate::expr::Params) -> Result<Rows> {
    let left = rows(&j.left, params, None)?;
    let mut out = Vec::new();
    let mut pairs = 0usize;
    if j.lateral {
        for l in left {
            let right = env::with_outer(l.clone(), || rows(&j.right, params, None))?;
            pairs += right.len().max(1);
            if pairs > MAX_JOIN_PAIRS {
                return Err(too_many_pairs());
            }
            let mut matched = false;
            for r in right {
                interrupt::tick(params)?;
                let mut row = l.clone();
                row.extend(r);
                if passes(&j.cond, &row, params)? {
                    matched = true;
                    out.push(row);
                }
            }
            if !matched && j.kind == JoinKind::Left {
                let mut row = l;
                row.resize(j.left_width + j.right_width, Value::Null);
                out.push(row);
            }
        }
        return Ok(out);
    }
    let right = rows(&j.right, params, None)?;
    let mut right_matched = vec![false; right.len()];
    let left_keys: Vec<_> = j.keys.iter().map(|k| &k.0).collect();
    let right_keys: Vec<_> = j.keys.iter().map(|k| &k.1).collect();
    let index = if j.keys.is_empty() {
        None
    } else {
        let mut map: BTreeMap<GroupKey, Vec<usize>> = BTreeMap::new();
        for (i, r) in right.iter().enumerate() {
            if let Some(k) = key(&right_keys, r, params)? {
                map.entry(k).or_default().push(i);
            }
        }
        Some(map)
    };
    let all: Vec<usize> = (0..right.len()).collect();
    let none: Vec<usize> = Vec::new();
    for l in left {
        let candidates = match &index {
            None => &all,
            Some(map) => match key(&left_keys, &l, params)? {
                None => &none,
                Some(k) => map.get(&k).unwrap_or(&none),
            },
        };
        let mut matched = false;
        pairs += candidates.len();
        if pairs > MAX_JOIN_PAIRS {
            return Err(too_many_pairs());
        }
        for &ri in candidates {
            interrupt::tick(params)?;
            let mut row = Vec::with_capacity(j.left_width + j.right_width);
            row.extend(l.iter().cloned());
            row.extend(right[ri].iter().cloned());
            if passes(&j.cond, &row, params)? {
                matched = true;
                right_matched[ri] = true;
                out.push(row);
            }
        }
        if !matched && matches!(j.kind, JoinKind::Left | JoinKind::Full) {
            let mut row = l;
            row.resize(j.left_width + j.right_width, Value::Null);
            out.push(row);
        }
    }
    let mut unmatched = Vec::new();
    if matches!(j.kind, JoinKind::Right | JoinKind::Full) {
        for (r, m) in right.into_iter().zip(right_matched) {
            if !m {
                let mut row = vec![Value::Null; j.left_width];
                row.extend(r);
                unmatched.push(row);
            }
        }
    }
    if j.keys.is_empty() {
        out.extend(unmatched);
        return Ok(out);
    }
    // Equi-joins come out in join-key order (NULL keys last, ties in arrival order): the order
    // PostgreSQL's merge join, its usual plan for small inputs, gives queries without ORDER BY.
    let mut keyed = Vec::with_capacity(out.len() + unmatched.len());
    for row in out {
        let k = key_values(&left_keys, &row[..j.left_width], params)?;
        keyed.push((k, row));
    }
    for row in unmatched {
        let k = key_values(&right_keys, &row[j.left_width..], params)?;
        keyed.push((k, row));
    }
    keyed.sort_by(|a, b| {
        for (x, y) in a.0.iter().zip(&b.0) {
            let o = match (x.is_null(), y.is_null()) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                (false, false) => x.cmp_sql(y),
            };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(keyed.into_iter().map(|(_, r)| r).collect())
}

fn key_values(
    exprs: &[&crate::expr::Expr],
    row: &[Value],
    params: &crate::expr::Params,
) -> Result<Vec<Value>> {
    exprs.iter().map(|e| e.eval_row(row, params)).collect()
}

/// Set operations treat NULLs as equal (like DISTINCT). Without ALL, the result comes out in
/// key order.
fn set_op(s: &SetOp, params: &crate::expr::Params) -> Result<Rows> {
    let left = run_plan(&s.left, params)?;
    let right = run_plan(&s.right, params)?;
    let counts = |rows: Rows| {
        let mut m: BTreeMap<GroupKey, usize> = BTreeMap::new();
        for r in rows {
            *m.entry(GroupKey(r)).or_default() += 1;
        }
        m
    };
    Ok(match (s.op, s.all) {
        (SetOpKind::Union, true) => {
            let mut out = left;
            out.extend(right);
            out
        }
        (SetOpKind::Union, false) => {
            let mut set: BTreeSet<GroupKey> = left.into_iter().map(GroupKey).collect();
            set.extend(right.into_iter().map(GroupKey));
            set.into_iter().map(|k| k.0).collect()
        }
        (SetOpKind::Intersect, true) => {
            let mut r = counts(right);
            let mut out = Vec::new();
            for row in left {
                let k = GroupKey(row);
                if let Some(n) = r.get_mut(&k).filter(|n| **n > 0) {
                    *n -= 1;
                    out.push(k.0);
                }
            }
            out
        }
        (SetOpKind::Intersect, false) => {
            let r = counts(right);
            counts(left)
                .into_keys()
                .filter(|k| r.contains_key(k))
                .map(|k| k.0)
                .collect()
        }
        (SetOpKind::Except, true) => {
            let mut r = counts(right);
            let mut out = Vec::new();
            for row in left {
                let k = GroupKey(row);
                match r.get_mut(&k).filter(|n| **n > 0) {
                    Some(n) => *n -= 1,
                    None => out.push(k.0),
                }
            }
            out
        }
        (SetOpKind::Except, false) => {
            let r = counts(right);
            counts(left)
                .into_keys()
                .filter(|k| !r.contains_key(k))
                .map(|k| k.0)
                .collect()
        }
    })
}

/// The most rows a recursive CTE may produce: past it (a recursion that does not end) the
/// statement fails with 54000 rather than holding the core until its memory runs out.
const MAX_RECURSIVE_ROWS: usize = 1 << 22;

/// `WITH RECURSIVE`: iterate the step over the previous iteration's new rows until it yields none.
fn recursive(r: &Recursive, params: &crate::expr::Params, hint: Option<usize>) -> Result<Rows> {
    let mut seen: BTreeSet<GroupKey> = BTreeSet::new();
    let fresh = |rows: Rows, seen: &mut BTreeSet<GroupKey>| -> Rows {
        if r.all {
            return rows;
        }
        rows.into_iter()
            .filter(|row| seen.insert(GroupKey(row.clone())))
            .collect()
    };
    let base = run_plan(&r.base, params)?;
    let mut working = fresh(base, &mut seen);
    let mut out = working.clone();
    while !working.is_empty() && hint.is_none_or(|h| out.len() < h) {
        interrupt::check(params)?;
        let next = env::with_work(r.id, Rc::new(working), || run_plan(&r.step, params))?;
        working = fresh(next, &mut seen);
        out.extend(working.iter().cloned());
        if out.len() > MAX_RECURSIVE_ROWS {
            return Err(SqlError::ProgramLimitExceeded(format!(
                "recursive query produced more than {MAX_RECURSIVE_ROWS} rows"
            )));
        }
    }
    Ok(out)
}
