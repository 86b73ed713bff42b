//! Secondary index entries: their bytes, where they live, and the shard's half of maintaining
//! them (the session drives it, see `server/src/session/index.rs` and ARCHITECTURE.md).
//!
//! # Placement: partitioned by the index key
//! An index's entries are not stored next to their rows: each entry lives on the shard
//! `crc32(index key) % shards` (as a row lives on its primary key's shard), in the index's own tree
//! (tree id = the index id). All entries with equal keys are therefore on one shard, so a unique
//! check is a single-shard lookup under that shard's row lock on the key, and it is exact: two
//! transactions inserting the same key meet on the same lock (the second waits for the first to end
//! and then sees its committed entry: 23505, or nothing if it rolled back), exactly as two inserts
//! of the same primary key do. The entries are staged in the transaction's write set on that shard,
//! so they follow the row versions through MVCC, savepoints, 2PC (the index shard is one more
//! participant) and recovery (redo of the committed write set) with nothing index-specific.
//!
//! # Entry bytes
//! - the index key: `storage::keycode` of the key columns (DESC columns in descending order);
//!   values without an order-preserving encoding (numeric, dates, ...) are encoded by a canonical
//!   text that is equal exactly when the values are equal (so uniqueness stays exact; such
//!   columns cannot serve range scans);
//! - entry key: the index key for a unique index; index key + row reference otherwise;
//! - entry value: the row reference: the row's shard (u16 big-endian) and its storage key there
//!   (primary key bytes, or the hidden row id).
//!
//! A row with a NULL in an index's key has no entry in it: NULLs never conflict (PostgreSQL's
//! default NULLS DISTINCT), and no lookup we plan looks for NULLs.
//!
//! # Keeping the session's definition honest
//! A write names the table definition the session bound against; if its indexes differ from this
//! shard's (a CREATE/DROP INDEX happened in between), the write fails with 40001 instead of
//! maintaining the wrong set of indexes. A build (CREATE INDEX over existing rows) first waits for
//! every transaction with pending writes to the table here, so no row written under the old
//! definition can commit after the build read the table.

use pglitedb_sql::{IndexDef, SqlError, TableDef, Value};
use pglitedb_storage::io::Io;
use pglitedb_storage::keycode::{self, KeyValue, Order};
use pglitedb_storage::TreeId;

use crate::error::{Result, ShardError};
use crate::message::{ShardId, ShardResponse};
use crate::shard::{Shard, Step};
use crate::table::decode_row;
use crate::txn::{LockMode, LockResult, TxnCtx};

/// One change to an index's entries on one shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexOp {
    /// The entry key (see the module docs).
    pub key: Vec<u8>,
    /// The entry's value (the row reference), or `None` to delete the entry.
    pub value: Option<Vec<u8>>,
    /// The 23505 DETAIL if this insert meets an equal key (`Key (a)=(1) already exists.`).
    pub detail: String,
}

/// What UPDATE/DELETE did to one row of a table with indexes (for the session to maintain them).
#[derive(Debug, Clone, PartialEq)]
pub struct RowChange {
    /// The row's storage key on the shard that answered.
    pub key: Vec<u8>,
    pub old: Vec<Value>,
    /// `None`: deleted.
    pub new: Option<Vec<Value>>,
}

/// The index key of a row, or `None` if a key column is NULL (no entry).
pub fn index_key(ix: &IndexDef, row: &[Value]) -> Option<Vec<u8>> {
    let mut cols = Vec::with_capacity(ix.columns.len());
    for (i, &c) in ix.columns.iter().enumerate() {
        let v = row.get(c)?;
        if *v == Value::Null && !ix.nulls_not_distinct {
            return None;
        }
        let order = if ix.desc.get(i).copied().unwrap_or(false) {
            Order::Desc
        } else {
            Order::Asc
        };
        cols.push((key_value(v), order));
    }
    Some(keycode::encode(&cols))
}

/// A value's key encoding: order-preserving where keycode has one, else canonical text.
fn key_value(v: &Value) -> KeyValue {
    match v {
        Value::Null => KeyValue::Null,
        Value::Bool(b) => KeyValue::Bool(*b),
        Value::Int2(x) => KeyValue::Int(i64::from(*x)),
        Value::Int4(x) => KeyValue::Int(i64::from(*x)),
        Value::Int8(x) => KeyValue::Int(*x),
        Value::Float4(x) => KeyValue::Float(f64::from(*x)),
        Value::Float8(x) => KeyValue::Float(*x),
        Value::Text(s) => KeyValue::Text(s.clone()),
        Value::Numeric(_) => KeyValue::Text(canonical_numeric(&v.to_text().unwrap_or_default())),
        other => KeyValue::Text(other.to_text().unwrap_or_default()),
    }
}

