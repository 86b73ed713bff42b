//! Typed messages between sessions and shards. Everything here is owned and `Send`: it crosses cores.

use std::sync::Arc;

use pglitedb_sql::{OnConflict, QueryPlan, TableDef, Value, WritePlan};

use crate::error::ShardError;
use crate::txn::{Ts, TxnCtx};
pub use pglitedb_storage::TxnId;

/// A shard's index, `0..shards`. Not glommio's executor id (those are global counters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShardId(pub u16);

impl std::fmt::Display for ShardId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shard-{}", self.0)
    }
}

/// A request to a shard.
#[derive(Debug, Clone)]
pub enum ShardRequest {
    /// Liveness and latency probe of the mesh.
    Ping,
    /// Run a table-less query plan with bound parameters.
    Execute {
        plan: Arc<QueryPlan>,
        params: pglitedb_sql::Params,
    },
    /// Run a query plan's scan over this shard's partition of its table: the row under `key` only
    /// (a primary-key point lookup routed here), or all rows; filter and project each. Rows are the
    /// versions of `txn`'s snapshot overlaid with its own pending writes. A plan with a locking
    /// clause locks the rows it returns (and then returns their newest versions, see `dml.rs`).
    Scan {
        txn: TxnCtx,
        plan: Arc<QueryPlan>,
        params: pglitedb_sql::Params,
        key: Option<Vec<u8>>,
    },
    /// Insert full rows (already evaluated, NOT NULL checked) into this shard's partition. Rows of a
    /// table without a primary key get row ids from this shard. Durable before the answer.
    Insert {
        txn: TxnCtx,
        table: Arc<TableDef>,
        rows: Vec<Vec<Value>>,
    },
    /// INSERT ... ON CONFLICT of rows whose primary keys (or, without one, this shard's row ids)
    /// are here: each row is inserted, or meets an existing row under the same key and gets the
    /// clause's action if the primary key is an arbiter (23505 otherwise). See `upsert.rs`.
    /// Answered with `Upserted` (rows for RETURNING when `returning`).
    Upsert {
        txn: TxnCtx,
        table: Arc<TableDef>,
        rows: Vec<Vec<Value>>,
        on_conflict: Arc<OnConflict>,
        params: pglitedb_sql::Params,
        returning: bool,
    },
    /// ON CONFLICT's action on the row stored under `key` here, which an arbiter index entry
    /// named, for the proposed row `excluded`; `mine`: the statement already inserted or updated
    /// that row. Answered with `Upserted` (`gone` if no row is there any more).
    UpsertExisting {
        txn: TxnCtx,
        table: Arc<TableDef>,
        key: Vec<u8>,
        excluded: Vec<Value>,
        on_conflict: Arc<OnConflict>,
        params: pglitedb_sql::Params,
        mine: bool,
        returning: bool,
    },
    /// ON CONFLICT's arbiter check on unique index `index`: lock entry key `key`, answer the
    /// reference of its newest entry (`IndexRefs`, empty when none).
    IndexClaim {
        txn: TxnCtx,
        table: Arc<TableDef>,
        index: u64,
        key: Vec<u8>,
    },
    /// Apply changes to the entries of index `index` (an id) of `table` on this shard (see
    /// `index.rs`): lock, check uniqueness, stage. Answered with `Modified(n)`.
    IndexWrite {
        txn: TxnCtx,
        table: Arc<TableDef>,
        index: u64,
        ops: Vec<crate::index::IndexOp>,
    },
    /// The row references (see `index.rs`) of index `index`'s entries for index key `key` that
    /// `txn` sees (its snapshot plus its own writes). Answered with `IndexRefs`.
    IndexLookup {
        txn: TxnCtx,
        table: Arc<TableDef>,
        index: u64,
        key: Vec<u8>,
    },
    /// Every row of this shard's partition with its storage key (newest committed versions plus
    /// `txn`'s own), after waiting for other writers of the table: CREATE INDEX's build.
    ScanKeyed { txn: TxnCtx, table: Arc<TableDef> },
    /// ALTER TABLE that changes only the definition (same id): renames, defaults, NOT NULL.
    /// Shard 0 (the DDL sequencer) checks a new name first. Answered with `TableAltered`.
    AlterTable {
        old: Arc<TableDef>,
        new: Arc<TableDef>,
    },
    /// UPDATE (the plan has assignments) or DELETE (it has none) of this shard's matching rows: the
    /// row under `key` only, or all rows. Durable before the answer.
    Modify {
        txn: TxnCtx,
        plan: Arc<WritePlan>,
        params: pglitedb_sql::Params,
        key: Option<Vec<u8>>,
    },
    /// `n` values of sequence `seq`, whose owner this shard is (`sequence.rs`); answered with
    /// `SequenceValues` once the values are covered by a durable claim; fewer when the sequence
    /// reaches its bound (2200H if not even one is left).
    NextVal { seq: Arc<TableDef>, n: u32 },
    /// setval: the sequence's next nextval returns `value` (`is_called` false) or the value after
    /// it. Durable before the answer (`Done`).
    SetVal {
        seq: Arc<TableDef>,
        value: i64,
        is_called: bool,
    },
    /// Empty a temporary table of this shard's session (ON COMMIT DELETE ROWS, between
    /// transactions): its tree is replaced by an empty one. Answered with `Done`.
    TruncateTemp { table: Arc<TableDef> },
    /// Commit `txn`, whose only participant is this shard. Durable before the answer.
    Commit { txn: TxnId },
    /// First phase of a multi-shard commit: make `txn`'s writes durable as prepared, naming all
    /// participants (shard ids). Durable before the answer.
    Prepare { txn: TxnId, participants: Vec<u32> },
    /// Second phase: apply a prepared `txn` with commit timestamp `ts` (taken once every
    /// participant prepared, see `mvcc.rs`) and release its locks.
    CommitPrepared { txn: TxnId, ts: Ts },
    /// ROLLBACK TO the savepoint numbered `sub`: undo `txn`'s changes and locks since it.
    RollbackTo { txn: TxnId, sub: u32 },
    /// Answer `txn`'s requests that wait for a lock here with `reason`'s error (the runtime
    /// handles this, not [`crate::Shard::handle`]).
    Interrupt { txn: TxnId, reason: Interrupt },
    /// The waits-for edges `(waiter, holder)` of the requests parked here (the runtime answers).
    WaitsFor,
    /// Forget `txn` (rolling back a prepared one) and release its locks.
    Abort { txn: TxnId },
    /// What this shard knows about `txn` (recovery of in-doubt transactions).
    TxnStatus { txn: TxnId },
    /// Transactions prepared here without an outcome, with their participants.
    InDoubt,
    /// Create a table (view, sequence). `id` 0 asks this shard (the DDL sequencer, shard 0) to
    /// check the name and assign the next id; other shards receive the definition with its id.
    /// With `txn` (every table but temporary ones) the catalog entry is a staged write of the
    /// transaction (see `ddl.rs`), applied by its commit; answered with `TableCreated` at once.
    CreateTable {
        txn: Option<TxnCtx>,
        table: TableDef,
        if_not_exists: bool,
    },
    /// Drop a table: with `txn`, stage the removal of its catalog entry (its trees go when the
    /// transaction commits, see `ddl.rs`); without (temporary tables), at once.
    DropTable {
        txn: Option<TxnCtx>,
        table: Arc<TableDef>,
    },
    /// Replace a table's definition (same id) in transaction `txn`: ALTER TABLE's definition-only
    /// changes, CREATE OR REPLACE VIEW, ATTACH/DETACH PARTITION, CREATE/DROP INDEX in a block.
    /// Shard 0 checks new names and assigns ids to new indexes (id 0); the others get its answer.
    /// `old` is the definition the statement was bound against; a shard whose current one
    /// differs answers 40001. Staged (see `ddl.rs`); answered with `TableStaged`.
    DefineTable {
        txn: TxnCtx,
        old: Arc<TableDef>,
        new: Arc<TableDef>,
    },
    /// ALTER TABLE that rewrites rows (ADD PRIMARY KEY, ADD/DROP COLUMN): replace the table's
    /// partition with `rows` under the definition `new` (id 0: this shard assigns it); answered
    /// with `TableAltered`.
    ReplaceTable {
        old: Arc<TableDef>,
        new: TableDef,
        rows: Vec<Vec<Value>>,
    },
    /// All table definitions this shard has (start-up: the core's catalog replica).
    LoadCatalog,
    /// CREATE [OR REPLACE] FUNCTION (`function.rs`): id 0 asks shard 0 to check the signature
    /// and assign the id. Answered with `FunctionCreated`.
    CreateFunction {
        func: pglitedb_sql::FunctionDef,
        or_replace: bool,
    },
    /// DROP FUNCTION of one function (by id). Answered with `FunctionDropped`.
    DropFunction {
        func: Arc<pglitedb_sql::FunctionDef>,
    },
    /// CREATE DATABASE; shard 0 (the DDL sequencer) checks the name first.
    CreateDatabase { name: String },
    /// DROP DATABASE: the database and every table of it on this shard.
    DropDatabase { name: String, if_exists: bool },
    /// ALTER DATABASE SET/RESET: `setting: None` resets all; `value: None` resets one.
    AlterDatabase {
        name: String,
        setting: Option<String>,
        value: Option<String>,
    },
    /// CREATE SCHEMA; shard 0 (the DDL sequencer) checks the name first (`schema.rs`).
    CreateSchema {
        schema: pglitedb_sql::SchemaDef,
        if_not_exists: bool,
    },
    /// DROP SCHEMA: the schema and every relation of it on this shard.
    DropSchema { database: String, name: String },
    /// ALTER SCHEMA name RENAME TO to.
    RenameSchema {
        database: String,
        name: String,
        to: String,
    },
    /// Drop row versions no snapshot at or after `horizon` needs (see `mvcc.rs`).
    CollectVersions { horizon: Ts },
    /// Checkpoint if the WAL or the clock says one is due.
    MaybeCheckpoint,
}

