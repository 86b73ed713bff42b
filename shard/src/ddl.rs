//! Transactional DDL on a shard: catalog changes are staged writes of their transaction.
//!
//! # Model
//! A catalog entry is a row of the catalog tree (tree 1; a table's key is its id, big-endian). A
//! DDL request carrying a [`TxnCtx`] locks the entry's key (`FOR UPDATE` strength) and stages the
//! put or delete in the transaction's write set, like any row write. Commit, two-phase commit,
//! savepoint rollback, abort and WAL recovery then treat catalog changes like any other write.
//!
//! The shard's committed view (`Shard::tables`) changes only when a write set *applies*
//! ([`Shard::apply_catalog`], called by commit and commit-prepared, including recovery's
//! resolution of in-doubt transactions): it updates `tables`, drops the trees of dropped tables
//! and reports the changes ([`CatalogChange`] in `ShardResponse::Committed`), from which the core's
//! catalog replica follows. Other catalog objects plug in by giving their keys a decoder there.
//!
//! # Visibility
//! - Requests of the transaction itself see its staged definitions ([`Shard::txn_table`]).
//! - Other transactions see the committed definition, but a request that meets a catalog key
//!   locked by another transaction (a DROP or ALTER not yet ended) waits for it, as PostgreSQL's
//!   statements wait for the AccessExclusiveLock; afterwards it finds the table gone (42P01) or
//!   changed (writes carry the definition they were bound against: 40001).
//! - A DROP or ALTER waits until no other transaction has pending writes to the table's trees.
//! - Shard 0 sequences names: a name staged by another live transaction, or held by a table
//!   another transaction is changing, makes CREATE/ALTER wait for that transaction's end (then
//!   42P07 or success, as in PostgreSQL).
//!
//! # Trees
//! The trees of a created table (and of its indexes) are created at once, in a small commit of
//! their own, so that rows staged in the same transaction have a tree; that commit precedes the
//! transaction's commit or prepare record in the WAL. The transaction's end drops those whose table
//! did not survive (rollback, ROLLBACK TO, created and dropped). After a crash, trees without a
//! catalog entry are dropped at open unless an in-doubt prepared transaction stages their entry.
//! Ids are never handed out twice while the server runs (`id_floor`), so a tree dropped late by one
//! transaction's abort is never another's.

use std::collections::HashSet;
use std::sync::Arc;

use pglitedb_sql::{SqlError, TableDef, TableId};
use pglitedb_storage::io::Io;
use pglitedb_storage::{Op, TreeId, TxnId, WriteBatch};

use crate::error::{Result, ShardError};
use crate::message::{CatalogChange, ShardResponse};
use crate::shard::{Shard, Step, CATALOG_TREE};
use crate::txn::{LockMode, LockResult, TxnCtx};

/// A table's catalog key.
pub(crate) fn table_key(id: TableId) -> Vec<u8> {
    id.0.to_be_bytes().to_vec()
}

/// The table id a catalog key names (other objects' keys start with a letter).
pub(crate) fn table_id_of(key: &[u8]) -> Option<TableId> {
    let bytes: [u8; 8] = key.try_into().ok()?;
    (bytes[0] == 0).then(|| TableId(u64::from_be_bytes(bytes)))
}

/// A table's own tree and its indexes' trees.
pub(crate) fn trees_of(t: &TableDef) -> Vec<TreeId> {
    std::iter::once(TreeId(t.id.0))
        .chain(t.indexes.iter().map(|i| TreeId(i.id)))
        .collect()
}

/// A table definition as a transaction's request sees it, or the transaction it must wait for.
pub(crate) enum Found {
    Table(Arc<TableDef>),
    Wait(TxnId),
}

/// `Shard::txn_table`, returning `Step::Blocked` from the calling function when it must wait.
macro_rules! table_or_wait {
    ($shard:expr, $txn:expr, $table:expr) => {
        match $shard.txn_table($txn, $table)? {
            $crate::ddl::Found::Table(t) => t,
            $crate::ddl::Found::Wait(holder) => {
                return Ok($crate::shard::Step::Blocked {
                    waiter: $txn.id,
                    holder,
                })
            }
        }
    };
}
pub(crate) use table_or_wait;

