//! Casts: which exist in which context ([`can_cast`], PostgreSQL's `pg_cast.castcontext`) and how
//! values convert ([`cast_ctx`]), including type modifiers ([`apply_typmod`]).
//!
//! Context rules (as `pg_cast`): widening numeric casts and string-family casts are implicit;
//! narrowing numeric casts, casts *to* the string types (I/O conversion) and lossy date/time casts
//! are assignment casts; `int4 ↔ bool` and casts *from* strings (I/O conversion) are explicit.
//! An `unknown` literal converts to anything (its text is the target's input).

use super::context::FormatContext;
use super::datetime::{Interval, USECS_PER_DAY, USECS_PER_SEC};
use super::numeric::Numeric;
use super::{text, typmod, DataType, TypeCategory, Value};
use crate::error::{Result, SqlError};

/// Where a cast is being applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CastContext {
    /// Silently, to make an expression type-check (operator/function arguments).
    Implicit,
    /// Storing into a column (INSERT/UPDATE): also allows narrowing, with errors on overflow.
    Assignment,
    /// `CAST(x AS t)` / `x::t`.
    Explicit,
}

/// The weakest context in which `from` casts to `to`, or `None` if there is no cast.
pub fn cast_context(from: DataType, to: DataType) -> Option<CastContext> {
    use CastContext::*;
    use DataType::*;
    if from == to || from == Unknown {
        return Some(Implicit);
    }
    if let (Some(fe), Some(te)) = (from.elem(), to.elem()) {
        return cast_context(fe, te);
    }
    let rank = |t: DataType| match t {
        Int2 => Some(0),
        Int4 => Some(1),
        Int8 => Some(2),
        Numeric => Some(3),
        Float4 => Some(4),
        Float8 => Some(5),
        _ => None,
    };
    if let (Some(a), Some(b)) = (rank(from), rank(to)) {
        return Some(if a < b { Implicit } else { Assignment });
    }
    Some(match (from, to) {
        (Int2 | Int4 | Int8, Oid) => Implicit,
        (Oid, Int4 | Int8) => Assignment,
        (Int4, Bool) | (Bool, Int4) => Explicit,
        (Text | Varchar | Bpchar | Name, Text | Varchar | Bpchar | Name) => Implicit,
        (Date, Timestamp | Timestamptz) | (Timestamp, Timestamptz) | (Time, Interval) => Implicit,
        (Timestamptz, Timestamp) | (Timestamp | Timestamptz, Date | Time) | (Interval, Time) => {
            Assignment
        }
        (Json, Jsonb) | (Jsonb, Json) => Assignment,
        (Jsonb, Bool | Int2 | Int4 | Int8 | Float4 | Float8 | Numeric) => Explicit,
        (_, Text | Varchar | Bpchar | Name) if to.category() == TypeCategory::String => Assignment,
        (Text | Varchar | Bpchar | Name, _) => Explicit,
        _ => return None,
    })
}

/// Whether `from` casts to `to` in `ctx`.
pub fn can_cast(from: DataType, to: DataType, ctx: CastContext) -> bool {
    cast_context(from, to).is_some_and(|c| c <= ctx)
}

/// An explicit cast with default settings: `CAST(v AS to(typmod))`.
pub fn cast(v: Value, from: DataType, to: DataType, typmod: i32) -> Result<Value> {
    cast_ctx(
        v,
        from,
        to,
        typmod,
        CastContext::Explicit,
        &FormatContext::default(),
    )
}

fn int_range(t: DataType) -> SqlError {
    SqlError::OutOfRange(
        match t {
            DataType::Int2 => "smallint out of range",
            DataType::Int8 => "bigint out of range",
            DataType::Oid => "OID out of range",
            _ => "integer out of range",
        }
        .into(),
    )
}

