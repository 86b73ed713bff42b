//! Functions about a number's digits and integer arithmetic: `scale`, `min_scale`, `trim_scale`
//! (numeric), `lcm`, `gcd(numeric, numeric)` and `factorial`. Integer `gcd` lives with the other
//! math functions.

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::numeric::{mag, Numeric};
use crate::types::{DataType, FormatContext, Value};

use DataType::{Int4, Int8, Numeric as Num};
use Param::T;

/// The number of trailing decimal zeros of a finite value's digits, at most its scale.
fn trailing_zeros(m: &[u32], scale: u32) -> u32 {
    let mut k = 0;
    let mut cur = m.to_vec();
    while k < scale && !cur.is_empty() {
        let (q, r) = mag::divmod_small(&cur, 10);
        if r != 0 {
            break;
        }
        cur = q;
        k += 1;
    }
    if cur.is_empty() {
        // Zero: every fractional digit is a trailing zero.
        return scale;
    }
    k
}

fn scale(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(match arg::numeric(a, 0)? {
        Numeric::Finite { scale, .. } => Value::Int4(*scale as i32),
        _ => Value::Null,
    })
}

fn min_scale(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(match arg::numeric(a, 0)? {
        Numeric::Finite { mag: m, scale, .. } => {
            Value::Int4((scale - trailing_zeros(m, *scale)) as i32)
        }
        _ => Value::Null,
    })
}

fn trim_scale(a: &[Value], _: &FormatContext) -> Result<Value> {
    let n = arg::numeric(a, 0)?;
    Ok(Value::Numeric(match n {
        Numeric::Finite { neg, mag: m, scale } => {
            let k = trailing_zeros(m, *scale);
            let mut digits = m.clone();
            for _ in 0..k {
                digits = mag::divmod_small(&digits, 10).0;
            }
            Numeric::Finite {
                neg: *neg && !digits.is_empty(),
                mag: digits,
                scale: scale - k,
            }
        }
        other => other.clone(),
    }))
}

/// `lcm(a, b)`: `|a / gcd(a, b) * b|`, 0 when either is 0, with the type's overflow error.
fn lcm(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (x, y) = (i128::from(arg::int(a, 0)?), i128::from(arg::int(a, 1)?));
    let int4 = matches!(a[0], Value::Int4(_));
    let overflow = || {
        SqlError::OutOfRange(
            if int4 {
                "integer out of range"
            } else {
                "bigint out of range"
            }
            .into(),
        )
    };
    if x == 0 || y == 0 {
        return Ok(if int4 { Value::Int4(0) } else { Value::Int8(0) });
    }
    let (mut g, mut h) = (x.abs(), y.abs());
    while h != 0 {
        (g, h) = (h, g % h);
    }
    let l = (x / g * y).abs();
    Ok(if int4 {
        Value::Int4(i32::try_from(l).map_err(|_| overflow())?)
    } else {
        Value::Int8(i64::try_from(l).map_err(|_| overflow())?)
    })
}

/// `factorial(n)` as numeric.
fn factorial(a: &[Value], _: &FormatContext) -> Result<Value> {
    let n = arg::int(a, 0)?;
    if n < 0 {
        return Err(SqlError::InvalidParameterValue(
            "factorial of a negative number is undefined".into(),
        ));
    }
    if n > 32177 {
        return Err(SqlError::OutOfRange(
            "value overflows numeric format".into(),
        ));
    }
    let mut digits = mag::from_u128(1);
    for i in 2..=n {
        digits = mag::mul_small(&digits, i as u32, 0);
    }
    Ok(Value::Numeric(Numeric::Finite {
        neg: false,
        mag: digits,
        scale: 0,
    }))
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("scale"(T(Num)) -> Int4, scale),
    builtin!("min_scale"(T(Num)) -> Int4, min_scale),
    builtin!("trim_scale"(T(Num)) -> Num, trim_scale),
    builtin!("lcm"(T(Int4), T(Int4)) -> Int4, lcm),
    builtin!("lcm"(T(Int8), T(Int8)) -> Int8, lcm),
    builtin!("lcm"(T(Num), T(Num)) -> Num, lcm_numeric),
    builtin!("gcd"(T(Num), T(Num)) -> Num, gcd_numeric),
    builtin!("factorial"(T(Int8)) -> Num, factorial),
];

/// `gcd_var`: Euclid's algorithm on exact numerics (fractions included), at the larger
/// display scale of the two.
fn gcd_numeric_value(x: &Numeric, y: &Numeric) -> Result<Numeric> {
    let scale = x.scale().max(y.scale()) as i32;
    let (mut a, mut b) = (x.abs(), y.abs());
    if a.cmp_sql(&b) == std::cmp::Ordering::Less {
        std::mem::swap(&mut a, &mut b);
    }
    while !b.is_zero() {
        let m = a.rem(&b)?;
        a = b;
        b = m;
    }
    Ok(a.round(scale))
}

/// `gcd(numeric, numeric)`; NaN or an infinity gives NaN.
fn gcd_numeric(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (x, y) = (arg::numeric(a, 0)?, arg::numeric(a, 1)?);
    if !matches!(x, Numeric::Finite { .. }) || !matches!(y, Numeric::Finite { .. }) {
        return Ok(Value::Numeric(Numeric::NaN));
    }
    Ok(Value::Numeric(gcd_numeric_value(x, y)?))
}

/// `lcm(numeric, numeric)`: `|x / gcd(x, y) * y|`, zero if either is zero, at the larger
/// display scale; NaN or an infinity gives NaN.
fn lcm_numeric(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (x, y) = (arg::numeric(a, 0)?, arg::numeric(a, 1)?);
    if !matches!(x, Numeric::Finite { .. }) || !matches!(y, Numeric::Finite { .. }) {
        return Ok(Value::Numeric(Numeric::NaN));
    }
    let scale = x.scale().max(y.scale()) as i32;
    if x.is_zero() || y.is_zero() {
        return Ok(Value::Numeric(Numeric::zero().round(scale)));
    }
    let g = gcd_numeric_value(x, y)?;
    let q = x.div_to_scale(&g, 0, false)?;
    Ok(Value::Numeric(q.mul(y).abs().round(scale)))
}
