//! SEARCH and CYCLE clauses of a WITH RECURSIVE item, rewritten as PostgreSQL's rewriter does
//! (`rewriteSearchAndCycle`). The parser took the clauses out of the text (`parse::search_cycle`);
//! `setop.rs` finds them by the item's closing parenthesis and calls in here.
//!
//! For `SEARCH DEPTH FIRST BY a, b SET seq` / `SEARCH BREADTH FIRST BY a, b SET seq` /
//! `CYCLE a, b SET mark TO v DEFAULT d USING path`, the item's columns gain (in this order)
//! `seq`, `mark` and `path`:
//! - non-recursive term: `ARRAY[ROW(a, b)]` / `ROW(0::int8, a, b)`, then `d`, `ARRAY[ROW(a, b)]`;
//! - recursive term, over its own rows extended with the working table's added columns (which
//!   names in the term find, but `*` does not expand to: see `Scope::hidden`):
//!   `seq || ARRAY[ROW(a, b)]` / `ROW(seq.depth + 1, a, b)`, then
//!   `CASE WHEN ROW(a, b) = ANY (path) THEN v ELSE d END`, `path || ARRAY[ROW(a, b)]`, keeping only
//!   the rows whose working-table row had `mark <> v`.
//!
//! Invariants: both terms are plain SELECTs (or VALUES), the recursive reference is in the
//! recursive term's own FROM, and `v`/`d` share one type that has an equality operator; each is
//! checked with PostgreSQL's message and SQLSTATE before anything is rewritten.

use sqlparser::ast;

use super::row::{field_of, row_of};
use super::scope::Scope;
use super::{common_type, ident, object_name, Binder};
use crate::error::{Result, SqlError};
use crate::expr::{Expr, Node};
use crate::parse::search_cycle::SearchCycle;
use crate::plan::{Body, QueryPlan, Rel};
use crate::types::{resolve_binary, BinarySig, DataType, Value};

/// Output columns: names and types.
type Columns = Vec<(String, DataType)>;

/// A clause checked against its item's columns, ready to rewrite the two terms.
pub(crate) struct Rewrite {
    /// The item's own columns.
    cols: Columns,
    /// BREADTH FIRST, and the positions of the BY columns.
    search: Option<(bool, Vec<usize>)>,
    cycle: Option<CycleParts>,
    /// The added columns, in order: the sequence column, then the mark and the path.
    extra: Columns,
}

struct CycleParts {
    cols: Vec<usize>,
    value: Expr,
    default: Expr,
    /// `mark <> value`.
    ne: BinarySig,
}

/// `WITH query is not recursive` (42601), at the item's name.
pub(crate) fn not_recursive(position: Option<u32>) -> SqlError {
    SqlError::Syntax {
        message: "WITH query is not recursive".into(),
        position,
    }
}

fn syntax(message: String, position: u32) -> SqlError {
    SqlError::Syntax {
        message,
        position: Some(position),
    }
}

fn is_set_op(e: &ast::SetExpr) -> bool {
    match e {
        ast::SetExpr::SetOperation { .. } => true,
        ast::SetExpr::Query(q) => is_set_op(&q.body),
        _ => false,
    }
}

/// The terms must be plain queries, as PostgreSQL's analysis requires.
pub(crate) fn check_terms(left: &ast::SetExpr, right: &ast::SetExpr) -> Result<()> {
    if is_set_op(left) {
        return Err(SqlError::FeatureNotSupported(
            "with a SEARCH or CYCLE clause, the left side of the UNION must be a SELECT".into(),
        ));
    }
    if is_set_op(right) {
        return Err(SqlError::Syntax {
            message: "with a SEARCH or CYCLE clause, the right side of the UNION must be a SELECT"
                .into(),
            position: None,
        });
    }
    Ok(())
}

/// Positions of `names` among the item's columns, with PostgreSQL's errors for a missing or
/// repeated one (`what`: "search" or "cycle").
fn positions(names: &[String], cols: &Columns, what: &str, at: u32) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let Some(i) = cols.iter().position(|c| &c.0 == n) else {
            return Err(syntax(
                format!("{what} column \"{n}\" not in WITH query column list"),
                at,
            ));
        };
        if out.contains(&i) {
            return Err(SqlError::DuplicateColumnAt {
                message: format!("{what} column \"{n}\" specified more than once"),
                position: Some(at),
            });
        }
        out.push(i);
    }
    Ok(out)
}

