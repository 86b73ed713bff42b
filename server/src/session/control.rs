//! Statements the session answers itself: transaction control (BEGIN/START TRANSACTION, COMMIT and
//! ROLLBACK [AND CHAIN], savepoints) and settings (SET [LOCAL], SET TRANSACTION, SET SESSION
//! CHARACTERISTICS, RESET, DISCARD ALL, SHOW).
//!
//! Invariant: a transaction block's characteristics (`transaction_isolation`, `_read_only`,
//! `_deferrable`) start from the session's `default_transaction_*` values at BEGIN and are kept across
//! `AND CHAIN`; outside a block SHOW reports the defaults, as PostgreSQL does.

use pglitedb_protocol::backend;
use pglitedb_protocol::{ErrorFields, Format, SqlState};
use pglitedb_sql::{DataType, SetValue, Statement, TransactionMode};

use super::exec::{result_columns, write_row_description, TxnState};
use super::plan_cache::PLAN_CACHE_HITS;
use super::Session;
use crate::error;

impl Session {
    /// Runs a control statement and returns its command tag.
    pub(super) async fn control(
        &mut self,
        stmt: &Statement,
        formats: &[Format],
        describe: bool,
    ) -> Result<String, ErrorFields> {
        Ok(match stmt {
            Statement::Begin(modes) | Statement::StartTransaction(modes) => {
                if self.txn == TxnState::Idle {
                    self.txn = TxnState::InBlock;
                    self.settings.begin();
                    // The block starts with the session's defaults.
                    for (name, default) in [
                        ("transaction_isolation", "default_transaction_isolation"),
                        ("transaction_read_only", "default_transaction_read_only"),
                        ("transaction_deferrable", "default_transaction_deferrable"),
                    ] {
                        let v = self.settings.get(default).unwrap_or_default().to_string();
                        self.settings
                            .set(name, &SetValue::Values(vec![v]), false, true)
                            .map_err(|e| error::from_sql(&e))?;
                    }
                } else {
                    let w = error::warning(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "there is already a transaction in progress",
                    );
                    backend::notice_response(&mut self.conn.out, &w);
                }
                self.apply_modes(modes)?;
                if matches!(stmt, Statement::Begin(_)) {
                    "BEGIN".into()
                } else {
                    "START TRANSACTION".into()
                }
            }
            Statement::CommitAndChain | Statement::RollbackAndChain => {
                let commit = *stmt == Statement::CommitAndChain;
                if self.txn == TxnState::Idle {
                    let what = if commit { "COMMIT" } else { "ROLLBACK" };
                    return Err(error::error(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        format!("{what} AND CHAIN can only be used in transaction blocks"),
                    ));
                }
                // The new block keeps the ended one's characteristics.
                let keep: Vec<(&str, String)> = [
                    "transaction_isolation",
                    "transaction_read_only",
                    "transaction_deferrable",
                ]
                .into_iter()
                .map(|n| (n, self.settings.get(n).unwrap_or_default().to_string()))
                .collect();
                let was = self.txn;
                let committed = commit && was == TxnState::InBlock;
                let ended = self.finish_txn(committed).await;
                let changed = self.settings.end(committed && ended.is_ok());
                self.pending_reports.extend(changed);
                self.portals.retain(|name, _| name.is_empty());
                // Cursors without WITH HOLD end with their transaction.
                self.cursors.retain(|_, c| c.hold);
                self.txn = TxnState::InBlock;
                self.settings.begin();
                for (name, value) in keep {
                    self.settings
                        .set(name, &SetValue::Values(vec![value]), false, true)
                        .map_err(|e| error::from_sql(&e))?;
                }
                ended?;
                if committed {
                    "COMMIT".into()
                } else {
                    "ROLLBACK".into()
                }
            }
            Statement::Commit | Statement::Rollback => {
                let was = self.txn;
                if was == TxnState::Idle {
                    let w = error::warning(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "there is no transaction in progress",
                    );
                    backend::notice_response(&mut self.conn.out, &w);
                }
                let committed = *stmt == Statement::Commit && was == TxnState::InBlock;
                let ended = self.finish_txn(committed).await;
                let committed = committed && ended.is_ok();
                if was != TxnState::Idle {
                    let changed = self.settings.end(committed);
                    self.pending_reports.extend(changed);
                }
                self.txn = TxnState::Idle;
                self.portals.retain(|name, _| name.is_empty());
                // Cursors without WITH HOLD end with their transaction.
                self.cursors.retain(|_, c| c.hold);
                ended?;
                if *stmt == Statement::Commit && was != TxnState::Failed {
                    "COMMIT".into()
                } else {
                    "ROLLBACK".into()
                }
            }
            Statement::Savepoint(name) => {
                self.savepoint(name)?;
                "SAVEPOINT".into()
            }
            Statement::Release(name) => {
                self.release(name)?;
                "RELEASE".into()
            }
            Statement::RollbackTo(name) => {
                self.rollback_to(name).await?;
                "ROLLBACK".into()
            }
            Statement::SetSessionCharacteristics(modes) => {
                for m in modes {
                    let (name, value) = mode_setting(m);
                    let name = match name {
                        "transaction_isolation" => "default_transaction_isolation",
                        "transaction_read_only" => "default_transaction_read_only",
                        _ => "default_transaction_deferrable",
                    };
                    let in_txn = self.txn != TxnState::Idle;
                    if let Some(r) = self
                        .settings
                        .set(name, &SetValue::Values(vec![value]), false, in_txn)
                        .map_err(|e| error::from_sql(&e))?
                    {
                        self.pending_reports.push(r);
                    }
                }
                "SET".into()
            }
            Statement::SetTransaction(modes) => {
                if self.txn == TxnState::Idle {
                    let w = error::warning(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "SET TRANSACTION can only be used in transaction blocks",
                    );
                    backend::notice_response(&mut self.conn.out, &w);
                } else {
                    self.apply_modes(modes)?;
                }
                "SET".into()
            }
            Statement::Set { name, value, local } => {
                if *local && self.txn == TxnState::Idle {
                    let w = error::warning(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "SET LOCAL can only be used in transaction blocks",
                    );
                    backend::notice_response(&mut self.conn.out, &w);
                }
                let in_txn = self.txn != TxnState::Idle;
                let lower = name.to_ascii_lowercase();
                if let SetValue::Values(v) = value {
                    if lower == "transaction_isolation" || lower == "transaction_read_only" {
                        let canonical = canonical_mode_value(&lower, &v.join(", "));
                        self.check_transaction_setting(&lower, &canonical)?;
                    }
                }
                if let Some(r) = self
                    .settings
                    .set(name, value, *local, in_txn)
                    .map_err(|e| error::from_sql(&e))?
                {
                    self.pending_reports.push(r);
                }
                "SET".into()
            }
            Statement::Reset(Some(name)) => {
                let in_txn = self.txn != TxnState::Idle;
                if let Some(r) = self
                    .settings
                    .set(name, &SetValue::Default, false, in_txn)
                    .map_err(|e| error::from_sql(&e))?
                {
                    self.pending_reports.push(r);
                }
                "RESET".into()
            }
            Statement::Reset(None) => {
                let changed = self.settings.reset_all();
                self.pending_reports.extend(changed);
                "RESET".into()
            }
            Statement::DiscardAll => {
                if self.txn != TxnState::Idle {
                    return Err(error::error(
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "DISCARD ALL cannot run inside a transaction block",
                    ));
                }
                self.prepared.clear();
                self.portals.clear();
                let changed = self.settings.reset_all();
                self.pending_reports.extend(changed);
                "DISCARD ALL".into()
            }
            Statement::Show(name) => {
                let rows: Vec<Vec<String>> = if name == "all" {
                    self.settings
                        .show_all()
                        .into_iter()
                        .map(Vec::from)
                        .collect()
                } else {
                    let (column, mut value) = if name == PLAN_CACHE_HITS {
                        (name.clone(), self.plan_cache.hits().to_string())
                    } else {
                        self.settings.show(name).map_err(|e| error::from_sql(&e))?
                    };
                    // Outside a block, the next transaction's characteristics are the defaults.
                    if self.txn == TxnState::Idle {
                        let default = match column.as_str() {
                            "transaction_isolation" => {
                                self.settings.get("default_transaction_isolation")
                            }
                            "transaction_read_only" => {
                                self.settings.get("default_transaction_read_only")
                            }
                            "transaction_deferrable" => {
                                self.settings.get("default_transaction_deferrable")
                            }
                            _ => None,
                        };
                        if let Some(d) = default {
                            value = d.to_string();
                        }
                    }
                    if describe {
                        write_row_description(
                            &mut self.conn.out,
                            &[(column, DataType::Text)],
                            formats,
                        );
                    }
                    vec![vec![value]]
                };
                if describe && name == "all" {
                    if let Some(cols) = result_columns(stmt) {
                        write_row_description(&mut self.conn.out, &cols, formats);
                    }
                }
                for row in &rows {
                    let mut w = backend::data_row(&mut self.conn.out);
                    for v in row {
                        w.value(Some(v.as_bytes()));
                    }
                    w.finish();
                }
                "SHOW".into()
            }
            other => {
                return Err(error::error(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    format!("statement not supported yet: {other:?}"),
                ))
            }
        })
    }

