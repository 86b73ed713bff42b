//! json and jsonb functions with typed parameters (`jsonb_typeof`, `jsonb_set`,
//! `json_extract_path`, `json_object`, ...), the builders the binder calls after converting
//! their any-typed arguments (`json_build_object`, `json_build_array`, `array_to_json`; see
//! `bind::json`), and the function forms of the jsonb operators (`jsonb_contains`, ...).
//!
//! Output formats are PostgreSQL's, which differ per function for json (the type keeps text):
//! `json_build_object` writes `{"a" : 1, "b" : 2}`, `json_build_array` `[1, 2]`,
//! `json_object` `{"a" : "1"}`, `array_to_json` `[1,2]`; jsonb always prints canonically.

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::json::ops::{eval as eval_op, text_items};
use crate::types::json::path::{self, SetMode};
use crate::types::json::{conv, escape, text, Json};
use crate::types::ops::{BinaryOp, BinarySig};
use crate::types::{DataType, FormatContext, Value};

use DataType::{Bool, Int4, Json as J, Jsonb as Jb, Text, TextArray};
use Param::T;

fn bug(what: &str) -> SqlError {
    SqlError::Internal(format!("json function argument is not {what}"))
}

fn jsonb_arg(a: &[Value], i: usize) -> Result<&Json> {
    match a.get(i) {
        Some(Value::Jsonb(j)) => Ok(j),
        _ => Err(bug("jsonb")),
    }
}

fn jsonb(j: Json) -> Value {
    Value::Jsonb(Box::new(j))
}

fn json_typeof(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Text(text::kind(arg::text(a, 0)?).into()))
}

fn jsonb_typeof(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Text(jsonb_arg(a, 0)?.type_name().into()))
}

fn json_array_length(a: &[Value], _: &FormatContext) -> Result<Value> {
    let s = arg::text(a, 0)?;
    match text::elements(s)? {
        Some(items) => Ok(Value::Int4(items.len() as i32)),
        None if text::kind(s) == "object" => Err(SqlError::InvalidParameterValue(
            "cannot get array length of a non-array".into(),
        )),
        None => Err(SqlError::InvalidParameterValue(
            "cannot get array length of a scalar".into(),
        )),
    }
}

fn jsonb_array_length(a: &[Value], _: &FormatContext) -> Result<Value> {
    match jsonb_arg(a, 0)? {
        Json::Array(items) => Ok(Value::Int4(items.len() as i32)),
        Json::Object(_) => Err(SqlError::InvalidParameterValue(
            "cannot get array length of a non-array".into(),
        )),
        _ => Err(SqlError::InvalidParameterValue(
            "cannot get array length of a scalar".into(),
        )),
    }
}

fn jsonb_pretty(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Text(path::pretty(jsonb_arg(a, 0)?)))
}

fn json_strip_nulls(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Text(text::strip_nulls(arg::text(a, 0)?)?))
}

fn jsonb_strip_nulls(a: &[Value], _: &FormatContext) -> Result<Value> {
    fn strip(j: Json) -> Json {
        match j {
            Json::Array(items) => Json::Array(items.into_iter().map(strip).collect()),
            Json::Object(items) => Json::Object(
                items
                    .into_iter()
                    .filter(|(_, v)| *v != Json::Null)
                    .map(|(k, v)| (k, strip(v)))
                    .collect(),
            ),
            other => other,
        }
    }
    Ok(jsonb(strip(jsonb_arg(a, 0)?.clone())))
}

fn path_arg(a: &[Value], i: usize) -> Result<Vec<Option<String>>> {
    a.get(i).and_then(text_items).ok_or_else(|| bug("text[]"))
}

fn flag(a: &[Value], i: usize, default: bool) -> bool {
    match a.get(i) {
        Some(Value::Bool(b)) => *b,
        _ => default,
    }
}

fn jsonb_set(a: &[Value], _: &FormatContext) -> Result<Value> {
    let mode = SetMode::Set {
        create_missing: flag(a, 3, true),
    };
    let doc = jsonb_arg(a, 0)?.clone();
    Ok(jsonb(path::set_path(
        doc,
        &path_arg(a, 1)?,
        jsonb_arg(a, 2)?.clone(),
        mode,
    )?))
}

