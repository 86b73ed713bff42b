//! LIKE/ILIKE (`~~`, `~~*`) and POSIX regular expressions (`~`, `~*`).
//!
//! LIKE: `%` matches any sequence, `_` one character, `\` escapes the next character; a pattern
//! ending in the escape character is an error (22025), as in PostgreSQL. Matching is over
//! characters, with ILIKE folding case per character.
//!
//! Regular expressions use the `regex` crate, whose syntax covers the common subset of
//! PostgreSQL's ARE (classes, anchors, quantifiers, groups, `\d\s\w`); back-references and
//! ARE-only escapes are rejected as invalid (2201B). Compiled patterns are cached per thread.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::error::{Result, SqlError};

/// `s LIKE p` (or ILIKE when `ci`), over UTF-8 bytes decoded as characters.
pub fn like(s: &[u8], p: &[u8], ci: bool) -> Result<bool> {
    let s: Vec<char> = String::from_utf8_lossy(s).chars().collect();
    let p: Vec<char> = String::from_utf8_lossy(p).chars().collect();
    if p.last() == Some(&'\\') && p.iter().rev().take_while(|c| **c == '\\').count() % 2 == 1 {
        return Err(SqlError::InvalidEscapeSequence(
            "LIKE pattern must not end with escape character".into(),
        ));
    }
    let fold = |c: char| {
        if ci {
            c.to_lowercase().next().unwrap_or(c)
        } else {
            c
        }
    };
    Ok(like_at(&s, &p, &fold))
}

fn like_at(s: &[char], p: &[char], fold: &dyn Fn(char) -> char) -> bool {
    let (mut si, mut pi) = (0, 0);
    // Backtracking point for the last `%`: (pattern index after it, string index it tried).
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some('%') => {
                star = Some((pi + 1, si));
                pi += 1;
                continue;
            }
            Some('_') => {
                si += 1;
                pi += 1;
                continue;
            }
            Some('\\') if pi + 1 < p.len() && fold(p[pi + 1]) == fold(s[si]) => {
                si += 1;
                pi += 2;
                continue;
            }
            Some(&c) if c != '\\' && fold(c) == fold(s[si]) => {
                si += 1;
                pi += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, ss)) => {
                pi = sp;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '%')
}

thread_local! {
    static CACHE: RefCell<HashMap<(String, bool, bool, bool), regex::Regex>> = RefCell::new(HashMap::new());
}

const CACHE_LIMIT: usize = 256;

/// `s ~ p` (or `~*` when `ci`): whether the pattern matches anywhere in `s`.
pub fn regex_match(s: &str, p: &str, ci: bool) -> Result<bool> {
    Ok(compile(p, ci, false, false)?.is_match(s))
}

/// Compiles (or fetches from the per-thread cache) a pattern: `ci` case-insensitive,
/// `newline` newline-sensitive (`.` and bracket expressions stop at newlines, `^`/`$` match at
/// them: PostgreSQL's `n` flag), `expanded` ignores whitespace and `#` comments (`x`).
pub fn compile(p: &str, ci: bool, newline: bool, expanded: bool) -> Result<regex::Regex> {
    CACHE.with(|cache| {
        let key = (p.to_string(), ci, newline, expanded);
        if let Some(re) = cache.borrow().get(&key) {
            return Ok(re.clone());
        }
        let re = regex::RegexBuilder::new(p)
            .case_insensitive(ci)
            .dot_matches_new_line(!newline)
            .multi_line(newline)
            .ignore_whitespace(expanded)
            .build()
            .map_err(|e| {
                SqlError::InvalidRegularExpression(format!(
                    "invalid regular expression: {}",
                    e.to_string()
                        .lines()
                        .last()
                        .unwrap_or("syntax error")
                        .trim()
                ))
            })?;
        let mut c = cache.borrow_mut();
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(key, re.clone());
        Ok(re)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_matches_postgres() {
        // strings.out LIKE cases.
        let l = |s: &str, p: &str| like(s.as_bytes(), p.as_bytes(), false).expect("like");
        assert!(l("hawkeye", "h%"));
        assert!(!l("hawkeye", "H%"));
        assert!(l("hawkeye", "%ey%"));
        assert!(l("indio", "_ndio"));
        assert!(!l("indio", "in__o_"));
        assert!(l("h%", "h#%".replace('#', "\\").as_str()));
        assert!(!l("hawkeye", "h\\%"));
        assert!(l("", "%"));
        assert!(l("abc", "%%c"));
        assert!(like(b"HAWKEYE", b"h%", true).expect("ilike"));
        let e = like(b"abc", b"ab\\", false).expect_err("escape");
        assert_eq!(
            e.to_string(),
            "LIKE pattern must not end with escape character"
        );
        assert_eq!(e.sqlstate(), "22025");
        assert!(regex_match("hawkeye", "^h.*e$", false).expect("re"));
        assert!(regex_match("HAWKEYE", "hawk", true).expect("re"));
        assert_eq!(
            regex_match("x", "(", false).expect_err("bad").sqlstate(),
            "2201B"
        );
    }
}
