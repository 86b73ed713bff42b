//! Secondary indexes in the catalog: their definition ([`IndexDef`], a section of the table's
//! [`TableDef`]) and PostgreSQL's rules for naming them.
//!
//! An index belongs to its table's definition: CREATE INDEX and DROP INDEX replace the table's
//! definition with one that has (or lacks) the index, so the index's life follows the table's
//! (DROP TABLE drops its indexes, a catalog replica never sees a table without its indexes). How
//! index entries are stored and kept exact across shards is the shard's business: see
//! `shard/src/index.rs` and ARCHITECTURE.md ("Secondary indexes").
//!
//! Index names share the namespace of relations (tables and indexes) in a schema, as in
//! PostgreSQL: `CREATE TABLE x` fails when an index `x` exists and the other way round.

use crate::catalog::TableDef;

/// The catalog section tag of a table's indexes (see `TableDef::sections`).
pub const SECTION: &str = "indexes";

/// PostgreSQL's NAMEDATALEN - 1: the longest identifier.
const MAX_NAME: usize = 63;

/// One secondary index of a table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexDef {
    /// The storage tree of its entries on every shard (assigned by shard 0, the DDL sequencer, from
    /// the same sequence as table ids); 0 in a definition not yet created.
    pub id: u64,
    pub name: String,
    /// Key columns (positions in the table), in key order.
    pub columns: Vec<usize>,
    /// Per key column: DESC.
    pub desc: Vec<bool>,
    /// Whether two rows may not have equal keys (rows with a NULL in the key never conflict).
    pub unique: bool,
    /// Whether it implements a UNIQUE constraint (dropped with ALTER TABLE DROP CONSTRAINT, not
    /// DROP INDEX).
    pub constraint: bool,
    /// NULLS NOT DISTINCT: a NULL in the key is a value like any other (PostgreSQL 15); by
    /// default rows with a NULL in the key have no entry and never conflict.
    pub nulls_not_distinct: bool,
    /// Published but not yet built over the table's existing rows (CREATE INDEX between its two
    /// catalog steps, or for good if the server crashed in between: PostgreSQL's "INVALID"). Writes
    /// maintain it and check its uniqueness (as PostgreSQL does with an invalid index), but reads
    /// never use it; REINDEX builds it.
    pub building: bool,
}

impl IndexDef {
    /// `(a, b)=(1, 2)`-style DETAIL head: the key column names of `table`.
    pub fn column_names(&self, table: &TableDef) -> Vec<String> {
        self.columns
            .iter()
            .map(|&c| table.columns[c].name.clone())
            .collect()
    }
}

impl TableDef {
    /// The index named `name`, by position.
    pub fn index_named(&self, name: &str) -> Option<usize> {
        self.indexes.iter().position(|i| i.name == name)
    }
}

pub(crate) fn encode_indexes(indexes: &[IndexDef]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(indexes.len() as u32).to_be_bytes());
    for ix in indexes {
        out.extend_from_slice(&ix.id.to_be_bytes());
        out.extend_from_slice(&(ix.name.len() as u32).to_be_bytes());
        out.extend_from_slice(ix.name.as_bytes());
        out.extend_from_slice(&(ix.columns.len() as u32).to_be_bytes());
        for (i, &c) in ix.columns.iter().enumerate() {
            out.extend_from_slice(&(c as u32).to_be_bytes());
            out.push(u8::from(ix.desc.get(i).copied().unwrap_or(false)));
        }
        out.push(u8::from(ix.unique));
        out.push(u8::from(ix.constraint));
        out.push(u8::from(ix.nulls_not_distinct));
        out.push(u8::from(ix.building));
    }
    out
}