/// `jsonb_set_lax(target, path, new_value [, create_if_missing [, null_value_treatment]])`:
/// like `jsonb_set`, with an SQL NULL `new_value` handled as the treatment says.
fn jsonb_set_lax(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    if a[0].is_null() || a[1].is_null() {
        return Ok(Value::Null);
    }
    let treatment = match a.get(4) {
        None => "use_json_null",
        Some(Value::Text(t)) => t.as_str(),
        Some(_) => "",
    };
    if !matches!(
        treatment,
        "raise_exception" | "use_json_null" | "delete_key" | "return_target"
    ) {
        return Err(SqlError::InvalidParameterValue(
            "null_value_treatment must be \"delete_key\", \"return_target\", \"use_json_null\", or \"raise_exception\"".into(),
        ));
    }
    if !a[2].is_null() {
        return jsonb_set(a, ctx);
    }
    match treatment {
        "raise_exception" => Err(SqlError::Hinted {
            error: Box::new(SqlError::NullValueNotAllowed(
                "JSON value must not be null".into(),
            )),
            hint: "To avoid, either change the null_value_treatment argument or ensure that an SQL NULL is not passed.",
            detail: Some(
                "Exception was raised because null_value_treatment is \"raise_exception\".".into(),
            ),
        }),
        "use_json_null" => {
            let mut args = a.to_vec();
            args[2] = jsonb(Json::Null);
            jsonb_set(&args, ctx)
        }
        "delete_key" => {
            let doc = jsonb_arg(a, 0)?.clone();
            Ok(jsonb(path::delete_path(doc, &path_arg(a, 1)?)?))
        }
        _ => Ok(a[0].clone()),
    }
}

fn jsonb_insert(a: &[Value], _: &FormatContext) -> Result<Value> {
    let mode = SetMode::Insert {
        after: flag(a, 3, false),
    };
    let doc = jsonb_arg(a, 0)?.clone();
    Ok(jsonb(path::set_path(
        doc,
        &path_arg(a, 1)?,
        jsonb_arg(a, 2)?.clone(),
        mode,
    )?))
}

/// The variadic path arguments of `json_extract_path` as a text[] value.
fn variadic_path(a: &[Value]) -> Value {
    let items = a[1..]
        .iter()
        .map(|v| match v {
            Value::Text(s) => Value::Text(s.clone()),
            _ => Value::Null,
        })
        .collect();
    Value::Array(Box::new(crate::types::Array::from_items(Text, items)))
}

fn op(op: BinaryOp, left: DataType, right: DataType, result: DataType) -> BinarySig {
    BinarySig {
        op,
        left,
        right,
        result,
    }
}

fn json_extract_path(a: &[Value], _: &FormatContext) -> Result<Value> {
    let sig = op(BinaryOp::JsonPath, J, TextArray, J);
    eval_op(&sig, a[0].clone(), variadic_path(a))
}

fn json_extract_path_text(a: &[Value], _: &FormatContext) -> Result<Value> {
    let sig = op(BinaryOp::JsonPathText, J, TextArray, Text);
    eval_op(&sig, a[0].clone(), variadic_path(a))
}

fn jsonb_extract_path(a: &[Value], _: &FormatContext) -> Result<Value> {
    let sig = op(BinaryOp::JsonPath, Jb, TextArray, Jb);
    eval_op(&sig, a[0].clone(), variadic_path(a))
}

fn jsonb_extract_path_text(a: &[Value], _: &FormatContext) -> Result<Value> {
    let sig = op(BinaryOp::JsonPathText, Jb, TextArray, Text);
    eval_op(&sig, a[0].clone(), variadic_path(a))
}

/// The function forms of the jsonb operators (`jsonb_contains(a, b)` is `a @> b`, ...).
macro_rules! op_fn {
    ($name:ident, $op:expr, $right:expr, $result:expr) => {
        fn $name(a: &[Value], _: &FormatContext) -> Result<Value> {
            eval_op(&op($op, Jb, $right, $result), a[0].clone(), a[1].clone())
        }
    };
}
op_fn!(jsonb_contains, BinaryOp::Contains, Jb, Bool);
op_fn!(jsonb_exists, BinaryOp::KeyExists, Text, Bool);
op_fn!(jsonb_exists_any, BinaryOp::KeyExistsAny, TextArray, Bool);
op_fn!(jsonb_exists_all, BinaryOp::KeyExistsAll, TextArray, Bool);
op_fn!(jsonb_delete, BinaryOp::Sub, Text, Jb);
op_fn!(jsonb_delete_path, BinaryOp::DeletePath, TextArray, Jb);
op_fn!(jsonb_concat, BinaryOp::Concat, Jb, Jb);

