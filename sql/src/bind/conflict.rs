//! Binding `INSERT ... ON CONFLICT`, and the conflict action's evaluation (which runs on the shard
//! that owns the conflicting row).
//!
//! # Arbiters
//! The conflict target picks the *arbiter* unique indexes, as PostgreSQL's inference does: `(cols)`
//! names every unique index (the primary key included) whose key columns are exactly that set
//! (repeats allowed, order free); `ON CONSTRAINT name` names the primary key or a UNIQUE constraint;
//! no target (DO NOTHING only) makes every unique index an arbiter. No match is 42P10. Indexes still
//! being built are not arbiters (PostgreSQL ignores invalid indexes too). A uniqueness violation in
//! an index that is not an arbiter stays a 23505.
//!
//! # Rows the action sees
//! DO UPDATE's SET and WHERE are bound over the existing row followed by the proposed one
//! (`EXCLUDED`): columns `0..n` are the target's, `n..2n` EXCLUDED's. Both names are visible
//! unqualified, so a bare column name both have is ambiguous (42702), as in PostgreSQL.
//!
//! # Subqueries
//! DO UPDATE's SET and WHERE may hold subqueries that read neither the existing row nor EXCLUDED
//! (scalar, EXISTS, ARRAY): the session evaluates each once before the rows go to the shards
//! ([`OnConflict::resolve_subqueries`], after gathering their base-table reads, `scans`), as
//! PostgreSQL's InitPlans; unlike PostgreSQL's, they run even when no row conflicts.
//!
//! Left out: inference by expression or by a partial index's predicate (our indexes have neither;
//! a predicate is accepted and ignored, which is right for non-partial indexes), subqueries that
//! read the rows (correlated, or IN/ANY/ALL), and updating primary-key columns (rows would move
//! between shards).

use std::sync::Arc;

use sqlparser::ast;

use super::scope::Scope;
use super::{coerce, fill_params, ident, Binder};
use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::expr::{Expr, Params};
use crate::parse::char_offset;
use crate::plan::SubLinkKind;
use crate::types::{DataType, Value};

/// A bound ON CONFLICT clause.
#[derive(Debug, Clone, PartialEq)]
pub struct OnConflict {
    /// The primary key is an arbiter: the row's own shard decides the conflict in one request.
    pub pk_arbiter: bool,
    /// Ids of the secondary unique indexes that are arbiters (their entries live on the shard of
    /// their key, see ARCHITECTURE.md).
    pub index_arbiters: Vec<u64>,
    /// A conflict target was given (without one, every unique index is an arbiter).
    pub has_target: bool,
    pub action: ConflictAction,
    /// The base-table reads of the action's subqueries (`Rel::Scan` order); see the module docs.
    pub scans: crate::plan::Scans,
}

/// What to do with a proposed row that conflicts with an existing one.
#[derive(Debug, Clone, PartialEq)]
pub enum ConflictAction {
    Nothing,
    /// `(column, expression)` over existing ++ EXCLUDED, and the optional WHERE over the same.
    Update {
        assignments: Vec<(usize, Expr)>,
        filter: Option<Expr>,
    },
}

impl OnConflict {
    /// DO UPDATE's new version of `existing` for the proposed row `excluded`; `None` for DO NOTHING
    /// or when the WHERE clause is not true. The new row is coerced and checked (NOT NULL, CHECK);
    /// changing the primary key is refused (the row might move to another shard).
    pub fn updated_row(
        &self,
        table: &TableDef,
        existing: &[Value],
        excluded: &[Value],
        params: &Params,
    ) -> Result<Option<Vec<Value>>> {
        let ConflictAction::Update {
            assignments,
            filter,
        } = &self.action
        else {
            return Ok(None);
        };
        let mut both = Vec::with_capacity(existing.len() * 2);
        both.extend_from_slice(existing);
        both.extend_from_slice(excluded);
        if let Some(f) = filter {
            if f.eval_row(&both, params)? != Value::Bool(true) {
                return Ok(None);
            }
        }
        let mut new = existing.to_vec();
        for (col, e) in assignments {
            new[*col] = e.eval_row(&both, params)?;
        }
        if let Some(pk) = &table.primary_key {
            if pk.iter().any(|&c| new[c] != existing[c]) {
                return Err(SqlError::FeatureNotSupported(
                    "updating primary-key columns in ON CONFLICT DO UPDATE is not supported yet"
                        .into(),
                ));
            }
        }
        let new = table.coerce_row(new)?;
        table.check_not_null_ctx(&new, params.ctx())?;
        table.check_constraints(&new, params)?;
        Ok(Some(new))
    }

