//! SELECT's locking clauses: `FOR UPDATE`, `FOR NO KEY UPDATE`, `FOR SHARE`, `FOR KEY SHARE`, each
//! with `NOWAIT` or `SKIP LOCKED`.
//!
//! sqlparser 0.64 knows only `FOR UPDATE` and `FOR SHARE`. Before parsing, [`weaken`] blanks the
//! `NO KEY` / `KEY` words of the other two with spaces (so every error position stays right) and
//! remembers, per statement, which locking clauses were the weaker forms, in textual order; the
//! binder ([`row_locking`]) reads the flags back. Transaction modes get the same treatment for
//! `[NOT] DEFERRABLE` (with the comma that separates it from the other modes). Only a query's own top-level clauses are matched
//! this way (queries with locking clauses inside subqueries are not supported).

use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::error::{Result, SqlError};
use crate::plan::{LockStrength, LockWaitPolicy, QueryPlan, RowLocking};
use crate::types::Value;

/// What [`weaken`] took out of one statement's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    /// One per locking clause, in textual order: whether it was `NO KEY UPDATE` / `KEY SHARE`.
    pub weak_locks: Vec<bool>,
    /// A transaction mode `DEFERRABLE` (`Some(true)`) or `NOT DEFERRABLE`.
    pub deferrable: Option<bool>,
    /// The SEARCH/CYCLE clauses of the whole query string's CTEs (`parse::search_cycle`).
    pub search_cycle: std::sync::Arc<crate::parse::search_cycle::Clauses>,
}

/// The query text with `NO KEY` / `KEY` of locking clauses and `[NOT] DEFERRABLE` transaction
/// modes blanked, and for every statement of it (empty ones left out, as the parser does) what was
/// taken out. `None` when the text has neither (the common case, decided without tokenizing).
pub(crate) fn weaken(sql: &str) -> Option<(String, Vec<Flags>)> {
    let lower = sql.to_ascii_lowercase();
    let locks = lower.contains("key") && lower.contains("for");
    if !locks && !lower.contains("deferrable") {
        return None;
    }
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    let words: Vec<(usize, &Token)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_)))
        .map(|(i, t)| (i, &t.token))
        .collect();
    let kw = |t: &Token, k: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    let mut blank: Vec<usize> = Vec::new();
    let mut groups: Vec<Flags> = vec![Flags::default()];
    let mut nonempty = vec![false];
    let mut txn_stmt = false;
    let mut i = 0;
    while i < words.len() {
        let t = words[i].1;
        if matches!(t, Token::SemiColon) {
            groups.push(Flags::default());
            nonempty.push(false);
            i += 1;
            continue;
        }
        if !matches!(t, Token::EOF) {
            let first = nonempty
                .last_mut()
                .expect("invariant: one group per statement");
            if !*first {
                // Only transaction statements have DEFERRABLE modes (a constraint's
                // DEFERRABLE, in CREATE/ALTER TABLE, is the parser's).
                txn_stmt = kw(t, "begin") || kw(t, "start") || kw(t, "set");
            }
            *first = true;
        }
        let at = |k: usize| words.get(i + k).map(|w| w.1);
        if kw(t, "deferrable") && txn_stmt {
            let not = i > 0 && kw(words[i - 1].1, "not");
            let first = if not { i - 1 } else { i };
            blank.push(words[i].0);
            if not {
                blank.push(words[first].0);
            }
            // The list separator goes with it: the one before, else the one after.
            if first > 0 && matches!(words[first - 1].1, Token::Comma) {
                blank.push(words[first - 1].0);
            } else if matches!(at(1), Some(Token::Comma)) {
                blank.push(words[i + 1].0);
            }
            groups.last_mut().expect("invariant").deferrable = Some(!not);
        }
        if kw(t, "for") {
            let weak = if at(1).is_some_and(|t| kw(t, "no"))
                && at(2).is_some_and(|t| kw(t, "key"))
                && at(3).is_some_and(|t| kw(t, "update"))
            {
                blank.extend([words[i + 1].0, words[i + 2].0]);
                Some(true)
            } else if at(1).is_some_and(|t| kw(t, "key")) && at(2).is_some_and(|t| kw(t, "share")) {
                blank.push(words[i + 1].0);
                Some(true)
            } else if at(1).is_some_and(|t| kw(t, "update") || kw(t, "share")) {
                Some(false)
            } else {
                None
            };
            if let Some(w) = weak {
                groups.last_mut().expect("invariant").weak_locks.push(w);
            }
        }
        i += 1;
    }
    if blank.is_empty() {
        return None;
    }
    // Blank the words' characters (same character count, so positions do not move).
    let mut ranges = Vec::new();
    for &ti in &blank {
        let start = &tokens[ti].span.start;
        let end = &tokens[ti].span.end;
        let s = crate::parse::char_offset(sql, start.line, start.column)?;
        let e = crate::parse::char_offset(sql, end.line, end.column)?;
        ranges.push(s..e);
    }
    let text: String = sql
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if ranges.iter().any(|r| r.contains(&i)) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let groups = groups
        .into_iter()
        .zip(nonempty)
        .filter(|(_, n)| *n)
        .map(|(g, _)| g)
        .collect();
    Some((text, groups))
}

