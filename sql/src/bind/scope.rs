//! Name scopes of a SELECT level: which names its FROM clause makes visible, and how column
//! references resolve, including references to enclosing levels (correlated subqueries, LATERAL).
//!
//! A level's *input row* is its FROM items' rows side by side (see `from`); every name maps to an
//! expression over it (a column, or for a FULL JOIN's USING column the merge of both sides).
//! - `t.c` looks for the range `t` (an alias hides the table's own name) at this level, then
//!   outwards; `c` alone looks among the level's visible names (USING columns once), then outwards.
//! - A name found `d` levels out becomes `Expr::Outer { depth: d }`, and the binder notes the
//!   outermost level referenced (`min_level`), which decides whether a subquery is correlated.

use sqlparser::ast;

use super::Binder;
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::plan::rewrite;
use crate::types::DataType;

/// One FROM item visible by name (`t.c`, `t.*`).
#[derive(Debug, Clone)]
pub(crate) struct RangeRel {
    pub(crate) name: String,
    pub(crate) cols: Vec<(String, Expr)>,
    /// System columns (`tableoid`): found by name like `cols`, never by `*` (see `sysattr`).
    pub(crate) system: Vec<(String, Expr)>,
}

/// The names a SELECT level's FROM clause makes visible.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// Width of the input row.
    pub(crate) width: usize,
    /// Per input-row column: its range's name and its own (for messages).
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) rels: Vec<RangeRel>,
    /// Unqualified names, in `SELECT *` order.
    pub(crate) visible: Vec<(String, Expr)>,
    /// Columns that names find (qualified by their range or not) but `*` and `t.*` leave out:
    /// (range, column, expression). A recursive query's own SEARCH/CYCLE columns, inside its
    /// recursive term.
    pub(crate) hidden: Vec<(String, String, Expr)>,
}

impl Scope {
    /// One range whose columns start at `offset` in the input row.
    pub(crate) fn range(name: &str, cols: &[(String, DataType)], offset: usize) -> Scope {
        let exprs: Vec<(String, Expr)> = cols
            .iter()
            .enumerate()
            .map(|(i, (n, t))| (n.clone(), Expr::Column(offset + i, *t)))
            .collect();
        Scope {
            width: offset + cols.len(),
            labels: vec![(String::new(), String::new()); offset]
                .into_iter()
                .chain(cols.iter().map(|(n, _)| (name.to_string(), n.clone())))
                .collect(),
            rels: vec![RangeRel {
                name: name.to_string(),
                cols: exprs.clone(),
                system: Vec::new(),
            }],
            visible: exprs,
            hidden: Vec::new(),
        }
    }

    /// Hides the last `n` columns of a one-range scope from `*` (see [`Scope::hidden`]).
    pub(crate) fn hide_last(&mut self, n: usize) {
        let Some(range) = self.rels.first_mut() else {
            return;
        };
        let at = range.cols.len().saturating_sub(n);
        let moved = range.cols.split_off(at);
        self.visible.truncate(self.visible.len().saturating_sub(n));
        self.hidden
            .extend(moved.into_iter().map(|(c, e)| (range.name.clone(), c, e)));
    }

    /// Two scopes side by side (`right`'s columns already placed after `left`'s).
    pub(crate) fn concat(mut self, right: Scope) -> Result<Scope> {
        for r in &right.rels {
            if !r.name.is_empty() && self.rels.iter().any(|l| l.name == r.name) {
                return Err(SqlError::DuplicateAlias(r.name.clone()));
            }
        }
        self.labels
            .extend(right.labels.iter().skip(self.width).cloned());
        self.width = right.width;
        self.rels.extend(right.rels);
        self.visible.extend(right.visible);
        self.hidden.extend(right.hidden);
        Ok(self)
    }

    /// The scope with every column moved `by` positions left (its range starting at 0).
    pub(crate) fn shifted(&self, by: usize) -> Scope {
        let shift = |e: &Expr| shift_columns(e.clone(), by);
        Scope {
            width: self.width - by,
            labels: self.labels[by..].to_vec(),
            rels: self
                .rels
                .iter()
                .map(|r| RangeRel {
                    name: r.name.clone(),
                    cols: r.cols.iter().map(|(n, e)| (n.clone(), shift(e))).collect(),
                    system: r
                        .system
                        .iter()
                        .map(|(n, e)| (n.clone(), shift(e)))
                        .collect(),
                })
                .collect(),
            visible: self
                .visible
                .iter()
                .map(|(n, e)| (n.clone(), shift(e)))
                .collect(),
            hidden: self
                .hidden
                .iter()
                .map(|(r, n, e)| (r.clone(), n.clone(), shift(e)))
                .collect(),
        }
    }

