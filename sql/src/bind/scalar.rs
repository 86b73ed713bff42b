//! The expression binder's core: one `ast::Expr` to a typed [`Expr`], dispatching to the
//! specialised binders (operators, functions, subqueries, casts) in the sibling modules.

use sqlparser::ast;

use super::window::is_window_function;
use super::*;
use crate::error::{Result, SqlError};
use crate::expr::{BinOp, Expr};
use crate::types::{DataType, Value};

impl Binder<'_> {
    pub(crate) fn expr(&mut self, e: &ast::Expr) -> Result<Expr> {
        use ast::Expr as E;
        match e {
            E::Value(v)
                if self.function_depth > 0 && matches!(v.value, ast::Value::Placeholder(_)) =>
            {
                self.function_param(&v.value, e)
            }
            E::Value(v) => literal(&v.value).map_or_else(|| self.placeholder(&v.value), Ok),
            E::Nested(inner) => self.expr(inner),
            E::Cast {
                expr, data_type, ..
            } => {
                // `x::regclass::text`: the object's name, as the reg type's output prints it.
                if let E::Cast {
                    data_type: inner_t, ..
                } = expr.as_ref()
                {
                    if let (Some(reg), Ok(to)) = (
                        crate::syscat::funcs::reg_type(inner_t),
                        data_type_of(data_type),
                    ) {
                        if to.is_string() {
                            let oid = self.expr(expr)?;
                            let name = self.reg_output(reg, oid)?;
                            return self.cast_expr(name, data_type, None);
                        }
                    }
                }
                if let Some(reg) = crate::syscat::funcs::reg_type(data_type) {
                    let inner = self.expr(expr)?;
                    let at = self.position(expr.as_ref());
                    return self.reg_cast(reg, inner).map_err(|e| e.at(at));
                }
                let to = data_type_of(data_type)?;
                // `ARRAY[]::int[]`: the cast gives the empty constructor its type.
                if let (E::Array(arr), Some(elem)) = (expr.as_ref(), to.elem()) {
                    if arr.elem.is_empty() {
                        let empty = crate::types::Array::from_items(elem, Vec::new());
                        return Ok(Expr::Const(Value::Array(Box::new(empty)), to));
                    }
                }
                let inner = self.expr(expr)?;
                if let Expr::Param(i, DataType::Unknown) = inner {
                    self.params[i] = Some(to);
                    return Ok(Expr::Param(i, to));
                }
                if inner.data_type() == DataType::Unknown {
                    // A string literal cast is its input function: check it now, as PostgreSQL does.
                    if let Expr::Const(Value::Text(s), _) = &inner {
                        let at = self.position(expr.as_ref());
                        return self.typed_literal(s, data_type, at);
                    }
                }
                let at = self.position_after(expr.as_ref());
                self.cast_expr(inner, data_type, at)
            }
            E::TypedString(ts) => match &ts.value.value {
                ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                    let at = self.position(&ts.value);
                    self.typed_literal(s, &ts.data_type, at)
                }
                _ => Err(SqlError::FeatureNotSupported(format!(
                    "expression not supported yet: {e}"
                ))),
            },
            E::Interval(iv) => self.interval_literal(iv),
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(operand.as_deref(), conditions, else_result.as_deref()),
            E::Between {
                expr,
                negated,
                low,
                high,
            } => self.between(expr, *negated, low, high),
            E::In {
                expr,
                target: ast::InTarget::List(list),
                negated,
                ..
            } => self.in_list(expr, list, *negated),
            E::IsTrue(x) => self.bool_test(x, true, false),
            E::IsNotTrue(x) => self.bool_test(x, true, true),
            E::IsFalse(x) => self.bool_test(x, false, false),
            E::IsNotFalse(x) => self.bool_test(x, false, true),
            E::IsUnknown(x) => self.unknown_test(x, false),
            E::IsNotUnknown(x) => self.unknown_test(x, true),
            E::IsDistinctFrom(l, r) => self.is_distinct(l, r, false),
            E::IsNotDistinctFrom(l, r) => self.is_distinct(l, r, true),
            E::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => self.like(expr, pattern, escape_char.as_deref(), *negated, false),
            E::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => self.like(expr, pattern, escape_char.as_deref(), *negated, true),
            E::AtTimeZone {
                timestamp,
                time_zone,
            } => self.at_time_zone(timestamp, time_zone),
            E::Extract { field, expr, .. } => self.extract(field, expr),
            E::Substring { .. }
            | E::Position { .. }
            | E::Overlay { .. }
            | E::Trim { .. }
            | E::Ceil { .. }
            | E::Floor { .. } => self.special_call(e),
            E::UnaryOp { op, expr } if prefix_spelling(op).is_some() => {
                let at = self.position(e);
                self.prefix(prefix_spelling(op).unwrap_or_default(), expr, at)
            }
            E::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => {
                if let E::Value(v) = expr.as_ref() {
                    if let ast::Value::Number(n, _) = &v.value {
                        return Ok(number(&format!("-{n}")));
                    }
                }
                let at = self.position(e);
                self.prefix("-", expr, at)
            }
            E::UnaryOp {
                op: ast::UnaryOperator::Plus,
                expr,
            } => self.expr(expr),
            E::UnaryOp {
                op: ast::UnaryOperator::Not,
                expr,
            } => Ok(Expr::Not(Box::new(self.bool_operand(expr, "NOT")?))),
            E::IsNull(inner) => Ok(Expr::IsNull {
                expr: Box::new(self.expr(inner)?),
                negated: false,
            }),
            E::IsNotNull(inner) => Ok(Expr::IsNull {
                expr: Box::new(self.expr(inner)?),
                negated: true,
            }),
            E::BinaryOp { left, op, right } => self.binary(left, op, right),
            E::Function(f) if row::is_row_call(f) => self.row_call(f),
            E::Function(f) => self.function(f),
            E::Tuple(items) => self.row_constructor(&items.iter().collect::<Vec<_>>()),
            E::Identifier(i) => match self.column(&ident(i), e) {
                // `current_schema`, `current_user`, ... when no column has that name.
                Err(err) if i.quote_style.is_none() => match self.value_function(&ident(i), &[]) {
                    Some(v) => v,
                    None => Err(err),
                },
                other => other,
            },
            E::CompoundIdentifier(parts)
                if parts.len() >= 2 && (self.from.is_some() || !self.outer.is_empty()) =>
            {
                let n = parts.len();
                self.scoped_column(Some(&ident(&parts[n - 2])), &ident(&parts[n - 1]), e)
            }
            E::Exists { subquery, negated } => {
                let s = self.sublink(subquery, subquery::Kind::Exists)?;
                Ok(if *negated { Expr::Not(Box::new(s)) } else { s })
            }
            E::Subquery(q) => self.sublink(q, subquery::Kind::Scalar),
            E::In {
                expr,
                target: ast::InTarget::Subquery(q),
                negated,
                ..
            } => {
                let s = self.sublink(q, subquery::Kind::Any(expr, BinOp::Eq))?;
                Ok(if *negated { Expr::Not(Box::new(s)) } else { s })
            }
            E::AnyOp {
                left,
                compare_op,
                right,
                ..
            } if matches!(right.as_ref(), E::Subquery(_)) => {
                let E::Subquery(q) = right.as_ref() else {
                    unreachable!("checked by the guard")
                };
                let op = comparison(compare_op)?;
                self.sublink(q, subquery::Kind::Any(left, op))
            }
            E::AllOp {
                left,
                compare_op,
                right,
            } if matches!(right.as_ref(), E::Subquery(_)) => {
                let E::Subquery(q) = right.as_ref() else {
                    unreachable!("checked by the guard")
                };
                let op = comparison(compare_op)?;
                self.sublink(q, subquery::Kind::All(left, op))
            }
            E::AnyOp {
                left,
                compare_op,
                right,
                ..
            } => self.array_comparison(left, compare_op, right, false),
            E::AllOp {
                left,
                compare_op,
                right,
            } => self.array_comparison(left, compare_op, right, true),
            E::CompoundIdentifier(parts)
                if parts.len() == 2
                    && self.scope.as_ref().is_some_and(|t| {
                        ident(&parts[0]) == self.scope_name.as_deref().unwrap_or(&t.name)
                    }) =>
            {
                self.column(&ident(&parts[1]), e)
            }
            E::CompoundIdentifier(parts)
                if parts.len() == 2
                    && self.scope_name.is_some()
                    && self
                        .scope
                        .as_ref()
                        .is_some_and(|t| ident(&parts[0]) == t.name) =>
            {
                // The target's own name where it has an alias (PostgreSQL's errorMissingRTE).
                Err(SqlError::InvalidFromReference {
                    name: ident(&parts[0]),
                    alias: self.scope_name.clone().unwrap_or_default(),
                    position: self.position(e),
                })
            }
            E::CompoundIdentifier(parts) => Err(SqlError::UndefinedTable {
                name: parts.first().map(ident).unwrap_or_default(),
                position: self.position(e),
            }),
            E::Array(arr) => {
                let at = self.position(e);
                self.array_constructor(arr, at)
            }
            E::CompoundFieldAccess { root, access_chain }
                if access_chain
                    .iter()
                    .all(|a| matches!(a, ast::AccessExpr::Subscript(_))) =>
            {
                self.subscripted(root, access_chain)
            }
            // The collations that exist sort and compare as PGLiteDB does (by code point).
            E::Collate { expr, collation } => {
                let name = object_name(collation);
                let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
                if !matches!(name, "default" | "C" | "POSIX") {
                    return Err(SqlError::UndefinedObject(format!(
                        "collation \"{name}\" for encoding \"UTF8\" does not exist"
                    )));
                }
                let inner = self.expr(expr)?;
                if !inner.data_type().is_string() {
                    return Err(SqlError::DatatypeMismatch(format!(
                        "collations are not supported by type {}",
                        inner.data_type().sql_name()
                    )));
                }
                Ok(inner)
            }
            other => Err(SqlError::FeatureNotSupported(format!(
                "expression not supported yet: {other}"
            ))),
        }
    }

    fn placeholder(&mut self, v: &ast::Value) -> Result<Expr> {
        let ast::Value::Placeholder(p) = v else {
            return Err(SqlError::FeatureNotSupported(format!(
                "literal not supported yet: {v}"
            )));
        };
        let n: usize = p
            .trim_start_matches('$')
            .parse()
            .map_err(|_| SqlError::Syntax {
                message: format!("syntax error at or near \"{p}\""),
                position: None,
            })?;
        if n == 0 || n > 65535 {
            return Err(SqlError::UndefinedParameter(n));
        }
        if self.params.len() < n {
            self.params.resize(n, None);
        }
        Ok(Expr::Param(
            n - 1,
            self.params[n - 1].unwrap_or(DataType::Unknown),
        ))
    }

    fn binary(
        &mut self,
        left: &ast::Expr,
        op: &ast::BinaryOperator,
        right: &ast::Expr,
    ) -> Result<Expr> {
        use ast::BinaryOperator as B;
        let op = match op {
            B::And => BinOp::And,
            B::Or => BinOp::Or,
            other => {
                let spelling = binary_spelling(other).ok_or_else(|| {
                    SqlError::FeatureNotSupported(format!("operator not supported yet: {other}"))
                })?;
                if let Some(e) = self.row_comparison(spelling, left, right) {
                    return e;
                }
                return self.operator(spelling, left, right);
            }
        };
        let what = if op == BinOp::And { "AND" } else { "OR" };
        let l = self.bool_operand(left, what)?;
        let r = self.bool_operand(right, what)?;
        Ok(Expr::Binary {
            op,
            left: Box::new(l),
            right: Box::new(r),
            ty: DataType::Bool,
        })
    }

    /// `l op r` over bound operands (ANY/ALL comparisons, ...): AND/OR over booleans, every
    /// other operator resolved by `types::ops` as a written operator would be.
    pub(crate) fn binary_bound(
        &mut self,
        op: BinOp,
        l: Expr,
        r: Expr,
        position: Option<u32>,
    ) -> Result<Expr> {
        if matches!(op, BinOp::And | BinOp::Or) {
            let l = coerce(l, DataType::Bool, &mut self.params)?;
            let r = coerce(r, DataType::Bool, &mut self.params)?;
            return Ok(Expr::Binary {
                op,
                left: Box::new(l),
                right: Box::new(r),
                ty: DataType::Bool,
            });
        }
        self.apply_operator(op_symbol(op), l, r, position, None, None)
    }

    /// An operand of AND/OR/NOT: boolean, with PostgreSQL's 42804 otherwise.
    pub(crate) fn bool_operand(&mut self, e: &ast::Expr, what: &str) -> Result<Expr> {
        let at = self.position(e);
        let bound = self.expr(e)?;
        let t = bound.data_type();
        if t != DataType::Bool && t != DataType::Unknown {
            return Err(SqlError::DatatypeMismatch(format!(
                "argument of {what} must be type boolean, not type {}",
                t.sql_name()
            ))
            .at(at));
        }
        self.coerce_at(bound, DataType::Bool, at)
    }

    fn function(&mut self, f: &ast::Function) -> Result<Expr> {
        let name = object_name(&f.name);
        let name = name
            .strip_prefix("pg_catalog.")
            .unwrap_or(&name)
            .to_string();
        let lower = name.to_ascii_lowercase();
        if !f.within_group.is_empty() && f.over.is_none() {
            return self.aggregate(f, &lower);
        }
        if f.over.is_some() || is_window_function(&lower) {
            return self.window_call(f, &lower);
        }
        if crate::func::agg::is_aggregate(&name) {
            return self.aggregate(f, &lower);
        }
        let lname = name.to_ascii_lowercase();
        if matches!(lname.as_str(), "coalesce" | "greatest" | "least" | "nullif") {
            if let ast::FunctionArguments::List(list) = &f.args {
                let plain: Option<Vec<&ast::Expr>> = list
                    .args
                    .iter()
                    .map(|a| match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                        _ => None,
                    })
                    .collect();
                if let Some(args) = plain.filter(|a| !a.is_empty()) {
                    return self.conditional_call(&lname, &args);
                }
            }
        }
        if let Some(e) = self.json_function(&lname, f) {
            return e;
        }
        let arg_positions: Vec<Option<u32>> = match &f.args {
            ast::FunctionArguments::List(list) => {
                list.args.iter().map(|a| self.position(a)).collect()
            }
            _ => Vec::new(),
        };
        let args: Vec<Expr> = match &f.args {
            ast::FunctionArguments::None => Vec::new(),
            ast::FunctionArguments::List(list) => list
                .args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => self.expr(e),
                    other => Err(SqlError::FeatureNotSupported(format!(
                        "function argument not supported yet: {other}"
                    ))),
                })
                .collect::<Result<_>>()?,
            ast::FunctionArguments::Subquery(q) if name.eq_ignore_ascii_case("array") => {
                return self.sublink(q, subquery::Kind::Array);
            }
            ast::FunctionArguments::Subquery(_) => {
                return Err(SqlError::FeatureNotSupported(
                    "subqueries are not supported yet".into(),
                ))
            }
        };
        if srf::is_srf(&lname) {
            let position = self.position(&f.name);
            return self.srf_call(&lname, args, position);
        }
        if arrayfn::is_array_function(&lname) {
            let position = self.position(&f.name);
            return self.array_function(&lname, args, (position, &arg_positions));
        }
        if let Some(e) = self.value_function(&lname, &args) {
            return e;
        }
        if let Some(e) = self.catalog_function(&lname, &args) {
            return e;
        }
        let first_arg = arg_positions.first().copied().flatten();
        if let Some(e) = self.sequence_call(&lname, args.clone(), first_arg) {
            return e;
        }
        let text = |s: String| Ok(Expr::Const(Value::Text(s), DataType::Text));
        match (name.as_str(), args.as_slice()) {
            ("version", []) => text(self.ctx.version()),
            // regtype in PostgreSQL; its output is format_type's name, which is what we return.
            ("pg_typeof", [a]) => text(a.data_type().sql_name().to_string()),
            ("current_setting", [Expr::Const(Value::Text(setting), _)]) => {
                let key = setting.to_lowercase();
                match self.ctx.setting(&key) {
                    Some(v) => text(v),
                    None => Err(SqlError::UnrecognizedParameter(setting.clone())),
                }
            }
            _ => {
                let position = self.position(&f.name);
                if let Some(e) = self.user_function(&lname, &args, &arg_positions, position) {
                    return e;
                }
                let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
                let sig = crate::func::resolve(&name, &types).map_err(|e| match e {
                    SqlError::UndefinedFunction { signature, .. } => SqlError::UndefinedFunction {
                        signature,
                        position,
                    },
                    SqlError::AmbiguousFunction { signature, .. } => SqlError::AmbiguousFunction {
                        signature,
                        position,
                    },
                    other => other,
                })?;
                let mut cast = Vec::with_capacity(args.len());
                for (i, (a, &t)) in args.into_iter().zip(&sig.params).enumerate() {
                    let at = arg_positions.get(i).copied().flatten();
                    cast.push(self.coerce_at(a, t, at)?);
                }
                Ok(Expr::Call {
                    func: crate::expr::Function(sig),
                    args: cast,
                })
            }
        }
    }
}