fn jsonb_contained(a: &[Value], _: &FormatContext) -> Result<Value> {
    eval_op(
        &op(BinaryOp::ContainedBy, Jb, Jb, Bool),
        a[0].clone(),
        a[1].clone(),
    )
}

fn array_error(msg: &str) -> SqlError {
    SqlError::ArraySubscript(msg.into())
}

/// The (key, value) pairs of `json_object`'s one- or two-array forms.
fn object_pairs(a: &[Value]) -> Result<Vec<(String, Option<String>)>> {
    let arr = |i: usize| match a.get(i) {
        Some(Value::Array(x)) => Ok(x),
        _ => Err(bug("text[]")),
    };
    let text = |v: &Value| match v {
        Value::Text(s) => Some(s.clone()),
        _ => None,
    };
    let key = |v: &Value| {
        text(v).ok_or_else(|| {
            SqlError::NullValueNotAllowed("null value not allowed for object key".into())
        })
    };
    let keys = arr(0)?;
    if a.len() == 2 {
        let vals = arr(1)?;
        if keys.dims.len() > 1 || vals.dims.len() > 1 {
            return Err(array_error("wrong number of array subscripts"));
        }
        if keys.items.len() != vals.items.len() {
            return Err(array_error("mismatched array dimensions"));
        }
        return keys
            .items
            .iter()
            .zip(&vals.items)
            .map(|(k, v)| Ok((key(k)?, text(v))))
            .collect();
    }
    match keys.dims.len() {
        0 => return Ok(Vec::new()),
        1 if keys.items.len() % 2 != 0 => {
            return Err(array_error("array must have even number of elements"))
        }
        1 => {}
        2 if keys.dims[1].0 != 2 => return Err(array_error("array must have two columns")),
        2 => {}
        _ => return Err(array_error("wrong number of array subscripts")),
    }
    keys.items
        .chunks_exact(2)
        .map(|p| Ok((key(&p[0])?, text(&p[1]))))
        .collect()
}

fn json_object(a: &[Value], _: &FormatContext) -> Result<Value> {
    let pairs = object_pairs(a)?;
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        escape(k, &mut out);
        out.push_str(" : ");
        match v {
            Some(v) => escape(v, &mut out),
            None => out.push_str("null"),
        }
    }
    out.push('}');
    Ok(Value::Text(out))
}

fn jsonb_object(a: &[Value], _: &FormatContext) -> Result<Value> {
    let pairs = object_pairs(a)?
        .into_iter()
        .map(|(k, v)| (k, v.map_or(Json::Null, Json::String)))
        .collect();
    Ok(jsonb(Json::object(pairs)))
}

/// `json_build_object` over arguments already converted to json text (NULL is json null);
/// the binder checked the count and the keys' types.
pub(crate) fn json_build_object(a: &[Value], _: &FormatContext) -> Result<Value> {
    let mut out = String::from("{");
    for (i, pair) in a.chunks(2).enumerate() {
        let Value::Text(k) = &pair[0] else {
            return Err(SqlError::Hinted {
                error: Box::new(SqlError::InvalidParameterValue(format!(
                    "argument {} cannot be null",
                    2 * i + 1
                ))),
                hint: "Object keys should be text.",
                detail: None,
            });
        };
        if i > 0 {
            out.push_str(", ");
        }
        escape(&conv::key_text(k)?, &mut out);
        out.push_str(" : ");
        match pair.get(1) {
            Some(Value::Text(v)) => out.push_str(v),
            _ => out.push_str("null"),
        }
    }
    out.push('}');
    Ok(Value::Text(out))
}

/// `jsonb_build_object` over arguments already converted to jsonb.
pub(crate) fn jsonb_build_object(a: &[Value], _: &FormatContext) -> Result<Value> {
    let mut pairs = Vec::with_capacity(a.len() / 2);
    for (i, pair) in a.chunks(2).enumerate() {
        let Value::Jsonb(k) = &pair[0] else {
            return Err(SqlError::InvalidParameterValue(format!(
                "argument {}: key must not be null",
                2 * i + 1
            )));
        };
        let v = match pair.get(1) {
            Some(Value::Jsonb(v)) => (**v).clone(),
            _ => Json::Null,
        };
        pairs.push((conv::key_of((**k).clone()), v));
    }
    Ok(jsonb(Json::object(pairs)))
}

