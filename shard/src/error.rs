//! The shard crate's one error type; SQLSTATE is decided in [`ShardError::sqlstate`].

use pglitedb_sql::SqlError;
use pglitedb_storage::StorageError;

/// Errors a shard answers with. They travel back to the session inside a [`crate::ShardResponse`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShardError {
    /// An error from evaluating SQL on this shard (including constraint violations).
    #[error(transparent)]
    Sql(#[from] SqlError),
    /// The storage engine failed; the message is the storage error's.
    #[error("could not access storage: {message}")]
    Storage {
        message: String,
        corrupted: bool,
        io: bool,
    },
    /// A stored row could not be decoded: data corruption.
    #[error("could not decode a row of relation \"{0}\"")]
    CorruptRow(String),
    /// 40P01: a cycle in the waits-for graph, or a lock wait longer than the deadlock timeout.
    #[error("deadlock detected")]
    Deadlock { detail: String },
    /// 55P03: NOWAIT met a locked row.
    #[error("could not obtain lock on row in relation \"{relation}\"")]
    LockNotAvailable { relation: String },
    /// 55P03: a lock wait outlasted `lock_timeout`.
    #[error("canceling statement due to lock timeout")]
    LockTimeout,
    /// 57014: a wait outlasted `statement_timeout`.
    #[error("canceling statement due to statement timeout")]
    StatementTimeout,
    /// 57014: a CancelRequest interrupted a wait.
    #[error("canceling statement due to user request")]
    Canceled,
    /// 40001: REPEATABLE READ / SERIALIZABLE met a row changed after its snapshot.
    #[error("could not serialize access due to concurrent {}", if *.deleted { "delete" } else { "update" })]
    SerializationFailure { deleted: bool },
    /// 40001: the table's indexes changed (CREATE/DROP INDEX) after the statement was bound; the
    /// statement may be retried.
    #[error("indexes of relation \"{0}\" changed concurrently; retry the statement")]
    DefinitionChanged(String),
    /// 40001: the table's definition changed (a concurrent DDL committed) after the statement was
    /// bound; the statement may be retried.
    #[error("relation \"{0}\" was changed by a concurrent transaction; retry the statement")]
    ConcurrentDdl(String),
    /// A request reached a shard that does not exist: a routing bug.
    #[error("internal error (bug): no shard {0}")]
    NoSuchShard(u16),
    /// The shard's executor stopped (server shutting down).
    #[error("shard is not available")]
    Unavailable,
}

impl From<StorageError> for ShardError {
    fn from(e: StorageError) -> Self {
        ShardError::Storage {
            message: e.to_string(),
            corrupted: matches!(e, StorageError::Corrupted(_)),
            io: matches!(e, StorageError::Io(_) | StorageError::Poisoned),
        }
    }
}

/// Result alias used across the crate.
pub type Result<T, E = ShardError> = std::result::Result<T, E>;

impl ShardError {
    /// The SQLSTATE code for the client.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            ShardError::Sql(e) => e.sqlstate(),
            ShardError::Storage {
                corrupted: true, ..
            } => "XX001",
            ShardError::Storage { io: true, .. } => "58030",
            ShardError::Storage { .. } => "XX000",
            ShardError::CorruptRow(_) => "XX001",
            ShardError::Deadlock { .. } => "40P01",
            ShardError::LockNotAvailable { .. } | ShardError::LockTimeout => "55P03",
            ShardError::StatementTimeout | ShardError::Canceled => "57014",
            ShardError::SerializationFailure { .. }
            | ShardError::DefinitionChanged(_)
            | ShardError::ConcurrentDdl(_) => "40001",
            ShardError::NoSuchShard(_) => "XX000",
            ShardError::Unavailable => "57P01",
        }
    }
}