/// Whether a relation name is free for a transaction.
enum NameState {
    Free,
    Taken,
    /// Staged, or being changed, by this other live transaction.
    Held(TxnId),
}

fn undefined(name: &str) -> ShardError {
    ShardError::Sql(SqlError::UndefinedTable {
        name: name.to_string(),
        position: None,
    })
}

impl<I: Io> Shard<I> {
    /// `table` as transaction `txn` sees it (module docs): its own staged definition, else the
    /// committed one unless another transaction is changing it (wait), else a table whose commit
    /// is on its way here (a prepared transaction stages it: wait).
    pub(crate) fn txn_table(&self, txn: &TxnCtx, table: &TableDef) -> Result<Found> {
        if table.temp.is_some() {
            return self.local_table(table).map(Found::Table);
        }
        let key = table_key(table.id);
        if let Some(set) = self.txns.set(txn.id) {
            if set.tree_writes(CATALOG_TREE).next().is_some() {
                match set.get(CATALOG_TREE, &key) {
                    Some(Some(v)) => return Ok(Found::Table(Arc::new(TableDef::decode(v)?))),
                    Some(None) => return Err(undefined(&table.name)),
                    None => {}
                }
            }
        }
        if let Some(t) = self.tables.get(&table.id) {
            if !self.ddl_txns.is_empty() {
                if let Some(holder) =
                    self.txns
                        .conflicting(txn.id, CATALOG_TREE, &key, LockMode::KeyShare)
                {
                    return Ok(Found::Wait(holder));
                }
            }
            return Ok(Found::Table(t.clone()));
        }
        if let Some(holder) = self.txns.prepared_writer(CATALOG_TREE, &key, u64::MAX) {
            return Ok(Found::Wait(holder));
        }
        Err(undefined(&table.name))
    }

    /// Whether `name` is free in the schema for `txn` (tables, views, sequences and indexes share
    /// one namespace): see the module docs.
    fn name_state(
        &self,
        txn: TxnId,
        database: &str,
        schema: &str,
        name: &str,
    ) -> Result<NameState> {
        let named = |t: &TableDef| {
            t.database == database
                && t.schema == schema
                && (t.name == name || t.index_named(name).is_some())
        };
        let mut own = HashSet::new();
        let mut held = None;
        for (t, key, value) in self.txns.staged_in_tree(CATALOG_TREE) {
            if table_id_of(key).is_none() {
                continue;
            }
            if t == txn {
                own.insert(key.clone());
            }
            let Some(v) = value else { continue };
            if named(&TableDef::decode(v)?) {
                if t == txn {
                    return Ok(NameState::Taken);
                }
                held.get_or_insert(t);
            }
        }
        for def in self.tables.values() {
            let key = table_key(def.id);
            if own.contains(&key) || !named(def) {
                continue;
            }
            return Ok(
                match self
                    .txns
                    .conflicting(txn, CATALOG_TREE, &key, LockMode::KeyShare)
                {
                    Some(h) => NameState::Held(h),
                    None => NameState::Taken,
                },
            );
        }
        Ok(held.map_or(NameState::Free, NameState::Held))
    }

    /// Whether a table or index of the schema is called `name`, counting names staged by live
    /// transactions (for DDL outside transactions: index publication).
    pub(crate) fn relation_taken(&self, database: &str, schema: &str, name: &str) -> bool {
        !matches!(
            self.name_state(TxnId(0), database, schema, name),
            Ok(NameState::Free)
        )
    }

    /// Checks that `name` is free for `txn`: `Ok(None)` free, `Ok(Some(step))` wait.
    fn claim_name(&self, txn: &TxnCtx, t: &TableDef, name: &str) -> Result<Option<Step<I::File>>> {
        match self.name_state(txn.id, &t.database, &t.schema, name)? {
            NameState::Free => Ok(None),
            NameState::Taken => Err(SqlError::DuplicateTable(name.to_string()).into()),
            NameState::Held(holder) => Ok(Some(Step::Blocked {
                waiter: txn.id,
                holder,
            })),
        }
    }

