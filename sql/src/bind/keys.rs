//! Key lookups a filter allows: the primary key it fixes (one shard, one point read) or a
//! built secondary index whose every column it fixes with `column = expr` (expr not reading the
//! row).

use crate::catalog::TableDef;
use crate::expr::{BinOp, Expr};

/// If `filter` is a conjunction that fixes every primary-key column with `column = expr` (expr not
/// reading the row), the key expressions in key order.
pub(crate) fn point_key(filter: &Expr, table: &TableDef) -> Option<Vec<Expr>> {
    fixed_columns(filter, table.primary_key.as_ref()?)
}

/// The expressions a conjunction of `column = expr` fixes `columns` to (in their order), if it
/// fixes all of them.
pub(crate) fn fixed_columns(filter: &Expr, pk: &[usize]) -> Option<Vec<Expr>> {
    let mut eqs: Vec<(usize, &Expr)> = Vec::new();
    collect_equalities(filter, &mut eqs);
    pk.iter()
        .map(|col| {
            eqs.iter()
                .find(|(c, _)| c == col)
                .map(|(_, e)| (*e).clone())
        })
        .collect()
}

/// If `filter` fixes every key column of one of the table's secondary indexes with `column =
/// expr` (expr not reading the row, of the column's type), that index (a unique one first, then
/// the one with the most columns) and the key expressions in key order: its entries for that key
/// are on one shard, and the rows they name are point lookups. The caller prefers a primary-key
/// point lookup when there is one.
pub fn index_lookup(filter: &Expr, table: &TableDef) -> Option<(usize, Vec<Expr>)> {
    if table.indexes.is_empty() {
        return None;
    }
    let mut eqs: Vec<(usize, &Expr)> = Vec::new();
    collect_equalities(filter, &mut eqs);
    // Only types whose key bytes are equal exactly when the values are (not char(n), whose
    // padding does not count, nor floats, whose -0 equals 0).
    let same_type = |col: usize, e: &Expr| {
        use crate::types::DataType as T;
        let (a, b) = (table.columns[col].ty, e.data_type());
        matches!(
            (a, b),
            (T::Int2 | T::Int4 | T::Int8, T::Int2 | T::Int4 | T::Int8)
        ) || matches!((a, b), (T::Text | T::Varchar, T::Text | T::Varchar))
            || (a == b && matches!(a, T::Bool | T::Numeric | T::Date | T::Uuid))
    };
    let mut best: Option<(usize, Vec<Expr>)> = None;
    for (i, ix) in table.indexes.iter().enumerate() {
        if ix.building {
            continue; // not all rows have entries yet
        }
        let key: Option<Vec<Expr>> = ix
            .columns
            .iter()
            .map(|col| {
                eqs.iter()
                    .find(|(c, e)| c == col && same_type(*col, e))
                    .map(|(_, e)| (*e).clone())
            })
            .collect();
        let Some(key) = key else { continue };
        let better = match &best {
            None => true,
            Some((b, _)) => {
                let b = &table.indexes[*b];
                (ix.unique, ix.columns.len()) > (b.unique, b.columns.len())
            }
        };
        if better {
            best = Some((i, key));
        }
    }
    best
}

fn collect_equalities<'a>(e: &'a Expr, out: &mut Vec<(usize, &'a Expr)>) {
    match e {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => {
            collect_equalities(left, out);
            collect_equalities(right, out);
        }
        Expr::Binary {
            op: BinOp::Eq,
            left,
            right,
            ..
        } => match (left.as_ref(), right.as_ref()) {
            (Expr::Column(c, _), other) | (other, Expr::Column(c, _)) if !reads_row(other) => {
                out.push((*c, other))
            }
            _ => {}
        },
        _ => {}
    }
}

fn reads_row(e: &Expr) -> bool {
    match e {
        Expr::Column(..) | Expr::Outer { .. } | Expr::SubLink(_) => true,
        Expr::Const(..) | Expr::Param(..) => false,
        Expr::Cast(inner, _) | Expr::Neg(inner) | Expr::Not(inner) => reads_row(inner),
        Expr::IsNull { expr, .. } => reads_row(expr),
        Expr::Binary { left, right, .. } => reads_row(left) || reads_row(right),
        Expr::Call { args, .. } | Expr::Node { args, .. } => args.iter().any(reads_row),
    }
}