    /// The one visible column called `name`: `Ok(None)` if none, 42702 if several.
    pub(crate) fn unqualified(&self, name: &str, position: Option<u32>) -> Result<Option<Expr>> {
        let mut hits = (self.visible.iter().map(|(n, e)| (n, e)))
            .chain(self.hidden.iter().map(|(_, n, e)| (n, e)))
            .filter(|(n, _)| *n == name);
        match (hits.next(), hits.next()) {
            (Some(_), Some(_)) => Err(SqlError::AmbiguousColumn {
                name: name.to_string(),
                position,
            }),
            (Some(h), None) => Ok(Some(h.1.clone())),
            (None, _) => {
                // System columns: after every ordinary column, ambiguous across ranges.
                let mut sys = self
                    .rels
                    .iter()
                    .flat_map(|r| &r.system)
                    .filter(|(n, _)| n == name);
                match (sys.next(), sys.next()) {
                    (Some(_), Some(_)) => Err(SqlError::AmbiguousColumn {
                        name: name.to_string(),
                        position,
                    }),
                    (hit, _) => Ok(hit.map(|h| h.1.clone())),
                }
            }
        }
    }
}

/// Moves column references `by` positions left. Subqueries inside are left alone (their outer
/// references stay put), so callers only shift expressions without them.
pub(crate) fn shift_columns(e: Expr, by: usize) -> Expr {
    if by == 0 {
        return e;
    }
    rewrite(e, &mut |x| {
        Ok(match x {
            Expr::Column(i, t) => Some(Expr::Column(i - by, *t)),
            _ => None,
        })
    })
    .unwrap_or_else(|_| unreachable!("the rewrite never fails"))
}

/// Turns references to a level's row into references `depth` levels out.
fn to_outer(e: Expr, depth: usize) -> Expr {
    rewrite(e, &mut |x| {
        Ok(match x {
            Expr::Column(i, t) => Some(Expr::Outer {
                depth,
                column: *i,
                ty: *t,
            }),
            _ => None,
        })
    })
    .unwrap_or_else(|_| unreachable!("the rewrite never fails"))
}

impl Binder<'_> {
    /// Resolves `rel.name` or `name` through this level's scope and the enclosing ones.
    pub(crate) fn scoped_column(
        &mut self,
        rel: Option<&str>,
        name: &str,
        node: &ast::Expr,
    ) -> Result<Expr> {
        let position = self.position(node);
        let levels = self.outer.len();
        for d in 0..=levels {
            let scope = if d == 0 {
                self.from.as_ref()
            } else {
                self.outer.get(levels - d)
            };
            let Some(scope) = scope else { continue };
            let found = match rel {
                Some(r) => match scope.rels.iter().find(|x| x.name == r) {
                    None => None,
                    Some(range) => match (range.cols.iter().chain(&range.system))
                        .map(|(n, e)| (n, e))
                        .chain(
                            (scope.hidden.iter())
                                .filter(|h| h.0 == r)
                                .map(|(_, n, e)| (n, e)),
                        )
                        .find(|(n, _)| *n == name)
                    {
                        Some((_, e)) => Some(e.clone()),
                        None => {
                            return Err(SqlError::UndefinedQualifiedColumn {
                                rel: r.to_string(),
                                name: name.to_string(),
                                position,
                            })
                        }
                    },
                },
                None => scope.unqualified(name, position)?,
            };
            let Some(e) = found else { continue };
            if d == 0 {
                if let Expr::Column(i, _) = e {
                    self.aggs.saw_column(i, position);
                }
                return Ok(e);
            }
            self.min_level = self.min_level.min(levels - d);
            return Ok(to_outer(e, d));
        }
        Err(match rel {
            Some(r) => SqlError::MissingFromEntry {
                name: r.to_string(),
                position,
            },
            None => SqlError::UndefinedColumn {
                name: name.to_string(),
                position,
            },
        })
    }

    /// The columns `t.*` names: at this level, or an enclosing one (as outer references).
    pub(crate) fn range_columns(&mut self, rel: &str) -> Option<Vec<(String, Expr)>> {
        let levels = self.outer.len();
        for d in 0..=levels {
            let scope = if d == 0 {
                self.from.as_ref()
            } else {
                self.outer.get(levels - d)
            };
            let Some(range) = scope.and_then(|s| s.rels.iter().find(|r| r.name == rel)) else {
                continue;
            };
            let cols = range.cols.clone();
            if d == 0 {
                return Some(cols);
            }
            self.min_level = self.min_level.min(levels - d);
            return Some(cols.into_iter().map(|(n, e)| (n, to_outer(e, d))).collect());
        }
        None
    }
}
