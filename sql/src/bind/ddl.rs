//! Binding DDL: CREATE TABLE and DROP TABLE.

use std::sync::Arc;

use sqlparser::ast;

use super::{check, coerce, ident, object_name, type_and_typmod, Binder, Statement};
use crate::catalog::{Catalog, ColumnDef, OnCommit, TableDef};
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::types::{DataType, Value};

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

/// A relation name as [`Catalog::table`] looks it up: `schema.name` when qualified, else bare
/// (see `crate::namespace`). A third part (a database) is refused as PostgreSQL refuses
/// cross-database references.
pub(super) fn table_name(name: &ast::ObjectName) -> Result<String> {
    let full = object_name(name);
    if name.0.len() > 2 {
        return Err(SqlError::FeatureNotSupported(format!(
            "cross-database references are not implemented: {full}"
        )));
    }
    Ok(full)
}

/// The unqualified part of a name from [`table_name`] (what PostgreSQL's messages quote).
pub(super) fn bare_name(name: &str) -> &str {
    crate::namespace::split_qualified(name).1
}

/// For DROP of a missing object: 3F000 when its qualifier names no schema, as PostgreSQL
/// reports before looking for the object.
pub(super) fn check_qualifier(catalog: &dyn Catalog, name: &str) -> Result<()> {
    match crate::namespace::split_qualified(name).0 {
        Some(s) if s != TEMP_SCHEMA && !crate::namespace::schema_exists(catalog, s) => {
            Err(SqlError::UndefinedSchema(s.to_string()))
        }
        _ => Ok(()),
    }
}

/// The name, schema and persistence of a relation to create.
pub(super) struct NewName {
    pub schema: String,
    pub name: String,
    pub temp: Option<OnCommit>,
}

/// The name, schema and persistence of a relation to create: `pg_temp.t` is temporary like
/// `CREATE TEMP TABLE t`; `s.t` goes to schema `s` (3F000 if it does not exist), a bare name to
/// the creation schema of the search path; `ON COMMIT` needs a temporary table (42P16, as
/// PostgreSQL).
pub(super) fn new_table_name(
    b: &Binder<'_>,
    name: &ast::ObjectName,
    temporary: bool,
    on_commit: Option<&ast::OnCommit>,
) -> Result<NewName> {
    let full = table_name(name)?;
    let (qualifier, bare) = crate::namespace::split_qualified(&full);
    let temporary = temporary || qualifier == Some(TEMP_SCHEMA);
    if temporary && qualifier.is_some_and(|q| q != TEMP_SCHEMA) {
        return Err(SqlError::InvalidTableDefinition(
            "cannot create temporary relation in non-temporary schema".into(),
        ));
    }
    let on_commit = match on_commit {
        None | Some(ast::OnCommit::PreserveRows) => OnCommit::PreserveRows,
        Some(ast::OnCommit::DeleteRows) => OnCommit::DeleteRows,
        Some(ast::OnCommit::Drop) => OnCommit::Drop,
    };
    if !temporary && on_commit != OnCommit::PreserveRows {
        return Err(SqlError::InvalidTableDefinition(
            "ON COMMIT can only be used on temporary tables".into(),
        ));
    }
    let schema = if temporary {
        TEMP_SCHEMA.to_string()
    } else {
        crate::namespace::new_object_schema(b.ctx.catalog(), qualifier, bare)
            .map_err(|e| e.at(b.position(name)))?
    };
    Ok(NewName {
        schema,
        name: bare.to_string(),
        temp: temporary.then_some(on_commit),
    })
}

use crate::namespace::TEMP_SCHEMA;

/// `CREATE TABLE t (LIKE s [INCLUDING | EXCLUDING DEFAULTS])`: `s`'s columns with their types and
/// NOT NULL, and their defaults only when included (PostgreSQL's defaults for LIKE: no keys,
/// CHECKs, identity or indexes). Nothing without LIKE.
fn like_columns(b: &mut Binder<'_>, ct: &ast::CreateTable) -> Result<Vec<ColumnDef>> {
    let Some(ast::CreateTableLikeKind::Parenthesized(like)) = &ct.like else {
        return Ok(Vec::new());
    };
    let source = b.table(&like.name).or_else(|e| {
        // LIKE reads a definition: system relations and views may be sources too.
        crate::catalog::resolve(b.ctx.catalog(), &object_name(&like.name)).ok_or(e)
    })?;
    let defaults = like.defaults == Some(ast::CreateTableLikeDefaults::Including);
    Ok(source
        .columns
        .iter()
        .map(|c| ColumnDef {
            default: c.default.clone().filter(|_| defaults),
            default_expr: c.default_expr.clone().filter(|_| defaults),
            identity: None,
            ..c.clone()
        })
        .collect())
}

