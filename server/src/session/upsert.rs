//! INSERT ... ON CONFLICT from the session (the shard's half and why it is exact under
//! concurrency: `shard/src/upsert.rs`; binding: `sql/src/bind/conflict.rs`).
//!
//! - Primary key as the only arbiter (or no unique index but the primary key): each row goes to
//!   its key's shard in one `Upsert` request per shard, which locks the key, decides and stages;
//!   a single-row upsert is one round trip, like an INSERT.
//! - A secondary unique index as arbiter: row by row, the session claims the row's entry key on
//!   the entries' shard (`IndexClaim`: lock, then read the newest entry). No entry: the row goes
//!   to its shard as above (its entry is then written under the lock already held). An entry:
//!   the action runs on the row it names (`UpsertExisting`); if that row is gone meanwhile, the
//!   row is decided again. Slower (two or three round trips per row), but exact.
//!
//! Index entries of inserted and updated rows are maintained as for INSERT and UPDATE
//! (`index.rs`), and their foreign keys checked (`fkey.rs`; a DO UPDATE of a referenced table's
//! key columns runs no action yet). 21000 (a row affected twice by one DO UPDATE) is detected on the shard for rows
//! of one request and here, by row reference, across requests.

use std::collections::HashSet;
use std::sync::Arc;

use pglitedb_protocol::ErrorFields;
use pglitedb_shard::index::{index_key, row_ref, split_ref, RowChange};
use pglitedb_shard::route::shard_for_key;
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::{OnConflict, Params, SqlError, TableDef, Value};

use super::index::Stored;
use super::tables::{scatter, shard_error};
use super::Session;
use crate::error;

/// What upserting some rows did: the count, the affected rows by input position (RETURNING),
/// and the references of the rows inserted or updated.
#[derive(Default)]
struct Outcome {
    count: u64,
    rows: Vec<Option<Vec<Value>>>,
    touched: Vec<Vec<u8>>,
}

impl Session {
    /// Inserts `rows` into `table` under `oc`; returns how many rows were inserted or updated
    /// and, when `returning`, those rows (inserted rows, new versions of updated ones) in the
    /// order they were proposed.
    pub(super) async fn upsert_rows(
        &mut self,
        table: &Arc<TableDef>,
        rows: Vec<Vec<Value>>,
        oc: &Arc<OnConflict>,
        params: &Params,
        returning: bool,
    ) -> Result<(u64, Vec<Vec<Value>>), ErrorFields> {
        // Subqueries in DO UPDATE run here, once, before the shards see the clause.
        let resolved;
        let oc = if oc.has_subqueries() {
            let inputs = self.gather_scans(&oc.scans, params).await?;
            let r = oc.resolve_subqueries(inputs, params);
            resolved = Arc::new(r.map_err(|e| self.stash_sql(e))?);
            &resolved
        } else {
            oc
        };
        let table = self.fresh_indexes(table);
        let placed = self.place_rows(&table, rows)?;
        let arbiters: Vec<u64> = (oc.index_arbiters.iter())
            .filter(|id| table.indexes.iter().any(|ix| ix.id == **id))
            .copied()
            .collect();
        // No arbiter at all (DO NOTHING on a table without unique indexes, or its arbiter
        // indexes dropped since binding): the shards insert, and a duplicate primary key is 23505.
        // Foreign keys check the rows inserted or updated (`fkey.rs`): they come back as
        // RETURNING's rows do.
        let fk = !table.foreign_keys.is_empty();
        let want = returning || fk;
        let out = if arbiters.is_empty() {
            self.upsert_by_key(&table, placed, oc, params, want).await?
        } else {
            self.upsert_by_index(&table, placed, &arbiters, oc, params, want)
                .await?
        };
        let rows: Vec<Vec<Value>> = out.rows.into_iter().flatten().collect();
        if fk {
            let refs: Vec<&[Value]> = rows.iter().map(Vec::as_slice).collect();
            self.fk_check_rows(&table, &refs).await?;
        }
        Ok((out.count, if returning { rows } else { Vec::new() }))
    }