    /// Locks a catalog key for `txn` (any kind of catalog object); the step to return if another
    /// transaction holds it. Then [`Shard::stage_entry`] stages its change.
    pub(crate) fn lock_entry(&mut self, txn: &TxnCtx, key: &[u8]) -> Option<Step<I::File>> {
        match self.txns.lock(txn, CATALOG_TREE, key, LockMode::Update) {
            LockResult::Acquired => {
                self.ddl_txns.insert(txn.id);
                None
            }
            LockResult::HeldBy(holder) => Some(Step::Blocked {
                waiter: txn.id,
                holder,
            }),
        }
    }

    /// Stages a put (`Some`) or delete (`None`) of a catalog key `txn` locked: applied by its
    /// commit ([`Shard::apply_catalog`]), undone by abort and ROLLBACK TO.
    pub(crate) fn stage_entry(&mut self, txn: &TxnCtx, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.txns.stage(txn, CATALOG_TREE, key, value, None);
    }

    /// Another transaction with pending writes to one of `table`'s trees: DROP/ALTER wait for it.
    fn writers_in_the_way(&self, txn: &TxnCtx, table: &TableDef) -> Option<Step<I::File>> {
        trees_of(table).into_iter().find_map(|tree| {
            self.txns
                .writer_in_tree(tree, txn.id)
                .map(|holder| Step::Blocked {
                    waiter: txn.id,
                    holder,
                })
        })
    }

    /// CREATE TABLE (view, sequence) in `txn`: shard 0 checks names and assigns ids; every shard
    /// creates the trees and stages the catalog entry.
    pub(crate) async fn create_table_txn(
        &mut self,
        txn: &TxnCtx,
        mut table: TableDef,
        if_not_exists: bool,
    ) -> Result<Step<I::File>> {
        if table.id.0 == 0 {
            // This shard sequences DDL: check the schema and the name, and assign the id.
            if !self.schema_exists(&table.database, &table.schema) {
                return Err(SqlError::UndefinedSchema(table.schema).into());
            }
            match self.claim_name(txn, &table, &table.name) {
                Err(_) if if_not_exists => {
                    return Ok(Step::Reply(ShardResponse::TableCreated(None)))
                }
                Err(e) => return Err(e),
                Ok(Some(wait)) => return Ok(wait),
                Ok(None) => {}
            }
            for ix in &table.indexes {
                if let Some(wait) = self.claim_name(txn, &table, &ix.name)? {
                    return Ok(wait);
                }
            }
            table.id = TableId(self.next_table_id());
            for (id, ix) in (table.id.0 + 1..).zip(table.indexes.iter_mut()) {
                ix.id = id;
            }
            self.id_floor = table.id.0 + 1 + table.indexes.len() as u64;
        }
        let key = table_key(table.id);
        if let Some(wait) = self.lock_entry(txn, &key) {
            return Ok(wait);
        }
        self.create_staged_trees(txn, table.id, trees_of(&table))
            .await?;
        self.stage_entry(txn, key, Some(table.encode()));
        Ok(Step::Reply(ShardResponse::TableCreated(Some(Arc::new(
            table,
        )))))
    }

    /// DROP TABLE in `txn`: stages the removal of the catalog entry, once no other transaction
    /// writes the table.
    pub(crate) fn drop_table_txn(
        &mut self,
        txn: &TxnCtx,
        table: &TableDef,
    ) -> Result<Step<I::File>> {
        let current = match self.txn_table(txn, table)? {
            Found::Table(t) => t,
            Found::Wait(holder) => {
                return Ok(Step::Blocked {
                    waiter: txn.id,
                    holder,
                })
            }
        };
        let key = table_key(table.id);
        if let Some(wait) = self.lock_entry(txn, &key) {
            return Ok(wait);
        }
        if let Some(wait) = self.writers_in_the_way(txn, &current) {
            return Ok(wait);
        }
        self.stage_entry(txn, key, None);
        Ok(Step::Reply(ShardResponse::TableDropped(current)))
    }

