//! One core's shard: its storage engine, its table partitions and its catalog, and the handler that
//! serves [`ShardRequest`]s.
//!
//! # Durability
//! A write request is logged and applied by [`Shard::handle`], which returns
//! [`Handled::AfterCommit`] with the WAL ticket: the runtime awaits the ticket *outside* the shard
//! (so the next request can run, and concurrent commits share one fdatasync) and only then answers.
//! Nothing is acknowledged before it is durable.
//!
//! A commit releases its locks and makes its rows visible at once, before its record is durable
//! (early lock release), so the next transaction can work meanwhile. DESIGN.md allows that only
//! if nothing that read the released data is acknowledged first: so every other answer waits,
//! like a commit, until the latest visible commit is durable (`visible_lsn`). The WAL is one
//! ordered log, so that covers every commit the answer could have seen. Answers wait only while
//! a flush is pending; without recent commits they go out at once.
//!
//! # Catalog
//! Tree 1 holds the shard's table definitions (key: table id, big-endian; value: `TableDef::encode`).
//! Each table's rows live in the tree with the table's id, each of its secondary indexes' entries
//! in the tree with the index's id (`index.rs`). Shard 0 assigns table and index ids from one
//! sequence (the next id after the largest it has seen), so ids are unique across the server.
//! Tables and indexes share one namespace per schema (`ddl.rs`). Temporary tables are not in the
//! catalog (`temp.rs`). Databases have keys `D<name>` (`database.rs`), schemas `N<db>\0<name>`
//! (`schema.rs`), user-defined functions `P<id>` (`function.rs`; their ids come from the same
//! sequence).
//!
//! CREATE/DROP TABLE and definition-only ALTER TABLE are staged writes of their transaction and
//! change `tables` only when it commits (`ddl.rs`). Index publication, row-rewriting ALTER TABLE
//! and database DDL still commit on each shard on their own.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;

use pglitedb_sql::{SqlError, TableDef, TableId};
use pglitedb_storage::io::{Io, IoFile};
use pglitedb_storage::{CommitTicket, Engine, EngineConfig, TreeId, WriteBatch};

use crate::error::{Result, ShardError};
use crate::message::TxnId;
use crate::message::{ShardId, ShardRequest, ShardResponse};
use crate::mvcc::{Clock, Versions};
use crate::txn::TxnTable;

/// Counters a shard keeps about its own work.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ShardStats {
    pub requests: u64,
    pub executed: u64,
    pub errors: u64,
}

/// What [`Shard::handle`] produced: an answer now, an answer once a commit is durable, or nothing
/// yet because transaction `waiter` waits for `holder`'s row lock.
pub enum Handled<F: IoFile> {
    Now(ShardResponse),
    AfterCommit(CommitTicket<F>, ShardResponse),
    Blocked { waiter: TxnId, holder: TxnId },
}

/// The internal result of one request.
pub(crate) enum Step<F: IoFile> {
    Reply(ShardResponse),
    Commit(CommitTicket<F>, ShardResponse),
    Blocked { waiter: TxnId, holder: TxnId },
}

pub(crate) const CATALOG_TREE: TreeId = TreeId(1);
/// Committed multi-shard transactions (key: txn id), written in each participant's prepare batch so
/// that recovery can tell "committed here" from "never prepared here".
pub(crate) const OUTCOME_TREE: TreeId = TreeId(2);
/// Table ids start here; lower tree ids are reserved for the shard's own structures.
pub(crate) const FIRST_TABLE_ID: u64 = 1000;
/// Catalog keys of databases start with this byte (table keys are 8-byte big-endian ids below
/// 2^56, so they start with 0).
pub(crate) const DATABASE_KEY: &[u8] = b"D";

pub(crate) fn database_key(name: &str) -> Vec<u8> {
    let mut k = DATABASE_KEY.to_vec();
    k.extend_from_slice(name.as_bytes());
    k
}
/// Rows read per storage call during a scan.
pub(crate) const SCAN_BATCH: usize = 1024;

