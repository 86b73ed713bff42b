//! SQL types and values with PostgreSQL's text and binary wire formats.
//!
//! Output formats must agree byte for byte with PostgreSQL 15 (`int4out`, `float8out` with
//! `extra_float_digits = 1`, `boolout`, ...): clients parse them, and the regression suite compares them.

use crate::error::{Result, SqlError};

/// A SQL data type. `oid` values are PostgreSQL's `pg_type` OIDs, which clients rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Text,
    Varchar,
    /// An untyped string literal or parameter that context has not resolved yet.
    Unknown,
}

impl DataType {
    /// The type's `pg_type.oid`.
    pub fn oid(self) -> u32 {
        match self {
            DataType::Bool => 16,
            DataType::Int2 => 21,
            DataType::Int4 => 23,
            DataType::Int8 => 20,
            DataType::Float4 => 700,
            DataType::Float8 => 701,
            DataType::Numeric => 1700,
            DataType::Text => 25,
            DataType::Varchar => 1043,
            DataType::Unknown => 705,
        }
    }

    /// The type for a `pg_type.oid`, if PGLiteDB knows it. OID 0 means "unspecified".
    pub fn from_oid(oid: u32) -> Option<DataType> {
        Some(match oid {
            16 => DataType::Bool,
            21 => DataType::Int2,
            23 => DataType::Int4,
            20 => DataType::Int8,
            700 => DataType::Float4,
            701 => DataType::Float8,
            1700 => DataType::Numeric,
            25 => DataType::Text,
            1043 => DataType::Varchar,
            705 => DataType::Unknown,
            _ => return None,
        })
    }

    /// `pg_type.typlen`: fixed size in bytes, or -1 for variable length.
    pub fn type_size(self) -> i16 {
        match self {
            DataType::Bool => 1,
            DataType::Int2 => 2,
            DataType::Int4 | DataType::Float4 => 4,
            DataType::Int8 | DataType::Float8 => 8,
            DataType::Numeric | DataType::Text | DataType::Varchar => -1,
            DataType::Unknown => -2,
        }
    }

    /// The SQL-level name PostgreSQL uses in messages (`format_type`).
    pub fn sql_name(self) -> &'static str {
        match self {
            DataType::Bool => "boolean",
            DataType::Int2 => "smallint",
            DataType::Int4 => "integer",
            DataType::Int8 => "bigint",
            DataType::Float4 => "real",
            DataType::Float8 => "double precision",
            DataType::Numeric => "numeric",
            DataType::Text => "text",
            DataType::Varchar => "character varying",
            DataType::Unknown => "unknown",
        }
    }

    /// The internal name (`pg_type.typname`), which PostgreSQL uses as the column name of a bare cast.
    pub fn type_name(self) -> &'static str {
        match self {
            DataType::Bool => "bool",
            DataType::Int2 => "int2",
            DataType::Int4 => "int4",
            DataType::Int8 => "int8",
            DataType::Float4 => "float4",
            DataType::Float8 => "float8",
            DataType::Numeric => "numeric",
            DataType::Text => "text",
            DataType::Varchar => "varchar",
            DataType::Unknown => "unknown",
        }
    }

    /// Whether a binary send/receive format is implemented for the type.
    pub fn has_binary_format(self) -> bool {
        !matches!(self, DataType::Numeric)
    }
}

/// A SQL value. `Null` is untyped; the column's [`DataType`] travels separately.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Float4(f32),
    Float8(f64),
    /// Decimal text in PostgreSQL's canonical form (arbitrary precision arrives with issue 6).
    Numeric(String),
    Text(String),
}

