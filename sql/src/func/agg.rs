//! Aggregates as accumulators: `count`, `sum`, `avg`, `min`, `max`, `bool_and`, `bool_or`,
//! `string_agg`, `array_agg`.
//!
//! # Partial aggregation
//! Shards each run an [`Accumulator`] over their rows and ship it (it is plain data) to the
//! router, which folds the partials together with [`Accumulator::merge`] and calls
//! [`Accumulator::finish`]. Invariant: for any split of the input rows into parts,
//! `merge` of the parts' accumulators then `finish` equals `finish` over all rows in one
//! accumulator (for `string_agg`/`array_agg`, in the order the parts are merged).
//!
//! Result types are PostgreSQL's: `count` → bigint; `sum(int2|int4)` → bigint, `sum(int8)` →
//! numeric, `sum(float4)` → real; `avg` of integers and numeric → numeric (scale by numeric
//! division), of floats → double precision; `sum`/`avg` of interval → interval.
//! The statistical aggregates (`var_pop`, `var_samp`/`variance`, `stddev_pop`,
//! `stddev_samp`/`stddev`) keep exact count, sum and sum of squares for integers and numeric
//! (`numeric_stddev_internal`; any NaN or infinity gives NaN) and the Youngs-Cramer moments for
//! floats (`float8_accum`/`float8_combine`), so partial states merge as PostgreSQL's do.
//! Left out: DISTINCT and ORDER BY inside aggregates (the executor's job).

use std::cmp::Ordering;

use crate::error::{Result, SqlError};
use crate::types::numeric::Numeric;
use crate::types::ops::eval::{cmp_typed, interval_scale};
use crate::types::{Array, DataType, Interval, Value};

/// The aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    BoolAnd,
    BoolOr,
    StringAgg,
    ArrayAgg,
    VarPop,
    VarSamp,
    StddevPop,
    StddevSamp,
    /// The two-argument `(y, x)` statistics over float8 (`regr_*`, `covar_*`, `corr`).
    Regr(RegrFinal),
}

/// What a two-argument statistical aggregate reports from its moments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegrFinal {
    Count,
    Sxx,
    Syy,
    Sxy,
    AvgX,
    AvgY,
    R2,
    Slope,
    Intercept,
    CovarPop,
    CovarSamp,
    Corr,
}

fn regr_final(name: &str) -> Option<RegrFinal> {
    Some(match name {
        "regr_count" => RegrFinal::Count,
        "regr_sxx" => RegrFinal::Sxx,
        "regr_syy" => RegrFinal::Syy,
        "regr_sxy" => RegrFinal::Sxy,
        "regr_avgx" => RegrFinal::AvgX,
        "regr_avgy" => RegrFinal::AvgY,
        "regr_r2" => RegrFinal::R2,
        "regr_slope" => RegrFinal::Slope,
        "regr_intercept" => RegrFinal::Intercept,
        "covar_pop" => RegrFinal::CovarPop,
        "covar_samp" => RegrFinal::CovarSamp,
        "corr" => RegrFinal::Corr,
        _ => return None,
    })
}

/// A resolved aggregate call: the argument type(s) the binder casts to, and the result type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggSig {
    pub func: AggFunc,
    /// The (first) argument's type; `Unknown` for `count(*)`.
    pub arg: DataType,
    pub result: DataType,
}

fn undefined(name: &str, args: &[DataType]) -> SqlError {
    SqlError::UndefinedFunction {
        signature: super::signature(name, args),
        position: None,
    }
}

/// Whether `name` is an aggregate we know.
pub fn is_aggregate(name: &str) -> bool {
    regr_final(&name.to_ascii_lowercase()).is_some()
        || matches!(
            name.to_ascii_lowercase().as_str(),
            "count"
                | "sum"
                | "avg"
                | "min"
                | "max"
                | "bool_and"
                | "bool_or"
                | "every"
                | "string_agg"
                | "array_agg"
                | "var_pop"
                | "var_samp"
                | "variance"
                | "stddev_pop"
                | "stddev_samp"
                | "stddev"
        )
}

