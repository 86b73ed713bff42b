//! FOREIGN KEY constraints in the catalog: their definition ([`ForeignKey`], a tagged section of
//! the referencing table's [`TableDef`]) and the facts `pg_constraint` and `\d` show.
//!
//! A constraint lives only in the referencing (child) table's definition, as PostgreSQL keeps one
//! `pg_constraint` row per constraint. The referenced (parent) table does not record that it is
//! referenced: whoever needs that (the session before a parent write, DROP TABLE, `\d`'s
//! "Referenced by:") finds the constraints that name it among the database's tables
//! ([`referencing`]).
//!
//! The parent is named by table id and, as a fallback, by schema and name: an id changes when
//! ALTER TABLE rewrites the parent's rows (a new tree, `shard/src/rekey.rs`) and a name changes
//! with RENAME, so [`ForeignKey::refers_to`] accepts either (a parent both rewritten and renamed
//! is lost; PostgreSQL tracks it by OID). A self-reference made by CREATE TABLE has id 0 (the id
//! is not assigned yet) and is found by name.
//!
//! Enforcement (checks, actions, locking) is the session's: see `server/src/session/fkey*.rs`.

use std::sync::Arc;

use crate::catalog::{corrupt, put_str, Reader, TableDef, TableId};
use crate::error::Result;

/// The catalog section tag of a table's foreign keys (see `TableDef::sections`).
pub const SECTION: &str = "fkeys";

/// `ON DELETE` / `ON UPDATE` (`pg_constraint.confdeltype` / `confupdtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// PostgreSQL's one-letter code.
    pub fn code(self) -> char {
        match self {
            FkAction::NoAction => 'a',
            FkAction::Restrict => 'r',
            FkAction::Cascade => 'c',
            FkAction::SetNull => 'n',
            FkAction::SetDefault => 'd',
        }
    }

    fn from_code(c: u8) -> Option<FkAction> {
        Some(match c {
            b'a' => FkAction::NoAction,
            b'r' => FkAction::Restrict,
            b'c' => FkAction::Cascade,
            b'n' => FkAction::SetNull,
            b'd' => FkAction::SetDefault,
            _ => return None,
        })
    }

    /// The clause `pg_get_constraintdef` prints (nothing for NO ACTION).
    fn sql(self) -> Option<&'static str> {
        match self {
            FkAction::NoAction => None,
            FkAction::Restrict => Some("RESTRICT"),
            FkAction::Cascade => Some("CASCADE"),
            FkAction::SetNull => Some("SET NULL"),
            FkAction::SetDefault => Some("SET DEFAULT"),
        }
    }
}

/// One FOREIGN KEY constraint of a table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ForeignKey {
    pub name: String,
    /// Referencing columns (positions in this table), in constraint order.
    pub columns: Vec<usize>,
    /// The referenced table's id (0: this table, being created).
    pub ref_id: TableId,
    /// The referenced table's schema and name (see the module docs).
    pub ref_schema: String,
    pub ref_name: String,
    /// Referenced columns (positions in the referenced table), pairwise with `columns`; they are
    /// its primary key or the columns of one of its unique indexes.
    pub ref_columns: Vec<usize>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    /// MATCH FULL: a key is either all NULL (not checked) or has no NULL at all; MATCH SIMPLE
    /// (default): a key with any NULL is not checked.
    pub match_full: bool,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// Added NOT VALID: existing rows were not checked (`pg_constraint.convalidated` false)
    /// until VALIDATE CONSTRAINT; new rows are checked all the same.
    pub not_valid: bool,
}

impl ForeignKey {
    /// Whether this constraint references `parent`, a table of `child` (the table holding it).
    pub fn refers_to(&self, child: &TableDef, parent: &TableDef) -> bool {
        if self.ref_id.0 != 0 && self.ref_id == parent.id {
            return true;
        }
        if self.ref_id.0 == 0 && child.id == parent.id {
            return true;
        }
        self.ref_schema == parent.schema
            && self.ref_name == parent.name
            && child.database == parent.database
    }

