//! `pg_proc` rows for user-defined functions, and the catalog functions that describe them
//! (`pg_get_function_result`, `pg_get_function_arguments`, `pg_function_is_visible`, the
//! `regproc` input): what psql's `\df` reads. Built-in functions are not listed.

use super::{oids, Snapshot, SysRel};
use crate::error::Result;
use crate::function::{FunctionBody, FunctionDef};
use crate::types::{Array, DataType, Value};

/// `pg_language.oid` of `sql`.
const LANG_SQL: u32 = 14;

/// What `pg_get_function_result` prints: `integer`, `SETOF integer`.
pub(super) fn result_text(f: &FunctionDef) -> String {
    let t = f.ret.sql_name();
    if f.retset {
        format!("SETOF {t}")
    } else {
        t.to_string()
    }
}

/// What `pg_get_function_arguments` prints: `a integer, text DEFAULT 'foo'::text`.
pub(super) fn arguments_text(f: &FunctionDef) -> String {
    (f.args.iter())
        .map(|a| {
            let mut s = match &a.name {
                Some(n) => format!("{n} {}", a.ty.sql_name()),
                None => a.ty.sql_name().to_string(),
            };
            if let Some(d) = &a.default {
                s.push_str(" DEFAULT ");
                s.push_str(d);
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One `pg_proc` row per user-defined function.
pub(super) fn rows(rel: &SysRel, snap: &Snapshot) -> Result<Vec<Vec<Value>>> {
    let mut out = Vec::with_capacity(snap.functions.len());
    for f in &snap.functions {
        let mut row = vec![Value::Null; rel.columns.len()];
        let mut set = |name: &str, v: Value| {
            if let Some(i) = rel.columns.iter().position(|(n, _)| *n == name) {
                row[i] = v;
            }
        };
        let text = |s: &str| Value::Text(s.to_string());
        set("oid", Value::Oid(f.oid()));
        set("proname", text(&f.name));
        set("pronamespace", Value::Oid(oids::namespace(&f.schema)));
        set("proowner", Value::Oid(oids::BOOTSTRAP_USER_OID));
        set("prolang", Value::Oid(LANG_SQL));
        set("procost", Value::Float4(100.0));
        set(
            "prorows",
            Value::Float4(if f.retset { 1000.0 } else { 0.0 }),
        );
        set("provariadic", Value::Oid(0));
        set("prosupport", text("-"));
        set("prokind", text("f"));
        set("prosecdef", Value::Bool(f.security_definer));
        set("proleakproof", Value::Bool(f.leakproof));
        set("proisstrict", Value::Bool(f.strict));
        set("proretset", Value::Bool(f.retset));
        set("provolatile", text(&f.volatility.code().to_string()));
        set("proparallel", text(&f.parallel.to_string()));
        set("pronargs", Value::Int2(f.args.len() as i16));
        set("pronargdefaults", Value::Int2(f.defaults() as i16));
        set("prorettype", Value::Oid(f.ret.oid()));
        let types = f.args.iter().map(|a| Value::Oid(a.ty.oid())).collect();
        set(
            "proargtypes",
            Value::Array(Box::new(Array::from_items(DataType::Oid, types))),
        );
        if f.args.iter().any(|a| a.name.is_some()) {
            let names = (f.args.iter())
                .map(|a| Value::Text(a.name.clone().unwrap_or_default()))
                .collect();
            set(
                "proargnames",
                Value::Array(Box::new(Array::from_items(DataType::Text, names))),
            );
        }
        let (src, sqlbody) = match &f.body {
            FunctionBody::Source(s) => (s.clone(), None),
            FunctionBody::Return(e) => (String::new(), Some(format!("RETURN {e}"))),
            FunctionBody::Atomic(stmts) => (
                String::new(),
                Some(format!("BEGIN ATOMIC\n {};\nEND", stmts.join(";\n "))),
            ),
        };
        set("prosrc", Value::Text(src));
        if let Some(b) = sqlbody {
            set("prosqlbody", Value::Text(b));
        }
        out.push(row);
    }
    Ok(out)
}
