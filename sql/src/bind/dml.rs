//! Binding DML: INSERT ... VALUES, and recognising primary-key point lookups in WHERE clauses.

use sqlparser::ast;

use std::sync::Arc;

use super::{coerce, conflict, fill_params, ident, joined, returning, Binder, Statement};
use crate::catalog::{ColumnDef, TableDef};
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::types::{DataType, Value};

impl Binder<'_> {
    pub(super) fn insert(&mut self, ins: &ast::Insert) -> Result<Statement> {
        let unsupported = |what: &str| {
            Err(SqlError::FeatureNotSupported(format!(
                "{what} is not supported yet"
            )))
        };
        let ast::TableObject::TableName(name) = &ins.table else {
            return unsupported("INSERT into a table function");
        };
        let table = self.base_table(name, "insert into")?;
        let alias = ins.table_alias.as_ref().map(|a| ident(&a.alias));
        let with = ins.source.as_ref().and_then(|s| s.with.as_ref());
        let on_conflict = match &ins.on {
            Some(on) => Some(self.on_conflict_in(&table, alias.as_deref(), on, with)?),
            None => None,
        };
        // Target columns: the list given, or all columns in order.
        let targets: Vec<usize> = if ins.columns.is_empty() {
            (0..table.columns.len()).collect()
        } else {
            let mut t = Vec::with_capacity(ins.columns.len());
            for c in &ins.columns {
                let n =
                    c.0.last()
                        .and_then(|p| p.as_ident())
                        .map(ident)
                        .unwrap_or_default();
                let i =
                    table
                        .column_index(&n)
                        .ok_or_else(|| SqlError::UndefinedColumnOfRelation {
                            column: n.clone(),
                            table: table.name.clone(),
                            position: self.position(c),
                        })?;
                if t.contains(&i) {
                    return Err(SqlError::DuplicateColumn(n));
                }
                t.push(i);
            }
            t
        };
        let Some(source) = &ins.source else {
            // DEFAULT VALUES: one row of defaults.
            let row = (table.columns.iter())
                .map(|c| self.column_default(&table.schema, c))
                .collect::<Result<Vec<_>>>()?;
            let ret = match &ins.returning {
                Some(items) => Some(self.returning_list(&table, alias, items)?),
                None => None,
            };
            let param_types = self.param_types()?;
            let stmt = Statement::Insert {
                table,
                rows: vec![row],
                on_conflict: conflict::finish(on_conflict, &param_types),
                param_types: param_types.clone(),
            };
            return Ok(returning::wrap(stmt, ret, &param_types));
        };
        let values = match source.body.as_ref() {
            // With a WITH clause the VALUES may read its queries: bound as a query.
            ast::SetExpr::Values(values) if source.with.is_none() => Some(values),
            _ => None,
        };
        let Some(values) = values else {
            let ret = match &ins.returning {
                Some(items) => Some(self.returning_list(&table, alias, items)?),
                None => None,
            };
            let mut kept = Vec::with_capacity(targets.len());
            for &col in &targets {
                kept.push(identity_value(
                    &table.columns[col],
                    ins.overriding.as_ref(),
                )?);
            }
            let stmt = self.insert_select(table, &targets, !ins.columns.is_empty(), source)?;
            let mut stmt = match stmt {
                // OVERRIDING USER VALUE: identity columns take their defaults after all.
                Statement::InsertSelect {
                    table,
                    query,
                    mut row,
                    on_conflict: oc,
                } => {
                    for (&col, keep) in targets.iter().zip(kept) {
                        if !keep {
                            row[col] = self.column_default(&table.schema, &table.columns[col])?;
                        }
                    }
                    Statement::InsertSelect {
                        table,
                        query,
                        row,
                        on_conflict: oc,
                    }
                }
                other => other,
            };
            let param_types = match &mut stmt {
                Statement::InsertSelect {
                    query,
                    on_conflict: oc,
                    ..
                } => {
                    *oc = conflict::finish(on_conflict, &query.param_types);
                    query.param_types.clone()
                }
                _ => Vec::new(),
            };
            return Ok(returning::wrap(stmt, ret, &param_types));
        };
        let mut rows = Vec::with_capacity(values.rows.len());
        for row in &values.rows {
            let exprs = &row.content;
            if exprs.len() > targets.len() {
                return Err(SqlError::Syntax {
                    message: "INSERT has more expressions than target columns".into(),
                    position: None,
                });
            }
            // Without a column list, missing trailing values take their columns' defaults.
            if exprs.len() < targets.len() && !ins.columns.is_empty() {
                return Err(SqlError::Syntax {
                    message: "INSERT has more target columns than expressions".into(),
                    position: None,
                });
            }
            let mut full: Vec<Expr> = table
                .columns
                .iter()
                .map(|c| self.column_default(&table.schema, c))
                .collect::<Result<_>>()?;
            for (e, &col) in exprs.iter().zip(&targets) {
                let is_default = is_default_keyword(e)
                    || !identity_value(&table.columns[col], ins.overriding.as_ref())?;
                full[col] = if is_default {
                    self.column_default(&table.schema, &table.columns[col])?
                } else {
                    let bound = self.expr(e)?;
                    // A literal's input error points at the literal, as in PostgreSQL.
                    let at = self.position(e);
                    self.assign_coerce(bound, &table.columns[col], at)?
                };
            }
            rows.push(full);
        }
        let ret = match &ins.returning {
            Some(items) => Some(self.returning_list(&table, alias, items)?),
            None => None,
        };
        let param_types = self.param_types()?;
        let rows = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|e| fill_params(e, &param_types))
                    .collect()
            })
            .collect();
        let stmt = Statement::Insert {
            table,
            rows,
            on_conflict: conflict::finish(on_conflict, &param_types),
            param_types: param_types.clone(),
        };
        Ok(returning::wrap(stmt, ret, &param_types))
    }
}