impl ShardRequest {
    /// The transaction context of a read or write request.
    pub fn txn_ctx(&self) -> Option<&TxnCtx> {
        match self {
            ShardRequest::Scan { txn, .. }
            | ShardRequest::Insert { txn, .. }
            | ShardRequest::Upsert { txn, .. }
            | ShardRequest::UpsertExisting { txn, .. }
            | ShardRequest::IndexClaim { txn, .. }
            | ShardRequest::Modify { txn, .. }
            | ShardRequest::IndexWrite { txn, .. }
            | ShardRequest::ScanKeyed { txn, .. }
            | ShardRequest::IndexLookup { txn, .. }
            | ShardRequest::DefineTable { txn, .. } => Some(txn),
            ShardRequest::CreateTable { txn, .. } | ShardRequest::DropTable { txn, .. } => {
                txn.as_ref()
            }
            _ => None,
        }
    }
}

/// Why a waiting request is answered with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    Canceled,
    StatementTimeout,
    Deadlock,
}

impl Interrupt {
    /// The error the waiting request is answered with.
    pub fn error(self) -> ShardError {
        match self {
            Interrupt::Canceled => ShardError::Canceled,
            Interrupt::StatementTimeout => ShardError::StatementTimeout,
            Interrupt::Deadlock => ShardError::Deadlock {
                detail: "cycle in the waits-for graph across shards".into(),
            },
        }
    }
}

