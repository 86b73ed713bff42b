//! Order-preserving encoding of SQL values into B+tree keys: for values of the same column types,
//! `encode(a) < encode(b)` (as bytes) exactly when `a < b` in SQL order, column by column, honouring
//! ASC/DESC. Composite keys are the concatenation of their columns' encodings; every column encoding is
//! self-delimiting (no encoding is a prefix of another), so concatenation preserves the order.
//!
//! # Byte-level specification
//!
//! Each column is one tag byte followed by a payload:
//!
//! | value | tag | payload |
//! |---|---|---|
//! | `false` / `true` | `0x10` | `0x00` / `0x01` |
//! | integer (i16, i32, i64 all as i64) | `0x20` | 8 bytes big-endian of the value with its sign bit flipped |
//! | float (f32 widened, f64) | `0x30` | 8 bytes big-endian: if the sign bit is set, all bits inverted, else the sign bit flipped |
//! | text (UTF-8, C collation) | `0x40` | the bytes with `0x00` escaped as `0x00 0xFF`, then the terminator `0x00 0x01` |
//! | bytes (bytea) | `0x50` | as text |
//! | NULL | `0xF0` | none |
//!
//! - NULL's tag is larger than every value tag, so NULLs sort last ascending and first descending, as in
//!   PostgreSQL's defaults (`NULLS LAST` for ASC, `NULLS FIRST` for DESC).
//! - Floats: `-0.0` is encoded as `0.0` and every NaN as the canonical quiet NaN `0x7FF8_0000_0000_0000`,
//!   which sorts above `+inf`, as PostgreSQL orders NaN above all numbers.
//! - The escape keeps the terminator unique: inside the payload `0x00` is always followed by `0xFF`, and
//!   `0x00 0x01` < `0x00 0xFF`, so a string sorts before its extensions ("ab" < "ab\0" < "abc").
//! - DESC: the column's whole encoding (tag included) is written with every byte inverted (`!b`). Because
//!   the encodings are prefix-free, two different encodings first differ at a byte both contain, and
//!   inversion reverses exactly that comparison.
//! - Integers of different widths share one encoding, so a key written from an i32 column is found by an
//!   i64 probe. Values of different types never share a column, so tags only separate NULL from values.

use crate::{Result, StorageError};

/// A SQL value that can be part of a key.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyValue {
    /// NULL.
    Null,
    /// boolean.
    Bool(bool),
    /// smallint, integer, bigint.
    Int(i64),
    /// real, double precision.
    Float(f64),
    /// text, varchar, char (C collation: byte order of UTF-8).
    Text(String),
    /// bytea.
    Bytes(Vec<u8>),
}

/// Sort direction of a key column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Ascending, NULLs last.
    Asc,
    /// Descending, NULLs first.
    Desc,
}

const TAG_BOOL: u8 = 0x10;
const TAG_INT: u8 = 0x20;
const TAG_FLOAT: u8 = 0x30;
const TAG_TEXT: u8 = 0x40;
const TAG_BYTES: u8 = 0x50;
const TAG_NULL: u8 = 0xF0;

/// Appends one column's encoding to `out`.
pub fn encode_value(value: &KeyValue, order: Order, out: &mut Vec<u8>) {
    let start = out.len();
    match value {
        KeyValue::Null => out.push(TAG_NULL),
        KeyValue::Bool(b) => out.extend_from_slice(&[TAG_BOOL, u8::from(*b)]),
        KeyValue::Int(i) => {
            out.push(TAG_INT);
            out.extend_from_slice(&((*i as u64) ^ (1 << 63)).to_be_bytes());
        }
        KeyValue::Float(f) => {
            out.push(TAG_FLOAT);
            let bits = if f.is_nan() {
                0x7FF8_0000_0000_0000
            } else if *f == 0.0 {
                0
            } else {
                f.to_bits()
            };
            let bits = if bits >> 63 == 1 {
                !bits
            } else {
                bits ^ (1 << 63)
            };
            out.extend_from_slice(&bits.to_be_bytes());
        }
        KeyValue::Text(s) => escape(TAG_TEXT, s.as_bytes(), out),
        KeyValue::Bytes(b) => escape(TAG_BYTES, b, out),
    }
    if order == Order::Desc {
        for b in &mut out[start..] {
            *b = !*b;
        }
    }
}

