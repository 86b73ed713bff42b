//! Catalog objects (tables and their columns) and the [`Catalog`] trait the binder resolves names with.
//!
//! Every core keeps a replica of each tenant's catalog; DDL reaches all replicas through the shards
//! (each shard persists the definitions in its own store), so binding never leaves the session's core.
//! Definitions are immutable once published: a change makes a new `Arc<TableDef>`.
//!
//! The byte encoding of a [`TableDef`] ([`TableDef::encode`]) is stored on disk; it starts with a
//! version byte and must stay readable by later versions. Since version 4 it ends with tagged
//! sections (`tag, length, bytes`): a new kind of table property (indexes, partitioning, ...) adds a
//! section with its own tag instead of a new version, and a table without that property writes none.
//! An unknown tag is corruption, not something to skip: a reader that ignored it would drop rules
//! (uniqueness, routing) the table depends on.

use std::sync::Arc;

use crate::error::{Result, SqlError};
use crate::types::DataType;

/// The database every server has, and the one tables created before databases existed belong to.
pub const DEFAULT_DATABASE: &str = "postgres";

/// A table's catalog id; also the id of the storage tree holding its rows on every shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TableId(pub u64);

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: DataType,
    /// PostgreSQL's atttypmod (-1: none), e.g. the length of `varchar(n)`.
    pub typmod: i32,
    pub not_null: bool,
    /// The column's DEFAULT, when it is a constant; absent columns and `DEFAULT` in INSERT/UPDATE
    /// take it, else NULL.
    pub default: Option<crate::types::Value>,
    /// The column's DEFAULT when it is not a constant (`now()`, `nextval('s')`): its text, bound
    /// again wherever the default is used (`Binder::column_default`), so it runs per row.
    pub default_expr: Option<String>,
    /// `GENERATED ... AS IDENTITY`: the column defaults to its sequence's `nextval` (in
    /// `default_expr`); ALWAYS refuses other values unless OVERRIDING SYSTEM VALUE.
    pub identity: Option<Identity>,
}

/// The kind of an identity column (`pg_attribute.attidentity`: `d` or `a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    ByDefault,
    Always,
}

impl ColumnDef {
    /// A nullable column without a default and without a type modifier.
    pub fn new(name: impl Into<String>, ty: DataType) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            ty,
            typmod: -1,
            not_null: false,
            default: None,
            default_expr: None,
            identity: None,
        }
    }
}

/// A CHECK constraint: a row passes unless the expression is false (NULL passes).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckConstraint {
    pub name: String,
    /// The expression as SQL text: what is stored, bound again whenever the columns change.
    pub source: String,
    /// The expression bound over the table's columns (`Expr::Column(i)` is column `i`).
    pub expr: crate::expr::Expr,
}

/// What happens to a temporary table's rows at the end of each transaction (`ON COMMIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnCommit {
    #[default]
    PreserveRows,
    DeleteRows,
    Drop,
}

/// A table definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableDef {
    pub id: TableId,
    /// The database (tenant) the table belongs to; sessions see only their database's tables.
    pub database: String,
    pub schema: String,
    pub name: String,
    pub columns: Vec<ColumnDef>,
    /// Column positions of the primary key, in key order. Rows are hash-partitioned across shards by
    /// it; a table without one keeps each row on the shard of the session that inserted it, keyed by
    /// a hidden row id.
    pub primary_key: Option<Vec<usize>>,
    /// CHECK constraints, sorted by name (the order PostgreSQL checks them in).
    pub checks: Vec<CheckConstraint>,
    /// `PARTITION BY`: the table is partitioned and holds no rows itself (`partition.rs`).
    pub partition_by: Option<Box<crate::partition::PartitionSpec>>,
    /// `PARTITION OF`: the table is a partition of another, with this bound.
    pub partition_of: Option<Box<crate::partition::PartitionOf>>,
    /// `Some` for a temporary table: visible only to the session that created it (resolved before
    /// permanent tables, or by `pg_temp.name`), all its rows on that session's shard, never written
    /// to any catalog (so never encoded) and dropped when the session ends. See ARCHITECTURE.md.
    pub temp: Option<OnCommit>,
    /// `Some` for a view: the text of its query (a SELECT), parsed and bound as a subquery
    /// wherever the view is read; `columns` are its output columns. A view has no rows.
    pub view: Option<String>,
    /// `Some` for a sequence: its parameters (its state lives on its owner shard, see
    /// `shard/src/sequence.rs`). A sequence has no rows and no columns.
    pub sequence: Option<SequenceDef>,
    /// Secondary indexes (CREATE INDEX, UNIQUE constraints); see `crate::index`.
    pub indexes: Vec<crate::index::IndexDef>,
    /// FOREIGN KEY constraints of this (referencing) table; see `crate::fkey`.
    pub foreign_keys: Vec<crate::fkey::ForeignKey>,
}

