//! SQL text of catalog objects, as PostgreSQL's `pg_get_expr`, `pg_get_indexdef` and
//! `pg_get_constraintdef` print them.

use crate::catalog::ColumnDef;
use crate::types::typmod::format_type;
use crate::types::{DataType, TypeCategory, Value};

/// An identifier as `quote_ident` prints it: bare when it is lower-case letters, digits and
/// underscores not starting with a digit (and not a reserved word), double-quoted otherwise.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// PostgreSQL's reserved key words (those `quote_ident` quotes).
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lateral",
    "leading",
    "limit",
    "localtime",
    "localtimestamp",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "placing",
    "primary",
    "references",
    "returning",
    "select",
    "session_user",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
];

/// A string literal.
fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A column's DEFAULT as `pg_get_expr(adbin, adrelid)` prints it. PGLiteDB stores the constant
/// already coerced to the column's type, so the literal's original type is inferred the way the
/// parser would have typed it: a non-negative number prints bare, a negative one as
/// `'-1'::integer` (or `bigint`/`numeric` when it does not fit), anything else as
/// `'text'::type`.
pub fn default_expr(c: &ColumnDef) -> Option<String> {
    if c.identity.is_some() {
        // An identity column's sequence is not a default in the catalogs.
        return None;
    }
    if let Some(text) = &c.default_expr {
        // Stored as written; a sequence call prints with its regclass cast, as PostgreSQL's
        // deparser writes the `nextval('s')` that SERIAL creates.
        return Some(
            match text
                .strip_prefix("nextval('")
                .and_then(|r| r.strip_suffix("')"))
            {
                Some(seq) if !seq.contains('\'') => format!("nextval('{seq}'::regclass)"),
                _ => text.clone(),
            },
        );
    }
    let v = c.default.as_ref()?;
    let text = match v.to_text() {
        Some(t) => t,
        None => return Some("NULL".into()),
    };
    Some(match (c.ty.category(), v) {
        (_, Value::Bool(b)) => b.to_string(),
        (TypeCategory::Numeric, _) if c.ty != DataType::Oid => {
            if !text.starts_with('-') && text.chars().all(|ch| ch.is_ascii_digit() || ch == '.') {
                text
            } else {
                // The literal's own type: integer if it fits, bigint, else numeric.
                let digits = text.strip_prefix('-').unwrap_or(&text);
                let lit_type = if !digits.chars().all(|ch| ch.is_ascii_digit()) {
                    "numeric"
                } else if text.parse::<i32>().is_ok() {
                    "integer"
                } else if text.parse::<i64>().is_ok() {
                    "bigint"
                } else {
                    "numeric"
                };
                format!("{}::{lit_type}", quote_literal(&text))
            }
        }
        _ => format!("{}::{}", quote_literal(&text), format_type(c.ty, -1)),
    })
}

/// `pg_get_constraintdef` of a CHECK constraint from its stored SQL text.
pub fn check_constraintdef(source: &str) -> String {
    format!("CHECK ({source})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(ty: DataType, v: Value) -> ColumnDef {
        ColumnDef {
            name: "c".into(),
            ty,
            typmod: -1,
            not_null: false,
            default: Some(v),
            default_expr: None,
            identity: None,
        }
    }

    #[test]
    fn defaults_print_as_postgresql_prints_them() {
        // Expected strings recorded from PostgreSQL 15's pg_get_expr(adbin, adrelid, true).
        let cases = [
            (col(DataType::Int8, Value::Int8(5)), "5"),
            (col(DataType::Int4, Value::Int4(-1)), "'-1'::integer"),
            (col(DataType::Int8, Value::Int8(-7)), "'-7'::integer"),
            (col(DataType::Bool, Value::Bool(true)), "true"),
            (
                col(DataType::Text, Value::Text("it's".into())),
                "'it''s'::text",
            ),
            (
                col(DataType::Varchar, Value::Text("ab".into())),
                "'ab'::character varying",
            ),
            (
                col(DataType::Bpchar, Value::Text("x".into())),
                "'x'::bpchar",
            ),
            (col(DataType::Float8, Value::Float8(1.5)), "1.5"),
            (col(DataType::Float8, Value::Float8(-1.0)), "'-1'::integer"),
            (
                col(DataType::Numeric, Value::Float8(-2.5)),
                "'-2.5'::numeric",
            ),
        ];
        for (c, want) in cases {
            assert_eq!(default_expr(&c).as_deref(), Some(want), "{:?}", c.default);
        }
    }

    #[test]
    fn identifiers_are_quoted_when_needed() {
        assert_eq!(quote_ident("aid"), "aid");
        assert_eq!(quote_ident("Mixed"), "\"Mixed\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("1a"), "\"1a\"");
    }
}
