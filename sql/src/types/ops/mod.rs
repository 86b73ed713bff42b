//! Operators: resolution ([`resolve_binary`], [`resolve_unary`]) and evaluation ([`eval_binary`],
//! [`eval_unary`]), pure functions the binder and executor call.
//!
//! Resolution follows PostgreSQL's rules for the built-in operators in simplified form:
//! 1. An `unknown` operand (an untyped literal or parameter) takes the other operand's type; two
//!    unknowns are `text`.
//! 2. An exact match in the operator table wins.
//! 3. Otherwise both operands are promoted along the numeric tower
//!    (`int2 < int4 < int8 < numeric < float4 < float8`, with `float4` meeting `int8`/`numeric` at
//!    `float8`, as PostgreSQL's preferred-type rule decides), the string family meets at `text`,
//!    and the date/time family at its widest member (`date < timestamp < timestamptz`).
//!
//! The resolved [`BinarySig`] names the operand types the binder must cast to (implicitly) before
//! evaluation and the result type; evaluation assumes operands already have those types.
//! NULL handling: every operator here is strict (NULL in, NULL out); AND/OR are the binder's.

pub mod eval;
mod pattern;

pub use eval::{eval_binary, eval_unary};
pub use pattern::{compile as compile_regex, like, regex_match};

use super::DataType;
use crate::error::SqlError;

/// The built-in binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Concat,
    Like,
    NotLike,
    ILike,
    NotILike,
    Regex,
    NotRegex,
    IRegex,
    NotIRegex,
    /// `->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|`, `?&`, `#-`: json/jsonb operators
    /// (resolved and evaluated by `types::json::ops`, as are `-` and `||` over jsonb).
    JsonGet,
    JsonGetText,
    JsonPath,
    JsonPathText,
    Contains,
    ContainedBy,
    KeyExists,
    KeyExistsAny,
    KeyExistsAll,
    DeletePath,
}

impl BinaryOp {
    /// The operator for a spelling (`<>` and `!=` are the same; `LIKE` is `~~`).
    pub fn parse(op: &str) -> Option<BinaryOp> {
        use BinaryOp::*;
        Some(match op.to_ascii_uppercase().as_str() {
            "=" => Eq,
            "<>" | "!=" => NotEq,
            "<" => Lt,
            "<=" => LtEq,
            ">" => Gt,
            ">=" => GtEq,
            "+" => Add,
            "-" => Sub,
            "*" => Mul,
            "/" => Div,
            "%" => Mod,
            "^" => Pow,
            "&" => BitAnd,
            "|" => BitOr,
            "#" => BitXor,
            "<<" => Shl,
            ">>" => Shr,
            "||" => Concat,
            "~~" | "LIKE" => Like,
            "!~~" | "NOT LIKE" => NotLike,
            "~~*" | "ILIKE" => ILike,
            "!~~*" | "NOT ILIKE" => NotILike,
            "~" => Regex,
            "!~" => NotRegex,
            "~*" => IRegex,
            "!~*" => NotIRegex,
            "->" => JsonGet,
            "->>" => JsonGetText,
            "#>" => JsonPath,
            "#>>" => JsonPathText,
            "@>" => Contains,
            "<@" => ContainedBy,
            "?" => KeyExists,
            "?|" => KeyExistsAny,
            "?&" => KeyExistsAll,
            "#-" => DeletePath,
            _ => return None,
        })
    }

    /// Whether the operator is a comparison (`=`, `<>`, `<`, ...).
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | NotEq | Lt | LtEq | Gt | GtEq)
    }
}

/// A resolved binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinarySig {
    pub op: BinaryOp,
    pub left: DataType,
    pub right: DataType,
    pub result: DataType,
}

/// The built-in prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Plus,
    BitNot,
    Abs,
    Sqrt,
    Cbrt,
}

/// A resolved prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnarySig {
    pub op: UnaryOp,
    pub operand: DataType,
    pub result: DataType,
}

fn numeric_rank(t: DataType) -> Option<u8> {
    Some(match t {
        DataType::Int2 => 0,
        DataType::Int4 => 1,
        DataType::Int8 => 2,
        DataType::Numeric => 3,
        DataType::Float4 => 4,
        DataType::Float8 => 5,
        _ => return None,
    })
}

