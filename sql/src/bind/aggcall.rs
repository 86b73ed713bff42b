//! Aggregate calls in a SELECT block: where they may appear ([`AggScope`]) and binding one call.
//!
//! While binding, an aggregate call is an `Expr::Column` past the end of the input row
//! (`width + j` for the `j`th call); `select.rs` rewrites those placeholders into the group row.

use sqlparser::ast;

use super::{coerce, resolve_unknown, Binder};
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::func::agg::resolve_agg;
use crate::plan::{walk, AggCall, SortKey};
use crate::types::DataType;

fn unsupported<T>(what: &str) -> Result<T> {
    Err(SqlError::FeatureNotSupported(format!(
        "{what} is not supported yet"
    )))
}

/// Where aggregate calls may appear while binding.
#[derive(Debug, Default)]
pub(crate) struct AggScope {
    /// The calls collected so far; `None` where aggregates are not allowed.
    pub(crate) calls: Option<Vec<AggCall>>,
    /// The clause named in "aggregate functions are not allowed in ...".
    pub(crate) clause: &'static str,
    /// Inside an aggregate's arguments (nesting is an error).
    pub(crate) inside: bool,
    /// Where each input column was first referenced outside aggregates, for 42803's position.
    pub(crate) first_use: Vec<(usize, Option<u32>)>,
}

impl AggScope {
    /// Notes a column reference (outside aggregate arguments, where aggregates may appear).
    pub(crate) fn saw_column(&mut self, column: usize, position: Option<u32>) {
        if self.calls.is_some() && !self.inside && !self.first_use.iter().any(|u| u.0 == column) {
            self.first_use.push((column, position));
        }
    }
}