pub(crate) fn json_build_array(a: &[Value], _: &FormatContext) -> Result<Value> {
    let mut out = String::from("[");
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match v {
            Value::Text(s) => out.push_str(s),
            _ => out.push_str("null"),
        }
    }
    out.push(']');
    Ok(Value::Text(out))
}

pub(crate) fn jsonb_build_array(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(jsonb(Json::Array(
        a.iter()
            .map(|v| match v {
                Value::Jsonb(j) => (**j).clone(),
                _ => Json::Null,
            })
            .collect(),
    )))
}

/// `array_to_json(json_text_of_array, pretty)`: with `pretty`, top-level elements go on lines
/// of their own (`[1,\n 2]`).
pub(crate) fn array_to_json_pretty(a: &[Value], _: &FormatContext) -> Result<Value> {
    let s = arg::text(a, 0)?;
    if !flag(a, 1, false) {
        return Ok(Value::Text(s.to_string()));
    }
    let items = text::elements(s)?.unwrap_or_default();
    Ok(Value::Text(format!("[{}]", items.join(",\n "))))
}

/// The result of a json aggregate over its collected values (see `agg`): json text as
/// PostgreSQL prints it (`[1, 2]`, `{ "a" : 1, "b" : 2 }`) or a jsonb document.
pub(crate) fn finish_agg(func: super::agg::AggFunc, items: Vec<Value>) -> Result<Value> {
    use super::agg::AggFunc;
    let json_text = |v: &Value| match v {
        Value::Text(s) => s.clone(),
        _ => "null".into(),
    };
    let jsonb_of = |v: Value| match v {
        Value::Jsonb(j) => *j,
        _ => Json::Null,
    };
    Ok(match func {
        AggFunc::JsonAgg {
            jsonb: false,
            newline,
        } => {
            let parts: Vec<String> = items.iter().map(json_text).collect();
            Value::Text(format!(
                "[{}]",
                parts.join(if newline { ", \n " } else { ", " })
            ))
        }
        AggFunc::JsonAgg { jsonb: true, .. } => {
            jsonb(Json::Array(items.into_iter().map(jsonb_of).collect()))
        }
        AggFunc::JsonObjectAgg { jsonb: false } => {
            let mut out = String::from("{ ");
            for (i, pair) in items.chunks(2).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                escape(&conv::key_text(&json_text(&pair[0]))?, &mut out);
                out.push_str(" : ");
                out.push_str(&json_text(pair.get(1).unwrap_or(&Value::Null)));
            }
            out.push_str(" }");
            Value::Text(out)
        }
        AggFunc::JsonObjectAgg { jsonb: true } => {
            let mut pairs = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((conv::key_of(jsonb_of(k)), jsonb_of(v)));
            }
            jsonb(Json::object(pairs))
        }
        other => {
            return Err(SqlError::Internal(format!(
                "{other:?} is not a json aggregate"
            )))
        }
    })
}

/// Not strict: the function sees NULL arguments.
const fn lax(mut b: Builtin) -> Builtin {
    b.strict = false;
    b
}

