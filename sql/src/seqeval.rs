//! Sequence functions in expressions: nextval, currval, setval, lastval.
//!
//! Evaluation is synchronous and may run on any core, but a sequence's values come from its owner
//! shard. So the session supplies them: an evaluation reads from the statement's [`SeqBuffer`]
//! (shipped in [`crate::Params`]), and when the buffer has no value left for a call it fails with
//! [`SqlError::NeedSequence`]; the session then asks the owner shard (more nextval values, or the
//! setval itself), builds a larger buffer and evaluates the statement again from the start. Only
//! phases without side effects are re-run this way (evaluating INSERT rows, queries), so a re-run
//! replays the same calls in the same order and consumes the same values; the buffer's cursors
//! are atomics because shards evaluate shipped plans concurrently.
//!
//! `currval`/`lastval` see the session's values from earlier statements (given in the buffer) and
//! those handed out earlier in the same evaluation.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::catalog::{TableDef, TableId};
use crate::error::{Result, SqlError};
use crate::types::Value;

/// Which sequence function a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqOp {
    NextVal,
    CurrVal,
    /// setval(seq, value) or setval(seq, value, is_called); args: value[, is_called].
    SetVal,
    LastVal,
}

/// One sequence's values for a statement.
#[derive(Debug, Default)]
pub struct SeqValues {
    pub id: TableId,
    /// nextval results to hand out, in order.
    pub values: Vec<i64>,
    /// currval before the statement (`None`: not yet defined in this session).
    pub current: Option<i64>,
}

/// What an evaluation of one statement may use; see the module docs.
#[derive(Debug, Default)]
pub struct SeqBuffer {
    seqs: Vec<(SeqValues, AtomicUsize, AtomicI64, AtomicBool)>,
    /// setval calls already performed by the session, in call order: (sequence, value, is_called).
    setvals: Vec<(TableId, i64, bool)>,
    setval_cursor: AtomicUsize,
    /// lastval: the session's before the statement, then the latest nextval of the statement.
    last: AtomicI64,
    has_last: AtomicBool,
}

impl SeqBuffer {
    pub fn new(
        seqs: Vec<SeqValues>,
        setvals: Vec<(TableId, i64, bool)>,
        last: Option<i64>,
    ) -> Self {
        SeqBuffer {
            seqs: seqs
                .into_iter()
                .map(|s| {
                    let cur = s.current;
                    (
                        s,
                        AtomicUsize::new(0),
                        AtomicI64::new(cur.unwrap_or(0)),
                        AtomicBool::new(cur.is_some()),
                    )
                })
                .collect(),
            setvals,
            setval_cursor: AtomicUsize::new(0),
            last: AtomicI64::new(last.unwrap_or(0)),
            has_last: AtomicBool::new(last.is_some()),
        }
    }

    /// How many nextval values of each sequence the evaluation used.
    pub fn consumed(&self) -> Vec<(TableId, usize)> {
        self.seqs
            .iter()
            .map(|(s, c, ..)| (s.id, c.load(Ordering::Relaxed).min(s.values.len())))
            .collect()
    }

    /// currval of each sequence after the evaluation.
    pub fn currents(&self) -> Vec<(TableId, Option<i64>)> {
        self.seqs
            .iter()
            .map(|(s, _, v, has)| {
                (
                    s.id,
                    has.load(Ordering::Relaxed)
                        .then(|| v.load(Ordering::Relaxed)),
                )
            })
            .collect()
    }

    /// lastval after the evaluation.
    pub fn last(&self) -> Option<i64> {
        self.has_last
            .load(Ordering::Relaxed)
            .then(|| self.last.load(Ordering::Relaxed))
    }

    fn entry(&self, id: TableId) -> Option<&(SeqValues, AtomicUsize, AtomicI64, AtomicBool)> {
        self.seqs.iter().find(|(s, ..)| s.id == id)
    }

    fn set_current(&self, id: TableId, v: i64) {
        if let Some((_, _, cur, has)) = self.entry(id) {
            cur.store(v, Ordering::Relaxed);
            has.store(true, Ordering::Relaxed);
        }
    }
}

/// Evaluates a sequence call (`args`: setval's value and is_called, already evaluated).
pub(crate) fn eval(
    op: SeqOp,
    seq: Option<&Arc<TableDef>>,
    args: &[Value],
    buf: Option<&SeqBuffer>,
) -> Result<Value> {
    let empty = SeqBuffer::default();
    let buf = buf.unwrap_or(&empty);
    let need = |seq: &Arc<TableDef>, setval: Option<(i64, bool)>| SqlError::NeedSequence {
        seq: seq.clone(),
        setval,
    };
    match (op, seq) {
        (SeqOp::LastVal, _) => buf.last().map(Value::Int8).ok_or_else(|| {
            SqlError::ObjectNotInPrerequisiteState(
                "lastval is not yet defined in this session".into(),
            )
        }),
        (_, None) => Err(SqlError::Internal(
            "sequence call without a sequence (bug)".into(),
        )),
        (SeqOp::NextVal, Some(seq)) => {
            let Some((vals, cursor, ..)) = buf.entry(seq.id) else {
                return Err(need(seq, None));
            };
            let i = cursor.fetch_add(1, Ordering::Relaxed);
            let Some(&v) = vals.values.get(i) else {
                return Err(need(seq, None));
            };
            buf.set_current(seq.id, v);
            buf.last.store(v, Ordering::Relaxed);
            buf.has_last.store(true, Ordering::Relaxed);
            Ok(Value::Int8(v))
        }
        (SeqOp::CurrVal, Some(seq)) => buf
            .entry(seq.id)
            .and_then(|(_, _, v, has)| {
                has.load(Ordering::Relaxed)
                    .then(|| v.load(Ordering::Relaxed))
            })
            .map(Value::Int8)
            .ok_or_else(|| {
                SqlError::ObjectNotInPrerequisiteState(format!(
                    "currval of sequence \"{}\" is not yet defined in this session",
                    seq.name
                ))
            }),
        (SeqOp::SetVal, Some(seq)) => {
            let value = match args.first() {
                Some(Value::Int8(v)) => *v,
                Some(Value::Null) | None => return Ok(Value::Null),
                Some(other) => {
                    return Err(SqlError::Internal(format!(
                        "setval value {other:?} is not int8 (bug)"
                    )))
                }
            };
            let is_called = match args.get(1) {
                None => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Ok(Value::Null),
            };
            let i = buf.setval_cursor.fetch_add(1, Ordering::Relaxed);
            match buf.setvals.get(i) {
                Some(&(id, v, called)) if id == seq.id && v == value && called == is_called => {
                    if is_called {
                        buf.set_current(seq.id, value);
                    }
                    Ok(Value::Int8(value))
                }
                Some(_) => Err(SqlError::Internal(
                    "setval calls replayed in another order (bug)".into(),
                )),
                None => Err(need(seq, Some((value, is_called)))),
            }
        }
    }
}