impl Binder<'_> {
    /// `WITH ... INSERT ...`: the WITH goes onto the INSERT's source query (before any WITH of
    /// its own), which then binds as a query.
    pub(super) fn insert_with(&mut self, ins: &ast::Insert, with: &ast::With) -> Result<Statement> {
        let mut ins = ins.clone();
        let Some(source) = ins.source.as_mut() else {
            // DEFAULT VALUES: nothing reads the WITH queries, but data-modifying ones still run.
            let saved = self.ctes.len();
            let r = (self.push_ctes(Some(with)))
                .and_then(|writes| self.bind_writes(&writes))
                .and_then(|()| self.insert(&ins));
            self.ctes.truncate(saved);
            return r;
        };
        match &mut source.with {
            None => source.with = Some(with.clone()),
            Some(own) => {
                let mut ctes = with.cte_tables.clone();
                ctes.append(&mut own.cte_tables);
                own.cte_tables = ctes;
                own.recursive |= with.recursive;
            }
        }
        self.insert(&ins)
    }

    /// INSERT ... SELECT: the query's columns map onto `targets` in order, cast as INSERT ... VALUES
    /// casts; the other columns take their defaults.
    fn insert_select(
        &mut self,
        table: Arc<TableDef>,
        targets: &[usize],
        explicit_columns: bool,
        source: &ast::Query,
    ) -> Result<Statement> {
        let Statement::Query(query) = self.query(source)? else {
            return Err(SqlError::Internal("INSERT source is not a query".into()));
        };
        let n = query.columns.len();
        if n > targets.len() {
            // PostgreSQL points at the first expression without a column.
            let position = match source.body.as_ref() {
                ast::SetExpr::Select(sel) => match sel.projection.get(targets.len()) {
                    Some(ast::SelectItem::UnnamedExpr(e))
                    | Some(ast::SelectItem::ExprWithAlias { expr: e, .. }) => self.position(e),
                    _ => None,
                },
                _ => None,
            };
            return Err(SqlError::Syntax {
                message: "INSERT has more expressions than target columns".into(),
                position,
            });
        }
        if n < targets.len() && explicit_columns {
            return Err(SqlError::Syntax {
                message: "INSERT has more target columns than expressions".into(),
                position: None,
            });
        }
        let mut row: Vec<Expr> = table
            .columns
            .iter()
            .map(|c| self.column_default(&table.schema, c))
            .collect::<Result<_>>()?;
        for (j, ((_, ty), &col)) in query.columns.iter().zip(targets).enumerate() {
            let column = &table.columns[col];
            // The query has already resolved its untyped literals (and NULLs) to text, which
            // PostgreSQL would coerce to the column instead: text converts at run time.
            row[col] = if *ty == DataType::Text {
                coerce(Expr::Column(j, *ty), column.ty, &mut self.params)?
            } else {
                self.assign_coerce(Expr::Column(j, *ty), column, None)?
            };
        }
        Ok(Statement::InsertSelect {
            table,
            query: Box::new(query),
            row,
            on_conflict: None,
        })
    }
}

