//! [`Value`]: one SQL datum, with dispatch to each type's text and binary input/output functions.
//!
//! Invariants:
//! - A `Value` is already of its column's type: `varchar(3)` values are `Text` no longer than 3
//!   characters, `char(n)` values are stored blank-padded to `n` (as PostgreSQL stores bpchar), a
//!   `numeric(p,s)` value has scale `s`. Casts ([`super::cast`]) establish this; nothing re-checks.
//! - The type travels separately (a column's `DataType`); a `Value` alone is ambiguous for the
//!   string types (`Text` serves text, varchar, bpchar, name and json).
//! - Date/time values use PostgreSQL's representation: days or microseconds since 2000-01-01, with
//!   `i32::MIN/MAX`, `i64::MIN/MAX` as -infinity/infinity.

use super::array::Array;
use super::context::FormatContext;
use super::datetime::Interval;
use super::numeric::Numeric;
use super::DataType;
use crate::error::{Result, SqlError};

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
    Numeric(Numeric),
    /// text, varchar, bpchar (blank-padded), name, json (the input text, verbatim).
    Text(String),
    Bytea(Vec<u8>),
    /// Days since 2000-01-01.
    Date(i32),
    /// Microseconds since midnight.
    Time(i64),
    /// Microseconds since 2000-01-01 00:00, wall clock.
    Timestamp(i64),
    /// Microseconds since 2000-01-01 00:00 UTC.
    Timestamptz(i64),
    Interval(Interval),
    Uuid([u8; 16]),
    /// jsonb, parsed and normalized (keys sorted, duplicates removed; see `types::json`).
    Jsonb(Box<super::json::Json>),
    Oid(u32),
    Array(Box<Array>),
    /// point, lseg, box, path, polygon, line, circle.
    Geo(Box<super::geo::Geo>),
    /// An anonymous row (type `record`), with its fields' types.
    Record(Box<super::record::Record>),
}

impl Value {
    /// Whether the value is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Appends PostgreSQL's text output with default settings (ISO dates, UTC, shortest floats).
    /// Must not be called for `Null` (NULL has no text form; the wire encodes it as length -1).
    pub fn write_text(&self, out: &mut Vec<u8>) {
        self.write_text_ctx(&FormatContext::default(), out);
    }

    /// Appends PostgreSQL's text output under the session's settings.
    pub fn write_text_ctx(&self, ctx: &FormatContext, out: &mut Vec<u8>) {
        let mut s = String::new();
        self.format_text(ctx, &mut s);
        out.extend_from_slice(s.as_bytes());
    }

    /// Appends the text output to a `String`.
    pub fn format_text(&self, ctx: &FormatContext, out: &mut String) {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = match self {
            Value::Null => Ok(()),
            Value::Bool(b) => out.write_str(if *b { "t" } else { "f" }),
            Value::Int2(v) => write!(out, "{v}"),
            Value::Int4(v) => write!(out, "{v}"),
            Value::Int8(v) => write!(out, "{v}"),
            Value::Oid(v) => write!(out, "{v}"),
            Value::Float4(v) => {
                out.write_str(&super::float::format_f32(*v, ctx.extra_float_digits))
            }
            Value::Float8(v) => {
                out.write_str(&super::float::format_f64(*v, ctx.extra_float_digits))
            }
            Value::Numeric(n) => write!(out, "{n}"),
            Value::Text(s) => out.write_str(s),
            Value::Jsonb(j) => out.write_str(&j.canonical()),
            Value::Bytea(b) => {
                out.push_str("\\x");
                for byte in b {
                    let _ = write!(out, "{byte:02x}");
                }
                Ok(())
            }
            Value::Uuid(u) => out.write_str(&super::text::format_uuid(u)),
            Value::Date(d) => out.write_str(&super::datetime::format_date(*d, ctx)),
            Value::Time(t) => out.write_str(&super::datetime::format_time(*t)),
            Value::Timestamp(t) => out.write_str(&super::datetime::format_timestamp(*t, ctx)),
            Value::Timestamptz(t) => out.write_str(&super::datetime::format_timestamptz(*t, ctx)),
            Value::Interval(i) => out.write_str(&i.format(ctx.intervalstyle)),
            Value::Array(a) => {
                a.format_text(ctx, out);
                Ok(())
            }
            Value::Geo(g) => {
                g.format(ctx.extra_float_digits, out);
                Ok(())
            }
            Value::Record(r) => {
                r.format_text(ctx, out);
                Ok(())
            }
        };
    }

