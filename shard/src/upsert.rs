//! INSERT ... ON CONFLICT on the shard that owns the rows (the session's half is
//! `server/src/session/upsert.rs`; binding and the action's evaluation are `sql/src/bind/conflict.rs`).
//!
//! # Why it is exact under concurrency
//! The conflict check and the write happen in one request on the row's shard, under the row lock
//! on the primary key (taken before anything is read, held to the end of the transaction): a
//! second upserter of the same key waits for the first transaction to end and then sees its
//! committed row, so it updates that row (no 23505, no lost update). The existing row is read in
//! its newest committed version (not the statement's snapshot), as PostgreSQL's ON CONFLICT does;
//! under REPEATABLE READ a conflicting row committed after the snapshot is a serialization
//! failure (40001), as in PostgreSQL.
//!
//! A secondary unique index as arbiter: the session first claims the entry key on the entries'
//! shard ([`Shard::index_claim`]: lock, then read the newest entry), which serialises upserters of
//! that key the same way; then it either inserts the row (the entry write meets its own lock) or
//! updates the row the entry names ([`Shard::upsert_existing`]).
//!
//! Unlike PostgreSQL, DO NOTHING also keeps the lock on a conflicting row's key until the
//! transaction ends (PostgreSQL takes none); concurrent writers of that row wait longer, results
//! are the same.

use std::collections::HashSet;

use pglitedb_sql::{OnConflict, Params, SqlError, TableDef, Value};
use pglitedb_storage::io::Io;
use pglitedb_storage::TreeId;

use crate::error::{Result, ShardError};
use crate::index::{check_same_indexes, RowChange};
use crate::message::ShardResponse;
use crate::shard::{Shard, Step};
use crate::table::{decode_row, encode_row, key_detail};
use crate::txn::{LockMode, LockResult, TxnCtx};

/// A write to stage: key, new row bytes, the committed value it replaces.
type Staged = (Vec<u8>, Vec<u8>, Option<Vec<u8>>);

/// What an upsert request did on one shard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Upserted {
    /// Rows inserted or updated.
    pub count: u64,
    /// When the request asked (RETURNING): per proposed row, in the request's order, the row
    /// inserted or the new version of the row updated (`None`: nothing done for it).
    pub rows: Vec<Option<Vec<Value>>>,
    /// Rows inserted, with their storage keys (tables with secondary indexes: the session writes
    /// their entries).
    pub inserted: Vec<(Vec<u8>, Vec<Value>)>,
    /// Rows updated (tables with secondary indexes).
    pub updated: Vec<RowChange>,
    /// `UpsertExisting` found no row under the key any more: the session decides again.
    pub gone: bool,
}

impl<I: Io> Shard<I> {
    /// Inserts `rows`, or applies `oc`'s action where a row with the same primary key exists and
    /// the primary key is an arbiter (module docs). Two rows of one request with the same key:
    /// the second meets the first (DO NOTHING skips it, DO UPDATE fails with 21000).
    pub(crate) async fn upsert(
        &mut self,
        txn: &TxnCtx,
        sent: &TableDef,
        rows: &[Vec<Value>],
        oc: &OnConflict,
        params: &Params,
        returning: bool,
    ) -> Result<Step<I::File>> {
        // As INSERT: wait while another transaction changes the table's definition.
        let table = crate::ddl::table_or_wait!(self, txn, sent);
        check_same_indexes(sent, &table)?;
        let tree = TreeId(table.id.0);
        // Pass 1: keys and locks (a blocked request is retried from the start).
        let keys = match self.lock_row_keys(txn, &table, rows).await? {
            Ok(keys) => keys,
            Err(blocked) => return Ok(blocked),
        };
        // Pass 2: decide per row against the newest versions, and stage. Nothing is staged
        // before every row has been decided, so an error leaves no partial write behind.
        let indexed = !table.indexes.is_empty();
        let mut out = Upserted::default();
        if returning {
            out.rows = vec![None; rows.len()];
        }
        let mut staged: Vec<Staged> = Vec::new();
        let mut touched: HashSet<&[u8]> = HashSet::with_capacity(keys.len());
        // Versions this request staged, which later rows of it must see.
        let mut pending: std::collections::HashMap<&[u8], usize> = Default::default();
        for (i, (key, row)) in keys.iter().zip(rows).enumerate() {
            let (existing, old) = match pending.get(key.as_slice()) {
                Some(&i) => (Some(staged[i].1.clone()), staged[i].2.clone()),
                None if table.primary_key.is_some() => self.newest_locked(txn, tree, key).await?,
                None => (None, None),
            };
            let Some(bytes) = existing else {
                touched.insert(key);
                pending.insert(key, staged.len());
                staged.push((key.clone(), encode_row(row), old));
                out.count += 1;
                if returning {
                    out.rows[i] = Some(row.clone());
                }
                if indexed {
                    out.inserted.push((key.clone(), row.clone()));
                }
                continue;
            };
            if !oc.pk_arbiter {
                return Err(SqlError::UniqueViolation {
                    constraint: table.pkey_name(),
                    detail: key_detail(&table, row),
                }
                .into());
            }
            let mine = touched.contains(key.as_slice());
            let current = decode_row(&table, &bytes)?;
            let Some(new) =
                self.conflict_update(txn, tree, key, mine, &table, &current, row, oc, params)?
            else {
                continue;
            };
            touched.insert(key);
            pending.insert(key, staged.len());
            staged.push((key.clone(), encode_row(&new), old));
            out.count += 1;
            if indexed {
                out.updated.push(RowChange {
                    key: key.clone(),
                    old: current,
                    new: Some(new.clone()),
                });
            }
            if returning {
                out.rows[i] = Some(new);
            }
        }
        for (key, bytes, old) in staged {
            self.txns.stage(txn, tree, key, Some(bytes), old);
        }
        Ok(Step::Reply(ShardResponse::Upserted(Box::new(out))))
    }

