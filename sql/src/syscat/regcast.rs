//! `reg*` casts (`'t'::regclass`, `oid::regclass`, `'int4'::regtype`, ...): constants resolved at
//! bind time, other values looked up at run time in a sorted map of the snapshot's names
//! (`funcs::lookup`). Casts of non-constant values produce `text` (the object's name, or the OID's
//! digits when no object has it), as PGLiteDB has no `reg*` types.

use sqlparser::ast;

use super::funcs::{call, lookup, null, MISSING_DIGITS};
use super::{rows, Snapshot};
use crate::bind::Binder;
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::types::typmod::{format_type, parse_type_name};
use crate::types::{Array, DataType, FormatContext, Value};

/// The `reg*` types a cast may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegType {
    Class,
    Type,
    Namespace,
    Role,
    /// `regproc`: functions are named by text here (`pg_type.typinput` is text).
    Proc,
}

impl RegType {
    /// The type's name (a bare cast's column name).
    pub(crate) fn name(self) -> &'static str {
        match self {
            RegType::Class => "regclass",
            RegType::Type => "regtype",
            RegType::Namespace => "regnamespace",
            RegType::Role => "regrole",
            RegType::Proc => "regproc",
        }
    }
}

/// The `reg*` type a cast's target names, if it is one.
pub(crate) fn reg_type(t: &ast::DataType) -> Option<RegType> {
    let full = t.to_string().to_ascii_lowercase();
    match full.trim_start_matches("pg_catalog.") {
        "regclass" => Some(RegType::Class),
        "regtype" => Some(RegType::Type),
        "regnamespace" => Some(RegType::Namespace),
        "regrole" => Some(RegType::Role),
        "regproc" => Some(RegType::Proc),
        _ => None,
    }
}

