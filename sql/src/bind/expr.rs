//! Binding the expression forms beyond columns, plain literals and plain calls: typed literals
//! (`date '...'`, `interval '1 day'`), operators resolved by `types::ops`, CASE and its shorthands
//! (COALESCE, NULLIF, GREATEST, LEAST), BETWEEN, IN lists, IS [NOT] TRUE/FALSE/UNKNOWN and
//! IS [NOT] DISTINCT FROM, LIKE/ILIKE with ESCAPE, AT TIME ZONE, and the SQL-syntax functions
//! (EXTRACT, SUBSTRING, TRIM, POSITION, OVERLAY, CEIL/FLOOR), which become ordinary built-ins.
//!
//! Typing follows PostgreSQL's parse analysis: an operator's operands are cast implicitly to the
//! operand types of the signature [`crate::types::resolve_binary`] picks; CASE results and the
//! arguments of COALESCE/GREATEST/LEAST meet at `select_common_type`'s answer ([`common_of`]).
//! Untyped literals are parsed while binding, under the session's DateStyle and TimeZone, and
//! their input errors point at the literal (`LINE 1: ...` with a caret), as PostgreSQL's do.

use sqlparser::ast;
use sqlparser::ast::Spanned;

use super::{type_and_typmod, Binder};
use crate::error::{Result, SqlError};
use crate::expr::{BinOp, Expr, Node};
use crate::types::cast::cast_context;
use crate::types::{self, DataType, TypeCategory, Value};

