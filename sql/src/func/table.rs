//! Set-returning functions usable in FROM ([`TableFn`]): each is a [`Builtin`]-shaped signature
//! (resolved by the same rules as scalar functions, [`super::resolve_in`]) plus its output
//! columns and a function producing all its rows. `bind::tablefunc` binds a call to
//! `LocalKind::Table`, which the executor runs where the plan runs (never on the shards).
//!
//! A function whose `columns` is empty returns `record`: the query supplies the columns with a
//! column definition list (`AS x(a int, b text)`), and the rows function receives their types.
//! `generate_series` and `unnest` keep their own plan nodes (`bind::from`).
//!
//! The json ones: `json(b)_each(_text)`, `json(b)_array_elements(_text)`,
//! `json(b)_object_keys`, `json(b)_to_record(set)`. Left out: `json(b)_populate_record(set)`,
//! which need composite types.

use super::{builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::json::{text, Json};
use crate::types::{Array, DataType, FormatContext, Value};

use DataType::{Json as J, Jsonb as Jb, Text};
use Param::T;

/// Produces a table function's rows from its arguments and its output columns (names and
/// types; the record functions read them).
pub type RowsFn = fn(&[Value], &[(String, DataType)], &FormatContext) -> Result<Vec<Vec<Value>>>;

/// A set-returning function usable in FROM.
#[derive(Debug)]
pub struct TableFn {
    /// Name, parameters, strictness (`ret` is unused).
    pub sig: Builtin,
    /// Output columns; empty for a function returning `record`.
    pub columns: &'static [(&'static str, DataType)],
    pub rows: RowsFn,
}

/// The table function `sig` resolved to (see [`super::resolve_in`]).
pub fn lookup(sig: &super::FuncSig) -> Option<&'static TableFn> {
    TABLE_FNS
        .iter()
        .find(|t| t.sig.name == sig.name && std::ptr::fn_addr_eq(t.sig.func, sig.func))
}

/// The output columns of the table function `name` (lower case; empty for `record`).
pub fn columns(name: &str) -> Option<&'static [(&'static str, DataType)]> {
    TABLE_FNS
        .iter()
        .find(|t| t.sig.name == name)
        .map(|t| t.columns)
}

/// The table function at `i` in the registry (see [`resolve_scalar`]).
pub fn by_index(i: usize) -> Result<&'static TableFn> {
    TABLE_FNS
        .get(i)
        .ok_or_else(|| SqlError::Internal(format!("no table function {i}")))
}

/// Resolves a one-column table function called in a select list: its registry index, the
/// resolved signature, and its column's type. `None` if no one-column table function has the
/// name.
pub fn resolve_scalar(
    name: &str,
    args: &[DataType],
) -> Option<Result<(usize, super::FuncSig, DataType)>> {
    if !TABLE_FNS
        .iter()
        .any(|t| t.sig.name == name && t.columns.len() == 1)
    {
        return None;
    }
    Some(resolve(name, args)?.and_then(|(tf, sig)| {
        let i = TABLE_FNS
            .iter()
            .position(|t| std::ptr::eq(t, tf))
            .ok_or_else(|| SqlError::Internal("table function not in the registry".into()))?;
        match tf.columns {
            [(_, ty)] => Ok((i, sig, *ty)),
            _ => Err(SqlError::Internal("not a one-column table function".into())),
        }
    }))
}

/// Whether `name` (lower case) is a table function.
pub fn exists(name: &str) -> bool {
    TABLE_FNS.iter().any(|t| t.sig.name == name)
}

/// Resolves `name(args)` among the table functions; `None` if no table function has the name.
pub fn resolve(
    name: &str,
    args: &[DataType],
) -> Option<Result<(&'static TableFn, super::FuncSig)>> {
    let lname = name.to_ascii_lowercase();
    if !TABLE_FNS.iter().any(|t| t.sig.name == lname) {
        return None;
    }
    Some(
        super::resolve_in(TABLE_FNS.iter().map(|t| &t.sig), &lname, args).and_then(|sig| {
            lookup(&sig)
                .map(|t| (t, sig))
                .ok_or_else(|| SqlError::Internal("table function lost after resolution".into()))
        }),
    )
}

