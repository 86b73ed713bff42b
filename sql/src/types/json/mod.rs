//! `json` and `jsonb`: the parsed document ([`Json`]), its parser, and jsonb's canonical output.
//!
//! `json` keeps its input text verbatim (PostgreSQL does too; it travels as `Value::Text`), so
//! its operators walk the text ([`text`]) and hand back slices of it. `jsonb` travels parsed as
//! `Value::Jsonb(Box<Json>)` in *normalized* form — the invariant every producer keeps (use
//! [`Json::normalized`] or [`Json::object`]): object keys ordered by length then bytes
//! (jsonb's internal order) with duplicate keys resolved to the last value. Its text output is
//! [`Json::canonical`]: `", "` and `": "` separators, numbers printed as `numeric`.
//!
//! Submodules: `parse` (the parser, PostgreSQL's lexer and its error messages), [`order`]
//! (jsonb's btree order, containment, key existence), [`text`] (the json
//! type's text walkers), [`path`] (jsonb get/set/insert/delete by path, `jsonb_pretty`),
//! [`conv`] (`to_json`/`to_jsonb` of any SQL value), [`ops`] (the operators' evaluation).
//! Left out: jsonpath.

pub mod conv;
pub mod ops;
pub mod order;
mod parse;
pub mod path;
pub mod text;

pub(crate) use parse::Parser;

use super::numeric::Numeric;
use crate::error::Result;

/// A parsed JSON document.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(Numeric),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses JSON text; errors as PostgreSQL's `json_in` (22P02 with a DETAIL).
    /// (`type_name` is kept for callers; PostgreSQL names json in jsonb's errors too.)
    pub fn parse(s: &str, _type_name: &'static str) -> Result<Json> {
        Parser::new(s).document()
    }

    /// Parses jsonb text into normalized form (errors as `jsonb_in`).
    pub fn parse_jsonb(s: &str) -> Result<Json> {
        Ok(Json::parse(s, "jsonb")?.normalized())
    }

    /// The normalized (jsonb) form: every object's keys sorted by (length, bytes), the last of
    /// duplicate keys kept.
    pub fn normalized(self) -> Json {
        match self {
            Json::Array(items) => Json::Array(items.into_iter().map(Json::normalized).collect()),
            Json::Object(items) => Json::object(
                items
                    .into_iter()
                    .map(|(k, v)| (k, v.normalized()))
                    .collect(),
            ),
            other => other,
        }
    }

    /// An object from pairs whose values are already normalized: keys sorted, last duplicate
    /// wins.
    pub fn object(pairs: Vec<(String, Json)>) -> Json {
        let mut pairs: Vec<(usize, (String, Json))> = pairs.into_iter().enumerate().collect();
        // Stable by key, later positions last; then keep the last of each run of equal keys.
        pairs.sort_by(|(i, a), (j, b)| key_order(&a.0, &b.0).then(i.cmp(j)));
        let mut out: Vec<(String, Json)> = Vec::with_capacity(pairs.len());
        for (_, (k, v)) in pairs {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => out.push((k, v)),
            }
        }
        Json::Object(out)
    }

    /// The value of `key` in a normalized object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(items) => items
                .binary_search_by(|(k, _)| key_order(k, key))
                .ok()
                .map(|i| &items[i].1),
            _ => None,
        }
    }

    /// Whether the value is a scalar (not an array or object).
    pub fn is_scalar(&self) -> bool {
        !matches!(self, Json::Array(_) | Json::Object(_))
    }

    /// `json_typeof`'s answer.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// The value as `->>` shows it: a string unquoted, `null` as SQL NULL, others as jsonb text.
    pub fn to_sql_text(&self) -> Option<String> {
        match self {
            Json::Null => None,
            Json::String(s) => Some(s.clone()),
            other => Some(other.canonical()),
        }
    }

    /// jsonb's canonical text (of a normalized value).
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write_canonical(&mut out);
        out
    }

    fn write_canonical(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::String(s) => escape(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_canonical(out);
                }
                out.push(']');
            }
            Json::Object(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    escape(k, out);
                    out.push_str(": ");
                    v.write_canonical(out);
                }
                out.push('}');
            }
        }
    }
}

/// jsonb's key order: shorter keys first, then bytewise.
pub fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// `escape_json`.
pub fn escape(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_canonical_output_matches_postgres() {
        // SELECT '...'::jsonb in PostgreSQL 15.
        let c = |s: &str| Json::parse_jsonb(s).expect(s).canonical();
        assert_eq!(
            c(r#"{"b":1,"a":[1,2.50,"x"],"aa":null,"a":true}"#),
            r#"{"a": true, "b": 1, "aa": null}"#
        );
        assert_eq!(c(" [1e2, -0.5, false] "), "[100, -0.5, false]");
        assert_eq!(c(r#""a\u0041\n""#), r#""aA\n""#);
        let e = Json::parse("{1}", "json").expect_err("bad");
        assert_eq!(e.to_string(), "invalid input syntax for type json");
        assert_eq!(
            e.detail(),
            Some("Expected string or \"}\", but found \"1\".")
        );
        let e = Json::parse("[1,", "jsonb").expect_err("bad");
        assert_eq!(e.detail(), Some("The input string ended unexpectedly."));
        assert!(Json::parse("01", "json").is_err());
        assert!(Json::parse("tru", "json").is_err());
    }
}
