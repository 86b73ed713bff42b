//! `to_json` / `to_jsonb` of any SQL value (`datum_to_json` / `datum_to_jsonb`): numbers stay
//! numbers unless their text is not a JSON number (`NaN`, `Infinity` become strings), booleans
//! become `true`/`false`, json is embedded as it is, arrays become JSON arrays (nested by
//! dimension), date/time values take ISO 8601 with a `T` whatever DateStyle says (and a full
//! `+HH:MM` offset), everything else is its text output as a JSON string.
//!
//! The json form is text, built without spaces inside arrays (`[1,2]`, as PostgreSQL's
//! `array_to_json`); the jsonb form is a normalized [`Json`].

use super::Json;
use crate::error::Result;
use crate::types::array::Array;
use crate::types::context::{DateStyle, FormatContext};
use crate::types::{datetime, DataType, Value};

/// Whether PostgreSQL's `json_categorize_type` puts `ty` in its numeric category.
fn numeric_category(ty: DataType) -> bool {
    matches!(
        ty,
        DataType::Int2
            | DataType::Int4
            | DataType::Int8
            | DataType::Float4
            | DataType::Float8
            | DataType::Numeric
    )
}

/// The ISO 8601 form json uses for date/time values; `None` for other values.
fn datetime_text(v: &Value, ctx: &FormatContext) -> Option<String> {
    let iso = FormatContext {
        datestyle: DateStyle::Iso,
        ..ctx.clone()
    };
    let t_sep = |s: String| {
        if s.ends_with("infinity") {
            s
        } else {
            s.replacen(' ', "T", 1)
        }
    };
    Some(match v {
        Value::Date(d) => datetime::format_date(*d, &iso),
        Value::Time(t) => datetime::format_time(*t),
        Value::Timestamp(t) => t_sep(datetime::format_timestamp(*t, &iso)),
        Value::Timestamptz(t) => {
            let s = t_sep(datetime::format_timestamptz(*t, &iso));
            // XSD offsets always carry minutes: `+00` → `+00:00`.
            match s.rfind(['+', '-']) {
                Some(i) if i > 10 && s.len() - i == 3 => format!("{s}:00"),
                _ => s,
            }
        }
        _ => return None,
    })
}

/// The text of a value in json: appended to `out`.
pub fn write_json(v: &Value, ty: DataType, ctx: &FormatContext, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Jsonb(j) => out.push_str(&j.canonical()),
        Value::Text(s) if ty == DataType::Json => out.push_str(s),
        Value::Array(a) => write_array(a, ctx, out),
        // An anonymous record's fields are f1, f2, ... (PostgreSQL's names for them).
        Value::Record(r) => {
            out.push('{');
            for (i, (v, t)) in r.fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                super::escape(&format!("f{}", i + 1), out);
                out.push(':');
                write_json(v, *t, ctx, out);
            }
            out.push('}');
        }
        _ => {
            if let Some(s) = datetime_text(v, ctx) {
                super::escape(&s, out);
                return;
            }
            let text = v.to_text_ctx(ctx).unwrap_or_default();
            if numeric_category(ty) && matches!(Json::parse(&text, "json"), Ok(Json::Number(_))) {
                out.push_str(&text);
            } else {
                super::escape(&text, out);
            }
        }
    }
}

fn write_array(a: &Array, ctx: &FormatContext, out: &mut String) {
    fn level(
        a: &Array,
        dim: usize,
        items: &mut std::slice::Iter<'_, Value>,
        ctx: &FormatContext,
        out: &mut String,
    ) {
        out.push('[');
        let n = a.dims.get(dim).map_or(0, |d| d.0);
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            if dim + 1 < a.dims.len() {
                level(a, dim + 1, items, ctx, out);
            } else if let Some(v) = items.next() {
                write_json(v, a.elem, ctx, out);
            }
        }
        out.push(']');
    }
    level(a, 0, &mut a.items.iter(), ctx, out);
}

/// `to_json(v)` as text.
pub fn to_json_text(v: &Value, ty: DataType, ctx: &FormatContext) -> String {
    let mut out = String::new();
    write_json(v, ty, ctx, &mut out);
    out
}

