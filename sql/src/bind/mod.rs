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
use crate::expr::{BinOp, Expr};
use crate::parse::{char_offset, Parsed};
use crate::plan::QueryPlan;
use crate::types::{DataType, FormatContext, Value};

mod alter;
mod ddl;
mod dml;
mod expr;
mod from;
mod group;
mod join;
mod place;
mod scope;
mod select;
mod setop;
mod subquery;
mod utility;

pub use alter::{AlterPlan, ColSource};
pub use dml::WritePlan;

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

/// Transaction characteristics given to BEGIN / START TRANSACTION / SET TRANSACTION.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionMode {
    IsolationLevel(String),
    ReadOnly(bool),
    Deferrable(bool),
}

/// The right-hand side of SET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    Default,
    /// Each item as PostgreSQL flattens it (identifiers and literals as text); a list is joined with ", ".
    Values(Vec<String>),
}

/// A bound statement. Command tags and result shapes come from here.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Begin(Vec<TransactionMode>),
    /// `START TRANSACTION`: BEGIN with its own command tag.
    StartTransaction(Vec<TransactionMode>),
    Commit,
    Rollback,
    SetTransaction(Vec<TransactionMode>),
    /// `COMMIT AND CHAIN`: commit, then start a block with the same characteristics.
    CommitAndChain,
    /// `ROLLBACK AND CHAIN`.
    RollbackAndChain,
    /// `SET SESSION CHARACTERISTICS AS TRANSACTION ...`: the defaults of later transactions.
    SetSessionCharacteristics(Vec<TransactionMode>),
    Savepoint(String),
    /// `ROLLBACK TO [SAVEPOINT] name`.
    RollbackTo(String),
    /// `RELEASE [SAVEPOINT] name`.
    Release(String),
    Set {
        name: String,
        value: SetValue,
        local: bool,
    },
    /// `RESET name`; `None` is `RESET ALL`.
    Reset(Option<String>),
    /// `SHOW name`; "all" for `SHOW ALL`.
    Show(String),
    /// `DISCARD ALL`.
    DiscardAll,
    Query(QueryPlan),
    /// CREATE TABLE; the definition's id is assigned when the DDL runs.
    CreateTable {
        table: TableDef,
        if_not_exists: bool,
    },
    /// DROP TABLE of the tables that exist; `missing` are names that did not (IF EXISTS).
    DropTable {
        tables: Vec<Arc<TableDef>>,
        missing: Vec<String>,
    },
    /// UPDATE ... SET ... WHERE.
    Update(Arc<WritePlan>),
    /// DELETE FROM ... WHERE.
    Delete(Arc<WritePlan>),
    /// INSERT ... VALUES: one full-width row of expressions per VALUES row.
    Insert {
        table: Arc<TableDef>,
        rows: Vec<Vec<Expr>>,
        param_types: Vec<DataType>,
    },
    /// INSERT ... SELECT: each row of `query` becomes the table row `row` (expressions over the
    /// query's output row: the target columns cast to their types, the others their defaults).
    InsertSelect {
        table: Arc<TableDef>,
        query: Box<QueryPlan>,
        row: Vec<Expr>,
    },
    /// COPY ... FROM.
    CopyFrom(Arc<crate::copy::CopyFromPlan>),
    /// COPY ... TO: the rows of `query` in COPY's format, to the client (`file: None`) or a file.
    CopyTo {
        query: Box<QueryPlan>,
        options: crate::copy::CopyOptions,
        file: Option<String>,
    },
    /// TRUNCATE: every row of each table goes, transactionally (as a DELETE without WHERE would).
    Truncate(Vec<Arc<WritePlan>>),
    /// VACUUM and/or ANALYZE, after checking the names (nothing else to do, see `utility.rs`).
    Maintenance {
        vacuum: bool,
        analyze: bool,
    },
    /// CREATE TABLE ... AS query, SELECT ... INTO: a new table holding the query's rows (tag
    /// `SELECT n`).
    CreateTableAs {
        table: TableDef,
        query: Box<QueryPlan>,
        if_not_exists: bool,
    },
    /// ALTER TABLE (see `alter.rs`).
    AlterTable(Box<AlterPlan>),
    /// EXPLAIN of a bound statement (text format: one `QUERY PLAN` column).
    Explain {
        inner: Box<Statement>,
        analyze: bool,
    },
    /// CREATE DATABASE: a new, empty tenant.
    CreateDatabase(String),
    /// DROP DATABASE [IF EXISTS]: the tenant and all its tables.
    DropDatabase {
        name: String,
        if_exists: bool,
    },
    /// A statement with nothing to do but a NOTICE (ALTER TABLE IF EXISTS of a missing table).
    Notice(String),
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
    };
    let stmt = match &parsed.stmt {
        crate::parse::Stmt::Sql(s) => s,
        crate::parse::Stmt::Maintenance(m) => return utility::maintenance(m, ctx),
        crate::parse::Stmt::Database(d) => return utility::database(d),
    };
    match stmt {
        S::Query(q) => match select_into(q) {
            Some((into, rest)) => {
                if into.temporary || into.unlogged {
                    return Err(SqlError::FeatureNotSupported(
                        "SELECT INTO a temporary or unlogged table is not supported yet".into(),
                    ));
                }
                let name = match into.targets.as_slice() {
                    [ast::Expr::Identifier(id)] => ident(id),
                    [ast::Expr::CompoundIdentifier(parts)] => {
                        let parts: Vec<String> = parts.iter().map(ident).collect();
                        match parts.as_slice() {
                            [schema, name] if schema == "public" => name.clone(),
                            _ => {
                                return Err(SqlError::FeatureNotSupported(
                                    "schemas other than public are not supported yet".into(),
                                ))
                            }
                        }
                    }
                    _ => {
                        return Err(SqlError::FeatureNotSupported(
                            "this form of SELECT INTO is not supported yet".into(),
                        ))
                    }
                };
                ddl::create_table_as(&mut b, name, &[], &rest, false)
            }
            None => b.query(q),
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
        S::Drop {
            object_type: ast::ObjectType::Table,
            if_exists,
            names,
            ..
        } => ddl::drop_table(names, *if_exists, ctx.catalog()),
        S::Insert(insert) => b.insert(insert),
        S::Truncate(t) => b.truncate(&t.table_names),
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
        S::Update(u) => b.update(u),
        S::Delete(d) => b.delete(d),
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

/// Adds `[NOT] DEFERRABLE` (taken out before parsing, see `locking.rs`) to a mode list.
fn with_deferrable(mut modes: Vec<TransactionMode>, d: Option<bool>) -> Vec<TransactionMode> {
    modes.extend(d.map(TransactionMode::Deferrable));
    modes
}

fn mode(m: &ast::TransactionMode) -> TransactionMode {
    match m {
        ast::TransactionMode::AccessMode(a) => {
            TransactionMode::ReadOnly(matches!(a, ast::TransactionAccessMode::ReadOnly))
        }
        ast::TransactionMode::IsolationLevel(l) => {
            TransactionMode::IsolationLevel(l.to_string().to_ascii_lowercase())
        }
    }
}

fn set_statement(set: &ast::Set) -> Result<Statement> {
    match set {
        ast::Set::SingleAssignment {
            scope,
            variable,
            values,
            ..
        } => {
            let name = object_name(variable);
            let local = matches!(scope, Some(ast::ContextModifier::Local));
            let value = if values.len() == 1 && is_default(&values[0]) {
                SetValue::Default
            } else {
                SetValue::Values(values.iter().map(set_item).collect::<Result<_>>()?)
            };
            Ok(Statement::Set { name, value, local })
        }
        ast::Set::SetTimeZone { local, value } => Ok(Statement::Set {
            name: "timezone".into(),
            value: if is_default(value) {
                SetValue::Default
            } else {
                SetValue::Values(vec![set_item(value)?])
            },
            local: *local,
        }),
        ast::Set::SetTransaction {
            modes,
            session: false,
            snapshot: None,
        } => Ok(Statement::SetTransaction(modes.iter().map(mode).collect())),
        ast::Set::SetTransaction {
            modes,
            session: true,
            snapshot: None,
        } => Ok(Statement::SetSessionCharacteristics(
            modes.iter().map(mode).collect(),
        )),
        ast::Set::SetNames { charset_name, .. } => Ok(Statement::Set {
            name: "client_encoding".into(),
            value: SetValue::Values(vec![charset_name.value.clone()]),
            local: false,
        }),
        other => Err(SqlError::FeatureNotSupported(format!(
            "statement not supported yet: {other}"
        ))),
    }
}

fn is_default(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

/// A SET value as PostgreSQL flattens it: identifiers (lowercased unless quoted), strings, numbers.
fn set_item(e: &ast::Expr) -> Result<String> {
    match e {
        ast::Expr::Identifier(i) => Ok(ident(i)),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                Ok(s.clone())
            }
            ast::Value::Number(n, _) => Ok(n.clone()),
            ast::Value::Boolean(b) => Ok(if *b { "on".into() } else { "off".into() }),
            other => Ok(other.to_string()),
        },
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => Ok(format!("-{}", set_item(expr)?)),
        other => Err(SqlError::Syntax {
            message: format!("syntax error at or near \"{other}\""),
            position: None,
        }),
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

    /// Resolves a table name (only `public` exists until schemas arrive).
    pub(crate) fn table(&self, name: &ast::ObjectName) -> Result<Arc<TableDef>> {
        let full = object_name(name);
        let bare = full.strip_prefix("public.").unwrap_or(&full);
        self.ctx
            .catalog()
            .table(bare)
            .ok_or_else(|| SqlError::UndefinedTable {
                name: full.clone(),
                position: self.position(name),
            })
    }

    /// A column reference in the current scope.
    fn column(&mut self, name: &str, node: &ast::Expr) -> Result<Expr> {
        if self.from.is_some() || !self.outer.is_empty() {
            return self.scoped_column(None, name, node);
        }
        let found = self.scope.as_ref().and_then(|t| {
            t.column_index(name)
                .map(|i| Expr::Column(i, t.columns[i].ty))
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

    pub(crate) fn expr(&mut self, e: &ast::Expr) -> Result<Expr> {
        use ast::Expr as E;
        match e {
            E::Value(v) => literal(&v.value).map_or_else(|| self.placeholder(&v.value), Ok),
            E::Nested(inner) => self.expr(inner),
            E::Cast {
                expr, data_type, ..
            } => {
                let to = data_type_of(data_type)?;
                let inner = self.expr(expr)?;
                if let Expr::Param(i, DataType::Unknown) = inner {
                    self.params[i] = Some(to);
                    return Ok(Expr::Param(i, to));
                }
                if inner.data_type() == DataType::Unknown {
                    // A string literal cast is its input function: check it now, as PostgreSQL does.
                    if let Expr::Const(Value::Text(s), _) = &inner {
                        let at = self.position(expr.as_ref());
                        return self.typed_literal(s, data_type, at);
                    }
                }
                let at = self.position_after(expr.as_ref());
                self.cast_expr(inner, data_type, at)
            }
            E::TypedString(ts) => match &ts.value.value {
                ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                    let at = self.position(&ts.value);
                    self.typed_literal(s, &ts.data_type, at)
                }
                _ => Err(SqlError::FeatureNotSupported(format!(
                    "expression not supported yet: {e}"
                ))),
            },
            E::Interval(iv) => self.interval_literal(iv),
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(operand.as_deref(), conditions, else_result.as_deref()),
            E::Between {
                expr,
                negated,
                low,
                high,
            } => self.between(expr, *negated, low, high),
            E::In {
                expr,
                target: ast::InTarget::List(list),
                negated,
                ..
            } => self.in_list(expr, list, *negated),
            E::IsTrue(x) => self.bool_test(x, true, false),
            E::IsNotTrue(x) => self.bool_test(x, true, true),
            E::IsFalse(x) => self.bool_test(x, false, false),
            E::IsNotFalse(x) => self.bool_test(x, false, true),
            E::IsUnknown(x) => self.unknown_test(x, false),
            E::IsNotUnknown(x) => self.unknown_test(x, true),
            E::IsDistinctFrom(l, r) => self.is_distinct(l, r, false),
            E::IsNotDistinctFrom(l, r) => self.is_distinct(l, r, true),
            E::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => self.like(expr, pattern, escape_char.as_deref(), *negated, false),
            E::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => self.like(expr, pattern, escape_char.as_deref(), *negated, true),
            E::AtTimeZone {
                timestamp,
                time_zone,
            } => self.at_time_zone(timestamp, time_zone),
            E::Extract { field, expr, .. } => self.extract(field, expr),
            E::Substring { .. }
            | E::Position { .. }
            | E::Overlay { .. }
            | E::Trim { .. }
            | E::Ceil { .. }
            | E::Floor { .. } => self.special_call(e),
            E::UnaryOp { op, expr } if prefix_spelling(op).is_some() => {
                let at = self.position(e);
                self.prefix(prefix_spelling(op).unwrap_or_default(), expr, at)
            }
            E::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => {
                if let E::Value(v) = expr.as_ref() {
                    if let ast::Value::Number(n, _) = &v.value {
                        return Ok(number(&format!("-{n}")));
                    }
                }
                let at = self.position(e);
                self.prefix("-", expr, at)
            }
            E::UnaryOp {
                op: ast::UnaryOperator::Plus,
                expr,
            } => self.expr(expr),
            E::UnaryOp {
                op: ast::UnaryOperator::Not,
                expr,
            } => Ok(Expr::Not(Box::new(self.bool_operand(expr, "NOT")?))),
            E::IsNull(inner) => Ok(Expr::IsNull {
                expr: Box::new(self.expr(inner)?),
                negated: false,
            }),
            E::IsNotNull(inner) => Ok(Expr::IsNull {
                expr: Box::new(self.expr(inner)?),
                negated: true,
            }),
            E::BinaryOp { left, op, right } => self.binary(left, op, right),
            E::Function(f) => self.function(f),
            E::Identifier(i) => match self.column(&ident(i), e) {
                // `current_schema`, `current_user`, ... when no column has that name.
                Err(err) if i.quote_style.is_none() => match self.value_function(&ident(i), &[]) {
                    Some(v) => v,
                    None => Err(err),
                },
                other => other,
            },
            E::CompoundIdentifier(parts)
                if parts.len() >= 2 && (self.from.is_some() || !self.outer.is_empty()) =>
            {
                let n = parts.len();
                self.scoped_column(Some(&ident(&parts[n - 2])), &ident(&parts[n - 1]), e)
            }
            E::Exists { subquery, negated } => {
                let s = self.sublink(subquery, subquery::Kind::Exists)?;
                Ok(if *negated { Expr::Not(Box::new(s)) } else { s })
            }
            E::Subquery(q) => self.sublink(q, subquery::Kind::Scalar),
            E::In {
                expr,
                target: ast::InTarget::Subquery(q),
                negated,
                ..
            } => {
                let s = self.sublink(q, subquery::Kind::Any(expr, BinOp::Eq))?;
                Ok(if *negated { Expr::Not(Box::new(s)) } else { s })
            }
            E::AnyOp {
                left,
                compare_op,
                right,
                ..
            } if matches!(right.as_ref(), E::Subquery(_)) => {
                let E::Subquery(q) = right.as_ref() else {
                    unreachable!("checked by the guard")
                };
                let op = comparison(compare_op)?;
                self.sublink(q, subquery::Kind::Any(left, op))
            }
            E::AllOp {
                left,
                compare_op,
                right,
            } if matches!(right.as_ref(), E::Subquery(_)) => {
                let E::Subquery(q) = right.as_ref() else {
                    unreachable!("checked by the guard")
                };
                let op = comparison(compare_op)?;
                self.sublink(q, subquery::Kind::All(left, op))
            }
            E::CompoundIdentifier(parts)
                if parts.len() == 2
                    && self.scope.as_ref().is_some_and(|t| {
                        ident(&parts[0]) == self.scope_name.as_deref().unwrap_or(&t.name)
                    }) =>
            {
                self.column(&ident(&parts[1]), e)
            }
            E::CompoundIdentifier(parts) => Err(SqlError::UndefinedTable {
                name: parts.first().map(ident).unwrap_or_default(),
                position: self.position(e),
            }),
            other => Err(SqlError::FeatureNotSupported(format!(
                "expression not supported yet: {other}"
            ))),
        }
    }

    fn placeholder(&mut self, v: &ast::Value) -> Result<Expr> {
        let ast::Value::Placeholder(p) = v else {
            return Err(SqlError::FeatureNotSupported(format!(
                "literal not supported yet: {v}"
            )));
        };
        let n: usize = p
            .trim_start_matches('$')
            .parse()
            .map_err(|_| SqlError::Syntax {
                message: format!("syntax error at or near \"{p}\""),
                position: None,
            })?;
        if n == 0 || n > 65535 {
            return Err(SqlError::UndefinedParameter(n));
        }
        if self.params.len() < n {
            self.params.resize(n, None);
        }
        Ok(Expr::Param(
            n - 1,
            self.params[n - 1].unwrap_or(DataType::Unknown),
        ))
    }

    fn binary(
        &mut self,
        left: &ast::Expr,
        op: &ast::BinaryOperator,
        right: &ast::Expr,
    ) -> Result<Expr> {
        use ast::BinaryOperator as B;
        let op = match op {
            B::And => BinOp::And,
            B::Or => BinOp::Or,
            other => {
                let spelling = binary_spelling(other).ok_or_else(|| {
                    SqlError::FeatureNotSupported(format!("operator not supported yet: {other}"))
                })?;
                return self.operator(spelling, left, right);
            }
        };
        let what = if op == BinOp::And { "AND" } else { "OR" };
        let l = self.bool_operand(left, what)?;
        let r = self.bool_operand(right, what)?;
        Ok(Expr::Binary {
            op,
            left: Box::new(l),
            right: Box::new(r),
            ty: DataType::Bool,
        })
    }

    /// `l op r` over bound operands (ANY/ALL comparisons, ...): AND/OR over booleans, every
    /// other operator resolved by `types::ops` as a written operator would be.
    pub(crate) fn binary_bound(
        &mut self,
        op: BinOp,
        l: Expr,
        r: Expr,
        position: Option<u32>,
    ) -> Result<Expr> {
        if matches!(op, BinOp::And | BinOp::Or) {
            let l = coerce(l, DataType::Bool, &mut self.params)?;
            let r = coerce(r, DataType::Bool, &mut self.params)?;
            return Ok(Expr::Binary {
                op,
                left: Box::new(l),
                right: Box::new(r),
                ty: DataType::Bool,
            });
        }
        self.apply_operator(op_symbol(op), l, r, position, None, None)
    }

    /// An operand of AND/OR/NOT: boolean, with PostgreSQL's 42804 otherwise.
    pub(crate) fn bool_operand(&mut self, e: &ast::Expr, what: &str) -> Result<Expr> {
        let at = self.position(e);
        let bound = self.expr(e)?;
        let t = bound.data_type();
        if t != DataType::Bool && t != DataType::Unknown {
            return Err(SqlError::DatatypeMismatch(format!(
                "argument of {what} must be type boolean, not type {}",
                t.sql_name()
            ))
            .at(at));
        }
        self.coerce_at(bound, DataType::Bool, at)
    }

    fn function(&mut self, f: &ast::Function) -> Result<Expr> {
        let name = object_name(&f.name);
        let name = name
            .strip_prefix("pg_catalog.")
            .unwrap_or(&name)
            .to_string();
        if crate::func::agg::is_aggregate(&name) {
            return self.aggregate(f, &name.to_ascii_lowercase());
        }
        let lname = name.to_ascii_lowercase();
        if matches!(lname.as_str(), "coalesce" | "greatest" | "least" | "nullif") {
            if let ast::FunctionArguments::List(list) = &f.args {
                let plain: Option<Vec<&ast::Expr>> = list
                    .args
                    .iter()
                    .map(|a| match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                        _ => None,
                    })
                    .collect();
                if let Some(args) = plain.filter(|a| !a.is_empty()) {
                    return self.conditional_call(&lname, &args);
                }
            }
        }
        let arg_positions: Vec<Option<u32>> = match &f.args {
            ast::FunctionArguments::List(list) => {
                list.args.iter().map(|a| self.position(a)).collect()
            }
            _ => Vec::new(),
        };
        let args: Vec<Expr> = match &f.args {
            ast::FunctionArguments::None => Vec::new(),
            ast::FunctionArguments::List(list) => list
                .args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => self.expr(e),
                    other => Err(SqlError::FeatureNotSupported(format!(
                        "function argument not supported yet: {other}"
                    ))),
                })
                .collect::<Result<_>>()?,
            ast::FunctionArguments::Subquery(q) if name.eq_ignore_ascii_case("array") => {
                return self.sublink(q, subquery::Kind::Array);
            }
            ast::FunctionArguments::Subquery(_) => {
                return Err(SqlError::FeatureNotSupported(
                    "subqueries are not supported yet".into(),
                ))
            }
        };
        if let Some(e) = self.value_function(&lname, &args) {
            return e;
        }
        let text = |s: String| Ok(Expr::Const(Value::Text(s), DataType::Text));
        match (name.as_str(), args.as_slice()) {
            ("version", []) => text(self.ctx.version()),
            ("current_setting", [Expr::Const(Value::Text(setting), _)]) => {
                let key = setting.to_lowercase();
                match self.ctx.setting(&key) {
                    Some(v) => text(v),
                    None => Err(SqlError::UnrecognizedParameter(setting.clone())),
                }
            }
            _ => {
                let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
                let position = self.position(&f.name);
                let sig = crate::func::resolve(&name, &types).map_err(|e| match e {
                    SqlError::UndefinedFunction { signature, .. } => SqlError::UndefinedFunction {
                        signature,
                        position,
                    },
                    SqlError::AmbiguousFunction { signature, .. } => SqlError::AmbiguousFunction {
                        signature,
                        position,
                    },
                    other => other,
                })?;
                let mut cast = Vec::with_capacity(args.len());
                for (i, (a, &t)) in args.into_iter().zip(&sig.params).enumerate() {
                    let at = arg_positions.get(i).copied().flatten();
                    cast.push(self.coerce_at(a, t, at)?);
                }
                Ok(Expr::Call {
                    func: crate::expr::Function(sig),
                    args: cast,
                })
            }
        }
    }
}

/// A comparison operator of `ANY`/`ALL`.
fn comparison(op: &ast::BinaryOperator) -> Result<BinOp> {
    use ast::BinaryOperator as B;
    Ok(match op {
        B::Eq => BinOp::Eq,
        B::NotEq => BinOp::NotEq,
        B::Lt => BinOp::Lt,
        B::LtEq => BinOp::LtEq,
        B::Gt => BinOp::Gt,
        B::GtEq => BinOp::GtEq,
        other => {
            return Err(SqlError::FeatureNotSupported(format!(
                "operator not supported yet: {other}"
            )))
        }
    })
}

fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Concat => "||",
        BinOp::Eq => "=",
        BinOp::NotEq => "<>",
        BinOp::Lt => "<",
        BinOp::LtEq => "<=",
        BinOp::Gt => ">",
        BinOp::GtEq => ">=",
        BinOp::And => "AND",
        BinOp::Or => "OR",
    }
}