/// `1.50` and `1.5` are equal numerics: drop trailing fractional zeros (and a bare point).
fn canonical_numeric(text: &str) -> String {
    if !text.contains('.') || text.contains(['e', 'E']) {
        return text.to_string();
    }
    let t = text.trim_end_matches('0').trim_end_matches('.');
    match t {
        "" | "-" | "-0" => "0".to_string(),
        t => t.to_string(),
    }
}

/// A row reference: its shard and its storage key there.
pub fn row_ref(shard: ShardId, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + key.len());
    out.extend_from_slice(&shard.0.to_be_bytes());
    out.extend_from_slice(key);
    out
}

/// Splits what [`row_ref`] made.
pub fn split_ref(r: &[u8]) -> Option<(ShardId, &[u8])> {
    let (s, key) = (r.get(..2)?, r.get(2..)?);
    Some((ShardId(u16::from_be_bytes([s[0], s[1]])), key))
}

/// The entry key of a row whose index key is `key` and reference `r`.
pub fn entry_key(ix: &IndexDef, key: &[u8], r: &[u8]) -> Vec<u8> {
    let mut out = key.to_vec();
    if !ix.unique {
        out.extend_from_slice(r);
    }
    out
}

/// `Key (a, b)=(1, 2) already exists.`
pub fn duplicate_detail(table: &TableDef, ix: &IndexDef, row: &[Value], tail: &str) -> String {
    let values: Vec<String> = ix
        .columns
        .iter()
        .map(|&c| row[c].to_text().unwrap_or_else(|| "null".into()))
        .collect();
    format!(
        "Key ({})=({}) {tail}",
        ix.column_names(table).join(", "),
        values.join(", ")
    )
}

/// The smallest key greater than every key starting with `prefix` (`None`: no such key).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// 40001 when the session's definition of a table has other indexes than this shard's.
pub(crate) fn check_same_indexes(sent: &TableDef, local: &TableDef) -> Result<()> {
    if sent.indexes != local.indexes {
        return Err(ShardError::DefinitionChanged(local.name.clone()));
    }
    Ok(())
}

impl<I: Io> Shard<I> {
    /// Applies `ops` to index `index` of `table` for `txn`: every entry key is locked first (a
    /// lock held by another transaction blocks the request, which is retried from the start), then
    /// inserts into a unique index are checked against the newest committed entries and the
    /// transaction's own, then everything is staged. An insert that finds the very same entry
    /// (same key, same row) does nothing: a build may meet entries a concurrent writer made.
    pub(crate) async fn index_write(
        &mut self,
        txn: &TxnCtx,
        table: &TableDef,
        index: u64,
        ops: &[IndexOp],
    ) -> Result<Step<I::File>> {
        let local = crate::ddl::table_or_wait!(self, txn, table);
        check_same_indexes(table, &local)?;
        let Some(ix) = local.indexes.iter().find(|i| i.id == index) else {
            return Err(
                SqlError::Internal(format!("index {index} of {} not found", local.name)).into(),
            );
        };
        let tree = TreeId(ix.id);
        for op in ops {
            if let LockResult::HeldBy(holder) = self.txns.lock(txn, tree, &op.key, LockMode::Update)
            {
                return Ok(Step::Blocked {
                    waiter: txn.id,
                    holder,
                });
            }
        }
        // What each key holds as the ops apply in order (starting from own writes or the newest
        // committed entry), to check inserts and to know the committed value each stage replaces.
        let mut state: std::collections::HashMap<&[u8], Option<Vec<u8>>> =
            std::collections::HashMap::new();
        let mut staged = Vec::with_capacity(ops.len());
        for op in ops {
            let (current, old) = match state.get(op.key.as_slice()) {
                Some(v) => (v.clone(), None),
                None => match self.txns.set(txn.id).and_then(|s| s.get(tree, &op.key)) {
                    Some(own) => (own.cloned(), None),
                    None => {
                        let newest = self.committed(tree, &op.key, None).await?;
                        (newest.clone(), newest)
                    }
                },
            };
            if let Some(v) = &op.value {
                if current.as_ref() == Some(v) {
                    state.insert(&op.key, current);
                    continue;
                }
                if current.is_some() {
                    return Err(SqlError::UniqueViolation {
                        constraint: ix.name.clone(),
                        detail: op.detail.clone(),
                    }
                    .into());
                }
            }
            state.insert(&op.key, op.value.clone());
            staged.push((op.key.clone(), op.value.clone(), old));
        }
        for (key, value, old) in staged {
            self.txns.stage(txn, tree, key, value, old);
        }
        Ok(Step::Reply(ShardResponse::Modified(ops.len() as u64)))
    }

