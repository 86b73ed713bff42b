//! The `regexp_*` functions: `regexp_replace`, `regexp_match`, `regexp_split_to_array`,
//! `regexp_count`, `regexp_instr`, `regexp_like`, `regexp_substr` (PostgreSQL 15 signatures).
//!
//! Patterns compile through `types::ops::compile_regex` (the `regex` crate, so the ARE subset it
//! shares with PostgreSQL; see `types::ops::pattern`). Flags are PostgreSQL's letters: `i`/`c`
//! case, `n`/`m` newline-sensitive, `s` not, `x` expanded, `q` literal, `g` global (only where
//! the function allows it); others are `invalid regular expression option` (22023). Positions
//! and counts are in characters, 1-based.
//!
//! Left out: the set-returning `regexp_matches` and `regexp_split_to_table`, and the `b`/`e`
//! (basic/extended syntax) and `p`/`w` (partial newline) flags, which answer 0A000.

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::{ops::compile_regex, Array, DataType, FormatContext, Value};

use DataType::{Bool, Int4, Text, TextArray};
use Param::T;

/// Parsed flags.
#[derive(Default)]
struct Flags {
    ci: bool,
    newline: bool,
    expanded: bool,
    quoted: bool,
    global: bool,
}

fn flags(s: &str, func: &str, global_ok: bool) -> Result<Flags> {
    let mut f = Flags::default();
    for c in s.chars() {
        match c {
            'i' => f.ci = true,
            'c' => f.ci = false,
            'n' | 'm' => f.newline = true,
            's' => f.newline = false,
            'x' => f.expanded = true,
            't' => f.expanded = false,
            'q' => f.quoted = true,
            'g' => f.global = true,
            'b' | 'e' | 'p' | 'w' => {
                return Err(SqlError::FeatureNotSupported(format!(
                    "regular expression option \"{c}\" is not supported yet"
                )))
            }
            _ => {
                return Err(SqlError::InvalidParameterValue(format!(
                    "invalid regular expression option: \"{c}\""
                )))
            }
        }
    }
    if f.global && !global_ok {
        return Err(SqlError::RegexOption {
            message: format!("{func}() does not support the \"global\" option"),
            hint: (func == "regexp_match").then_some("Use the regexp_matches function instead."),
        });
    }
    Ok(f)
}

fn regex(pattern: &str, f: &Flags) -> Result<regex::Regex> {
    let p = if f.quoted {
        regex::escape(pattern)
    } else {
        pattern.to_string()
    };
    compile_regex(&p, f.ci, f.newline, f.expanded && !f.quoted)
}

/// The optional text argument `i` (flags), empty when absent.
fn opt_text(a: &[Value], i: usize) -> Result<&str> {
    if a.len() > i {
        arg::text(a, i)
    } else {
        Ok("")
    }
}

/// Byte offset of the 1-based character position `start` (checked against PostgreSQL's error).
fn start_offset(s: &str, a: &[Value], i: usize) -> Result<usize> {
    let start = if a.len() > i { arg::int(a, i)? } else { 1 };
    if start < 1 {
        return Err(SqlError::InvalidParameterValue(format!(
            "invalid value for parameter \"start\": {start}"
        )));
    }
    Ok(s.char_indices()
        .nth((start - 1) as usize)
        .map_or(s.len(), |(b, _)| b))
}

/// The occurrence number `n` (1 when absent).
fn occurrence(a: &[Value], i: usize, zero_ok: bool) -> Result<i64> {
    let n = if a.len() > i { arg::int(a, i)? } else { 1 };
    if n < 0 || (n == 0 && !zero_ok) {
        return Err(SqlError::InvalidParameterValue(format!(
            "invalid value for parameter \"n\": {n}"
        )));
    }
    Ok(n)
}

fn char_pos(s: &str, byte: usize) -> i32 {
    s[..byte].chars().count() as i32 + 1
}

/// Appends `repl` with `\1`..`\9` and `\&` replaced by the match's groups.
fn expand(repl: &str, caps: &regex::Captures<'_>, out: &mut String) {
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(d @ '1'..='9') => {
                chars.next();
                let g = d as usize - '0' as usize;
                if let Some(m) = caps.get(g) {
                    out.push_str(m.as_str());
                }
            }
            Some('&') => {
                chars.next();
                if let Some(m) = caps.get(0) {
                    out.push_str(m.as_str());
                }
            }
            Some('\\') => {
                chars.next();
                out.push('\\');
            }
            _ => out.push('\\'),
        }
    }
}

