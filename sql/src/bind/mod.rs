//! Binding: from a [`Parsed`] statement to a typed [`Statement`].
//!
//! The binder resolves names against the session ([`SessionContext`]), gives every expression a type,
//! and infers the types of `$n` parameters from context (a cast, or the other operand of an operator),
//! as PostgreSQL's parse analysis does. Parameters whose type nothing determines are an error (42P18).

use sqlparser::ast;
use sqlparser::ast::Spanned;

use std::sync::Arc;

use crate::catalog::{Catalog, EmptyCatalog, TableDef};
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::parse::{char_offset, Parsed};
use crate::plan::QueryPlan;
use crate::types::{DataType, FormatContext};

mod aggcall;
mod alter;
pub(crate) mod array;
mod check;
mod conflict;
pub use conflict::{ConflictAction, OnConflict};
mod ddl;
mod dml;
pub(crate) use keys::fixed_columns;
pub(crate) use partition::key_expr;
mod expr;
mod fkey;
mod from;
mod function;
mod function_ddl;
mod group;
mod index;
mod join;
mod joined;
pub use joined::WriteSource;
mod json;
mod keys;
mod modifying;
mod ordered_set;
pub use modifying::{CteWrite, WithWrites};
mod partition;
mod partition_bound;
mod place;
mod prepare;
mod recursion;
mod returning;
mod row;
mod schema;
mod search_cycle;
pub use prepare::{CursorCommand, FetchDirection, PreparedCommand};
mod scalar;
mod scope;
mod select;
mod sequence;
mod session_call;
mod setop;
mod settings;
mod subquery;
mod sysattr;
mod tablefunc;
mod typing;
mod utility;
mod view;
pub use view::check_replace as check_view_replace;
mod arrayfn;
mod srf;
mod statement;
pub use statement::{SetValue, Statement, TransactionMode};
mod window;

pub use alter::{AlterPlan, ColSource};
pub(crate) use check::bind_check_source;
pub use dml::WritePlan;
pub use keys::index_lookup;
use settings::{mode, set_statement, with_deferrable};
pub(crate) use typing::*;

/// What the binder needs from the session. The server implements it.
pub trait SessionContext {
    /// Current value of a run-time setting (`current_setting`), `None` if unknown.
    fn setting(&self, name: &str) -> Option<String>;
    /// The text `version()` returns.
    fn version(&self) -> String;
    /// The database (tenant) the session is connected to.
    fn database(&self) -> String {
        crate::catalog::DEFAULT_DATABASE.to_string()
    }
    /// The tables the session can see.
    fn catalog(&self) -> &dyn Catalog {
        &EmptyCatalog
    }
    /// The settings literal input depends on (DateStyle's field order, TimeZone).
    fn format_context(&self) -> FormatContext {
        FormatContext::default()
    }
    /// Every known setting with its current value (`pg_settings`).
    fn all_settings(&self) -> Vec<crate::catalog::SettingInfo> {
        Vec::new()
    }
}

/// The parameters' types as binding resolves them, and what resolving an untyped literal needs:
/// the session's input settings (built on first use; most statements never need them).
pub(crate) struct ParamTypes<'a> {
    types: Vec<Option<DataType>>,
    session: &'a dyn SessionContext,
    format: std::cell::OnceCell<FormatContext>,
}

impl ParamTypes<'_> {
    /// The session's settings for literal input.
    pub(crate) fn format(&self) -> &FormatContext {
        self.format.get_or_init(|| self.session.format_context())
    }

    /// No parameters, under the session's settings: for folding constants while binding.
    pub(crate) fn eval_params(&self) -> crate::expr::Params {
        crate::expr::Params::new(Vec::new(), Arc::new(self.format().clone()))
    }
}

impl std::ops::Deref for ParamTypes<'_> {
    type Target = Vec<Option<DataType>>;
    fn deref(&self) -> &Self::Target {
        &self.types
    }
}

impl std::ops::DerefMut for ParamTypes<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.types
    }
}

