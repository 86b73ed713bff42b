//! Math functions: `abs`, `round`, `trunc`, `ceil`, `floor`, `mod`, `power`, `sqrt`, `exp`, `ln`,
//! `log`, `sign`, `random`, ... with PostgreSQL's overloads (float8 and numeric variants; integer
//! arguments resolve to float8, the preferred type, unless an integer overload exists) and errors.

use std::cell::Cell;

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::numeric::Numeric;
use crate::types::ops::eval::pow_f64;
use crate::types::ops::eval::pow_numeric;
use crate::types::{DataType, FormatContext, Value};

use DataType::{Float4, Float8, Int2, Int4, Int8, Numeric as Num};
use Param::T;

fn int_overflow(t: DataType) -> SqlError {
    SqlError::OutOfRange(
        match t {
            Int2 => "smallint out of range",
            Int8 => "bigint out of range",
            _ => "integer out of range",
        }
        .into(),
    )
}

fn abs(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(match &a[0] {
        Value::Int2(x) => Value::Int2(x.checked_abs().ok_or_else(|| int_overflow(Int2))?),
        Value::Int4(x) => Value::Int4(x.checked_abs().ok_or_else(|| int_overflow(Int4))?),
        Value::Int8(x) => Value::Int8(x.checked_abs().ok_or_else(|| int_overflow(Int8))?),
        Value::Float4(x) => Value::Float4(x.abs()),
        Value::Float8(x) => Value::Float8(x.abs()),
        Value::Numeric(n) => Value::Numeric(n.abs()),
        other => return Err(SqlError::Internal(format!("abs of {other:?}"))),
    })
}

fn f8(f: impl Fn(f64) -> f64) -> impl Fn(&[Value]) -> Result<Value> {
    move |a| Ok(Value::Float8(f(arg::f64(a, 0)?)))
}

fn round_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    // rint: ties to even.
    f8(f64::round_ties_even)(a)
}

fn trunc_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    f8(f64::trunc)(a)
}

fn ceil_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    f8(f64::ceil)(a)
}

fn floor_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    f8(f64::floor)(a)
}

fn sign_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    f8(|x| {
        if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            0.0
        }
    })(a)
}

fn scale_arg(a: &[Value]) -> Result<i32> {
    Ok(if a.len() > 1 {
        arg::int(a, 1)?.clamp(-16383, 16383) as i32
    } else {
        0
    })
}

fn round_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(arg::numeric(a, 0)?.round(scale_arg(a)?)))
}

fn trunc_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(arg::numeric(a, 0)?.trunc(scale_arg(a)?)))
}

fn ceil_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(arg::numeric(a, 0)?.ceil_floor(true)))
}

fn floor_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(arg::numeric(a, 0)?.ceil_floor(false)))
}

fn sign_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    let n = arg::numeric(a, 0)?;
    Ok(Value::Numeric(if n.is_nan() {
        Numeric::NaN
    } else {
        Numeric::from_i128(i128::from(n.signum()))
    }))
}

fn modulo(a: &[Value], _: &FormatContext) -> Result<Value> {
    let ints = |x: i64, y: i64| -> Result<i64> {
        if y == 0 {
            return Err(SqlError::DivisionByZero);
        }
        Ok(x.checked_rem(y).unwrap_or(0))
    };
    Ok(match (&a[0], &a[1]) {
        (Value::Int2(x), Value::Int2(y)) => Value::Int2(ints(i64::from(*x), i64::from(*y))? as i16),
        (Value::Int4(x), Value::Int4(y)) => Value::Int4(ints(i64::from(*x), i64::from(*y))? as i32),
        (Value::Int8(x), Value::Int8(y)) => Value::Int8(ints(*x, *y)?),
        (Value::Numeric(x), Value::Numeric(y)) => Value::Numeric(x.rem(y)?),
        other => return Err(SqlError::Internal(format!("mod of {other:?}"))),
    })
}

fn power_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Float8(pow_f64(arg::f64(a, 0)?, arg::f64(a, 1)?)?))
}

fn power_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(pow_numeric(
        arg::numeric(a, 0)?,
        arg::numeric(a, 1)?,
    )?))
}

fn sqrt_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    let x = arg::f64(a, 0)?;
    if x < 0.0 {
        return Err(SqlError::InvalidArgumentForPowerFunction(
            "cannot take square root of a negative number".into(),
        ));
    }
    Ok(Value::Float8(x.sqrt()))
}

fn sqrt_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(arg::numeric(a, 0)?.sqrt()?))
}

fn cbrt(a: &[Value], _: &FormatContext) -> Result<Value> {
    f8(f64::cbrt)(a)
}

