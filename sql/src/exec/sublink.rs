//! Evaluating subqueries used as expressions ([`SubLink`]).
//!
//! The subquery's plan runs at the router over the statement's gathered scans (`env`): once per
//! statement when uncorrelated (its rows are cached by id), once per enclosing row otherwise,
//! with that row pushed as the nearest outer level.

use std::rc::Rc;

use super::{env, run_plan_hint, GroupKey};
use crate::error::{Result, SqlError};
use crate::expr::{BinOp, Expr};
use crate::plan::{walk, SubLink, SubLinkKind};
use crate::types::{Array, Value};

type Rows = Vec<Vec<Value>>;

/// The subquery-side expressions of `test` when it is `c0 = e0 AND c1 = e1 ...` (`ci` the left
/// values, `ei` over the subquery row only).
fn equalities(test: &Expr, width: usize, out: &mut Vec<Expr>) -> bool {
    match test {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => equalities(left, width, out) && equalities(right, width, out),
        Expr::Binary {
            op: BinOp::Eq,
            left,
            right,
            ..
        } => {
            let Expr::Column(i, _) = left.as_ref() else {
                return false;
            };
            let mut only_sub = true;
            walk(right, &mut |x| {
                only_sub &= match x {
                    Expr::Column(c, _) => *c >= width,
                    Expr::Outer { .. } | Expr::SubLink(_) => false,
                    _ => true,
                }
            });
            if *i != out.len() || !only_sub {
                return false;
            }
            out.push((**right).clone());
            true
        }
        _ => false,
    }
}

/// `lhs IN (uncorrelated subquery)` by lookup in an index of the subquery's keys, built once per
/// statement: `None` when the test is not a plain equality list or the left side has a NULL
/// among several columns (then the caller compares row by row).
fn hashed_in(
    s: &SubLink,
    test: &Expr,
    lhs: &[Value],
    rows: &Rows,
    params: &crate::expr::Params,
) -> Result<Option<Value>> {
    let width = lhs.len();
    let mut rhs = Vec::new();
    if !equalities(test, width, &mut rhs) || rhs.len() != width {
        return Ok(None);
    }
    if rows.is_empty() {
        return Ok(Some(Value::Bool(false)));
    }
    if lhs.iter().any(Value::is_null) {
        return Ok(if width == 1 { Some(Value::Null) } else { None });
    }
    let at = s as *const SubLink as usize;
    // Keys with a NULL go under the empty key (they can only make the answer NULL).
    let index = env::index(at, || {
        let mut index = env::Index::new();
        let mut probe = vec![Value::Null; width];
        for r in rows.iter() {
            probe.truncate(width);
            probe.extend(r.iter().cloned());
            let key = rhs
                .iter()
                .map(|e| e.eval_row(&probe, params))
                .collect::<Result<Vec<_>>>()?;
            if key.iter().any(Value::is_null) {
                index.entry(GroupKey(Vec::new())).or_default().push(key);
            } else {
                index.entry(GroupKey(key)).or_default();
            }
        }
        Ok(index)
    })?;
    if index.contains_key(&GroupKey(lhs.to_vec())) {
        return Ok(Some(Value::Bool(true)));
    }
    let maybe = index.get(&GroupKey(Vec::new())).is_some_and(|partial| {
        partial.iter().any(|k| {
            k.iter()
                .zip(lhs)
                .all(|(a, b)| a.is_null() || a.cmp_sql(b) == std::cmp::Ordering::Equal)
        })
    });
    Ok(Some(if maybe {
        Value::Null
    } else {
        Value::Bool(false)
    }))
}

fn sub_rows(s: &SubLink, row: &[Value], params: &crate::expr::Params) -> Result<Rc<Rows>> {
    // EXISTS needs one row, a scalar subquery two (to detect a second).
    let hint = match s.kind {
        SubLinkKind::Exists => Some(1),
        SubLinkKind::Scalar => Some(2),
        _ => None,
    };
    if !s.correlated {
        if let Some(rows) = env::cached(s.id) {
            return Ok(rows);
        }
        let rows = Rc::new(env::with_outer(row.to_vec(), || {
            run_plan_hint(&s.plan, params, hint)
        })?);
        env::store(s.id, rows.clone());
        return Ok(rows);
    }
    let mut key = Vec::with_capacity(s.reads.len());
    for &(up, column) in &s.reads {
        key.push(if up == 1 {
            row.get(column).cloned().unwrap_or(Value::Null)
        } else {
            env::outer(up - 1, column)?
        });
    }
    let key = GroupKey(key);
    if let Some(rows) = env::memo(s.id, &key) {
        return Ok(rows);
    }
    let rows = Rc::new(env::with_outer(row.to_vec(), || {
        run_plan_hint(&s.plan, params, hint)
    })?);
    env::store_memo(s.id, key, rows.clone());
    Ok(rows)
}

/// The value of a subquery expression evaluated over `row` (the current row of its level).
pub(crate) fn eval(s: &SubLink, row: &[Value], params: &crate::expr::Params) -> Result<Value> {
    let (lhs, test, any) = match &s.kind {
        SubLinkKind::Exists => return Ok(Value::Bool(!sub_rows(s, row, params)?.is_empty())),
        SubLinkKind::Scalar => {
            let rows = sub_rows(s, row, params)?;
            return match rows.len() {
                0 => Ok(Value::Null),
                1 => Ok(rows[0].first().cloned().unwrap_or(Value::Null)),
                _ => Err(SqlError::CardinalityViolation(
                    "more than one row returned by a subquery used as an expression".into(),
                )),
            };
        }
        SubLinkKind::Array(elem) => {
            let rows = sub_rows(s, row, params)?;
            let items = rows
                .iter()
                .map(|r| r.first().cloned().unwrap_or(Value::Null))
                .collect();
            return Ok(Value::Array(Box::new(Array::from_items(*elem, items))));
        }
        SubLinkKind::Any { lhs, test } => (lhs, test, true),
        SubLinkKind::All { lhs, test } => (lhs, test, false),
    };
    let mut probe = Vec::with_capacity(lhs.len() + 1);
    for e in lhs {
        probe.push(e.eval_row(row, params)?);
    }
    let width = probe.len();
    let rows = sub_rows(s, row, params)?;
    if any && !s.correlated {
        if let Some(v) = hashed_in(s, test, &probe, &rows, params)? {
            return Ok(v);
        }
    }
    let mut saw_null = false;
    for r in rows.iter() {
        probe.truncate(width);
        probe.extend(r.iter().cloned());
        match test.eval_row(&probe, params)? {
            Value::Bool(b) if b == any => return Ok(Value::Bool(any)),
            Value::Bool(_) => {}
            _ => saw_null = true,
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Bool(!any)
    })
}