/// Resolves an aggregate call. `count(*)` is `resolve_agg("count", &[])`.
pub fn resolve_agg(name: &str, args: &[DataType]) -> Result<AggSig> {
    use DataType::*;
    let lname = name.to_ascii_lowercase();
    let sig = |func, arg, result| Ok(AggSig { func, arg, result });
    let a = args.first().copied();
    // An unknown literal argument resolves to text where text is accepted.
    let a = a.map(|t| if t == Unknown { Text } else { t });
    match (lname.as_str(), a, args.len()) {
        ("count", None, 0) => sig(AggFunc::CountStar, Unknown, Int8),
        ("count", Some(t), 1) => sig(AggFunc::Count, t, Int8),
        ("sum", Some(t), 1) => match t {
            Int2 | Int4 => sig(AggFunc::Sum, t, Int8),
            Int8 | Numeric => sig(AggFunc::Sum, t, Numeric),
            Float4 | Float8 | Interval => sig(AggFunc::Sum, t, t),
            _ => Err(undefined(&lname, args)),
        },
        ("avg", Some(t), 1) => match t {
            Int2 | Int4 | Int8 | Numeric => sig(AggFunc::Avg, t, Numeric),
            Float4 | Float8 => sig(AggFunc::Avg, t, Float8),
            Interval => sig(AggFunc::Avg, t, Interval),
            _ => Err(undefined(&lname, args)),
        },
        ("min" | "max", Some(t), 1) if t != Json && t != Bool => sig(
            if lname == "min" {
                AggFunc::Min
            } else {
                AggFunc::Max
            },
            if t.is_string() && t != Bpchar {
                Text
            } else {
                t
            },
            if t.is_string() && t != Bpchar {
                Text
            } else {
                t
            },
        ),
        ("bool_and" | "every", Some(Bool), 1) => sig(AggFunc::BoolAnd, Bool, Bool),
        ("bool_or", Some(Bool), 1) => sig(AggFunc::BoolOr, Bool, Bool),
        ("string_agg", Some(t), 2) if t.is_string() => sig(AggFunc::StringAgg, Text, Text),
        ("string_agg", Some(Bytea), 2) => sig(AggFunc::StringAgg, Bytea, Bytea),
        (
            "var_pop" | "var_samp" | "variance" | "stddev_pop" | "stddev_samp" | "stddev",
            Some(t),
            1,
        ) => {
            let func = match lname.as_str() {
                "var_pop" => AggFunc::VarPop,
                "var_samp" | "variance" => AggFunc::VarSamp,
                "stddev_pop" => AggFunc::StddevPop,
                _ => AggFunc::StddevSamp,
            };
            match t {
                Int2 | Int4 | Int8 | Numeric => sig(func, t, Numeric),
                Float4 | Float8 => sig(func, t, Float8),
                _ => Err(undefined(&lname, args)),
            }
        }
        (name, Some(_), 2) if regr_final(name).is_some() => {
            let numeric = |t: &DataType| {
                matches!(t, Int2 | Int4 | Int8 | Float4 | Float8 | Numeric | Unknown)
            };
            if !args.iter().all(numeric) {
                return Err(undefined(&lname, args));
            }
            let kind = regr_final(name).ok_or_else(|| undefined(&lname, args))?;
            let result = if kind == RegrFinal::Count {
                Int8
            } else {
                Float8
            };
            sig(AggFunc::Regr(kind), Float8, result)
        }
        ("array_agg", Some(t), 1) => match t.array_of() {
            Some(arr) => sig(AggFunc::ArrayAgg, t, arr),
            None => Err(undefined(&lname, args)),
        },
        _ => Err(undefined(&lname, args)),
    }
}

/// Running state of one aggregate over one group. Plain data, so partials can cross cores.
#[derive(Debug, Clone, PartialEq)]
pub enum Accumulator {
    Count(i64),
    /// Integer sums kept exactly in i128 (sum(int8) overflows only past numeric's... never).
    SumInt {
        sum: i128,
        count: i64,
    },
    SumNumeric {
        sum: Numeric,
        count: i64,
    },
    SumFloat {
        sum: f64,
        count: i64,
    },
    SumInterval {
        sum: Interval,
        count: i64,
    },
    /// min or max so far.
    Extreme(Option<Value>),
    Bool(Option<bool>),
    StringAgg(Option<Vec<u8>>),
    ArrayAgg(Vec<Value>),
    /// Statistical aggregates over integers and numeric: exact moments; `special` once a NaN
    /// or infinity was seen (counted in `n`).
    Moments {
        n: i64,
        sum: Numeric,
        sumsq: Numeric,
        special: bool,
    },
    /// Statistical aggregates over floats: count, sum and Youngs-Cramer sum of squared
    /// deviations.
    FloatMoments {
        n: f64,
        sx: f64,
        sxx: f64,
    },
    /// `float8_regr_accum`'s moments of `(y, x)` pairs.
    Regr([f64; 6]),
}

