//! Typing helpers shared by the binders: operator spellings, the common type of two operands,
//! coercion of an expression to a type (resolving unknown literals and `$n` parameters), literals,
//! SQL type names, and the output column name PostgreSQL gives an expression.

use sqlparser::ast;

use super::{ident, subquery, ParamTypes};
use crate::error::{Result, SqlError};
use crate::expr::{BinOp, Expr};
use crate::types::{DataType, Value};

/// A comparison operator of `ANY`/`ALL`.
pub(super) fn comparison(op: &ast::BinaryOperator) -> Result<BinOp> {
    use ast::BinaryOperator as B;
    Ok(match op {
        B::Eq => BinOp::Eq,
        B::NotEq => BinOp::NotEq,
        B::Lt => BinOp::Lt,
        B::LtEq => BinOp::LtEq,
        B::Gt => BinOp::Gt,
        B::GtEq => BinOp::GtEq,
        other => {
            return Err(SqlError::FeatureNotSupported(format!(
                "operator not supported yet: {other}"
            )))
        }
    })
}

pub(super) fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Concat => "||",
        BinOp::Eq => "=",
        BinOp::NotEq => "<>",
        BinOp::Lt => "<",
        BinOp::LtEq => "<=",
        BinOp::Gt => ">",
        BinOp::GtEq => ">=",
        BinOp::And => "AND",
        BinOp::Or => "OR",
    }
}

/// The `types::ops` spelling of a binary operator.
pub(super) fn binary_spelling(op: &ast::BinaryOperator) -> Option<&'static str> {
    use ast::BinaryOperator as B;
    Some(match op {
        B::Plus => "+",
        B::Minus => "-",
        B::Multiply => "*",
        B::Divide => "/",
        B::Modulo => "%",
        B::StringConcat => "||",
        B::Eq => "=",
        B::NotEq => "<>",
        B::Lt => "<",
        B::LtEq => "<=",
        B::Gt => ">",
        B::GtEq => ">=",
        B::PGExp => "^",
        B::BitwiseAnd => "&",
        B::BitwiseOr => "|",
        B::PGBitwiseXor => "#",
        B::PGBitwiseShiftLeft => "<<",
        B::PGBitwiseShiftRight => ">>",
        B::PGRegexMatch => "~",
        B::PGRegexIMatch => "~*",
        B::PGRegexNotMatch => "!~",
        B::PGRegexNotIMatch => "!~*",
        B::PGLikeMatch => "~~",
        B::PGILikeMatch => "~~*",
        B::PGNotLikeMatch => "!~~",
        B::PGNotILikeMatch => "!~~*",
        B::Arrow => "->",
        B::LongArrow => "->>",
        B::HashArrow => "#>",
        B::HashLongArrow => "#>>",
        B::AtArrow => "@>",
        B::ArrowAt => "<@",
        B::Question => "?",
        B::QuestionPipe => "?|",
        B::QuestionAnd => "?&",
        B::HashMinus => "#-",
        // `OPERATOR(pg_catalog.~)`: the operator itself (only pg_catalog's exist).
        B::PGCustomBinaryOperator(parts) => {
            let (op, schema) = parts.split_last()?;
            if !schema.iter().all(|s| s == "pg_catalog") || schema.len() > 1 {
                return None;
            }
            const KNOWN: &[&str] = &[
                "+", "-", "*", "/", "%", "||", "=", "<>", "<", "<=", ">", ">=", "^", "&", "|", "#",
                "<<", ">>", "~", "~*", "!~", "!~*", "~~", "~~*", "!~~", "!~~*", "->", "->>", "#>",
                "#>>", "@>", "<@", "?", "?|", "?&", "#-",
            ];
            return KNOWN.iter().copied().find(|k| k == op);
        }
        _ => return None,
    })
}

/// The `types::ops` spelling of a prefix operator (NOT is the binder's own).
pub(super) fn prefix_spelling(op: &ast::UnaryOperator) -> Option<&'static str> {
    use ast::UnaryOperator as U;
    Some(match op {
        U::Plus => "+",
        U::PGAbs => "@",
        U::BitwiseNot => "~",
        U::PGSquareRoot => "|/",
        U::PGCubeRoot => "||/",
        _ => return None,
    })
}

/// The type both operands are converted to, following PostgreSQL's numeric promotion
/// (int2 < int4 < int8 < numeric < float8); an unknown side adopts the other side's type.
pub(crate) fn common_type(a: DataType, b: DataType) -> Option<DataType> {
    use DataType::*;
    let rank = |t: DataType| match t {
        Int2 => Some(0),
        Int4 => Some(1),
        Int8 => Some(2),
        Numeric => Some(3),
        Float4 => Some(4),
        Float8 => Some(5),
        _ => None,
    };
    match (a, b) {
        (Unknown, Unknown) => Some(Text),
        (Unknown, t) | (t, Unknown) => Some(t),
        (x, y) if x == y => Some(x),
        (Text | Varchar, Text | Varchar) => Some(Text),
        (x, y) => match (rank(x), rank(y)) {
            (Some(rx), Some(ry)) => {
                Some(if rx >= ry { x } else { y }).map(|t| if t == Float4 { Float8 } else { t })
            }
            _ => None,
        },
    }
}

