//! UPDATE ... FROM, DELETE ... USING and UPDATE/DELETE with subqueries, from the session: the
//! statement's join query runs as any query does, then each target row it found is written by
//! its old values (and primary key), one point write per row (`sql/src/bind/joined.rs` has the
//! binding and the semantics, including what differs from PostgreSQL under concurrency).

use std::collections::HashSet;
use std::sync::Arc;

use pglitedb_protocol::ErrorFields;
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
            if returning {
                out.extend(Box::pin(self.modify_returning(&one, params)).await?);
            } else {
                count += Box::pin(self.modify(&one, params)).await?;
            }
        }
        if returning {
            count = out.len() as u64;
        }
        Ok((count, out))
    }
}
