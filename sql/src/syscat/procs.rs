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
                // A string literal shows its coercion to the argument's type, as PostgreSQL's
                // deparser prints it (`'x'::text`).
                let inner = d.strip_prefix('\'').and_then(|r| r.strip_suffix('\''));
                if inner.is_some_and(|i| !i.replace("''", "").contains('\'')) {
                    s.push_str("::");
                    s.push_str(a.ty.sql_name());
                }
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
        let src = match &f.body {
            FunctionBody::Source(s) => s.clone(),
            _ => String::new(),
        };
        set("prosrc", Value::Text(src));
        if let Some(b) = sql_body(f) {
            set("prosqlbody", Value::Text(b));
        }
        out.push(row);
    }
    Ok(out)
}

/// A SQL-standard body as `pg_get_function_sqlbody` prints it (the stored text where PostgreSQL
/// deparses its tree); `None` for a body given as a string.
pub(super) fn sql_body(f: &FunctionDef) -> Option<String> {
    match &f.body {
        FunctionBody::Source(_) => None,
        FunctionBody::Return(e) => Some(format!("RETURN {e}")),
        FunctionBody::Atomic(stmts) => {
            let mut out = "BEGIN ATOMIC\n".to_string();
            for s in stmts {
                out.push_str(&format!(" {s};\n"));
            }
            out.push_str("END");
            Some(out)
        }
    }
}

/// What `pg_get_functiondef` prints. A `RETURN`/`BEGIN ATOMIC` body is the stored text, where
/// PostgreSQL prints its deparsed tree (`RETURN (a + 1)`).
pub(super) fn definition_text(f: &FunctionDef) -> String {
    let mut out = format!(
        "CREATE OR REPLACE FUNCTION {}.{}({})\n RETURNS {}\n LANGUAGE sql\n",
        f.schema,
        f.name,
        arguments_text(f),
        result_text(f)
    );
    let mut attrs: Vec<&str> = Vec::new();
    match f.volatility {
        crate::function::Volatility::Immutable => attrs.push("IMMUTABLE"),
        crate::function::Volatility::Stable => attrs.push("STABLE"),
        crate::function::Volatility::Volatile => {}
    }
    match f.parallel {
        's' => attrs.push("PARALLEL SAFE"),
        'r' => attrs.push("PARALLEL RESTRICTED"),
        _ => {}
    }
    for (on, word) in [
        (f.strict, "STRICT"),
        (f.security_definer, "SECURITY DEFINER"),
        (f.leakproof, "LEAKPROOF"),
    ] {
        if on {
            attrs.push(word);
        }
    }
    if !attrs.is_empty() {
        out.push_str(&format!(" {}\n", attrs.join(" ")));
    }
    match (&f.body, sql_body(f)) {
        (FunctionBody::Source(s), _) => out.push_str(&format!("AS $function${s}$function$\n")),
        (_, body) => {
            out.push_str(&body.unwrap_or_default());
            out.push('\n');
        }
    }
    out
}