fn escape(tag: u8, bytes: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

/// Encodes a composite key.
pub fn encode(columns: &[(KeyValue, Order)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (v, o) in columns {
        encode_value(v, *o, &mut out);
    }
    out
}

/// Decodes a composite key given each column's order.
pub fn decode(mut key: &[u8], orders: &[Order]) -> Result<Vec<KeyValue>> {
    let mut out = Vec::with_capacity(orders.len());
    for &order in orders {
        let (v, used) = decode_value(key, order)?;
        out.push(v);
        key = &key[used..];
    }
    if !key.is_empty() {
        return Err(bad("trailing bytes"));
    }
    Ok(out)
}

fn bad(what: &str) -> StorageError {
    StorageError::Corrupted(format!("key encoding: {what}"))
}

/// Decodes one column; returns the value and the bytes it used.
pub fn decode_value(key: &[u8], order: Order) -> Result<(KeyValue, usize)> {
    let flip = |b: u8| if order == Order::Desc { !b } else { b };
    let byte = |i: usize| key.get(i).map(|b| flip(*b)).ok_or_else(|| bad("truncated"));
    let fixed8 = || -> Result<u64> {
        let mut a = [0u8; 8];
        for (i, slot) in a.iter_mut().enumerate() {
            *slot = byte(1 + i)?;
        }
        Ok(u64::from_be_bytes(a))
    };
    match byte(0)? {
        TAG_NULL => Ok((KeyValue::Null, 1)),
        TAG_BOOL => match byte(1)? {
            0 => Ok((KeyValue::Bool(false), 2)),
            1 => Ok((KeyValue::Bool(true), 2)),
            _ => Err(bad("boolean payload")),
        },
        TAG_INT => Ok((KeyValue::Int((fixed8()? ^ (1 << 63)) as i64), 9)),
        TAG_FLOAT => {
            let bits = fixed8()?;
            let bits = if bits >> 63 == 1 {
                bits ^ (1 << 63)
            } else {
                !bits
            };
            Ok((KeyValue::Float(f64::from_bits(bits)), 9))
        }
        tag @ (TAG_TEXT | TAG_BYTES) => {
            let mut bytes = Vec::new();
            let mut i = 1;
            loop {
                let b = byte(i)?;
                if b == 0 {
                    match byte(i + 1)? {
                        0xFF => bytes.push(0),
                        0x01 => break,
                        _ => return Err(bad("escape")),
                    }
                    i += 2;
                } else {
                    bytes.push(b);
                    i += 1;
                }
            }
            let v = if tag == TAG_TEXT {
                KeyValue::Text(String::from_utf8(bytes).map_err(|_| bad("text is not UTF-8"))?)
            } else {
                KeyValue::Bytes(bytes)
            };
            Ok((v, i + 2))
        }
        _ => Err(bad("unknown tag")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    fn sql_cmp(a: &KeyValue, b: &KeyValue) -> Ordering {
        use KeyValue::*;
        match (a, b) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Greater,
            (_, Null) => Ordering::Less,
            (Bool(x), Bool(y)) => x.cmp(y),
            (Int(x), Int(y)) => x.cmp(y),
            (Float(x), Float(y)) => match (x.is_nan(), y.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => x.partial_cmp(y).expect("not NaN"),
            },
            (Text(x), Text(y)) => x.as_bytes().cmp(y.as_bytes()),
            (Bytes(x), Bytes(y)) => x.cmp(y),
            _ => unreachable!("one type per column"),
        }
    }

    fn samples() -> Vec<Vec<KeyValue>> {
        use KeyValue::*;
        let ints = [i64::MIN, -300, -1, 0, 1, 255, 256, i64::MAX];
        let floats = [
            f64::NEG_INFINITY,
            -2.5,
            -0.0,
            0.0,
            1e-300,
            3.25,
            f64::INFINITY,
            f64::NAN,
        ];
        let texts = ["", "\0", "a", "a\0", "a\0b", "ab", "b", "é"];
        vec![
            ints.iter().map(|i| Int(*i)).chain([Null]).collect(),
            floats.iter().map(|f| Float(*f)).chain([Null]).collect(),
            texts
                .iter()
                .map(|t| Text(t.to_string()))
                .chain([Null])
                .collect(),
            vec![
                Bytes(vec![]),
                Bytes(vec![0]),
                Bytes(vec![0, 0]),
                Bytes(vec![1]),
                Bool(false),
                Null,
            ],
        ]
    }

    #[test]
    fn order_and_round_trip_for_every_pair_and_direction() {
        for col in samples() {
            for order in [Order::Asc, Order::Desc] {
                for a in &col {
                    for b in &col {
                        if matches!(
                            (a, b),
                            (KeyValue::Bool(_), KeyValue::Bytes(_))
                                | (KeyValue::Bytes(_), KeyValue::Bool(_))
                        ) {
                            continue;
                        }
                        // Composite: (a, tail) vs (b, tail) with a second column, to check self-delimiting.
                        let ka = encode(&[(a.clone(), order), (KeyValue::Int(7), Order::Asc)]);
                        let kb = encode(&[(b.clone(), order), (KeyValue::Int(-7), Order::Asc)]);
                        let mut want = sql_cmp(a, b);
                        if order == Order::Desc {
                            want = want.reverse();
                        }
                        if want == Ordering::Equal {
                            want = Ordering::Greater; // decided by the second column: 7 > -7
                        }
                        assert_eq!(ka.cmp(&kb), want, "{a:?} vs {b:?} {order:?}");
                        let back = decode(&ka, &[order, Order::Asc]).expect("decodes");
                        match (&back[0], a) {
                            (KeyValue::Float(x), KeyValue::Float(y)) if y.is_nan() => {
                                assert!(x.is_nan())
                            }
                            (KeyValue::Float(x), KeyValue::Float(y)) => assert_eq!(x, &(y + 0.0)),
                            (x, y) => assert_eq!(x, y),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &[][..],
            &[0x20, 1],
            &[0x40, b'a', 0x00],
            &[0x40, 0x00, 0x07],
            &[0x77],
        ] {
            assert!(decode(bad, &[Order::Asc]).is_err());
        }
    }
}