/// `regexp_replace(source, pattern, replacement [, flags])` and
/// `regexp_replace(source, pattern, replacement, start [, n [, flags]])`.
fn regexp_replace(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, p, repl) = (arg::text(a, 0)?, arg::text(a, 1)?, arg::text(a, 2)?);
    let with_start = matches!(a.get(3), Some(Value::Int4(_)));
    let (from, n, f) = if with_start {
        let from = start_offset(s, a, 3)?;
        let n = occurrence(a, 4, true)?;
        let f = flags(opt_text(a, 5)?, "regexp_replace", true)?;
        // Without an explicit n, `g` decides between the first and every match.
        let n = if a.len() > 4 {
            n
        } else if f.global {
            0
        } else {
            1
        };
        (from, n, f)
    } else {
        let f = flags(opt_text(a, 3)?, "regexp_replace", true)?;
        (0, if f.global { 0 } else { 1 }, f)
    };
    let re = regex(p, &f)?;
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..from]);
    let mut last = from;
    for (i, caps) in re.captures_iter(&s[from..]).enumerate() {
        let Some(m) = caps.get(0) else { continue };
        let nth = i as i64 + 1;
        if n != 0 && nth != n {
            continue;
        }
        out.push_str(&s[last..from + m.start()]);
        expand(repl, &caps, &mut out);
        last = from + m.end();
        if n != 0 {
            break;
        }
    }
    out.push_str(&s[last..]);
    Ok(Value::Text(out))
}

fn text_array(items: Vec<Value>) -> Value {
    Value::Array(Box::new(Array::from_items(Text, items)))
}

fn regexp_match(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, p) = (arg::text(a, 0)?, arg::text(a, 1)?);
    let f = flags(opt_text(a, 2)?, "regexp_match", false)?;
    let re = regex(p, &f)?;
    let Some(caps) = re.captures(s) else {
        return Ok(Value::Null);
    };
    let items = if caps.len() > 1 {
        (1..caps.len())
            .map(|g| {
                caps.get(g)
                    .map_or(Value::Null, |m| Value::Text(m.as_str().into()))
            })
            .collect()
    } else {
        vec![Value::Text(caps.get(0).map_or("", |m| m.as_str()).into())]
    };
    Ok(text_array(items))
}

fn regexp_split_to_array(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, p) = (arg::text(a, 0)?, arg::text(a, 1)?);
    let f = flags(opt_text(a, 2)?, "regexp_split_to_array", false)?;
    let re = regex(p, &f)?;
    let mut items = Vec::new();
    let mut last = 0;
    for m in re.find_iter(s) {
        // Empty matches at the very start or end, or right after a match, split nothing.
        if m.start() == m.end() && (m.start() == 0 || m.start() == s.len() || m.start() == last) {
            continue;
        }
        items.push(Value::Text(s[last..m.start()].into()));
        last = m.end();
    }
    items.push(Value::Text(s[last..].into()));
    Ok(text_array(items))
}

fn regexp_count(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, p) = (arg::text(a, 0)?, arg::text(a, 1)?);
    let from = start_offset(s, a, 2)?;
    let f = flags(opt_text(a, 3)?, "regexp_count", false)?;
    let re = regex(p, &f)?;
    Ok(Value::Int4(re.find_iter(&s[from..]).count() as i32))
}

fn regexp_like(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, p) = (arg::text(a, 0)?, arg::text(a, 1)?);
    let f = flags(opt_text(a, 2)?, "regexp_like", false)?;
    Ok(Value::Bool(regex(p, &f)?.is_match(s)))
}

/// The `n`th match from `from` and its group `sub` (byte range in `s`), if any.
fn nth_group(
    s: &str,
    re: &regex::Regex,
    from: usize,
    n: i64,
    sub: i64,
) -> Result<Option<(usize, usize)>> {
    let Some(caps) = re.captures_iter(&s[from..]).nth((n - 1) as usize) else {
        return Ok(None);
    };
    if sub < 0 {
        return Err(SqlError::InvalidParameterValue(format!(
            "invalid value for parameter \"subexpr\": {sub}"
        )));
    }
    Ok(caps
        .get(sub as usize)
        .map(|m| (from + m.start(), from + m.end())))
}

fn opt_int(a: &[Value], i: usize, default: i64) -> Result<i64> {
    if a.len() > i {
        arg::int(a, i)
    } else {
        Ok(default)
    }
}

