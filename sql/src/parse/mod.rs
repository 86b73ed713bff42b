//! Parsing: sqlparser's PostgreSQL dialect, with its errors turned into PostgreSQL's
//! `syntax error at or near "..."` plus a 1-based character position.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::error::{Result, SqlError};

mod constraints;
mod fetch;
pub mod lift;
mod reindex;
mod schema;
pub(crate) mod search_cycle;
mod split;
pub use constraints::SetConstraints;
pub use reindex::{Reindex, ReindexKind};
pub use schema::{RoleSpec, SchemaStmt};

pub use split::{DatabaseStmt, Maintenance, MaintenanceTarget};

/// A parsed statement: sqlparser's AST, or one of the statements we parse ourselves.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // the common case is the large one; boxing it costs an allocation
pub(crate) enum Stmt {
    Sql(sqlparser::ast::Statement),
    Maintenance(Maintenance),
    Database(DatabaseStmt),
    Fetch(fetch::FetchStmt),
    Reindex(Reindex),
    Schema(SchemaStmt),
    SetConstraints(SetConstraints),
}

/// One parsed statement. Cheap to keep (prepared statements hold it) and never exposes the AST.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub(crate) stmt: Stmt,
    /// The whole query string, for error positions (spans are relative to it).
    pub(crate) source: std::sync::Arc<str>,
    /// What the pre-pass of `locking.rs` took out of the text for sqlparser.
    pub(crate) pre: crate::locking::Flags,
}

/// Parses a query string holding zero or more `;`-separated statements. An empty vector means an
/// empty query (only whitespace, comments or semicolons), which the protocol answers with
/// EmptyQueryResponse.
pub fn parse(sql: &str) -> Result<Vec<Parsed>> {
    let source: std::sync::Arc<str> = sql.into();
    // SEARCH/CYCLE clauses of WITH RECURSIVE: blanked in place, kept for the binder.
    let Some((text, clauses)) = search_cycle::strip(sql) else {
        return parse_text(sql, source);
    };
    let mut out = parse_text(&text, source)?;
    let clauses = std::sync::Arc::new(clauses);
    for p in &mut out {
        p.pre.search_cycle = clauses.clone();
    }
    Ok(out)
}

/// [`parse`] after the SEARCH/CYCLE pre-pass (`source` is the original text).
fn parse_text(sql: &str, source: std::sync::Arc<str>) -> Result<Vec<Parsed>> {
    let dialect = PostgreSqlDialect {};
    // `FOR NO KEY UPDATE` / `FOR KEY SHARE` / `DEFERRABLE`: blanked in place, flagged per
    // statement.
    let weakened = crate::locking::weaken(sql);
    let sql = weakened.as_ref().map_or(sql, |(t, _)| t.as_str());
    if might_be_special(sql) {
        if let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize_with_location() {
            let pieces = split::split(sql, &tokens);
            if pieces.iter().any(|p| {
                p.is_special()
                    || fetch::is_fetch(p)
                    || reindex::is_reindex(p)
                    || schema::is_schema(p)
                    || constraints::is_set_constraints(p)
            }) {
                let mut out = Vec::with_capacity(pieces.len());
                for piece in &pieces {
                    if piece.is_database() {
                        out.push(Parsed {
                            stmt: Stmt::Database(split::database(sql, piece)?),
                            source: source.clone(),
                            pre: Default::default(),
                        });
                        continue;
                    }
                    if fetch::is_fetch(piece) {
                        out.push(Parsed {
                            stmt: Stmt::Fetch(fetch::fetch(piece)?),
                            source: source.clone(),
                            pre: Default::default(),
                        });
                        continue;
                    }
                    if schema::is_schema(piece) {
                        out.push(Parsed {
                            stmt: Stmt::Schema(schema::schema(sql, piece)?),
                            source: source.clone(),
                            pre: Default::default(),
                        });
                        continue;
                    }
                    if constraints::is_set_constraints(piece) {
                        out.push(Parsed {
                            stmt: Stmt::SetConstraints(constraints::set_constraints(sql, piece)?),
                            source: source.clone(),
                            pre: Default::default(),
                        });
                        continue;
                    }
                    if reindex::is_reindex(piece) {
                        out.push(Parsed {
                            stmt: Stmt::Reindex(reindex::reindex(sql, piece)?),
                            source: source.clone(),
                            pre: Default::default(),
                        });
                        continue;
                    }
                    if piece.is_maintenance() {
                        out.push(Parsed {
                            stmt: Stmt::Maintenance(split::maintenance(sql, piece)?),
                            source: source.clone(),
                            pre: Default::default(),
                        });
                        continue;
                    }
                    let text = split::isolate(sql, piece);
                    let stmts =
                        Parser::parse_sql(&dialect, &text).map_err(|e| syntax_error(&text, &e))?;
                    // (Locking clauses mixed with maintenance statements count as the stronger
                    // forms: the flags are per statement of the whole string.)
                    out.extend(stmts.into_iter().map(|stmt| Parsed {
                        stmt: Stmt::Sql(stmt),
                        source: source.clone(),
                        pre: Default::default(),
                    }));
                }
                return Ok(out);
            }
        }
    }
    match Parser::parse_sql(&dialect, sql) {
        Ok(stmts) => {
            let flags = weakened
                .map(|(_, f)| f)
                .filter(|f| f.len() == stmts.len())
                .unwrap_or_default();
            Ok(stmts
                .into_iter()
                .enumerate()
                .map(|(i, stmt)| Parsed {
                    stmt: Stmt::Sql(stmt),
                    source: source.clone(),
                    pre: flags.get(i).cloned().unwrap_or_default(),
                })
                .collect())
        }
        Err(e) => Err(syntax_error(sql, &e)),
    }
}

