//! The session's side of transactions: a transaction id for every statement that touches tables
//! (explicit blocks, or an implicit transaction per statement), the shards that hold its writes, and
//! ending it — one-shard commit, two-phase commit across shards, or abort (see
//! `shard/src/commit.rs` for the protocol and its recovery).

use pglitedb_protocol::{ErrorFields, SqlState};
use pglitedb_shard::{ShardId, ShardRequest, ShardResponse, TxnId};

use std::rc::Rc;

use super::tables::scatter;
use super::Session;
use crate::error;
use crate::worker::Worker;

impl Session {
    /// The current transaction's id, allocated on first use.
    pub(super) fn current_txn(&mut self) -> TxnId {
        match self.txn_id {
            Some(t) => t,
            None => {
                let t = self.worker.counters.new_txn();
                self.txn_id = Some(t);
                t
            }
        }
    }

    /// Ends the current transaction on every shard that holds its writes: commits it if `commit`,
    /// otherwise rolls it back. An error means the transaction was rolled back.
    pub(super) async fn finish_txn(&mut self, commit: bool) -> Result<(), ErrorFields> {
        let Some(txn) = self.txn_id.take() else {
            return Ok(());
        };
        let participants: Vec<ShardId> =
            std::mem::take(&mut self.participants).into_iter().collect();
        if participants.is_empty() {
            return Ok(());
        }
        if !commit {
            send_all(&self.worker, &participants, |_| ShardRequest::Abort { txn }).await;
            return Ok(());
        }
        if let [only] = participants.as_slice() {
            return match self
                .worker
                .request(*only, ShardRequest::Commit { txn })
                .await
            {
                ShardResponse::Done => Ok(()),
                ShardResponse::Error(e) => Err(error::from_shard(&e)),
                other => Err(unexpected(&other)),
            };
        }
        let ids: Vec<u32> = participants.iter().map(|s| u32::from(s.0)).collect();
        let votes = send_all(&self.worker, &participants, |_| ShardRequest::Prepare {
            txn,
            participants: ids.clone(),
        })
        .await;
        let failure = votes.into_iter().find_map(|v| match v {
            ShardResponse::Prepared => None,
            ShardResponse::Error(e) => Some(error::from_shard(&e)),
            other => Some(unexpected(&other)),
        });
        if let Some(f) = failure {
            send_all(&self.worker, &participants, |_| ShardRequest::Abort { txn }).await;
            return Err(f);
        }
        // Every participant's prepare is durable: the transaction is committed.
        for resp in send_all(&self.worker, &participants, |_| {
            ShardRequest::CommitPrepared { txn }
        })
        .await
        {
            if let ShardResponse::Error(e) = resp {
                tracing::error!(txn = txn.0, error = %e, "commit of a prepared transaction failed; recovery will finish it");
            }
        }
        Ok(())
    }
}

/// Sends one request (made per shard) to each shard concurrently; answers in the same order.
async fn send_all(
    worker: &Rc<Worker>,
    shards: &[ShardId],
    make: impl Fn(ShardId) -> ShardRequest,
) -> Vec<ShardResponse> {
    scatter(worker, shards.iter().map(|&s| (s, make(s))).collect()).await
}

fn unexpected(resp: &ShardResponse) -> ErrorFields {
    error::error(
        SqlState::INTERNAL_ERROR,
        format!("unexpected shard response (bug): {resp:?}"),
    )
}
