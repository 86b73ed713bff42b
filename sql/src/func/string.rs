//! String functions (`length`, `lower`, `substr`, `trim`, `lpad`, `concat`, `format`, ...), with
//! PostgreSQL's argument edge cases (negative lengths, counts past the end) and errors.
//! Lengths and positions count characters, not bytes.

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::{text as tx, DataType, FormatContext, Value};

use DataType::{Bool, Bpchar, Bytea, Int4, Int8, Text};
use Param::{Any, T};

fn text_value(s: String) -> Result<Value> {
    Ok(Value::Text(s))
}

fn length(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Int4(arg::text(a, 0)?.chars().count() as i32))
}

fn bpchar_length(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Int4(
        tx::bpchar_trim(arg::text(a, 0)?).chars().count() as i32,
    ))
}

fn octet_length(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Int4(match a.first() {
        Some(Value::Bytea(b)) => b.len() as i32,
        _ => arg::text(a, 0)?.len() as i32,
    }))
}

fn lower(a: &[Value], _: &FormatContext) -> Result<Value> {
    text_value(arg::text(a, 0)?.to_lowercase())
}

fn upper(a: &[Value], _: &FormatContext) -> Result<Value> {
    text_value(arg::text(a, 0)?.to_uppercase())
}

/// `substr(s, start [, count])`: 1-based; a start before 1 eats into the count.
fn substr(a: &[Value], _: &FormatContext) -> Result<Value> {
    let s = arg::text(a, 0)?;
    let start = arg::int(a, 1)?;
    let end = if a.len() > 2 {
        let count = arg::int(a, 2)?;
        if count < 0 {
            return Err(SqlError::SubstringError(
                "negative substring length not allowed".into(),
            ));
        }
        Some(start.saturating_add(count))
    } else {
        None
    };
    let from = (start.max(1) - 1) as usize;
    let out: String = match end {
        Some(e) if e <= 1 => String::new(),
        Some(e) => s
            .chars()
            .skip(from)
            .take((e - 1) as usize - from.min((e - 1) as usize))
            .collect(),
        None => s.chars().skip(from).collect(),
    };
    text_value(out)
}

/// `strpos(string, substring)` / `position(substring IN string)`: 1-based, 0 when absent.
fn strpos(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, sub) = (arg::text(a, 0)?, arg::text(a, 1)?);
    Ok(Value::Int4(match s.find(sub) {
        Some(byte) => s[..byte].chars().count() as i32 + 1,
        None => 0,
    }))
}

fn trim_with(a: &[Value], left: bool, right: bool) -> Result<Value> {
    let s = arg::text(a, 0)?;
    let set: Vec<char> = if a.len() > 1 {
        arg::text(a, 1)?.chars().collect()
    } else {
        vec![' ']
    };
    let mut t = s;
    if left {
        t = t.trim_start_matches(|c| set.contains(&c));
    }
    if right {
        t = t.trim_end_matches(|c| set.contains(&c));
    }
    text_value(t.to_string())
}

fn btrim(a: &[Value], _: &FormatContext) -> Result<Value> {
    trim_with(a, true, true)
}

fn ltrim(a: &[Value], _: &FormatContext) -> Result<Value> {
    trim_with(a, true, false)
}

fn rtrim(a: &[Value], _: &FormatContext) -> Result<Value> {
    trim_with(a, false, true)
}

fn pad(a: &[Value], left: bool) -> Result<Value> {
    let s = arg::text(a, 0)?;
    let len = arg::int(a, 1)?.max(0) as usize;
    let fill: Vec<char> = if a.len() > 2 {
        arg::text(a, 2)?.chars().collect()
    } else {
        vec![' ']
    };
    if len > (1 << 28) {
        return Err(SqlError::ProgramLimitExceeded(
            "requested length too large".into(),
        ));
    }
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= len || fill.is_empty() {
        return text_value(chars.iter().take(len).collect());
    }
    let padding: String = fill.iter().cycle().take(len - chars.len()).collect();
    text_value(if left {
        format!("{padding}{s}")
    } else {
        format!("{s}{padding}")
    })
}

fn lpad(a: &[Value], _: &FormatContext) -> Result<Value> {
    pad(a, true)
}

fn rpad(a: &[Value], _: &FormatContext) -> Result<Value> {
    pad(a, false)
}