/// A sequence's parameters (CREATE SEQUENCE), already validated and defaulted as PostgreSQL does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequenceDef {
    /// int2, int4 or int8 (`AS type`); bounds the default MINVALUE/MAXVALUE.
    pub ty: DataType,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    /// The table whose SERIAL/identity column the sequence feeds: dropped with that table.
    pub owned_by: Option<TableId>,
}

impl SequenceDef {
    fn encode(&self) -> Vec<u8> {
        let mut out = self.ty.oid().to_be_bytes().to_vec();
        for v in [self.start, self.increment, self.min, self.max, self.cache] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.push(u8::from(self.cycle));
        out.extend_from_slice(&self.owned_by.map_or(0, |t| t.0).to_be_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Result<SequenceDef> {
        let mut r = Reader { b: bytes };
        let ty = DataType::from_oid(r.u32()?).ok_or_else(|| corrupt("unknown sequence type"))?;
        let mut v = [0i64; 5];
        for x in &mut v {
            *x = r.u64()? as i64;
        }
        let cycle = r.u8()? != 0;
        let owned_by = Some(TableId(r.u64()?)).filter(|t| t.0 != 0);
        if !r.b.is_empty() {
            return Err(corrupt("trailing sequence bytes"));
        }
        Ok(SequenceDef {
            ty,
            start: v[0],
            increment: v[1],
            min: v[2],
            max: v[3],
            cache: v[4],
            cycle,
            owned_by,
        })
    }
}

impl TableDef {
    /// Position of a column by (already case-folded) name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Applies each column's type modifier to a row about to be stored (`numeric(10,2)` rounds,
    /// `char(5)` pads, `varchar(3)` rejects longer values with 22001), as PostgreSQL's assignment
    /// casts do.
    pub fn coerce_row(&self, row: Vec<crate::types::Value>) -> Result<Vec<crate::types::Value>> {
        row.into_iter()
            .zip(&self.columns)
            .map(|(v, c)| crate::types::cast::apply_typmod(v, c.ty, c.typmod, false))
            .collect()
    }

    /// 23502 with PostgreSQL's message and DETAIL if a NOT NULL column of `row` is NULL (values in
    /// the DETAIL formatted with default settings; see [`TableDef::check_not_null_ctx`]).
    pub fn check_not_null(&self, row: &[crate::types::Value]) -> Result<()> {
        self.check_not_null_ctx(row, &crate::types::FormatContext::default())
    }

    /// [`TableDef::check_not_null`] with the DETAIL's values formatted under the session's settings
    /// (DateStyle, ...), as PostgreSQL prints them.
    pub fn check_not_null_ctx(
        &self,
        row: &[crate::types::Value],
        ctx: &crate::types::FormatContext,
    ) -> Result<()> {
        for (c, v) in self.columns.iter().zip(row) {
            if c.not_null && *v == crate::types::Value::Null {
                let shown: Vec<String> = row
                    .iter()
                    .map(|v| v.to_text_ctx(ctx).unwrap_or_else(|| "null".into()))
                    .collect();
                return Err(SqlError::NotNullViolation {
                    column: c.name.clone(),
                    table: self.name.clone(),
                    detail: format!("Failing row contains ({}).", shown.join(", ")),
                });
            }
        }
        Ok(())
    }

    /// 23514 if `row` fails a CHECK constraint (the first by name), with PostgreSQL's message and
    /// DETAIL. `params` carries the session's settings for the expressions and the DETAIL.
    pub fn check_constraints(
        &self,
        row: &[crate::types::Value],
        params: &crate::expr::Params,
    ) -> Result<()> {
        for c in &self.checks {
            if c.expr.eval_row(row, params)? == crate::types::Value::Bool(false) {
                let shown: Vec<String> = row
                    .iter()
                    .map(|v| v.to_text_ctx(params.ctx()).unwrap_or_else(|| "null".into()))
                    .collect();
                return Err(SqlError::CheckViolation {
                    message: format!(
                        "new row for relation \"{}\" violates check constraint \"{}\"",
                        self.name, c.name
                    ),
                    detail: format!("Failing row contains ({}).", shown.join(", ")),
                });
            }
        }
        Ok(())
    }

    /// The name of the primary key's index, as PostgreSQL generates it.
    pub fn pkey_name(&self) -> String {
        format!("{}_pkey", self.name)
    }

    /// Serialises the definition (format version 4; version 3 had no sections, version 2 had no
    /// database, which reads as `postgres`; version 1 had no defaults either).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![4u8];
        out.extend_from_slice(&self.id.0.to_be_bytes());
        put_str(&mut out, &self.schema);
        put_str(&mut out, &self.name);
        out.extend_from_slice(&(self.columns.len() as u32).to_be_bytes());
        for c in &self.columns {
            put_str(&mut out, &c.name);
            out.extend_from_slice(&c.ty.oid().to_be_bytes());
            out.extend_from_slice(&c.typmod.to_be_bytes());
            out.push(u8::from(c.not_null));
            match c.default.as_ref().and_then(crate::types::Value::to_text) {
                Some(text) => {
                    out.push(1);
                    put_str(&mut out, &text);
                }
                None => out.push(0),
            }
        }
        match &self.primary_key {
            None => out.extend_from_slice(&u32::MAX.to_be_bytes()),
            Some(pk) => {
                out.extend_from_slice(&(pk.len() as u32).to_be_bytes());
                for &i in pk {
                    out.extend_from_slice(&(i as u32).to_be_bytes());
                }
            }
        }
        put_str(&mut out, &self.database);
        let sections = self.sections();
        out.extend_from_slice(&(sections.len() as u32).to_be_bytes());
        for (tag, bytes) in sections {
            put_str(&mut out, tag);
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(&bytes);
        }
        out
    }

    /// The tagged sections [`TableDef::encode`] appends: one per optional property the table has.
    fn sections(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut out = Vec::new();
        if !self.checks.is_empty() {
            let mut b = Vec::new();
            b.extend_from_slice(&(self.checks.len() as u32).to_be_bytes());
            for c in &self.checks {
                put_str(&mut b, &c.name);
                put_str(&mut b, &c.source);
            }
            out.push(("checks", b));
        }
        if let Some(spec) = &self.partition_by {
            out.push((crate::partition::SPEC_TAG, spec.encode()));
        }
        if let Some(of) = &self.partition_of {
            out.push((crate::partition::OF_TAG, of.encode()));
        }
        if let Some(query) = &self.view {
            out.push((VIEW_SECTION, query.as_bytes().to_vec()));
        }
        if let Some(seq) = &self.sequence {
            out.push((SEQUENCE_SECTION, seq.encode()));
        }
        let exprs: Vec<(usize, &String)> = (self.columns.iter().enumerate())
            .filter_map(|(i, c)| c.default_expr.as_ref().map(|e| (i, e)))
            .collect();
        if !exprs.is_empty() {
            let mut b = (exprs.len() as u32).to_be_bytes().to_vec();
            for (i, e) in exprs {
                b.extend_from_slice(&(i as u32).to_be_bytes());
                put_str(&mut b, e);
            }
            out.push((DEFAULTS_SECTION, b));
        }
        let identities: Vec<u8> = (self.columns.iter().enumerate())
            .filter_map(|(i, c)| {
                let kind = match c.identity? {
                    Identity::ByDefault => 1u8,
                    Identity::Always => 2,
                };
                let mut b = (i as u32).to_be_bytes().to_vec();
                b.push(kind);
                Some(b)
            })
            .flatten()
            .collect();
        if !identities.is_empty() {
            out.push((IDENTITY_SECTION, identities));
        }
        if !self.indexes.is_empty() {
            out.push((
                crate::index::SECTION,
                crate::index::encode_indexes(&self.indexes),
            ));
        }
        if !self.foreign_keys.is_empty() {
            out.push((
                crate::fkey::SECTION,
                crate::fkey::encode(&self.foreign_keys),
            ));
        }
        out
    }

    /// Reads one section written by [`TableDef::sections`] into `self`.
    fn read_section(&mut self, tag: &str, bytes: &[u8]) -> Result<()> {
        let mut r = Reader { b: bytes };
        match tag {
            "checks" => {
                for _ in 0..r.u32()? {
                    let name = r.str()?;
                    let source = r.str()?;
                    let expr = crate::bind::bind_check_source(self, &source)
                        .map_err(|_| corrupt("CHECK expression does not bind"))?;
                    self.checks.push(CheckConstraint { name, source, expr });
                }
            }
            // The partition sections check their own length.
            crate::partition::SPEC_TAG => {
                self.partition_by = Some(Box::new(crate::partition::PartitionSpec::decode(
                    r.take(bytes.len())?,
                    self,
                )?))
            }
            crate::partition::OF_TAG => {
                self.partition_of = Some(Box::new(crate::partition::PartitionOf::decode(
                    r.take(bytes.len())?,
                )?))
            }
            VIEW_SECTION => {
                let text = std::str::from_utf8(r.take(bytes.len())?)
                    .map_err(|_| corrupt("invalid UTF-8"))?;
                self.view = Some(text.to_string());
            }
            SEQUENCE_SECTION => {
                self.sequence = Some(SequenceDef::decode(r.take(bytes.len())?)?);
            }
            DEFAULTS_SECTION => {
                for _ in 0..r.u32()? {
                    let i = r.u32()? as usize;
                    let text = r.str()?;
                    let c = (self.columns.get_mut(i)).ok_or_else(|| corrupt("default column"))?;
                    c.default_expr = Some(text);
                }
            }
            IDENTITY_SECTION => {
                while !r.b.is_empty() {
                    let i = r.u32()? as usize;
                    let kind = match r.take(1)? {
                        [1] => Identity::ByDefault,
                        [2] => Identity::Always,
                        _ => return Err(corrupt("identity kind")),
                    };
                    let c = (self.columns.get_mut(i)).ok_or_else(|| corrupt("identity column"))?;
                    c.identity = Some(kind);
                }
            }
            crate::index::SECTION => {
                self.indexes = crate::index::decode_indexes(bytes, self.columns.len())
                    .ok_or_else(|| corrupt("unreadable index section"))?;
                return Ok(());
            }
            crate::fkey::SECTION => {
                self.foreign_keys = crate::fkey::decode(bytes, self.columns.len())?;
                return Ok(());
            }
            _ => {
                return Err(corrupt(&format!(
                    "unknown table definition section {tag:?}"
                )))
            }
        }
        if !r.b.is_empty() {
            return Err(corrupt("trailing bytes in a section"));
        }
        Ok(())
    }

    /// Whether this is a view (see [`TableDef::view`]).
    pub fn is_view(&self) -> bool {
        self.view.is_some()
    }

    /// Reads what [`TableDef::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<TableDef> {
        let mut r = Reader { b: bytes };
        let version = r.u8()?;
        if !(1..=4).contains(&version) {
            return Err(corrupt("unknown table definition version"));
        }
        let id = TableId(r.u64()?);
        let schema = r.str()?;
        let name = r.str()?;
        let n = r.u32()? as usize;
        let mut columns = Vec::with_capacity(n.min(1600));
        for _ in 0..n {
            let name = r.str()?;
            let oid = r.u32()?;
            let ty = DataType::from_oid(oid).ok_or_else(|| corrupt("unknown column type"))?;
            let typmod = r.u32()? as i32;
            let not_null = r.u8()? != 0;
            let default = if version >= 2 && r.u8()? == 1 {
                let text = r.str()?;
                Some(
                    crate::types::Value::parse_text(ty, &text)
                        .map_err(|_| corrupt("unreadable column default"))?,
                )
            } else {
                None
            };
            columns.push(ColumnDef {
                name,
                ty,
                typmod,
                not_null,
                default,
                default_expr: None,
                identity: None,
            });
        }
        let k = r.u32()?;
        let primary_key = if k == u32::MAX {
            None
        } else {
            let mut pk = Vec::with_capacity(k as usize);
            for _ in 0..k {
                let i = r.u32()? as usize;
                if i >= columns.len() {
                    return Err(corrupt("primary key column out of range"));
                }
                pk.push(i);
            }
            Some(pk)
        };
        let database = if version >= 3 {
            r.str()?
        } else {
            DEFAULT_DATABASE.to_string()
        };
        let mut def = TableDef {
            id,
            database,
            schema,
            name,
            columns,
            primary_key,
            ..Default::default()
        };
        if version >= 4 {
            for _ in 0..r.u32()? {
                let tag = r.str()?;
                let n = r.u32()? as usize;
                def.read_section(&tag, r.take(n)?)?;
            }
        }
        if !r.b.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(def)
    }
}