/// The state one core owns. Only its own core calls it (`&mut self`), so nothing is locked.
pub struct Shard<I: Io> {
    pub(crate) id: ShardId,
    pub(crate) engine: Engine<I>,
    pub(crate) tables: HashMap<TableId, Arc<TableDef>>,
    /// Temporary tables of this core's sessions (`temp.rs`): in memory only, never in the catalog.
    pub(crate) temp_tables: HashMap<TableId, Arc<TableDef>>,
    /// Next temporary table id (see `temp.rs`).
    pub(crate) next_temp: u64,
    /// State of the sequences this shard owns, loaded at first use (`sequence.rs`).
    pub(crate) sequences: HashMap<TableId, crate::sequence::SeqState>,
    /// User-defined functions by id; catalog keys `P<id>` (`function.rs`).
    pub(crate) functions: HashMap<u64, Arc<pglitedb_sql::FunctionDef>>,
    /// The databases (tenants); catalog keys `D<name>`.
    pub(crate) databases: std::collections::BTreeSet<String>,
    /// The schemas users created, of every database (`schema.rs`); catalog keys `N<db>\0<name>`.
    pub(crate) schemas: Vec<pglitedb_sql::SchemaDef>,
    /// ALTER DATABASE SET defaults, stored as the value of the database's catalog key.
    pub(crate) database_settings: std::collections::BTreeMap<String, Vec<(String, String)>>,
    /// Next hidden row id per table without a primary key, initialised from the tree's last key.
    pub(crate) next_rowid: HashMap<TableId, u64>,
    pub(crate) txns: TxnTable,
    /// Recent versions for snapshots (`mvcc.rs`).
    pub(crate) versions: Versions,
    /// The server's timestamp source (`mvcc.rs`); set by the runtime with [`Shard::set_clock`].
    pub(crate) clock: Clock,
    /// Set when a transaction ends; see [`Shard::take_released`].
    pub(crate) released: bool,
    /// The LSN of the latest commit whose changes are visible (see the module doc).
    pub(crate) visible_lsn: pglitedb_storage::Lsn,
    pub(crate) stats: ShardStats,
    /// Trees created for tables staged by each live transaction (`ddl.rs`).
    pub(crate) created: HashMap<TxnId, Vec<(TableId, Vec<TreeId>)>>,
    /// Ids below this were handed out since the shard opened (`ddl.rs`).
    pub(crate) id_floor: u64,
    /// Live transactions that locked catalog entries here: while there are none, requests skip
    /// the lock check on their table's entry (`ddl.rs`).
    pub(crate) ddl_txns: std::collections::HashSet<TxnId>,
}

