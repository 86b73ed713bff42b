//! Trigonometric functions over float8, in radians (`sin`, `cos`, `tan`, `cot`, `asin`,
//! `acos`, `atan`, `atan2`) and in degrees (`sind`, ..., `atan2d`).
//!
//! The degree variants follow float.c: the argument is reduced to the first quadrant and
//! evaluated with `sin`/`cos` scaled by values computed the same way at run time
//! (`sin(30°)`, `1 − cos(60°)`, ...), so that the special angles give exact results
//! (`sind(30) = 0.5`, `acosd(0.5) = 60`). An infinite argument to a periodic function, or an
//! argument outside [-1, 1] to `asin`/`acos`, is 22003 `input is out of range`.

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::{DataType, FormatContext, Value};

use DataType::Float8;
use Param::T;

const RADIANS_PER_DEGREE: f64 = 0.017_453_292_519_943_295;

fn out_of_range() -> SqlError {
    SqlError::OutOfRange("input is out of range".into())
}

/// `std::hint::black_box` stands in for float.c's `volatile`: the scale constants must be
/// computed by the same libm calls as the values they scale, not folded at compile time.
fn sin_30() -> f64 {
    std::hint::black_box(30.0 * RADIANS_PER_DEGREE).sin()
}

fn one_minus_cos_60() -> f64 {
    1.0 - std::hint::black_box(60.0 * RADIANS_PER_DEGREE).cos()
}

fn sind_0_to_30(x: f64) -> f64 {
    let sin_x = std::hint::black_box((x * RADIANS_PER_DEGREE).sin());
    (sin_x / sin_30()) / 2.0
}

fn cosd_0_to_60(x: f64) -> f64 {
    let one_minus_cos_x = std::hint::black_box(1.0 - (x * RADIANS_PER_DEGREE).cos());
    1.0 - (one_minus_cos_x / one_minus_cos_60()) / 2.0
}

fn sind_q1(x: f64) -> f64 {
    if x <= 30.0 {
        sind_0_to_30(x)
    } else {
        cosd_0_to_60(90.0 - x)
    }
}

fn cosd_q1(x: f64) -> f64 {
    if x <= 60.0 {
        cosd_0_to_60(x)
    } else {
        sind_0_to_30(90.0 - x)
    }
}

fn asind_q1(x: f64) -> f64 {
    if x <= 0.5 {
        (std::hint::black_box(x.asin()) / std::hint::black_box(0.5f64).asin()) * 30.0
    } else {
        90.0 - (std::hint::black_box(x.acos()) / std::hint::black_box(0.5f64).acos()) * 60.0
    }
}

fn acosd_q1(x: f64) -> f64 {
    if x <= 0.5 {
        90.0 - (std::hint::black_box(x.asin()) / std::hint::black_box(0.5f64).asin()) * 30.0
    } else {
        (std::hint::black_box(x.acos()) / std::hint::black_box(0.5f64).acos()) * 60.0
    }
}

fn atan_1_0() -> f64 {
    std::hint::black_box(1.0f64).atan()
}

/// A periodic function's argument: NaN passes through (`None`), infinity is an error.
fn periodic(a: &[Value]) -> Result<Option<f64>> {
    let x = arg::f64(a, 0)?;
    if x.is_nan() {
        return Ok(None);
    }
    if x.is_infinite() {
        return Err(out_of_range());
    }
    Ok(Some(x))
}

fn f8(v: Option<f64>) -> Value {
    Value::Float8(v.unwrap_or(f64::NAN))
}

fn sin(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(f8(periodic(a)?.map(f64::sin)))
}

fn cos(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(f8(periodic(a)?.map(f64::cos)))
}

fn tan(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(f8(periodic(a)?.map(f64::tan)))
}

fn cot(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(f8(periodic(a)?.map(|x| 1.0 / x.tan())))
}

/// An inverse sine/cosine argument: NaN passes through, outside [-1, 1] is an error.
fn unit_arg(a: &[Value]) -> Result<Option<f64>> {
    let x = arg::f64(a, 0)?;
    if x.is_nan() {
        return Ok(None);
    }
    if !(-1.0..=1.0).contains(&x) {
        return Err(out_of_range());
    }
    Ok(Some(x))
}

fn asin(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(f8(unit_arg(a)?.map(f64::asin)))
}

fn acos(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(f8(unit_arg(a)?.map(f64::acos)))
}

fn atan(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Float8(arg::f64(a, 0)?.atan()))
}

