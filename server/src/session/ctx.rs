//! The binder's view of a session (`Ctx`): its settings, its database, its temporary tables, its
//! uncommitted DDL and the core's catalog replica, resolved along the session's search path.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use pglitedb_sql::types::FormatContext;
use pglitedb_sql::{Catalog, SessionContext};

use super::{Settings, SERVER_VERSION};
use crate::worker::CatalogReplica;

/// The binder's view of the session: its settings and the core's catalog snapshot.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub catalog: Rc<CatalogReplica>,
    /// The session's database: names resolve among its relations only.
    pub database: &'a str,
    /// `now()` for literals such as `'now'::timestamptz`: the transaction's start.
    pub now: i64,
    /// The session's temporary tables, found before the database's (`temp.rs`).
    pub temp: &'a HashMap<String, Arc<pglitedb_sql::TableDef>>,
    /// A schema searched before the search path (CREATE SCHEMA's elements, `schema.rs`).
    pub first_schema: Option<&'a str>,
    /// The effective search path, computed on first use.
    pub path: std::cell::OnceCell<Vec<String>>,
}

impl Ctx<'_> {
    fn path(&self) -> &[String] {
        self.path.get_or_init(|| {
            let user = self
                .settings
                .get("session_authorization")
                .unwrap_or_default();
            let setting = self.settings.get("search_path").unwrap_or_default();
            let mut items: Vec<String> =
                self.first_schema.map(str::to_string).into_iter().collect();
            items.extend(pglitedb_sql::namespace::path_items(setting, user));
            pglitedb_sql::namespace::effective_path(self, &items)
        })
    }
}

impl Catalog for Ctx<'_> {
    fn table(&self, name: &str) -> Option<Arc<pglitedb_sql::TableDef>> {
        pglitedb_sql::namespace::lookup(
            name,
            self.path(),
            |bare| self.temp.get(bare).cloned(),
            |schema, bare| self.catalog.table(self.database, schema, bare),
        )
    }
    fn table_by_id(&self, id: pglitedb_sql::TableId) -> Option<Arc<pglitedb_sql::TableDef>> {
        match self.temp.values().find(|t| t.id == id) {
            Some(t) => Some(t.clone()),
            None => self.catalog.table_by_id(self.database, id),
        }
    }
    fn partitions(&self, parent: pglitedb_sql::TableId) -> Vec<Arc<pglitedb_sql::TableDef>> {
        // A temporary table's partitions are temporary too (the binder refuses mixing).
        let mut temp: Vec<_> = self
            .temp
            .values()
            .filter(|t| t.partition_of.as_ref().is_some_and(|p| p.parent == parent))
            .cloned()
            .collect();
        if temp.is_empty() {
            return self.catalog.partitions(self.database, parent);
        }
        temp.sort_by_key(|t| t.id);
        temp
    }
    fn tables(&self) -> Vec<Arc<pglitedb_sql::TableDef>> {
        self.catalog.tables_of(self.database)
    }
    fn databases(&self) -> Vec<String> {
        self.catalog.database_names()
    }
    fn index_owner(&self, name: &str) -> Option<Arc<pglitedb_sql::TableDef>> {
        pglitedb_sql::namespace::lookup(
            name,
            self.path(),
            |_| None,
            |schema, bare| self.catalog.index_owner(self.database, schema, bare),
        )
    }
    fn schemas(&self) -> Vec<pglitedb_sql::SchemaDef> {
        self.catalog.schemas_of(self.database)
    }
    fn search_path(&self) -> Vec<String> {
        self.path().to_vec()
    }
    fn functions(&self, name: &str) -> Vec<Arc<pglitedb_sql::FunctionDef>> {
        self.catalog.functions_named(self.database, name)
    }
    fn all_functions(&self) -> Vec<Arc<pglitedb_sql::FunctionDef>> {
        self.catalog.functions_of(self.database)
    }
}

impl SessionContext for Ctx<'_> {
    fn setting(&self, name: &str) -> Option<String> {
        self.settings.get(name).map(str::to_string)
    }
    fn catalog(&self) -> &dyn Catalog {
        self
    }
    fn database(&self) -> String {
        self.database.to_string()
    }
    fn all_settings(&self) -> Vec<pglitedb_sql::SettingInfo> {
        self.settings.describe_all()
    }
    fn format_context(&self) -> FormatContext {
        let get = |name: &str| self.settings.get(name).unwrap_or_default().to_string();
        let mut ctx = FormatContext::from_settings(
            &get("datestyle"),
            &get("intervalstyle"),
            &get("timezone"),
            &get("extra_float_digits"),
        )
        .unwrap_or_default();
        ctx.now = self.now;
        ctx
    }
    fn version(&self) -> String {
        format!(
            "PostgreSQL {SERVER_VERSION} (PGLiteDB {}) on x86_64-pc-linux-gnu, compiled by rustc, 64-bit",
            env!("CARGO_PKG_VERSION")
        )
    }
}
