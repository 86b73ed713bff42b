//! jsonb's btree order, containment (`@>`/`<@`) and key existence (`?`, `?|`, `?&`), on
//! normalized values (see the module doc of `types::json`).
//!
//! Order (`compareJsonbContainers`): values of different kinds order
//! `null < string < number < boolean < array < object`; an array with more elements sorts after
//! one with fewer, an object with more pairs after one with fewer; equal-sized containers compare
//! element by element (objects key, value, key, value, ... in jsonb key order). Strings compare
//! bytewise (the C collation, as text does here), numbers as `numeric` (`1.0 = 1`).
//! A top-level scalar is a one-element "raw scalar" array in PostgreSQL; it sorts below every
//! real array — which the kind order above already gives.

use std::cmp::Ordering;

use super::Json;

fn kind_rank(j: &Json) -> u8 {
    match j {
        Json::Null => 0,
        Json::String(_) => 1,
        Json::Number(_) => 2,
        Json::Bool(_) => 3,
        Json::Array(_) => 4,
        Json::Object(_) => 5,
    }
}

/// jsonb's total order (see the module doc).
pub fn cmp(a: &Json, b: &Json) -> Ordering {
    match (a, b) {
        (Json::Null, Json::Null) => Ordering::Equal,
        (Json::String(x), Json::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Json::Number(x), Json::Number(y)) => x.cmp_sql(y),
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        (Json::Array(x), Json::Array(y)) => x.len().cmp(&y.len()).then_with(|| {
            x.iter()
                .zip(y)
                .map(|(p, q)| cmp(p, q))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        (Json::Object(x), Json::Object(y)) => x.len().cmp(&y.len()).then_with(|| {
            x.iter()
                .zip(y)
                .map(|((kx, vx), (ky, vy))| {
                    kx.as_bytes().cmp(ky.as_bytes()).then_with(|| cmp(vx, vy))
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        _ => kind_rank(a).cmp(&kind_rank(b)),
    }
}

/// `a @> b` at the top level (`jsonb_contains`): a scalar contains only an equal scalar; an
/// array also contains a scalar it holds as an element.
pub fn contains_top(a: &Json, b: &Json) -> bool {
    match (a.is_scalar(), b.is_scalar()) {
        (true, true) => cmp(a, b).is_eq(),
        (true, false) => false,
        (false, true) => match a {
            Json::Array(items) => items.iter().any(|x| x.is_scalar() && cmp(x, b).is_eq()),
            _ => false,
        },
        (false, false) => contains(a, b),
    }
}

/// Containment of two containers (`JsonbDeepContains`): every pair of an object is in the
/// other with a contained value; every element of an array is in the other array (scalars
/// equal to some element, containers contained in some element of the same kind).
fn contains(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(_), Json::Object(pairs)) => pairs.iter().all(|(k, v)| {
            a.get(k).is_some_and(|av| {
                if v.is_scalar() {
                    av.is_scalar() && cmp(av, v).is_eq()
                } else {
                    same_kind(av, v) && contains(av, v)
                }
            })
        }),
        (Json::Array(items), Json::Array(wanted)) => wanted.iter().all(|v| {
            if v.is_scalar() {
                items.iter().any(|x| x.is_scalar() && cmp(x, v).is_eq())
            } else {
                items.iter().any(|x| same_kind(x, v) && contains(x, v))
            }
        }),
        _ => false,
    }
}

fn same_kind(a: &Json, b: &Json) -> bool {
    kind_rank(a) == kind_rank(b)
}

/// `j ? key` (`jsonb_exists`): a top-level key of an object, or a string element of an array
/// (or the string itself, for a scalar string).
pub fn exists(j: &Json, key: &str) -> bool {
    match j {
        Json::Object(_) => j.get(key).is_some(),
        Json::Array(items) => items
            .iter()
            .any(|x| matches!(x, Json::String(s) if s == key)),
        Json::String(s) => s == key,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> Json {
        Json::parse_jsonb(s).expect(s)
    }

    #[test]
    fn order_matches_postgres() {
        // SELECT x FROM (VALUES ...) v(x) ORDER BY x::jsonb in PostgreSQL 15.
        let mut xs = vec![
            r#"{"a": 1}"#,
            r#"[1, 2]"#,
            r#"[]"#,
            r#"true"#,
            r#"1.0"#,
            r#""b""#,
            r#"null"#,
            r#"{}"#,
            r#"[3]"#,
            r#"{"b": 0}"#,
            r#""a""#,
            r#"0.5"#,
        ];
        xs.sort_by(|a, b| cmp(&j(a), &j(b)));
        assert_eq!(
            xs,
            [
                "null",
                r#""a""#,
                r#""b""#,
                "0.5",
                "1.0",
                "true",
                "[]",
                "[3]",
                "[1, 2]",
                "{}",
                r#"{"a": 1}"#,
                r#"{"b": 0}"#
            ]
        );
        assert!(cmp(&j("1.0"), &j("1")).is_eq());
    }

    #[test]
    fn containment_and_existence_match_postgres() {
        assert!(contains_top(
            &j(r#"{"a":1,"b":[1,2,{"c":3}]}"#),
            &j(r#"{"b":[{"c":3},2]}"#)
        ));
        assert!(!contains_top(&j(r#"{"a":1}"#), &j(r#"{"a":[1]}"#)));
        assert!(contains_top(&j(r#"["a", [1, 2]]"#), &j(r#""a""#)));
        assert!(contains_top(&j(r#"["a", [1, 2]]"#), &j(r#"[[2]]"#)));
        assert!(!contains_top(&j(r#""a""#), &j(r#"["a"]"#)));
        assert!(contains_top(&j(r#"[1, 1]"#), &j(r#"[1, 1, 1]"#)));
        assert!(!contains_top(&j(r#"{"a":1}"#), &j(r#"[]"#)));
        assert!(exists(&j(r#"{"a":1}"#), "a"));
        assert!(exists(&j(r#"["a", 1]"#), "a"));
        assert!(!exists(&j(r#"[["a"]]"#), "a"));
        assert!(exists(&j(r#""a""#), "a"));
    }
}
