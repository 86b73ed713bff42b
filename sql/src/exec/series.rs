//! The rows of `generate_series(start, stop [, step])` in FROM: integers, numerics (exact
//! arithmetic, each value keeping the scale the additions give it) and timestamps stepped by an
//! interval (timestamptz steps months and days in the session's time zone). A NULL argument
//! gives no rows; bad steps and bounds give PostgreSQL's 22023 errors.

use std::cmp::Ordering;

use crate::error::{Result, SqlError};
use crate::expr::{Expr, Params};
use crate::types::numeric::Numeric;
use crate::types::ops::eval::{ts_plus_interval, tstz_plus_interval};
use crate::types::{DataType, Value};

fn invalid(msg: &str) -> SqlError {
    SqlError::InvalidParameterValue(msg.into())
}

fn bug(v: &Value) -> SqlError {
    SqlError::Internal(format!("generate_series bound of unexpected type: {v:?}"))
}

pub(crate) fn rows(
    start: &Expr,
    stop: &Expr,
    step: Option<&Expr>,
    ty: DataType,
    params: &Params,
    mut push: impl FnMut(Vec<Value>) -> Result<()>,
) -> Result<()> {
    // A series can be as long as its bounds say: let statement_timeout end it.
    let mut push = move |row| {
        super::interrupt::tick(params)?;
        push(row)
    };
    let start = start.eval(params)?;
    let stop = stop.eval(params)?;
    let step = step.map(|e| e.eval(params)).transpose()?;
    if start.is_null() || stop.is_null() || step.as_ref().is_some_and(Value::is_null) {
        return Ok(());
    }
    match ty {
        DataType::Numeric => numeric(start, stop, step, push),
        DataType::Timestamp | DataType::Timestamptz => {
            let (Value::Timestamp(a) | Value::Timestamptz(a)) = start else {
                return Err(bug(&start));
            };
            let (Value::Timestamp(b) | Value::Timestamptz(b)) = stop else {
                return Err(bug(&stop));
            };
            let Some(Value::Interval(iv)) = step else {
                return Err(SqlError::Internal("timestamp series without a step".into()));
            };
            let dir = iv.cmp_sql(&Default::default());
            if dir == Ordering::Equal {
                return Err(invalid("step size cannot equal zero"));
            }
            let wrap = |t| {
                if ty == DataType::Timestamp {
                    Value::Timestamp(t)
                } else {
                    Value::Timestamptz(t)
                }
            };
            let mut cur = a;
            while (dir == Ordering::Greater && cur <= b) || (dir == Ordering::Less && cur >= b) {
                push(vec![wrap(cur)])?;
                cur = if ty == DataType::Timestamp {
                    ts_plus_interval(cur, &iv)?
                } else {
                    tstz_plus_interval(cur, &iv, params.ctx())?
                };
            }
            Ok(())
        }
        _ => integer(start, stop, step, ty, push),
    }
}

fn integer(
    start: Value,
    stop: Value,
    step: Option<Value>,
    ty: DataType,
    mut push: impl FnMut(Vec<Value>) -> Result<()>,
) -> Result<()> {
    let int = |v: &Value| -> Result<i64> {
        match v {
            Value::Int2(v) => Ok(i64::from(*v)),
            Value::Int4(v) => Ok(i64::from(*v)),
            Value::Int8(v) => Ok(*v),
            other => Err(bug(other)),
        }
    };
    let (start, stop) = (int(&start)?, int(&stop)?);
    let step = match step {
        None => 1,
        Some(v) => match int(&v)? {
            0 => return Err(invalid("step size cannot equal zero")),
            v => v,
        },
    };
    let mut v = start;
    while (step > 0 && v <= stop) || (step < 0 && v >= stop) {
        push(vec![if ty == DataType::Int8 {
            Value::Int8(v)
        } else {
            Value::Int4(v as i32)
        }])?;
        match v.checked_add(step) {
            Some(n) => v = n,
            None => break,
        }
    }
    Ok(())
}

/// `generate_series_step_numeric`: the bounds are checked first, then the step.
fn numeric(
    start: Value,
    stop: Value,
    step: Option<Value>,
    mut push: impl FnMut(Vec<Value>) -> Result<()>,
) -> Result<()> {
    let num = |v: Value| match v {
        Value::Numeric(n) => Ok(n),
        other => Err(bug(&other)),
    };
    let (start, stop) = (num(start)?, num(stop)?);
    for (n, what) in [(&start, "start value"), (&stop, "stop value")] {
        if n.is_nan() {
            return Err(invalid(&format!("{what} cannot be NaN")));
        }
        if !matches!(n, Numeric::Finite { .. }) {
            return Err(invalid(&format!("{what} cannot be infinity")));
        }
    }
    let step = match step {
        None => Numeric::from_i128(1),
        Some(v) => {
            let s = num(v)?;
            if s.is_nan() {
                return Err(invalid("step size cannot be NaN"));
            }
            if !matches!(s, Numeric::Finite { .. }) {
                return Err(invalid("step size cannot be infinity"));
            }
            if s.is_zero() {
                return Err(invalid("step size cannot equal zero"));
            }
            s
        }
    };
    let up = step.signum() > 0;
    let mut cur = start;
    loop {
        let ord = cur.cmp_sql(&stop);
        if (up && ord == Ordering::Greater) || (!up && ord == Ordering::Less) {
            return Ok(());
        }
        push(vec![Value::Numeric(cur.clone())])?;
        cur = cur.add(&step);
    }
}
