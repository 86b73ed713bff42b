//! PostgreSQL's checks on a WITH RECURSIVE list before any item binds (`parse_cte.c`): which
//! items name themselves (only those are recursive), that no two items depend on each other
//! (mutual recursion is not implemented), and where a recursive reference may stand
//! (`checkWellFormedRecursion`): the item must be `non-recursive-term UNION [ALL]
//! recursive-term`, and its one reference must be in the recursive term, outside subquery
//! expressions, outer joins' nullable sides, INTERSECT and EXCEPT.
//!
//! The walk covers the query structure (WITH, set operations, FROM items, joins) and the usual
//! expression forms that hold subqueries; a reference it does not see is still refused by the
//! binder (`cte_ref`), only with a less specific message.

use sqlparser::ast;

use super::{ident, object_name, Binder};
use crate::error::{Result, SqlError};

/// Where a reference stands, as PostgreSQL's `RecursionContext`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Context {
    Ok,
    NonRecursiveTerm,
    Sublink,
    OuterJoin,
    Intersect,
    Except,
}

impl Context {
    fn message(self, name: &str) -> Option<String> {
        let what = match self {
            Context::Ok => return None,
            Context::NonRecursiveTerm => "within its non-recursive term",
            Context::Sublink => "within a subquery",
            Context::OuterJoin => "within an outer join",
            Context::Intersect => "within INTERSECT",
            Context::Except => "within EXCEPT",
        };
        Some(format!(
            "recursive reference to query \"{name}\" must not appear {what}"
        ))
    }
}

/// Calls `visit` with each unqualified relation name a query reads that no WITH inside it
/// defines, and the context it stands in.
struct Walker<'f> {
    /// Names of the WITH lists entered, innermost last.
    inner: Vec<Vec<String>>,
    context: Context,
    visit: &'f mut dyn FnMut(&str, &ast::ObjectName, Context) -> Result<()>,
}