fn atan2(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Float8(arg::f64(a, 0)?.atan2(arg::f64(a, 1)?)))
}

/// Reduces degrees to [0, 360) by `fmod`, folding negatives (returns the angle and whether
/// the sign flipped).
fn reduce(x: f64) -> (f64, bool) {
    let x = x % 360.0;
    if x < 0.0 {
        (-x, true)
    } else {
        (x, false)
    }
}

fn sind(a: &[Value], _: &FormatContext) -> Result<Value> {
    let Some(x) = periodic(a)? else {
        return Ok(f8(None));
    };
    let (mut x, mut neg) = reduce(x);
    if x > 180.0 {
        x = 360.0 - x;
        neg = !neg;
    }
    if x > 90.0 {
        x = 180.0 - x;
    }
    let r = sind_q1(x);
    Ok(Value::Float8(if neg { -r } else { r }))
}

fn cosd(a: &[Value], _: &FormatContext) -> Result<Value> {
    let Some(x) = periodic(a)? else {
        return Ok(f8(None));
    };
    let (mut x, _) = reduce(x);
    let mut neg = false;
    if x > 180.0 {
        x = 360.0 - x;
    }
    if x > 90.0 {
        x = 180.0 - x;
        neg = true;
    }
    let r = cosd_q1(x);
    Ok(Value::Float8(if neg { -r } else { r }))
}

/// `tand` and `cotd`: the quadrant-1 ratio scaled by its value at 45°, never minus zero.
fn tand_cotd(a: &[Value], cot: bool) -> Result<Value> {
    let Some(x) = periodic(a)? else {
        return Ok(f8(None));
    };
    let (mut x, mut neg) = reduce(x);
    if x > 180.0 {
        x = 360.0 - x;
        neg = !neg;
    }
    if x > 90.0 {
        x = 180.0 - x;
        neg = !neg;
    }
    let (ratio, at_45) = if cot {
        (cosd_q1(x) / sind_q1(x), cosd_q1(45.0) / sind_q1(45.0))
    } else {
        (sind_q1(x) / cosd_q1(x), sind_q1(45.0) / cosd_q1(45.0))
    };
    let r = ratio / at_45;
    let r = if neg { -r } else { r };
    Ok(Value::Float8(if r == 0.0 { 0.0 } else { r }))
}

fn tand(a: &[Value], _: &FormatContext) -> Result<Value> {
    tand_cotd(a, false)
}

fn cotd(a: &[Value], _: &FormatContext) -> Result<Value> {
    tand_cotd(a, true)
}

fn asind(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(f8(unit_arg(a)?.map(|x| {
        if x >= 0.0 {
            asind_q1(x)
        } else {
            -asind_q1(-x)
        }
    })))
}

fn acosd(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(f8(unit_arg(a)?.map(|x| {
        if x >= 0.0 {
            acosd_q1(x)
        } else {
            90.0 + asind_q1(-x)
        }
    })))
}

fn atand(a: &[Value], _: &FormatContext) -> Result<Value> {
    let x = arg::f64(a, 0)?;
    Ok(Value::Float8(
        (std::hint::black_box(x.atan()) / atan_1_0()) * 45.0,
    ))
}

fn atan2d(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (y, x) = (arg::f64(a, 0)?, arg::f64(a, 1)?);
    Ok(Value::Float8(
        (std::hint::black_box(y.atan2(x)) / atan_1_0()) * 45.0,
    ))
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("sin"(T(Float8)) -> Float8, sin),
    builtin!("cos"(T(Float8)) -> Float8, cos),
    builtin!("tan"(T(Float8)) -> Float8, tan),
    builtin!("cot"(T(Float8)) -> Float8, cot),
    builtin!("asin"(T(Float8)) -> Float8, asin),
    builtin!("acos"(T(Float8)) -> Float8, acos),
    builtin!("atan"(T(Float8)) -> Float8, atan),
    builtin!("atan2"(T(Float8), T(Float8)) -> Float8, atan2),
    builtin!("sind"(T(Float8)) -> Float8, sind),
    builtin!("cosd"(T(Float8)) -> Float8, cosd),
    builtin!("tand"(T(Float8)) -> Float8, tand),
    builtin!("cotd"(T(Float8)) -> Float8, cotd),
    builtin!("asind"(T(Float8)) -> Float8, asind),
    builtin!("acosd"(T(Float8)) -> Float8, acosd),
    builtin!("atand"(T(Float8)) -> Float8, atand),
    builtin!("atan2d"(T(Float8), T(Float8)) -> Float8, atan2d),
];
