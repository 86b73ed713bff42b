//! Declarative partitioning, as PostgreSQL 15 has it: a partitioned table (`PARTITION BY RANGE |
//! LIST | HASH (columns)`) holds no rows itself; each of its partitions (`PARTITION OF parent FOR
//! VALUES ...`) is an ordinary table with its own id and rows, and may itself be partitioned.
//!
//! The catalog records the two sides as tagged [`crate::TableDef`] sections: the parent's
//! [`PartitionSpec`] (`partition_by`) and each partition's [`PartitionOf`] (`partition_of`: the
//! parent's id and the bound). A partition has the parent's columns in the parent's order (CREATE
//! ... PARTITION OF copies them; ATTACH requires it), so the key's column positions of the parent
//! apply to the partition's rows unchanged.
//!
//! Routing ([`route`]) follows PostgreSQL: the first partition whose bound accepts the key, else
//! the DEFAULT partition. A range key with a NULL goes to the default partition only; a list key
//! that is NULL goes to the partition listing NULL; hash keys hash with PostgreSQL's functions
//! (`hash_combine64` of each non-NULL column's extended hash under `HASH_PARTITION_SEED`), so a
//! row lands in the same partition as in PostgreSQL.
//!
//! Key expressions are kept as SQL text and bound again when a definition is read
//! (`crate::bind::key_expr`).
//!
//! This file holds the key and bound types and routing; `rows` holds row reordering, keys of rows,
//! error details and ALTER TABLE propagation, `hash` the hash functions, `codec` the catalog
//! sections, `tree` the whole hierarchy that `tableoid` routes rows through. Their public items are re-exported here.
//!
//! Left out (refused with 0A000 or not modelled): operator classes and collations in the key, hash
//! keys of types other than the integers, date and the string types,
//! CHECK constraints added to a parent after its partitions exist (they do not reach them), and
//! partition-wise joins/aggregation (each leaf is read like a table and the router merges).

use std::cmp::Ordering;
use std::sync::Arc;

use crate::catalog::{TableDef, TableId};
use crate::error::Result;
use crate::types::{DataType, Value};

mod codec;
mod hash;
mod rows;
mod tree;

pub(crate) use codec::{OF_TAG, SPEC_TAG};
pub use hash::{hash_key, hashable};
pub use rows::{
    child_alteration, columns_changed, key_detail, key_of, realign_spec, remap, reorder,
    row_detail, violation,
};
pub use tree::PartitionTree;

/// RANGE, LIST or HASH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Range,
    List,
    Hash,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::List => "list",
            Strategy::Hash => "hash",
        }
    }
}

/// How a partitioned table splits its rows: the strategy and the key.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionSpec {
    pub strategy: Strategy,
    pub key: Vec<KeyPart>,
}

/// One part of a partition key: a column, or an expression over the row.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyPart {
    Column(usize),
    Expr(KeyExpr),
}

/// An expression key part. The catalog keeps its SQL text (PostgreSQL's deparsed form) and binds
/// it again when the definition is read (`crate::bind::key_expr`).
#[derive(Debug, Clone)]
pub struct KeyExpr {
    pub sql: String,
    pub expr: crate::Expr,
    pub ty: DataType,
}

impl PartialEq for KeyExpr {
    fn eq(&self, other: &Self) -> bool {
        self.sql == other.sql && self.ty == other.ty
    }
}

impl PartitionSpec {
    /// The key's types.
    pub fn key_types(&self, table: &TableDef) -> Vec<DataType> {
        self.key
            .iter()
            .map(|k| match k {
                KeyPart::Column(i) => table.columns[*i].ty,
                KeyPart::Expr(e) => e.ty,
            })
            .collect()
    }

    /// The key parts as PostgreSQL names them in messages.
    pub fn key_names(&self, table: &TableDef) -> Vec<String> {
        self.key
            .iter()
            .map(|k| match k {
                KeyPart::Column(i) => table.columns[*i].name.clone(),
                KeyPart::Expr(e) => e.sql.clone(),
            })
            .collect()
    }

    /// The key columns, when every part is a plain column.
    pub fn columns(&self) -> Option<Vec<usize>> {
        self.key
            .iter()
            .map(|k| match k {
                KeyPart::Column(i) => Some(*i),
                KeyPart::Expr(_) => None,
            })
            .collect()
    }
}

/// One datum of a range bound.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    MinValue,
    Value(Value),
    MaxValue,
}

/// A partition's bound, in the parent's key types.
#[derive(Debug, Clone, PartialEq)]
pub enum PartitionBound {
    /// `FROM (lower) TO (upper)`: lower inclusive, upper exclusive, compared column by column.
    Range {
        from: Vec<Datum>,
        to: Vec<Datum>,
    },
    /// `IN (values)`; may list NULL.
    List(Vec<Value>),
    /// `WITH (MODULUS m, REMAINDER r)`.
    Hash {
        modulus: u32,
        remainder: u32,
    },
    Default,
}

