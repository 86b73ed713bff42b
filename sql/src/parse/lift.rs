//! Literal lifting for the simple-protocol plan cache: `UPDATE t SET v = v + -5 WHERE id = 7`
//! becomes the key `UPDATE t SET v = v + $1 WHERE id = $2` and the literals `-5`, `7`, so that
//! statements differing only in their constants share one parsed and bound plan.
//!
//! The scanner is a lexer, not a parser, and is deliberately conservative: it lifts a number or a
//! plain `'string'` only where a value expression is certain to stand — after an operator, `(`,
//! `,`, or one of a few keywords (see [`lifts_after`]) — and never inside ORDER BY/GROUP BY/
//! PARTITION BY lists (where `1` means "the first column"). Anything it does not fully understand
//! (existing `$n` parameters, dollar quotes, `E''`/`U&''` strings, several statements) makes it give
//! up, and the caller runs the statement the ordinary way.
//!
//! Lifting must not change what a statement means. The scanner cannot decide that alone; the caller
//! binds the lifted text and accepts it only if each parameter's inferred type is the type its literal
//! would have had ([`Literal::natural_type`]; a string's is "unknown", which any type may take), and
//! re-checks that every later execution's literals still have those types.

use crate::types::DataType;

/// What kind of constant a lifted literal was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralKind {
    /// Digits only (optionally signed): int4, int8 or numeric by magnitude, as PostgreSQL types them.
    Integer,
    /// With a point or an exponent: numeric.
    Decimal,
    /// A standard `'...'` string: unknown until context types it.
    String,
}

/// One lifted constant: its kind and its value as text (a string's quotes removed, `''` undoubled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    pub kind: LiteralKind,
    pub text: String,
}

impl Literal {
    /// The type PostgreSQL gives the constant in place; `None` for strings (type unknown).
    pub fn natural_type(&self) -> Option<DataType> {
        match self.kind {
            LiteralKind::String => None,
            LiteralKind::Decimal => Some(DataType::Numeric),
            LiteralKind::Integer => Some(if self.text.parse::<i32>().is_ok() {
                DataType::Int4
            } else if self.text.parse::<i64>().is_ok() {
                DataType::Int8
            } else {
                DataType::Numeric
            }),
        }
    }
}

/// A statement with its constants replaced by `$1..$n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifted {
    pub key: String,
    pub literals: Vec<Literal>,
}

/// The previous significant token, which decides whether a literal may be lifted here.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    Start,
    /// An operator character or `(`, `,`, `[`.
    Punct(u8),
    /// `)`, `]`: what follows a complete operand.
    Close,
    /// An identifier or keyword (its upper-cased text is kept in `word`).
    Word,
    /// A literal (lifted or not).
    Value,
}

