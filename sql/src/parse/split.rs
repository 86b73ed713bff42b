//! Statements sqlparser does not read the way PostgreSQL does, handled before it sees them.
//!
//! A query string is tokenized once and cut at top-level semicolons. When no statement needs help
//! (the usual case) the whole string goes to sqlparser as before. Otherwise each statement is parsed
//! on its own: `VACUUM` and `ANALYZE` by [`maintenance`] (sqlparser knows only Redshift's VACUUM), and
//! every other statement by sqlparser on a copy of the query string in which everything outside the
//! statement is blanked (newlines kept), so that the line/column positions sqlparser reports — and so
//! error positions — stay those of the original string. In `COPY` option lists, PostgreSQL's
//! boolean spellings `on`/`off` (`WITH (FREEZE ON)`, as pgbench sends) become `true`/`false`, which
//! is all sqlparser accepts there.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::char_offset;
use crate::error::{Result, SqlError};

/// `VACUUM` or `ANALYZE` as PostgreSQL 15 accepts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintenance {
    /// VACUUM (with or without ANALYZE); false for a plain ANALYZE.
    pub vacuum: bool,
    /// ANALYZE (alone, or as VACUUM's option).
    pub analyze: bool,
    /// The tables named, each with its (case-folded) name parts, character position (1-based) and
    /// the columns listed after it.
    pub tables: Vec<MaintenanceTarget>,
}

/// One `table_and_columns` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceTarget {
    pub name: Vec<String>,
    pub position: u32,
    pub columns: Vec<String>,
}

/// One statement's tokens (whitespace and comments dropped) and its character range.
pub(crate) struct Piece<'t> {
    pub tokens: Vec<&'t TokenWithSpan>,
    pub start: usize,
    pub end: usize,
}

impl Piece<'_> {
    /// The first keyword, upper-cased.
    pub fn keyword(&self) -> Option<Keyword> {
        match &self.tokens.first()?.token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
            _ => None,
        }
    }

    /// Whether this is VACUUM or ANALYZE (or ANALYSE).
    pub fn is_maintenance(&self) -> bool {
        matches!(self.keyword(), Some(Keyword::VACUUM | Keyword::ANALYZE))
            || is_analyse(self.tokens.first().copied())
    }

    /// Whether this is CREATE DATABASE or DROP DATABASE.
    pub fn is_database(&self) -> bool {
        matches!(
            self.keyword(),
            Some(Keyword::CREATE | Keyword::DROP | Keyword::ALTER)
        ) && matches!(self.tokens.get(1).map(|t| &t.token),
                Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == Keyword::DATABASE)
    }

    /// Whether this statement needs more than sqlparser.
    pub fn is_special(&self) -> bool {
        self.is_maintenance() || self.is_database() || self.keyword() == Some(Keyword::COPY)
    }
}

/// Cuts tokens into statements at top-level semicolons. Empty statements are dropped.
pub(super) fn split<'t>(sql: &str, tokens: &'t [TokenWithSpan]) -> Vec<Piece<'t>> {
    let mut out = Vec::new();
    let mut cur: Vec<&TokenWithSpan> = Vec::new();
    let mut depth = 0i32;
    let offset =
        |t: &TokenWithSpan| char_offset(sql, t.span.start.line, t.span.start.column).unwrap_or(0);
    let end_of = |t: &TokenWithSpan| {
        char_offset(sql, t.span.end.line, t.span.end.column).unwrap_or(sql.chars().count())
    };
    let mut flush = |cur: &mut Vec<&'t TokenWithSpan>| {
        if let (Some(first), Some(last)) = (cur.first(), cur.last()) {
            out.push(Piece {
                start: offset(first),
                end: end_of(last),
                tokens: std::mem::take(cur),
            });
        }
        cur.clear();
    };
    for t in tokens {
        match &t.token {
            Token::Whitespace(_) | Token::EOF => continue,
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::SemiColon if depth <= 0 => {
                flush(&mut cur);
                depth = 0;
                continue;
            }
            _ => {}
        }
        cur.push(t);
    }
    flush(&mut cur);
    out
}

