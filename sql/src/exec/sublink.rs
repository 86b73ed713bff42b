//! Evaluating subqueries used as expressions ([`SubLink`]).
//!
//! The subquery's plan runs at the router over the statement's gathered scans (`env`): once per
//! statement when uncorrelated (its rows are cached by id), once per enclosing row otherwise,
//! with that row pushed as the nearest outer level.

use std::rc::Rc;

use super::{env, run_plan};
use crate::error::{Result, SqlError};
use crate::plan::{SubLink, SubLinkKind};
use crate::types::{Array, Value};

type Rows = Vec<Vec<Value>>;

fn sub_rows(s: &SubLink, row: &[Value], params: &[Value]) -> Result<Rc<Rows>> {
    if !s.correlated {
        if let Some(rows) = env::cached(s.id) {
            return Ok(rows);
        }
        let rows = Rc::new(env::with_outer(row.to_vec(), || run_plan(&s.plan, params))?);
        env::store(s.id, rows.clone());
        return Ok(rows);
    }
    Ok(Rc::new(env::with_outer(row.to_vec(), || {
        run_plan(&s.plan, params)
    })?))
}

/// The value of a subquery expression evaluated over `row` (the current row of its level).
pub(crate) fn eval(s: &SubLink, row: &[Value], params: &[Value]) -> Result<Value> {
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