impl Accumulator {
    /// The empty state for `sig`.
    pub fn new(sig: &AggSig) -> Accumulator {
        use DataType::*;
        match sig.func {
            AggFunc::CountStar | AggFunc::Count => Accumulator::Count(0),
            AggFunc::Sum | AggFunc::Avg => match sig.arg {
                Int2 | Int4 | Int8 => Accumulator::SumInt { sum: 0, count: 0 },
                Numeric => Accumulator::SumNumeric {
                    sum: crate::types::Numeric::zero(),
                    count: 0,
                },
                Interval => Accumulator::SumInterval {
                    sum: crate::types::Interval::default(),
                    count: 0,
                },
                _ => Accumulator::SumFloat { sum: 0.0, count: 0 },
            },
            AggFunc::Min | AggFunc::Max => Accumulator::Extreme(None),
            AggFunc::BoolAnd | AggFunc::BoolOr => Accumulator::Bool(None),
            AggFunc::StringAgg => Accumulator::StringAgg(None),
            AggFunc::ArrayAgg => Accumulator::ArrayAgg(Vec::new()),
            AggFunc::Regr(_) => Accumulator::Regr([0.0; 6]),
            AggFunc::VarPop | AggFunc::VarSamp | AggFunc::StddevPop | AggFunc::StddevSamp => {
                if sig.result == Float8 {
                    Accumulator::FloatMoments {
                        n: 0.0,
                        sx: 0.0,
                        sxx: 0.0,
                    }
                } else {
                    Accumulator::Moments {
                        n: 0,
                        sum: crate::types::Numeric::zero(),
                        sumsq: crate::types::Numeric::zero(),
                        special: false,
                    }
                }
            }
        }
    }

    /// Feeds one row's arguments (`[]` for `count(*)`; `[value, delimiter]` for `string_agg`).
    /// NULL arguments are skipped, except by `count(*)` and `array_agg`, as in PostgreSQL.
    pub fn update(&mut self, sig: &AggSig, args: &[Value]) -> Result<()> {
        let v = args.first().unwrap_or(&Value::Null);
        if sig.func == AggFunc::CountStar {
            if let Accumulator::Count(n) = self {
                *n += 1;
            }
            return Ok(());
        }
        if v.is_null() && sig.func != AggFunc::ArrayAgg {
            return Ok(());
        }
        if let Accumulator::Regr(t) = self {
            // A NULL in either argument skips the row (strict transition function).
            return match (v, args.get(1)) {
                (_, Some(Value::Null)) => Ok(()),
                (Value::Float8(y), Some(Value::Float8(x))) => regr_accum(t, *y, *x),
                _ => Err(bug(sig)),
            };
        }
        match self {
            Accumulator::Count(n) => *n += 1,
            Accumulator::SumInt { sum, count } => {
                *sum += match v {
                    Value::Int2(x) => i128::from(*x),
                    Value::Int4(x) => i128::from(*x),
                    Value::Int8(x) => i128::from(*x),
                    _ => return Err(bug(sig)),
                };
                *count += 1;
            }
            Accumulator::SumNumeric { sum, count } => {
                let Value::Numeric(x) = v else {
                    return Err(bug(sig));
                };
                *sum = sum.add(x);
                *count += 1;
            }
            Accumulator::SumFloat { sum, count } => {
                let x = match v {
                    Value::Float4(x) => f64::from(*x),
                    Value::Float8(x) => *x,
                    _ => return Err(bug(sig)),
                };
                // sum(real) accumulates in single precision (float4pl); avg(real) in double.
                *sum = if sig.func == AggFunc::Sum && sig.result == DataType::Float4 {
                    f64::from(*sum as f32 + x as f32)
                } else {
                    *sum + x
                };
                *count += 1;
            }
            Accumulator::SumInterval { sum, count } => {
                let Value::Interval(x) = v else {
                    return Err(bug(sig));
                };
                *sum = sum.add(x).ok_or_else(interval_range)?;
                *count += 1;
            }
            Accumulator::Extreme(cur) => {
                let replace = match cur {
                    None => true,
                    Some(c) => {
                        let o = cmp_typed(sig.arg, v, c);
                        if sig.func == AggFunc::Min {
                            o == Ordering::Less
                        } else {
                            o == Ordering::Greater
                        }
                    }
                };
                if replace {
                    *cur = Some(v.clone());
                }
            }
            Accumulator::Bool(cur) => {
                let Value::Bool(b) = v else {
                    return Err(bug(sig));
                };
                *cur = Some(match (sig.func, *cur) {
                    (AggFunc::BoolAnd, Some(c)) => c && *b,
                    (AggFunc::BoolOr, Some(c)) => c || *b,
                    _ => *b,
                });
            }
            Accumulator::StringAgg(cur) => {
                let bytes: &[u8] = match v {
                    Value::Text(s) => s.as_bytes(),
                    Value::Bytea(b) => b,
                    _ => return Err(bug(sig)),
                };
                match cur {
                    None => *cur = Some(bytes.to_vec()),
                    Some(buf) => {
                        match args.get(1) {
                            Some(Value::Text(d)) => buf.extend_from_slice(d.as_bytes()),
                            Some(Value::Bytea(d)) => buf.extend_from_slice(d),
                            _ => {}
                        }
                        buf.extend_from_slice(bytes);
                    }
                }
            }
            Accumulator::ArrayAgg(items) => items.push(v.clone()),
            // Handled above.
            Accumulator::Regr(_) => return Err(bug(sig)),
            Accumulator::Moments {
                n,
                sum,
                sumsq,
                special,
            } => {
                let x = match v {
                    Value::Int2(x) => Numeric::from_i128(i128::from(*x)),
                    Value::Int4(x) => Numeric::from_i128(i128::from(*x)),
                    Value::Int8(x) => Numeric::from_i128(i128::from(*x)),
                    Value::Numeric(x) => x.clone(),
                    _ => return Err(bug(sig)),
                };
                *n += 1;
                if matches!(x, Numeric::Finite { .. }) {
                    *sumsq = sumsq.add(&x.mul(&x));
                    *sum = sum.add(&x);
                } else {
                    *special = true;
                }
            }
            Accumulator::FloatMoments { n, sx, sxx } => {
                let x = match v {
                    Value::Float4(x) => f64::from(*x),
                    Value::Float8(x) => *x,
                    _ => return Err(bug(sig)),
                };
                // float8_accum.
                let old_n = *n;
                let old_sx = *sx;
                *n += 1.0;
                *sx += x;
                if old_n > 0.0 {
                    let tmp = x * *n - *sx;
                    *sxx += tmp * tmp / (*n * old_n);
                    if sx.is_infinite() || sxx.is_infinite() {
                        if !old_sx.is_infinite() && !x.is_infinite() {
                            return Err(float_overflow());
                        }
                        *sxx = f64::NAN;
                    }
                } else if x.is_nan() || x.is_infinite() {
                    *sxx = f64::NAN;
                }
            }
        }
        Ok(())
    }