/// The `types::ops` spelling of a binary operator.
fn binary_spelling(op: &ast::BinaryOperator) -> Option<&'static str> {
    use ast::BinaryOperator as B;
    Some(match op {
        B::Plus => "+",
        B::Minus => "-",
        B::Multiply => "*",
        B::Divide => "/",
        B::Modulo => "%",
        B::StringConcat => "||",
        B::Eq => "=",
        B::NotEq => "<>",
        B::Lt => "<",
        B::LtEq => "<=",
        B::Gt => ">",
        B::GtEq => ">=",
        B::PGExp => "^",
        B::BitwiseAnd => "&",
        B::BitwiseOr => "|",
        B::PGBitwiseXor => "#",
        B::PGBitwiseShiftLeft => "<<",
        B::PGBitwiseShiftRight => ">>",
        B::PGRegexMatch => "~",
        B::PGRegexIMatch => "~*",
        B::PGRegexNotMatch => "!~",
        B::PGRegexNotIMatch => "!~*",
        B::PGLikeMatch => "~~",
        B::PGILikeMatch => "~~*",
        B::PGNotLikeMatch => "!~~",
        B::PGNotILikeMatch => "!~~*",
        _ => return None,
    })
}

/// The `types::ops` spelling of a prefix operator (NOT is the binder's own).
fn prefix_spelling(op: &ast::UnaryOperator) -> Option<&'static str> {
    use ast::UnaryOperator as U;
    Some(match op {
        U::Plus => "+",
        U::PGAbs => "@",
        U::BitwiseNot => "~",
        U::PGSquareRoot => "|/",
        U::PGCubeRoot => "||/",
        _ => return None,
    })
}

