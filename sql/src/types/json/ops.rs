//! The json and jsonb operators: resolution ([`resolve`], called by `types::ops`) and
//! evaluation ([`eval`]).
//!
//! | operator | operands | result |
//! |---|---|---|
//! | `->`, `->>` | json/jsonb, text or int | json/jsonb, text |
//! | `#>`, `#>>` | json/jsonb, text[] | json/jsonb, text |
//! | `@>`, `<@` | jsonb, jsonb | bool |
//! | `?`; `?|`, `?&` | jsonb, text; jsonb, text[] | bool |
//! | `||` | jsonb, jsonb | jsonb |
//! | `-` | jsonb, text / int / text[] | jsonb |
//! | `#-` | jsonb, text[] | jsonb |
//!
//! An `unknown` right operand of `->`/`->>`/`?`/`-` is text (PostgreSQL prefers the string
//! category), of the path operators text[]; comparisons of jsonb are `types::ops`' own.

use super::{path, text, Json};
use crate::error::{Result, SqlError};
use crate::types::ops::{BinaryOp, BinarySig};
use crate::types::{DataType, Value};

fn is_json(t: DataType) -> bool {
    matches!(t, DataType::Json | DataType::Jsonb)
}

/// The json signature of `left op right`, if there is one.
pub fn resolve(op: BinaryOp, left: DataType, right: DataType) -> Option<BinarySig> {
    use BinaryOp as B;
    use DataType::*;
    let sig = |l, r, result| {
        Some(BinarySig {
            op,
            left: l,
            right: r,
            result,
        })
    };
    let texty = |t: DataType| t == Unknown || t.is_string();
    let text_array = |t: DataType| matches!(t, Unknown | TextArray | VarcharArray);
    match op {
        B::JsonGet | B::JsonGetText if is_json(left) => {
            let result = if op == B::JsonGet { left } else { Text };
            match right {
                t if texty(t) => sig(left, Text, result),
                Int2 | Int4 => sig(left, Int4, result),
                _ => None,
            }
        }
        B::JsonPath | B::JsonPathText if is_json(left) && text_array(right) => {
            sig(left, TextArray, if op == B::JsonPath { left } else { Text })
        }
        B::Contains | B::ContainedBy
            if (left == Jsonb || right == Jsonb)
                && matches!(left, Jsonb | Unknown)
                && matches!(right, Jsonb | Unknown) =>
        {
            sig(Jsonb, Jsonb, Bool)
        }
        B::KeyExists if left == Jsonb && texty(right) => sig(Jsonb, Text, Bool),
        B::KeyExistsAny | B::KeyExistsAll if left == Jsonb && text_array(right) => {
            sig(Jsonb, TextArray, Bool)
        }
        B::DeletePath if left == Jsonb && text_array(right) => sig(Jsonb, TextArray, Jsonb),
        B::Sub if left == Jsonb => match right {
            t if texty(t) => sig(Jsonb, Text, Jsonb),
            Int2 | Int4 => sig(Jsonb, Int4, Jsonb),
            TextArray | VarcharArray => sig(Jsonb, TextArray, Jsonb),
            _ => None,
        },
        B::Concat
            if (left == Jsonb || right == Jsonb)
                && matches!(left, Jsonb | Unknown)
                && matches!(right, Jsonb | Unknown) =>
        {
            sig(Jsonb, Jsonb, Jsonb)
        }
        _ => None,
    }
}

/// Whether `sig` is evaluated here rather than by `types::ops::eval`.
pub fn handles(sig: &BinarySig) -> bool {
    use BinaryOp as B;
    match sig.op {
        B::JsonGet
        | B::JsonGetText
        | B::JsonPath
        | B::JsonPathText
        | B::Contains
        | B::ContainedBy
        | B::KeyExists
        | B::KeyExistsAny
        | B::KeyExistsAll
        | B::DeletePath => true,
        B::Sub => sig.left == DataType::Jsonb,
        // jsonb || text is anynonarray || text, text concatenation.
        B::Concat => sig.left == DataType::Jsonb && sig.right == DataType::Jsonb,
        _ => false,
    }
}

