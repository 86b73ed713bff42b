//! Aggregates as accumulators: `count`, `sum`, `avg`, `min`, `max`, `bool_and`, `bool_or`,
//! `every`, `bit_and`, `bit_or`, `string_agg`, `array_agg`, `json(b)_agg`,
//! `json(b)_object_agg`, and the statistical aggregates (`var_*`, `stddev_*`, `covar_*`, `corr`,
//! `regr_*`; their state and math in `stats`).
//!
//! The json aggregates take their arguments already converted to json/jsonb (the binder wraps
//! them in `Node::ToJson`, `bind::json`) and keep them, like `array_agg`, as a list of values
//! (key, value, key, value, ... for the object aggregates), so partial states merge by
//! concatenation.
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
//! Left out: DISTINCT and ORDER BY inside aggregates (the executor's job), `bit_and`/`bit_or` of
//! bit strings.

use std::cmp::Ordering;

use crate::error::{Result, SqlError};
use crate::types::numeric::Numeric;
use crate::types::ops::eval::{cmp_typed, interval_scale};
use crate::types::{Array, DataType, Interval, Value};

use super::ordered_set::{OrderedSetFunc, OrderedSetState};
use super::stats::{Moments, NumMoments, Regr, StatFunc};

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
    BitAnd,
    BitOr,
    /// Variance, standard deviation, covariance, correlation, regression (`stats`).
    Stat(StatFunc),
    /// `json_agg`/`jsonb_agg`; `newline`: the input is an array, which json_agg puts on lines
    /// of their own (`[[1], \n [2]]`).
    JsonAgg {
        jsonb: bool,
        newline: bool,
    },
    /// `json_object_agg`/`jsonb_object_agg`.
    JsonObjectAgg {
        jsonb: bool,
    },
    /// `f(direct) WITHIN GROUP (ORDER BY ...)` (`ordered_set`).
    OrderedSet(OrderedSetFunc),
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
    matches!(
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
            | "bit_and"
            | "bit_or"
            | "json_agg"
            | "jsonb_agg"
            | "json_object_agg"
            | "jsonb_object_agg"
    ) || StatFunc::by_name(&name.to_ascii_lowercase()).is_some()
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
        ("bit_and" | "bit_or", Some(t @ (Int2 | Int4 | Int8)), 1) => sig(
            if lname == "bit_and" {
                AggFunc::BitAnd
            } else {
                AggFunc::BitOr
            },
            t,
            t,
        ),
        (name, Some(t), n) if StatFunc::by_name(name).is_some() => {
            let f = StatFunc::by_name(name).expect("invariant: checked by the guard");
            let numeric = |t: DataType| matches!(t, Int2 | Int4 | Int8 | Numeric | Float4 | Float8);
            if f.binary() {
                if n != 2 || !args.iter().all(|&t| numeric(t) || t == Unknown) {
                    return Err(undefined(&lname, args));
                }
                let result = if f == StatFunc::RegrCount {
                    Int8
                } else {
                    Float8
                };
                sig(AggFunc::Stat(f), Float8, result)
            } else {
                match (t, n) {
                    (Int2 | Int4 | Int8 | Numeric, 1) => sig(AggFunc::Stat(f), t, Numeric),
                    (Float4 | Float8, 1) => sig(AggFunc::Stat(f), t, Float8),
                    (Text, 1) if args[0] == Unknown => sig(AggFunc::Stat(f), Float8, Float8),
                    _ => Err(undefined(&lname, args)),
                }
            }
        }
        ("string_agg", Some(t), 2) if t.is_string() => sig(AggFunc::StringAgg, Text, Text),
        ("string_agg", Some(Bytea), 2) => sig(AggFunc::StringAgg, Bytea, Bytea),
        ("json_agg" | "jsonb_agg", Some(t), 1) => {
            let jsonb = lname == "jsonb_agg";
            let ty = if jsonb { Jsonb } else { Json };
            sig(
                AggFunc::JsonAgg {
                    jsonb,
                    newline: t.elem().is_some(),
                },
                ty,
                ty,
            )
        }
        ("json_object_agg" | "jsonb_object_agg", Some(_), 2) => {
            let jsonb = lname == "jsonb_object_agg";
            let ty = if jsonb { Jsonb } else { Json };
            sig(AggFunc::JsonObjectAgg { jsonb }, ty, ty)
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
    /// bit_and / bit_or so far.
    Bits(Option<Value>),
    Moments(Moments),
    NumMoments(NumMoments),
    Regr(Regr),
    /// Never partial: ordered calls run at the router only.
    OrderedSet(OrderedSetState),
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
            AggFunc::ArrayAgg | AggFunc::JsonAgg { .. } | AggFunc::JsonObjectAgg { .. } => {
                Accumulator::ArrayAgg(Vec::new())
            }
            AggFunc::BitAnd | AggFunc::BitOr => Accumulator::Bits(None),
            AggFunc::OrderedSet(_) => Accumulator::OrderedSet(OrderedSetState::default()),
            AggFunc::Stat(f) if f.binary() => Accumulator::Regr(Regr::default()),
            AggFunc::Stat(_) => match sig.arg {
                Float4 | Float8 => Accumulator::Moments(Moments::default()),
                _ => Accumulator::NumMoments(NumMoments::default()),
            },
        }
    }

    /// Feeds one row's arguments (`[]` for `count(*)`; `[value, delimiter]` for `string_agg`).
    /// NULL arguments are skipped, except by `count(*)` and `array_agg`, as in PostgreSQL.
    pub fn update(&mut self, sig: &AggSig, args: &[Value]) -> Result<()> {
        if let (Accumulator::OrderedSet(st), AggFunc::OrderedSet(f)) = (&mut *self, sig.func) {
            st.update(f, args);
            return Ok(());
        }
        let v = args.first().unwrap_or(&Value::Null);
        if sig.func == AggFunc::CountStar {
            if let Accumulator::Count(n) = self {
                *n += 1;
            }
            return Ok(());
        }
        if let AggFunc::JsonObjectAgg { .. } = sig.func {
            if v.is_null() {
                return Err(SqlError::InvalidParameterValue(
                    "field name must not be null".into(),
                ));
            }
            if let Accumulator::ArrayAgg(items) = self {
                items.push(v.clone());
                items.push(args.get(1).cloned().unwrap_or(Value::Null));
            }
            return Ok(());
        }
        if v.is_null() && !matches!(sig.func, AggFunc::ArrayAgg | AggFunc::JsonAgg { .. }) {
            return Ok(());
        }
        match self {
            Accumulator::Count(n) => *n += 1,
            Accumulator::Bits(cur) => {
                *cur = Some(match (cur.take(), v) {
                    (None, v) => v.clone(),
                    (Some(Value::Int2(a)), Value::Int2(b)) => {
                        Value::Int2(if sig.func == AggFunc::BitAnd {
                            a & b
                        } else {
                            a | b
                        })
                    }
                    (Some(Value::Int4(a)), Value::Int4(b)) => {
                        Value::Int4(if sig.func == AggFunc::BitAnd {
                            a & b
                        } else {
                            a | b
                        })
                    }
                    (Some(Value::Int8(a)), Value::Int8(b)) => {
                        Value::Int8(if sig.func == AggFunc::BitAnd {
                            a & b
                        } else {
                            a | b
                        })
                    }
                    _ => return Err(bug(sig)),
                });
            }
            Accumulator::Moments(m) => m.update(float_of(v).ok_or_else(|| bug(sig))?)?,
            Accumulator::NumMoments(m) => m.update(&numeric_of(v).ok_or_else(|| bug(sig))?),
            Accumulator::Regr(r) => {
                let x = args.get(1).unwrap_or(&Value::Null);
                if x.is_null() {
                    return Ok(());
                }
                r.update(
                    float_of(v).ok_or_else(|| bug(sig))?,
                    float_of(x).ok_or_else(|| bug(sig))?,
                )?;
            }
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
            Accumulator::OrderedSet(_) => return Err(bug(sig)),
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
            (me @ Accumulator::Bits(_), Accumulator::Bits(Some(v))) => me.update(sig, &[v])?,
            (Accumulator::Bits(_), Accumulator::Bits(None)) => {}
            (Accumulator::Moments(a), Accumulator::Moments(b)) => a.merge(b),
            (Accumulator::NumMoments(a), Accumulator::NumMoments(b)) => a.merge(b),
            (Accumulator::Regr(a), Accumulator::Regr(b)) => a.merge(b),
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
            Accumulator::Bits(v) => v.unwrap_or(Value::Null),
            Accumulator::Moments(m) => match sig.func {
                AggFunc::Stat(f) => m.finish(f),
                _ => return Err(bug(sig)),
            },
            Accumulator::NumMoments(m) => match sig.func {
                AggFunc::Stat(f) => m.finish(f)?,
                _ => return Err(bug(sig)),
            },
            Accumulator::Regr(r) => match sig.func {
                AggFunc::Stat(f) => r.finish(f),
                _ => return Err(bug(sig)),
            },
            Accumulator::ArrayAgg(items) if items.is_empty() => Value::Null,
            Accumulator::ArrayAgg(items) if sig.func != AggFunc::ArrayAgg => {
                super::json::finish_agg(sig.func, items)?
            }
            Accumulator::ArrayAgg(items) => {
                Value::Array(Box::new(Array::from_items(sig.arg, items)))
            }
            Accumulator::OrderedSet(st) => match sig.func {
                AggFunc::OrderedSet(f) => st.finish(f, sig.result)?,
                _ => return Err(bug(sig)),
            },
        })
    }
}

fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Float4(x) => Some(f64::from(*x)),
        Value::Float8(x) => Some(*x),
        _ => None,
    }
}

fn numeric_of(v: &Value) -> Option<Numeric> {
    match v {
        Value::Int2(x) => Some(Numeric::from_i128(i128::from(*x))),
        Value::Int4(x) => Some(Numeric::from_i128(i128::from(*x))),
        Value::Int8(x) => Some(Numeric::from_i128(i128::from(*x))),
        Value::Numeric(n) => Some(Numeric::clone(n)),
        _ => None,
    }
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