    /// The referenced table, resolved among `tables` (by id first, then by name).
    pub fn parent_in<'a>(
        &self,
        child: &'a Arc<TableDef>,
        tables: &'a [Arc<TableDef>],
    ) -> Option<&'a Arc<TableDef>> {
        if (self.ref_id.0 == 0 || self.ref_id == child.id)
            && self.ref_name == child.name
            && self.ref_schema == child.schema
        {
            return Some(child);
        }
        tables
            .iter()
            .find(|t| self.ref_id.0 != 0 && t.id == self.ref_id)
            .or_else(|| {
                tables
                    .iter()
                    .find(|t| t.schema == self.ref_schema && t.name == self.ref_name)
            })
            .filter(|t| t.view.is_none() && t.sequence.is_none())
    }

    /// The key of `row` (this table's row) to look up in the parent, or `None` when MATCH SIMPLE
    /// or FULL says the row is not checked (a NULL in the key). MATCH FULL's mix of NULL and
    /// non-NULL is an error reported by the caller ([`ForeignKey::full_mismatch`]).
    pub fn key_of(&self, row: &[crate::types::Value]) -> Option<Vec<crate::types::Value>> {
        let key: Vec<_> = self.columns.iter().map(|&c| row[c].clone()).collect();
        if key.contains(&crate::types::Value::Null) {
            return None;
        }
        Some(key)
    }

    /// MATCH FULL and `row` has some but not all of the key NULL.
    pub fn full_mismatch(&self, row: &[crate::types::Value]) -> bool {
        let nulls = (self.columns.iter())
            .filter(|&&c| row[c] == crate::types::Value::Null)
            .count();
        self.match_full && nulls > 0 && nulls < self.columns.len()
    }

    /// `pg_get_constraintdef`: `FOREIGN KEY (a, b) REFERENCES p(x, y) MATCH FULL ON DELETE
    /// CASCADE DEFERRABLE INITIALLY DEFERRED`, names quoted as PostgreSQL quotes identifiers.
    pub fn definition(&self, child: &TableDef, parent: Option<&TableDef>, qualify: bool) -> String {
        let q = crate::syscat::deparse::quote_ident;
        let cols: Vec<String> = (self.columns.iter())
            .map(|&c| q(&child.columns[c].name))
            .collect();
        let ref_cols: Vec<String> = match parent {
            Some(p) => (self.ref_columns.iter())
                .map(|&c| q(&p.columns[c].name))
                .collect(),
            None => Vec::new(),
        };
        // The parent's current name (it may have been renamed since).
        let (schema, name) = match parent {
            Some(p) => (&p.schema, &p.name),
            None => (&self.ref_schema, &self.ref_name),
        };
        let table = if qualify {
            format!("{}.{}", q(schema), q(name))
        } else {
            q(name)
        };
        let mut s = format!(
            "FOREIGN KEY ({}) REFERENCES {table}({})",
            cols.join(", "),
            ref_cols.join(", ")
        );
        if self.match_full {
            s.push_str(" MATCH FULL");
        }
        if let Some(a) = self.on_update.sql() {
            s.push_str(" ON UPDATE ");
            s.push_str(a);
        }
        if let Some(a) = self.on_delete.sql() {
            s.push_str(" ON DELETE ");
            s.push_str(a);
        }
        if self.deferrable {
            s.push_str(" DEFERRABLE");
        }
        if self.initially_deferred {
            s.push_str(" INITIALLY DEFERRED");
        }
        if self.not_valid {
            s.push_str(" NOT VALID");
        }
        s
    }

    /// After a column of the table was dropped at position `i`: `false` if the constraint used
    /// it (it goes with the column, as in PostgreSQL), else the positions are shifted.
    pub fn drop_column(&mut self, i: usize, self_ref: bool) -> bool {
        if self.columns.contains(&i) || (self_ref && self.ref_columns.contains(&i)) {
            return false;
        }
        for c in self.columns.iter_mut() {
            if *c > i {
                *c -= 1;
            }
        }
        if self_ref {
            for c in self.ref_columns.iter_mut() {
                if *c > i {
                    *c -= 1;
                }
            }
        }
        true
    }
}

/// Every (table, constraint position) among `tables` whose constraint references `parent`.
pub fn referencing(tables: &[Arc<TableDef>], parent: &TableDef) -> Vec<(Arc<TableDef>, usize)> {
    let mut out = Vec::new();
    for t in tables {
        for (i, fk) in t.foreign_keys.iter().enumerate() {
            if fk.refers_to(t, parent) {
                out.push((t.clone(), i));
            }
        }
    }
    out
}