impl Binder<'_> {
    /// Whether a select-list expression holds an aggregate placeholder.
    pub(super) fn aggregate_in(&self, e: &Expr) -> bool {
        let width = self.width();
        let mut found = false;
        walk(e, &mut |x| {
            found |= matches!(x, Expr::Column(i, _) if *i >= width)
        });
        found
    }

    /// Binds an aggregate call where the scope allows one: returns its placeholder column.
    pub(super) fn aggregate(&mut self, f: &ast::Function, name: &str) -> Result<Expr> {
        let position = self.position(&f.name);
        if self.aggs.calls.is_none() {
            return Err(SqlError::Grouping {
                message: format!(
                    "aggregate functions are not allowed in {}",
                    self.aggs.clause
                ),
                position,
            });
        }
        if self.aggs.inside {
            return Err(SqlError::Grouping {
                message: "aggregate function calls cannot be nested".into(),
                position,
            });
        }
        if f.over.is_some() {
            return unsupported("window functions");
        }
        if !f.within_group.is_empty() {
            return self.ordered_set_call(f, name, position);
        }
        let ast::FunctionArguments::List(list) = &f.args else {
            return unsupported("this aggregate call");
        };
        let mut order_by: &[ast::OrderByExpr] = &[];
        for clause in &list.clauses {
            match clause {
                ast::FunctionArgumentClause::OrderBy(o) => order_by = o,
                _ => return unsupported("this clause inside aggregate calls"),
            }
        }
        let distinct = matches!(
            list.duplicate_treatment,
            Some(ast::DuplicateTreatment::Distinct)
        );
        self.aggs.inside = true;
        let mut args = Vec::new();
        let mut star = false;
        for a in &list.args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    match self.agg_arg(name, e) {
                        Ok(x) => args.push(x),
                        Err(err) => {
                            self.aggs.inside = false;
                            return Err(err);
                        }
                    }
                }
                _ => {
                    self.aggs.inside = false;
                    return unsupported("this aggregate argument");
                }
            }
        }
        self.aggs.inside = false;
        // An aggregate over outer columns only belongs to that outer level (PostgreSQL's
        // agglevelsup): nested in an aggregate there it is an error; otherwise not done yet.
        let mut local = false;
        let mut nearest = usize::MAX;
        for a in &args {
            walk(a, &mut |x| match x {
                Expr::Column(..) => local = true,
                Expr::Outer { depth, .. } => nearest = nearest.min(*depth),
                _ => {}
            });
        }
        if !local && nearest != usize::MAX {
            let inside = self
                .outer_agg_inside
                .len()
                .checked_sub(nearest)
                .and_then(|i| self.outer_agg_inside.get(i))
                .copied()
                .unwrap_or(false);
            if inside {
                return Err(SqlError::Grouping {
                    message: "aggregate function calls cannot be nested".into(),
                    position,
                });
            }
            return unsupported("aggregates over columns of an outer query");
        }
        if star && !(args.is_empty() && name == "count") {
            return Err(SqlError::Syntax {
                message: "syntax error at or near \"*\"".into(),
                position,
            });
        }
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let sig = resolve_agg(name, &types).map_err(|e| match e {
            SqlError::UndefinedFunction { signature, .. } => SqlError::UndefinedFunction {
                signature,
                position,
            },
            other => other,
        })?;
        let (sig, args) = self.json_agg_args(sig, args)?;
        let mut cast = Vec::with_capacity(args.len());
        for (i, a) in args.into_iter().enumerate() {
            // string_agg's delimiter takes the value's type; others take the signature's.
            cast.push(coerce(a, sig.arg, &mut self.params).map(|x| {
                if i == 0 || x.data_type() == sig.arg {
                    x
                } else {
                    Expr::Cast(Box::new(x), sig.arg)
                }
            })?);
        }
        let filter = self.agg_filter(f)?;
        let mut order = Vec::with_capacity(order_by.len());
        for (column, o) in order_by.iter().enumerate() {
            self.aggs.inside = true;
            let key = self.sort_key(o, column, "aggregates");
            self.aggs.inside = false;
            order.push(key?);
        }
        Ok(self.push_agg_call(AggCall {
            sig,
            args: cast,
            distinct,
            filter,
            order,
        }))
    }

    /// One ORDER BY item of an aggregate call or a window (`in_what` for the USING refusal):
    /// its expression (an untyped literal as text) and its ordering as key `column`.
    pub(super) fn sort_key(
        &mut self,
        o: &ast::OrderByExpr,
        column: usize,
        in_what: &str,
    ) -> Result<(Expr, SortKey)> {
        let descending = match &o.options.sort {
            Some(ast::OrderBySort::Desc) => true,
            None | Some(ast::OrderBySort::Asc) => false,
            Some(ast::OrderBySort::Using(_)) => {
                return unsupported(&format!("ORDER BY USING in {in_what}"))
            }
        };
        let e = resolve_unknown(self.expr(&o.expr)?, DataType::Text);
        let key = SortKey {
            column,
            ty: e.data_type(),
            descending,
            nulls_first: o.options.nulls_first.unwrap_or(descending),
        };
        Ok((e, key))
    }

    /// An aggregate call's FILTER (WHERE ...) over the input row; aggregates inside it count
    /// as nested.
    pub(super) fn agg_filter(&mut self, f: &ast::Function) -> Result<Option<Expr>> {
        let Some(cond) = &f.filter else {
            return Ok(None);
        };
        self.aggs.inside = true;
        let bound = self.condition(cond, "FILTER");
        self.aggs.inside = false;
        bound.map(Some)
    }

    /// Registers an aggregate call of this level (once per distinct call): its placeholder.
    pub(super) fn push_agg_call(&mut self, call: AggCall) -> Expr {
        let width = self.width();
        let calls = self.aggs.calls.get_or_insert_with(Vec::new);
        let j = match calls.iter().position(|c| *c == call) {
            Some(j) => j,
            None => {
                let ty = call.sig.result;
                calls.push(call);
                return Expr::Column(width + calls.len() - 1, ty);
            }
        };
        Expr::Column(width + j, calls[j].sig.result)
    }
}
