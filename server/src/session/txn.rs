//! The session's side of transactions: a transaction id for every statement that touches tables
//! (explicit blocks, or an implicit transaction per statement), its snapshots and isolation level,
//! its savepoints, the shards that hold its writes or locks, and ending it — one-shard commit,
//! two-phase commit across shards, or abort (see `shard/src/commit.rs` and `shard/src/mvcc.rs` for
//! the protocols).
//!
//! # Snapshots
//! READ COMMITTED takes a snapshot per statement; REPEATABLE READ and SERIALIZABLE take one at the
//! transaction's first statement and keep it. Both are registered with the core's [`Worker`] while
//! live, which is how shards learn which old versions they may drop. Taking one reads the shared
//! clock: no message.
//!
//! # Savepoints
//! Each SAVEPOINT gets the next number of its transaction; writes carry the innermost live one's
//! number, and ROLLBACK TO sends `RollbackTo` to the shards the transaction touched (see
//! `shard/src/txn.rs`). Settings changed since the savepoint are restored too.

use pglitedb_protocol::{ErrorFields, SqlState};
use pglitedb_shard::{
    Interrupt, Isolation, ShardId, ShardRequest, ShardResponse, Ts, TxnCtx, TxnId,
};

use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::exec::TxnState;
use super::tables::scatter;
use super::{Session, Settings};
use crate::error;
use crate::worker::Worker;
use pglitedb_sql::SetValue;

struct Savepoint {
    name: String,
    sub: u32,
    settings: Settings,
    /// The length of the catalog overlay when it was set (`ddl.rs`).
    ddl_len: usize,
}

/// A transaction's state beyond its id and write participants.
#[derive(Default)]
pub struct TxnExtra {
    /// Shards where the transaction only holds row locks (SELECT ... FOR UPDATE): released after
    /// the commit, not part of it.
    lockers: BTreeSet<ShardId>,
    savepoints: Vec<Savepoint>,
    next_sub: u32,
    /// A statement that reads or writes ran: the isolation level is fixed from now on.
    started: bool,
    /// The transaction's snapshot (REPEATABLE READ, SERIALIZABLE).
    txn_snapshot: Option<Ts>,
    /// The running statement's snapshot (READ COMMITTED).
    stmt_snapshot: Option<Ts>,
    /// The transaction's own catalog changes, in order: the overlay of `ddl.rs`.
    pub(super) ddl: Vec<super::ddl::DdlChange>,
}

/// `statement_timeout` / `lock_timeout` in milliseconds from their canonical text ("0", "250ms",
/// "5s", "2min", "1h", "1d").
pub fn millis(setting: Option<&str>) -> u64 {
    let s = setting.unwrap_or("0").trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().unwrap_or(0);
    n.saturating_mul(match unit.trim() {
        "s" => 1000,
        "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => 1,
    })
}

