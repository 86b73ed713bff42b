//! Binary send/receive formats (`*send`/`*recv`), all big-endian as PostgreSQL's.
//!
//! Layouts: fixed-width integers and IEEE floats; `numeric` in base-10000 digits (see
//! `numeric::wire`); text types as their UTF-8 bytes; `date` i32 days, `time`/`timestamp[tz]` i64
//! microseconds; `interval` i64 micros, i32 days, i32 months; `uuid` 16 bytes; `jsonb` a version
//! byte (1) then text; arrays `ndim, has_nulls, elem oid, (len, lbound)*, (len, bytes)*`.

use super::array::Array;
use super::datetime::Interval;
use super::numeric::Numeric;
use super::{DataType, Value};
use crate::error::{Result, SqlError};

/// Appends the send format of `v`.
pub fn write(v: &Value, out: &mut Vec<u8>) -> Result<()> {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push(u8::from(*b)),
        Value::Int2(x) => out.extend_from_slice(&x.to_be_bytes()),
        Value::Int4(x) | Value::Date(x) => out.extend_from_slice(&x.to_be_bytes()),
        Value::Int8(x) | Value::Time(x) | Value::Timestamp(x) | Value::Timestamptz(x) => {
            out.extend_from_slice(&x.to_be_bytes())
        }
        Value::Oid(x) => out.extend_from_slice(&x.to_be_bytes()),
        Value::Float4(x) => out.extend_from_slice(&x.to_be_bytes()),
        Value::Float8(x) => out.extend_from_slice(&x.to_be_bytes()),
        Value::Numeric(n) => n.write_binary(out),
        Value::Text(s) => out.extend_from_slice(s.as_bytes()),
        Value::Jsonb(j) => {
            out.push(1);
            out.extend_from_slice(j.canonical().as_bytes());
        }
        Value::Bytea(b) => out.extend_from_slice(b),
        Value::Uuid(u) => out.extend_from_slice(u),
        Value::Geo(g) => g.write_binary(out),
        Value::Record(r) => r.write_binary(out)?,
        Value::Interval(i) => {
            out.extend_from_slice(&i.micros.to_be_bytes());
            out.extend_from_slice(&i.days.to_be_bytes());
            out.extend_from_slice(&i.months.to_be_bytes());
        }
        Value::Array(a) => {
            out.extend_from_slice(&(a.dims.len() as i32).to_be_bytes());
            let has_nulls = a.items.iter().any(Value::is_null);
            out.extend_from_slice(&i32::from(has_nulls).to_be_bytes());
            out.extend_from_slice(&a.elem.oid().to_be_bytes());
            for (len, lb) in &a.dims {
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&lb.to_be_bytes());
            }
            for item in &a.items {
                if item.is_null() {
                    out.extend_from_slice(&(-1i32).to_be_bytes());
                } else {
                    let at = out.len();
                    out.extend_from_slice(&[0; 4]);
                    write(item, out)?;
                    let len = (out.len() - at - 4) as i32;
                    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
                }
            }
        }
    }
    Ok(())
}

/// Parses the receive format for `ty`.
pub fn read(ty: DataType, b: &[u8]) -> Result<Value> {
    let wrong = || {
        SqlError::InvalidBinaryRepresentation(format!(
            "incorrect binary data format in bind parameter of type {}",
            ty.sql_name()
        ))
    };
    macro_rules! fixed {
        ($t:ty) => {
            <$t>::from_be_bytes(b.try_into().map_err(|_| wrong())?)
        };
    }
    let utf8 = |b: &[u8]| {
        String::from_utf8(b.to_vec()).map_err(|_| {
            SqlError::InvalidBinaryRepresentation(
                "invalid byte sequence for encoding \"UTF8\"".into(),
            )
        })
    };
    if let Some(elem) = ty.elem() {
        return read_array(elem, b).map(|a| Value::Array(Box::new(a)));
    }
    Ok(match ty {
        DataType::Bool => match b {
            [v] => Value::Bool(*v != 0),
            _ => return Err(wrong()),
        },
        DataType::Int2 => Value::Int2(fixed!(i16)),
        DataType::Int4 => Value::Int4(fixed!(i32)),
        DataType::Int8 => Value::Int8(fixed!(i64)),
        DataType::Oid => Value::Oid(fixed!(u32)),
        DataType::Float4 => Value::Float4(fixed!(f32)),
        DataType::Float8 => Value::Float8(fixed!(f64)),
        DataType::Date => Value::Date(fixed!(i32)),
        DataType::Time => Value::Time(fixed!(i64)),
        DataType::Timestamp => Value::Timestamp(fixed!(i64)),
        DataType::Timestamptz => Value::Timestamptz(fixed!(i64)),
        DataType::Uuid => Value::Uuid(b.try_into().map_err(|_| wrong())?),
        DataType::Interval => {
            if b.len() != 16 {
                return Err(wrong());
            }
            let micros = i64::from_be_bytes(b[..8].try_into().map_err(|_| wrong())?);
            let days = i32::from_be_bytes(b[8..12].try_into().map_err(|_| wrong())?);
            let months = i32::from_be_bytes(b[12..].try_into().map_err(|_| wrong())?);
            Value::Interval(Interval {
                months,
                days,
                micros,
            })
        }
        DataType::Numeric => Value::Numeric(Numeric::read_binary(b)?),
        DataType::Bytea => Value::Bytea(b.to_vec()),
        DataType::Text
        | DataType::Varchar
        | DataType::Bpchar
        | DataType::Name
        | DataType::Unknown => Value::Text(utf8(b)?),
        DataType::Json => Value::parse_text(DataType::Json, &utf8(b)?)?,
        _ if ty.geo_kind().is_some() => {
            let kind = ty.geo_kind().ok_or_else(wrong)?;
            Value::Geo(Box::new(super::geo::Geo::read_binary(kind, b)?))
        }
        DataType::Jsonb => match b.split_first() {
            Some((1, rest)) => Value::parse_text(DataType::Jsonb, &utf8(rest)?)?,
            _ => {
                return Err(SqlError::InvalidBinaryRepresentation(
                    "unsupported jsonb version number".into(),
                ))
            }
        },
        DataType::Record => Value::Record(Box::new(read_record(b)?)),
        _ => return Err(wrong()),
    })
}