fn invalid(msg: String) -> SqlError {
    SqlError::InvalidParameterValue(msg)
}

fn unused(_: &[Value], _: &FormatContext) -> Result<Value> {
    Err(SqlError::Internal(
        "a table function called as a scalar".into(),
    ))
}

fn jsonb_arg(a: &[Value]) -> Result<&Json> {
    match a.first() {
        Some(Value::Jsonb(j)) => Ok(j),
        _ => Err(SqlError::Internal(
            "table function argument is not jsonb".into(),
        )),
    }
}

fn json_arg(a: &[Value]) -> Result<&str> {
    match a.first() {
        Some(Value::Text(s)) => Ok(s),
        _ => Err(SqlError::Internal(
            "table function argument is not json".into(),
        )),
    }
}

fn jsonb_value(j: &Json, as_text: bool) -> Value {
    if as_text {
        j.to_sql_text().map_or(Value::Null, Value::Text)
    } else {
        Value::Jsonb(Box::new(j.clone()))
    }
}

fn json_value(slice: &str, as_text: bool) -> Result<Value> {
    Ok(if as_text {
        text::to_sql_text(slice)?.map_or(Value::Null, Value::Text)
    } else {
        Value::Text(slice.to_string())
    })
}

fn json_pairs<'a>(s: &'a str, fname: &str) -> Result<Vec<(String, &'a str)>> {
    match text::fields(s)? {
        Some(f) => Ok(f),
        None if fname == "json_object_keys" => Err(invalid(format!(
            "cannot call json_object_keys on {}",
            if text::kind(s) == "array" {
                "an array"
            } else {
                "a scalar"
            }
        ))),
        None if text::kind(s) == "array" => {
            Err(invalid("cannot deconstruct an array as an object".into()))
        }
        None => Err(invalid("cannot deconstruct a scalar".into())),
    }
}

fn json_each(a: &[Value], _: &[(String, DataType)], _: &FormatContext) -> Result<Vec<Vec<Value>>> {
    json_pairs(json_arg(a)?, "json_each")?
        .into_iter()
        .map(|(k, v)| Ok(vec![Value::Text(k), json_value(v, false)?]))
        .collect()
}

fn json_each_text(
    a: &[Value],
    _: &[(String, DataType)],
    _: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    json_pairs(json_arg(a)?, "json_each_text")?
        .into_iter()
        .map(|(k, v)| Ok(vec![Value::Text(k), json_value(v, true)?]))
        .collect()
}

fn jsonb_pairs<'a>(j: &'a Json, fname: &str) -> Result<&'a [(String, Json)]> {
    match j {
        Json::Object(items) => Ok(items),
        Json::Array(_) if fname == "jsonb_object_keys" => {
            Err(invalid("cannot call jsonb_object_keys on an array".into()))
        }
        _ if fname == "jsonb_object_keys" => {
            Err(invalid("cannot call jsonb_object_keys on a scalar".into()))
        }
        _ => Err(invalid(format!("cannot call {fname} on a non-object"))),
    }
}

fn jsonb_each(a: &[Value], _: &[(String, DataType)], _: &FormatContext) -> Result<Vec<Vec<Value>>> {
    Ok(jsonb_pairs(jsonb_arg(a)?, "jsonb_each")?
        .iter()
        .map(|(k, v)| vec![Value::Text(k.clone()), jsonb_value(v, false)])
        .collect())
}

fn jsonb_each_text(
    a: &[Value],
    _: &[(String, DataType)],
    _: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    Ok(jsonb_pairs(jsonb_arg(a)?, "jsonb_each_text")?
        .iter()
        .map(|(k, v)| vec![Value::Text(k.clone()), jsonb_value(v, true)])
        .collect())
}

fn json_elements<'a>(s: &'a str, fname: &str) -> Result<Vec<&'a str>> {
    match text::elements(s)? {
        Some(items) => Ok(items),
        None => Err(invalid(format!(
            "cannot call {fname} on {}",
            if text::kind(s) == "object" {
                "a non-array"
            } else {
                "a scalar"
            }
        ))),
    }
}

