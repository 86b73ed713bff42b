//! Catalog encoding of the `partition_by` ([`PartitionSpec`]) and `partition_of`
//! ([`PartitionOf`]) `TableDef` sections. Key expressions are stored as SQL text and bound again
//! on decode.

use super::{Datum, KeyExpr, KeyPart, PartitionBound, PartitionOf, PartitionSpec, Strategy};
use crate::catalog::{TableDef, TableId};
use crate::error::{Result, SqlError};
use crate::types::{DataType, Value};

pub(crate) const SPEC_TAG: &str = "partition_by";
pub(crate) const OF_TAG: &str = "partition_of";

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v.to_text() {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            put_u32(out, t.len() as u32);
            out.extend_from_slice(t.as_bytes());
        }
    }
}

impl PartitionSpec {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![match self.strategy {
            Strategy::Range => b'r',
            Strategy::List => b'l',
            Strategy::Hash => b'h',
        }];
        put_u32(&mut out, self.key.len() as u32);
        for k in &self.key {
            match k {
                KeyPart::Column(i) => {
                    out.push(b'c');
                    put_u32(&mut out, *i as u32);
                }
                KeyPart::Expr(e) => {
                    out.push(b'e');
                    put_u32(&mut out, e.sql.len() as u32);
                    out.extend_from_slice(e.sql.as_bytes());
                }
            }
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8], table: &TableDef) -> Result<PartitionSpec> {
        let columns = table.columns.len();
        let mut r = Bytes(bytes);
        let strategy = match r.u8()? {
            b'r' => Strategy::Range,
            b'l' => Strategy::List,
            b'h' => Strategy::Hash,
            _ => return Err(corrupt("unknown partition strategy")),
        };
        let n = r.u32()?;
        let mut key = Vec::new();
        for _ in 0..n {
            match r.u8()? {
                b'c' => {
                    let k = r.u32()? as usize;
                    if k >= columns {
                        return Err(corrupt("partition key column out of range"));
                    }
                    key.push(KeyPart::Column(k));
                }
                b'e' => {
                    let n = r.u32()? as usize;
                    let sql = std::str::from_utf8(r.take(n)?)
                        .map_err(|_| corrupt("partition key expression"))?;
                    let (expr, ty) = crate::bind::key_expr(table, sql)
                        .map_err(|_| corrupt("unreadable partition key expression"))?;
                    key.push(KeyPart::Expr(KeyExpr {
                        sql: sql.to_string(),
                        expr,
                        ty,
                    }));
                }
                _ => return Err(corrupt("partition key part")),
            }
        }
        r.end()?;
        Ok(PartitionSpec { strategy, key })
    }
}

impl PartitionOf {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = self.parent.0.to_be_bytes().to_vec();
        put_u32(&mut out, self.key_types.len() as u32);
        for t in &self.key_types {
            put_u32(&mut out, t.oid());
        }
        match &self.bound {
            PartitionBound::Default => out.push(b'd'),
            PartitionBound::Hash { modulus, remainder } => {
                out.push(b'h');
                put_u32(&mut out, *modulus);
                put_u32(&mut out, *remainder);
            }
            PartitionBound::List(values) => {
                out.push(b'l');
                put_u32(&mut out, values.len() as u32);
                for v in values {
                    put_value(&mut out, v);
                }
            }
            PartitionBound::Range { from, to } => {
                out.push(b'r');
                for side in [from, to] {
                    for d in side {
                        match d {
                            Datum::MinValue => out.push(b'-'),
                            Datum::MaxValue => out.push(b'+'),
                            Datum::Value(v) => {
                                out.push(b'v');
                                put_value(&mut out, v);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<PartitionOf> {
        let mut r = Bytes(bytes);
        let parent = TableId(r.u64()?);
        let n = r.u32()?;
        let mut key_types = Vec::new();
        for _ in 0..n {
            key_types
                .push(DataType::from_oid(r.u32()?).ok_or_else(|| corrupt("unknown key type"))?);
        }
        let bound = match r.u8()? {
            b'd' => PartitionBound::Default,
            b'h' => PartitionBound::Hash {
                modulus: r.u32()?,
                remainder: r.u32()?,
            },
            b'l' => {
                let ty = *key_types.first().ok_or_else(|| corrupt("list key"))?;
                let n = r.u32()?;
                let mut values = Vec::new();
                for _ in 0..n {
                    values.push(r.value(ty)?);
                }
                PartitionBound::List(values)
            }
            b'r' => {
                let mut sides = [Vec::new(), Vec::new()];
                for side in &mut sides {
                    for &ty in &key_types {
                        side.push(match r.u8()? {
                            b'-' => Datum::MinValue,
                            b'+' => Datum::MaxValue,
                            b'v' => Datum::Value(r.value(ty)?),
                            _ => return Err(corrupt("range datum")),
                        });
                    }
                }
                let [from, to] = sides;
                PartitionBound::Range { from, to }
            }
            _ => return Err(corrupt("unknown partition bound")),
        };
        r.end()?;
        Ok(PartitionOf {
            parent,
            key_types,
            bound,
        })
    }
}

fn corrupt(what: &str) -> SqlError {
    SqlError::Internal(format!("corrupted catalog entry: {what}"))
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.0.len() < n {
            return Err(corrupt("truncated partition section"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok((u64::from(self.u32()?) << 32) | u64::from(self.u32()?))
    }
    fn value(&mut self, ty: DataType) -> Result<Value> {
        if self.u8()? == 0 {
            return Ok(Value::Null);
        }
        let n = self.u32()? as usize;
        let text = std::str::from_utf8(self.take(n)?).map_err(|_| corrupt("bound text"))?;
        Value::parse_text(ty, text).map_err(|_| corrupt("unreadable bound value"))
    }
    fn end(&self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(corrupt("trailing bytes in partition section"))
        }
    }
}
