//! Binding SELECT over one table (or none) into a [`QueryPlan`] (see `crate::plan` for its shape).
//!
//! Name resolution follows PostgreSQL's parse analysis:
//! - ORDER BY: an integer constant is a select-list position; a bare name that is an output
//!   column's name means that column (SQL92); anything else is an expression over the input,
//!   reusing an equal select-list entry or else added as a hidden target column.
//! - GROUP BY: an integer constant is a select-list position; a bare name is an input column
//!   first, else an output column's name; anything else is an expression over the input.
//! - In an aggregate query (aggregates, GROUP BY or HAVING present), the select list, HAVING and
//!   ORDER BY are rewritten over the group row: a subexpression equal to a GROUP BY expression
//!   becomes that group column; an aggregate becomes its result; a column left over is 42803.
//!
//! While binding, an aggregate call is an `Expr::Column` past the end of the input row
//! (`width + j` for the `j`th call): input and aggregate references stay distinguishable without
//! a dedicated expression node, and the rewrite moves them into the group row.

use std::sync::Arc;

use sqlparser::ast;

use super::{coerce, column_name, fill_params, ident, resolve_unknown, Binder};
use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::exec::can_partial;
use crate::expr::Expr;
use crate::func::agg::resolve_agg;
use crate::plan::{
    rewrite, uses_columns, walk, AggCall, Aggregate, Body, Distinct, LocalKind, LocalRows,
    QueryPlan, ScanSource, SortKey,
};
use crate::types::{DataType, Value};

use super::{dml, Statement};

/// Where aggregate calls may appear while binding.
#[derive(Debug, Default)]
pub(crate) struct AggScope {
    /// The calls collected so far; `None` where aggregates are not allowed.
    pub(crate) calls: Option<Vec<AggCall>>,
    /// The clause named in "aggregate functions are not allowed in ...".
    pub(crate) clause: &'static str,
    /// Inside an aggregate's arguments (nesting is an error).
    pub(crate) inside: bool,
    /// Where each input column was first referenced outside aggregates, for 42803's position.
    pub(crate) first_use: Vec<(usize, Option<u32>)>,
}

impl AggScope {
    /// Notes a column reference (outside aggregate arguments, where aggregates may appear).
    pub(crate) fn saw_column(&mut self, column: usize, position: Option<u32>) {
        if self.calls.is_some() && !self.inside && !self.first_use.iter().any(|u| u.0 == column) {
            self.first_use.push((column, position));
        }
    }
}

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

/// A bound select-list entry.
struct Item<'q> {
    ast: Option<&'q ast::Expr>,
    name: String,
    expr: Expr,
}