/// The query string with everything outside `piece` blanked (newlines kept), and inside a COPY's
/// option list `on`/`off` spelled `true`/`false`.
pub(super) fn isolate(sql: &str, piece: &Piece<'_>) -> String {
    let mut text: String = sql
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if (piece.start..piece.end).contains(&i) || c == '\n' {
                c
            } else {
                ' '
            }
        })
        .collect();
    if piece.keyword() == Some(Keyword::COPY) {
        // Replace from the end so earlier offsets stay valid.
        let mut edits = Vec::new();
        let mut depth = 0;
        let mut prev_option = false;
        for t in &piece.tokens {
            match &t.token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                Token::Word(w) if depth == 1 && w.quote_style.is_none() && prev_option => {
                    let value = match w.keyword {
                        Keyword::ON => Some("true"),
                        Keyword::OFF => Some("false"),
                        _ => None,
                    };
                    if let Some(v) = value {
                        let at = char_offset(sql, t.span.start.line, t.span.start.column);
                        if let Some(at) = at {
                            edits.push((at, w.value.chars().count(), v));
                        }
                    }
                }
                _ => {}
            }
            prev_option = matches!(&t.token, Token::Word(w) if depth == 1
                && matches!(w.keyword, Keyword::FREEZE | Keyword::HEADER));
        }
        for (at, len, v) in edits.into_iter().rev() {
            let start = text
                .char_indices()
                .nth(at)
                .map(|(b, _)| b)
                .unwrap_or(text.len());
            let end = text
                .char_indices()
                .nth(at + len)
                .map(|(b, _)| b)
                .unwrap_or(text.len());
            text.replace_range(start..end, v);
        }
    }
    text
}

/// Parses `VACUUM ...` or `ANALYZE ...` from its tokens.
pub(super) fn maintenance(sql: &str, piece: &Piece<'_>) -> Result<Maintenance> {
    let toks = &piece.tokens;
    let pos = |t: &TokenWithSpan| {
        char_offset(sql, t.span.start.line, t.span.start.column).map_or(0, |o| o as u32 + 1)
    };
    let syntax = |t: Option<&&TokenWithSpan>| match t {
        Some(t) => SqlError::Syntax {
            message: format!("syntax error at or near \"{}\"", t.token),
            position: Some(pos(t)),
        },
        None => SqlError::Syntax {
            message: "syntax error at end of input".into(),
            position: Some(sql.chars().count() as u32 + 1),
        },
    };
    let word = |t: Option<&&TokenWithSpan>| match t.map(|t| &t.token) {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    };
    let vacuum = word(toks.first()) == Some(Keyword::VACUUM);
    let mut m = Maintenance {
        vacuum,
        analyze: !vacuum,
        tables: Vec::new(),
    };
    let mut i = 1;
    if matches!(toks.get(i).map(|t| &t.token), Some(Token::LParen)) {
        // Parenthesized options: name [value], ...
        i += 1;
        loop {
            let Some(Token::Word(opt)) = toks.get(i).map(|t| &t.token) else {
                return Err(syntax(toks.get(i)));
            };
            let name = opt.value.to_ascii_lowercase();
            let known: &[&str] = if vacuum {
                &[
                    "full",
                    "freeze",
                    "verbose",
                    "analyze",
                    "analyse",
                    "disable_page_skipping",
                    "skip_locked",
                    "index_cleanup",
                    "process_toast",
                    "truncate",
                    "parallel",
                ]
            } else {
                &["verbose", "skip_locked"]
            };
            if !known.contains(&name.as_str()) {
                let what = if vacuum { "VACUUM" } else { "ANALYZE" };
                return Err(SqlError::Syntax {
                    message: format!("unrecognized {what} option \"{name}\""),
                    position: Some(pos(toks[i])),
                });
            }
            if name == "analyze" || name == "analyse" {
                m.analyze = true;
            }
            i += 1;
            // An optional value (boolean or number).
            if !matches!(
                toks.get(i).map(|t| &t.token),
                Some(Token::Comma | Token::RParen)
            ) {
                i += 1;
            }
            if list_closed(toks, &mut i).ok_or_else(|| syntax(toks.get(i)))? {
                break;
            }
        }
    } else {
        // Legacy keywords, in PostgreSQL's order.
        let order: &[Keyword] = if vacuum {
            &[
                Keyword::FULL,
                Keyword::FREEZE,
                Keyword::VERBOSE,
                Keyword::ANALYZE,
            ]
        } else {
            &[Keyword::VERBOSE]
        };
        for k in order {
            let here = word(toks.get(i));
            let matches =
                here == Some(*k) || (*k == Keyword::ANALYZE && is_analyse(toks.get(i).copied()));
            if matches {
                if *k == Keyword::ANALYZE {
                    m.analyze = true;
                }
                i += 1;
            }
        }
    }
    // table_and_columns [, ...]
    while i < toks.len() {
        let at = toks[i];
        let mut name = Vec::new();
        loop {
            match toks.get(i).map(|t| &t.token) {
                Some(Token::Word(w)) => {
                    name.push(fold(w));
                    i += 1;
                }
                _ => return Err(syntax(toks.get(i))),
            }
            if matches!(toks.get(i).map(|t| &t.token), Some(Token::Period)) {
                i += 1;
            } else {
                break;
            }
        }
        let mut columns = Vec::new();
        if matches!(toks.get(i).map(|t| &t.token), Some(Token::LParen)) {
            i += 1;
            loop {
                match toks.get(i).map(|t| &t.token) {
                    Some(Token::Word(w)) => columns.push(fold(w)),
                    _ => return Err(syntax(toks.get(i))),
                }
                i += 1;
                if list_closed(toks, &mut i).ok_or_else(|| syntax(toks.get(i)))? {
                    break;
                }
            }
        }
        m.tables.push(MaintenanceTarget {
            name,
            position: pos(at),
            columns,
        });
        match toks.get(i).map(|t| &t.token) {
            None => break,
            Some(Token::Comma) => i += 1,
            _ => return Err(syntax(toks.get(i))),
        }
        if i >= toks.len() {
            return Err(syntax(None));
        }
    }
    Ok(m)
}