/// The common numeric type of two numeric-category types.
fn numeric_common(a: DataType, b: DataType) -> Option<DataType> {
    let (ra, rb) = (numeric_rank(a)?, numeric_rank(b)?);
    let (lo, hi) = if ra <= rb { (a, b) } else { (b, a) };
    Some(
        // Only float4 op float4 stays real: a mixed pair meets at the preferred float8.
        if hi == DataType::Float4 && lo != DataType::Float4 {
            DataType::Float8
        } else {
            hi
        },
    )
}

fn datetime_rank(t: DataType) -> Option<u8> {
    Some(match t {
        DataType::Date => 0,
        DataType::Timestamp => 1,
        DataType::Timestamptz => 2,
        _ => return None,
    })
}

/// `select_common_type` for polymorphic (`anycompatible`) arguments: like [`common_type`], but
/// numeric types meet at the higher one without the operator-candidate promotion to float8.
fn supertype(a: DataType, b: DataType) -> Option<DataType> {
    match (numeric_rank(a), numeric_rank(b)) {
        (Some(x), Some(y)) => Some(if x >= y { a } else { b }),
        _ => common_type(a, b),
    }
}

/// The common type two operands are compared in, if any.
pub fn common_type(a: DataType, b: DataType) -> Option<DataType> {
    if a == b {
        return Some(if a == DataType::Unknown {
            DataType::Text
        } else {
            a
        });
    }
    if a == DataType::Unknown {
        return Some(b);
    }
    if b == DataType::Unknown {
        return Some(a);
    }
    if let Some(t) = numeric_common(a, b) {
        return Some(t);
    }
    if a.is_string() && b.is_string() {
        return Some(DataType::Text);
    }
    if let (Some(ra), Some(rb)) = (datetime_rank(a), datetime_rank(b)) {
        return Some(if ra >= rb { a } else { b });
    }
    if let (Some(ea), Some(eb)) = (a.elem(), b.elem()) {
        return common_type(ea, eb).and_then(DataType::array_of);
    }
    match (a, b) {
        (DataType::Oid, t) | (t, DataType::Oid) if t.is_integer() => Some(DataType::Oid),
        (DataType::Json, DataType::Jsonb) | (DataType::Jsonb, DataType::Json) => {
            Some(DataType::Jsonb)
        }
        _ => None,
    }
}

fn sig(op: BinaryOp, left: DataType, right: DataType, result: DataType) -> Option<BinarySig> {
    Some(BinarySig {
        op,
        left,
        right,
        result,
    })
}

