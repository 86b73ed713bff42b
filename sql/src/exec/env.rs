//! The execution environment of one statement's router-side run: the gathered base-table rows,
//! the enclosing levels' current rows (for `Expr::Outer`), cached uncorrelated subquery results
//! and recursive CTEs' working tables.
//!
//! It lives in a thread-local because expressions evaluate through `Expr::eval_row(row, params)`
//! everywhere (filters, aggregates, sort keys); threading a context through every caller would
//! touch all of them for what only subqueries need.
//!
//! # Invariants
//! - A run is synchronous: [`with_inputs`] installs a fresh environment, runs the plan to the end
//!   without awaiting, and restores the previous one, so nothing leaks between statements or
//!   sessions on the same core. Shards never read it (their plans hold no subqueries).
//! - [`with_outer`] pushes exactly at the boundaries the binder counts as a level (a subquery
//!   expression, a LATERAL item): `Expr::Outer { depth: d }` reads the `d`th row from the top.
//! - No `RefCell` borrow is held while a plan runs (runs nest).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::error::{Result, SqlError};
use crate::types::Value;

type Rows = Vec<Vec<Value>>;

#[derive(Default)]
struct Env {
    inputs: Rc<Vec<Rows>>,
    outer: Vec<Rc<Vec<Value>>>,
    cache: BTreeMap<usize, Rc<Rows>>,
    work: BTreeMap<usize, Rc<Rows>>,
    indexes: BTreeMap<usize, Rc<Index>>,
    memo: BTreeMap<(usize, crate::exec::GroupKey), Rc<Rows>>,
}

/// Rows indexed by a key (see `LocalRows::probe`, `SubLink` IN lists).
pub(crate) type Index = BTreeMap<crate::exec::GroupKey, Vec<Vec<Value>>>;

thread_local! {
    static ENV: RefCell<Env> = RefCell::new(Env::default());
}

/// Runs `f` in a fresh environment whose `Rel::Scan(i)` rows are `inputs[i]`.
pub(crate) fn with_inputs<T>(inputs: Vec<Rows>, f: impl FnOnce() -> T) -> T {
    let fresh = Env {
        inputs: Rc::new(inputs),
        ..Env::default()
    };
    let saved = ENV.with(|e| std::mem::replace(&mut *e.borrow_mut(), fresh));
    let out = f();
    ENV.with(|e| *e.borrow_mut() = saved);
    out
}

/// The rows of scan `i`.
pub(crate) fn input(i: usize) -> Result<Rows> {
    let inputs = ENV.with(|e| e.borrow().inputs.clone());
    inputs
        .get(i)
        .cloned()
        .ok_or_else(|| SqlError::Internal(format!("scan {i} was not gathered")))
}

/// Column `column` of the row `depth` levels out.
pub(crate) fn outer(depth: usize, column: usize) -> Result<Value> {
    ENV.with(|e| {
        let e = e.borrow();
        e.outer
            .len()
            .checked_sub(depth)
            .and_then(|i| e.outer.get(i))
            .and_then(|r| r.get(column))
            .cloned()
            .ok_or_else(|| SqlError::Internal(format!("outer column {depth}.{column} not set")))
    })
}

/// Runs `f` with `row` as the nearest enclosing level's row.
pub(crate) fn with_outer<T>(row: Vec<Value>, f: impl FnOnce() -> T) -> T {
    ENV.with(|e| e.borrow_mut().outer.push(Rc::new(row)));
    let out = f();
    ENV.with(|e| e.borrow_mut().outer.pop());
    out
}

/// The cached rows of the uncorrelated subquery `id`, if it already ran.
pub(crate) fn cached(id: usize) -> Option<Rc<Rows>> {
    ENV.with(|e| e.borrow().cache.get(&id).cloned())
}

pub(crate) fn store(id: usize, rows: Rc<Rows>) {
    ENV.with(|e| e.borrow_mut().cache.insert(id, rows));
}

/// The index cached under `key` (built by `build` the first time in this run).
pub(crate) fn index(key: usize, build: impl FnOnce() -> Result<Index>) -> Result<Rc<Index>> {
    if let Some(i) = ENV.with(|e| e.borrow().indexes.get(&key).cloned()) {
        return Ok(i);
    }
    let built = Rc::new(build()?);
    ENV.with(|e| e.borrow_mut().indexes.insert(key, built.clone()));
    Ok(built)
}

/// The rows correlated subquery `id` gave for these enclosing values, if it ran with them.
pub(crate) fn memo(id: usize, key: &crate::exec::GroupKey) -> Option<Rc<Rows>> {
    ENV.with(|e| e.borrow().memo.get(&(id, key.clone())).cloned())
}

pub(crate) fn store_memo(id: usize, key: crate::exec::GroupKey, rows: Rc<Rows>) {
    ENV.with(|e| e.borrow_mut().memo.insert((id, key), rows));
}

/// Runs `f` with `rows` as the working table of recursive CTE `id`.
pub(crate) fn with_work<T>(id: usize, rows: Rc<Rows>, f: impl FnOnce() -> T) -> T {
    let saved = ENV.with(|e| e.borrow_mut().work.insert(id, rows));
    let out = f();
    ENV.with(|e| {
        let mut e = e.borrow_mut();
        match saved {
            Some(r) => e.work.insert(id, r),
            None => e.work.remove(&id),
        }
    });
    out
}

/// The working table of recursive CTE `id`.
pub(crate) fn work(id: usize) -> Result<Rows> {
    ENV.with(|e| e.borrow().work.get(&id).map(|r| r.as_ref().clone()))
        .ok_or_else(|| SqlError::Internal(format!("working table {id} not set")))
}