fn json_array_elements(
    a: &[Value],
    _: &[(String, DataType)],
    _: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    json_elements(json_arg(a)?, "json_array_elements")?
        .into_iter()
        .map(|v| Ok(vec![json_value(v, false)?]))
        .collect()
}

fn json_array_elements_text(
    a: &[Value],
    _: &[(String, DataType)],
    _: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    json_elements(json_arg(a)?, "json_array_elements_text")?
        .into_iter()
        .map(|v| Ok(vec![json_value(v, true)?]))
        .collect()
}

fn jsonb_elements(j: &Json) -> Result<&[Json]> {
    match j {
        Json::Array(items) => Ok(items),
        Json::Object(_) => Err(invalid("cannot extract elements from an object".into())),
        _ => Err(invalid("cannot extract elements from a scalar".into())),
    }
}

fn jsonb_array_elements(
    a: &[Value],
    _: &[(String, DataType)],
    _: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    Ok(jsonb_elements(jsonb_arg(a)?)?
        .iter()
        .map(|v| vec![jsonb_value(v, false)])
        .collect())
}

fn jsonb_array_elements_text(
    a: &[Value],
    _: &[(String, DataType)],
    _: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    Ok(jsonb_elements(jsonb_arg(a)?)?
        .iter()
        .map(|v| vec![jsonb_value(v, true)])
        .collect())
}

fn json_object_keys(
    a: &[Value],
    _: &[(String, DataType)],
    _: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    Ok(json_pairs(json_arg(a)?, "json_object_keys")?
        .into_iter()
        .map(|(k, _)| vec![Value::Text(k)])
        .collect())
}

fn jsonb_object_keys(
    a: &[Value],
    _: &[(String, DataType)],
    _: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    Ok(jsonb_pairs(jsonb_arg(a)?, "jsonb_object_keys")?
        .iter()
        .map(|(k, _)| vec![Value::Text(k.clone())])
        .collect())
}

/// One field of a `json(b)_to_record` row: the value's json text and parsed form.
struct Field {
    text: String,
    parsed: Json,
}

/// `populate_record_field`: a json value as a column of type `ty`.
fn field_value(f: Option<Field>, ty: DataType, ctx: &FormatContext) -> Result<Value> {
    let Some(f) = f else {
        return Ok(Value::Null);
    };
    match (ty, &f.parsed) {
        (DataType::Json, _) => Ok(Value::Text(f.text)),
        (DataType::Jsonb, _) => Ok(Value::Jsonb(Box::new(f.parsed.normalized()))),
        (_, Json::Null) => Ok(Value::Null),
        (_, Json::String(s)) => Value::parse_text_ctx(ty, s, ctx),
        (t, Json::Array(_)) if t.elem().is_some() => json_array(&f.parsed, t, ctx),
        (t, _) if t.elem().is_some() => {
            Err(SqlError::InvalidTextMessage("expected JSON array".into()))
        }
        _ => Value::parse_text_ctx(ty, &f.text, ctx),
    }
}

/// A JSON array (nested for more dimensions) as a SQL array of type `ty`.
fn json_array(j: &Json, ty: DataType, ctx: &FormatContext) -> Result<Value> {
    let elem = ty.elem().unwrap_or(Text);
    let malformed = || SqlError::InvalidTextMessage("expected JSON array".into());
    // The dimensions come from the first element at each depth; every other must match.
    let mut dims = Vec::new();
    let mut cur = j;
    while let Json::Array(items) = cur {
        dims.push((items.len() as i32, 1));
        match items.first() {
            Some(first) => cur = first,
            None => break,
        }
    }
    let mut items = Vec::new();
    fn walk(
        j: &Json,
        depth: usize,
        dims: &[(i32, i32)],
        elem: DataType,
        ctx: &FormatContext,
        out: &mut Vec<Value>,
    ) -> Result<()> {
        let malformed = || SqlError::InvalidTextMessage("malformed JSON array".into());
        match j {
            Json::Array(xs) if depth < dims.len() && xs.len() as i32 == dims[depth].0 => {
                for x in xs {
                    walk(x, depth + 1, dims, elem, ctx, out)?;
                }
                Ok(())
            }
            Json::Array(_) => Err(malformed()),
            _ if depth != dims.len() => {
                Err(SqlError::InvalidTextMessage("expected JSON array".into()))
            }
            scalar => {
                let f = Field {
                    text: scalar.canonical(),
                    parsed: scalar.clone(),
                };
                out.push(field_value(Some(f), elem, ctx)?);
                Ok(())
            }
        }
    }
    if !matches!(j, Json::Array(_)) {
        return Err(malformed());
    }
    walk(j, 0, &dims, elem, ctx, &mut items)?;
    if items.is_empty() {
        dims.clear();
    }
    Ok(Value::Array(Box::new(Array { elem, dims, items })))
}