/// An integer value as the integer type `to`, with that type's range error.
pub fn int_to(x: i128, to: DataType) -> Result<Value> {
    Ok(match to {
        DataType::Int2 => Value::Int2(i16::try_from(x).map_err(|_| int_range(to))?),
        DataType::Int4 => Value::Int4(i32::try_from(x).map_err(|_| int_range(to))?),
        DataType::Int8 => Value::Int8(i64::try_from(x).map_err(|_| int_range(to))?),
        DataType::Oid => Value::Oid(u32::try_from(x).map_err(|_| int_range(to))?),
        DataType::Float4 => Value::Float4(x as f32),
        DataType::Float8 => Value::Float8(x as f64),
        DataType::Numeric => Value::Numeric(Numeric::from_i128(x)),
        _ => return Err(SqlError::Internal(format!("int_to {to:?}"))),
    })
}

/// The value of an integer-typed `Value`.
pub fn as_i128(v: &Value) -> Option<i128> {
    match v {
        Value::Int2(x) => Some(i128::from(*x)),
        Value::Int4(x) => Some(i128::from(*x)),
        Value::Int8(x) => Some(i128::from(*x)),
        Value::Oid(x) => Some(i128::from(*x)),
        _ => None,
    }
}

/// The value of a float-typed `Value` as `f64`.
pub fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Float4(x) => Some(f64::from(*x)),
        Value::Float8(x) => Some(*x),
        _ => None,
    }
}

/// Converts `v` of type `from` to `to` and applies `typmod` (`-1` for none). The context decides
/// whether over-long strings truncate (explicit) or fail (assignment); it does not re-check
/// [`can_cast`], which is the binder's job.
pub fn cast_ctx(
    v: Value,
    from: DataType,
    to: DataType,
    typmod: i32,
    cctx: CastContext,
    fctx: &FormatContext,
) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let converted = if from == to {
        v
    } else {
        convert(v, from, to, fctx)?
    };
    apply_typmod(converted, to, typmod, cctx == CastContext::Explicit)
}

