//! Sequences on their owner shard: nextval and setval.
//!
//! Every shard has a sequence's definition (it is in the catalog like a table) and an empty tree
//! under its id, but only one shard, its owner (`id % shards`; the session's own shard for a
//! temporary sequence), hands out its values, so no value is handed out twice whichever core asks.
//! Sequences are not transactional: values are never given back.
//!
//! # Durability: claims
//! The owner's tree holds one row, `(value, is_called)`: the last value that may have been handed
//! out. Before handing out a value beyond it, the shard writes a new claim reaching `PREFETCH`
//! values further and answers only once that claim is durable (like PostgreSQL's WAL record for 32
//! values ahead), so most calls write nothing. After a crash the sequence resumes after the claim:
//! up to `PREFETCH - 1` values are skipped, none is repeated. setval writes its value at once.
//! When a cycling sequence wraps, the next claim starts from the wrapped value.

use std::sync::Arc;

use pglitedb_sql::{SequenceDef, SqlError, TableDef, TableId};
use pglitedb_storage::io::Io;
use pglitedb_storage::{TreeId, WriteBatch};

use crate::error::{Result, ShardError};
use crate::message::ShardResponse;
use crate::shard::{Shard, Step};

/// Values claimed per durable write.
const PREFETCH: i64 = 32;
/// The key of the state row in the sequence's tree.
const STATE_KEY: &[u8] = b"state";

/// A sequence's state on its owner.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeqState {
    /// The last value handed out (`is_called`), or the next one to hand out.
    last: i64,
    is_called: bool,
    /// The durable claim: values up to it (in the sequence's direction) may be handed out.
    claim: Option<i64>,
}

fn params(seq: &TableDef) -> Result<SequenceDef> {
    seq.sequence.ok_or_else(|| {
        ShardError::Sql(SqlError::Internal(format!(
            "\"{}\" is not a sequence (bug)",
            seq.name
        )))
    })
}

/// The value after `v`, or `None` past the bound.
fn step(p: &SequenceDef, v: i64) -> Option<i64> {
    let next = v.checked_add(p.increment)?;
    (p.min..=p.max).contains(&next).then_some(next)
}

/// Whether `v` is within the claim `c` in the sequence's direction.
fn covered(p: &SequenceDef, claim: Option<i64>, v: i64) -> bool {
    match claim {
        None => false,
        Some(c) if p.increment > 0 => v <= c,
        Some(c) => v >= c,
    }
}

impl<I: Io> Shard<I> {
    async fn seq_state(&mut self, seq: &TableDef, p: &SequenceDef) -> Result<SeqState> {
        if let Some(s) = self.sequences.get(&seq.id) {
            return Ok(*s);
        }
        // A sequence created by a transaction not yet committed (its creator's nextval): values
        // are not transactional, so any staged definition will do.
        let key = crate::ddl::table_key(seq.id);
        if self.local_table(seq).is_err()
            && !self
                .txns
                .staged_in_tree(crate::shard::CATALOG_TREE)
                .any(|(_, k, v)| *k == key && v.is_some())
        {
            self.local_table(seq)?;
        }
        let row = self.engine.get(TreeId(seq.id.0), STATE_KEY).await?;
        let state = match row.as_deref() {
            Some(&[a, b, c, d, e, f, g, h, called]) => {
                let v = i64::from_be_bytes([a, b, c, d, e, f, g, h]);
                // Not called: `v` itself is still to be handed out, so it is not claimed yet.
                SeqState {
                    last: v,
                    is_called: called != 0,
                    claim: (called != 0).then_some(v),
                }
            }
            Some(_) => {
                return Err(ShardError::Sql(SqlError::Internal(format!(
                    "corrupted state of sequence \"{}\"",
                    seq.name
                ))))
            }
            None => SeqState {
                last: p.start,
                is_called: false,
                claim: None,
            },
        };
        self.sequences.insert(seq.id, state);
        Ok(state)
    }

    pub(crate) async fn nextval(&mut self, seq: &Arc<TableDef>, n: u32) -> Result<Step<I::File>> {
        let p = params(seq)?;
        let mut s = self.seq_state(seq, &p).await?;
        let mut values = Vec::with_capacity(n as usize);
        let mut wrapped = false;
        for _ in 0..n {
            let v = if !s.is_called {
                s.last
            } else {
                match step(&p, s.last) {
                    Some(v) => v,
                    None if p.cycle => {
                        wrapped = true;
                        if p.increment > 0 {
                            p.min
                        } else {
                            p.max
                        }
                    }
                    // The values before the bound are handed out; the call that needs the next
                    // one gets the error.
                    None if !values.is_empty() => break,
                    None => {
                        let (which, bound) = if p.increment > 0 {
                            ("maximum", p.max)
                        } else {
                            ("minimum", p.min)
                        };
                        return Err(SqlError::SequenceLimit(format!(
                            "nextval: reached {which} value of sequence \"{}\" ({bound})",
                            seq.name
                        ))
                        .into());
                    }
                }
            };
            s.last = v;
            s.is_called = true;
            values.push(v);
        }
        let last = s.last;
        if values.is_empty() || (!wrapped && covered(&p, s.claim, last)) {
            self.sequences.insert(seq.id, s);
            return Ok(Step::Reply(ShardResponse::SequenceValues(values)));
        }
        // Claim PREFETCH values beyond the last one handed out (stopping at the bound).
        let mut claim = last;
        for _ in 1..PREFETCH {
            match step(&p, claim) {
                Some(v) => claim = v,
                None => break,
            }
        }
        s.claim = Some(claim);
        self.sequences.insert(seq.id, s);
        let ticket = self.write_state(seq.id, claim, true).await?;
        Ok(Step::Commit(ticket, ShardResponse::SequenceValues(values)))
    }

    pub(crate) async fn setval(
        &mut self,
        seq: &Arc<TableDef>,
        value: i64,
        is_called: bool,
    ) -> Result<Step<I::File>> {
        let p = params(seq)?;
        self.seq_state(seq, &p).await?;
        if !(p.min..=p.max).contains(&value) {
            return Err(SqlError::OutOfRange(format!(
                "setval: value {value} is out of bounds for sequence \"{}\" ({}..{})",
                seq.name, p.min, p.max
            ))
            .into());
        }
        let state = SeqState {
            last: value,
            is_called,
            claim: is_called.then_some(value),
        };
        self.sequences.insert(seq.id, state);
        let ticket = self.write_state(seq.id, value, is_called).await?;
        Ok(Step::Commit(ticket, ShardResponse::Done))
    }

    async fn write_state(
        &mut self,
        id: TableId,
        value: i64,
        is_called: bool,
    ) -> Result<pglitedb_storage::CommitTicket<I::File>> {
        let mut row = value.to_be_bytes().to_vec();
        row.push(u8::from(is_called));
        let mut batch = WriteBatch::new();
        batch.put(TreeId(id.0), STATE_KEY, &row);
        Ok(self.engine.commit(batch).await?)
    }
}