/// The section holding a view's query text.
const VIEW_SECTION: &str = "view";
/// The section holding a sequence's parameters.
const SEQUENCE_SECTION: &str = "sequence";
/// The section holding non-constant column defaults: (column, expression text) pairs.
const DEFAULTS_SECTION: &str = "defaults";
/// Identity columns: (column u32, 1 = BY DEFAULT | 2 = ALWAYS) pairs.
const IDENTITY_SECTION: &str = "identity";

pub(crate) fn corrupt(what: &str) -> SqlError {
    SqlError::Internal(format!("corrupted catalog entry: {what}"))
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Reads what the catalog encoders (`put_str`, big-endian integers) wrote.
pub(crate) struct Reader<'a> {
    pub(crate) b: &'a [u8],
}

impl Reader<'_> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.b.len() < n {
            return Err(corrupt("truncated"));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }
    pub(crate) fn str(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt("invalid UTF-8"))
    }
    /// A type stored as its OID.
    pub(crate) fn ty(&mut self) -> Result<DataType> {
        DataType::from_oid(self.u32()?).ok_or_else(|| corrupt("unknown type"))
    }
}

/// Name resolution for the binder. The server implements it over the core's catalog replica.
/// Names are case-folded and may be qualified (`schema.name`, see `crate::namespace`).
pub trait Catalog {
    /// A relation by name: `s.t` in schema `s` only (`pg_temp.t`: the session's temporary tables
    /// only); a bare name among the temporary tables first, then along the search path.
    fn table(&self, name: &str) -> Option<Arc<TableDef>>;