    /// The value as text with default settings; `None` for NULL.
    pub fn to_text(&self) -> Option<String> {
        self.to_text_ctx(&FormatContext::default())
    }

    /// The value as text under the session's settings; `None` for NULL.
    pub fn to_text_ctx(&self, ctx: &FormatContext) -> Option<String> {
        if self.is_null() {
            return None;
        }
        let mut s = String::new();
        self.format_text(ctx, &mut s);
        Some(s)
    }

    /// Parses PostgreSQL's text input for `ty` with default settings and no type modifier.
    pub fn parse_text(ty: DataType, s: &str) -> Result<Value> {
        Value::parse_text_ctx(ty, s, &FormatContext::default())
    }

    /// Parses PostgreSQL's text input for `ty` (`int4in`, `date_in`, ...) under the session's
    /// settings. Apply a type modifier afterwards with [`super::cast::apply_typmod`].
    pub fn parse_text_ctx(ty: DataType, s: &str, ctx: &FormatContext) -> Result<Value> {
        if let Some(elem) = ty.elem() {
            return Ok(Value::Array(Box::new(Array::parse(elem, s, ctx)?)));
        }
        let bad = || SqlError::InvalidTextRepresentation {
            type_name: ty.sql_name(),
            value: s.to_string(),
        };
        let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
        Ok(match ty {
            DataType::Bool => Value::Bool(super::scalar::parse_bool(t).ok_or_else(bad)?),
            DataType::Int2 | DataType::Int4 | DataType::Int8 | DataType::Oid => {
                super::scalar::parse_int(ty, s)?
            }
            DataType::Float4 => Value::Float4(super::float::parse_f32(s)?),
            DataType::Float8 => Value::Float8(super::float::parse_f64(s)?),
            DataType::Numeric => Value::Numeric(Numeric::parse(s)?),
            DataType::Text | DataType::Varchar | DataType::Unknown => Value::Text(s.to_string()),
            DataType::Bpchar => Value::Text(s.to_string()),
            DataType::Name => Value::Text(super::text::truncate_name(s)),
            DataType::Bytea => Value::Bytea(super::text::parse_bytea(s)?),
            DataType::Uuid => Value::Uuid(super::text::parse_uuid(s).ok_or_else(bad)?),
            DataType::Json => {
                super::json::Json::parse(s, "json")?;
                Value::Text(s.to_string())
            }
            DataType::Jsonb => Value::Jsonb(Box::new(super::json::Json::parse_jsonb(s)?)),
            _ if ty.geo_kind().is_some() => {
                let kind = ty.geo_kind().ok_or_else(bad)?;
                Value::Geo(Box::new(super::geo::Geo::parse(kind, s)?))
            }
            DataType::Date => Value::Date(super::datetime::parse_date(s, ctx)?),
            DataType::Time => Value::Time(super::datetime::parse_time(s)?),
            DataType::Timestamp => Value::Timestamp(super::datetime::parse_timestamp(s, ctx)?),
            DataType::Timestamptz => {
                Value::Timestamptz(super::datetime::parse_timestamptz(s, ctx)?)
            }
            DataType::Interval => Value::Interval(Interval::parse_styled(
                s,
                super::datetime::range::FULL_RANGE,
                ctx.intervalstyle,
            )?),
            DataType::Record => return super::record::parse_anonymous(),
            _ => return Err(SqlError::Internal(format!("no input function for {ty:?}"))),
        })
    }

    /// Appends PostgreSQL's binary send format (`int4send`, `numeric_send`, `array_send`, ...).
    pub fn write_binary(&self, out: &mut Vec<u8>) -> Result<()> {
        super::binary::write(self, out)
    }

    /// Parses PostgreSQL's binary receive format for `ty`.
    pub fn parse_binary(ty: DataType, b: &[u8]) -> Result<Value> {
        super::binary::read(ty, b)
    }
}
