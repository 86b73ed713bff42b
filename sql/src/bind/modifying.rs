//! Data-modifying statements in WITH (PostgreSQL's section 7.8.4):
//! `WITH t AS (INSERT|UPDATE|DELETE ... [RETURNING ...]) primary statement`.
//!
//! # Binding
//! Such a CTE is allowed only in the statement's own leading WITH (bind() records where those
//! CTEs are, by their names' positions in the text, because INSERT/UPDATE/DELETE move that WITH
//! onto the query they bind). Elsewhere it is 0A000, `WITH clause containing a data-modifying
//! statement must be at the top level`. Unlike a SELECT CTE, which is inlined where it is
//! referenced (`setop.rs`), a data-modifying CTE is bound once, as a statement of its own, when
//! its WITH list is bound: its references bind to [`Rel::Cte`] placeholders with its RETURNING
//! columns (none: `WITH query "t" does not have a RETURNING clause`). A write that reads another
//! data-modifying CTE binds that one first, so the binding order is an order to run them in
//! (under WITH RECURSIVE a write may name a later CTE of its list; naming itself is 42P19).
//!
//! # Running ([`WithWrites`], `server/src/session/modifying.rs`)
//! All in the statement's one transaction and snapshot: first every base-table read of every
//! part (the writes' and the primary statement's query plans) is done and frozen into the plans
//! as [`Rel::Rows`]; then each write runs to completion, in order, and its RETURNING rows replace
//! its placeholder in the later parts ([`WithWrites::fill`]); then the primary statement runs.
//! So the primary query does not see the CTEs' changes in the tables, only their RETURNING rows,
//! and every write runs exactly once whether or not anything reads it (PostgreSQL's semantics).
//!
//! Left out, and different from PostgreSQL, when several parts write one table (rare):
//! - a CTE's UPDATE or DELETE finds its target rows when it runs, so it sees the changes of the
//!   writes that ran before it (PostgreSQL's all work on the statement's snapshot);
//! - a primary UPDATE/DELETE reads its targets at the snapshot (its join query is frozen with
//!   the other reads), so a row a CTE already changed fails it with 40001, as a concurrent
//!   change does (`server/src/session/joined.rs`), where PostgreSQL skips the row.
//!
//! Fixing both needs reads that ignore the statement's own earlier writes on the shards (a
//! statement mark in the write set, like a savepoint's).

use std::sync::Arc;

use sqlparser::ast;

use super::{ident, Binder, Statement};
use crate::error::{Result, SqlError};
use crate::plan::{visit, QueryPlan, Rel};
use crate::types::{DataType, Value};

type Rows = Vec<Vec<Value>>;

/// A statement with data-modifying CTEs.
#[derive(Debug, Clone, PartialEq)]
pub struct WithWrites {
    /// The writes in the order they run (each after the writes it reads).
    pub writes: Vec<CteWrite>,
    /// The primary statement.
    pub main: Statement,
    /// The parameters' types across all parts.
    pub param_types: Vec<DataType>,
}

/// One data-modifying CTE.
#[derive(Debug, Clone, PartialEq)]
pub struct CteWrite {
    /// What its [`Rel::Cte`] placeholders name.
    pub id: usize,
    pub name: String,
    /// The write: `Statement::Returning` around it when it has RETURNING.
    pub stmt: Statement,
}

impl WithWrites {
    /// Write `i` ran and gave `rows` (its RETURNING rows): they replace its placeholders in
    /// the writes after it and in the primary statement.
    pub fn fill(&mut self, i: usize, rows: Rows) {
        let id = self.writes[i].id;
        let rows = Arc::new(rows);
        let mut replace = |r: &mut Rel| {
            if *r == Rel::Cte(id) {
                *r = Rel::Rows(rows.clone());
            }
        };
        for w in &mut self.writes[i + 1..] {
            w.stmt.rels_mut(&mut replace);
        }
        self.main.rels_mut(&mut replace);
    }
}

impl Statement {
    /// The query plans this statement runs with gathered base-table reads: a query's, INSERT
    /// ... SELECT's source, a joined UPDATE/DELETE's row source.
    pub fn top_plans_mut(&mut self) -> Vec<&mut QueryPlan> {
        match self {
            Statement::Query(q) => vec![q],
            Statement::InsertSelect { query, .. } => vec![query.as_mut()],
            Statement::Update(p) | Statement::Delete(p) => match &mut Arc::make_mut(p).source {
                Some(s) => vec![&mut Arc::make_mut(s).query],
                None => Vec::new(),
            },
            Statement::Returning { inner, .. } => inner.top_plans_mut(),
            _ => Vec::new(),
        }
    }