fn bug(sig: &BinarySig) -> SqlError {
    SqlError::Internal(format!(
        "json operator {:?} got mismatched operands",
        sig.op
    ))
}

/// The elements of a text[] operand (NULL elements as `None`).
pub fn text_items(v: &Value) -> Option<Vec<Option<String>>> {
    let Value::Array(a) = v else {
        return None;
    };
    Some(
        a.items
            .iter()
            .map(|x| match x {
                Value::Text(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
    )
}

fn jsonb(j: Json) -> Value {
    Value::Jsonb(Box::new(j))
}

fn json_text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::Text(s.to_string()))
}

/// Evaluates a json operator (operands already of the signature's types, neither NULL).
pub fn eval(sig: &BinarySig, l: Value, r: Value) -> Result<Value> {
    use BinaryOp as B;
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    let as_text = matches!(sig.op, B::JsonGetText | B::JsonPathText);
    match (l, r) {
        (Value::Text(doc), r) if sig.left == DataType::Json => {
            let found = match (sig.op, &r) {
                (B::JsonGet | B::JsonGetText, Value::Text(k)) => text::field(&doc, k)?,
                (B::JsonGet | B::JsonGetText, Value::Int4(n)) => text::element(&doc, (*n).into())?,
                (B::JsonPath | B::JsonPathText, _) => {
                    text::path(&doc, &text_items(&r).ok_or_else(|| bug(sig))?)?
                }
                _ => return Err(bug(sig)),
            };
            match (found, as_text) {
                (Some(s), true) => Ok(text::to_sql_text(s)?.map_or(Value::Null, Value::Text)),
                (found, _) => Ok(json_text(found)),
            }
        }
        (Value::Jsonb(doc), r) => {
            let found = match (sig.op, &r) {
                (B::JsonGet | B::JsonGetText, Value::Text(k)) => path::get_key(&doc, k),
                (B::JsonGet | B::JsonGetText, Value::Int4(n)) => path::get_index(&doc, (*n).into()),
                (B::JsonPath | B::JsonPathText, _) => {
                    path::get_path(&doc, &text_items(&r).ok_or_else(|| bug(sig))?)
                }
                (B::Contains, Value::Jsonb(b)) => {
                    return Ok(Value::Bool(super::order::contains_top(&doc, b)))
                }
                (B::ContainedBy, Value::Jsonb(b)) => {
                    return Ok(Value::Bool(super::order::contains_top(b, &doc)))
                }
                (B::KeyExists, Value::Text(k)) => {
                    return Ok(Value::Bool(super::order::exists(&doc, k)))
                }
                (B::KeyExistsAny | B::KeyExistsAll, _) => {
                    let keys = text_items(&r).ok_or_else(|| bug(sig))?;
                    let mut keys = keys.iter().flatten();
                    let hit = |k: &String| super::order::exists(&doc, k);
                    return Ok(Value::Bool(if sig.op == B::KeyExistsAny {
                        keys.any(hit)
                    } else {
                        keys.all(hit)
                    }));
                }
                (B::DeletePath, _) => {
                    let steps = text_items(&r).ok_or_else(|| bug(sig))?;
                    return Ok(jsonb(path::delete_path(*doc, &steps)?));
                }
                (B::Sub, Value::Text(k)) => return Ok(jsonb(path::delete_key(*doc, &[k])?)),
                (B::Sub, Value::Int4(n)) => {
                    return Ok(jsonb(path::delete_index(*doc, (*n).into())?))
                }
                (B::Sub, Value::Array(_)) => {
                    let keys = text_items(&r).ok_or_else(|| bug(sig))?;
                    let keys: Vec<&str> = keys.iter().flatten().map(String::as_str).collect();
                    return Ok(jsonb(path::delete_key(*doc, &keys)?));
                }
                (B::Concat, Value::Jsonb(b)) => return Ok(jsonb(path::concat(*doc, *b.clone()))),
                _ => return Err(bug(sig)),
            };
            Ok(match (found, as_text) {
                (None, _) => Value::Null,
                (Some(j), true) => j.to_sql_text().map_or(Value::Null, Value::Text),
                (Some(j), false) => jsonb(j.clone()),
            })
        }
        _ => Err(bug(sig)),
    }
}