impl Value {
    /// Appends PostgreSQL's text output format. Must not be called for `Null` (NULL has no text form;
    /// the wire encodes it as length -1).
    pub fn write_text(&self, out: &mut Vec<u8>) {
        use std::io::Write as _;
        // Writing to a Vec cannot fail.
        let _ = match self {
            Value::Null => Ok(()),
            Value::Bool(b) => out.write_all(if *b { b"t" } else { b"f" }),
            Value::Int2(v) => write!(out, "{v}"),
            Value::Int4(v) => write!(out, "{v}"),
            Value::Int8(v) => write!(out, "{v}"),
            Value::Float4(v) => {
                out.write_all(format_float(f64::from(*v), 6, f32_shortest(*v)).as_bytes())
            }
            Value::Float8(v) => out.write_all(format_float(*v, 15, format!("{v:e}")).as_bytes()),
            Value::Numeric(s) | Value::Text(s) => out.write_all(s.as_bytes()),
        };
    }

    /// Appends PostgreSQL's binary send format (`int4send` etc.).
    pub fn write_binary(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Value::Null => {}
            Value::Bool(b) => out.push(u8::from(*b)),
            Value::Int2(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Int4(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Int8(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Float4(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Float8(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Text(s) => out.extend_from_slice(s.as_bytes()),
            Value::Numeric(_) => {
                return Err(SqlError::FeatureNotSupported(
                    "binary output format for type numeric is not supported yet".into(),
                ))
            }
        }
        Ok(())
    }

    /// The value as text (for casts and settings); `None` for NULL.
    pub fn to_text(&self) -> Option<String> {
        if *self == Value::Null {
            return None;
        }
        let mut buf = Vec::new();
        self.write_text(&mut buf);
        Some(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Parses PostgreSQL's text input format for `ty` (`int4in`, `boolin`, ...).
    pub fn parse_text(ty: DataType, s: &str) -> Result<Value> {
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
        Ok(match ty {
            DataType::Bool => Value::Bool(parse_bool(t).ok_or_else(bad)?),
            DataType::Int2 | DataType::Int4 | DataType::Int8 => {
                let v: i128 = parse_integer(t).ok_or_else(bad)?;
                match ty {
                    DataType::Int2 => Value::Int2(i16::try_from(v).map_err(|_| range())?),
                    DataType::Int4 => Value::Int4(i32::try_from(v).map_err(|_| range())?),
                    _ => Value::Int8(i64::try_from(v).map_err(|_| range())?),
                }
            }
            DataType::Float4 | DataType::Float8 => {
                let v = parse_float(t).ok_or_else(bad)?;
                if ty == DataType::Float4 {
                    let f = v as f32;
                    if f.is_infinite() && v.is_finite() {
                        return Err(range());
                    }
                    Value::Float4(f)
                } else {
                    Value::Float8(v)
                }
            }
            DataType::Numeric => {
                if !is_decimal(t) {
                    return Err(bad());
                }
                Value::Numeric(t.to_string())
            }
            DataType::Text | DataType::Varchar | DataType::Unknown => Value::Text(s.to_string()),
        })
    }

    /// Parses PostgreSQL's binary receive format for `ty`.
    pub fn parse_binary(ty: DataType, b: &[u8]) -> Result<Value> {
        let wrong = || {
            SqlError::InvalidBinaryRepresentation(format!(
                "incorrect binary data format in bind parameter of type {}",
                ty.sql_name()
            ))
        };
        Ok(match ty {
            DataType::Bool => match b {
                [v] => Value::Bool(*v != 0),
                _ => return Err(wrong()),
            },
            DataType::Int2 => Value::Int2(i16::from_be_bytes(b.try_into().map_err(|_| wrong())?)),
            DataType::Int4 => Value::Int4(i32::from_be_bytes(b.try_into().map_err(|_| wrong())?)),
            DataType::Int8 => Value::Int8(i64::from_be_bytes(b.try_into().map_err(|_| wrong())?)),
            DataType::Float4 => {
                Value::Float4(f32::from_be_bytes(b.try_into().map_err(|_| wrong())?))
            }
            DataType::Float8 => {
                Value::Float8(f64::from_be_bytes(b.try_into().map_err(|_| wrong())?))
            }
            DataType::Text | DataType::Varchar | DataType::Unknown => {
                Value::Text(String::from_utf8(b.to_vec()).map_err(|_| wrong())?)
            }
            DataType::Numeric => {
                return Err(SqlError::FeatureNotSupported(
                    "binary input format for type numeric is not supported yet".into(),
                ))
            }
        })
    }
}

fn parse_bool(t: &str) -> Option<bool> {
    let l = t.to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| l.len() >= min && word.starts_with(l.as_str());
    if prefix_of("true", 1) || prefix_of("yes", 1) || l == "on" || l == "1" {
        Some(true)
    } else if prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || l == "0" {
        Some(false)
    } else {
        None
    }
}

fn parse_integer(t: &str) -> Option<i128> {
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) || digits.len() > 30 {
        return None;
    }
    let v: i128 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

fn parse_float(t: &str) -> Option<f64> {
    match t.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => Some(f64::INFINITY),
        "-infinity" | "-inf" => Some(f64::NEG_INFINITY),
        other
            if other
                .bytes()
                .all(|c| c.is_ascii_digit() || b"+-.e".contains(&c))
                && !other.is_empty() =>
        {
            other.parse().ok()
        }
        _ => None,
    }
}

fn is_decimal(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let mut parts = body.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    (!int.is_empty() || !frac.is_empty())
        && int.bytes().all(|c| c.is_ascii_digit())
        && frac.bytes().all(|c| c.is_ascii_digit())
}

fn f32_shortest(v: f32) -> String {
    format!("{v:e}")
}

/// Formats a float as PostgreSQL 12+ does with `extra_float_digits = 1`: the shortest digits that
/// round-trip, in `%g` style — positional when the decimal exponent is in `-4..precision`, otherwise
/// `d.ddde+XX` with at least two exponent digits. `sci` is Rust's shortest `{:e}` rendering.
fn format_float(v: f64, precision: i32, sci: String) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if exp < -4 || exp >= precision {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    } else if exp < 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            format!("{sign}{digits}{}", "0".repeat(int_len - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: Value) -> String {
        v.to_text().expect("not null")
    }

    #[test]
    fn float8_output_matches_postgres() {
        // Expected strings produced by PostgreSQL 15: SELECT x::float8.
        let cases = [
            (1.0, "1"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e15, "1e+15"),
            (123456789012345.0, "123456789012345"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-0.0, "-0"),
        ];
        for (v, want) in cases {
            assert_eq!(text(Value::Float8(v)), want, "{v}");
        }
        assert_eq!(text(Value::Float8(f64::NAN)), "NaN");
        assert_eq!(text(Value::Float8(f64::NEG_INFINITY)), "-Infinity");
        assert_eq!(text(Value::Float4(1e6)), "1e+06");
        assert_eq!(text(Value::Float4(0.1)), "0.1");
    }

    #[test]
    fn integer_input_errors_match_postgres() {
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
    }

    #[test]
    fn bool_input_accepts_postgres_spellings() {
        for s in ["t", "TRUE", "yes", "on", "1", "y"] {
            assert_eq!(
                Value::parse_text(DataType::Bool, s),
                Ok(Value::Bool(true)),
                "{s}"
            );
        }
        for s in ["f", "false", "no", "off", "0"] {
            assert_eq!(
                Value::parse_text(DataType::Bool, s),
                Ok(Value::Bool(false)),
                "{s}"
            );
        }
        assert!(Value::parse_text(DataType::Bool, "o").is_err());
    }

    #[test]
    fn binary_round_trip() {
        for v in [
            Value::Int4(-7),
            Value::Int8(1 << 40),
            Value::Bool(true),
            Value::Float8(2.5),
        ] {
            let ty = match v {
                Value::Int4(_) => DataType::Int4,
                Value::Int8(_) => DataType::Int8,
                Value::Bool(_) => DataType::Bool,
                _ => DataType::Float8,
            };
            let mut b = Vec::new();
            v.write_binary(&mut b).expect("binary");
            assert_eq!(Value::parse_binary(ty, &b), Ok(v));
        }
    }
}
