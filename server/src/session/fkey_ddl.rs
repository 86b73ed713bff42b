//! Foreign keys and DDL, from the session: DROP TABLE of a referenced table (2BP01, or CASCADE
//! drops the referencing constraints), TRUNCATE of one (0A000 unless the referencing tables are
//! truncated too), and ALTER TABLE ADD FOREIGN KEY's check of the existing rows.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use pglitedb_protocol::{backend, ErrorFields, SqlState};
use pglitedb_sql::fkey::referencing;
use pglitedb_sql::{
    AlterPlan, ColSource, DataType, SqlError, Statement, TableDef, TableId, Value, WritePlan,
};

use super::Session;
use crate::error;
use crate::worker::CatalogReplica;

/// What a session keeps about foreign keys between statements.
#[derive(Default)]
pub(super) struct FkState {
    /// Bound internal statements by text and parameter types, valid for the catalog replica
    /// they were bound against (`fkey.rs`, `ri_bind`).
    pub(super) bound: HashMap<(String, Vec<DataType>), Statement>,
    pub(super) bound_for: Option<Rc<CatalogReplica>>,
    /// TRUNCATE is running: its deletes fire no foreign-key actions (it refused a referenced
    /// table unless the referencing ones go too, as PostgreSQL does).
    pub(super) off: bool,
    /// Deferred constraints' modes and checks (`fkey_defer.rs`).
    pub(super) deferral: super::fkey_defer::Deferral,
}

impl Session {
    /// Before DROP TABLE of `tables`: constraints of other tables that reference them fail the
    /// drop (2BP01) or, with CASCADE, are dropped in the same transaction (with a NOTICE).
    pub(super) async fn fk_drop_referenced(
        &mut self,
        tables: &[Arc<TableDef>],
        cascade: bool,
    ) -> Result<(), ErrorFields> {
        let all = self.fk_tables();
        let dropped = |id: TableId| tables.iter().any(|t| t.id == id);
        let mut lines = Vec::new();
        // Constraint names to drop, by referencing table.
        let mut by_child: BTreeMap<TableId, (Arc<TableDef>, Vec<String>)> = BTreeMap::new();
        for t in tables {
            for (child, i) in referencing(&all, t) {
                if dropped(child.id) {
                    continue;
                }
                let fk = &child.foreign_keys[i];
                lines.push((fk.name.clone(), child.name.clone(), t.name.clone()));
                by_child
                    .entry(child.id)
                    .or_insert_with(|| (child.clone(), Vec::new()))
                    .1
                    .push(fk.name.clone());
            }
        }
        if lines.is_empty() {
            return Ok(());
        }
        if !cascade {
            let detail: Vec<String> = (lines.iter())
                .map(|(c, child, p)| {
                    format!("constraint {c} on table {child} depends on table {p}")
                })
                .collect();
            return Err(error::from_sql(&SqlError::DependentObjects {
                message: format!(
                    "cannot drop table {} because other objects depend on it",
                    lines[0].2
                ),
                detail: detail.join("\n"),
            }));
        }
        let each: Vec<String> = (lines.iter())
            .map(|(c, child, _)| format!("drop cascades to constraint {c} on table {child}"))
            .collect();
        let n = if each.len() == 1 {
            error::notice(SqlState::SUCCESSFUL_COMPLETION, each[0].clone())
        } else {
            error::notice(
                SqlState::SUCCESSFUL_COMPLETION,
                format!("drop cascades to {} other objects", each.len()),
            )
            .with_detail(each.join("\n"))
        };
        backend::notice_response(&mut self.conn.out, &n);
        for (_, (child, names)) in by_child {
            let mut new = (*child).clone();
            new.foreign_keys.retain(|fk| !names.contains(&fk.name));
            if child.temp.is_some() {
                // (A temporary table's definition is the session's alone.)
                self.temp.insert(new.name.clone(), Arc::new(new));
                continue;
            }
            self.stage_define(&child, &new).await?;
        }
        Ok(())
    }

    /// TRUNCATE: a table another table's constraint references may go only with that table
    /// (0A000, PostgreSQL's message and DETAIL), or, with CASCADE, takes it along (a NOTICE per
    /// table, as PostgreSQL sends). Returns the tables to truncate.
    pub(super) fn fk_check_truncate(
        &mut self,
        plans: &[Arc<WritePlan>],
        cascade: bool,
    ) -> Result<Vec<Arc<WritePlan>>, ErrorFields> {
        let all = self.fk_tables();
        let mut plans = plans.to_vec();
        let mut i = 0;
        while i < plans.len() {
            let table = plans[i].table.clone();
            i += 1;
            for (child, _) in referencing(&all, &table) {
                if plans.iter().any(|o| o.table.id == child.id) {
                    continue;
                }
                if cascade {
                    let n = error::notice(
                        SqlState::SUCCESSFUL_COMPLETION,
                        format!("truncate cascades to table \"{}\"", child.name),
                    );
                    backend::notice_response(&mut self.conn.out, &n);
                    plans.push(Arc::new(WritePlan {
                        table: child.clone(),
                        ..(*plans[0]).clone()
                    }));
                    continue;
                }
                let mut f = error::from_sql(&SqlError::TruncateReferenced {
                    detail: format!("Table \"{}\" references \"{}\".", child.name, table.name),
                });
                f.hint = Some(format!(
                    "Truncate table \"{}\" at the same time, or use TRUNCATE ... CASCADE.",
                    child.name
                ));
                return Err(f);
            }
        }
        Ok(plans)
    }