impl Binder<'_> {
    pub(super) fn query(&mut self, q: &ast::Query) -> Result<Statement> {
        if q.with.is_some() {
            return unsupported("WITH");
        }
        let ast::SetExpr::Select(select) = q.body.as_ref() else {
            return unsupported("this kind of query");
        };
        if select.from.len() > 1 || select.from.iter().any(|f| !f.joins.is_empty()) {
            return unsupported("joins");
        }
        let mut series = None;
        if let Some(first) = select.from.first() {
            if let ast::TableFactor::Table {
                name,
                alias,
                args: Some(args),
                ..
            } = &first.relation
            {
                series = Some(self.series(name, alias.as_ref(), args)?);
            }
            if let ast::TableFactor::Derived {
                lateral: false,
                subquery,
                alias,
                ..
            } = &first.relation
            {
                series = Some(self.values_source(subquery, alias.as_ref())?);
            }
        }
        if let (Some(first), None) = (select.from.first(), &series) {
            let ast::TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } = &first.relation
            else {
                return unsupported("this kind of FROM item");
            };
            if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                return unsupported("column aliases in FROM");
            }
            let table = self.table(name)?;
            self.scope = Some(table);
            self.scope_name = alias.as_ref().map(|a| ident(&a.name));
        }
        let width = self.scope.as_ref().map_or(0, |t| t.columns.len());

        // WHERE: no aggregates.
        self.aggs = AggScope {
            calls: None,
            clause: "WHERE",
            inside: false,
            first_use: Vec::new(),
        };
        let filter = match &select.selection {
            None => None,
            Some(w) => Some(self.condition(w, "WHERE")?),
        };

        // The select list, HAVING and ORDER BY may hold aggregates.
        self.aggs = AggScope {
            calls: Some(Vec::new()),
            clause: "",
            inside: false,
            first_use: Vec::new(),
        };
        let mut items: Vec<Item<'_>> = Vec::new();
        for item in &select.projection {
            let (e, alias) = match item {
                ast::SelectItem::UnnamedExpr(e) => (e, None),
                ast::SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.value.clone())),
                ast::SelectItem::QualifiedWildcard(
                    ast::SelectItemQualifiedWildcardKind::ObjectName(q),
                    _,
                ) if self.scope.as_ref().is_some_and(|t| {
                    super::object_name(q) == self.scope_name.as_deref().unwrap_or(&t.name)
                }) =>
                {
                    let table = self.scope.clone().expect("invariant: checked above");
                    for (i, c) in table.columns.iter().enumerate() {
                        items.push(Item {
                            ast: None,
                            name: c.name.clone(),
                            expr: Expr::Column(i, c.ty),
                        });
                    }
                    continue;
                }
                ast::SelectItem::Wildcard(_) => {
                    let Some(table) = self.scope.clone() else {
                        return Err(SqlError::Syntax {
                            message: "SELECT * with no tables specified is not valid".into(),
                            position: None,
                        });
                    };
                    for (i, c) in table.columns.iter().enumerate() {
                        items.push(Item {
                            ast: None,
                            name: c.name.clone(),
                            expr: Expr::Column(i, c.ty),
                        });
                    }
                    continue;
                }
                _ => return unsupported("this kind of select item"),
            };
            let bound = resolve_unknown(self.expr(e)?, DataType::Text);
            items.push(Item {
                ast: Some(e),
                name: alias.unwrap_or_else(|| column_name(e)),
                expr: bound,
            });
        }
        let having = match &select.having {
            None => None,
            Some(h) => Some(self.condition(h, "HAVING")?),
        };
        let mut target: Vec<Expr> = items.iter().map(|i| i.expr.clone()).collect();

        // ORDER BY.
        let mut order = Vec::new();
        let mut order_at = Vec::new();
        if let Some(ob) = &q.order_by {
            let ast::OrderByKind::Expressions(list) = &ob.kind else {
                return unsupported("ORDER BY ALL");
            };
            for o in list {
                // `USING <` / `USING >` are the btree orderings (NULLs first under `>`).
                let using_desc = match &o.options.sort {
                    Some(ast::OrderBySort::Using(op)) => match op.to_string().as_str() {
                        "<" => Some(false),
                        ">" => Some(true),
                        _ => return unsupported("ORDER BY USING with this operator"),
                    },
                    _ => None,
                };
                let column = self.target_column(&o.expr, &items, &mut target, "ORDER BY")?;
                order_at.push(self.position(&o.expr));
                let descending =
                    using_desc.unwrap_or(matches!(o.options.sort, Some(ast::OrderBySort::Desc)));
                order.push(SortKey {
                    column,
                    ty: target[column].data_type(),
                    descending,
                    nulls_first: o.options.nulls_first.unwrap_or(descending),
                });
            }
        }

        // DISTINCT.
        let distinct = match &select.distinct {
            None | Some(ast::Distinct::All) => Distinct::None,
            Some(ast::Distinct::Distinct) => {
                if let Some(k) = order.iter().position(|k| k.column >= items.len()) {
                    return Err(SqlError::InvalidColumnReference {
                        message:
                            "for SELECT DISTINCT, ORDER BY expressions must appear in select list"
                                .into(),
                        position: order_at[k],
                    });
                }
                Distinct::All
            }
            Some(ast::Distinct::On(exprs)) => {
                let mut cols = Vec::new();
                for e in exprs {
                    cols.push(self.target_column(e, &items, &mut target, "DISTINCT ON")?);
                }
                let mut uncovered: Vec<usize> = cols.clone();
                for k in &order {
                    if uncovered.is_empty() {
                        break;
                    }
                    if !cols.contains(&k.column) {
                        let first = cols.iter().position(|c| uncovered.contains(c)).unwrap_or(0);
                        return Err(SqlError::InvalidColumnReference {
                            message: "SELECT DISTINCT ON expressions must match initial ORDER BY expressions".into(),
                            position: exprs.get(first).and_then(|e| self.position(e)),
                        });
                    }
                    uncovered.retain(|c| *c != k.column);
                }
                Distinct::On(cols)
            }
        };

        // GROUP BY (no aggregates inside).
        let calls = self.aggs.calls.take().unwrap_or_default();
        let first_use = std::mem::take(&mut self.aggs.first_use);
        self.aggs = AggScope {
            calls: None,
            clause: "GROUP BY",
            inside: false,
            first_use: Vec::new(),
        };
        let mut group_by = Vec::new();
        match &select.group_by {
            ast::GroupByExpr::Expressions(list, modifiers) if modifiers.is_empty() => {
                for g in list {
                    group_by.push(self.group_expr(g, &items)?);
                }
            }
            _ => return unsupported("this kind of GROUP BY"),
        }

        // LIMIT / OFFSET / FETCH.
        self.aggs.clause = "LIMIT";
        let (limit, offset) = match &q.limit_clause {
            None => (None, None),
            Some(ast::LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) if limit_by.is_empty() => (
                limit.as_ref().map(|l| self.count(l, "LIMIT")).transpose()?,
                offset
                    .as_ref()
                    .map(|o| self.count(&o.value, "OFFSET"))
                    .transpose()?,
            ),
            Some(_) => return unsupported("this LIMIT syntax"),
        };
        let limit = match &q.fetch {
            None => limit,
            Some(f) if f.with_ties || f.percent => return unsupported("FETCH WITH TIES/PERCENT"),
            Some(f) => Some(match &f.quantity {
                Some(n) => self.count(n, "LIMIT")?,
                None => Expr::Const(Value::Int8(1), DataType::Int8),
            }),
        };

        let param_types = self.param_types()?;
        let filled = param_types.clone();
        let fill = |e: Expr| fill_params(e, &filled);
        let target: Vec<Expr> = target.into_iter().map(fill).collect();
        let calls: Vec<AggCall> = calls
            .into_iter()
            .map(|mut c| {
                c.args = c.args.into_iter().map(fill).collect();
                c.filter = c.filter.map(fill);
                c.order = c.order.into_iter().map(|(e, k)| (fill(e), k)).collect();
                c
            })
            .collect();
        let having = having.map(fill);
        let group_by: Vec<Expr> = group_by.into_iter().map(fill).collect();
        let table = self.scope.take();
        // A generate_series scope is not a stored table: its rows are made where the plan runs.
        let table = if series.is_some() { None } else { table };
        let range_table = series
            .as_ref()
            .map(|(t, _): &(Arc<TableDef>, LocalRows)| t.clone());
        let body = if calls.is_empty() && group_by.is_empty() && having.is_none() {
            Body::Project(target)
        } else {
            let range = self.scope_name.clone();
            let ctx = GroupCtx {
                group_by: &group_by,
                width,
                table: table.as_deref().or(range_table.as_deref()),
                alias: range.as_deref(),
                first_use: &first_use,
            };
            let to_group = |e: Expr| group_row(e, &ctx);
            let output = target
                .into_iter()
                .map(to_group)
                .collect::<Result<Vec<_>>>()?;
            let having = having.map(to_group).transpose()?;
            Body::Aggregate(Box::new(Aggregate {
                partial: can_partial(&calls),
                group_by,
                calls,
                having,
                output,
            }))
        };
        let mut series = series.map(|(_, mut s)| {
            s.filter = filter.clone().map(fill);
            Box::new(s)
        });
        let source = match table {
            None => {
                if filter.is_some() && series.is_none() {
                    // `SELECT ... WHERE cond` without FROM: one empty row, filtered.
                    series = Some(Box::new(LocalRows {
                        kind: LocalKind::Values(vec![Vec::new()]),
                        filter: filter.clone().map(fill),
                    }));
                }
                None
            }
            Some(table) => {
                let filter = filter.map(fill);
                let key = filter.as_ref().and_then(|f| dml::point_key(f, &table));
                let name = self
                    .scope_name
                    .clone()
                    .unwrap_or_else(|| table.name.clone());
                let lock =
                    crate::locking::row_locking(&q.locks, self.weak_locks, Some(&name), &|n| {
                        self.position(n)
                    })?;
                if let Some(l) = lock {
                    let agg = match &body {
                        Body::Aggregate(a) => Some(a),
                        Body::Project(_) => None,
                    };
                    crate::locking::check_query(
                        l,
                        distinct != Distinct::None,
                        agg.is_some_and(|a| !a.group_by.is_empty()),
                        agg.is_some_and(|a| a.having.is_some()),
                        agg.is_some_and(|a| !a.calls.is_empty()),
                    )?;
                }
                Some(ScanSource {
                    table,
                    filter,
                    key,
                    lock,
                })
            }
        };
        Ok(Statement::Query(QueryPlan {
            columns: items
                .into_iter()
                .map(|i| (i.name, i.expr.data_type()))
                .collect(),
            param_types,
            source,
            body,
            order,
            distinct,
            limit: limit.map(|e| Box::new(fill(e))),
            offset: offset.map(|e| Box::new(fill(e))),
            local: series,
        }))
    }

    /// A boolean condition (WHERE, HAVING).
    fn condition(&mut self, e: &ast::Expr, clause: &str) -> Result<Expr> {
        let f = coerce(self.expr(e)?, DataType::Bool, &mut self.params)?;
        if f.data_type() != DataType::Bool {
            return Err(SqlError::DatatypeMismatch(format!(
                "argument of {clause} must be type boolean, not type {}",
                f.data_type().sql_name()
            )));
        }
        Ok(f)
    }

    /// A LIMIT/OFFSET count: an int8 expression without column references.
    fn count(&mut self, e: &ast::Expr, clause: &str) -> Result<Expr> {
        let bound = self.expr(e)?;
        if uses_columns(&bound) {
            return Err(SqlError::InvalidColumnReference {
                message: format!("argument of {clause} must not contain variables"),
                position: self.position(e),
            });
        }
        let bound = coerce(bound, DataType::Int8, &mut self.params)?;
        Ok(match bound.data_type() {
            DataType::Int8 => bound,
            _ => Expr::Cast(Box::new(bound), DataType::Int8),
        })
    }

    /// The target-row position an ORDER BY or DISTINCT ON item names (adding a hidden column
    /// when it is a new expression).
    fn target_column(
        &mut self,
        e: &ast::Expr,
        items: &[Item<'_>],
        target: &mut Vec<Expr>,
        clause: &str,
    ) -> Result<usize> {
        if let Some(n) = ordinal(e) {
            return match usize::try_from(n) {
                Ok(n) if n >= 1 && n <= items.len() => Ok(n - 1),
                _ => Err(SqlError::InvalidColumnReference {
                    message: format!("{clause} position {n} is not in select list"),
                    position: self.position(e),
                }),
            };
        }
        if let ast::Expr::Identifier(id) = e {
            let name = ident(id);
            if let Some(i) = items.iter().position(|it| it.name == name) {
                return Ok(i);
            }
        }
        let bound = resolve_unknown(self.expr(e)?, DataType::Text);
        if let Some(i) = target.iter().position(|t| *t == bound) {
            return Ok(i);
        }
        target.push(bound);
        Ok(target.len() - 1)
    }

    /// One GROUP BY item, over the input row.
    fn group_expr(&mut self, e: &ast::Expr, items: &[Item<'_>]) -> Result<Expr> {
        if let Some(n) = ordinal(e) {
            return match usize::try_from(n) {
                Ok(n) if n >= 1 && n <= items.len() => {
                    let expr = items[n - 1].expr.clone();
                    if self.aggregate_in(&expr) {
                        return Err(SqlError::Grouping {
                            message: "aggregate functions are not allowed in GROUP BY".into(),
                            position: items[n - 1].ast.and_then(|a| self.position(a)),
                        });
                    }
                    Ok(expr)
                }
                _ => Err(SqlError::InvalidColumnReference {
                    message: format!("GROUP BY position {n} is not in select list"),
                    position: self.position(e),
                }),
            };
        }
        if let ast::Expr::Identifier(id) = e {
            let name = ident(id);
            let is_column = self
                .scope
                .as_ref()
                .is_some_and(|t| t.column_index(&name).is_some());
            if !is_column {
                if let Some(it) = items.iter().find(|it| it.name == name) {
                    if !self.aggregate_in(&it.expr) {
                        return Ok(it.expr.clone());
                    }
                }
            }
        }
        self.expr(e)
    }

    /// Whether a select-list expression holds an aggregate placeholder.
    fn aggregate_in(&self, e: &Expr) -> bool {
        let width = self.scope.as_ref().map_or(0, |t| t.columns.len());
        let mut found = false;
        walk(e, &mut |x| {
            found |= matches!(x, Expr::Column(i, _) if *i >= width)
        });
        found
    }

    /// Binds an aggregate call where the scope allows one: returns its placeholder column.
    pub(super) fn aggregate(&mut self, f: &ast::Function, name: &str) -> Result<Expr> {
        let position = self.position(&f.name);
        if self.aggs.calls.is_none() {
            return Err(SqlError::Grouping {
                message: format!(
                    "aggregate functions are not allowed in {}",
                    self.aggs.clause
                ),
                position,
            });
        }
        if self.aggs.inside {
            return Err(SqlError::Grouping {
                message: "aggregate function calls cannot be nested".into(),
                position,
            });
        }
        if f.over.is_some() {
            return unsupported("window functions");
        }
        if !f.within_group.is_empty() {
            return unsupported("WITHIN GROUP");
        }
        let ast::FunctionArguments::List(list) = &f.args else {
            return unsupported("this aggregate call");
        };
        let mut order_by: &[ast::OrderByExpr] = &[];
        for clause in &list.clauses {
            match clause {
                ast::FunctionArgumentClause::OrderBy(o) => order_by = o,
                _ => return unsupported("this clause inside aggregate calls"),
            }
        }
        let distinct = matches!(
            list.duplicate_treatment,
            Some(ast::DuplicateTreatment::Distinct)
        );
        self.aggs.inside = true;
        let mut args = Vec::new();
        let mut star = false;
        for a in &list.args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => match self.expr(e) {
                    Ok(x) => args.push(x),
                    Err(err) => {
                        self.aggs.inside = false;
                        return Err(err);
                    }
                },
                _ => {
                    self.aggs.inside = false;
                    return unsupported("this aggregate argument");
                }
            }
        }
        self.aggs.inside = false;
        if star && !(args.is_empty() && name == "count") {
            return Err(SqlError::Syntax {
                message: "syntax error at or near \"*\"".into(),
                position,
            });
        }
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let sig = resolve_agg(name, &types).map_err(|e| match e {
            SqlError::UndefinedFunction { signature, .. } => SqlError::UndefinedFunction {
                signature,
                position,
            },
            other => other,
        })?;
        let mut cast = Vec::with_capacity(args.len());
        for (i, a) in args.into_iter().enumerate() {
            // string_agg's delimiter takes the value's type; others take the signature's.
            cast.push(coerce(a, sig.arg, &mut self.params).map(|x| {
                if i == 0 || x.data_type() == sig.arg {
                    x
                } else {
                    Expr::Cast(Box::new(x), sig.arg)
                }
            })?);
        }
        // FILTER (WHERE ...) over the input row; aggregates inside it count as nested.
        let filter = match &f.filter {
            None => None,
            Some(cond) => {
                self.aggs.inside = true;
                let bound = self.condition(cond, "FILTER");
                self.aggs.inside = false;
                Some(bound?)
            }
        };
        let mut order = Vec::with_capacity(order_by.len());
        for (column, o) in order_by.iter().enumerate() {
            let descending = match &o.options.sort {
                Some(ast::OrderBySort::Desc) => true,
                None | Some(ast::OrderBySort::Asc) => false,
                Some(ast::OrderBySort::Using(_)) => {
                    return unsupported("ORDER BY USING in aggregates")
                }
            };
            self.aggs.inside = true;
            let e = self.expr(&o.expr);
            self.aggs.inside = false;
            let e = resolve_unknown(e?, DataType::Text);
            let key = SortKey {
                column,
                ty: e.data_type(),
                descending,
                nulls_first: o.options.nulls_first.unwrap_or(descending),
            };
            order.push((e, key));
        }
        let call = AggCall {
            sig,
            args: cast,
            distinct,
            filter,
            order,
        };
        let width = self.scope.as_ref().map_or(0, |t| t.columns.len());
        let calls = self.aggs.calls.get_or_insert_with(Vec::new);
        let j = match calls.iter().position(|c| *c == call) {
            Some(j) => j,
            None => {
                calls.push(call);
                calls.len() - 1
            }
        };
        Ok(Expr::Column(width + j, sig.result))
    }
}

