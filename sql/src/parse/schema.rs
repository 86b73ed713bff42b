//! `CREATE SCHEMA` (with its schema elements) and `ALTER SCHEMA`, which sqlparser does not read
//! as PostgreSQL does. `DROP SCHEMA` is sqlparser's.
//!
//! A schema element (`CREATE TABLE ...`, `CREATE VIEW ...`, ...) after the schema's name is kept
//! as the query string with everything but the element blanked (newlines kept, as
//! `split::isolate` does), so it parses and binds on its own with the error positions of the
//! original string.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::char_offset;
use super::split::{fold, isolate, Piece};
use crate::error::{Result, SqlError};

/// A schema statement parsed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaStmt {
    /// CREATE SCHEMA [IF NOT EXISTS] [name] [AUTHORIZATION role] [element ...].
    Create {
        /// `None`: named after the role (`CREATE SCHEMA AUTHORIZATION role`).
        name: Option<String>,
        /// The role as written (folded); `CURRENT_ROLE`/`CURRENT_USER`/`SESSION_USER` as
        /// [`RoleSpec::Current`].
        owner: Option<RoleSpec>,
        if_not_exists: bool,
        elements: Vec<SchemaElement>,
    },
    /// ALTER SCHEMA name RENAME TO new.
    Rename { name: String, to: String },
    /// ALTER SCHEMA name OWNER TO role.
    Owner { name: String, owner: RoleSpec },
}

/// A role named in AUTHORIZATION or OWNER TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSpec {
    Named(String),
    /// CURRENT_ROLE, CURRENT_USER or SESSION_USER.
    Current,
}

/// One element of CREATE SCHEMA: its first keywords and its text (the whole query string with
/// everything else blanked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaElement {
    /// 1-based character position of its first token.
    pub position: u32,
    pub text: String,
}

/// Whether `piece` is CREATE SCHEMA or ALTER SCHEMA.
pub(super) fn is_schema(piece: &Piece<'_>) -> bool {
    matches!(piece.keyword(), Some(Keyword::CREATE | Keyword::ALTER))
        && matches!(piece.tokens.get(1).map(|t| &t.token),
            Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == Keyword::SCHEMA)
}

pub(super) fn schema(sql: &str, piece: &Piece<'_>) -> Result<SchemaStmt> {
    let toks = &piece.tokens;
    let pos = |t: &TokenWithSpan| {
        char_offset(sql, t.span.start.line, t.span.start.column).map_or(0, |o| o as u32 + 1)
    };
    let syntax = |i: usize| match toks.get(i) {
        Some(t) => SqlError::Syntax {
            message: format!("syntax error at or near \"{}\"", t.token),
            position: Some(pos(t)),
        },
        None => SqlError::Syntax {
            message: "syntax error at end of input".into(),
            position: Some(piece.end as u32 + 1),
        },
    };
    let word = |i: usize| match toks.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) => Some(w),
        _ => None,
    };
    let is_kw = |i: usize, k: Keyword| matches!(word(i), Some(w) if w.quote_style.is_none() && w.keyword == k);
    let role = |i: usize| -> Result<RoleSpec> {
        match word(i) {
            Some(w)
                if w.quote_style.is_none()
                    && matches!(
                        w.keyword,
                        Keyword::CURRENT_ROLE | Keyword::CURRENT_USER | Keyword::SESSION_USER
                    ) =>
            {
                Ok(RoleSpec::Current)
            }
            Some(w) => Ok(RoleSpec::Named(fold(w))),
            None => Err(syntax(i)),
        }
    };
    if is_kw(0, Keyword::ALTER) {
        let name = word(2).map(fold).ok_or_else(|| syntax(2))?;
        let stmt = if is_kw(3, Keyword::RENAME) && is_kw(4, Keyword::TO) {
            let to = word(5).map(fold).ok_or_else(|| syntax(5))?;
            SchemaStmt::Rename { name, to }
        } else if is_kw(3, Keyword::OWNER) && is_kw(4, Keyword::TO) {
            SchemaStmt::Owner {
                name,
                owner: role(5)?,
            }
        } else {
            return Err(syntax(3));
        };
        if toks.len() > 6 {
            return Err(syntax(6));
        }
        return Ok(stmt);
    }
    let mut i = 2;
    let mut if_not_exists = false;
    if is_kw(i, Keyword::IF) {
        if !(is_kw(i + 1, Keyword::NOT) && is_kw(i + 2, Keyword::EXISTS)) {
            return Err(syntax(i + 1));
        }
        if_not_exists = true;
        i += 3;
    }
    let mut name = None;
    if !is_kw(i, Keyword::AUTHORIZATION) {
        name = Some(word(i).map(fold).ok_or_else(|| syntax(i))?);
        i += 1;
    }
    let mut owner = None;
    if is_kw(i, Keyword::AUTHORIZATION) {
        owner = Some(role(i + 1)?);
        i += 2;
    }
    if name.is_none() && owner.is_none() {
        return Err(syntax(i));
    }
    // Elements start at each top-level CREATE or GRANT.
    let mut starts = Vec::new();
    let mut depth = 0i32;
    for (k, t) in toks.iter().enumerate().skip(i) {
        match &t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Word(w)
                if depth == 0
                    && w.quote_style.is_none()
                    && matches!(w.keyword, Keyword::CREATE | Keyword::GRANT) =>
            {
                starts.push(k)
            }
            _ => {}
        }
    }
    if starts.first().is_some_and(|&s| s != i) || (starts.is_empty() && i < toks.len()) {
        return Err(syntax(i));
    }
    let offset = |t: &TokenWithSpan| char_offset(sql, t.span.start.line, t.span.start.column);
    let end_of = |t: &TokenWithSpan| {
        char_offset(sql, t.span.end.line, t.span.end.column).unwrap_or(sql.chars().count())
    };
    let mut elements = Vec::new();
    for (n, &s) in starts.iter().enumerate() {
        let last = starts.get(n + 1).map_or(toks.len(), |&e| e) - 1;
        let element = Piece {
            tokens: toks[s..=last].to_vec(),
            start: offset(toks[s]).unwrap_or(0),
            end: end_of(toks[last]),
        };
        if is_kw(s, Keyword::GRANT) {
            return Err(SqlError::FeatureNotSupported(
                "GRANT in CREATE SCHEMA is not supported yet".into(),
            ));
        }
        elements.push(SchemaElement {
            position: pos(toks[s]),
            text: isolate(sql, &element),
        });
    }
    Ok(SchemaStmt::Create {
        name,
        owner,
        if_not_exists,
        elements,
    })
}
