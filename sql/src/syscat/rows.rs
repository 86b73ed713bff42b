//! The rows of each system relation, computed from a [`Snapshot`]. A row starts with every
//! column at its neutral value (false, 0, NULL) and sets columns by name, so the code below reads
//! like the catalog documentation and cannot put a value in the wrong position silently (an
//! unknown column name is an internal error, which the tests would meet).

use super::deparse::default_expr;
use super::indexes::{self, IndexInfo};
use super::{oids, typeinfo, Snapshot, SysRel};
use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::types::Array;
use crate::types::{typmod, DataType, Value};

mod fkeys;

/// One row under construction.
struct Row {
    rel: &'static SysRel,
    values: Vec<Value>,
    error: Option<String>,
}

impl Row {
    fn new(rel: &'static SysRel) -> Row {
        // information_schema's columns are NULL unless set; pg_catalog's are NOT NULL mostly.
        let neutral = rel.schema == "pg_catalog";
        let values = rel
            .columns
            .iter()
            .map(|(_, t)| match t {
                _ if !neutral => Value::Null,
                DataType::Bool => Value::Bool(false),
                DataType::Oid => Value::Oid(0),
                DataType::Int2 => Value::Int2(0),
                DataType::Int4 => Value::Int4(0),
                DataType::Int8 => Value::Int8(0),
                DataType::Float4 => Value::Float4(0.0),
                _ => Value::Null,
            })
            .collect();
        Row {
            rel,
            values,
            error: None,
        }
    }

    fn set(mut self, column: &str, v: impl Into<V>) -> Row {
        match self.rel.columns.iter().position(|(n, _)| *n == column) {
            Some(i) => self.values[i] = v.into().0,
            None => self.error = Some(format!("{} has no column {column}", self.rel.name)),
        }
        self
    }

    fn done(self, out: &mut Vec<Vec<Value>>) -> Result<()> {
        match self.error {
            Some(e) => Err(SqlError::Internal(e)),
            None => {
                out.push(self.values);
                Ok(())
            }
        }
    }
}

/// A value for [`Row::set`]: `u32` is an OID, `&str`/`String` text, `bool`, `i16`, `i32`.
struct V(Value);

impl From<u32> for V {
    fn from(v: u32) -> V {
        V(Value::Oid(v))
    }
}
impl From<&str> for V {
    fn from(v: &str) -> V {
        V(Value::Text(v.to_string()))
    }
}
impl From<String> for V {
    fn from(v: String) -> V {
        V(Value::Text(v))
    }
}
impl From<bool> for V {
    fn from(v: bool) -> V {
        V(Value::Bool(v))
    }
}
impl From<i16> for V {
    fn from(v: i16) -> V {
        V(Value::Int2(v))
    }
}
impl From<i32> for V {
    fn from(v: i32) -> V {
        V(Value::Int4(v))
    }
}
impl From<Value> for V {
    fn from(v: Value) -> V {
        V(v)
    }
}
impl<T: Into<V>> From<Option<T>> for V {
    fn from(v: Option<T>) -> V {
        v.map_or(V(Value::Null), Into::into)
    }
}

fn int2_array(items: impl IntoIterator<Item = i16>) -> Value {
    let items = items.into_iter().map(Value::Int2).collect();
    Value::Array(Box::new(Array::from_items(DataType::Int2, items)))
}

fn text_array(items: &[String]) -> Value {
    let items = items.iter().map(|s| Value::Text(s.clone())).collect();
    Value::Array(Box::new(Array::from_items(DataType::Text, items)))
}

/// The `pg_constraint` row of a PRIMARY KEY or UNIQUE constraint (`ix.constraint` is `Some`).
fn index_constraint_row(row: Row, t: &TableDef, ix: &IndexInfo) -> Row {
    row.set("oid", ix.constraint)
        .set("conname", ix.name.as_str())
        .set("connamespace", oids::namespace(&t.schema))
        .set("contype", if ix.primary { "p" } else { "u" })
        .set("convalidated", true)
        .set("conrelid", oids::table(t.id))
        .set("conindid", ix.oid)
        .set("confupdtype", " ")
        .set("confdeltype", " ")
        .set("confmatchtype", " ")
        .set("conislocal", true)
        .set("connoinherit", true)
        .set(
            "conkey",
            int2_array(ix.columns.iter().map(|&i| i as i16 + 1)),
        )
}

