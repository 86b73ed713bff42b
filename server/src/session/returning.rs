//! INSERT/UPDATE/DELETE ... RETURNING: the write runs as without RETURNING, but its affected rows
//! come back to the session (INSERT: the rows it built; UPDATE/DELETE: the shards answer with the
//! new or old rows, see `WritePlan::returning`), which evaluates the RETURNING list over them and
//! sends them before the command tag (`INSERT 0 n`, `UPDATE n`, `DELETE n`).

use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, Format, SqlState};
use pglitedb_shard::ShardResponse;
use pglitedb_sql::{
    DataType, Expr, OnConflict, Params, SqlError, Statement, TableDef, Value, WritePlan,
};

use super::exec::write_row_description;
use super::tables::shard_error;
use super::Session;
use crate::error;

impl Session {
    /// Runs `inner` and sends `exprs` over each affected row; returns the row count.
    pub(super) async fn returning(
        &mut self,
        inner: &Statement,
        exprs: &[Expr],
        columns: &[(String, DataType)],
        params: &Params,
        formats: &[Format],
        describe: bool,
    ) -> Result<usize, ErrorFields> {
        let (verb, out) = self.returning_rows(inner, exprs, params).await?;
        if describe {
            write_row_description(&mut self.conn.out, columns, formats);
        }
        self.write_rows(&out, columns, formats)?;
        let n = out.len();
        backend::command_complete(&mut self.conn.out, &format!("{verb} {n}"));
        Ok(n)
    }

    /// Runs `inner`: its command verb and `exprs` over each affected row.
    pub(super) async fn returning_rows(
        &mut self,
        inner: &Statement,
        exprs: &[Expr],
        params: &Params,
    ) -> Result<(&'static str, Vec<Vec<Value>>), ErrorFields> {
        let sql = |e: SqlError| error::from_sql(&e);
        let (verb, rows) = match inner {
            Statement::Insert {
                table,
                rows,
                on_conflict,
                ..
            } => {
                let values = self.insert_values(rows, params).await?;
                let values = coerce_rows(table, values)?;
                (
                    "INSERT 0",
                    self.insert_returning(table, values, on_conflict, params)
                        .await?,
                )
            }
            Statement::InsertSelect {
                table,
                query,
                row,
                on_conflict,
            } => {
                let values = self.insert_select_values(query, row, params).await?;
                let values = coerce_rows(table, values)?;
                (
                    "INSERT 0",
                    self.insert_returning(table, values, on_conflict, params)
                        .await?,
                )
            }
            Statement::Update(plan) => ("UPDATE", self.modify_returning(plan, params).await?),
            Statement::Delete(plan) => ("DELETE", self.modify_returning(plan, params).await?),
            other => {
                return Err(error::error(
                    SqlState::INTERNAL_ERROR,
                    format!("RETURNING over {other:?} (bug)"),
                ))
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(
                exprs
                    .iter()
                    .map(|e| e.eval_row(row, params))
                    .collect::<Result<Vec<_>, SqlError>>()
                    .map_err(sql)?,
            );
        }
        Ok((verb, out))
    }

    /// The rows an INSERT ... RETURNING reports: those built, or with ON CONFLICT those
    /// inserted or updated.
    async fn insert_returning(
        &mut self,
        table: &Arc<TableDef>,
        values: Vec<Vec<Value>>,
        on_conflict: &Option<Arc<OnConflict>>,
        params: &Params,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        match on_conflict {
            None => {
                self.insert_rows(table, values.clone()).await?;
                Ok(values)
            }
            Some(oc) => Ok(self.upsert_rows(table, values, oc, params, true).await?.1),
        }
    }

    /// UPDATE/DELETE whose shards answer with the affected rows (`WritePlan::returning`).
    pub(super) async fn modify_returning(
        &mut self,
        plan: &Arc<WritePlan>,
        params: &Params,
    ) -> Result<Vec<Vec<Value>>, ErrorFields> {
        if let Some(source) = &plan.source {
            return Ok(self.modify_joined(plan, source, params, true).await?.1);
        }
        // A partitioned table holds no rows: the statement runs on each leaf it may touch, as
        // `modify_partitioned` does.
        let plans: Vec<Arc<WritePlan>> = if plan.table.partition_by.is_some() {
            self.leaves(&plan.table, plan.filter.as_ref(), params)
                .into_iter()
                .map(|leaf| {
                    let (view, remap) = Self::leaf_view(&plan.table, leaf);
                    Arc::new(WritePlan {
                        table: view,
                        moves: true,
                        remap,
                        ..WritePlan::clone(plan)
                    })
                })
                .collect()
        } else {
            vec![plan.clone()]
        };
        let mut rows = Vec::new();
        let mut moved = Vec::new();
        for p in &plans {
            for resp in self.modify_responses(p, params).await? {
                match resp {
                    ShardResponse::Rows(r) => rows.extend(r),
                    ShardResponse::MovedReturning { returned, moved: m } => {
                        rows.extend(returned);
                        moved.extend(m);
                    }
                    other => return Err(shard_error(other)),
                }
            }
        }
        if !moved.is_empty() {
            // Rows that left their partition go in through the statement's table (as
            // `modify_partitioned` does), and RETURNING shows their new versions.
            self.insert_routed(&plan.table, moved.clone()).await?;
            rows.extend(moved);
        }
        Ok(rows)
    }
}

/// The rows with the table's type modifiers applied (what the table will hold, and so what
/// RETURNING shows).
fn coerce_rows(table: &TableDef, rows: Vec<Vec<Value>>) -> Result<Vec<Vec<Value>>, ErrorFields> {
    rows.into_iter()
        .map(|r| table.coerce_row(r).map_err(|e| error::from_sql(&e)))
        .collect()
}
