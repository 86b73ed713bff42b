//! Set-returning functions in a select list (`SELECT generate_series(1, 3)`, `unnest(a)`).
//!
//! Like a window call, a call binds to a placeholder column (`SRF_BASE + k`) and is collected
//! in the level's [`super::window::WindowScope`]; `select` then builds the window stage, which
//! expands each row by the calls' sets before ORDER BY, DISTINCT and LIMIT
//! (`crate::exec::srf`). Calls are allowed where window calls are (the select list and ORDER
//! BY), never inside an aggregate's or a window call's arguments, and not nested.

use super::{coerce, Binder};
use crate::error::{Result, SqlError};
use crate::expr::Expr;
use crate::plan::window::{SrfCall, SrfFunc};
use crate::types::DataType;

/// Placeholder columns for set-returning calls start here (past the window placeholders).
pub(crate) const SRF_BASE: usize = 1 << 41;

/// Whether `name` is a set-returning function this binder expands in a select list.
pub(super) fn is_srf(name: &str) -> bool {
    matches!(
        name,
        "generate_series" | "unnest" | "regexp_split_to_table" | "string_to_table"
    ) || crate::func::table::resolve_scalar(name, &[]).is_some()
}

impl Binder<'_> {
    /// A set-returning call with its bound arguments: its placeholder.
    pub(super) fn srf_call(
        &mut self,
        name: &str,
        args: Vec<Expr>,
        position: Option<u32>,
    ) -> Result<Expr> {
        const LATERAL: Option<&str> =
            Some("You might be able to move the set-returning function into a LATERAL FROM item.");
        let not_allowed =
            |message: String, hint| Err(SqlError::SrfNotAllowed { message, hint }.at(position));
        if self.aggs.inside {
            return not_allowed(
                "aggregate function calls cannot contain set-returning function calls".into(),
                LATERAL,
            );
        }
        if self.windows.inside {
            return not_allowed(
                "window function calls cannot contain set-returning function calls".into(),
                LATERAL,
            );
        }
        if self.windows.calls.is_none() {
            let clause = match self.windows.clause {
                "" => "this context",
                c => c,
            };
            return not_allowed(
                format!("set-returning functions are not allowed in {clause}"),
                None,
            );
        }
        if args.iter().any(contains_srf) {
            return Err(SqlError::FeatureNotSupported(
                "set-returning functions in the arguments of set-returning functions are not supported yet".into(),
            )
            .at(position));
        }
        let mut args = args;
        if name == "pg_partition_ancestors" && args.len() == 1 {
            args.push(self.partition_map()); // (see `func::table`)
        }
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let undefined = || SqlError::UndefinedFunction {
            signature: crate::func::signature(name, &types),
            position,
        };
        if let Some(found) = crate::func::table::resolve_scalar(name, &types) {
            let (i, sig, ty) = found.map_err(|e| e.at(position))?;
            let mut cast = Vec::with_capacity(args.len());
            for (a, &t) in args.into_iter().zip(&sig.params) {
                cast.push(coerce(a, t, &mut self.params)?);
            }
            let k = self.windows.srfs.len();
            self.windows.srfs.push(SrfCall {
                func: SrfFunc::Table(i),
                args: cast,
                ty,
            });
            return Ok(Expr::Column(SRF_BASE + k, ty));
        }
        let (func, args, ty) = match (name, args.len()) {
            ("unnest", 1) => {
                let elem = types[0].elem().ok_or_else(undefined)?;
                (SrfFunc::Unnest, args, elem)
            }
            ("generate_series", 2 | 3) => {
                let (ty, step_ty) = super::from::series_types(&args, position)?;
                let mut bound = Vec::with_capacity(args.len());
                for (i, e) in args.into_iter().enumerate() {
                    let t = if i == 2 { step_ty } else { ty };
                    bound.push(coerce(e, t, &mut self.params)?);
                }
                (SrfFunc::Series, bound, ty)
            }
            // The elements of the array its `_to_array` sibling returns.
            ("regexp_split_to_table", 2 | 3) => {
                let sig = crate::func::resolve("regexp_split_to_array", &types)
                    .map_err(|_| undefined())?;
                let mut cast = Vec::with_capacity(args.len());
                for (a, &t) in args.into_iter().zip(&sig.params) {
                    cast.push(coerce(a, t, &mut self.params)?);
                }
                let inner = Expr::Call {
                    func: crate::expr::Function(sig),
                    args: cast,
                };
                (SrfFunc::Unnest, vec![inner], DataType::Text)
            }
            ("string_to_table", 2 | 3) => {
                let inner = self.array_function("string_to_array", args, (position, &[]))?;
                (SrfFunc::Unnest, vec![inner], DataType::Text)
            }
            _ => return Err(undefined()),
        };
        let k = self.windows.srfs.len();
        self.windows.srfs.push(SrfCall { func, args, ty });
        Ok(Expr::Column(SRF_BASE + k, ty))
    }
}

/// Whether a bound expression holds a set-returning placeholder.
fn contains_srf(e: &Expr) -> bool {
    let mut found = false;
    let _ = crate::plan::rewrite(e.clone(), &mut |x| {
        if matches!(x, Expr::Column(i, _) if *i >= SRF_BASE) {
            found = true;
        }
        Ok(None)
    });
    found
}
