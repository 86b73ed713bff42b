//! A table's indexes as the catalogs show them: the primary key's index first, then each
//! secondary index (CREATE INDEX, UNIQUE constraints) in definition order.
//!
//! OIDs: the primary key's index and constraint take the table's reserved slots (`oids.rs`); a
//! secondary index has its own id from the table-id sequence (`crate::index::IndexDef::id`), so
//! its OID is the one a table with that id would have, and the constraint of a UNIQUE
//! constraint's index takes that id's constraint slot. No two objects share an OID.

use crate::catalog::TableDef;

use super::deparse::quote_ident;
use super::oids;

/// One index of a table, in the shape `pg_index`, `pg_class` and `pg_constraint` need.
pub(super) struct IndexInfo {
    pub oid: u32,
    pub name: String,
    /// Key columns (positions in the table), in key order.
    pub columns: Vec<usize>,
    pub desc: Vec<bool>,
    pub unique: bool,
    pub primary: bool,
    /// `Some(oid)` when the index implements a constraint (PRIMARY KEY or UNIQUE).
    pub constraint: Option<u32>,
    pub nulls_not_distinct: bool,
    /// False while a CREATE INDEX has not finished building it (PostgreSQL's INVALID).
    pub valid: bool,
}

/// The indexes of `t`: its primary key's first, then its secondary indexes.
pub(super) fn of(t: &TableDef) -> Vec<IndexInfo> {
    let mut out = Vec::with_capacity(t.indexes.len() + 1);
    if let Some(pk) = &t.primary_key {
        out.push(IndexInfo {
            oid: oids::pkey_index(t.id),
            name: t.pkey_name(),
            columns: pk.clone(),
            desc: vec![false; pk.len()],
            unique: true,
            primary: true,
            constraint: Some(oids::pkey_constraint(t.id)),
            nulls_not_distinct: false,
            valid: true,
        });
    }
    for ix in &t.indexes {
        let own = oids::table(crate::catalog::TableId(ix.id));
        out.push(IndexInfo {
            oid: own,
            name: ix.name.clone(),
            columns: ix.columns.clone(),
            desc: ix.desc.clone(),
            unique: ix.unique,
            primary: false,
            constraint: ix.constraint.then_some(own + 2),
            nulls_not_distinct: ix.nulls_not_distinct,
            valid: !ix.building,
        });
    }
    out
}

impl IndexInfo {
    /// The key column `k` (0-based) as `pg_get_indexdef(oid, k + 1, ..)` prints it.
    pub fn key_column(&self, t: &TableDef, k: usize) -> Option<String> {
        let c = t.columns.get(*self.columns.get(k)?)?;
        Some(quote_ident(&c.name))
    }

    /// `(a, b DESC)`: the key columns with their options.
    fn key_list(&self, t: &TableDef) -> String {
        let cols: Vec<String> = (0..self.columns.len())
            .filter_map(|k| {
                let name = self.key_column(t, k)?;
                Some(match self.desc.get(k) {
                    Some(true) => format!("{name} DESC"),
                    _ => name,
                })
            })
            .collect();
        format!("({})", cols.join(", "))
    }

    /// `pg_get_indexdef(oid)`.
    pub fn indexdef(&self, t: &TableDef) -> String {
        format!(
            "CREATE {}INDEX {} ON {}.{} USING btree {}{}",
            if self.unique { "UNIQUE " } else { "" },
            quote_ident(&self.name),
            quote_ident(&t.schema),
            quote_ident(&t.name),
            self.key_list(t),
            if self.nulls_not_distinct {
                " NULLS NOT DISTINCT"
            } else {
                ""
            }
        )
    }

    /// `pg_get_constraintdef` of the constraint it implements (`None`: a plain index).
    pub fn constraintdef(&self, t: &TableDef) -> Option<String> {
        self.constraint?;
        Some(format!(
            "{}{} {}",
            if self.primary {
                "PRIMARY KEY"
            } else {
                "UNIQUE"
            },
            if self.nulls_not_distinct {
                " NULLS NOT DISTINCT"
            } else {
                ""
            },
            self.key_list(t)
        ))
    }
}
