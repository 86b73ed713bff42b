//! UPDATE ... FROM, DELETE ... USING and UPDATE/DELETE with subqueries, from the session: the
//! statement's join query runs as any query does, then each target row it found is written by
//! its old values (and primary key), one point write per row (`sql/src/bind/joined.rs` has the
//! binding and the semantics). A row the join read but the write finds changed or deleted by a
//! transaction that committed after the statement's snapshot fails the statement with 40001:
//! PostgreSQL would re-evaluate the join for the row's new version; we refuse instead of
//! silently skipping the row (a lost update).

use std::collections::HashSet;
use std::sync::Arc;

use pglitedb_protocol::{ErrorFields, SqlState};
use pglitedb_sql::{Params, Value, WritePlan, WriteSource};

use super::Session;
use crate::error;

impl Session {
    /// Runs `plan` (whose rows come from `source`); returns the count and, with `returning`, the
    /// affected rows (new rows for UPDATE, old rows for DELETE).
    pub(super) async fn modify_joined(
        &mut self,
        plan: &Arc<WritePlan>,
        source: &WriteSource,
        params: &Params,
        returning: bool,
    ) -> Result<(u64, Vec<Vec<Value>>), ErrorFields> {
        let rows = self
            .query_rows(Arc::new(source.query.clone()), params)
            .await?;
        let n = plan.table.columns.len();
        // A target row that joined several rows is written once, with the first.
        let mut seen: HashSet<String> = HashSet::with_capacity(rows.len());
        let mut count = 0;
        let mut out = Vec::new();
        for row in &rows {
            if !seen.insert(format!("{:?}", &row[..n.min(row.len())])) {
                continue;
            }
            let one = source
                .row_plan(plan, row, params)
                .map_err(|e| error::from_sql(&e))?;
            let one = Arc::new(one);
            let n = if returning {
                let rows = Box::pin(self.modify_returning(&one, params)).await?;
                let n = rows.len() as u64;
                out.extend(rows);
                n
            } else {
                Box::pin(self.modify(&one, params)).await?
            };
            if n == 0 {
                // The join saw the row in the statement's snapshot; the write found it changed
                // or deleted by a transaction that committed since. PostgreSQL would re-evaluate
                // the join for the new version; we refuse rather than lose the update.
                return Err(error::error(
                    SqlState::SERIALIZATION_FAILURE,
                    "could not serialize access due to concurrent update",
                ));
            }
            count += n;
        }
        if returning {
            count = out.len() as u64;
        }
        Ok((count, out))
    }
}
