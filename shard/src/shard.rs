//! One core's shard state and its message handler.

use crate::error::ShardError;
use crate::message::{ShardId, ShardRequest, ShardResponse};

/// Counters a shard keeps about its own work.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ShardStats {
    pub requests: u64,
    pub executed: u64,
    pub errors: u64,
}

/// The state one core owns. See the crate docs for the ownership rule.
#[derive(Debug)]
pub struct Shard {
    id: ShardId,
    stats: ShardStats,
}

impl Shard {
    /// A fresh, empty shard.
    pub fn new(id: ShardId) -> Self {
        Shard {
            id,
            stats: ShardStats::default(),
        }
    }

    /// This shard's index.
    pub fn id(&self) -> ShardId {
        self.id
    }

    /// Counters so far.
    pub fn stats(&self) -> ShardStats {
        self.stats
    }

    /// Handles one request to completion. Never blocks.
    pub fn handle(&mut self, req: ShardRequest) -> ShardResponse {
        self.stats.requests += 1;
        match req {
            ShardRequest::Ping => ShardResponse::Pong {
                shard: self.id,
                requests_served: self.stats.requests,
            },
            ShardRequest::Execute { plan, params } => match plan.execute(&params) {
                Ok(rows) => {
                    self.stats.executed += 1;
                    ShardResponse::Rows(rows)
                }
                Err(e) => {
                    self.stats.errors += 1;
                    ShardResponse::Error(ShardError::Sql(e))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use pglitedb_sql::{bind, parse, SessionContext, Statement, Value};

    use super::*;

    struct Ctx;
    impl SessionContext for Ctx {
        fn setting(&self, _: &str) -> Option<String> {
            None
        }
        fn version(&self) -> String {
            "PostgreSQL 15.18".into()
        }
    }

    fn plan(sql: &str) -> Arc<pglitedb_sql::QueryPlan> {
        let parsed = parse(sql).expect("parse");
        match bind(&parsed[0], &[], &Ctx).expect("bind") {
            Statement::Query(q) => Arc::new(q),
            other => panic!("not a query: {other:?}"),
        }
    }

    #[test]
    fn executes_plans_and_counts() {
        let mut shard = Shard::new(ShardId(3));
        match shard.handle(ShardRequest::Execute {
            plan: plan("SELECT $1::int4 * 2"),
            params: vec![Value::Int4(21)],
        }) {
            ShardResponse::Rows(rows) => assert_eq!(rows, vec![vec![Value::Int4(42)]]),
            other => panic!("unexpected {other:?}"),
        }
        match shard.handle(ShardRequest::Execute {
            plan: plan("SELECT 1/0"),
            params: vec![],
        }) {
            ShardResponse::Error(e) => assert_eq!(e.sqlstate(), "22012"),
            other => panic!("unexpected {other:?}"),
        }
        match shard.handle(ShardRequest::Ping) {
            ShardResponse::Pong {
                shard: id,
                requests_served,
            } => assert_eq!((id, requests_served), (ShardId(3), 3)),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            shard.stats(),
            ShardStats {
                requests: 3,
                executed: 1,
                errors: 1
            }
        );
    }
}
