//! The scalar function library (`length`, `round`, `date_trunc`, ...) and aggregates ([`agg`]).
//!
//! # Resolution
//! [`resolve`] picks a built-in for a name and argument types as PostgreSQL's
//! `func_select_candidate` does for the common cases: an exact match wins; otherwise the candidates
//! whose parameters every argument can reach by an implicit cast (an `unknown` literal reaches
//! anything) are ranked by how many arguments match exactly, then by how many land on a preferred
//! type (`float8`, `text`, `timestamptz`, ...); remaining ties over `unknown` arguments go, position
//! by position, to candidates taking a string there, then to the category's preferred type (so
//! `'...' AT TIME ZONE 'UTC'` reads the literal as timestamptz). A tie after that is
//! `function f(...) is not unique` (42725), no candidate is `function f(...) does not exist`
//! (42883). A variadic parameter needs at least one argument.
//!
//! # Contract of a [`FuncSig`]
//! The binder casts each argument to `sig.params[i]` (implicitly; for variadic `any` parameters the
//! argument keeps its type) and calls `sig.func(&args, &ctx)`. A strict function is never called
//! with a NULL argument: the caller returns NULL instead (`sig.strict`). Functions are pure except
//! those marked `volatile` (`random`, `clock_timestamp`); `now()` reads the transaction's start
//! and TimeZone-dependent functions the session's zone from the [`FormatContext`], which the
//! session ships with every plan (`crate::Params`).
//!
//! # Modules
//! `string`, `math`, `datetime`, `zone` (AT TIME ZONE, justify_*, date_bin), `integral` (scale,
//! lcm, factorial), `regexp`, `bytes` (bytea functions, encode/decode, SHA-2), `numfmt` (the
//! number template language of `to_char`/`to_number`) with `numfmt_types` (its per-type entry
//! points), `bucket` (`width_bucket`), `trig` (radians and degrees), `json` (json/jsonb
//! functions; the any-typed builders are bound by `bind::json`), `table` (set-returning
//! functions in FROM), `agg`.
//!
//! Left out (the binder handles them as syntax, `bind::expr`): `greatest`/`least`, `coalesce`,
//! `nullif`, `CASE`; not built: set-returning functions in the select list,
//! `pg_sleep` (it would block the core's other sessions).

pub mod agg;
pub(crate) mod arrays;
mod bucket;
mod bytes;
mod datetime;
mod dtparse;
mod integral;
pub(crate) mod json;
mod math;
mod numfmt;
mod numfmt_types;
pub mod ordered_set;
mod regexp;
pub mod stats;
mod string;
pub mod table;
mod trig;
mod zone;

use crate::error::{Result, SqlError};
use crate::types::{can_cast, CastContext, DataType, FormatContext, Value};

/// A built-in's implementation: arguments already cast to the signature's parameter types.
pub type ScalarFn = fn(&[Value], &FormatContext) -> Result<Value>;

/// A parameter of a built-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// Exactly this type (after implicit casts).
    T(DataType),
    /// Any type, passed as it is (`concat`, `format`).
    Any,
}

/// One built-in function signature.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub params: &'static [Param],
    /// The last parameter repeats (`concat(any, ...)`).
    pub variadic: bool,
    pub ret: DataType,
    pub strict: bool,
    pub volatile: bool,
    pub func: ScalarFn,
}

/// A resolved call.
#[derive(Debug, Clone)]
pub struct FuncSig {
    pub name: &'static str,
    /// The type each argument must be cast to (for `Any`, the argument's own type).
    pub params: Vec<DataType>,
    pub ret: DataType,
    pub strict: bool,
    pub volatile: bool,
    pub func: ScalarFn,
}

impl FuncSig {
    /// Calls the function with strictness applied.
    pub fn call(&self, args: &[Value], ctx: &FormatContext) -> Result<Value> {
        if self.strict && args.iter().any(Value::is_null) {
            return Ok(Value::Null);
        }
        (self.func)(args, ctx)
    }
}

/// All built-ins, grouped by module.
fn builtins() -> impl Iterator<Item = &'static Builtin> {
    string::BUILTINS
        .iter()
        .chain(math::BUILTINS)
        .chain(datetime::BUILTINS)
        .chain(dtparse::BUILTINS)
        .chain(zone::BUILTINS)
        .chain(integral::BUILTINS)
        .chain(regexp::BUILTINS)
        .chain(bytes::BUILTINS)
        .chain(numfmt_types::BUILTINS)
        .chain(bucket::BUILTINS)
        .chain(trig::BUILTINS)
        .chain(json::BUILTINS)
}

/// `name(argtypes)` as PostgreSQL prints it in messages.
pub fn signature(name: &str, args: &[DataType]) -> String {
    let types: Vec<&str> = args.iter().map(|t| t.sql_name()).collect();
    format!("{name}({})", types.join(", "))
}

