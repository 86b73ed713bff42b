//! The system catalogs: `pg_catalog` and `information_schema` relations as views over the
//! session's catalog replica, so psql's `\d` family and drivers' introspection queries work.
//!
//! # How a system relation is read
//! A FROM item naming one of [`defs::RELS`] (`pg_catalog.pg_class`, or bare `pg_class`:
//! `pg_catalog` is searched first, as in PostgreSQL; `information_schema` relations only when
//! qualified) binds to a `VALUES` row source whose rows [`rows`] builds at bind time from the
//! session's [`crate::Catalog`] (the core's replica): no shard round trip, and filters, joins,
//! ORDER BY and aggregates over it run in the normal query engine. The rows are a snapshot taken
//! when the statement is bound (a prepared statement keeps the catalog it was prepared against).
//!
//! # OIDs (`oids`)
//! Stable and derived, never stored: built-in objects have PostgreSQL 15's OIDs (`pg_catalog` 11,
//! `public` 2200, types' real OIDs, the catalogs' own OIDs); a table with [`TableId`] `n` is
//! `16384 + 8n`, its primary key's index `+1` and constraint `+2` (`+3..+7` are free for other
//! per-table objects); column defaults and CHECK constraints get OIDs above 2^31 (`oids`). A
//! table rewritten by ALTER TABLE gets a new `TableId`, so its OID changes (PostgreSQL's stays).
//!
//! # Catalog functions (`funcs`)
//! Functions that read the catalog (`pg_get_indexdef`, `pg_get_userbyid`, `format_type`, the
//! `regclass`/`regtype` casts, ...) are resolved by the binder into plain expressions: a constant
//! when the argument is constant, else a lookup in a map of the snapshot's objects built at bind
//! time (`funcs::lookup`), so evaluation needs no catalog. `text::regclass` of a value known only
//! at run time (`$1::regclass`) looks the name up in a map of the snapshot's names the same way.
//!
//! # What is not modelled
//! Only what exists is listed: no table row types in `pg_type`, no system columns (`ctid`, ...)
//! in `pg_attribute`, no TOAST tables, only the `heap` and `btree` access methods. Relations for
//! features PGLiteDB lacks (policies, publications, triggers, rules, extended statistics, ...)
//! exist with no rows, so clients' queries that join them work. `pg_attrdef.adbin` holds the
//! default's SQL text rather than a node tree (`pg_get_expr` returns it unchanged), and since
//! defaults are stored as constants already coerced to the column's type, the text is rebuilt
//! from the value (`numeric(10,2) DEFAULT 1.5` prints `1.50`, PostgreSQL prints `1.5`); a CHECK
//! constraint prints its stored text (no `::text` added to literals as PostgreSQL's deparser
//! does). `pg_proc` lists only user-defined functions (`procs.rs`), not built-in ones; columns of types
//! PGLiteDB lacks (`"char"`, `regproc`, `aclitem[]`, ...) use the closest type it has (`defs`).
//!
//! [`TableId`]: crate::catalog::TableId

mod defs;
pub(crate) mod deparse;
pub(crate) mod funcs;
mod indexes;
pub(crate) mod oids;
mod procs;
mod regcast;
mod rows;
mod typeinfo;

use std::sync::Arc;

use crate::bind::SessionContext;
use crate::catalog::TableDef;
use crate::types::DataType;

/// One system relation: where it lives, its OID, kind (`r` table, `v` view) and columns.
#[derive(Debug)]
pub(crate) struct SysRel {
    pub schema: &'static str,
    pub name: &'static str,
    pub oid: u32,
    pub kind: char,
    pub columns: &'static [(&'static str, DataType)],
}

/// Every system relation.
pub(crate) fn all() -> &'static [SysRel] {
    defs::RELS
}

/// The system relation a (case-folded, dot-joined) FROM name denotes, if any.
pub(crate) fn resolve(name: &str) -> Option<&'static SysRel> {
    let (schema, rel) = match name.split_once('.') {
        Some((s, r)) => (s, r),
        None => ("pg_catalog", name),
    };
    defs::RELS
        .iter()
        .find(|r| r.name == rel && r.schema == schema)
}

/// What the system relations are computed from: the session's view of the catalog.
pub(crate) struct Snapshot {
    /// The session's database's tables, by name.
    pub tables: Vec<Arc<TableDef>>,
    pub databases: Vec<String>,
    /// The session's database.
    pub database: String,
    /// The session's user.
    pub user: String,
    /// `lc_collate` (PostgreSQL's `datcollate`); `C` unless the session reports another.
    pub collate: String,
    pub settings: Vec<crate::catalog::SettingInfo>,
    /// The schemas users created in the session's database.
    pub schemas: Vec<crate::namespace::SchemaDef>,
    /// The effective search path (`Catalog::search_path`).
    pub path: Vec<String>,
    /// The database's user-defined functions (`pg_proc`).
    pub functions: Vec<Arc<crate::function::FunctionDef>>,
}

impl Snapshot {
    pub(crate) fn of(ctx: &dyn SessionContext) -> Snapshot {
        let catalog = ctx.catalog();
        let mut tables = catalog.tables();
        tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        Snapshot {
            tables,
            databases: catalog.databases(),
            database: ctx.database(),
            user: ctx
                .setting("session_authorization")
                .unwrap_or_else(|| oids::BOOTSTRAP_USER.to_string()),
            collate: ctx.setting("lc_collate").unwrap_or_else(|| "C".into()),
            settings: ctx.all_settings(),
            schemas: catalog.schemas(),
            path: catalog.search_path(),
            functions: catalog.all_functions(),
        }
    }
}

#[cfg(test)]
mod tests;