    /// Folds another partial state of the same aggregate into this one. For `string_agg`, the
    /// delimiter between the two parts is `delimiter` (the call's constant second argument).
    pub fn merge(
        &mut self,
        sig: &AggSig,
        other: Accumulator,
        delimiter: Option<&Value>,
    ) -> Result<()> {
        match (self, other) {
            (Accumulator::Count(a), Accumulator::Count(b)) => *a += b,
            (Accumulator::SumInt { sum, count }, Accumulator::SumInt { sum: s, count: c }) => {
                *sum += s;
                *count += c;
            }
            (
                Accumulator::SumNumeric { sum, count },
                Accumulator::SumNumeric { sum: s, count: c },
            ) => {
                *sum = sum.add(&s);
                *count += c;
            }
            (Accumulator::SumFloat { sum, count }, Accumulator::SumFloat { sum: s, count: c }) => {
                *sum = if sig.func == AggFunc::Sum && sig.result == DataType::Float4 {
                    f64::from(*sum as f32 + s as f32)
                } else {
                    *sum + s
                };
                *count += c;
            }
            (
                Accumulator::SumInterval { sum, count },
                Accumulator::SumInterval { sum: s, count: c },
            ) => {
                *sum = sum.add(&s).ok_or_else(interval_range)?;
                *count += c;
            }
            (me @ Accumulator::Extreme(_), Accumulator::Extreme(Some(v))) => {
                me.update(sig, &[v])?;
            }
            (Accumulator::Extreme(_), Accumulator::Extreme(None)) => {}
            (me @ Accumulator::Bool(_), Accumulator::Bool(Some(b))) => {
                me.update(sig, &[Value::Bool(b)])?;
            }
            (Accumulator::Bool(_), Accumulator::Bool(None)) => {}
            (Accumulator::StringAgg(cur), Accumulator::StringAgg(Some(more))) => match cur {
                None => *cur = Some(more),
                Some(buf) => {
                    match delimiter {
                        Some(Value::Text(d)) => buf.extend_from_slice(d.as_bytes()),
                        Some(Value::Bytea(d)) => buf.extend_from_slice(d),
                        _ => {}
                    }
                    buf.extend_from_slice(&more);
                }
            },
            (Accumulator::StringAgg(_), Accumulator::StringAgg(None)) => {}
            (Accumulator::ArrayAgg(items), Accumulator::ArrayAgg(more)) => items.extend(more),
            (
                Accumulator::Moments {
                    n,
                    sum,
                    sumsq,
                    special,
                },
                Accumulator::Moments {
                    n: n2,
                    sum: s2,
                    sumsq: q2,
                    special: sp2,
                },
            ) => {
                *n += n2;
                *sum = sum.add(&s2);
                *sumsq = sumsq.add(&q2);
                *special |= sp2;
            }
            (Accumulator::Regr(a), Accumulator::Regr(b)) => regr_combine(a, &b)?,
            (
                Accumulator::FloatMoments { n, sx, sxx },
                Accumulator::FloatMoments {
                    n: n2,
                    sx: sx2,
                    sxx: sxx2,
                },
            ) => {
                // float8_combine.
                if *n == 0.0 {
                    (*n, *sx, *sxx) = (n2, sx2, sxx2);
                } else if n2 != 0.0 {
                    let (n1, sx1, sxx1) = (*n, *sx, *sxx);
                    *n = n1 + n2;
                    *sx = sx1 + sx2;
                    if sx.is_infinite() && sx1.is_finite() && sx2.is_finite() {
                        return Err(float_overflow());
                    }
                    let tmp = sx1 / n1 - sx2 / n2;
                    *sxx = sxx1 + sxx2 + n1 * n2 * tmp * tmp / *n;
                    if sxx.is_infinite() && sxx1.is_finite() && sxx2.is_finite() {
                        return Err(float_overflow());
                    }
                }
            }
            _ => return Err(bug(sig)),
        }
        Ok(())
    }