/// A cheap test that keeps the hot path (pgbench's statements) away from the tokenizer: whether the
/// text mentions a keyword that [`split`] handles.
fn might_be_special(sql: &str) -> bool {
    let b = sql.as_bytes();
    [
        "vacuum",
        "analy",
        "copy",
        "database",
        "fetch",
        "move",
        "reindex",
        "schema",
        "constraints",
    ]
    .iter()
    .any(|k| {
        b.windows(k.len())
            .any(|w| w.eq_ignore_ascii_case(k.as_bytes()))
    })
}

/// Maps a sqlparser error to PostgreSQL's message and position. sqlparser reports
/// `... found: TOKEN at Line: L, Column: C`; PostgreSQL quotes the offending token as written.
fn syntax_error(sql: &str, e: &ParserError) -> SqlError {
    let text = match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.as_str(),
        ParserError::RecursionLimitExceeded => {
            return SqlError::Syntax {
                message: "stack depth limit exceeded".into(),
                position: None,
            }
        }
    };
    let Some(offset) = location(text).and_then(|(line, col)| char_offset(sql, line, col)) else {
        // No location: the error is at the end of the input.
        return SqlError::Syntax {
            message: "syntax error at end of input".into(),
            position: Some(sql.chars().count() as u32 + 1),
        };
    };
    if let ParserError::TokenizerError(msg) = e {
        if msg.starts_with("Unterminated string literal") {
            let rest: String = sql.chars().skip(offset).collect();
            return SqlError::Syntax {
                message: format!("unterminated quoted string at or near \"{rest}\""),
                position: Some(offset as u32 + 1),
            };
        }
    }
    match token_at(sql, offset) {
        Some(tok) => SqlError::Syntax {
            message: format!("syntax error at or near \"{tok}\""),
            position: Some(offset as u32 + 1),
        },
        None => SqlError::Syntax {
            message: "syntax error at end of input".into(),
            position: Some(sql.chars().count() as u32 + 1),
        },
    }
}

