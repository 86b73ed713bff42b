//! Rows across a partition tree: a row's key, reordering a row between a parent's and a
//! partition's column order (same names, possibly another order), the partition-constraint error
//! and its DETAILs, and carrying a parent's ALTER TABLE column changes to its key and partitions.

use std::sync::Arc;

use super::{KeyExpr, KeyPart, PartitionSpec};
use crate::catalog::TableDef;
use crate::error::{Result, SqlError};
use crate::types::{FormatContext, Value};

/// PostgreSQL's "Failing row contains (...)." DETAIL.
pub fn row_detail(row: &[Value], ctx: &FormatContext) -> String {
    let shown: Vec<String> = row
        .iter()
        .map(|v| v.to_text_ctx(ctx).unwrap_or_else(|| "null".into()))
        .collect();
    format!("Failing row contains ({}).", shown.join(", "))
}

/// 23514 for a row outside partition `table`.
pub fn violation(table: &TableDef, row: &[Value], ctx: &FormatContext) -> SqlError {
    SqlError::CheckViolation {
        message: format!(
            "new row for relation \"{}\" violates partition constraint",
            table.name
        ),
        detail: row_detail(row, ctx),
    }
}

/// For each column of `to`, the position of the same-named column in `from` (`None`: the same
/// order). Partitions have their parent's columns, possibly in another order.
pub fn remap(from: &TableDef, to: &TableDef) -> Option<Vec<usize>> {
    let map: Vec<usize> = to
        .columns
        .iter()
        .map(|c| from.column_index(&c.name).unwrap_or(usize::MAX))
        .collect();
    let identity = map.len() == from.columns.len() && map.iter().enumerate().all(|(i, &j)| i == j);
    (!identity).then_some(map)
}

/// `row` (in `from`'s column order) in `to`'s column order.
pub fn reorder(from: &TableDef, to: &TableDef, row: Vec<Value>) -> Vec<Value> {
    match remap(from, to) {
        None => row,
        Some(map) => map
            .iter()
            .map(|&j| row.get(j).cloned().unwrap_or(Value::Null))
            .collect(),
    }
}

/// Whether ALTER TABLE (`old` → `new`, `sources` per new column) changed the columns: added,
/// dropped, reordered or renamed any.
pub fn columns_changed(old: &TableDef, new: &TableDef, sources: &[crate::ColSource]) -> bool {
    sources.len() != old.columns.len()
        || sources.iter().enumerate().any(|(i, s)| {
            *s != crate::ColSource::Old(i) || old.columns[i].name != new.columns[i].name
        })
}

/// Makes `new`'s partition key (copied from `old`) follow ALTER TABLE's column changes: column
/// parts move with their columns (dropping one is PostgreSQL's 42P16), expression parts are bound
/// again over the new columns.
pub fn realign_spec(
    old: &TableDef,
    new: &mut TableDef,
    sources: &[crate::ColSource],
) -> Result<()> {
    let Some(spec) = &old.partition_by else {
        return Ok(());
    };
    let mut key = Vec::with_capacity(spec.key.len());
    for part in &spec.key {
        key.push(match part {
            KeyPart::Column(i) => {
                match sources.iter().position(|s| *s == crate::ColSource::Old(*i)) {
                    Some(j) => KeyPart::Column(j),
                    None => {
                        return Err(SqlError::InvalidTableDefinition(format!(
                            "cannot drop column \"{}\" because it is part of the partition key of relation \"{}\"",
                            old.columns[*i].name, old.name
                        )))
                    }
                }
            }
            KeyPart::Expr(e) => {
                let (expr, ty) = crate::bind::key_expr(new, &e.sql).map_err(|_| {
                    SqlError::FeatureNotSupported(
                        "changing columns used in a partition key expression is not supported yet"
                            .into(),
                    )
                })?;
                KeyPart::Expr(KeyExpr {
                    sql: e.sql.clone(),
                    expr,
                    ty,
                })
            }
        });
    }
    new.partition_by = Some(Box::new(PartitionSpec {
        strategy: spec.strategy,
        key,
    }));
    Ok(())
}

/// How ALTER TABLE of a partitioned table (`old` → `new`, `sources` per new column) changes one
/// of its partitions, whose columns match the parent's by name: the partition's new definition
/// and, per new column, where its values come from. Added columns go last; dropped and renamed
/// ones follow the parent; NOT NULL and DEFAULT changes of a column carry over.
pub fn child_alteration(
    old: &TableDef,
    new: &TableDef,
    sources: &[crate::ColSource],
    child: &TableDef,
) -> Result<(TableDef, Vec<crate::ColSource>)> {
    use crate::ColSource;
    let mut columns = Vec::new();
    let mut child_sources = Vec::new();
    for (ci, c) in child.columns.iter().enumerate() {
        let Some(pi) = old.column_index(&c.name) else {
            columns.push(c.clone());
            child_sources.push(ColSource::Old(ci));
            continue;
        };
        let Some(j) = sources.iter().position(|s| *s == ColSource::Old(pi)) else {
            continue; // dropped
        };
        let mut nc = c.clone();
        nc.name = new.columns[j].name.clone();
        if new.columns[j].not_null != old.columns[pi].not_null {
            nc.not_null = new.columns[j].not_null;
        }
        if new.columns[j].default != old.columns[pi].default {
            nc.default = new.columns[j].default.clone();
        }
        columns.push(nc);
        child_sources.push(ColSource::Old(ci));
    }
    for (j, s) in sources.iter().enumerate() {
        if let ColSource::Const(v) = s {
            columns.push(new.columns[j].clone());
            child_sources.push(ColSource::Const(v.clone()));
        }
    }
    let mut def = child.clone();
    def.columns = columns;
    def.primary_key = child.primary_key.as_ref().map(|pk| {
        pk.iter()
            .filter_map(|&i| child_sources.iter().position(|s| *s == ColSource::Old(i)))
            .collect()
    });
    realign_spec(child, &mut def, &child_sources)?;
    Ok((def, child_sources))
}

/// The key of a row under `spec`.
pub fn key_of(spec: &PartitionSpec, row: &[Value]) -> Result<Vec<Value>> {
    let params = crate::Params::new(Vec::new(), Arc::new(FormatContext::default()));
    spec.key
        .iter()
        .map(|k| match k {
            KeyPart::Column(i) => Ok(row[*i].clone()),
            KeyPart::Expr(e) => e.expr.eval_row(row, &params),
        })
        .collect()
}

/// PostgreSQL's "Partition key of the failing row contains (a, b) = (1, 2)." DETAIL.
pub fn key_detail(
    table: &TableDef,
    spec: &PartitionSpec,
    row: &[Value],
    ctx: &FormatContext,
) -> String {
    let names = spec.key_names(table);
    let values: Vec<String> = key_of(spec, row)
        .unwrap_or_default()
        .iter()
        .map(|v| v.to_text_ctx(ctx).unwrap_or_else(|| "null".into()))
        .collect();
    format!(
        "Partition key of the failing row contains ({}) = ({}).",
        names.join(", "),
        values.join(", ")
    )
}
