//! Views: CREATE [OR REPLACE] [TEMP] VIEW, DROP VIEW, and reading a view.
//!
//! A view is a [`TableDef`] without rows whose `view` holds the text of its query (as sqlparser
//! prints the parsed query) and whose columns are the query's output columns, renamed by the
//! optional column list. It lives in the catalog like a table (the `view` section of the encoded
//! definition), so every session of the database sees it; a temporary view is session-private
//! like a temporary table.
//!
//! Reading a view parses its text again and binds it where the view is named, as a subquery in
//! FROM (`Binder::view_query`): names in it resolve at use, not at creation as in PostgreSQL, and
//! no dependencies are recorded, so dropping a table a view reads breaks the view instead of being
//! refused (2BP01). Views are not updatable yet: INSERT/UPDATE/DELETE/TRUNCATE/COPY FROM name a
//! base table only (`Binder::base_table`).

use std::sync::Arc;

use sqlparser::ast;

use super::ddl::{new_table_name, table_name};
use super::{ident, object_name, Binder, Statement};
use crate::catalog::{Catalog, TableDef};
use crate::error::{Result, SqlError};
use crate::plan::QueryPlan;

/// CREATE [OR REPLACE] [TEMP] VIEW name [(columns)] AS query.
pub(super) fn create_view(cv: &ast::CreateView, b: &mut Binder<'_>) -> Result<Statement> {
    if cv.materialized {
        return Err(SqlError::FeatureNotSupported(
            "CREATE MATERIALIZED VIEW is not supported yet".into(),
        ));
    }
    let super::ddl::NewName { schema, name, temp } =
        new_table_name(b, &cv.name, cv.temporary, None)?;
    super::modifying::refuse_writes(&cv.query, "views")?;
    let recursive = recursive_view(cv, b)?;
    let query = recursive.as_ref().map_or(&*cv.query, |(q, _)| q);
    // A recursive view's query is text we made: positions in it mean nothing to the client.
    let source = match recursive {
        Some(_) => std::mem::take(&mut b.source),
        None => b.source,
    };
    let bound = b.query(query);
    b.source = source;
    let Statement::Query(plan) = bound? else {
        return Err(SqlError::Internal("view query is not a query (bug)".into()));
    };
    if !plan.param_types.is_empty() {
        return Err(SqlError::FeatureNotSupported(
            "parameters in a view's query are not supported".into(),
        ));
    }
    if cv.columns.len() > plan.columns.len() {
        return Err(SqlError::Syntax {
            message: "CREATE VIEW specifies more column names than columns".into(),
            position: None,
        });
    }
    let names: Vec<String> = cv.columns.iter().map(|c| ident(&c.name)).collect();
    let columns = super::ddl::output_columns(&plan.columns, &names)?;
    let view = TableDef {
        database: b.ctx.database(),
        schema,
        name,
        columns,
        temp,
        view: Some(match recursive {
            Some((_, text)) => text,
            None => view_text(cv, b),
        }),
        ..Default::default()
    };
    Ok(Statement::CreateView {
        view,
        or_replace: cv.or_replace,
    })
}

/// `CREATE RECURSIVE VIEW name (cols) AS query` is `CREATE VIEW name AS WITH RECURSIVE
/// name (cols) AS (query) SELECT cols FROM name` (PostgreSQL's grammar makes it so): that query
/// and its text, when the parser noted the view as recursive.
fn recursive_view(cv: &ast::CreateView, b: &Binder<'_>) -> Result<Option<(ast::Query, String)>> {
    let Some(first) = cv.name.0.first().and_then(|p| p.as_ident()) else {
        return Ok(None);
    };
    let at = (first.span.start.line, first.span.start.column);
    if !b.search_cycle.recursive_views.contains(&at) {
        return Ok(None);
    }
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let Some(name) = cv.name.0.last().and_then(|p| p.as_ident()) else {
        return Ok(None);
    };
    if cv.columns.is_empty() {
        return Err(SqlError::Syntax {
            message: "syntax error at or near \"AS\"".into(),
            position: None,
        });
    }
    let name = quote(&ident(name));
    let cols: Vec<String> = cv.columns.iter().map(|c| quote(&ident(&c.name))).collect();
    let cols = cols.join(", ");
    let text = format!(
        "WITH RECURSIVE {name}({cols}) AS ({}) SELECT {cols} FROM {name}",
        cv.query
    );
    let parsed = crate::parse::parse(&text)?;
    match parsed.first().map(|p| &p.stmt) {
        Some(crate::parse::Stmt::Sql(ast::Statement::Query(q))) => Ok(Some(((**q).clone(), text))),
        _ => Err(SqlError::Internal(
            "recursive view query does not parse (bug)".into(),
        )),
    }
}

/// The text a view stores: sqlparser's print of the query, or the query as written when it has
/// SEARCH/CYCLE clauses (which the print would leave out).
fn view_text(cv: &ast::CreateView, b: &Binder<'_>) -> String {
    match &cv.query.with {
        Some(w) if !b.search_cycle.ctes.is_empty() => {
            super::search_cycle::query_text(b.source, w).unwrap_or_else(|| cv.query.to_string())
        }
        _ => cv.query.to_string(),
    }
}

