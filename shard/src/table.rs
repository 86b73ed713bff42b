//! How a table's rows are stored in a shard's B+tree: the key, the value, and which shard owns a row.
//!
//! # Keys
//! A table with a primary key stores each row under the order-preserving encoding
//! (`storage::keycode`) of its key columns, ascending. A table without one stores rows under a hidden
//! row id: 8 bytes big-endian, allocated by the shard that holds the row.
//!
//! # Values
//! A row is a sequence of columns, each `0` (NULL), `1` + u32 length + PostgreSQL's binary send
//! format, or `2` + u32 length + PostgreSQL's text format (for types without a binary format). The
//! column types come from the table definition, so the value carries no type tags; adding a column
//! at the end (ALTER TABLE ADD COLUMN) reads old rows as NULL there.
//!
//! # Placement
//! A row with a primary key lives on shard `crc32(key) % shards`; `route.rs` must agree with the key
//! built here. Every shard computes the same key from the same values, so a point lookup needs no
//! directory.

use pglitedb_sql::{DataType, TableDef, Value};
use pglitedb_storage::keycode::{self, KeyValue, Order};

use crate::error::{Result, ShardError};

const NULL: u8 = 0;
const BINARY: u8 = 1;
const TEXT: u8 = 2;

/// Encodes a full row (one value per column of `table`).
pub fn encode_row(row: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 * row.len());
    let mut scratch = Vec::new();
    for v in row {
        if *v == Value::Null {
            out.push(NULL);
            continue;
        }
        scratch.clear();
        let tag = if v.write_binary(&mut scratch).is_ok() {
            BINARY
        } else {
            scratch.clear();
            v.write_text(&mut scratch);
            TEXT
        };
        out.push(tag);
        out.extend_from_slice(&(scratch.len() as u32).to_be_bytes());
        out.extend_from_slice(&scratch);
    }
    out
}

/// Decodes what [`encode_row`] wrote, by the column types of `table`.
pub fn decode_row(table: &TableDef, mut bytes: &[u8]) -> Result<Vec<Value>> {
    let mut row = Vec::with_capacity(table.columns.len());
    for col in &table.columns {
        let Some((&tag, rest)) = bytes.split_first() else {
            row.push(Value::Null);
            continue;
        };
        bytes = rest;
        if tag == NULL {
            row.push(Value::Null);
            continue;
        }
        if bytes.len() < 4 {
            return Err(corrupt(table));
        }
        let len = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        let Some(data) = bytes.get(4..4 + len) else {
            return Err(corrupt(table));
        };
        bytes = &bytes[4 + len..];
        let v = match tag {
            BINARY => Value::parse_binary(col.ty, data).map_err(|_| corrupt(table))?,
            TEXT => {
                let text = std::str::from_utf8(data).map_err(|_| corrupt(table))?;
                Value::parse_text(col.ty, text).map_err(|_| corrupt(table))?
            }
            _ => return Err(corrupt(table)),
        };
        row.push(v);
    }
    Ok(row)
}

fn corrupt(table: &TableDef) -> ShardError {
    ShardError::CorruptRow(table.name.clone())
}

/// The storage key of a row's primary key values, or `None` if a key value has no order-preserving
/// encoding yet (numeric), in which case the caller must not route by key.
pub fn key_of(values: &[&Value]) -> Option<Vec<u8>> {
    let mut cols = Vec::with_capacity(values.len());
    for v in values {
        cols.push((key_value(v)?, Order::Asc));
    }
    Some(keycode::encode(&cols))
}

fn key_value(v: &Value) -> Option<KeyValue> {
    Some(match v {
        Value::Null => KeyValue::Null,
        Value::Bool(b) => KeyValue::Bool(*b),
        Value::Int2(x) => KeyValue::Int(i64::from(*x)),
        Value::Int4(x) => KeyValue::Int(i64::from(*x)),
        Value::Int8(x) => KeyValue::Int(*x),
        Value::Float4(x) => KeyValue::Float(f64::from(*x)),
        Value::Float8(x) => KeyValue::Float(*x),
        Value::Text(s) => KeyValue::Text(s.clone()),
        _ => return None,
    })
}

/// The primary key of a full row, if the table has one.
pub fn row_key(table: &TableDef, row: &[Value]) -> Option<Vec<u8>> {
    let pk = table.primary_key.as_ref()?;
    let values: Vec<&Value> = pk.iter().map(|&i| &row[i]).collect();
    key_of(&values)
}

/// Whether values of this type can be part of a routed key.
pub fn keyable(ty: DataType) -> bool {
    matches!(
        ty,
        DataType::Bool
            | DataType::Int2
            | DataType::Int4
            | DataType::Int8
            | DataType::Float4
            | DataType::Float8
            | DataType::Text
            | DataType::Varchar
    )
}

/// `(aid)=(1)` for the DETAIL of a unique violation.
pub fn key_detail(table: &TableDef, row: &[Value]) -> String {
    let pk = table.primary_key.as_deref().unwrap_or(&[]);
    let names: Vec<&str> = pk.iter().map(|&i| table.columns[i].name.as_str()).collect();
    let values: Vec<String> = pk
        .iter()
        .map(|&i| row[i].to_text().unwrap_or_else(|| "null".into()))
        .collect();
    format!(
        "Key ({})=({}) already exists.",
        names.join(", "),
        values.join(", ")
    )
}