    /// The aggregate's value (NULL over no rows, except `count`).
    pub fn finish(self, sig: &AggSig) -> Result<Value> {
        Ok(match self {
            Accumulator::Count(n) => Value::Int8(n),
            Accumulator::SumInt { count: 0, .. }
            | Accumulator::SumNumeric { count: 0, .. }
            | Accumulator::SumFloat { count: 0, .. }
            | Accumulator::SumInterval { count: 0, .. } => Value::Null,
            Accumulator::SumInt { sum, count } => match (sig.func, sig.result) {
                (AggFunc::Sum, DataType::Int8) => Value::Int8(
                    i64::try_from(sum)
                        .map_err(|_| SqlError::OutOfRange("bigint out of range".into()))?,
                ),
                (AggFunc::Sum, _) => Value::Numeric(Numeric::from_i128(sum)),
                _ => Value::Numeric(
                    Numeric::from_i128(sum).div(&Numeric::from_i128(i128::from(count)))?,
                ),
            },
            Accumulator::SumNumeric { sum, count } => Value::Numeric(match sig.func {
                AggFunc::Sum => sum,
                _ => sum.div(&Numeric::from_i128(i128::from(count)))?,
            }),
            Accumulator::SumFloat { sum, count } => match (sig.func, sig.result) {
                (AggFunc::Sum, DataType::Float4) => Value::Float4(sum as f32),
                (AggFunc::Sum, _) => Value::Float8(sum),
                _ => Value::Float8(sum / count as f64),
            },
            Accumulator::SumInterval { sum, count } => Value::Interval(match sig.func {
                AggFunc::Sum => sum,
                _ => interval_scale(&sum, count as f64, true)?,
            }),
            Accumulator::Extreme(v) => v.unwrap_or(Value::Null),
            Accumulator::Bool(b) => b.map_or(Value::Null, Value::Bool),
            Accumulator::StringAgg(None) => Value::Null,
            Accumulator::StringAgg(Some(buf)) => {
                if sig.result == DataType::Bytea {
                    Value::Bytea(buf)
                } else {
                    Value::Text(String::from_utf8_lossy(&buf).into_owned())
                }
            }
            Accumulator::ArrayAgg(items) if items.is_empty() => Value::Null,
            Accumulator::ArrayAgg(items) => {
                Value::Array(Box::new(Array::from_items(sig.arg, items)))
            }
            Accumulator::Moments {
                n,
                sum,
                sumsq,
                special,
            } => numeric_stddev(sig.func, n, &sum, &sumsq, special)?,
            Accumulator::Regr(t) => regr_finish(sig.func, &t),
            Accumulator::FloatMoments { n, sxx, .. } => {
                let sample = matches!(sig.func, AggFunc::VarSamp | AggFunc::StddevSamp);
                if n == 0.0 || (sample && n <= 1.0) {
                    return Ok(Value::Null);
                }
                let var = sxx.max(0.0) / if sample { n - 1.0 } else { n };
                let var = if sxx.is_nan() { f64::NAN } else { var };
                Value::Float8(match sig.func {
                    AggFunc::StddevPop | AggFunc::StddevSamp => var.sqrt(),
                    _ => var,
                })
            }
        })
    }
}

/// `numeric_stddev_internal`: `(N·Σx² − (Σx)²) / (N·(N−1))` (or `N²`), square-rooted for the
/// standard deviations, at `select_div_scale`'s scale.
fn numeric_stddev(
    func: AggFunc,
    n: i64,
    sum: &Numeric,
    sumsq: &Numeric,
    special: bool,
) -> Result<Value> {
    let sample = matches!(func, AggFunc::VarSamp | AggFunc::StddevSamp);
    if n == 0 || (sample && n <= 1) {
        return Ok(Value::Null);
    }
    if special {
        return Ok(Value::Numeric(Numeric::NaN));
    }
    let rscale = (sum.scale() * 2) as i32;
    let vn = Numeric::from_i128(i128::from(n));
    let num = vn.mul(sumsq).round(rscale).sub(&sum.mul(sum).round(rscale));
    if num.signum() <= 0 {
        return Ok(Value::Numeric(Numeric::zero()));
    }
    let den = if sample {
        vn.mul(&Numeric::from_i128(i128::from(n) - 1))
    } else {
        vn.mul(&vn)
    };
    let scale = num.div_scale(&den);
    let var = num.div_to_scale(&den, scale, true)?;
    Ok(Value::Numeric(match func {
        AggFunc::StddevPop | AggFunc::StddevSamp => var.sqrt_rounded(scale),
        _ => var,
    }))
}