/// `CREATE DATABASE name [WITH] [option [=] value ...]` or `DROP DATABASE [IF EXISTS] name
/// [[WITH] (FORCE)]`, as PostgreSQL 15 accepts them (sqlparser rejects `TEMPLATE = x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseStmt {
    Create {
        name: String,
        /// (option in lower case, value as written, folded if an identifier).
        options: Vec<(String, String)>,
    },
    Drop {
        name: String,
        if_exists: bool,
    },
    /// ALTER DATABASE name SET setting TO value[, ...] | RESET setting | RESET ALL.
    /// `setting: None` is RESET ALL; `values: None` resets (also SET ... TO DEFAULT).
    Alter {
        name: String,
        setting: Option<String>,
        values: Option<Vec<String>>,
    },
}

pub(super) fn database(sql: &str, piece: &Piece<'_>) -> Result<DatabaseStmt> {
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
            position: Some(sql.chars().count() as u32 + 1),
        },
    };
    let word = |i: usize| match toks.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) => Some(w),
        _ => None,
    };
    if matches!(word(0), Some(w) if w.keyword == Keyword::ALTER) {
        return alter_database(toks, &word, &syntax);
    }
    let create = matches!(word(0), Some(w) if w.keyword == Keyword::CREATE);
    let mut i = 2;
    let mut if_exists = false;
    if !create && matches!(word(i), Some(w) if w.keyword == Keyword::IF && w.quote_style.is_none())
    {
        match word(i + 1) {
            Some(w) if w.keyword == Keyword::EXISTS => {
                if_exists = true;
                i += 2;
            }
            _ => return Err(syntax(i + 1)),
        }
    }
    let name = match word(i) {
        Some(w) => fold(w),
        None => return Err(syntax(i)),
    };
    i += 1;
    if !create {
        // [ [WITH] ( FORCE ) ]: accepted; sessions are not counted yet.
        if matches!(word(i), Some(w) if w.keyword == Keyword::WITH) {
            i += 1;
        }
        if matches!(toks.get(i).map(|t| &t.token), Some(Token::LParen)) {
            i += 1;
            if !matches!(word(i), Some(w) if w.value.eq_ignore_ascii_case("force")) {
                return Err(syntax(i));
            }
            i += 1;
            if !matches!(toks.get(i).map(|t| &t.token), Some(Token::RParen)) {
                return Err(syntax(i));
            }
            i += 1;
        }
        if i < toks.len() {
            return Err(syntax(i));
        }
        return Ok(DatabaseStmt::Drop { name, if_exists });
    }
    if matches!(word(i), Some(w) if w.keyword == Keyword::WITH) {
        i += 1;
    }
    let mut options = Vec::new();
    while i < toks.len() {
        let Some(w) = word(i) else {
            return Err(syntax(i));
        };
        let mut opt = w.value.to_ascii_lowercase();
        i += 1;
        if opt == "connection" {
            match word(i) {
                Some(w) if w.value.eq_ignore_ascii_case("limit") => {
                    opt = "connection limit".into();
                    i += 1;
                }
                _ => return Err(syntax(i)),
            }
        }
        if matches!(toks.get(i).map(|t| &t.token), Some(Token::Eq)) {
            i += 1;
        }
        let value = match toks.get(i).map(|t| &t.token) {
            Some(Token::Word(w)) => fold(w),
            Some(Token::SingleQuotedString(s)) => s.clone(),
            Some(Token::Number(n, _)) => n.clone(),
            Some(Token::Minus) => match toks.get(i + 1).map(|t| &t.token) {
                Some(Token::Number(n, _)) => {
                    i += 1;
                    format!("-{n}")
                }
                _ => return Err(syntax(i + 1)),
            },
            _ => return Err(syntax(i)),
        };
        i += 1;
        options.push((opt, value));
    }
    Ok(DatabaseStmt::Create { name, options })
}

