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
    static CACHE: RefCell<HashMap<(String, bool), regex::Regex>> = RefCell::new(HashMap::new());
}

const CACHE_LIMIT: usize = 256;

/// `s ~ p` (or `~*` when `ci`): whether the pattern matches anywhere in `s`.
pub fn regex_match(s: &str, p: &str, ci: bool) -> Result<bool> {
    CACHE.with(|cache| {
        let key = (p.to_string(), ci);
        if let Some(re) = cache.borrow().get(&key) {
            return Ok(re.is_match(s));
        }
        let re = regex::RegexBuilder::new(p)
            .case_insensitive(ci)
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
        let m = re.is_match(s);
        let mut c = cache.borrow_mut();
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(key, re);
        Ok(m)
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
