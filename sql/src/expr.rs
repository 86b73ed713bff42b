//! Typed scalar expressions and their evaluation.
//!
//! Expressions are bound (types resolved) before they run, so evaluation never guesses a type:
//! an operator's operands have already been given a common type by the binder.

use crate::error::{Result, SqlError};
use crate::types::{DataType, Value};

/// Arithmetic, comparison, boolean and string operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
}

/// A bound expression. Every node knows its result type.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Const(Value, DataType),
    /// 0-based parameter index (`$1` is 0).
    Param(usize, DataType),
    /// A column of the input row, by position.
    Column(usize, DataType),
    Cast(Box<Expr>, DataType),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
        ty: DataType,
    },
}

impl Expr {
    /// The expression's result type.
    pub fn data_type(&self) -> DataType {
        match self {
            Expr::Const(_, t) | Expr::Param(_, t) | Expr::Column(_, t) | Expr::Cast(_, t) => *t,
            Expr::Neg(e) => e.data_type(),
            Expr::Not(_) | Expr::IsNull { .. } => DataType::Bool,
            Expr::Binary { ty, .. } => *ty,
        }
    }

    /// Evaluates an expression that references no columns against bound parameter values.
    pub fn eval(&self, params: &[Value]) -> Result<Value> {
        self.eval_row(&[], params)
    }

    /// Evaluates against one input row and the bound parameter values (already converted to the
    /// parameters' types).
    pub fn eval_row(&self, row: &[Value], params: &[Value]) -> Result<Value> {
        match self {
            Expr::Const(v, _) => Ok(v.clone()),
            Expr::Param(i, _) => params
                .get(*i)
                .cloned()
                .ok_or(SqlError::UndefinedParameter(i + 1)),
            Expr::Column(i, _) => row
                .get(*i)
                .cloned()
                .ok_or_else(|| SqlError::Internal(format!("column {i} is outside the input row"))),
            Expr::Cast(e, ty) => cast(e.eval_row(row, params)?, e.data_type(), *ty),
            Expr::Neg(e) => neg(e.eval_row(row, params)?),
            Expr::Not(e) => Ok(match e.eval_row(row, params)? {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Null,
            }),
            Expr::IsNull { expr, negated } => Ok(Value::Bool(
                (expr.eval_row(row, params)? == Value::Null) != *negated,
            )),
            Expr::Binary {
                op,
                left,
                right,
                ty,
            } => {
                let (l, r) = (left.eval_row(row, params)?, right.eval_row(row, params)?);
                binary(*op, l, r, left.data_type(), *ty)
            }
        }
    }
}

/// Casts between the basic types as PostgreSQL's cast functions do (via text where PostgreSQL's
/// I/O conversion would, with its range errors).
pub fn cast(v: Value, from: DataType, to: DataType) -> Result<Value> {
    if v == Value::Null || from == to {
        return Ok(v);
    }
    let int_range = |t: DataType| {
        SqlError::OutOfRange(match t {
            DataType::Int2 => "smallint out of range".into(),
            DataType::Int8 => "bigint out of range".into(),
            _ => "integer out of range".into(),
        })
    };
    let as_i64 = match v {
        Value::Int2(x) => Some(i64::from(x)),
        Value::Int4(x) => Some(i64::from(x)),
        Value::Int8(x) => Some(x),
        _ => None,
    };
    match (as_i64, to) {
        (Some(x), DataType::Int2) => {
            return i16::try_from(x).map(Value::Int2).map_err(|_| int_range(to))
        }
        (Some(x), DataType::Int4) => {
            return i32::try_from(x).map(Value::Int4).map_err(|_| int_range(to))
        }
        (Some(x), DataType::Int8) => return Ok(Value::Int8(x)),
        (Some(x), DataType::Float8) => return Ok(Value::Float8(x as f64)),
        (Some(x), DataType::Float4) => return Ok(Value::Float4(x as f32)),
        (Some(x), DataType::Numeric) => return Ok(Value::Numeric(x.to_string())),
        (Some(x), DataType::Bool) if matches!(from, DataType::Int4) => {
            return Ok(Value::Bool(x != 0))
        }
        _ => {}
    }
    match (&v, to) {
        (Value::Float4(_) | Value::Float8(_), DataType::Int2 | DataType::Int4 | DataType::Int8) => {
            let f = match v {
                Value::Float4(f) => f64::from(f),
                Value::Float8(f) => f,
                _ => 0.0,
            };
            let r = f.round_ties_even();
            if !r.is_finite() || !(-9.223372036854776e18..9.223372036854776e18).contains(&r) {
                return Err(int_range(to));
            }
            cast(Value::Int8(r as i64), DataType::Int8, to)
        }
        (Value::Float4(f), DataType::Float8) => Ok(Value::Float8(f64::from(*f))),
        (Value::Float8(f), DataType::Float4) => Ok(Value::Float4(*f as f32)),
        (Value::Bool(b), DataType::Int4) => Ok(Value::Int4(i32::from(*b))),
        (_, DataType::Text | DataType::Varchar) => Ok(Value::Text(v.to_text().unwrap_or_default())),
        (Value::Text(s), _) => Value::parse_text(to, s),
        (Value::Numeric(s), _) if to != DataType::Bool => Value::parse_text(to, s),
        _ => Err(SqlError::CannotCoerce {
            from: from.sql_name(),
            to: to.sql_name(),
        }),
    }
}