/// How well `args` fit `b`: `None` if they cannot; otherwise (exact matches, preferred-type hits).
fn fit(b: &Builtin, args: &[DataType]) -> Option<(usize, usize)> {
    let n = b.params.len();
    // A variadic parameter takes at least one argument (`format(text)` is its own function).
    if args.len() < n || (!b.variadic && args.len() != n) {
        return None;
    }
    let (mut exact, mut preferred) = (0, 0);
    for (i, &a) in args.iter().enumerate() {
        let p = if i < n {
            b.params[i]
        } else {
            *b.params.last()?
        };
        match p {
            Param::Any => exact += 1,
            Param::T(t) if t == a => exact += 1,
            Param::T(t) if can_cast(a, t, CastContext::Implicit) => {
                if t.is_preferred() {
                    preferred += 1;
                }
            }
            Param::T(_) => return None,
        }
    }
    Some((exact, preferred))
}

/// Resolves a call of `name` with argument types `args` (see the module doc).
pub fn resolve(name: &str, args: &[DataType]) -> Result<FuncSig> {
    resolve_in(builtins(), &name.to_ascii_lowercase(), args)
}

/// [`resolve`] among `candidates` (the scalar built-ins, or `table`'s functions); `lname` is
/// lower case.
pub(crate) fn resolve_in<'a>(
    candidates: impl Iterator<Item = &'a Builtin>,
    lname: &str,
    args: &[DataType],
) -> Result<FuncSig> {
    let mut best: Vec<(&Builtin, (usize, usize))> = Vec::new();
    for b in candidates.filter(|b| b.name == lname) {
        let Some(score) = fit(b, args) else {
            continue;
        };
        match best.first() {
            Some((_, s)) if score < *s => {}
            Some((_, s)) if score == *s => best.push((b, score)),
            _ => best = vec![(b, score)],
        }
    }
    // Unknown arguments, position by position (PostgreSQL's `func_select_candidate`): when a
    // candidate takes a string there, keep those that do; otherwise, when the candidates agree
    // on a category, keep those taking its preferred type.
    for (i, a) in args.iter().enumerate() {
        if best.len() <= 1 {
            break;
        }
        if *a != DataType::Unknown {
            continue;
        }
        let param = |b: &Builtin| match b.params.get(i).or(b.params.last()) {
            Some(Param::T(t)) => Some(*t),
            _ => None,
        };
        let stringy: Vec<_> = best
            .iter()
            .filter(|(b, _)| param(b).is_none_or(|t| t.is_string()))
            .copied()
            .collect();
        if !stringy.is_empty() {
            best = stringy;
            continue;
        }
        let first = param(best[0].0).map(DataType::category);
        if best
            .iter()
            .all(|(b, _)| param(b).map(DataType::category) == first)
        {
            let preferred: Vec<_> = best
                .iter()
                .filter(|(b, _)| param(b).is_some_and(DataType::is_preferred))
                .copied()
                .collect();
            if !preferred.is_empty() {
                best = preferred;
            }
        }
    }
    match best.as_slice() {
        [] => Err(SqlError::UndefinedFunction {
            signature: signature(lname, args),
            position: None,
        }),
        [(b, _)] => {
            let params = args
                .iter()
                .enumerate()
                .map(|(i, &a)| {
                    let p = b.params.get(i).or(b.params.last()).copied();
                    match p {
                        Some(Param::T(t)) => t,
                        _ if a == DataType::Unknown => DataType::Text,
                        _ => a,
                    }
                })
                .collect();
            Ok(FuncSig {
                name: b.name,
                params,
                ret: b.ret,
                strict: b.strict,
                volatile: b.volatile,
                func: b.func,
            })
        }
        _ => Err(SqlError::AmbiguousFunction {
            signature: signature(lname, args),
            position: None,
        }),
    }
}

/// Shorthand for declaring built-ins.
macro_rules! builtin {
    ($name:literal ($($p:expr),*) -> $ret:expr, $f:expr) => {
        $crate::func::Builtin {
            name: $name,
            params: &[$($p),*],
            variadic: false,
            ret: $ret,
            strict: true,
            volatile: false,
            func: $f,
        }
    };
}
pub(crate) use builtin;

/// Argument accessors for implementations (the binder has cast arguments to the declared types,
/// so a mismatch is a bug).
pub(crate) mod arg {
    use crate::error::{Result, SqlError};
    use crate::types::numeric::Numeric;
    use crate::types::Value;

    fn bug(i: usize, what: &str) -> SqlError {
        SqlError::Internal(format!("function argument {i} is not {what}"))
    }

    pub fn text(a: &[Value], i: usize) -> Result<&str> {
        match a.get(i) {
            Some(Value::Text(s)) => Ok(s),
            _ => Err(bug(i, "text")),
        }
    }

    pub fn int(a: &[Value], i: usize) -> Result<i64> {
        match a.get(i) {
            Some(Value::Int2(x)) => Ok(i64::from(*x)),
            Some(Value::Int4(x)) => Ok(i64::from(*x)),
            Some(Value::Int8(x)) => Ok(*x),
            _ => Err(bug(i, "an integer")),
        }
    }

    pub fn f64(a: &[Value], i: usize) -> Result<f64> {
        match a.get(i) {
            Some(Value::Float8(x)) => Ok(*x),
            Some(Value::Float4(x)) => Ok(f64::from(*x)),
            _ => Err(bug(i, "double precision")),
        }
    }

    pub fn numeric(a: &[Value], i: usize) -> Result<&Numeric> {
        match a.get(i) {
            Some(Value::Numeric(n)) => Ok(n),
            _ => Err(bug(i, "numeric")),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod numfmt_tests;
