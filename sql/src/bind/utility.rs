//! Binding utility statements over tables: COPY, TRUNCATE, VACUUM/ANALYZE.

use std::sync::Arc;

use sqlparser::ast;

use super::{ident, Binder, SessionContext, Statement, WritePlan};
use crate::catalog::TableDef;
use crate::copy::{CopyFromPlan, CopyOptions, CopySource};
use crate::error::{Result, SqlError};
use crate::parse::{DatabaseStmt, Maintenance};

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

/// A table by name parts (already case-folded), `public.` allowed.
fn lookup(
    ctx: &dyn SessionContext,
    parts: &[String],
    position: Option<u32>,
) -> Result<Arc<TableDef>> {
    let full = parts.join(".");
    crate::catalog::resolve(ctx.catalog(), &full).ok_or(SqlError::UndefinedTable {
        name: full,
        position,
    })
}

/// VACUUM and ANALYZE: the named tables and columns must exist. There is nothing for them to do
/// in this storage engine (the copy-on-write B+tree keeps no dead row versions, and the planner
/// uses no statistics), so binding is all of it.
pub(super) fn maintenance(m: &Maintenance, ctx: &dyn SessionContext) -> Result<Statement> {
    for t in &m.tables {
        // PostgreSQL reports no position for these.
        let table = lookup(ctx, &t.name, None)?;
        for c in &t.columns {
            if table.column_index(c).is_none() {
                return Err(SqlError::UndefinedColumnOfRelation {
                    column: c.clone(),
                    table: table.name.clone(),
                    position: None,
                });
            }
        }
    }
    Ok(Statement::Maintenance {
        vacuum: m.vacuum,
        analyze: m.analyze,
    })
}

/// CREATE/DROP DATABASE. Every database starts empty: the only templates are PostgreSQL's own
/// `template0` and `template1`, which hold no tables.
pub(super) fn database(d: &DatabaseStmt) -> Result<Statement> {
    match d {
        DatabaseStmt::Drop { name, if_exists } => Ok(Statement::DropDatabase {
            name: name.clone(),
            if_exists: *if_exists,
        }),
        DatabaseStmt::Alter {
            name,
            setting,
            values,
        } => Ok(Statement::AlterDatabase {
            name: name.clone(),
            setting: setting.clone(),
            value: values.clone().map(crate::bind::SetValue::Values),
        }),
        DatabaseStmt::Create { name, options } => {
            for (opt, value) in options {
                match opt.as_str() {
                    "template" if value == "template0" || value == "template1" => {}
                    "template" => {
                        return unsupported(
                            "CREATE DATABASE from a template other than template0 or template1",
                        )
                    }
                    "encoding" => {
                        let v = value.to_ascii_uppercase().replace(['-', '_'], "");
                        if v != "UTF8" && v != "UNICODE" && v != "SQLASCII" {
                            return unsupported("encodings other than UTF8");
                        }
                    }
                    "owner" | "locale" | "lc_collate" | "lc_ctype" | "icu_locale"
                    | "locale_provider" | "collation_version" | "connection limit"
                    | "is_template" | "allow_connections" | "tablespace" | "strategy" | "oid" => {}
                    other => {
                        return Err(SqlError::Syntax {
                            message: format!("option \"{other}\" not recognized"),
                            position: None,
                        })
                    }
                }
            }
            Ok(Statement::CreateDatabase(name.clone()))
        }
    }
}

/// Column positions named in a list, or all columns.
fn column_list(table: &TableDef, names: &[ast::Ident]) -> Result<Vec<usize>> {
    if names.is_empty() {
        return Ok((0..table.columns.len()).collect());
    }
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let name = ident(n);
        let i = table
            .column_index(&name)
            .ok_or_else(|| SqlError::UndefinedColumnOfRelation {
                column: name.clone(),
                table: table.name.clone(),
                position: None,
            })?;
        if out.contains(&i) {
            return Err(SqlError::DuplicateColumn(name));
        }
        out.push(i);
    }
    Ok(out)
}

