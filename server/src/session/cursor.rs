//! Cursors: DECLARE ... CURSOR FOR query, FETCH / MOVE, CLOSE.
//!
//! DECLARE runs the query at once (in the statement's snapshot, as PostgreSQL's cursor sees the
//! snapshot of its DECLARE) and keeps its rows in the session; FETCH moves over them. The position
//! is PostgreSQL's: 0 is before the first row, `n + 1` after the last. A cursor without WITH HOLD
//! exists only inside a transaction block and is dropped when the block ends
//! (`control.rs`); WITH HOLD cursors live until CLOSE or the session's end.
//! NO SCROLL cursors refuse to move backward (55000). Left out: `WHERE CURRENT OF`, binary cursors'
//! binary output.

use pglitedb_protocol::{backend, ErrorFields, Format, SqlState};
use pglitedb_sql::{CursorCommand, DataType, FetchDirection, Params, Value};
use std::sync::Arc;

use super::exec::{write_row_description, TxnState};
use super::Session;
use crate::error;

/// One open cursor.
pub(crate) struct Cursor {
    columns: Vec<(String, DataType)>,
    rows: Vec<Vec<Value>>,
    /// 0: before the first row; `rows.len() + 1`: after the last.
    pos: usize,
    no_scroll: bool,
    pub(crate) hold: bool,
}

impl Session {
    /// Runs a cursor command; returns the rows sent (their tag included) or a tag to send.
    pub(super) async fn cursor_command(
        &mut self,
        cmd: &CursorCommand,
        params: &Params,
        formats: &[Format],
        describe: bool,
    ) -> Result<Result<usize, String>, ErrorFields> {
        match cmd {
            CursorCommand::Declare {
                name,
                query,
                scroll,
                hold,
            } => {
                if !hold && self.txn == TxnState::Idle {
                    return Err(error::error(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "DECLARE CURSOR can only be used in transaction blocks",
                    ));
                }
                if self.cursors.contains_key(name) {
                    return Err(error::error(
                        SqlState::DUPLICATE_CURSOR,
                        format!("cursor \"{name}\" already exists"),
                    ));
                }
                let rows = self.query_rows(Arc::new((**query).clone()), params).await?;
                let cursor = Cursor {
                    columns: query.columns.clone(),
                    rows,
                    pos: 0,
                    no_scroll: *scroll == Some(false),
                    hold: *hold,
                };
                self.cursors.insert(name.clone(), cursor);
                Ok(Err("DECLARE CURSOR".into()))
            }
            CursorCommand::Close(None) => {
                self.cursors.clear();
                Ok(Err("CLOSE CURSOR ALL".into()))
            }
            CursorCommand::Close(Some(name)) => match self.cursors.remove(name) {
                Some(_) => Ok(Err("CLOSE CURSOR".into())),
                None => Err(missing(name)),
            },
            CursorCommand::Fetch {
                name,
                direction,
                is_move,
            } => {
                let Some(cursor) = self.cursors.get_mut(name) else {
                    return Err(missing(name));
                };
                let rows = cursor.fetch(*direction)?;
                let n = rows.len();
                if *is_move {
                    return Ok(Err(format!("MOVE {n}")));
                }
                let columns = cursor.columns.clone();
                if describe {
                    write_row_description(&mut self.conn.out, &columns, formats);
                }
                self.write_rows(&rows, &columns, formats)?;
                backend::command_complete(&mut self.conn.out, &format!("FETCH {n}"));
                Ok(Ok(n))
            }
        }
    }
}

impl Cursor {
    /// Moves as PostgreSQL's `PortalRunFetch` does; returns the rows passed over, in order.
    fn fetch(&mut self, direction: FetchDirection) -> Result<Vec<Vec<Value>>, ErrorFields> {
        let n = self.rows.len();
        let backward = match direction {
            FetchDirection::Backward(Some(0)) => false,
            FetchDirection::Backward(_) => true,
            FetchDirection::Absolute(k) => (k > 0 && (k as usize) < self.pos) || k < 0,
            FetchDirection::Relative(k) => k < 0,
            FetchDirection::Forward(_) => false,
        };
        if backward && self.no_scroll {
            let mut f = error::error(
                SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
                "cursor can only scan forward",
            );
            f.hint = Some("Declare it with SCROLL option to enable backward scan.".into());
            return Err(f);
        }
        let row = |i: usize| self.rows[i - 1].clone();
        Ok(match direction {
            FetchDirection::Forward(Some(0)) | FetchDirection::Backward(Some(0)) => {
                // FETCH 0: the current row again, if on one.
                if (1..=n).contains(&self.pos) {
                    vec![row(self.pos)]
                } else {
                    Vec::new()
                }
            }
            FetchDirection::Forward(count) => {
                let want = count.map_or(usize::MAX, |c| c as usize);
                let mut out = Vec::new();
                while out.len() < want && self.pos < n {
                    self.pos += 1;
                    out.push(row(self.pos));
                }
                if out.len() < want {
                    self.pos = n + 1;
                }
                out
            }
            FetchDirection::Backward(count) => {
                let want = count.map_or(usize::MAX, |c| c as usize);
                let mut out = Vec::new();
                let mut p = self.pos.min(n + 1);
                while out.len() < want && p > 1 {
                    p -= 1;
                    out.push(row(p));
                }
                self.pos = if out.len() < want { 0 } else { p };
                out
            }
            FetchDirection::Absolute(k) => {
                let target = if k >= 0 {
                    k as i128
                } else {
                    n as i128 + 1 + k as i128
                };
                self.land(target)
            }
            FetchDirection::Relative(k) => self.land(self.pos as i128 + k as i128),
        })
    }

    /// Moves to `target` (clamped to before-first / after-last): the row there, if any.
    fn land(&mut self, target: i128) -> Vec<Vec<Value>> {
        let n = self.rows.len() as i128;
        if target < 1 {
            self.pos = 0;
            Vec::new()
        } else if target > n {
            self.pos = n as usize + 1;
            Vec::new()
        } else {
            self.pos = target as usize;
            vec![self.rows[self.pos - 1].clone()]
        }
    }
}

fn missing(name: &str) -> ErrorFields {
    error::error(
        SqlState::INVALID_CURSOR_NAME,
        format!("cursor \"{name}\" does not exist"),
    )
}
