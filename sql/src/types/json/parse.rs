//! The JSON parser: PostgreSQL's lexer and recursive-descent grammar (`jsonapi.c`), so that
//! errors read as PostgreSQL's — `invalid input syntax for type json` (for jsonb too), a DETAIL
//! naming the token (`Expected ":", but found "}".`, `Token "1f2" is invalid.`) and a CONTEXT
//! quoting the input up to the bad token (`JSON data, line 1: {"abc"}`).
//!
//! Tokens: punctuation, strings, numbers (`-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`),
//! and words (runs of letters, digits, `_` and non-ASCII bytes) which must be `true`, `false` or
//! `null`. A number followed by word characters is one invalid token (`1f2`), as in PostgreSQL.

use super::Json;
use crate::error::{Result, SqlError};
use crate::types::numeric::Numeric;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    ObjectStart,
    ObjectEnd,
    ArrayStart,
    ArrayEnd,
    Comma,
    Colon,
    String(String),
    Number(Numeric),
    True,
    False,
    Null,
    End,
}

/// PostgreSQL's `JSON_ALPHANUMERIC_CHAR`.
fn word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// A JSON parser over one input; `pos` is the byte offset of the next token.
pub(crate) struct Parser<'a> {
    pub(crate) s: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(s: &'a str) -> Parser<'a> {
        Parser {
            s: s.as_bytes(),
            pos: 0,
        }
    }

    /// The error for a problem ending at byte `end`, with PostgreSQL's CONTEXT line.
    pub(crate) fn fail(&self, detail: String, end: usize) -> SqlError {
        let end = end.min(self.s.len());
        let text = String::from_utf8_lossy(self.s);
        let mut end_char = end;
        while !text.is_char_boundary(end_char) {
            end_char += 1;
        }
        let line_start = text[..end_char].rfind('\n').map_or(0, |i| i + 1);
        let line = 1 + text[..line_start].matches('\n').count();
        let mut start = line_start;
        while end_char - start >= 50 {
            start += 1;
            while !text.is_char_boundary(start) {
                start += 1;
            }
        }
        let prefix = if start > line_start { "..." } else { "" };
        let more = end_char < text.len() && !matches!(self.s.get(end_char), Some(b'\n' | b'\r'));
        let suffix = if more { "..." } else { "" };
        SqlError::InvalidJson {
            type_name: "json",
            detail,
            context: format!(
                "JSON data, line {line}: {prefix}{}{suffix}",
                &text[start..end_char]
            ),
        }
    }

    pub(crate) fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Lexes the next token: the token and its start.
    fn lex(&mut self) -> Result<(Tok, usize)> {
        self.ws();
        let start = self.pos;
        let Some(&c) = self.s.get(start) else {
            return Ok((Tok::End, start));
        };
        let punct = match c {
            b'{' => Some(Tok::ObjectStart),
            b'}' => Some(Tok::ObjectEnd),
            b'[' => Some(Tok::ArrayStart),
            b']' => Some(Tok::ArrayEnd),
            b',' => Some(Tok::Comma),
            b':' => Some(Tok::Colon),
            _ => None,
        };
        if let Some(t) = punct {
            self.pos += 1;
            return Ok((t, start));
        }
        if c == b'"' {
            return Ok((Tok::String(self.string()?), start));
        }
        if c == b'-' || c.is_ascii_digit() {
            return Ok((self.number()?, start));
        }
        let mut end = start;
        while self.s.get(end).is_some_and(|&b| word_byte(b)) {
            end += 1;
        }
        if end == start {
            // One character, whole.
            let len = std::str::from_utf8(&self.s[start..])
                .ok()
                .and_then(|t| t.chars().next())
                .map_or(1, char::len_utf8);
            return Err(self.invalid(start, start + len));
        }
        let tok = match &self.s[start..end] {
            b"true" => Tok::True,
            b"false" => Tok::False,
            b"null" => Tok::Null,
            _ => return Err(self.invalid(start, end)),
        };
        self.pos = end;
        Ok((tok, start))
    }

    fn invalid(&self, start: usize, end: usize) -> SqlError {
        let tok = String::from_utf8_lossy(&self.s[start..end]);
        self.fail(format!("Token \"{tok}\" is invalid."), end)
    }

    fn number(&mut self) -> Result<Tok> {
        let start = self.pos;
        let s = self.s;
        let digits = |mut i: usize| {
            let from = i;
            while s.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            (i, i > from)
        };
        let mut i = start;
        let mut ok = true;
        if s.get(i) == Some(&b'-') {
            i += 1;
        }
        match s.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i).0,
            _ => ok = false,
        }
        if ok && s.get(i) == Some(&b'.') {
            let (j, any) = digits(i + 1);
            i = j;
            ok = any;
        }
        if ok && matches!(s.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(s.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let (j, any) = digits(i);
            i = j;
            ok = any;
        }
        // Trailing word characters belong to the (invalid) token.
        while s.get(i).is_some_and(|&b| word_byte(b)) {
            i += 1;
            ok = false;
        }
        let text = std::str::from_utf8(&s[start..i]).unwrap_or("");
        match Numeric::parse(text) {
            Ok(n) if ok => {
                self.pos = i;
                Ok(Tok::Number(n))
            }
            _ => Err(self.invalid(start, i.max(start + 1))),
        }
    }

    /// A string token starting at the opening quote: its decoded text.
    pub(crate) fn string(&mut self) -> Result<String> {
        let start = self.pos;
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(self.invalid(start, self.s.len()));
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else {
                        return Err(self.invalid(start, self.s.len()));
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => self.unicode_escape(&mut out)?,
                        _ => {
                            let len = std::str::from_utf8(&self.s[self.pos - 1..])
                                .ok()
                                .and_then(|t| t.chars().next())
                                .map_or(1, char::len_utf8);
                            let end = self.pos - 1 + len;
                            let esc = String::from_utf8_lossy(&self.s[self.pos - 1..end]);
                            return Err(
                                self.fail(format!("Escape sequence \"\\{esc}\" is invalid."), end)
                            );
                        }
                    }
                }
                c if c < 0x20 => {
                    return Err(self.fail(
                        format!("Character with value 0x{c:02x} must be escaped."),
                        self.pos - 1,
                    ))
                }
                c => out.push(c),
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// `\uXXXX` (after the `u`), with surrogate pairs; appends the character.
    fn unicode_escape(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let hex = |p: &mut Self| -> Result<u32> {
            let mut v = 0u32;
            for _ in 0..4 {
                let d = p.s.get(p.pos).and_then(|&c| (c as char).to_digit(16));
                match d {
                    Some(d) => {
                        v = v * 16 + d;
                        p.pos += 1;
                    }
                    None => {
                        let end = (p.pos + 1).min(p.s.len());
                        return Err(p.fail(
                            "\"\\u\" must be followed by four hexadecimal digits.".into(),
                            end,
                        ));
                    }
                }
            }
            Ok(v)
        };
        let mut cp = hex(self)?;
        if (0xD800..0xDC00).contains(&cp) && self.s.get(self.pos..self.pos + 2) == Some(b"\\u") {
            self.pos += 2;
            let lo = hex(self)?;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3ff);
        }
        // A lone surrogate has no UTF-8 form; json keeps its text, so only the decoded
        // string (`->>`, jsonb) sees the replacement character.
        let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }

    /// The error for an unexpected token: PostgreSQL's `Expected ..., but found "x".`.
    fn unexpected(&self, tok: &Tok, start: usize, expected: &str) -> SqlError {
        if *tok == Tok::End {
            return self.fail("The input string ended unexpectedly.".into(), self.s.len());
        }
        let found = String::from_utf8_lossy(&self.s[start..self.pos]);
        self.fail(
            format!("Expected {expected}, but found \"{found}\"."),
            self.pos,
        )
    }

    /// One value (depth-limited, as PostgreSQL's is by the stack).
    pub(crate) fn value(&mut self, depth: usize) -> Result<Json> {
        let (tok, start) = self.lex()?;
        self.value_from(tok, start, depth, "JSON value")
    }

    fn value_from(&mut self, tok: Tok, start: usize, depth: usize, expected: &str) -> Result<Json> {
        if depth > 1000 {
            return Err(SqlError::ProgramLimitExceeded(
                "stack depth limit exceeded".into(),
            ));
        }
        Ok(match tok {
            Tok::String(s) => Json::String(s),
            Tok::Number(n) => Json::Number(n),
            Tok::True => Json::Bool(true),
            Tok::False => Json::Bool(false),
            Tok::Null => Json::Null,
            Tok::ObjectStart => self.object(depth)?,
            Tok::ArrayStart => self.array(depth)?,
            other => return Err(self.unexpected(&other, start, expected)),
        })
    }

    fn object(&mut self, depth: usize) -> Result<Json> {
        let mut items = Vec::new();
        let (mut tok, mut start) = self.lex()?;
        if tok == Tok::ObjectEnd {
            return Ok(Json::Object(items));
        }
        let mut expected = "string or \"}\"";
        loop {
            let Tok::String(key) = tok else {
                return Err(self.unexpected(&tok, start, expected));
            };
            let (colon, at) = self.lex()?;
            if colon != Tok::Colon {
                return Err(self.unexpected(&colon, at, "\":\""));
            }
            items.push((key, self.value(depth + 1)?));
            let (next, at) = self.lex()?;
            match next {
                Tok::Comma => {}
                Tok::ObjectEnd => return Ok(Json::Object(items)),
                other => return Err(self.unexpected(&other, at, "\",\" or \"}\"")),
            }
            (tok, start) = self.lex()?;
            expected = "string";
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json> {
        let mut items = Vec::new();
        let (tok, start) = self.lex()?;
        if tok == Tok::ArrayEnd {
            return Ok(Json::Array(items));
        }
        items.push(self.value_from(tok, start, depth + 1, "JSON value")?);
        loop {
            let (next, at) = self.lex()?;
            match next {
                Tok::Comma => items.push(self.value(depth + 1)?),
                Tok::ArrayEnd => return Ok(Json::Array(items)),
                other => return Err(self.unexpected(&other, at, "\",\" or \"]\"")),
            }
        }
    }

    /// A whole document: one value, then the end of the input.
    pub(crate) fn document(&mut self) -> Result<Json> {
        let v = self.value(0)?;
        let (tok, start) = self.lex()?;
        if tok != Tok::End {
            return Err(self.unexpected(&tok, start, "end of input"));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> (String, String, String) {
        let e = Parser::new(s).document().expect_err(s);
        let SqlError::InvalidJson {
            type_name,
            detail,
            context,
        } = e
        else {
            panic!("not a json error: {e:?}");
        };
        (type_name.to_string(), detail, context)
    }

    #[test]
    fn errors_match_postgres() {
        // SELECT '...'::json in PostgreSQL 15.
        let d = |s: &str| {
            let (_, detail, context) = err(s);
            format!("{detail} | {context}")
        };
        assert_eq!(
            d("[,1]"),
            r#"Expected JSON value, but found ",". | JSON data, line 1: [,..."#
        );
        assert_eq!(
            d("[1 2]"),
            r#"Expected "," or "]", but found "2". | JSON data, line 1: [1 2..."#
        );
        assert_eq!(
            d(r#"{"a" 1}"#),
            r#"Expected ":", but found "1". | JSON data, line 1: {"a" 1..."#
        );
        assert_eq!(d("-x"), r#"Token "-x" is invalid. | JSON data, line 1: -x"#);
        assert_eq!(
            d("1f2"),
            r#"Token "1f2" is invalid. | JSON data, line 1: 1f2"#
        );
        assert_eq!(d("01"), r#"Token "01" is invalid. | JSON data, line 1: 01"#);
        assert_eq!(d("1."), r#"Token "1." is invalid. | JSON data, line 1: 1."#);
        assert_eq!(
            d(r#""\u00zz""#),
            r#""\u" must be followed by four hexadecimal digits. | JSON data, line 1: "\u00z..."#
        );
        assert_eq!(
            d(r#"{"a":1,}"#),
            r#"Expected string, but found "}". | JSON data, line 1: {"a":1,}"#
        );
        assert_eq!(
            d(r#""abc"#),
            r#"Token ""abc" is invalid. | JSON data, line 1: "abc"#
        );
        assert_eq!(
            d("\"abc\ndef\""),
            "Character with value 0x0a must be escaped. | JSON data, line 1: \"abc"
        );
        assert_eq!(
            d("[1,2"),
            "The input string ended unexpectedly. | JSON data, line 1: [1,2"
        );
        assert_eq!(
            d("true false"),
            r#"Expected end of input, but found "false". | JSON data, line 1: true false"#
        );
        assert_eq!(
            d("{\n\t\"two\":,\"x\":1}"),
            "Expected JSON value, but found \",\". | JSON data, line 2: \t\"two\":,..."
        );
        assert_eq!(d("'"), r#"Token "'" is invalid. | JSON data, line 1: '"#);
        assert_eq!(err("[").0, "json");
    }
}
