//! Functions that act on the session rather than compute a value, called on their own:
//! `SELECT [pg_catalog.]set_config(name, value, is_local)` (what pg_dump's scripts and drivers
//! send) and `SELECT pg_sleep(seconds)` / `pg_sleep_for(interval)` / `pg_sleep_until(timestamptz)`.
//! Each becomes its own statement that the session runs: SET from expressions, or an
//! asynchronous sleep that statement_timeout and cancel requests end (a sleep inside expression
//! evaluation would stop the whole core). Inside a larger query these functions are unknown.

use sqlparser::ast;

use super::{ident, object_name, Binder, Statement};
use crate::error::Result;
use crate::types::DataType;

impl Binder<'_> {
    /// A lone session call as its statement; any other query as a query.
    pub(super) fn query_or_session_call(&mut self, q: &ast::Query) -> Result<Statement> {
        let Some((name, args, alias)) = lone_call(q) else {
            return self.query(q);
        };
        let types: &[DataType] = match (name.as_str(), args.len()) {
            ("set_config", 3) => &[DataType::Text, DataType::Text, DataType::Bool],
            ("pg_sleep", 1) => &[DataType::Float8],
            ("pg_sleep_for", 1) => &[DataType::Interval],
            ("pg_sleep_until", 1) => &[DataType::Timestamptz],
            _ => return self.query(q),
        };
        let mut bound = Vec::with_capacity(args.len());
        for (a, ty) in args.iter().zip(types) {
            let e = self.expr(a)?;
            let at = self.position(*a);
            bound.push(self.coerce_at(e, *ty, at)?);
        }
        let column = alias.unwrap_or_else(|| name.clone());
        let param_types = self.param_types()?;
        Ok(if name == "set_config" {
            Statement::SetConfig {
                args: bound,
                column,
                param_types,
            }
        } else {
            Statement::Sleep {
                arg: bound.remove(0),
                column,
                param_types,
            }
        })
    }
}

/// The function name (without `pg_catalog.`), arguments and output column alias of a query
/// that is exactly `SELECT f(args) [[AS] alias]`.
fn lone_call(q: &ast::Query) -> Option<(String, Vec<&ast::Expr>, Option<String>)> {
    if q.with.is_some() || q.order_by.is_some() || q.limit_clause.is_some() || q.fetch.is_some() {
        return None;
    }
    let ast::SetExpr::Select(sel) = q.body.as_ref() else {
        return None;
    };
    if !sel.from.is_empty()
        || sel.selection.is_some()
        || sel.having.is_some()
        || sel.distinct.is_some()
        || sel.projection.len() != 1
    {
        return None;
    }
    let (e, alias) = match &sel.projection[0] {
        ast::SelectItem::UnnamedExpr(e) => (e, None),
        ast::SelectItem::ExprWithAlias { expr, alias } => (expr, Some(ident(alias))),
        _ => return None,
    };
    let ast::Expr::Function(f) = e else {
        return None;
    };
    if f.filter.is_some() || f.over.is_some() || !f.within_group.is_empty() {
        return None;
    }
    let name = object_name(&f.name);
    let name = name
        .strip_prefix("pg_catalog.")
        .unwrap_or(&name)
        .to_string();
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
        return None;
    }
    let mut args = Vec::with_capacity(list.args.len());
    for a in &list.args {
        match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => args.push(e),
            _ => return None,
        }
    }
    Some((name, args, alias))
}