fn replace(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, from, to) = (arg::text(a, 0)?, arg::text(a, 1)?, arg::text(a, 2)?);
    text_value(if from.is_empty() {
        s.to_string()
    } else {
        s.replace(from, to)
    })
}

/// Text of any argument as `concat` sees it (NULLs skipped by the callers).
fn any_text(v: &Value, ctx: &FormatContext) -> String {
    v.to_text_ctx(ctx).unwrap_or_default()
}

fn concat(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    text_value(
        a.iter()
            .filter(|v| !v.is_null())
            .map(|v| any_text(v, ctx))
            .collect(),
    )
}

fn concat_ws(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    let Some(Value::Text(sep)) = a.first() else {
        return Ok(Value::Null);
    };
    let parts: Vec<String> = a[1..]
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| any_text(v, ctx))
        .collect();
    text_value(parts.join(sep))
}

fn left(a: &[Value], _: &FormatContext) -> Result<Value> {
    let s = arg::text(a, 0)?;
    let n = arg::int(a, 1)?;
    let len = s.chars().count() as i64;
    let take = if n >= 0 { n } else { (len + n).max(0) };
    text_value(s.chars().take(take as usize).collect())
}

fn right(a: &[Value], _: &FormatContext) -> Result<Value> {
    let s = arg::text(a, 0)?;
    let n = arg::int(a, 1)?;
    let len = s.chars().count() as i64;
    let skip = if n >= 0 {
        (len - n).max(0)
    } else {
        (-n).min(len)
    };
    text_value(s.chars().skip(skip as usize).collect())
}

fn repeat(a: &[Value], _: &FormatContext) -> Result<Value> {
    let s = arg::text(a, 0)?;
    let n = arg::int(a, 1)?.max(0) as usize;
    if s.len().saturating_mul(n) > (1 << 30) - 1 {
        return Err(SqlError::ProgramLimitExceeded(
            "requested length too large".into(),
        ));
    }
    text_value(s.repeat(n))
}

fn reverse(a: &[Value], _: &FormatContext) -> Result<Value> {
    text_value(arg::text(a, 0)?.chars().rev().collect())
}

fn split_part(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, delim) = (arg::text(a, 0)?, arg::text(a, 1)?);
    let n = arg::int(a, 2)?;
    if n == 0 {
        return Err(SqlError::InvalidParameterValue(
            "field position must not be zero".into(),
        ));
    }
    let parts: Vec<&str> = if delim.is_empty() {
        vec![s]
    } else {
        s.split(delim).collect()
    };
    let idx = if n > 0 { n - 1 } else { parts.len() as i64 + n };
    text_value(
        usize::try_from(idx)
            .ok()
            .and_then(|i| parts.get(i))
            .map_or(String::new(), |p| (*p).to_string()),
    )
}

/// `initcap`: upper-case the first letter of each run of alphanumerics, lower-case the rest.
fn initcap(a: &[Value], _: &FormatContext) -> Result<Value> {
    let mut out = String::new();
    let mut in_word = false;
    for c in arg::text(a, 0)?.chars() {
        if in_word {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        in_word = c.is_alphanumeric();
    }
    text_value(out)
}

fn md5(a: &[Value], _: &FormatContext) -> Result<Value> {
    use md5::{Digest, Md5};
    let bytes: &[u8] = match a.first() {
        Some(Value::Bytea(b)) => b,
        _ => arg::text(a, 0)?.as_bytes(),
    };
    let digest = Md5::digest(bytes);
    text_value(digest.iter().map(|b| format!("{b:02x}")).collect())
}

fn to_hex(a: &[Value], _: &FormatContext) -> Result<Value> {
    text_value(match a.first() {
        Some(Value::Int4(x)) => format!("{:x}", *x as u32),
        _ => format!("{:x}", arg::int(a, 0)? as u64),
    })
}

fn ascii(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Int4(
        arg::text(a, 0)?.chars().next().map_or(0, |c| c as i32),
    ))
}

fn chr(a: &[Value], _: &FormatContext) -> Result<Value> {
    let n = arg::int(a, 0)?;
    let limit = |m: String| Err(SqlError::ProgramLimitExceeded(m));
    if n < 0 {
        return limit("character number must be positive".into());
    }
    if n == 0 {
        return limit("null character not permitted".into());
    }
    if n > 0x10_FFFF {
        return limit(format!("requested character too large for encoding: {n}"));
    }
    match u32::try_from(n).ok().and_then(char::from_u32) {
        Some(c) => text_value(c.to_string()),
        // UTF-16 surrogates are not characters.
        None => limit(format!("requested character not valid for encoding: {n}")),
    }
}

