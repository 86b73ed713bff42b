//! Binding CREATE SCHEMA, DROP SCHEMA and ALTER SCHEMA (see `crate::namespace`).
//!
//! CREATE SCHEMA's elements are checked here (each parses as one statement of the kinds
//! PostgreSQL allows, naming no other schema) and put in PostgreSQL's order (sequences, tables,
//! views, indexes, triggers); the session binds and runs each after the schema exists, with the
//! new schema first in the search path. DROP SCHEMA lists the relations each schema holds: they
//! go with it under CASCADE, and make it fail (2BP01) otherwise.

use std::sync::Arc;

use sqlparser::ast;

use super::{object_name, SessionContext, Statement};
use crate::catalog::{Catalog, TableDef};
use crate::error::{Result, SqlError};
use crate::namespace::{schema_exists, split_qualified, SchemaDef, BUILTIN};
use crate::parse::{RoleSpec, SchemaStmt, Stmt};

/// CREATE SCHEMA or ALTER SCHEMA.
pub(super) fn schema(s: &SchemaStmt, ctx: &dyn SessionContext) -> Result<Statement> {
    let catalog = ctx.catalog();
    let user = || {
        ctx.setting("session_authorization")
            .unwrap_or_else(|| "postgres".into())
    };
    let role = |r: &RoleSpec| match r {
        RoleSpec::Named(n) => n.clone(),
        RoleSpec::Current => user(),
    };
    match s {
        SchemaStmt::Create {
            name,
            owner,
            if_not_exists,
            elements,
        } => {
            let owner = owner.as_ref().map_or_else(user, role);
            // Roles are not modelled: the session's user and the bootstrap superuser exist.
            if owner != user() && owner != "postgres" {
                return Err(SqlError::UndefinedObject(format!(
                    "role \"{owner}\" does not exist"
                )));
            }
            let name = name.clone().unwrap_or_else(|| owner.clone());
            if *if_not_exists && !elements.is_empty() {
                return Err(SqlError::InvalidSchemaDefinition {
                    message: "CREATE SCHEMA IF NOT EXISTS cannot include schema elements".into(),
                    position: Some(elements[0].position),
                });
            }
            let mut ordered = Vec::with_capacity(elements.len());
            for e in elements {
                ordered.push((element_rank(&e.text, &name)?, e.text.clone()));
            }
            ordered.sort_by_key(|(rank, _)| *rank);
            if schema_exists(catalog, &name) && !*if_not_exists {
                return Err(SqlError::DuplicateSchema(name));
            }
            if name.starts_with("pg_") {
                return Err(SqlError::ReservedName {
                    message: format!("unacceptable schema name \"{name}\""),
                    detail: "The prefix \"pg_\" is reserved for system schemas.".into(),
                });
            }
            Ok(Statement::CreateSchema {
                schema: SchemaDef {
                    database: ctx.database(),
                    name,
                    owner,
                },
                if_not_exists: *if_not_exists,
                elements: ordered.into_iter().map(|(_, t)| t).collect(),
            })
        }
        SchemaStmt::Rename { name, to } => {
            if BUILTIN.contains(&name.as_str()) {
                return Err(SqlError::FeatureNotSupported(format!(
                    "renaming schema \"{name}\" is not supported"
                )));
            }
            if !schema_exists(catalog, name) {
                return Err(SqlError::UndefinedSchema(name.clone()));
            }
            if schema_exists(catalog, to) {
                return Err(SqlError::DuplicateSchema(to.clone()));
            }
            if to.starts_with("pg_") {
                return Err(SqlError::ReservedName {
                    message: format!("unacceptable schema name \"{to}\""),
                    detail: "The prefix \"pg_\" is reserved for system schemas.".into(),
                });
            }
            Ok(Statement::RenameSchema {
                name: name.clone(),
                to: to.clone(),
            })
        }
        SchemaStmt::Owner { .. } => Err(SqlError::FeatureNotSupported(
            "ALTER SCHEMA ... OWNER TO is not supported yet".into(),
        )),
    }
}

