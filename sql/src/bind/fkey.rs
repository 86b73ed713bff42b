//! FOREIGN KEY declarations: column `REFERENCES t [(c)]`, table constraint `[CONSTRAINT n]
//! FOREIGN KEY (a, b) REFERENCES t [(x, y)] [MATCH FULL|SIMPLE] [ON DELETE/UPDATE action]
//! [[NOT] DEFERRABLE] [INITIALLY DEFERRED|IMMEDIATE]`, in CREATE TABLE and ALTER TABLE ADD.
//!
//! Checked as PostgreSQL checks them (`ATAddForeignKeyConstraint`): the referenced relation is a
//! table, the referenced columns are its primary key (when omitted) or exactly the columns of its
//! primary key or of a unique constraint or index (42830), column counts agree (42830), and each
//! pair of column types has an equality PostgreSQL could use (42804). See `crate::fkey` for what
//! is stored.

use std::sync::Arc;

use sqlparser::ast;

use super::ddl::{bare_name, table_name};
use super::{ident, object_name, Binder};
use crate::catalog::{TableDef, TableId};
use crate::error::{Result, SqlError};
use crate::fkey::{FkAction, ForeignKey};
use crate::types::DataType;

/// A FOREIGN KEY of `table` (as declared so far: its columns, key and indexes) from `c`;
/// `column` is the declaring column for a column constraint (`c.columns` is then empty). `taken`
/// lists the table's constraint names (a generated name avoids them).
pub(super) fn foreign_key(
    b: &Binder<'_>,
    table: &TableDef,
    c: &ast::ForeignKeyConstraint,
    name: Option<String>,
    column: Option<usize>,
    taken: &[String],
) -> Result<ForeignKey> {
    let undefined = |n: &str| SqlError::UndefinedFkColumn(n.to_string());
    let columns: Vec<usize> = match column {
        Some(i) => vec![i],
        None => (c.columns.iter())
            .map(|n| {
                table
                    .column_index(&ident(n))
                    .ok_or_else(|| undefined(&ident(n)))
            })
            .collect::<Result<_>>()?,
    };
    let (parent, self_ref) = referenced(b, table, &c.foreign_table)?;
    if parent.is_view() || parent.sequence.is_some() {
        return Err(SqlError::WrongObjectType {
            message: format!("referenced relation \"{}\" is not a table", parent.name),
            hint: None,
        });
    }
    if table.temp.is_none() && parent.temp.is_some() {
        return Err(SqlError::InvalidTableDefinition(
            "constraints on permanent tables may reference only permanent tables".into(),
        ));
    }
    if table.temp.is_some() && parent.temp.is_none() {
        return Err(SqlError::InvalidTableDefinition(
            "constraints on temporary tables may reference only temporary tables".into(),
        ));
    }
    if table.partition_by.is_some()
        || table.partition_of.is_some()
        || parent.partition_by.is_some()
        || parent.partition_of.is_some()
    {
        return Err(SqlError::FeatureNotSupported(
            "foreign keys on partitioned tables and partitions are not supported yet".into(),
        ));
    }
    let ref_columns: Vec<usize> = if c.referred_columns.is_empty() {
        parent.primary_key.clone().ok_or_else(|| {
            SqlError::UndefinedObject(format!(
                "there is no primary key for referenced table \"{}\"",
                parent.name
            ))
        })?
    } else {
        (c.referred_columns.iter())
            .map(|n| {
                parent
                    .column_index(&ident(n))
                    .ok_or_else(|| undefined(&ident(n)))
            })
            .collect::<Result<_>>()?
    };
    if columns.len() != ref_columns.len() {
        return Err(SqlError::InvalidForeignKey(
            "number of referencing and referenced columns for foreign key disagree".into(),
        ));
    }
    if !c.referred_columns.is_empty() && !is_unique_key(&parent, &ref_columns) {
        return Err(SqlError::InvalidForeignKey(format!(
            "there is no unique constraint matching given keys for referenced table \"{}\"",
            parent.name
        )));
    }
    if matches!(
        c.match_kind,
        Some(ast::ConstraintReferenceMatchKind::Partial)
    ) {
        return Err(SqlError::FeatureNotSupported(
            "MATCH PARTIAL not yet implemented".into(),
        ));
    }
    let name = match name.or_else(|| c.name.as_ref().map(ident)) {
        Some(n) => {
            if taken.contains(&n) {
                return Err(SqlError::DuplicateObject(format!(
                    "constraint \"{n}\" for relation \"{}\" already exists",
                    table.name
                )));
            }
            n
        }
        None => {
            let names: Vec<String> = (columns.iter())
                .map(|&i| table.columns[i].name.clone())
                .collect();
            crate::index::choose_index_name(&table.name, &names, "fkey", |n| {
                taken.iter().any(|t| t == n)
            })
        }
    };
    for (&a, &r) in columns.iter().zip(&ref_columns) {
        let (fk_ty, pk_ty) = (table.columns[a].ty, parent.columns[r].ty);
        if !comparable(fk_ty, pk_ty) {
            return Err(SqlError::ForeignKeyTypes {
                name,
                detail: format!(
                    "Key columns \"{}\" and \"{}\" are of incompatible types: {} and {}.",
                    table.columns[a].name,
                    parent.columns[r].name,
                    fk_ty.sql_name(),
                    pk_ty.sql_name()
                ),
            });
        }
    }
    let (deferrable, initially_deferred) = match &c.characteristics {
        None => (false, false),
        Some(ch) => {
            let deferred = ch.initially == Some(ast::DeferrableInitial::Deferred);
            if deferred && ch.deferrable == Some(false) {
                return Err(SqlError::Syntax {
                    message: "constraint declared INITIALLY DEFERRED must be DEFERRABLE".into(),
                    position: None,
                });
            }
            (ch.deferrable.unwrap_or(deferred), deferred)
        }
    };
    Ok(ForeignKey {
        name,
        columns,
        ref_id: if self_ref { table.id } else { parent.id },
        ref_schema: parent.schema.clone(),
        ref_name: parent.name.clone(),
        ref_columns,
        on_delete: action(c.on_delete),
        on_update: action(c.on_update),
        match_full: matches!(c.match_kind, Some(ast::ConstraintReferenceMatchKind::Full)),
        deferrable,
        initially_deferred,
        not_valid: false,
    })
}