    /// A table by id (partitions name their parent by id).
    fn table_by_id(&self, _id: TableId) -> Option<Arc<TableDef>> {
        None
    }

    /// The direct partitions of a partitioned table, in creation (id) order.
    fn partitions(&self, _parent: TableId) -> Vec<Arc<TableDef>> {
        Vec::new()
    }
    /// Every table of the session's database (what `pg_class` and friends list).
    fn tables(&self) -> Vec<Arc<TableDef>> {
        Vec::new()
    }
    /// Every database's name (`pg_database`).
    fn databases(&self) -> Vec<String> {
        vec![DEFAULT_DATABASE.to_string()]
    }
    /// The table owning the secondary index named `name` (qualified or resolved as
    /// [`Catalog::table`] resolves names), if there is one.
    fn index_owner(&self, _name: &str) -> Option<Arc<TableDef>> {
        None
    }
    /// The schemas users created in the session's database (the built-in ones are implicit).
    fn schemas(&self) -> Vec<crate::namespace::SchemaDef> {
        Vec::new()
    }
    /// The effective search path: the existing schemas the `search_path` setting names, in order
    /// (`pg_temp` excluded: its tables are searched first anyway).
    fn search_path(&self) -> Vec<String> {
        vec!["public".to_string()]
    }

    /// The user-defined functions of the database called `name` (case-folded): its overloads.
    fn functions(&self, _name: &str) -> Vec<Arc<crate::function::FunctionDef>> {
        Vec::new()
    }