/// `to_jsonb(v)`: a normalized document.
pub fn to_jsonb(v: &Value, ty: DataType, ctx: &FormatContext) -> Result<Json> {
    Ok(match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Jsonb(j) => (**j).clone(),
        Value::Text(s) if ty == DataType::Json => Json::parse_jsonb(s)?,
        Value::Array(a) => {
            fn level(
                a: &Array,
                dim: usize,
                items: &mut std::slice::Iter<'_, Value>,
                ctx: &FormatContext,
            ) -> Result<Json> {
                let n = a.dims.get(dim).map_or(0, |d| d.0);
                let mut out = Vec::with_capacity(n.max(0) as usize);
                for _ in 0..n {
                    if dim + 1 < a.dims.len() {
                        out.push(level(a, dim + 1, items, ctx)?);
                    } else if let Some(v) = items.next() {
                        out.push(to_jsonb(v, a.elem, ctx)?);
                    }
                }
                Ok(Json::Array(out))
            }
            level(a, 0, &mut a.items.iter(), ctx)?
        }
        Value::Record(r) => Json::object(
            (r.fields.iter().enumerate())
                .map(|(i, (v, t))| Ok((format!("f{}", i + 1), to_jsonb(v, *t, ctx)?)))
                .collect::<Result<Vec<_>>>()?,
        ),
        _ => {
            if let Some(s) = datetime_text(v, ctx) {
                return Ok(Json::String(s));
            }
            let text = v.to_text_ctx(ctx).unwrap_or_default();
            match Json::parse(&text, "json") {
                Ok(n @ Json::Number(_)) if numeric_category(ty) => n,
                _ => Json::String(text),
            }
        }
    })
}

/// A row as a json object: `{"a":1,"b":"x"}` (`pretty`: `{"a":1,\n "b":"x"}`), or jsonb.
pub fn record(
    names: &[String],
    fields: &[(Value, DataType)],
    jsonb: bool,
    pretty: bool,
    ctx: &FormatContext,
) -> Result<Value> {
    if jsonb {
        let pairs = names
            .iter()
            .zip(fields)
            .map(|(n, (v, t))| Ok((n.clone(), to_jsonb(v, *t, ctx)?)))
            .collect::<Result<Vec<_>>>()?;
        return Ok(Value::Jsonb(Box::new(Json::object(pairs))));
    }
    let mut out = String::from("{");
    for (i, (n, (v, t))) in names.iter().zip(fields).enumerate() {
        if i > 0 {
            out.push_str(if pretty { ",\n " } else { "," });
        }
        super::escape(n, &mut out);
        out.push(':');
        write_json(v, *t, ctx, &mut out);
    }
    out.push('}');
    Ok(Value::Text(out))
}

/// A json text as an object key (`json_build_object`'s keys): strings unquoted, other
/// scalars as their text.
pub fn key_text(json: &str) -> Result<String> {
    Ok(match Json::parse(json, "json")? {
        Json::String(s) => s,
        _ => json.trim().to_string(),
    })
}

/// A jsonb scalar as an object key.
pub fn key_of(j: Json) -> String {
    match j {
        Json::String(s) => s,
        other => other.canonical(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_match_postgres() {
        let ctx = FormatContext::default();
        let v = |ty: DataType, s: &str| Value::parse_text(ty, s).expect(s);
        let t = |x: Value, ty: DataType| to_json_text(&x, ty, &ctx);
        let tb = |x: Value, ty: DataType| to_jsonb(&x, ty, &ctx).expect("jsonb").canonical();
        assert_eq!(
            t(v(DataType::Int4Array, "{{1,2},{3,4}}"), DataType::Int4Array),
            "[[1,2],[3,4]]"
        );
        assert_eq!(
            t(
                v(DataType::Timestamptz, "2020-01-01 10:00:00.5+02"),
                DataType::Timestamptz
            ),
            r#""2020-01-01T08:00:00.5+00:00""#
        );
        assert_eq!(
            t(
                v(DataType::Timestamp, "2020-01-01 10:00"),
                DataType::Timestamp
            ),
            r#""2020-01-01T10:00:00""#
        );
        assert_eq!(t(v(DataType::Float8, "1e20"), DataType::Float8), "1e+20");
        assert_eq!(
            tb(v(DataType::Float8, "1e20"), DataType::Float8),
            "100000000000000000000"
        );
        assert_eq!(t(v(DataType::Float8, "NaN"), DataType::Float8), r#""NaN""#);
        assert_eq!(t(v(DataType::Numeric, "1.50"), DataType::Numeric), "1.50");
        assert_eq!(t(v(DataType::Bpchar, "x  "), DataType::Bpchar), r#""x  ""#);
        assert_eq!(
            t(v(DataType::Json, r#"{"a" :1}"#), DataType::Json),
            r#"{"a" :1}"#
        );
        assert_eq!(
            t(v(DataType::Text, r#"{"a" :1}"#), DataType::Text),
            r#""{\"a\" :1}""#
        );
        assert_eq!(tb(v(DataType::Oid, "7"), DataType::Oid), r#""7""#);
        assert_eq!(key_text(r#""a\"b""#).expect("key"), "a\"b");
    }
}
