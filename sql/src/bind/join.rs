//! FROM clauses with several items: binding the join tree, placing conditions, and turning it
//! into a [`Rel`] whose leaves are base-table scans pushed to the shards.
//!
//! # The input row
//! FROM items are laid side by side in the order written: item `k`'s columns occupy
//! `[start_k, start_k + width_k)` of the level's input row, and every join node covers a
//! contiguous range (its left child's, then its right child's). Conditions are bound over the
//! whole input row and shifted to a node's own row (which starts at its `start`) when placed.
//!
//! Conditions are placed by `place` (pushed into scans where PostgreSQL's rules allow).

use std::sync::Arc;

use sqlparser::ast;

use super::place::{and_all, conjuncts, has_sublink, mark_columns, place_on, router_only, span};
use super::scope::{shift_columns, Scope};
use super::{ident, Binder};
use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::expr::{BinOp, Expr};
use crate::plan::{Body, Distinct, Join, JoinKind, LocalKind, QueryPlan, Rel, ScanSource};
use crate::types::DataType;

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

/// A bound FROM tree (before conditions are placed and scans are made).
#[derive(Debug)]
pub(crate) enum FromNode {
    /// A stored table: its scan's filter conjuncts, over the level's input row.
    Table {
        table: Arc<TableDef>,
        start: usize,
        filters: Vec<Expr>,
    },
    /// Any other row source (derived table, VALUES, generate_series, CTE).
    Other {
        rel: Rel,
        start: usize,
        width: usize,
    },
    Join {
        kind: JoinKind,
        left: Box<FromNode>,
        right: Box<FromNode>,
        /// Join conditions over the level's input row.
        conds: Vec<Expr>,
        lateral: bool,
    },
}

impl FromNode {
    /// Marks the input-row columns its join conditions read; false when a LATERAL item reads
    /// its left side (then every column may be needed).
    pub(crate) fn mark_used(&self, used: &mut [bool]) -> bool {
        match self {
            FromNode::Table { .. } | FromNode::Other { .. } => true,
            FromNode::Join {
                left,
                right,
                conds,
                lateral,
                ..
            } => {
                conds.iter().for_each(|c| mark_columns(c, used));
                !lateral && left.mark_used(used) && right.mark_used(used)
            }
        }
    }

    pub(crate) fn start(&self) -> usize {
        match self {
            FromNode::Table { start, .. } | FromNode::Other { start, .. } => *start,
            FromNode::Join { left, .. } => left.start(),
        }
    }

    pub(crate) fn end(&self) -> usize {
        match self {
            FromNode::Table { table, start, .. } => start + table.columns.len(),
            FromNode::Other { start, width, .. } => start + width,
            FromNode::Join { right, .. } => right.end(),
        }
    }

    /// The single stored table of a one-item FROM.
    pub(crate) fn single_table(&self) -> Option<&Arc<TableDef>> {
        match self {
            FromNode::Table { table, .. } => Some(table),
            _ => None,
        }
    }
}

/// Where a comma-separated FROM item goes.
enum Prefix {
    /// At this offset, with what a LATERAL item may read (the items before, shifted to 0).
    At(usize, Option<Scope>),
    /// Joined onto the items before it (which start at 0).
    Onto((FromNode, Scope)),
}

