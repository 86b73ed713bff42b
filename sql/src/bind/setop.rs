//! Query expressions around SELECT: WITH (CTEs, WITH RECURSIVE), UNION / INTERSECT / EXCEPT
//! [ALL], top-level VALUES, and ORDER BY / LIMIT over their results.
//!
//! - Set operations: branches are bound with unknown-typed outputs kept (`keep_unknown`), then each
//!   column gets the branches' common type (PostgreSQL's `select_common_type`: `'1'` UNION `2` is
//!   integer, unknown alone is text) and both branches are converted to it. Names come from the
//!   left branch. ORDER BY may name result columns (by name or position) only.
//! - CTEs are bound where they are referenced, as derived tables, with only the CTEs before them
//!   visible, or in a WITH RECURSIVE list all of its items (PostgreSQL inlines non-recursive CTEs
//!   referenced once the same way). A recursive CTE (an item that names itself, checked by
//!   `recursion.rs`: `base UNION [ALL] step`) becomes `Rel::Recursive`; its name inside the step
//!   is the working table. SEARCH/CYCLE clauses add columns to both terms (`search_cycle.rs`).

use sqlparser::ast;

use super::scope::Scope;
use super::{coerce, common_type, ident, object_name, Binder};
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::plan::{
    Body, Distinct, LocalKind, LocalRows, QueryPlan, Recursive, Rel, SetOp, SetOpKind, SortKey,
};
use crate::types::DataType;

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

/// Output columns: names and types.
type Columns = Vec<(String, DataType)>;

/// A CTE visible by name.
#[derive(Debug, Clone)]
pub(crate) struct CteDef {
    name: String,
    query: ast::Query,
    columns: Vec<String>,
    recursive: bool,
    /// Inside its own recursive step: the working table's id and columns, and how many outer
    /// levels were pushed when the step's binding began (a reference from deeper is inside a
    /// subquery expression).
    work: Option<(usize, Columns, usize)>,
    /// A data-modifying CTE: its slot in `Binder::cte_writes` (`modifying.rs`).
    write: Option<usize>,
    /// Inside its own recursive step: how many of the working table's columns (the last ones)
    /// are its SEARCH/CYCLE columns, which `*` does not expand to.
    hidden: usize,
    /// Its SEARCH/CYCLE clauses (`search_cycle.rs`).
    clause: Option<crate::parse::search_cycle::SearchCycle>,
    /// Where its name is in the query text.
    name_at: Option<u32>,
    /// In a WITH RECURSIVE list: where the list ends in `Binder::ctes` (every item of the list
    /// sees every other; `recursion.rs` has refused mutual recursion).
    group_end: Option<usize>,
    /// Its body is being bound: a reference to it from there (which `recursion.rs` would have
    /// made recursive had it seen it) does not see it, so binding cannot loop.
    binding: bool,
}

/// A plan that passes `rel`'s rows through unchanged.
pub(crate) fn passthrough(
    rel: Rel,
    columns: Vec<(String, DataType)>,
    params: Vec<DataType>,
) -> QueryPlan {
    QueryPlan {
        body: Body::Project(
            columns
                .iter()
                .enumerate()
                .map(|(i, c)| Expr::Column(i, c.1))
                .collect(),
        ),
        columns,
        param_types: params,
        source: None,
        order: Vec::new(),
        distinct: Distinct::None,
        limit: None,
        offset: None,
        local: Some(Box::new(LocalRows {
            kind: LocalKind::Rel(Box::new(rel)),
            filter: None,
            probe: Vec::new(),
        })),
        scans: Vec::new(),
        window: None,
    }
}

