//! Character and byte types: `varchar(n)`/`char(n)` modifiers, `name`, `bytea`, `uuid`.
//!
//! `char(n)` semantics (bpchar): values are stored padded with blanks to `n`; trailing blanks are
//! insignificant in comparisons and dropped when converted to text/varchar (see `ops`). Lengths are
//! in characters, not bytes.

use super::typmod;
use crate::error::{Result, SqlError};

/// `NAMEDATALEN - 1`: names are truncated to 63 bytes (on a character boundary).
const NAME_MAX_BYTES: usize = 63;

/// Truncates to a valid `name`.
pub fn truncate_name(s: &str) -> String {
    if s.len() <= NAME_MAX_BYTES {
        return s.to_string();
    }
    let mut end = NAME_MAX_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Applies a `varchar(n)` modifier. An explicit cast truncates silently; an assignment errors unless
/// the excess is all blanks (`varchar()` in varchar.c).
pub fn apply_varchar(s: String, typmod: i32, explicit: bool) -> Result<String> {
    let Some(n) = typmod::char_length(typmod) else {
        return Ok(s);
    };
    match s.char_indices().nth(n) {
        None => Ok(s),
        Some((cut, _)) => {
            if !explicit && !s[cut..].bytes().all(|b| b == b' ') {
                return Err(SqlError::StringDataRightTruncation(format!(
                    "value too long for type character varying({n})"
                )));
            }
            Ok(s[..cut].to_string())
        }
    }
}

/// Applies a `char(n)` modifier: pads with blanks to `n`, or truncates as [`apply_varchar`] does
/// (`bpchar()` in varchar.c).
pub fn apply_bpchar(s: String, typmod: i32, explicit: bool) -> Result<String> {
    let Some(n) = typmod::char_length(typmod) else {
        return Ok(s);
    };
    let len = s.chars().count();
    if len <= n {
        let mut s = s;
        s.extend(std::iter::repeat_n(' ', n - len));
        return Ok(s);
    }
    let cut = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    if !explicit && !s[cut..].bytes().all(|b| b == b' ') {
        return Err(SqlError::StringDataRightTruncation(format!(
            "value too long for type character({n})"
        )));
    }
    Ok(s[..cut].to_string())
}

/// A bpchar value without its (insignificant) trailing blanks, as `bpchar` → `text` casts and
/// `length()` see it.
pub fn bpchar_trim(s: &str) -> &str {
    s.trim_end_matches(' ')
}

/// `byteain`: `\x` hex format, or the escape format (`\\`, `\ooo` octal, other bytes literally).
pub fn parse_bytea(s: &str) -> Result<Vec<u8>> {
    let b = s.as_bytes();
    if let Some(hex) = s.strip_prefix("\\x") {
        let digits: Vec<u8> = hex.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
        let nibble = |c: u8| -> Result<u8> {
            (c as char).to_digit(16).map(|d| d as u8).ok_or_else(|| {
                SqlError::InvalidParameterValue(format!(
                    "invalid hexadecimal digit: \"{}\"",
                    c as char
                ))
            })
        };
        if digits.len() % 2 == 1 {
            nibble(digits[digits.len() - 1])?;
            return Err(SqlError::InvalidParameterValue(
                "invalid hexadecimal data: odd number of digits".into(),
            ));
        }
        return digits
            .chunks(2)
            .map(|p| Ok(nibble(p[0])? << 4 | nibble(p[1])?))
            .collect();
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if let Some(o) = b.get(i + 1..i + 4).filter(|o| {
            (b'0'..=b'3').contains(&o[0]) && o[1..].iter().all(|c| (b'0'..=b'7').contains(c))
        }) {
            out.push((o[0] - b'0') << 6 | (o[1] - b'0') << 3 | (o[2] - b'0'));
            i += 4;
        } else {
            return Err(SqlError::InvalidTextRepresentation {
                type_name: "bytea",
                value: String::new(),
            });
        }
    }
    Ok(out)
}

/// `uuid_in`: 32 hex digits, optionally in braces, with hyphens after any group of four digits.
pub fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let t = s
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(s);
    let b = t.as_bytes();
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut i = 0;
    while n < 32 {
        let d = (*b.get(i)? as char).to_digit(16)? as u8;
        out[n / 2] |= if n % 2 == 0 { d << 4 } else { d };
        n += 1;
        i += 1;
        if n % 4 == 0 && n < 32 && b.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    (i == b.len()).then_some(out)
}

/// `uuid_out`: lower-case 8-4-4-4-12.
pub fn format_uuid(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, byte) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_modifiers_match_postgres() {
        // From PostgreSQL 15: 'abcdef'::varchar(3) = 'abc'; INSERT of 'abcd' into varchar(3) fails.
        let vc = typmod::from_args(super::super::DataType::Varchar, &[3]).expect("typmod");
        assert_eq!(apply_varchar("abcdef".into(), vc, true), Ok("abc".into()));
        assert_eq!(apply_varchar("abc   ".into(), vc, false), Ok("abc".into()));
        let e = apply_varchar("abcd".into(), vc, false).expect_err("too long");
        assert_eq!(
            e.to_string(),
            "value too long for type character varying(3)"
        );
        assert_eq!(e.sqlstate(), "22001");
        let e = apply_bpchar("abcd".into(), vc, false).expect_err("too long");
        assert_eq!(e.to_string(), "value too long for type character(3)");
        assert_eq!(apply_bpchar("x".into(), vc, false), Ok("x  ".into()));
        assert_eq!(apply_varchar("ééééé".into(), vc, true), Ok("ééé".into()));
    }

    #[test]
    fn bytea_and_uuid() {
        // SELECT 'a\\b'::bytea → \x615c62; '\x01ff'::bytea → \x01ff.
        assert_eq!(parse_bytea("a\\\\b"), Ok(b"a\\b".to_vec()));
        assert_eq!(parse_bytea("\\x01ff"), Ok(vec![1, 255]));
        assert_eq!(parse_bytea("\\101x"), Ok(b"Ax".to_vec()));
        assert_eq!(
            parse_bytea("\\x0g").expect_err("bad hex").to_string(),
            "invalid hexadecimal digit: \"g\""
        );
        let u = parse_uuid("{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}").expect("uuid");
        assert_eq!(format_uuid(&u), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assert!(parse_uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11").is_some());
        assert!(parse_uuid("a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11").is_some());
        assert!(parse_uuid("a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11x").is_none());
        assert!(parse_uuid("zz").is_none());
    }
}