/// The type both operands are converted to, following PostgreSQL's numeric promotion
/// (int2 < int4 < int8 < numeric < float8); an unknown side adopts the other side's type.
pub(crate) fn common_type(a: DataType, b: DataType) -> Option<DataType> {
    use DataType::*;
    let rank = |t: DataType| match t {
        Int2 => Some(0),
        Int4 => Some(1),
        Int8 => Some(2),
        Numeric => Some(3),
        Float4 => Some(4),
        Float8 => Some(5),
        _ => None,
    };
    match (a, b) {
        (Unknown, Unknown) => Some(Text),
        (Unknown, t) | (t, Unknown) => Some(t),
        (x, y) if x == y => Some(x),
        (Text | Varchar, Text | Varchar) => Some(Text),
        (x, y) => match (rank(x), rank(y)) {
            (Some(rx), Some(ry)) => {
                Some(if rx >= ry { x } else { y }).map(|t| if t == Float4 { Float8 } else { t })
            }
            _ => None,
        },
    }
}

/// Converts `e` to `to`: unknown literals and parameters take the type directly.
pub(crate) fn coerce(e: Expr, to: DataType, params: &mut ParamTypes<'_>) -> Result<Expr> {
    match e {
        Expr::Param(i, DataType::Unknown) => {
            params[i] = Some(to);
            Ok(Expr::Param(i, to))
        }
        Expr::Const(Value::Text(s), DataType::Unknown) => Ok(Expr::Const(
            Value::parse_text_ctx(to, &s, params.format())?,
            to,
        )),
        e if e.data_type() == to => Ok(e),
        e => Ok(Expr::Cast(Box::new(e), to)),
    }
}

