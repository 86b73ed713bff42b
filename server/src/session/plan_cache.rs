//! The simple-protocol plan cache: statements that differ only in their constants share one parsed
//! and bound statement, so a client that never prepares (pgbench `-M simple`, most ORMs' literal
//! SQL) does not pay for parsing and binding on every statement.
//!
//! A simple Query holding one statement is lifted ([`pglitedb_sql::lift`]): its numbers and plain
//! strings become `$1..$n`. The lifted text is the key. The second time a key misses, the lifted
//! text is parsed and bound with parameters of unknown type; the entry is kept only if every
//! parameter took the type its literal would have had in place (a number's own type, int4/int8/
//! numeric; a string's is unknown, so any), which is what makes running the cached statement with
//! the literals as parameters mean the same as running the original text. A hit re-checks that each
//! of this statement's literals still has its parameter's type and parses into it; if not, the
//! statement runs the ordinary way.
//!
//! Invariants: an entry was bound against the core's current catalog replica (the replica is
//! copy-on-write, so a different `Rc` means DDL happened and the whole cache is dropped), and under
//! the session's current settings (any statement but the cacheable ones, SHOW and EXPLAIN — so SET,
//! RESET, DDL, ... — drops the cache). Only queries, INSERT/UPDATE/DELETE and transaction begin/end are cached.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use pglitedb_sql::{bind, lift, parse, DataType, Lifted, QueryPlan, Statement, Value};

use super::exec::shared_plan;
use super::extended::statement_param_types;
use super::Session;
use crate::worker::CatalogReplica;

/// `SHOW pglitedb.plan_cache_hits`: how many statements this session ran from the cache (read-only;
/// a dotted name, like an extension's setting, so it cannot clash with PostgreSQL's).
pub const PLAN_CACHE_HITS: &str = "pglitedb.plan_cache_hits";

/// Entries kept per session; past it the cache starts over (workloads repeat a few shapes).
const MAX_ENTRIES: usize = 256;
/// Distinct keys remembered as "seen once" before that list starts over.
const MAX_SEEN: usize = 1024;

/// One cached statement.
pub struct Entry {
    stmt: Statement,
    plan: Option<Arc<QueryPlan>>,
    param_types: Vec<DataType>,
}

impl Entry {
    /// The bound statement.
    pub fn statement(&self) -> &Statement {
        &self.stmt
    }
}

/// A session's cache (see the module docs).
#[derive(Default)]
pub struct PlanCache {
    catalog: Option<Rc<CatalogReplica>>,
    entries: HashMap<String, Rc<Entry>>,
    seen: HashMap<String, ()>,
    hits: u64,
}

impl PlanCache {
    /// Statements run from the cache so far.
    pub fn hits(&self) -> u64 {
        self.hits
    }

    /// Forgets everything (settings or the catalog may have changed).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.seen.clear();
    }

    /// Drops the cache if the catalog replica changed since the entries were bound.
    fn check_catalog(&mut self, current: &Rc<CatalogReplica>) {
        if !self
            .catalog
            .as_ref()
            .is_some_and(|c| Rc::ptr_eq(c, current))
        {
            self.clear();
            self.catalog = Some(current.clone());
        }
    }
}

/// Whether running `stmt` leaves cached bindings valid: cacheable statements and ones that only
/// read (SHOW, EXPLAIN) do; anything else (SET, RESET, DDL, ...) may change what binding sees.
pub fn keeps_cache(stmt: &Statement) -> bool {
    cacheable(stmt) || matches!(stmt, Statement::Show(_) | Statement::Explain { .. })
}

/// Whether statements of this kind may be cached.
pub fn cacheable(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::Query(_)
            | Statement::Insert { .. }
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Begin(_)
            | Statement::StartTransaction(_)
            | Statement::Commit
            | Statement::Rollback
    )
}

impl Session {
    /// A cached statement for `sql` and its literals as parameter values, if there is one that fits.
    pub(super) fn cached_statement(&mut self, lifted: &Lifted) -> Option<(Rc<Entry>, Vec<Value>)> {
        if self.has_pending_ddl() {
            // Bindings against the transaction's own catalog changes are private (`ddl.rs`).
            return None;
        }
        let current = self.worker.catalog();
        self.plan_cache.check_catalog(&current);
        let entry = self.plan_cache.entries.get(&lifted.key)?.clone();
        // Literals are read as the binder would have read them: under the session's settings and
        // with `now` of the current transaction ('now', 'today', 'tomorrow', ...).
        let mut ctx = (*self.format_ctx()).clone();
        ctx.now = self.ctx().now;
        let mut values = Vec::with_capacity(lifted.literals.len());
        for (lit, &ty) in lifted.literals.iter().zip(&entry.param_types) {
            if lit.natural_type().is_some_and(|t| t != ty) {
                return None;
            }
            values.push(Value::parse_text_ctx(ty, &lit.text, &ctx).ok()?);
        }
        self.plan_cache.hits += 1;
        Some((entry, values))
    }

    /// Runs a cached statement as the simple protocol would have run its text.
    pub(super) async fn run_cached(
        &mut self,
        entry: &Entry,
        values: &[Value],
    ) -> Result<usize, pglitedb_protocol::ErrorFields> {
        self.run_statement(&entry.stmt, entry.plan.clone(), values, &[], true)
            .await
    }

    /// After `stmt` ran uncached from `lifted`'s text: the second time a key is seen, binds the
    /// lifted text and keeps it if its parameters took their literals' types.
    pub(super) fn remember(&mut self, lifted: Lifted, stmt: &Statement) {
        if !cacheable(stmt) || self.has_pending_ddl() {
            return;
        }
        let current = self.worker.catalog();
        self.plan_cache.check_catalog(&current);
        if self.plan_cache.seen.remove(&lifted.key).is_none() {
            if self.plan_cache.seen.len() >= MAX_SEEN {
                self.plan_cache.seen.clear();
            }
            self.plan_cache.seen.insert(lifted.key, ());
            return;
        }
        let Some(entry) = self.bind_lifted(&lifted) else {
            return;
        };
        if self.plan_cache.entries.len() >= MAX_ENTRIES {
            self.plan_cache.entries.clear();
        }
        self.plan_cache.entries.insert(lifted.key, Rc::new(entry));
    }

    fn bind_lifted(&self, lifted: &Lifted) -> Option<Entry> {
        let mut parsed = parse(&lifted.key).ok()?;
        if parsed.len() != 1 {
            return None;
        }
        let parsed = parsed.pop()?;
        let unknown = vec![None; lifted.literals.len()];
        let stmt = bind(&parsed, &unknown, &self.ctx()).ok()?;
        if !cacheable(&stmt) {
            return None;
        }
        let param_types = if lifted.literals.is_empty() {
            Vec::new()
        } else {
            statement_param_types(&stmt)?
        };
        if param_types.len() != lifted.literals.len() {
            return None;
        }
        for (lit, &ty) in lifted.literals.iter().zip(&param_types) {
            if lit.natural_type().is_some_and(|t| t != ty) {
                return None;
            }
        }
        Some(Entry {
            plan: shared_plan(&stmt),
            stmt,
            param_types,
        })
    }
}

/// Lifts `sql` if it is a candidate for the cache.
pub fn candidate(sql: &str) -> Option<Lifted> {
    lift(sql)
}