/// Extracts `(line, column)` from sqlparser's " at Line: L, Column: C" suffix.
fn location(msg: &str) -> Option<(u64, u64)> {
    let at = msg.rfind("Line: ")?;
    let rest = &msg[at + "Line: ".len()..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

/// 0-based character offset of a 1-based line/column.
pub(crate) fn char_offset(sql: &str, line: u64, col: u64) -> Option<usize> {
    if line == 0 || col == 0 {
        return None;
    }
    let mut offset = 0usize;
    for (i, l) in sql.split('\n').enumerate() {
        if i as u64 + 1 == line {
            let col = col as usize - 1;
            return (col <= l.chars().count()).then_some(offset + col);
        }
        offset += l.chars().count() + 1;
    }
    None
}

/// The source text of the token that starts at character `offset`, or `None` at end of input.
fn token_at(sql: &str, offset: usize) -> Option<String> {
    let rest: String = sql.chars().skip(offset).collect();
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, &rest)
        .tokenize_with_location()
        .ok()?;
    let first = tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)))?;
    if first.token == Token::EOF {
        return None;
    }
    let end = tokens
        .iter()
        .skip_while(|t| t.span.start != first.span.start)
        .nth(1)
        .and_then(|next| char_offset(&rest, next.span.start.line, next.span.start.column));
    let text: String = match end {
        Some(end) => rest.chars().take(end).collect(),
        None => rest,
    };
    Some(text.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(sql: &str) -> (String, Option<u32>) {
        let e = parse(sql).expect_err("syntax error expected");
        assert_eq!(e.sqlstate(), "42601");
        (e.to_string(), e.position())
    }

    #[test]
    fn syntax_errors_look_like_postgres() {
        // Messages and positions produced by PostgreSQL 15.
        assert_eq!(
            err("SELEC 1"),
            ("syntax error at or near \"SELEC\"".into(), Some(1))
        );
        assert_eq!(
            err("SELECT 1 +"),
            ("syntax error at end of input".into(), Some(11))
        );
        assert_eq!(
            err("SELECT * FROM"),
            ("syntax error at end of input".into(), Some(14))
        );
        assert_eq!(
            err("SELECT 1\n  FROM t WHERE )"),
            ("syntax error at or near \")\"".into(), Some(25))
        );
    }

    #[test]
    fn maintenance_statements_parse_as_postgres_reads_them() {
        let one = |sql: &str| match parse(sql).expect("parses").remove(0).stmt {
            Stmt::Maintenance(m) => m,
            other => panic!("not maintenance: {other:?}"),
        };
        let m = one("vacuum analyze pgbench_branches");
        assert!(m.vacuum && m.analyze);
        assert_eq!(m.tables[0].name, vec!["pgbench_branches".to_string()]);
        assert_eq!(m.tables[0].position, 16);
        let m = one("ANALYZE public.T (a, \"B\"), u");
        assert!(!m.vacuum && m.analyze);
        assert_eq!(m.tables.len(), 2);
        assert_eq!(m.tables[0].name, vec!["public".to_string(), "t".into()]);
        assert_eq!(m.tables[0].columns, vec!["a".to_string(), "B".into()]);
        let m = one("VACUUM (VERBOSE, ANALYZE false)");
        assert!(m.vacuum && m.analyze && m.tables.is_empty());
        let e = parse("vacuum (foo) t").expect_err("bad option");
        assert_eq!(e.to_string(), "unrecognized VACUUM option \"foo\"");
        assert_eq!(e.position(), Some(9));
        // Statements around a maintenance statement keep their error positions.
        let e = parse("vacuum t; SELEC 1").expect_err("syntax error");
        assert_eq!(e.position(), Some(11));
    }

    #[test]
    fn copy_accepts_on_and_off_for_boolean_options() {
        let p = parse("copy pgbench_accounts from stdin with (freeze on)").expect("parses");
        assert_eq!(p.len(), 1);
        assert!(parse("copy t from stdin (header off, format csv)").is_ok());
    }

    #[test]
    fn empty_queries_parse_to_nothing() {
        assert_eq!(parse("").expect("empty").len(), 0);
        assert_eq!(parse("  -- comment\n").expect("comment").len(), 0);
        assert_eq!(parse("SELECT 1; SELECT 2;").expect("two").len(), 2);
    }
}