/// Binds one parsed statement. `declared` holds parameter types from the protocol's Parse message
/// (`None` where the client left the type to the server).
pub fn bind(
    parsed: &Parsed,
    declared: &[Option<DataType>],
    ctx: &dyn SessionContext,
) -> Result<Statement> {
    use ast::Statement as S;
    let mut b = Binder {
        params: ParamTypes {
            types: declared.to_vec(),
            session: ctx,
            format: std::cell::OnceCell::new(),
        },
        ctx,
        source: &parsed.source,
        scope: None,
        scope_name: None,
        aggs: select::AggScope::default(),
        windows: window::WindowScope::default(),
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
        weak_locks: &parsed.pre.weak_locks,
        view_schema: None,
        function_depth: 0,
        cte_writes: Vec::new(),
        done_writes: Vec::new(),
        search_cycle: parsed.pre.search_cycle.clone(),
    };
    let stmt = match &parsed.stmt {
        crate::parse::Stmt::Sql(s) => s,
        crate::parse::Stmt::Maintenance(m) => return utility::maintenance(m, ctx),
        crate::parse::Stmt::Database(d) => return utility::database(d),
        crate::parse::Stmt::Fetch(f) => {
            return Ok(Statement::Cursor(CursorCommand::Fetch {
                name: f.cursor.clone(),
                direction: f.direction,
                is_move: f.is_move,
            }))
        }
        crate::parse::Stmt::Reindex(r) => return index::reindex(r, ctx),
        crate::parse::Stmt::SetConstraints(s) => return fkey::set_constraints(s, ctx),
        crate::parse::Stmt::Schema(s) => return schema::schema(s, ctx),
    };
    match stmt {
        S::Query(q) => match select_into(q) {
            Some((into, rest)) => {
                if into.unlogged {
                    return Err(SqlError::FeatureNotSupported(
                        "SELECT INTO an unlogged table is not supported yet".into(),
                    ));
                }
                let name = match into.targets.as_slice() {
                    [ast::Expr::Identifier(id)] => ast::ObjectName::from(vec![id.clone()]),
                    [ast::Expr::CompoundIdentifier(parts)] => ast::ObjectName::from(parts.clone()),
                    _ => {
                        return Err(SqlError::FeatureNotSupported(
                            "this form of SELECT INTO is not supported yet".into(),
                        ))
                    }
                };
                let new = ddl::new_table_name(&b, &name, into.temporary, None)?;
                ddl::create_table_as(&mut b, new, &[], &rest, false)
            }
            None => b.with_writes(q, |b| match (q.body.as_ref(), &q.with) {
                // A leading WITH on INSERT/UPDATE/DELETE.
                (ast::SetExpr::Update(S::Update(u)), Some(with)) => b.update(u, Some(with)),
                (ast::SetExpr::Delete(S::Delete(d)), Some(with)) => b.delete(d, Some(with)),
                (ast::SetExpr::Insert(S::Insert(i)), Some(with)) => b.insert_with(i, with),
                _ => b.query_or_session_call(q),
            }),
        },
        S::StartTransaction { modes, begin, .. } => {
            let modes = with_deferrable(modes.iter().map(mode).collect(), parsed.pre.deferrable);
            Ok(if *begin {
                Statement::Begin(modes)
            } else {
                Statement::StartTransaction(modes)
            })
        }
        S::Commit { chain: false, .. } => Ok(Statement::Commit),
        S::Commit { chain: true, .. } => Ok(Statement::CommitAndChain),
        S::Rollback {
            chain: true,
            savepoint: None,
        } => Ok(Statement::RollbackAndChain),
        S::Rollback {
            chain: false,
            savepoint: None,
        } => Ok(Statement::Rollback),
        S::Rollback {
            chain: false,
            savepoint: Some(name),
        } => Ok(Statement::RollbackTo(ident(name))),
        S::Savepoint { name } => Ok(Statement::Savepoint(ident(name))),
        S::ReleaseSavepoint { name } => Ok(Statement::Release(ident(name))),
        S::Set(set) => set_statement(set).map(|st| match st {
            Statement::SetTransaction(m) => {
                Statement::SetTransaction(with_deferrable(m, parsed.pre.deferrable))
            }
            Statement::SetSessionCharacteristics(m) => {
                Statement::SetSessionCharacteristics(with_deferrable(m, parsed.pre.deferrable))
            }
            other => other,
        }),
        S::ShowVariable { variable } => {
            let name = variable.iter().map(ident).collect::<Vec<_>>().join(" ");
            Ok(Statement::Show(match name.as_str() {
                "time zone" => "timezone".into(),
                "transaction isolation level" => "transaction_isolation".into(),
                "session authorization" => "session_authorization".into(),
                _ => name.replace(' ', "."),
            }))
        }
        S::Reset(r) => Ok(Statement::Reset(match &r.reset {
            ast::Reset::ALL => None,
            ast::Reset::SessionAuthorization => Some("session_authorization".into()),
            ast::Reset::ConfigurationParameter(name) => Some(object_name(name)),
        })),
        S::Discard {
            object_type: ast::DiscardObject::ALL,
        } => Ok(Statement::DiscardAll),
        S::CreateTable(ct) => ddl::create_table(ct, &mut b),
        S::CreateView(cv) => view::create_view(cv, &mut b),
        S::CreateFunction(cf) => function_ddl::create_function(&mut b, cf),
        S::DropFunction(df) => function_ddl::drop_function(df, ctx.catalog()),
        S::AlterFunction(af) => function_ddl::alter_function(af, ctx),
        S::CreateSequence {
            temporary,
            if_not_exists,
            name,
            sequence_options,
        } => sequence::create_sequence(&mut b, *temporary, *if_not_exists, name, sequence_options),
        S::Drop {
            object_type: ast::ObjectType::Sequence,
            if_exists,
            names,
            ..
        } => sequence::drop_sequence(names, *if_exists, ctx.catalog()),
        S::Drop {
            object_type: ast::ObjectType::View,
            if_exists,
            names,
            ..
        } => view::drop_view(names, *if_exists, ctx.catalog()),
        S::Drop {
            object_type: ast::ObjectType::Table,
            if_exists,
            names,
            cascade,
            ..
        } => ddl::drop_table(names, *if_exists, *cascade, ctx.catalog()),
        S::Drop {
            object_type: ast::ObjectType::Schema,
            if_exists,
            names,
            cascade,
            ..
        } => schema::drop_schema(names, *if_exists, *cascade, ctx.catalog()),
        S::CreateIndex(ci) => index::create_index(ci, &b),
        S::AlterIndex {
            name,
            operation: ast::AlterIndexOperation::RenameIndex { index_name },
        } => index::rename_index(name, index_name, ctx.catalog()),
        S::Drop {
            object_type: ast::ObjectType::Index,
            if_exists,
            names,
            ..
        } => index::drop_index(names, *if_exists, ctx.catalog()),
        S::Insert(insert) => b.insert(insert),
        S::Truncate(t) => b.truncate(
            &t.table_names,
            matches!(t.cascade, Some(ast::CascadeOption::Cascade)),
        ),
        S::Copy {
            source,
            to,
            target,
            options,
            legacy_options,
            ..
        } => b.copy(source, *to, target, options, legacy_options),
        S::AlterTable(a) => b.alter_table(a),
        S::Explain {
            analyze,
            statement,
            options,
            ..
        } => {
            let mut analyze = *analyze;
            for o in options.iter().flatten() {
                let name = ident(&o.name).to_ascii_lowercase();
                let on = !matches!(
                    o.arg.as_ref().map(|a| a.to_string().to_ascii_lowercase()),
                    Some(ref v) if v == "false" || v == "off" || v == "0"
                );
                match name.as_str() {
                    "analyze" | "analyse" => analyze = on,
                    "costs" | "verbose" | "summary" | "timing" | "buffers" | "settings" | "wal" => {
                    }
                    "format" => {
                        let f = o.arg.as_ref().map(|a| a.to_string().to_ascii_lowercase());
                        if f.as_deref() != Some("text") {
                            return Err(SqlError::FeatureNotSupported(
                                "EXPLAIN formats other than TEXT are not supported yet".into(),
                            ));
                        }
                    }
                    other => {
                        return Err(SqlError::Syntax {
                            message: format!("unrecognized EXPLAIN option \"{other}\""),
                            position: None,
                        })
                    }
                }
            }
            let inner = Parsed {
                stmt: crate::parse::Stmt::Sql((**statement).clone()),
                source: parsed.source.clone(),
                pre: parsed.pre.clone(),
            };
            let inner = bind(&inner, declared, ctx)?;
            Ok(Statement::Explain {
                inner: Box::new(inner),
                analyze,
            })
        }
        S::Update(u) => b.update(u, None),
        S::Delete(d) => b.delete(d, None),
        S::Prepare {
            name,
            data_types,
            statement,
        } => b.prepare_command(name, data_types, |declared| {
            let inner = Parsed {
                stmt: crate::parse::Stmt::Sql((**statement).clone()),
                source: parsed.source.clone(),
                pre: parsed.pre.clone(),
            };
            bind(&inner, declared, ctx)
        }),
        S::Execute {
            name,
            parameters,
            immediate: false,
            ..
        } => b.execute_command(name.as_ref(), parameters),
        S::Deallocate { name, .. } => Ok(prepare::deallocate(name)),
        S::Declare { stmts, .. } if stmts.len() == 1 => b.declare_cursor(&stmts[0]),
        S::Fetch {
            name,
            direction,
            into: None,
            ..
        } => prepare::fetch(name, direction),
        S::Close { cursor } => Ok(prepare::close(cursor)),
        other => Err(SqlError::FeatureNotSupported(format!(
            "statement not supported yet: {}",
            statement_kind(other)
        ))),
    }
}