fn convert(v: Value, from: DataType, to: DataType, fctx: &FormatContext) -> Result<Value> {
    use DataType as T;
    let cannot = || SqlError::CannotCoerce {
        from: from.sql_name(),
        to: to.sql_name(),
    };
    // Strings out: I/O conversion (bpchar loses its padding).
    if to.is_string() {
        let s = match (&v, from) {
            (Value::Text(s), T::Bpchar) => text::bpchar_trim(s).to_string(),
            (Value::Text(s), _) => s.clone(),
            // booltext (the cast to text, varchar and bpchar), unlike boolout, spells the words
            // out; `name` goes through boolout.
            (Value::Bool(b), _) if to != T::Name => (if *b { "true" } else { "false" }).to_string(),
            _ => v.to_text_ctx(fctx).unwrap_or_default(),
        };
        return Ok(Value::Text(if to == T::Name {
            text::truncate_name(&s)
        } else {
            s
        }));
    }
    // Strings in: the target's input function.
    if let Value::Text(s) = &v {
        if from.is_string() || from == T::Json {
            return Value::parse_text_ctx(to, s, fctx);
        }
    }
    if let (Some(fe), Some(te), Value::Array(a)) = (from.elem(), to.elem(), &v) {
        let mut out = (**a).clone();
        out.elem = te;
        out.items = a
            .items
            .iter()
            .map(|item| convert_or_null(item.clone(), fe, te, fctx))
            .collect::<Result<_>>()?;
        return Ok(Value::Array(Box::new(out)));
    }
    if let Some(x) = as_i128(&v) {
        return match to {
            T::Int2 | T::Int4 | T::Int8 | T::Oid | T::Float4 | T::Float8 | T::Numeric => {
                int_to(x, to)
            }
            T::Bool if from == T::Int4 => Ok(Value::Bool(x != 0)),
            _ => Err(cannot()),
        };
    }
    if let Some(f) = as_f64(&v) {
        return match to {
            T::Int2 | T::Int4 | T::Int8 => {
                let r = f.round_ties_even();
                if r.is_nan() || !(-1.7e38..1.7e38).contains(&r) {
                    return Err(int_range(to));
                }
                int_to(r as i128, to)
            }
            T::Float8 => Ok(Value::Float8(f)),
            T::Float4 => {
                let g = f as f32;
                if g.is_infinite() && f.is_finite() {
                    return Err(SqlError::OutOfRange("value out of range: overflow".into()));
                }
                if g == 0.0 && f != 0.0 {
                    return Err(SqlError::OutOfRange("value out of range: underflow".into()));
                }
                Ok(Value::Float4(g))
            }
            T::Numeric => Ok(Value::Numeric(Numeric::from_f64(
                f,
                if from == T::Float4 { 6 } else { 15 },
            ))),
            _ => Err(cannot()),
        };
    }
    Ok(match (v, to) {
        (Value::Numeric(n), T::Int2 | T::Int4 | T::Int8) => {
            let x = n
                .to_i128_round()
                .map_err(|e| match e {
                    // numeric_int2/int8 name their own type in these messages.
                    SqlError::FeatureNotSupported(m) => {
                        SqlError::FeatureNotSupported(m.replace("integer", to.sql_name()))
                    }
                    other => other,
                })?
                .ok_or_else(|| int_range(to))?;
            int_to(x, to)?
        }
        (Value::Numeric(n), T::Float8) => Value::Float8(n.to_f64()),
        (Value::Numeric(n), T::Float4) => Value::Float4(n.to_f64() as f32),
        (Value::Bool(b), T::Int4) => Value::Int4(i32::from(b)),
        (Value::Date(d), T::Timestamp) => Value::Timestamp(date_to_ts(d)?),
        (Value::Date(d), T::Timestamptz) => {
            let t = date_to_ts(d)?;
            Value::Timestamptz(local_to_utc(t, fctx))
        }
        (Value::Timestamp(t), T::Timestamptz) => Value::Timestamptz(local_to_utc(t, fctx)),
        (Value::Timestamptz(t), T::Timestamp) => Value::Timestamp(utc_to_local(t, fctx)),
        (Value::Timestamp(t), T::Date) => Value::Date(ts_to_date(t)?),
        (Value::Timestamptz(t), T::Date) => Value::Date(ts_to_date(utc_to_local(t, fctx))?),
        (Value::Timestamp(t), T::Time) => Value::Time(t.rem_euclid(USECS_PER_DAY)),
        (Value::Timestamptz(t), T::Time) => {
            Value::Time(utc_to_local(t, fctx).rem_euclid(USECS_PER_DAY))
        }
        (Value::Time(t), T::Interval) => Value::Interval(Interval {
            months: 0,
            days: 0,
            micros: t,
        }),
        (Value::Interval(i), T::Time) => Value::Time(i.micros.rem_euclid(USECS_PER_DAY)),
        (Value::Jsonb(j), T::Json) => Value::Text(j.canonical()),
        (Value::Jsonb(j), _) => jsonb_scalar(*j, to, fctx)?,
        _ => return Err(cannot()),
    })
}

/// `jsonb` → numeric/boolean types (PostgreSQL 14+): only a scalar of the matching kind converts.
fn jsonb_scalar(doc: super::json::Json, to: DataType, fctx: &FormatContext) -> Result<Value> {
    use super::json::Json;
    let kind = match &doc {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "numeric",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    };
    let wrong = || {
        SqlError::InvalidParameterValue(format!(
            "cannot cast jsonb {kind} to type {}",
            to.sql_name()
        ))
    };
    match (doc, to) {
        (Json::Bool(b), DataType::Bool) => Ok(Value::Bool(b)),
        (Json::Number(n), DataType::Numeric) => Ok(Value::Numeric(n)),
        (Json::Number(n), t) if t != DataType::Bool => {
            convert(Value::Numeric(n), DataType::Numeric, t, fctx)
        }
        _ => Err(wrong()),
    }
}