    pub fn is_update(&self) -> bool {
        matches!(self.action, ConflictAction::Update { .. })
    }

    /// Whether the action holds subqueries (to resolve before the rows go to the shards).
    pub fn has_subqueries(&self) -> bool {
        let mut found = !self.scans.is_empty();
        if let ConflictAction::Update {
            assignments,
            filter,
        } = &self.action
        {
            let mut exprs: Vec<Expr> = assignments.iter().map(|a| a.1.clone()).collect();
            exprs.extend(filter.clone());
            for e in &mut exprs {
                let _ = for_sublinks(e, &mut |_| {
                    found = true;
                    Ok(None)
                });
            }
        }
        found
    }

    /// The clause with each subquery replaced by its value; `inputs` are the rows of `scans`.
    pub fn resolve_subqueries(
        &self,
        inputs: Vec<Vec<Vec<Value>>>,
        params: &Params,
    ) -> Result<OnConflict> {
        let mut out = OnConflict {
            scans: Vec::new(),
            ..self.clone()
        };
        if let ConflictAction::Update {
            assignments,
            filter,
        } = &mut out.action
        {
            crate::exec::env::with_inputs(inputs, || {
                let exprs = assignments.iter_mut().map(|a| &mut a.1);
                for e in exprs.chain(filter.iter_mut()) {
                    for_sublinks(e, &mut |x| {
                        let ty = x.data_type();
                        Ok(Some(Expr::Const(x.eval_row(&[], params)?, ty)))
                    })?;
                }
                Ok::<(), SqlError>(())
            })?;
        }
        Ok(out)
    }

    fn fill_params(self, types: &[DataType]) -> OnConflict {
        let action = match self.action {
            ConflictAction::Nothing => ConflictAction::Nothing,
            ConflictAction::Update {
                assignments,
                filter,
            } => ConflictAction::Update {
                assignments: assignments
                    .into_iter()
                    .map(|(c, e)| (c, fill_params(e, types)))
                    .collect(),
                filter: filter.map(|f| fill_params(f, types)),
            },
        };
        OnConflict { action, ..self }
    }
}

/// Calls `f` on each outermost subquery expression of `e`, replacing it with what `f` returns.
fn for_sublinks(e: &mut Expr, f: &mut dyn FnMut(&Expr) -> Result<Option<Expr>>) -> Result<()> {
    match e {
        Expr::SubLink(_) => {
            if let Some(new) = f(e)? {
                *e = new;
            }
            Ok(())
        }
        Expr::Const(..) | Expr::Param(..) | Expr::Column(..) | Expr::Outer { .. } => Ok(()),
        Expr::Cast(inner, _) | Expr::Neg(inner) | Expr::Not(inner) => for_sublinks(inner, f),
        Expr::IsNull { expr, .. } => for_sublinks(expr, f),
        Expr::Binary { left, right, .. } => {
            for_sublinks(left, f)?;
            for_sublinks(right, f)
        }
        Expr::Call { args, .. } | Expr::Node { args, .. } => {
            args.iter_mut().try_for_each(|a| for_sublinks(a, f))
        }
    }
}

/// Fills the parameter types into a bound clause (once the statement's types are known).
pub(super) fn finish(oc: Option<OnConflict>, types: &[DataType]) -> Option<Arc<OnConflict>> {
    oc.map(|oc| Arc::new(oc.fill_params(types)))
}