impl Binder<'_> {
    /// Position of the first non-blank character at or after the end of `node` (where an
    /// operator written after its left operand starts), skipping closing parentheses.
    pub(crate) fn position_after(&self, node: &impl Spanned) -> Option<u32> {
        let end = node.span().end;
        let offset = crate::parse::char_offset(self.source, end.line, end.column)?;
        let skipped = self
            .source
            .chars()
            .skip(offset)
            .take_while(|c| c.is_whitespace() || *c == ')')
            .count();
        Some((offset + skipped) as u32 + 1)
    }

    /// `type 'text'` and `'text'::type`: the type's input function applied while binding.
    pub(crate) fn typed_literal(
        &mut self,
        text: &str,
        data_type: &ast::DataType,
        at: Option<u32>,
    ) -> Result<Expr> {
        let (ty, typmod) = type_and_typmod(data_type)?;
        self.literal_as(text, ty, typmod, at)
    }

    fn literal_as(
        &mut self,
        text: &str,
        ty: DataType,
        typmod: i32,
        at: Option<u32>,
    ) -> Result<Expr> {
        let v = if ty == DataType::Interval && typmod >= 0 {
            // A field restriction changes how bare numbers read (`'2' HOUR`).
            let range = types::datetime::range::range_bits(typmod);
            Value::Interval(
                types::Interval::parse_styled(text, range, self.params.format().intervalstyle)
                    .map_err(|e| e.at(at))?,
            )
        } else {
            Value::parse_text_ctx(ty, text, self.params.format()).map_err(|e| e.at(at))?
        };
        let v = types::cast::apply_typmod(v, ty, typmod, true).map_err(|e| e.at(at))?;
        Ok(Expr::Const(v, ty))
    }

    /// `CAST(e AS t)` / `e::t` for a non-literal operand.
    pub(crate) fn cast_expr(
        &mut self,
        inner: Expr,
        data_type: &ast::DataType,
        at: Option<u32>,
    ) -> Result<Expr> {
        let (to, typmod) = type_and_typmod(data_type)?;
        let from = inner.data_type();
        if cast_context(from, to).is_none() {
            return Err(SqlError::CannotCoerce {
                from: from.sql_name(),
                to: to.sql_name(),
            }
            .at(at));
        }
        let cast = if from == to {
            inner
        } else {
            Expr::Cast(Box::new(inner), to)
        };
        Ok(if typmod >= 0 {
            Expr::Node {
                kind: Node::Typmod(typmod),
                args: vec![cast],
                ty: to,
            }
        } else {
            cast
        })
    }

    /// `INTERVAL '...'` (with no field restriction).
    pub(crate) fn interval_literal(&mut self, iv: &ast::Interval) -> Result<Expr> {
        let text = match iv.value.as_ref() {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                    s.clone()
                }
                ast::Value::Number(n, _) => n.clone(),
                _ => return Err(unsupported(&ast::Expr::Interval(iv.clone()))),
            },
            _ => return Err(unsupported(&ast::Expr::Interval(iv.clone()))),
        };
        let field = |f: &ast::DateTimeField| f.to_string().to_ascii_lowercase();
        let precision = iv
            .fractional_seconds_precision
            .or(iv.leading_precision)
            .map(|p| p as i32);
        let typmod = match (&iv.leading_field, &iv.last_field) {
            (Some(lead), last) => {
                let range = types::datetime::range::range_of(
                    &field(lead),
                    last.as_ref().map(field).as_deref(),
                )?;
                types::datetime::range::typmod(range, precision)
            }
            (None, _) => match precision {
                Some(p) => types::typmod::from_args(DataType::Interval, &[p])?,
                None => types::NO_TYPMOD,
            },
        };
        let at = self.position(iv.value.as_ref());
        self.literal_as(&text, DataType::Interval, typmod, at)
    }

    /// `left op right` for every operator but AND/OR: resolved by `types::resolve_binary`, with
    /// PostgreSQL's `operator does not exist` (42883) pointing at the operator.
    pub(crate) fn operator(
        &mut self,
        spelling: &str,
        left: &ast::Expr,
        right: &ast::Expr,
    ) -> Result<Expr> {
        let (l, r) = (self.expr(left)?, self.expr(right)?);
        let at = self.position_after(left);
        let (lp, rp) = (self.position(left), self.position(right));
        self.apply_operator(spelling, l, r, at, lp, rp)
    }

    /// Resolves and builds `l op r` from bound operands.
    pub(crate) fn apply_operator(
        &mut self,
        spelling: &str,
        l: Expr,
        r: Expr,
        at: Option<u32>,
        lp: Option<u32>,
        rp: Option<u32>,
    ) -> Result<Expr> {
        let (lt, rt) = (l.data_type(), r.data_type());
        let sig = types::resolve_binary(spelling, lt, rt)
            .filter(|s| implicit_ok(lt, s.left) && implicit_ok(rt, s.right))
            .ok_or_else(|| types::ops::undefined_operator(spelling, Some(lt), rt).at(at))?;
        let l = self.coerce_at(l, sig.left, lp)?;
        let r = self.coerce_at(r, sig.right, rp)?;
        // Comparisons of one type stay `Expr::Binary`: the planner recognises equalities there
        // (point lookups, hash-join and IN keys).
        if let (Some(op), true) = (comparison_op(sig.op), sig.left == sig.right) {
            return Ok(Expr::Binary {
                op,
                left: Box::new(l),
                right: Box::new(r),
                ty: DataType::Bool,
            });
        }
        Ok(Expr::Node {
            kind: Node::Op(sig),
            args: vec![l, r],
            ty: sig.result,
        })
    }

    /// A prefix operator other than NOT and unary minus of a number literal.
    pub(crate) fn prefix(
        &mut self,
        spelling: &str,
        operand: &ast::Expr,
        at: Option<u32>,
    ) -> Result<Expr> {
        let e = self.expr(operand)?;
        let t = e.data_type();
        let sig = types::resolve_unary(spelling, t)
            .filter(|s| implicit_ok(t, s.operand))
            .ok_or_else(|| types::ops::undefined_operator(spelling, None, t).at(at))?;
        let e = self.coerce_at(e, sig.operand, self.position(operand))?;
        Ok(Expr::Node {
            kind: Node::Prefix(sig),
            args: vec![e],
            ty: sig.result,
        })
    }

    /// Brings `exprs` to their common type (`select_common_type` for `what`: CASE, COALESCE, ...).
    fn unify(
        &mut self,
        exprs: Vec<(Expr, Option<u32>)>,
        what: &str,
    ) -> Result<(Vec<Expr>, DataType)> {
        let mut ty = DataType::Unknown;
        for (e, at) in &exprs {
            let t = e.data_type();
            ty = common_of(ty, t).ok_or_else(|| {
                SqlError::DatatypeMismatch(format!(
                    "{what} types {} and {} cannot be matched",
                    ty.sql_name(),
                    t.sql_name()
                ))
                .at(*at)
            })?;
        }
        if ty == DataType::Unknown {
            ty = DataType::Text;
        }
        let mut out = Vec::with_capacity(exprs.len());
        for (e, at) in exprs {
            out.push(self.coerce_at(e, ty, at)?);
        }
        Ok((out, ty))
    }

    /// CASE [operand] WHEN ... THEN ... [ELSE ...] END.
    pub(crate) fn case(
        &mut self,
        operand: Option<&ast::Expr>,
        conditions: &[ast::CaseWhen],
        else_result: Option<&ast::Expr>,
    ) -> Result<Expr> {
        let mut conds = Vec::with_capacity(conditions.len());
        for w in conditions {
            let c = match operand {
                // Simple CASE: `operand = value` with the operator's usual resolution.
                Some(op) => {
                    let at = self.position(&w.condition);
                    let l = self.expr(op)?;
                    let r = self.expr(&w.condition)?;
                    let (lp, rp) = (self.position(op), at);
                    let eq = self.apply_operator("=", l, r, at, lp, rp)?;
                    if eq.data_type() != DataType::Bool {
                        return Err(SqlError::DatatypeMismatch(
                            "argument of CASE/WHEN must be type boolean".into(),
                        ));
                    }
                    eq
                }
                None => self.bool_operand(&w.condition, "CASE/WHEN")?,
            };
            conds.push(c);
        }
        // PostgreSQL resolves the ELSE result first, then the THEN results in order (which
        // decides the wording of the mismatch error).
        let mut results = Vec::with_capacity(conditions.len() + 1);
        if let Some(e) = else_result {
            results.push((self.expr(e)?, self.position(e)));
        }
        for w in conditions {
            results.push((self.expr(&w.result)?, self.position(&w.result)));
        }
        let (mut results, ty) = self.unify(results, "CASE")?;
        if else_result.is_some() {
            let otherwise = results.remove(0);
            results.push(otherwise);
        }
        let mut args = Vec::with_capacity(conds.len() * 2 + 1);
        let mut results = results.into_iter();
        for c in conds {
            args.push(c);
            args.push(results.next().unwrap_or(Expr::Const(Value::Null, ty)));
        }
        args.extend(results);
        Ok(Expr::Node {
            kind: Node::Case,
            args,
            ty,
        })
    }

    /// COALESCE, GREATEST, LEAST (`kind`), and NULLIF as `CASE WHEN a = b THEN NULL ELSE a END`.
    pub(crate) fn conditional_call(&mut self, name: &str, args: &[&ast::Expr]) -> Result<Expr> {
        let mut bound = Vec::with_capacity(args.len());
        for a in args {
            bound.push((self.expr(a)?, self.position(*a)));
        }
        if name == "nullif" {
            let [(a, ap), (b, bp)]: [(Expr, Option<u32>); 2] =
                bound.try_into().map_err(|_| SqlError::Syntax {
                    message: "syntax error at or near \")\"".into(),
                    position: None,
                })?;
            let ty = if a.data_type() == DataType::Unknown {
                DataType::Text
            } else {
                a.data_type()
            };
            let a = self.coerce_at(a, ty, ap)?;
            let eq = self.apply_operator("=", a.clone(), b, ap, ap, bp)?;
            return Ok(Expr::Node {
                kind: Node::Case,
                args: vec![eq, Expr::Const(Value::Null, ty), a],
                ty,
            });
        }
        let (kind, what) = match name {
            "coalesce" => (Node::Coalesce, "COALESCE"),
            "greatest" => (Node::Greatest, "GREATEST"),
            _ => (Node::Least, "LEAST"),
        };
        let (args, ty) = self.unify(bound, what)?;
        if kind != Node::Coalesce && types::resolve_binary("<", ty, ty).is_none() {
            return Err(types::ops::undefined_operator("<", Some(ty), ty));
        }
        Ok(Expr::Node { kind, args, ty })
    }

    /// `e [NOT] BETWEEN [SYMMETRIC] lo AND hi` as PostgreSQL rewrites it.
    pub(crate) fn between(
        &mut self,
        e: &ast::Expr,
        negated: bool,
        low: &ast::Expr,
        high: &ast::Expr,
    ) -> Result<Expr> {
        let at = self.position_after(e);
        let (lo_op, hi_op) = if negated { ("<", ">") } else { (">=", "<=") };
        let x = self.expr(e)?;
        let lo = self.expr(low)?;
        let hi = self.expr(high)?;
        let (xp, lp, hp) = (self.position(e), self.position(low), self.position(high));
        let a = self.apply_operator(lo_op, x.clone(), lo, at, xp, lp)?;
        let b = self.apply_operator(hi_op, x, hi, at, xp, hp)?;
        Ok(bool_op(if negated { BinOp::Or } else { BinOp::And }, a, b))
    }

    /// `e [NOT] IN (v1, v2, ...)`: `e = v1 OR e = v2 ...` (negated: `<>` and AND), which has the
    /// same NULL semantics as PostgreSQL's `= ANY(ARRAY[...])`.
    pub(crate) fn in_list(
        &mut self,
        e: &ast::Expr,
        list: &[ast::Expr],
        negated: bool,
    ) -> Result<Expr> {
        let x = self.expr(e)?;
        let mut items = Vec::with_capacity(list.len());
        for item in list {
            items.push((self.expr(item)?, self.position(item)));
        }
        // All of them meet at one type first, as PostgreSQL does for the array form.
        let mut all = vec![(x, self.position(e))];
        all.extend(items);
        let at = self.position_after(e);
        let (mut all, _) = match self.unify(all.clone(), "IN") {
            Ok(u) => u,
            // Without a common type, each comparison resolves on its own.
            Err(_) => (all.into_iter().map(|(e, _)| e).collect(), DataType::Unknown),
        };
        let x = all.remove(0);
        let (op, join) = if negated {
            ("<>", BinOp::And)
        } else {
            ("=", BinOp::Or)
        };
        let mut out: Option<Expr> = None;
        for v in all {
            let cmp = self.apply_operator(op, x.clone(), v, at, None, None)?;
            out = Some(match out {
                None => cmp,
                Some(prev) => bool_op(join, prev, cmp),
            });
        }
        out.ok_or_else(|| SqlError::Syntax {
            message: "syntax error at or near \")\"".into(),
            position: None,
        })
    }

    /// `a IS [NOT] DISTINCT FROM b`.
    pub(crate) fn is_distinct(
        &mut self,
        l: &ast::Expr,
        r: &ast::Expr,
        negated: bool,
    ) -> Result<Expr> {
        let at = self.position_after(l);
        let (le, re) = (self.expr(l)?, self.expr(r)?);
        let eq = self.apply_operator("=", le, re, at, self.position(l), self.position(r))?;
        let (sig, args) = match eq {
            Expr::Node {
                kind: Node::Op(sig),
                args,
                ..
            } => (sig, args),
            Expr::Binary { left, right, .. } => {
                let t = left.data_type();
                let sig = types::resolve_binary("=", t, t).ok_or_else(|| {
                    SqlError::Internal("IS DISTINCT FROM without an operator".into())
                })?;
                (sig, vec![*left, *right])
            }
            _ => {
                return Err(SqlError::Internal(
                    "IS DISTINCT FROM without an operator".into(),
                ))
            }
        };
        Ok(Expr::Node {
            kind: Node::IsDistinct { eq: sig, negated },
            args,
            ty: DataType::Bool,
        })
    }

    /// `e IS [NOT] TRUE/FALSE`: `e IS [NOT] DISTINCT FROM true/false` over a boolean.
    pub(crate) fn bool_test(&mut self, e: &ast::Expr, value: bool, negated: bool) -> Result<Expr> {
        let what = match (value, negated) {
            (true, false) => "IS TRUE",
            (true, true) => "IS NOT TRUE",
            (false, false) => "IS FALSE",
            (false, true) => "IS NOT FALSE",
        };
        let x = self.bool_operand(e, what)?;
        let eq = types::resolve_binary("=", DataType::Bool, DataType::Bool)
            .ok_or_else(|| SqlError::Internal("no boolean equality".into()))?;
        Ok(Expr::Node {
            kind: Node::IsDistinct {
                eq,
                negated: !negated,
            },
            args: vec![x, Expr::Const(Value::Bool(value), DataType::Bool)],
            ty: DataType::Bool,
        })
    }

    /// `e IS [NOT] UNKNOWN`.
    pub(crate) fn unknown_test(&mut self, e: &ast::Expr, negated: bool) -> Result<Expr> {
        let what = if negated {
            "IS NOT UNKNOWN"
        } else {
            "IS UNKNOWN"
        };
        let x = self.bool_operand(e, what)?;
        Ok(Expr::IsNull {
            expr: Box::new(x),
            negated,
        })
    }

    /// `[NOT] LIKE/ILIKE pattern [ESCAPE esc]`: the pattern goes through `like_escape` when an
    /// escape is given, as PostgreSQL's grammar does.
    pub(crate) fn like(
        &mut self,
        e: &ast::Expr,
        pattern: &ast::Expr,
        escape: Option<&ast::Expr>,
        negated: bool,
        ci: bool,
    ) -> Result<Expr> {
        let spelling = match (negated, ci) {
            (false, false) => "~~",
            (true, false) => "!~~",
            (false, true) => "~~*",
            (true, true) => "!~~*",
        };
        let at = self.position_after(e);
        let x = self.expr(e)?;
        let mut p = self.expr(pattern)?;
        if let Some(esc) = escape {
            let esc_b = self.expr(esc)?;
            p = self.call("like_escape", vec![p, esc_b], None)?;
        }
        let (xp, pp) = (self.position(e), self.position(pattern));
        self.apply_operator(spelling, x, p, at, xp, pp)
    }

    /// `l op ANY (array)` / `l op ALL (array)` over an array value.
    pub(crate) fn array_comparison(
        &mut self,
        left: &ast::Expr,
        op: &ast::BinaryOperator,
        right: &ast::Expr,
        all: bool,
    ) -> Result<Expr> {
        let spelling = super::typing::binary_spelling(op).ok_or_else(|| {
            SqlError::FeatureNotSupported(format!("operator not supported yet: {op}"))
        })?;
        // PostgreSQL points at the operator.
        let at = self.position_after(left);
        let l = self.expr(left)?;
        let mut r = self.expr(right)?;
        if r.data_type() == DataType::Unknown {
            // `x = ANY('{1,2}')`: the literal is an array of the left operand's type.
            let ty = l.data_type().array_of().unwrap_or(DataType::TextArray);
            r = self.coerce_at(r, ty, at)?;
        }
        let Some(elem) = r.data_type().elem() else {
            return Err(SqlError::WrongObjectType {
                message: "op ANY/ALL (array) requires array on right side".into(),
                hint: None,
            }
            .at(at));
        };
        let lt = l.data_type();
        let sig = types::resolve_binary(spelling, lt, elem)
            .filter(|s| implicit_ok(lt, s.left) && implicit_ok(elem, s.right))
            .ok_or_else(|| types::ops::undefined_operator(spelling, Some(lt), elem).at(at))?;
        if sig.result != DataType::Bool {
            return Err(SqlError::DatatypeMismatch(
                "op ANY/ALL (array) requires operator to yield boolean".into(),
            )
            .at(at));
        }
        let l = self.coerce_at(l, sig.left, None)?;
        let r = match sig.right.array_of() {
            Some(arr) if sig.right != elem => self.coerce_at(r, arr, at)?,
            _ => r,
        };
        Ok(Expr::Node {
            kind: Node::ArrayCmp { sig, all },
            args: vec![l, r],
            ty: DataType::Bool,
        })
    }

    /// A built-in call from bound arguments (SQL-syntax functions).
    pub(crate) fn call(&mut self, name: &str, args: Vec<Expr>, at: Option<u32>) -> Result<Expr> {
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let sig = crate::func::resolve(name, &types).map_err(|e| e.at(at))?;
        let mut cast = Vec::with_capacity(args.len());
        for (a, &t) in args.into_iter().zip(&sig.params) {
            cast.push(self.coerce_at(a, t, None)?);
        }
        Ok(Expr::Call {
            func: crate::expr::Function(sig),
            args: cast,
        })
    }

    /// EXTRACT(field FROM e) → `extract('field', e)`.
    pub(crate) fn extract(&mut self, field: &ast::DateTimeField, e: &ast::Expr) -> Result<Expr> {
        let name = match field {
            ast::DateTimeField::Custom(i) => i.value.to_lowercase(),
            ast::DateTimeField::Week(_) => "week".into(),
            other => other.to_string().to_lowercase(),
        };
        let x = self.expr(e)?;
        let at = self.position(e);
        self.call(
            "extract",
            vec![Expr::Const(Value::Text(name), DataType::Text), x],
            at,
        )
    }

    /// `ts AT TIME ZONE zone` → `timezone(zone, ts)`.
    pub(crate) fn at_time_zone(&mut self, ts: &ast::Expr, zone: &ast::Expr) -> Result<Expr> {
        let t = self.expr(ts)?;
        let z = self.expr(zone)?;
        let at = self.position_after(ts);
        self.call("timezone", vec![z, t], at)
    }

    /// The SQL-syntax string functions.
    pub(crate) fn special_call(&mut self, e: &ast::Expr) -> Result<Expr> {
        use ast::Expr as E;
        let at = self.position(e);
        let bind_all = |b: &mut Self, xs: &[&ast::Expr]| -> Result<Vec<Expr>> {
            xs.iter().map(|x| b.expr(x)).collect()
        };
        match e {
            E::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut xs: Vec<&ast::Expr> = vec![expr];
                match (substring_from, substring_for) {
                    (Some(f), Some(n)) => {
                        xs.push(f);
                        xs.push(n);
                    }
                    (Some(f), None) => xs.push(f),
                    // SUBSTRING(x FOR n) is SUBSTRING(x FROM 1 FOR n).
                    (None, Some(n)) => {
                        let args = bind_all(self, &[expr, n])?;
                        let mut args = args.into_iter();
                        let (x, n) = (args.next(), args.next());
                        let (Some(x), Some(n)) = (x, n) else {
                            return Err(unsupported(e));
                        };
                        return self.call(
                            "substring",
                            vec![x, Expr::Const(Value::Int4(1), DataType::Int4), n],
                            at,
                        );
                    }
                    (None, None) => {}
                }
                let args = bind_all(self, &xs)?;
                self.call("substring", args, at)
            }
            E::Position { expr, r#in } => {
                let args = bind_all(self, &[r#in, expr])?;
                self.call("position", args, at)
            }
            E::Overlay {
                expr,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                let mut xs: Vec<&ast::Expr> = vec![expr, overlay_what, overlay_from];
                if let Some(n) = overlay_for {
                    xs.push(n);
                }
                let args = bind_all(self, &xs)?;
                self.call("overlay", args, at)
            }
            E::Trim {
                trim_where,
                trim_what,
                expr,
                trim_characters,
            } => {
                let name = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                };
                let mut xs: Vec<&ast::Expr> = vec![expr];
                if let Some(w) = trim_what {
                    xs.push(w);
                }
                if let Some(cs) = trim_characters {
                    xs.extend(cs.iter());
                }
                let args = bind_all(self, &xs)?;
                self.call(name, args, at)
            }
            E::Ceil { expr, field } | E::Floor { expr, field } => {
                let name = if matches!(e, E::Ceil { .. }) {
                    "ceil"
                } else {
                    "floor"
                };
                match field {
                    ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime) => {}
                    _ => return Err(unsupported(e)),
                }
                let args = bind_all(self, &[expr])?;
                self.call(name, args, at)
            }
            other => Err(unsupported(other)),
        }
    }
}

