//! CREATE [OR REPLACE] FUNCTION and DROP FUNCTION (binding and calls: `sql/src/bind/function.rs`;
//! storage: `shard/src/function.rs`).
//!
//! Shard 0 checks the signature and assigns the id, then every other shard records the
//! definition; each core's catalog replica picks it up when its shard answers, so a function
//! created on one connection is callable from every core once the statement completes. Like the
//! rest of DDL, not transactional yet: refused inside a transaction block.

use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::FunctionDef;

use super::tables::{on_other_shards, shard_error};
use super::Session;
use crate::error;

impl Session {
    pub(super) async fn create_function(
        &mut self,
        func: &FunctionDef,
        or_replace: bool,
        command: &str,
    ) -> Result<(), ErrorFields> {
        self.refuse_in_block(command)?;
        let created = match (self.worker)
            .request(
                ShardId(0),
                ShardRequest::CreateFunction {
                    func: func.clone(),
                    or_replace,
                },
            )
            .await
        {
            ShardResponse::FunctionCreated(f) => f,
            other => return Err(shard_error(other)),
        };
        on_other_shards(
            &self.worker,
            |_| ShardRequest::CreateFunction {
                func: (*created).clone(),
                or_replace: true,
            },
            |r| matches!(r, ShardResponse::FunctionCreated(_)),
        )
        .await
    }

    pub(super) async fn drop_functions(
        &mut self,
        funcs: &[Arc<FunctionDef>],
        missing: &[String],
    ) -> Result<(), ErrorFields> {
        for text in missing {
            let n = error::notice(SqlState::SUCCESSFUL_COMPLETION, text.clone());
            backend::notice_response(&mut self.conn.out, &n);
        }
        if funcs.is_empty() {
            return Ok(());
        }
        self.refuse_in_block("DROP FUNCTION")?;
        for f in funcs {
            let req = || ShardRequest::DropFunction { func: f.clone() };
            match self.worker.request(ShardId(0), req()).await {
                ShardResponse::FunctionDropped(_) => {}
                other => return Err(shard_error(other)),
            }
            on_other_shards(
                &self.worker,
                |_| req(),
                |r| matches!(r, ShardResponse::FunctionDropped(_)),
            )
            .await?;
        }
        Ok(())
    }
}