const fn variadic(mut b: Builtin) -> Builtin {
    b.variadic = true;
    b
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("json_typeof"(T(J)) -> Text, json_typeof),
    builtin!("jsonb_typeof"(T(Jb)) -> Text, jsonb_typeof),
    builtin!("json_array_length"(T(J)) -> Int4, json_array_length),
    builtin!("jsonb_array_length"(T(Jb)) -> Int4, jsonb_array_length),
    builtin!("jsonb_pretty"(T(Jb)) -> Text, jsonb_pretty),
    builtin!("json_strip_nulls"(T(J)) -> J, json_strip_nulls),
    builtin!("jsonb_strip_nulls"(T(Jb)) -> Jb, jsonb_strip_nulls),
    builtin!("jsonb_set"(T(Jb), T(TextArray), T(Jb)) -> Jb, jsonb_set),
    builtin!("jsonb_set"(T(Jb), T(TextArray), T(Jb), T(Bool)) -> Jb, jsonb_set),
    lax(builtin!("jsonb_set_lax"(T(Jb), T(TextArray), T(Jb)) -> Jb, jsonb_set_lax)),
    lax(builtin!("jsonb_set_lax"(T(Jb), T(TextArray), T(Jb), T(Bool)) -> Jb, jsonb_set_lax)),
    lax(builtin!(
        "jsonb_set_lax"(T(Jb), T(TextArray), T(Jb), T(Bool), T(Text)) -> Jb,
        jsonb_set_lax
    )),
    builtin!("jsonb_insert"(T(Jb), T(TextArray), T(Jb)) -> Jb, jsonb_insert),
    builtin!("jsonb_insert"(T(Jb), T(TextArray), T(Jb), T(Bool)) -> Jb, jsonb_insert),
    variadic(builtin!("json_extract_path"(T(J), T(Text)) -> J, json_extract_path)),
    variadic(builtin!("json_extract_path_text"(T(J), T(Text)) -> Text, json_extract_path_text)),
    variadic(builtin!("jsonb_extract_path"(T(Jb), T(Text)) -> Jb, jsonb_extract_path)),
    variadic(builtin!(
        "jsonb_extract_path_text"(T(Jb), T(Text)) -> Text,
        jsonb_extract_path_text
    )),
    builtin!("json_object"(T(TextArray)) -> J, json_object),
    builtin!("json_object"(T(TextArray), T(TextArray)) -> J, json_object),
    builtin!("jsonb_object"(T(TextArray)) -> Jb, jsonb_object),
    builtin!("jsonb_object"(T(TextArray), T(TextArray)) -> Jb, jsonb_object),
    builtin!("jsonb_contains"(T(Jb), T(Jb)) -> Bool, jsonb_contains),
    builtin!("jsonb_contained"(T(Jb), T(Jb)) -> Bool, jsonb_contained),
    builtin!("jsonb_exists"(T(Jb), T(Text)) -> Bool, jsonb_exists),
    builtin!("jsonb_exists_any"(T(Jb), T(TextArray)) -> Bool, jsonb_exists_any),
    builtin!("jsonb_exists_all"(T(Jb), T(TextArray)) -> Bool, jsonb_exists_all),
    builtin!("jsonb_delete"(T(Jb), T(Text)) -> Jb, jsonb_delete),
    builtin!("jsonb_delete_path"(T(Jb), T(TextArray)) -> Jb, jsonb_delete_path),
    builtin!("jsonb_concat"(T(Jb), T(Jb)) -> Jb, jsonb_concat),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn jb(s: &str) -> Value {
        Value::parse_text(Jb, s).expect(s)
    }

    fn text_array(xs: &[Option<&str>]) -> Value {
        Value::Array(Box::new(crate::types::Array::from_items(
            Text,
            xs.iter()
                .map(|x| x.map_or(Value::Null, |s| Value::Text(s.into())))
                .collect(),
        )))
    }

    #[test]
    fn functions_match_postgres() {
        let ctx = FormatContext::default();
        let t = |v: Result<Value>| v.expect("ok").to_text().unwrap_or_default();
        assert_eq!(t(jsonb_typeof(&[jb("[1]")], &ctx)), "array");
        assert_eq!(t(json_typeof(&[Value::Text(" 1".into())], &ctx)), "number");
        assert_eq!(
            json_array_length(&[Value::Text("1".into())], &ctx)
                .expect_err("scalar")
                .to_string(),
            "cannot get array length of a scalar"
        );
        assert_eq!(
            t(json_object(
                &[text_array(&[Some("a"), Some("1"), Some("b"), None])],
                &ctx
            )),
            r#"{"a" : "1", "b" : null}"#
        );
        let e = json_object(&[text_array(&[Some("a")])], &ctx).expect_err("odd");
        assert_eq!(
            (e.to_string().as_str(), e.sqlstate()),
            ("array must have even number of elements", "2202E")
        );
        assert_eq!(
            t(jsonb_set(
                &[
                    jb(r#"{"a":[1,2]}"#),
                    text_array(&[Some("a"), Some("0")]),
                    jb("9")
                ],
                &ctx
            )),
            r#"{"a": [9, 2]}"#
        );
        assert_eq!(
            t(jsonb_extract_path_text(
                &[
                    jb(r#"{"a":{"b":"x"}}"#),
                    Value::Text("a".into()),
                    Value::Text("b".into())
                ],
                &ctx
            )),
            "x"
        );
        let built = json_build_object(
            &[
                Value::Text(r#""a""#.into()),
                Value::Text("1".into()),
                Value::Text("2".into()),
                Value::Null,
            ],
            &ctx,
        );
        assert_eq!(t(built), r#"{"a" : 1, "2" : null}"#);
        assert_eq!(
            t(jsonb_strip_nulls(&[jb(r#"{"a":null,"b":[null]}"#)], &ctx)),
            r#"{"b": [null]}"#
        );
    }
}
