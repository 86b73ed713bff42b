//! jsonb by path: `#>` ([`get_path`]), `jsonb_set`/`jsonb_insert` ([`set_path`]), `#-`
//! ([`delete_path`]), the `-` operators ([`delete_key`], [`delete_index`]), `||` ([`concat`])
//! and `jsonb_pretty` ([`pretty`]). Inputs and outputs are normalized (see `types::json`).
//!
//! Path steps are text; through an array a step must read as an integer (negative counts from
//! the end). Reading (`#>`) answers NULL for a missing or non-integer step; writing errors as
//! PostgreSQL does (`path element at position N is not an integer: "x"`, 22P02).

use super::Json;
use crate::error::{Result, SqlError};

fn invalid(msg: &str) -> SqlError {
    SqlError::InvalidParameterValue(msg.into())
}

/// An array index step: `None` if the step is not an integer.
fn index_of(step: &str, len: usize) -> Option<i64> {
    let n: i64 = step.trim().parse().ok()?;
    Some(if n < 0 { len as i64 + n } else { n })
}

fn not_integer(pos: usize, step: &str) -> SqlError {
    SqlError::InvalidTextMessage(format!(
        "path element at position {pos} is not an integer: \"{step}\""
    ))
}

/// `j -> key` for jsonb.
pub fn get_key<'a>(j: &'a Json, key: &str) -> Option<&'a Json> {
    j.get(key)
}

/// `j -> n` for jsonb (negative counts from the end).
pub fn get_index(j: &Json, n: i64) -> Option<&Json> {
    let Json::Array(items) = j else {
        return None;
    };
    let i = if n < 0 { items.len() as i64 + n } else { n };
    usize::try_from(i).ok().and_then(|i| items.get(i))
}

