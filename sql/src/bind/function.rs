//! Calls of user-defined SQL functions, and the body binding CREATE FUNCTION shares (the DDL
//! itself: `function_ddl.rs`).
//!
//! A call binds the function's body again, in the caller's binder (so the tables it reads join
//! the statement's scans), against the argument types: the body is an expression over the
//! *argument row* (`Expr::Column(i)` is argument `i`, reached by the argument's name or `$n`),
//! wrapped in `Node::SqlFunction`, which evaluates the arguments once and then the body over them.
//! A body `SELECT expr` without FROM (or `RETURN expr`) becomes that expression, as PostgreSQL
//! inlines it; any other query becomes a scalar subquery correlated with the arguments (its first
//! row, as a SQL function returns), which runs at the router like any subquery.
//!
//! CREATE checks the body the same way (PostgreSQL's `check_sql_fn_retval`: one column, of a
//! type implicitly castable to the declared result). The definition is stored as text
//! (`crate::function`), so a body is never stale.
//!
//! In FROM, a SETOF function is its body's last query as a derived table, its arguments bound
//! as constants of the statement; any other function is one row holding the call.
//!
//! Overloads resolve as built-ins do (`choose`): exact matches, then implicit casts, unknown
//! literals preferring string parameters; a tie is 42725, and a name with no fitting user
//! function falls through to the built-ins (which report 42883).
//!
//! Not yet: OUT/INOUT/VARIADIC arguments, polymorphic types, `RETURNS void`/`TABLE`, bodies
//! that are not queries (INSERT ...), set-returning calls in the select list, FROM functions
//! whose arguments read other FROM items, SET clauses, other languages.

use std::sync::Arc;

use sqlparser::ast;

use super::function_ddl::definition_error;
use super::scope::{RangeRel, Scope};
use super::{Binder, ParamTypes};
use crate::error::{Result, SqlError};
use crate::expr::{Expr, Node};
use crate::function::{FunctionBody, FunctionDef, InlinedBody};
use crate::types::{can_cast, CastContext, DataType};

/// How deep calls may nest while binding (a function calling itself would never end).
const MAX_NESTING: usize = 32;

/// How well argument types fit a function's parameters: `None` if they cannot; otherwise
/// (exact matches, preferred-type hits), as built-in resolution scores them.
fn fit(def: &FunctionDef, args: &[DataType]) -> Option<(usize, usize)> {
    if args.len() > def.args.len() || args.len() < def.args.len() - def.defaults() {
        return None;
    }
    let (mut exact, mut preferred) = (0, 0);
    for (a, p) in args.iter().zip(&def.args) {
        if *a == p.ty {
            exact += 1;
        } else if can_cast(*a, p.ty, CastContext::Implicit) {
            preferred += usize::from(p.ty.is_preferred());
        } else {
            return None;
        }
    }
    Some((exact, preferred))
}

/// The user function a call of `name` with `args` resolves to among `defs`: `Ok(None)` when
/// none fits (built-ins are tried next, and report 42883), 42725 when several fit equally.
fn choose(
    defs: &[Arc<FunctionDef>],
    name: &str,
    args: &[DataType],
) -> Result<Option<Arc<FunctionDef>>> {
    let mut best: Vec<(&Arc<FunctionDef>, (usize, usize))> = Vec::new();
    for d in defs {
        let Some(score) = fit(d, args) else { continue };
        match best.first() {
            Some((_, s)) if score < *s => {}
            Some((_, s)) if score == *s => best.push((d, score)),
            _ => best = vec![(d, score)],
        }
    }
    // Unknown literals prefer string parameters, as `func_select_candidate` does.
    for (i, a) in args.iter().enumerate() {
        if best.len() <= 1 || *a != DataType::Unknown {
            continue;
        }
        let stringy: Vec<_> = (best.iter())
            .filter(|(d, _)| d.args[i].ty.is_string())
            .copied()
            .collect();
        if !stringy.is_empty() {
            best = stringy;
        }
    }
    match best.as_slice() {
        [] => Ok(None),
        [(d, _)] => Ok(Some((*d).clone())),
        _ => Err(SqlError::AmbiguousFunction {
            signature: crate::func::signature(name, args),
            position: None,
        }),
    }
}

