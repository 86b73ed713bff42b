//! Table-less row sources in FROM: `generate_series(...)` and `(VALUES ...)`.
//!
//! Each becomes a pseudo-table (so names resolve as for a stored table) and a [`LocalKind`] in the
//! plan: its rows are made where the plan runs, never on the shards.

use std::sync::Arc;

use sqlparser::ast;

use super::{coerce, ident, Binder};
use crate::catalog::{ColumnDef, TableDef};
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::plan::LocalKind;
use crate::types::DataType;

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

/// The overload of `generate_series` PostgreSQL picks for these argument types: the element
/// type and the step's type (int4, int8 or numeric steps by its own type; timestamps by
/// interval, where a timestamptz or date argument, or only literals, pick timestamptz).
pub(super) fn series_types(args: &[Expr], position: Option<u32>) -> Result<(DataType, DataType)> {
    use DataType::*;
    let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
    let all_in = |set: &[DataType]| types.iter().all(|t| set.contains(t));
    if all_in(&[Int2, Int4, Unknown]) {
        return Ok((Int4, Int4));
    }
    if all_in(&[Int2, Int4, Int8, Unknown]) {
        return Ok((Int8, Int8));
    }
    if all_in(&[Int2, Int4, Int8, Numeric, Unknown]) {
        return Ok((Numeric, Numeric));
    }
    let stamps = [Timestamp, Timestamptz, Date, Unknown];
    if types.len() == 3
        && stamps.contains(&types[0])
        && stamps.contains(&types[1])
        && matches!(types[2], Interval | Unknown)
    {
        let ty = if types[..2].contains(&Timestamp)
            && !types[..2].contains(&Timestamptz)
            && !types[..2].contains(&Date)
        {
            Timestamp
        } else {
            Timestamptz
        };
        return Ok((ty, Interval));
    }
    Err(SqlError::UndefinedFunction {
        signature: crate::func::signature("generate_series", &types),
        position,
    })
}

impl Binder<'_> {
    /// `FROM unnest(array)`: a one-column pseudo-table of the elements, named `unnest`.
    fn unnest(&mut self, args: &[ast::FunctionArg]) -> Result<(Arc<TableDef>, LocalKind)> {
        let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] = args else {
            return unsupported("this unnest call");
        };
        let array = self.expr(e)?;
        let Some(elem) = array.data_type().elem() else {
            return Err(SqlError::UndefinedFunction {
                signature: crate::func::signature("unnest", &[array.data_type()]),
                position: self.position(e),
            });
        };
        let table = Arc::new(TableDef {
            database: crate::catalog::DEFAULT_DATABASE.into(),
            name: "unnest".into(),
            columns: vec![ColumnDef::new("unnest", elem)],
            ..Default::default()
        });
        Ok((table, LocalKind::Unnest(Box::new(array))))
    }

    /// `FROM generate_series(start, stop [, step]) [AS alias [(column)]]` over integers, numeric
    /// or timestamps: the scope becomes a one-column pseudo-table named like PostgreSQL names it.
    pub(super) fn series(
        &mut self,
        name: &ast::ObjectName,
        alias: Option<&ast::TableAlias>,
        args: &[ast::FunctionArg],
    ) -> Result<(Arc<TableDef>, LocalKind)> {
        let fname = super::object_name(name);
        if fname == "unnest" || fname == "pg_catalog.unnest" {
            return self.unnest(args);
        }
        if fname != "generate_series" && fname != "pg_catalog.generate_series" {
            return unsupported("this kind of FROM item");
        }
        let mut bound = Vec::new();
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    bound.push(self.expr(e)?)
                }
                _ => return unsupported("this generate_series argument"),
            }
        }
        if !(2..=3).contains(&bound.len()) {
            return unsupported("this generate_series call");
        }
        let (ty, step_ty) = series_types(&bound, self.position(name))?;
        let mut args = Vec::new();
        for (i, e) in bound.into_iter().enumerate() {
            args.push(coerce(
                e,
                if i == 2 { step_ty } else { ty },
                &mut self.params,
            )?);
        }
        let mut args = args.into_iter();
        let (start, stop) = match (args.next(), args.next()) {
            (Some(a), Some(b)) => (a, b),
            _ => return unsupported("this generate_series call"),
        };
        let step = args.next();
        let table_name = alias.map_or_else(|| "generate_series".to_string(), |a| ident(&a.name));
        let column = match alias.and_then(|a| a.columns.first()) {
            Some(c) => ident(&c.name),
            None => table_name.clone(),
        };
        let table = Arc::new(TableDef {
            database: crate::catalog::DEFAULT_DATABASE.into(),
            name: table_name,
            columns: vec![ColumnDef::new(column, ty)],
            ..Default::default()
        });
        Ok((
            table,
            LocalKind::Series {
                start: Box::new(start),
                stop: Box::new(stop),
                step: step.map(Box::new),
                ty,
            },
        ))
    }

    /// `FROM (VALUES (...), ...) [AS] alias [(columns)]`: a pseudo-table whose column types are
    /// the common type of each column (unknown literals alone make text), named `column1`, ...
    /// unless the alias names them.
    pub(super) fn values_source(
        &mut self,
        values: &ast::Values,
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Arc<TableDef>, LocalKind)> {
        let mut rows = Vec::new();
        for r in &values.rows {
            let mut row = Vec::new();
            for e in r.content.iter() {
                row.push(self.expr(e)?);
            }
            if rows
                .first()
                .is_some_and(|f: &Vec<Expr>| f.len() != row.len())
            {
                return Err(SqlError::Syntax {
                    message: "VALUES lists must all be the same length".into(),
                    position: r.content.first().and_then(|e| self.position(e)),
                });
            }
            rows.push(row);
        }
        let width = rows.first().map_or(0, Vec::len);
        let mut types = Vec::with_capacity(width);
        for c in 0..width {
            let mut ty = DataType::Unknown;
            for r in &rows {
                let t = r[c].data_type();
                ty = super::common_type(ty, t).ok_or_else(|| {
                    SqlError::DatatypeMismatch(format!(
                        "VALUES types {} and {} cannot be matched",
                        ty.sql_name(),
                        t.sql_name()
                    ))
                })?;
            }
            types.push(if ty == DataType::Unknown {
                DataType::Text
            } else {
                ty
            });
        }
        let mut cast_rows = Vec::with_capacity(rows.len());
        for r in rows {
            let mut out = Vec::with_capacity(width);
            for (e, &t) in r.into_iter().zip(&types) {
                out.push(coerce(e, t, &mut self.params)?);
            }
            cast_rows.push(out);
        }
        let table_name = alias.map_or_else(|| "*VALUES*".to_string(), |a| ident(&a.name));
        let names: Vec<String> = (0..width)
            .map(|i| {
                alias
                    .and_then(|a| a.columns.get(i))
                    .map_or_else(|| format!("column{}", i + 1), |c| ident(&c.name))
            })
            .collect();
        let table = Arc::new(TableDef {
            database: crate::catalog::DEFAULT_DATABASE.into(),
            name: table_name,
            columns: names
                .into_iter()
                .zip(&types)
                .map(|(name, &ty)| ColumnDef::new(name, ty))
                .collect(),
            ..Default::default()
        });
        Ok((table, LocalKind::Values(cast_rows)))
    }
}
