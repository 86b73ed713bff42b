//! System columns. Only `tableoid` exists: the OID of the table that physically holds the row.
//! For an ordinary table (or a partition read directly) it is a constant; for a partitioned table
//! it is the leaf that routing the row's partition key chooses (`Node::PartitionOid`, see
//! `crate::partition::PartitionTree` for why that is the row's leaf).
//!
//! System columns are found by name only: `*` never expands to them, and an ordinary column of
//! the same name wins (PostgreSQL refuses such columns; we have no such tables).

use std::sync::Arc;

use super::Binder;
use crate::catalog::TableDef;
use crate::expr::{Expr, Node};
use crate::partition::PartitionTree;
use crate::types::{DataType, Value};

/// The system column names a table has.
pub(crate) const TABLEOID: &str = "tableoid";

impl Binder<'_> {
    /// `tableoid` of `table`, whose columns (in table order) start at `offset` of the input row.
    pub(crate) fn tableoid(&self, table: &Arc<TableDef>, offset: usize) -> Expr {
        if table.partition_by.is_none() {
            let oid = crate::syscat::oids::table(table.id);
            return Expr::Const(Value::Oid(oid), DataType::Oid);
        }
        let tree = PartitionTree::build(table.clone(), self.ctx.catalog());
        Expr::Node {
            kind: Node::PartitionOid(Arc::new(tree)),
            args: (table.columns.iter().enumerate())
                .map(|(i, c)| Expr::Column(offset + i, c.ty))
                .collect(),
            ty: DataType::Oid,
        }
    }

    /// The system columns of `table` read at `offset`, as a range's `system` entries.
    pub(crate) fn system_columns(
        &self,
        table: &Arc<TableDef>,
        offset: usize,
    ) -> Vec<(String, Expr)> {
        vec![(TABLEOID.to_string(), self.tableoid(table, offset))]
    }
}