    /// ON CONFLICT DO UPDATE (or DO NOTHING) of the row under `key`, which an arbiter index entry
    /// named, for the proposed row `excluded`. `mine`: this statement already inserted or updated
    /// that row (21000 for DO UPDATE).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn upsert_existing(
        &mut self,
        txn: &TxnCtx,
        sent: &TableDef,
        key: &[u8],
        excluded: &[Value],
        oc: &OnConflict,
        params: &Params,
        mine: bool,
        returning: bool,
    ) -> Result<Step<I::File>> {
        let table = self.local_table(sent)?;
        check_same_indexes(sent, &table)?;
        let tree = TreeId(table.id.0);
        if let LockResult::HeldBy(holder) = self.txns.lock(txn, tree, key, LockMode::Update) {
            return Ok(Step::Blocked {
                waiter: txn.id,
                holder,
            });
        }
        let mut out = Upserted::default();
        let (existing, old) = self.newest_locked(txn, tree, key).await?;
        let Some(bytes) = existing else {
            out.gone = true;
            return Ok(Step::Reply(ShardResponse::Upserted(Box::new(out))));
        };
        let current = decode_row(&table, &bytes)?;
        let updated =
            self.conflict_update(txn, tree, key, mine, &table, &current, excluded, oc, params)?;
        if let Some(new) = updated {
            self.txns
                .stage(txn, tree, key.to_vec(), Some(encode_row(&new)), old);
            out.count = 1;
            if !table.indexes.is_empty() {
                out.updated.push(RowChange {
                    key: key.to_vec(),
                    old: current,
                    new: Some(new.clone()),
                });
            }
            if returning {
                out.rows.push(Some(new));
            }
        }
        Ok(Step::Reply(ShardResponse::Upserted(Box::new(out))))
    }

    /// The action on a conflicting row `current` (under `key`, locked): its new version, or
    /// `None` (DO NOTHING, or DO UPDATE's WHERE not true).
    #[allow(clippy::too_many_arguments)]
    fn conflict_update(
        &self,
        txn: &TxnCtx,
        tree: TreeId,
        key: &[u8],
        mine: bool,
        table: &TableDef,
        current: &[Value],
        excluded: &[Value],
        oc: &OnConflict,
        params: &Params,
    ) -> Result<Option<Vec<Value>>> {
        if mine && oc.is_update() {
            return Err(SqlError::ConflictRowTwice.into());
        }
        let own = self
            .txns
            .set(txn.id)
            .is_some_and(|s| s.get(tree, key).is_some());
        if !own && txn.snapshot_per_txn() && self.changed_since(tree, key, txn.snapshot) {
            // The conflicting row is newer than the transaction's snapshot.
            return Err(ShardError::SerializationFailure { deleted: false });
        }
        Ok(oc.updated_row(table, current, excluded, params)?)
    }

    /// ON CONFLICT with a secondary unique index as arbiter: locks the entry key `key` of index
    /// `index` and answers the reference of its newest entry (the transaction's own, else the
    /// newest committed one), if any, as `IndexRefs`.
    pub(crate) async fn index_claim(
        &mut self,
        txn: &TxnCtx,
        sent: &TableDef,
        index: u64,
        key: &[u8],
    ) -> Result<Step<I::File>> {
        let table = self.local_table(sent)?;
        check_same_indexes(sent, &table)?;
        if !table.indexes.iter().any(|i| i.id == index && i.unique) {
            return Err(SqlError::Internal(format!(
                "unique index {index} of {} not found (bug)",
                table.name
            ))
            .into());
        }
        let tree = TreeId(index);
        if let LockResult::HeldBy(holder) = self.txns.lock(txn, tree, key, LockMode::Update) {
            return Ok(Step::Blocked {
                waiter: txn.id,
                holder,
            });
        }
        let (found, _) = self.newest_locked(txn, tree, key).await?;
        Ok(Step::Reply(ShardResponse::IndexRefs(
            found.into_iter().collect(),
        )))
    }
}
