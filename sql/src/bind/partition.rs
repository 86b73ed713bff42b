//! Binding partitioning DDL: `PARTITION BY` of CREATE TABLE, `CREATE TABLE ... PARTITION OF ...
//! FOR VALUES`, and ALTER TABLE ... ATTACH / DETACH PARTITION (see `crate::partition`).
//!
//! A new bound is checked against its siblings here, with PostgreSQL's errors (42P16 for a
//! malformed bound, 42P17 for an overlap, pointing at the offending datum). Rows already stored
//! (the attached table's, the default partition's) are checked by the session when the DDL runs.
//! Binding and checking the bounds themselves is in `partition_bound.rs`.

use std::sync::Arc;

use sqlparser::ast;

use super::alter::ColSource;
use super::partition_bound::*;
use super::typing::coerce;
use super::{ident, Binder, Statement};
use crate::catalog::{ColumnDef, TableDef};
use crate::error::{Result, SqlError};
use crate::partition::{KeyExpr, KeyPart, PartitionOf, PartitionSpec, Strategy};
use crate::types::DataType;

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

/// `PARTITION BY RANGE | LIST | HASH (columns)` of a table with `columns` (sqlparser reads the
/// clause as a function call).
pub(super) fn partition_spec(
    b: &Binder<'_>,
    e: &ast::Expr,
    columns: &[ColumnDef],
    primary_key: Option<&[usize]>,
    table: &str,
) -> Result<PartitionSpec> {
    let ast::Expr::Function(f) = e else {
        return unsupported("this form of PARTITION BY");
    };
    let name = f.name.to_string().to_ascii_lowercase();
    let strategy = match name.as_str() {
        "range" => Strategy::Range,
        "list" => Strategy::List,
        "hash" => Strategy::Hash,
        other => {
            return Err(SqlError::Syntax {
                message: format!("unrecognized partitioning strategy \"{other}\""),
                position: b.position(&f.name),
            })
        }
    };
    let ast::FunctionArguments::List(list) = &f.args else {
        return unsupported("this form of PARTITION BY");
    };
    let mut key = Vec::new();
    let scratch = TableDef {
        database: String::new(),
        schema: "public".into(),
        name: table.to_string(),
        columns: columns.to_vec(),
        ..Default::default()
    };
    for arg in &list.args {
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = arg else {
            return unsupported("this form of PARTITION BY");
        };
        let part = match e {
            ast::Expr::Identifier(id) => {
                let n = ident(id);
                let i = columns.iter().position(|c| c.name == n).ok_or_else(|| {
                    SqlError::UndefinedColumn {
                        name: format!("{n}\" named in partition key does not exist"),
                        position: b.position(e),
                    }
                })?;
                KeyPart::Column(i)
            }
            other => {
                let sql = other.to_string();
                let (expr, ty) = key_expr(&scratch, &sql).map_err(|err| err.at(b.position(e)))?;
                KeyPart::Expr(KeyExpr { sql, expr, ty })
            }
        };
        let ty = match &part {
            KeyPart::Column(i) => columns[*i].ty,
            KeyPart::Expr(k) => k.ty,
        };
        if strategy == Strategy::Hash && !crate::partition::hashable(ty) {
            return unsupported(&format!("hash partitioning on type {}", ty.sql_name()));
        }
        key.push(part);
    }
    if strategy == Strategy::List && key.len() != 1 {
        return Err(SqlError::InvalidTableDefinition(
            "cannot use \"list\" partition strategy with more than one column".into(),
        ));
    }
    if let Some(pk) = primary_key {
        if key
            .iter()
            .any(|k| !matches!(k, KeyPart::Column(c) if pk.contains(c)))
        {
            return Err(SqlError::FeatureNotSupported(format!(
                "unique constraint on partitioned table must include all partitioning columns (table \"{table}\")"
            )));
        }
    }
    Ok(PartitionSpec { strategy, key })
}

