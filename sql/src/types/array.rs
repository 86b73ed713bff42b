//! Arrays: `{1,2,NULL}` text format with PostgreSQL's quoting rules, multi-dimensional values and
//! lower bounds, and `array_send`/`array_recv`.
//!
//! Invariants: `items.len()` is the product of the dimension lengths (row-major order); an empty
//! array has no dimensions; every non-NULL item is a value of `elem`.

use super::context::FormatContext;
use super::{DataType, Value};
use crate::error::{Result, SqlError};

/// One array value.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub elem: DataType,
    /// `(length, lower bound)` per dimension, outermost first.
    pub dims: Vec<(i32, i32)>,
    pub items: Vec<Value>,
}

impl Array {
    /// A one-dimensional array with lower bound 1 (or the empty array).
    pub fn from_items(elem: DataType, items: Vec<Value>) -> Array {
        let dims = if items.is_empty() {
            Vec::new()
        } else {
            vec![(items.len() as i32, 1)]
        };
        Array { elem, dims, items }
    }

    /// `array_out`.
    pub fn format_text(&self, ctx: &FormatContext, out: &mut String) {
        if self.dims.iter().any(|(_, lb)| *lb != 1) {
            for (len, lb) in &self.dims {
                out.push_str(&format!("[{}:{}]", lb, lb + len - 1));
            }
            out.push('=');
        }
        if self.dims.is_empty() {
            out.push_str("{}");
            return;
        }
        let mut idx = 0;
        self.format_dim(0, &mut idx, ctx, out);
    }

    fn format_dim(&self, d: usize, idx: &mut usize, ctx: &FormatContext, out: &mut String) {
        out.push('{');
        let len = self.dims[d].0;
        for i in 0..len {
            if i > 0 {
                out.push(',');
            }
            if d + 1 < self.dims.len() {
                self.format_dim(d + 1, idx, ctx, out);
            } else {
                match self.items.get(*idx) {
                    None | Some(Value::Null) => out.push_str("NULL"),
                    Some(v) => {
                        let s = v.to_text_ctx(ctx).unwrap_or_default();
                        push_element(&s, out);
                    }
                }
                *idx += 1;
            }
        }
        out.push('}');
    }

    /// `array_in` for one- and multi-dimensional literals with optional `[lo:hi]=` decoration.
    pub fn parse(elem: DataType, s: &str, ctx: &FormatContext) -> Result<Array> {
        let bad = |detail: &str| SqlError::InvalidArrayLiteral {
            value: s.to_string(),
            detail: detail.to_string(),
        };
        let mut t = s.trim_start();
        let mut lower_bounds = Vec::new();
        if t.starts_with('[') {
            let (decor, rest) = t
                .split_once('=')
                .ok_or_else(|| bad("Missing \"=\" after array dimensions."))?;
            for dim in decor.trim().split(']').filter(|d| !d.is_empty()) {
                let dim = dim.trim_start_matches('[');
                let (lo, hi) = dim.split_once(':').unwrap_or(("1", dim));
                let lo: i32 = lo.trim().parse().map_err(|_| {
                    bad("\"[\" must introduce explicitly-specified array dimensions.")
                })?;
                let hi: i32 = hi.trim().parse().map_err(|_| {
                    bad("\"[\" must introduce explicitly-specified array dimensions.")
                })?;
                lower_bounds.push((hi - lo + 1, lo));
            }
            t = rest.trim_start();
        }
        if !t.starts_with('{') {
            return Err(bad(
                "Array value must start with \"{\" or dimension information.",
            ));
        }
        let b = t.as_bytes();
        let mut pos = 0;
        let mut raw: Vec<Option<String>> = Vec::new();
        let mut dims: Vec<i32> = Vec::new();
        parse_level(b, &mut pos, 0, &mut dims, &mut raw).map_err(&bad)?;
        if b[pos..].iter().any(|c| !c.is_ascii_whitespace()) {
            return Err(bad("Junk after closing right brace."));
        }
        let mut items = Vec::with_capacity(raw.len());
        for r in raw {
            items.push(match r {
                None => Value::Null,
                Some(text) => Value::parse_text_ctx(elem, &text, ctx)?,
            });
        }
        let dims: Vec<(i32, i32)> = if items.is_empty() {
            Vec::new()
        } else if !lower_bounds.is_empty() {
            if lower_bounds.iter().map(|(l, _)| *l).collect::<Vec<_>>() != dims {
                return Err(bad(
                    "Specified array dimensions do not match array contents.",
                ));
            }
            lower_bounds
        } else {
            dims.iter().map(|l| (*l, 1)).collect()
        };
        Ok(Array { elem, dims, items })
    }
}