/// Resolves `left op right`. `op` is the operator's spelling (`+`, `<>`, `!=`, `||`, `~~` or
/// `LIKE`, ...). `None` means PostgreSQL would say `operator does not exist` (see
/// [`undefined_operator`]).
pub fn resolve_binary(op: &str, left: DataType, right: DataType) -> Option<BinarySig> {
    use DataType::*;
    let bop = BinaryOp::parse(op)?;
    use BinaryOp as B;
    match bop {
        B::JsonGet
        | B::JsonGetText
        | B::JsonPath
        | B::JsonPathText
        | B::Contains
        | B::ContainedBy
        | B::KeyExists
        | B::KeyExistsAny
        | B::KeyExistsAll
        | B::DeletePath => return super::json::ops::resolve(bop, left, right),
        B::Sub | B::Concat
            if matches!(left, Jsonb | Unknown)
                && matches!(right, Jsonb | Unknown | Text | Int2 | Int4 | TextArray) =>
        {
            if let Some(s) = super::json::ops::resolve(bop, left, right) {
                return Some(s);
            }
        }
        _ => {}
    }
    let sig = |l, r, res| sig(bop, l, r, res);
    // Unknown operands take the other side's type (for `||`, text unless the other is an array).
    let (l, r) = match (left, right) {
        (Unknown, Unknown) => (Text, Text),
        (Unknown, t) if op == "||" && t.elem().is_none() => (Text, t),
        (t, Unknown) if op == "||" && t.elem().is_none() => (t, Text),
        (Unknown, t) => (t, t),
        (t, Unknown) => (t, t),
        other => other,
    };
    match bop {
        B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq => {
            let t = match (l, r) {
                (Time, Interval) | (Interval, Time) => Interval,
                _ => common_type(l, r)?,
            };
            // Arrays compare element-wise; json has no equality in PostgreSQL.
            if t == Json {
                return None;
            }
            // bpchar = bpchar keeps its blank-insensitive semantics.
            let t = if l == Bpchar && r == Bpchar {
                Bpchar
            } else {
                t
            };
            sig(t, t, Bool)
        }
        B::Add | B::Sub | B::Mul | B::Div => resolve_arith(bop, l, r).or_else(|| {
            // No `timestamp + timestamp`: the one `+` with a timestamp operand takes an interval,
            // which PostgreSQL's candidate selection picks for the unknown side.
            match (bop, left, right) {
                (B::Add, Timestamp | Timestamptz, Unknown) => resolve_arith(bop, left, Interval),
                (B::Add, Unknown, Timestamp | Timestamptz) => resolve_arith(bop, Interval, right),
                _ => None,
            }
        }),
        B::Mod => {
            let t = numeric_common(l, r)?;
            matches!(t, Int2 | Int4 | Int8 | Numeric).then_some(())?;
            sig(t, t, t)
        }
        B::Pow => {
            let t = numeric_common(l, r)?;
            let t = if t == Numeric { Numeric } else { Float8 };
            sig(t, t, t)
        }
        B::BitAnd | B::BitOr | B::BitXor => {
            let t = numeric_common(l, r)?;
            t.is_integer().then_some(())?;
            sig(t, t, t)
        }
        B::Shl | B::Shr => {
            // int2/int4/int8 << int4: the shift count must reach int4 implicitly.
            (l.is_integer() && matches!(r, Int2 | Int4)).then_some(())?;
            sig(l, Int4, l)
        }
        B::Concat => match (l.elem(), r.elem()) {
            (Some(_), Some(_)) => {
                let t = common_type(l, r)?;
                sig(t, t, t)
            }
            // anycompatiblearray || anycompatible: the element meets the array's element type.
            (Some(e), None) if right == Unknown => sig(l, e, l),
            (None, Some(e)) if left == Unknown => sig(e, r, r),
            (Some(e), None) => {
                let c = supertype(e, r)?;
                let arr = c.array_of()?;
                sig(arr, c, arr)
            }
            (None, Some(e)) => {
                let c = supertype(l, e)?;
                let arr = c.array_of()?;
                sig(c, arr, arr)
            }
            (None, None) if l == Bytea && r == Bytea => sig(Bytea, Bytea, Bytea),
            (None, None) if l == Jsonb && r == Jsonb => sig(Jsonb, Jsonb, Jsonb),
            // anynonarray || text and text || anynonarray
            (None, None) if l.is_string() || r.is_string() => sig(
                if l.is_string() { Text } else { l },
                if r.is_string() { Text } else { r },
                Text,
            ),
            _ => None,
        },
        B::Like
        | B::NotLike
        | B::ILike
        | B::NotILike
        | B::Regex
        | B::NotRegex
        | B::IRegex
        | B::NotIRegex => {
            if l == Bytea && r == Bytea && matches!(bop, B::Like | B::NotLike) {
                return sig(Bytea, Bytea, Bool);
            }
            (l.is_string() && r.is_string()).then_some(())?;
            let t = if l == Bpchar { Bpchar } else { Text };
            sig(t, Text, Bool)
        }
        // Resolved above, or no signature.
        B::JsonGet
        | B::JsonGetText
        | B::JsonPath
        | B::JsonPathText
        | B::Contains
        | B::ContainedBy
        | B::KeyExists
        | B::KeyExistsAny
        | B::KeyExistsAll
        | B::DeletePath => None,
    }
}

fn resolve_arith(bop: BinaryOp, l: DataType, r: DataType) -> Option<BinarySig> {
    use DataType::*;
    if let Some(s) = resolve_arith_exact(bop, l, r) {
        return Some(s);
    }
    // time casts implicitly to interval: `time * 2`, `timestamp + time`, `date - time`.
    let as_iv = |t: DataType| if t == Time { Interval } else { t };
    if (l == Time) != (r == Time) {
        return resolve_arith_exact(bop, as_iv(l), as_iv(r));
    }
    None
}