fn savepoint_missing(name: &str) -> ErrorFields {
    error::error(
        SqlState(*b"3B001"),
        format!("savepoint \"{name}\" does not exist"),
    )
}

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

    /// The isolation level statements run at now.
    pub(super) fn isolation(&self) -> Isolation {
        let name = if self.txn == TxnState::Idle {
            "default_transaction_isolation"
        } else {
            "transaction_isolation"
        };
        match self.settings.get(name) {
            Some("repeatable read") => Isolation::RepeatableRead,
            Some("serializable") => Isolation::Serializable,
            _ => Isolation::ReadCommitted,
        }
    }

    /// Whether the current (or next implicit) transaction is read-only.
    pub(super) fn read_only(&self) -> bool {
        let name = if self.txn == TxnState::Idle {
            "default_transaction_read_only"
        } else {
            "transaction_read_only"
        };
        self.settings.get(name) == Some("on")
    }

    /// Starts a statement that reads or writes: takes the snapshot it reads at (module docs).
    pub(super) fn begin_statement(&mut self) {
        self.tx.started = true;
        if self.isolation() == Isolation::ReadCommitted {
            if self.tx.stmt_snapshot.is_none() {
                self.tx.stmt_snapshot = Some(self.worker.take_snapshot());
            }
        } else if self.tx.txn_snapshot.is_none() {
            self.tx.txn_snapshot = Some(self.worker.take_snapshot());
        }
    }

    /// Ends a statement: its snapshot is no longer read at.
    pub(super) fn end_statement(&mut self) {
        if let Some(s) = self.tx.stmt_snapshot.take() {
            self.worker.release_snapshot(s);
        }
    }

    /// Replaces the running statement's snapshot (READ COMMITTED's, or the transaction's under
    /// the higher levels, which it overrides), returning the previous one: foreign-key checks
    /// read at a fresh snapshot (`fkey.rs`).
    pub(super) fn swap_statement_snapshot(&mut self, s: Option<Ts>) -> Option<Ts> {
        std::mem::replace(&mut self.tx.stmt_snapshot, s)
    }

    /// What requests of the running statement carry about its transaction.
    pub(super) fn txn_ctx(&mut self) -> TxnCtx {
        let id = self.current_txn();
        let snapshot = self
            .tx
            .stmt_snapshot
            .or(self.tx.txn_snapshot)
            .unwrap_or_else(|| self.worker.counters.clock.now());
        TxnCtx {
            id,
            sub: self.tx.savepoints.last().map_or(0, |s| s.sub),
            snapshot,
            isolation: self.isolation(),
            lock_timeout_ms: u32::try_from(millis(self.settings.get("lock_timeout")))
                .unwrap_or(u32::MAX),
        }
    }

    /// Records that `shards` hold row locks (only) of the current transaction.
    pub(super) fn add_lockers(&mut self, shards: impl IntoIterator<Item = ShardId>) {
        self.tx.lockers.extend(shards);
    }

    /// The deadline of the running statement (`statement_timeout`), if any.
    pub(super) fn statement_deadline(&self) -> Option<Instant> {
        let ms = millis(self.settings.get("statement_timeout"));
        (ms > 0).then(|| Instant::now() + Duration::from_millis(ms))
    }

    /// Checks SET TRANSACTION / SET transaction_isolation / transaction_read_only as PostgreSQL
    /// does (25001), before the new value is applied.
    pub(super) fn check_transaction_setting(
        &self,
        name: &str,
        value: &str,
    ) -> Result<(), ErrorFields> {
        if self.txn == TxnState::Idle {
            return Ok(());
        }
        let active = |m: &str| error::error(SqlState::ACTIVE_SQL_TRANSACTION, m);
        match name {
            "transaction_isolation" => {
                if self.settings.get(name) == Some(value) {
                    return Ok(());
                }
                if self.tx.started {
                    return Err(active(
                        "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                    ));
                }
                if !self.tx.savepoints.is_empty() {
                    return Err(active(
                        "SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction",
                    ));
                }
            }
            "transaction_read_only" if value == "off" && self.settings.get(name) == Some("on") => {
                if !self.tx.savepoints.is_empty() {
                    return Err(active(
                        "cannot set transaction read-write mode inside a read-only transaction",
                    ));
                }
                if self.tx.started {
                    return Err(active(
                        "transaction read-write mode must be set before any query",
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// SAVEPOINT name.
    pub(super) fn savepoint(&mut self, name: &str) -> Result<(), ErrorFields> {
        if self.txn == TxnState::Idle {
            return Err(error::error(
                SqlState::NO_ACTIVE_SQL_TRANSACTION,
                "SAVEPOINT can only be used in transaction blocks",
            ));
        }
        self.tx.next_sub += 1;
        let sp = Savepoint {
            name: name.to_string(),
            sub: self.tx.next_sub,
            settings: self.settings.clone(),
            ddl_len: self.tx.ddl.len(),
        };
        self.tx.savepoints.push(sp);
        Ok(())
    }

    /// RELEASE [SAVEPOINT] name: forgets it and every savepoint opened after it; their changes
    /// belong to the enclosing level from now on.
    pub(super) fn release(&mut self, name: &str) -> Result<(), ErrorFields> {
        if self.txn == TxnState::Idle {
            return Err(error::error(
                SqlState::NO_ACTIVE_SQL_TRANSACTION,
                "RELEASE SAVEPOINT can only be used in transaction blocks",
            ));
        }
        let Some(i) = self.tx.savepoints.iter().rposition(|s| s.name == name) else {
            return Err(savepoint_missing(name));
        };
        // Read-only-ness is per subtransaction in PostgreSQL: it ends with the savepoint's level.
        let ro = self.tx.savepoints[i]
            .settings
            .get("transaction_read_only")
            .unwrap_or("off")
            .to_string();
        self.settings
            .set(
                "transaction_read_only",
                &SetValue::Values(vec![ro]),
                false,
                true,
            )
            .map_err(|e| error::from_sql(&e))?;
        self.tx.savepoints.truncate(i);
        Ok(())
    }

    /// ROLLBACK TO [SAVEPOINT] name: undoes everything since it (on every shard the transaction
    /// touched), keeps it, and leaves a failed block.
    pub(super) async fn rollback_to(&mut self, name: &str) -> Result<(), ErrorFields> {
        if self.txn == TxnState::Idle {
            return Err(error::error(
                SqlState::NO_ACTIVE_SQL_TRANSACTION,
                "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
            ));
        }
        let Some(i) = self.tx.savepoints.iter().rposition(|s| s.name == name) else {
            return Err(savepoint_missing(name));
        };
        self.tx.savepoints.truncate(i + 1);
        let sp = &self.tx.savepoints[i];
        let sub = sp.sub;
        self.tx.ddl.truncate(sp.ddl_len);
        let mut settings = sp.settings.clone();
        std::mem::swap(&mut settings, &mut self.settings);
        // `settings` now holds the values before the rollback: report what changed.
        let changed = self.settings.changed_from(&settings);
        self.pending_reports.extend(changed);
        self.format = None;
        if let Some(txn) = self.txn_id {
            let shards: Vec<ShardId> = self
                .participants
                .iter()
                .chain(self.tx.lockers.iter())
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            for resp in send_all(&self.worker, &shards, |_| ShardRequest::RollbackTo {
                txn,
                sub,
            })
            .await
            {
                if let ShardResponse::Error(e) = resp {
                    return Err(error::from_shard(&e));
                }
            }
        }
        self.txn = TxnState::InBlock;
        Ok(())
    }

    /// Forgets the transaction's savepoints, snapshots and flags (its end).
    pub(super) fn reset_txn_extra(&mut self) {
        self.end_statement();
        if let Some(s) = self.tx.txn_snapshot.take() {
            self.worker.release_snapshot(s);
        }
        self.tx = TxnExtra::default();
    }

    /// Ends the current transaction on every shard that holds its writes or locks: commits it if
    /// `commit`, otherwise rolls it back. An error means the transaction was rolled back.
    pub(super) async fn finish_txn(&mut self, commit: bool) -> Result<(), ErrorFields> {
        // Deferred foreign-key checks run first; one that fails rolls the transaction back.
        let deferred = self.fk_check_deferred(commit).await;
        let commit = commit && deferred.is_ok();
        let wrote_here = self.participants.contains(&self.worker.id);
        let result = deferred.and(self.end_txn(commit).await);
        let temp = self
            .temp_at_txn_end(commit && result.is_ok(), wrote_here)
            .await;
        result.and(temp)
    }

    async fn end_txn(&mut self, commit: bool) -> Result<(), ErrorFields> {
        let lockers: Vec<ShardId> = std::mem::take(&mut self.tx.lockers)
            .into_iter()
            .filter(|s| !self.participants.contains(s))
            .collect();
        self.reset_txn_extra();
        let Some(txn) = self.txn_id.take() else {
            return Ok(());
        };
        let participants: Vec<ShardId> =
            std::mem::take(&mut self.participants).into_iter().collect();
        let result = self.end_on(txn, &participants, commit).await;
        // Shards where it only held locks release them once the outcome is applied everywhere.
        if !lockers.is_empty() {
            send_all(&self.worker, &lockers, |_| ShardRequest::Abort { txn }).await;
        }
        result
    }

    async fn end_on(
        &mut self,
        txn: TxnId,
        participants: &[ShardId],
        commit: bool,
    ) -> Result<(), ErrorFields> {
        if participants.is_empty() {
            return Ok(());
        }
        if !commit {
            send_all(&self.worker, participants, |_| ShardRequest::Abort { txn }).await;
            return Ok(());
        }
        if let [only] = participants {
            return match self
                .worker
                .request(*only, ShardRequest::Commit { txn })
                .await
            {
                ShardResponse::Done | ShardResponse::Committed(_) => Ok(()),
                ShardResponse::Error(e) => Err(error::from_shard(&e)),
                other => Err(unexpected(&other)),
            };
        }
        let ids: Vec<u32> = participants.iter().map(|s| u32::from(s.0)).collect();
        let votes = send_all(&self.worker, participants, |_| ShardRequest::Prepare {
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
            send_all(&self.worker, participants, |_| ShardRequest::Abort { txn }).await;
            return Err(f);
        }
        // Every participant's prepare is durable: the transaction is committed. Its timestamp is
        // taken now, after every participant marked it prepared (see `shard/src/mvcc.rs`).
        let ts = self.worker.counters.clock.tick();
        for resp in send_all(&self.worker, participants, |_| {
            ShardRequest::CommitPrepared { txn, ts }
        })
        .await
        {
            if let ShardResponse::Error(e) = resp {
                tracing::error!(txn = txn.0, error = %e, "commit of a prepared transaction failed; recovery will finish it");
            }
        }
        Ok(())
    }

    /// A query portal's rows (extended protocol), in the current transaction or in an implicit one
    /// of its own, like [`Session::run_statement`] does for other statements.
    pub(super) async fn portal_query(
        &mut self,
        plan: std::sync::Arc<pglitedb_sql::QueryPlan>,
        params: &pglitedb_sql::Params,
    ) -> Result<Vec<Vec<pglitedb_sql::Value>>, ErrorFields> {
        let Some(source) = &plan.source else {
            self.begin_statement();
            let rows = self.query_rows(plan, params).await;
            self.end_statement();
            if self.txn == TxnState::Idle {
                self.reset_txn_extra();
            }
            return rows;
        };
        if let Some(l) = source.lock {
            if self.read_only() {
                return Err(error::error(
                    SqlState::READ_ONLY_SQL_TRANSACTION,
                    format!(
                        "cannot execute SELECT {} in a read-only transaction",
                        &l.strength.clause()[4..]
                    ),
                ));
            }
        }
        let implicit = self.txn == TxnState::Idle;
        self.begin_statement();
        let txn = self.current_txn();
        let (worker, pid, deadline) = (self.worker.clone(), self.pid, self.statement_deadline());
        let work = self.query_rows(plan, params);
        let rows = Session::watched(worker, pid, deadline, txn, work).await;
        self.end_statement();
        if implicit {
            let ended = self.finish_txn(rows.is_ok()).await;
            if let (Ok(_), Err(e)) = (&rows, ended) {
                return Err(e);
            }
        }
        rows
    }

    /// Runs `work` (a statement's shard requests in transaction `txn`). A cancel request
    /// interrupts its lock waits (see `Worker::set_running_txn`); with a `statement_timeout`, a
    /// watchdog interrupts them at the deadline. Interrupted requests answer with the error, so
    /// `work` ends with it.
    pub(super) async fn watched<T>(
        worker: Rc<Worker>,
        pid: i32,
        deadline: Option<Instant>,
        txn: TxnId,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        worker.set_running_txn(pid, Some(txn));
        let out = match deadline {
            None => work.await,
            Some(deadline) => {
                let w = worker.clone();
                let watchdog = async move {
                    glommio::timer::sleep(deadline.saturating_duration_since(Instant::now())).await;
                    loop {
                        let all: Vec<ShardId> = (0..w.cores()).map(|i| ShardId(i as u16)).collect();
                        let reason = Interrupt::StatementTimeout;
                        send_all(&w, &all, |_| ShardRequest::Interrupt { txn, reason }).await;
                        glommio::timer::sleep(Duration::from_millis(20)).await;
                    }
                };
                futures_lite::future::or(work, watchdog).await
            }
        };
        worker.set_running_txn(pid, None);
        out
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

#[cfg(test)]
mod tests {
    use super::millis;

    #[test]
    fn timeouts_parse_from_their_canonical_text() {
        assert_eq!(millis(Some("0")), 0);
        assert_eq!(millis(Some("250ms")), 250);
        assert_eq!(millis(Some("5s")), 5000);
        assert_eq!(millis(Some("2min")), 120_000);
        assert_eq!(millis(Some("1h")), 3_600_000);
        assert_eq!(millis(None), 0);
    }
}