/// An UPDATE or DELETE: which rows (filter, and the primary key when the filter fixes it) and, for
/// UPDATE, the new column values computed from the old row.
#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    pub table: Arc<TableDef>,
    pub filter: Option<Expr>,
    pub key: Option<Vec<Expr>>,
    /// `(column, expression over the old row)`; empty for DELETE.
    pub assignments: Vec<(usize, Expr)>,
    pub param_types: Vec<DataType>,
    /// The statement targets a partitioned table and `table` is one of its partitions: an updated
    /// row outside `table`'s bound moves (deleted here, re-inserted through the target) instead of
    /// failing with 23514.
    pub moves: bool,
    /// As `ScanSource::remap`: `table` is a partition whose stored rows have their columns in
    /// another order than the statement's table (whose order `table.columns` then shows).
    pub remap: Option<Vec<usize>>,
    /// RETURNING: shards answer with the affected rows (new rows for UPDATE, old rows for
    /// DELETE) instead of a count.
    pub returning: bool,
    /// UPDATE ... FROM, DELETE ... USING, subqueries: the rows come from a join (`joined.rs`);
    /// `filter`, `key` and `assignments` are then empty and made per row by the session.
    pub source: Option<Arc<joined::WriteSource>>,
    /// The shards answer with each changed row's old and new versions even when the table has
    /// no secondary index: the session enforces foreign keys from them (set by the session when
    /// the statement changes constrained or referenced columns; such an UPDATE also locks its
    /// rows FOR UPDATE rather than FOR NO KEY UPDATE).
    pub changes: bool,
}

impl WritePlan {
    /// Whether a stored row is affected (NULL counts as false, as in WHERE).
    pub fn matches(&self, row: &[Value], params: &crate::expr::Params) -> Result<bool> {
        match &self.filter {
            None => Ok(true),
            Some(f) => Ok(f.eval_row(row, params)? == Value::Bool(true)),
        }
    }

    /// The new row for UPDATE: every assignment is evaluated against the old row, then applied.
    /// Changing a primary-key column is refused (the row might move to another shard).
    pub fn apply(&self, row: &[Value], params: &crate::expr::Params) -> Result<Vec<Value>> {
        let new = self.assign(row, params)?;
        self.check_row(&new, params)?;
        Ok(new)
    }

    /// The new row of `row` (coerced to the column types), before its constraints are checked:
    /// a row that leaves its partition is checked by the partition it moves to, not this one.
    pub fn assign(&self, row: &[Value], params: &crate::expr::Params) -> Result<Vec<Value>> {
        let mut new = row.to_vec();
        for (col, e) in &self.assignments {
            new[*col] = e.eval_row(row, params)?;
        }
        if let Some(pk) = &self.table.primary_key {
            if pk.iter().any(|&c| new[c] != row[c]) {
                return Err(SqlError::FeatureNotSupported(
                    "updating primary-key columns is not supported yet".into(),
                ));
            }
        }
        self.table.coerce_row(new)
    }

    /// NOT NULL and CHECK constraints of the target on a new row.
    pub fn check_row(&self, new: &[Value], params: &crate::expr::Params) -> Result<()> {
        self.table.check_not_null_ctx(new, params.ctx())?;
        self.table.check_constraints(new, params)
    }
}