/// An output column of type unknown (a bare string literal) becomes text, as in PostgreSQL 10+.
fn resolve_unknown(e: Expr, to: DataType) -> Expr {
    match e {
        Expr::Const(v, DataType::Unknown) => Expr::Const(v, to),
        e => e,
    }
}

pub(crate) fn fill_params(e: Expr, types: &[DataType]) -> Expr {
    let fill = |b: Box<Expr>| Box::new(fill_params(*b, types));
    match e {
        Expr::Param(i, DataType::Unknown) => {
            Expr::Param(i, types.get(i).copied().unwrap_or(DataType::Text))
        }
        Expr::Cast(inner, t) => Expr::Cast(fill(inner), t),
        Expr::Neg(inner) => Expr::Neg(fill(inner)),
        Expr::Not(inner) => Expr::Not(fill(inner)),
        Expr::IsNull { expr, negated } => Expr::IsNull {
            expr: fill(expr),
            negated,
        },
        Expr::Binary {
            op,
            left,
            right,
            ty,
        } => Expr::Binary {
            op,
            left: fill(left),
            right: fill(right),
            ty,
        },
        Expr::Call { func, args } => Expr::Call {
            func,
            args: args.into_iter().map(|a| fill_params(a, types)).collect(),
        },
        Expr::SubLink(mut s) => {
            if let crate::plan::SubLinkKind::Any { lhs, .. }
            | crate::plan::SubLinkKind::All { lhs, .. } = &mut s.kind
            {
                let old = std::mem::take(lhs);
                *lhs = old.into_iter().map(|a| fill_params(a, types)).collect();
            }
            Expr::SubLink(s)
        }
        Expr::Node { kind, args, ty } => Expr::Node {
            kind,
            args: args.into_iter().map(|a| fill_params(a, types)).collect(),
            ty,
        },
        other => other,
    }
}

