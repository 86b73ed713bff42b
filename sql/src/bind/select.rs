//! Binding a SELECT block into a [`QueryPlan`] (see `crate::plan` for its shape). Its FROM
//! clause is bound by `join` (names by `scope`); one stored table without subqueries keeps the
//! single-table plan the shards run whole.
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

use sqlparser::ast;

use super::{coerce, column_name, fill_params, ident, resolve_unknown, Binder};
use crate::error::{Result, SqlError};
use crate::exec::can_partial;
use crate::expr::Expr;
use crate::plan::{
    uses_columns, walk, AggCall, Aggregate, Body, Distinct, LocalKind, LocalRows, QueryPlan,
    ScanSource, SortKey,
};
use crate::types::{DataType, Value};

pub(crate) use super::aggcall::AggScope;
use super::group::{group_row, split_probe, GroupCtx};
use super::join::FromNode;
use super::place::{and_all, conjuncts, mark_columns, place};
use super::scope::Scope;
use super::window::WindowScope;
use super::Statement;

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
        self.in_query = true;
        let mut plan = self.query_plan(q)?;
        plan.scans = std::mem::take(&mut self.scans);
        Ok(Statement::Query(plan))
    }

    /// One SELECT block; `q` holds its ORDER BY / LIMIT (none for a set operation's branch).
    pub(super) fn select(
        &mut self,
        select: &ast::Select,
        q: Option<&ast::Query>,
    ) -> Result<QueryPlan> {
        let locked = q.is_some_and(|q| !q.locks.is_empty());
        let top = self.nest == 0;
        let keep_unknown = std::mem::take(&mut self.keep_unknown);
        let sublinks_before = self.sublinks;
        let saved_from = self.from.take();
        let saved_aggs = std::mem::take(&mut self.aggs);
        let saved_windows = std::mem::replace(
            &mut self.windows,
            WindowScope {
                calls: None,
                clause: "JOIN conditions",
                inside: false,
                named: select
                    .named_window
                    .iter()
                    .map(|w| (ident(&w.0), w.1.clone()))
                    .collect(),
                srfs: Vec::new(),
            },
        );
        let min_before = std::mem::replace(&mut self.min_level, usize::MAX);
        let tree = self.bind_from(&select.from)?;
        // Whether the FROM items read enclosing rows (then they are not the same for every run).
        let from_correlated = self.min_level < self.outer.len();
        self.min_level = self.min_level.min(min_before);
        let (tree, scope) = match tree {
            Some((n, s)) => (Some(n), s),
            None => (None, Scope::default()),
        };
        let labels = scope.labels.clone();
        self.from = Some(scope);
        let width = self.width();
        // WHERE: no aggregates.
        self.aggs = AggScope {
            calls: None,
            clause: "WHERE",
            inside: false,
            first_use: Vec::new(),
        };
        self.windows.clause = "WHERE";
        let filter = match &select.selection {
            None => None,
            Some(w) => Some(self.condition(w, "WHERE")?),
        };
        self.windows.calls = Some(Vec::new());

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
                ast::SelectItem::ExprWithAlias { expr, alias } => (expr, Some(ident(alias))),
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
                    let Some(cols) = self.range_columns(&rel) else {
                        return Err(SqlError::MissingFromEntry {
                            name: rel,
                            position: None,
                        });
                    };
                    for (name, expr) in cols {
                        self.note_columns(&expr);
                        items.push(Item {
                            ast: None,
                            name,
                            expr,
                        });
                    }
                    continue;
                }
                ast::SelectItem::Wildcard(_) => {
                    let cols = self
                        .from
                        .as_ref()
                        .map(|s| s.visible.clone())
                        .unwrap_or_default();
                    if cols.is_empty() && tree.is_none() {
                        return Err(SqlError::Syntax {
                            message: "SELECT * with no tables specified is not valid".into(),
                            position: None,
                        });
                    }
                    for (name, expr) in cols {
                        self.note_columns(&expr);
                        items.push(Item {
                            ast: None,
                            name,
                            expr,
                        });
                    }
                    continue;
                }
                _ => return unsupported("this kind of select item"),
            };
            let bound = self.expr(e)?;
            let bound = if keep_unknown {
                bound
            } else {
                resolve_unknown(bound, DataType::Text)
            };
            items.push(Item {
                ast: Some(e),
                name: alias.unwrap_or_else(|| column_name(e)),
                expr: bound,
            });
        }
        let window_calls = self.windows.calls.take();
        self.windows.clause = "HAVING";
        let having = match &select.having {
            None => None,
            Some(h) => Some(self.condition(h, "HAVING")?),
        };
        self.windows.calls = window_calls;
        let mut target: Vec<Expr> = items.iter().map(|i| i.expr.clone()).collect();

        // ORDER BY.
        let mut order = Vec::new();
        let mut order_at = Vec::new();
        if let Some(ob) = q.and_then(|q| q.order_by.as_ref()) {
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
        let window_calls = self.windows.calls.take().unwrap_or_default();
        let srf_calls = std::mem::take(&mut self.windows.srfs);
        self.windows.clause = "GROUP BY";
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
        self.windows.clause = "LIMIT";
        let (limit, offset) = match q.and_then(|q| q.limit_clause.as_ref()) {
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
        let limit = match q.and_then(|q| q.fetch.as_ref()) {
            None => limit,
            Some(f) if f.with_ties || f.percent => return unsupported("FETCH WITH TIES/PERCENT"),
            Some(f) => Some(match &f.quantity {
                Some(n) => self.count(n, "LIMIT")?,
                None => Expr::Const(Value::Int8(1), DataType::Int8),
            }),
        };

        let param_types = if top {
            self.param_types()?
        } else {
            self.params
                .iter()
                .map(|t| t.unwrap_or(DataType::Unknown))
                .collect()
        };
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
        let body = if calls.is_empty() && group_by.is_empty() && having.is_none() {
            Body::Project(target)
        } else {
            let ctx = GroupCtx {
                group_by: &group_by,
                width,
                labels: &labels,
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
        let (body, window) = if window_calls.is_empty() && srf_calls.is_empty() {
            (body, None)
        } else {
            let input_types = self.input_types(width);
            super::window::stage(
                body,
                (window_calls, srf_calls),
                &filled,
                width,
                &input_types,
                &labels,
                &first_use,
            )?
        };
        let filter = filter.map(fill);
        // One stored table, no subquery anywhere, at the statement's top: today's fast path (the
        // whole plan ships to the shards). Everything else runs as a `Rel` tree at the router.
        let fast = top
            && self.sublinks == sublinks_before
            && self.scans.is_empty()
            && tree.as_ref().is_some_and(|t| t.single_table().is_some());
        let (source, local) = match tree {
            None => (
                None,
                // `SELECT ... WHERE cond` without FROM: one empty row, filtered.
                filter.map(|f| {
                    Box::new(LocalRows {
                        kind: LocalKind::Values(vec![Vec::new()]),
                        filter: Some(f),
                        probe: Vec::new(),
                    })
                }),
            ),
            Some(FromNode::Table { table, .. }) if fast => {
                let key = filter
                    .as_ref()
                    .and_then(|f| super::keys::point_key(f, &table));
                let name = labels
                    .first()
                    .map(|l| l.0.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| table.name.clone());
                let locks: &[ast::LockClause] = q.map_or(&[], |q| &q.locks);
                let lock =
                    crate::locking::row_locking(locks, self.weak_locks, Some(&name), &|n| {
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
                (
                    Some(ScanSource {
                        table,
                        filter,
                        key,
                        lock,
                        remap: None,
                    }),
                    None,
                )
            }
            Some(mut node) => {
                if locked {
                    return unsupported(
                        "FOR UPDATE/SHARE with joins, subqueries or set operations",
                    );
                }
                let mut rest = Vec::new();
                if let Some(f) = filter {
                    let mut parts = Vec::new();
                    conjuncts(f, &mut parts);
                    rest.extend(parts.into_iter().filter_map(|p| place(&mut node, p)));
                }
                // The input columns read above the scans.
                let mut used = vec![false; width];
                let mut prune = node.mark_used(&mut used);
                rest.iter().for_each(|e| mark_columns(e, &mut used));
                match &body {
                    Body::Project(exprs) => exprs.iter().for_each(|e| mark_columns(e, &mut used)),
                    Body::Aggregate(a) => {
                        a.group_by.iter().for_each(|e| mark_columns(e, &mut used));
                        for c in &a.calls {
                            c.args.iter().for_each(|e| mark_columns(e, &mut used));
                            c.filter.iter().for_each(|e| mark_columns(e, &mut used));
                            c.order.iter().for_each(|(e, _)| mark_columns(e, &mut used));
                        }
                        // Subqueries over the group row read group columns, which are
                        // expressions over input columns already marked.
                        prune &= a.group_by.iter().all(|g| !matches!(g, Expr::SubLink(_)));
                    }
                }
                let rel = self.build_rel(node, prune.then_some(&used[..]))?;
                let probe = if from_correlated || self.nest == 0 {
                    Vec::new()
                } else {
                    split_probe(&mut rest)
                };
                (
                    None,
                    Some(Box::new(LocalRows {
                        kind: LocalKind::Rel(Box::new(rel)),
                        filter: and_all(rest),
                        probe,
                    })),
                )
            }
        };
        self.from = saved_from;
        self.aggs = saved_aggs;
        self.windows = saved_windows;
        Ok(QueryPlan {
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
            local,
            scans: Vec::new(),
            window,
        })
    }

    /// The types of the current level's input columns (`Unknown` where no range names one).
    fn input_types(&self, width: usize) -> Vec<DataType> {
        let mut types = vec![DataType::Unknown; width];
        for rel in self.from.iter().flat_map(|s| &s.rels) {
            for (_, e) in &rel.cols {
                if let Expr::Column(i, t) = e {
                    if let Some(slot) = types.get_mut(*i) {
                        *slot = *t;
                    }
                }
            }
        }
        types
    }

    /// Notes the input columns an expression reads (for 42803's position).
    pub(crate) fn note_columns(&mut self, e: &Expr) {
        walk(e, &mut |x| {
            if let Expr::Column(i, _) = x {
                self.aggs.saw_column(*i, None);
            }
        });
    }

    /// Width of the current level's input row.
    pub(super) fn width(&self) -> usize {
        match &self.from {
            Some(s) => s.width,
            None => self.scope.as_ref().map_or(0, |t| t.columns.len()),
        }
    }

    /// A boolean condition (WHERE, HAVING).
    pub(crate) fn condition(&mut self, e: &ast::Expr, clause: &str) -> Result<Expr> {
        let bound = self.expr(e)?;
        // Only an unknown literal or parameter becomes boolean implicitly.
        let f = match bound.data_type() {
            DataType::Unknown => coerce(bound, DataType::Bool, &mut self.params)?,
            _ => bound,
        };
        if f.data_type() != DataType::Bool {
            return Err(SqlError::DatatypeMismatchAt {
                message: format!(
                    "argument of {clause} must be type boolean, not type {}",
                    f.data_type().sql_name()
                ),
                position: self.position(e),
            });
        }
        Ok(f)
    }

    /// A LIMIT/OFFSET count: an int8 expression without column references.
    pub(crate) fn count(&mut self, e: &ast::Expr, clause: &str) -> Result<Expr> {
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
                .from
                .as_ref()
                .is_some_and(|s| s.visible.iter().any(|(n, _)| *n == name));
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
