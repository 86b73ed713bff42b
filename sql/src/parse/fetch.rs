//! `FETCH` and `MOVE` as PostgreSQL reads them (sqlparser needs a direction and an unsigned
//! count, and has no MOVE): `FETCH [direction] [FROM | IN] cursor`, where direction is NEXT,
//! PRIOR, FIRST, LAST, ABSOLUTE n, RELATIVE n, n, ALL, FORWARD [n | ALL], BACKWARD [n | ALL]
//! and n is a signed integer.

use sqlparser::tokenizer::Token;

use super::split::Piece;
use crate::bind::FetchDirection;
use crate::error::{Result, SqlError};

/// A parsed FETCH or MOVE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchStmt {
    pub cursor: String,
    pub direction: FetchDirection,
    pub is_move: bool,
}

/// Whether the piece is a FETCH or MOVE statement.
pub(super) fn is_fetch(piece: &Piece<'_>) -> bool {
    matches!(piece.tokens.first().map(|t| &t.token),
        Some(Token::Word(w)) if w.quote_style.is_none()
            && (w.value.eq_ignore_ascii_case("fetch") || w.value.eq_ignore_ascii_case("move")))
}

pub(super) fn fetch(piece: &Piece<'_>) -> Result<FetchStmt> {
    let toks: Vec<&Token> = piece.tokens.iter().map(|t| &t.token).collect();
    let is_move = matches!(toks[0], Token::Word(w) if w.value.eq_ignore_ascii_case("move"));
    let mut i = 1;
    let word = |t: Option<&&Token>, k: &str| matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    let syntax = |t: Option<&&Token>| SqlError::Syntax {
        message: match t {
            Some(t) => format!("syntax error at or near \"{t}\""),
            None => "syntax error at end of input".into(),
        },
        position: None,
    };
    // A signed integer at `i`, if there is one.
    let number = |i: &mut usize| -> Result<Option<i64>> {
        let neg = match toks.get(*i) {
            Some(Token::Minus) => true,
            Some(Token::Plus) => false,
            Some(Token::Number(..)) => {
                let Some(Token::Number(n, _)) = toks.get(*i) else {
                    unreachable!("matched above")
                };
                *i += 1;
                return n.parse().map(Some).map_err(|_| syntax(toks.get(*i - 1)));
            }
            _ => return Ok(None),
        };
        match toks.get(*i + 1) {
            Some(Token::Number(n, _)) => {
                *i += 2;
                let v: i64 = n.parse().map_err(|_| syntax(toks.get(*i - 1)))?;
                Ok(Some(if neg { -v } else { v }))
            }
            other => Err(syntax(other)),
        }
    };
    let direction = if word(toks.get(i), "next") {
        i += 1;
        FetchDirection::Forward(Some(1))
    } else if word(toks.get(i), "prior") {
        i += 1;
        FetchDirection::Backward(Some(1))
    } else if word(toks.get(i), "first") {
        i += 1;
        FetchDirection::Absolute(1)
    } else if word(toks.get(i), "last") {
        i += 1;
        FetchDirection::Absolute(-1)
    } else if word(toks.get(i), "absolute") || word(toks.get(i), "relative") {
        let absolute = word(toks.get(i), "absolute");
        i += 1;
        let n = number(&mut i)?.ok_or_else(|| syntax(toks.get(i)))?;
        if absolute {
            FetchDirection::Absolute(n)
        } else {
            FetchDirection::Relative(n)
        }
    } else if word(toks.get(i), "all") {
        i += 1;
        FetchDirection::Forward(None)
    } else if word(toks.get(i), "forward") || word(toks.get(i), "backward") {
        let forward = word(toks.get(i), "forward");
        i += 1;
        let count = if word(toks.get(i), "all") {
            i += 1;
            None
        } else {
            Some(number(&mut i)?.unwrap_or(1))
        };
        match (forward, count) {
            (true, c) => FetchDirection::Forward(c),
            (false, None) => FetchDirection::Backward(None),
            (false, Some(n)) if n < 0 => FetchDirection::Forward(Some(-n)),
            (false, Some(n)) => FetchDirection::Backward(Some(n)),
        }
    } else if let Some(n) = number(&mut i)? {
        if n < 0 {
            FetchDirection::Backward(Some(-n))
        } else {
            FetchDirection::Forward(Some(n))
        }
    } else {
        FetchDirection::Forward(Some(1))
    };
    if word(toks.get(i), "from") || word(toks.get(i), "in") {
        i += 1;
    }
    let cursor = match toks.get(i) {
        Some(Token::Word(w)) => match w.quote_style {
            Some(_) => w.value.clone(),
            None => w.value.to_lowercase(),
        },
        other => return Err(syntax(other)),
    };
    if i + 1 < toks.len() {
        return Err(syntax(toks.get(i + 1)));
    }
    // ABSOLUTE/RELATIVE with a negative count under FORWARD/BACKWARD are already folded above.
    Ok(FetchStmt {
        cursor,
        direction,
        is_move,
    })
}