/// What makes a table a partition: its parent and its bound.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionOf {
    pub parent: TableId,
    /// The parent's key column types (the bound's values are of these types).
    pub key_types: Vec<DataType>,
    pub bound: PartitionBound,
}

/// Compares a key (no NULLs) or a bound with a range bound; infinite datums end the comparison
/// (PostgreSQL's `partition_rbound_cmp`): returns the ordering and the 0-based column that decided.
pub fn cmp_bounds(a: &[Datum], b: &[Datum]) -> (Ordering, usize) {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let o = match (x, y) {
            (Datum::MinValue, Datum::MinValue) | (Datum::MaxValue, Datum::MaxValue) => {
                return (Ordering::Equal, i)
            }
            (Datum::MinValue, _) | (_, Datum::MaxValue) => Ordering::Less,
            (_, Datum::MinValue) | (Datum::MaxValue, _) => Ordering::Greater,
            (Datum::Value(x), Datum::Value(y)) => x.cmp_sql(y),
        };
        if o != Ordering::Equal {
            return (o, i);
        }
    }
    (Ordering::Equal, 0)
}

impl PartitionBound {
    /// Whether a key (the row's partition-key values) falls in this bound; `false` for DEFAULT,
    /// which takes what no sibling accepts (see [`route`]).
    pub fn accepts(&self, key: &[Value], key_types: &[DataType]) -> Result<bool> {
        Ok(match self {
            PartitionBound::Default => false,
            PartitionBound::List(values) => {
                let k = &key[0];
                values.iter().any(|v| match (v.is_null(), k.is_null()) {
                    (true, true) => true,
                    (false, false) => v.cmp_sql(k) == Ordering::Equal,
                    _ => false,
                })
            }
            PartitionBound::Range { from, to } => {
                if key.iter().any(Value::is_null) {
                    return Ok(false);
                }
                let k: Vec<Datum> = key.iter().cloned().map(Datum::Value).collect();
                cmp_bounds(&k, from).0 != Ordering::Less && cmp_bounds(&k, to).0 == Ordering::Less
            }
            PartitionBound::Hash { modulus, remainder } => {
                hash_key(key, key_types)? % u64::from(*modulus) == u64::from(*remainder)
            }
        })
    }
}

/// The partition of `children` (the direct partitions of a table partitioned by `spec`) that takes
/// a row with partition key `key`: the one whose bound accepts it, else the default partition.
pub fn route<'a>(
    children: &'a [Arc<TableDef>],
    key: &[Value],
    key_types: &[DataType],
) -> Result<Option<&'a Arc<TableDef>>> {
    let mut default = None;
    for c in children {
        let Some(of) = &c.partition_of else { continue };
        if of.bound == PartitionBound::Default {
            default = Some(c);
        } else if of.bound.accepts(key, key_types)? {
            return Ok(Some(c));
        }
    }
    Ok(default)
}

/// Whether `row` belongs in partition `table` and in each of its ancestors (PostgreSQL's partition
/// constraint, which includes the ancestors' bounds): at each level, routing the row among the
/// siblings must choose the table. `by_id` and `children` read the catalog.
pub fn fits(
    table: &TableDef,
    row: &[Value],
    by_id: &dyn Fn(TableId) -> Option<Arc<TableDef>>,
    children: &dyn Fn(TableId) -> Vec<Arc<TableDef>>,
) -> Result<bool> {
    let mut id = table.id;
    let mut of = table.partition_of.clone();
    let mut row = row.to_vec();
    let mut child = Arc::new(table.clone());
    while let Some(o) = of {
        let Some(parent) = by_id(o.parent) else {
            return Ok(true);
        };
        row = reorder(&child, &parent, row);
        let Some(spec) = &parent.partition_by else {
            return Ok(true);
        };
        let siblings = children(parent.id);
        let chosen = route(&siblings, &key_of(spec, &row)?, &o.key_types)?;
        if chosen.map(|c| c.id) != Some(id) {
            return Ok(false);
        }
        id = parent.id;
        of = parent.partition_of.clone();
        child = parent;
    }
    Ok(true)
}

/// The expressions a WHERE clause fixes the partition key to (`col = expr AND ...`), when it fixes
/// every key column with an expression of the column's type (so routing compares like values).
pub fn fixed_key(
    filter: &crate::Expr,
    table: &TableDef,
    spec: &PartitionSpec,
) -> Option<Vec<crate::Expr>> {
    let cols = spec.columns()?;
    let exprs = crate::bind::fixed_columns(filter, &cols)?;
    exprs
        .iter()
        .zip(&cols)
        .all(|(e, &c)| e.data_type() == table.columns[c].ty)
        .then_some(exprs)
}

#[cfg(test)]
mod tests;