/// The parent of `CREATE TABLE ... PARTITION OF parent` or ATTACH: it must be partitioned.
fn partitioned_parent(
    b: &Binder<'_>,
    name: &ast::ObjectName,
) -> Result<(Arc<TableDef>, PartitionSpec)> {
    let parent = b.table(name)?;
    match &parent.partition_by {
        Some(spec) => Ok((parent.clone(), PartitionSpec::clone(spec))),
        None => Err(SqlError::WrongObjectType {
            message: format!("table \"{}\" is not partitioned", parent.name),
            hint: None,
        }),
    }
}

/// `CREATE TABLE name PARTITION OF parent FOR VALUES ... [PARTITION BY ...]`: the parent's columns
/// and primary key, and the checked bound.
pub(super) fn create_partition(ct: &ast::CreateTable, b: &mut Binder<'_>) -> Result<Statement> {
    let Some(parent_name) = &ct.partition_of else {
        return Err(SqlError::Internal("not a PARTITION OF (bug)".into()));
    };
    if !ct.constraints.is_empty() {
        return unsupported("table constraints in CREATE TABLE ... PARTITION OF");
    }
    let super::ddl::NewName { schema, name, temp } =
        super::ddl::new_table_name(b, &ct.name, ct.temporary, ct.on_commit.as_ref())?;
    let (parent, spec) = partitioned_parent(b, parent_name)?;
    let persistence = match (temp.is_some(), parent.temp.is_some()) {
        (false, true) => Some("a permanent relation as partition of temporary"),
        (true, false) => Some("a temporary relation as partition of permanent"),
        _ => None,
    };
    if let Some(what) = persistence {
        return Err(SqlError::WrongKind {
            message: format!("cannot create {what} relation \"{}\"", parent.name),
            hint: None,
        });
    }
    let Some(fv) = &ct.for_values else {
        return Err(SqlError::Syntax {
            message: "syntax error at end of input".into(),
            position: None,
        });
    };
    if b.ctx.catalog().table(&format!("{schema}.{name}")).is_some() {
        if ct.if_not_exists {
            return Ok(Statement::CreateTable {
                table: TableDef {
                    name,
                    schema,
                    ..(*parent).clone()
                },
                if_not_exists: true,
            });
        }
        return Err(SqlError::DuplicateTable(name));
    }
    let mut columns = parent.columns.clone();
    let mut seen: Vec<String> = Vec::new();
    for c in &ct.columns {
        let n = ident(&c.name);
        if seen.contains(&n) {
            return Err(SqlError::DuplicateColumnOfRelation(format!(
                "column \"{n}\" specified more than once"
            )));
        }
        seen.push(n.clone());
        let i =
            columns
                .iter()
                .position(|x| x.name == n)
                .ok_or_else(|| SqlError::UndefinedColumn {
                    name: n.clone(),
                    position: None,
                })?;
        for opt in &c.options {
            match &opt.option {
                ast::ColumnOption::NotNull => columns[i].not_null = true,
                ast::ColumnOption::Default(e) => {
                    let (ty, typmod) = (columns[i].ty, columns[i].typmod);
                    (columns[i].default, columns[i].default_expr) =
                        super::ddl::column_default(b, e, ty, typmod)?;
                }
                other => return unsupported(&format!("column option {other} in PARTITION OF")),
            }
        }
    }
    let at = spec_position(b, parent_name);
    let bound = bind_bound(b, &parent, &spec, fv, &name, at)?;
    let partition_by = match &ct.partition_by {
        Some(e) => Some(Box::new(partition_spec(
            b,
            e,
            &columns,
            parent.primary_key.as_deref(),
            &name,
        )?)),
        None => None,
    };
    let table = TableDef {
        database: b.ctx.database(),
        schema,
        name,
        temp,
        columns,
        primary_key: parent.primary_key.clone(),
        checks: parent.checks.clone(),
        partition_by,
        partition_of: Some(Box::new(PartitionOf {
            parent: parent.id,
            key_types: spec.key_types(&parent),
            bound,
        })),
        ..Default::default()
    };
    Ok(Statement::CreateTable {
        table,
        if_not_exists: ct.if_not_exists,
    })
}