/// Lifts the constants out of one statement; `None` when the text is outside what the scanner
/// understands or there is nothing worth caching.
pub fn lift(sql: &str) -> Option<Lifted> {
    let b = sql.as_bytes();
    let mut key = String::with_capacity(sql.len());
    let mut literals = Vec::new();
    let mut prev = Prev::Start;
    let mut word = String::new();
    // Paren depth at which a BY list started (no lifting until it ends).
    let mut by_list: Option<usize> = None;
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                key.push(c as char);
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = sql[i..].find('\n').map_or(b.len(), |n| i + n);
                key.push_str(&sql[i..end]);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = block_comment_end(b, i)?;
                key.push_str(&sql[i..end]);
                i = end;
            }
            b'$' => return None,
            b';' => {
                if !sql[i + 1..].trim().is_empty() {
                    return None;
                }
                key.push(';');
                i += 1;
                prev = Prev::Punct(b';');
            }
            b'\'' => {
                let (text, end) = string_literal(sql, i)?;
                if by_list.is_none() && lifts_after(prev, &word) {
                    literals.push(Literal {
                        kind: LiteralKind::String,
                        text,
                    });
                    key.push('$');
                    key.push_str(&literals.len().to_string());
                } else {
                    key.push_str(&sql[i..end]);
                }
                i = end;
                prev = Prev::Value;
            }
            b'"' => {
                let end = sql[i + 1..].find('"').map(|n| i + 1 + n + 1)?;
                key.push_str(&sql[i..end]);
                i = end;
                prev = Prev::Word;
                word.clear();
            }
            b'0'..=b'9' | b'.' if c != b'.' || b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let (end, kind) = number(b, i)?;
                // A prefix minus belongs to the literal (`v + -5`), a binary one does not (`v - 5`).
                let negative = key.ends_with('-')
                    && matches!(prev, Prev::Punct(b'-'))
                    && minus_is_prefix(&key);
                if by_list.is_none()
                    && lifts_after(if negative { prefix_of(&key) } else { prev }, &word)
                {
                    let mut text = sql[i..end].to_string();
                    if negative {
                        key.pop();
                        text.insert(0, '-');
                    }
                    literals.push(Literal { kind, text });
                    key.push('$');
                    key.push_str(&literals.len().to_string());
                } else {
                    key.push_str(&sql[i..end]);
                }
                i = end;
                prev = Prev::Value;
            }
            c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (b[i] == b'_'
                        || b[i] == b'$'
                        || b[i].is_ascii_alphanumeric()
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                if b.get(i) == Some(&b'\'')
                    || (b.get(i) == Some(&b'&') && b.get(i + 1) == Some(&b'\''))
                {
                    // E'...', B'...', X'...', N'...', U&'...': their own escape rules.
                    return None;
                }
                let w = sql[start..i].to_ascii_uppercase();
                key.push_str(&sql[start..i]);
                match w.as_str() {
                    "BY" if matches!(word.as_str(), "ORDER" | "GROUP" | "PARTITION") => {
                        by_list = Some(depth);
                    }
                    "LIMIT" | "OFFSET" | "HAVING" | "WINDOW" | "FOR" | "FETCH" | "UNION"
                    | "INTERSECT" | "EXCEPT" | "RETURNING" => by_list = None,
                    _ => {}
                }
                word = w;
                prev = Prev::Word;
            }
            b'(' | b'[' => {
                key.push(c as char);
                depth += 1;
                i += 1;
                prev = Prev::Punct(c);
            }
            b')' | b']' => {
                key.push(c as char);
                depth = depth.saturating_sub(1);
                if by_list.is_some_and(|d| depth < d) {
                    by_list = None;
                }
                i += 1;
                prev = Prev::Close;
            }
            _ => {
                key.push(c as char);
                i += 1;
                prev = Prev::Punct(c);
            }
        }
    }
    Some(Lifted { key, literals })
}

/// Whether a value expression certainly starts after `prev` (`word` is the last word seen).
fn lifts_after(prev: Prev, word: &str) -> bool {
    match prev {
        Prev::Punct(c) => b"=<>!(,+-*/%|[".contains(&c),
        Prev::Word => matches!(
            word,
            "AND"
                | "OR"
                | "WHEN"
                | "THEN"
                | "ELSE"
                | "LIKE"
                | "ILIKE"
                | "BETWEEN"
                | "LIMIT"
                | "OFFSET"
        ),
        Prev::Start | Prev::Close | Prev::Value => false,
    }
}

/// Whether the `-` that `key` ends with is a prefix minus: what precedes it cannot end an operand.
fn minus_is_prefix(key: &str) -> bool {
    let before = key[..key.len() - 1].trim_end();
    match before.as_bytes().last() {
        None => true,
        Some(c) if b"=<>!(,+-*/%|[".contains(c) => true,
        Some(c) if c.is_ascii_alphabetic() => {
            let w: String = before
                .bytes()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .map(|c| c as char)
                .collect::<String>()
                .chars()
                .rev()
                .collect();
            matches!(
                w.to_ascii_uppercase().as_str(),
                "AND" | "OR" | "WHEN" | "THEN" | "ELSE" | "BETWEEN"
            )
        }
        _ => false,
    }
}

/// What came before a prefix minus, for [`lifts_after`]: the minus itself stands for an operator.
fn prefix_of(key: &str) -> Prev {
    let before = key[..key.len() - 1].trim_end();
    match before.as_bytes().last() {
        Some(c) if c.is_ascii_alphabetic() => Prev::Punct(b'('),
        Some(&c) => Prev::Punct(c),
        None => Prev::Start,
    }
}

