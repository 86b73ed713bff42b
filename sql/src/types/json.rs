//! `json` and `jsonb` basics: validation, and jsonb's canonical output.
//!
//! `json` keeps its input text verbatim (PostgreSQL does too); `jsonb` is parsed and printed in
//! canonical form: object keys ordered by length then bytes (jsonb's internal order), duplicate keys
//! resolved to the last value, `", "` and `": "` separators, numbers printed as `numeric`.
//! Left out: operators (`->`, `->>`, `@>`, ...) and json functions beyond what casts need.

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

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    type_name: &'static str,
}

impl Parser<'_> {
    fn err(&self, detail: String) -> SqlError {
        SqlError::InvalidJson {
            type_name: self.type_name,
            detail,
        }
    }

    fn ws(&mut self) {
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

    fn value(&mut self, depth: usize) -> Result<Json> {
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

    fn string(&mut self) -> Result<String> {
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

    /// jsonb's canonical text.
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
                // Last duplicate wins; order by (length, bytes).
                let mut sorted: Vec<&(String, Json)> = Vec::with_capacity(items.len());
                for item in items.iter().rev() {
                    if !sorted.iter().any(|(k, _)| *k == item.0) {
                        sorted.push(item);
                    }
                }
                sorted.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(&b.0)));
                out.push('{');
                for (i, (k, v)) in sorted.iter().enumerate() {
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
        let c = |s: &str| Json::parse(s, "jsonb").expect(s).canonical();
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