    /// Every user-defined function of the database (`pg_proc`), in id order.
    fn all_functions(&self) -> Vec<Arc<crate::function::FunctionDef>> {
        Vec::new()
    }
}

/// Resolves a possibly qualified name (see [`Catalog::table`]).
pub fn resolve(catalog: &dyn Catalog, name: &str) -> Option<Arc<TableDef>> {
    catalog.table(name)
}

/// One run-time setting as `pg_settings` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingInfo {
    pub name: String,
    /// The current value, in the unit of `unit` (milliseconds for times).
    pub setting: String,
    pub unit: Option<&'static str>,
    pub short_desc: String,
    /// `user` (SET works) or `internal` (read-only).
    pub context: &'static str,
    /// `bool`, `integer`, `string` or `enum`.
    pub vartype: &'static str,
    /// `default` or `session`.
    pub source: &'static str,
    pub min_val: Option<String>,
    pub max_val: Option<String>,
    pub enumvals: Option<Vec<String>>,
    pub boot_val: String,
    pub reset_val: String,
}

/// A catalog with no tables (tests, table-less sessions).
pub struct EmptyCatalog;

impl Catalog for EmptyCatalog {
    fn table(&self, _name: &str) -> Option<Arc<TableDef>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_definitions_round_trip_and_reject_garbage() {
        let def = TableDef {
            database: DEFAULT_DATABASE.into(),
            id: TableId(42),
            schema: "public".into(),
            name: "pgbench_accounts".into(),
            columns: vec![
                ColumnDef {
                    name: "aid".into(),
                    ty: DataType::Int4,
                    typmod: -1,
                    not_null: true,
                    default: Some(crate::types::Value::Int4(10)),
                    default_expr: None,
                    identity: None,
                },
                ColumnDef {
                    name: "filler".into(),
                    ty: DataType::Text,
                    typmod: -1,
                    not_null: false,
                    default: None,
                    default_expr: Some("now()".into()),
                    identity: None,
                },
            ],
            primary_key: Some(vec![0]),
            indexes: vec![crate::index::IndexDef {
                id: 43,
                name: "pgbench_accounts_filler_aid_key".into(),
                columns: vec![1, 0],
                desc: vec![false, true],
                unique: true,
                constraint: true,
                nulls_not_distinct: false,
                building: false,
            }],
            ..Default::default()
        };
        let bytes = def.encode();
        assert_eq!(TableDef::decode(&bytes), Ok(def.clone()));
        let view = TableDef {
            view: Some("SELECT aid FROM pgbench_accounts WHERE aid > 1".into()),
            ..def
        };
        assert_eq!(TableDef::decode(&view.encode()), Ok(view.clone()));
        let seq = TableDef {
            view: None,
            columns: Vec::new(),
            primary_key: None,
            indexes: Vec::new(),
            sequence: Some(SequenceDef {
                ty: DataType::Int8,
                start: -5,
                increment: -2,
                min: i64::MIN,
                max: -1,
                cache: 1,
                cycle: true,
                owned_by: Some(TableId(42)),
            }),
            ..view
        };
        assert_eq!(TableDef::decode(&seq.encode()), Ok(seq));
        for cut in 0..bytes.len() {
            assert!(
                TableDef::decode(&bytes[..cut]).is_err(),
                "prefix of {cut} bytes decoded"
            );
        }
    }

    #[test]
    fn unknown_sections_are_corruption_and_version_3_still_reads() {
        let def = TableDef {
            database: "tenant".into(),
            id: TableId(7),
            schema: "public".into(),
            name: "t".into(),
            ..Default::default()
        };
        let bytes = def.encode();
        // Version 3 is version 4 without the section count.
        let mut v3 = bytes[..bytes.len() - 4].to_vec();
        v3[0] = 3;
        assert_eq!(TableDef::decode(&v3), Ok(def));
        let mut unknown = bytes[..bytes.len() - 4].to_vec();
        unknown.extend_from_slice(&1u32.to_be_bytes());
        put_str(&mut unknown, "from_the_future");
        unknown.extend_from_slice(&0u32.to_be_bytes());
        assert!(TableDef::decode(&unknown).is_err());
    }
}