/// CREATE TABLE with columns, NOT NULL and a primary key (column or table constraint).
pub(super) fn create_table(ct: &ast::CreateTable, b: &mut Binder<'_>) -> Result<Statement> {
    if matches!(ct.like, Some(ast::CreateTableLikeKind::Plain(_))) || ct.clone.is_some() {
        return unsupported("this form of CREATE TABLE");
    }
    // Clauses that change what the table is must not be ignored: a partitioned table created as a
    // plain one would accept rows PostgreSQL routes or rejects.
    if ct.partition_of.is_some() {
        return super::partition::create_partition(ct, b);
    }
    if ct.for_values.is_some() || (ct.partition_by.is_some() && ct.query.is_some()) {
        return unsupported("this form of CREATE TABLE");
    }
    if ct.inherits.is_some() {
        return unsupported("INHERITS");
    }
    if ct.order_by.is_some() || ct.primary_key.is_some() || ct.cluster_by.is_some() {
        return unsupported("this form of CREATE TABLE");
    }
    let new = new_table_name(b, &ct.name, ct.temporary, ct.on_commit.as_ref())?;
    if let Some(q) = &ct.query {
        let names: Vec<String> = ct.columns.iter().map(|c| ident(&c.name)).collect();
        return create_table_as(b, new, &names, q, ct.if_not_exists);
    }
    let NewName { schema, name, temp } = new;
    let mut columns: Vec<ColumnDef> = like_columns(b, ct)?;
    // UNIQUE constraints, indexed once all columns are known: (name, columns).
    let mut uniques: Vec<(Option<String>, Vec<usize>, bool)> = Vec::new();
    let mut primary_key: Option<Vec<usize>> = None;
    let mut set_pk = |pk: Vec<usize>, name: &str| -> Result<()> {
        if primary_key.is_some() {
            return Err(SqlError::InvalidTableDefinition(format!(
                "multiple primary keys for table \"{name}\" are not allowed"
            )));
        }
        primary_key = Some(pk);
        Ok(())
    };
    let mut checks: Vec<check::PendingCheck<'_>> = Vec::new();
    // FOREIGN KEYs, bound once the table's keys are known: (name, declaration, column).
    let mut fkeys: Vec<(Option<String>, &ast::ForeignKeyConstraint, Option<usize>)> = Vec::new();
    let mut serials = Vec::new();
    for c in &ct.columns {
        checks.extend(column_checks(c));
        let (def, is_pk) = match super::sequence::serial_of(c)? {
            None => column_def(b, c)?,
            Some(super::sequence::Serial {
                ty,
                options: opts,
                identity,
            }) => {
                // The column as its integer type, NOT NULL, defaulting to its sequence's nextval.
                let mut plain = c.clone();
                plain.data_type = match ty {
                    DataType::Int2 => ast::DataType::SmallInt(None),
                    DataType::Int4 => ast::DataType::Integer(None),
                    _ => ast::DataType::BigInt(None),
                };
                plain
                    .options
                    .retain(|o| !matches!(o.option, ast::ColumnOption::Generated { .. }));
                let (mut def, is_pk) = column_def(b, &plain)?;
                if def.default.is_some() || def.default_expr.is_some() {
                    return Err(SqlError::Syntax {
                        message: format!(
                            "multiple default values specified for column \"{}\" of table \"{name}\"",
                            def.name
                        ),
                        position: None,
                    });
                }
                def.not_null = true;
                def.identity = identity;
                serials.push((def.name.clone(), ty, opts));
                (def, is_pk)
            }
        };
        if columns.iter().any(|x| x.name == def.name) {
            return Err(SqlError::DuplicateColumn(def.name));
        }
        if is_pk {
            set_pk(vec![columns.len()], &name)?;
        }
        for opt in &c.options {
            if let ast::ColumnOption::Unique(u) = &opt.option {
                let not_distinct = u.nulls_distinct == ast::NullsDistinctOption::NotDistinct;
                uniques.push((
                    opt.name.as_ref().map(ident),
                    vec![columns.len()],
                    not_distinct,
                ));
            }
            if let ast::ColumnOption::ForeignKey(fk) = &opt.option {
                fkeys.push((opt.name.as_ref().map(ident), fk, Some(columns.len())));
            }
        }
        columns.push(def);
    }
    let mut table_uniques = Vec::new();
    for constraint in &ct.constraints {
        match constraint {
            ast::TableConstraint::PrimaryKey(pk) => {
                let mut cols = Vec::with_capacity(pk.columns.len());
                for ic in &pk.columns {
                    let ast::Expr::Identifier(id) = &ic.column.expr else {
                        return unsupported("primary keys on expressions");
                    };
                    let n = ident(id);
                    let i = columns.iter().position(|c| c.name == n).ok_or_else(|| {
                        SqlError::UndefinedColumn {
                            name: format!("{n}\" named in key does not exist"),
                            position: None,
                        }
                    })?;
                    columns[i].not_null = true;
                    cols.push(i);
                }
                set_pk(cols, &name)?;
            }
            ast::TableConstraint::Check(c) => checks.push(check::PendingCheck {
                name: c.name.as_ref().map(ident),
                expr: &c.expr,
            }),
            ast::TableConstraint::Unique(u) => table_uniques.push(u),
            ast::TableConstraint::ForeignKey(fk) => fkeys.push((None, fk, None)),
            other => return unsupported(&format!("table constraint {other}")),
        }
    }
    let partition_by = match &ct.partition_by {
        Some(e) => Some(Box::new(super::partition::partition_spec(
            b,
            e,
            &columns,
            primary_key.as_deref(),
            &name,
        )?)),
        None => None,
    };
    let mut table = TableDef {
        database: b.ctx.database(),
        schema,
        name,
        columns,
        primary_key,
        partition_by,
        temp,
        ..Default::default()
    };
    if b.ctx.catalog().index_owner(&table.name).is_some() {
        return Err(SqlError::DuplicateTable(table.name));
    }
    for (name, cols, not_distinct) in uniques {
        let desc = vec![false; cols.len()];
        let mut ix = super::index::unique_index(b.ctx.catalog(), &table, name, cols, desc)?;
        ix.nulls_not_distinct = not_distinct;
        table.indexes.push(ix);
    }
    for u in table_uniques {
        let ix = super::index::unique_constraint(b.ctx.catalog(), &table, u)?;
        table.indexes.push(ix);
    }
    let taken: Vec<String> = table
        .primary_key
        .iter()
        .map(|_| table.pkey_name())
        .chain(table.indexes.iter().map(|i| i.name.clone()))
        .collect();
    table.checks = check::add_checks(b, &table, &checks, &taken, true)?;
    let mut taken = taken;
    taken.extend(table.checks.iter().map(|c| c.name.clone()));
    for (name, fk, column) in fkeys {
        let fk = super::fkey::foreign_key(b, &table, fk, name, column, &taken)?;
        taken.push(fk.name.clone());
        table.foreign_keys.push(fk);
    }
    if serials.is_empty() {
        return Ok(Statement::CreateTable {
            table,
            if_not_exists: ct.if_not_exists,
        });
    }
    let mut sequences = Vec::with_capacity(serials.len());
    for (col, ty, opts) in serials {
        let (seq, default) = super::sequence::column_sequence(b, &table, &col, ty, &opts)?;
        if let Some(i) = table.column_index(&col) {
            table.columns[i].default_expr = Some(default);
        }
        sequences.push(seq);
    }
    Ok(Statement::CreateTableWithSequences {
        table,
        if_not_exists: ct.if_not_exists,
        sequences,
    })
}

