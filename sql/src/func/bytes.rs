//! Binary-string functions: `substring`/`substr`, `btrim`/`ltrim`/`rtrim`, `overlay` (also for
//! text), `encode`/`decode` (`hex`, `base64`, `escape`), `get_byte`/`set_byte`,
//! `get_bit`/`set_bit` and the SHA-2 digests, with PostgreSQL 15's results and errors.

use base64::Engine as _;
use sha2::Digest as _;

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::{DataType, FormatContext, Value};

use DataType::{Bytea, Int4, Int8, Text};
use Param::T;

fn bytes(a: &[Value], i: usize) -> Result<&[u8]> {
    match a.get(i) {
        Some(Value::Bytea(b)) => Ok(b),
        _ => Err(SqlError::Internal(format!(
            "function argument {i} is not bytea"
        ))),
    }
}

/// The `[from, to)` range `substring(x FROM start [FOR count])` selects from `len` items.
fn sub_range(len: usize, start: i64, count: Option<i64>) -> Result<(usize, usize)> {
    let end = match count {
        Some(c) if c < 0 => {
            return Err(SqlError::SubstringError(
                "negative substring length not allowed".into(),
            ))
        }
        Some(c) => start.saturating_add(c),
        None => i64::MAX,
    };
    let from = (start.max(1) - 1).min(len as i64) as usize;
    let to = (end.max(1) - 1).min(len as i64).max(from as i64) as usize;
    Ok((from, to))
}

fn substr(a: &[Value], _: &FormatContext) -> Result<Value> {
    let b = bytes(a, 0)?;
    let count = if a.len() > 2 {
        Some(arg::int(a, 2)?)
    } else {
        None
    };
    let (from, to) = sub_range(b.len(), arg::int(a, 1)?, count)?;
    Ok(Value::Bytea(b[from..to].to_vec()))
}

/// `overlay(x placing y from start [for count])`: `x[..start-1] || y || x[start-1+count..]`.
fn overlay_parts<T: Clone>(x: &[T], y: &[T], a: &[Value]) -> Result<Vec<T>> {
    let start = arg::int(a, 2)?;
    let count = if a.len() > 3 {
        arg::int(a, 3)?
    } else {
        y.len() as i64
    };
    if start < 1 || count < 0 {
        return Err(SqlError::SubstringError(
            "negative substring length not allowed".into(),
        ));
    }
    let head = ((start - 1) as usize).min(x.len());
    let tail = (start.saturating_add(count).saturating_sub(1) as usize).min(x.len());
    let mut out = x[..head].to_vec();
    out.extend_from_slice(y);
    out.extend_from_slice(&x[tail.max(head)..]);
    Ok(out)
}

fn overlay_bytea(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Bytea(overlay_parts(bytes(a, 0)?, bytes(a, 1)?, a)?))
}

fn overlay_text(a: &[Value], _: &FormatContext) -> Result<Value> {
    let x: Vec<char> = arg::text(a, 0)?.chars().collect();
    let y: Vec<char> = arg::text(a, 1)?.chars().collect();
    Ok(Value::Text(overlay_parts(&x, &y, a)?.into_iter().collect()))
}

fn trim(a: &[Value], left: bool, right: bool) -> Result<Value> {
    let (b, set) = (bytes(a, 0)?, bytes(a, 1)?);
    let mut from = 0;
    let mut to = b.len();
    if left {
        while from < to && set.contains(&b[from]) {
            from += 1;
        }
    }
    if right {
        while to > from && set.contains(&b[to - 1]) {
            to -= 1;
        }
    }
    Ok(Value::Bytea(b[from..to].to_vec()))
}

fn btrim(a: &[Value], _: &FormatContext) -> Result<Value> {
    trim(a, true, true)
}

fn ltrim(a: &[Value], _: &FormatContext) -> Result<Value> {
    trim(a, true, false)
}

fn rtrim(a: &[Value], _: &FormatContext) -> Result<Value> {
    trim(a, false, true)
}

fn unknown_encoding(name: &str) -> SqlError {
    SqlError::InvalidParameterValue(format!("unrecognized encoding: \"{name}\""))
}

fn encode(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (b, fmt) = (bytes(a, 0)?, arg::text(a, 1)?);
    let out = match fmt.to_ascii_lowercase().as_str() {
        "hex" => b.iter().map(|x| format!("{x:02x}")).collect(),
        "base64" => {
            // PostgreSQL breaks base64 output into lines of 76 characters.
            let s = base64::engine::general_purpose::STANDARD.encode(b);
            let lines: Vec<&str> = s
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).unwrap_or_default())
                .collect();
            lines.join("\n")
        }
        "escape" => {
            let mut s = String::new();
            for &x in b {
                match x {
                    b'\\' => s.push_str("\\\\"),
                    0 | 0x80..=0xff => s.push_str(&format!("\\{x:03o}")),
                    x => s.push(x as char),
                }
            }
            s
        }
        _ => return Err(unknown_encoding(fmt)),
    };
    Ok(Value::Text(out))
}

