//! Anonymous rows (`record`): the values of `ROW(a, b)`, of the SEARCH/CYCLE columns of recursive
//! queries and of arrays of them.
//!
//! Invariants: a [`Record`] carries each field's type next to its value (the type `record` says
//! nothing about its fields); every non-NULL field is a value of its type. Records compare field
//! by field with [`Value::cmp_sql`], NULL fields after the others and equal to each other (as
//! PostgreSQL's `record_cmp`/`record_eq` do, which btree and hashing rely on); a shorter record
//! sorts first when all common fields are equal.

use std::cmp::Ordering;

use super::context::FormatContext;
use super::{DataType, Value};
use crate::error::{Result, SqlError};

/// One row value: its fields and their types.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub fields: Vec<(Value, DataType)>,
}

impl Record {
    /// `record_out`: `(1,"a b",,"")` — a NULL field is empty; a field is double-quoted when it
    /// is empty or holds `"`, `\`, `(`, `)`, `,` or white space, with `"` and `\` doubled.
    pub fn format_text(&self, ctx: &FormatContext, out: &mut String) {
        out.push('(');
        for (i, (v, _)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let Some(s) = v.to_text_ctx(ctx) else {
                continue;
            };
            let quote = s.is_empty()
                || s.chars()
                    .any(|c| matches!(c, '"' | '\\' | '(' | ')' | ',') || c.is_ascii_whitespace());
            if !quote {
                out.push_str(&s);
                continue;
            }
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push(c);
                }
                out.push(c);
            }
            out.push('"');
        }
        out.push(')');
    }

    /// `record_send`: the field count, then per field its type's OID and its length-prefixed
    /// send format (-1 for NULL).
    pub fn write_binary(&self, out: &mut Vec<u8>) -> Result<()> {
        out.extend_from_slice(&(self.fields.len() as i32).to_be_bytes());
        for (v, ty) in &self.fields {
            out.extend_from_slice(&ty.oid().to_be_bytes());
            if v.is_null() {
                out.extend_from_slice(&(-1i32).to_be_bytes());
                continue;
            }
            let at = out.len();
            out.extend_from_slice(&[0; 4]);
            v.write_binary(out)?;
            let len = (out.len() - at - 4) as i32;
            out[at..at + 4].copy_from_slice(&len.to_be_bytes());
        }
        Ok(())
    }

    /// `record_cmp`: field by field, NULLs last and equal to each other.
    pub fn cmp_sql(&self, other: &Record) -> Ordering {
        for ((a, ta), (b, _)) in self.fields.iter().zip(&other.fields) {
            let o = match (a.is_null(), b.is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => super::ops::eval::cmp_typed(*ta, a, b),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        self.fields.len().cmp(&other.fields.len())
    }
}

/// `record_in` for the anonymous type, which PostgreSQL does not implement either.
pub fn parse_anonymous() -> Result<Value> {
    Err(SqlError::FeatureNotSupported(
        "input of anonymous composite types is not implemented".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: &Record) -> String {
        let mut s = String::new();
        r.format_text(&FormatContext::default(), &mut s);
        s
    }

    #[test]
    fn output_quotes_as_postgresql() {
        // PostgreSQL 15: SELECT row(1,'a b',null,'', 'x"y') => (1,"a b",,"","x""y")
        let r = Record {
            fields: vec![
                (Value::Int4(1), DataType::Int4),
                (Value::Text("a b".into()), DataType::Text),
                (Value::Null, DataType::Text),
                (Value::Text(String::new()), DataType::Text),
                (Value::Text("x\"y".into()), DataType::Text),
            ],
        };
        assert_eq!(text(&r), "(1,\"a b\",,\"\",\"x\"\"y\")");
        let arr = Value::Array(Box::new(super::super::Array::from_items(
            DataType::Record,
            vec![
                Value::Record(Box::new(Record {
                    fields: vec![
                        (Value::Int4(1), DataType::Int4),
                        (Value::Text("a b".into()), DataType::Text),
                    ],
                })),
                Value::Record(Box::new(Record {
                    fields: vec![(Value::Int4(1), DataType::Int4)],
                })),
            ],
        )));
        // PostgreSQL 15: SELECT array[row(1,'a b'), row(1)] => {"(1,\"a b\")",(1)}
        assert_eq!(
            arr.to_text().expect("not null"),
            "{\"(1,\\\"a b\\\")\",(1)}"
        );
    }

    #[test]
    fn binary_round_trip() {
        let r = Value::Record(Box::new(Record {
            fields: vec![
                (Value::Int4(7), DataType::Int4),
                (Value::Null, DataType::Text),
                (Value::Text("x".into()), DataType::Text),
            ],
        }));
        let mut b = Vec::new();
        r.write_binary(&mut b).expect("send");
        // count, then (oid, len, bytes) per field, as record_send writes them.
        assert_eq!(&b[..12], &[0, 0, 0, 3, 0, 0, 0, 23, 0, 0, 0, 4]);
        assert_eq!(Value::parse_binary(DataType::Record, &b).expect("recv"), r);
        assert!(Value::parse_text(DataType::Record, "(1,2)").is_err());
    }

    #[test]
    fn order_puts_null_fields_last() {
        let r = |a: Value, b: Value| Record {
            fields: vec![(a, DataType::Int4), (b, DataType::Int4)],
        };
        let one_two = r(Value::Int4(1), Value::Int4(2));
        let one_null = r(Value::Int4(1), Value::Null);
        assert_eq!(one_two.cmp_sql(&one_null), Ordering::Less);
        assert_eq!(one_null.cmp_sql(&one_null.clone()), Ordering::Equal);
        assert_eq!(
            r(Value::Int4(0), Value::Int4(9)).cmp_sql(&one_two),
            Ordering::Less
        );
    }
}
