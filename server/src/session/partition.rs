//! Partitioned tables in the session (see `sql/src/partition.rs` for the model): tuple routing of
//! INSERT/COPY rows, expanding reads and writes of a partitioned table to its leaf partitions
//! (pruned when the WHERE clause fixes the partition key), rows that an UPDATE moves between
//! partitions, the row checks of ATTACH PARTITION and of a new partition beside a DEFAULT one,
//! DROP of a parent (its partitions first) and ALTER TABLE of a parent (applied to each partition
//! by column name).
//!
//! A partition's columns may be in another order than its parent's (ATTACH of such a table):
//! rows are reordered by column name when routed, and a statement over the parent reaches such a
//! leaf through a view of it (the leaf's id and name, the parent's columns) plus a column map the
//! shard applies (`ScanSource::remap`, `WritePlan::remap`).
//!
//! Each leaf partition is an ordinary table on the shards; a partitioned table holds no rows. A
//! statement over a partitioned table runs, per leaf, exactly what it would run over that table
//! (the plan cloned with the leaf as its table: the columns are the same), so the shard halves
//! and the router's merge are unchanged.

use std::sync::Arc;

use pglitedb_protocol::{ErrorFields, SqlState};
use pglitedb_shard::ShardResponse;
use pglitedb_sql::partition::{self, PartitionBound};
use pglitedb_sql::{
    AlterPlan, Catalog, ColSource, Params, QueryPlan, SqlError, TableDef, Value, WritePlan,
};

use super::tables::shard_error;
use super::Session;
use crate::error;

/// Rows bound for one leaf partition.
type LeafRows = (Arc<TableDef>, Vec<Vec<Value>>);

impl Session {
    /// The leaf partitions under `table` that rows matching `filter` can be in (`table` itself
    /// when it is not partitioned). A filter that fixes a level's whole key keeps the one
    /// partition routing would choose.
    pub(super) fn leaves(
        &self,
        table: &Arc<TableDef>,
        filter: Option<&pglitedb_sql::Expr>,
        params: &Params,
    ) -> Vec<Arc<TableDef>> {
        self.leaves_under(table, table, filter, params)
    }

    /// [`Session::leaves`] below `table`, a partition of the statement's `target` (the filter's
    /// columns are the target's: pruning applies only where the columns are in the same order).
    fn leaves_under(
        &self,
        target: &TableDef,
        table: &Arc<TableDef>,
        filter: Option<&pglitedb_sql::Expr>,
        params: &Params,
    ) -> Vec<Arc<TableDef>> {
        let Some(spec) = &table.partition_by else {
            return vec![table.clone()];
        };
        let ctx = self.ctx();
        let children = ctx.partitions(table.id);
        let key_types = spec.key_types(table);
        let same_order = partition::remap(table, target).is_none();
        let fixed = filter
            .filter(|_| same_order)
            .and_then(|f| partition::fixed_key(f, table, spec))
            .and_then(|exprs| {
                exprs
                    .iter()
                    .map(|e| e.eval(params).ok())
                    .collect::<Option<Vec<Value>>>()
            });
        let chosen: Vec<Arc<TableDef>> = match fixed {
            Some(key) => match partition::route(&children, &key, &key_types) {
                Ok(c) => c.cloned().into_iter().collect(),
                Err(_) => children.clone(),
            },
            None => children.clone(),
        };
        drop(ctx);
        chosen
            .iter()
            .flat_map(|c| self.leaves_under(target, c, filter, params))
            .collect()
    }

    /// The table a statement over `target` names when it works on partition `leaf`: the leaf
    /// itself, or (columns in another order) the leaf's id and name with the target's columns,
    /// and the stored position of each of them.
    pub(super) fn leaf_view(
        target: &TableDef,
        leaf: Arc<TableDef>,
    ) -> (Arc<TableDef>, Option<Vec<usize>>) {
        match partition::remap(&leaf, target) {
            None => (leaf, None),
            Some(map) => {
                let view = TableDef {
                    columns: target.columns.clone(),
                    primary_key: target.primary_key.clone(),
                    // The target's CHECK constraints read the target's column order (a
                    // partition's own extra constraints are not checked through this view).
                    checks: target.checks.clone(),
                    ..TableDef::clone(&leaf)
                };
                (Arc::new(view), Some(map))
            }
        }
    }

    /// One single-table plan per leaf partition its table has (the plan itself otherwise).
    pub(super) fn expand_scan(
        &self,
        plan: &Arc<QueryPlan>,
        params: &Params,
    ) -> Vec<Arc<QueryPlan>> {
        let Some(source) = &plan.source else {
            return vec![plan.clone()];
        };
        if source.table.partition_by.is_none() {
            return vec![plan.clone()];
        }
        self.leaves(&source.table, source.filter.as_ref(), params)
            .into_iter()
            .map(|leaf| {
                let mut p = QueryPlan::clone(plan);
                if let Some(s) = p.source.as_mut() {
                    let (view, remap) = Self::leaf_view(&source.table, leaf);
                    s.table = view;
                    s.remap = remap;
                }
                Arc::new(p)
            })
            .collect()
    }