/// A name in the form the run-time lookup keys use: parts unquoted (or case-folded), joined by `.`.
fn normalize_name(name: &str) -> String {
    name.split('.')
        .map(|p| {
            let p = p.trim();
            if p.len() >= 2 && p.starts_with('"') && p.ends_with('"') {
                p[1..p.len() - 1].replace("\"\"", "\"")
            } else {
                p.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `text::regclass` at run time: `reg_in(text, keys, oids, kind)` with `keys` sorted.
fn reg_in_fn(args: &[Value], _: &FormatContext) -> Result<Value> {
    let (Some(Value::Text(input)), Some(Value::Array(keys)), Some(Value::Array(oids))) =
        (args.first(), args.get(1), args.get(2))
    else {
        return Ok(Value::Null);
    };
    if let Ok(oid) = input.trim().parse::<u32>() {
        return Ok(Value::Oid(oid));
    }
    let kind = match args.get(3) {
        Some(Value::Int4(k)) => *k,
        _ => 0,
    };
    // `to_regclass` and friends answer NULL where the cast raises an error.
    let null_if_missing = matches!(args.get(4), Some(Value::Bool(true)));
    if kind == RegType::Type as i32 {
        return match parse_type_name(input.trim().trim_start_matches("pg_catalog.")) {
            Ok((t, _)) => Ok(Value::Oid(t.oid())),
            Err(_) if null_if_missing => Ok(Value::Null),
            Err(_) => Err(SqlError::UndefinedType(input.clone())),
        };
    }
    let key = normalize_name(input);
    let found = keys
        .items
        .binary_search_by(|k| match k {
            Value::Text(k) => k.as_str().cmp(key.as_str()),
            _ => std::cmp::Ordering::Less,
        })
        .ok()
        .and_then(|i| oids.items.get(i).cloned());
    if null_if_missing {
        return Ok(found.unwrap_or(Value::Null));
    }
    found.ok_or_else(|| match kind {
        k if k == RegType::Class as i32 => SqlError::UndefinedTable {
            name: input.clone(),
            position: None,
        },
        k if k == RegType::Namespace as i32 => SqlError::UndefinedSchema(input.clone()),
        k if k == RegType::Proc as i32 => {
            SqlError::NoSuchFunction(format!("function \"{input}\" does not exist"))
        }
        _ => SqlError::UndefinedObject(format!("role \"{input}\" does not exist")),
    })
}

/// The run-time `reg*` input of a text expression over the snapshot's names.
pub(super) fn reg_in_expr(reg: RegType, e: Expr, snap: &Snapshot, null_if_missing: bool) -> Expr {
    let mut map: Vec<(String, u32)> = match reg {
        RegType::Class => {
            let mut m = Vec::new();
            // A bare name finds the relation of the first searched schema that has one.
            let seen = rows::visible(snap);
            for c in rows::relations(snap) {
                m.push((format!("{}.{}", c.schema, c.name), c.oid));
                if seen.contains(&c.oid) {
                    m.push((c.name.clone(), c.oid));
                }
            }
            m
        }
        RegType::Namespace => rows::namespaces(snap)
            .into_iter()
            .map(|(o, n, _)| (n, o))
            .collect(),
        RegType::Role => rows::roles(snap)
            .into_iter()
            .map(|(o, n, _)| (n, o))
            .collect(),
        RegType::Proc => (snap.functions.iter())
            .flat_map(|f| {
                [
                    (format!("{}.{}", f.schema, f.name), f.oid()),
                    (f.name.clone(), f.oid()),
                ]
            })
            .collect(),
        RegType::Type => Vec::new(),
    };
    // Stable: the first (preferred) spelling of a duplicated bare name is kept.
    map.sort_by(|a, b| a.0.cmp(&b.0));
    map.dedup_by(|a, b| a.0 == b.0);
    let keys = map.iter().map(|(k, _)| Value::Text(k.clone())).collect();
    let oids = map.iter().map(|(_, o)| Value::Oid(*o)).collect();
    let array = |elem: DataType, items| Value::Array(Box::new(Array::from_items(elem, items)));
    let mut e = call(
        "reg_in",
        vec![
            DataType::Text,
            DataType::TextArray,
            DataType::OidArray,
            DataType::Int4,
        ],
        DataType::Oid,
        reg_in_fn,
        vec![
            e,
            Expr::Const(array(DataType::Text, keys), DataType::TextArray),
            Expr::Const(array(DataType::Oid, oids), DataType::OidArray),
            Expr::Const(Value::Int4(reg as i32), DataType::Int4),
            Expr::Const(Value::Bool(null_if_missing), DataType::Bool),
        ],
    );
    if let Expr::Call { func, .. } = &mut e {
        func.0.strict = true;
    }
    e
}

/// The OID a constant names for a `reg*` cast (`'t'::regclass`, `'16384'::regclass`).
fn reg_input(reg: RegType, name: &str, snap: &Snapshot) -> Result<u32> {
    if let Ok(oid) = name.trim().parse::<u32>() {
        return Ok(oid);
    }
    let unquoted = |s: &str| {
        let s = s.trim();
        if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
            s[1..s.len() - 1].replace("\"\"", "\"")
        } else {
            s.to_lowercase()
        }
    };
    match reg {
        RegType::Class => {
            let (schema, rel) = match name.split_once('.') {
                Some((s, r)) => (Some(unquoted(s)), unquoted(r)),
                None => (None, unquoted(name)),
            };
            rows::relations(snap)
                .into_iter()
                // A bare name: the first searched schema that has it, as in PostgreSQL.
                .filter(|c| c.name == rel && schema.as_deref().is_none_or(|s| s == c.schema))
                .filter_map(|c| match schema {
                    Some(_) => Some((0, c.oid)),
                    None => rows::rank(snap, c.schema).map(|r| (r, c.oid)),
                })
                .min()
                .map(|(_, oid)| oid)
                .ok_or_else(|| SqlError::UndefinedTable {
                    name: name.to_string(),
                    position: None,
                })
        }
        RegType::Type => parse_type_name(name.trim().trim_start_matches("pg_catalog."))
            .map(|(t, _)| t.oid())
            .map_err(|_| SqlError::UndefinedType(name.to_string())),
        RegType::Namespace => rows::namespaces(snap)
            .into_iter()
            .find(|(_, n, _)| *n == unquoted(name))
            .map(|(oid, _, _)| oid)
            .ok_or_else(|| SqlError::UndefinedSchema(name.to_string())),
        RegType::Role => rows::roles(snap)
            .into_iter()
            .find(|(_, n, _)| *n == unquoted(name))
            .map(|(oid, _, _)| oid)
            .ok_or_else(|| SqlError::UndefinedObject(format!("role \"{name}\" does not exist"))),
        RegType::Proc => Err(SqlError::Internal("regproc input is text".into())),
    }
}

/// Names of every object of a `reg*` kind, by OID.
fn reg_names(reg: RegType, snap: &Snapshot) -> Vec<(u32, Value)> {
    match reg {
        RegType::Class => {
            // Qualified unless a bare name finds it, as PostgreSQL prints a regclass.
            let seen = rows::visible(snap);
            rows::relations(snap)
                .into_iter()
                .map(|c| {
                    let name = if seen.contains(&c.oid) {
                        c.name
                    } else {
                        format!("{}.{}", c.schema, c.name)
                    };
                    (c.oid, Value::Text(name))
                })
                .collect()
        }
        RegType::Type => DataType::ALL
            .iter()
            .map(|t| (t.oid(), Value::Text(format_type(*t, -1))))
            .collect(),
        RegType::Namespace => rows::namespaces(snap)
            .into_iter()
            .map(|(o, n, _)| (o, Value::Text(n)))
            .collect(),
        RegType::Role => rows::roles(snap)
            .into_iter()
            .map(|(o, n, _)| (o, Value::Text(n)))
            .collect(),
        RegType::Proc => (snap.functions.iter())
            .map(|f| (f.oid(), Value::Text(f.name.clone())))
            .collect(),
    }
}

impl Binder<'_> {
    /// `e::regclass` and the other `reg*` casts.
    pub(crate) fn reg_cast(&mut self, reg: RegType, inner: Expr) -> Result<Expr> {
        let snap = Snapshot::of(self.ctx);
        if reg == RegType::Proc {
            // The function's name without its schema, as the `reg*`-typed columns hold it.
            return match inner {
                Expr::Const(Value::Text(s), _) => {
                    // A user-defined function's name is its OID (what `pg_proc.oid` compares
                    // with); built-in functions are not in `pg_proc`.
                    let key = normalize_name(&s);
                    let key = key.strip_prefix("public.").unwrap_or(&key);
                    if let Some(f) = snap.functions.iter().find(|f| f.name == key) {
                        return Ok(Expr::Const(Value::Oid(f.oid()), DataType::Oid));
                    }
                    let name = s.trim().trim_start_matches("pg_catalog.");
                    Ok(Expr::Const(Value::Text(name.to_string()), DataType::Text))
                }
                e => self.coerce_at(e, DataType::Text, None),
            };
        }
        match inner {
            e @ (Expr::Param(..) | Expr::Column(..) | Expr::Outer { .. } | Expr::Call { .. })
                if e.data_type().is_string() =>
            {
                // Text read at run time (`$1::regclass`, `name_column::regclass`): resolved
                // against the same snapshot by name.
                let e = self.coerce_at(e, DataType::Text, None)?;
                Ok(reg_in_expr(reg, e, &snap, false))
            }
            Expr::Const(Value::Text(s), _) => Ok(Expr::Const(
                Value::Oid(reg_input(reg, &s, &snap)?),
                DataType::Oid,
            )),
            Expr::Const(Value::Null, _) => Ok(null(DataType::Oid)),
            e => {
                let key = self.coerce_at(e, DataType::Oid, None)?;
                Ok(lookup(
                    key,
                    reg_names(reg, &snap),
                    DataType::Text,
                    MISSING_DIGITS,
                ))
            }
        }
    }

    /// The text output of a bound `reg*` cast: a name for an OID (constant or not).
    pub(crate) fn reg_output(&mut self, reg: RegType, e: Expr) -> Result<Expr> {
        if e.data_type() != DataType::Oid {
            return Ok(e);
        }
        let snap = Snapshot::of(self.ctx);
        Ok(lookup(
            e,
            reg_names(reg, &snap),
            DataType::Text,
            MISSING_DIGITS,
        ))
    }
}