/// A change of a shard's committed catalog, made by a transaction's commit (see `ddl.rs`). Other
/// kinds of catalog objects (keys of the catalog tree) add a variant here.
#[derive(Debug, Clone)]
pub enum CatalogChange {
    /// A table's (view's, sequence's) definition: `old` `None` means created, `new` `None`
    /// dropped.
    Table {
        old: Option<Arc<TableDef>>,
        new: Option<Arc<TableDef>>,
    },
}

/// What a shard knows about a multi-shard transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnStatus {
    /// Prepared here, outcome unknown.
    InDoubt,
    /// Committed here (its outcome record is in the shard's outcome tree).
    Committed,
    /// Never prepared here, or rolled back.
    Unknown,
}

/// A shard's answer to one [`ShardRequest`].
#[derive(Debug, Clone)]
pub enum ShardResponse {
    Pong {
        shard: ShardId,
        requests_served: u64,
    },
    Rows(Vec<Vec<Value>>),
    /// Values handed out by `NextVal`, in order.
    SequenceValues(Vec<i64>),
    /// Rows inserted.
    Inserted(u64),
    /// Rows inserted into a table with indexes: their storage keys, in the request's order.
    InsertedKeys(Vec<Vec<u8>>),
    /// Rows updated or deleted in a table with indexes (the session maintains the entries).
    ModifiedRows(Vec<crate::index::RowChange>),
    /// What an `Upsert`/`UpsertExisting` did.
    Upserted(Box<crate::upsert::Upserted>),
    /// Row references from an index (`IndexLookup`, `IndexClaim`).
    IndexRefs(Vec<Vec<u8>>),
    /// Rows with their storage keys (`ScanKeyed`).
    KeyedRows(Vec<(Vec<u8>, Vec<Value>)>),
    /// Rows updated or deleted.
    Modified(u64),
    /// Rows updated, some of which left their partition: deleted here, and their new versions are
    /// for the session to insert through the statement's target (`WritePlan::moves`).
    Moved {
        count: u64,
        rows: Vec<Vec<Value>>,
    },
    /// `Moved` under RETURNING: the new versions of the rows that stayed (`returned`) and of
    /// those that left the partition (`moved`, for the session to insert; RETURNING shows them
    /// as well).
    MovedReturning {
        returned: Vec<Vec<Value>>,
        moved: Vec<Vec<Value>>,
    },
    /// `Prepare` is durable.
    Prepared,
    TxnStatus(TxnStatus),
    InDoubt(Vec<(TxnId, Vec<u32>)>),
    WaitsFor(Vec<(TxnId, TxnId)>),
    /// The created table (with its id), or `None` if it existed and IF NOT EXISTS was given.
    TableCreated(Option<Arc<TableDef>>),
    TableDropped(Arc<TableDef>),
    /// `DefineTable` staged: the definition as staged.
    TableStaged(Arc<TableDef>),
    /// A commit applied: the catalog changes it made on this shard (each core's replica follows
    /// its own shard's).
    Committed(Vec<CatalogChange>),
    /// A table's definition replaced (its name may have changed).
    TableAltered {
        old: Arc<TableDef>,
        new: Arc<TableDef>,
    },
    Catalog {
        tables: Vec<Arc<TableDef>>,
        databases: Vec<String>,
        /// Per-database setting defaults (ALTER DATABASE SET), for databases that have any.
        database_settings: Vec<(String, Vec<(String, String)>)>,
        /// The schemas users created, of every database.
        schemas: Vec<pglitedb_sql::SchemaDef>,
        /// User-defined functions of every database.
        functions: Vec<Arc<pglitedb_sql::FunctionDef>>,
    },
    /// CREATE SCHEMA done on this shard (`None`: it existed and IF NOT EXISTS was given).
    SchemaCreated(Option<pglitedb_sql::SchemaDef>),
    /// DROP SCHEMA done on this shard: the schema and its relations are gone.
    SchemaDropped {
        database: String,
        name: String,
    },
    /// ALTER SCHEMA RENAME done on this shard.
    SchemaRenamed {
        database: String,
        name: String,
        to: String,
    },
    /// A function created or replaced on this shard (with its id).
    FunctionCreated(Arc<pglitedb_sql::FunctionDef>),
    FunctionDropped(Arc<pglitedb_sql::FunctionDef>),
    /// ALTER DATABASE done on this shard: the database's defaults afterwards.
    DatabaseAltered {
        name: String,
        settings: Vec<(String, String)>,
    },
    /// CREATE DATABASE done on this shard.
    DatabaseCreated(String),
    /// DROP DATABASE done on this shard (`existed: false`: IF EXISTS found nothing).
    DatabaseDropped {
        name: String,
        existed: bool,
    },
    Done,
    Error(ShardError),
}