/// Converts `e` to `to`: unknown literals and parameters take the type directly.
pub(crate) fn coerce(e: Expr, to: DataType, params: &mut ParamTypes<'_>) -> Result<Expr> {
    match e {
        Expr::Param(i, DataType::Unknown) => {
            params[i] = Some(to);
            Ok(Expr::Param(i, to))
        }
        Expr::Const(Value::Text(s), DataType::Unknown) => Ok(Expr::Const(
            Value::parse_text_ctx(to, &s, params.format())?,
            to,
        )),
        e if e.data_type() == to => Ok(e),
        e => Ok(Expr::Cast(Box::new(e), to)),
    }
}

/// An output column of type unknown (a bare string literal) becomes text, as in PostgreSQL 10+.
pub(super) fn resolve_unknown(e: Expr, to: DataType) -> Expr {
    match e {
        Expr::Const(v, DataType::Unknown) => Expr::Const(v, to),
        e => e,
    }
}

pub(crate) fn fill_params(e: Expr, types: &[DataType]) -> Expr {
    let fill = |b: Box<Expr>| Box::new(fill_params(*b, types));
    match e {
        Expr::Param(i, DataType::Unknown) => {
            Expr::Param(i, types.get(i).copied().unwrap_or(DataType::Text))
        }
        Expr::Cast(inner, t) => Expr::Cast(fill(inner), t),
        Expr::Neg(inner) => Expr::Neg(fill(inner)),
        Expr::Not(inner) => Expr::Not(fill(inner)),
        Expr::IsNull { expr, negated } => Expr::IsNull {
            expr: fill(expr),
            negated,
        },
        Expr::Binary {
            op,
            left,
            right,
            ty,
        } => Expr::Binary {
            op,
            left: fill(left),
            right: fill(right),
            ty,
        },
        Expr::Call { func, args } => Expr::Call {
            func,
            args: args.into_iter().map(|a| fill_params(a, types)).collect(),
        },
        Expr::SubLink(mut s) => {
            if let crate::plan::SubLinkKind::Any { lhs, .. }
            | crate::plan::SubLinkKind::All { lhs, .. } = &mut s.kind
            {
                let old = std::mem::take(lhs);
                *lhs = old.into_iter().map(|a| fill_params(a, types)).collect();
            }
            Expr::SubLink(s)
        }
        Expr::Node { kind, args, ty } => Expr::Node {
            kind,
            args: args.into_iter().map(|a| fill_params(a, types)).collect(),
            ty,
        },
        other => other,
    }
}

pub(super) fn literal(v: &ast::Value) -> Option<Expr> {
    Some(match v {
        ast::Value::Number(n, _) => number(n),
        ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
            Expr::Const(Value::Text(s.clone()), DataType::Unknown)
        }
        ast::Value::DollarQuotedString(d) => {
            Expr::Const(Value::Text(d.value.clone()), DataType::Unknown)
        }
        ast::Value::Boolean(b) => Expr::Const(Value::Bool(*b), DataType::Bool),
        ast::Value::Null => Expr::Const(Value::Null, DataType::Unknown),
        _ => return None,
    })
}

/// An integer literal is int4 when it fits, then int8, then numeric; anything with a point or
/// exponent is numeric (PostgreSQL's `make_const`).
pub(super) fn number(n: &str) -> Expr {
    if let Ok(v) = n.parse::<i32>() {
        return Expr::Const(Value::Int4(v), DataType::Int4);
    }
    if let Ok(v) = n.parse::<i64>() {
        return Expr::Const(Value::Int8(v), DataType::Int8);
    }
    Expr::Const(
        Value::parse_text(DataType::Numeric, n).unwrap_or(Value::Null),
        DataType::Numeric,
    )
}

pub(crate) fn data_type_of(t: &ast::DataType) -> Result<DataType> {
    type_and_typmod(t).map(|(ty, _)| ty)
}

/// A declared type and its typmod (`varchar(10)` → varchar, 14), by PostgreSQL's type names.
pub(crate) fn type_and_typmod(t: &ast::DataType) -> Result<(DataType, i32)> {
    let full = t.to_string();
    let name = full.trim_start_matches("pg_catalog.");
    crate::types::typmod::parse_type_name(name)
}

/// PostgreSQL's `FigureColname`: the column name a select item gets without an alias.
pub(super) fn column_name(e: &ast::Expr) -> String {
    figure_colname(e).0
}