    /// Calls `f` on every row source of the statement's plans and expressions.
    pub(crate) fn rels_mut(&mut self, f: &mut dyn FnMut(&mut Rel)) {
        match self {
            Statement::Query(q) => visit::rels_mut(q, f),
            Statement::Insert { rows, .. } => rows
                .iter_mut()
                .flatten()
                .for_each(|e| visit::expr_rels_mut(e, f)),
            Statement::InsertSelect { query, row, .. } => {
                visit::rels_mut(query, f);
                row.iter_mut().for_each(|e| visit::expr_rels_mut(e, f));
            }
            Statement::Update(p) | Statement::Delete(p) => {
                let p = Arc::make_mut(p);
                let exprs = p.filter.iter_mut().chain(p.key.iter_mut().flatten());
                exprs.for_each(|e| visit::expr_rels_mut(e, f));
                for (_, e) in &mut p.assignments {
                    visit::expr_rels_mut(e, f);
                }
                if let Some(s) = &mut p.source {
                    let s = Arc::make_mut(s);
                    visit::rels_mut(&mut s.query, f);
                    for (_, e) in &mut s.assignments {
                        visit::expr_rels_mut(e, f);
                    }
                }
            }
            Statement::Returning { inner, exprs, .. } => {
                inner.rels_mut(f);
                exprs.iter_mut().for_each(|e| visit::expr_rels_mut(e, f));
            }
            _ => {}
        }
    }
}

impl QueryPlan {
    /// The base-table reads are done: `inputs[i]` are the rows of `scans[i]`, which the plan now
    /// holds itself (it reads no table any more).
    pub fn freeze_scans(&mut self, inputs: Vec<Rows>) {
        let inputs: Vec<Arc<Rows>> = inputs.into_iter().map(Arc::new).collect();
        visit::rels_mut(self, &mut |r| {
            if let Rel::Scan(i) = r {
                if let Some(rows) = inputs.get(*i) {
                    *r = Rel::Rows(rows.clone());
                }
            }
        });
        self.scans.clear();
    }

    /// A plan whose result is `rows` (a query already run), with this plan's columns and
    /// parameter types.
    pub fn over_rows(&self, rows: Rows) -> QueryPlan {
        super::setop::passthrough(
            Rel::Rows(Arc::new(rows)),
            self.columns.clone(),
            self.param_types.clone(),
        )
    }

    /// Whether the plan reads a data-modifying CTE's rows not filled in yet.
    pub fn reads_cte(&self) -> bool {
        let mut found = false;
        let mut copy = self.clone();
        visit::rels_mut(&mut copy, &mut |r| found |= matches!(r, Rel::Cte(_)));
        found
    }
}

/// Whether a CTE's query is INSERT, UPDATE or DELETE.
pub(super) fn is_write(q: &ast::Query) -> bool {
    matches!(
        q.body.as_ref(),
        ast::SetExpr::Insert(_) | ast::SetExpr::Update(_) | ast::SetExpr::Delete(_)
    )
}

/// `what` (a view's query, a cursor's) must not have data-modifying CTEs in its own WITH:
/// PostgreSQL's 0A000 (those in nested WITHs are refused as not at the top level).
pub(super) fn refuse_writes(q: &ast::Query, what: &str) -> Result<()> {
    let with = q.with.iter().flat_map(|w| &w.cte_tables);
    if with.into_iter().any(|c| is_write(&c.query)) {
        return Err(SqlError::FeatureNotSupported(format!(
            "{what} must not contain data-modifying statements in WITH"
        )));
    }
    Ok(())
}

/// Where a data-modifying CTE of the statement's leading WITH is (its name's position), and
/// what binding it has reached.
#[derive(Debug)]
pub(crate) struct Slot {
    at: sqlparser::tokenizer::Span,
    name: String,
    query: ast::Query,
    /// Alias columns (`WITH t(a, b) AS ...`).
    columns: Vec<String>,
    state: State,
    /// How many of `Binder::ctes` it sees: those before it, or under WITH RECURSIVE its whole
    /// list (itself included: naming it is the recursion error).
    visible: usize,
    recursive: bool,
}

