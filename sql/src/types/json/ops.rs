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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ops::resolve_binary;

    fn jb(s: &str) -> Value {
        Value::parse_text(DataType::Jsonb, s).expect(s)
    }

    fn run(op: &str, l: (Value, DataType), r: (Value, DataType)) -> Result<Value> {
        let sig = resolve_binary(op, l.1, r.1).expect(op);
        // The binder casts operands to the signature's types; the tests pass them so.
        crate::types::ops::eval_binary(&sig, l.0, r.0, &Default::default())
    }

    #[test]
    fn resolution_matches_postgres() {
        use DataType::*;
        // An untyped right operand of -> is text; of #> text[]; ints stay ints.
        let s = resolve_binary("->", Jsonb, Unknown).expect("->");
        assert_eq!((s.right, s.result), (Text, Jsonb));
        let s = resolve_binary("->>", Json, Int2).expect("->>");
        assert_eq!((s.right, s.result), (Int4, Text));
        assert_eq!(
            resolve_binary("#>", Json, Unknown).expect("#>").right,
            TextArray
        );
        assert!(resolve_binary("->", Jsonb, Int8).is_none());
        assert!(resolve_binary("->", Int4, Text).is_none());
        assert!(resolve_binary("@>", Json, Json).is_none());
        assert_eq!(resolve_binary("-", Jsonb, Unknown).expect("-").right, Text);
        assert_eq!(
            resolve_binary("||", Jsonb, Unknown).expect("||").result,
            Jsonb
        );
        // jsonb || text is text concatenation (anynonarray || text).
        assert_eq!(resolve_binary("||", Jsonb, Text).expect("||").result, Text);
        assert!(resolve_binary("=", Json, Json).is_none());
        assert_eq!(resolve_binary("<", Jsonb, Jsonb).expect("<").result, Bool);
    }

    #[test]
    fn evaluation_matches_postgres() {
        use DataType::*;
        let text = |s: &str| (Value::Text(s.into()), Text);
        let json = |s: &str| (Value::Text(s.into()), Json);
        let t = |v: Result<Value>| v.expect("ok").to_text();
        assert_eq!(
            t(run("->", json(r#"{"a": {"b" : 1}}"#), text("a"))).as_deref(),
            Some(r#"{"b" : 1}"#)
        );
        assert_eq!(
            t(run(
                "->>",
                (jb(r#"["x", 2]"#), Jsonb),
                (Value::Int4(-2), Int4)
            ))
            .as_deref(),
            Some("x")
        );
        assert_eq!(t(run("->", (jb("[1]"), Jsonb), text("a"))), None);
        assert_eq!(
            t(run(
                "@>",
                (jb(r#"{"a":[1,2]}"#), Jsonb),
                (jb(r#"{"a":[2]}"#), Jsonb)
            ))
            .as_deref(),
            Some("t")
        );
        assert_eq!(
            t(run("?", (jb(r#"["a"]"#), Jsonb), text("a"))).as_deref(),
            Some("t")
        );
        assert_eq!(
            t(run("||", (jb("[1]"), Jsonb), (jb(r#"{"a":1}"#), Jsonb))).as_deref(),
            Some(r#"[1, {"a": 1}]"#)
        );
        let e = run("-", (jb("1"), Jsonb), text("a")).expect_err("scalar");
        assert_eq!(
            (e.to_string().as_str(), e.sqlstate()),
            ("cannot delete from scalar", "22023")
        );
        assert_eq!(
            t(run("<", (jb("null"), Jsonb), (jb(r#""a""#), Jsonb))).as_deref(),
            Some("t")
        );
    }
}