/// The locking of a query's table from its clauses (`weak[i]`: clause `i` was `NO KEY UPDATE` /
/// `KEY SHARE`). Several clauses combine as in PostgreSQL: the strongest strength and wait policy.
pub(crate) fn row_locking(
    locks: &[ast::LockClause],
    weak: &[bool],
    table: Option<&str>,
    position: &dyn Fn(&ast::ObjectName) -> Option<u32>,
) -> Result<Option<RowLocking>> {
    let mut out: Option<RowLocking> = None;
    for (i, l) in locks.iter().enumerate() {
        let weak = weak.get(i).copied().unwrap_or(false);
        let strength = match (&l.lock_type, weak) {
            (ast::LockType::Update, false) => LockStrength::Update,
            (ast::LockType::Update, true) => LockStrength::NoKeyUpdate,
            (ast::LockType::Share, false) => LockStrength::Share,
            (ast::LockType::Share, true) => LockStrength::KeyShare,
        };
        if let Some(of) = &l.of {
            let name = crate::bind::object_name(of);
            if table != Some(name.as_str()) {
                return Err(SqlError::LockedRelationNotInFrom {
                    relation: name,
                    clause: strength.clause(),
                    position: position(of),
                });
            }
        }
        let wait = match l.nonblock {
            None => LockWaitPolicy::Block,
            Some(ast::NonBlock::SkipLocked) => LockWaitPolicy::SkipLocked,
            Some(ast::NonBlock::Nowait) => LockWaitPolicy::Nowait,
        };
        let rank = |w: LockWaitPolicy| match w {
            LockWaitPolicy::Block => 0,
            LockWaitPolicy::SkipLocked => 1,
            LockWaitPolicy::Nowait => 2,
        };
        out = Some(match out {
            None => RowLocking { strength, wait },
            Some(o) => RowLocking {
                strength: o.strength.max(strength),
                wait: if rank(wait) > rank(o.wait) {
                    wait
                } else {
                    o.wait
                },
            },
        });
    }
    Ok(out)
}

impl QueryPlan {
    /// For a locking query (one output row per input row): orders a shard's candidate input rows
    /// the way the query returns them and says how many of them can be returned (OFFSET + LIMIT),
    /// so that the shard locks rows in that order and stops once it has enough.
    pub fn locking_order<K>(
        &self,
        rows: &mut Vec<(K, Vec<Value>)>,
        params: &crate::expr::Params,
    ) -> Result<Option<usize>> {
        if !self.order.is_empty() {
            let mut keyed = Vec::with_capacity(rows.len());
            for (k, row) in rows.drain(..) {
                let target = self
                    .shard_rows(std::iter::once(row.clone()), params)?
                    .pop()
                    .unwrap_or_default();
                keyed.push((target, k, row));
            }
            keyed.sort_by(|a, b| crate::exec::sort::compare(&a.0, &b.0, &self.order));
            rows.extend(keyed.into_iter().map(|(_, k, row)| (k, row)));
        }
        crate::exec::limit_bound(self, params)
    }
}

/// PostgreSQL's CheckSelectLocking: locking needs one output row per table row.
pub(crate) fn check_query(
    lock: RowLocking,
    distinct: bool,
    group_by: bool,
    having: bool,
    aggregates: bool,
) -> Result<()> {
    let what = if distinct {
        "DISTINCT clause"
    } else if group_by {
        "GROUP BY clause"
    } else if having {
        "HAVING clause"
    } else if aggregates {
        "aggregate functions"
    } else {
        return Ok(());
    };
    Err(SqlError::FeatureNotSupported(format!(
        "{} is not allowed with {what}",
        lock.strength.clause()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weaker_clauses_are_blanked_in_place_and_flagged_per_statement() {
        assert_eq!(weaken("SELECT 1 FOR UPDATE"), None);
        let (text, flags) = weaken(
            "select 1; select * from t for no key update; select * from t FOR KEY SHARE for share",
        )
        .expect("rewritten");
        assert_eq!(
            text,
            "select 1; select * from t for        update; select * from t FOR     SHARE for share"
        );
        let locks: Vec<Vec<bool>> = flags.into_iter().map(|f| f.weak_locks).collect();
        assert_eq!(locks, vec![vec![], vec![true], vec![true, false]]);
        let (text, flags) =
            weaken("BEGIN ISOLATION LEVEL SERIALIZABLE, NOT DEFERRABLE, READ ONLY; SET TRANSACTION DEFERRABLE, READ ONLY")
                .expect("rewritten");
        assert_eq!(
            text,
            "BEGIN ISOLATION LEVEL SERIALIZABLE                , READ ONLY; SET TRANSACTION             READ ONLY"
        );
        let d: Vec<Option<bool>> = flags.into_iter().map(|f| f.deferrable).collect();
        assert_eq!(d, vec![Some(false), Some(true)]);
        // Words inside strings are not clauses.
        assert_eq!(weaken("select 'for key share'"), None);
    }
}