/// Where an element goes in PostgreSQL's order, after checking that it is a statement CREATE
/// SCHEMA may hold and that it names no other schema (42P15).
fn element_rank(text: &str, schema: &str) -> Result<u8> {
    let parsed = crate::parse::parse(text)?;
    let [one] = parsed.as_slice() else {
        return Err(SqlError::Internal(
            "schema element is not one statement".into(),
        ));
    };
    let Stmt::Sql(stmt) = &one.stmt else {
        return Err(unsupported_element());
    };
    let (rank, target) = match stmt {
        ast::Statement::CreateSequence { name, .. } => (0, name),
        ast::Statement::CreateTable(ct) => (1, &ct.name),
        ast::Statement::CreateView(cv) => (2, &cv.name),
        ast::Statement::CreateIndex(ci) => (3, &ci.table_name),
        ast::Statement::CreateTrigger(ct) => (4, &ct.table_name),
        _ => return Err(unsupported_element()),
    };
    if let (Some(other), _) = split_qualified(&object_name(target)) {
        if other != schema {
            return Err(SqlError::InvalidSchemaDefinition {
                message: format!(
                    "CREATE specifies a schema ({other}) different from the one being created ({schema})"
                ),
                position: None,
            });
        }
    }
    Ok(rank)
}

fn unsupported_element() -> SqlError {
    SqlError::FeatureNotSupported(
        "only CREATE TABLE, VIEW, SEQUENCE, INDEX and TRIGGER are allowed in CREATE SCHEMA".into(),
    )
}

/// DROP SCHEMA [IF EXISTS] a, b [CASCADE | RESTRICT].
pub(super) fn drop_schema(
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
    catalog: &dyn Catalog,
) -> Result<Statement> {
    let mut schemas = Vec::new();
    let mut missing = Vec::new();
    let mut doomed: Vec<Arc<TableDef>> = Vec::new();
    for n in names {
        let name = object_name(n);
        if BUILTIN.contains(&name.as_str()) {
            return Err(if name == "public" {
                SqlError::FeatureNotSupported("dropping schema public is not supported yet".into())
            } else {
                SqlError::DependentObjectsStillExist(format!(
                    "cannot drop schema {name} because it is required by the database system"
                ))
            });
        }
        if !schema_exists(catalog, &name) {
            if !if_exists {
                return Err(SqlError::UndefinedSchema(name));
            }
            missing.push(name);
            continue;
        }
        let mut held: Vec<Arc<TableDef>> = catalog
            .tables()
            .into_iter()
            .filter(|t| t.schema == name)
            .collect();
        held.sort_by_key(|t| t.id);
        if !cascade {
            let listed: Vec<String> = dependents(&held)
                .map(|t| format!("{} depends on schema {name}", describe(t)))
                .collect();
            if !listed.is_empty() {
                return Err(SqlError::SchemaNotEmpty {
                    schema: name,
                    detail: listed.join("\n"),
                });
            }
        }
        doomed.extend(held);
        schemas.push(name);
    }
    let cascaded = dependents(&doomed).map(describe).collect();
    Ok(Statement::DropSchema {
        schemas,
        missing,
        cascaded,
    })
}

/// The relations PostgreSQL names when a schema goes: all but those that go with another
/// (sequences owned by a table).
fn dependents(held: &[Arc<TableDef>]) -> impl Iterator<Item = &TableDef> {
    held.iter()
        .filter(|t| {
            !t.sequence
                .is_some_and(|s| s.owned_by.is_some_and(|o| held.iter().any(|h| h.id == o)))
        })
        .map(|t| &**t)
}

/// `table s.t`, `view s.v`, `sequence s.q`: how PostgreSQL describes a relation in DETAILs.
fn describe(t: &TableDef) -> String {
    let kind = if t.is_view() {
        "view"
    } else if t.sequence.is_some() {
        "sequence"
    } else {
        "table"
    };
    format!("{kind} {}.{}", t.schema, t.name)
}