impl Binder<'_> {
    /// The FROM clause: its tree and scope; `None` without FROM.
    pub(crate) fn bind_from(
        &mut self,
        from: &[ast::TableWithJoins],
    ) -> Result<Option<(FromNode, Scope)>> {
        let mut acc: Option<(FromNode, Scope)> = None;
        for twj in from {
            // `a, b JOIN LATERAL (...a...)`: with only inner and left joins in the item, it is
            // `(a × b) JOIN LATERAL ...`, so later items may read earlier ones.
            let left_deep = twj.joins.iter().all(|j| {
                use ast::JoinOperator as J;
                matches!(
                    j.join_operator,
                    J::Join(_) | J::Inner(_) | J::Left(_) | J::LeftOuter(_) | J::CrossJoin(_)
                )
            });
            let (node, scope, _) = match acc.take() {
                Some(prefix) if left_deep => self.table_with_joins(twj, Prefix::Onto(prefix))?,
                Some((l, ls)) => {
                    let offset = l.end();
                    let (node, scope, lateral) =
                        self.table_with_joins(twj, Prefix::At(offset, Some(ls.shifted(0))))?;
                    (
                        FromNode::Join {
                            kind: JoinKind::Inner,
                            left: Box::new(l),
                            right: Box::new(node),
                            conds: Vec::new(),
                            lateral,
                        },
                        ls.concat(scope)?,
                        false,
                    )
                }
                None => self.table_with_joins(twj, Prefix::At(0, None))?,
            };
            acc = Some((node, scope));
        }
        Ok(acc)
    }

    /// One comma-separated FROM item with its joins. `lateral_left` is what a LATERAL item may
    /// read (shifted to start at 0).
    fn table_with_joins(
        &mut self,
        twj: &ast::TableWithJoins,
        prefix: Prefix,
    ) -> Result<(FromNode, Scope, bool)> {
        let (mut node, mut scope, lateral) = match prefix {
            Prefix::At(offset, lateral_left) => self.factor(&twj.relation, offset, lateral_left)?,
            Prefix::Onto((l, ls)) => {
                let (f, fs, lateral) = self.factor(&twj.relation, l.end(), Some(ls.clone()))?;
                let node = FromNode::Join {
                    kind: JoinKind::Inner,
                    left: Box::new(l),
                    right: Box::new(f),
                    conds: Vec::new(),
                    lateral,
                };
                (node, ls.concat(fs)?, false)
            }
        };
        for j in &twj.joins {
            use ast::JoinOperator as J;
            let (kind, constraint) = match &j.join_operator {
                J::Join(c) | J::Inner(c) => (JoinKind::Inner, c),
                J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, c),
                J::Right(c) | J::RightOuter(c) => (JoinKind::Right, c),
                J::FullOuter(c) => (JoinKind::Full, c),
                J::CrossJoin(c) => (JoinKind::Inner, c),
                _ => return unsupported("this kind of join"),
            };
            let left_scope = scope.shifted(node.start());
            let (right, rscope, rlateral) =
                self.factor(&j.relation, node.end(), Some(left_scope))?;
            if rlateral && matches!(kind, JoinKind::Right | JoinKind::Full) {
                return unsupported("LATERAL on the right of RIGHT or FULL JOIN");
            }
            let (n, s) = self.join(kind, constraint, node, scope, right, rscope, rlateral)?;
            node = n;
            scope = s;
        }
        Ok((node, scope, lateral))
    }

    #[allow(clippy::too_many_arguments)]
    fn join(
        &mut self,
        kind: JoinKind,
        constraint: &ast::JoinConstraint,
        left: FromNode,
        lscope: Scope,
        right: FromNode,
        rscope: Scope,
        lateral: bool,
    ) -> Result<(FromNode, Scope)> {
        let mut node = FromNode::Join {
            kind,
            left: Box::new(left),
            right: Box::new(right),
            conds: Vec::new(),
            lateral,
        };
        let names_of = |names: &[ast::ObjectName]| -> Vec<String> {
            names
                .iter()
                .map(|n| {
                    n.0.last()
                        .and_then(|p| p.as_ident())
                        .map(ident)
                        .unwrap_or_default()
                })
                .collect()
        };
        let mut using_alias = None;
        let using: Vec<String> = match constraint {
            ast::JoinConstraint::None => {
                return Ok((node, lscope.concat(rscope)?));
            }
            ast::JoinConstraint::On(e) => {
                let merged = lscope.concat(rscope)?;
                let saved = self.from.replace(merged.clone());
                let saved_aggs = std::mem::replace(
                    &mut self.aggs,
                    super::select::AggScope {
                        calls: None,
                        clause: "JOIN conditions",
                        ..Default::default()
                    },
                );
                let cond = self.condition(e, "JOIN/ON");
                self.from = saved;
                self.aggs = saved_aggs;
                let mut parts = Vec::new();
                conjuncts(cond?, &mut parts);
                for c in parts {
                    place_on(&mut node, c);
                }
                return Ok((node, merged));
            }
            ast::JoinConstraint::Using(names) => names_of(names),
            ast::JoinConstraint::UsingAlias(names, alias) => {
                using_alias = Some(ident(alias));
                names_of(names)
            }
            ast::JoinConstraint::Natural => lscope
                .visible
                .iter()
                .filter(|(n, _)| rscope.visible.iter().any(|(m, _)| m == n))
                .map(|(n, _)| n.clone())
                .collect(),
        };
        let mut merged_cols = Vec::new();
        for name in &using {
            if using.iter().filter(|n| *n == name).count() > 1 {
                return Err(SqlError::DuplicateColumn(name.clone()));
            }
            let side = |s: &Scope, which: &'static str| -> Result<Expr> {
                let mut hits = s.visible.iter().filter(|(n, _)| n == name);
                match (hits.next(), hits.next()) {
                    (Some(h), None) => Ok(h.1.clone()),
                    (Some(_), Some(_)) => Err(SqlError::AmbiguousUsing {
                        name: name.clone(),
                        side: which,
                    }),
                    (None, _) => Err(SqlError::UsingColumnMissing {
                        name: name.clone(),
                        side: which,
                    }),
                }
            };
            let l = side(&lscope, "left")?;
            let r = side(&rscope, "right")?;
            let cond = self.binary_bound(BinOp::Eq, l.clone(), r.clone(), None)?;
            let merged = match kind {
                JoinKind::Inner | JoinKind::Left => coerce_to(l, cond_type(&cond)),
                JoinKind::Right => coerce_to(r, cond_type(&cond)),
                JoinKind::Full => {
                    let ty = cond_type(&cond);
                    Expr::Call {
                        func: crate::expr::Function(crate::func::FuncSig {
                            name: "coalesce",
                            params: vec![ty, ty],
                            ret: ty,
                            strict: false,
                            volatile: false,
                            func: first_not_null,
                        }),
                        args: vec![coerce_to(l, ty), coerce_to(r, ty)],
                    }
                }
            };
            merged_cols.push((name.clone(), merged));
            place_on(&mut node, cond);
        }
        let mut scope = lscope.clone().concat(rscope.clone())?;
        if let Some(name) = using_alias {
            // `USING (...) AS j`: a range holding only the merged columns.
            let alias_scope = Scope {
                rels: vec![super::scope::RangeRel {
                    name,
                    cols: merged_cols.clone(),
                    system: Vec::new(),
                }],
                ..Scope::default()
            };
            let (width, labels) = (scope.width, scope.labels.clone());
            scope = scope.concat(Scope {
                width,
                labels,
                ..alias_scope
            })?;
        }
        let mut visible = merged_cols;
        visible.extend(
            lscope
                .visible
                .into_iter()
                .filter(|(n, _)| !using.contains(n)),
        );
        visible.extend(
            rscope
                .visible
                .into_iter()
                .filter(|(n, _)| !using.contains(n)),
        );
        scope.visible = visible;
        Ok((node, scope))
    }

    /// One FROM item (not a join): its node, scope and whether it is LATERAL.
    fn factor(
        &mut self,
        f: &ast::TableFactor,
        offset: usize,
        lateral_left: Option<Scope>,
    ) -> Result<(FromNode, Scope, bool)> {
        match f {
            ast::TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                if let Some((rel, cols, hidden)) = self.cte_ref(name)? {
                    let default = super::object_name(name);
                    let mut item =
                        self.other(rel, cols, &default, alias.as_ref(), offset, false)?;
                    super::search_cycle::hide_added(&mut item.1, hidden);
                    return Ok(item);
                }
                if let Some(sys) = crate::syscat::resolve(&super::object_name(name)) {
                    let (rel, cols) = self.system_relation(sys)?;
                    return self.other(rel, cols, sys.name, alias.as_ref(), offset, false);
                }
                let table = self.table(name).map_err(|e| self.invisible_cte(name, e))?;
                if table.sequence.is_some() {
                    return unsupported("reading a sequence as a table");
                }
                if table.is_view() {
                    let plan = self.view_query(&table)?;
                    let cols = plan.columns.clone();
                    let rel = Rel::Query(Box::new(plan));
                    return self.other(rel, cols, &table.name, alias.as_ref(), offset, false);
                }
                let cols: Vec<(String, DataType)> = table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty))
                    .collect();
                let mut scope = Scope::range(
                    &alias
                        .as_ref()
                        .map_or(table.name.clone(), |a| ident(&a.name)),
                    &rename(&cols, alias.as_ref())?,
                    offset,
                );
                scope.rels[0].system = self.system_columns(&table, offset);
                Ok((
                    FromNode::Table {
                        table,
                        start: offset,
                        filters: Vec::new(),
                    },
                    scope,
                    false,
                ))
            }
            ast::TableFactor::Table {
                name,
                alias,
                args: Some(args),
                with_ordinality,
                ..
            } => {
                let alias = alias.as_ref();
                let ord = *with_ordinality;
                self.function_item(name, &args.args, alias, offset, lateral_left, ord)
            }
            ast::TableFactor::Function {
                name,
                args,
                alias,
                with_ordinality,
                ..
            } => {
                let alias = alias.as_ref();
                let ord = *with_ordinality;
                self.function_item(name, args, alias, offset, lateral_left, ord)
            }
            ast::TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset: false,
                with_ordinality: false,
                ..
            } if array_exprs.len() == 1 => {
                let arg =
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(array_exprs[0].clone()));
                let name = ast::ObjectName::from(vec![ast::Ident::new("unnest")]);
                self.function_item(&name, &[arg], alias.as_ref(), offset, lateral_left, false)
            }
            ast::TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                let Some(alias) = alias else {
                    // PostgreSQL points at the opening parenthesis, just before the query.
                    return Err(SqlError::SubqueryNeedsAlias {
                        position: self
                            .position(subquery.as_ref())
                            .map(|p| p.saturating_sub(1)),
                    });
                };
                let left = if *lateral { lateral_left } else { None };
                let is_lateral = left.is_some();
                if let (ast::SetExpr::Values(values), None, None, None) = (
                    subquery.body.as_ref(),
                    &subquery.order_by,
                    &subquery.limit_clause,
                    &subquery.with,
                ) {
                    let (table, kind) =
                        self.in_lateral(left, |b| b.values_source(values, Some(alias)))?;
                    let cols: Vec<(String, DataType)> = table
                        .columns
                        .iter()
                        .map(|c| (c.name.clone(), c.ty))
                        .collect();
                    return self.other(
                        Rel::Local(kind),
                        cols,
                        &table.name,
                        None,
                        offset,
                        is_lateral,
                    );
                }
                let plan = self.in_lateral(left, |b| b.nested_query(subquery))?;
                let cols = plan.columns.clone();
                self.other(
                    Rel::Query(Box::new(plan)),
                    cols,
                    "",
                    Some(alias),
                    offset,
                    is_lateral,
                )
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let (node, scope, lateral) =
                    self.table_with_joins(table_with_joins, Prefix::At(offset, lateral_left))?;
                let scope = match alias {
                    None => scope,
                    Some(a) => {
                        let name = ident(&a.name);
                        let mut visible = scope.visible.clone();
                        for (i, c) in a.columns.iter().enumerate() {
                            if let Some(v) = visible.get_mut(i) {
                                v.0 = ident(&c.name);
                            }
                        }
                        Scope {
                            rels: vec![super::scope::RangeRel {
                                name,
                                cols: visible.clone(),
                                system: Vec::new(),
                            }],
                            visible,
                            ..scope
                        }
                    }
                };
                Ok((node, scope, lateral))
            }
            _ => unsupported("this kind of FROM item"),
        }
    }

    /// A function in FROM. It may read the items before it (implicitly LATERAL).
    fn function_item(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
        offset: usize,
        lateral_left: Option<Scope>,
        ordinality: bool,
    ) -> Result<(FromNode, Scope, bool)> {
        let lateral = lateral_left.is_some();
        let user = super::object_name(name);
        if ordinality && !super::tablefunc::is_table_function(name) {
            return unsupported("WITH ORDINALITY on this function");
        }
        let user = user.strip_prefix("public.").unwrap_or(&user);
        if !self.ctx.catalog().functions(user).is_empty() {
            let (rel, fname, ty) = self.in_lateral(lateral_left, |b| {
                b.user_function_rel(name, args)
                    .unwrap_or_else(|| Err(SqlError::Internal("function vanished".into())))
            })?;
            let cols = match alias {
                Some(a) if a.columns.is_empty() => vec![(ident(&a.name), ty)],
                _ => vec![(fname.clone(), ty)],
            };
            return self.other(rel, cols, &fname, alias, offset, lateral);
        }
        let (table, kind) = self.in_lateral(lateral_left, |b| {
            b.table_function(name, args, alias, ordinality)
                .unwrap_or_else(|| b.series(name, None, args))
        })?;
        let cols: Vec<(String, DataType)> = table
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.ty))
            .collect();
        // A function's one column takes the alias's name when no column alias is given (not
        // a table function's named OUT parameters: `json_each`'s key and value).
        let named_out = matches!(&kind, LocalKind::Table { func, .. }
            if func.columns.first().is_some_and(|c| c.0 != func.name));
        let cols = match alias {
            Some(a) if a.columns.is_empty() && !named_out => {
                vec![(ident(&a.name), cols[0].1)]
            }
            _ => cols,
        };
        self.other(Rel::Local(kind), cols, &table.name, alias, offset, lateral)
    }

    /// Binds with `left` pushed as the nearest outer level (a LATERAL item), or without.
    fn in_lateral<T>(
        &mut self,
        left: Option<Scope>,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        let saved_from = self.from.take();
        let pushed = left.is_some();
        if let Some(l) = left {
            self.outer.push(l);
            self.outer_agg_inside.push(false);
        }
        let out = f(self);
        if pushed {
            self.outer.pop();
            self.outer_agg_inside.pop();
        }
        self.from = saved_from;
        out
    }

    /// A non-table FROM item over `rel` with these columns.
    fn other(
        &mut self,
        rel: Rel,
        cols: Vec<(String, DataType)>,
        default_name: &str,
        alias: Option<&ast::TableAlias>,
        offset: usize,
        lateral: bool,
    ) -> Result<(FromNode, Scope, bool)> {
        let name = alias.map_or(default_name.to_string(), |a| ident(&a.name));
        let scope = Scope::range(&name, &rename(&cols, alias)?, offset);
        Ok((
            FromNode::Other {
                rel,
                start: offset,
                width: cols.len(),
            },
            scope,
            lateral,
        ))
    }

    /// Turns a FROM tree into a [`Rel`], registering its base-table scans. `used` says which
    /// input-row columns the level reads above the scans (`None`: all); the others are shipped
    /// as NULL (the scan filters run on the shards before that projection).
    pub(crate) fn build_rel(&mut self, node: FromNode, used: Option<&[bool]>) -> Result<Rel> {
        match node {
            FromNode::Table {
                table,
                start,
                filters,
            } => {
                let filters: Vec<Expr> = filters
                    .into_iter()
                    .map(|f| shift_columns(f, start))
                    .collect();
                let filter = and_all(filters);
                let key = filter
                    .as_ref()
                    .and_then(|f| super::keys::point_key(f, &table));
                let columns: Vec<(String, DataType)> = table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty))
                    .collect();
                let needed =
                    |i: usize| used.is_none_or(|u| u.get(start + i).copied().unwrap_or(true));
                let body = Body::Project(
                    columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            if needed(i) {
                                Expr::Column(i, c.1)
                            } else {
                                Expr::Const(crate::types::Value::Null, c.1)
                            }
                        })
                        .collect(),
                );
                self.scans.push(Arc::new(QueryPlan {
                    columns,
                    param_types: Vec::new(),
                    source: Some(ScanSource {
                        table,
                        filter,
                        key,
                        lock: None,
                        remap: None,
                    }),
                    body,
                    order: Vec::new(),
                    distinct: Distinct::None,
                    limit: None,
                    offset: None,
                    local: None,
                    scans: Vec::new(),
                    window: None,
                }));
                Ok(Rel::Scan(self.scans.len() - 1))
            }
            FromNode::Other { rel, .. } => Ok(rel),
            FromNode::Join {
                kind,
                left,
                right,
                conds,
                lateral,
            } => {
                let (start, mid, end) = (left.start(), right.start(), right.end());
                let mut keys = Vec::new();
                let mut rest = Vec::new();
                for c in conds {
                    if start > 0 && has_sublink(&c) {
                        return unsupported("subqueries in conditions of nested joins");
                    }
                    let side = |e: &Expr, a: usize, b: usize| {
                        !router_only(e) && span(e).is_some_and(|(x, y)| x >= a && y < b)
                    };
                    match c {
                        Expr::Binary {
                            op: BinOp::Eq,
                            left: l,
                            right: r,
                            ..
                        } if !lateral
                            && ((side(&l, start, mid) && side(&r, mid, end))
                                || (side(&r, start, mid) && side(&l, mid, end))) =>
                        {
                            let (l, r) = if side(&l, start, mid) {
                                (*l, *r)
                            } else {
                                (*r, *l)
                            };
                            keys.push((shift_columns(l, start), shift_columns(r, mid)));
                        }
                        c => rest.push(shift_columns(c, start)),
                    }
                }
                let (lw, rw) = (mid - start, end - mid);
                Ok(Rel::Join(Box::new(Join {
                    kind,
                    left: self.build_rel(*left, used)?,
                    right: self.build_rel(*right, used)?,
                    left_width: lw,
                    right_width: rw,
                    keys,
                    cond: and_all(rest),
                    lateral,
                })))
            }
        }
    }
}