/// Reads [`encode_indexes`]'s bytes; `None` on anything malformed (a column out of range too).
pub(crate) fn decode_indexes(mut b: &[u8], ncols: usize) -> Option<Vec<IndexDef>> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if b.len() < n {
            return None;
        }
        let (h, t) = b.split_at(n);
        *b = t;
        Some(h)
    }
    fn u32_(b: &mut &[u8]) -> Option<u32> {
        take(b, 4).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
    }
    let n = u32_(&mut b)?;
    let mut out = Vec::new();
    for _ in 0..n {
        let mut id = [0u8; 8];
        id.copy_from_slice(take(&mut b, 8)?);
        let len = u32_(&mut b)? as usize;
        let name = String::from_utf8(take(&mut b, len)?.to_vec()).ok()?;
        let k = u32_(&mut b)? as usize;
        let mut columns = Vec::with_capacity(k.min(32));
        let mut desc = Vec::with_capacity(k.min(32));
        for _ in 0..k {
            let c = u32_(&mut b)? as usize;
            if c >= ncols {
                return None;
            }
            columns.push(c);
            desc.push(take(&mut b, 1)?[0] != 0);
        }
        let flags = take(&mut b, 4)?;
        out.push(IndexDef {
            id: u64::from_be_bytes(id),
            name,
            columns,
            desc,
            unique: flags[0] != 0,
            constraint: flags[1] != 0,
            nulls_not_distinct: flags[2] != 0,
            building: flags[3] != 0,
        });
    }
    b.is_empty().then_some(out)
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, shortening the longer of the first two
/// until the whole fits in 63 bytes.
fn make_object_name(name1: &str, name2: &str, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(!name2.is_empty());
    let mut n1 = name1.len();
    let mut n2 = name2.len();
    while n1 + n2 + overhead > MAX_NAME {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let cut = |s: &str, n: usize| {
        let mut n = n;
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = cut(name1, n1);
    if !name2.is_empty() {
        out.push('_');
        out.push_str(&cut(name2, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// PostgreSQL's `ChooseRelationName` for an index of `table` on `columns` (`label`: "idx" for
/// CREATE INDEX, "key" for UNIQUE constraints, "pkey"): `t_a_b_idx`, then `t_a_b_idx1`, ... until
/// `taken` says the name is free.
pub fn choose_index_name(
    table: &str,
    columns: &[String],
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    // ChooseIndexNameAddition: column names joined by '_', at most NAMEDATALEN - 2 bytes.
    let mut cols = String::new();
    for c in columns {
        if !cols.is_empty() {
            cols.push('_');
        }
        cols.push_str(c);
        if cols.len() >= MAX_NAME - 1 {
            break;
        }
    }
    let mut pass = 0;
    loop {
        let l = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        let name = make_object_name(table, &cols, &l);
        if !taken(&name) {
            return name;
        }
        pass += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_postgresql() {
        let none = |_: &str| false;
        assert_eq!(
            choose_index_name("t", &["a".into()], "idx", none),
            "t_a_idx"
        );
        assert_eq!(
            choose_index_name("t", &["a".into(), "b".into()], "key", none),
            "t_a_b_key"
        );
        let taken = |n: &str| n == "t_a_idx" || n == "t_a_idx1";
        assert_eq!(
            choose_index_name("t", &["a".into()], "idx", taken),
            "t_a_idx2"
        );
        let long = "x".repeat(70);
        let n = choose_index_name(&long, &["col".into()], "idx", none);
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_col_idx"));
    }

    #[test]
    fn index_sections_round_trip_and_check_columns() {
        let ix = vec![IndexDef {
            id: 1001,
            name: "t_b_idx".into(),
            columns: vec![1],
            desc: vec![true],
            unique: false,
            constraint: false,
            nulls_not_distinct: true,
            building: true,
        }];
        let bytes = encode_indexes(&ix);
        assert_eq!(decode_indexes(&bytes, 2), Some(ix));
        assert_eq!(decode_indexes(&bytes, 1), None);
        assert_eq!(decode_indexes(&bytes[..bytes.len() - 1], 2), None);
    }
}