fn record_row(
    fields: Vec<(String, Field)>,
    names: &[(String, DataType)],
    ctx: &FormatContext,
) -> Result<Vec<Value>> {
    let mut fields = fields;
    names
        .iter()
        .map(|(name, ty)| {
            // The last duplicate wins, as in PostgreSQL's hash of the object's fields.
            let f = fields
                .iter()
                .rposition(|(k, _)| k == name)
                .map(|i| fields.swap_remove(i).1);
            field_value(f, *ty, ctx)
        })
        .collect()
}

/// The fields of one json/jsonb object.
fn object_fields(v: &Value, fname: &str) -> Result<Vec<(String, Field)>> {
    let not_object = |what: &str| invalid(format!("cannot call {fname} on {what}"));
    match v {
        Value::Jsonb(j) => match &**j {
            Json::Object(items) => Ok(items
                .iter()
                .map(|(k, v)| {
                    let f = Field {
                        text: v.canonical(),
                        parsed: v.clone(),
                    };
                    (k.clone(), f)
                })
                .collect()),
            Json::Array(_) => Err(not_object("an array")),
            _ => Err(not_object("a scalar")),
        },
        Value::Text(s) => match text::fields(s)? {
            Some(items) => items
                .into_iter()
                .map(|(k, v)| {
                    let f = Field {
                        text: v.to_string(),
                        parsed: Json::parse(v, "json")?,
                    };
                    Ok((k, f))
                })
                .collect(),
            None if text::kind(s) == "array" => Err(not_object("an array")),
            None => Err(not_object("a scalar")),
        },
        _ => Err(SqlError::Internal(format!("{fname} got a non-json value"))),
    }
}

fn to_record(
    a: &[Value],
    names: &[(String, DataType)],
    ctx: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    let row = record_row(object_fields(&a[0], "populate_composite")?, names, ctx)?;
    Ok(vec![row])
}

fn to_recordset(
    a: &[Value],
    names: &[(String, DataType)],
    ctx: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    let jsonb = matches!(a[0], Value::Jsonb(_));
    let fname = if jsonb {
        "jsonb_to_recordset"
    } else {
        "json_to_recordset"
    };
    let elements: Vec<Value> = match &a[0] {
        Value::Jsonb(j) => match &**j {
            Json::Array(items) => items
                .iter()
                .map(|x| Value::Jsonb(Box::new(x.clone())))
                .collect(),
            Json::Object(_) => return Err(invalid(format!("cannot call {fname} on an object"))),
            _ => return Err(invalid(format!("cannot call {fname} on a scalar"))),
        },
        Value::Text(s) => match text::elements(s)? {
            Some(items) => items
                .into_iter()
                .map(|x| Value::Text(x.to_string()))
                .collect(),
            None if text::kind(s) == "object" => {
                return Err(invalid(format!("cannot call {fname} on an object")))
            }
            None => return Err(invalid(format!("cannot call {fname} on a scalar"))),
        },
        _ => return Err(SqlError::Internal(format!("{fname} got a non-json value"))),
    };
    elements
        .iter()
        .map(|e| {
            let is_object = match e {
                Value::Jsonb(j) => matches!(**j, Json::Object(_)),
                Value::Text(s) => text::kind(s) == "object",
                _ => false,
            };
            if !is_object {
                return Err(invalid(format!(
                    "argument of {fname} must be an array of objects"
                )));
            }
            record_row(object_fields(e, fname)?, names, ctx)
        })
        .collect()
}