/// Applies an alias's column names to the first columns (more names than columns is 42P10).
fn rename(
    cols: &[(String, DataType)],
    alias: Option<&ast::TableAlias>,
) -> Result<Vec<(String, DataType)>> {
    let mut out = cols.to_vec();
    if let Some(a) = alias {
        if a.columns.len() > cols.len() {
            return Err(SqlError::InvalidColumnReference {
                message: format!(
                    "table \"{}\" has {} columns available but {} columns specified",
                    ident(&a.name),
                    cols.len(),
                    a.columns.len()
                ),
                position: None,
            });
        }
        for (c, n) in out.iter_mut().zip(&a.columns) {
            c.0 = ident(&n.name);
        }
    }
    Ok(out)
}

/// COALESCE over the two sides of a FULL JOIN's USING column.
fn first_not_null(
    args: &[crate::types::Value],
    _: &crate::types::FormatContext,
) -> Result<crate::types::Value> {
    Ok(args
        .iter()
        .find(|v| !v.is_null())
        .cloned()
        .unwrap_or(crate::types::Value::Null))
}

fn cond_type(cond: &Expr) -> DataType {
    match cond {
        Expr::Binary { left, .. } => left.data_type(),
        _ => DataType::Unknown,
    }
}

fn coerce_to(e: Expr, ty: DataType) -> Expr {
    if e.data_type() == ty || ty == DataType::Unknown {
        e
    } else {
        Expr::Cast(Box::new(e), ty)
    }
}