/// Double-quotes an identifier for SQL we generate.
fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl Binder<'_> {
    pub(super) fn truncate(
        &mut self,
        targets: &[ast::TruncateTableTarget],
        cascade: bool,
    ) -> Result<Statement> {
        let mut plans = Vec::with_capacity(targets.len());
        for t in targets {
            let table = self.table(&t.name)?;
            if table.is_view() {
                return Err(SqlError::WrongKind {
                    message: format!("\"{}\" is not a table", table.name),
                    hint: None,
                });
            }
            if plans
                .iter()
                .any(|p: &Arc<WritePlan>| p.table.id == table.id)
            {
                continue;
            }
            plans.push(Arc::new(WritePlan {
                table,
                filter: None,
                key: None,
                assignments: Vec::new(),
                param_types: Vec::new(),
                moves: false,
                remap: None,
                returning: false,
                source: None,
                changes: false,
            }));
        }
        Ok(Statement::Truncate(plans, cascade))
    }

    pub(super) fn copy(
        &mut self,
        source: &ast::CopySource,
        to: bool,
        target: &ast::CopyTarget,
        options: &[ast::CopyOption],
        legacy: &[ast::CopyLegacyOption],
    ) -> Result<Statement> {
        let csv = options.iter().any(|o| match o {
            ast::CopyOption::Format(f) => f.value.eq_ignore_ascii_case("csv"),
            _ => false,
        }) || legacy
            .iter()
            .any(|o| matches!(o, ast::CopyLegacyOption::Csv(_)));
        for o in options {
            if let ast::CopyOption::Format(f) = o {
                let f = f.value.to_ascii_lowercase();
                if f != "csv" && f != "text" {
                    if f == "binary" {
                        return unsupported("COPY in binary format");
                    }
                    return Err(SqlError::InvalidParameterValue(format!(
                        "COPY format \"{f}\" not recognized"
                    )));
                }
            }
        }
        let mut opts = if csv {
            CopyOptions::csv()
        } else {
            CopyOptions::text()
        };
        let (table, columns) = match source {
            ast::CopySource::Table {
                table_name,
                columns,
            } => {
                // PostgreSQL reports no position for COPY's relation.
                let t = self.table(table_name).map_err(|e| match e {
                    SqlError::UndefinedTable { name, .. } => SqlError::UndefinedTable {
                        name,
                        position: None,
                    },
                    e => e,
                })?;
                if t.is_view() {
                    let message = if to {
                        format!("cannot copy from view \"{}\"", t.name)
                    } else {
                        format!("cannot copy to view \"{}\"", t.name)
                    };
                    let hint = to.then_some("Try the COPY (SELECT ...) TO variant.");
                    return Err(SqlError::WrongKind { message, hint });
                }
                let cols = column_list(&t, columns)?;
                let omitted_expr = (t.columns.iter().enumerate())
                    .any(|(i, c)| c.default_expr.is_some() && !cols.contains(&i));
                if !to && omitted_expr {
                    return Err(SqlError::FeatureNotSupported(
                        "COPY FROM leaving out a column with a non-constant DEFAULT is not supported yet"
                            .into(),
                    ));
                }
                (Some(t), cols)
            }
            ast::CopySource::Query(_) if !to => {
                return Err(SqlError::Syntax {
                    message: "syntax error at or near \"(\"".into(),
                    position: None,
                })
            }
            ast::CopySource::Query(_) => (None, Vec::new()),
        };
        let col_names = |names: &[ast::Ident]| -> Result<Vec<usize>> {
            match &table {
                Some(t) => {
                    let mut v = Vec::new();
                    for n in names {
                        let name = ident(n);
                        let i = t.column_index(&name).ok_or_else(|| {
                            SqlError::UndefinedColumnOfRelation {
                                column: name.clone(),
                                table: t.name.clone(),
                                position: None,
                            }
                        })?;
                        v.push(columns.iter().position(|&c| c == i).unwrap_or(usize::MAX));
                    }
                    Ok(v)
                }
                None => Ok(Vec::new()),
            }
        };
        for o in options {
            match o {
                ast::CopyOption::Format(_) => {}
                ast::CopyOption::Freeze(_) => {}
                ast::CopyOption::Delimiter(c) => opts.delimiter = *c,
                ast::CopyOption::Null(s) => opts.null = s.clone(),
                ast::CopyOption::Header(h) => opts.header = *h,
                ast::CopyOption::Quote(c) => opts.quote = *c,
                ast::CopyOption::Escape(c) => opts.escape = *c,
                ast::CopyOption::ForceQuote(cols) => opts.force_quote = col_names(cols)?,
                ast::CopyOption::ForceNotNull(cols) => {
                    opts.force_not_null = col_names(cols)?
                        .iter()
                        .filter_map(|&i| columns.get(i).copied())
                        .collect()
                }
                ast::CopyOption::ForceNull(cols) => {
                    opts.force_null = col_names(cols)?
                        .iter()
                        .filter_map(|&i| columns.get(i).copied())
                        .collect()
                }
                ast::CopyOption::Encoding(e) => {
                    let e = e.to_ascii_uppercase().replace(['-', '_'], "");
                    if e != "UTF8" && e != "SQLASCII" {
                        return unsupported("COPY with an encoding other than UTF8");
                    }
                }
            }
        }
        for o in legacy {
            match o {
                ast::CopyLegacyOption::Delimiter(c) => opts.delimiter = *c,
                ast::CopyLegacyOption::Null(s) => opts.null = s.clone(),
                ast::CopyLegacyOption::Binary => return unsupported("COPY in binary format"),
                ast::CopyLegacyOption::Csv(csv_opts) => {
                    for c in csv_opts {
                        match c {
                            ast::CopyLegacyCsvOption::Header => opts.header = true,
                            ast::CopyLegacyCsvOption::Quote(q) => opts.quote = *q,
                            ast::CopyLegacyCsvOption::Escape(e) => opts.escape = *e,
                            ast::CopyLegacyCsvOption::ForceQuote(cols) => {
                                opts.force_quote = col_names(cols)?
                            }
                            ast::CopyLegacyCsvOption::ForceNotNull(cols) => {
                                opts.force_not_null = col_names(cols)?
                                    .iter()
                                    .filter_map(|&i| columns.get(i).copied())
                                    .collect()
                            }
                        }
                    }
                }
                _ => return unsupported("this COPY option"),
            }
        }
        if opts.header && !opts.csv {
            return Err(SqlError::FeatureNotSupported(
                "cannot specify HEADER in TEXT mode".into(),
            ));
        }
        let file = match target {
            ast::CopyTarget::Stdin | ast::CopyTarget::Stdout => None,
            ast::CopyTarget::File { filename } => {
                if !filename.starts_with('/') {
                    return Err(SqlError::InvalidParameterValue(
                        "relative path not allowed for COPY to file".into(),
                    ));
                }
                Some(filename.clone())
            }
            ast::CopyTarget::Program { .. } => return unsupported("COPY TO/FROM PROGRAM"),
        };
        if !to {
            let Some(table) = table else {
                return unsupported("COPY FROM a query");
            };
            return Ok(Statement::CopyFrom(Arc::new(CopyFromPlan {
                table,
                columns,
                options: opts,
                source: file.map_or(CopySource::Stdin, CopySource::File),
            })));
        }
        // COPY TO: the rows of a query, either the one given or `SELECT columns FROM table`.
        let query = match (source, &table) {
            (ast::CopySource::Query(q), _) => self.query(q)?,
            (_, Some(t)) if t.partition_by.is_some() => {
                return Err(SqlError::CopyFromPartitioned(t.name.clone()))
            }
            (_, Some(t)) => {
                let cols: Vec<String> = columns
                    .iter()
                    .map(|&i| quote_ident(&t.columns[i].name))
                    .collect();
                let sql = format!(
                    "SELECT {} FROM {}.{}",
                    cols.join(", "),
                    quote_ident(&t.schema),
                    quote_ident(&t.name)
                );
                let parsed = crate::parse::parse(&sql)?;
                let Some(p) = parsed.first() else {
                    return Err(SqlError::Internal("empty generated query".into()));
                };
                super::bind(p, &[], self.ctx)?
            }
            _ => return Err(SqlError::Internal("COPY without a source".into())),
        };
        let Statement::Query(query) = query else {
            return Err(SqlError::Internal("COPY source is not a query".into()));
        };
        Ok(Statement::CopyTo {
            query: Box::new(query),
            options: opts,
            file,
        })
    }
}