impl Binder<'_> {
    fn write_target(
        &mut self,
        name: &ast::ObjectName,
        selection: Option<&ast::Expr>,
        verb: &str,
    ) -> Result<(Arc<TableDef>, Option<Expr>)> {
        let table = self.base_table(name, verb)?;
        self.scope = Some(table.clone());
        let filter = match selection {
            None => None,
            Some(w) => {
                let f = self.expr(w)?;
                Some(coerce(f, DataType::Bool, &mut self.params)?)
            }
        };
        Ok((table, filter))
    }

    fn finish_write(
        &mut self,
        table: Arc<TableDef>,
        filter: Option<Expr>,
        assignments: Vec<(usize, Expr)>,
    ) -> Result<WritePlan> {
        self.scope = None;
        self.scope_name = None;
        let param_types = self.param_types()?;
        let filter = filter.map(|f| fill_params(f, &param_types));
        let key = filter
            .as_ref()
            .and_then(|f| super::keys::point_key(f, &table));
        let assignments = assignments
            .into_iter()
            .map(|(c, e)| (c, fill_params(e, &param_types)))
            .collect();
        Ok(WritePlan {
            table,
            filter,
            key,
            assignments,
            param_types,
            moves: false,
            remap: None,
            returning: false,
            source: None,
            changes: false,
        })
    }

    pub(super) fn update(
        &mut self,
        u: &ast::Update,
        with: Option<&ast::With>,
    ) -> Result<Statement> {
        let ast::TableFactor::Table { name, alias, .. } = &u.table.relation else {
            return Err(SqlError::FeatureNotSupported(
                "this form of UPDATE is not supported yet".into(),
            ));
        };
        let joined = u.from.is_some()
            || !u.table.joins.is_empty()
            || with.is_some()
            || u.selection.as_ref().is_some_and(joined::has_subquery)
            || u.assignments.iter().any(|a| joined::has_subquery(&a.value));
        if joined {
            let alias = table_alias(alias.as_ref())?;
            let table = self.base_table(name, "update")?;
            let from = match &u.from {
                Some(ast::UpdateTableFromKind::AfterSet(f))
                | Some(ast::UpdateTableFromKind::BeforeSet(f)) => f.as_slice(),
                None => &[],
            };
            let source = self.joined_source(
                &table,
                &u.table,
                from,
                u.selection.as_ref(),
                &u.assignments,
                with,
            )?;
            return self.joined_write(table, alias, source, u.returning.as_deref(), true);
        }
        let alias = table_alias(alias.as_ref())?;
        self.scope_name = alias.clone();
        let (table, filter) = self.write_target(name, u.selection.as_ref(), "update")?;
        let mut assignments = Vec::with_capacity(u.assignments.len());
        for a in &u.assignments {
            match &a.target {
                ast::AssignmentTarget::ColumnName(col) => {
                    self.assign(&table, &mut assignments, col, &a.value)?
                }
                ast::AssignmentTarget::Tuple(cols) => {
                    let values = self.row_values(&a.value)?;
                    if values.len() != cols.len() {
                        // PostgreSQL points at the opening parenthesis (sqlparser's span of
                        // a tuple starts at its first element).
                        let position = self.paren_position(&a.value);
                        return Err(SqlError::Syntax {
                            message: "number of columns does not match number of values".into(),
                            position,
                        });
                    }
                    for (col, value) in cols.iter().zip(values) {
                        self.assign(&table, &mut assignments, col, value)?;
                    }
                }
            }
        }
        let ret = match &u.returning {
            Some(items) => Some(self.returning_list(&table, alias, items)?),
            None => None,
        };
        let mut plan = self.finish_write(table, filter, assignments)?;
        plan.returning = ret.is_some();
        let param_types = plan.param_types.clone();
        Ok(returning::wrap(
            Statement::Update(Arc::new(plan)),
            ret,
            &param_types,
        ))
    }

    /// Where PostgreSQL points for a parenthesized expression: its opening parenthesis
    /// (sqlparser's span of a tuple or subquery starts inside it).
    pub(super) fn paren_position(&self, e: &ast::Expr) -> Option<u32> {
        self.position(e).map(|p| {
            let before: Vec<char> = self.source.chars().take(p as usize - 1).collect();
            let skipped = before.iter().rev().take_while(|c| c.is_whitespace());
            let back = skipped.count();
            match before.len().checked_sub(back + 1).map(|i| before[i]) {
                Some('(') => p - back as u32 - 1,
                _ => p,
            }
        })
    }

    /// The items of `(a, b)` or `ROW(a, b)` on the right of a multiple-column assignment.
    pub(super) fn row_values<'e>(&self, value: &'e ast::Expr) -> Result<Vec<&'e ast::Expr>> {
        Ok(match value {
            ast::Expr::Tuple(items) => items.iter().collect(),
            ast::Expr::Function(f)
                if object_is_row(&f.name) && matches!(f.args, ast::FunctionArguments::List(_)) =>
            {
                let ast::FunctionArguments::List(list) = &f.args else {
                    return Ok(Vec::new());
                };
                let mut v = Vec::new();
                for arg in &list.args {
                    match arg {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => v.push(e),
                        _ => {
                            return Err(SqlError::FeatureNotSupported(
                                "this ROW argument is not supported yet".into(),
                            ))
                        }
                    }
                }
                v
            }
            ast::Expr::Subquery(_) => {
                return Err(SqlError::FeatureNotSupported(
                    "multi-column assignment from a subquery is not supported yet".into(),
                ))
            }
            other => return Err(SqlError::FeatureNotSupported(
                "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression"
                    .into(),
            )
            .at(self.position(other))),
        })
    }

    /// The write plan of the joined form (`joined.rs`): rows come from `source`, not a filter.
    fn joined_write(
        &mut self,
        table: Arc<TableDef>,
        alias: Option<String>,
        source: joined::WriteSource,
        returning: Option<&[ast::SelectItem]>,
        update: bool,
    ) -> Result<Statement> {
        let ret = match returning {
            Some(items) => Some(self.returning_list(&table, alias, items).map_err(|e| {
                // RETURNING sees the target's row only (module docs of `joined.rs`).
                match e {
                    SqlError::UndefinedTable { .. } | SqlError::MissingFromEntry { .. } => {
                        SqlError::FeatureNotSupported(
                            "RETURNING columns of FROM or USING items is not supported yet".into(),
                        )
                    }
                    e => e,
                }
            })?),
            None => None,
        };
        let mut plan = self.finish_write(table, None, Vec::new())?;
        plan.returning = ret.is_some();
        plan.source = Some(Arc::new(source));
        let param_types = plan.param_types.clone();
        let plan = Arc::new(plan);
        let stmt = if update {
            Statement::Update(plan)
        } else {
            Statement::Delete(plan)
        };
        Ok(returning::wrap(stmt, ret, &param_types))
    }

    /// One `column = value` of UPDATE's SET list.
    pub(super) fn assign(
        &mut self,
        table: &TableDef,
        assignments: &mut Vec<(usize, Expr)>,
        col: &ast::ObjectName,
        value: &ast::Expr,
    ) -> Result<()> {
        let n = col
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident)
            .unwrap_or_default();
        let i = table
            .column_index(&n)
            .ok_or_else(|| SqlError::UndefinedColumnOfRelation {
                column: n.clone(),
                table: table.name.clone(),
                position: self.position(col),
            })?;
        if assignments.iter().any(|(c, _)| *c == i) {
            return Err(SqlError::MultipleAssignments(n));
        }
        let column = &table.columns[i];
        let bound = if is_default_keyword(value) {
            self.column_default(&table.schema, column)?
        } else if column.identity == Some(crate::catalog::Identity::Always) {
            return Err(generated_always(column, true));
        } else {
            let bound = self.expr(value)?;
            self.assign_coerce(bound, column, self.position(value))?
        };
        assignments.push((i, coerce(bound, column.ty, &mut self.params)?));
        Ok(())
    }

    pub(super) fn delete(
        &mut self,
        d: &ast::Delete,
        with: Option<&ast::With>,
    ) -> Result<Statement> {
        let from = match &d.from {
            ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
        };
        if from.len() != 1 {
            return Err(SqlError::FeatureNotSupported(
                "DELETE from several tables is not supported".into(),
            ));
        }
        let ast::TableFactor::Table { name, alias, .. } = &from[0].relation else {
            return Err(SqlError::FeatureNotSupported(
                "this form of DELETE is not supported yet".into(),
            ));
        };
        let joined = d.using.is_some()
            || !from[0].joins.is_empty()
            || with.is_some()
            || d.selection.as_ref().is_some_and(joined::has_subquery);
        if joined {
            let alias = table_alias(alias.as_ref())?;
            let table = self.base_table(name, "delete from")?;
            let using = d.using.as_deref().unwrap_or(&[]);
            let source =
                self.joined_source(&table, &from[0], using, d.selection.as_ref(), &[], with)?;
            return self.joined_write(table, alias, source, d.returning.as_deref(), false);
        }
        let alias = table_alias(alias.as_ref())?;
        self.scope_name = alias.clone();
        let (table, filter) = self.write_target(name, d.selection.as_ref(), "delete from")?;
        let ret = match &d.returning {
            Some(items) => Some(self.returning_list(&table, alias, items)?),
            None => None,
        };
        let mut plan = self.finish_write(table, filter, Vec::new())?;
        plan.returning = ret.is_some();
        let param_types = plan.param_types.clone();
        Ok(returning::wrap(
            Statement::Delete(Arc::new(plan)),
            ret,
            &param_types,
        ))
    }
}

