//! Set-returning functions of a select list (`crate::plan::window::SrfCall`): each row of the
//! stage becomes as many rows as its longest set, as PostgreSQL's ProjectSet does.

use crate::error::Result;
use crate::expr::{Expr, Params};
use crate::plan::window::{SrfCall, SrfFunc};
use crate::types::Value;

/// The values of one call for `row`.
fn values(call: &SrfCall, row: &[Value], params: &Params) -> Result<Vec<Value>> {
    let args = call
        .args
        .iter()
        .map(|e| e.eval_row(row, params))
        .collect::<Result<Vec<_>>>()?;
    let mut out = Vec::new();
    match call.func {
        SrfFunc::Table(i) => {
            let tf = crate::func::table::by_index(i)?;
            if tf.sig.strict && args.iter().any(Value::is_null) {
                return Ok(out);
            }
            out = (tf.rows)(&args, &[], params.ctx())?
                .into_iter()
                .filter_map(|r| r.into_iter().next())
                .collect();
        }
        SrfFunc::Unnest => {
            if let Some(Value::Array(a)) = args.into_iter().next() {
                out = a.items;
            }
        }
        SrfFunc::Series => {
            let ty = call.ty;
            let mut consts = args.into_iter().map(|v| Expr::Const(v, ty));
            let (Some(start), Some(stop)) = (consts.next(), consts.next()) else {
                return Ok(out);
            };
            // The step keeps its own type (an interval for timestamps).
            let step = call
                .args
                .get(2)
                .map(|e| {
                    Ok::<_, crate::error::SqlError>(Expr::Const(
                        e.eval_row(row, params)?,
                        e.data_type(),
                    ))
                })
                .transpose()?;
            super::series::rows(&start, &stop, step.as_ref(), ty, params, |mut r| {
                out.append(&mut r);
                Ok(())
            })?;
        }
    }
    Ok(out)
}

/// Appends the rows that `row` (the pre-window row and its window values) expands to: one per
/// position of the longest set, with `output` evaluated over `row` plus one value per call.
pub(crate) fn expand(
    calls: &[SrfCall],
    output: &[Expr],
    row: Vec<Value>,
    params: &Params,
    out: &mut Vec<Vec<Value>>,
) -> Result<()> {
    let sets = calls
        .iter()
        .map(|c| values(c, &row, params))
        .collect::<Result<Vec<_>>>()?;
    let n = sets.iter().map(Vec::len).max().unwrap_or(0);
    let width = row.len();
    let mut full = row;
    for i in 0..n {
        full.truncate(width);
        full.extend(
            sets.iter()
                .map(|s| s.get(i).cloned().unwrap_or(Value::Null)),
        );
        out.push(
            output
                .iter()
                .map(|e| e.eval_row(&full, params))
                .collect::<Result<Vec<_>>>()?,
        );
    }
    Ok(())
}