/// `SELECT ... INTO table ...`: the INTO clause and the query without it.
fn select_into(q: &ast::Query) -> Option<(ast::SelectInto, ast::Query)> {
    let ast::SetExpr::Select(sel) = q.body.as_ref() else {
        return None;
    };
    let into = sel.into.clone()?;
    let mut rest = q.clone();
    if let ast::SetExpr::Select(sel) = rest.body.as_mut() {
        sel.into = None;
    }
    Some((into, rest))
}

/// The leading keywords of a statement, for messages.
fn statement_kind(stmt: &ast::Statement) -> String {
    let text = stmt.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    let two = words.join(" ").to_ascii_uppercase();
    match two.as_str() {
        s if s.starts_with("CREATE ") || s.starts_with("DROP ") || s.starts_with("ALTER ") => two,
        _ => words
            .first()
            .map(|w| w.to_ascii_uppercase())
            .unwrap_or_default(),
    }
}

/// An identifier as PostgreSQL folds it: lowercased unless quoted.
pub(crate) fn ident(i: &ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

pub(crate) fn object_name(n: &ast::ObjectName) -> String {
    n.0.iter()
        .map(|p| p.as_ident().map(ident).unwrap_or_else(|| p.to_string()))
        .collect::<Vec<_>>()
        .join(".")
}

pub(crate) struct Binder<'a> {
    pub(crate) params: ParamTypes<'a>,
    pub(crate) ctx: &'a dyn SessionContext,
    pub(crate) source: &'a str,
    /// The table whose columns names resolve to, while binding a statement over one table.
    pub(crate) scope: Option<Arc<TableDef>>,
    /// The name the scope's table is referenced by when it has an alias (`FROM t AS x`).
    pub(crate) scope_name: Option<String>,
    /// Where aggregate calls may appear (see `select`).
    pub(crate) aggs: select::AggScope,
    /// Where window function calls may appear (see `window`).
    pub(crate) windows: window::WindowScope,
    /// The names the current SELECT level's FROM makes visible (`scope` is for UPDATE/DELETE).
    pub(crate) from: Option<scope::Scope>,
    /// Enclosing levels' scopes, outermost first (subquery expressions and LATERAL push one).
    pub(crate) outer: Vec<scope::Scope>,
    /// The outermost level (index into `outer`) referenced since it was last reset.
    pub(crate) min_level: usize,
    /// The statement's base-table scans so far (`QueryPlan::scans`).
    pub(crate) scans: Vec<Arc<QueryPlan>>,
    /// Next id for subqueries and recursive CTEs.
    pub(crate) next_id: usize,
    /// CTEs visible here, innermost last.
    pub(crate) ctes: Vec<setop::CteDef>,
    /// How deep in nested queries the binder is (0: the statement's own query).
    pub(crate) nest: usize,
    /// A set operation's branch keeps unknown-typed outputs (resolved across branches).
    pub(crate) keep_unknown: bool,
    /// Binding a query statement (subqueries are allowed).
    pub(crate) in_query: bool,
    /// Subquery expressions bound so far.
    pub(crate) sublinks: usize,
    /// References to recursive CTEs' working tables: (id, where in the query text). A CTE
    /// inlined twice repeats the same reference, which is still one reference.
    pub(crate) work_refs: Vec<(usize, Option<u32>)>,
    /// Per entry of `outer`: whether that level was inside an aggregate's arguments.
    pub(crate) outer_agg_inside: Vec<bool>,
    /// Which locking clauses are the weaker forms (see `locking.rs`).
    pub(crate) weak_locks: &'a [bool],
    /// While stored text binds (a view's query, a column's DEFAULT): the schema of its view or
    /// table, searched first for bare names. Such names resolve when the text is used, not when
    /// it was created (PostgreSQL stores OIDs); searching the object's own schema first finds
    /// what CREATE found in the usual case, e.g. CREATE SCHEMA's elements and SERIAL sequences.
    pub(crate) view_schema: Option<String>,
    /// How many SQL function bodies this binder is inside (0: the statement itself); inside
    /// one, `$n` names the function's argument `n` (`function.rs`).
    pub(crate) function_depth: usize,
    /// The data-modifying CTEs of the statement's leading WITH, and those bound so far in the
    /// order they run (`modifying.rs`).
    pub(crate) cte_writes: Vec<modifying::Slot>,
    pub(crate) done_writes: Vec<CteWrite>,
    /// The SEARCH/CYCLE clauses of the text being bound (`parse::search_cycle`).
    pub(crate) search_cycle: Arc<crate::parse::search_cycle::Clauses>,
}