fn literal(v: &ast::Value) -> Option<Expr> {
    Some(match v {
        ast::Value::Number(n, _) => number(n),
        ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
            Expr::Const(Value::Text(s.clone()), DataType::Unknown)
        }
        ast::Value::DollarQuotedString(d) => {
            Expr::Const(Value::Text(d.value.clone()), DataType::Unknown)
        }
        ast::Value::Boolean(b) => Expr::Const(Value::Bool(*b), DataType::Bool),
        ast::Value::Null => Expr::Const(Value::Null, DataType::Unknown),
        _ => return None,
    })
}

/// An integer literal is int4 when it fits, then int8, then numeric; anything with a point or
/// exponent is numeric (PostgreSQL's `make_const`).
fn number(n: &str) -> Expr {
    if let Ok(v) = n.parse::<i32>() {
        return Expr::Const(Value::Int4(v), DataType::Int4);
    }
    if let Ok(v) = n.parse::<i64>() {
        return Expr::Const(Value::Int8(v), DataType::Int8);
    }
    Expr::Const(
        Value::parse_text(DataType::Numeric, n).unwrap_or(Value::Null),
        DataType::Numeric,
    )
}

pub(crate) fn data_type_of(t: &ast::DataType) -> Result<DataType> {
    type_and_typmod(t).map(|(ty, _)| ty)
}

