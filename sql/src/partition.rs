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
//! Left out (refused with 0A000 or not modelled): operator classes and collations in the key, hash
//! keys of types other than the integers, date and the string types, the `tableoid` system column,
//! CHECK constraints added to a parent after its partitions exist (they do not reach them), and
//! partition-wise joins/aggregation (each leaf is read like a table and the router merges).

use std::cmp::Ordering;
use std::sync::Arc;

use crate::catalog::{TableDef, TableId};
use crate::error::{Result, SqlError};
use crate::types::{DataType, FormatContext, Value};

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

// ---- Hashing, as PostgreSQL's hash partitioning does (hashfn.c, partbounds.c). ----

const HASH_PARTITION_SEED: u64 = 0x7A5B_2236_7996_DCFD;

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

fn seeded(init: u32, seed: u64) -> (u32, u32, u32) {
    let (mut a, mut b, mut c) = (init, init, init);
    if seed != 0 {
        a = a.wrapping_add((seed >> 32) as u32);
        b = b.wrapping_add(seed as u32);
        mix(&mut a, &mut b, &mut c);
    }
    (a, b, c)
}

/// `hash_bytes_uint32_extended`.
fn hash_u32(k: u32, seed: u64) -> u64 {
    let (mut a, mut b, mut c) = seeded(0x9e37_79b9u32.wrapping_add(4 + 3_923_095), seed);
    a = a.wrapping_add(k);
    final_mix(&mut a, &mut b, &mut c);
    (u64::from(b) << 32) | u64::from(c)
}

/// `hash_bytes_extended` (Bob Jenkins' lookup3, little-endian byte order).
fn hash_bytes(k: &[u8], seed: u64) -> u64 {
    let init = 0x9e37_79b9u32
        .wrapping_add(k.len() as u32)
        .wrapping_add(3_923_095);
    let (mut a, mut b, mut c) = seeded(init, seed);
    let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    let mut rest = k;
    while rest.len() >= 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    // The tail: bytes 0..4 into a, 4..8 into b, 8..11 into c shifted past its low byte.
    for (i, &byte) in rest.iter().enumerate() {
        let v = u32::from(byte);
        match i {
            0..=3 => a = a.wrapping_add(v << (8 * i)),
            4..=7 => b = b.wrapping_add(v << (8 * (i - 4))),
            _ => c = c.wrapping_add(v << (8 * (i - 7))),
        }
    }
    final_mix(&mut a, &mut b, &mut c);
    (u64::from(b) << 32) | u64::from(c)
}

/// Whether hash partitioning supports a key column of this type.
pub fn hashable(ty: DataType) -> bool {
    matches!(
        ty,
        DataType::Int2
            | DataType::Int4
            | DataType::Int8
            | DataType::Date
            | DataType::Text
            | DataType::Varchar
            | DataType::Bpchar
    )
}

/// One value's extended hash under `seed`, as its type's hash opclass computes it.
fn hash_value(v: &Value, ty: DataType, seed: u64) -> Result<u64> {
    Ok(match v {
        Value::Int2(x) => hash_u32(i32::from(*x) as u32, seed),
        Value::Int4(x) | Value::Date(x) => hash_u32(*x as u32, seed),
        Value::Int8(x) => {
            let lo = *x as u32;
            let hi = (*x >> 32) as u32;
            hash_u32(if *x >= 0 { lo ^ hi } else { lo ^ !hi }, seed)
        }
        // bpchar hashes without its trailing blanks.
        Value::Text(s) if ty == DataType::Bpchar => {
            hash_bytes(s.trim_end_matches(' ').as_bytes(), seed)
        }
        Value::Text(s) => hash_bytes(s.as_bytes(), seed),
        _ => {
            return Err(SqlError::FeatureNotSupported(format!(
                "hash partitioning on type {} is not supported yet",
                ty.sql_name()
            )))
        }
    })
}

/// The row hash of a partition key (`compute_partition_hash_value`): NULL columns are skipped.
pub fn hash_key(key: &[Value], types: &[DataType]) -> Result<u64> {
    let mut h: u64 = 0;
    for (v, &ty) in key.iter().zip(types) {
        if v.is_null() {
            continue;
        }
        let x = hash_value(v, ty, HASH_PARTITION_SEED)?;
        h ^= x
            .wrapping_add(0x49a0_f4dd_15e5_a8e3)
            .wrapping_add(h << 54)
            .wrapping_add(h >> 7);
    }
    Ok(h)
}

// ---- Catalog encoding (the `partition_by` and `partition_of` sections). ----

pub(crate) const SPEC_TAG: &str = "partition_by";
pub(crate) const OF_TAG: &str = "partition_of";

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v.to_text() {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            put_u32(out, t.len() as u32);
            out.extend_from_slice(t.as_bytes());
        }
    }
}

