//! UPDATE ... FROM, DELETE ... USING, and UPDATE/DELETE whose SET or WHERE hold subqueries
//! (including `SET (a, b) = (SELECT ...)`): bound as a query that joins the target with the other
//! FROM items, whose rows are each target row (its old values) followed by the values assigned to
//! it; the session then writes row by row (see [`WriteSource`]).
//!
//! The query is built from the statement's own AST nodes (so error positions stay right):
//! `SELECT target.*, value1, ... FROM target [AS alias] [, from items] WHERE condition`, with a
//! leading `WITH` kept. `SET (a, b) = (SELECT x, y ...)` projects one scalar subquery per column,
//! `(SELECT x ...)` and `(SELECT y ...)`. A target row that joins several FROM rows is updated
//! once, with the first (PostgreSQL leaves the choice unspecified too).
//!
//! RETURNING is bound over the target's row alone: columns of the FROM/USING items there are
//! refused (0A000).
//!
//! Each write names its row by its old values (and its primary key, when it has one, so the
//! write is one point request): the shard locks it and re-checks that the newest version still
//! has those values. Left out, and different from PostgreSQL: a row changed by a concurrent
//! transaction after the statement's snapshot is not re-evaluated against the join; the session
//! fails the statement with 40001 instead (`server/src/session/joined.rs`).

use sqlparser::ast;

use super::{coerce, ident, Binder, Statement};
use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::expr::{BinOp, Expr, Params};
use crate::plan::{and_all_exprs, QueryPlan};
use crate::types::{DataType, Value};

/// Where an UPDATE or DELETE bound through a join gets its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteSource {
    /// Rows: the target's columns in the table's order, then one value per assigned column.
    pub query: QueryPlan,
    /// `(column, expression over a query row)`: the new value of each assigned column, cast to
    /// the column's type. Empty for DELETE.
    pub assignments: Vec<(usize, Expr)>,
}

impl WriteSource {
    /// The write of one query row: the target row named by its old values (and primary key),
    /// with the assigned values as constants. `base` is the statement's plan.
    pub fn row_plan(
        &self,
        base: &super::WritePlan,
        row: &[Value],
        params: &Params,
    ) -> Result<super::WritePlan> {
        let table = &base.table;
        let n = table.columns.len();
        let old = row.get(..n).ok_or_else(|| {
            SqlError::Internal("joined write row is narrower than its table (bug)".into())
        })?;
        let mut assignments = Vec::with_capacity(self.assignments.len());
        for (c, e) in &self.assignments {
            assignments.push((
                *c,
                Expr::Const(e.eval_row(row, params)?, table.columns[*c].ty),
            ));
        }
        // Columns of a type without `=` (json, some geometric types) are left out of the check.
        let same = (table.columns.iter().zip(old).enumerate())
            .filter(|(_, (c, _))| crate::types::resolve_binary("=", c.ty, c.ty).is_some())
            .map(|(i, (c, v))| {
                let col = Expr::Column(i, c.ty);
                match v {
                    Value::Null => Expr::IsNull {
                        expr: Box::new(col),
                        negated: false,
                    },
                    v => Expr::Binary {
                        op: BinOp::Eq,
                        left: Box::new(col),
                        right: Box::new(Expr::Const(v.clone(), c.ty)),
                        ty: DataType::Bool,
                    },
                }
            })
            .collect();
        let key = (table.primary_key.as_ref()).map(|pk| {
            pk.iter()
                .map(|&i| Expr::Const(old[i].clone(), table.columns[i].ty))
                .collect()
        });
        Ok(super::WritePlan {
            filter: and_all_exprs(same),
            key,
            assignments,
            source: None,
            ..base.clone()
        })
    }
}

/// Whether an expression holds a subquery (its SQL text names SELECT; a string literal that does
/// only sends the statement the slower, equally correct, joined way).
pub(super) fn has_subquery(e: &ast::Expr) -> bool {
    e.to_string().to_ascii_uppercase().contains("SELECT")
}

/// A `SELECT 1` to fill in (sqlparser's `Select` has many fields; parsing keeps us independent of
/// them).
fn select_skeleton() -> Result<ast::Query> {
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let mut stmts = sqlparser::parser::Parser::parse_sql(&dialect, "SELECT 1")
        .map_err(|e| SqlError::Internal(format!("skeleton query does not parse: {e}")))?;
    match stmts.pop() {
        Some(ast::Statement::Query(q)) => Ok(*q),
        _ => Err(SqlError::Internal("skeleton is not a query (bug)".into())),
    }
}