const fn table(
    sig: Builtin,
    columns: &'static [(&'static str, DataType)],
    rows: RowsFn,
) -> TableFn {
    TableFn { sig, columns, rows }
}

/// `pg_partition_ancestors(rel)`: `rel` and its ancestors, nearest first, when it is a partition
/// or a partitioned table; nothing otherwise. The binder adds a second argument, the catalog's
/// partitioning as `(relation, parent or 0)` OID pairs (`Binder::partition_map`), since
/// functions cannot read the catalog when they run.
fn partition_ancestors(
    args: &[Value],
    _: &[(String, DataType)],
    _: &FormatContext,
) -> Result<Vec<Vec<Value>>> {
    let (Some(Value::Oid(rel)), Some(Value::Array(map))) = (args.first(), args.get(1)) else {
        return Ok(Vec::new());
    };
    let parent_of = |o: u32| {
        map.items.chunks(2).find_map(|p| match p {
            [Value::Oid(r), Value::Oid(parent)] if *r == o => Some(*parent),
            _ => None,
        })
    };
    let mut out = Vec::new();
    let mut at = *rel;
    while let Some(parent) = parent_of(at) {
        out.push(vec![Value::Oid(at)]);
        if parent == 0 || out.len() > map.items.len() {
            break;
        }
        at = parent;
    }
    Ok(out)
}

pub(super) static TABLE_FNS: &[TableFn] = &[
    table(
        builtin!("pg_partition_ancestors"(T(DataType::Oid), T(DataType::OidArray)) -> DataType::Oid, unused),
        &[("relid", DataType::Oid)],
        partition_ancestors,
    ),
    table(
        builtin!("json_each"(T(J)) -> J, unused),
        &[("key", Text), ("value", J)],
        json_each,
    ),
    table(
        builtin!("json_each_text"(T(J)) -> J, unused),
        &[("key", Text), ("value", Text)],
        json_each_text,
    ),
    table(
        builtin!("jsonb_each"(T(Jb)) -> Jb, unused),
        &[("key", Text), ("value", Jb)],
        jsonb_each,
    ),
    table(
        builtin!("jsonb_each_text"(T(Jb)) -> Jb, unused),
        &[("key", Text), ("value", Text)],
        jsonb_each_text,
    ),
    table(
        builtin!("json_array_elements"(T(J)) -> J, unused),
        &[("value", J)],
        json_array_elements,
    ),
    table(
        builtin!("json_array_elements_text"(T(J)) -> J, unused),
        &[("value", Text)],
        json_array_elements_text,
    ),
    table(
        builtin!("jsonb_array_elements"(T(Jb)) -> Jb, unused),
        &[("value", Jb)],
        jsonb_array_elements,
    ),
    table(
        builtin!("jsonb_array_elements_text"(T(Jb)) -> Jb, unused),
        &[("value", Text)],
        jsonb_array_elements_text,
    ),
    table(
        builtin!("json_object_keys"(T(J)) -> Text, unused),
        &[("json_object_keys", Text)],
        json_object_keys,
    ),
    table(
        builtin!("jsonb_object_keys"(T(Jb)) -> Text, unused),
        &[("jsonb_object_keys", Text)],
        jsonb_object_keys,
    ),
    table(
        builtin!("json_to_record"(T(J)) -> J, unused),
        &[],
        to_record,
    ),
    table(
        builtin!("jsonb_to_record"(T(Jb)) -> Jb, unused),
        &[],
        to_record,
    ),
    table(
        builtin!("json_to_recordset"(T(J)) -> J, unused),
        &[],
        to_recordset,
    ),
    table(
        builtin!("jsonb_to_recordset"(T(Jb)) -> Jb, unused),
        &[],
        to_recordset,
    ),
];