/// `float8_regr_accum` (Youngs-Cramer) over `[N, Sx, Sxx, Sy, Syy, Sxy]`.
fn regr_accum(t: &mut [f64; 6], y: f64, x: f64) -> Result<()> {
    let [n0, sx0, _, sy0, _, _] = *t;
    let [n, sx, sxx, sy, syy, sxy] = t;
    *n += 1.0;
    *sx += x;
    *sy += y;
    if n0 > 0.0 {
        let tx = x * *n - *sx;
        let ty = y * *n - *sy;
        let scale = 1.0 / (*n * n0);
        *sxx += tx * tx * scale;
        *syy += ty * ty * scale;
        *sxy += tx * ty * scale;
        if sx.is_infinite() || sxx.is_infinite() {
            if !sx0.is_infinite() && !x.is_infinite() {
                return Err(float_overflow());
            }
            *sxx = f64::NAN;
        }
        if sy.is_infinite() || syy.is_infinite() {
            if !sy0.is_infinite() && !y.is_infinite() {
                return Err(float_overflow());
            }
            *syy = f64::NAN;
        }
        if sxy.is_infinite() {
            if !sx0.is_infinite() && !x.is_infinite() && !sy0.is_infinite() && !y.is_infinite() {
                return Err(float_overflow());
            }
            *sxy = f64::NAN;
        }
    } else {
        if !x.is_finite() {
            *sxx = f64::NAN;
            *sxy = f64::NAN;
        }
        if !y.is_finite() {
            *syy = f64::NAN;
            *sxy = f64::NAN;
        }
    }
    Ok(())
}

/// `float8_regr_combine`.
fn regr_combine(a: &mut [f64; 6], b: &[f64; 6]) -> Result<()> {
    let [n1, sx1, sxx1, sy1, syy1, sxy1] = *a;
    let [n2, sx2, sxx2, sy2, syy2, sxy2] = *b;
    if n1 == 0.0 {
        *a = *b;
        return Ok(());
    }
    if n2 == 0.0 {
        return Ok(());
    }
    let n = n1 + n2;
    let checked = |v: f64, p: f64, q: f64| {
        if v.is_infinite() && p.is_finite() && q.is_finite() {
            Err(float_overflow())
        } else {
            Ok(v)
        }
    };
    let sx = checked(sx1 + sx2, sx1, sx2)?;
    let t1 = sx1 / n1 - sx2 / n2;
    let sxx = checked(sxx1 + sxx2 + n1 * n2 * t1 * t1 / n, sxx1, sxx2)?;
    let sy = checked(sy1 + sy2, sy1, sy2)?;
    let t2 = sy1 / n1 - sy2 / n2;
    let syy = checked(syy1 + syy2 + n1 * n2 * t2 * t2 / n, syy1, syy2)?;
    let sxy = checked(sxy1 + sxy2 + n1 * n2 * t1 * t2 / n, sxy1, sxy2)?;
    *a = [n, sx, sxx, sy, syy, sxy];
    Ok(())
}

/// The final functions of the `(y, x)` aggregates (`float8_regr_sxx`, `float8_corr`, ...).
fn regr_finish(func: AggFunc, t: &[f64; 6]) -> Value {
    let [n, sx, sxx, sy, syy, sxy] = *t;
    let AggFunc::Regr(kind) = func else {
        return Value::Null;
    };
    if kind == RegrFinal::Count {
        return Value::Int8(n as i64);
    }
    let min_n = if kind == RegrFinal::CovarSamp {
        2.0
    } else {
        1.0
    };
    if n < min_n {
        return Value::Null;
    }
    let v = match kind {
        RegrFinal::Sxx => sxx,
        RegrFinal::Syy => syy,
        RegrFinal::Sxy => sxy,
        RegrFinal::AvgX => sx / n,
        RegrFinal::AvgY => sy / n,
        RegrFinal::CovarPop => sxy / n,
        RegrFinal::CovarSamp => sxy / (n - 1.0),
        RegrFinal::Corr if sxx == 0.0 || syy == 0.0 => return Value::Null,
        RegrFinal::Corr => sxy / (sxx * syy).sqrt(),
        RegrFinal::R2 if sxx == 0.0 => return Value::Null,
        RegrFinal::R2 if syy == 0.0 => 1.0,
        RegrFinal::R2 => (sxy * sxy) / (sxx * syy),
        RegrFinal::Slope if sxx == 0.0 => return Value::Null,
        RegrFinal::Slope => sxy / sxx,
        RegrFinal::Intercept if sxx == 0.0 => return Value::Null,
        RegrFinal::Intercept => (sy - sx * sxy / sxx) / n,
        RegrFinal::Count => n,
    };
    Value::Float8(v)
}