    /// A definition change in `txn` (see `ShardRequest::DefineTable`): same id; indexes may be
    /// renamed, dropped (their trees go at commit) or added (shard 0 assigns ids to those with id
    /// 0; every shard creates their trees at once, dropped again if the change does not commit).
    pub(crate) async fn define_table_txn(
        &mut self,
        txn: &TxnCtx,
        old: &TableDef,
        new: &Arc<TableDef>,
    ) -> Result<Step<I::File>> {
        let current = match self.txn_table(txn, old)? {
            Found::Table(t) => t,
            Found::Wait(holder) => {
                return Ok(Step::Blocked {
                    waiter: txn.id,
                    holder,
                })
            }
        };
        if current.encode() != old.encode() {
            return Err(ShardError::ConcurrentDdl(old.name.clone()));
        }
        let unassigned = new.indexes.iter().any(|i| i.id == 0);
        if new.id != old.id || (unassigned && self.id.0 != 0) {
            return Err(SqlError::Internal(
                "a definition change with another id or unnamed indexes reached a shard".into(),
            )
            .into());
        }
        let key = table_key(old.id);
        if let Some(wait) = self.lock_entry(txn, &key) {
            return Ok(wait);
        }
        let mut new = new.clone();
        if self.id.0 == 0 {
            // Names this change introduces: the table's, renamed and new indexes'.
            let mut fresh: Vec<String> = Vec::new();
            if new.name != old.name {
                fresh.push(new.name.clone());
            }
            for ix in &new.indexes {
                let renamed = current
                    .indexes
                    .iter()
                    .any(|o| o.id == ix.id && o.name != ix.name);
                if ix.id == 0 || renamed {
                    fresh.push(ix.name.clone());
                }
            }
            for name in &fresh {
                if let Some(wait) = self.claim_name(txn, &new, name)? {
                    return Ok(wait);
                }
            }
            if unassigned {
                let first = self.next_table_id();
                let mut next = first;
                for ix in Arc::make_mut(&mut new).indexes.iter_mut() {
                    if ix.id == 0 {
                        ix.id = next;
                        next += 1;
                    }
                }
                self.id_floor = next;
            }
        }
        if let Some(wait) = self.writers_in_the_way(txn, &current) {
            return Ok(wait);
        }
        let added: Vec<TreeId> = trees_of(&new)
            .into_iter()
            .filter(|t| !trees_of(&current).contains(t))
            .collect();
        if !added.is_empty() {
            self.create_staged_trees(txn, new.id, added).await?;
        }
        self.stage_entry(txn, key, Some(new.encode()));
        Ok(Step::Reply(ShardResponse::TableStaged(new)))
    }

