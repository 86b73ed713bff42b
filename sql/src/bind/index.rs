//! Binding CREATE [UNIQUE] INDEX, DROP INDEX, and UNIQUE constraints (CREATE TABLE and ALTER TABLE
//! ADD/DROP CONSTRAINT build their index definitions here).
//!
//! Only plain btree (or hash) indexes on columns exist: expression and partial indexes, other
//! access methods and NULLS NOT DISTINCT are refused (0A000) rather than built as something else.
//! INCLUDE columns are checked and then left out of the entries: they only serve index-only scans,
//! which we do not have, and never take part in uniqueness.

use std::sync::Arc;

use sqlparser::ast;

use super::ddl::table_name;
use super::{ident, object_name, Binder, Statement};
use crate::catalog::{Catalog, TableDef};
use crate::error::{Result, SqlError};
use crate::index::{choose_index_name, IndexDef};

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

/// Indexes (and so UNIQUE constraints) exist on plain permanent tables only: on a partitioned
/// table PostgreSQL builds one per partition and checks uniqueness per partition, an UPDATE that
/// moves a row between partitions would have to move its entries, and a temporary table's rows
/// stay on one shard that the other shards' catalogs (where entries live) do not know; none of
/// that is built (0A000). Views and sequences cannot have indexes at all (42809).
fn check_indexable(table: &TableDef) -> Result<()> {
    if table.view.is_some() || table.sequence.is_some() {
        return Err(SqlError::WrongObjectType {
            message: format!("cannot create index on relation \"{}\"", table.name),
            hint: None,
        });
    }
    let what = if table.partition_by.is_some() {
        "partitioned tables"
    } else if table.partition_of.is_some() {
        "partitions"
    } else if table.temp.is_some() {
        "temporary tables"
    } else {
        return Ok(());
    };
    Err(SqlError::FeatureNotSupported(format!(
        "indexes on {what} are not supported yet (table \"{}\")",
        table.name
    )))
}

/// Whether `name` is a relation (table or index) of the session's database.
pub(super) fn relation_exists(catalog: &dyn Catalog, name: &str) -> bool {
    catalog.table(name).is_some() || catalog.index_owner(name).is_some()
}

/// The key columns of an index or UNIQUE constraint over `table`, with their DESC flags.
pub(super) fn key_columns(
    table: &TableDef,
    cols: &[ast::IndexColumn],
) -> Result<(Vec<usize>, Vec<bool>)> {
    let mut columns = Vec::with_capacity(cols.len());
    let mut desc = Vec::with_capacity(cols.len());
    for ic in cols {
        let ast::Expr::Identifier(id) = &ic.column.expr else {
            return unsupported("indexes on expressions");
        };
        let n = ident(id);
        let i = table
            .column_index(&n)
            .ok_or_else(|| SqlError::UndefinedColumn {
                name: n.clone(),
                position: None,
            })?;
        if matches!(table.columns[i].ty, crate::types::DataType::Json) {
            return Err(SqlError::UndefinedObject(
                "data type json has no default operator class for access method \"btree\"".into(),
            ));
        }
        if let Some(opclass) = &ic.operator_class {
            check_opclass(&object_name(opclass), table.columns[i].ty)?;
        }
        columns.push(i);
        desc.push(match &ic.column.options.sort {
            None | Some(ast::OrderBySort::Asc) => false,
            Some(ast::OrderBySort::Desc) => true,
            Some(ast::OrderBySort::Using(_)) => return unsupported("USING in index columns"),
        });
    }
    Ok((columns, desc))
}