    /// One `Upsert` request per shard, all in flight at once, then the index entries.
    async fn upsert_by_key(
        &mut self,
        table: &Arc<TableDef>,
        placed: Vec<(ShardId, Vec<Value>)>,
        oc: &Arc<OnConflict>,
        params: &Params,
        returning: bool,
    ) -> Result<Outcome, ErrorFields> {
        let n = placed.len();
        let mut per_shard: Vec<(Vec<usize>, Vec<Vec<Value>>)> =
            vec![(Vec::new(), Vec::new()); self.worker.cores()];
        for (i, (shard, row)) in placed.into_iter().enumerate() {
            let slot = &mut per_shard[shard.0 as usize];
            slot.0.push(i);
            slot.1.push(row);
        }
        let txn = self.txn_ctx();
        let mut reqs = Vec::new();
        let mut owners = Vec::new();
        for (s, (idx, rows)) in per_shard.into_iter().enumerate() {
            if rows.is_empty() {
                continue;
            }
            owners.push((ShardId(s as u16), idx));
            reqs.push((
                ShardId(s as u16),
                ShardRequest::Upsert {
                    txn,
                    table: table.clone(),
                    rows,
                    on_conflict: oc.clone(),
                    params: params.clone(),
                    returning,
                },
            ));
        }
        self.participants.extend(reqs.iter().map(|(s, _)| *s));
        let mut out = Outcome {
            rows: if returning { vec![None; n] } else { Vec::new() },
            ..Outcome::default()
        };
        let mut inserted: Vec<Stored> = Vec::new();
        let mut changed: Vec<(ShardId, Vec<RowChange>)> = Vec::new();
        for (resp, (shard, idx)) in scatter(&self.worker, reqs).await.into_iter().zip(owners) {
            let ShardResponse::Upserted(u) = resp else {
                return Err(shard_error(resp));
            };
            out.count += u.count;
            for (j, row) in u.rows.into_iter().enumerate() {
                if row.is_some() {
                    out.rows[idx[j]] = row;
                }
            }
            let (keys, rows): (Vec<Vec<u8>>, Vec<Vec<Value>>) = u.inserted.into_iter().unzip();
            out.touched.extend(keys.iter().map(|k| row_ref(shard, k)));
            out.touched
                .extend(u.updated.iter().map(|c| row_ref(shard, &c.key)));
            if !keys.is_empty() {
                inserted.push((shard, rows, keys));
            }
            if !u.updated.is_empty() {
                changed.push((shard, u.updated));
            }
        }
        if !table.indexes.is_empty() {
            // Old entries of updated rows go first, so an inserted row may take their keys.
            self.index_changed(table, &changed).await?;
            self.index_inserted(table, inserted).await?;
        }
        Ok(out)
    }

    /// Row by row through the arbiter indexes (module docs).
    async fn upsert_by_index(
        &mut self,
        table: &Arc<TableDef>,
        placed: Vec<(ShardId, Vec<Value>)>,
        arbiters: &[u64],
        oc: &Arc<OnConflict>,
        params: &Params,
        returning: bool,
    ) -> Result<Outcome, ErrorFields> {
        let shards = self.worker.cores();
        let mut out = Outcome::default();
        let mut touched: HashSet<Vec<u8>> = HashSet::new();
        for (shard, row) in placed {
            loop {
                let found = self.claim_arbiters(table, arbiters, &row, shards).await?;
                let Some(r) = found else {
                    let one = self
                        .upsert_by_key(table, vec![(shard, row.clone())], oc, params, returning)
                        .await?;
                    out.count += one.count;
                    out.rows.extend(one.rows);
                    touched.extend(one.touched);
                    break;
                };
                if !oc.is_update() {
                    break; // DO NOTHING
                }
                let Some((at, key)) = split_ref(&r) else {
                    return Err(error::from_sql(&SqlError::Internal(
                        "malformed index entry (bug)".into(),
                    )));
                };
                let req = ShardRequest::UpsertExisting {
                    txn: self.txn_ctx(),
                    table: table.clone(),
                    key: key.to_vec(),
                    excluded: row.clone(),
                    on_conflict: oc.clone(),
                    params: params.clone(),
                    mine: touched.contains(&r),
                    returning,
                };
                self.participants.insert(at);
                let resp = self.worker.request(at, req).await;
                let ShardResponse::Upserted(u) = resp else {
                    return Err(shard_error(resp));
                };
                if u.gone {
                    continue; // deleted since the entry was read: decide again
                }
                out.count += u.count;
                out.rows.extend(u.rows);
                if !u.updated.is_empty() {
                    touched.insert(r);
                    self.index_changed(table, &[(at, u.updated)]).await?;
                }
                break;
            }
        }
        Ok(out)
    }

    /// Claims the row's entry key in each arbiter index in turn; the reference of the first
    /// existing entry met (`None`: no conflict, and every claimed key stays locked).
    async fn claim_arbiters(
        &mut self,
        table: &Arc<TableDef>,
        arbiters: &[u64],
        row: &[Value],
        shards: usize,
    ) -> Result<Option<Vec<u8>>, ErrorFields> {
        for &id in arbiters {
            let Some(ix) = table.indexes.iter().find(|ix| ix.id == id) else {
                continue;
            };
            let Some(key) = index_key(ix, row) else {
                continue; // NULL in the key: never conflicts
            };
            let on = shard_for_key(&key, shards);
            let req = ShardRequest::IndexClaim {
                txn: self.txn_ctx(),
                table: table.clone(),
                index: id,
                key,
            };
            self.add_lockers([on]);
            match self.worker.request(on, req).await {
                ShardResponse::IndexRefs(refs) => {
                    if let Some(r) = refs.into_iter().next() {
                        return Ok(Some(r));
                    }
                }
                other => return Err(shard_error(other)),
            }
        }
        Ok(None)
    }
}
