//! Operator evaluation. Operands already have the types the resolved signature names (the binder
//! cast them); NULL in gives NULL out. Errors are PostgreSQL's (`integer out of range`,
//! `division by zero`, `value out of range: overflow`, `timestamp out of range`, ...).

use std::cmp::Ordering;

use super::{pattern, BinaryOp, BinarySig, UnaryOp, UnarySig};
use crate::error::{Result, SqlError};
use crate::types::array::Array;
use crate::types::cast::{local_to_utc, utc_to_local};
use crate::types::context::FormatContext;
use crate::types::datetime::{self, Interval, Tm, USECS_PER_DAY};
use crate::types::numeric::Numeric;
use crate::types::{text, DataType, Value};

fn overflow(t: DataType) -> SqlError {
    SqlError::OutOfRange(
        match t {
            DataType::Int2 => "smallint out of range",
            DataType::Int8 => "bigint out of range",
            _ => "integer out of range",
        }
        .into(),
    )
}

fn float_overflow() -> SqlError {
    SqlError::OutOfRange("value out of range: overflow".into())
}

fn float_underflow() -> SqlError {
    SqlError::OutOfRange("value out of range: underflow".into())
}

fn ts_range() -> SqlError {
    SqlError::DatetimeFieldOverflow("timestamp out of range".into())
}

fn interval_range() -> SqlError {
    SqlError::DatetimeFieldOverflow("interval out of range".into())
}

fn mismatch(sig: &BinarySig) -> SqlError {
    SqlError::Internal(format!(
        "operator {:?} evaluated with operands that do not match {:?} {:?}",
        sig.op, sig.left, sig.right
    ))
}

/// Evaluates `l op r` for a resolved signature. `ctx` supplies the time zone for `timestamptz`
/// arithmetic (month and day steps happen in local time, as in PostgreSQL).
pub fn eval_binary(sig: &BinarySig, l: Value, r: Value, ctx: &FormatContext) -> Result<Value> {
    use BinaryOp as B;
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    if crate::types::json::ops::handles(sig) {
        return crate::types::json::ops::eval(sig, l, r);
    }
    match sig.op {
        B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq => {
            let ord = cmp_typed(sig.left, &l, &r);
            Ok(Value::Bool(match sig.op {
                B::Eq => ord.is_eq(),
                B::NotEq => ord.is_ne(),
                B::Lt => ord.is_lt(),
                B::LtEq => ord.is_le(),
                B::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }))
        }
        B::Add | B::Sub | B::Mul | B::Div | B::Mod | B::Pow => arith(sig, l, r, ctx),
        B::BitAnd | B::BitOr | B::BitXor | B::Shl | B::Shr => bitwise(sig, l, r),
        B::Concat => concat(sig, l, r, ctx),
        B::Like | B::NotLike | B::ILike | B::NotILike => {
            let ci = matches!(sig.op, B::ILike | B::NotILike);
            let negate = matches!(sig.op, B::NotLike | B::NotILike);
            let m = match (&l, &r) {
                // A bpchar operand keeps its padding (bpcharlike matches the stored value).
                (Value::Text(s), Value::Text(p)) => pattern::like(s.as_bytes(), p.as_bytes(), ci)?,
                (Value::Bytea(s), Value::Bytea(p)) => pattern::like(s, p, false)?,
                _ => return Err(mismatch(sig)),
            };
            Ok(Value::Bool(m != negate))
        }
        B::Regex | B::NotRegex | B::IRegex | B::NotIRegex => {
            let (Value::Text(s), Value::Text(p)) = (&l, &r) else {
                return Err(mismatch(sig));
            };
            let ci = matches!(sig.op, B::IRegex | B::NotIRegex);
            let negate = matches!(sig.op, B::NotRegex | B::NotIRegex);
            Ok(Value::Bool(pattern::regex_match(s, p, ci)? != negate))
        }
        _ => Err(mismatch(sig)),
    }
}