/// The binder's own operator for a comparison of `types::ops`.
fn comparison_op(op: types::BinaryOp) -> Option<BinOp> {
    use types::BinaryOp as B;
    Some(match op {
        B::Eq => BinOp::Eq,
        B::NotEq => BinOp::NotEq,
        B::Lt => BinOp::Lt,
        B::LtEq => BinOp::LtEq,
        B::Gt => BinOp::Gt,
        B::GtEq => BinOp::GtEq,
        _ => return None,
    })
}

impl Binder<'_> {
    /// SQL value functions written without parentheses or with a precision
    /// (`current_timestamp(2)`, `localtime`, `current_schema`, `current_user`, ...), and a type
    /// name called as a function (`date(x)`, `float8(x)`: a cast, as PostgreSQL's
    /// `func_get_detail` answers when no function has that name). `None`: not one of these.
    pub(crate) fn value_function(&mut self, name: &str, args: &[Expr]) -> Option<Result<Expr>> {
        let text = |s: Option<String>| match s {
            Some(s) => Expr::Const(Value::Text(s), DataType::Text),
            None => Expr::Const(Value::Null, DataType::Text),
        };
        match (name, args) {
            ("current_schema", []) => {
                let first = self.ctx.catalog().search_path().into_iter().next();
                Some(Ok(text(first)))
            }
            ("current_user" | "session_user" | "user" | "current_role", []) => {
                Some(Ok(text(self.ctx.setting("session_authorization"))))
            }
            (
                "current_timestamp" | "localtimestamp" | "localtime",
                [Expr::Const(Value::Int4(p), _)],
            ) => {
                let p = *p;
                Some(self.call(name, Vec::new(), None).and_then(|call| {
                    let ty = call.data_type();
                    let typmod = types::typmod::from_args(ty, &[p])?;
                    Ok(Expr::Node {
                        kind: Node::Typmod(typmod),
                        args: vec![call],
                        ty,
                    })
                }))
            }
            (_, [arg]) if crate::func::resolve(name, &[arg.data_type()]).is_err() => {
                let (to, _) = types::typmod::parse_type_name(name).ok()?;
                let from = arg.data_type();
                if from == DataType::Unknown || cast_context(from, to).is_none() {
                    return None;
                }
                Some(Ok(if from == to {
                    arg.clone()
                } else {
                    Expr::Cast(Box::new(arg.clone()), to)
                }))
            }
            _ => None,
        }
    }
}