/// Parses one `{...}` level; records each level's length in `dims` (checking regularity).
fn parse_level(
    b: &[u8],
    pos: &mut usize,
    depth: usize,
    dims: &mut Vec<i32>,
    out: &mut Vec<Option<String>>,
) -> std::result::Result<(), &'static str> {
    let unexpected_end = "Unexpected end of input.";
    *pos += 1; // '{'
    let mut count = 0;
    loop {
        while b.get(*pos).is_some_and(|c| c.is_ascii_whitespace()) {
            *pos += 1;
        }
        match b.get(*pos) {
            None => return Err(unexpected_end),
            Some(b'}') if count == 0 => {
                *pos += 1;
                break;
            }
            Some(b'{') => {
                if depth + 1 > 6 {
                    return Err("Unexpected \"{\" character.");
                }
                parse_level(b, pos, depth + 1, dims, out)?;
            }
            Some(_) => {
                if dims.len() > depth + 1 {
                    return Err(
                        "Multidimensional arrays must have sub-arrays with matching dimensions.",
                    );
                }
                out.push(parse_element(b, pos)?);
            }
        }
        count += 1;
        while b.get(*pos).is_some_and(|c| c.is_ascii_whitespace()) {
            *pos += 1;
        }
        match b.get(*pos) {
            Some(b',') => *pos += 1,
            Some(b'}') => {
                *pos += 1;
                break;
            }
            None => return Err(unexpected_end),
            Some(_) => return Err("Unexpected array element."),
        }
    }
    if dims.len() <= depth {
        dims.push(count);
    } else if dims[depth] != count {
        return Err("Multidimensional arrays must have sub-arrays with matching dimensions.");
    }
    Ok(())
}

/// One element: quoted (with backslash escapes) or unquoted (trimmed; `NULL` means null).
fn parse_element(b: &[u8], pos: &mut usize) -> std::result::Result<Option<String>, &'static str> {
    let mut s: Vec<u8> = Vec::new();
    if b.get(*pos) == Some(&b'"') {
        *pos += 1;
        loop {
            match b.get(*pos) {
                None => return Err("Unexpected end of input."),
                Some(b'"') => {
                    *pos += 1;
                    break;
                }
                Some(b'\\') => {
                    *pos += 1;
                    s.push(*b.get(*pos).ok_or("Unexpected end of input.")?);
                    *pos += 1;
                }
                Some(&c) => {
                    s.push(c);
                    *pos += 1;
                }
            }
        }
        return Ok(Some(String::from_utf8_lossy(&s).into_owned()));
    }
    while let Some(&c) = b.get(*pos) {
        match c {
            b',' | b'}' => break,
            b'{' | b'"' => return Err("Unexpected array element."),
            b'\\' => {
                *pos += 1;
                s.push(*b.get(*pos).ok_or("Unexpected end of input.")?);
            }
            c => s.push(c),
        }
        *pos += 1;
    }
    let text = String::from_utf8_lossy(&s).trim_end().to_string();
    if text.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    Ok(Some(text))
}

/// Appends one element with `array_out`'s quoting: quoted if empty, `NULL`-like, or containing
/// braces, quotes, commas, backslashes or whitespace.
fn push_element(s: &str, out: &mut String) {
    let needs_quotes = s.is_empty()
        || s.eq_ignore_ascii_case("null")
        || s.bytes()
            .any(|c| matches!(c, b'{' | b'}' | b'"' | b',' | b'\\') || c.is_ascii_whitespace());
    if !needs_quotes {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(elem: DataType, s: &str) -> String {
        let ctx = FormatContext::default();
        let mut out = String::new();
        Array::parse(elem, s, &ctx)
            .expect(s)
            .format_text(&ctx, &mut out);
        out
    }

    #[test]
    fn text_format_matches_postgres() {
        // SELECT '...'::int[] / ::text[] in PostgreSQL 15.
        assert_eq!(round(DataType::Int4, "{1, 2 ,NULL}"), "{1,2,NULL}");
        assert_eq!(round(DataType::Int4, "{{1,2},{3,4}}"), "{{1,2},{3,4}}");
        assert_eq!(round(DataType::Int4, "[0:1]={5,6}"), "[0:1]={5,6}");
        assert_eq!(round(DataType::Int4, "{}"), "{}");
        assert_eq!(
            round(DataType::Text, r#"{a,"b c","","NULL",null,"q\"x",\\}"#),
            r#"{a,"b c","","NULL",NULL,"q\"x","\\"}"#
        );
        let e = Array::parse(DataType::Int4, "{{1},{2,3}}", &FormatContext::default())
            .expect_err("ragged");
        assert_eq!(e.to_string(), "malformed array literal: \"{{1},{2,3}}\"");
        assert_eq!(
            e.detail(),
            Some("Multidimensional arrays must have sub-arrays with matching dimensions.")
        );
        let e =
            Array::parse(DataType::Int4, "1,2", &FormatContext::default()).expect_err("no brace");
        assert_eq!(
            e.detail(),
            Some("Array value must start with \"{\" or dimension information.")
        );
        assert!(Array::parse(DataType::Int4, "{1,x}", &FormatContext::default()).is_err());
    }
}
