//! `json` and `jsonb`: the parsed document ([`Json`]), its parser, and jsonb's canonical output.
//!
//! `json` keeps its input text verbatim (PostgreSQL does too; it travels as `Value::Text`), so
//! its operators walk the text ([`text`]) and hand back slices of it. `jsonb` travels parsed as
//! `Value::Jsonb(Box<Json>)` in *normalized* form — the invariant every producer keeps (use
//! [`Json::normalized`] or [`Json::object`]): object keys ordered by length then bytes
//! (jsonb's internal order) with duplicate keys resolved to the last value. Its text output is
//! [`Json::canonical`]: `", "` and `": "` separators, numbers printed as `numeric`.
//!
//! Submodules: [`order`] (jsonb's btree order, containment, key existence), [`text`] (the json
//! type's text walkers), [`path`] (jsonb get/set/insert/delete by path, `jsonb_pretty`),
//! [`conv`] (`to_json`/`to_jsonb` of any SQL value), [`ops`] (the operators' evaluation).
//! Left out: jsonpath.

pub mod conv;
pub mod ops;
pub mod order;
pub mod path;
pub mod text;

use super::numeric::Numeric;
use crate::error::{Result, SqlError};

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

pub(crate) struct Parser<'a> {
    pub(crate) s: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) type_name: &'static str,
}

impl Parser<'_> {
    fn err(&self, detail: String) -> SqlError {
        SqlError::InvalidJson {
            type_name: self.type_name,
            detail,
        }
    }

    pub(crate) fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    /// The token starting here, for error messages (`Token "x" is invalid.`).
    fn token_err(&self) -> SqlError {
        if self.pos >= self.s.len() {
            return self.err("The input string ended unexpectedly.".into());
        }
        let end = self.s[self.pos..]
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .map_or(self.s.len(), |p| self.pos + p.max(1));
        let tok = String::from_utf8_lossy(&self.s[self.pos..end]);
        self.err(format!("Token \"{tok}\" is invalid."))
    }

    pub(crate) fn value(&mut self, depth: usize) -> Result<Json> {
        // PostgreSQL's limit is the stack (max_stack_depth); ours is a fixed depth that fits
        // comfortably in a 2 MiB thread stack.
        if depth > 1000 {
            return Err(SqlError::ProgramLimitExceeded(
                "stack depth limit exceeded".into(),
            ));
        }
        self.ws();
        match self.s.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    return Ok(Json::Object(items));
                }
                loop {
                    self.ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return Err(self.token_err());
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.s.get(self.pos) != Some(&b':') {
                        return Err(self.token_err());
                    }
                    self.pos += 1;
                    let v = self.value(depth + 1)?;
                    items.push((k, v));
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Json::Object(items));
                        }
                        _ => return Err(self.token_err()),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(self.token_err()),
                    }
                }
            }
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                self.pos += 1;
                while self.pos < self.s.len()
                    && matches!(
                        self.s[self.pos],
                        b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'
                    )
                {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
                let valid = {
                    let body = text.strip_prefix('-').unwrap_or(text);
                    let leading_zero = body.len() > 1
                        && body.starts_with('0')
                        && body.as_bytes()[1].is_ascii_digit();
                    !(body.starts_with('.') || body.ends_with('.') || leading_zero)
                };
                match Numeric::parse(text) {
                    Ok(n) if valid => Ok(Json::Number(n)),
                    _ => {
                        self.pos = start;
                        Err(self.token_err())
                    }
                }
            }
            Some(_) => {
                for (word, v) in [
                    (&b"true"[..], Json::Bool(true)),
                    (b"false", Json::Bool(false)),
                    (b"null", Json::Null),
                ] {
                    let end = self.pos + word.len();
                    if self.s.get(self.pos..end) == Some(word)
                        && !self.s.get(end).is_some_and(|c| c.is_ascii_alphanumeric())
                    {
                        self.pos = end;
                        return Ok(v);
                    }
                }
                Err(self.token_err())
            }
            None => Err(self.err("The input string ended unexpectedly.".into())),
        }
    }

    pub(crate) fn string(&mut self) -> Result<String> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(self.err("The input string ended unexpectedly.".into()));
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else {
                        return Err(self.err("The input string ended unexpectedly.".into()));
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hex = |p: &mut Self| -> Result<u32> {
                                let h = p.s.get(p.pos..p.pos + 4).and_then(|h| {
                                    u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
                                });
                                p.pos += 4;
                                h.ok_or_else(|| {
                                    p.err(
                                        "\"\\u\" must be followed by four hexadecimal digits."
                                            .into(),
                                    )
                                })
                            };
                            let mut cp = hex(self)?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s.get(self.pos..self.pos + 2) == Some(b"\\u")
                            {
                                self.pos += 2;
                                let lo = hex(self)?;
                                cp = 0x10000
                                    + ((cp - 0xD800) << 10)
                                    + (lo.wrapping_sub(0xDC00) & 0x3ff);
                            }
                            let ch = char::from_u32(cp).ok_or_else(|| {
                                self.err(
                                    "Unicode low surrogate must follow a high surrogate.".into(),
                                )
                            })?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => {
                            return Err(self.err(format!(
                                "Escape sequence \"\\{}\" is invalid.",
                                other as char
                            )))
                        }
                    }
                }
                c if c < 0x20 => {
                    return Err(self.err(format!("Character with value 0x{c:02x} must be escaped.")))
                }
                c => out.push(c),
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

impl Json {
    /// Parses JSON text; errors as PostgreSQL's `json_in` (22P02 with a DETAIL).
    pub fn parse(s: &str, type_name: &'static str) -> Result<Json> {
        let mut p = Parser {
            s: s.as_bytes(),
            pos: 0,
            type_name,
        };
        let v = p.value(0)?;
        p.ws();
        if p.pos < p.s.len() {
            return Err(p.token_err());
        }
        Ok(v)
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
        assert_eq!(e.detail(), Some("Token \"1\" is invalid."));
        let e = Json::parse("[1,", "jsonb").expect_err("bad");
        assert_eq!(e.detail(), Some("The input string ended unexpectedly."));
        assert!(Json::parse("01", "json").is_err());
        assert!(Json::parse("tru", "json").is_err());
    }
}