impl Binder<'_> {
    /// A whole query expression: WITH, then a SELECT or a set operation, with ORDER BY/LIMIT.
    pub(crate) fn query_plan(&mut self, q: &ast::Query) -> Result<QueryPlan> {
        let saved = self.ctes.len();
        let r = (self.push_ctes(q.with.as_ref()))
            .and_then(|writes| self.bind_writes(&writes))
            .and_then(|()| match q.body.as_ref() {
                ast::SetExpr::Select(s) => self.select(s, Some(q)),
                _ => self.set_query(q),
            });
        self.ctes.truncate(saved);
        r
    }

    /// Makes a WITH list's CTEs visible: pushes them on `ctes` (the caller truncates it after
    /// binding what they are visible to). Returns the slots of the data-modifying ones
    /// (`modifying.rs`).
    pub(crate) fn push_ctes(&mut self, with: Option<&ast::With>) -> Result<Vec<usize>> {
        let saved = self.ctes.len();
        let mut writes = Vec::new();
        let Some(with) = with else {
            return Ok(writes);
        };
        for (i, cte) in with.cte_tables.iter().enumerate() {
            let name = ident(&cte.alias.name);
            if with.cte_tables[..i]
                .iter()
                .any(|c| ident(&c.alias.name) == name)
            {
                return Err(SqlError::Syntax {
                    message: format!("WITH query name \"{name}\" specified more than once"),
                    position: self.ident_position(&cte.alias.name),
                });
            }
        }
        let self_ref = if with.recursive {
            self.check_recursion(with)?
        } else {
            vec![false; with.cte_tables.len()]
        };
        {
            for (i, (cte, &self_ref)) in with.cte_tables.iter().zip(&self_ref).enumerate() {
                let name = ident(&cte.alias.name);
                if self.ctes[saved..].iter().any(|c| c.name == name) {
                    return Err(SqlError::DuplicateAlias(format!(
                        "WITH query name \"{name}\" specified more than once"
                    )))
                    .map_err(|_| SqlError::Syntax {
                        message: format!("WITH query name \"{name}\" specified more than once"),
                        position: None,
                    });
                }
                let paren = cte.closing_paren_token.0.span.start;
                let clause = (self.search_cycle.ctes.iter())
                    .find(|c| c.paren == (paren.line, paren.column))
                    .cloned();
                let at = cte.alias.name.span.start;
                let name_at =
                    super::char_offset(self.source, at.line, at.column).map(|o| o as u32 + 1);
                if clause.is_some() && !self_ref {
                    return Err(super::search_cycle::not_recursive(name_at));
                }
                let write = self.write_slot(cte, saved + i, saved + with.cte_tables.len())?;
                writes.extend(write);
                self.ctes.push(CteDef {
                    name,
                    query: (*cte.query).clone(),
                    columns: cte.alias.columns.iter().map(|c| ident(&c.name)).collect(),
                    recursive: self_ref,
                    work: None,
                    write,
                    hidden: 0,
                    clause,
                    name_at,
                    group_end: None,
                    binding: false,
                });
            }
        }
        if with.recursive {
            let end = self.ctes.len();
            for c in &mut self.ctes[saved..] {
                c.group_end = Some(end);
            }
        }
        Ok(writes)
    }

    fn current_param_types(&self) -> Vec<DataType> {
        self.params
            .iter()
            .map(|t| t.unwrap_or(DataType::Unknown))
            .collect()
    }

    /// A set operation or VALUES with its ORDER BY / LIMIT.
    fn set_query(&mut self, q: &ast::Query) -> Result<QueryPlan> {
        if !q.locks.is_empty() {
            return unsupported("FOR UPDATE");
        }
        let top = self.nest == 0;
        self.nest += 1;
        let inner = self.set_expr(&q.body);
        self.nest -= 1;
        let mut inner = inner?;
        for c in &mut inner.columns {
            if c.1 == DataType::Unknown {
                c.1 = DataType::Text;
            }
        }
        let columns = inner.columns.clone();
        let mut plan = passthrough(Rel::Query(Box::new(inner)), columns.clone(), Vec::new());
        if let Some(ob) = &q.order_by {
            let ast::OrderByKind::Expressions(list) = &ob.kind else {
                return unsupported("ORDER BY ALL");
            };
            let saved = self.from.replace(Scope::range("", &columns, 0));
            for o in list {
                let column = self.result_column(&o.expr, &columns);
                let column = match column {
                    Ok(c) => c,
                    Err(e) => {
                        self.from = saved;
                        return Err(e);
                    }
                };
                let descending = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
                plan.order.push(SortKey {
                    column,
                    ty: columns[column].1,
                    descending,
                    nulls_first: o.options.nulls_first.unwrap_or(descending),
                });
            }
            self.from = saved;
        }
        match &q.limit_clause {
            None => {}
            Some(ast::LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) if limit_by.is_empty() => {
                if let Some(l) = limit {
                    plan.limit = Some(Box::new(self.count(l, "LIMIT")?));
                }
                if let Some(o) = offset {
                    plan.offset = Some(Box::new(self.count(&o.value, "OFFSET")?));
                }
            }
            Some(_) => return unsupported("this LIMIT syntax"),
        }
        if let Some(f) = &q.fetch {
            plan.limit = Some(Box::new(match &f.quantity {
                Some(n) => self.count(n, "LIMIT")?,
                None => Expr::Const(crate::types::Value::Int8(1), DataType::Int8),
            }));
        }
        plan.param_types = if top {
            self.param_types()?
        } else {
            self.current_param_types()
        };
        Ok(plan)
    }

    /// An ORDER BY item over a set operation's result: a position or a result column.
    fn result_column(&mut self, e: &ast::Expr, columns: &[(String, DataType)]) -> Result<usize> {
        if let ast::Expr::Value(v) = e {
            if let ast::Value::Number(n, _) = &v.value {
                return match n.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= columns.len() => Ok(n - 1),
                    _ => Err(SqlError::InvalidColumnReference {
                        message: format!("ORDER BY position {n} is not in select list"),
                        position: self.position(e),
                    }),
                };
            }
        }
        match self.expr(e)? {
            Expr::Column(i, _) => Ok(i),
            _ => Err(SqlError::InvalidSetOpOrderBy {
                position: self.position(e),
            }),
        }
    }

    /// One operand of a set operation (or the whole body of a query that is not a SELECT).
    fn set_expr(&mut self, e: &ast::SetExpr) -> Result<QueryPlan> {
        match e {
            ast::SetExpr::Select(s) => {
                self.keep_unknown = true;
                self.select(s, None)
            }
            ast::SetExpr::Query(q) => self.nested_query(q),
            ast::SetExpr::Values(v) => {
                let (table, kind) = self.values_source(v, None)?;
                let cols = table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty))
                    .collect();
                Ok(passthrough(
                    Rel::Local(kind),
                    cols,
                    self.current_param_types(),
                ))
            }
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let (kind, name) = match op {
                    ast::SetOperator::Union => (SetOpKind::Union, "UNION"),
                    ast::SetOperator::Intersect => (SetOpKind::Intersect, "INTERSECT"),
                    ast::SetOperator::Except => (SetOpKind::Except, "EXCEPT"),
                    _ => return unsupported("this set operation"),
                };
                let all = match set_quantifier {
                    ast::SetQuantifier::All => true,
                    ast::SetQuantifier::Distinct | ast::SetQuantifier::None => false,
                    _ => return unsupported("set operations BY NAME"),
                };
                let mut l = self.set_expr(left)?;
                let mut r = self.set_expr(right)?;
                let types = self.union_types(&l, &r, name, right)?;
                self.coerce_outputs(&mut l, &types)?;
                self.coerce_outputs(&mut r, &types)?;
                let columns = l
                    .columns
                    .iter()
                    .zip(&types)
                    .map(|(c, t)| (c.0.clone(), *t))
                    .collect();
                Ok(passthrough(
                    Rel::SetOp(Box::new(SetOp {
                        op: kind,
                        all,
                        left: l,
                        right: r,
                    })),
                    columns,
                    self.current_param_types(),
                ))
            }
            ast::SetExpr::Table(t) => {
                // `TABLE t` is `SELECT * FROM t`.
                let Some(name) = &t.table_name else {
                    return unsupported("this kind of query");
                };
                let mut parts = Vec::new();
                parts.extend(t.schema_name.clone());
                parts.push(name.clone());
                let name = ast::ObjectName::from(parts);
                if let Some((rel, cols, _)) = self.cte_ref(&name)? {
                    return Ok(passthrough(rel, cols, self.current_param_types()));
                }
                let table = self.table(&name)?;
                if table.is_view() {
                    let plan = self.view_query(&table)?;
                    let cols = plan.columns.clone();
                    let rel = Rel::Query(Box::new(plan));
                    return Ok(passthrough(rel, cols, self.current_param_types()));
                }
                let cols: Columns = table
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty))
                    .collect();
                let rel = self.build_rel(
                    super::join::FromNode::Table {
                        table,
                        start: 0,
                        filters: Vec::new(),
                    },
                    None,
                )?;
                Ok(passthrough(rel, cols, self.current_param_types()))
            }
            _ => unsupported("this kind of query"),
        }
    }

    /// Each column's type across two branches.
    /// Each column's type across two branches; errors point at the right branch's column, as
    /// PostgreSQL's do.
    fn union_types(
        &self,
        l: &QueryPlan,
        r: &QueryPlan,
        op: &str,
        right: &ast::SetExpr,
    ) -> Result<Vec<DataType>> {
        if l.columns.len() != r.columns.len() {
            return Err(SqlError::Syntax {
                message: format!("each {op} query must have the same number of columns"),
                position: self.branch_column(right, 0),
            });
        }
        l.columns
            .iter()
            .zip(&r.columns)
            .enumerate()
            .map(|(i, (a, b))| {
                common_type(a.1, b.1).ok_or_else(|| SqlError::DatatypeMismatchAt {
                    message: format!(
                        "{op} types {} and {} cannot be matched",
                        a.1.sql_name(),
                        b.1.sql_name()
                    ),
                    position: self.branch_column(right, i),
                })
            })
            .collect()
    }

    /// Where a branch's `i`th output expression starts in the query text.
    fn branch_column(&self, e: &ast::SetExpr, i: usize) -> Option<u32> {
        match e {
            ast::SetExpr::Select(s) => match s.projection.get(i)? {
                ast::SelectItem::UnnamedExpr(x)
                | ast::SelectItem::ExprWithAlias { expr: x, .. } => self.position(x),
                _ => None,
            },
            ast::SetExpr::Query(q) => self.branch_column(&q.body, i),
            ast::SetExpr::SetOperation { left, .. } => self.branch_column(left, i),
            _ => None,
        }
    }

    /// Converts a plan's output columns to `types`.
    fn coerce_outputs(&mut self, plan: &mut QueryPlan, types: &[DataType]) -> Result<()> {
        let exprs = match &mut plan.body {
            Body::Project(exprs) => exprs,
            Body::Aggregate(a) => &mut a.output,
        };
        for (i, &ty) in types.iter().enumerate() {
            if plan.columns[i].1 == ty {
                continue;
            }
            let e = std::mem::replace(&mut exprs[i], Expr::Const(crate::types::Value::Null, ty));
            exprs[i] = coerce(e, ty, &mut self.params)?;
            plan.columns[i].1 = ty;
        }
        Ok(())
    }

    /// A FROM name that is a visible CTE: its row source, its columns and how many of them (the
    /// last ones) `*` leaves out.
    pub(crate) fn cte_ref(
        &mut self,
        name: &ast::ObjectName,
    ) -> Result<Option<(Rel, Columns, usize)>> {
        if name.0.len() != 1 {
            return Ok(None);
        }
        let n = object_name(name);
        let Some(idx) = self.ctes.iter().rposition(|c| c.name == n && !c.binding) else {
            return Ok(None);
        };
        let def = self.ctes[idx].clone();
        if let Some(slot) = def.write {
            return self
                .write_ref(slot, name)
                .map(|(rel, cols)| Some((rel, cols, 0)));
        }
        if let Some((id, cols, level)) = def.work {
            let recursion = |what: &str| SqlError::InvalidRecursion {
                message: format!(
                    "recursive reference to query \"{}\" must not appear {what}",
                    def.name
                ),
                position: self.position(name),
            };
            if self.outer.len() > level {
                return Err(recursion("within a subquery"));
            }
            let at = self.position(name);
            if self.work_refs.iter().any(|r| r.0 == id && r.1 != at) {
                return Err(recursion("more than once"));
            }
            self.work_refs.push((id, at));
            return Ok(Some((Rel::WorkTable(id), cols, def.hidden)));
        }
        // The item itself stays (flagged `binding`, so names skip it) for `invisible_cte`.
        let visible = self.ctes.split_off(def.group_end.unwrap_or(idx + 1));
        if let Some(c) = self.ctes.get_mut(idx) {
            c.binding = true;
        }
        let result = self.cte_body(&def);
        if let Some(c) = self.ctes.get_mut(idx) {
            c.binding = false;
        }
        let mut visible = visible;
        self.ctes.append(&mut visible);
        result.map(|(rel, cols)| Some((rel, cols, 0)))
    }

    /// A FROM name that was not found: PostgreSQL's DETAIL and HINT when it names a WITH item
    /// that this part of the query cannot see (the item's own body, in a list without
    /// RECURSIVE).
    pub(crate) fn invisible_cte(&self, name: &ast::ObjectName, e: SqlError) -> SqlError {
        let n = object_name(name);
        if name.0.len() != 1 || !self.ctes.iter().any(|c| c.binding && c.name == n) {
            return e;
        }
        SqlError::Hinted {
            error: Box::new(e),
            hint: "Use WITH RECURSIVE, or re-order the WITH items to remove forward references.",
            detail: Some(format!(
                "There is a WITH item named \"{n}\", but it cannot be referenced from this part of the query."
            )),
        }
    }

    fn cte_body(&mut self, def: &CteDef) -> Result<(Rel, Columns)> {
        let rename = |mut cols: Vec<(String, DataType)>| -> Result<Vec<(String, DataType)>> {
            if def.columns.len() > cols.len() {
                return Err(SqlError::InvalidColumnReference {
                    message: format!(
                        "WITH query \"{}\" has {} columns available but {} columns specified",
                        def.name,
                        cols.len(),
                        def.columns.len()
                    ),
                    position: def.name_at,
                });
            }
            for (c, n) in cols.iter_mut().zip(&def.columns) {
                c.0 = n.clone();
            }
            Ok(cols)
        };
        if def.recursive {
            if let ast::SetExpr::SetOperation {
                left,
                op: ast::SetOperator::Union,
                set_quantifier,
                right,
            } = def.query.body.as_ref()
            {
                let not_implemented = |what: &str, position: Option<u32>| {
                    Err(SqlError::FeatureNotSupportedAt {
                        message: format!("{what} in a recursive query is not implemented"),
                        position,
                    })
                };
                if let Some(ob) = &def.query.order_by {
                    let at = match &ob.kind {
                        // A subquery's position is its opening parenthesis, as PostgreSQL's.
                        ast::OrderByKind::Expressions(list) => list.first().and_then(|o| {
                            let at = self.position(&o.expr);
                            match o.expr {
                                ast::Expr::Subquery(_) => at.map(|p| p.saturating_sub(1)),
                                _ => at,
                            }
                        }),
                        _ => None,
                    };
                    return not_implemented("ORDER BY", at);
                }
                if let Some(ast::LimitClause::LimitOffset { limit, offset, .. }) =
                    &def.query.limit_clause
                {
                    return match (offset, limit) {
                        (Some(o), _) => not_implemented("OFFSET", self.position(&o.value)),
                        (None, Some(l)) => not_implemented("LIMIT", self.position(l)),
                        (None, None) => not_implemented("OFFSET", None),
                    };
                }
                if !def.query.locks.is_empty() {
                    return not_implemented("FOR UPDATE/SHARE", None);
                }
                // The item's own WITH list is visible to both terms.
                let saved = self.ctes.len();
                let r = (self.push_ctes(def.query.with.as_ref()))
                    .and_then(|writes| self.bind_writes(&writes))
                    .and_then(|()| self.recursive_cte(def, left, right, set_quantifier, rename));
                self.ctes.truncate(saved);
                return r;
            }
        }
        if def.clause.is_some() {
            return Err(super::search_cycle::not_recursive(def.name_at));
        }
        let saved_outer = std::mem::take(&mut self.outer);
        let plan = self.nested_query(&def.query);
        self.outer = saved_outer;
        let plan = plan?;
        let cols = rename(plan.columns.clone())?;
        Ok((Rel::Query(Box::new(plan)), cols))
    }

    fn recursive_cte(
        &mut self,
        def: &CteDef,
        left: &ast::SetExpr,
        right: &ast::SetExpr,
        quantifier: &ast::SetQuantifier,
        rename: impl Fn(Columns) -> Result<Columns>,
    ) -> Result<(Rel, Columns)> {
        let all = match quantifier {
            ast::SetQuantifier::All => true,
            ast::SetQuantifier::Distinct | ast::SetQuantifier::None => false,
            _ => return unsupported("set operations BY NAME"),
        };
        if def.clause.is_some() {
            super::search_cycle::check_terms(left, right)?;
        }
        let saved_outer = std::mem::take(&mut self.outer);
        self.nest += 1;
        let out = (|| {
            let mut base = self.set_expr(left)?;
            let types: Vec<DataType> = base
                .columns
                .iter()
                .map(|c| {
                    if c.1 == DataType::Unknown {
                        DataType::Text
                    } else {
                        c.1
                    }
                })
                .collect();
            self.coerce_outputs(&mut base, &types)?;
            let cols = rename(base.columns.clone())?;
            let rewrite = match &def.clause {
                Some(sc) => Some(self.search_cycle_rewrite(sc, &cols)?),
                None => None,
            };
            let extra = rewrite
                .as_ref()
                .map(|r| r.extra().clone())
                .unwrap_or_default();
            let id = self.next_id;
            self.next_id += 1;
            let mut work_cols = cols.clone();
            work_cols.extend(extra.iter().cloned());
            self.ctes.push(CteDef {
                work: Some((id, work_cols, self.outer.len())),
                hidden: extra.len(),
                ..def.clone()
            });
            let step = match &rewrite {
                Some(_) => super::search_cycle::step_with_extras(right, &def.name, &extra)
                    .and_then(|r| self.set_expr(&r)),
                None => self.set_expr(right),
            };
            self.ctes.pop();
            let mut step = step?;
            let referenced = self.work_refs.iter().any(|r| r.0 == id);
            if referenced && matches!(step.body, Body::Aggregate(_)) {
                return Err(SqlError::InvalidRecursion {
                    message:
                        "aggregate functions are not allowed in a recursive query's recursive term"
                            .into(),
                    position: None,
                });
            }
            if step.columns.len() != base.columns.len() + extra.len() {
                return Err(SqlError::Syntax {
                    message: "each UNION query must have the same number of columns".into(),
                    position: None,
                });
            }
            // The terms' common types must be the non-recursive term's (PostgreSQL decides the
            // working table's types from that term alone).
            for (i, (b, s)) in base.columns.iter().zip(&step.columns).enumerate() {
                if common_type(b.1, s.1).is_some_and(|t| t != b.1) {
                    return Err(SqlError::Hinted {
                        error: Box::new(SqlError::DatatypeMismatchAt {
                            message: format!(
                                "recursive query \"{}\" column {} has type {} in non-recursive term but type {} overall",
                                def.name,
                                i + 1,
                                b.1.sql_name(),
                                s.1.sql_name()
                            ),
                            position: self.branch_column(left, i),
                        }),
                        hint: "Cast the output of the non-recursive term to the correct type.",
                        detail: None,
                    });
                }
            }
            self.coerce_outputs(&mut step, &types)?;
            let mut cols = cols;
            if let Some(rw) = &rewrite {
                if !referenced {
                    return Err(super::search_cycle::not_recursive(def.name_at));
                }
                base = self.search_cycle_base(rw, base)?;
                step = self.search_cycle_step(rw, step)?;
                cols.extend(extra.iter().cloned());
            }
            let rel = if referenced {
                Rel::Recursive(Box::new(Recursive {
                    id,
                    all,
                    base,
                    step,
                }))
            } else {
                Rel::SetOp(Box::new(SetOp {
                    op: SetOpKind::Union,
                    all,
                    left: base,
                    right: step,
                }))
            };
            Ok((rel, cols))
        })();
        self.nest -= 1;
        self.outer = saved_outer;
        out
    }
}