/// An explicit operator class must be a btree class for the column's type; all of them order and
/// compare as the type's default class does for what we use indexes for (equality and
/// uniqueness), so the entry bytes do not depend on it. `text_pattern_ops` & co. differ from the
/// default only in ordering under a non-C collation, and ours is C.
fn check_opclass(name: &str, ty: crate::types::DataType) -> Result<()> {
    let name = name.strip_prefix("pg_catalog.").unwrap_or(name);
    let accepts: &[&str] = match name {
        "int2_ops" => &["int2"],
        "int4_ops" => &["int4"],
        "int8_ops" => &["int8"],
        "float4_ops" => &["float4"],
        "float8_ops" => &["float8"],
        "numeric_ops" => &["numeric"],
        "oid_ops" => &["oid"],
        "bool_ops" => &["bool"],
        "text_ops" | "text_pattern_ops" | "varchar_ops" | "varchar_pattern_ops" => {
            &["text", "varchar", "name"]
        }
        "bpchar_ops" | "bpchar_pattern_ops" => &["bpchar"],
        "name_ops" => &["name"],
        "bytea_ops" => &["bytea"],
        "date_ops" => &["date"],
        "time_ops" => &["time"],
        "timestamp_ops" => &["timestamp"],
        "timestamptz_ops" => &["timestamptz"],
        "interval_ops" => &["interval"],
        "uuid_ops" => &["uuid"],
        "jsonb_ops" => &["jsonb"],
        _ => {
            return Err(SqlError::UndefinedObject(format!(
                "operator class \"{name}\" does not exist for access method \"btree\""
            )))
        }
    };
    if !accepts.contains(&ty.type_name()) {
        return Err(SqlError::DatatypeMismatch(format!(
            "operator class \"{name}\" does not accept data type {}",
            ty.sql_name()
        )));
    }
    Ok(())
}

/// Checks INCLUDE columns (they exist) and leaves them out (module docs).
fn check_include(table: &TableDef, include: &[ast::Ident]) -> Result<()> {
    for c in include {
        let n = ident(c);
        if table.column_index(&n).is_none() {
            return Err(SqlError::UndefinedColumn {
                name: n,
                position: None,
            });
        }
    }
    Ok(())
}

/// A UNIQUE constraint of `table` (the definition being built: its earlier indexes count as taken
/// names). The constraint's name, else PostgreSQL's `t_a_key`.
pub(super) fn unique_constraint(
    catalog: &dyn Catalog,
    table: &TableDef,
    u: &ast::UniqueConstraint,
) -> Result<IndexDef> {
    if u.index_type
        .as_ref()
        .is_some_and(|t| !matches!(t, ast::IndexType::BTree))
    {
        return unsupported("this index method");
    }
    let (columns, desc) = key_columns(table, &u.columns)?;
    check_include(table, &u.include)?;
    let name = u.name.as_ref().or(u.index_name.as_ref()).map(ident);
    let mut ix = unique_index(catalog, table, name, columns, desc)?;
    ix.nulls_not_distinct = u.nulls_distinct == ast::NullsDistinctOption::NotDistinct;
    Ok(ix)
}

/// The index of a UNIQUE constraint on `columns` named `name` (else `t_a_key`).
pub(super) fn unique_index(
    catalog: &dyn Catalog,
    table: &TableDef,
    name: Option<String>,
    columns: Vec<usize>,
    desc: Vec<bool>,
) -> Result<IndexDef> {
    check_indexable(table)?;
    let name = match name {
        Some(n) => {
            if taken(catalog, table, &n) {
                return Err(SqlError::DuplicateTable(n));
            }
            n
        }
        None => {
            let names: Vec<String> = columns
                .iter()
                .map(|&c| table.columns[c].name.clone())
                .collect();
            choose_index_name(&table.name, &names, "key", |n| taken(catalog, table, n))
        }
    };
    Ok(IndexDef {
        id: 0,
        name,
        columns,
        desc,
        unique: true,
        constraint: true,
        nulls_not_distinct: false,
        building: false,
    })
}

/// Whether an index of `table` may not be named `name`: a relation of that name exists, or it is
/// the table's own name, its primary key's index or one of its indexes.
fn taken(catalog: &dyn Catalog, table: &TableDef, name: &str) -> bool {
    relation_exists(catalog, &format!("{}.{name}", table.schema))
        || name == table.name
        || (table.primary_key.is_some() && name == table.pkey_name())
        || table.index_named(name).is_some()
}

