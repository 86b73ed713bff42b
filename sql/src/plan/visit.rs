//! Visiting the outer references (`Expr::Outer`) of a plan, through every expression it holds:
//! what memoizing a correlated subquery and moving one onto an aggregate's group row need; and
//! visiting every row source ([`Rel`]), subqueries' included: what filling in the rows of
//! data-modifying CTEs needs (`crate::bind::WithWrites`).
//!
//! `level` counts the subquery/LATERAL boundaries crossed from where the walk started, so an
//! `Outer { depth }` seen at `level` reads the enclosing row `depth - level` levels above the
//! start when `depth > level` (it escapes), and a row inside the plan otherwise.

use super::{Body, LocalKind, QueryPlan, Rel, SubLinkKind};
use crate::expr::Expr;

/// Calls `f(outer_node, level)` on every `Expr::Outer` in the plan.
pub(crate) fn outer_refs_mut(
    plan: &mut QueryPlan,
    level: usize,
    f: &mut dyn FnMut(&mut Expr, usize),
) {
    walk(plan, level, &mut |node, level| {
        if let Node::Outer(e) = node {
            f(e, level)
        }
    })
}

/// Calls `f` on every [`Rel`] node of the plan (before visiting inside it), including those of
/// subqueries in its expressions.
pub(crate) fn rels_mut(plan: &mut QueryPlan, f: &mut dyn FnMut(&mut Rel)) {
    walk(plan, 0, &mut |node, _| {
        if let Node::Rel(r) = node {
            f(r)
        }
    })
}

/// Visits the outer references of one expression (and of the subqueries inside it, one level
/// deeper).
pub(crate) fn expr(e: &mut Expr, level: usize, f: &mut dyn FnMut(&mut Expr, usize)) {
    walk_expr(e, level, &mut |node, level| {
        if let Node::Outer(x) = node {
            f(x, level)
        }
    })
}

/// Calls `f` on every [`Rel`] node inside an expression's subqueries.
pub(crate) fn expr_rels_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Rel)) {
    walk_expr(e, 0, &mut |node, _| {
        if let Node::Rel(r) = node {
            f(r)
        }
    })
}

/// What [`walk`] reports: an outer reference, or a row source.
enum Node<'a> {
    Outer(&'a mut Expr),
    Rel(&'a mut Rel),
}

type Visitor<'f> = dyn FnMut(Node<'_>, usize) + 'f;

fn walk(plan: &mut QueryPlan, level: usize, f: &mut Visitor<'_>) {
    match &mut plan.body {
        Body::Project(exprs) => exprs.iter_mut().for_each(|e| walk_expr(e, level, f)),
        Body::Aggregate(a) => {
            a.group_by.iter_mut().for_each(|e| walk_expr(e, level, f));
            for c in &mut a.calls {
                c.args.iter_mut().for_each(|e| walk_expr(e, level, f));
                if let Some(x) = &mut c.filter {
                    walk_expr(x, level, f);
                }
                c.order.iter_mut().for_each(|(e, _)| walk_expr(e, level, f));
            }
            if let Some(h) = &mut a.having {
                walk_expr(h, level, f);
            }
            a.output.iter_mut().for_each(|e| walk_expr(e, level, f));
        }
    }
    if let Some(w) = &mut plan.window {
        for c in &mut w.calls {
            c.args.iter_mut().for_each(|e| walk_expr(e, level, f));
            if let Some(x) = &mut c.filter {
                walk_expr(x, level, f);
            }
            c.spec
                .partition
                .iter_mut()
                .for_each(|e| walk_expr(e, level, f));
            c.spec
                .order
                .iter_mut()
                .for_each(|(e, _)| walk_expr(e, level, f));
            for b in [&mut c.spec.frame.start, &mut c.spec.frame.end] {
                if let super::window::FrameBound::Preceding(x)
                | super::window::FrameBound::Following(x) = b
                {
                    walk_expr(x, level, f);
                }
            }
        }
        for s in &mut w.srfs {
            s.args.iter_mut().for_each(|e| walk_expr(e, level, f));
        }
        w.output.iter_mut().for_each(|e| walk_expr(e, level, f));
    }
    for e in [&mut plan.limit, &mut plan.offset].into_iter().flatten() {
        walk_expr(e, level, f);
    }
    if let Some(s) = &mut plan.source {
        if let Some(x) = &mut s.filter {
            walk_expr(x, level, f);
        }
    }
    if let Some(l) = &mut plan.local {
        if let Some(x) = &mut l.filter {
            walk_expr(x, level, f);
        }
        for (a, b) in &mut l.probe {
            walk_expr(a, level, f);
            walk_expr(b, level, f);
        }
        local(&mut l.kind, level, f);
    }
}

