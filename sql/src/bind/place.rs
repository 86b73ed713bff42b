//! Placing conditions in a FROM tree (what PostgreSQL's `distribute_qual_to_rels` does,
//! simplified), and the expression helpers it needs.
//!
//! A condition is a *filter on a node's output* when it comes from WHERE (the root) or from an
//! INNER JOIN's ON (that join). Such a filter moves into a child when it reads only that child's
//! columns and the join does not null-extend that child (either child of an inner join; the left
//! of a LEFT JOIN; the right of a RIGHT JOIN), down to a base table, where it joins the shard
//! scan's filter (and may make it a primary-key point lookup). What cannot move stays on the
//! lowest inner join that covers it, or at the level's WHERE. A LEFT JOIN's ON conditions that
//! read only its right side filter the right side; its other ON conditions stay on the join.
//! Conditions with subqueries never move (their outer references are bound to the level's row).
//! At a join, `l = r` conditions with `l` over the left side and `r` over the right become hash
//! keys.

use super::join::FromNode;
use crate::expr::{BinOp, Expr};
use crate::plan::{walk, JoinKind};
use crate::types::DataType;

/// The columns an expression reads at its own level: `Some((min, max))`, `None` for none.
pub(crate) fn span(e: &Expr) -> Option<(usize, usize)> {
    let mut out: Option<(usize, usize)> = None;
    walk(e, &mut |x| {
        if let Expr::Column(i, _) = x {
            out = Some(out.map_or((*i, *i), |(a, b)| (a.min(*i), b.max(*i))));
        }
    });
    out
}

pub(crate) fn within(e: &Expr, node: &FromNode) -> bool {
    span(e).is_none_or(|(a, b)| a >= node.start() && b < node.end())
}

/// Marks the columns an expression reads at its level, including through the subqueries in it.
pub(crate) fn mark_columns(e: &Expr, used: &mut [bool]) {
    walk(e, &mut |x| {
        if let Expr::Column(i, _) = x {
            if let Some(u) = used.get_mut(*i) {
                *u = true;
            }
        }
    });
    let mut copy = e.clone();
    crate::plan::visit::expr(&mut copy, 0, &mut |x, level| {
        if let Expr::Outer { depth, column, .. } = x {
            if *depth == level {
                if let Some(u) = used.get_mut(*column) {
                    *u = true;
                }
            }
        }
    });
}

/// Whether an expression holds a subquery or an outer reference (it cannot go to a shard).
pub(crate) fn router_only(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        found |= matches!(x, Expr::SubLink(_) | Expr::Outer { .. })
    });
    found
}

pub(crate) fn has_sublink(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| found |= matches!(x, Expr::SubLink(_)));
    found
}

/// Splits a condition into its AND-ed parts.
pub(crate) fn conjuncts(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => {
            conjuncts(*left, out);
            conjuncts(*right, out);
        }
        e => out.push(e),
    }
}

pub(crate) fn and_all(parts: Vec<Expr>) -> Option<Expr> {
    parts.into_iter().reduce(|a, b| Expr::Binary {
        op: BinOp::And,
        left: Box::new(a),
        right: Box::new(b),
        ty: DataType::Bool,
    })
}

/// Applies `cond` as a filter on `node`'s output, as deep as it may go; gives it back when it
/// must stay above `node`.
pub(crate) fn place(node: &mut FromNode, cond: Expr) -> Option<Expr> {
    if has_sublink(&cond) {
        return Some(cond);
    }
    match node {
        FromNode::Table { filters, .. } => {
            if router_only(&cond) {
                return Some(cond);
            }
            filters.push(cond);
            None
        }
        FromNode::Other { .. } => Some(cond),
        FromNode::Join {
            kind,
            left,
            right,
            conds,
            ..
        } => {
            let to_left = matches!(kind, JoinKind::Inner | JoinKind::Left) && within(&cond, left);
            let to_right =
                matches!(kind, JoinKind::Inner | JoinKind::Right) && within(&cond, right);
            let rest = if to_left {
                place(left, cond)
            } else if to_right {
                place(right, cond)
            } else {
                Some(cond)
            };
            match (rest, *kind) {
                (Some(c), JoinKind::Inner) => {
                    conds.push(c);
                    None
                }
                (rest, _) => rest,
            }
        }
    }
}

/// Places one ON condition of the join `node` (just built).
pub(crate) fn place_on(node: &mut FromNode, cond: Expr) {
    let FromNode::Join {
        kind,
        right,
        left,
        conds,
        ..
    } = node
    else {
        return;
    };
    let rest = match *kind {
        JoinKind::Inner => {
            if let Some(c) = place(node, cond) {
                if let FromNode::Join { conds, .. } = node {
                    conds.push(c);
                }
            }
            return;
        }
        JoinKind::Left if within(&cond, right) && span(&cond).is_some() => place(right, cond),
        JoinKind::Right if within(&cond, left) && span(&cond).is_some() => place(left, cond),
        _ => Some(cond),
    };
    if let Some(c) = rest {
        conds.push(c);
    }
}
