//! `width_bucket(operand, low, high, count)` over float8 and numeric: the 1-based bucket of
//! `count` equal-width buckets between the bounds (0 below, `count + 1` above; reversed bounds
//! count downwards), with PostgreSQL's 2201G errors for bad bounds and counts.

use std::cmp::Ordering;

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::numeric::Numeric;
use crate::types::{DataType, FormatContext, Value};

use DataType::{Float8, Int4, Numeric as Num};
use Param::T;

fn bad(msg: &str) -> SqlError {
    SqlError::InvalidArgumentForWidthBucket(msg.into())
}

fn int_overflow() -> SqlError {
    SqlError::OutOfRange("integer out of range".into())
}

fn check_count(a: &[Value]) -> Result<i32> {
    let count = arg::int(a, 3)? as i32;
    if count <= 0 {
        return Err(bad("count must be greater than zero"));
    }
    Ok(count)
}

/// `width_bucket_float8`: the quotient is scaled by the count and truncated; a quotient that
/// rounds to 1.0 stays in the last bucket.
fn width_bucket_f8(a: &[Value], _: &FormatContext) -> Result<Value> {
    let count = check_count(a)?;
    let (x, b1, b2) = (arg::f64(a, 0)?, arg::f64(a, 1)?, arg::f64(a, 2)?);
    if x.is_nan() || b1.is_nan() || b2.is_nan() {
        return Err(bad("operand, lower bound, and upper bound cannot be NaN"));
    }
    if b1.is_infinite() || b2.is_infinite() {
        return Err(bad("lower and upper bounds must be finite"));
    }
    let inside = |num: f64, den: f64, half_num: f64, half_den: f64| {
        let q = if (den).is_infinite() {
            half_num / half_den
        } else {
            num / den
        };
        let r = (f64::from(count) * q) as i32;
        r.min(count - 1) + 1
    };
    let r = if b1 < b2 {
        if x < b1 {
            0
        } else if x >= b2 {
            count.checked_add(1).ok_or_else(int_overflow)?
        } else {
            inside(x - b1, b2 - b1, x / 2.0 - b1 / 2.0, b2 / 2.0 - b1 / 2.0)
        }
    } else if b1 > b2 {
        if x > b1 {
            0
        } else if x <= b2 {
            count.checked_add(1).ok_or_else(int_overflow)?
        } else {
            inside(b1 - x, b1 - b2, b1 / 2.0 - x / 2.0, b1 / 2.0 - b2 / 2.0)
        }
    } else {
        return Err(bad("lower bound cannot equal upper bound"));
    };
    Ok(Value::Int4(r))
}

/// `width_bucket_numeric`: exact arithmetic, `floor(count * (x - low) / (high - low)) + 1`.
fn width_bucket_num(a: &[Value], _: &FormatContext) -> Result<Value> {
    let count = check_count(a)?;
    let (x, b1, b2) = (
        arg::numeric(a, 0)?,
        arg::numeric(a, 1)?,
        arg::numeric(a, 2)?,
    );
    if x.is_nan() || b1.is_nan() || b2.is_nan() {
        return Err(bad("operand, lower bound, and upper bound cannot be NaN"));
    }
    let finite = |n: &Numeric| matches!(n, Numeric::Finite { .. });
    if !finite(b1) || !finite(b2) {
        return Err(bad("lower and upper bounds must be finite"));
    }
    let count_n = Numeric::from_i128(i128::from(count));
    let bucket = |num: Numeric, den: Numeric| -> Result<i128> {
        let q = num.mul(&count_n).div_to_scale(&den, 0, false)?;
        Ok(q.to_i128_round()?.unwrap_or(i128::MAX) + 1)
    };
    let r: i128 = match b1.cmp_sql(b2) {
        Ordering::Equal => return Err(bad("lower bound cannot equal upper bound")),
        Ordering::Less => {
            if x.cmp_sql(b1) == Ordering::Less {
                0
            } else if x.cmp_sql(b2) != Ordering::Less {
                i128::from(count) + 1
            } else {
                bucket(x.sub(b1), b2.sub(b1))?
            }
        }
        Ordering::Greater => {
            if x.cmp_sql(b1) == Ordering::Greater {
                0
            } else if x.cmp_sql(b2) != Ordering::Greater {
                i128::from(count) + 1
            } else {
                bucket(b1.sub(x), b1.sub(b2))?
            }
        }
    };
    Ok(Value::Int4(i32::try_from(r).map_err(|_| int_overflow())?))
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("width_bucket"(T(Float8), T(Float8), T(Float8), T(Int4)) -> Int4, width_bucket_f8),
    builtin!("width_bucket"(T(Num), T(Num), T(Num), T(Int4)) -> Int4, width_bucket_num),
];
