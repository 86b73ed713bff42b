//! Sequences in the session: CREATE/DROP SEQUENCE, and supplying nextval/setval to evaluation.
//!
//! Expressions cannot await a shard, so a statement phase that may call sequence functions runs
//! in attempts (`sql/src/seqeval.rs`): an attempt that meets a call without a value stashes the
//! request ([`SqlError::NeedSequence`]); [`Session::seq_retry`] then asks the sequence's owner
//! shard (`id % shards`; the session's own for a temporary sequence) for more values, or performs
//! the setval, and the phase runs again with a larger buffer. Only side-effect-free phases run
//! this way: evaluating INSERT rows, queries. nextval in UPDATE is refused (it would re-run writes).
//!
//! Values fetched but not used by the statement stay in the session's cache for its next
//! nextval of that sequence (so values stay unique; across sessions they are not handed out in
//! call order, as with PostgreSQL's CACHE > 1); setval empties the cache of its sequence.

use std::collections::HashMap;
use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::seqeval::{SeqBuffer, SeqValues};
use pglitedb_sql::{Params, SqlError, TableDef, TableId};

use super::tables::shard_error;
use super::Session;
use crate::error;

/// Attempts per statement phase before giving up (each one fetches at least twice as many values
/// as the last, or performs one more setval).
const MAX_ATTEMPTS: usize = 64;

/// The session's sequence state.
#[derive(Default)]
pub(super) struct SeqSession {
    /// currval per sequence.
    current: HashMap<TableId, i64>,
    /// lastval.
    last: Option<i64>,
    /// Values fetched and not used yet, per sequence, in order.
    cache: HashMap<TableId, Vec<i64>>,
    /// The request stashed by the last failed attempt.
    need: Option<SqlError>,
}

/// One statement phase's sequence values and performed setvals, across its attempts.
#[derive(Default)]
pub(super) struct SeqAttempts {
    values: Vec<(Arc<TableDef>, Vec<i64>)>,
    setvals: Vec<(TableId, i64, bool)>,
    buf: Option<Arc<SeqBuffer>>,
    attempts: usize,
}

impl Session {
    /// The parameters for the next attempt of a phase.
    pub(super) fn seq_attempt(&mut self, params: &Params, a: &mut SeqAttempts) -> Params {
        self.seqs.need = None;
        let nothing = a.values.is_empty() && a.setvals.is_empty();
        if nothing && self.seqs.current.is_empty() && self.seqs.last.is_none() {
            // The common case: no sequence in sight; a first call stashes its request.
            a.buf = None;
            return params.clone();
        }
        let mut seqs: Vec<SeqValues> = a
            .values
            .iter()
            .map(|(s, v)| SeqValues {
                id: s.id,
                values: v.clone(),
                current: self.seqs.current.get(&s.id).copied(),
            })
            .collect();
        for (&id, &v) in &self.seqs.current {
            if !seqs.iter().any(|s| s.id == id) {
                seqs.push(SeqValues {
                    id,
                    values: Vec::new(),
                    current: Some(v),
                });
            }
        }
        let buf = Arc::new(SeqBuffer::new(seqs, a.setvals.clone(), self.seqs.last));
        a.buf = Some(buf.clone());
        params.with_sequences(buf)
    }

    /// After a failed attempt: whether it only lacked sequence values, now fetched (run again).
    pub(super) async fn seq_retry(&mut self, a: &mut SeqAttempts) -> Result<bool, ErrorFields> {
        let Some(SqlError::NeedSequence { seq, setval }) = self.seqs.need.take() else {
            return Ok(false);
        };
        a.attempts += 1;
        if a.attempts > MAX_ATTEMPTS {
            return Err(error::error(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                format!(
                    "too many calls of sequence \"{}\" in one statement",
                    seq.name
                ),
            ));
        }
        let owner = self.seq_owner(&seq);
        let used = a
            .buf
            .as_ref()
            .map(|b| b.consumed())
            .unwrap_or_default()
            .into_iter()
            .find(|(id, _)| *id == seq.id)
            .map_or(0, |(_, n)| n);
        let at = match a.values.iter().position(|(s, _)| s.id == seq.id) {
            Some(i) => i,
            None => {
                a.values.push((seq.clone(), Vec::new()));
                a.values.len() - 1
            }
        };
        if let Some((value, is_called)) = setval {
            // Values fetched but not reached before this setval belong to the old position.
            a.values[at].1.truncate(used);
            self.seqs.cache.remove(&seq.id);
            let req = ShardRequest::SetVal {
                seq: seq.clone(),
                value,
                is_called,
            };
            match self.worker.request(owner, req).await {
                ShardResponse::Done => {}
                other => return Err(shard_error(other)),
            }
            a.setvals.push((seq.id, value, is_called));
            return Ok(true);
        }
        let want = a.values[at].1.len().max(1);
        let mut got: Vec<i64> = Vec::with_capacity(want);
        if let Some(cached) = self.seqs.cache.get_mut(&seq.id) {
            let n = want.min(cached.len());
            got.extend(cached.drain(..n));
        }
        if got.len() < want {
            let req = ShardRequest::NextVal {
                seq: seq.clone(),
                n: (want - got.len()) as u32,
            };
            match self.worker.request(owner, req).await {
                ShardResponse::SequenceValues(v) => got.extend(v),
                other => return Err(shard_error(other)),
            }
        }
        a.values[at].1.extend(got);
        Ok(true)
    }