    /// The row references of index `index`'s entries for index key `key` that `txn` sees: one
    /// point read for a unique index, a prefix range of entries otherwise (index keys are
    /// self-delimiting, so the range holds exactly that key's entries). A prepared transaction
    /// with a write the snapshot may need makes it wait, as row reads do.
    pub(crate) async fn index_lookup(
        &mut self,
        txn: &TxnCtx,
        table: &TableDef,
        index: u64,
        key: &[u8],
    ) -> Result<Step<I::File>> {
        let local = crate::ddl::table_or_wait!(self, txn, table);
        check_same_indexes(table, &local)?;
        let Some(ix) = local.indexes.iter().find(|i| i.id == index) else {
            return Err(
                SqlError::Internal(format!("index {index} of {} not found", local.name)).into(),
            );
        };
        let tree = TreeId(ix.id);
        if ix.unique {
            if let Some(wait) = self.prepared_in_the_way(txn, tree, Some(key)) {
                return Ok(wait);
            }
            let found = self.visible(txn, tree, key, false).await?;
            return Ok(Step::Reply(ShardResponse::IndexRefs(
                found.into_iter().collect(),
            )));
        }
        if let Some(wait) = self.prepared_in_the_way(txn, tree, None) {
            return Ok(wait);
        }
        let end = prefix_end(key);
        let mut found = self
            .committed_range(tree, Some(key), end.as_deref(), txn.snapshot)
            .await?;
        if let Some(set) = self.txns.set(txn.id) {
            for (k, v) in set.tree_writes(tree) {
                if k.starts_with(key) {
                    match v {
                        Some(v) => found.insert(k.clone(), v.clone()),
                        None => found.remove(k),
                    };
                }
            }
        }
        Ok(Step::Reply(ShardResponse::IndexRefs(
            found.into_values().collect(),
        )))
    }

    /// Every row of `table` on this shard with its storage key, newest committed versions overlaid
    /// with `txn`'s own writes, for building an index. Waits first for every other transaction
    /// with pending writes to the table here (module docs).
    pub(crate) async fn keyed_rows(
        &mut self,
        txn: &TxnCtx,
        table: &TableDef,
    ) -> Result<Step<I::File>> {
        let local = crate::ddl::table_or_wait!(self, txn, table);
        let tree = TreeId(local.id.0);
        if let Some(holder) = self.txns.writer_in_tree(tree, txn.id) {
            return Ok(Step::Blocked {
                waiter: txn.id,
                holder,
            });
        }
        let mut merged = self.committed_scan(tree, u64::MAX).await?;
        if let Some(set) = self.txns.set(txn.id) {
            for (k, v) in set.tree_writes(tree) {
                match v {
                    Some(v) => merged.insert(k.clone(), v.clone()),
                    None => merged.remove(k),
                };
            }
        }
        let rows = merged
            .into_iter()
            .map(|(k, v)| Ok((k, decode_row(&local, &v)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Step::Reply(ShardResponse::KeyedRows(rows)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ix(unique: bool, desc: bool) -> IndexDef {
        IndexDef {
            id: 1001,
            name: "t_a_idx".into(),
            columns: vec![1],
            desc: vec![desc],
            unique,
            constraint: false,
            nulls_not_distinct: false,
            building: false,
        }
    }

    #[test]
    fn keys_skip_nulls_and_equal_values_meet() {
        let i = ix(true, false);
        assert_eq!(index_key(&i, &[Value::Int4(1), Value::Null]), None);
        let a = index_key(&i, &[Value::Int4(1), Value::Int4(7)]).expect("a key");
        let b = index_key(&i, &[Value::Int4(2), Value::Int4(7)]).expect("a key");
        assert_eq!(a, b);
        let c = index_key(&i, &[Value::Int4(2), Value::Int4(8)]).expect("a key");
        assert!(a < c);
        let d = ix(true, true);
        let (a, c) = (
            index_key(&d, &[Value::Int4(1), Value::Int4(7)]).expect("a key"),
            index_key(&d, &[Value::Int4(1), Value::Int4(8)]).expect("a key"),
        );
        assert!(a > c, "DESC keys sort backwards");
    }

    #[test]
    fn numerics_equal_in_value_get_equal_keys() {
        assert_eq!(canonical_numeric("1.50"), "1.5");
        assert_eq!(canonical_numeric("1.000"), "1");
        assert_eq!(canonical_numeric("10"), "10");
        assert_eq!(canonical_numeric("-0.00"), "0");
        assert_eq!(canonical_numeric("100.0"), "100");
    }

    #[test]
    fn non_unique_entries_carry_the_row() {
        let i = ix(false, false);
        let r1 = row_ref(ShardId(1), b"k1");
        let r2 = row_ref(ShardId(0), b"k2");
        let k = index_key(&i, &[Value::Null, Value::Text("x".into())]).expect("a key");
        assert_ne!(entry_key(&i, &k, &r1), entry_key(&i, &k, &r2));
        assert_eq!(split_ref(&r1), Some((ShardId(1), &b"k1"[..])));
        assert!(entry_key(&i, &k, &r1).starts_with(&k));
    }
}
