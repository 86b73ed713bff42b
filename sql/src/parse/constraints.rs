//! `SET CONSTRAINTS { ALL | name [, ...] } { DEFERRED | IMMEDIATE }`, which sqlparser does not
//! know.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

use super::char_offset;
use super::split::Piece;
use crate::error::{Result, SqlError};

/// A parsed SET CONSTRAINTS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetConstraints {
    /// The (case-folded) constraint names, qualified parts joined by `.`; `None` for ALL.
    pub names: Option<Vec<String>>,
    pub deferred: bool,
}

/// Whether a statement starts with SET CONSTRAINTS.
pub(super) fn is_set_constraints(piece: &Piece<'_>) -> bool {
    let word = |i: usize, k: &str| {
        matches!(piece.tokens.get(i).map(|t| &t.token),
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
    };
    word(0, "set") && word(1, "constraints")
}

pub(super) fn set_constraints(sql: &str, piece: &Piece<'_>) -> Result<SetConstraints> {
    let toks = &piece.tokens;
    let syntax = |i: usize| SqlError::Syntax {
        message: match toks.get(i) {
            Some(t) => format!("syntax error at or near \"{}\"", t.token),
            None => "syntax error at end of input".into(),
        },
        position: Some(match toks.get(i) {
            Some(t) => {
                char_offset(sql, t.span.start.line, t.span.start.column).map_or(0, |o| o as u32 + 1)
            }
            None => sql.chars().count() as u32 + 1,
        }),
    };
    let mut i = 2;
    let names = match toks.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == Keyword::ALL => {
            i += 1;
            None
        }
        _ => {
            let mut names = Vec::new();
            loop {
                let mut name = String::new();
                loop {
                    match toks.get(i).map(|t| &t.token) {
                        Some(Token::Word(w)) => {
                            if w.quote_style.is_some() {
                                name.push_str(&w.value);
                            } else {
                                name.push_str(&w.value.to_lowercase());
                            }
                        }
                        _ => return Err(syntax(i)),
                    }
                    i += 1;
                    if !matches!(toks.get(i).map(|t| &t.token), Some(Token::Period)) {
                        break;
                    }
                    name.push('.');
                    i += 1;
                }
                names.push(name);
                if !matches!(toks.get(i).map(|t| &t.token), Some(Token::Comma)) {
                    break;
                }
                i += 1;
            }
            Some(names)
        }
    };
    let deferred = match toks.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == Keyword::DEFERRED => true,
        Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == Keyword::IMMEDIATE => false,
        _ => return Err(syntax(i)),
    };
    if toks.len() > i + 1 {
        return Err(syntax(i + 1));
    }
    Ok(SetConstraints { names, deferred })
}