impl PartitionSpec {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![match self.strategy {
            Strategy::Range => b'r',
            Strategy::List => b'l',
            Strategy::Hash => b'h',
        }];
        put_u32(&mut out, self.key.len() as u32);
        for k in &self.key {
            match k {
                KeyPart::Column(i) => {
                    out.push(b'c');
                    put_u32(&mut out, *i as u32);
                }
                KeyPart::Expr(e) => {
                    out.push(b'e');
                    put_u32(&mut out, e.sql.len() as u32);
                    out.extend_from_slice(e.sql.as_bytes());
                }
            }
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8], table: &TableDef) -> Result<PartitionSpec> {
        let columns = table.columns.len();
        let mut r = Bytes(bytes);
        let strategy = match r.u8()? {
            b'r' => Strategy::Range,
            b'l' => Strategy::List,
            b'h' => Strategy::Hash,
            _ => return Err(corrupt("unknown partition strategy")),
        };
        let n = r.u32()?;
        let mut key = Vec::new();
        for _ in 0..n {
            match r.u8()? {
                b'c' => {
                    let k = r.u32()? as usize;
                    if k >= columns {
                        return Err(corrupt("partition key column out of range"));
                    }
                    key.push(KeyPart::Column(k));
                }
                b'e' => {
                    let n = r.u32()? as usize;
                    let sql = std::str::from_utf8(r.take(n)?)
                        .map_err(|_| corrupt("partition key expression"))?;
                    let (expr, ty) = crate::bind::key_expr(table, sql)
                        .map_err(|_| corrupt("unreadable partition key expression"))?;
                    key.push(KeyPart::Expr(KeyExpr {
                        sql: sql.to_string(),
                        expr,
                        ty,
                    }));
                }
                _ => return Err(corrupt("partition key part")),
            }
        }
        r.end()?;
        Ok(PartitionSpec { strategy, key })
    }
}

impl PartitionOf {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = self.parent.0.to_be_bytes().to_vec();
        put_u32(&mut out, self.key_types.len() as u32);
        for t in &self.key_types {
            put_u32(&mut out, t.oid());
        }
        match &self.bound {
            PartitionBound::Default => out.push(b'd'),
            PartitionBound::Hash { modulus, remainder } => {
                out.push(b'h');
                put_u32(&mut out, *modulus);
                put_u32(&mut out, *remainder);
            }
            PartitionBound::List(values) => {
                out.push(b'l');
                put_u32(&mut out, values.len() as u32);
                for v in values {
                    put_value(&mut out, v);
                }
            }
            PartitionBound::Range { from, to } => {
                out.push(b'r');
                for side in [from, to] {
                    for d in side {
                        match d {
                            Datum::MinValue => out.push(b'-'),
                            Datum::MaxValue => out.push(b'+'),
                            Datum::Value(v) => {
                                out.push(b'v');
                                put_value(&mut out, v);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<PartitionOf> {
        let mut r = Bytes(bytes);
        let parent = TableId(r.u64()?);
        let n = r.u32()?;
        let mut key_types = Vec::new();
        for _ in 0..n {
            key_types
                .push(DataType::from_oid(r.u32()?).ok_or_else(|| corrupt("unknown key type"))?);
        }
        let bound = match r.u8()? {
            b'd' => PartitionBound::Default,
            b'h' => PartitionBound::Hash {
                modulus: r.u32()?,
                remainder: r.u32()?,
            },
            b'l' => {
                let ty = *key_types.first().ok_or_else(|| corrupt("list key"))?;
                let n = r.u32()?;
                let mut values = Vec::new();
                for _ in 0..n {
                    values.push(r.value(ty)?);
                }
                PartitionBound::List(values)
            }
            b'r' => {
                let mut sides = [Vec::new(), Vec::new()];
                for side in &mut sides {
                    for &ty in &key_types {
                        side.push(match r.u8()? {
                            b'-' => Datum::MinValue,
                            b'+' => Datum::MaxValue,
                            b'v' => Datum::Value(r.value(ty)?),
                            _ => return Err(corrupt("range datum")),
                        });
                    }
                }
                let [from, to] = sides;
                PartitionBound::Range { from, to }
            }
            _ => return Err(corrupt("unknown partition bound")),
        };
        r.end()?;
        Ok(PartitionOf {
            parent,
            key_types,
            bound,
        })
    }
}

fn corrupt(what: &str) -> SqlError {
    SqlError::Internal(format!("corrupted catalog entry: {what}"))
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.0.len() < n {
            return Err(corrupt("truncated partition section"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok((u64::from(self.u32()?) << 32) | u64::from(self.u32()?))
    }
    fn value(&mut self, ty: DataType) -> Result<Value> {
        if self.u8()? == 0 {
            return Ok(Value::Null);
        }
        let n = self.u32()? as usize;
        let text = std::str::from_utf8(self.take(n)?).map_err(|_| corrupt("bound text"))?;
        Value::parse_text(ty, text).map_err(|_| corrupt("unreadable bound value"))
    }
    fn end(&self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(corrupt("trailing bytes in partition section"))
        }
    }
}

#[cfg(test)]
mod tests;