    /// ALTER TABLE ADD FOREIGN KEY: the table's existing rows must satisfy each new constraint
    /// (PostgreSQL's `RI_Initial_Check`: one outer join of the tables, the first orphan fails
    /// the statement with the INSERT's 23503 error). A constraint on a column the statement
    /// adds is checked only if the column's default is not NULL, by that value.
    pub(super) async fn fk_validate(&mut self, plan: &AlterPlan) -> Result<(), ErrorFields> {
        let all = self.fk_tables();
        let new = Arc::new(plan.new.clone());
        for fk in new
            .foreign_keys
            .iter()
            .filter(|f| plan.validate_fks.contains(&f.name))
        {
            // The table's rows as stored: each key column's old position, or its constant.
            let mut old_cols = Vec::new();
            let mut constant = vec![Value::Null; new.columns.len()];
            let mut all_old = true;
            for &c in &fk.columns {
                match plan.rewrite.as_ref().map(|s| &s[c]) {
                    None => old_cols.push(c),
                    Some(ColSource::Old(i)) => old_cols.push(*i),
                    Some(ColSource::Const(v)) => {
                        all_old = false;
                        constant[c] = v.clone();
                    }
                }
            }
            if !all_old {
                // A new column: every row holds its default.
                let rows: Vec<&[Value]> = vec![&constant];
                let one = Arc::new(TableDef {
                    foreign_keys: vec![fk.clone()],
                    ..(*new).clone()
                });
                let any_row = !self.all_rows(&plan.old).await?.is_empty();
                if any_row {
                    self.fk_check_rows(&one, &rows).await?;
                }
                continue;
            }
            let parent = match fk.parent_in(&new, &all) {
                Some(p) if p.id == new.id || (fk.ref_id.0 == 0) => plan.old.clone(),
                Some(p) => p.clone(),
                None => plan.old.clone(),
            };
            let old = &plan.old;
            let fq = |c: usize| format!("fk.{}", quote(&old.columns[c].name));
            let pq = |c: usize| format!("pk.{}", quote(&parent.columns[c].name));
            let on: Vec<String> = (old_cols.iter().zip(&fk.ref_columns))
                .map(|(&a, &r)| format!("{} = {}", pq(r), fq(a)))
                .collect();
            let not_null: Vec<String> = old_cols
                .iter()
                .map(|&a| format!("{} IS NOT NULL", fq(a)))
                .collect();
            let joiner = if fk.match_full { " OR " } else { " AND " };
            let cols: Vec<String> = old_cols.iter().map(|&a| fq(a)).collect();
            let sql = format!(
                "SELECT {} FROM {}.{} fk LEFT JOIN {}.{} pk ON {} WHERE {} IS NULL AND ({}) LIMIT 1",
                cols.join(", "),
                quote(&old.schema),
                quote(&old.name),
                quote(&parent.schema),
                quote(&parent.name),
                on.join(" AND "),
                pq(fk.ref_columns[0]),
                not_null.join(joiner),
            );
            let bound = pglitedb_sql::parse(&sql)
                .map_err(|e| error::from_sql(&e))
                .and_then(|p| match p.as_slice() {
                    [one] => {
                        pglitedb_sql::bind(one, &[], &self.ctx()).map_err(|e| error::from_sql(&e))
                    }
                    _ => Err(error::error(
                        SqlState::INTERNAL_ERROR,
                        "bug: validation query",
                    )),
                })?;
            let Statement::Query(q) = bound else {
                return Err(error::error(
                    SqlState::INTERNAL_ERROR,
                    "bug: validation query",
                ));
            };
            let params = self.statement_params(&[]);
            let rows = self.query_rows(Arc::new(q), &params).await?;
            let Some(orphan) = rows.into_iter().next() else {
                continue;
            };
            let message = format!(
                "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                new.name, fk.name
            );
            let detail = if orphan.contains(&Value::Null) {
                "MATCH FULL does not allow mixing of null and nonnull key values.".to_string()
            } else {
                let ctx = self.format_ctx();
                let names: Vec<&str> = fk
                    .columns
                    .iter()
                    .map(|&c| new.columns[c].name.as_str())
                    .collect();
                let values: Vec<String> = (orphan.iter())
                    .map(|v| v.to_text_ctx(&ctx).unwrap_or_else(|| "null".into()))
                    .collect();
                format!(
                    "Key ({})=({}) is not present in table \"{}\".",
                    names.join(", "),
                    values.join(", "),
                    parent.name
                )
            };
            return Err(error::from_sql(&SqlError::ForeignKeyViolation {
                message,
                detail,
            }));
        }
        Ok(())
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