fn local(kind: &mut LocalKind, level: usize, f: &mut Visitor<'_>) {
    match kind {
        LocalKind::Series {
            start, stop, step, ..
        } => {
            walk_expr(start, level, f);
            walk_expr(stop, level, f);
            if let Some(s) = step {
                walk_expr(s, level, f);
            }
        }
        LocalKind::Values(rows) => rows
            .iter_mut()
            .flatten()
            .for_each(|e| walk_expr(e, level, f)),
        LocalKind::Unnest(e) => walk_expr(e, level, f),
        LocalKind::Table { args, .. } => args.iter_mut().for_each(|e| walk_expr(e, level, f)),
        LocalKind::Rel(r) => rel(r, level, f),
    }
}

fn rel(r: &mut Rel, level: usize, f: &mut Visitor<'_>) {
    f(Node::Rel(r), level);
    match r {
        Rel::Scan(_) | Rel::WorkTable(_) | Rel::Cte(_) | Rel::Rows(_) => {}
        Rel::Local(kind) => local(kind, level, f),
        Rel::Query(p) => walk(p, level, f),
        Rel::Join(j) => {
            rel(&mut j.left, level, f);
            rel(&mut j.right, if j.lateral { level + 1 } else { level }, f);
            for (a, b) in &mut j.keys {
                walk_expr(a, level, f);
                walk_expr(b, level, f);
            }
            if let Some(c) = &mut j.cond {
                walk_expr(c, level, f);
            }
        }
        Rel::SetOp(s) => {
            walk(&mut s.left, level, f);
            walk(&mut s.right, level, f);
        }
        Rel::Recursive(x) => {
            walk(&mut x.base, level, f);
            walk(&mut x.step, level, f);
        }
    }
}

/// Walks one expression (and the subqueries inside it, one level deeper).
fn walk_expr(e: &mut Expr, level: usize, f: &mut Visitor<'_>) {
    match e {
        Expr::Outer { .. } => f(Node::Outer(e), level),
        Expr::Const(..) | Expr::Param(..) | Expr::Column(..) => {}
        Expr::Cast(inner, _) | Expr::Neg(inner) | Expr::Not(inner) => walk_expr(inner, level, f),
        Expr::IsNull { expr: inner, .. } => walk_expr(inner, level, f),
        Expr::Binary { left, right, .. } => {
            walk_expr(left, level, f);
            walk_expr(right, level, f);
        }
        Expr::Call { args, .. } | Expr::Node { args, .. } => {
            args.iter_mut().for_each(|a| walk_expr(a, level, f))
        }
        Expr::SubLink(s) => {
            if let SubLinkKind::Any { lhs, test } | SubLinkKind::All { lhs, test } = &mut s.kind {
                lhs.iter_mut().for_each(|a| walk_expr(a, level, f));
                // The test runs over `lhs ++ subquery row` at this level.
                walk_expr(test, level, f);
            }
            walk(&mut s.plan, level + 1, f);
        }
    }
}

/// The escaping outer references of a subquery plan as (levels above the plan's own enclosing
/// row, column), sorted and deduplicated: what its result can depend on.
pub(crate) fn escaping(plan: &QueryPlan) -> Vec<(usize, usize)> {
    let mut copy = plan.clone();
    let mut out = Vec::new();
    outer_refs_mut(&mut copy, 1, &mut |e, level| {
        if let Expr::Outer { depth, column, .. } = e {
            if *depth >= level {
                out.push((*depth - level + 1, *column));
            }
        }
    });
    out.sort_unstable();
    out.dedup();
    out
}