/// The alias of UPDATE's or DELETE's target (column aliases are a syntax error there).
fn table_alias(alias: Option<&ast::TableAlias>) -> Result<Option<String>> {
    match alias {
        None => Ok(None),
        Some(a) if a.columns.is_empty() => Ok(Some(ident(&a.name))),
        Some(_) => Err(SqlError::Syntax {
            message: "syntax error at or near \"(\"".into(),
            position: None,
        }),
    }
}

/// `ROW(...)` (sqlparser reads it as a function call).
pub(super) fn object_is_row(name: &ast::ObjectName) -> bool {
    name.0.len() == 1
        && name.0[0]
            .as_ident()
            .is_some_and(|i| i.value.eq_ignore_ascii_case("row"))
}

/// The `DEFAULT` keyword in a VALUES list or SET clause (sqlparser reads it as an identifier).
/// 428C9 for a value given to a GENERATED ALWAYS identity column (INSERT without OVERRIDING
/// SYSTEM VALUE, or UPDATE).
pub(super) fn generated_always(c: &ColumnDef, update: bool) -> SqlError {
    let detail = format!(
        "Column \"{}\" is an identity column defined as GENERATED ALWAYS.",
        c.name
    );
    if update {
        return SqlError::GeneratedAlways {
            message: format!("column \"{}\" can only be updated to DEFAULT", c.name),
            detail,
            hint: None,
        };
    }
    SqlError::GeneratedAlways {
        message: format!(
            "cannot insert a non-DEFAULT value into column \"{}\"",
            c.name
        ),
        detail,
        hint: Some("Use OVERRIDING SYSTEM VALUE to override."),
    }
}