impl Binder<'_> {
    /// A call of a user-defined function, if one called `name` fits the arguments.
    pub(crate) fn user_function(
        &mut self,
        name: &str,
        args: &[Expr],
        arg_positions: &[Option<u32>],
        position: Option<u32>,
    ) -> Option<Result<Expr>> {
        let defs = self.ctx.catalog().functions(name);
        if defs.is_empty() {
            return None;
        }
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let def = match choose(&defs, name, &types) {
            Ok(Some(d)) => d,
            Ok(None) => return None,
            Err(e) => return Some(Err(e.at(position))),
        };
        Some(self.call_user_function(&def, args.to_vec(), arg_positions))
    }

    fn call_user_function(
        &mut self,
        def: &FunctionDef,
        args: Vec<Expr>,
        arg_positions: &[Option<u32>],
    ) -> Result<Expr> {
        if def.retset {
            return Err(SqlError::FeatureNotSupported(
                "calls of set-returning SQL functions are not supported yet".into(),
            ));
        }
        let mut cast = Vec::with_capacity(def.args.len());
        for (i, (a, p)) in args.into_iter().zip(&def.args).enumerate() {
            let at = arg_positions.get(i).copied().flatten();
            cast.push(self.coerce_at(a, p.ty, at)?);
        }
        for p in &def.args[cast.len()..] {
            let text = p.default.as_deref().unwrap_or("NULL");
            cast.push(self.standalone_expr(text, p.ty)?);
        }
        // PostgreSQL reports errors in a body at a call with no position in the caller's text.
        let body = self.bind_body(def).map_err(|e| e.map_position(|_| None))?;
        Ok(Expr::Node {
            kind: Node::SqlFunction(Arc::new(InlinedBody {
                name: def.name.clone(),
                body,
                strict: def.strict,
            })),
            args: cast,
            ty: def.ret,
        })
    }

    /// An expression that may reference no columns (a parameter's DEFAULT), cast to `ty`.
    pub(super) fn standalone_expr(&mut self, text: &str, ty: DataType) -> Result<Expr> {
        let e = sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
            .try_with_sql(text)
            .and_then(|mut p| p.parse_expr())
            .map_err(|e| SqlError::Internal(format!("stored expression does not parse: {e}")))?;
        self.in_child(text, Scope::default(), |c| {
            let bound = c.expr(&e)?;
            c.coerce_at(bound, ty, None)
        })
    }

    /// Binds `def`'s body against its argument types: an expression over the argument row, of
    /// the declared result type.
    pub(super) fn bind_body(&mut self, def: &FunctionDef) -> Result<Expr> {
        if self.function_depth >= MAX_NESTING {
            return Err(SqlError::FeatureNotSupported(
                "SQL functions nested this deep (recursion) are not supported".into(),
            ));
        }
        let mismatch = |detail: String| {
            definition_error(
                format!(
                    "return type mismatch in function declared to return {}",
                    def.ret.sql_name()
                ),
                Some(detail),
            )
        };
        let (source, queries) = body_queries(def).map_err(|e| match e {
            SqlError::FunctionDefinition { detail, .. } => mismatch(detail.unwrap_or_default()),
            e => e,
        })?;
        let scope = argument_scope(def);
        let mut body = None;
        for q in &queries {
            body = Some(self.in_child(&source, scope.clone(), |c| c.body_query(q))?);
        }
        let Some(Some(body)) = body else {
            return Err(mismatch(
                "Final statement must return exactly one column.".into(),
            ));
        };
        let body = super::resolve_unknown(body, DataType::Text);
        let t = body.data_type();
        if t == def.ret {
            return Ok(body);
        }
        if !can_cast(t, def.ret, CastContext::Implicit) {
            return Err(mismatch(format!("Actual return type is {}.", t.sql_name())));
        }
        Ok(Expr::Cast(Box::new(body), def.ret))
    }

    /// One query of a body in the child binder: `None` when it does not have exactly one column.
    fn body_query(&mut self, q: &ast::Query) -> Result<Option<Expr>> {
        if let Some(e) = inlinable(q) {
            // An aggregate (`SELECT max($1)`) cannot be inlined: then it is a query after all.
            return match self.expr(e) {
                Err(SqlError::Grouping { .. }) => self.query_body(q),
                other => other.map(Some),
            };
        }
        self.query_body(q)
    }

    /// A body query bound as a scalar subquery over the argument row.
    fn query_body(&mut self, q: &ast::Query) -> Result<Option<Expr>> {
        if let ast::SetExpr::Select(s) = q.body.as_ref() {
            if s.projection.len() != 1 || matches!(s.projection[0], ast::SelectItem::Wildcard(_)) {
                // `SELECT *` may still be one column: bind to see.
                let plan = self.nested_query(q)?;
                if plan.columns.len() != 1 {
                    return Ok(None);
                }
            }
        }
        // The first row, as a SQL function returns.
        let mut first = q.clone();
        if first.limit_clause.is_none() && first.fetch.is_none() {
            first.limit_clause = Some(ast::LimitClause::LimitOffset {
                limit: Some(ast::Expr::value(ast::Value::Number("1".into(), false))),
                offset: None,
                limit_by: Vec::new(),
            });
        }
        match self.sublink(&first, super::subquery::Kind::Scalar) {
            Err(SqlError::Syntax { message, .. })
                if message == "subquery must return only one column" =>
            {
                Ok(None)
            }
            other => other.map(Some),
        }
    }

    /// Runs `f` in a binder for a function body or parameter default: its own source text and
    /// `$n` parameters, `scope` (the argument row) as its FROM, sharing this statement's scans
    /// and subquery ids.
    fn in_child<T>(
        &mut self,
        source: &str,
        scope: Scope,
        f: impl FnOnce(&mut Binder<'_>) -> Result<T>,
    ) -> Result<T> {
        self.in_child_at(source, Some(scope), Vec::new(), f)
    }

    /// [`Binder::in_child`] with the scopes given: `from` for the body's own level, `outer` as
    /// enclosing levels (a body bound as a derived table sees its arguments there).
    fn in_child_at<T>(
        &mut self,
        source: &str,
        from: Option<Scope>,
        outer: Vec<Scope>,
        f: impl FnOnce(&mut Binder<'_>) -> Result<T>,
    ) -> Result<T> {
        let outer_agg_inside = vec![false; outer.len()];
        let ctx = self.ctx;
        let mut child = Binder {
            params: ParamTypes {
                types: Vec::new(),
                session: ctx,
                format: std::cell::OnceCell::new(),
            },
            ctx,
            source,
            scope: None,
            scope_name: None,
            aggs: Default::default(),
            windows: Default::default(),
            from,
            outer,
            min_level: usize::MAX,
            scans: std::mem::take(&mut self.scans),
            next_id: self.next_id,
            ctes: Vec::new(),
            nest: self.nest + 1,
            keep_unknown: false,
            in_query: self.in_query,
            sublinks: 0,
            work_refs: Vec::new(),
            outer_agg_inside,
            weak_locks: &[],
            function_depth: self.function_depth + 1,
            cte_writes: Vec::new(),
            done_writes: Vec::new(),
            search_cycle: Default::default(),
            view_schema: None,
        };
        let out = f(&mut child);
        self.scans = child.scans;
        self.next_id = child.next_id;
        self.sublinks += child.sublinks;
        out
    }
}

/// The body's text and its statements, which must all be queries (the last one's result is the
/// function's).
fn body_queries(def: &FunctionDef) -> Result<(Arc<str>, Vec<ast::Query>)> {
    let text = match &def.body {
        FunctionBody::Source(s) => s.clone(),
        FunctionBody::Return(e) => format!("SELECT {e}"),
        FunctionBody::Atomic(stmts) => stmts.join(";\n"),
    };
    let final_statement = || {
        definition_error(
            "return type mismatch",
            Some(
                "Function's final statement must be SELECT or INSERT/UPDATE/DELETE RETURNING."
                    .into(),
            ),
        )
    };
    let parsed = crate::parse::parse(&text)?;
    let Some(last) = parsed.last() else {
        return Err(final_statement());
    };
    let mut queries = Vec::with_capacity(parsed.len());
    for p in &parsed {
        match &p.stmt {
            crate::parse::Stmt::Sql(ast::Statement::Query(q)) => queries.push((**q).clone()),
            _ if std::ptr::eq(p, last) => return Err(final_statement()),
            _ => {
                return Err(SqlError::FeatureNotSupported(
                    "SQL functions whose body holds statements other than queries are not supported yet"
                        .into(),
                ))
            }
        }
    }
    Ok((last.source.clone(), queries))
}

/// The scope of a body: the argument row, each argument visible by its name and as `$n`.
fn argument_scope(def: &FunctionDef) -> Scope {
    let mut visible = Vec::new();
    let mut labels = Vec::new();
    for (i, a) in def.args.iter().enumerate() {
        let col = Expr::Column(i, a.ty);
        if let Some(n) = &a.name {
            visible.push((n.clone(), col.clone()));
        }
        visible.push((format!("${}", i + 1), col));
        labels.push((def.name.clone(), a.name.clone().unwrap_or_default()));
    }
    Scope {
        width: def.args.len(),
        labels,
        rels: vec![RangeRel {
            name: def.name.clone(),
            cols: (visible.iter())
                .filter(|(n, _)| !n.starts_with('$'))
                .cloned()
                .collect(),
            system: Vec::new(),
        }],
        visible,
        hidden: Vec::new(),
    }
}

/// The one expression of `SELECT expr` with nothing else (what PostgreSQL inlines).
fn inlinable(q: &ast::Query) -> Option<&ast::Expr> {
    if q.with.is_some() || q.order_by.is_some() || q.limit_clause.is_some() || q.fetch.is_some() {
        return None;
    }
    let ast::SetExpr::Select(s) = q.body.as_ref() else {
        return None;
    };
    if !s.from.is_empty()
        || s.selection.is_some()
        || s.having.is_some()
        || s.distinct.is_some()
        || s.into.is_some()
        || !matches!(&s.group_by, ast::GroupByExpr::Expressions(g, _) if g.is_empty())
    {
        return None;
    }
    match s.projection.as_slice() {
        [ast::SelectItem::UnnamedExpr(e)] | [ast::SelectItem::ExprWithAlias { expr: e, .. }] => {
            Some(e)
        }
        _ => None,
    }
}

impl Binder<'_> {
    /// `$n` inside a function body: argument `n` (42P02 beyond the last).
    pub(super) fn function_param(&mut self, v: &ast::Value, node: &ast::Expr) -> Result<Expr> {
        let ast::Value::Placeholder(p) = v else {
            return Err(SqlError::Internal("not a placeholder".into()));
        };
        let n: usize = p.trim_start_matches('$').parse().unwrap_or(0);
        let at = self.position(node);
        self.column(p, node)
            .map_err(|_| SqlError::UndefinedParameter(n).at(at))
    }
}

