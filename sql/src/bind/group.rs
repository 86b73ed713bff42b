//! Moving a SELECT level's expressions onto its aggregate group row, and splitting off the
//! correlated equalities a subquery's rows can be indexed by.

use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::plan::{rewrite, visit, walk, SubLink, SubLinkKind};

/// Takes the `inner = outer` conjuncts out of `rest` (see `LocalRows::probe`).
pub(crate) fn split_probe(rest: &mut Vec<Expr>) -> Vec<(Expr, Expr)> {
    let reads = |e: &Expr| {
        let (mut column, mut outer, mut sub) = (false, false, false);
        walk(e, &mut |x| match x {
            Expr::Column(..) => column = true,
            Expr::Outer { .. } => outer = true,
            Expr::SubLink(_) => sub = true,
            _ => {}
        });
        (column, outer, sub)
    };
    let mut probe = Vec::new();
    let mut keep = Vec::new();
    for c in std::mem::take(rest) {
        if let Expr::Binary {
            op: crate::expr::BinOp::Eq,
            left,
            right,
            ..
        } = &c
        {
            match (reads(left), reads(right)) {
                ((true, false, false), (false, true, false)) => {
                    probe.push(((**left).clone(), (**right).clone()));
                    continue;
                }
                ((false, true, false), (true, false, false)) => {
                    probe.push(((**right).clone(), (**left).clone()));
                    continue;
                }
                _ => {}
            }
        }
        keep.push(c);
    }
    *rest = keep;
    probe
}

/// What moving expressions onto the group row needs.
pub(crate) struct GroupCtx<'a> {
    pub(crate) group_by: &'a [Expr],
    pub(crate) width: usize,
    /// Per input column: its range's name and its own.
    pub(crate) labels: &'a [(String, String)],
    /// Where each column was first used (for the error's position).
    pub(crate) first_use: &'a [(usize, Option<u32>)],
}

/// Moves an expression over the input row (with aggregate placeholders) onto the group row.
pub(crate) fn group_row(e: Expr, cx: &GroupCtx<'_>) -> Result<Expr> {
    let ng = cx.group_by.len();
    rewrite(e, &mut |x| {
        if let Some(k) = cx.group_by.iter().position(|g| g == x) {
            return Ok(Some(Expr::Column(k, x.data_type())));
        }
        match x {
            // Window placeholders stay (`select` renumbers them past the pre-window row).
            Expr::Column(i, _) if *i >= super::window::WINDOW_BASE => Ok(Some(x.clone())),
            Expr::Column(i, ty) if *i >= cx.width => Ok(Some(Expr::Column(ng + i - cx.width, *ty))),
            Expr::Column(i, _) => {
                let (t, c) = cx
                    .labels
                    .get(*i)
                    .map(|(t, c)| (t.as_str(), c.as_str()))
                    .unwrap_or(("?", "?"));
                Err(SqlError::Grouping {
                    message: format!(
                        "column \"{t}.{c}\" must appear in the GROUP BY clause or be used in an aggregate function"
                    ),
                    position: cx.first_use.iter().find(|u| u.0 == *i).and_then(|u| u.1),
                })
            }
            Expr::SubLink(s) if s.reads.iter().any(|r| r.0 == 1) => {
                Ok(Some(Expr::SubLink(Box::new(sublink_on_group_row(s, cx)?))))
            }
            _ => Ok(None),
        }
    })
}

/// A correlated subquery of an aggregate query reads the group row: its references to the
/// level's input columns become the GROUP BY columns they are (others are 42803).
fn sublink_on_group_row(s: &SubLink, cx: &GroupCtx<'_>) -> Result<SubLink> {
    let mut s = s.clone();
    let mut ungrouped = None;
    visit::outer_refs_mut(&mut s.plan, 1, &mut |e, level| {
        if let Expr::Outer { depth, column, .. } = e {
            if *depth == level {
                match cx
                    .group_by
                    .iter()
                    .position(|g| matches!(g, Expr::Column(c, _) if c == column))
                {
                    Some(k) => *column = k,
                    None => ungrouped = Some(*column),
                }
            }
        }
    });
    if let Some(i) = ungrouped {
        let (t, c) = cx
            .labels
            .get(i)
            .map(|(t, c)| (t.as_str(), c.as_str()))
            .unwrap_or(("?", "?"));
        return Err(SqlError::Grouping {
            message: format!("subquery uses ungrouped column \"{t}.{c}\" from outer query"),
            position: None,
        });
    }
    if let SubLinkKind::Any { lhs, .. } | SubLinkKind::All { lhs, .. } = &mut s.kind {
        let old = std::mem::take(lhs);
        *lhs = old
            .into_iter()
            .map(|e| group_row(e, cx))
            .collect::<Result<_>>()?;
    }
    s.reads = visit::escaping(&s.plan);
    Ok(s)
}