impl Walker<'_> {
    fn query(&mut self, q: &ast::Query) -> Result<()> {
        let pushed = q.with.is_some();
        if let Some(w) = &q.with {
            let names: Vec<String> = w.cte_tables.iter().map(|c| ident(&c.alias.name)).collect();
            if w.recursive {
                self.inner.push(names);
                for c in &w.cte_tables {
                    self.query(&c.query)?;
                }
            } else {
                self.inner.push(Vec::new());
                for (c, n) in w.cte_tables.iter().zip(names) {
                    self.query(&c.query)?;
                    if let Some(l) = self.inner.last_mut() {
                        l.push(n);
                    }
                }
            }
        }
        let mut r = self.set_expr(&q.body);
        if let (Ok(()), Some(ob)) = (&r, &q.order_by) {
            if let ast::OrderByKind::Expressions(list) = &ob.kind {
                r = list.iter().try_for_each(|o| self.expr(&o.expr));
            }
        }
        if let (Ok(()), Some(ast::LimitClause::LimitOffset { limit, offset, .. })) =
            (&r, &q.limit_clause)
        {
            r = limit
                .iter()
                .chain(offset.iter().map(|o| &o.value))
                .try_for_each(|x| self.expr(x));
        }
        if pushed {
            self.inner.pop();
        }
        r
    }

    fn set_expr(&mut self, e: &ast::SetExpr) -> Result<()> {
        match e {
            ast::SetExpr::Select(s) => self.select(s),
            ast::SetExpr::Query(q) => self.query(q),
            ast::SetExpr::Values(v) => {
                for row in &v.rows {
                    for x in &row.content {
                        self.expr(x)?;
                    }
                }
                Ok(())
            }
            ast::SetExpr::SetOperation {
                op,
                set_quantifier,
                left,
                right,
            } => {
                let save = self.context;
                let all = matches!(set_quantifier, ast::SetQuantifier::All);
                let r = (|| match op {
                    ast::SetOperator::Intersect => {
                        if all {
                            self.context = Context::Intersect;
                        }
                        self.set_expr(left)?;
                        self.set_expr(right)
                    }
                    ast::SetOperator::Except => {
                        if all {
                            self.context = Context::Except;
                        }
                        self.set_expr(left)?;
                        self.context = Context::Except;
                        self.set_expr(right)
                    }
                    _ => {
                        self.set_expr(left)?;
                        self.set_expr(right)
                    }
                })();
                self.context = save;
                r
            }
            _ => Ok(()),
        }
    }

    fn select(&mut self, s: &ast::Select) -> Result<()> {
        for t in &s.from {
            self.table_with_joins(t)?;
        }
        for item in &s.projection {
            if let ast::SelectItem::UnnamedExpr(e)
            | ast::SelectItem::ExprWithAlias { expr: e, .. } = item
            {
                self.expr(e)?;
            }
        }
        if let Some(w) = &s.selection {
            self.expr(w)?;
        }
        if let Some(h) = &s.having {
            self.expr(h)?;
        }
        Ok(())
    }

    /// A FROM item and its joins: join `j` has items `0..=j` on its left and item `j + 1` on its
    /// right; LEFT makes its right side nullable, RIGHT its left side, FULL both.
    fn table_with_joins(&mut self, t: &ast::TableWithJoins) -> Result<()> {
        use ast::JoinOperator as J;
        let ops: Vec<&J> = t.joins.iter().map(|j| &j.join_operator).collect();
        let nullable_left = |op: &J| matches!(op, J::Right(_) | J::RightOuter(_) | J::FullOuter(_));
        let nullable_right = |op: &J| matches!(op, J::Left(_) | J::LeftOuter(_) | J::FullOuter(_));
        let save = self.context;
        let factors = std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation));
        for (k, factor) in factors.enumerate() {
            let outer = ops[k..].iter().any(|op| nullable_left(op))
                || (k > 0 && nullable_right(ops[k - 1]));
            if outer && save == Context::Ok {
                self.context = Context::OuterJoin;
            }
            let r = self.factor(factor);
            self.context = save;
            r?;
            if k > 0 {
                if let Some(c) = join_condition(ops[k - 1]) {
                    self.expr(c)?;
                }
            }
        }
        Ok(())
    }

    fn factor(&mut self, f: &ast::TableFactor) -> Result<()> {
        match f {
            ast::TableFactor::Table { name, args, .. } => {
                if let Some(args) = args {
                    for a in &args.args {
                        self.function_arg(a)?;
                    }
                }
                if name.0.len() != 1 {
                    return Ok(());
                }
                let n = object_name(name);
                if self.inner.iter().any(|l| l.contains(&n)) {
                    return Ok(());
                }
                (self.visit)(&n, name, self.context)
            }
            ast::TableFactor::Derived { subquery, .. } => self.query(subquery),
            ast::TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.table_with_joins(table_with_joins),
            _ => Ok(()),
        }
    }

    fn function_arg(&mut self, a: &ast::FunctionArg) -> Result<()> {
        match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))
            | ast::FunctionArg::Named {
                arg: ast::FunctionArgExpr::Expr(e),
                ..
            } => self.expr(e),
            _ => Ok(()),
        }
    }

    fn sublink(&mut self, q: &ast::Query) -> Result<()> {
        let save = self.context;
        self.context = Context::Sublink;
        let r = self.query(q);
        self.context = save;
        r
    }

    fn expr(&mut self, e: &ast::Expr) -> Result<()> {
        use ast::Expr as E;
        match e {
            E::Subquery(q) | E::Exists { subquery: q, .. } => self.sublink(q),
            E::In { expr, target, .. } => {
                self.expr(expr)?;
                match target {
                    ast::InTarget::Subquery(q) => self.sublink(q),
                    ast::InTarget::List(list) => list.iter().try_for_each(|x| self.expr(x)),
                    _ => Ok(()),
                }
            }
            E::BinaryOp { left, right, .. }
            | E::AnyOp { left, right, .. }
            | E::AllOp { left, right, .. }
            | E::IsDistinctFrom(left, right)
            | E::IsNotDistinctFrom(left, right) => {
                self.expr(left)?;
                self.expr(right)
            }
            E::UnaryOp { expr, .. }
            | E::Nested(expr)
            | E::Cast { expr, .. }
            | E::IsNull(expr)
            | E::IsNotNull(expr)
            | E::IsTrue(expr)
            | E::IsFalse(expr)
            | E::IsNotTrue(expr)
            | E::IsNotFalse(expr) => self.expr(expr),
            E::Between {
                expr, low, high, ..
            } => {
                self.expr(expr)?;
                self.expr(low)?;
                self.expr(high)
            }
            E::Tuple(list) => list.iter().try_for_each(|x| self.expr(x)),
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(o) = operand {
                    self.expr(o)?;
                }
                for c in conditions {
                    self.expr(&c.condition)?;
                    self.expr(&c.result)?;
                }
                match else_result {
                    Some(x) => self.expr(x),
                    None => Ok(()),
                }
            }
            E::Function(f) => match &f.args {
                ast::FunctionArguments::List(l) => {
                    l.args.iter().try_for_each(|a| self.function_arg(a))
                }
                ast::FunctionArguments::Subquery(q) => self.sublink(q),
                ast::FunctionArguments::None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

fn join_condition(op: &ast::JoinOperator) -> Option<&ast::Expr> {
    use ast::JoinOperator as J;
    let c = match op {
        J::Join(c)
        | J::Inner(c)
        | J::Left(c)
        | J::LeftOuter(c)
        | J::Right(c)
        | J::RightOuter(c)
        | J::FullOuter(c) => c,
        _ => return None,
    };
    match c {
        ast::JoinConstraint::On(e) => Some(e),
        _ => None,
    }
}

/// Runs `visit` over `q` (a query of the WITH list being checked) in `context`.
fn walk(
    q: &ast::SetExpr,
    context: Context,
    visit: &mut dyn FnMut(&str, &ast::ObjectName, Context) -> Result<()>,
) -> Result<()> {
    Walker {
        inner: Vec::new(),
        context,
        visit,
    }
    .set_expr(q)
}

impl Binder<'_> {
    /// Checks a WITH RECURSIVE list; returns which items name themselves (the recursive ones).
    pub(crate) fn check_recursion(&self, with: &ast::With) -> Result<Vec<bool>> {
        let names: Vec<String> = with
            .cte_tables
            .iter()
            .map(|c| ident(&c.alias.name))
            .collect();
        let n = names.len();
        let mut depends: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut recursive = vec![false; n];
        for (i, cte) in with.cte_tables.iter().enumerate() {
            let mut found = Vec::new();
            let mut visit = |name: &str, _: &ast::ObjectName, _: Context| {
                if let Some(j) = names.iter().position(|m| m == name) {
                    found.push(j);
                }
                Ok(())
            };
            Walker {
                inner: Vec::new(),
                context: Context::Ok,
                visit: &mut visit,
            }
            .query(&cte.query)?;
            for j in found {
                if j == i {
                    recursive[i] = true;
                } else if !depends[i].contains(&j) {
                    depends[i].push(j);
                }
            }
        }
        // PostgreSQL's topological sort: each step takes the first item left that depends on
        // nothing left; none means a cycle, reported at the first item left.
        let mut order: Vec<usize> = (0..n).collect();
        for i in 0..n {
            let Some(j) = (i..n).find(|&j| depends[order[j]].is_empty()) else {
                let cte = &with.cte_tables[order[i]];
                return Err(SqlError::FeatureNotSupportedAt {
                    message: "mutual recursion between WITH items is not implemented".into(),
                    position: self.ident_position(&cte.alias.name),
                });
            };
            order.swap(i, j);
            let done = order[i];
            for d in &mut depends {
                d.retain(|&x| x != done);
            }
        }
        for (i, cte) in with.cte_tables.iter().enumerate() {
            if recursive[i] {
                self.well_formed(cte, &names[i])?;
            }
        }
        Ok(recursive)
    }

    /// `checkWellFormedRecursion` for one recursive item.
    fn well_formed(&self, cte: &ast::Cte, name: &str) -> Result<()> {
        if matches!(
            cte.query.body.as_ref(),
            ast::SetExpr::Insert(_)
                | ast::SetExpr::Update(_)
                | ast::SetExpr::Delete(_)
                | ast::SetExpr::Merge(_)
        ) {
            return Err(SqlError::FeatureNotSupportedAt {
                message: format!(
                    "recursive query \"{name}\" must not contain data-modifying statements"
                ),
                position: self.ident_position(&cte.alias.name),
            });
        }
        let ast::SetExpr::SetOperation {
            op: ast::SetOperator::Union,
            left,
            right,
            ..
        } = cte.query.body.as_ref()
        else {
            return Err(SqlError::InvalidRecursion {
                message: format!(
                    "recursive query \"{name}\" does not have the form non-recursive-term UNION [ALL] recursive-term"
                ),
                position: self.ident_position(&cte.alias.name),
            });
        };
        let mut refs = 0;
        let mut visit = |n: &str, at: &ast::ObjectName, context: Context| {
            if n != name {
                return Ok(());
            }
            if let Some(message) = context.message(name) {
                return Err(SqlError::InvalidRecursion {
                    message,
                    position: self.position(at),
                });
            }
            refs += 1;
            if refs > 1 {
                return Err(SqlError::InvalidRecursion {
                    message: format!(
                        "recursive reference to query \"{name}\" must not appear more than once"
                    ),
                    position: self.position(at),
                });
            }
            Ok(())
        };
        walk(left, Context::NonRecursiveTerm, &mut visit)?;
        walk(right, Context::Ok, &mut visit)?;
        // The item's own WITH list is a level below its terms (PostgreSQL finds such a
        // reference while analysing it, as one within a subquery).
        if let Some(w) = &cte.query.with {
            for c in &w.cte_tables {
                walk(&c.query.body, Context::Sublink, &mut visit)?;
            }
        }
        Ok(())
    }
}
