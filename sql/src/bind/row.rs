//! Row constructors: `ROW(a, b)` and `(a, b)` as values of type `record` ([`Node::Row`]).
//!
//! Fields keep their expressions' types; an untyped literal field becomes text, as PostgreSQL
//! resolves unknown row fields. A comparison of two row constructors is PostgreSQL's row-wise
//! comparison (`(a, b) < (c, d)` is `a < c OR (a = c AND b < d)`, so NULL fields give NULL);
//! other comparisons between records use `record_cmp`'s order (see `types::record`).

use sqlparser::ast;

use super::Binder;
use crate::error::{Result, SqlError};
use crate::expr::{BinOp, Expr, Node};
use crate::types::DataType;

/// Whether a call is the row constructor `ROW(...)` (not a function named "row" in quotes).
pub(crate) fn is_row_call(f: &ast::Function) -> bool {
    matches!(f.name.0.as_slice(), [p] if p.as_ident().is_some_and(|i| i.quote_style.is_none()
        && i.value.eq_ignore_ascii_case("row")))
        && matches!(
            f.args,
            ast::FunctionArguments::List(_) | ast::FunctionArguments::None
        )
        && f.over.is_none()
}

/// The fields of a row constructor written in the query (`ROW(a, b)` or `(a, b)`).
fn constructor_fields(e: &ast::Expr) -> Option<Vec<&ast::Expr>> {
    match e {
        ast::Expr::Tuple(items) => Some(items.iter().collect()),
        ast::Expr::Nested(inner) => constructor_fields(inner),
        ast::Expr::Function(f) if is_row_call(f) => match &f.args {
            ast::FunctionArguments::List(list) => list
                .args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect(),
            _ => Some(Vec::new()),
        },
        _ => None,
    }
}

impl Binder<'_> {
    /// `ROW(a1, a2) op ROW(b1, b2)` for a comparison `op`, field by field; `None` when the
    /// operands are not both row constructors.
    pub(crate) fn row_comparison(
        &mut self,
        op: &str,
        left: &ast::Expr,
        right: &ast::Expr,
    ) -> Option<Result<Expr>> {
        if !matches!(op, "=" | "<>" | "!=" | "<" | "<=" | ">" | ">=") {
            return None;
        }
        let (l, r) = (constructor_fields(left)?, constructor_fields(right)?);
        if l.is_empty() {
            return None;
        }
        if l.len() != r.len() {
            return Some(Err(SqlError::Syntax {
                message: "unequal number of entries in row expressions".into(),
                position: self.after(left),
            }));
        }
        Some(self.row_compare_fields(op, &l, &r))
    }

    fn row_compare_fields(&mut self, op: &str, l: &[&ast::Expr], r: &[&ast::Expr]) -> Result<Expr> {
        let and = |a: Expr, b: Expr, op: BinOp| Expr::Binary {
            op,
            left: Box::new(a),
            right: Box::new(b),
            ty: DataType::Bool,
        };
        match op {
            "=" | "<>" | "!=" => {
                let join = if op == "=" { BinOp::And } else { BinOp::Or };
                let mut out: Option<Expr> = None;
                for (a, b) in l.iter().zip(r) {
                    let c = self.operator(op, a, b)?;
                    out = Some(match out {
                        None => c,
                        Some(prev) => and(prev, c, join),
                    });
                }
                out.ok_or_else(|| SqlError::Internal("empty row comparison".into()))
            }
            _ => {
                // a1 op' b1 OR (a1 = b1 AND rest), the last pair with op itself.
                let strict = &op[..1];
                let (a, b) = (l[0], r[0]);
                if l.len() == 1 {
                    return self.operator(op, a, b);
                }
                let first = self.operator(strict, a, b)?;
                let equal = self.operator("=", a, b)?;
                let rest = self.row_compare_fields(op, &l[1..], &r[1..])?;
                Ok(and(first, and(equal, rest, BinOp::And), BinOp::Or))
            }
        }
    }

    /// `ROW(args)`; a `t.*` among the args stands for the FROM item's columns.
    pub(crate) fn row_call(&mut self, f: &ast::Function) -> Result<Expr> {
        let mut args = Vec::new();
        if let ast::FunctionArguments::List(list) = &f.args {
            for a in &list.args {
                match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                        let x = self.expr(e)?;
                        args.push(self.text_if_unknown(x)?);
                    }
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::QualifiedWildcard(name)) => {
                        let rel = super::object_name(name);
                        let Some(cols) = self.range_columns(&rel) else {
                            return Err(SqlError::MissingFromEntry {
                                name: rel,
                                position: None,
                            });
                        };
                        for (_, e) in cols {
                            self.note_columns(&e);
                            args.push(e);
                        }
                    }
                    // PostgreSQL's grammar has no `ROW(*)`.
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => {
                        return Err(SqlError::Syntax {
                            message: "syntax error at or near \"*\"".into(),
                            position: None,
                        })
                    }
                    other => {
                        return Err(SqlError::FeatureNotSupported(format!(
                            "row field not supported yet: {other}"
                        )))
                    }
                }
            }
        }
        Ok(row_of(args))
    }

    /// A record of the expressions' values.
    pub(crate) fn row_constructor(&mut self, items: &[&ast::Expr]) -> Result<Expr> {
        let mut args = Vec::with_capacity(items.len());
        for e in items {
            let x = self.expr(e)?;
            args.push(self.text_if_unknown(x)?);
        }
        Ok(row_of(args))
    }

    fn text_if_unknown(&mut self, x: Expr) -> Result<Expr> {
        if x.data_type() == DataType::Unknown {
            self.coerce_at(x, DataType::Text, None)
        } else {
            Ok(x)
        }
    }
}

/// The record of bound expressions.
pub(crate) fn row_of(args: Vec<Expr>) -> Expr {
    Expr::Node {
        kind: Node::Row,
        args,
        ty: DataType::Record,
    }
}

/// Field `n` of a record expression.
pub(crate) fn field_of(record: Expr, n: usize, ty: DataType) -> Expr {
    Expr::Node {
        kind: Node::Field(n),
        args: vec![record],
        ty,
    }
}