/// The CHECK constraints declared on a column (they may read other columns too, so they are bound
/// once the whole table is known).
pub(super) fn column_checks(c: &ast::ColumnDef) -> Vec<check::PendingCheck<'_>> {
    c.options
        .iter()
        .filter_map(|o| match &o.option {
            ast::ColumnOption::Check(c) => Some(check::PendingCheck {
                name: c.name.as_ref().or(o.name.as_ref()).map(ident),
                expr: &c.expr,
            }),
            _ => None,
        })
        .collect()
}

/// One column of CREATE TABLE or ALTER TABLE ADD COLUMN, and whether it is declared PRIMARY KEY.
pub(super) fn column_def(b: &mut Binder<'_>, c: &ast::ColumnDef) -> Result<(ColumnDef, bool)> {
    let (ty, typmod) = type_and_typmod(&c.data_type)?;
    let mut def = ColumnDef {
        name: ident(&c.name),
        ty,
        typmod,
        not_null: false,
        default: None,
        default_expr: None,
        identity: None,
    };
    let mut is_pk = false;
    for opt in &c.options {
        match &opt.option {
            ast::ColumnOption::NotNull => def.not_null = true,
            ast::ColumnOption::Null => def.not_null = false,
            ast::ColumnOption::PrimaryKey(_) => {
                def.not_null = true;
                is_pk = true;
            }
            ast::ColumnOption::Default(e) => {
                (def.default, def.default_expr) = column_default(b, e, ty, typmod)?;
            }
            // Bound with the whole table by the caller (`column_checks`).
            ast::ColumnOption::Check(_) => {}
            // The caller turns it into an index (see `index.rs`).
            ast::ColumnOption::Unique(u) if u.characteristics.is_none() => {}
            // The caller binds it with the table (`fkey.rs`).
            ast::ColumnOption::ForeignKey(_) => {}
            other => return unsupported(&format!("column option {other}")),
        }
    }
    Ok((def, is_pk))
}

