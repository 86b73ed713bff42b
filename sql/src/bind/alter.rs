//! ALTER TABLE: ADD/DROP/RENAME COLUMN, RENAME TO, ALTER COLUMN SET/DROP DEFAULT and NOT NULL,
//! ADD PRIMARY KEY, ADD/DROP CHECK constraints, ADD/DROP FOREIGN KEY constraints.
//!
//! The operations of one statement apply in order to a working copy of the definition. What they
//! do to stored rows is summed up in a column mapping ([`ColSource`] per new column): identity
//! means the change is catalog-only; anything else means every row is rewritten (the session reads
//! the rows, maps them and has each shard load its share under the new definition, as ADD PRIMARY
//! KEY does).

use std::sync::Arc;

use sqlparser::ast;

use super::ddl::{column_checks, column_def, column_default, table_name};
use super::{check, ident, Binder, Statement};
use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::types::Value;

/// Where a column of the altered table takes its values from.
#[derive(Debug, Clone, PartialEq)]
pub enum ColSource {
    /// The old row's column at this position.
    Old(usize),
    /// A constant (ADD COLUMN's default, or NULL).
    Const(Value),
}

/// A bound ALTER TABLE.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterPlan {
    pub old: Arc<TableDef>,
    pub new: TableDef,
    /// `Some` when rows must be rewritten: one source per column of `new`.
    pub rewrite: Option<Vec<ColSource>>,
    /// Columns (of `new`) that must hold no NULL (SET NOT NULL, ADD PRIMARY KEY).
    pub check_not_null: Vec<usize>,
    /// Whether the primary key is new: rows move to their key's shard (ADD PRIMARY KEY).
    pub rekey: bool,
    /// CHECK constraints (of `new`) added here, which every existing row must pass.
    pub validate_checks: Vec<String>,
    /// NOTICEs to send (IF [NOT] EXISTS skips).
    pub notices: Vec<String>,
    /// FOREIGN KEYs (of `new`) added here, which every existing row must satisfy.
    pub validate_fks: Vec<String>,
}

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

