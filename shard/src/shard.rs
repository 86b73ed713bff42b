//! One core's shard: its storage engine, its table partitions and its catalog, and the handler that
//! serves [`ShardRequest`]s.
//!
//! # Durability
//! A write request is logged and applied by [`Shard::handle`], which returns
//! [`Handled::AfterCommit`] with the WAL ticket: the runtime awaits the ticket *outside* the shard
//! (so the next request can run, and concurrent commits share one fdatasync) and only then answers.
//! Nothing is acknowledged before it is durable.
//!
//! # Catalog
//! Tree 1 holds the shard's table definitions (key: table id, big-endian; value: `TableDef::encode`).
//! Each table's rows live in the tree with the table's id. Shard 0 assigns table ids (the next id
//! after the largest it has seen), so ids are unique across the server.
//!
//! # Not yet
//! Transactions across statements and shards (issue 7): every write request commits on its own, so a
//! multi-row INSERT whose rows live on several shards is atomic per shard only, and DDL reaches the
//! shards one after another.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;

use pglitedb_sql::{SqlError, TableDef, TableId, Value};
use pglitedb_storage::io::{Io, IoFile};
use pglitedb_storage::{CommitTicket, Engine, EngineConfig, TreeId, WriteBatch};

use crate::error::{Result, ShardError};
use crate::message::{ShardId, ShardRequest, ShardResponse};
use crate::table::{decode_row, encode_row, key_detail, row_key};

/// Counters a shard keeps about its own work.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ShardStats {
    pub requests: u64,
    pub executed: u64,
    pub errors: u64,
}

/// What [`Shard::handle`] produced: an answer now, or an answer once a commit is durable.
pub enum Handled<F: IoFile> {
    Now(ShardResponse),
    AfterCommit(CommitTicket<F>, ShardResponse),
}

const CATALOG_TREE: TreeId = TreeId(1);
/// Table ids start here; lower tree ids are reserved for the shard's own structures.
const FIRST_TABLE_ID: u64 = 1000;
/// Rows read per storage call during a scan.
const SCAN_BATCH: usize = 1024;

/// The state one core owns. Only its own core calls it (`&mut self`), so nothing is locked.
pub struct Shard<I: Io> {
    id: ShardId,
    engine: Engine<I>,
    tables: HashMap<TableId, Arc<TableDef>>,
    /// Next hidden row id per table without a primary key, initialised from the tree's last key.
    next_rowid: HashMap<TableId, u64>,
    stats: ShardStats,
}

impl<I: Io> Shard<I> {
    /// Opens (recovering if needed) the shard's store and loads its catalog.
    pub async fn open(id: ShardId, io: I, cfg: EngineConfig) -> Result<Self> {
        let mut engine = Engine::open(io, cfg).await?;
        if !engine.has_tree(CATALOG_TREE) {
            let mut batch = WriteBatch::new();
            batch.create_tree(CATALOG_TREE);
            engine.commit(batch).await?.durable().await?;
        }
        let mut tables = HashMap::new();
        let mut lo: Bound<Vec<u8>> = Bound::Unbounded;
        loop {
            let lo_ref = match &lo {
                Bound::Unbounded => Bound::Unbounded,
                Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
                Bound::Included(k) => Bound::Included(k.as_slice()),
            };
            let batch = engine
                .scan(CATALOG_TREE, lo_ref, Bound::Unbounded, false, SCAN_BATCH)
                .await?;
            let Some((last, _)) = batch.last() else { break };
            lo = Bound::Excluded(last.clone());
            for (_, v) in &batch {
                let def = TableDef::decode(v)?;
                tables.insert(def.id, Arc::new(def));
            }
        }
        Ok(Shard {
            id,
            engine,
            tables,
            next_rowid: HashMap::new(),
            stats: ShardStats::default(),
        })
    }

    /// This shard's index.
    pub fn id(&self) -> ShardId {
        self.id
    }

    /// Counters so far.
    pub fn stats(&self) -> ShardStats {
        self.stats
    }