/// `j #> path`: `None` when a step is missing, NULL, or not an integer through an array.
pub fn get_path<'a>(j: &'a Json, steps: &[Option<String>]) -> Option<&'a Json> {
    let mut cur = j;
    for step in steps {
        let step = step.as_deref()?;
        cur = match cur {
            Json::Object(_) => cur.get(step)?,
            Json::Array(items) => {
                let i = usize::try_from(index_of(step, items.len())?).ok()?;
                items.get(i)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

/// How [`set_path`] treats the last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetMode {
    /// `jsonb_set(..., create_missing)`: replace, or add when missing if `true`.
    Set { create_missing: bool },
    /// `jsonb_insert(..., insert_after)`: add; an existing object key is an error.
    Insert { after: bool },
}

/// `jsonb_set` / `jsonb_insert`.
pub fn set_path(mut j: Json, steps: &[Option<String>], value: Json, mode: SetMode) -> Result<Json> {
    if j.is_scalar() {
        return Err(invalid(match mode {
            SetMode::Set { .. } => "cannot set path in scalar",
            SetMode::Insert { .. } => "cannot set path in scalar",
        }));
    }
    let empty = matches!(&j, Json::Array(x) if x.is_empty())
        || matches!(&j, Json::Object(x) if x.is_empty());
    if empty
        && mode
            == (SetMode::Set {
                create_missing: false,
            })
    {
        return Ok(j);
    }
    if let Some(pos) = steps.iter().position(Option::is_none) {
        return Err(SqlError::NullValueNotAllowed(format!(
            "path element at position {} is null",
            pos + 1
        )));
    }
    if steps.is_empty() {
        return Ok(j);
    }
    let steps: Vec<&str> = steps.iter().flatten().map(String::as_str).collect();
    set_in(&mut j, &steps, 0, value, mode)?;
    Ok(j)
}

fn set_in(j: &mut Json, steps: &[&str], level: usize, value: Json, mode: SetMode) -> Result<()> {
    let step = steps[level];
    let last = level + 1 == steps.len();
    match j {
        Json::Object(items) => {
            let found = items
                .binary_search_by(|(k, _)| super::key_order(k, step))
                .ok();
            match (found, last, mode) {
                (Some(i), true, SetMode::Set { .. }) => items[i].1 = value,
                (Some(_), true, SetMode::Insert { .. }) => {
                    return Err(SqlError::Hinted {
                        error: Box::new(SqlError::InvalidParameterValue(
                            "cannot replace existing key".into(),
                        )),
                        hint: "Try using the function jsonb_set to replace key value.",
                        detail: None,
                    })
                }
                (Some(i), false, _) => set_in(&mut items[i].1, steps, level + 1, value, mode)?,
                (
                    None,
                    true,
                    SetMode::Set {
                        create_missing: false,
                    },
                )
                | (None, false, _) => {}
                (None, true, _) => {
                    let pairs = std::mem::take(items);
                    let mut pairs = pairs;
                    pairs.push((step.to_string(), value));
                    *j = Json::object(pairs);
                }
            }
        }
        Json::Array(items) => {
            let len = items.len();
            let i = index_of(step, len).ok_or_else(|| not_integer(level + 1, step))?;
            if (0..len as i64).contains(&i) {
                let i = i as usize;
                match (last, mode) {
                    (false, _) => set_in(&mut items[i], steps, level + 1, value, mode)?,
                    (true, SetMode::Set { .. }) => items[i] = value,
                    (true, SetMode::Insert { after }) => {
                        items.insert(if after { i + 1 } else { i }, value)
                    }
                }
            } else if last
                && mode
                    != (SetMode::Set {
                        create_missing: false,
                    })
            {
                // Out of range: before the first element or after the last.
                if i < 0 {
                    items.insert(0, value);
                } else {
                    items.push(value);
                }
            }
        }
        // A scalar inside the document ends the walk unchanged.
        _ => {}
    }
    Ok(())
}

/// `j #- path`.
pub fn delete_path(mut j: Json, steps: &[Option<String>]) -> Result<Json> {
    if j.is_scalar() {
        return Err(invalid("cannot delete path in scalar"));
    }
    // An empty document comes back as it is (PostgreSQL checks nothing else then).
    let empty = matches!(&j, Json::Array(x) if x.is_empty())
        || matches!(&j, Json::Object(x) if x.is_empty());
    if empty {
        return Ok(j);
    }
    if let Some(pos) = steps.iter().position(Option::is_none) {
        return Err(SqlError::NullValueNotAllowed(format!(
            "path element at position {} is null",
            pos + 1
        )));
    }
    let steps: Vec<&str> = steps.iter().flatten().map(String::as_str).collect();
    if !steps.is_empty() {
        delete_in(&mut j, &steps, 0)?;
    }
    Ok(j)
}

fn delete_in(j: &mut Json, steps: &[&str], level: usize) -> Result<()> {
    let step = steps[level];
    let last = level + 1 == steps.len();
    match j {
        Json::Object(items) => {
            if let Ok(i) = items.binary_search_by(|(k, _)| super::key_order(k, step)) {
                if last {
                    items.remove(i);
                } else {
                    delete_in(&mut items[i].1, steps, level + 1)?;
                }
            }
        }
        Json::Array(items) => {
            let i = index_of(step, items.len()).ok_or_else(|| not_integer(level + 1, step))?;
            if let Some(i) = usize::try_from(i).ok().filter(|&i| i < items.len()) {
                if last {
                    items.remove(i);
                } else {
                    delete_in(&mut items[i], steps, level + 1)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// `j - key`: an object loses the key, an array its string elements equal to it.
pub fn delete_key(j: Json, keys: &[&str]) -> Result<Json> {
    match j {
        Json::Object(items) => Ok(Json::Object(
            items
                .into_iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .collect(),
        )),
        Json::Array(items) => Ok(Json::Array(
            items
                .into_iter()
                .filter(|x| !matches!(x, Json::String(s) if keys.contains(&s.as_str())))
                .collect(),
        )),
        _ => Err(invalid("cannot delete from scalar")),
    }
}

/// `j - n`: an array loses element `n` (negative counts from the end).
pub fn delete_index(j: Json, n: i64) -> Result<Json> {
    match j {
        Json::Array(mut items) => {
            let i = if n < 0 { items.len() as i64 + n } else { n };
            if let Some(i) = usize::try_from(i).ok().filter(|&i| i < items.len()) {
                items.remove(i);
            }
            Ok(Json::Array(items))
        }
        Json::Object(_) => Err(invalid("cannot delete from object using integer index")),
        _ => Err(invalid("cannot delete from scalar")),
    }
}

/// `a || b`: two objects merge (the right side wins); otherwise both sides become arrays (a
/// non-array is a one-element array) and are concatenated.
pub fn concat(a: Json, b: Json) -> Json {
    match (a, b) {
        (Json::Object(mut x), Json::Object(y)) => {
            x.extend(y);
            Json::object(x)
        }
        (a, b) => {
            let mut items = match a {
                Json::Array(items) => items,
                other => vec![other],
            };
            match b {
                Json::Array(more) => items.extend(more),
                other => items.push(other),
            }
            Json::Array(items)
        }
    }
}

/// `jsonb_pretty`: four-space indentation, one element or pair per line.
pub fn pretty(j: &Json) -> String {
    fn indent(out: &mut String, level: usize) {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', level * 4));
    }
    fn write(j: &Json, level: usize, out: &mut String) {
        match j {
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    indent(out, level + 1);
                    write(v, level + 1, out);
                }
                indent(out, level);
                out.push(']');
            }
            Json::Object(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    indent(out, level + 1);
                    super::escape(k, out);
                    out.push_str(": ");
                    write(v, level + 1, out);
                }
                indent(out, level);
                out.push('}');
            }
            scalar => out.push_str(&scalar.canonical()),
        }
    }
    let mut out = String::new();
    write(j, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Json {
        Json::parse_jsonb(s).expect(s)
    }

    fn steps(xs: &[&str]) -> Vec<Option<String>> {
        xs.iter().map(|x| Some(x.to_string())).collect()
    }

    #[test]
    fn set_insert_delete_match_postgres() {
        let set = |doc: &str, p: &[&str], v: &str| {
            set_path(
                j(doc),
                &steps(p),
                j(v),
                SetMode::Set {
                    create_missing: true,
                },
            )
            .map(|x| x.canonical())
        };
        assert_eq!(
            set(r#"{"a":[1,2]}"#, &["a", "-5"], "9"),
            Ok(r#"{"a": [9, 1, 2]}"#.into())
        );
        assert_eq!(
            set(r#"{"a":[1,2]}"#, &["a", "5"], "9"),
            Ok(r#"{"a": [1, 2, 9]}"#.into())
        );
        assert_eq!(
            set(r#"{"a":1}"#, &["a", "b"], "9"),
            Ok(r#"{"a": 1}"#.into())
        );
        assert_eq!(
            set(r#"{"a":{}}"#, &["a", "b", "c"], "9"),
            Ok(r#"{"a": {}}"#.into())
        );
        assert_eq!(
            set(r#"{"b":1}"#, &["a"], "9"),
            Ok(r#"{"a": 9, "b": 1}"#.into())
        );
        let e = set("[1]", &["x"], "9").expect_err("not an integer");
        assert_eq!(
            e.to_string(),
            "path element at position 1 is not an integer: \"x\""
        );
        assert_eq!(e.sqlstate(), "22P02");
        assert_eq!(
            set("1", &["a"], "2").expect_err("scalar").to_string(),
            "cannot set path in scalar"
        );
        let ins = set_path(
            j("[1,2]"),
            &steps(&["-1"]),
            j("9"),
            SetMode::Insert { after: true },
        );
        assert_eq!(ins.map(|x| x.canonical()), Ok("[1, 2, 9]".into()));
        let ins = set_path(
            j(r#"{"a":1}"#),
            &steps(&["a"]),
            j("9"),
            SetMode::Insert { after: false },
        );
        assert_eq!(
            ins.expect_err("exists").to_string(),
            "cannot replace existing key"
        );
        let del = delete_path(j(r#"{"a":[1,{"b":2}]}"#), &steps(&["a", "1", "b"]));
        assert_eq!(del.map(|x| x.canonical()), Ok(r#"{"a": [1, {}]}"#.into()));
        assert_eq!(
            delete_key(j(r#"["a","b",1]"#), &["a"]).map(|x| x.canonical()),
            Ok(r#"["b", 1]"#.into())
        );
        assert_eq!(
            delete_index(j(r#"{"a":1}"#), 1)
                .expect_err("object")
                .to_string(),
            "cannot delete from object using integer index"
        );
        assert_eq!(
            concat(j(r#"{"a":1,"b":2}"#), j(r#"{"a":3}"#)).canonical(),
            r#"{"a": 3, "b": 2}"#
        );
        assert_eq!(
            concat(j(r#"{"a":1}"#), j("[2]")).canonical(),
            r#"[{"a": 1}, 2]"#
        );
        assert_eq!(
            get_path(&j(r#"{"a":[1,2]}"#), &steps(&["a", "-1"])),
            Some(&j("2"))
        );
        assert_eq!(get_path(&j(r#"{"a":[1,2]}"#), &steps(&["a", "x"])), None);
    }

    #[test]
    fn pretty_matches_postgres() {
        assert_eq!(
            pretty(&j(r#"[[],{},[1,[2]],{"a":{}}]"#)),
            "[\n    [\n    ],\n    {\n    },\n    [\n        1,\n        [\n            2\n        ]\n    ],\n    {\n        \"a\": {\n        }\n    }\n]"
        );
        assert_eq!(pretty(&j(r#""x""#)), r#""x""#);
    }
}
