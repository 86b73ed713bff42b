//! The `pg_constraint` rows of FOREIGN KEY constraints (`crate::fkey`).

use std::sync::Arc;

use super::super::{indexes, oids};
use super::{int2_array, Row};
use crate::catalog::TableDef;

/// The `pg_constraint` row of `t`'s `k`-th FOREIGN KEY.
pub(super) fn constraint_row(
    row: Row,
    t: &Arc<TableDef>,
    k: usize,
    fk: &crate::fkey::ForeignKey,
    tables: &[Arc<TableDef>],
) -> Row {
    let parent = fk.parent_in(t, tables);
    let index = parent.and_then(|p| {
        indexes::of(p)
            .into_iter()
            .find(|ix| {
                ix.unique
                    && ix.columns.len() == fk.ref_columns.len()
                    && fk.ref_columns.iter().all(|c| ix.columns.contains(c))
            })
            .map(|ix| ix.oid)
    });
    row.set("oid", oids::fk_constraint(t.id, k))
        .set("conname", fk.name.as_str())
        .set("connamespace", oids::namespace(&t.schema))
        .set("contype", "f")
        .set("condeferrable", fk.deferrable)
        .set("condeferred", fk.initially_deferred)
        .set("convalidated", !fk.not_valid)
        .set("conrelid", oids::table(t.id))
        .set("conindid", index.unwrap_or(0))
        .set("confrelid", parent.map_or(0, |p| oids::table(p.id)))
        .set("confupdtype", fk.on_update.code().to_string().as_str())
        .set("confdeltype", fk.on_delete.code().to_string().as_str())
        .set("confmatchtype", if fk.match_full { "f" } else { "s" })
        .set("conislocal", true)
        .set("connoinherit", true)
        .set(
            "conkey",
            int2_array(fk.columns.iter().map(|&i| i as i16 + 1)),
        )
        .set(
            "confkey",
            int2_array(fk.ref_columns.iter().map(|&i| i as i16 + 1)),
        )
}