pub(crate) fn encode(fks: &[ForeignKey]) -> Vec<u8> {
    let mut out = (fks.len() as u32).to_be_bytes().to_vec();
    for fk in fks {
        put_str(&mut out, &fk.name);
        out.extend_from_slice(&fk.ref_id.0.to_be_bytes());
        put_str(&mut out, &fk.ref_schema);
        put_str(&mut out, &fk.ref_name);
        out.extend_from_slice(&(fk.columns.len() as u32).to_be_bytes());
        for (&c, &r) in fk.columns.iter().zip(&fk.ref_columns) {
            out.extend_from_slice(&(c as u32).to_be_bytes());
            out.extend_from_slice(&(r as u32).to_be_bytes());
        }
        out.push(fk.on_delete.code() as u8);
        out.push(fk.on_update.code() as u8);
        out.push(u8::from(fk.match_full));
        out.push(u8::from(fk.deferrable));
        out.push(u8::from(fk.initially_deferred));
        out.push(u8::from(fk.not_valid));
    }
    out
}

pub(crate) fn decode(bytes: &[u8], columns: usize) -> Result<Vec<ForeignKey>> {
    let mut r = Reader { b: bytes };
    let n = r.u32()?;
    let mut out = Vec::new();
    for _ in 0..n {
        let name = r.str()?;
        let ref_id = TableId(r.u64()?);
        let ref_schema = r.str()?;
        let ref_name = r.str()?;
        let k = r.u32()? as usize;
        let mut cols = Vec::with_capacity(k.min(32));
        let mut ref_cols = Vec::with_capacity(k.min(32));
        for _ in 0..k {
            let c = r.u32()? as usize;
            if c >= columns {
                return Err(corrupt("foreign key column out of range"));
            }
            cols.push(c);
            ref_cols.push(r.u32()? as usize);
        }
        let action = |b: u8| FkAction::from_code(b).ok_or_else(|| corrupt("foreign key action"));
        let on_delete = action(r.u8()?)?;
        let on_update = action(r.u8()?)?;
        let flags = r.take(4)?;
        out.push(ForeignKey {
            name,
            columns: cols,
            ref_id,
            ref_schema,
            ref_name,
            ref_columns: ref_cols,
            on_delete,
            on_update,
            match_full: flags[0] != 0,
            deferrable: flags[1] != 0,
            initially_deferred: flags[2] != 0,
            not_valid: flags[3] != 0,
        });
    }
    if !r.b.is_empty() {
        return Err(corrupt("trailing bytes in the foreign key section"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ColumnDef;
    use crate::types::DataType;

    #[test]
    fn foreign_keys_round_trip_and_print_as_postgresql() {
        let child = TableDef {
            id: TableId(9),
            database: "postgres".into(),
            schema: "public".into(),
            name: "c".into(),
            columns: vec![
                ColumnDef::new("a", DataType::Int4),
                ColumnDef::new("B x", DataType::Int4),
            ],
            foreign_keys: vec![ForeignKey {
                name: "c_a_fkey".into(),
                columns: vec![0, 1],
                ref_id: TableId(3),
                ref_schema: "public".into(),
                ref_name: "p".into(),
                ref_columns: vec![1, 0],
                on_delete: FkAction::Cascade,
                on_update: FkAction::SetNull,
                match_full: true,
                deferrable: true,
                initially_deferred: true,
                not_valid: false,
            }],
            ..Default::default()
        };
        let back = TableDef::decode(&child.encode()).expect("decodes");
        assert_eq!(back, child);
        let parent = TableDef {
            id: TableId(3),
            schema: "public".into(),
            name: "p".into(),
            columns: vec![
                ColumnDef::new("x", DataType::Int4),
                ColumnDef::new("y", DataType::Int4),
            ],
            ..Default::default()
        };
        assert_eq!(
            child.foreign_keys[0].definition(&child, Some(&parent), false),
            "FOREIGN KEY (a, \"B x\") REFERENCES p(y, x) MATCH FULL ON UPDATE SET NULL \
             ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
        );
        let bytes = encode(&child.foreign_keys);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], 2).is_err(), "prefix of {cut} decoded");
        }
        assert!(decode(&bytes, 1).is_err(), "column out of range");
    }
}