    /// Handles one request. Write requests return [`Handled::AfterCommit`]; see the module docs.
    pub async fn handle(&mut self, req: ShardRequest) -> Handled<I::File> {
        self.stats.requests += 1;
        let result = match req {
            ShardRequest::Ping => {
                return Handled::Now(ShardResponse::Pong {
                    shard: self.id,
                    requests_served: self.stats.requests,
                })
            }
            ShardRequest::Execute { plan, params } => plan
                .execute(&params)
                .map(ShardResponse::Rows)
                .map_err(Into::into),
            ShardRequest::Scan { plan, params, key } => self
                .scan(&plan, &params, key)
                .await
                .map(ShardResponse::Rows),
            ShardRequest::Insert { table, rows } => {
                let r = self.insert(&table, rows).await;
                return self.committed(r);
            }
            ShardRequest::CreateTable {
                table,
                if_not_exists,
            } => {
                let r = self.create_table(table, if_not_exists).await;
                return self.committed(r);
            }
            ShardRequest::Modify { plan, params, key } => {
                let r = self.modify(&plan, &params, key).await;
                return self.committed(r);
            }
            ShardRequest::DropTable { table } => {
                let r = self.drop_table(&table).await;
                return self.committed(r);
            }
            ShardRequest::LoadCatalog => Ok(ShardResponse::Catalog(
                self.tables.values().cloned().collect(),
            )),
            ShardRequest::MaybeCheckpoint => {
                self.maybe_checkpoint().await.map(|()| ShardResponse::Done)
            }
        };
        match result {
            Ok(resp) => {
                self.stats.executed += 1;
                Handled::Now(resp)
            }
            Err(e) => {
                self.stats.errors += 1;
                Handled::Now(ShardResponse::Error(e))
            }
        }
    }

    fn committed(
        &mut self,
        r: Result<(Option<CommitTicket<I::File>>, ShardResponse)>,
    ) -> Handled<I::File> {
        match r {
            Ok((Some(ticket), resp)) => {
                self.stats.executed += 1;
                Handled::AfterCommit(ticket, resp)
            }
            Ok((None, resp)) => {
                self.stats.executed += 1;
                Handled::Now(resp)
            }
            Err(e) => {
                self.stats.errors += 1;
                Handled::Now(ShardResponse::Error(e))
            }
        }
    }

    async fn maybe_checkpoint(&mut self) -> Result<()> {
        if self.engine.needs_checkpoint() {
            self.engine.checkpoint().await?;
        }
        Ok(())
    }

    fn local_table(&self, table: &TableDef) -> Result<Arc<TableDef>> {
        self.tables.get(&table.id).cloned().ok_or_else(|| {
            ShardError::Sql(SqlError::UndefinedTable {
                name: table.name.clone(),
                position: None,
            })
        })
    }

    async fn scan(
        &mut self,
        plan: &pglitedb_sql::QueryPlan,
        params: &[Value],
        key: Option<Vec<u8>>,
    ) -> Result<Vec<Vec<Value>>> {
        let Some(source) = &plan.source else {
            return Ok(plan.execute(params)?);
        };
        let table = self.local_table(&source.table)?;
        let tree = TreeId(table.id.0);
        let mut out = Vec::new();
        if let Some(key) = key {
            if let Some(bytes) = self.engine.get(tree, &key).await? {
                let row = decode_row(&table, &bytes)?;
                if plan.matches(&row, params)? {
                    out.push(plan.project(&row, params)?);
                }
            }
            return Ok(out);
        }
        let mut lo: Option<Vec<u8>> = None;
        loop {
            let lo_ref = lo.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
            let batch = self
                .engine
                .scan(tree, lo_ref, Bound::Unbounded, false, SCAN_BATCH)
                .await?;
            let Some((last, _)) = batch.last() else { break };
            lo = Some(last.clone());
            for (_, bytes) in &batch {
                let row = decode_row(&table, bytes)?;
                if plan.matches(&row, params)? {
                    out.push(plan.project(&row, params)?);
                }
            }
            if batch.len() < SCAN_BATCH {
                break;
            }
        }
        Ok(out)
    }

    async fn insert(
        &mut self,
        table: &TableDef,
        rows: Vec<Vec<Value>>,
    ) -> Result<(Option<CommitTicket<I::File>>, ShardResponse)> {
        let table = self.local_table(table)?;
        let tree = TreeId(table.id.0);
        let mut batch = WriteBatch::new();
        let mut seen: Vec<Vec<u8>> = Vec::new();
        let n = rows.len() as u64;
        for row in &rows {
            let key = match &table.primary_key {
                Some(_) => {
                    let key = row_key(&table, row).ok_or_else(|| {
                        SqlError::FeatureNotSupported(
                            "primary keys of this type are not supported yet".into(),
                        )
                    })?;
                    if seen.contains(&key) || self.engine.get(tree, &key).await?.is_some() {
                        return Err(SqlError::UniqueViolation {
                            constraint: table.pkey_name(),
                            detail: key_detail(&table, row),
                        }
                        .into());
                    }
                    seen.push(key.clone());
                    key
                }
                None => self.next_rowid(&table).await?.to_be_bytes().to_vec(),
            };
            batch.put(tree, &key, &encode_row(row));
        }
        let ticket = self.engine.commit(batch).await?;
        Ok((Some(ticket), ShardResponse::Inserted(n)))
    }