    fn apply_modes(&mut self, modes: &[TransactionMode]) -> Result<(), ErrorFields> {
        for m in modes {
            let (name, value) = mode_setting(m);
            self.check_transaction_setting(name, &value)?;
            self.settings
                .set(name, &SetValue::Values(vec![value]), false, true)
                .map_err(|e| error::from_sql(&e))?;
        }
        Ok(())
    }
}

/// The setting a transaction mode sets, with its canonical value.
fn mode_setting(m: &TransactionMode) -> (&'static str, String) {
    match m {
        TransactionMode::IsolationLevel(level) => ("transaction_isolation", level.clone()),
        TransactionMode::ReadOnly(ro) => (
            "transaction_read_only",
            if *ro { "on".into() } else { "off".into() },
        ),
        TransactionMode::Deferrable(d) => (
            "transaction_deferrable",
            if *d { "on".into() } else { "off".into() },
        ),
    }
}

/// A SET value of transaction_isolation / transaction_read_only in its canonical form.
fn canonical_mode_value(name: &str, value: &str) -> String {
    let v = value.trim().to_ascii_lowercase();
    if name == "transaction_read_only" {
        return match v.as_str() {
            "on" | "true" | "yes" | "1" | "t" | "y" => "on".into(),
            _ => "off".into(),
        };
    }
    v
}