/// `ALTER TABLE parent ATTACH PARTITION name FOR VALUES ...`.
pub(super) fn attach(
    b: &mut Binder<'_>,
    parent_name: &ast::ObjectName,
    name: &ast::ObjectName,
    fv: &ast::ForValues,
) -> Result<Statement> {
    let (parent, spec) = partitioned_parent(b, parent_name)?;
    let table = b.table(name)?;
    // The parent, or one of its ancestors, cannot become its partition.
    let mut up = Some(parent.clone());
    while let Some(t) = up {
        if t.id == table.id {
            return Err(SqlError::CircularInheritance {
                detail: format!(
                    "\"{}\" is already a child of \"{}\".",
                    parent.name, table.name
                ),
            });
        }
        up = t
            .partition_of
            .as_ref()
            .and_then(|o| b.ctx.catalog().table_by_id(o.parent));
    }
    if table.partition_of.is_some() {
        return Err(SqlError::InvalidObjectDefinition {
            message: format!("\"{}\" is already a partition", table.name),
            detail: None,
        });
    }
    for c in &table.columns {
        match parent.column_index(&c.name) {
            None => {
                return Err(SqlError::DatatypeMismatch(format!(
                    "table \"{}\" contains column \"{}\" not found in parent \"{}\"",
                    table.name, c.name, parent.name
                )))
            }
            Some(i) if parent.columns[i].ty != c.ty || parent.columns[i].typmod != c.typmod => {
                return Err(SqlError::DatatypeMismatch(format!(
                    "child table \"{}\" has different type for column \"{}\"",
                    table.name, c.name
                )))
            }
            Some(_) => {}
        }
    }
    if let Some(c) = parent
        .columns
        .iter()
        .find(|c| table.column_index(&c.name).is_none())
    {
        return Err(SqlError::DatatypeMismatch(format!(
            "child table is missing column \"{}\"",
            c.name
        )));
    }
    let key_names = |t: &TableDef| {
        t.primary_key.as_ref().map(|pk| {
            pk.iter()
                .map(|&i| t.columns[i].name.clone())
                .collect::<Vec<_>>()
        })
    };
    if key_names(&table) != key_names(&parent) {
        return unsupported("attaching a table whose primary key differs from its parent's");
    }
    if !table.indexes.is_empty() {
        // Partitions have no indexes (`index.rs`).
        return unsupported("attaching a table that has indexes or UNIQUE constraints");
    }
    let at = spec_position(b, name);
    let bound = bind_bound(b, &parent, &spec, fv, &table.name, at)?;
    let mut new = TableDef::clone(&table);
    new.partition_of = Some(Box::new(PartitionOf {
        parent: parent.id,
        key_types: spec.key_types(parent.as_ref()),
        bound,
    }));
    Ok(Statement::AttachPartition {
        old: table,
        new: Box::new(new),
    })
}

/// `ALTER TABLE parent DETACH PARTITION name`.
pub(super) fn detach(
    b: &mut Binder<'_>,
    parent_name: &ast::ObjectName,
    name: &ast::ObjectName,
) -> Result<Statement> {
    let (parent, _) = partitioned_parent(b, parent_name)?;
    let table = b.table(name)?;
    if table.partition_of.as_ref().map(|o| o.parent) != Some(parent.id) {
        return Err(SqlError::NotAPartition(format!(
            "relation \"{}\" is not a partition of relation \"{}\"",
            table.name, parent.name
        )));
    }
    let mut new = TableDef::clone(&table);
    new.partition_of = None;
    Ok(Statement::DetachPartition {
        old: table,
        new: Box::new(new),
    })
}