    /// After a phase's last attempt: unused values back to the cache, currval/lastval updated.
    pub(super) fn seq_done(&mut self, a: SeqAttempts) {
        let Some(buf) = a.buf else { return };
        let consumed = buf.consumed();
        for (seq, values) in a.values {
            let used = consumed
                .iter()
                .find(|(id, _)| *id == seq.id)
                .map_or(0, |(_, n)| *n);
            if used < values.len() {
                let cache = self.seqs.cache.entry(seq.id).or_default();
                let mut rest = values[used..].to_vec();
                rest.append(cache);
                *cache = rest;
            }
        }
        for (id, v) in buf.currents() {
            if let Some(v) = v {
                self.seqs.current.insert(id, v);
            }
        }
        self.seqs.last = buf.last();
    }

    /// Converts an evaluation error, stashing a sequence request for [`Session::seq_retry`].
    pub(super) fn stash_sql(&mut self, e: SqlError) -> ErrorFields {
        let f = error::from_sql(&e);
        if matches!(e, SqlError::NeedSequence { .. }) {
            self.seqs.need = Some(e);
        }
        f
    }

    /// Converts a shard's error answer, stashing a sequence request for [`Session::seq_retry`].
    pub(super) fn stash_shard(&mut self, resp: ShardResponse) -> ErrorFields {
        if let ShardResponse::Error(pglitedb_shard::ShardError::Sql(e)) = resp {
            return self.stash_sql(e);
        }
        shard_error(resp)
    }

    fn seq_owner(&self, seq: &TableDef) -> ShardId {
        if seq.temp.is_some() {
            return self.worker.id;
        }
        ShardId((seq.id.0 % self.worker.cores() as u64) as u16)
    }

    pub(super) async fn drop_sequences(
        &mut self,
        seqs: &[Arc<TableDef>],
        missing: &[String],
    ) -> Result<(), ErrorFields> {
        for name in missing {
            let n = error::notice(
                SqlState::SUCCESSFUL_COMPLETION,
                format!("sequence \"{name}\" does not exist, skipping"),
            );
            backend::notice_response(&mut self.conn.out, &n);
        }
        for s in seqs {
            self.seqs.current.remove(&s.id);
            self.seqs.cache.remove(&s.id);
        }
        self.drop_tables(seqs, &[]).await
    }

    /// CREATE TABLE with SERIAL/identity columns: the table, then its sequences owned by it (a
    /// sequence that cannot be created drops the table again).
    pub(super) async fn create_table_with_sequences(
        &mut self,
        table: &TableDef,
        if_not_exists: bool,
        sequences: &[TableDef],
    ) -> Result<(), ErrorFields> {
        let Some(created) = self.create_table(table, if_not_exists).await? else {
            return Ok(());
        };
        for seq in sequences {
            let mut seq = seq.clone();
            if let Some(p) = seq.sequence.as_mut() {
                p.owned_by = Some(created.id);
            }
            if let Err(e) = self.create_table(&seq, false).await {
                let _ = self.drop_tables(std::slice::from_ref(&created), &[]).await;
                return Err(e);
            }
        }
        Ok(())
    }

    /// The sequences owned by `table` (dropped with it).
    pub(super) fn owned_sequences(&self, table: &TableDef) -> Vec<Arc<TableDef>> {
        let owned = |t: &Arc<TableDef>| t.sequence.is_some_and(|s| s.owned_by == Some(table.id));
        if table.temp.is_some() {
            return self.temp.values().filter(|t| owned(t)).cloned().collect();
        }
        self.catalog_view()
            .owned_sequences(&self.database, table.id)
    }
}