fn convert_or_null(v: Value, from: DataType, to: DataType, fctx: &FormatContext) -> Result<Value> {
    if v.is_null() {
        Ok(Value::Null)
    } else {
        convert(v, from, to, fctx)
    }
}

fn date_to_ts(d: i32) -> Result<i64> {
    super::datetime::date_to_usecs(d)
}

fn ts_to_date(t: i64) -> Result<i32> {
    Ok(match t {
        super::datetime::TS_NEG_INF => super::datetime::DATE_NEG_INF,
        super::datetime::TS_POS_INF => super::datetime::DATE_POS_INF,
        t => t.div_euclid(USECS_PER_DAY) as i32,
    })
}

/// Wall-clock microseconds in the session zone → UTC microseconds.
pub fn local_to_utc(t: i64, fctx: &FormatContext) -> i64 {
    if t == i64::MIN || t == i64::MAX {
        return t;
    }
    let off = fctx.timezone.offset_for_local(t.div_euclid(USECS_PER_SEC));
    t.saturating_sub(i64::from(off) * USECS_PER_SEC)
}

/// UTC microseconds → wall-clock microseconds in the session zone.
pub fn utc_to_local(t: i64, fctx: &FormatContext) -> i64 {
    if t == i64::MIN || t == i64::MAX {
        return t;
    }
    let (off, _) = fctx.timezone.offset_at(t.div_euclid(USECS_PER_SEC));
    t.saturating_add(i64::from(off) * USECS_PER_SEC)
}

/// Applies a type modifier to a value already of type `ty` (the `varchar(n)`, `bpchar(n)`,
/// `numeric(p,s)` and `timestamp(p)` length-coercion functions).
pub fn apply_typmod(v: Value, ty: DataType, typmod: i32, explicit: bool) -> Result<Value> {
    if typmod < 0 {
        return Ok(v);
    }
    Ok(match (v, ty) {
        (Value::Text(s), DataType::Varchar) => {
            Value::Text(text::apply_varchar(s, typmod, explicit)?)
        }
        (Value::Text(s), DataType::Bpchar) => Value::Text(text::apply_bpchar(s, typmod, explicit)?),
        (Value::Numeric(n), DataType::Numeric) => match typmod::numeric_precision_scale(typmod) {
            Some((p, s)) => Value::Numeric(n.apply_typmod(p, s)?),
            None => Value::Numeric(n),
        },
        (Value::Timestamp(t), _) => Value::Timestamp(round_usecs(t, ty, typmod)),
        (Value::Timestamptz(t), _) => Value::Timestamptz(round_usecs(t, ty, typmod)),
        (Value::Time(t), _) => Value::Time(round_usecs(t, ty, typmod)),
        (Value::Interval(i), _) => {
            let mut i =
                super::datetime::range::truncate(i, super::datetime::range::range_bits(typmod));
            i.micros = round_usecs(i.micros, ty, typmod);
            Value::Interval(i)
        }
        (Value::Array(mut a), _) => {
            let elem = a.elem;
            a.items = a
                .items
                .into_iter()
                .map(|item| apply_typmod(item, elem, typmod, explicit))
                .collect::<Result<_>>()?;
            Value::Array(a)
        }
        (v, _) => v,
    })
}