fn float_overflow() -> SqlError {
    SqlError::OutOfRange("value out of range: overflow".into())
}

fn bug(sig: &AggSig) -> SqlError {
    SqlError::Internal(format!(
        "aggregate {:?} got a value of the wrong type",
        sig.func
    ))
}

fn interval_range() -> SqlError {
    SqlError::DatetimeFieldOverflow("interval out of range".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, ty: DataType, rows: &[Value]) -> Value {
        let sig = resolve_agg(name, &[ty]).expect("aggregate");
        // Split in two partials and merge, to exercise the shard/router path.
        let (a, b) = rows.split_at(rows.len() / 2);
        let mut acc = Accumulator::new(&sig);
        for v in a {
            acc.update(&sig, std::slice::from_ref(v)).expect("update");
        }
        let mut other = Accumulator::new(&sig);
        for v in b {
            other.update(&sig, std::slice::from_ref(v)).expect("update");
        }
        acc.merge(&sig, other, None).expect("merge");
        acc.finish(&sig).expect("finish")
    }

    #[test]
    fn results_match_postgres() {
        // SELECT agg(x) FROM (VALUES ...) in PostgreSQL 15.
        let ints: Vec<Value> = [1, 2, 4, 0].iter().map(|x| Value::Int4(*x)).collect();
        let mut with_null = ints.clone();
        with_null.push(Value::Null);
        assert_eq!(run("sum", DataType::Int4, &with_null), Value::Int8(7));
        assert_eq!(run("count", DataType::Int4, &with_null), Value::Int8(4));
        assert_eq!(
            run("avg", DataType::Int4, &ints).to_text().expect("avg"),
            "1.7500000000000000"
        );
        assert_eq!(run("max", DataType::Int4, &with_null), Value::Int4(4));
        assert_eq!(run("min", DataType::Int4, &with_null), Value::Int4(0));
        assert_eq!(run("sum", DataType::Int4, &[]), Value::Null);
        assert_eq!(
            resolve_agg("sum", &[DataType::Int8]).expect("sum").result,
            DataType::Numeric
        );
        assert_eq!(
            resolve_agg("avg", &[DataType::Float4]).expect("avg").result,
            DataType::Float8
        );
        let e = resolve_agg("sum", &[DataType::Text]).expect_err("no sum(text)");
        assert_eq!(e.to_string(), "function sum(text) does not exist");
        // sum(real) adds in single precision; avg(real) in double (PostgreSQL 15).
        let reals: Vec<Value> = [0.1f32, 0.2, 0.3, 1e7, 0.7]
            .iter()
            .map(|x| Value::Float4(*x))
            .collect();
        // (Sequentially: float addition is not associative, so partials may differ in the last
        // bit, as with PostgreSQL's own parallel aggregation.)
        let sig = resolve_agg("sum", &[DataType::Float4]).expect("sum");
        let mut acc = Accumulator::new(&sig);
        for v in &reals {
            acc.update(&sig, std::slice::from_ref(v)).expect("update");
        }
        assert_eq!(
            acc.finish(&sig).expect("sum").to_text().expect("text"),
            "1.0000002e+07"
        );
        assert_eq!(
            run("avg", DataType::Float4, &reals).to_text().expect("avg"),
            "2000000.260000001"
        );
        let ivs: Vec<Value> = ["1 day", "1 hour", "1 mon"]
            .iter()
            .map(|s| Value::parse_text(DataType::Interval, s).expect("interval"))
            .collect();
        assert_eq!(
            run("avg", DataType::Interval, &ivs).to_text().expect("avg"),
            "10 days 08:20:00"
        );
        let floats: Vec<Value> = [1.5, f64::NAN, 2.0]
            .iter()
            .map(|x| Value::Float8(*x))
            .collect();
        assert!(matches!(run("max", DataType::Float8, &floats), Value::Float8(x) if x.is_nan()));
        assert_eq!(
            run("array_agg", DataType::Int4, &with_null)
                .to_text()
                .expect("array"),
            "{1,2,4,0,NULL}"
        );
        let sig = resolve_agg("count", &[]).expect("count(*)");
        let mut acc = Accumulator::new(&sig);
        acc.update(&sig, &[]).expect("row");
        acc.update(&sig, &[]).expect("row");
        assert_eq!(acc.finish(&sig), Ok(Value::Int8(2)));
        let sig = resolve_agg("string_agg", &[DataType::Text, DataType::Text]).expect("sa");
        let mut a = Accumulator::new(&sig);
        let comma = Value::Text(",".into());
        a.update(&sig, &[Value::Text("a".into()), comma.clone()])
            .expect("row");
        let mut b = Accumulator::new(&sig);
        b.update(&sig, &[Value::Text("b".into()), comma.clone()])
            .expect("row");
        b.update(&sig, &[Value::Text("c".into()), comma.clone()])
            .expect("row");
        a.merge(&sig, b, Some(&comma)).expect("merge");
        assert_eq!(a.finish(&sig), Ok(Value::Text("a,b,c".into())));
    }
}