/// CREATE [UNIQUE] INDEX [IF NOT EXISTS] [name] ON t [USING btree] (col [ASC|DESC], ...).
pub(super) fn create_index(ci: &ast::CreateIndex, b: &Binder<'_>) -> Result<Statement> {
    let table = b.table(&ci.table_name)?;
    check_indexable(&table)?;
    if ci.predicate.is_some() {
        return unsupported("partial indexes");
    }
    match &ci.using {
        None | Some(ast::IndexType::BTree) => {}
        Some(ast::IndexType::Hash) if !ci.unique => {}
        Some(ast::IndexType::Hash) => {
            return Err(SqlError::FeatureNotSupported(
                "access method \"hash\" does not support unique indexes".into(),
            ))
        }
        Some(ast::IndexType::Custom(id)) if ident(id) == "btree" => {}
        Some(ast::IndexType::Custom(id)) if ident(id) == "hash" && !ci.unique => {}
        Some(other) => {
            return unsupported(&format!(
                "index access method {}",
                other.to_string().to_lowercase()
            ))
        }
    }
    let (columns, desc) = key_columns(&table, &ci.columns)?;
    check_include(&table, &ci.include)?;
    let catalog = b.ctx.catalog();
    let name = match &ci.name {
        Some(n) => {
            let n = table_name(n)?;
            if taken(catalog, &table, &n) {
                // IF NOT EXISTS: the session says "skipping" (it checks again, as the shards do).
                if !ci.if_not_exists {
                    return Err(SqlError::DuplicateTable(n));
                }
            }
            n
        }
        None => {
            let names: Vec<String> = columns
                .iter()
                .map(|&c| table.columns[c].name.clone())
                .collect();
            choose_index_name(&table.name, &names, "idx", |n| taken(catalog, &table, n))
        }
    };
    Ok(Statement::CreateIndex {
        table,
        index: IndexDef {
            id: 0,
            name,
            columns,
            desc,
            unique: ci.unique,
            constraint: false,
            nulls_not_distinct: ci.nulls_distinct == Some(false),
            building: false,
        },
        if_not_exists: ci.if_not_exists,
    })
}

/// Renames index `from` of `table` (working definition) to `to`, checking the name as CREATE
/// INDEX does.
pub(super) fn rename_in(
    catalog: &dyn Catalog,
    table: &mut TableDef,
    from: &str,
    to: String,
) -> Result<()> {
    let Some(i) = table.index_named(from) else {
        return Err(SqlError::UndefinedTable {
            name: from.to_string(),
            position: None,
        });
    };
    if to != from && taken(catalog, table, &to) {
        return Err(SqlError::DuplicateTable(to));
    }
    table.indexes[i].name = to;
    Ok(())
}

/// ALTER INDEX name RENAME TO new.
pub(super) fn rename_index(
    name: &ast::ObjectName,
    to: &ast::ObjectName,
    catalog: &dyn Catalog,
) -> Result<Statement> {
    let qualified = table_name(name)?;
    let from = super::ddl::bare_name(&qualified).to_string();
    let to = table_name(to)?;
    let Some(old) = catalog.index_owner(&qualified) else {
        if catalog
            .table(&from)
            .is_some_and(|t| t.primary_key.is_some() && t.pkey_name() == from)
            || catalog.table(&from).is_none() && from.ends_with("_pkey")
        {
            return unsupported("renaming a primary key's index");
        }
        return Err(SqlError::UndefinedTable {
            name: object_name(name),
            position: None,
        });
    };
    let mut new = (*old).clone();
    rename_in(catalog, &mut new, &from, to)?;
    Ok(Statement::AlterIndex(Box::new(crate::bind::AlterPlan {
        old: old.clone(),
        new,
        rewrite: None,
        check_not_null: Vec::new(),
        rekey: false,
        notices: Vec::new(),
        validate_checks: Vec::new(),
        validate_fks: Vec::new(),
    })))
}