impl Binder<'_> {
    /// Checks `sc` against the item's columns `cols` (after the non-recursive term is bound)
    /// and binds the cycle mark values.
    pub(crate) fn search_cycle_rewrite(
        &mut self,
        sc: &SearchCycle,
        cols: &Columns,
    ) -> Result<Rewrite> {
        let mut extra = Vec::new();
        let taken = |n: &str| cols.iter().any(|c| c.0 == n);
        let search = match &sc.search {
            None => None,
            Some(s) => {
                let by = positions(&s.by, cols, "search", s.position)?;
                if taken(&s.seq) {
                    return Err(syntax(
                        format!(
                            "search sequence column name \"{}\" already used in WITH query column list",
                            s.seq
                        ),
                        s.position,
                    ));
                }
                let ty = if s.breadth {
                    DataType::Record
                } else {
                    DataType::RecordArray
                };
                extra.push((s.seq.clone(), ty));
                Some((s.breadth, by))
            }
        };
        let cycle = match &sc.cycle {
            None => None,
            Some(c) => {
                let at = c.position;
                let positions = positions(&c.cols, cols, "cycle", at)?;
                for (name, what) in [(&c.mark, "mark"), (&c.path, "path")] {
                    if taken(name) {
                        return Err(syntax(
                            format!("cycle {what} column name \"{name}\" already used in WITH query column list"),
                            at,
                        ));
                    }
                }
                if c.mark == c.path {
                    return Err(syntax(
                        "cycle mark column name and cycle path column name are the same".into(),
                        at,
                    ));
                }
                let (value, default) = self.cycle_marks(c.values.as_ref())?;
                let ty = value.data_type();
                let no_eq = || {
                    SqlError::NoSuchFunction(format!(
                        "could not identify an equality operator for type {}",
                        ty.sql_name()
                    ))
                };
                if ty.geo_kind().is_some() || ty == DataType::Json {
                    return Err(no_eq());
                }
                let ne = resolve_binary("<>", ty, ty).ok_or_else(no_eq)?;
                extra.push((c.mark.clone(), ty));
                extra.push((c.path.clone(), DataType::RecordArray));
                Some(CycleParts {
                    cols: positions,
                    value,
                    default,
                    ne,
                })
            }
        };
        if let (Some(s), Some(c)) = (&sc.search, &sc.cycle) {
            for (name, what) in [(&c.mark, "mark"), (&c.path, "path")] {
                if s.seq == *name {
                    return Err(syntax(
                        format!(
                            "search sequence column name and cycle {what} column name are the same"
                        ),
                        s.position,
                    ));
                }
            }
        }
        Ok(Rewrite {
            cols: cols.clone(),
            search,
            cycle,
            extra,
        })
    }

    /// `TO value DEFAULT default` bound and brought to their common type (`TO true DEFAULT
    /// false` when absent).
    fn cycle_marks(&mut self, values: Option<&(ast::Expr, ast::Expr)>) -> Result<(Expr, Expr)> {
        let Some((v, d)) = values else {
            return Ok((
                Expr::Const(Value::Bool(true), DataType::Bool),
                Expr::Const(Value::Bool(false), DataType::Bool),
            ));
        };
        // Constants: no names of the surrounding query are visible to them.
        let from = self.from.take();
        let bound = (|| Ok::<_, SqlError>((self.expr(v)?, self.expr(d)?)))();
        self.from = from;
        let (value, default) = bound?;
        let (tv, td) = (value.data_type(), default.data_type());
        let ty = common_type(tv, td).ok_or_else(|| SqlError::DatatypeMismatchAt {
            message: format!(
                "CYCLE types {} and {} cannot be matched",
                tv.sql_name(),
                td.sql_name()
            ),
            position: self.position(d),
        })?;
        let ty = if ty == DataType::Unknown {
            DataType::Text
        } else {
            ty
        };
        let (at_v, at_d) = (self.position(v), self.position(d));
        Ok((
            self.coerce_at(value, ty, at_v)?,
            self.coerce_at(default, ty, at_d)?,
        ))
    }

    /// `ARRAY[ROW(cols)]` over a row whose first columns are the item's.
    fn path_start(&mut self, rw: &Rewrite, cols: &[usize]) -> Result<Expr> {
        let row = row_of(
            cols.iter()
                .map(|&i| Expr::Column(i, rw.cols[i].1))
                .collect(),
        );
        self.array_of_exprs(vec![row], None)
    }

    /// The non-recursive term with the added columns.
    pub(crate) fn search_cycle_base(&mut self, rw: &Rewrite, base: QueryPlan) -> Result<QueryPlan> {
        let mut added = Vec::new();
        if let Some((breadth, by)) = &rw.search {
            added.push(if *breadth {
                let mut fields = vec![Expr::Const(Value::Int8(0), DataType::Int8)];
                fields.extend(by.iter().map(|&i| Expr::Column(i, rw.cols[i].1)));
                row_of(fields)
            } else {
                self.path_start(rw, by)?
            });
        }
        if let Some(c) = &rw.cycle {
            added.push(c.default.clone());
            added.push(self.path_start(rw, &c.cols)?);
        }
        Ok(self.extend_plan(rw, base, added, None))
    }

    /// The recursive term with the added columns: `step` is the term bound with the working
    /// table's added columns appended to its output.
    pub(crate) fn search_cycle_step(&mut self, rw: &Rewrite, step: QueryPlan) -> Result<QueryPlan> {
        let n = rw.cols.len();
        let concat = resolve_binary("||", DataType::RecordArray, DataType::RecordArray)
            .ok_or_else(|| SqlError::Internal("record[] || record[] does not resolve".into()))?;
        let op = |sig: BinarySig, l: Expr, r: Expr| Expr::Node {
            kind: Node::Op(sig),
            args: vec![l, r],
            ty: sig.result,
        };
        let mut added = Vec::new();
        let mut prev = n;
        if let Some((breadth, by)) = &rw.search {
            let seq = Expr::Column(prev, rw.extra[0].1);
            prev += 1;
            added.push(if *breadth {
                let plus = resolve_binary("+", DataType::Int8, DataType::Int8)
                    .ok_or_else(|| SqlError::Internal("int8 + int8 does not resolve".into()))?;
                let depth = op(
                    plus,
                    field_of(seq, 0, DataType::Int8),
                    Expr::Const(Value::Int8(1), DataType::Int8),
                );
                let mut fields = vec![depth];
                fields.extend(by.iter().map(|&i| Expr::Column(i, rw.cols[i].1)));
                row_of(fields)
            } else {
                let tail = self.path_start(rw, by)?;
                op(concat, seq, tail)
            });
        }
        let mut filter = None;
        if let Some(c) = &rw.cycle {
            let mark = Expr::Column(prev, c.value.data_type());
            let path = Expr::Column(prev + 1, DataType::RecordArray);
            let eq = resolve_binary("=", DataType::Record, DataType::Record)
                .ok_or_else(|| SqlError::Internal("record = record does not resolve".into()))?;
            let row = row_of(
                c.cols
                    .iter()
                    .map(|&i| Expr::Column(i, rw.cols[i].1))
                    .collect(),
            );
            let seen = Expr::Node {
                kind: Node::ArrayCmp {
                    sig: eq,
                    all: false,
                },
                args: vec![row, path.clone()],
                ty: DataType::Bool,
            };
            added.push(Expr::Node {
                kind: Node::Case,
                args: vec![seen, c.value.clone(), c.default.clone()],
                ty: c.value.data_type(),
            });
            let tail = self.path_start(rw, &c.cols)?;
            added.push(op(concat, path, tail));
            filter = Some(op(c.ne, mark, c.value.clone()));
        }
        Ok(self.extend_plan(rw, step, added, filter))
    }

    /// A plan over `inner`'s rows: the item's columns, then `added`, for the rows `filter` keeps.
    fn extend_plan(
        &mut self,
        rw: &Rewrite,
        inner: QueryPlan,
        added: Vec<Expr>,
        filter: Option<Expr>,
    ) -> QueryPlan {
        let mut columns = rw.cols.clone();
        columns.extend(rw.extra.iter().cloned());
        let params = self
            .params
            .iter()
            .map(|t| t.unwrap_or(DataType::Unknown))
            .collect();
        let mut plan = super::setop::passthrough(Rel::Query(Box::new(inner)), columns, params);
        let mut exprs: Vec<Expr> = (rw.cols.iter().enumerate())
            .map(|(i, c)| Expr::Column(i, c.1))
            .collect();
        exprs.extend(added);
        plan.body = Body::Project(exprs);
        if let Some(local) = plan.local.as_mut() {
            local.filter = filter;
        }
        plan
    }
}

