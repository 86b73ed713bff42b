//! Text input for `boolean` and the integer types (`boolin`, `int2in`, `int4in`, `int8in`, `oidin`).

use super::{DataType, Value};
use crate::error::{Result, SqlError};

/// `boolin`: `t`/`true`/`yes`/`on`/`1` and their prefixes, case-insensitively (whitespace trimmed
/// by the caller).
pub fn parse_bool(t: &str) -> Option<bool> {
    let l = t.to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| l.len() >= min && word.starts_with(l.as_str());
    if prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || l == "1" {
        Some(true)
    } else if prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || l == "0" {
        Some(false)
    } else {
        None
    }
}

/// `pg_strtoint16/32/64` and `oidin`: optional whitespace, sign, decimal digits (PostgreSQL 15
/// accepts no underscores, hex or exponents).
pub fn parse_int(ty: DataType, s: &str) -> Result<Value> {
    let bad = || SqlError::InvalidTextRepresentation {
        type_name: ty.sql_name(),
        value: s.to_string(),
    };
    let range = || {
        SqlError::OutOfRange(format!(
            "value \"{s}\" is out of range for type {}",
            ty.sql_name()
        ))
    };
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let mut v: i128 = 0;
    for d in digits.bytes() {
        v = v * 10 + i128::from(d - b'0');
        if v > i128::from(u64::MAX) {
            return Err(range());
        }
    }
    let v = if neg { -v } else { v };
    Ok(match ty {
        DataType::Int2 => Value::Int2(i16::try_from(v).map_err(|_| range())?),
        DataType::Int4 => Value::Int4(i32::try_from(v).map_err(|_| range())?),
        DataType::Oid => {
            // oidin goes through strtoul: negative values wrap, as in PostgreSQL.
            if !(-(i128::from(u32::MAX))..=i128::from(u32::MAX)).contains(&v) {
                return Err(range());
            }
            Value::Oid(if v < 0 {
                (v + (1i128 << 32)) as u32
            } else {
                v as u32
            })
        }
        _ => Value::Int8(i64::try_from(v).map_err(|_| range())?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_input_errors_match_postgres() {
        // Messages from PostgreSQL 15 (int4.out, int2.out, int8.out).
        assert_eq!(
            Value::parse_text(DataType::Int4, " 42 "),
            Ok(Value::Int4(42))
        );
        let e = Value::parse_text(DataType::Int4, "abc").expect_err("bad input");
        assert_eq!(
            e.to_string(),
            "invalid input syntax for type integer: \"abc\""
        );
        assert_eq!(e.sqlstate(), "22P02");
        let e = Value::parse_text(DataType::Int4, "3000000000").expect_err("range");
        assert_eq!(
            e.to_string(),
            "value \"3000000000\" is out of range for type integer"
        );
        assert_eq!(e.sqlstate(), "22003");
        let e = Value::parse_text(DataType::Int2, "100000").expect_err("range");
        assert_eq!(
            e.to_string(),
            "value \"100000\" is out of range for type smallint"
        );
        for bad in ["1_000", "", "34.5", "1e3", "- 1"] {
            assert!(Value::parse_text(DataType::Int8, bad).is_err(), "{bad}");
        }
        assert_eq!(
            Value::parse_text(DataType::Int8, "-9223372036854775808"),
            Ok(Value::Int8(i64::MIN))
        );
        assert_eq!(
            Value::parse_text(DataType::Oid, "-1"),
            Ok(Value::Oid(u32::MAX))
        );
    }

    #[test]
    fn bool_input_accepts_postgres_spellings() {
        for s in ["t", "TRUE", "yes", "on", "1", "y", " true "] {
            assert_eq!(
                Value::parse_text(DataType::Bool, s),
                Ok(Value::Bool(true)),
                "{s}"
            );
        }
        for s in ["f", "false", "no", "off", "0", "of"] {
            assert_eq!(
                Value::parse_text(DataType::Bool, s),
                Ok(Value::Bool(false)),
                "{s}"
            );
        }
        // boolean.out: 'o' is ambiguous, 'test' and 'ye' invalid...
        for s in ["o", "test", "yeah", "nay", "0.0", "11"] {
            let e = Value::parse_text(DataType::Bool, s).expect_err(s);
            assert_eq!(
                e.to_string(),
                format!("invalid input syntax for type boolean: \"{s}\"")
            );
        }
    }
}