fn neg(v: Value) -> Result<Value> {
    Ok(match v {
        Value::Int2(x) => Value::Int2(
            x.checked_neg()
                .ok_or_else(|| SqlError::OutOfRange("smallint out of range".into()))?,
        ),
        Value::Int4(x) => Value::Int4(
            x.checked_neg()
                .ok_or_else(|| SqlError::OutOfRange("integer out of range".into()))?,
        ),
        Value::Int8(x) => Value::Int8(
            x.checked_neg()
                .ok_or_else(|| SqlError::OutOfRange("bigint out of range".into()))?,
        ),
        Value::Float4(x) => Value::Float4(-x),
        Value::Float8(x) => Value::Float8(-x),
        Value::Numeric(s) => Value::Numeric(match s.strip_prefix('-') {
            Some(p) => p.to_string(),
            None => format!("-{s}"),
        }),
        other => other,
    })
}

fn binary(op: BinOp, l: Value, r: Value, operand_ty: DataType, ty: DataType) -> Result<Value> {
    match op {
        BinOp::And => {
            return Ok(match (l, r) {
                (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
                (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                _ => Value::Null,
            })
        }
        BinOp::Or => {
            return Ok(match (l, r) {
                (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
                (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                _ => Value::Null,
            })
        }
        _ => {}
    }
    if l == Value::Null || r == Value::Null {
        return Ok(Value::Null);
    }
    match op {
        BinOp::Concat => Ok(Value::Text(format!(
            "{}{}",
            l.to_text().unwrap_or_default(),
            r.to_text().unwrap_or_default()
        ))),
        BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq => {
            let ord = compare(&l, &r, operand_ty)?;
            Ok(Value::Bool(match op {
                BinOp::Eq => ord.is_eq(),
                BinOp::NotEq => ord.is_ne(),
                BinOp::Lt => ord.is_lt(),
                BinOp::LtEq => ord.is_le(),
                BinOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }))
        }
        _ => arith(op, l, r, ty),
    }
}

fn compare(l: &Value, r: &Value, _ty: DataType) -> Result<std::cmp::Ordering> {
    use Value::*;
    Ok(match (l, r) {
        (Bool(a), Bool(b)) => a.cmp(b),
        (Int2(a), Int2(b)) => a.cmp(b),
        (Int4(a), Int4(b)) => a.cmp(b),
        (Int8(a), Int8(b)) => a.cmp(b),
        (Float4(a), Float4(b)) => a.total_cmp(b),
        (Float8(a), Float8(b)) => a.total_cmp(b),
        (Text(a), Text(b)) => a.cmp(b),
        _ => {
            return Err(SqlError::FeatureNotSupported(
                "comparison of these types is not supported yet".into(),
            ))
        }
    })
}

fn arith(op: BinOp, l: Value, r: Value, ty: DataType) -> Result<Value> {
    let overflow = |name: &str| SqlError::OutOfRange(format!("{name} out of range"));
    let int = |a: i64, b: i64| -> Option<Result<i64>> {
        Some(match op {
            BinOp::Add => a.checked_add(b).ok_or(SqlError::DivisionByZero),
            BinOp::Sub => a.checked_sub(b).ok_or(SqlError::DivisionByZero),
            BinOp::Mul => a.checked_mul(b).ok_or(SqlError::DivisionByZero),
            BinOp::Div if b == 0 => Err(SqlError::DivisionByZero),
            BinOp::Div => a.checked_div(b).ok_or(SqlError::DivisionByZero),
            BinOp::Mod if b == 0 => Err(SqlError::DivisionByZero),
            BinOp::Mod => Ok(a.checked_rem(b).unwrap_or(0)),
            _ => return None,
        })
    };
    let fix = |res: Option<Result<i64>>, name: &str| -> Result<i64> {
        match res {
            Some(Ok(v)) => Ok(v),
            // checked_* failing on a non-zero divisor means overflow
            Some(Err(SqlError::DivisionByZero)) if !matches!(op, BinOp::Div | BinOp::Mod) => {
                Err(overflow(name))
            }
            Some(Err(SqlError::DivisionByZero))
                if matches!(r, Value::Int2(0) | Value::Int4(0) | Value::Int8(0)) =>
            {
                Err(SqlError::DivisionByZero)
            }
            Some(Err(SqlError::DivisionByZero)) => Err(overflow(name)),
            Some(Err(e)) => Err(e),
            None => Err(SqlError::Internal(
                "non-arithmetic operator in arith".into(),
            )),
        }
    };
    match (ty, &l, &r) {
        (DataType::Int2, Value::Int2(a), Value::Int2(b)) => {
            let v = fix(int(i64::from(*a), i64::from(*b)), "smallint")?;
            i16::try_from(v)
                .map(Value::Int2)
                .map_err(|_| overflow("smallint"))
        }
        (DataType::Int4, Value::Int4(a), Value::Int4(b)) => {
            let v = fix(int(i64::from(*a), i64::from(*b)), "integer")?;
            i32::try_from(v)
                .map(Value::Int4)
                .map_err(|_| overflow("integer"))
        }
        (DataType::Int8, Value::Int8(a), Value::Int8(b)) => {
            Ok(Value::Int8(fix(int(*a, *b), "bigint")?))
        }
        (DataType::Float8, Value::Float8(a), Value::Float8(b)) => {
            let v = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if *b == 0.0 => return Err(SqlError::DivisionByZero),
                BinOp::Div => a / b,
                _ => {
                    return Err(SqlError::FeatureNotSupported(
                        "operator does not exist for double precision".into(),
                    ))
                }
            };
            if v.is_infinite() && a.is_finite() && b.is_finite() {
                return Err(SqlError::OutOfRange("value out of range: overflow".into()));
            }
            Ok(Value::Float8(v))
        }
        _ => Err(SqlError::FeatureNotSupported(format!(
            "arithmetic on type {} is not supported yet",
            ty.sql_name()
        ))),
    }
}
