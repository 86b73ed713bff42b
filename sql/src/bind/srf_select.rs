//! A set-returning function in the select list (`SELECT json_object_keys(j) FROM t`,
//! `SELECT generate_series(1, 3)`), rewritten before binding into the FROM item it is
//! equivalent to: `SELECT "?srf?".c AS json_object_keys FROM t, json_object_keys(j) "?srf?"(c)`.
//!
//! PostgreSQL evaluates such a call per input row and emits one output row per result row
//! (none when the function returns none), which is exactly a LATERAL cross join with the
//! function — for one such call. So only a select list with exactly one top-level call of a
//! one-column set-returning function is rewritten, and only without GROUP BY, HAVING,
//! aggregates or window functions at the top of the list (PostgreSQL runs the function after
//! grouping there). Several calls (PostgreSQL zips their results) and functions returning
//! records are left to the normal binder, which refuses them.

use sqlparser::ast;

/// The one-column set-returning functions and their column's name.
fn srf_column(name: &str) -> Option<String> {
    match name {
        "generate_series" | "unnest" => Some(name.to_string()),
        _ => match crate::func::table::columns(name) {
            Some([(c, _)]) => Some((*c).to_string()),
            _ => None,
        },
    }
}

fn function_name(f: &ast::Function) -> String {
    let full = super::object_name(&f.name).to_ascii_lowercase();
    full.strip_prefix("pg_catalog.")
        .unwrap_or(&full)
        .to_string()
}

/// Whether `e` is a call that must not move into FROM's level: an aggregate or window call.
fn grouping_call(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Function(f)
        if f.over.is_some() || crate::func::agg::is_aggregate(&function_name(f)))
}

/// The rewritten SELECT, or `None` when the rule above does not apply.
pub(super) fn rewrite(select: &ast::Select) -> Option<ast::Select> {
    let grouped = !matches!(&select.group_by, ast::GroupByExpr::Expressions(v, _) if v.is_empty())
        || select.having.is_some();
    if grouped {
        return None;
    }
    let mut found = None;
    for (i, item) in select.projection.iter().enumerate() {
        let (e, alias) = match item {
            ast::SelectItem::UnnamedExpr(e) => (e, None),
            ast::SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias)),
            _ => continue,
        };
        if grouping_call(e) {
            return None;
        }
        let ast::Expr::Function(f) = e else {
            continue;
        };
        let name = function_name(f);
        let Some(column) = srf_column(&name) else {
            continue;
        };
        let ast::FunctionArguments::List(list) = &f.args else {
            return None;
        };
        if found.is_some()
            || f.over.is_some()
            || list.args.iter().any(|a| {
                matches!(a,
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) if grouping_call(x))
            })
        {
            return None;
        }
        found = Some((i, f, name, column, alias.cloned(), list.args.clone()));
    }
    let (i, f, name, column, alias, args) = found?;
    let range = ast::Ident::with_quote('"', "?srf?");
    let col = ast::Ident::with_quote('"', column);
    let mut out = select.clone();
    out.from.push(ast::TableWithJoins {
        relation: ast::TableFactor::Function {
            lateral: false,
            name: f.name.clone(),
            args,
            with_ordinality: false,
            alias: Some(ast::TableAlias {
                explicit: true,
                name: range.clone(),
                columns: vec![ast::TableAliasColumnDef {
                    name: col.clone(),
                    data_type: None,
                }],
                at: None,
            }),
        },
        joins: Vec::new(),
    });
    out.projection[i] = ast::SelectItem::ExprWithAlias {
        expr: ast::Expr::CompoundIdentifier(vec![range, col]),
        alias: alias.unwrap_or_else(|| ast::Ident::with_quote('"', name)),
    };
    Some(out)
}
