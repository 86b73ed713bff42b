//! Binding DML: INSERT ... VALUES, and recognising primary-key point lookups in WHERE clauses.

use sqlparser::ast;

use super::{coerce, fill_params, ident, Binder, Statement};
use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::expr::{BinOp, Expr};
use crate::types::Value;

impl Binder<'_> {
    pub(super) fn insert(&mut self, ins: &ast::Insert) -> Result<Statement> {
        let unsupported = |what: &str| {
            Err(SqlError::FeatureNotSupported(format!(
                "{what} is not supported yet"
            )))
        };
        if ins.on.is_some() || ins.returning.is_some() {
            return unsupported("ON CONFLICT and RETURNING");
        }
        let ast::TableObject::TableName(name) = &ins.table else {
            return unsupported("INSERT into a table function");
        };
        let table = self.table(name)?;
        // Target columns: the list given, or all columns in order.
        let targets: Vec<usize> = if ins.columns.is_empty() {
            (0..table.columns.len()).collect()
        } else {
            let mut t = Vec::with_capacity(ins.columns.len());
            for c in &ins.columns {
                let n =
                    c.0.last()
                        .and_then(|p| p.as_ident())
                        .map(ident)
                        .unwrap_or_default();
                let i =
                    table
                        .column_index(&n)
                        .ok_or_else(|| SqlError::UndefinedColumnOfRelation {
                            column: n.clone(),
                            table: table.name.clone(),
                            position: self.position(c),
                        })?;
                if t.contains(&i) {
                    return Err(SqlError::DuplicateColumn(n));
                }
                t.push(i);
            }
            t
        };
        let Some(source) = &ins.source else {
            return unsupported("INSERT ... DEFAULT VALUES");
        };
        let ast::SetExpr::Values(values) = source.body.as_ref() else {
            return unsupported("INSERT ... SELECT");
        };
        let mut rows = Vec::with_capacity(values.rows.len());
        for row in &values.rows {
            let exprs = &row.content;
            if exprs.len() > targets.len() {
                return Err(SqlError::Syntax {
                    message: "INSERT has more expressions than target columns".into(),
                    position: None,
                });
            }
            if exprs.len() < targets.len() {
                return Err(SqlError::Syntax {
                    message: "INSERT has more target columns than expressions".into(),
                    position: None,
                });
            }
            let mut full: Vec<Expr> = table
                .columns
                .iter()
                .map(|c| Expr::Const(Value::Null, c.ty))
                .collect();
            for (e, &col) in exprs.iter().zip(&targets) {
                let ty = table.columns[col].ty;
                let is_default = matches!(e, ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"));
                full[col] = if is_default {
                    Expr::Const(Value::Null, ty)
                } else {
                    let bound = self.expr(e)?;
                    coerce(bound, ty, &mut self.params)?
                };
            }
            rows.push(full);
        }
        let param_types = self.param_types()?;
        let rows = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|e| fill_params(e, &param_types))
                    .collect()
            })
            .collect();
        Ok(Statement::Insert {
            table,
            rows,
            param_types,
        })
    }
}

/// If `filter` is a conjunction that fixes every primary-key column with `column = expr` (expr not
/// reading the row), the key expressions in key order.
pub(crate) fn point_key(filter: &Expr, table: &TableDef) -> Option<Vec<Expr>> {
    let pk = table.primary_key.as_ref()?;
    let mut eqs: Vec<(usize, &Expr)> = Vec::new();
    collect_equalities(filter, &mut eqs);
    pk.iter()
        .map(|col| {
            eqs.iter()
                .find(|(c, _)| c == col)
                .map(|(_, e)| (*e).clone())
        })
        .collect()
}

fn collect_equalities<'a>(e: &'a Expr, out: &mut Vec<(usize, &'a Expr)>) {
    match e {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => {
            collect_equalities(left, out);
            collect_equalities(right, out);
        }
        Expr::Binary {
            op: BinOp::Eq,
            left,
            right,
            ..
        } => match (left.as_ref(), right.as_ref()) {
            (Expr::Column(c, _), other) | (other, Expr::Column(c, _)) if !reads_row(other) => {
                out.push((*c, other))
            }
            _ => {}
        },
        _ => {}
    }
}

fn reads_row(e: &Expr) -> bool {
    match e {
        Expr::Column(..) => true,
        Expr::Const(..) | Expr::Param(..) => false,
        Expr::Cast(inner, _) | Expr::Neg(inner) | Expr::Not(inner) => reads_row(inner),
        Expr::IsNull { expr, .. } => reads_row(expr),
        Expr::Binary { left, right, .. } => reads_row(left) || reads_row(right),
    }
}