impl Binder<'_> {
    /// 1-based character position of a node in the query string, for error reports.
    pub(crate) fn position(&self, node: &impl Spanned) -> Option<u32> {
        let start = node.span().start;
        char_offset(self.source, start.line, start.column).map(|o| o as u32 + 1)
    }

    /// The parameters' resolved types; one nothing determined is an error (42P18).
    pub(crate) fn param_types(&self) -> Result<Vec<DataType>> {
        let mut types = Vec::with_capacity(self.params.len());
        for (i, t) in self.params.iter().enumerate() {
            types.push(t.ok_or(SqlError::IndeterminateDatatype(i + 1))?);
        }
        Ok(types)
    }

    /// Resolves a relation name (see `crate::namespace`). System relations are read-only views
    /// (reads resolve them before calling this): a write or DDL naming one is refused as
    /// PostgreSQL refuses changes to its catalogs.
    pub(crate) fn table(&self, name: &ast::ObjectName) -> Result<Arc<TableDef>> {
        let full = object_name(name);
        if let Some(sys) = crate::syscat::resolve(&full) {
            return Err(SqlError::InsufficientPrivilege(format!(
                "permission denied: \"{}\" is a system catalog",
                sys.name
            )));
        }
        if name.0.len() > 2 {
            return Err(SqlError::FeatureNotSupported(format!(
                "cross-database references are not implemented: {full}"
            )));
        }
        let in_view_schema = match &self.view_schema {
            Some(s) if name.0.len() == 1 && s != crate::namespace::TEMP_SCHEMA => {
                self.ctx.catalog().table(&format!("{s}.{full}"))
            }
            _ => None,
        };
        if let Some(t) = in_view_schema {
            return Ok(t);
        }
        crate::catalog::resolve(self.ctx.catalog(), &full).ok_or_else(|| SqlError::UndefinedTable {
            name: full.clone(),
            position: self.position(name),
        })
    }

    /// A column reference in the current scope.
    fn column(&mut self, name: &str, node: &ast::Expr) -> Result<Expr> {
        if self.from.is_some() || !self.outer.is_empty() {
            return self.scoped_column(None, name, node);
        }
        let found = self.scope.clone().and_then(|t| match t.column_index(name) {
            Some(i) => Some(Expr::Column(i, t.columns[i].ty)),
            None if name == sysattr::TABLEOID => Some(self.tableoid(&t, 0)),
            // The target's name alone is its whole row (RETURNING (t)), a record.
            None if name == self.scope_name.as_deref().unwrap_or(&t.name) => Some(row::row_of(
                (t.columns.iter().enumerate())
                    .map(|(i, c)| Expr::Column(i, c.ty))
                    .collect(),
            )),
            None => None,
        });
        if let Some(Expr::Column(i, _)) = found {
            let at = self.position(node);
            self.aggs.saw_column(i, at);
        }
        found.ok_or_else(|| SqlError::UndefinedColumn {
            name: name.to_string(),
            position: self.position(node),
        })
    }
}

#[cfg(test)]
mod function_tests;
#[cfg(test)]
mod modifying_tests;
#[cfg(test)]
mod tests;