/// `regexp_instr(s, p [, start [, n [, endoption [, flags [, subexpr]]]]])`.
fn regexp_instr(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, p) = (arg::text(a, 0)?, arg::text(a, 1)?);
    let from = start_offset(s, a, 2)?;
    let n = occurrence(a, 3, false)?;
    let end = opt_int(a, 4, 0)?;
    if end != 0 && end != 1 {
        return Err(SqlError::InvalidParameterValue(format!(
            "invalid value for parameter \"endoption\": {end}"
        )));
    }
    let f = flags(opt_text(a, 5)?, "regexp_instr", false)?;
    let sub = opt_int(a, 6, 0)?;
    let re = regex(p, &f)?;
    Ok(Value::Int4(match nth_group(s, &re, from, n, sub)? {
        Some((b, e)) => char_pos(s, if end == 1 { e } else { b }),
        None => 0,
    }))
}

/// `regexp_substr(s, p [, start [, n [, flags [, subexpr]]]])`.
fn regexp_substr(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, p) = (arg::text(a, 0)?, arg::text(a, 1)?);
    let from = start_offset(s, a, 2)?;
    let n = occurrence(a, 3, false)?;
    let f = flags(opt_text(a, 4)?, "regexp_substr", false)?;
    let sub = opt_int(a, 5, 0)?;
    let re = regex(p, &f)?;
    Ok(match nth_group(s, &re, from, n, sub)? {
        Some((b, e)) => Value::Text(s[b..e].into()),
        None => Value::Null,
    })
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("regexp_replace"(T(Text), T(Text), T(Text)) -> Text, regexp_replace),
    builtin!("regexp_replace"(T(Text), T(Text), T(Text), T(Text)) -> Text, regexp_replace),
    builtin!("regexp_replace"(T(Text), T(Text), T(Text), T(Int4)) -> Text, regexp_replace),
    builtin!("regexp_replace"(T(Text), T(Text), T(Text), T(Int4), T(Int4)) -> Text, regexp_replace),
    builtin!("regexp_replace"(T(Text), T(Text), T(Text), T(Int4), T(Int4), T(Text)) -> Text, regexp_replace),
    builtin!("regexp_match"(T(Text), T(Text)) -> TextArray, regexp_match),
    builtin!("regexp_match"(T(Text), T(Text), T(Text)) -> TextArray, regexp_match),
    builtin!("regexp_split_to_array"(T(Text), T(Text)) -> TextArray, regexp_split_to_array),
    builtin!("regexp_split_to_array"(T(Text), T(Text), T(Text)) -> TextArray, regexp_split_to_array),
    builtin!("regexp_count"(T(Text), T(Text)) -> Int4, regexp_count),
    builtin!("regexp_count"(T(Text), T(Text), T(Int4)) -> Int4, regexp_count),
    builtin!("regexp_count"(T(Text), T(Text), T(Int4), T(Text)) -> Int4, regexp_count),
    builtin!("regexp_like"(T(Text), T(Text)) -> Bool, regexp_like),
    builtin!("regexp_like"(T(Text), T(Text), T(Text)) -> Bool, regexp_like),
    builtin!("regexp_instr"(T(Text), T(Text)) -> Int4, regexp_instr),
    builtin!("regexp_instr"(T(Text), T(Text), T(Int4)) -> Int4, regexp_instr),
    builtin!("regexp_instr"(T(Text), T(Text), T(Int4), T(Int4)) -> Int4, regexp_instr),
    builtin!("regexp_instr"(T(Text), T(Text), T(Int4), T(Int4), T(Int4)) -> Int4, regexp_instr),
    builtin!("regexp_instr"(T(Text), T(Text), T(Int4), T(Int4), T(Int4), T(Text)) -> Int4, regexp_instr),
    builtin!("regexp_instr"(T(Text), T(Text), T(Int4), T(Int4), T(Int4), T(Text), T(Int4)) -> Int4, regexp_instr),
    builtin!("regexp_substr"(T(Text), T(Text)) -> Text, regexp_substr),
    builtin!("regexp_substr"(T(Text), T(Text), T(Int4)) -> Text, regexp_substr),
    builtin!("regexp_substr"(T(Text), T(Text), T(Int4), T(Int4)) -> Text, regexp_substr),
    builtin!("regexp_substr"(T(Text), T(Text), T(Int4), T(Int4), T(Text)) -> Text, regexp_substr),
    builtin!("regexp_substr"(T(Text), T(Text), T(Int4), T(Int4), T(Text), T(Int4)) -> Text, regexp_substr),
];
