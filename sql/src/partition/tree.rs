//! A partitioned table's whole partition hierarchy, captured when a statement is bound, so that
//! an expression can tell which leaf holds a row: the `tableoid` system column of a partitioned
//! table (`crate::bind::sysattr`).
//!
//! Invariant relied on: a row of a partitioned table always lives in the leaf that routing its
//! partition key chooses (INSERT routes, UPDATE moves rows whose key changes, ATTACH validates).
//! So a row's leaf is a function of its values, and `tableoid` needs no help from the scan.
//! A plan bound against this tree is invalidated with the catalog when partitions change.

use std::sync::Arc;

use super::{key_of, reorder, route};
use crate::catalog::{Catalog, TableDef, TableId};
use crate::error::Result;
use crate::types::Value;

/// A table and, if it is partitioned, its partitions' trees.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionTree {
    pub table: Arc<TableDef>,
    pub children: Vec<PartitionTree>,
}

impl PartitionTree {
    /// The tree under `table`, read from the catalog.
    pub fn build(table: Arc<TableDef>, catalog: &dyn Catalog) -> PartitionTree {
        let children = if table.partition_by.is_some() {
            catalog
                .partitions(table.id)
                .into_iter()
                .map(|c| PartitionTree::build(c, catalog))
                .collect()
        } else {
            Vec::new()
        };
        PartitionTree { table, children }
    }

    /// The leaf that holds `row` (in the root's column order), `None` if some level has no
    /// partition for it (no stored row is like that).
    pub fn leaf(&self, row: Vec<Value>) -> Result<Option<TableId>> {
        let mut node = self;
        let mut row = row;
        while let Some(spec) = &node.table.partition_by {
            let key = key_of(spec, &row)?;
            let kids: Vec<Arc<TableDef>> = node.children.iter().map(|c| c.table.clone()).collect();
            let Some(chosen) = route(&kids, &key, &spec.key_types(&node.table))? else {
                return Ok(None);
            };
            let Some(next) = node.children.iter().find(|c| c.table.id == chosen.id) else {
                return Ok(None);
            };
            row = reorder(&node.table, &next.table, row);
            node = next;
        }
        Ok(Some(node.table.id))
    }
}
