//! `REINDEX [ ( option [, ...] ) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM } [ CONCURRENTLY ]
//! [ name ]`, which sqlparser does not know.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

use super::char_offset;
use super::split::Piece;
use crate::error::{Result, SqlError};

/// What REINDEX names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReindexKind {
    Index,
    Table,
    Schema,
    Database,
    System,
}

impl ReindexKind {
    /// The keyword, as PostgreSQL's messages spell it.
    pub fn keyword(self) -> &'static str {
        match self {
            ReindexKind::Index => "INDEX",
            ReindexKind::Table => "TABLE",
            ReindexKind::Schema => "SCHEMA",
            ReindexKind::Database => "DATABASE",
            ReindexKind::System => "SYSTEM",
        }
    }
}

/// A parsed REINDEX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reindex {
    pub kind: ReindexKind,
    pub concurrently: bool,
    /// The (case-folded) name, qualified parts joined by `.`; `None` for DATABASE/SYSTEM without
    /// one.
    pub name: Option<String>,
}

/// Whether a statement starts with REINDEX.
pub(super) fn is_reindex(piece: &Piece<'_>) -> bool {
    matches!(piece.tokens.first().map(|t| &t.token),
        Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == Keyword::REINDEX)
}

pub(super) fn reindex(sql: &str, piece: &Piece<'_>) -> Result<Reindex> {
    let toks = &piece.tokens;
    let syntax = |i: usize| match toks.get(i) {
        Some(t) => SqlError::Syntax {
            message: format!("syntax error at or near \"{}\"", t.token),
            position: Some(
                char_offset(sql, t.span.start.line, t.span.start.column)
                    .map_or(0, |o| o as u32 + 1),
            ),
        },
        // Past the last token: the `;` that ends the statement, if there is one.
        None => match sql
            .chars()
            .enumerate()
            .skip(piece.end)
            .find(|(_, c)| !c.is_whitespace())
        {
            Some((at, ';')) => SqlError::Syntax {
                message: "syntax error at or near \";\"".into(),
                position: Some(at as u32 + 1),
            },
            _ => SqlError::Syntax {
                message: "syntax error at end of input".into(),
                position: Some(sql.chars().count() as u32 + 1),
            },
        },
    };
    let word = |i: usize| match toks.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    };
    let mut i = 1;
    if matches!(toks.get(i).map(|t| &t.token), Some(Token::LParen)) {
        // ( VERBOSE | TABLESPACE x | CONCURRENTLY ... ): options that change nothing here.
        while !matches!(toks.get(i).map(|t| &t.token), Some(Token::RParen) | None) {
            i += 1;
        }
        if toks.get(i).is_none() {
            return Err(syntax(i));
        }
        i += 1;
    }
    let kind = match word(i) {
        Some(Keyword::INDEX) => ReindexKind::Index,
        Some(Keyword::TABLE) => ReindexKind::Table,
        Some(Keyword::SCHEMA) => ReindexKind::Schema,
        Some(Keyword::DATABASE) => ReindexKind::Database,
        Some(Keyword::SYSTEM) => ReindexKind::System,
        _ => return Err(syntax(i)),
    };
    i += 1;
    let concurrently = word(i) == Some(Keyword::CONCURRENTLY);
    if concurrently {
        i += 1;
    }
    let mut parts = Vec::new();
    while let Some(Token::Word(w)) = toks.get(i).map(|t| &t.token) {
        parts.push(match w.quote_style {
            Some(_) => w.value.clone(),
            None => w.value.to_lowercase(),
        });
        i += 1;
        if matches!(toks.get(i).map(|t| &t.token), Some(Token::Period)) {
            i += 1;
        } else {
            break;
        }
    }
    if i < toks.len() {
        return Err(syntax(i));
    }
    let name = (!parts.is_empty()).then(|| parts.join("."));
    if name.is_none()
        && matches!(
            kind,
            ReindexKind::Index | ReindexKind::Table | ReindexKind::Schema
        )
    {
        return Err(syntax(i));
    }
    Ok(Reindex {
        kind,
        concurrently,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, Stmt};

    fn one(sql: &str) -> Result<Reindex> {
        match parse(sql)?.remove(0).stmt {
            Stmt::Reindex(r) => Ok(r),
            other => panic!("not REINDEX: {other:?}"),
        }
    }

    #[test]
    fn reindex_forms_parse() {
        let r = one("REINDEX (VERBOSE) TABLE CONCURRENTLY public.\"T\"").expect("parses");
        assert_eq!(
            r,
            Reindex {
                kind: ReindexKind::Table,
                concurrently: true,
                name: Some("public.T".into()),
            }
        );
        let r = one("reindex system").expect("parses");
        assert_eq!((r.kind, r.name), (ReindexKind::System, None));
        let e = one("REINDEX TABLE;").expect_err("no name");
        assert_eq!(e.to_string(), "syntax error at or near \";\"");
        assert_eq!(e.position(), Some(14));
        assert!(one("REINDEX VIEW v").is_err());
        assert!(one("REINDEX INDEX a b").is_err());
    }
}