/// DROP INDEX [IF EXISTS] name [, ...] [CASCADE | RESTRICT].
pub(super) fn drop_index(
    names: &[ast::ObjectName],
    if_exists: bool,
    catalog: &dyn Catalog,
) -> Result<Statement> {
    let mut indexes: Vec<(Arc<TableDef>, String)> = Vec::new();
    let mut missing = Vec::new();
    for n in names {
        let full = object_name(n);
        let qualified = table_name(n)?;
        let name = super::ddl::bare_name(&qualified).to_string();
        match catalog.index_owner(&qualified) {
            Some(t) => {
                let ix = &t.indexes[t.index_named(&name).unwrap_or_default()];
                if ix.constraint {
                    return Err(SqlError::DependentObjectsStillExist(format!(
                        "cannot drop index {name} because constraint {name} on table {} requires it",
                        t.name
                    )));
                }
                indexes.push((t, name));
            }
            None if catalog.table(&qualified).is_some() => {
                return Err(SqlError::WrongObjectType {
                    message: format!("\"{name}\" is not an index"),
                    hint: Some("Use DROP TABLE to remove a table."),
                })
            }
            None if if_exists => {
                super::ddl::check_qualifier(catalog, &qualified)?;
                missing.push(name)
            }
            None => {
                return Err(SqlError::UndefinedObject(format!(
                    "index \"{full}\" does not exist"
                )))
            }
        }
    }
    Ok(Statement::DropIndex { indexes, missing })
}

/// REINDEX: checks what it names as PostgreSQL does (see [`Statement::Reindex`]).
pub(super) fn reindex(
    r: &crate::parse::Reindex,
    ctx: &dyn super::SessionContext,
) -> Result<Statement> {
    use crate::parse::ReindexKind as K;
    let catalog = ctx.catalog();
    let name = r.name.clone().unwrap_or_default();
    let system = name.starts_with("pg_catalog.") || name.starts_with("pg_toast.");
    let bare = name.clone();
    let concurrently_system = || {
        Err(SqlError::FeatureNotSupported(
            "cannot reindex system catalogs concurrently".into(),
        ))
    };
    let mut notice = None;
    let mut rebuild = Vec::new();
    match r.kind {
        K::Index => {
            if let Some(t) = catalog.index_owner(&bare) {
                if t.indexes.iter().any(|ix| ix.name == bare && ix.building) {
                    rebuild.push((t, bare.clone()));
                }
            } else {
                if catalog.table(&bare).is_some() {
                    return Err(SqlError::WrongObjectType {
                        message: format!("\"{bare}\" is not an index"),
                        hint: None,
                    });
                }
                return Err(SqlError::UndefinedTable {
                    name,
                    position: None,
                });
            }
        }
        K::Table => {
            match catalog.table(&bare) {
                Some(t) => {
                    for ix in t.indexes.iter().filter(|ix| ix.building) {
                        rebuild.push((t.clone(), ix.name.clone()));
                    }
                    if t.primary_key.is_none() && t.indexes.is_empty() {
                        let bare = &t.name;
                        notice = Some(if r.concurrently {
                            format!("table \"{bare}\" has no indexes that can be reindexed concurrently")
                        } else {
                            format!("table \"{bare}\" has no indexes to reindex")
                        });
                    }
                }
                None if system && r.concurrently => return concurrently_system(),
                None if catalog.index_owner(&bare).is_some() => {
                    return Err(SqlError::WrongObjectType {
                        message: format!("\"{bare}\" is not a table or materialized view"),
                        hint: None,
                    })
                }
                None => {
                    return Err(SqlError::UndefinedTable {
                        name,
                        position: None,
                    })
                }
            }
        }
        K::Schema => match name.as_str() {
            "pg_catalog" | "pg_toast" if r.concurrently => return concurrently_system(),
            s if crate::namespace::schema_exists(catalog, s) => {}
            _ => return Err(SqlError::UndefinedSchema(name)),
        },
        K::System if r.concurrently => return concurrently_system(),
        K::Database | K::System => {
            if r.name.is_some() && name != ctx.database() {
                return Err(SqlError::FeatureNotSupported(
                    "can only reindex the currently open database".into(),
                ));
            }
        }
    }
    Ok(Statement::Reindex {
        kind: r.kind.keyword(),
        concurrently: r.concurrently,
        notice,
        rebuild,
    })
}