/// The roles: the bootstrap superuser, `pg_database_owner`, and the session's user.
pub(super) fn roles(snap: &Snapshot) -> Vec<(u32, String, bool)> {
    let mut out = vec![
        (
            oids::BOOTSTRAP_USER_OID,
            oids::BOOTSTRAP_USER.to_string(),
            true,
        ),
        (
            oids::DATABASE_OWNER_OID,
            "pg_database_owner".to_string(),
            false,
        ),
    ];
    if snap.user != oids::BOOTSTRAP_USER && snap.user != "pg_database_owner" {
        out.push((oids::role(&snap.user), snap.user.clone(), true));
    }
    out
}

/// The schemas: the built-in ones, then those users created (by name), each with its owner.
pub(super) fn namespaces(snap: &Snapshot) -> Vec<(u32, String, String)> {
    let mut out: Vec<(u32, String, String)> = crate::namespace::BUILTIN
        .iter()
        .map(|n| {
            let owner = if *n == "public" {
                "pg_database_owner"
            } else {
                oids::BOOTSTRAP_USER
            };
            (oids::namespace(n), n.to_string(), owner.to_string())
        })
        .collect();
    let mut created = snap.schemas.clone();
    created.sort_by(|a, b| a.name.cmp(&b.name));
    for s in created {
        out.push((oids::namespace(&s.name), s.name, s.owner));
    }
    out
}

/// Where a schema comes in the session's search order: `pg_catalog` first, then the temporary
/// schema, then the search path; `None` when it is not searched.
pub(super) fn rank(snap: &Snapshot, schema: &str) -> Option<usize> {
    match schema {
        "pg_catalog" => Some(0),
        crate::namespace::TEMP_SCHEMA => Some(1),
        s => snap.path.iter().position(|p| p == s).map(|i| i + 2),
    }
}

/// The OIDs of the relations a bare name finds (`pg_table_is_visible`): each name's relation in
/// the first searched schema that has one.
pub(super) fn visible(snap: &Snapshot) -> std::collections::HashSet<u32> {
    let mut best: std::collections::HashMap<String, (usize, u32)> = Default::default();
    for c in relations(snap) {
        let Some(r) = rank(snap, c.schema) else {
            continue;
        };
        let e = best.entry(c.name.clone()).or_insert((r, c.oid));
        if r < e.0 {
            *e = (r, c.oid);
        }
    }
    best.into_values().map(|(_, oid)| oid).collect()
}

fn has_indexes(t: &TableDef) -> bool {
    t.primary_key.is_some() || !t.indexes.is_empty()
}

/// What `pg_class` lists about a relation, shared by the views over it.
pub(super) struct Relation<'a> {
    pub oid: u32,
    pub name: String,
    pub schema: &'a str,
    pub kind: &'static str,
    pub table: Option<&'a TableDef>,
    /// `relnatts`: columns (of an index: key columns).
    pub natts: usize,
}

/// Every relation: system relations, then each table followed by its primary key's index.
pub(super) fn relations(snap: &Snapshot) -> Vec<Relation<'_>> {
    let mut out: Vec<Relation<'_>> = super::all()
        .iter()
        .map(|r| Relation {
            oid: r.oid,
            name: r.name.to_string(),
            schema: r.schema,
            kind: if r.kind == 'v' { "v" } else { "r" },
            table: None,
            natts: r.columns.len(),
        })
        .collect();
    for t in &snap.tables {
        let kind = if t.view.is_some() {
            "v"
        } else if t.sequence.is_some() {
            "S"
        } else if t.partition_by.is_some() {
            "p"
        } else {
            "r"
        };
        out.push(Relation {
            oid: oids::table(t.id),
            name: t.name.clone(),
            schema: &t.schema,
            kind,
            table: Some(t),
            natts: t.columns.len(),
        });
        for ix in indexes::of(t) {
            out.push(Relation {
                oid: ix.oid,
                name: ix.name,
                schema: &t.schema,
                kind: "i",
                table: Some(t),
                natts: ix.columns.len(),
            });
        }
    }
    out
}