fn starts_with(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Bool(arg::text(a, 0)?.starts_with(arg::text(a, 1)?)))
}

/// `like_escape(pattern, escape)`: rewrites a LIKE pattern written with another escape
/// character (`LIKE ... ESCAPE '#'`) into one escaped with backslashes; an empty escape means
/// none (backslashes become literal).
fn like_escape(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (p, e) = (arg::text(a, 0)?, arg::text(a, 1)?);
    let mut esc = e.chars();
    let (first, rest) = (esc.next(), esc.next());
    let mut out = String::with_capacity(p.len() + 4);
    match (first, rest) {
        (None, _) => {
            for c in p.chars() {
                if c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        (Some(_), Some(_)) => return Err(SqlError::InvalidEscapeString),
        (Some('\\'), None) => out.push_str(p),
        (Some(e), None) => {
            let mut after_escape = false;
            for c in p.chars() {
                if c == e && !after_escape {
                    out.push('\\');
                    after_escape = true;
                } else if c == '\\' {
                    out.push('\\');
                    if !after_escape {
                        out.push('\\');
                    }
                    after_escape = false;
                } else {
                    out.push(c);
                    after_escape = false;
                }
            }
        }
    }
    Ok(Value::Text(out))
}

fn like_escape_bytea(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    let text = |v: &Value| match v {
        Value::Bytea(b) => Ok(Value::Text(String::from_utf8_lossy(b).into_owned())),
        _ => Err(SqlError::Internal("like_escape: not bytea".into())),
    };
    match like_escape(&[text(&a[0])?, text(&a[1])?], ctx)? {
        Value::Text(s) => Ok(Value::Bytea(s.into_bytes())),
        other => Ok(other),
    }
}

/// `unistr(text)`: `\XXXX`, `\+XXXXXX`, `\uXXXX`, `\UXXXXXXXX` escapes (surrogate pairs
/// combined) and `\\`.
fn unistr(a: &[Value], _: &FormatContext) -> Result<Value> {
    let chars: Vec<char> = arg::text(a, 0)?.chars().collect();
    let bad_escape = || SqlError::UnicodeEscape;
    let surrogate = || SqlError::Syntax {
        message: "invalid Unicode surrogate pair".into(),
        position: None,
    };
    let mut out = String::new();
    let mut high: Option<u32> = None;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '\\' {
            if high.is_some() {
                return Err(surrogate());
            }
            out.push(chars[i]);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'\\') {
            if high.is_some() {
                return Err(surrogate());
            }
            out.push('\\');
            i += 2;
            continue;
        }
        let (skip, digits) = match chars.get(i + 1) {
            Some('+') => (2, 6),
            Some('u') => (2, 4),
            Some('U') => (2, 8),
            _ => (1, 4),
        };
        let hex: String = chars.iter().skip(i + skip).take(digits).collect();
        if hex.chars().count() != digits || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad_escape());
        }
        let cp = u32::from_str_radix(&hex, 16).map_err(|_| bad_escape())?;
        i += skip + digits;
        if cp > 0x10FFFF {
            return Err(SqlError::InvalidParameterValue(format!(
                "invalid Unicode code point: {cp:X}"
            )));
        }
        match (high.take(), cp) {
            (None, 0xD800..=0xDBFF) => high = Some(cp),
            (None, 0xDC00..=0xDFFF) => return Err(surrogate()),
            (None, c) => out.push(char::from_u32(c).ok_or_else(surrogate)?),
            (Some(h), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((h - 0xD800) << 10) + (cp - 0xDC00);
                out.push(char::from_u32(c).ok_or_else(surrogate)?);
            }
            (Some(_), _) => return Err(surrogate()),
        }
    }
    if high.is_some() {
        return Err(surrogate());
    }
    text_value(out)
}

fn translate(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, from, to) = (arg::text(a, 0)?, arg::text(a, 1)?, arg::text(a, 2)?);
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    text_value(
        s.chars()
            .filter_map(|c| match from.iter().position(|f| *f == c) {
                Some(i) => to.get(i).copied(),
                None => Some(c),
            })
            .collect(),
    )
}

