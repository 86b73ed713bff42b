//! Deferred foreign-key checks: a DEFERRABLE constraint that is INITIALLY DEFERRED (or deferred
//! by SET CONSTRAINTS) is checked at COMMIT instead of at the end of each statement, inside a
//! transaction block (outside one, a statement's commit follows at once).
//!
//! What is deferred is the check that a key still has its parent: the child side of INSERT and
//! UPDATE and the parent side of NO ACTION (RESTRICT is never deferred; CASCADE and SET
//! NULL/DEFAULT act at once). Each pending check is re-asked at COMMIT (or at SET CONSTRAINTS
//! ... IMMEDIATE) as "does a referencing row with this key exist, and then does its parent?",
//! so a key whose referencing row was deleted since, or whose insert a ROLLBACK TO SAVEPOINT
//! undid, passes, as in PostgreSQL. A failed check fails the COMMIT, which rolls back.

use std::collections::HashMap;
use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_sql::fkey::ForeignKey;
use pglitedb_sql::{TableDef, Value};

use super::exec::TxnState;
use super::Session;
use crate::error;

/// One check waiting for COMMIT: `key` (values of the referencing columns' types) in `child`'s
/// constraint `fk`; `parent_side`: queued by a change of the parent (the error names it).
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub(super) child: Arc<TableDef>,
    pub(super) fk: String,
    pub(super) key: Vec<Value>,
    pub(super) parent_side: bool,
}

/// The transaction's deferral modes and pending checks.
#[derive(Debug, Default)]
pub(super) struct Deferral {
    /// SET CONSTRAINTS ALL: `Some(true)` deferred, `Some(false)` immediate.
    all: Option<bool>,
    /// SET CONSTRAINTS name: by constraint name (set after ALL, which clears them).
    named: HashMap<String, bool>,
    pending: Vec<Pending>,
}

impl Session {
    /// Whether `fk`'s checks wait for COMMIT now.
    pub(super) fn fk_deferred(&self, fk: &ForeignKey) -> bool {
        if !fk.deferrable || self.txn != TxnState::InBlock {
            return false;
        }
        let d = &self.fk.deferral;
        (d.named.get(&fk.name).copied())
            .or(d.all)
            .unwrap_or(fk.initially_deferred)
    }

    /// Queues a check for COMMIT (once per key and constraint).
    pub(super) fn fk_defer(&mut self, p: Pending) {
        let same = |q: &Pending| {
            q.child.id == p.child.id
                && q.fk == p.fk
                && q.key == p.key
                && q.parent_side == p.parent_side
        };
        if !self.fk.deferral.pending.iter().any(same) {
            self.fk.deferral.pending.push(p);
        }
    }

    /// SET CONSTRAINTS: changes the modes; switching to IMMEDIATE runs the pending checks of
    /// the constraints it names now (PostgreSQL does). Outside a block: PostgreSQL's WARNING.
    pub(super) async fn fk_set_constraints(
        &mut self,
        names: Option<&[(Arc<TableDef>, String)]>,
        deferred: bool,
    ) -> Result<(), ErrorFields> {
        if self.txn == TxnState::Idle {
            let w = error::warning(
                SqlState::NO_ACTIVE_SQL_TRANSACTION,
                "SET CONSTRAINTS can only be used in transaction blocks",
            );
            backend::notice_response(&mut self.conn.out, &w);
            return Ok(());
        }
        match names {
            None => {
                self.fk.deferral.all = Some(deferred);
                self.fk.deferral.named.clear();
            }
            Some(list) => {
                for (_, n) in list {
                    self.fk.deferral.named.insert(n.clone(), deferred);
                }
            }
        }
        if deferred {
            return Ok(());
        }
        let (now, later): (Vec<Pending>, Vec<Pending>) =
            std::mem::take(&mut self.fk.deferral.pending)
                .into_iter()
                .partition(|p| {
                    names.is_none_or(|l| l.iter().any(|(t, n)| t.id == p.child.id && *n == p.fk))
                });
        self.fk.deferral.pending = later;
        self.fk_run_pending(now).await
    }

    /// COMMIT: every pending check (module docs); the transaction's modes end either way.
    pub(super) async fn fk_check_deferred(&mut self, commit: bool) -> Result<(), ErrorFields> {
        let d = std::mem::take(&mut self.fk.deferral);
        if !commit || d.pending.is_empty() {
            return Ok(());
        }
        self.fk_run_pending(d.pending).await
    }

    async fn fk_run_pending(&mut self, pending: Vec<Pending>) -> Result<(), ErrorFields> {
        for p in pending {
            let Some(fk) = p
                .child
                .foreign_keys
                .iter()
                .find(|f| f.name == p.fk)
                .cloned()
            else {
                continue; // dropped since
            };
            self.fk_recheck(&p.child, &fk, p.key, p.parent_side).await?;
        }
        Ok(())
    }
}
