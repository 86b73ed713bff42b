//! Running a statement with data-modifying CTEs (`WITH t AS (DELETE ... RETURNING *) ...`,
//! bound in `sql/src/bind/modifying.rs`). Everything happens in the statement's transaction
//! (the open block, or the implicit one `run_statement` commits or rolls back) at its one
//! snapshot:
//!
//! 1. every base-table read of every part (the writes' query plans and the primary
//!    statement's) runs first and is frozen into its plan, so no part sees another's changes
//!    in the tables;
//! 2. each write runs to completion, in the bound order, and its RETURNING rows fill the
//!    placeholders of the parts after it;
//! 3. the primary statement runs as usual and answers the client.
//!
//! An error anywhere fails the statement, and with it the transaction's writes so far (the
//! implicit transaction rolls back; a block becomes failed), as in PostgreSQL.

use std::sync::Arc;

use pglitedb_protocol::{ErrorFields, Format};
use pglitedb_sql::{Params, Statement, Value, WithWrites};

use super::exec::Done;
use super::Session;

impl Session {
    pub(super) async fn with_writes(
        &mut self,
        ww: &WithWrites,
        params: &Params,
        formats: &[Format],
        describe: bool,
    ) -> Result<Done, ErrorFields> {
        let mut ww = ww.clone();
        for w in &mut ww.writes {
            self.freeze_reads(&mut w.stmt, params).await?;
        }
        self.freeze_reads(&mut ww.main, params).await?;
        for i in 0..ww.writes.len() {
            let rows = self.cte_write(&ww.writes[i].stmt, params).await?;
            ww.fill(i, rows);
        }
        Box::pin(self.execute(&ww.main, None, params, formats, describe)).await
    }

    /// Reads the tables a statement's query plans read, now, into the plans. A single-table
    /// plan (which cannot read a CTE) runs whole; a plan over several row sources gets its
    /// base-table reads' rows.
    async fn freeze_reads(
        &mut self,
        stmt: &mut Statement,
        params: &Params,
    ) -> Result<(), ErrorFields> {
        for plan in stmt.top_plans_mut() {
            if plan.source.is_some() {
                if plan.reads_cte() {
                    continue;
                }
                let rows = self.query_rows(Arc::new(plan.clone()), params).await?;
                *plan = plan.over_rows(rows);
            } else if !plan.scans.is_empty() {
                let inputs = self.gather_scans(&plan.scans, params).await?;
                plan.freeze_scans(inputs);
            }
        }
        Ok(())
    }

    /// Runs one data-modifying CTE: its RETURNING rows (none without RETURNING).
    async fn cte_write(
        &mut self,
        stmt: &Statement,
        params: &Params,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        match stmt {
            Statement::Returning { inner, exprs, .. } => {
                Ok(self.returning_rows(inner, exprs, params).await?.1)
            }
            // INSERT/UPDATE/DELETE without RETURNING: the command tag is dropped.
            other => {
                Box::pin(self.execute(other, None, params, &[], false)).await?;
                Ok(Vec::new())
            }
        }
    }
}
