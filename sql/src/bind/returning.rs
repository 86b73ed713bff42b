//! Binding `RETURNING` of INSERT, UPDATE and DELETE.
//!
//! The list is bound over the target table's row (as PostgreSQL does: the row inserted, the new
//! row of an UPDATE, the old row of a DELETE) and wraps the write as [`Statement::Returning`].
//! The session evaluates it over the rows the write reports back (`server/src/session/returning.rs`);
//! shards ship the affected rows only when [`super::WritePlan::returning`] is set.
//!
//! Left out: subqueries inside RETURNING (the rows are evaluated at the session, outside a
//! gathered scan), and `OLD`/`NEW` qualifiers (PostgreSQL 18).

use std::sync::Arc;

use sqlparser::ast;

use super::{column_name, fill_params, ident, Binder, Statement};
use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::types::DataType;

/// A bound RETURNING list: expressions over the table row, and the result columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Returning {
    pub exprs: Vec<Expr>,
    pub columns: Vec<(String, DataType)>,
}

impl Binder<'_> {
    /// Binds `items` over `table`'s row. Parameters are filled by [`wrap`].
    pub(super) fn returning_list(
        &mut self,
        table: &Arc<TableDef>,
        alias: Option<String>,
        items: &[ast::SelectItem],
    ) -> Result<Returning> {
        let saved = (
            self.scope.replace(table.clone()),
            std::mem::replace(&mut self.scope_name, alias.clone()),
        );
        let saved_aggs = std::mem::take(&mut self.aggs);
        self.aggs.clause = "RETURNING";
        let bound = self.returning_items(table, alias.as_deref(), items);
        self.aggs = saved_aggs;
        (self.scope, self.scope_name) = saved;
        bound
    }

    fn returning_items(
        &mut self,
        table: &Arc<TableDef>,
        alias: Option<&str>,
        items: &[ast::SelectItem],
    ) -> Result<Returning> {
        let sublinks = self.sublinks;
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        let all_columns = |exprs: &mut Vec<Expr>, columns: &mut Vec<(String, DataType)>| {
            for (i, c) in table.columns.iter().enumerate() {
                exprs.push(Expr::Column(i, c.ty));
                columns.push((c.name.clone(), c.ty));
            }
        };
        for item in items {
            let (e, name) = match item {
                ast::SelectItem::UnnamedExpr(e) => (e, column_name(e)),
                ast::SelectItem::ExprWithAlias { expr, alias } => (expr, ident(alias)),
                ast::SelectItem::Wildcard(_) => {
                    all_columns(&mut exprs, &mut columns);
                    continue;
                }
                ast::SelectItem::QualifiedWildcard(
                    ast::SelectItemQualifiedWildcardKind::ObjectName(name),
                    _,
                ) => {
                    let rel = name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .map(ident)
                        .unwrap_or_default();
                    if rel != alias.unwrap_or(&table.name) {
                        return Err(SqlError::MissingFromEntry {
                            name: rel,
                            position: None,
                        });
                    }
                    all_columns(&mut exprs, &mut columns);
                    continue;
                }
                _ => {
                    return Err(SqlError::FeatureNotSupported(
                        "this kind of RETURNING item is not supported yet".into(),
                    ))
                }
            };
            let bound = super::resolve_unknown(self.expr(e)?, DataType::Text);
            columns.push((name, bound.data_type()));
            exprs.push(bound);
        }
        if self.sublinks != sublinks {
            return Err(SqlError::FeatureNotSupported(
                "subqueries in RETURNING are not supported yet".into(),
            ));
        }
        Ok(Returning { exprs, columns })
    }
}

/// Wraps a bound write in its RETURNING list (if any), filling the list's parameters.
pub(super) fn wrap(
    inner: Statement,
    ret: Option<Returning>,
    param_types: &[DataType],
) -> Statement {
    match ret {
        None => inner,
        Some(r) => Statement::Returning {
            inner: Box::new(inner),
            exprs: r
                .exprs
                .into_iter()
                .map(|e| fill_params(e, param_types))
                .collect(),
            columns: r.columns,
        },
    }
}
