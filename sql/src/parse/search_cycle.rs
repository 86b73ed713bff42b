//! The SEARCH and CYCLE clauses of a WITH RECURSIVE item (PostgreSQL 14+), which sqlparser does
//! not parse:
//!
//! ```text
//! name [(cols)] AS (query) SEARCH {DEPTH | BREADTH} FIRST BY col [, ...] SET seq_col
//!                          CYCLE col [, ...] SET mark_col [TO value DEFAULT value] USING path_col
//! ```
//!
//! Before parsing, [`strip`] finds each clause right after a `)`, blanks it with spaces (newlines
//! kept, so every position sqlparser and the binder report stays right) and returns it keyed by
//! the line and column of that `)`, which sqlparser records as the CTE's `closing_paren_token`.
//! The binder looks the clauses up by that key and rewrites the recursive query as PostgreSQL's
//! rewriter does (`bind/search_cycle.rs`). Text that does not match a clause completely is left
//! alone, so sqlparser reports the syntax error where PostgreSQL's grammar would.
//!
//! `CREATE [OR REPLACE] [TEMP] RECURSIVE VIEW name` gets the same treatment: `RECURSIVE` is
//! blanked and the view is noted by the position of its name (`bind/view.rs` builds the
//! `WITH RECURSIVE` query PostgreSQL's grammar makes of it).

use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::char_offset;

/// What the pre-pass took out of one query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Clauses {
    pub ctes: Vec<SearchCycle>,
    /// Line and column of the name of each `CREATE RECURSIVE VIEW`.
    pub recursive_views: Vec<(u64, u64)>,
}

/// The clauses after one CTE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchCycle {
    /// Line and column (1-based) of the CTE's closing parenthesis.
    pub paren: (u64, u64),
    pub search: Option<Search>,
    pub cycle: Option<Cycle>,
}

/// `SEARCH {DEPTH | BREADTH} FIRST BY cols SET seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Search {
    pub breadth: bool,
    pub by: Vec<String>,
    pub seq: String,
    /// 1-based character position of `SEARCH`.
    pub position: u32,
}

/// `CYCLE cols SET mark [TO value DEFAULT default] USING path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cycle {
    pub cols: Vec<String>,
    pub mark: String,
    /// `TO value DEFAULT default` (spans relative to the whole query text); `None` means
    /// `TO true DEFAULT false`.
    pub values: Option<(ast::Expr, ast::Expr)>,
    pub path: String,
    /// 1-based character position of `CYCLE`.
    pub position: u32,
}

/// The text with every SEARCH/CYCLE clause blanked, and the clauses; `None` when there is none
/// (the common case, decided without tokenizing when the words do not occur).
pub(crate) fn strip(sql: &str) -> Option<(String, Clauses)> {
    let lower = sql.to_ascii_lowercase();
    let clauses = (lower.contains("search") || lower.contains("cycle")) && lower.contains("with");
    let views = lower.contains("recursive") && lower.contains("view");
    if !(clauses || views) {
        return None;
    }
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let words: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut found = Vec::new();
    let mut recursive_views = Vec::new();
    // Character ranges to blank.
    let mut blank: Vec<std::ops::Range<usize>> = Vec::new();
    for i in 0..words.len() {
        if let Some(name) = recursive_view(&words, i) {
            let s = Scan {
                sql,
                words: &words,
                at: i,
            };
            blank.push(s.offset(i)?..s.end_offset(i)?);
            recursive_views.push(name);
            continue;
        }
        if words[i].token != Token::RParen {
            continue;
        }
        let mut s = Scan {
            sql,
            words: &words,
            at: i + 1,
        };
        let start = s.at;
        let search = s.search();
        let cycle = s.cycle();
        if search.is_none() && cycle.is_none() {
            continue;
        }
        let from = s.offset(start)?;
        let to = s.end_offset(s.at - 1)?;
        blank.push(from..to);
        let paren = words[i].span.start;
        found.push(SearchCycle {
            paren: (paren.line, paren.column),
            search,
            cycle,
        });
    }
    if found.is_empty() && recursive_views.is_empty() {
        return None;
    }
    let text = sql
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if c != '\n' && blank.iter().any(|r| r.contains(&i)) {
                ' '
            } else {
                c
            }
        })
        .collect();
    Some((
        text,
        Clauses {
            ctes: found,
            recursive_views,
        },
    ))
}

/// Whether word `i` is the `RECURSIVE` of `CREATE [OR REPLACE] [TEMP] RECURSIVE VIEW name`: the
/// line and column of the name.
fn recursive_view(words: &[&TokenWithSpan], i: usize) -> Option<(u64, u64)> {
    let kw = |j: usize, k: &str| {
        matches!(words.get(j).map(|t| &t.token),
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
    };
    if !kw(i, "recursive") || !kw(i + 1, "view") {
        return None;
    }
    let mut j = i;
    while j > 0
        && ["temp", "temporary", "replace", "or"]
            .iter()
            .any(|k| kw(j - 1, k))
    {
        j -= 1;
    }
    if j == 0 || !kw(j - 1, "create") {
        return None;
    }
    let name = words.get(i + 2)?;
    matches!(name.token, Token::Word(_)).then_some((name.span.start.line, name.span.start.column))
}

/// A cursor over the significant tokens.
struct Scan<'a> {
    sql: &'a str,
    words: &'a [&'a TokenWithSpan],
    at: usize,
}