fn exp_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    let x = arg::f64(a, 0)?;
    let v = x.exp();
    if v.is_infinite() && x.is_finite() {
        return Err(SqlError::OutOfRange("value out of range: overflow".into()));
    }
    if v == 0.0 && x.is_finite() {
        return Err(SqlError::OutOfRange("value out of range: underflow".into()));
    }
    Ok(Value::Float8(v))
}

fn log_check(x: f64) -> Result<()> {
    if x == 0.0 {
        return Err(SqlError::InvalidArgumentForLog(
            "cannot take logarithm of zero".into(),
        ));
    }
    if x < 0.0 {
        return Err(SqlError::InvalidArgumentForLog(
            "cannot take logarithm of a negative number".into(),
        ));
    }
    Ok(())
}

fn ln_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    let x = arg::f64(a, 0)?;
    log_check(x)?;
    Ok(Value::Float8(x.ln()))
}

fn log10_f(a: &[Value], _: &FormatContext) -> Result<Value> {
    let x = arg::f64(a, 0)?;
    log_check(x)?;
    Ok(Value::Float8(x.log10()))
}

fn ln_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(arg::numeric(a, 0)?.ln()?))
}

fn log10_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(Numeric::log(
        &Numeric::from_i128(10),
        arg::numeric(a, 0)?,
    )?))
}

fn log_base_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(Numeric::log(
        arg::numeric(a, 0)?,
        arg::numeric(a, 1)?,
    )?))
}

fn exp_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(arg::numeric(a, 0)?.exp()?))
}

fn pi(_: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Float8(std::f64::consts::PI))
}

fn degrees(a: &[Value], _: &FormatContext) -> Result<Value> {
    f8(f64::to_degrees)(a)
}

fn radians(a: &[Value], _: &FormatContext) -> Result<Value> {
    f8(f64::to_radians)(a)
}

fn div_n(a: &[Value], _: &FormatContext) -> Result<Value> {
    let q = arg::numeric(a, 0)?.div_to_scale(arg::numeric(a, 1)?, 0, false)?;
    Ok(Value::Numeric(q))
}

/// The hyperbolic functions; `acosh`/`atanh` outside their domain are `input is out of range`
/// (22003), NaN passes through.
fn hyperbolic(a: &[Value], which: fn(f64) -> f64, domain: fn(f64) -> bool) -> Result<Value> {
    let x = arg::f64(a, 0)?;
    if !x.is_nan() && !domain(x) {
        return Err(SqlError::OutOfRange("input is out of range".into()));
    }
    Ok(Value::Float8(which(x)))
}

fn sinh(a: &[Value], _: &FormatContext) -> Result<Value> {
    hyperbolic(a, f64::sinh, |_| true)
}

fn cosh(a: &[Value], _: &FormatContext) -> Result<Value> {
    hyperbolic(a, f64::cosh, |_| true)
}

fn tanh(a: &[Value], _: &FormatContext) -> Result<Value> {
    hyperbolic(a, f64::tanh, |_| true)
}

fn asinh(a: &[Value], _: &FormatContext) -> Result<Value> {
    hyperbolic(a, f64::asinh, |_| true)
}

fn acosh(a: &[Value], _: &FormatContext) -> Result<Value> {
    hyperbolic(a, f64::acosh, |x| x >= 1.0)
}

fn atanh(a: &[Value], _: &FormatContext) -> Result<Value> {
    hyperbolic(a, f64::atanh, |x| (-1.0..=1.0).contains(&x))
}

/// `float4send`/`float8send`: the binary send format (IEEE 754, big-endian) as bytea.
fn float_send(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Bytea(match a.first() {
        Some(Value::Float4(x)) => x.to_be_bytes().to_vec(),
        Some(Value::Float8(x)) => x.to_be_bytes().to_vec(),
        _ => return Err(SqlError::Internal("float_send: not a float".into())),
    }))
}

fn gcd_i(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (mut x, mut y) = (
        arg::int(a, 0)?.unsigned_abs(),
        arg::int(a, 1)?.unsigned_abs(),
    );
    while y != 0 {
        (x, y) = (y, x % y);
    }
    let t = if matches!(a[0], Value::Int4(_)) {
        Int4
    } else {
        Int8
    };
    Ok(match t {
        Int4 => Value::Int4(i32::try_from(x).map_err(|_| int_overflow(Int4))?),
        _ => Value::Int8(i64::try_from(x).map_err(|_| int_overflow(Int8))?),
    })
}