/// `quote_ident`: double-quotes unless the name is a lower-case identifier.
pub fn quote_ident(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// `quote_literal`: single-quotes, doubling quotes; backslashes make it an `E''` string.
pub fn quote_literal(s: &str) -> String {
    let body = s.replace('\'', "''");
    if s.contains('\\') {
        format!("E'{}'", body.replace('\\', "\\\\"))
    } else {
        format!("'{body}'")
    }
}

fn quote_ident_fn(a: &[Value], _: &FormatContext) -> Result<Value> {
    text_value(quote_ident(arg::text(a, 0)?))
}

fn quote_literal_fn(a: &[Value], _: &FormatContext) -> Result<Value> {
    text_value(quote_literal(arg::text(a, 0)?))
}

/// `format(fmt, args...)`: `%s`, `%I`, `%L`, `%%`, with optional `n$` positions.
/// `format(fmt, args...)`: PostgreSQL's `text_format`. A specifier is
/// `%[argpos$][-][width|*|*n$]type` with type `s`, `I` or `L`; `*` takes the width from an
/// argument (negative means left-justified).
fn format(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    let Some(Value::Text(fmt)) = a.first() else {
        return Ok(Value::Null);
    };
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    // 1-based index of the last argument used (0: none yet), as PostgreSQL counts.
    let mut arg = 0usize;
    let mut i = 0;
    let unterminated = || SqlError::FormatSpecifier("unterminated format() type specifier".into());
    let zero = || {
        SqlError::InvalidParameterValue(
            "format specifies argument 0, but arguments are numbered from 1".into(),
        )
    };
    let too_few = || SqlError::InvalidParameterValue("too few arguments for format()".into());
    let digits = |i: &mut usize| -> Option<usize> {
        let start = *i;
        let mut n = 0usize;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            n = n
                .saturating_mul(10)
                .saturating_add(chars[*i] as usize - '0' as usize);
            *i += 1;
        }
        (*i > start).then_some(n)
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        if i >= chars.len() {
            return Err(unterminated());
        }
        if chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let (mut argpos, mut width, mut widthpos, mut left) = (None, None, None, false);
        if let Some(n) = digits(&mut i) {
            if i < chars.len() && chars[i] == '$' {
                if n == 0 {
                    return Err(zero());
                }
                argpos = Some(n);
                i += 1;
            } else {
                width = Some(n);
            }
        }
        if width.is_none() {
            while i < chars.len() && chars[i] == '-' {
                left = true;
                i += 1;
            }
            if i < chars.len() && chars[i] == '*' {
                i += 1;
                match digits(&mut i) {
                    Some(n) => {
                        if i >= chars.len() || chars[i] != '$' {
                            return Err(SqlError::InvalidParameterValue(
                                "width argument position must be ended by \"$\"".into(),
                            ));
                        }
                        if n == 0 {
                            return Err(zero());
                        }
                        widthpos = Some(n);
                        i += 1;
                    }
                    None => widthpos = Some(0),
                }
            } else {
                width = digits(&mut i);
            }
        }
        if i >= chars.len() {
            return Err(unterminated());
        }
        let kind = chars[i];
        i += 1;
        if let Some(wp) = widthpos {
            arg = if wp > 0 { wp } else { arg + 1 };
            let w = a.get(arg).ok_or_else(too_few)?;
            let w = match w {
                Value::Null => 0,
                Value::Int2(x) => i64::from(*x),
                Value::Int4(x) => i64::from(*x),
                Value::Int8(x) => *x,
                other => other
                    .to_text_ctx(ctx)
                    .unwrap_or_default()
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| SqlError::InvalidParameterValue("invalid width".into()))?,
            };
            if w < 0 {
                left = true;
            }
            width = Some(usize::try_from(w.unsigned_abs()).unwrap_or(usize::MAX));
        }
        arg = argpos.unwrap_or(arg + 1);
        let v = a.get(arg).ok_or_else(too_few)?;
        let text = match kind {
            's' => v.to_text_ctx(ctx).unwrap_or_default(),
            'I' => match v.to_text_ctx(ctx) {
                Some(s) => quote_ident(&s),
                None => {
                    return Err(SqlError::NullValueNotAllowed(
                        "null values cannot be formatted as an SQL identifier".into(),
                    ))
                }
            },
            'L' => match v.to_text_ctx(ctx) {
                Some(s) => quote_literal(&s),
                None => "NULL".into(),
            },
            other => {
                return Err(SqlError::FormatSpecifier(format!(
                    "unrecognized format() type specifier \"{other}\""
                )))
            }
        };
        let pad = width.unwrap_or(0).saturating_sub(text.chars().count());
        if !left {
            out.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(&text);
        if left {
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    text_value(out)
}

const fn variadic(mut b: Builtin, strict: bool) -> Builtin {
    b.variadic = true;
    b.strict = strict;
    b
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("length"(T(Text)) -> Int4, length),
    builtin!("length"(T(Bpchar)) -> Int4, bpchar_length),
    builtin!("length"(T(Bytea)) -> Int4, octet_length),
    builtin!("char_length"(T(Text)) -> Int4, length),
    builtin!("char_length"(T(Bpchar)) -> Int4, bpchar_length),
    builtin!("character_length"(T(Text)) -> Int4, length),
    builtin!("octet_length"(T(Text)) -> Int4, octet_length),
    builtin!("octet_length"(T(Bytea)) -> Int4, octet_length),
    builtin!("lower"(T(Text)) -> Text, lower),
    builtin!("upper"(T(Text)) -> Text, upper),
    builtin!("substr"(T(Text), T(Int4)) -> Text, substr),
    builtin!("substr"(T(Text), T(Int4), T(Int4)) -> Text, substr),
    builtin!("substring"(T(Text), T(Int4)) -> Text, substr),
    builtin!("substring"(T(Text), T(Int4), T(Int4)) -> Text, substr),
    builtin!("strpos"(T(Text), T(Text)) -> Int4, strpos),
    builtin!("position"(T(Text), T(Text)) -> Int4, strpos),
    builtin!("btrim"(T(Text)) -> Text, btrim),
    builtin!("btrim"(T(Text), T(Text)) -> Text, btrim),
    builtin!("ltrim"(T(Text)) -> Text, ltrim),
    builtin!("ltrim"(T(Text), T(Text)) -> Text, ltrim),
    builtin!("rtrim"(T(Text)) -> Text, rtrim),
    builtin!("rtrim"(T(Text), T(Text)) -> Text, rtrim),
    builtin!("lpad"(T(Text), T(Int4)) -> Text, lpad),
    builtin!("lpad"(T(Text), T(Int4), T(Text)) -> Text, lpad),
    builtin!("rpad"(T(Text), T(Int4)) -> Text, rpad),
    builtin!("rpad"(T(Text), T(Int4), T(Text)) -> Text, rpad),
    builtin!("replace"(T(Text), T(Text), T(Text)) -> Text, replace),
    variadic(builtin!("concat"(Any) -> Text, concat), false),
    variadic(
        builtin!("concat_ws"(T(Text), Any) -> Text, concat_ws),
        false,
    ),
    builtin!("left"(T(Text), T(Int4)) -> Text, left),
    builtin!("right"(T(Text), T(Int4)) -> Text, right),
    builtin!("repeat"(T(Text), T(Int4)) -> Text, repeat),
    builtin!("reverse"(T(Text)) -> Text, reverse),
    builtin!("split_part"(T(Text), T(Text), T(Int4)) -> Text, split_part),
    builtin!("initcap"(T(Text)) -> Text, initcap),
    builtin!("md5"(T(Text)) -> Text, md5),
    builtin!("md5"(T(Bytea)) -> Text, md5),
    builtin!("to_hex"(T(Int4)) -> Text, to_hex),
    builtin!("to_hex"(T(Int8)) -> Text, to_hex),
    builtin!("ascii"(T(Text)) -> Int4, ascii),
    builtin!("chr"(T(Int4)) -> Text, chr),
    builtin!("starts_with"(T(Text), T(Text)) -> Bool, starts_with),
    builtin!("translate"(T(Text), T(Text), T(Text)) -> Text, translate),
    builtin!("like_escape"(T(Text), T(Text)) -> Text, like_escape),
    builtin!("unistr"(T(Text)) -> Text, unistr),
    builtin!("like_escape"(T(Bytea), T(Bytea)) -> Bytea, like_escape_bytea),
    builtin!("quote_ident"(T(Text)) -> Text, quote_ident_fn),
    builtin!("quote_literal"(T(Text)) -> Text, quote_literal_fn),
    variadic(builtin!("format"(T(Text), Any) -> Text, format), false),
    builtin!("format"(T(Text)) -> Text, format),
];