/// ALTER DATABASE name SET ... / RESET ...; the other forms (RENAME, OWNER, WITH options, SET
/// TABLESPACE, REFRESH COLLATION VERSION) are refused as not supported.
fn alter_database<'w>(
    toks: &'w [&TokenWithSpan],
    word: &dyn Fn(usize) -> Option<&'w sqlparser::tokenizer::Word>,
    syntax: &dyn Fn(usize) -> SqlError,
) -> Result<DatabaseStmt> {
    let name = word(2).map(fold).ok_or_else(|| syntax(2))?;
    let unsupported =
        || SqlError::FeatureNotSupported("this form of ALTER DATABASE is not supported yet".into());
    let verb = word(3).ok_or_else(|| syntax(3))?;
    let is = |w: &sqlparser::tokenizer::Word, k: &str| {
        w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k)
    };
    let setting_at = |i: usize| -> Result<String> {
        // A dotted name (a.b) is a custom setting.
        let mut s = word(i).map(fold).ok_or_else(|| syntax(i))?;
        let mut j = i + 1;
        while matches!(toks.get(j).map(|t| &t.token), Some(Token::Period)) {
            s.push('.');
            s.push_str(&word(j + 1).map(fold).ok_or_else(|| syntax(j + 1))?);
            j += 2;
        }
        Ok(s)
    };
    let dotted_len = |i: usize| {
        let mut j = i + 1;
        while matches!(toks.get(j).map(|t| &t.token), Some(Token::Period)) {
            j += 2;
        }
        j
    };
    if is(verb, "reset") {
        if matches!(word(4), Some(w) if is(w, "all")) && toks.len() == 5 {
            return Ok(DatabaseStmt::Alter {
                name,
                setting: None,
                values: None,
            });
        }
        let setting = setting_at(4)?;
        let end = dotted_len(4);
        if end < toks.len() {
            return Err(syntax(end));
        }
        return Ok(DatabaseStmt::Alter {
            name,
            setting: Some(setting),
            values: None,
        });
    }
    if !is(verb, "set") {
        return Err(unsupported());
    }
    if matches!(word(4), Some(w) if is(w, "tablespace")) {
        return Err(unsupported());
    }
    let setting = setting_at(4)?;
    let mut i = dotted_len(4);
    match toks.get(i).map(|t| &t.token) {
        Some(Token::Eq) => i += 1,
        Some(Token::Word(w)) if is(w, "to") => i += 1,
        Some(Token::Word(w)) if is(w, "from") => return Err(unsupported()),
        _ => return Err(syntax(i)),
    }
    if matches!(word(i), Some(w) if is(w, "default")) && i + 1 == toks.len() {
        return Ok(DatabaseStmt::Alter {
            name,
            setting: Some(setting),
            values: None,
        });
    }
    let mut values = Vec::new();
    loop {
        let v = match toks.get(i).map(|t| &t.token) {
            Some(Token::Word(w)) => fold(w),
            Some(Token::SingleQuotedString(s)) => s.clone(),
            Some(Token::Number(n, _)) => n.clone(),
            Some(Token::Minus) => match toks.get(i + 1).map(|t| &t.token) {
                Some(Token::Number(n, _)) => {
                    i += 1;
                    format!("-{n}")
                }
                _ => return Err(syntax(i + 1)),
            },
            _ => return Err(syntax(i)),
        };
        values.push(v);
        i += 1;
        match toks.get(i).map(|t| &t.token) {
            None => break,
            Some(Token::Comma) => i += 1,
            Some(_) => return Err(syntax(i)),
        }
    }
    Ok(DatabaseStmt::Alter {
        name,
        setting: Some(setting),
        values: Some(values),
    })
}

/// The British spelling, which sqlparser does not know as a keyword.
fn is_analyse(t: Option<&TokenWithSpan>) -> bool {
    matches!(t.map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none()
        && w.value.eq_ignore_ascii_case("analyse"))
}

/// An identifier as PostgreSQL folds it: quoted as written, unquoted in lower case.
pub(super) fn fold(w: &sqlparser::tokenizer::Word) -> String {
    if w.quote_style.is_some() {
        w.value.clone()
    } else {
        w.value.to_ascii_lowercase()
    }
}

/// After a list item: steps over `,` (`Some(false)`: more items) or `)` (`Some(true)`: the list
/// ended); `None` for anything else.
fn list_closed(toks: &[&TokenWithSpan], i: &mut usize) -> Option<bool> {
    let closed = match toks.get(*i).map(|t| &t.token) {
        Some(Token::Comma) => false,
        Some(Token::RParen) => true,
        _ => return None,
    };
    *i += 1;
    Some(closed)
}