/// CREATE TABLE ... AS query (and SELECT ... INTO): the table's columns are the query's, named by
/// `names` where given; its rows are the query's rows.
pub(super) fn create_table_as(
    b: &mut Binder<'_>,
    NewName { schema, name, temp }: NewName,
    names: &[String],
    q: &ast::Query,
    if_not_exists: bool,
) -> Result<Statement> {
    let Statement::Query(query) = b.query(q)? else {
        return Err(SqlError::Internal(
            "CREATE TABLE AS source is not a query".into(),
        ));
    };
    if names.len() > query.columns.len() {
        return Err(SqlError::Syntax {
            message: "too many column names were specified".into(),
            position: None,
        });
    }
    let columns = output_columns(&query.columns, names)?;
    let table = TableDef {
        database: b.ctx.database(),
        schema,
        name,
        columns,
        temp,
        ..Default::default()
    };
    Ok(Statement::CreateTableAs {
        table,
        query: Box::new(query),
        if_not_exists,
    })
}

/// The columns of a relation defined by a query (CREATE TABLE AS, CREATE VIEW): the query's
/// output columns, renamed by `names` from the left; a bare literal's type is resolved as text,
/// as PostgreSQL does for output columns.
pub(super) fn output_columns(
    query_columns: &[(String, DataType)],
    names: &[String],
) -> Result<Vec<ColumnDef>> {
    let mut columns: Vec<ColumnDef> = Vec::with_capacity(query_columns.len());
    for (i, (col, ty)) in query_columns.iter().enumerate() {
        let name = names.get(i).cloned().unwrap_or_else(|| col.clone());
        if columns.iter().any(|c| c.name == name) {
            return Err(SqlError::DuplicateColumn(name));
        }
        let ty = if *ty == DataType::Unknown {
            DataType::Text
        } else {
            *ty
        };
        if matches!(ty, DataType::Record | DataType::RecordArray) {
            return Err(SqlError::InvalidTableDefinition(format!(
                "column \"{name}\" has pseudo-type {}",
                ty.sql_name()
            )));
        }
        columns.push(ColumnDef::new(name, ty));
    }
    Ok(columns)
}

/// A column DEFAULT: a constant (a literal, possibly negated or cast) is evaluated and converted
/// to the column's type now; any other expression (now(), nextval('s')) is checked by binding it
/// and kept as text, to be bound and run at each use (`Binder::column_default`).
pub(super) fn column_default(
    b: &mut Binder<'_>,
    e: &ast::Expr,
    ty: DataType,
    typmod: i32,
) -> Result<(Option<Value>, Option<String>)> {
    let bound = match b.expr(e) {
        Err(SqlError::UndefinedColumn { position, .. }) => {
            return Err(SqlError::InvalidColumnReference {
                message: "cannot use column reference in DEFAULT expression".into(),
                position,
            })
        }
        other => coerce(other?, ty, &mut b.params)?,
    };
    if !is_constant(&bound) {
        return Ok((None, Some(e.to_string())));
    }
    let v = bound.eval(&b.params.eval_params())?;
    Ok((
        Some(crate::types::cast::apply_typmod(v, ty, typmod, false)?),
        None,
    ))
}

fn is_constant(e: &Expr) -> bool {
    match e {
        Expr::Const(..) => true,
        Expr::Cast(inner, _) | Expr::Neg(inner) => is_constant(inner),
        _ => false,
    }
}

/// DROP TABLE [IF EXISTS] a, b.
pub(super) fn drop_table(
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
    catalog: &dyn Catalog,
) -> Result<Statement> {
    let mut tables: Vec<Arc<TableDef>> = Vec::new();
    let mut missing = Vec::new();
    for n in names {
        let name = table_name(n)?;
        match crate::catalog::resolve(catalog, &object_name(n)) {
            Some(t) if t.is_view() => {
                return Err(SqlError::WrongKind {
                    message: format!("\"{}\" is not a table", t.name),
                    hint: Some("Use DROP VIEW to remove a view."),
                })
            }
            Some(t) if t.sequence.is_some() => {
                return Err(SqlError::WrongKind {
                    message: format!("\"{}\" is not a table", t.name),
                    hint: Some("Use DROP SEQUENCE to remove a sequence."),
                })
            }
            Some(t) => tables.push(t),
            None => {
                check_qualifier(catalog, &name)?;
                if !if_exists {
                    return Err(SqlError::UndefinedTableNoPosition(bare_name(&name).into()));
                }
                missing.push(bare_name(&name).into());
            }
        }
    }
    Ok(Statement::DropTable {
        tables,
        missing,
        cascade,
    })
}
