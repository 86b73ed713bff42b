//! CHECK constraints: binding their expressions over a table's columns, naming them as PostgreSQL
//! does, and re-binding the stored text when a definition is read back or its columns change.
//!
//! A constraint is stored as SQL text ([`CheckConstraint::source`], sqlparser's rendering of the
//! expression) and kept bound ([`CheckConstraint::expr`], columns by position). Whenever the
//! table's columns change (ALTER TABLE) or the definition is decoded, the text is bound again
//! against the current columns, so positions never go stale. Constraints are kept sorted by name:
//! PostgreSQL checks them in that order, which decides which one a row that breaks several reports.

use std::sync::Arc;

use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::{select, Binder, ParamTypes, SessionContext};
use crate::catalog::{CheckConstraint, TableDef};
use crate::error::{Result, SqlError};
use crate::expr::Expr;

/// A CHECK clause of CREATE TABLE / ALTER TABLE ADD CONSTRAINT, before binding.
pub(super) struct PendingCheck<'a> {
    pub name: Option<String>,
    pub expr: &'a ast::Expr,
}

/// Binds `pending` over `table`'s columns, names the unnamed ones, and returns `table`'s checks
/// with the new ones added, sorted by name. `taken` holds other names the new ones must avoid (the
/// primary key's index, ...). `creating`: CREATE TABLE, whose duplicate-name message differs.
pub(super) fn add_checks(
    b: &mut Binder<'_>,
    table: &TableDef,
    pending: &[PendingCheck<'_>],
    taken: &[String],
    creating: bool,
) -> Result<Vec<CheckConstraint>> {
    let mut checks = table.checks.clone();
    let saved = b.scope.replace(Arc::new(table.clone()));
    let result = (|| {
        for p in pending {
            let expr = b.bool_operand(p.expr, "CHECK")?;
            // The stored text is bound again without a session when the definition is read
            // back (`bind_check_source`), where no user-defined function can be found.
            if super::function::calls_user_function(&expr) {
                return Err(SqlError::FeatureNotSupported(
                    "user-defined functions in CHECK constraints are not supported yet".into(),
                ));
            }
            let name = match &p.name {
                Some(n) => {
                    if checks.iter().any(|c| &c.name == n) || taken.contains(n) {
                        return Err(SqlError::DuplicateObject(if creating {
                            format!("check constraint \"{n}\" already exists")
                        } else {
                            format!(
                                "constraint \"{n}\" for relation \"{}\" already exists",
                                table.name
                            )
                        }));
                    }
                    n.clone()
                }
                None => {
                    let mut cols = Vec::new();
                    columns_of(&expr, &mut cols);
                    cols.sort_unstable();
                    cols.dedup();
                    let col = match cols.as_slice() {
                        [one] => Some(table.columns[*one].name.as_str()),
                        _ => None,
                    };
                    let used = |n: &str| {
                        checks.iter().any(|c| c.name == n) || taken.iter().any(|t| t == n)
                    };
                    choose_name(&table.name, col, "check", used)
                }
            };
            checks.push(CheckConstraint {
                name,
                source: p.expr.to_string(),
                expr,
            });
        }
        Ok(())
    })();
    b.scope = saved;
    result?;
    checks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(checks)
}

/// Binds a stored constraint's text over `table`'s columns.
pub fn bind_check_source(table: &TableDef, source: &str) -> Result<Expr> {
    let ast = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(source)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| SqlError::Internal(format!("stored CHECK expression does not parse: {e}")))?;
    let ctx = NoSession;
    let mut b = Binder {
        params: ParamTypes {
            types: Vec::new(),
            session: &ctx,
            format: std::cell::OnceCell::new(),
        },
        ctx: &ctx,
        source,
        scope: Some(Arc::new(table.clone())),
        scope_name: None,
        aggs: select::AggScope::default(),
        windows: Default::default(),
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
        weak_locks: &[],
        view_schema: None,
        function_depth: 0,
        cte_writes: Vec::new(),
        done_writes: Vec::new(),
        search_cycle: Default::default(),
    };
    b.bool_operand(&ast, "CHECK")
}