/// DROP VIEW [IF EXISTS] a, b: each must be a view (42809 otherwise, as PostgreSQL).
pub(super) fn drop_view(
    names: &[ast::ObjectName],
    if_exists: bool,
    catalog: &dyn Catalog,
) -> Result<Statement> {
    let mut views = Vec::new();
    let mut missing = Vec::new();
    for n in names {
        let name = table_name(n)?;
        match crate::catalog::resolve(catalog, &object_name(n)) {
            Some(t) if t.is_view() => views.push(t),
            Some(t) => {
                return Err(SqlError::WrongKind {
                    message: format!("\"{}\" is not a view", t.name),
                    hint: Some("Use DROP TABLE to remove a table."),
                })
            }
            None => {
                super::ddl::check_qualifier(catalog, &name)?;
                if !if_exists {
                    return Err(SqlError::UndefinedView(super::ddl::bare_name(&name).into()));
                }
                missing.push(super::ddl::bare_name(&name).into());
            }
        }
    }
    Ok(Statement::DropView { views, missing })
}

/// Checks that CREATE OR REPLACE VIEW keeps `old`'s columns (same names and types, in order;
/// new ones may follow), with PostgreSQL's messages (42P16).
pub fn check_replace(old: &TableDef, new: &TableDef) -> Result<()> {
    if !old.is_view() {
        return Err(SqlError::WrongKind {
            message: format!("\"{}\" is not a view", old.name),
            hint: None,
        });
    }
    if new.columns.len() < old.columns.len() {
        return Err(SqlError::InvalidTableDefinition(
            "cannot drop columns from view".into(),
        ));
    }
    for (o, n) in old.columns.iter().zip(&new.columns) {
        if o.name != n.name {
            return Err(SqlError::InvalidTableDefinition(format!(
                "cannot change name of view column \"{}\" to \"{}\"",
                o.name, n.name
            )));
        }
        if o.ty != n.ty {
            return Err(SqlError::InvalidTableDefinition(format!(
                "cannot change data type of view column \"{}\" from {} to {}",
                o.name,
                o.ty.sql_name(),
                n.ty.sql_name()
            )));
        }
    }
    Ok(())
}

impl Binder<'_> {
    /// A view's rows as a bound subquery: its stored text parsed and bound now, its columns
    /// renamed to the view's. Positions of errors inside it are dropped (they would point into
    /// the view's text, not the statement's).
    pub(super) fn view_query(&mut self, view: &TableDef) -> Result<QueryPlan> {
        let text = view.view.as_deref().unwrap_or_default();
        let mut plan = self.bind_view_text(view, text)?;
        if plan.columns.len() > view.columns.len() {
            // A `*` in the query now expands to more columns than when the view was created
            // (PostgreSQL expands it once, at creation): keep the first ones, by name.
            let names = &plan.columns[..view.columns.len()];
            if names
                .iter()
                .any(|(n, _)| plan.columns.iter().filter(|(m, _)| m == n).count() > 1)
            {
                return Err(SqlError::FeatureNotSupported(format!(
                    "view \"{}\" now reads more columns than it was created with",
                    view.name
                )));
            }
            let quoted: Vec<String> = names
                .iter()
                .map(|(n, _)| format!("\"{}\"", n.replace('"', "\"\"")))
                .collect();
            let narrowed = format!("SELECT {} FROM ({text}) AS _view", quoted.join(", "));
            plan = self.bind_view_text(view, &narrowed)?;
        }
        for (c, def) in plan.columns.iter_mut().zip(&view.columns) {
            c.0.clone_from(&def.name);
        }
        Ok(plan)
    }

    fn bind_view_text(&mut self, view: &TableDef, text: &str) -> Result<QueryPlan> {
        let parsed = crate::parse::parse(text)?;
        let query = match parsed.first().map(|p| &p.stmt) {
            Some(crate::parse::Stmt::Sql(ast::Statement::Query(q))) if parsed.len() == 1 => {
                q.clone()
            }
            _ => {
                return Err(SqlError::Internal(format!(
                    "stored query of view \"{}\" is not a query (bug)",
                    view.name
                )))
            }
        };
        if self.nest > MAX_VIEW_DEPTH {
            return Err(SqlError::ProgramLimitExceeded(format!(
                "infinite recursion detected in rules for relation \"{}\"",
                view.name
            )));
        }
        // The view's query sees none of the statement's names: no CTEs, no outer levels.
        let source = std::mem::take(&mut self.source);
        let ctes = std::mem::take(&mut self.ctes);
        let outer = std::mem::take(&mut self.outer);
        let from = self.from.take();
        let schema = self.view_schema.replace(view.schema.clone());
        let clauses = parsed
            .first()
            .map(|p| p.pre.search_cycle.clone())
            .unwrap_or_default();
        let clauses = std::mem::replace(&mut self.search_cycle, clauses);
        let plan = self.nested_query(&query);
        self.search_cycle = clauses;
        self.view_schema = schema;
        self.source = source;
        self.ctes = ctes;
        self.outer = outer;
        self.from = from;
        plan
    }

    /// A table that statements writing rows may name: not a view (views are not updatable yet).
    pub(super) fn base_table(&self, name: &ast::ObjectName, verb: &str) -> Result<Arc<TableDef>> {
        let table = self.table(name)?;
        if table.is_view() {
            return Err(SqlError::WrongKind {
                message: format!("cannot {verb} view \"{}\"", table.name),
                hint: None,
            });
        }
        if table.sequence.is_some() {
            return Err(SqlError::WrongKind {
                message: format!("cannot change sequence \"{}\"", table.name),
                hint: None,
            });
        }
        Ok(table)
    }
}

/// Queries nest at most this deep where a view is read (a view cannot name itself, but a replaced
/// view can end up in a cycle, which PostgreSQL reports as infinite recursion).
const MAX_VIEW_DEPTH: usize = 100;
