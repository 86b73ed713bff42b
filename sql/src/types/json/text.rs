//! Walking `json` text. The json type keeps its input verbatim, and PostgreSQL's json functions
//! answer with slices of that text (`'{"a": {"b" : 1}}'::json -> 'a'` is `{"b" : 1}`, spacing
//! kept), so these walkers return `&str` slices of their input rather than parsed values.
//! Inputs are valid json (checked when the value was made); a malformed one still gets
//! `json_in`'s error rather than a panic.

use super::{Json, Parser};
use crate::error::Result;

fn parser(s: &str) -> Parser<'_> {
    Parser::new(s)
}

/// The kind of a json text: `object`, `array`, `string`, `number`, `boolean` or `null`.
pub fn kind(s: &str) -> &'static str {
    match s
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .as_bytes()
        .first()
    {
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

/// The slice of the next value, after leading whitespace.
fn value<'a>(p: &mut Parser<'a>, s: &'a str) -> Result<&'a str> {
    p.ws();
    let start = p.pos;
    p.value(1)?;
    Ok(&s[start..p.pos])
}

fn expect(p: &mut Parser<'_>, c: u8) -> Result<()> {
    p.ws();
    if p.s.get(p.pos) != Some(&c) {
        return Err(p.fail("The input string ended unexpectedly.".into(), p.s.len()));
    }
    p.pos += 1;
    Ok(())
}

/// An object's fields in text order (duplicates kept), or `None` for a non-object.
pub fn fields(s: &str) -> Result<Option<Vec<(String, &str)>>> {
    if kind(s) != "object" {
        return Ok(None);
    }
    let mut p = parser(s);
    expect(&mut p, b'{')?;
    let mut out = Vec::new();
    p.ws();
    if p.s.get(p.pos) == Some(&b'}') {
        return Ok(Some(out));
    }
    loop {
        p.ws();
        let key = p.string()?;
        expect(&mut p, b':')?;
        out.push((key, value(&mut p, s)?));
        p.ws();
        match p.s.get(p.pos) {
            Some(b',') => p.pos += 1,
            _ => return Ok(Some(out)),
        }
    }
}

/// An array's elements, or `None` for a non-array.
pub fn elements(s: &str) -> Result<Option<Vec<&str>>> {
    if kind(s) != "array" {
        return Ok(None);
    }
    let mut p = parser(s);
    expect(&mut p, b'[')?;
    let mut out = Vec::new();
    p.ws();
    if p.s.get(p.pos) == Some(&b']') {
        return Ok(Some(out));
    }
    loop {
        out.push(value(&mut p, s)?);
        p.ws();
        match p.s.get(p.pos) {
            Some(b',') => p.pos += 1,
            _ => return Ok(Some(out)),
        }
    }
}

/// `json -> key`: the last field of that name (as PostgreSQL's json_object_field finds it).
pub fn field<'a>(s: &'a str, key: &str) -> Result<Option<&'a str>> {
    Ok(fields(s)?.and_then(|f| f.into_iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)))
}

/// `json -> n`: element `n` (negative counts from the end).
pub fn element(s: &str, n: i64) -> Result<Option<&str>> {
    let Some(items) = elements(s)? else {
        return Ok(None);
    };
    let i = if n < 0 { items.len() as i64 + n } else { n };
    Ok(usize::try_from(i).ok().and_then(|i| items.get(i).copied()))
}

/// `json #> path`: follows keys through objects and integer steps through arrays; `None` when
/// a step is missing (or NULL).
pub fn path<'a>(s: &'a str, steps: &[Option<String>]) -> Result<Option<&'a str>> {
    let mut cur = s.trim_matches([' ', '\t', '\n', '\r']);
    for step in steps {
        let Some(step) = step else {
            return Ok(None);
        };
        let next = match kind(cur) {
            "object" => field(cur, step)?,
            "array" => match step.trim().parse::<i64>() {
                Ok(n) => element(cur, n)?,
                Err(_) => None,
            },
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// A json value as `->>` shows it: strings de-escaped, `null` as SQL NULL, others verbatim.
pub fn to_sql_text(slice: &str) -> Result<Option<String>> {
    Ok(match kind(slice) {
        "string" => Some(parser(slice.trim_start()).string()?),
        "null" => None,
        _ => Some(slice.to_string()),
    })
}

/// `json_strip_nulls`: object fields whose value is null removed at every depth, printed
/// without whitespace (PostgreSQL re-emits the tokens).
pub fn strip_nulls(s: &str) -> Result<String> {
    fn write(j: &Json, out: &mut String) {
        match j {
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            Json::Object(items) => {
                out.push('{');
                let mut first = true;
                for (k, v) in items.iter().filter(|(_, v)| *v != Json::Null) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    super::escape(k, out);
                    out.push(':');
                    write(v, out);
                }
                out.push('}');
            }
            scalar => out.push_str(&scalar.canonical()),
        }
    }
    let mut out = String::new();
    write(&Json::parse(s, "json")?, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walkers_keep_the_text() {
        let s = r#" {"a": {"b" : 1}, "c": [1, "x" ,null], "a": 2} "#;
        assert_eq!(field(s, "a").expect("ok"), Some("2"));
        assert_eq!(field(s, "z").expect("ok"), None);
        let c = field(s, "c").expect("ok").expect("c");
        assert_eq!(c, r#"[1, "x" ,null]"#);
        assert_eq!(element(c, -2).expect("ok"), Some(r#""x""#));
        assert_eq!(element(c, 3).expect("ok"), None);
        let p = |xs: &[&str]| {
            let steps: Vec<Option<String>> = xs.iter().map(|x| Some(x.to_string())).collect();
            path(s, &steps).expect("ok")
        };
        assert_eq!(p(&["c", "1"]), Some(r#""x""#));
        assert_eq!(p(&["c", "x"]), None);
        assert_eq!(
            to_sql_text(r#""a\nb""#).expect("ok").as_deref(),
            Some("a\nb")
        );
        assert_eq!(to_sql_text("null").expect("ok"), None);
        assert_eq!(
            strip_nulls(r#"{"a": 1, "b":null, "c" : [1, null]}"#).expect("ok"),
            r#"{"a":1,"c":[1,null]}"#
        );
    }
}