/// The big-endian int4 at `*pos` (advanced past it).
fn be_i32(b: &[u8], pos: &mut usize) -> Result<i32> {
    let w = b.get(*pos..*pos + 4).ok_or_else(|| {
        SqlError::InvalidBinaryRepresentation("insufficient data left in message".into())
    })?;
    *pos += 4;
    Ok(i32::from_be_bytes([w[0], w[1], w[2], w[3]]))
}

/// `record_recv`: the field count, then per field its type's OID and its length-prefixed value.
fn read_record(b: &[u8]) -> Result<super::Record> {
    let short =
        || SqlError::InvalidBinaryRepresentation("insufficient data left in message".into());
    let mut pos = 0;
    let next = |pos: &mut usize| be_i32(b, pos);
    let n = next(&mut pos)?;
    let mut fields = Vec::new();
    for _ in 0..n.max(0) {
        let oid = next(&mut pos)? as u32;
        let ty = DataType::from_oid(oid).ok_or_else(|| {
            SqlError::InvalidBinaryRepresentation(format!("unsupported field type {oid}"))
        })?;
        let len = next(&mut pos)?;
        if len < 0 {
            fields.push((Value::Null, ty));
            continue;
        }
        let end = pos + len as usize;
        let bytes = b.get(pos..end).ok_or_else(short)?;
        fields.push((read(ty, bytes)?, ty));
        pos = end;
    }
    if pos != b.len() {
        return Err(SqlError::InvalidBinaryRepresentation(
            "incorrect binary data format".into(),
        ));
    }
    Ok(super::Record { fields })
}

fn read_array(elem: DataType, b: &[u8]) -> Result<Array> {
    let short =
        || SqlError::InvalidBinaryRepresentation("insufficient data left in message".into());
    let mut pos = 0;
    let next = |pos: &mut usize| be_i32(b, pos);
    let ndim = next(&mut pos)?;
    let _flags = next(&mut pos)?;
    let oid = next(&mut pos)? as u32;
    if !(0..=6).contains(&ndim) {
        return Err(SqlError::InvalidBinaryRepresentation(format!(
            "invalid number of dimensions: {ndim}"
        )));
    }
    if oid != elem.oid() {
        return Err(SqlError::DatatypeMismatch(format!(
            "binary data has array element type {oid} ({}) instead of expected {} ({})",
            DataType::from_oid(oid).map_or("unknown", DataType::type_name),
            elem.oid(),
            elem.type_name()
        )));
    }
    let mut dims = Vec::new();
    let mut total: i64 = 1;
    for _ in 0..ndim {
        let len = next(&mut pos)?;
        let lb = next(&mut pos)?;
        total *= i64::from(len.max(0));
        dims.push((len, lb));
    }
    if ndim == 0 {
        total = 0;
    }
    let mut items = Vec::with_capacity(total.min(1 << 16) as usize);
    for _ in 0..total {
        let len = next(&mut pos)?;
        if len < 0 {
            items.push(Value::Null);
            continue;
        }
        let bytes = b.get(pos..pos + len as usize).ok_or_else(short)?;
        pos += len as usize;
        items.push(read(elem, bytes)?);
    }
    Ok(Array { elem, dims, items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::FormatContext;

    #[test]
    fn binary_round_trip() {
        let ctx = FormatContext::default();
        let cases = [
            (DataType::Int4, "-7"),
            (DataType::Int8, "1099511627776"),
            (DataType::Bool, "t"),
            (DataType::Float8, "2.5"),
            (DataType::Numeric, "-12345.678"),
            (DataType::Text, "héllo"),
            (DataType::Bytea, "\\x00ff"),
            (DataType::Date, "1999-01-08"),
            (DataType::Timestamptz, "2024-07-01 12:00:00+00"),
            (DataType::Interval, "1 year 2 days 03:04:05"),
            (DataType::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            (DataType::Jsonb, r#"{"a": [1, 2]}"#),
            (DataType::Int4Array, "{{1,NULL},{3,4}}"),
            (DataType::TextArray, r#"{a,"b c"}"#),
        ];
        for (ty, text) in cases {
            let v = Value::parse_text_ctx(ty, text, &ctx).expect(text);
            let mut b = Vec::new();
            v.write_binary(&mut b).expect("send");
            assert_eq!(Value::parse_binary(ty, &b).expect("recv"), v, "{text}");
        }
        // array_send of '{1,2}'::int4[] as PostgreSQL sends it.
        let v = Value::parse_text(DataType::Int4Array, "{1,2}").expect("array");
        let mut b = Vec::new();
        v.write_binary(&mut b).expect("send");
        assert_eq!(
            b,
            [
                0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0,
                1, 0, 0, 0, 4, 0, 0, 0, 2
            ]
        );
    }
}