impl Session {
    /// `SELECT set_config(name, value, is_local)`: SET (or SET LOCAL) of `value`'s text, which is
    /// read as a whole (a list setting splits it, as `set_config` does), answering the new value.
    /// A NULL value resets the setting; a local change outside a block lasts only for this
    /// statement's implicit transaction, so it is checked and answered but not kept.
    pub(super) fn set_config(
        &mut self,
        args: &[pglitedb_sql::Expr],
        column: &str,
        params: &pglitedb_sql::Params,
        formats: &[Format],
        describe: bool,
    ) -> Result<(), ErrorFields> {
        let vals = args
            .iter()
            .map(|a| a.eval(params))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| error::from_sql(&e))?;
        let text = |v: &pglitedb_sql::Value| match v {
            pglitedb_sql::Value::Text(s) => Some(s.clone()),
            _ => None,
        };
        let Some(name) = vals.first().and_then(text) else {
            return Err(error::error(
                SqlState::INVALID_PARAMETER_VALUE,
                "SET requires parameter name",
            ));
        };
        let value = match vals.get(1).and_then(text) {
            Some(v) => SetValue::Raw(v),
            None => SetValue::Default,
        };
        let local = matches!(vals.get(2), Some(pglitedb_sql::Value::Bool(true)));
        let in_txn = self.txn != TxnState::Idle;
        let shown = if local && !in_txn {
            self.settings
                .preview(&name, &value)
                .map_err(|e| error::from_sql(&e))?
        } else {
            if let Some(r) = self
                .settings
                .set(&name, &value, local, in_txn)
                .map_err(|e| error::from_sql(&e))?
            {
                self.pending_reports.push(r);
            }
            self.settings
                .show(&name)
                .map_err(|e| error::from_sql(&e))?
                .1
        };
        self.answer_one(column, &shown, formats, describe);
        Ok(())
    }

    /// One row of one text column (set_config, pg_sleep): its description when the portal was
    /// not described before, then the row.
    pub(super) fn answer_one(
        &mut self,
        column: &str,
        value: &str,
        formats: &[Format],
        describe: bool,
    ) {
        if describe {
            write_row_description(
                &mut self.conn.out,
                &[(column.to_string(), DataType::Text)],
                formats,
            );
        }
        let mut w = backend::data_row(&mut self.conn.out);
        w.value(Some(value.as_bytes()));
        w.finish();
    }
}