/// What INSERT does with a value given for column `c`: keep it, refuse it (an ALWAYS identity
/// column without OVERRIDING SYSTEM VALUE), or use the default instead (OVERRIDING USER VALUE on
/// an identity column).
fn identity_value(c: &ColumnDef, overriding: Option<&ast::InsertOverriding>) -> Result<bool> {
    let Some(kind) = c.identity else {
        return Ok(true);
    };
    match overriding {
        Some(ast::InsertOverriding::User) => Ok(false),
        Some(ast::InsertOverriding::System) => Ok(true),
        None if kind == crate::catalog::Identity::Always => Err(generated_always(c, false)),
        None => Ok(true),
    }
}

pub(super) fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

impl Binder<'_> {
    /// A column's DEFAULT as an expression of its type: the constant, NULL, or the stored
    /// non-constant expression bound here (it sees no columns; error positions are dropped, they
    /// would point into the default's text).
    pub(super) fn column_default(&mut self, schema: &str, c: &ColumnDef) -> Result<Expr> {
        let Some(text) = &c.default_expr else {
            return Ok(Expr::Const(c.default.clone().unwrap_or(Value::Null), c.ty));
        };
        let dialect = sqlparser::dialect::PostgreSqlDialect {};
        let e = sqlparser::parser::Parser::new(&dialect)
            .try_with_sql(text)
            .and_then(|mut p| p.parse_expr())
            .map_err(|e| {
                SqlError::Internal(format!("stored default {text:?} does not parse: {e}"))
            })?;
        let source = std::mem::take(&mut self.source);
        let scope = self.scope.take();
        // Names in the stored text (`nextval('t_a_seq')`) are looked for in the table's schema
        // first, where CREATE put them.
        let saved = self.view_schema.replace(schema.to_string());
        let bound = self.expr(&e);
        self.view_schema = saved;
        self.source = source;
        self.scope = scope;
        coerce(bound?, c.ty, &mut self.params)
    }
}