    /// UPDATE/DELETE of a partitioned table: the plan runs on each leaf; rows an UPDATE moves out
    /// of their partition are inserted through the target after every leaf has run (so no row is
    /// updated twice).
    pub(super) async fn modify_partitioned(
        &mut self,
        plan: &Arc<WritePlan>,
        params: &Params,
    ) -> Result<u64, ErrorFields> {
        let leaves = self.leaves(&plan.table, plan.filter.as_ref(), params);
        let mut total = 0;
        let mut moved = Vec::new();
        for leaf in leaves {
            let (view, remap) = Self::leaf_view(&plan.table, leaf);
            let p = Arc::new(WritePlan {
                table: view,
                moves: true,
                remap,
                ..WritePlan::clone(plan)
            });
            for resp in self.modify_responses(&p, params).await? {
                match resp {
                    ShardResponse::Modified(n) => total += n,
                    ShardResponse::Moved { count, rows } => {
                        total += count;
                        moved.extend(rows);
                    }
                    other => return Err(shard_error(other)),
                }
            }
        }
        if !moved.is_empty() {
            self.insert_routed(&plan.table, moved).await?;
        }
        Ok(total)
    }

    /// Where each row goes: checked against `table`'s own partition constraint if it is a
    /// partition (23514), then routed down to a leaf (23514 when some level has no partition
    /// for it). Rows are grouped by leaf, in order of first appearance.
    fn route_rows(
        &mut self,
        table: &Arc<TableDef>,
        rows: Vec<Vec<Value>>,
    ) -> Result<Vec<LeafRows>, SqlError> {
        let fmt = self.format_ctx();
        let ctx = self.ctx();
        let by_id = |id| ctx.table_by_id(id);
        let children = |id| ctx.partitions(id);
        let mut groups: Vec<(Arc<TableDef>, Vec<Vec<Value>>)> = Vec::new();
        for row in rows {
            let row = table.coerce_row(row)?;
            if table.partition_of.is_some() && !partition::fits(table, &row, &by_id, &children)? {
                return Err(partition::violation(table, &row, &fmt));
            }
            let mut t = table.clone();
            let mut row = row;
            while let Some(spec) = t.partition_by.clone() {
                let kids = ctx.partitions(t.id);
                let key = partition::key_of(&spec, &row)?;
                let types = spec.key_types(&t);
                match partition::route(&kids, &key, &types)? {
                    Some(c) => {
                        row = partition::reorder(&t, c, row);
                        t = c.clone();
                    }
                    None => {
                        return Err(SqlError::CheckViolation {
                            message: format!(
                                "no partition of relation \"{}\" found for row",
                                t.name
                            ),
                            detail: partition::key_detail(&t, &spec, &row, &fmt),
                        })
                    }
                }
            }
            match groups.iter_mut().find(|(leaf, _)| leaf.id == t.id) {
                Some((_, g)) => g.push(row),
                None => groups.push((t, vec![row])),
            }
        }
        Ok(groups)
    }

    /// INSERT/COPY rows into a partitioned table or a partition: routed, then inserted per leaf.
    pub(super) async fn insert_routed(
        &mut self,
        table: &Arc<TableDef>,
        rows: Vec<Vec<Value>>,
    ) -> Result<u64, ErrorFields> {
        let groups = self
            .route_rows(table, rows)
            .map_err(|e| error::from_sql(&e))?;
        let mut n = 0;
        for (leaf, rows) in groups {
            n += self.insert_unrouted(&leaf, rows).await?;
        }
        Ok(n)
    }