impl Binder<'_> {
    /// [`Binder::on_conflict`] with the CTEs of the INSERT's WITH visible (its subqueries may
    /// read them, as PostgreSQL's do).
    pub(super) fn on_conflict_in(
        &mut self,
        table: &Arc<TableDef>,
        alias: Option<&str>,
        on: &ast::OnInsert,
        with: Option<&ast::With>,
    ) -> Result<OnConflict> {
        let saved = self.ctes.len();
        let r = (self.push_ctes(with))
            .and_then(|writes| self.bind_writes(&writes))
            .and_then(|()| self.on_conflict(table, alias, on));
        self.ctes.truncate(saved);
        r
    }

    /// Binds `ON CONFLICT ...` of an INSERT into `table` (whose range is called `alias` or its
    /// name).
    pub(super) fn on_conflict(
        &mut self,
        table: &Arc<TableDef>,
        alias: Option<&str>,
        on: &ast::OnInsert,
    ) -> Result<OnConflict> {
        let scans_before = self.scans.len();
        let ast::OnInsert::OnConflict(oc) = on else {
            return Err(SqlError::FeatureNotSupported(
                "ON DUPLICATE KEY UPDATE is not supported".into(),
            ));
        };
        if table.partition_by.is_some() || table.partition_of.is_some() {
            return Err(SqlError::FeatureNotSupported(
                "INSERT ... ON CONFLICT on a partitioned table or a partition is not supported yet"
                    .into(),
            ));
        }
        let usable = |ix: &&crate::index::IndexDef| ix.unique && !ix.building;
        let (pk_arbiter, index_arbiters) = match &oc.conflict_target {
            None => {
                if let ast::OnConflictAction::DoUpdate(_) = &oc.action {
                    return Err(SqlError::ConflictNeedsTarget.at(self.conflict_position()));
                }
                let ids = table.indexes.iter().filter(usable).map(|i| i.id).collect();
                (table.primary_key.is_some(), ids)
            }
            Some(ast::ConflictTarget::Columns { columns, .. }) => {
                let mut set = Vec::new();
                for c in columns {
                    let name = ident(c);
                    let i = table
                        .column_index(&name)
                        .ok_or_else(|| SqlError::UndefinedColumn {
                            name: name.clone(),
                            position: char_offset(
                                self.source,
                                c.span.start.line,
                                c.span.start.column,
                            )
                            .map(|o| o as u32 + 1),
                        })?;
                    if !set.contains(&i) {
                        set.push(i);
                    }
                }
                // The same set of columns (PostgreSQL allows repeats and any order).
                let same = |cols: &[usize]| {
                    cols.iter().all(|c| set.contains(c)) && set.iter().all(|c| cols.contains(c))
                };
                let pk = table.primary_key.as_deref().is_some_and(same);
                let ids = (table.indexes.iter().filter(usable))
                    .filter(|ix| same(&ix.columns))
                    .map(|ix| ix.id)
                    .collect();
                (pk, ids)
            }
            Some(ast::ConflictTarget::OnConstraint(name)) => {
                let name = name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .map(ident)
                    .unwrap_or_default();
                if table.primary_key.is_some() && name == table.pkey_name() {
                    (true, Vec::new())
                } else if let Some(ix) = table
                    .indexes
                    .iter()
                    .find(|ix| ix.name == name && ix.constraint)
                {
                    if !usable(&ix) {
                        return Err(SqlError::NoConflictArbiter);
                    }
                    (false, vec![ix.id])
                } else {
                    return Err(SqlError::UndefinedObject(format!(
                        "constraint \"{name}\" for table \"{}\" does not exist",
                        table.name
                    )));
                }
            }
        };
        if !pk_arbiter && index_arbiters.is_empty() && oc.conflict_target.is_some() {
            return Err(SqlError::NoConflictArbiter);
        }
        let action = match &oc.action {
            ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
            ast::OnConflictAction::DoUpdate(u) => self.do_update(table, alias, u)?,
        };
        Ok(OnConflict {
            pk_arbiter,
            index_arbiters,
            has_target: oc.conflict_target.is_some(),
            action,
            // Only DO UPDATE's subqueries read tables, and it starts with no scans pending.
            scans: self.scans.split_off(scans_before),
        })
    }

    /// Where PostgreSQL points for a DO UPDATE without a target: at `ON CONFLICT`.
    fn conflict_position(&self) -> Option<u32> {
        let upper = self.source.to_ascii_uppercase();
        upper
            .find("ON CONFLICT")
            .map(|b| self.source[..b].chars().count() as u32 + 1)
    }

    fn do_update(
        &mut self,
        table: &Arc<TableDef>,
        alias: Option<&str>,
        u: &ast::DoUpdate,
    ) -> Result<ConflictAction> {
        let cols: Vec<(String, DataType)> = (table.columns.iter())
            .map(|c| (c.name.clone(), c.ty))
            .collect();
        let n = cols.len();
        let target = Scope::range(alias.unwrap_or(&table.name), &cols, 0);
        let both = target.concat(Scope::range("excluded", &cols, n))?;
        let saved = (
            self.from.replace(both),
            self.scope.take(),
            self.scope_name.take(),
        );
        // Subqueries are allowed (see the module docs); their reads go into `OnConflict::scans`,
        // so none may be pending from before.
        if !self.scans.is_empty() {
            (self.from, self.scope, self.scope_name) = saved;
            return Err(SqlError::FeatureNotSupported(
                "subqueries in ON CONFLICT DO UPDATE are not supported here yet".into(),
            ));
        }
        let in_query = std::mem::replace(&mut self.in_query, true);
        let bound = self.do_update_items(table, u);
        self.in_query = in_query;
        (self.from, self.scope, self.scope_name) = saved;
        let mut bound = bound?;
        if let ConflictAction::Update {
            assignments,
            filter,
        } = &mut bound
        {
            let exprs = assignments.iter_mut().map(|a| &mut a.1);
            for e in exprs.chain(filter.iter_mut()) {
                for_sublinks(e, &mut |x| {
                    match x {
                    Expr::SubLink(s)
                        if !s.correlated
                            && matches!(
                                s.kind,
                                SubLinkKind::Scalar | SubLinkKind::Exists | SubLinkKind::Array(_)
                            ) =>
                    {
                        Ok(None)
                    }
                    _ => Err(SqlError::FeatureNotSupported(
                        "subqueries that read the rows in ON CONFLICT DO UPDATE are not supported yet"
                            .into(),
                    )),
                }
                })?;
            }
        }
        Ok(bound)
    }

    fn do_update_items(&mut self, table: &TableDef, u: &ast::DoUpdate) -> Result<ConflictAction> {
        let mut assignments = Vec::with_capacity(u.assignments.len());
        for a in &u.assignments {
            match &a.target {
                ast::AssignmentTarget::ColumnName(col) => {
                    self.assign(table, &mut assignments, col, &a.value)?
                }
                ast::AssignmentTarget::Tuple(cols) => {
                    let mismatch = || SqlError::Syntax {
                        message: "number of columns does not match number of values".into(),
                        position: self.paren_position(&a.value),
                    };
                    // `(a, b) = (SELECT x, y ...)`: one scalar subquery per column, as UPDATE's.
                    let values: Vec<ast::Expr> = match &a.value {
                        ast::Expr::Subquery(q) => {
                            super::joined::split_subquery(q, cols.len())?.ok_or_else(mismatch)?
                        }
                        v => self.row_values(v)?.into_iter().cloned().collect(),
                    };
                    if values.len() != cols.len() {
                        return Err(mismatch());
                    }
                    for (col, value) in cols.iter().zip(&values) {
                        self.assign(table, &mut assignments, col, value)?;
                    }
                }
            }
        }
        let filter = match &u.selection {
            None => None,
            Some(w) => {
                let f = self.expr(w)?;
                Some(coerce(f, DataType::Bool, &mut self.params)?)
            }
        };
        Ok(ConflictAction::Update {
            assignments,
            filter,
        })
    }
}
