//! Set-returning functions of `func::table` in FROM (`json_each(...)`,
//! `jsonb_to_record(...) AS x(a int, b text)`): resolved like scalar calls, bound to a
//! pseudo-table and `LocalKind::Table`, whose rows the executor makes where the plan runs.
//!
//! Columns are the function's own (PostgreSQL's OUT parameter names: a table alias renames
//! the range, not a column), or, for a function returning `record`, the column definition
//! list, which is then required (42601 without it, and 42601 for one given to a function
//! with its own columns).

use std::sync::Arc;

use sqlparser::ast;

use super::{object_name, typing, Binder};
use crate::catalog::{ColumnDef, TableDef};
use crate::error::{Result, SqlError};
use crate::func::table;
use crate::plan::{LocalKind, TableCall};

fn syntax(message: String, position: Option<u32>) -> SqlError {
    SqlError::Syntax { message, position }
}

/// Whether `name` is a function of `func::table` (WITH ORDINALITY is bound only for those).
pub(super) fn is_table_function(name: &ast::ObjectName) -> bool {
    let full = object_name(name).to_ascii_lowercase();
    table::exists(full.strip_prefix("pg_catalog.").unwrap_or(&full))
}

impl Binder<'_> {
    /// Binds `name(args) [AS alias ...]` when `name` is a table function; `None` otherwise.
    pub(super) fn table_function(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
        ordinality: bool,
    ) -> Option<Result<(Arc<TableDef>, LocalKind)>> {
        let full = object_name(name).to_ascii_lowercase();
        let fname = full
            .strip_prefix("pg_catalog.")
            .unwrap_or(&full)
            .to_string();
        table::exists(&fname)
            .then(|| self.bind_table_function(name, &fname, args, alias, ordinality))
    }

    /// `pg_partition_ancestors`' hidden second argument (`func::table`): every partition with
    /// its parent and every partitioned root with 0, as OID pairs, from the catalog now.
    pub(super) fn partition_map(&self) -> crate::expr::Expr {
        use crate::types::{DataType, Value};
        let mut items = Vec::new();
        for t in self.ctx.catalog().tables() {
            let parent = match (&t.partition_of, &t.partition_by) {
                (Some(of), _) => crate::syscat::oids::table(of.parent),
                (None, Some(_)) => 0,
                (None, None) => continue,
            };
            items.extend([
                Value::Oid(crate::syscat::oids::table(t.id)),
                Value::Oid(parent),
            ]);
        }
        let array = crate::types::Array::from_items(DataType::Oid, items);
        crate::expr::Expr::Const(Value::Array(Box::new(array)), DataType::OidArray)
    }

    fn bind_table_function(
        &mut self,
        name: &ast::ObjectName,
        fname: &str,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
        ordinality: bool,
    ) -> Result<(Arc<TableDef>, LocalKind)> {
        let at = self.position(name);
        let mut bound = Vec::with_capacity(args.len());
        let mut positions = Vec::with_capacity(args.len());
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    positions.push(self.position(e));
                    bound.push(self.expr(e)?);
                }
                other => {
                    return Err(SqlError::FeatureNotSupported(format!(
                        "function argument not supported yet: {other}"
                    )))
                }
            }
        }
        if fname == "pg_partition_ancestors" && bound.len() == 1 {
            bound.push(self.partition_map());
            positions.push(None);
        }
        let types: Vec<_> = bound.iter().map(crate::expr::Expr::data_type).collect();
        let (tf, sig) = table::resolve(fname, &types)
            .unwrap_or_else(|| Err(SqlError::Internal("table function vanished".into())))
            .map_err(|e| e.at(at))?;
        let mut cast = Vec::with_capacity(bound.len());
        for ((e, &t), p) in bound.into_iter().zip(&sig.params).zip(positions) {
            cast.push(self.coerce_at(e, t, p)?);
        }
        let defs = alias.map_or(&[][..], |a| a.columns.as_slice());
        let typed = defs.iter().any(|c| c.data_type.is_some());
        let columns: Vec<(String, crate::types::DataType)> = if tf.columns.is_empty() {
            if !typed || defs.iter().any(|c| c.data_type.is_none()) {
                return Err(syntax(
                    "a column definition list is required for functions returning \"record\""
                        .into(),
                    at,
                ));
            }
            defs.iter()
                .map(|c| {
                    let ty = c.data_type.as_ref().map(typing::data_type_of).transpose()?;
                    Ok((
                        super::ident(&c.name),
                        ty.unwrap_or(crate::types::DataType::Text),
                    ))
                })
                .collect::<Result<_>>()?
        } else {
            if typed {
                let message = if tf.columns.len() == 1 && tf.columns[0].0 == tf.sig.name {
                    "a column definition list is only allowed for functions returning \"record\""
                } else {
                    "a column definition list is redundant for a function with OUT parameters"
                };
                let start = defs[0].name.span.start;
                let at = crate::parse::char_offset(self.source, start.line, start.column)
                    .map(|o| o as u32 + 1);
                return Err(syntax(message.into(), at));
            }
            tf.columns
                .iter()
                .map(|(n, t)| (n.to_string(), *t))
                .collect()
        };
        let mut columns = columns;
        if ordinality {
            columns.push(("ordinality".into(), crate::types::DataType::Int8));
        }
        let table = Arc::new(TableDef {
            database: crate::catalog::DEFAULT_DATABASE.into(),
            name: tf.sig.name.into(),
            columns: columns
                .iter()
                .map(|(n, t)| ColumnDef::new(n.clone(), *t))
                .collect(),
            ..Default::default()
        });
        let call = TableCall {
            name: tf.sig.name,
            rows: tf.rows,
            strict: tf.sig.strict,
            columns,
            ordinality,
        };
        Ok((
            table,
            LocalKind::Table {
                func: call,
                args: cast,
            },
        ))
    }
}