fn resolve_arith_exact(bop: BinaryOp, l: DataType, r: DataType) -> Option<BinarySig> {
    use DataType::*;
    let sig = |l, r, res| sig(bop, l, r, res);
    let op = match bop {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        _ => "/",
    };
    if let Some(t) = numeric_common(l, r) {
        return sig(t, t, t);
    }
    let int = |t: DataType| matches!(t, Int2 | Int4);
    match (op, l, r) {
        ("+", Date, t) if int(t) => sig(Date, Int4, Date),
        ("+", t, Date) if int(t) => sig(Int4, Date, Date),
        ("-", Date, t) if int(t) => sig(Date, Int4, Date),
        ("-", Date, Date) => sig(Date, Date, Int4),
        ("+", Date, Interval) | ("-", Date, Interval) => sig(Timestamp, Interval, Timestamp),
        ("+", Interval, Date) => sig(Interval, Timestamp, Timestamp),
        ("+", Date, Time) => sig(Date, Time, Timestamp),
        ("+", Time, Date) => sig(Time, Date, Timestamp),
        ("+" | "-", Timestamp | Timestamptz, Interval) => sig(l, Interval, l),
        ("+", Interval, Timestamp | Timestamptz) => sig(Interval, r, r),
        ("-", Timestamp, Timestamp) | ("-", Timestamptz, Timestamptz) => sig(l, l, Interval),
        ("-", Timestamp | Date, Timestamptz) | ("-", Timestamptz, Timestamp | Date) => {
            sig(Timestamptz, Timestamptz, Interval)
        }
        ("-", Timestamp, Date) | ("-", Date, Timestamp) => sig(Timestamp, Timestamp, Interval),
        ("+" | "-", Interval, Interval) => sig(Interval, Interval, Interval),
        ("+" | "-", Time, Interval) => sig(Time, Interval, Time),
        ("+", Interval, Time) => sig(Interval, Time, Time),
        ("-", Time, Time) => sig(Time, Time, Interval),
        ("*", Interval, t) if numeric_rank(t).is_some() => sig(Interval, Float8, Interval),
        ("*", t, Interval) if numeric_rank(t).is_some() => sig(Float8, Interval, Interval),
        ("/", Interval, t) if numeric_rank(t).is_some() => sig(Interval, Float8, Interval),
        _ => None,
    }
}

/// Resolves a prefix operator (`-`, `+`, `~`, `@`, `|/`, `||/`).
pub fn resolve_unary(op: &str, operand: DataType) -> Option<UnarySig> {
    use DataType::*;
    let t = if operand == Unknown { Float8 } else { operand };
    let uop = match op {
        "-" => UnaryOp::Neg,
        "+" => UnaryOp::Plus,
        "@" => UnaryOp::Abs,
        "~" => UnaryOp::BitNot,
        "|/" => UnaryOp::Sqrt,
        "||/" => UnaryOp::Cbrt,
        _ => return None,
    };
    let ok = match uop {
        UnaryOp::Neg | UnaryOp::Plus => numeric_rank(t).is_some() || t == Interval,
        UnaryOp::Abs => numeric_rank(t).is_some(),
        UnaryOp::BitNot => t.is_integer(),
        UnaryOp::Sqrt | UnaryOp::Cbrt => numeric_rank(t).is_some(),
    };
    if !ok {
        return None;
    }
    let t = if matches!(uop, UnaryOp::Sqrt | UnaryOp::Cbrt) {
        Float8
    } else {
        t
    };
    Some(UnarySig {
        op: uop,
        operand: t,
        result: t,
    })
}

/// PostgreSQL's error for an operator with no match: `operator does not exist: integer + text`
/// (or `operator does not exist: - text` for a prefix operator).
pub fn undefined_operator(op: &str, left: Option<DataType>, right: DataType) -> SqlError {
    let signature = match left {
        Some(l) => format!("{} {op} {}", l.sql_name(), right.sql_name()),
        None => format!("{op} {}", right.sql_name()),
    };
    SqlError::UndefinedOperator {
        signature,
        position: None,
    }
}

#[cfg(test)]
mod tests;