    /// The catalog writes of `txn`'s write set here, or of its prepared record (recovery).
    pub(crate) fn catalog_writes(&self, txn: TxnId) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        if let Some(set) = self.txns.set(txn) {
            return set
                .tree_writes(CATALOG_TREE)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        }
        let Some(p) = self.engine.prepared(txn) else {
            return Vec::new();
        };
        p.ops
            .iter()
            .filter_map(|op| match op {
                Op::Put { tree, key, value } if *tree == CATALOG_TREE => {
                    Some((key.clone(), Some(value.clone())))
                }
                Op::Delete { tree, key } if *tree == CATALOG_TREE => Some((key.clone(), None)),
                _ => None,
            })
            .collect()
    }

    /// After `txn`'s writes applied: updates the committed catalog from its catalog `writes`,
    /// drops the trees of dropped tables and of tables it created that did not survive, and
    /// returns the changes for the core's replica.
    pub(crate) async fn apply_catalog(
        &mut self,
        txn: TxnId,
        writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    ) -> Result<Vec<CatalogChange>> {
        self.ddl_txns.remove(&txn);
        let mut changes = Vec::with_capacity(writes.len());
        let mut gone: Vec<TreeId> = Vec::new();
        for (key, value) in writes {
            // Other catalog objects (databases, and kinds added later) decode their keys here.
            let Some(id) = table_id_of(&key) else {
                continue;
            };
            let new = match value {
                Some(v) => Some(Arc::new(TableDef::decode(&v)?)),
                None => None,
            };
            let old = self.tables.remove(&id);
            if let Some(o) = &old {
                let kept = new.as_deref().map(trees_of).unwrap_or_default();
                gone.extend(trees_of(o).into_iter().filter(|t| !kept.contains(t)));
            }
            match &new {
                Some(n) => {
                    self.tables.insert(id, n.clone());
                }
                None => {
                    self.next_rowid.remove(&id);
                    self.sequences.remove(&id);
                }
            }
            changes.push(CatalogChange::Table { old, new });
        }
        for (id, trees) in self.created.remove(&txn).unwrap_or_default() {
            let kept = self
                .tables
                .get(&id)
                .map(|t| trees_of(t))
                .unwrap_or_default();
            gone.extend(trees.into_iter().filter(|t| !kept.contains(t)));
        }
        self.drop_trees(gone).await?;
        Ok(changes)
    }

    /// `txn` ended without committing (abort) or rolled back to a savepoint: drops the trees it
    /// created that neither a committed definition nor one it still stages names.
    pub(crate) async fn forget_created(&mut self, txn: TxnId) -> Result<()> {
        if !self.txns.is_active(txn) {
            self.ddl_txns.remove(&txn);
        }
        let Some(list) = self.created.remove(&txn) else {
            return Ok(());
        };
        let mut gone = Vec::new();
        let mut keep = Vec::new();
        for (id, trees) in list {
            let mut named = self
                .tables
                .get(&id)
                .map(|t| trees_of(t))
                .unwrap_or_default();
            let staged = self
                .txns
                .set(txn)
                .and_then(|s| s.get(CATALOG_TREE, &table_key(id)).flatten().cloned());
            if let Some(v) = staged {
                named.extend(trees_of(&TableDef::decode(&v)?));
            }
            let (kept, dropped): (Vec<TreeId>, Vec<TreeId>) =
                trees.into_iter().partition(|t| named.contains(t));
            gone.extend(dropped);
            if !kept.is_empty() {
                keep.push((id, kept));
            }
        }
        if !keep.is_empty() {
            self.created.insert(txn, keep);
        }
        self.drop_trees(gone).await
    }

    async fn drop_trees(&mut self, trees: Vec<TreeId>) -> Result<()> {
        let mut batch = WriteBatch::new();
        for t in trees {
            self.versions.drop_tree(t);
            if self.engine.has_tree(t) {
                batch.drop_tree(t);
            }
        }
        if !batch.ops.is_empty() {
            // Not awaited: if lost in a crash, the trees are orphans dropped at the next open.
            drop(self.engine.commit(batch).await?);
        }
        Ok(())
    }

    /// Trees that in-doubt prepared transactions stage catalog entries for: not orphans.
    pub(crate) fn in_doubt_trees(&self) -> Result<HashSet<u64>> {
        let mut out = HashSet::new();
        for d in self.engine.in_doubt() {
            for op in &d.ops {
                if let Op::Put { tree, key, value } = op {
                    if *tree == CATALOG_TREE && table_id_of(key).is_some() {
                        out.extend(trees_of(&TableDef::decode(value)?).into_iter().map(|t| t.0));
                    }
                }
            }
        }
        Ok(out)
    }
}

impl<I: Io> Shard<I> {
    /// Creates the trees a staged table definition needs and remembers them as created by `txn`
    /// (dropped again if it rolls back).
    async fn create_staged_trees(
        &mut self,
        txn: &TxnCtx,
        table: TableId,
        trees: Vec<TreeId>,
    ) -> Result<()> {
        let mut batch = WriteBatch::new();
        for t in &trees {
            if !self.engine.has_tree(*t) {
                batch.create_tree(*t);
            }
        }
        if !batch.ops.is_empty() {
            // Not awaited: the transaction's commit or prepare record follows it in the WAL.
            drop(self.engine.commit(batch).await?);
        }
        self.created.entry(txn.id).or_default().push((table, trees));
        Ok(())
    }
}