impl Rewrite {
    /// The columns the clauses add to the item.
    pub(crate) fn extra(&self) -> &Columns {
        &self.extra
    }
}

/// The recursive term with the working table's added columns appended to its select list
/// (PostgreSQL's `SELECT trosl, ctename.sqc FROM ctename`). The reference must be in the
/// term's own FROM.
pub(crate) fn step_with_extras(
    right: &ast::SetExpr,
    cte: &str,
    extra: &Columns,
) -> Result<ast::SetExpr> {
    let not_top = || {
        SqlError::FeatureNotSupported(format!(
            "with a SEARCH or CYCLE clause, the recursive reference to WITH query \"{cte}\" must be at the top level of its right-hand SELECT"
        ))
    };
    match right {
        ast::SetExpr::Select(s) => {
            let refname = s
                .from
                .iter()
                .find_map(|t| reference(t, cte))
                .ok_or_else(not_top)?;
            let mut s = s.clone();
            for (name, _) in extra {
                s.projection
                    .push(ast::SelectItem::UnnamedExpr(ast::Expr::CompoundIdentifier(
                        vec![
                            ast::Ident::with_quote('"', refname.clone()),
                            ast::Ident::with_quote('"', name.clone()),
                        ],
                    )));
            }
            Ok(ast::SetExpr::Select(s))
        }
        ast::SetExpr::Query(q) => {
            let shadowed = q
                .with
                .as_ref()
                .is_some_and(|w| w.cte_tables.iter().any(|c| ident(&c.alias.name) == cte));
            if shadowed {
                return Err(not_top());
            }
            let mut q = q.clone();
            q.body = Box::new(step_with_extras(&q.body, cte, extra)?);
            Ok(ast::SetExpr::Query(q))
        }
        _ => Err(not_top()),
    }
}