/// `ORDER BY 2`: an integer literal names a select-list position.
fn ordinal(e: &ast::Expr) -> Option<i64> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// What moving expressions onto the group row needs.
struct GroupCtx<'a> {
    group_by: &'a [Expr],
    width: usize,
    table: Option<&'a TableDef>,
    alias: Option<&'a str>,
    /// Where each column was first used (for the error's position).
    first_use: &'a [(usize, Option<u32>)],
}

/// Moves an expression over the input row (with aggregate placeholders) onto the group row.
fn group_row(e: Expr, cx: &GroupCtx<'_>) -> Result<Expr> {
    let ng = cx.group_by.len();
    rewrite(e, &mut |x| {
        if let Some(k) = cx.group_by.iter().position(|g| g == x) {
            return Ok(Some(Expr::Column(k, x.data_type())));
        }
        match x {
            Expr::Column(i, ty) if *i >= cx.width => Ok(Some(Expr::Column(ng + i - cx.width, *ty))),
            Expr::Column(i, _) => {
                let (t, c) = cx
                    .table
                    .map(|t| (cx.alias.unwrap_or(&t.name), t.columns[*i].name.as_str()))
                    .unwrap_or(("?", "?"));
                Err(SqlError::Grouping {
                    message: format!(
                        "column \"{t}.{c}\" must appear in the GROUP BY clause or be used in an aggregate function"
                    ),
                    position: cx.first_use.iter().find(|u| u.0 == *i).and_then(|u| u.1),
                })
            }
            _ => Ok(None),
        }
    })
}