thread_local! {
    /// xorshift64* state; seeded per thread from the standard library's random hasher keys.
    static RNG: Cell<u64> = Cell::new({
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x9e37_79b9_7f4a_7c15);
        h.finish() | 1
    });
}

fn random(_: &[Value], _: &FormatContext) -> Result<Value> {
    let x = RNG.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    });
    Ok(Value::Float8((x >> 11) as f64 / (1u64 << 53) as f64))
}

const fn volatile(mut b: Builtin) -> Builtin {
    b.volatile = true;
    b
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("abs"(T(Int2)) -> Int2, abs),
    builtin!("abs"(T(Int4)) -> Int4, abs),
    builtin!("abs"(T(Int8)) -> Int8, abs),
    builtin!("abs"(T(Float4)) -> Float4, abs),
    builtin!("abs"(T(Float8)) -> Float8, abs),
    builtin!("abs"(T(Num)) -> Num, abs),
    builtin!("round"(T(Float8)) -> Float8, round_f),
    builtin!("round"(T(Num)) -> Num, round_n),
    builtin!("round"(T(Num), T(Int4)) -> Num, round_n),
    builtin!("trunc"(T(Float8)) -> Float8, trunc_f),
    builtin!("trunc"(T(Num)) -> Num, trunc_n),
    builtin!("trunc"(T(Num), T(Int4)) -> Num, trunc_n),
    builtin!("ceil"(T(Float8)) -> Float8, ceil_f),
    builtin!("ceil"(T(Num)) -> Num, ceil_n),
    builtin!("ceiling"(T(Float8)) -> Float8, ceil_f),
    builtin!("ceiling"(T(Num)) -> Num, ceil_n),
    builtin!("floor"(T(Float8)) -> Float8, floor_f),
    builtin!("floor"(T(Num)) -> Num, floor_n),
    builtin!("sign"(T(Float8)) -> Float8, sign_f),
    builtin!("sign"(T(Num)) -> Num, sign_n),
    builtin!("mod"(T(Int2), T(Int2)) -> Int2, modulo),
    builtin!("mod"(T(Int4), T(Int4)) -> Int4, modulo),
    builtin!("mod"(T(Int8), T(Int8)) -> Int8, modulo),
    builtin!("mod"(T(Num), T(Num)) -> Num, modulo),
    builtin!("power"(T(Float8), T(Float8)) -> Float8, power_f),
    builtin!("power"(T(Num), T(Num)) -> Num, power_n),
    builtin!("pow"(T(Float8), T(Float8)) -> Float8, power_f),
    builtin!("pow"(T(Num), T(Num)) -> Num, power_n),
    builtin!("sqrt"(T(Float8)) -> Float8, sqrt_f),
    builtin!("sqrt"(T(Num)) -> Num, sqrt_n),
    builtin!("cbrt"(T(Float8)) -> Float8, cbrt),
    builtin!("exp"(T(Float8)) -> Float8, exp_f),
    builtin!("exp"(T(Num)) -> Num, exp_n),
    builtin!("ln"(T(Float8)) -> Float8, ln_f),
    builtin!("ln"(T(Num)) -> Num, ln_n),
    builtin!("log"(T(Float8)) -> Float8, log10_f),
    builtin!("log"(T(Num)) -> Num, log10_n),
    builtin!("log10"(T(Float8)) -> Float8, log10_f),
    builtin!("log10"(T(Num)) -> Num, log10_n),
    builtin!("log"(T(Num), T(Num)) -> Num, log_base_n),
    builtin!("pi"() -> Float8, pi),
    builtin!("degrees"(T(Float8)) -> Float8, degrees),
    builtin!("radians"(T(Float8)) -> Float8, radians),
    builtin!("div"(T(Num), T(Num)) -> Num, div_n),
    builtin!("sinh"(T(Float8)) -> Float8, sinh),
    builtin!("cosh"(T(Float8)) -> Float8, cosh),
    builtin!("tanh"(T(Float8)) -> Float8, tanh),
    builtin!("asinh"(T(Float8)) -> Float8, asinh),
    builtin!("acosh"(T(Float8)) -> Float8, acosh),
    builtin!("atanh"(T(Float8)) -> Float8, atanh),
    builtin!("float4send"(T(Float4)) -> DataType::Bytea, float_send),
    builtin!("float8send"(T(Float8)) -> DataType::Bytea, float_send),
    builtin!("gcd"(T(Int4), T(Int4)) -> Int4, gcd_i),
    builtin!("gcd"(T(Int8), T(Int8)) -> Int8, gcd_i),
    volatile(builtin!("random"() -> Float8, random)),
];