/// `FigureColnameInternal`: the name and its strength. Column references, functions and
/// subqueries name a column firmly (2); a cast names it after its type (1) only when what it
/// casts has no firm name, so `'42'::int2::int8` is `int8` and `x::text` is `x`.
fn figure_colname(e: &ast::Expr) -> (String, u8) {
    let weak = |s: &str| (s.to_string(), 1);
    let firm = |s: String| (s, 2);
    match e {
        ast::Expr::Function(f) => firm(
            f.name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(ident)
                .unwrap_or_default(),
        ),
        ast::Expr::Nested(inner) => figure_colname(inner),
        // Subscripts keep the name of what they subscript (`A_Indirection`).
        ast::Expr::CompoundFieldAccess { root, access_chain }
            if access_chain
                .iter()
                .all(|a| matches!(a, ast::AccessExpr::Subscript(_))) =>
        {
            figure_colname(root)
        }
        ast::Expr::Identifier(i) => firm(ident(i)),
        ast::Expr::CompoundIdentifier(parts) => firm(parts.last().map(ident).unwrap_or_default()),
        ast::Expr::Cast {
            expr, data_type, ..
        } => {
            let inner = figure_colname(expr);
            if inner.1 > 1 {
                return inner;
            }
            if let Some(reg) = crate::syscat::funcs::reg_type(data_type) {
                return weak(reg.name());
            }
            match data_type_of(data_type) {
                // A cast to an array type is named after the element type (`'{1}'::int[]` → int4).
                Ok(t) => weak(t.elem().unwrap_or(t).type_name()),
                Err(_) => inner,
            }
        }
        ast::Expr::Value(v) if matches!(v.value, ast::Value::Boolean(_)) => weak("bool"),
        ast::Expr::Exists { .. } => firm("exists".into()),
        ast::Expr::Array(_) => firm("array".into()),
        ast::Expr::Subquery(q) => firm(subquery::first_column_name(q)),
        // `date '...'` is a cast of a literal: the column is named after the type.
        ast::Expr::TypedString(ts) => match data_type_of(&ts.data_type) {
            Ok(t) => weak(t.type_name()),
            Err(_) => ("?column?".into(), 0),
        },
        ast::Expr::Interval(_) => weak("interval"),
        ast::Expr::Case { .. } => weak("case"),
        ast::Expr::Extract { .. } => firm("extract".into()),
        ast::Expr::Substring { .. } => firm("substring".into()),
        ast::Expr::Position { .. } => firm("position".into()),
        ast::Expr::Overlay { .. } => firm("overlay".into()),
        ast::Expr::Trim { trim_where, .. } => firm(
            match trim_where {
                Some(ast::TrimWhereField::Leading) => "ltrim",
                Some(ast::TrimWhereField::Trailing) => "rtrim",
                _ => "btrim",
            }
            .into(),
        ),
        ast::Expr::Ceil { .. } => firm("ceil".into()),
        ast::Expr::Floor { .. } => firm("floor".into()),
        ast::Expr::AtTimeZone { .. } => firm("timezone".into()),
        _ => ("?column?".into(), 0),
    }
}

impl super::Binder<'_> {
    /// Converts `e` to `to` implicitly; an untyped literal is parsed as `to` under the session's
    /// settings, its errors reported at `at`.
    pub(crate) fn coerce_at(&mut self, e: Expr, to: DataType, at: Option<u32>) -> Result<Expr> {
        match e {
            Expr::Const(Value::Text(s), DataType::Unknown) if to != DataType::Unknown => {
                let v = Value::parse_text_ctx(to, &s, self.params.format())
                    .map_err(|err| err.at(at))?;
                Ok(Expr::Const(v, to))
            }
            e => coerce(e, to, &mut self.params),
        }
    }

    /// A value stored into `column` (INSERT, UPDATE SET, ON CONFLICT DO UPDATE): PostgreSQL's
    /// assignment coercion, which refuses types without an assignment cast (42804, at `at`)
    /// instead of failing row by row.
    pub(crate) fn assign_coerce(
        &mut self,
        e: Expr,
        column: &crate::catalog::ColumnDef,
        at: Option<u32>,
    ) -> Result<Expr> {
        let from = e.data_type();
        if !crate::types::cast::can_cast(
            from,
            column.ty,
            crate::types::cast::CastContext::Assignment,
        ) {
            return Err(SqlError::Hinted {
                error: Box::new(SqlError::DatatypeMismatchAt {
                    message: format!(
                        "column \"{}\" is of type {} but expression is of type {}",
                        column.name,
                        column.ty.sql_name(),
                        from.sql_name()
                    ),
                    position: at,
                }),
                hint: "You will need to rewrite or cast the expression.",
                detail: None,
            });
        }
        self.coerce_at(e, column.ty, at)
    }
}