impl Binder<'_> {
    /// `FROM f(args)` of a user-defined function: for SETOF, its body's last query as a derived
    /// table with the arguments visible to it as constants of the statement; otherwise one row
    /// holding the call's value. `None` when no user function is called `name`. Arguments that read columns of
    /// other FROM items are not supported yet.
    pub(crate) fn user_function_rel(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
    ) -> Option<Result<(crate::plan::Rel, String, DataType)>> {
        let fname = super::object_name(name);
        let fname = fname.strip_prefix("public.").unwrap_or(&fname).to_string();
        let defs = self.ctx.catalog().functions(&fname);
        if defs.is_empty() {
            return None;
        }
        Some(self.function_rel(&fname, &defs, args))
    }

    fn function_rel(
        &mut self,
        fname: &str,
        defs: &[Arc<FunctionDef>],
        args: &[ast::FunctionArg],
    ) -> Result<(crate::plan::Rel, String, DataType)> {
        let mut bound = Vec::with_capacity(args.len());
        let mut positions = Vec::with_capacity(args.len());
        for a in args {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                return Err(SqlError::FeatureNotSupported(format!(
                    "function argument not supported yet: {a}"
                )));
            };
            positions.push(self.position(e));
            bound.push(self.expr(e)?);
        }
        let types: Vec<DataType> = bound.iter().map(Expr::data_type).collect();
        let Some(def) = choose(defs, fname, &types)? else {
            return Err(SqlError::UndefinedFunction {
                signature: crate::func::signature(fname, &types),
                position: None,
            });
        };
        if !def.retset {
            // One row: the call's value (NULL when the body yields no row).
            let call = self.call_user_function(&def, bound, &positions)?;
            let values = crate::plan::LocalKind::Values(vec![vec![call]]);
            return Ok((crate::plan::Rel::Local(values), fname.to_string(), def.ret));
        }
        let mut values = Vec::with_capacity(def.args.len());
        for (i, (a, p)) in bound.into_iter().zip(&def.args).enumerate() {
            let e = self.coerce_at(a, p.ty, positions[i])?;
            if crate::plan::uses_columns(&e) || crate::bind::place::router_only(&e) {
                return Err(SqlError::FeatureNotSupported(
                    "arguments of SQL functions in FROM that read other FROM items are not supported yet"
                        .into(),
                ));
            }
            values.push(e);
        }
        for p in &def.args[values.len()..] {
            let text = p.default.as_deref().unwrap_or("NULL");
            values.push(self.standalone_expr(text, p.ty)?);
        }
        let mut scope = argument_scope(&def);
        for (_, e) in scope
            .visible
            .iter_mut()
            .chain(scope.rels.iter_mut().flat_map(|r| r.cols.iter_mut()))
        {
            if let Expr::Column(i, _) = e {
                *e = values[*i].clone();
            }
        }
        let (source, queries) = body_queries(&def)?;
        let Some(last) = queries.last() else {
            return Err(SqlError::Internal("a body without queries".into()));
        };
        let q = last.clone();
        let mut plan = self
            .in_child_at(&source, None, vec![scope], |c| c.nested_query(&q))
            .map_err(|e| e.map_position(|_| None))?;
        if plan.columns.len() != 1 {
            return Err(SqlError::FeatureNotSupported(
                "SQL functions in FROM returning several columns are not supported yet".into(),
            ));
        }
        if plan.columns[0].1 != def.ret {
            let out = match &mut plan.body {
                _ if plan.window.is_some() => None,
                crate::plan::Body::Project(exprs) => exprs.last_mut(),
                crate::plan::Body::Aggregate(a) => a.output.last_mut(),
            };
            let Some(out) = out else {
                return Err(SqlError::FeatureNotSupported(
                    "this SQL function body in FROM is not supported yet".into(),
                ));
            };
            let e = std::mem::replace(out, Expr::Const(crate::types::Value::Null, def.ret));
            *out = Expr::Cast(Box::new(super::resolve_unknown(e, DataType::Text)), def.ret);
            plan.columns[0].1 = def.ret;
        }
        plan.columns[0].0 = fname.to_string();
        Ok((
            crate::plan::Rel::Query(Box::new(plan)),
            fname.to_string(),
            def.ret,
        ))
    }
}

/// Whether `e` calls a user-defined function (what must not be stored where it is bound again
/// without the session's catalog).
pub(crate) fn calls_user_function(e: &Expr) -> bool {
    let mut found = false;
    crate::plan::walk(e, &mut |x| {
        found |= matches!(
            x,
            Expr::Node {
                kind: Node::SqlFunction(_),
                ..
            }
        )
    });
    found
}