/// The value of one SET item of the joined form.
enum SetValue {
    Default,
    Expr(Box<ast::Expr>),
    /// Column `k` of `(a, b, ...) = ROW(rel.*)`: `rel.*` is projected once (at `k == 0`) and
    /// its columns feed the targets in order.
    /// `at`: where `ROW` is, for the error when `rel` has another number of columns.
    Spread(ast::ObjectName, usize, Option<u32>),
}

/// One SET item of the joined form: a column and its value.
type SetItem<'a> = (&'a ast::ObjectName, SetValue);

/// `ROW(rel.*)`'s `rel`, if `value` is exactly that.
fn row_of_star(value: &ast::Expr) -> Option<&ast::ObjectName> {
    let ast::Expr::Function(f) = value else {
        return None;
    };
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match (super::dml::object_is_row(&f.name), list.args.as_slice()) {
        (true, [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::QualifiedWildcard(rel))]) => {
            Some(rel)
        }
        _ => None,
    }
}

impl Binder<'_> {
    /// Binds the joined form. `relation` is the target as written (with its alias), `from` the
    /// other FROM/USING items, `sets` the SET list (empty for DELETE).
    pub(super) fn joined_source(
        &mut self,
        table: &TableDef,
        relation: &ast::TableWithJoins,
        from: &[ast::TableWithJoins],
        selection: Option<&ast::Expr>,
        sets: &[ast::Assignment],
        with: Option<&ast::With>,
    ) -> Result<WriteSource> {
        let items = self.set_items(table, sets)?;
        let range = match &relation.relation {
            ast::TableFactor::Table { alias: Some(a), .. } => ident(&a.name),
            _ => table.name.clone(),
        };
        let mut q = select_skeleton()?;
        q.with = with.cloned();
        let ast::SetExpr::Select(sel) = q.body.as_mut() else {
            return Err(SqlError::Internal("skeleton is not a SELECT (bug)".into()));
        };
        sel.projection = vec![ast::SelectItem::QualifiedWildcard(
            ast::SelectItemQualifiedWildcardKind::ObjectName(ast::ObjectName::from(vec![
                ast::Ident::new(range),
            ])),
            ast::WildcardAdditionalOptions::default(),
        )];
        for (_, value) in &items {
            match value {
                SetValue::Expr(v) => sel
                    .projection
                    .push(ast::SelectItem::UnnamedExpr((**v).clone())),
                SetValue::Spread(rel, 0, _) => {
                    sel.projection.push(ast::SelectItem::QualifiedWildcard(
                        ast::SelectItemQualifiedWildcardKind::ObjectName(rel.clone()),
                        ast::WildcardAdditionalOptions::default(),
                    ))
                }
                SetValue::Spread(..) | SetValue::Default => {}
            }
        }
        sel.from = std::iter::once(relation.clone())
            .chain(from.iter().cloned())
            .collect();
        sel.selection = selection.cloned();
        let Statement::Query(query) = self.query(&q)? else {
            return Err(SqlError::Internal(
                "joined write source is not a query (bug)".into(),
            ));
        };
        let n = table.columns.len();
        let spread = items
            .iter()
            .filter(|(_, v)| matches!(v, SetValue::Spread(..)))
            .count();
        let spread_at = items.iter().find_map(|(_, v)| match v {
            SetValue::Spread(_, _, at) => Some(*at),
            _ => None,
        });
        if let Some(at) = spread_at {
            let exprs = items
                .iter()
                .filter(|(_, v)| matches!(v, SetValue::Expr(_)))
                .count();
            if query.columns.len() != n + exprs + spread {
                return Err(SqlError::Syntax {
                    message: "number of columns does not match number of values".into(),
                    position: at,
                });
            }
        }
        let mut assignments: Vec<(usize, Expr)> = Vec::with_capacity(items.len());
        let mut j = n;
        for (col, value) in items {
            let name = col
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(ident)
                .unwrap_or_default();
            let i =
                table
                    .column_index(&name)
                    .ok_or_else(|| SqlError::UndefinedColumnOfRelation {
                        column: name.clone(),
                        table: table.name.clone(),
                        position: self.position(col),
                    })?;
            if assignments.iter().any(|(c, _)| *c == i) {
                return Err(SqlError::MultipleAssignments(name));
            }
            let column = &table.columns[i];
            let e = match value {
                SetValue::Default => self.column_default(&table.schema, column)?,
                _ if column.identity == Some(crate::catalog::Identity::Always) => {
                    return Err(super::dml::generated_always(column, true));
                }
                SetValue::Expr(v) => {
                    let ty = query.columns[j].1;
                    j += 1;
                    let at = self.position(v.as_ref());
                    self.assign_coerce(Expr::Column(j - 1, ty), column, at)?
                }
                SetValue::Spread(..) => {
                    let ty = query.columns[j].1;
                    j += 1;
                    self.assign_coerce(Expr::Column(j - 1, ty), column, None)?
                }
            };
            assignments.push((i, coerce(e, column.ty, &mut self.params)?));
        }
        Ok(WriteSource { query, assignments })
    }

    /// The SET list as single columns: `(a, b) = (x, y)` and `(a, b) = ROW(x, y)` split, and
    /// `(a, b) = (SELECT x, y ...)` becomes `(SELECT x ...)`, `(SELECT y ...)`.
    fn set_items<'a>(
        &self,
        table: &TableDef,
        sets: &'a [ast::Assignment],
    ) -> Result<Vec<SetItem<'a>>> {
        let mut out = Vec::new();
        for a in sets {
            match &a.target {
                ast::AssignmentTarget::ColumnName(col) => {
                    if let ast::Expr::QualifiedWildcard(..) = &a.value {
                        // `SET a = v.*`: a whole row where a column's value belongs.
                        return Err(SqlError::Hinted {
                            error: Box::new(SqlError::DatatypeMismatchAt {
                                message: format!(
                                    "column \"{}\" is of type {} but expression is of type record",
                                    col.0
                                        .last()
                                        .and_then(|p| p.as_ident())
                                        .map(ident)
                                        .unwrap_or_default(),
                                    col.0
                                        .last()
                                        .and_then(|p| p.as_ident())
                                        .and_then(|c| table.column_index(&ident(c)))
                                        .map_or("unknown", |i| table.columns[i].ty.sql_name()),
                                ),
                                position: self.position(&a.value),
                            }),
                            hint: "You will need to rewrite or cast the expression.",
                            detail: None,
                        });
                    }
                    let v = if super::dml::is_default_keyword(&a.value) {
                        SetValue::Default
                    } else {
                        SetValue::Expr(Box::new(a.value.clone()))
                    };
                    out.push((col, v));
                }
                ast::AssignmentTarget::Tuple(cols) if row_of_star(&a.value).is_some() => {
                    let rel = row_of_star(&a.value)
                        .cloned()
                        .unwrap_or_else(|| unreachable!());
                    let at = self.position(&a.value);
                    for (k, col) in cols.iter().enumerate() {
                        out.push((col, SetValue::Spread(rel.clone(), k, at)));
                    }
                }
                ast::AssignmentTarget::Tuple(cols) => {
                    let values: Vec<ast::Expr> = match &a.value {
                        ast::Expr::Subquery(q) => {
                            split_subquery(q, cols.len())?.ok_or_else(|| SqlError::Syntax {
                                message: "number of columns does not match number of values".into(),
                                position: self.paren_position(&a.value),
                            })?
                        }
                        v => self.row_values(v)?.into_iter().cloned().collect(),
                    };
                    if values.len() != cols.len() {
                        return Err(SqlError::Syntax {
                            message: "number of columns does not match number of values".into(),
                            position: self.paren_position(&a.value),
                        });
                    }
                    for (col, v) in cols.iter().zip(values) {
                        let v = if super::dml::is_default_keyword(&v) {
                            SetValue::Default
                        } else {
                            SetValue::Expr(Box::new(v))
                        };
                        out.push((col, v));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// `(SELECT x, y ...)` as `(SELECT x ...)`, `(SELECT y ...)`; `None` if it does not have `n`
/// plain items. A subquery that is not a plain SELECT (set operation, `*`) is not supported.
pub(super) fn split_subquery(q: &ast::Query, n: usize) -> Result<Option<Vec<ast::Expr>>> {
    let ast::SetExpr::Select(sel) = q.body.as_ref() else {
        return Err(SqlError::FeatureNotSupported(
            "multi-column assignment from this kind of subquery is not supported yet".into(),
        ));
    };
    if sel.projection.iter().any(|p| {
        !matches!(
            p,
            ast::SelectItem::UnnamedExpr(_) | ast::SelectItem::ExprWithAlias { .. }
        )
    }) {
        return Err(SqlError::FeatureNotSupported(
            "multi-column assignment from a subquery with * is not supported yet".into(),
        ));
    }
    if sel.projection.len() != n {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(n);
    for item in &sel.projection {
        let mut one = q.clone();
        if let ast::SetExpr::Select(s) = one.body.as_mut() {
            s.projection = vec![item.clone()];
        }
        out.push(ast::Expr::Subquery(Box::new(one)));
    }
    Ok(Some(out))
}
