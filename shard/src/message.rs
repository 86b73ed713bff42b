//! Typed messages between sessions and shards. Everything here is owned and `Send`: it crosses cores.

use std::sync::Arc;

use pglitedb_sql::{QueryPlan, Value};

use crate::error::ShardError;

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
    /// Run (this shard's part of) a query plan with bound parameters.
    Execute {
        plan: Arc<QueryPlan>,
        params: Vec<Value>,
    },
}

/// A shard's answer to one [`ShardRequest`].
#[derive(Debug, Clone)]
pub enum ShardResponse {
    Pong {
        shard: ShardId,
        requests_served: u64,
    },
    Rows(Vec<Vec<Value>>),
    Error(ShardError),
}