impl Binder<'_> {
    pub(super) fn alter_table(&mut self, a: &ast::AlterTable) -> Result<Statement> {
        match a.operations.as_slice() {
            [ast::AlterTableOperation::AttachPartitionOf {
                partition,
                for_values,
            }] => return super::partition::attach(self, &a.name, partition, for_values),
            [ast::AlterTableOperation::DetachPartitionOf { partition, .. }] => {
                return super::partition::detach(self, &a.name, partition)
            }
            _ => {}
        }
        let old = match self.table(&a.name) {
            Ok(t) => t,
            Err(SqlError::UndefinedTable { name, .. }) if a.if_exists => {
                return Ok(Statement::Notice(format!(
                    "relation \"{name}\" does not exist, skipping"
                )))
            }
            Err(SqlError::UndefinedTable { name, .. }) => {
                return Err(SqlError::UndefinedTable {
                    name,
                    position: None,
                })
            }
            Err(e) => return Err(e),
        };
        if old.is_view() {
            return unsupported("ALTER TABLE on a view");
        }
        let mut new = (*old).clone();
        let mut sources: Vec<ColSource> = (0..old.columns.len()).map(ColSource::Old).collect();
        let mut plan = AlterPlan {
            old: old.clone(),
            new: TableDef::clone(&old),
            rewrite: None,
            check_not_null: Vec::new(),
            rekey: false,
            validate_checks: Vec::new(),
            notices: Vec::new(),
            validate_fks: Vec::new(),
        };
        let mut pending: Vec<check::PendingCheck<'_>> = Vec::new();
        let missing = |col: &str, t: &TableDef| SqlError::UndefinedColumnOfRelation {
            column: col.to_string(),
            table: t.name.clone(),
            position: None,
        };
        for op in &a.operations {
            use ast::AlterTableOperation as Op;
            match op {
                Op::AddColumn {
                    if_not_exists,
                    column_def: cd,
                    column_position: None,
                    ..
                } => {
                    let (def, is_pk) = column_def(self, cd)?;
                    pending.extend(column_checks(cd));
                    if new.column_index(&def.name).is_some() {
                        let msg = format!(
                            "column \"{}\" of relation \"{}\" already exists",
                            def.name, new.name
                        );
                        if *if_not_exists {
                            plan.notices.push(format!("{msg}, skipping"));
                            continue;
                        }
                        return Err(SqlError::DuplicateColumnOfRelation(msg));
                    }
                    if is_pk {
                        return unsupported("ADD COLUMN ... PRIMARY KEY");
                    }
                    if def.default_expr.is_some() {
                        return unsupported("ADD COLUMN with a non-constant DEFAULT");
                    }
                    if def.not_null && def.default.is_none() {
                        plan.check_not_null.push(new.columns.len());
                    }
                    sources.push(ColSource::Const(def.default.clone().unwrap_or(Value::Null)));
                    new.columns.push(def);
                    for opt in &cd.options {
                        if let ast::ColumnOption::ForeignKey(fk) = &opt.option {
                            let name = opt.name.as_ref().map(ident);
                            let at = Some(new.columns.len() - 1);
                            let taken = constraint_names(&new);
                            let fk = super::fkey::foreign_key(self, &new, fk, name, at, &taken)?;
                            plan.validate_fks.push(fk.name.clone());
                            new.foreign_keys.push(fk);
                        }
                    }
                }
                Op::DropColumn {
                    column_names,
                    if_exists,
                    ..
                } => {
                    for n in column_names {
                        let col = ident(n);
                        let Some(i) = new.column_index(&col) else {
                            if *if_exists {
                                plan.notices.push(format!(
                                    "column \"{col}\" of relation \"{}\" does not exist, skipping",
                                    new.name
                                ));
                                continue;
                            }
                            return Err(missing(&col, &new));
                        };
                        if new.primary_key.as_ref().is_some_and(|pk| pk.contains(&i)) {
                            return unsupported("dropping a primary-key column");
                        }
                        new.columns.remove(i);
                        sources.remove(i);
                        // Indexes on the column go with it (as PostgreSQL drops them).
                        new.indexes.retain(|ix| !ix.columns.contains(&i));
                        for ix in new.indexes.iter_mut() {
                            for c in ix.columns.iter_mut() {
                                if *c > i {
                                    *c -= 1;
                                }
                            }
                        }
                        if let Some(pk) = new.primary_key.as_mut() {
                            for c in pk.iter_mut() {
                                if *c > i {
                                    *c -= 1;
                                }
                            }
                        }
                        plan.check_not_null.retain(|&c| c != i);
                        for c in plan.check_not_null.iter_mut() {
                            if *c > i {
                                *c -= 1;
                            }
                        }
                        // Checks that read the column go with it, as in PostgreSQL.
                        check::rebind_checks(&mut new, None);
                        // So do its foreign keys; other tables' name referenced columns by
                        // position, which must not move.
                        let me = new.clone();
                        new.foreign_keys
                            .retain_mut(|fk| fk.drop_column(i, fk.refers_to(&me, &me)));
                        let others = self.ctx.catalog().tables();
                        let referenced = crate::fkey::referencing(&others, &old);
                        if referenced.iter().any(|(t, k)| {
                            t.id != old.id && t.foreign_keys[*k].ref_columns.iter().any(|&c| c >= i)
                        }) {
                            return unsupported("dropping a column before or in a referenced key");
                        }
                    }
                }
                Op::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    let (from, to) = (ident(old_column_name), ident(new_column_name));
                    let i = new
                        .column_index(&from)
                        .ok_or_else(|| SqlError::UndefinedColumn {
                            name: from.clone(),
                            position: None,
                        })?;
                    if new.column_index(&to).is_some() {
                        return Err(SqlError::DuplicateColumnOfRelation(format!(
                            "column \"{to}\" of relation \"{}\" already exists",
                            new.name
                        )));
                    }
                    new.columns[i].name = to.clone();
                    check::rebind_checks(&mut new, Some((&from, &to)));
                }
                Op::RenameTable { table_name: kind } => {
                    let (ast::RenameTableNameKind::To(n) | ast::RenameTableNameKind::As(n)) = kind;
                    let to = table_name(n)?;
                    let to = super::ddl::bare_name(&to).to_string();
                    let qualified = format!("{}.{to}", new.schema);
                    if to != new.name && self.ctx.catalog().table(&qualified).is_some() {
                        return Err(SqlError::DuplicateTable(to));
                    }
                    new.name = to;
                }
                Op::AlterColumn { column_name, op } => {
                    let col = ident(column_name);
                    let i = new.column_index(&col).ok_or_else(|| missing(&col, &new))?;
                    match op {
                        ast::AlterColumnOperation::SetNotNull => {
                            if !new.columns[i].not_null {
                                new.columns[i].not_null = true;
                                plan.check_not_null.push(i);
                            }
                        }
                        ast::AlterColumnOperation::DropNotNull => {
                            if new.primary_key.as_ref().is_some_and(|pk| pk.contains(&i)) {
                                return Err(SqlError::InvalidTableDefinition(format!(
                                    "column \"{col}\" is in a primary key"
                                )));
                            }
                            new.columns[i].not_null = false;
                        }
                        ast::AlterColumnOperation::SetDefault { value } => {
                            let (ty, typmod) = (new.columns[i].ty, new.columns[i].typmod);
                            (new.columns[i].default, new.columns[i].default_expr) =
                                column_default(self, value, ty, typmod)?;
                        }
                        ast::AlterColumnOperation::DropDefault => {
                            new.columns[i].default = None;
                            new.columns[i].default_expr = None;
                        }
                        _ => return unsupported("this form of ALTER COLUMN"),
                    }
                }
                Op::AddConstraint {
                    constraint: ast::TableConstraint::Check(c),
                    ..
                } => pending.push(check::PendingCheck {
                    name: c.name.as_ref().map(ident),
                    expr: &c.expr,
                }),
                Op::AddConstraint {
                    constraint: ast::TableConstraint::ForeignKey(fk),
                    not_valid,
                } => {
                    let taken = constraint_names(&new);
                    let mut fk = super::fkey::foreign_key(self, &new, fk, None, None, &taken)?;
                    fk.not_valid = *not_valid;
                    if !fk.not_valid {
                        plan.validate_fks.push(fk.name.clone());
                    }
                    new.foreign_keys.push(fk);
                }
                Op::ValidateConstraint { name } => {
                    let n = ident(name);
                    if let Some(fk) = new.foreign_keys.iter_mut().find(|f| f.name == n) {
                        if fk.not_valid {
                            fk.not_valid = false;
                            plan.validate_fks.push(n);
                        }
                    } else if !new.checks.iter().any(|c| c.name == n) {
                        return Err(SqlError::UndefinedObject(format!(
                            "constraint \"{n}\" of relation \"{}\" does not exist",
                            new.name
                        )));
                    }
                }
                Op::AddConstraint {
                    constraint: ast::TableConstraint::Unique(u),
                    ..
                } => {
                    let ix = super::index::unique_constraint(self.ctx.catalog(), &new, u)?;
                    new.indexes.push(ix);
                }
                Op::RenameConstraint { old_name, new_name }
                    if new
                        .index_named(&ident(old_name))
                        .is_some_and(|i| new.indexes[i].constraint) =>
                {
                    super::index::rename_in(
                        self.ctx.catalog(),
                        &mut new,
                        &ident(old_name),
                        ident(new_name),
                    )?;
                }
                Op::DropConstraint {
                    name, if_exists, ..
                } => {
                    let n = ident(name);
                    let before = new.checks.len();
                    new.checks.retain(|c| c.name != n);
                    if new.checks.len() != before {
                        continue;
                    }
                    if let Some(k) = new.foreign_keys.iter().position(|fk| fk.name == n) {
                        new.foreign_keys.remove(k);
                        continue;
                    }
                    match new.index_named(&n) {
                        Some(i) if new.indexes[i].constraint => {
                            new.indexes.remove(i);
                        }
                        _ if new.primary_key.is_some() && n == new.pkey_name() => {
                            return unsupported("dropping a primary key");
                        }
                        _ => {
                            let msg = format!(
                                "constraint \"{n}\" of relation \"{}\" does not exist",
                                new.name
                            );
                            if *if_exists {
                                plan.notices.push(format!("{msg}, skipping"));
                                continue;
                            }
                            return Err(SqlError::UndefinedObject(msg));
                        }
                    }
                }
                Op::AddConstraint { constraint, .. } => {
                    let ast::TableConstraint::PrimaryKey(pk) = constraint else {
                        return unsupported("this form of ALTER TABLE");
                    };
                    if new.primary_key.is_some() {
                        return Err(SqlError::InvalidTableDefinition(format!(
                            "multiple primary keys for table \"{}\" are not allowed",
                            new.name
                        )));
                    }
                    let mut cols = Vec::with_capacity(pk.columns.len());
                    for c in &pk.columns {
                        let ast::Expr::Identifier(id) = &c.column.expr else {
                            return unsupported("primary keys on expressions");
                        };
                        let n = ident(id);
                        let i = new.column_index(&n).ok_or_else(|| missing(&n, &new))?;
                        if cols.contains(&i) {
                            return Err(SqlError::DuplicateColumn(n));
                        }
                        cols.push(i);
                    }
                    for &c in &cols {
                        if !new.columns[c].not_null {
                            new.columns[c].not_null = true;
                            plan.check_not_null.push(c);
                        }
                    }
                    new.primary_key = Some(cols);
                    plan.rekey = true;
                }
                _ => return unsupported("this form of ALTER TABLE"),
            }
        }
        let identity = sources.len() == old.columns.len()
            && sources
                .iter()
                .enumerate()
                .all(|(i, s)| *s == ColSource::Old(i));
        super::partition::realign_after_alter(self, &old, &mut new, &sources)?;
        plan.rewrite = (!identity || plan.rekey).then_some(sources);
        if !pending.is_empty() {
            let before: Vec<String> = new.checks.iter().map(|c| c.name.clone()).collect();
            let taken: Vec<String> = new.primary_key.iter().map(|_| new.pkey_name()).collect();
            new.checks = check::add_checks(self, &new, &pending, &taken, false)?;
            plan.validate_checks = new
                .checks
                .iter()
                .map(|c| c.name.clone())
                .filter(|n| !before.contains(n))
                .collect();
        }
        plan.new = new;
        Ok(Statement::AlterTable(Box::new(plan)))
    }
}

/// The names of `t`'s constraints (a new one must differ from them).
fn constraint_names(t: &TableDef) -> Vec<String> {
    (t.primary_key.iter().map(|_| t.pkey_name()))
        .chain(t.indexes.iter().map(|i| i.name.clone()))
        .chain(t.checks.iter().map(|c| c.name.clone()))
        .chain(t.foreign_keys.iter().map(|f| f.name.clone()))
        .collect()
}
