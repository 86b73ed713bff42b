//! EXPLAIN: the plan as the session will run it, with its shard routing — which shard a point
//! lookup goes to (when the key is known), what each shard runs (filter, partial aggregate, top-N)
//! and what the router does with the gathered rows. Text format, one `QUERY PLAN` column, indented
//! like PostgreSQL's. Costs are not estimated (there is no cost-based planner); ANALYZE is not
//! supported yet.

use pglitedb_protocol::{backend, ErrorFields, Format, SqlState};
use pglitedb_shard::route::shard_for_key;
use std::sync::Arc;

use pglitedb_sql::{
    Body, DataType, Distinct, Expr, OnConflict, Params, QueryPlan, Statement, TableDef,
};

use super::exec::write_row_description;
use super::tables::routed_key;
use super::Session;
use crate::error;

/// The leaf partitions a read or write of a partitioned table visits (after pruning by the filter).
type Leaves<'a> = &'a dyn Fn(&Arc<TableDef>, Option<&Expr>) -> Vec<Arc<TableDef>>;

/// Plan lines being built: (depth, text, is_node).
struct Lines<'a> {
    out: Vec<(usize, String, bool)>,
    shards: usize,
    leaves: Leaves<'a>,
}

impl Lines<'_> {
    fn node(&mut self, depth: usize, text: impl Into<String>) {
        self.out.push((depth, text.into(), true));
    }
    fn detail(&mut self, depth: usize, text: impl Into<String>) {
        self.out.push((depth, text.into(), false));
    }

    /// ON CONFLICT's details under its Insert node, as PostgreSQL prints them.
    fn conflict(&mut self, table: &TableDef, oc: &OnConflict) {
        let action = if oc.is_update() { "UPDATE" } else { "NOTHING" };
        self.detail(0, format!("Conflict Resolution: {action}"));
        let mut names: Vec<String> = Vec::new();
        if oc.pk_arbiter {
            names.push(table.pkey_name());
        }
        for id in &oc.index_arbiters {
            if let Some(ix) = table.indexes.iter().find(|ix| ix.id == *id) {
                names.push(ix.name.clone());
            }
        }
        if oc.has_target && !names.is_empty() {
            self.detail(0, format!("Conflict Arbiter Indexes: {}", names.join(", ")));
        }
    }

    /// PostgreSQL's layout: children as `->  ` under their parent, details indented under their
    /// node.
    fn render(&self) -> Vec<String> {
        self.out
            .iter()
            .map(|(depth, text, is_node)| match (depth, is_node) {
                (0, true) => text.clone(),
                (0, false) => format!("  {text}"),
                (d, true) => format!("{}->  {text}", " ".repeat(6 * d - 4)),
                (d, false) => format!("{}{text}", " ".repeat(6 * d + 2)),
            })
            .collect()
    }

    /// Where a table's rows come from: one shard by primary key, or all of them; for a
    /// partitioned table, each partition that may hold matching rows.
    fn access(
        &mut self,
        depth: usize,
        table: &Arc<TableDef>,
        key: Option<&[Expr]>,
        filter: Option<&Expr>,
        shard_work: &[String],
        params: &Params,
    ) {
        if table.partition_by.is_some() {
            let leaves = (self.leaves)(table, filter);
            if leaves.is_empty() {
                self.node(depth, "Result");
                self.detail(
                    depth,
                    "One-Time Filter: false (no partition can hold matching rows)",
                );
                return;
            }
            self.node(depth, format!("Append (partitions of {})", table.name));
            for leaf in &leaves {
                self.access(depth + 1, leaf, key, filter, shard_work, params);
            }
            return;
        }
        let filtered = filter.is_some();
        let by_index = || {
            // The same choice the session makes when it runs the statement (`index.rs`).
            let (i, exprs) = pglitedb_sql::index_lookup(filter?, table)?;
            let on = super::index::index_route(table, filter, key, params)
                .map(|(_, k)| format!("shard-{}", shard_for_key(&k, self.shards).0));
            Some((i, exprs.len(), on))
        };
        if key.and_then(|k| routed_key(k, params)).is_none() {
            if let Some((i, n, on)) = by_index() {
                let ix = &table.indexes[i];
                self.node(
                    depth,
                    format!("Index Scan using {} on {}", ix.name, table.name),
                );
                let cols: Vec<&str> = ix.columns[..n]
                    .iter()
                    .map(|&c| table.columns[c].name.as_str())
                    .collect();
                self.detail(
                    depth,
                    format!("Index Cond: equality on ({})", cols.join(", ")),
                );
                self.detail(
                    depth,
                    format!(
                        "Index entries on {}; rows read by key on their shards",
                        on.unwrap_or_else(|| "the shard of the index key".into())
                    ),
                );
                if filtered {
                    self.detail(depth, "Filter: on the shard");
                }
                for w in shard_work {
                    self.detail(depth, w.clone());
                }
                return;
            }
        }
        match key {
            Some(k) => {
                let shard = match routed_key(k, params) {
                    Some(bytes) => format!("shard-{}", shard_for_key(&bytes, self.shards).0),
                    None => "the shard of the key".to_string(),
                };
                self.node(
                    depth,
                    format!(
                        "Point Lookup on {} using {} ({shard})",
                        table.name,
                        table.pkey_name()
                    ),
                );
                for w in shard_work {
                    self.detail(depth, w.clone());
                }
            }
            None => {
                self.node(depth, format!("Gather (all {} shards)", self.shards));
                let scan = if table.primary_key.is_some() {
                    "Seq Scan"
                } else {
                    "Seq Scan (hidden row ids)"
                };
                self.node(depth + 1, format!("{scan} on {} (each shard)", table.name));
                if filtered {
                    self.detail(depth + 1, "Filter: on the shard");
                }
                for w in shard_work {
                    self.detail(depth + 1, w.clone());
                }
            }
        }
    }

    fn query(&mut self, mut depth: usize, q: &QueryPlan, params: &Params) {
        if q.limit.is_some() || q.offset.is_some() {
            self.node(depth, "Limit (router)");
            depth += 1;
        }
        match &q.distinct {
            Distinct::None => {}
            Distinct::All => {
                self.node(depth, "Unique (router)");
                depth += 1;
            }
            Distinct::On(_) => {
                self.node(depth, "Unique: DISTINCT ON (router)");
                depth += 1;
            }
        }
        if !q.order.is_empty() {
            self.node(
                depth,
                "Sort (router: merge of per-shard top-N when limited)",
            );
            depth += 1;
        }
        let mut shard_work = Vec::new();
        if let Body::Aggregate(a) = &q.body {
            let kind = if a.group_by.is_empty() {
                "Aggregate"
            } else {
                "HashAggregate"
            };
            self.node(depth, format!("{kind} (router: final)"));
            if a.having.is_some() {
                self.detail(depth, "Filter: HAVING");
            }
            depth += 1;
            shard_work.push(if a.partial {
                "Partial aggregate: on the shard".to_string()
            } else {
                "Aggregate arguments shipped to the router (DISTINCT)".to_string()
            });
        }
        if let Some(src) = &q.source {
            self.access(
                depth,
                &src.table,
                src.key.as_deref(),
                src.filter.as_ref(),
                &shard_work,
                params,
            );
        } else if !q.scans.is_empty() {
            // Joins, subqueries, set operations, CTEs: the router evaluates the relation tree over
            // base-table scans it gathers from the shards first, all at once.
            self.node(
                depth,
                "Relation tree: joins/subqueries/set operations (router)",
            );
            for scan in &q.scans {
                match &scan.source {
                    Some(src) => self.access(
                        depth + 1,
                        &src.table,
                        src.key.as_deref(),
                        src.filter.as_ref(),
                        &[],
                        params,
                    ),
                    None => self.node(depth + 1, "Result"),
                }
            }
        } else if q.local.is_some() {
            self.node(depth, "Function/Values Scan (router)");
        } else {
            self.node(depth, "Result");
        }
    }

    fn statement(&mut self, stmt: &Statement, params: &Params) -> Result<(), ErrorFields> {
        match stmt {
            Statement::Query(q) => self.query(0, q, params),
            Statement::Update(p) | Statement::Delete(p) => {
                let verb = if matches!(stmt, Statement::Update(_)) {
                    "Update"
                } else {
                    "Delete"
                };
                self.node(0, format!("{verb} on {}", p.table.name));
                self.detail(
                    0,
                    "Rows locked and staged in the transaction's write set on their shard",
                );
                self.access(
                    1,
                    &p.table,
                    p.key.as_deref(),
                    p.filter.as_ref(),
                    &[],
                    params,
                );
            }
            Statement::Insert {
                table,
                rows,
                on_conflict,
                ..
            } => {
                self.node(0, format!("Insert on {}", table.name));
                if let Some(oc) = on_conflict {
                    self.conflict(table, oc);
                }
                let how = match &table.primary_key {
                    Some(_) => "each to its primary key's shard",
                    None => "to the session's own shard, hidden row ids",
                };
                self.node(1, format!("Values ({} rows, {how})", rows.len()));
            }
            Statement::InsertSelect {
                table,
                query,
                on_conflict,
                ..
            } => {
                self.node(0, format!("Insert on {}", table.name));
                if let Some(oc) = on_conflict {
                    self.conflict(table, oc);
                }
                self.query(1, query, params);
            }
            Statement::CreateTableAs { query, .. } => self.query(0, query, params),
            Statement::Returning { inner, .. } => self.statement(inner, params)?,
            // The primary statement, then each data-modifying CTE under its name.
            Statement::WithWrites(w) => {
                self.statement(&w.main, params)?;
                for cte in &w.writes {
                    self.detail(0, format!("CTE {}", cte.name));
                    let mut sub = Lines {
                        out: Vec::new(),
                        shards: self.shards,
                        leaves: self.leaves,
                    };
                    sub.statement(&cte.stmt, params)?;
                    (self.out).extend(sub.out.into_iter().map(|(d, t, n)| (d + 1, t, n)));
                }
            }
            _ => {
                return Err(error::error(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    "EXPLAIN of this statement is not supported",
                ))
            }
        }
        Ok(())
    }
}

impl Session {
    /// EXPLAIN: writes the plan's lines as rows (RowDescription too when `describe`) and the tag.
    pub(super) fn explain(
        &mut self,
        inner: &Statement,
        analyze: bool,
        params: &Params,
        formats: &[Format],
        describe: bool,
    ) -> Result<usize, ErrorFields> {
        if analyze {
            return Err(error::error(
                SqlState::FEATURE_NOT_SUPPORTED,
                "EXPLAIN ANALYZE is not supported yet",
            ));
        }
        let leaves = |t: &Arc<TableDef>, f: Option<&Expr>| self.leaves(t, f, params);
        let mut lines = Lines {
            out: Vec::new(),
            shards: self.worker.cores(),
            leaves: &leaves,
        };
        lines.statement(inner, params)?;
        let rendered = lines.render();
        if describe {
            write_row_description(
                &mut self.conn.out,
                &[("QUERY PLAN".to_string(), DataType::Text)],
                formats,
            );
        }
        for l in &rendered {
            let mut w = backend::data_row(&mut self.conn.out);
            w.value(Some(l.as_bytes()));
            w.finish();
        }
        backend::command_complete(&mut self.conn.out, "EXPLAIN");
        Ok(rendered.len())
    }
}