#[derive(Debug)]
enum State {
    /// Allowed (in the leading WITH) but its list is not bound yet.
    Allowed,
    Pending,
    Binding,
    /// Its id (= its index in the run order); its RETURNING columns (`None`: no RETURNING).
    Bound(usize, Option<Vec<(String, DataType)>>),
}

impl Binder<'_> {
    /// Binds a statement with a leading WITH (`bind_main` binds it), wrapping it as
    /// [`Statement::WithWrites`] when that WITH holds data-modifying CTEs.
    pub(super) fn with_writes(
        &mut self,
        q: &ast::Query,
        bind_main: impl FnOnce(&mut Self) -> Result<Statement>,
    ) -> Result<Statement> {
        let Some(with) = q.with.as_ref() else {
            return bind_main(self);
        };
        for cte in with.cte_tables.iter().filter(|c| is_write(&c.query)) {
            self.cte_writes.push(Slot {
                at: cte.alias.name.span,
                name: ident(&cte.alias.name),
                query: (*cte.query).clone(),
                columns: cte.alias.columns.iter().map(|c| ident(&c.name)).collect(),
                state: State::Allowed,
                visible: 0,
                recursive: with.recursive,
            });
        }
        if self.cte_writes.is_empty() {
            return bind_main(self);
        }
        let main = bind_main(self)?;
        if let Some(s) = (self.cte_writes.iter()).find(|s| !matches!(s.state, State::Bound(..))) {
            return Err(SqlError::Internal(format!(
                "data-modifying WITH query \"{}\" was not bound (bug)",
                s.name
            )));
        }
        self.cte_writes.clear();
        Ok(Statement::WithWrites(Box::new(WithWrites {
            writes: std::mem::take(&mut self.done_writes),
            main,
            param_types: self.param_types()?,
        })))
    }

    /// For a CTE of a WITH list being bound (`ctes[index]` it will be): the slot of a
    /// data-modifying one, or the error for one not at the top level. `list_end`: how many
    /// `ctes` there are once the whole list is pushed.
    pub(super) fn write_slot(
        &mut self,
        cte: &ast::Cte,
        index: usize,
        list_end: usize,
    ) -> Result<Option<usize>> {
        if !is_write(&cte.query) {
            return Ok(None);
        }
        let at = cte.alias.name.span;
        let found = self.cte_writes.iter().position(|s| s.at == at);
        let Some(i) = found else {
            return Err(SqlError::FeatureNotSupported(
                "WITH clause containing a data-modifying statement must be at the top level".into(),
            )
            .at(self.span_position(at)));
        };
        let slot = &mut self.cte_writes[i];
        if matches!(slot.state, State::Allowed) {
            slot.state = State::Pending;
            slot.visible = if slot.recursive { list_end } else { index };
        }
        Ok(Some(i))
    }

    /// Binds the data-modifying CTEs among `slots` still pending, in list order.
    pub(super) fn bind_writes(&mut self, slots: &[usize]) -> Result<()> {
        for &i in slots {
            self.bind_write(i)?;
        }
        Ok(())
    }

    /// A reference to a data-modifying CTE (`name` as written): its placeholder and columns.
    pub(super) fn write_ref(
        &mut self,
        slot: usize,
        name: &ast::ObjectName,
    ) -> Result<(Rel, Vec<(String, DataType)>)> {
        self.bind_write(slot)?;
        let s = &self.cte_writes[slot];
        match &s.state {
            State::Bound(i, Some(cols)) => Ok((Rel::Cte(*i), cols.clone())),
            _ => Err(SqlError::FeatureNotSupported(format!(
                "WITH query \"{}\" does not have a RETURNING clause",
                s.name
            ))
            .at(self.position(name))),
        }
    }

    fn bind_write(&mut self, slot: usize) -> Result<()> {
        let s = &mut self.cte_writes[slot];
        match s.state {
            State::Bound(..) => return Ok(()),
            State::Binding => {
                return Err(self.recursion_error(slot));
            }
            State::Allowed | State::Pending => {}
        }
        if s.recursive && mentions_itself(&s.query, &s.name) {
            return Err(self.recursion_error(slot));
        }
        s.state = State::Binding;
        let (query, visible) = (s.query.clone(), s.visible);
        let later = self.ctes.split_off(visible.min(self.ctes.len()));
        let bound = self.isolated(|b| b.write_statement(&query));
        let mut later = later;
        self.ctes.append(&mut later);
        let stmt = bound?;
        let columns = match &stmt {
            Statement::Returning { columns, .. } => Some(self.cte_columns(slot, columns)?),
            _ => None,
        };
        let id = self.done_writes.len();
        let name = self.cte_writes[slot].name.clone();
        self.done_writes.push(CteWrite { id, name, stmt });
        self.cte_writes[slot].state = State::Bound(id, columns);
        Ok(())
    }

    /// `recursive query "t" must not contain data-modifying statements`, at the CTE's name.
    fn recursion_error(&self, slot: usize) -> SqlError {
        let s = &self.cte_writes[slot];
        let position = self.span_position(s.at);
        SqlError::InvalidRecursion {
            message: format!(
                "recursive query \"{}\" must not contain data-modifying statements",
                s.name
            ),
            position,
        }
    }

    /// 1-based character position of a span's start in the query string.
    fn span_position(&self, span: sqlparser::tokenizer::Span) -> Option<u32> {
        let start = span.start;
        crate::parse::char_offset(self.source, start.line, start.column).map(|o| o as u32 + 1)
    }

    /// The RETURNING columns under the CTE's alias columns.
    fn cte_columns(
        &self,
        slot: usize,
        columns: &[(String, DataType)],
    ) -> Result<Vec<(String, DataType)>> {
        let s = &self.cte_writes[slot];
        if s.columns.len() > columns.len() {
            return Err(SqlError::InvalidColumnReference {
                message: format!(
                    "WITH query \"{}\" has {} columns available but {} columns specified",
                    s.name,
                    columns.len(),
                    s.columns.len()
                ),
                position: self.span_position(s.at),
            });
        }
        let mut out = columns.to_vec();
        for (c, n) in out.iter_mut().zip(&s.columns) {
            c.0 = n.clone();
        }
        Ok(out)
    }

    /// An INSERT/UPDATE/DELETE query (with its own WITH, if any) bound as a statement.
    pub(super) fn write_statement(&mut self, q: &ast::Query) -> Result<Statement> {
        use ast::Statement as S;
        match (q.body.as_ref(), &q.with) {
            (ast::SetExpr::Update(S::Update(u)), with) => self.update(u, with.as_ref()),
            (ast::SetExpr::Delete(S::Delete(d)), with) => self.delete(d, with.as_ref()),
            (ast::SetExpr::Insert(S::Insert(i)), Some(with)) => self.insert_with(i, with),
            (ast::SetExpr::Insert(S::Insert(i)), None) => self.insert(i),
            _ => Err(SqlError::FeatureNotSupported(
                "this kind of query is not supported yet".into(),
            )),
        }
    }

    /// Runs `f` as if it bound a statement of its own: no enclosing scopes, scans or
    /// aggregates (the CTEs visible and the parameters are shared).
    fn isolated<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = (
            self.scope.take(),
            self.scope_name.take(),
            std::mem::take(&mut self.aggs),
            std::mem::take(&mut self.windows),
            self.from.take(),
            std::mem::take(&mut self.outer),
            std::mem::replace(&mut self.min_level, usize::MAX),
            std::mem::take(&mut self.scans),
            std::mem::take(&mut self.nest),
            std::mem::take(&mut self.keep_unknown),
            std::mem::take(&mut self.in_query),
            std::mem::take(&mut self.work_refs),
            std::mem::take(&mut self.outer_agg_inside),
        );
        let out = f(self);
        (
            self.scope,
            self.scope_name,
            self.aggs,
            self.windows,
            self.from,
            self.outer,
            self.min_level,
            self.scans,
            self.nest,
            self.keep_unknown,
            self.in_query,
            self.work_refs,
            self.outer_agg_inside,
        ) = saved;
        out
    }
}

/// Whether a query names `name` as a relation anywhere (its nested WITHs included, referenced
/// or not), as PostgreSQL's check for recursive CTEs does. Approximate: a name right after FROM
/// or JOIN in the query's text.
fn mentions_itself(q: &ast::Query, name: &str) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let text = q.to_string();
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, &text).tokenize() else {
        return false;
    };
    let words = tokens.iter().filter_map(|t| match t {
        Token::Word(w) => Some(w),
        _ => None,
    });
    let mut after_from = false;
    for w in words {
        let folded = if w.quote_style.is_some() {
            w.value.clone()
        } else {
            w.value.to_lowercase()
        };
        if after_from && folded == name {
            return true;
        }
        after_from = w.quote_style.is_none()
            && (w.value.eq_ignore_ascii_case("from") || w.value.eq_ignore_ascii_case("join"));
    }
    false
}
