//! Ending transactions on a shard: single-shard commit, the two phases of a multi-shard commit,
//! abort, and what recovery needs to resolve prepared transactions.
//!
//! # Multi-shard commit
//! ```text
//!  router ── Prepare{txn, participants} ──► every participant: WAL(prepared: writes + outcome row)
//!         ◄── Prepared (durable) ─────────── (one parallel fsync round)
//!  all prepared ⇒ committed; ts = clock.tick(); client acknowledged
//!         ── CommitPrepared{txn, ts} ─────► apply writes, release locks (durability not awaited:
//!                                            a later commit on this shard follows it in the WAL)
//! ```
//! Each prepare batch also writes `txn → participants` into the outcome tree, so once a participant
//! has committed, it remembers that it did, durably, even after checkpoints drop the WAL. Recovery
//! (in `server`) commits an in-doubt transaction when any participant has it committed or every
//! participant has it prepared, and rolls it back otherwise (some participant never prepared it).

use pglitedb_storage::io::Io;
use pglitedb_storage::TxnId;

use crate::error::Result;
use crate::message::{CatalogChange, ShardResponse, TxnStatus};
use crate::shard::{Shard, Step, OUTCOME_TREE};
use crate::txn::Ts;

/// A commit's answer: `Done`, or the catalog changes it applied.
fn committed(changes: Vec<CatalogChange>) -> ShardResponse {
    if changes.is_empty() {
        ShardResponse::Done
    } else {
        ShardResponse::Committed(changes)
    }
}

impl<I: Io> Shard<I> {
    pub(crate) async fn commit(&mut self, txn: TxnId) -> Result<Step<I::File>> {
        let catalog = self.catalog_writes(txn);
        let set = self.txns.end(txn);
        self.released = true;
        if set.is_empty() {
            self.forget_created(txn).await?;
            return Ok(Step::Reply(ShardResponse::Done));
        }
        // The tick, the B+tree change and the version record happen in this one handler, so no
        // request sees one without the others (see `mvcc.rs`).
        let ts = self.clock.tick();
        let ticket = self.engine.commit(set.batch()).await?;
        self.versions.record(&set, ts);
        let changes = self.apply_catalog(txn, catalog).await?;
        Ok(Step::Commit(ticket, committed(changes)))
    }

    pub(crate) async fn prepare(
        &mut self,
        txn: TxnId,
        participants: &[u32],
    ) -> Result<Step<I::File>> {
        let mut batch = self.txns.set(txn).map(|s| s.batch()).unwrap_or_default();
        let mut outcome = Vec::with_capacity(4 * participants.len());
        for p in participants {
            outcome.extend_from_slice(&p.to_be_bytes());
        }
        batch.put(OUTCOME_TREE, &txn.0.to_be_bytes(), &outcome);
        let ticket = self
            .engine
            .prepare(txn, participants.to_vec(), batch)
            .await?;
        self.txns.set_prepared(txn, self.clock.now());
        Ok(Step::Commit(ticket, ShardResponse::Prepared))
    }

    pub(crate) async fn commit_prepared(&mut self, txn: TxnId, ts: Ts) -> Result<Step<I::File>> {
        let catalog = self.catalog_writes(txn);
        let ticket = self.engine.commit_prepared(txn).await;
        let set = self.txns.end(txn);
        if ticket.is_ok() {
            self.versions.record(&set, ts);
        }
        self.released = true;
        // The ticket's durability is not awaited (see the module docs).
        drop(ticket?);
        let changes = self.apply_catalog(txn, catalog).await?;
        Ok(Step::Reply(committed(changes)))
    }

    pub(crate) async fn abort(&mut self, txn: TxnId) -> Result<Step<I::File>> {
        self.txns.end(txn);
        self.released = true;
        self.forget_created(txn).await?;
        if self.engine.in_doubt().iter().any(|d| d.txn == txn) {
            drop(self.engine.abort_prepared(txn).await?);
        }
        Ok(Step::Reply(ShardResponse::Done))
    }

    pub(crate) async fn txn_status(&mut self, txn: TxnId) -> Result<ShardResponse> {
        let status = if self.engine.in_doubt().iter().any(|d| d.txn == txn) {
            TxnStatus::InDoubt
        } else if self
            .engine
            .get(OUTCOME_TREE, &txn.0.to_be_bytes())
            .await?
            .is_some()
        {
            TxnStatus::Committed
        } else {
            TxnStatus::Unknown
        };
        Ok(ShardResponse::TxnStatus(status))
    }

    pub(crate) fn in_doubt(&self) -> Vec<(TxnId, Vec<u32>)> {
        self.engine
            .in_doubt()
            .into_iter()
            .map(|d| (d.txn, d.participants))
            .collect()
    }
}