fn action(a: Option<ast::ReferentialAction>) -> FkAction {
    match a {
        None | Some(ast::ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ast::ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

/// The referenced table: `table` itself when the name is its own (CREATE TABLE of a
/// self-referencing table, which the catalog does not list yet; ALTER TABLE's working copy),
/// else the catalog's.
fn referenced(
    b: &Binder<'_>,
    table: &TableDef,
    n: &ast::ObjectName,
) -> Result<(Arc<TableDef>, bool)> {
    let name = table_name(n)?;
    let bare = bare_name(&name);
    let qualified_self = name == format!("{}.{}", table.schema, table.name);
    let found = crate::catalog::resolve(b.ctx.catalog(), &object_name(n));
    let is_self = match &found {
        Some(t) => t.id == table.id && t.id != TableId(0),
        None => bare == table.name && (qualified_self || !name.contains('.')),
    };
    if is_self {
        return Ok((Arc::new(table.clone()), true));
    }
    let t = found.ok_or_else(|| SqlError::UndefinedTable {
        name: bare.to_string(),
        position: None,
    })?;
    Ok((t, false))
}

/// Whether `cols` (as a set) are the primary key or a unique index of `t`.
fn is_unique_key(t: &TableDef, cols: &[usize]) -> bool {
    let same = |key: &[usize]| {
        key.len() == cols.len()
            && key.iter().all(|c| cols.contains(c))
            && cols.iter().all(|c| key.contains(c))
    };
    t.primary_key.as_deref().is_some_and(same)
        || (t.indexes.iter()).any(|ix| ix.unique && !ix.building && same(&ix.columns))
}

/// Whether a referencing column of type `fk` can reference one of type `pk`: both in one
/// family of comparable types (PostgreSQL's btree operator families), or `fk` casting
/// implicitly to `pk`.
fn comparable(fk: DataType, pk: DataType) -> bool {
    use DataType::*;
    let family = |t: DataType| match t {
        Int2 | Int4 | Int8 => 1,
        Float4 | Float8 => 2,
        Text | Varchar | Name => 3,
        Date | Timestamp | Timestamptz => 4,
        _ => 0,
    };
    if fk == pk || (family(fk) != 0 && family(fk) == family(pk)) {
        return true;
    }
    crate::types::cast::can_cast(fk, pk, crate::types::cast::CastContext::Implicit)
}

/// SET CONSTRAINTS: each name must be a constraint of a table in the search path (qualified: in
/// that schema), 42704 otherwise, and deferrable (55000).
pub(super) fn set_constraints(
    s: &crate::parse::SetConstraints,
    ctx: &dyn super::SessionContext,
) -> Result<super::Statement> {
    let Some(names) = &s.names else {
        return Ok(super::Statement::SetConstraints {
            names: None,
            deferred: s.deferred,
        });
    };
    let catalog = ctx.catalog();
    let path = catalog.search_path();
    let tables = catalog.tables();
    let mut out = Vec::new();
    for name in names {
        let (schema, bare) = match name.rsplit_once('.') {
            Some((s, n)) => (Some(s), n),
            None => (None, name.as_str()),
        };
        let found = tables.iter().find_map(|t| {
            let visible = match schema {
                Some(s) => t.schema == s,
                None => path.contains(&t.schema),
            };
            let fk = t.foreign_keys.iter().find(|f| f.name == bare);
            visible.then_some(fk).flatten().map(|f| (t.clone(), f))
        });
        let other = || {
            tables.iter().any(|t| {
                (schema.map_or(path.contains(&t.schema), |s| t.schema == s))
                    && ((t.primary_key.is_some() && t.pkey_name() == bare)
                        || t.indexes.iter().any(|i| i.constraint && i.name == bare)
                        || t.checks.iter().any(|c| c.name == bare))
            })
        };
        let Some((t, fk)) = found else {
            if other() {
                // (Only foreign keys can be deferrable here.)
                return Err(SqlError::ObjectNotInPrerequisiteState(format!(
                    "constraint \"{bare}\" is not deferrable"
                )));
            }
            return Err(SqlError::UndefinedObject(format!(
                "constraint \"{bare}\" does not exist"
            )));
        };
        if !fk.deferrable {
            return Err(SqlError::ObjectNotInPrerequisiteState(format!(
                "constraint \"{bare}\" is not deferrable"
            )));
        }
        out.push((t, fk.name.clone()));
    }
    Ok(super::Statement::SetConstraints {
        names: Some(out),
        deferred: s.deferred,
    })
}