/// End of a block comment starting at `i` (PostgreSQL's nest).
fn block_comment_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0;
    while i + 1 < b.len() {
        if b[i] == b'/' && b[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// A standard-conforming `'...'` literal at `i`: its value and the index after it. Adjacent
/// literals separated by a newline continue the string in SQL; the scanner gives up on those.
fn string_literal(sql: &str, i: usize) -> Option<(String, usize)> {
    let b = sql.as_bytes();
    let mut j = i + 1;
    let mut text = String::new();
    let mut from = j;
    loop {
        let q = sql[j..].find('\'')? + j;
        if b.get(q + 1) == Some(&b'\'') {
            text.push_str(&sql[from..=q]);
            j = q + 2;
            from = j;
            continue;
        }
        text.push_str(&sql[from..q]);
        let end = q + 1;
        let rest = sql[end..].trim_start_matches([' ', '\t', '\r']);
        if rest.starts_with('\n') && rest.trim_start().starts_with('\'') {
            return None;
        }
        return Some((text, end));
    }
}

/// A numeric constant at `i`: the index after it and its kind. Gives up on forms PostgreSQL 15
/// lexes specially (a number run into an identifier, `1..2`).
fn number(b: &[u8], mut i: usize) -> Option<(usize, LiteralKind)> {
    let mut kind = LiteralKind::Integer;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if b.get(i) == Some(&b'.') {
        if b.get(i + 1) == Some(&b'.') {
            return None;
        }
        kind = LiteralKind::Decimal;
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if !b.get(j).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        kind = LiteralKind::Decimal;
        i = j;
    }
    if b.get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
    {
        return None;
    }
    Some((i, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifted(sql: &str) -> (String, Vec<String>) {
        let l = lift(sql).expect("lifts");
        (l.key, l.literals.into_iter().map(|l| l.text).collect())
    }

    #[test]
    fn pgbench_statements_share_one_key() {
        let (k1, v1) =
            lifted("UPDATE pgbench_accounts SET abalance = abalance + -4321 WHERE aid = 77;");
        let (k2, v2) =
            lifted("UPDATE pgbench_accounts SET abalance = abalance + 12 WHERE aid = 5;");
        assert_eq!(k1, k2);
        assert_eq!(
            k1,
            "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;"
        );
        assert_eq!(v1, ["-4321", "77"]);
        assert_eq!(v2, ["12", "5"]);
        let (k, v) = lifted(
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (3, 1, 9, -5, CURRENT_TIMESTAMP);",
        );
        assert_eq!(
            k,
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);"
        );
        assert_eq!(v, ["3", "1", "9", "-5"]);
    }

    #[test]
    fn binary_minus_and_strings() {
        let (k, v) = lifted("select a - 5, b from t where s = 'it''s' and n = 1.5e3");
        assert_eq!(k, "select a - $1, b from t where s = $2 and n = $3");
        assert_eq!(v, ["5", "it's", "1.5e3"]);
        let l = lift("select 1 where x = 'a'").expect("lifts");
        assert_eq!(l.literals[0].kind, LiteralKind::String);
    }

    #[test]
    fn positions_where_a_constant_means_something_else_are_kept() {
        // Select-list constants, ORDER BY/GROUP BY ordinals, typed literals.
        let (k, v) = lifted("select 1, a from t where b = 2 group by 1, a order by 2 desc limit 3");
        assert_eq!(
            k,
            "select 1, a from t where b = $1 group by 1, a order by 2 desc limit $2"
        );
        assert_eq!(v, ["2", "3"]);
        let (k, v) = lifted("select * from t where d = date '2020-01-01' + interval '1 day'");
        assert_eq!(
            k,
            "select * from t where d = date '2020-01-01' + interval '1 day'"
        );
        assert!(v.is_empty());
        let (k, _) =
            lifted("select row_number() over (partition by 1 order by 2) from t where a = 4");
        assert_eq!(
            k,
            "select row_number() over (partition by 1 order by 2) from t where a = $1"
        );
    }

    #[test]
    fn gives_up_on_what_it_does_not_understand() {
        for sql in [
            "select $1",
            "select $$x$$",
            "select E'a\\'b' where x = 1",
            "select U&'d\\0061t' where x = 1",
            "select 1; select 2",
            "select 'a'\n'b' where x = 1",
            "select 'unterminated",
            "select 1..2",
            "select 123abc",
        ] {
            assert_eq!(lift(sql), None, "{sql}");
        }
        assert!(lift("select 1; ").is_some());
    }

    #[test]
    fn natural_types_follow_postgresql() {
        let t = |s: &str| {
            lift(&format!("select * from t where a = {s}"))
                .expect("lifts")
                .literals[0]
                .natural_type()
        };
        assert_eq!(t("7"), Some(DataType::Int4));
        assert_eq!(t("-2147483648"), Some(DataType::Int4));
        assert_eq!(t("2147483648"), Some(DataType::Int8));
        assert_eq!(t("99999999999999999999"), Some(DataType::Numeric));
        assert_eq!(t("1.0"), Some(DataType::Numeric));
        assert_eq!(t(".5"), Some(DataType::Numeric));
        assert_eq!(t("'x'"), None);
    }
}