/// Binds a partition key expression (SQL text) over `table`'s row: the catalog stores the text and
/// binds it again whenever a definition is read.
pub(crate) fn key_expr(table: &TableDef, sql: &str) -> Result<(crate::Expr, DataType)> {
    struct KeyCtx;
    impl super::SessionContext for KeyCtx {
        fn setting(&self, _name: &str) -> Option<String> {
            None
        }
        fn version(&self) -> String {
            String::new()
        }
    }
    let parsed = crate::parse::parse(&format!("SELECT {sql}"))?;
    let bad = || SqlError::FeatureNotSupported(format!("partition key expression {sql}"));
    let p = parsed.first().ok_or_else(bad)?;
    let crate::parse::Stmt::Sql(ast::Statement::Query(q)) = &p.stmt else {
        return Err(bad());
    };
    let ast::SetExpr::Select(sel) = q.body.as_ref() else {
        return Err(bad());
    };
    let [ast::SelectItem::UnnamedExpr(e)] = sel.projection.as_slice() else {
        return Err(bad());
    };
    let ctx = KeyCtx;
    let mut b = Binder {
        params: super::ParamTypes {
            types: Vec::new(),
            session: &ctx,
            format: std::cell::OnceCell::new(),
        },
        ctx: &ctx,
        source: &p.source,
        scope: Some(Arc::new(table.clone())),
        scope_name: None,
        aggs: super::select::AggScope::default(),
        from: None,
        outer: Vec::new(),
        min_level: usize::MAX,
        scans: Vec::new(),
        next_id: 0,
        ctes: Vec::new(),
        nest: 0,
        keep_unknown: false,
        in_query: false,
        sublinks: 0,
        work_refs: Vec::new(),
        outer_agg_inside: Vec::new(),
        weak_locks: &p.pre.weak_locks,
        view_schema: None,
        windows: super::window::WindowScope::default(),
        function_depth: 0,
        cte_writes: Vec::new(),
        done_writes: Vec::new(),
        search_cycle: Default::default(),
    };
    b.aggs.clause = "partition key expressions";
    let mut expr = b.expr(e)?;
    if expr.data_type() == DataType::Unknown {
        expr = coerce(expr, DataType::Text, &mut b.params)?;
    }
    let ty = expr.data_type();
    Ok((expr, ty))
}

/// After ALTER TABLE changed a table's columns (`sources`: where each new column comes from): a
/// partition's columns cannot change on their own (they are its parent's); a partitioned table's
/// key follows its columns (`crate::partition::realign_spec`), and the session applies the same
/// change to its partitions.
pub(super) fn realign_after_alter(
    _b: &Binder<'_>,
    old: &TableDef,
    new: &mut TableDef,
    sources: &[ColSource],
) -> Result<()> {
    if !crate::partition::columns_changed(old, new, sources) {
        return Ok(());
    }
    if old.partition_of.is_some() {
        // A partition's columns are its parent's, as PostgreSQL says.
        let kept = |i: usize| sources.iter().position(|s| *s == ColSource::Old(i));
        if let Some(c) = (0..old.columns.len()).find(|&i| kept(i).is_none()) {
            return Err(SqlError::InvalidTableDefinition(format!(
                "cannot drop inherited column \"{}\"",
                old.columns[c].name
            )));
        }
        if sources.iter().any(|s| matches!(s, ColSource::Const(_))) {
            return Err(SqlError::WrongObjectType {
                message: "cannot add column to a partition".into(),
                hint: None,
            });
        }
        let renamed = (0..old.columns.len())
            .find(|&i| kept(i).is_some_and(|j| new.columns[j].name != old.columns[i].name));
        return Err(SqlError::InvalidTableDefinition(format!(
            "cannot rename inherited column \"{}\"",
            renamed.map_or("", |i| old.columns[i].name.as_str())
        )));
    }
    crate::partition::realign_spec(old, new, sources)
}