/// A declared type and its typmod (`varchar(10)` → varchar, 14), by PostgreSQL's type names.
pub(crate) fn type_and_typmod(t: &ast::DataType) -> Result<(DataType, i32)> {
    let full = t.to_string();
    let name = full.trim_start_matches("pg_catalog.");
    crate::types::typmod::parse_type_name(name)
}

/// PostgreSQL's `FigureColname`: the column name a select item gets without an alias.
fn column_name(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Function(f) => f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident)
            .unwrap_or_default(),
        ast::Expr::Nested(inner) => column_name(inner),
        ast::Expr::Identifier(i) => ident(i),
        ast::Expr::CompoundIdentifier(parts) => parts.last().map(ident).unwrap_or_default(),
        ast::Expr::Cast {
            expr, data_type, ..
        } => {
            let inner = column_name(expr);
            if inner != "?column?" {
                inner
            } else {
                data_type_of(data_type)
                    .map(|t| t.type_name().to_string())
                    .unwrap_or(inner)
            }
        }
        ast::Expr::Value(v) if matches!(v.value, ast::Value::Boolean(_)) => "bool".into(),
        ast::Expr::Exists { .. } => "exists".into(),
        ast::Expr::Subquery(q) => subquery::first_column_name(q),
        // `date '...'` is a cast of a literal: the column is named after the type.
        ast::Expr::TypedString(ts) => data_type_of(&ts.data_type)
            .map(|t| t.type_name().to_string())
            .unwrap_or_else(|_| "?column?".into()),
        ast::Expr::Interval(_) => "interval".into(),
        ast::Expr::Case { .. } => "case".into(),
        ast::Expr::Extract { .. } => "extract".into(),
        ast::Expr::Substring { .. } => "substring".into(),
        ast::Expr::Position { .. } => "position".into(),
        ast::Expr::Overlay { .. } => "overlay".into(),
        ast::Expr::Trim { trim_where, .. } => match trim_where {
            Some(ast::TrimWhereField::Leading) => "ltrim".into(),
            Some(ast::TrimWhereField::Trailing) => "rtrim".into(),
            _ => "btrim".into(),
        },
        ast::Expr::Ceil { .. } => "ceil".into(),
        ast::Expr::Floor { .. } => "floor".into(),
        ast::Expr::AtTimeZone { .. } => "timezone".into(),
        _ => "?column?".into(),
    }
}

#[cfg(test)]
mod tests;