impl<I: Io> Shard<I> {
    /// Opens (recovering if needed) the shard's store and loads its catalog.
    pub async fn open(id: ShardId, io: I, cfg: EngineConfig) -> Result<Self> {
        let mut engine = Engine::open(io, cfg).await?;
        if engine.stats().replayed > 0 {
            // Checkpoint what recovery replayed: otherwise every restart before the next timed
            // checkpoint replays the same WAL again, and restarts after repeated crashes grow
            // longer (the crash test saw 2 s become 21 s).
            engine.checkpoint().await?;
        }
        for tree in [CATALOG_TREE, OUTCOME_TREE] {
            if !engine.has_tree(tree) {
                let mut batch = WriteBatch::new();
                batch.create_tree(tree);
                engine.commit(batch).await?.durable().await?;
            }
        }
        let mut tables = HashMap::new();
        let mut functions = HashMap::new();
        let mut databases = std::collections::BTreeSet::new();
        let mut database_settings = std::collections::BTreeMap::new();
        let mut schemas = Vec::new();
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
            for (k, v) in &batch {
                if let Some(name) = k.strip_prefix(DATABASE_KEY) {
                    let name = String::from_utf8_lossy(name).into_owned();
                    let settings = crate::database::decode_settings(v)?;
                    if !settings.is_empty() {
                        database_settings.insert(name.clone(), settings);
                    }
                    databases.insert(name);
                    continue;
                }
                if let Some(rest) = k.strip_prefix(crate::schema::SCHEMA_KEY) {
                    schemas.push(crate::schema::decode_schema(rest, v)?);
                    continue;
                }
                if k.starts_with(crate::function::FUNCTION_KEY) {
                    let f = pglitedb_sql::FunctionDef::decode(v)?;
                    functions.insert(f.id, Arc::new(f));
                    continue;
                }
                let def = TableDef::decode(v)?;
                tables.insert(def.id, Arc::new(def));
            }
        }
        if databases.is_empty() {
            // A new store (or one from before databases): PostgreSQL's three.
            let mut batch = WriteBatch::new();
            for name in [pglitedb_sql::DEFAULT_DATABASE, "template0", "template1"] {
                batch.put(CATALOG_TREE, &database_key(name), b"");
                databases.insert(name.to_string());
            }
            engine.commit(batch).await?.durable().await?;
        }
        let mut shard = Shard {
            id,
            engine,
            tables,
            temp_tables: HashMap::new(),
            next_temp: 0,
            sequences: HashMap::new(),
            functions,
            databases,
            schemas,
            database_settings,
            next_rowid: HashMap::new(),
            txns: TxnTable::default(),
            versions: Versions::default(),
            clock: Clock::default(),
            released: false,
            visible_lsn: pglitedb_storage::Lsn::default(),
            stats: ShardStats::default(),
            created: HashMap::new(),
            id_floor: 0,
            ddl_txns: std::collections::HashSet::new(),
        };
        shard.drop_orphan_trees().await?;
        Ok(shard)
    }

    /// Shares the server's one timestamp source (every shard and session must use the same).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// This shard's index.
    pub fn id(&self) -> ShardId {
        self.id
    }

    /// Counters so far.
    pub fn stats(&self) -> ShardStats {
        self.stats
    }

    /// Handles one request. Write requests answer once durable ([`Handled::AfterCommit`]); a write
    /// that meets another transaction's row lock returns [`Handled::Blocked`] and must be handled
    /// again, unchanged, after that transaction ends (see `txn.rs`).
    pub async fn handle(&mut self, req: &ShardRequest) -> Handled<I::File> {
        self.stats.requests += 1;
        let step = match req {
            ShardRequest::Ping => Ok(Step::Reply(ShardResponse::Pong {
                shard: self.id,
                requests_served: self.stats.requests,
            })),
            ShardRequest::Execute { plan, params } => plan
                .execute(params)
                .map(|rows| Step::Reply(ShardResponse::Rows(rows)))
                .map_err(Into::into),
            ShardRequest::Scan {
                txn,
                plan,
                params,
                key,
            } => self.scan(txn, plan, params, key.clone()).await,
            ShardRequest::Insert { txn, table, rows } => self.insert(txn, table, rows).await,
            ShardRequest::Upsert {
                txn,
                table,
                rows,
                on_conflict,
                params,
                returning,
            } => {
                self.upsert(txn, table, rows, on_conflict, params, *returning)
                    .await
            }
            ShardRequest::UpsertExisting {
                txn,
                table,
                key,
                excluded,
                on_conflict,
                params,
                mine,
                returning,
            } => {
                self.upsert_existing(
                    txn,
                    table,
                    key,
                    excluded,
                    on_conflict,
                    params,
                    *mine,
                    *returning,
                )
                .await
            }
            ShardRequest::IndexClaim {
                txn,
                table,
                index,
                key,
            } => self.index_claim(txn, table, *index, key).await,
            ShardRequest::IndexWrite {
                txn,
                table,
                index,
                ops,
            } => self.index_write(txn, table, *index, ops).await,
            ShardRequest::ScanKeyed { txn, table } => self.keyed_rows(txn, table).await,
            ShardRequest::IndexLookup {
                txn,
                table,
                index,
                key,
            } => self.index_lookup(txn, table, *index, key).await,
            ShardRequest::Modify {
                txn,
                plan,
                params,
                key,
            } => self.modify(txn, plan, params, key.clone()).await,
            ShardRequest::RollbackTo { txn, sub } => {
                if self.txns.rollback_to(*txn, *sub) {
                    self.released = true;
                }
                self.forget_created(*txn)
                    .await
                    .map(|()| Step::Reply(ShardResponse::Done))
            }
            ShardRequest::Commit { txn } => self.commit(*txn).await,
            ShardRequest::Prepare { txn, participants } => self.prepare(*txn, participants).await,
            ShardRequest::CommitPrepared { txn, ts } => self.commit_prepared(*txn, *ts).await,
            ShardRequest::Abort { txn } => self.abort(*txn).await,
            ShardRequest::TxnStatus { txn } => self.txn_status(*txn).await.map(Step::Reply),
            // The runtime answers these (it owns the parked requests); nothing to do here.
            ShardRequest::Interrupt { .. } => Ok(Step::Reply(ShardResponse::Done)),
            ShardRequest::WaitsFor => Ok(Step::Reply(ShardResponse::WaitsFor(Vec::new()))),
            ShardRequest::InDoubt => Ok(Step::Reply(ShardResponse::InDoubt(self.in_doubt()))),
            ShardRequest::CreateTable {
                txn,
                table,
                if_not_exists,
            } => match txn {
                _ if table.temp.is_some() => self.create_temp_table(table.clone()).await,
                Some(txn) => {
                    self.create_table_txn(txn, table.clone(), *if_not_exists)
                        .await
                }
                None => Err(no_txn()),
            },
            ShardRequest::DropTable { txn, table } => match txn {
                _ if table.temp.is_some() => self.drop_temp_table(table).await,
                Some(txn) => self.drop_table_txn(txn, table),
                None => Err(no_txn()),
            },
            ShardRequest::DefineTable { txn, old, new } => {
                self.define_table_txn(txn, old, new).await
            }
            ShardRequest::TruncateTemp { table } => self.truncate_temp(table).await,
            ShardRequest::NextVal { seq, n } => self.nextval(seq, *n).await,
            ShardRequest::SetVal {
                seq,
                value,
                is_called,
            } => self.setval(seq, *value, *is_called).await,
            ShardRequest::ReplaceTable { old, new, rows } => {
                self.replace_table(old, new.clone(), rows).await
            }
            ShardRequest::AlterTable { old, new } => self.alter_table(old, new).await,
            ShardRequest::LoadCatalog => Ok(Step::Reply(ShardResponse::Catalog {
                tables: self.tables.values().cloned().collect(),
                databases: self.databases.iter().cloned().collect(),
                database_settings: self
                    .database_settings
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                schemas: self.schemas.clone(),
                functions: self.functions.values().cloned().collect(),
            })),
            ShardRequest::CreateSchema {
                schema,
                if_not_exists,
            } => self.create_schema(schema, *if_not_exists).await,
            ShardRequest::DropSchema { database, name } => self.drop_schema(database, name).await,
            ShardRequest::RenameSchema { database, name, to } => {
                self.rename_schema(database, name, to).await
            }
            ShardRequest::CreateFunction { func, or_replace } => {
                self.create_function(func.clone(), *or_replace).await
            }
            ShardRequest::DropFunction { func } => self.drop_function(func).await,
            ShardRequest::AlterDatabase {
                name,
                setting,
                value,
            } => {
                self.alter_database(name, setting.as_deref(), value.as_deref())
                    .await
            }
            ShardRequest::CreateDatabase { name } => self.create_database(name).await,
            ShardRequest::DropDatabase { name, if_exists } => {
                self.drop_database(name, *if_exists).await
            }
            ShardRequest::CollectVersions { horizon } => {
                self.collect_versions(*horizon);
                Ok(Step::Reply(ShardResponse::Done))
            }
            ShardRequest::MaybeCheckpoint => self
                .maybe_checkpoint()
                .await
                .map(|()| Step::Reply(ShardResponse::Done)),
        };
        match step {
            Ok(Step::Reply(resp)) => {
                self.stats.executed += 1;
                self.after_visible(resp)
            }
            Ok(Step::Commit(ticket, resp)) => {
                self.stats.executed += 1;
                self.visible_lsn = self.visible_lsn.max(ticket.lsn());
                Handled::AfterCommit(ticket, resp)
            }
            Ok(Step::Blocked { waiter, holder }) => Handled::Blocked { waiter, holder },
            Err(e) => {
                self.stats.errors += 1;
                self.after_visible(ShardResponse::Error(e))
            }
        }
    }

    /// An answer that may reflect visible commits: at once if they are all durable, else once
    /// the latest is (see the module doc).
    fn after_visible(&self, resp: ShardResponse) -> Handled<I::File> {
        if self.engine.is_durable(self.visible_lsn) {
            Handled::Now(resp)
        } else {
            Handled::AfterCommit(self.engine.ticket(self.visible_lsn), resp)
        }
    }

    /// Whether some transaction ended (and released locks) since the last call: parked requests
    /// should be handled again.
    pub fn take_released(&mut self) -> bool {
        std::mem::take(&mut self.released)
    }

    async fn maybe_checkpoint(&mut self) -> Result<()> {
        if self.engine.needs_checkpoint() {
            self.engine.checkpoint().await?;
        }
        Ok(())
    }

    pub(crate) fn local_table(&self, table: &TableDef) -> Result<Arc<TableDef>> {
        let found = self
            .tables
            .get(&table.id)
            .or_else(|| self.temp_tables.get(&table.id));
        found.cloned().ok_or_else(|| {
            ShardError::Sql(SqlError::UndefinedTable {
                name: table.name.clone(),
                position: None,
            })
        })
    }
}

fn no_txn() -> ShardError {
    SqlError::Internal("DDL without a transaction reached a shard (bug)".into()).into()
}