fn decode(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (s, fmt) = (arg::text(a, 0)?, arg::text(a, 1)?);
    let out = match fmt.to_ascii_lowercase().as_str() {
        "hex" => {
            let digits: Vec<char> = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let mut out = Vec::with_capacity(digits.len() / 2);
            for pair in digits.chunks(2) {
                let hex = |c: char| {
                    c.to_digit(16).ok_or_else(|| {
                        SqlError::InvalidParameterValue(format!(
                            "invalid hexadecimal digit: \"{c}\""
                        ))
                    })
                };
                match pair {
                    [h, l] => out.push((hex(*h)? * 16 + hex(*l)?) as u8),
                    _ => {
                        return Err(SqlError::InvalidParameterValue(
                            "invalid hexadecimal data: odd number of digits".into(),
                        ))
                    }
                }
            }
            out
        }
        "base64" => {
            let clean: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map_err(|_| {
                    SqlError::InvalidParameterValue("invalid base64 end sequence".into())
                })?
        }
        "escape" => crate::types::text::parse_bytea(s)?,
        _ => return Err(unknown_encoding(fmt)),
    };
    Ok(Value::Bytea(out))
}

fn out_of_range(n: i64, max: usize) -> SqlError {
    SqlError::ArraySubscript(format!(
        "index {n} out of valid range, 0..{}",
        max.saturating_sub(1)
    ))
}

fn get_byte(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (b, n) = (bytes(a, 0)?, arg::int(a, 1)?);
    let i = usize::try_from(n).ok().filter(|i| *i < b.len());
    let i = i.ok_or_else(|| out_of_range(n, b.len()))?;
    Ok(Value::Int4(i32::from(b[i])))
}

fn set_byte(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (b, n, v) = (bytes(a, 0)?, arg::int(a, 1)?, arg::int(a, 2)?);
    let i = usize::try_from(n).ok().filter(|i| *i < b.len());
    let i = i.ok_or_else(|| out_of_range(n, b.len()))?;
    let mut out = b.to_vec();
    out[i] = v as u8;
    Ok(Value::Bytea(out))
}

fn get_bit(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (b, n) = (bytes(a, 0)?, arg::int(a, 1)?);
    let i = usize::try_from(n).ok().filter(|i| *i < b.len() * 8);
    let i = i.ok_or_else(|| out_of_range(n, b.len() * 8))?;
    Ok(Value::Int4(i32::from((b[i / 8] >> (i % 8)) & 1)))
}

fn set_bit(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (b, n, v) = (bytes(a, 0)?, arg::int(a, 1)?, arg::int(a, 2)?);
    let i = usize::try_from(n).ok().filter(|i| *i < b.len() * 8);
    let i = i.ok_or_else(|| out_of_range(n, b.len() * 8))?;
    if v != 0 && v != 1 {
        return Err(SqlError::InvalidParameterValue(
            "new bit must be 0 or 1".into(),
        ));
    }
    let mut out = b.to_vec();
    if v == 1 {
        out[i / 8] |= 1 << (i % 8);
    } else {
        out[i / 8] &= !(1 << (i % 8));
    }
    Ok(Value::Bytea(out))
}

fn sha224(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Bytea(sha2::Sha224::digest(bytes(a, 0)?).to_vec()))
}

fn sha256(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Bytea(sha2::Sha256::digest(bytes(a, 0)?).to_vec()))
}

fn sha384(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Bytea(sha2::Sha384::digest(bytes(a, 0)?).to_vec()))
}

fn sha512(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Bytea(sha2::Sha512::digest(bytes(a, 0)?).to_vec()))
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("substring"(T(Bytea), T(Int4)) -> Bytea, substr),
    builtin!("substring"(T(Bytea), T(Int4), T(Int4)) -> Bytea, substr),
    builtin!("substr"(T(Bytea), T(Int4)) -> Bytea, substr),
    builtin!("substr"(T(Bytea), T(Int4), T(Int4)) -> Bytea, substr),
    builtin!("overlay"(T(Bytea), T(Bytea), T(Int4)) -> Bytea, overlay_bytea),
    builtin!("overlay"(T(Bytea), T(Bytea), T(Int4), T(Int4)) -> Bytea, overlay_bytea),
    builtin!("overlay"(T(Text), T(Text), T(Int4)) -> Text, overlay_text),
    builtin!("overlay"(T(Text), T(Text), T(Int4), T(Int4)) -> Text, overlay_text),
    builtin!("btrim"(T(Bytea), T(Bytea)) -> Bytea, btrim),
    builtin!("ltrim"(T(Bytea), T(Bytea)) -> Bytea, ltrim),
    builtin!("rtrim"(T(Bytea), T(Bytea)) -> Bytea, rtrim),
    builtin!("encode"(T(Bytea), T(Text)) -> Text, encode),
    builtin!("decode"(T(Text), T(Text)) -> Bytea, decode),
    builtin!("get_byte"(T(Bytea), T(Int4)) -> Int4, get_byte),
    builtin!("set_byte"(T(Bytea), T(Int4), T(Int4)) -> Bytea, set_byte),
    builtin!("get_bit"(T(Bytea), T(Int8)) -> Int4, get_bit),
    builtin!("set_bit"(T(Bytea), T(Int8), T(Int4)) -> Bytea, set_bit),
    builtin!("sha224"(T(Bytea)) -> Bytea, sha224),
    builtin!("sha256"(T(Bytea)) -> Bytea, sha256),
    builtin!("sha384"(T(Bytea)) -> Bytea, sha384),
    builtin!("sha512"(T(Bytea)) -> Bytea, sha512),
];