#[cfg(test)]
mod stats_tests {
    use super::*;

    fn run(name: &str, ty: DataType, rows: &[Value]) -> String {
        let sig = resolve_agg(name, &[ty]).expect("aggregate");
        let (a, b) = rows.split_at(rows.len() / 2);
        let mut acc = Accumulator::new(&sig);
        for v in a {
            acc.update(&sig, std::slice::from_ref(v)).expect("update");
        }
        let mut other = Accumulator::new(&sig);
        for v in b {
            other.update(&sig, std::slice::from_ref(v)).expect("update");
        }
        acc.merge(&sig, other, None).expect("merge");
        acc.finish(&sig)
            .expect("finish")
            .to_text()
            .unwrap_or_else(|| "NULL".into())
    }

    #[test]
    fn statistical_aggregates_match_postgres() {
        // SELECT f(x) FROM (VALUES (1),(2),(4),(0)) v(x) in PostgreSQL 15.18.
        let ints: Vec<Value> = [1, 2, 4, 0].iter().map(|x| Value::Int4(*x)).collect();
        assert_eq!(run("var_pop", DataType::Int4, &ints), "2.1875000000000000");
        assert_eq!(run("var_samp", DataType::Int4, &ints), "2.9166666666666667");
        assert_eq!(
            run("stddev_pop", DataType::Int4, &ints),
            "1.4790199457749040"
        );
        assert_eq!(run("stddev", DataType::Int4, &ints), "1.7078251276599331");
        let floats: Vec<Value> = [1.0, 2.0, 4.0, 0.0]
            .iter()
            .map(|x| Value::Float8(*x))
            .collect();
        assert_eq!(run("var_pop", DataType::Float8, &floats), "2.1875");
        assert_eq!(
            run("stddev", DataType::Float8, &floats),
            "1.707825127659933"
        );
        let with_nan = [
            Value::Numeric(Numeric::parse("1.5").expect("1.5")),
            Value::Numeric(Numeric::NaN),
        ];
        assert_eq!(run("variance", DataType::Numeric, &with_nan), "NaN");
        assert_eq!(run("var_samp", DataType::Int4, &[Value::Int4(3)]), "NULL");
        assert_eq!(
            resolve_agg("stddev", &[DataType::Float4])
                .expect("f4")
                .result,
            DataType::Float8
        );
    }
}

#[cfg(test)]
mod regr_tests {
    use super::*;

    #[test]
    fn two_argument_statistics_match_postgres() {
        // (y, x) = (150,10),(250,20),(350,30),(540,80),(200,100); PostgreSQL 15.18.
        let rows = [
            (150.0, 10.0),
            (250.0, 20.0),
            (350.0, 30.0),
            (540.0, 80.0),
            (200.0, 100.0),
        ];
        let run = |name: &str| {
            let sig = resolve_agg(name, &[DataType::Float8, DataType::Float8]).expect(name);
            let mut a = Accumulator::new(&sig);
            let b = Accumulator::new(&sig);
            // Sequential, as PostgreSQL's serial plan adds them (a split may differ in the
            // last bits); the empty partial exercises float8_regr_combine's shortcut.
            for (y, x) in rows {
                a.update(&sig, &[Value::Float8(y), Value::Float8(x)])
                    .expect("update");
            }
            a.merge(&sig, b, None).expect("merge");
            a.finish(&sig)
                .expect("finish")
                .to_text()
                .unwrap_or_default()
        };
        assert_eq!(run("regr_count"), "5");
        assert_eq!(run("regr_avgx"), "48");
        assert_eq!(run("covar_pop"), "1736");
        assert_eq!(run("covar_samp"), "2170");
        assert_eq!(run("corr"), "0.3552182879606517");
        assert_eq!(run("regr_slope"), "1.3821656050955413");
        assert_eq!(
            resolve_agg("corr", &[DataType::Text, DataType::Int4])
                .expect_err("text")
                .to_string(),
            "function corr(text, integer) does not exist"
        );
    }
}