pub(super) fn rows(rel: &'static SysRel, snap: &Snapshot) -> Result<Vec<Vec<Value>>> {
    let mut out = Vec::new();
    let r = || Row::new(rel);
    match (rel.schema, rel.name) {
        ("pg_catalog", "pg_class") => {
            for c in relations(snap) {
                let (hasindex, am) = match (c.kind, c.table) {
                    ("i", _) => (false, oids::AM_BTREE),
                    ("v" | "S" | "p", _) => (false, 0),
                    (_, t) => (t.is_some_and(has_indexes), oids::AM_HEAP),
                };
                r().set("oid", c.oid)
                    .set("relname", c.name.as_str())
                    .set("relnamespace", oids::namespace(c.schema))
                    .set("relowner", oids::BOOTSTRAP_USER_OID)
                    .set("relam", am)
                    .set(
                        "relfilenode",
                        if matches!(c.kind, "v" | "p") {
                            0
                        } else {
                            c.oid
                        },
                    )
                    .set("reltuples", Value::Float4(-1.0))
                    .set("relhasindex", hasindex)
                    .set(
                        "relhastriggers",
                        // PostgreSQL's foreign keys are triggers on both tables.
                        c.table.is_some_and(|t| {
                            !t.foreign_keys.is_empty()
                                || !crate::fkey::referencing(&snap.tables, t).is_empty()
                        }),
                    )
                    .set("relpersistence", "p")
                    .set("relkind", c.kind)
                    .set("relnatts", c.natts as i16)
                    .set(
                        "relchecks",
                        c.table
                            .filter(|_| c.kind == "r")
                            .map_or(0, |t| t.checks.len() as i16),
                    )
                    .set("relispopulated", true)
                    .set(
                        "relreplident",
                        if c.kind == "r" && c.table.is_some() {
                            "d"
                        } else {
                            "n"
                        },
                    )
                    .set("relfrozenxid", "0")
                    .set("relminmxid", "0")
                    .done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_attribute") => {
            let attr = |relid: u32, num: usize, name: &str, ty: DataType, tm: i32, nn: bool| {
                r().set("attrelid", relid)
                    .set("attname", name)
                    .set("atttypid", ty.oid())
                    .set("attstattarget", -1)
                    .set("attlen", ty.type_size())
                    .set("attnum", num as i16)
                    .set("attndims", i32::from(ty.elem().is_some()))
                    .set("attcacheoff", -1)
                    .set("atttypmod", tm)
                    .set("attbyval", typeinfo::by_val(ty))
                    .set("attalign", typeinfo::align(ty))
                    .set("attstorage", typeinfo::storage(ty))
                    .set("attcompression", "")
                    .set("attnotnull", nn)
                    .set("attidentity", "")
                    .set("attgenerated", "")
                    .set("attislocal", true)
                    .set("attcollation", typeinfo::collation(ty))
            };
            for s in super::all() {
                for (i, (name, ty)) in s.columns.iter().enumerate() {
                    attr(s.oid, i + 1, name, *ty, -1, false).done(&mut out)?;
                }
            }
            for t in &snap.tables {
                for (i, c) in t.columns.iter().enumerate() {
                    attr(
                        oids::table(t.id),
                        i + 1,
                        &c.name,
                        c.ty,
                        c.typmod,
                        c.not_null,
                    )
                    .set("atthasdef", default_expr(c).is_some())
                    .set(
                        "attidentity",
                        match c.identity {
                            Some(crate::catalog::Identity::Always) => "a",
                            Some(crate::catalog::Identity::ByDefault) => "d",
                            None => "",
                        },
                    )
                    .done(&mut out)?;
                }
                for ix in indexes::of(t) {
                    for (k, &i) in ix.columns.iter().enumerate() {
                        let c = &t.columns[i];
                        attr(ix.oid, k + 1, &c.name, c.ty, c.typmod, false)
                            .set("attislocal", true)
                            .done(&mut out)?;
                    }
                }
            }
        }
        ("pg_catalog", "pg_type") => {
            for &ty in DataType::ALL {
                let [input, output, receive, send] = typeinfo::io_functions(ty);
                let [modin, modout] = typeinfo::typmod_functions(ty);
                let unknown = ty == DataType::Unknown;
                r().set("oid", ty.oid())
                    .set("typname", ty.type_name())
                    .set("typnamespace", oids::NS_PG_CATALOG)
                    .set("typowner", oids::BOOTSTRAP_USER_OID)
                    .set("typlen", ty.type_size())
                    .set("typbyval", typeinfo::by_val(ty))
                    .set("typtype", if unknown { "p" } else { "b" })
                    .set("typcategory", typeinfo::category(ty))
                    .set("typispreferred", ty.is_preferred())
                    .set("typisdefined", true)
                    .set("typdelim", ",")
                    .set(
                        "typsubscript",
                        if ty.elem().is_some() {
                            "array_subscript_handler"
                        } else {
                            "-"
                        },
                    )
                    .set("typelem", ty.elem().map_or(0, DataType::oid))
                    .set("typarray", ty.array_of().map_or(0, DataType::oid))
                    .set("typinput", if unknown { "unknownin".into() } else { input })
                    .set(
                        "typoutput",
                        if unknown { "unknownout".into() } else { output },
                    )
                    .set(
                        "typreceive",
                        if unknown {
                            "unknownrecv".into()
                        } else {
                            receive
                        },
                    )
                    .set("typsend", if unknown { "unknownsend".into() } else { send })
                    .set("typmodin", modin)
                    .set("typmodout", modout)
                    .set(
                        "typanalyze",
                        if ty.elem().is_some() {
                            "array_typanalyze"
                        } else {
                            "-"
                        },
                    )
                    .set("typalign", typeinfo::align(ty))
                    .set("typstorage", typeinfo::storage(ty))
                    .set("typtypmod", -1)
                    .set("typcollation", typeinfo::collation(ty))
                    .done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_namespace") => {
            for (oid, name, owner) in namespaces(snap) {
                r().set("oid", oid)
                    .set("nspname", name)
                    .set("nspowner", oids::role(&owner))
                    .done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_index") => {
            for t in &snap.tables {
                for ix in indexes::of(t) {
                    let n = ix.columns.len() as i16;
                    r().set("indexrelid", ix.oid)
                        .set("indrelid", oids::table(t.id))
                        .set("indnatts", n)
                        .set("indnkeyatts", n)
                        .set("indisunique", ix.unique)
                        .set("indnullsnotdistinct", ix.nulls_not_distinct)
                        .set("indisprimary", ix.primary)
                        .set("indimmediate", ix.unique)
                        .set("indisvalid", ix.valid)
                        .set("indisready", true)
                        .set("indislive", true)
                        .set(
                            "indkey",
                            int2_array(ix.columns.iter().map(|&i| i as i16 + 1)),
                        )
                        .done(&mut out)?;
                }
            }
        }
        ("pg_catalog", "pg_constraint") => {
            for t in &snap.tables {
                for (k, c) in t.checks.iter().enumerate() {
                    r().set("oid", oids::check_constraint(t.id, k))
                        .set("conname", c.name.as_str())
                        .set("connamespace", oids::namespace(&t.schema))
                        .set("contype", "c")
                        .set("convalidated", true)
                        .set("conrelid", oids::table(t.id))
                        .set("confupdtype", " ")
                        .set("confdeltype", " ")
                        .set("confmatchtype", " ")
                        .set("conislocal", true)
                        .set("conbin", c.source.as_str())
                        .done(&mut out)?;
                }
                for ix in indexes::of(t).iter().filter(|ix| ix.constraint.is_some()) {
                    index_constraint_row(r(), t, ix).done(&mut out)?;
                }
                for (k, fk) in t.foreign_keys.iter().enumerate() {
                    fkeys::constraint_row(r(), t, k, fk, &snap.tables).done(&mut out)?;
                }
            }
        }
        ("pg_catalog", "pg_attrdef") => {
            for t in &snap.tables {
                for (i, c) in t.columns.iter().enumerate() {
                    let Some(expr) = default_expr(c) else {
                        continue;
                    };
                    r().set("oid", oids::attrdef(t.id, i + 1))
                        .set("adrelid", oids::table(t.id))
                        .set("adnum", i as i16 + 1)
                        .set("adbin", expr)
                        .done(&mut out)?;
                }
            }
        }
        ("pg_catalog", "pg_database") => {
            for name in &snap.databases {
                let template = name == "template0" || name == "template1";
                let acl = template.then(|| {
                    let u = oids::BOOTSTRAP_USER;
                    text_array(&[format!("=c/{u}"), format!("{u}=CTc/{u}")])
                });
                r().set("oid", oids::database(name))
                    .set("datname", name.as_str())
                    .set("datdba", oids::BOOTSTRAP_USER_OID)
                    .set("encoding", 6)
                    .set("datlocprovider", "c")
                    .set("datistemplate", template)
                    .set("datallowconn", name != "template0")
                    .set("datconnlimit", -1)
                    .set("datfrozenxid", "0")
                    .set("datminmxid", "1")
                    .set("dattablespace", oids::TABLESPACE_DEFAULT)
                    .set("datcollate", snap.collate.as_str())
                    .set("datctype", snap.collate.as_str())
                    .set("datacl", acl)
                    .done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_am") => {
            for (oid, name, handler, kind) in [
                (oids::AM_HEAP, "heap", "heap_tableam_handler", "t"),
                (oids::AM_BTREE, "btree", "bthandler", "i"),
            ] {
                r().set("oid", oid)
                    .set("amname", name)
                    .set("amhandler", handler)
                    .set("amtype", kind)
                    .done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_tablespace") => {
            for (oid, name) in [
                (oids::TABLESPACE_DEFAULT, "pg_default"),
                (oids::TABLESPACE_GLOBAL, "pg_global"),
            ] {
                r().set("oid", oid)
                    .set("spcname", name)
                    .set("spcowner", oids::BOOTSTRAP_USER_OID)
                    .done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_collation") => {
            for (oid, name, provider, locale) in [
                (oids::COLLATION_DEFAULT, "default", "d", None),
                (oids::COLLATION_C, "C", "c", Some("C")),
                (oids::COLLATION_POSIX, "POSIX", "c", Some("POSIX")),
            ] {
                r().set("oid", oid)
                    .set("collname", name)
                    .set("collnamespace", oids::NS_PG_CATALOG)
                    .set("collowner", oids::BOOTSTRAP_USER_OID)
                    .set("collprovider", provider)
                    .set("collisdeterministic", true)
                    .set("collencoding", -1)
                    .set("collcollate", locale)
                    .set("collctype", locale)
                    .done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_roles") | ("pg_catalog", "pg_user") => {
            for (oid, name, login) in roles(snap) {
                let row = if rel.name == "pg_roles" {
                    r().set("rolname", name)
                        .set("rolsuper", login)
                        .set("rolinherit", true)
                        .set("rolcreaterole", login)
                        .set("rolcreatedb", login)
                        .set("rolcanlogin", login)
                        .set("rolreplication", login)
                        .set("rolconnlimit", -1)
                        .set("rolpassword", "********")
                        .set("rolbypassrls", login)
                        .set("oid", oid)
                } else if login {
                    r().set("usename", name)
                        .set("usesysid", oid)
                        .set("usecreatedb", true)
                        .set("usesuper", true)
                        .set("userepl", true)
                        .set("usebypassrls", true)
                        .set("passwd", "********")
                } else {
                    continue;
                };
                row.done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_tables") => {
            for c in relations(snap) {
                if c.kind != "r" {
                    continue;
                }
                r().set("schemaname", c.schema)
                    .set("tablename", c.name.as_str())
                    .set("tableowner", oids::BOOTSTRAP_USER)
                    .set("hasindexes", c.table.is_some_and(has_indexes))
                    .done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_indexes") => {
            for t in &snap.tables {
                for ix in indexes::of(t) {
                    r().set("schemaname", t.schema.as_str())
                        .set("tablename", t.name.as_str())
                        .set("indexname", ix.name.as_str())
                        .set("indexdef", ix.indexdef(t))
                        .done(&mut out)?;
                }
            }
        }
        ("information_schema", "schemata") => {
            for (_, name, owner) in namespaces(snap) {
                r().set("catalog_name", snap.database.as_str())
                    .set("schema_name", name)
                    .set("schema_owner", owner)
                    .done(&mut out)?;
            }
        }
        ("information_schema", "tables") => {
            for c in relations(snap) {
                let kind = match c.kind {
                    "r" => "BASE TABLE",
                    "v" => "VIEW",
                    _ => continue,
                };
                r().set("table_catalog", snap.database.as_str())
                    .set("table_schema", c.schema)
                    .set("table_name", c.name.as_str())
                    .set("table_type", kind)
                    .set(
                        "is_insertable_into",
                        if kind == "VIEW" { "NO" } else { "YES" },
                    )
                    .set("is_typed", "NO")
                    .done(&mut out)?;
            }
        }
        ("information_schema", "columns") => information_schema_columns(rel, snap, &mut out)?,
        ("pg_catalog", "pg_settings") => {
            for g in &snap.settings {
                r().set("name", g.name.as_str())
                    .set("setting", g.setting.as_str())
                    .set("unit", g.unit)
                    .set("short_desc", g.short_desc.as_str())
                    .set("context", g.context)
                    .set("vartype", g.vartype)
                    .set("source", g.source)
                    .set("min_val", g.min_val.clone())
                    .set("max_val", g.max_val.clone())
                    .set("enumvals", g.enumvals.as_deref().map(text_array))
                    .set("boot_val", g.boot_val.as_str())
                    .set("reset_val", g.reset_val.as_str())
                    .done(&mut out)?;
            }
        }
        ("pg_catalog", "pg_proc") => return super::procs::rows(rel, snap),
        // PostgreSQL 15's four languages (only sql functions can be created).
        ("pg_catalog", "pg_language") => {
            for (oid, name, pl, trusted) in [
                (12, "internal", false, false),
                (13, "c", false, false),
                (14, "sql", false, true),
                (13563, "plpgsql", true, true),
            ] {
                r().set("oid", oid as u32)
                    .set("lanname", name)
                    .set("lanowner", oids::BOOTSTRAP_USER_OID)
                    .set("lanispl", pl)
                    .set("lanpltrusted", trusted)
                    .done(&mut out)?;
            }
        }
        // Relations of features PGLiteDB does not have: no rows.
        _ => {}
    }
    Ok(out)
}

/// `information_schema.columns` for the tables (the system relations' columns are left out,
/// as they are for a non-superuser in PostgreSQL... and because their types are approximations).
fn information_schema_columns(
    rel: &'static SysRel,
    snap: &Snapshot,
    out: &mut Vec<Vec<Value>>,
) -> Result<()> {
    for t in &snap.tables {
        for (i, c) in t.columns.iter().enumerate() {
            let data_type = if c.ty.elem().is_some() {
                "ARRAY".to_string()
            } else {
                typmod::format_type(c.ty, -1)
            };
            let data_type = if data_type == "bpchar" {
                "character".to_string()
            } else {
                data_type
            };
            let char_len = match c.ty {
                DataType::Varchar | DataType::Bpchar => typmod::char_length(c.typmod),
                _ => None,
            };
            let octet_len = match c.ty {
                DataType::Varchar | DataType::Bpchar | DataType::Text => {
                    Some(char_len.map_or(1_073_741_824, |n| n as i32 * 4))
                }
                _ => None,
            };
            let (precision, radix, scale) = match c.ty {
                DataType::Int2 => (Some(16), Some(2), Some(0)),
                DataType::Int4 => (Some(32), Some(2), Some(0)),
                DataType::Int8 => (Some(64), Some(2), Some(0)),
                DataType::Float4 => (Some(24), Some(2), None),
                DataType::Float8 => (Some(53), Some(2), None),
                DataType::Numeric => match typmod::numeric_precision_scale(c.typmod) {
                    Some((p, s)) => (Some(p), Some(10), Some(s)),
                    None => (None, Some(10), None),
                },
                _ => (None, None, None),
            };
            let datetime = match c.ty {
                DataType::Date => Some(0),
                DataType::Time | DataType::Timestamp | DataType::Timestamptz => {
                    Some(typmod::time_precision(c.ty, c.typmod).unwrap_or(6) as i32)
                }
                DataType::Interval => Some(6),
                _ => None,
            };
            Row::new(rel)
                .set("table_catalog", snap.database.as_str())
                .set("table_schema", t.schema.as_str())
                .set("table_name", t.name.as_str())
                .set("column_name", c.name.as_str())
                .set("ordinal_position", i as i32 + 1)
                .set("column_default", default_expr(c))
                .set("is_nullable", if c.not_null { "NO" } else { "YES" })
                .set("data_type", data_type)
                .set("character_maximum_length", char_len.map(|n| n as i32))
                .set("character_octet_length", octet_len)
                .set("numeric_precision", precision)
                .set("numeric_precision_radix", radix)
                .set("numeric_scale", scale)
                .set("datetime_precision", datetime)
                .set("udt_catalog", snap.database.as_str())
                .set("udt_schema", "pg_catalog")
                .set("udt_name", c.ty.type_name())
                .set("dtd_identifier", (i + 1).to_string())
                .set("is_self_referencing", "NO")
                .set("is_identity", "NO")
                .set("identity_cycle", "NO")
                .set("is_generated", "NEVER")
                .set("is_updatable", "YES")
                .done(out)?;
        }
    }
    Ok(())
}