/// AND/OR of two boolean expressions.
fn bool_op(op: BinOp, l: Expr, r: Expr) -> Expr {
    Expr::Binary {
        op,
        left: Box::new(l),
        right: Box::new(r),
        ty: DataType::Bool,
    }
}

fn unsupported(e: &ast::Expr) -> SqlError {
    SqlError::FeatureNotSupported(format!("expression not supported yet: {e}"))
}

/// Whether a value of `from` reaches `to` by an implicit cast (what operator arguments allow).
fn implicit_ok(from: DataType, to: DataType) -> bool {
    types::can_cast(from, to, types::CastContext::Implicit)
}

/// PostgreSQL's `select_common_type` for two types: unknown yields to the other; within a
/// category the type the other casts to implicitly wins (the preferred type on a tie).
pub(crate) fn common_of(a: DataType, b: DataType) -> Option<DataType> {
    if a == b || b == DataType::Unknown {
        return Some(a);
    }
    if a == DataType::Unknown {
        return Some(b);
    }
    if a.category() != b.category() {
        return None;
    }
    let (ab, ba) = (implicit_ok(a, b), implicit_ok(b, a));
    match (ab, ba) {
        (true, false) => Some(b),
        (false, true) => Some(a),
        (true, true) => Some(
            if a.is_preferred() || a.category() == TypeCategory::String && a == DataType::Text {
                a
            } else {
                b
            },
        ),
        (false, false) => None,
    }
}
