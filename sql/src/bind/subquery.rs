//! Subqueries used as expressions: EXISTS, scalar `(SELECT ...)`, `ARRAY(SELECT ...)`,
//! `IN`/`NOT IN`, `op ANY/SOME/ALL`.
//!
//! The subquery is bound as a nested query with the current level's scope pushed as the nearest
//! outer level, so its references to this level become `Expr::Outer` (depth 1). It is correlated
//! when anything inside references this level or one further out (`Binder::min_level`).

use sqlparser::ast;

use super::{coerce, column_name, common_type, ident, Binder};
use crate::error::{Result, SqlError};
use crate::expr::{BinOp, Expr};
use crate::plan::{and_all_exprs, QueryPlan, SubLink, SubLinkKind};

/// What the subquery expression computes.
pub(crate) enum Kind<'a> {
    Exists,
    Scalar,
    Array,
    Any(&'a ast::Expr, BinOp),
    All(&'a ast::Expr, BinOp),
}

impl Binder<'_> {
    pub(crate) fn sublink(&mut self, q: &ast::Query, kind: Kind<'_>) -> Result<Expr> {
        if !self.in_query {
            return Err(SqlError::FeatureNotSupported(
                "subqueries in this statement are not supported yet".into(),
            ));
        }
        // Column-count errors point at the operator, the first word after the left operand.
        let op_at = match &kind {
            Kind::Any(e, _) | Kind::All(e, _) => self.after(e),
            _ => None,
        };
        let lhs = match &kind {
            Kind::Any(e, _) | Kind::All(e, _) => Some(match e {
                ast::Expr::Tuple(list) => {
                    list.iter().map(|x| self.expr(x)).collect::<Result<_>>()?
                }
                ast::Expr::Nested(inner) if matches!(inner.as_ref(), ast::Expr::Tuple(_)) => {
                    let ast::Expr::Tuple(list) = inner.as_ref() else {
                        unreachable!("checked above")
                    };
                    list.iter().map(|x| self.expr(x)).collect::<Result<_>>()?
                }
                e => vec![self.expr(e)?],
            }),
            _ => None,
        };
        let level = self.outer.len();
        let current = self.from.clone().unwrap_or_default();
        self.outer.push(current);
        self.outer_agg_inside.push(self.aggs.inside);
        let saved_min = std::mem::replace(&mut self.min_level, usize::MAX);
        let saved_aggs = std::mem::take(&mut self.aggs);
        let plan = self.nested_query(q);
        self.aggs = saved_aggs;
        self.outer.pop();
        self.outer_agg_inside.pop();
        let min = self.min_level;
        self.min_level = saved_min.min(min);
        let plan = plan?;
        let correlated = min <= level;
        let id = self.next_id;
        self.next_id += 1;
        self.sublinks += 1;
        // PostgreSQL points at the opening parenthesis, just before the query.
        let at = self.position(q).map(|p| p.saturating_sub(1));
        let one_column = |plan: &QueryPlan| -> Result<()> {
            if plan.columns.len() != 1 {
                return Err(SqlError::Syntax {
                    message: "subquery must return only one column".into(),
                    position: at,
                });
            }
            Ok(())
        };
        let kind = match kind {
            Kind::Exists => SubLinkKind::Exists,
            Kind::Scalar => {
                one_column(&plan)?;
                SubLinkKind::Scalar
            }
            Kind::Array => {
                one_column(&plan)?;
                let elem = plan.columns[0].1;
                if elem.array_of().is_none() {
                    return Err(SqlError::FeatureNotSupported(format!(
                        "ARRAY() over type {} is not supported yet",
                        elem.sql_name()
                    )));
                }
                SubLinkKind::Array(elem)
            }
            Kind::Any(_, op) | Kind::All(_, op) => {
                let lhs = lhs.unwrap_or_default();
                let n = lhs.len();
                if plan.columns.len() > n {
                    return Err(SqlError::Syntax {
                        message: "subquery has too many columns".into(),
                        position: op_at,
                    });
                }
                if plan.columns.len() < n {
                    return Err(SqlError::Syntax {
                        message: "subquery has too few columns".into(),
                        position: op_at,
                    });
                }
                let mut left = Vec::with_capacity(n);
                let mut tests = Vec::with_capacity(n);
                for (i, l) in lhs.into_iter().enumerate() {
                    let (lt, st) = (l.data_type(), plan.columns[i].1);
                    let ct = common_type(lt, st).ok_or_else(|| SqlError::UndefinedOperator {
                        signature: format!(
                            "{} {} {}",
                            lt.sql_name(),
                            super::op_symbol(op),
                            st.sql_name()
                        ),
                        position: None,
                    })?;
                    let l = coerce(l, ct, &mut self.params)?;
                    let sub = Expr::Column(n + i, st);
                    let sub = if st == ct {
                        sub
                    } else {
                        Expr::Cast(Box::new(sub), ct)
                    };
                    tests.push(self.binary_bound(op, Expr::Column(i, ct), sub, None)?);
                    left.push(l);
                }
                let test = and_all_exprs(tests)
                    .ok_or_else(|| SqlError::Internal("a comparison over no columns".into()))?;
                if matches!(kind, Kind::Any(..)) {
                    SubLinkKind::Any { lhs: left, test }
                } else {
                    SubLinkKind::All { lhs: left, test }
                }
            }
        };
        let reads = crate::plan::visit::escaping(&plan);
        Ok(Expr::SubLink(Box::new(SubLink {
            id,
            kind,
            plan,
            correlated,
            reads,
        })))
    }

    /// 1-based position of the first non-blank character after a node.
    pub(crate) fn after(&self, node: &ast::Expr) -> Option<u32> {
        use sqlparser::ast::Spanned;
        let end = node.span().end;
        let start = crate::parse::char_offset(self.source, end.line, end.column)?;
        let skipped = self
            .source
            .chars()
            .skip(start)
            .take_while(|c| c.is_whitespace())
            .count();
        u32::try_from(start + skipped + 1).ok()
    }

    /// A query nested in this one (subquery, derived table, CTE, set-operation branch).
    pub(crate) fn nested_query(&mut self, q: &ast::Query) -> Result<QueryPlan> {
        self.nest += 1;
        let saved = (self.scope.take(), self.scope_name.take());
        let r = self.query_plan(q);
        self.nest -= 1;
        (self.scope, self.scope_name) = saved;
        r
    }
}

/// The column name a scalar subquery gets: its own first column's.
pub(crate) fn first_column_name(q: &ast::Query) -> String {
    fn of(body: &ast::SetExpr) -> String {
        match body {
            ast::SetExpr::Select(s) => match s.projection.first() {
                Some(ast::SelectItem::UnnamedExpr(e)) => column_name(e),
                Some(ast::SelectItem::ExprWithAlias { alias, .. }) => ident(alias),
                _ => "?column?".into(),
            },
            ast::SetExpr::Query(q) => of(&q.body),
            ast::SetExpr::SetOperation { left, .. } => of(left),
            ast::SetExpr::Values(_) => "column1".into(),
            _ => "?column?".into(),
        }
    }
    of(&q.body)
}