/// The name a FROM item reads the CTE `cte` by, if it (or a join in it) does.
fn reference(t: &ast::TableWithJoins, cte: &str) -> Option<String> {
    std::iter::once(&t.relation)
        .chain(t.joins.iter().map(|j| &j.relation))
        .find_map(|f| factor_reference(f, cte))
}

fn factor_reference(f: &ast::TableFactor, cte: &str) -> Option<String> {
    match f {
        ast::TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } if name.0.len() == 1 && object_name(name) == cte => {
            Some(alias.as_ref().map_or(cte.to_string(), |a| ident(&a.name)))
        }
        ast::TableFactor::NestedJoin {
            table_with_joins, ..
        } => reference(table_with_joins, cte),
        _ => None,
    }
}

/// The text of a query that starts with `with` and ends at the statement's end (the first `;`
/// outside parentheses, or the end of `source`): what a view stores when its query has
/// SEARCH/CYCLE clauses, which sqlparser's printer would leave out.
pub(crate) fn query_text(source: &str, with: &ast::With) -> Option<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let at = with.with_token.0.span.start;
    let start = crate::parse::char_offset(source, at.line, at.column)?;
    let rest: String = source.chars().skip(start).collect();
    let tokens = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, &rest)
        .tokenize_with_location()
        .ok()?;
    let mut depth = 0i32;
    let mut end = None;
    for t in &tokens {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::SemiColon if depth == 0 => {
                end = crate::parse::char_offset(&rest, t.span.start.line, t.span.start.column);
                break;
            }
            _ => {}
        }
    }
    let text: String = match end {
        Some(e) => rest.chars().take(e).collect(),
        None => rest,
    };
    Some(text.trim_end().to_string())
}

/// Hides a working table's added columns from `*` in the scope of its reference.
pub(crate) fn hide_added(scope: &mut Scope, hidden: usize) {
    if hidden > 0 {
        scope.hide_last(hidden);
    }
}