impl Scan<'_> {
    fn keyword(&mut self, k: &str) -> bool {
        let hit = matches!(self.words.get(self.at).map(|t| &t.token),
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
        if hit {
            self.at += 1;
        }
        hit
    }

    fn ident(&mut self) -> Option<String> {
        let Some(Token::Word(w)) = self.words.get(self.at).map(|t| &t.token) else {
            return None;
        };
        self.at += 1;
        Some(if w.quote_style.is_some() {
            w.value.clone()
        } else {
            w.value.to_lowercase()
        })
    }

    fn ident_list(&mut self) -> Option<Vec<String>> {
        let mut out = vec![self.ident()?];
        while self.words.get(self.at).map(|t| &t.token) == Some(&Token::Comma) {
            self.at += 1;
            out.push(self.ident()?);
        }
        Some(out)
    }

    /// 0-based character offset where token `i` starts.
    fn offset(&self, i: usize) -> Option<usize> {
        let p = self.words.get(i)?.span.start;
        char_offset(self.sql, p.line, p.column)
    }

    /// 0-based character offset where token `i` ends.
    fn end_offset(&self, i: usize) -> Option<usize> {
        let p = self.words.get(i)?.span.end;
        char_offset(self.sql, p.line, p.column)
    }

    fn search(&mut self) -> Option<Search> {
        let start = self.at;
        let out = (|| {
            let position = self.offset(self.at)? as u32 + 1;
            if !self.keyword("search") {
                return None;
            }
            let breadth = if self.keyword("breadth") {
                true
            } else if self.keyword("depth") {
                false
            } else {
                return None;
            };
            if !(self.keyword("first") && self.keyword("by")) {
                return None;
            }
            let by = self.ident_list()?;
            if !self.keyword("set") {
                return None;
            }
            let seq = self.ident()?;
            Some(Search {
                breadth,
                by,
                seq,
                position,
            })
        })();
        if out.is_none() {
            self.at = start;
        }
        out
    }

    fn cycle(&mut self) -> Option<Cycle> {
        let start = self.at;
        let out = (|| {
            let position = self.offset(self.at)? as u32 + 1;
            if !self.keyword("cycle") {
                return None;
            }
            let cols = self.ident_list()?;
            if !self.keyword("set") {
                return None;
            }
            let mark = self.ident()?;
            // `expr_until` consumes the keyword that ends the value.
            let values = if self.keyword("to") {
                let value = self.expr_until("default")?;
                let default = self.expr_until("using")?;
                Some((value, default))
            } else if self.keyword("using") {
                None
            } else {
                return None;
            };
            let path = self.ident()?;
            Some(Cycle {
                cols,
                mark,
                values,
                path,
                position,
            })
        })();
        if out.is_none() {
            self.at = start;
        }
        out
    }

    /// The constant before keyword `stop` (consumed too), parsed in place: the text around it
    /// is blanked so that its spans are those of the whole query.
    fn expr_until(&mut self, stop: &str) -> Option<ast::Expr> {
        let first = self.at;
        while !self.keyword(stop) {
            if matches!(
                self.words.get(self.at).map(|t| &t.token),
                None | Some(Token::EOF) | Some(Token::SemiColon)
            ) {
                return None;
            }
            self.at += 1;
        }
        let last = self.at.checked_sub(2)?;
        if last < first {
            return None;
        }
        let (from, to) = (self.offset(first)?, self.end_offset(last)?);
        let masked: String = self
            .sql
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if c == '\n' || (from..to).contains(&i) {
                    c
                } else {
                    ' '
                }
            })
            .collect();
        let mut p = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(&masked)
            .ok()?;
        let e = p.parse_expr().ok()?;
        (p.peek_token().token == Token::EOF).then_some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_are_blanked_in_place() {
        let sql = "with recursive t(a) as (select 1 union all select a+1 from t)\n search breadth first by a set s cycle a set c to 'Y' default 'N' using p\nselect * from t";
        let (text, found) = strip(sql).expect("found");
        let found = found.ctes;
        assert_eq!(text.chars().count(), sql.chars().count());
        assert!(text.contains("from t)\n "));
        assert!(!text.contains("search") && !text.contains("cycle"));
        assert!(text.ends_with("\nselect * from t"));
        let c = &found[0];
        assert_eq!(c.paren, (1, 61));
        let s = c.search.as_ref().expect("search");
        assert!(s.breadth);
        assert_eq!((s.by.clone(), s.seq.as_str()), (vec!["a".to_string()], "s"));
        assert_eq!(s.position, 64);
        let cy = c.cycle.as_ref().expect("cycle");
        assert_eq!((cy.mark.as_str(), cy.path.as_str()), ("c", "p"));
        let (v, d) = cy.values.as_ref().expect("values");
        assert_eq!((v.to_string(), d.to_string()), ("'Y'".into(), "'N'".into()));
    }

    #[test]
    fn aliases_named_cycle_are_left_alone() {
        assert!(strip("with t as (select 1) select (a) cycle from t").is_none());
        assert!(strip("select (1) search").is_none());
    }
}