    /// The `(key, row)` pairs of the table's partition under `key`, or all of them.
    async fn rows(
        &mut self,
        table: &TableDef,
        key: Option<Vec<u8>>,
    ) -> Result<Vec<(Vec<u8>, Vec<Value>)>> {
        let tree = TreeId(table.id.0);
        let mut out = Vec::new();
        if let Some(key) = key {
            if let Some(bytes) = self.engine.get(tree, &key).await? {
                out.push((key, decode_row(table, &bytes)?));
            }
            return Ok(out);
        }
        let mut lo: Option<Vec<u8>> = None;
        loop {
            let lo_ref = lo.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
            let batch = self
                .engine
                .scan(tree, lo_ref, Bound::Unbounded, false, SCAN_BATCH)
                .await?;
            let full = batch.len() == SCAN_BATCH;
            lo = batch.last().map(|(k, _)| k.clone());
            for (k, bytes) in batch {
                let row = decode_row(table, &bytes)?;
                out.push((k, row));
            }
            if !full {
                break;
            }
        }
        Ok(out)
    }

    async fn modify(
        &mut self,
        plan: &pglitedb_sql::WritePlan,
        params: &[Value],
        key: Option<Vec<u8>>,
    ) -> Result<(Option<CommitTicket<I::File>>, ShardResponse)> {
        let table = self.local_table(&plan.table)?;
        let tree = TreeId(table.id.0);
        let mut batch = WriteBatch::new();
        let mut n = 0;
        for (k, row) in self.rows(&table, key).await? {
            if !plan.matches(&row, params)? {
                continue;
            }
            n += 1;
            if plan.assignments.is_empty() {
                batch.delete(tree, &k);
            } else {
                batch.put(tree, &k, &encode_row(&plan.apply(&row, params)?));
            }
        }
        if n == 0 {
            return Ok((None, ShardResponse::Modified(0)));
        }
        let ticket = self.engine.commit(batch).await?;
        Ok((Some(ticket), ShardResponse::Modified(n)))
    }

    async fn next_rowid(&mut self, table: &TableDef) -> Result<u64> {
        let next = match self.next_rowid.get(&table.id) {
            Some(n) => *n,
            None => {
                let last = self
                    .engine
                    .scan(
                        TreeId(table.id.0),
                        Bound::Unbounded,
                        Bound::Unbounded,
                        true,
                        1,
                    )
                    .await?;
                match last.first() {
                    Some((k, _)) if k.len() == 8 => {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(k);
                        u64::from_be_bytes(a) + 1
                    }
                    _ => 1,
                }
            }
        };
        self.next_rowid.insert(table.id, next + 1);
        Ok(next)
    }

    async fn create_table(
        &mut self,
        mut table: TableDef,
        if_not_exists: bool,
    ) -> Result<(Option<CommitTicket<I::File>>, ShardResponse)> {
        if table.id.0 == 0 {
            // This shard sequences DDL: check the name and assign the id.
            if self
                .tables
                .values()
                .any(|t| t.schema == table.schema && t.name == table.name)
            {
                if if_not_exists {
                    return Ok((None, ShardResponse::TableCreated(None)));
                }
                return Err(SqlError::DuplicateTable(table.name).into());
            }
            let max = self
                .tables
                .keys()
                .map(|t| t.0)
                .max()
                .unwrap_or(FIRST_TABLE_ID - 1);
            table.id = TableId(max.max(FIRST_TABLE_ID - 1) + 1);
        }
        let tree = TreeId(table.id.0);
        let mut batch = WriteBatch::new();
        if !self.engine.has_tree(tree) {
            batch.create_tree(tree);
        }
        batch.put(CATALOG_TREE, &table.id.0.to_be_bytes(), &table.encode());
        let ticket = self.engine.commit(batch).await?;
        let table = Arc::new(table);
        self.tables.insert(table.id, table.clone());
        Ok((Some(ticket), ShardResponse::TableCreated(Some(table))))
    }

    async fn drop_table(
        &mut self,
        table: &TableDef,
    ) -> Result<(Option<CommitTicket<I::File>>, ShardResponse)> {
        let Some(table) = self.tables.remove(&table.id) else {
            return Err(SqlError::UndefinedTableNoPosition(table.name.clone()).into());
        };
        let tree = TreeId(table.id.0);
        let mut batch = WriteBatch::new();
        if self.engine.has_tree(tree) {
            batch.drop_tree(tree);
        }
        batch.delete(CATALOG_TREE, &table.id.0.to_be_bytes());
        self.next_rowid.remove(&table.id);
        let ticket = self.engine.commit(batch).await?;
        Ok((Some(ticket), ShardResponse::TableDropped(table)))
    }
}