    /// Before a new partition `new` (created or attached) joins its parent: its own rows must fit
    /// its bound, and a DEFAULT sibling must hold no row that now belongs to `new`.
    pub(super) async fn check_new_partition(
        &mut self,
        new: &TableDef,
        existing_rows: bool,
    ) -> Result<(), ErrorFields> {
        let Some(of) = &new.partition_of else {
            return Ok(());
        };
        let (parent, siblings) = {
            let ctx = self.ctx();
            (ctx.table_by_id(of.parent), ctx.partitions(of.parent))
        };
        let Some(spec) = parent.as_ref().and_then(|p| p.partition_by.clone()) else {
            return Ok(());
        };
        let Some(parent) = parent else {
            return Ok(());
        };
        // Rows of `from`, checked in the parent's column order.
        let accepts = |from: &TableDef, row: Vec<Value>| -> Result<bool, ErrorFields> {
            let row = partition::reorder(from, &parent, row);
            let key = partition::key_of(&spec, &row).map_err(|e| error::from_sql(&e))?;
            if of.bound == PartitionBound::Default {
                let others = partition::route(&siblings, &key, &of.key_types)
                    .map_err(|e| error::from_sql(&e))?;
                return Ok(others.is_none());
            }
            of.bound
                .accepts(&key, &of.key_types)
                .map_err(|e| error::from_sql(&e))
        };
        if existing_rows {
            for row in self.all_rows(new).await? {
                if !accepts(new, row)? {
                    return Err(error::error(
                        SqlState::CHECK_VIOLATION,
                        format!(
                            "partition constraint of relation \"{}\" is violated by some row",
                            new.name
                        ),
                    ));
                }
            }
        }
        if of.bound == PartitionBound::Default {
            return Ok(());
        }
        let default = siblings.iter().find(|s| {
            s.partition_of
                .as_ref()
                .is_some_and(|o| o.bound == PartitionBound::Default)
        });
        if let Some(d) = default.cloned() {
            for row in self.all_rows(&d).await? {
                if accepts(&d, row)? {
                    return Err(error::error(
                        SqlState::CHECK_VIOLATION,
                        format!(
                            "updated partition constraint for default partition \"{}\" would be violated by some row",
                            d.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// ATTACH PARTITION: the rows checked, then the definition (with its bound) replaced.
    pub(super) async fn attach_partition(
        &mut self,
        old: &Arc<TableDef>,
        new: &TableDef,
    ) -> Result<(), ErrorFields> {
        self.check_new_partition(new, true).await?;
        self.replace_definition(old, new).await
    }

    /// DETACH PARTITION: the table keeps its rows and becomes an ordinary table.
    pub(super) async fn detach_partition(
        &mut self,
        old: &Arc<TableDef>,
        new: &TableDef,
    ) -> Result<(), ErrorFields> {
        self.replace_definition(old, new).await
    }

    /// The tables DROP TABLE of `table` removes: its partitions (recursively, leaves first), then
    /// itself.
    pub(super) fn with_partitions(&self, table: &Arc<TableDef>) -> Vec<Arc<TableDef>> {
        let mut out = Vec::new();
        if table.partition_by.is_some() {
            let kids = self.ctx().partitions(table.id);
            for k in &kids {
                out.extend(self.with_partitions(k));
            }
        }
        out.push(table.clone());
        out
    }

    /// ALTER TABLE of a partitioned table: its definition changes in place (it holds no rows,
    /// and its partitions name it by id), then each partition changes the same way, matched by
    /// column name (`partition::child_alteration`), down to the leaves, whose rows are rewritten
    /// when their columns change.
    pub(super) async fn alter_partitioned(&mut self, plan: &AlterPlan) -> Result<(), ErrorFields> {
        if plan.rekey {
            return Err(error::error(
                SqlState::FEATURE_NOT_SUPPORTED,
                "adding a primary key to a partitioned table is not supported yet",
            ));
        }
        let identity: Vec<ColSource> = (0..plan.old.columns.len()).map(ColSource::Old).collect();
        let sources = plan.rewrite.clone().unwrap_or(identity);
        let mut work = vec![(plan.old.clone(), plan.new.clone(), sources)];
        while let Some((old, new, sources)) = work.pop() {
            let children = self.ctx().partitions(old.id);
            for c in &children {
                let (cn, cs) = partition::child_alteration(&old, &new, &sources, c)
                    .map_err(|e| error::from_sql(&e))?;
                work.push((c.clone(), cn, cs));
            }
            let moves_rows = partition::columns_changed(&old, &new, &sources);
            if old.partition_by.is_some() || !moves_rows {
                if *old != new {
                    self.replace_definition(&old, &new).await?;
                }
                let newly_not_null = new
                    .columns
                    .iter()
                    .zip(&old.columns)
                    .any(|(n, o)| n.not_null && !o.not_null);
                if old.partition_by.is_none() && newly_not_null {
                    self.check_leaf_not_null(&new).await?;
                }
                continue;
            }
            self.refuse_in_block("ALTER TABLE that rewrites rows")?;
            let rows: Vec<Vec<Value>> = self
                .all_rows(&old)
                .await?
                .into_iter()
                .map(|r| {
                    sources
                        .iter()
                        .map(|s| match s {
                            ColSource::Old(i) => r[*i].clone(),
                            ColSource::Const(v) => v.clone(),
                        })
                        .collect()
                })
                .collect();
            not_null_in(&new, &rows)?;
            self.rewrite_rows(&old, new, rows).await?;
        }
        Ok(())
    }

    /// A leaf whose definition changed in place: its rows must satisfy its NOT NULL columns.
    async fn check_leaf_not_null(&mut self, leaf: &TableDef) -> Result<(), ErrorFields> {
        let rows = self.all_rows(leaf).await?;
        not_null_in(leaf, &rows)
    }
}

/// 23502 when a NOT NULL column of `table` holds a NULL in `rows` (ALTER TABLE's check).
fn not_null_in(table: &TableDef, rows: &[Vec<Value>]) -> Result<(), ErrorFields> {
    for (i, c) in table.columns.iter().enumerate() {
        if c.not_null && rows.iter().any(|r| r.get(i).is_some_and(Value::is_null)) {
            return Err(error::error(
                SqlState::NOT_NULL_VIOLATION,
                format!(
                    "column \"{}\" of relation \"{}\" contains null values",
                    c.name, table.name
                ),
            ));
        }
    }
    Ok(())
}