/// Re-binds every check of `table` against its (changed) columns; `renamed` maps an old column
/// name to its new one in the stored text first. A check that no longer binds (its column was
/// dropped) is removed, as PostgreSQL drops constraints that depend on a dropped column.
pub(super) fn rebind_checks(table: &mut TableDef, renamed: Option<(&str, &str)>) {
    let checks = std::mem::take(&mut table.checks);
    let mut kept = Vec::with_capacity(checks.len());
    for mut c in checks {
        if let Some((old, new)) = renamed {
            if let Some(text) = rename_column(&c.source, old, new) {
                c.source = text;
            }
        }
        if let Ok(expr) = bind_check_source(table, &c.source) {
            c.expr = expr;
            kept.push(c);
        }
    }
    table.checks = kept;
}

/// The constraint text with column `old` renamed to `new`: identifiers are compared as PostgreSQL
/// folds them, and a word followed by `(` (a function name) is left alone.
fn rename_column(source: &str, old: &str, new: &str) -> Option<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let mut tokens = Tokenizer::new(&PostgreSqlDialect {}, source)
        .tokenize()
        .ok()?;
    for i in 0..tokens.len() {
        let is_call = tokens[i + 1..]
            .iter()
            .find(|t| !matches!(t, Token::Whitespace(_)))
            .is_some_and(|t| *t == Token::LParen);
        if let Token::Word(w) = &mut tokens[i] {
            let folded = if w.quote_style.is_some() {
                w.value.clone()
            } else {
                w.value.to_lowercase()
            };
            if folded == old && !is_call {
                w.value = new.to_string();
                w.quote_style = Some('"');
            }
        }
    }
    Some(tokens.iter().map(ToString::to_string).collect())
}

/// Positions of the columns an expression reads.
fn columns_of(e: &Expr, out: &mut Vec<usize>) {
    match e {
        Expr::Column(i, _) => out.push(*i),
        Expr::Cast(x, _) | Expr::Neg(x) | Expr::Not(x) => columns_of(x, out),
        Expr::IsNull { expr, .. } => columns_of(expr, out),
        Expr::Binary { left, right, .. } => {
            columns_of(left, out);
            columns_of(right, out);
        }
        Expr::Call { args, .. } | Expr::Node { args, .. } => {
            for a in args {
                columns_of(a, out);
            }
        }
        Expr::Const(..) | Expr::Param(..) | Expr::Outer { .. } | Expr::SubLink(_) => {}
    }
}

/// PostgreSQL's ChooseConstraintName: `table_column_label` (or `table_label`), truncated to 63
/// bytes, with the first free numeric suffix when the name is taken.
pub(super) fn choose_name(
    table: &str,
    column: Option<&str>,
    label: &str,
    used: impl Fn(&str) -> bool,
) -> String {
    let base = |suffix: &str| {
        let label = format!("{label}{suffix}");
        let mut parts: Vec<String> = vec![table.to_string()];
        parts.extend(column.map(str::to_string));
        // Shorten the longer of table and column until the whole name fits, as makeObjectName does.
        let fixed = label.len() + parts.len();
        while parts.iter().map(String::len).sum::<usize>() + fixed > 63 {
            let longest = (0..parts.len())
                .max_by_key(|&i| parts[i].len())
                .unwrap_or(0);
            let p = &mut parts[longest];
            let mut cut = p.len() - 1;
            while !p.is_char_boundary(cut) {
                cut -= 1;
            }
            p.truncate(cut);
        }
        parts.push(label);
        parts.join("_")
    };
    let mut name = base("");
    let mut n = 0;
    while used(&name) {
        n += 1;
        name = base(&n.to_string());
    }
    name
}

/// The session a stored expression binds in: none (CHECK expressions see only their row).
struct NoSession;

impl SessionContext for NoSession {
    fn setting(&self, _name: &str) -> Option<String> {
        None
    }
    fn version(&self) -> String {
        String::new()
    }
}
