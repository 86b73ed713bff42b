//! Row constructors: `ROW(a, b)` and `(a, b)` as values of type `record` ([`Node::Row`]).
//!
//! Fields keep their expressions' types; an untyped literal field becomes text, as PostgreSQL
//! resolves unknown row fields. Comparisons between records use `record_cmp`'s order (see
//! `types::record`).

use sqlparser::ast;

use super::Binder;
use crate::error::{Result, SqlError};
use crate::expr::{Expr, Node};
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

impl Binder<'_> {
    /// `ROW(args)`.
    pub(crate) fn row_call(&mut self, f: &ast::Function) -> Result<Expr> {
        let mut items = Vec::new();
        if let ast::FunctionArguments::List(list) = &f.args {
            for a in &list.args {
                match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => items.push(e),
                    other => {
                        return Err(SqlError::FeatureNotSupported(format!(
                            "row field not supported yet: {other}"
                        )))
                    }
                }
            }
        }
        self.row_constructor(&items)
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