/// Total order of two values of type `ty`, consistent with ORDER BY: floats and numerics put NaN
/// above everything (and `-0 = 0`), bpchar ignores trailing blanks, arrays compare element-wise
/// (NULL elements last), text compares bytewise (the C collation). NULLs are the caller's business.
pub fn cmp_typed(ty: DataType, a: &Value, b: &Value) -> Ordering {
    if ty == DataType::Bpchar {
        if let (Value::Text(x), Value::Text(y)) = (a, b) {
            return text::bpchar_trim(x).cmp(text::bpchar_trim(y));
        }
    }
    a.cmp_sql(b)
}

fn float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

impl Value {
    /// Total order between two non-NULL values of the same type (see [`cmp_typed`]; bpchar
    /// callers use `cmp_typed` to get blank-insensitive order). Values of different variants order
    /// by variant, which only a binder bug can produce.
    pub fn cmp_sql(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Greater,
            (_, Null) => Ordering::Less,
            (Bool(a), Bool(b)) => a.cmp(b),
            (Int2(a), Int2(b)) => a.cmp(b),
            (Int4(a), Int4(b)) => a.cmp(b),
            (Int8(a), Int8(b)) => a.cmp(b),
            (Oid(a), Oid(b)) => a.cmp(b),
            (Float4(a), Float4(b)) => float_cmp(f64::from(*a), f64::from(*b)),
            (Float8(a), Float8(b)) => float_cmp(*a, *b),
            (Numeric(a), Numeric(b)) => a.cmp_sql(b),
            (Text(a), Text(b)) => a.cmp(b),
            (Jsonb(a), Jsonb(b)) => crate::types::json::order::cmp(a, b),
            (Bytea(a), Bytea(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Time(a), Time(b))
            | (Timestamp(a), Timestamp(b))
            | (Timestamptz(a), Timestamptz(b)) => a.cmp(b),
            (Interval(a), Interval(b)) => a.cmp_sql(b),
            (Uuid(a), Uuid(b)) => a.cmp(b),
            // PostgreSQL has no btree order for geometric types; ours only keeps distinct
            // values apart (their binary forms), it is not a SQL ordering.
            (Geo(a), Geo(b)) => {
                let (mut x, mut y) = (Vec::new(), Vec::new());
                a.write_binary(&mut x);
                b.write_binary(&mut y);
                x.cmp(&y)
            }
            (Array(a), Array(b)) => {
                for (x, y) in a.items.iter().zip(&b.items) {
                    let o = x.cmp_sql(y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.items
                    .len()
                    .cmp(&b.items.len())
                    .then_with(|| a.dims.cmp(&b.dims))
            }
            (Record(a), Record(b)) => a.cmp_sql(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int2(_) => 2,
            Value::Int4(_) => 3,
            Value::Int8(_) => 4,
            Value::Float4(_) => 5,
            Value::Float8(_) => 6,
            Value::Numeric(_) => 7,
            Value::Text(_) => 8,
            Value::Bytea(_) => 9,
            Value::Date(_) => 10,
            Value::Time(_) => 11,
            Value::Timestamp(_) => 12,
            Value::Timestamptz(_) => 13,
            Value::Interval(_) => 14,
            Value::Uuid(_) => 15,
            Value::Jsonb(_) => 16,
            Value::Oid(_) => 17,
            Value::Array(_) => 18,
            Value::Geo(_) => 19,
            Value::Record(_) => 20,
        }
    }
}

fn int_arith(op: BinaryOp, a: i64, b: i64, t: DataType) -> Result<i64> {
    let (min, max) = match t {
        DataType::Int2 => (i64::from(i16::MIN), i64::from(i16::MAX)),
        DataType::Int4 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let v = match op {
        BinaryOp::Add => a.checked_add(b),
        BinaryOp::Sub => a.checked_sub(b),
        BinaryOp::Mul => a.checked_mul(b),
        BinaryOp::Div if b == 0 => return Err(SqlError::DivisionByZero),
        BinaryOp::Div => a.checked_div(b),
        BinaryOp::Mod if b == 0 => return Err(SqlError::DivisionByZero),
        // MIN % -1 is 0 in PostgreSQL (it special-cases the trap).
        BinaryOp::Mod => Some(a.checked_rem(b).unwrap_or(0)),
        _ => None,
    };
    v.filter(|v| (min..=max).contains(v))
        .ok_or_else(|| overflow(t))
}

fn float_arith(op: BinaryOp, a: f64, b: f64) -> Result<f64> {
    let v = match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => {
            if b == 0.0 && !a.is_nan() {
                return Err(SqlError::DivisionByZero);
            }
            a / b
        }
        BinaryOp::Pow => return pow_f64(a, b),
        _ => return Err(SqlError::Internal("bug: float operator".into())),
    };
    if v.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(float_overflow());
    }
    if v == 0.0 && a != 0.0 && matches!(op, BinaryOp::Mul) && b != 0.0 {
        return Err(float_underflow());
    }
    if v == 0.0 && a != 0.0 && matches!(op, BinaryOp::Div) && b.is_finite() {
        return Err(float_underflow());
    }
    Ok(v)
}

/// `dpow` with PostgreSQL's error cases.
pub fn pow_f64(a: f64, b: f64) -> Result<f64> {
    if a == 0.0 && b < 0.0 {
        return Err(SqlError::InvalidArgumentForPowerFunction(
            "zero raised to a negative power is undefined".into(),
        ));
    }
    if a < 0.0 && b.is_finite() && b.fract() != 0.0 {
        return Err(SqlError::InvalidArgumentForPowerFunction(
            "a negative number raised to a non-integer power yields a complex result".into(),
        ));
    }
    let v = a.powf(b);
    if v.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(float_overflow());
    }
    if v == 0.0 && a != 0.0 && b.is_finite() {
        return Err(float_underflow());
    }
    Ok(v)
}

/// `numeric ^ numeric`: repeated squaring for int4 exponents, `exp(b·ln a)` with guard digits
/// otherwise, at PostgreSQL's result scales.
pub fn pow_numeric(a: &Numeric, b: &Numeric) -> Result<Numeric> {
    if a.is_nan() || b.is_nan() {
        // NaN ^ 0 and 1 ^ NaN are 1, as in numeric_power.
        let finite = |n: &Numeric| matches!(n, Numeric::Finite { .. });
        let one = Numeric::from_i128(1);
        if (a.is_nan() && finite(b) && b.is_zero())
            || (b.is_nan() && finite(a) && a.cmp_sql(&one) == Ordering::Equal)
        {
            return Ok(one);
        }
        return Ok(Numeric::NaN);
    }
    if a.is_zero() && b.signum() < 0 {
        return Err(SqlError::InvalidArgumentForPowerFunction(
            "zero raised to a negative power is undefined".into(),
        ));
    }
    if a.signum() < 0 && b.trunc(0).cmp_sql(b) != Ordering::Equal {
        return Err(SqlError::InvalidArgumentForPowerFunction(
            "a negative number raised to a non-integer power yields a complex result".into(),
        ));
    }
    if !matches!(a, Numeric::Finite { .. }) || !matches!(b, Numeric::Finite { .. }) {
        // Infinite operands: PostgreSQL's special cases agree with float8 pow.
        return Ok(Numeric::from_f64(pow_f64(a.to_f64(), b.to_f64())?, 15));
    }
    // |base| = 1 to an integer power is exact whatever the exponent (power_var_int's scale).
    if a.abs().cmp_sql(&Numeric::from_i128(1)) == Ordering::Equal
        && b.trunc(0).cmp_sql(b) == Ordering::Equal
    {
        let odd = b.rem(&Numeric::from_i128(2))?.signum() != 0;
        let one = Numeric::from_i128(if a.signum() < 0 && odd { -1 } else { 1 });
        return Ok(one.round((a.scale() as i32).clamp(16, 1000)));
    }
    // PostgreSQL's numeric holds at most 131072 digits before the point; refuse early rather than
    // multiply our way to a million-digit number.
    let magnitude = a.to_f64().abs();
    if magnitude.is_finite() && magnitude > 0.0 && b.to_f64() * magnitude.log10() > 131_072.0 {
        return Err(SqlError::OutOfRange(
            "value overflows numeric format".into(),
        ));
    }
    // Integer exponents that fit int4: repeated squaring (`power_var_int`), at `power_var`'s scale.
    if b.scale() == 0 || b.trunc(0).cmp_sql(b) == Ordering::Equal {
        if let Ok(Some(e)) = b.to_i128_round() {
            if let Ok(e) = i32::try_from(e) {
                return a.pow_int(e, (a.scale() as i32).clamp(16, 1000));
            }
        }
    }
    if a.is_zero() {
        return Ok(Numeric::zero());
    }
    a.pow_fractional(b)
}

fn arith(sig: &BinarySig, l: Value, r: Value, ctx: &FormatContext) -> Result<Value> {
    use BinaryOp as B;
    let op = sig.op;
    Ok(match (l, r) {
        (Value::Int2(a), Value::Int2(b)) if op == B::Pow => {
            Value::Float8(pow_f64(f64::from(a), f64::from(b))?)
        }
        (Value::Int2(a), Value::Int2(b)) => {
            Value::Int2(int_arith(op, i64::from(a), i64::from(b), DataType::Int2)? as i16)
        }
        (Value::Int4(a), Value::Int4(b)) => {
            Value::Int4(int_arith(op, i64::from(a), i64::from(b), DataType::Int4)? as i32)
        }
        (Value::Int8(a), Value::Int8(b)) => Value::Int8(int_arith(op, a, b, DataType::Int8)?),
        (Value::Float8(a), Value::Float8(b)) => Value::Float8(float_arith(op, a, b)?),
        (Value::Float4(a), Value::Float4(b)) => {
            let v = float_arith(op, f64::from(a), f64::from(b))? as f32;
            if v.is_infinite() && a.is_finite() && b.is_finite() {
                return Err(float_overflow());
            }
            Value::Float4(v)
        }
        (Value::Numeric(a), Value::Numeric(b)) => Value::Numeric(match op {
            B::Add => a.add(&b),
            B::Sub => a.sub(&b),
            B::Mul => a.mul(&b),
            B::Div => a.div(&b)?,
            B::Mod => a.rem(&b)?,
            _ => pow_numeric(&a, &b)?,
        }),
        (Value::Date(d), Value::Int4(n)) => {
            let n = if op == B::Sub {
                -i64::from(n)
            } else {
                i64::from(n)
            };
            Value::Date(date_add(d, n)?)
        }
        (Value::Int4(n), Value::Date(d)) => Value::Date(date_add(d, i64::from(n))?),
        (Value::Date(a), Value::Date(b)) => Value::Int4(
            i32::try_from(i64::from(a) - i64::from(b)).map_err(|_| overflow(DataType::Int4))?,
        ),
        (Value::Date(d), Value::Time(t)) | (Value::Time(t), Value::Date(d)) => {
            Value::Timestamp(ts_checked(
                datetime::date_to_usecs(d)?
                    .checked_add(t)
                    .ok_or_else(ts_range)?,
            )?)
        }
        (Value::Timestamp(t), Value::Interval(i)) => {
            let i = if op == B::Sub {
                i.neg().ok_or_else(interval_range)?
            } else {
                i
            };
            Value::Timestamp(ts_plus_interval(t, &i)?)
        }
        (Value::Interval(i), Value::Timestamp(t)) => Value::Timestamp(ts_plus_interval(t, &i)?),
        (Value::Timestamptz(t), Value::Interval(i)) => {
            let i = if op == B::Sub {
                i.neg().ok_or_else(interval_range)?
            } else {
                i
            };
            Value::Timestamptz(tstz_plus_interval(t, &i, ctx)?)
        }
        (Value::Interval(i), Value::Timestamptz(t)) => {
            Value::Timestamptz(tstz_plus_interval(t, &i, ctx)?)
        }
        (Value::Timestamp(a), Value::Timestamp(b))
        | (Value::Timestamptz(a), Value::Timestamptz(b)) => Value::Interval(ts_minus(a, b)?),
        (Value::Interval(a), Value::Interval(b)) => Value::Interval(
            if op == B::Sub {
                b.neg().and_then(|nb| a.add(&nb))
            } else {
                a.add(&b)
            }
            .ok_or_else(interval_range)?,
        ),
        (Value::Time(t), Value::Interval(i)) => {
            let m = if op == B::Sub { -i.micros } else { i.micros };
            Value::Time((t + m).rem_euclid(USECS_PER_DAY))
        }
        (Value::Interval(i), Value::Time(t)) => {
            Value::Time((t + i.micros).rem_euclid(USECS_PER_DAY))
        }
        (Value::Time(a), Value::Time(b)) => Value::Interval(Interval {
            months: 0,
            days: 0,
            micros: a - b,
        }),
        (Value::Interval(i), Value::Float8(f)) | (Value::Float8(f), Value::Interval(i)) => {
            if op == B::Div {
                if f == 0.0 {
                    return Err(SqlError::DivisionByZero);
                }
                Value::Interval(interval_scale(&i, f, true)?)
            } else {
                Value::Interval(interval_scale(&i, f, false)?)
            }
        }
        _ => return Err(mismatch(sig)),
    })
}

fn date_add(d: i32, n: i64) -> Result<i32> {
    if d == i32::MIN || d == i32::MAX {
        return Ok(d);
    }
    i32::try_from(i64::from(d) + n)
        .ok()
        .filter(|v| (datetime::DATE_MIN..datetime::DATE_END).contains(v))
        .ok_or_else(|| SqlError::DatetimeFieldOverflow("date out of range".into()))
}

fn ts_checked(t: i64) -> Result<i64> {
    if (datetime::TS_MIN..datetime::TS_END).contains(&t) {
        Ok(t)
    } else {
        Err(ts_range())
    }
}

/// Adds months (clamping the day to the month's end), then days, then microseconds.
fn add_months_days(t: i64, i: &Interval) -> Result<i64> {
    let mut tm = Tm::from_usecs(t);
    if i.months != 0 {
        let total = tm.year * 12 + i64::from(tm.month) - 1 + i64::from(i.months);
        tm.year = total.div_euclid(12);
        tm.month = (total.rem_euclid(12) + 1) as u32;
        tm.day = tm.day.min(datetime::days_in_month(tm.year, tm.month));
    }
    let t = tm.to_usecs();
    t.checked_add(i64::from(i.days).saturating_mul(USECS_PER_DAY))
        .ok_or_else(ts_range)
}

pub(crate) fn ts_plus_interval(t: i64, i: &Interval) -> Result<i64> {
    if t == i64::MIN || t == i64::MAX {
        return Ok(t);
    }
    let t = add_months_days(t, i)?;
    ts_checked(t.checked_add(i.micros).ok_or_else(ts_range)?)
}

pub(crate) fn tstz_plus_interval(t: i64, i: &Interval, ctx: &FormatContext) -> Result<i64> {
    if t == i64::MIN || t == i64::MAX {
        return Ok(t);
    }
    let t = if i.months != 0 || i.days != 0 {
        local_to_utc(add_months_days(utc_to_local(t, ctx), i)?, ctx)
    } else {
        t
    };
    ts_checked(t.checked_add(i.micros).ok_or_else(ts_range)?)
}

/// `timestamp_mi`: the difference as days and time (`interval_justify_hours`).
fn ts_minus(a: i64, b: i64) -> Result<Interval> {
    if a == i64::MIN || a == i64::MAX || b == i64::MIN || b == i64::MAX {
        return Err(SqlError::DatetimeFieldOverflow(
            "cannot subtract infinite timestamps".into(),
        ));
    }
    let d = a.checked_sub(b).ok_or_else(interval_range)?;
    Ok(Interval {
        months: 0,
        days: i32::try_from(d / USECS_PER_DAY).map_err(|_| interval_range())?,
        micros: d % USECS_PER_DAY,
    })
}

/// `interval_mul` / `interval_div` (PostgreSQL 15): months and days scale separately, their
/// fractions spill into days (30 per month) and seconds, each spill rounded to microseconds
/// (`TSROUND`) before the time part is added and rounded.
pub fn interval_scale(i: &Interval, f: f64, divide: bool) -> Result<Interval> {
    let apply = |v: f64| if divide { v / f } else { v * f };
    let tsround = |v: f64| (v * 1e6).round_ties_even() / 1e6;
    let months_f = apply(f64::from(i.months));
    let days_f = apply(f64::from(i.days));
    let fits = |v: f64| v.is_finite() && v.abs() <= f64::from(i32::MAX);
    if !fits(months_f) || !fits(days_f) {
        return Err(interval_range());
    }
    let months = months_f as i32;
    let mut days = days_f as i32;
    let month_rem_days = tsround((months_f - f64::from(months)) * 30.0);
    let mut sec_rem =
        tsround((days_f - f64::from(days) + month_rem_days - month_rem_days.trunc()) * 86_400.0);
    if sec_rem.abs() >= 86_400.0 {
        let extra = (sec_rem / 86_400.0) as i32;
        days = days.checked_add(extra).ok_or_else(interval_range)?;
        sec_rem -= f64::from(extra) * 86_400.0;
    }
    days = days
        .checked_add(month_rem_days as i32)
        .ok_or_else(interval_range)?;
    let micros = (apply(i.micros as f64) + sec_rem * 1e6).round_ties_even();
    if !micros.is_finite() || micros.abs() > 9.2e18 {
        return Err(interval_range());
    }
    Ok(Interval {
        months,
        days,
        micros: micros as i64,
    })
}

fn bitwise(sig: &BinarySig, l: Value, r: Value) -> Result<Value> {
    use BinaryOp as B;
    let shift = |a: i64, n: i32, bits: u32| -> i64 {
        let n = n.rem_euclid(bits as i32) as u32;
        match sig.op {
            B::Shl => a.wrapping_shl(n),
            _ => a.wrapping_shr(n),
        }
    };
    let bin = |a: i64, b: i64| match sig.op {
        B::BitAnd => a & b,
        B::BitOr => a | b,
        _ => a ^ b,
    };
    Ok(match (l, r) {
        (Value::Int2(a), Value::Int4(n)) if matches!(sig.op, B::Shl | B::Shr) => {
            Value::Int2(shift(i64::from(a), n, 64) as i16)
        }
        (Value::Int4(a), Value::Int4(n)) if matches!(sig.op, B::Shl | B::Shr) => {
            Value::Int4(match sig.op {
                B::Shl => a.wrapping_shl(n as u32),
                _ => a.wrapping_shr(n as u32),
            })
        }
        (Value::Int8(a), Value::Int4(n)) if matches!(sig.op, B::Shl | B::Shr) => {
            Value::Int8(shift(a, n, 64))
        }
        (Value::Int2(a), Value::Int2(b)) => Value::Int2(bin(i64::from(a), i64::from(b)) as i16),
        (Value::Int4(a), Value::Int4(b)) => Value::Int4(bin(i64::from(a), i64::from(b)) as i32),
        (Value::Int8(a), Value::Int8(b)) => Value::Int8(bin(a, b)),
        _ => return Err(mismatch(sig)),
    })
}

fn concat(sig: &BinarySig, l: Value, r: Value, ctx: &FormatContext) -> Result<Value> {
    match (l, r) {
        (Value::Bytea(mut a), Value::Bytea(b)) => {
            a.extend_from_slice(&b);
            Ok(Value::Bytea(a))
        }
        (Value::Array(a), Value::Array(b)) => Ok(Value::Array(Box::new(array_cat(*a, *b)?))),
        (Value::Array(mut a), x) => {
            a.items.push(x);
            a.dims = vec![(a.items.len() as i32, a.dims.first().map_or(1, |d| d.1))];
            Ok(Value::Array(a))
        }
        (x, Value::Array(mut a)) => {
            a.items.insert(0, x);
            a.dims = vec![(a.items.len() as i32, a.dims.first().map_or(1, |d| d.1))];
            Ok(Value::Array(a))
        }
        (a, b) => {
            let text = |v: &Value, ty: DataType| match (v, ty) {
                (Value::Text(s), DataType::Bpchar) => text::bpchar_trim(s).to_string(),
                // anynonarray || text casts to text, and booltext spells the word out.
                (Value::Bool(b), _) => (if *b { "true" } else { "false" }).to_string(),
                _ => v.to_text_ctx(ctx).unwrap_or_default(),
            };
            let mut s = text(&a, sig.left);
            s.push_str(&text(&b, sig.right));
            Ok(Value::Text(s))
        }
    }
}

fn array_cat(mut a: Array, b: Array) -> Result<Array> {
    if a.items.is_empty() {
        return Ok(b);
    }
    if b.items.is_empty() {
        return Ok(a);
    }
    if a.dims.len() != 1 || b.dims.len() != 1 {
        return Err(SqlError::FeatureNotSupported(
            "concatenation of multidimensional arrays is not supported yet".into(),
        ));
    }
    a.items.extend(b.items);
    a.dims[0].0 = a.items.len() as i32;
    Ok(a)
}

/// Evaluates a prefix operator.
pub fn eval_unary(sig: &UnarySig, v: Value) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let t = sig.operand;
    Ok(match (sig.op, v) {
        (UnaryOp::Plus, v) => v,
        (UnaryOp::Neg, Value::Int2(x)) => Value::Int2(x.checked_neg().ok_or_else(|| overflow(t))?),
        (UnaryOp::Neg, Value::Int4(x)) => Value::Int4(x.checked_neg().ok_or_else(|| overflow(t))?),
        (UnaryOp::Neg, Value::Int8(x)) => Value::Int8(x.checked_neg().ok_or_else(|| overflow(t))?),
        (UnaryOp::Neg, Value::Float4(x)) => Value::Float4(-x),
        (UnaryOp::Neg, Value::Float8(x)) => Value::Float8(-x),
        (UnaryOp::Neg, Value::Numeric(n)) => Value::Numeric(n.neg()),
        (UnaryOp::Neg, Value::Interval(i)) => Value::Interval(i.neg().ok_or_else(interval_range)?),
        (UnaryOp::Abs, Value::Int2(x)) => Value::Int2(x.checked_abs().ok_or_else(|| overflow(t))?),
        (UnaryOp::Abs, Value::Int4(x)) => Value::Int4(x.checked_abs().ok_or_else(|| overflow(t))?),
        (UnaryOp::Abs, Value::Int8(x)) => Value::Int8(x.checked_abs().ok_or_else(|| overflow(t))?),
        (UnaryOp::Abs, Value::Float4(x)) => Value::Float4(x.abs()),
        (UnaryOp::Abs, Value::Float8(x)) => Value::Float8(x.abs()),
        (UnaryOp::Abs, Value::Numeric(n)) => Value::Numeric(n.abs()),
        (UnaryOp::BitNot, Value::Int2(x)) => Value::Int2(!x),
        (UnaryOp::BitNot, Value::Int4(x)) => Value::Int4(!x),
        (UnaryOp::BitNot, Value::Int8(x)) => Value::Int8(!x),
        (UnaryOp::Sqrt, Value::Float8(x)) => {
            if x < 0.0 {
                return Err(SqlError::InvalidArgumentForPowerFunction(
                    "cannot take square root of a negative number".into(),
                ));
            }
            Value::Float8(x.sqrt())
        }
        (UnaryOp::Cbrt, Value::Float8(x)) => Value::Float8(x.cbrt()),
        (op, v) => {
            return Err(SqlError::Internal(format!(
                "bug: prefix operator {op:?} on {v:?}"
            )))
        }
    })
}
