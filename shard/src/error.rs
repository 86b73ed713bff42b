//! The shard crate's one error type; SQLSTATE is decided in [`ShardError::sqlstate`].

use pglitedb_sql::SqlError;

/// Errors a shard answers with. They travel back to the session inside a [`crate::ShardResponse`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShardError {
    /// An error from evaluating SQL on this shard.
    #[error(transparent)]
    Sql(#[from] SqlError),
    /// A request reached a shard that does not exist: a routing bug.
    #[error("internal error (bug): no shard {0}")]
    NoSuchShard(u16),
}

/// Result alias used across the crate.
pub type Result<T, E = ShardError> = std::result::Result<T, E>;

impl ShardError {
    /// The SQLSTATE code for the client.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            ShardError::Sql(e) => e.sqlstate(),
            ShardError::NoSuchShard(_) => "XX000",
        }
    }
}