/// Rounds microseconds to a fractional-second precision, half away from zero
/// (`AdjustTimestampForTypmod`).
fn round_usecs(t: i64, ty: DataType, typmod: i32) -> i64 {
    let Some(p) = typmod::time_precision(ty, typmod) else {
        return t;
    };
    if p >= 6 || t == i64::MIN || t == i64::MAX {
        return t;
    }
    let scale = 10i64.pow(6 - p);
    let half = scale / 2;
    if t >= 0 {
        (t + half) / scale * scale
    } else {
        -((-t + half) / scale * scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: Value, from: DataType, to: DataType) -> Result<Value> {
        cast(v, from, to, -1)
    }

    #[test]
    fn casts_match_postgres() {
        // Results and messages from PostgreSQL 15.
        assert_eq!(
            c(Value::Int4(40000), DataType::Int4, DataType::Int2)
                .expect_err("range")
                .to_string(),
            "smallint out of range"
        );
        assert_eq!(
            c(Value::Float8(2.5), DataType::Float8, DataType::Int4),
            Ok(Value::Int4(2))
        );
        assert_eq!(
            c(Value::Float8(3.5), DataType::Float8, DataType::Int4),
            Ok(Value::Int4(4))
        );
        let n = |s: &str| Value::Numeric(Numeric::parse(s).expect("numeric"));
        assert_eq!(
            c(n("2.5"), DataType::Numeric, DataType::Int4),
            Ok(Value::Int4(3))
        );
        assert_eq!(
            c(Value::Float8(0.1), DataType::Float8, DataType::Numeric),
            Ok(n("0.1"))
        );
        assert_eq!(
            c(
                Value::Text("abc  ".into()),
                DataType::Bpchar,
                DataType::Text
            ),
            Ok(Value::Text("abc".into()))
        );
        let tm = typmod::from_args(DataType::Numeric, &[5, 2]).expect("typmod");
        assert_eq!(
            cast(Value::Int4(12), DataType::Int4, DataType::Numeric, tm),
            Ok(n("12.00"))
        );
        assert_eq!(
            c(
                Value::Text("1999-01-08".into()),
                DataType::Text,
                DataType::Date
            ),
            Ok(Value::Date(-358))
        );
        assert_eq!(
            c(Value::Bool(true), DataType::Bool, DataType::Text),
            Ok(Value::Text("true".into()))
        );
        assert_eq!(
            c(n("NaN"), DataType::Numeric, DataType::Int8)
                .expect_err("nan")
                .to_string(),
            "cannot convert NaN to bigint"
        );
        assert_eq!(
            c(Value::Bool(true), DataType::Bool, DataType::Name),
            Ok(Value::Text("t".into()))
        );
        let jb = |s: &str| Value::parse_text(DataType::Jsonb, s).expect("jsonb");
        assert_eq!(
            c(jb("12.7"), DataType::Jsonb, DataType::Int4),
            Ok(Value::Int4(13))
        );
        assert_eq!(
            c(jb("true"), DataType::Jsonb, DataType::Bool),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            c(jb(r#"{"a":1}"#), DataType::Jsonb, DataType::Int4)
                .expect_err("object")
                .to_string(),
            "cannot cast jsonb object to type integer"
        );
        let e = c(Value::Date(0), DataType::Date, DataType::Int4).expect_err("no cast");
        assert_eq!(e.to_string(), "cannot cast type date to integer");
        assert_eq!(e.sqlstate(), "42846");
        let ts = typmod::from_args(DataType::Timestamp, &[2]).expect("typmod");
        assert_eq!(
            apply_typmod(Value::Timestamp(1_234_567), DataType::Timestamp, ts, true),
            Ok(Value::Timestamp(1_230_000))
        );
    }

    #[test]
    fn cast_contexts() {
        use CastContext::*;
        assert!(can_cast(DataType::Int4, DataType::Int8, Implicit));
        assert!(!can_cast(DataType::Int8, DataType::Int4, Implicit));
        assert!(can_cast(DataType::Int8, DataType::Int4, Assignment));
        assert!(can_cast(DataType::Int4, DataType::Text, Assignment));
        assert!(!can_cast(DataType::Int4, DataType::Text, Implicit));
        assert!(!can_cast(DataType::Text, DataType::Int4, Assignment));
        assert!(can_cast(DataType::Text, DataType::Int4, Explicit));
        assert!(can_cast(DataType::Int4, DataType::Bool, Explicit));
        assert!(!can_cast(DataType::Int4, DataType::Bool, Assignment));
        assert!(can_cast(DataType::Date, DataType::Timestamptz, Implicit));
        assert!(can_cast(DataType::Int4Array, DataType::Int8Array, Implicit));
        assert!(!can_cast(DataType::Date, DataType::Int4, Explicit));
    }
}
