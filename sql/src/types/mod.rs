//! SQL types and values with PostgreSQL 15's text and binary formats, casts and operators.
//!
//! # Map
//! - [`DataType`] (`datatype`): the types, with `pg_type` facts; modifiers live apart as an
//!   `atttypmod`-style `i32` (`typmod`, [`format_type`]).
//! - [`Value`] (`value`): one datum; text I/O dispatches to `scalar` (bool, integers), `float`,
//!   `numeric` (our own arbitrary-precision decimal), `text` (char/varchar/name/bytea/uuid),
//!   `datetime` (date, time, timestamp[tz], interval), `json`, `array`; binary I/O is in `binary`.
//! - [`FormatContext`] (`context`): DateStyle, IntervalStyle, TimeZone (`tz`, the system tz
//!   database), extra_float_digits and the statement's `now()`.
//! - [`cast`] (`cast`): conversions and the implicit/assignment/explicit rules.
//! - [`ops`]: operator resolution and evaluation, and [`Value::cmp_sql`], the total order that
//!   ORDER BY, indexes and aggregates share.
//!
//! # Invariants
//! - Output functions must agree byte for byte with PostgreSQL 15 (clients parse them; the
//!   regression suite compares them). Unit tests carry expected strings obtained from a real
//!   PostgreSQL 15 and say so.
//! - Everything here is pure: no clock, no globals beyond a per-thread regex cache. `now()` comes
//!   in through the context.
//! - Errors carry PostgreSQL's exact message and SQLSTATE (see `crate::error`).

mod array;
mod binary;
pub mod cast;
mod context;
mod datatype;
pub mod datetime;
mod float;
pub mod geo;
pub mod json;
pub mod numeric;
pub mod ops;
mod record;
mod scalar;
pub mod text;
pub mod typmod;
mod tz;
mod value;

pub use array::Array;
pub use cast::{can_cast, cast, cast_ctx, CastContext};
pub use context::{DateOrder, DateStyle, FormatContext, IntervalStyle};
pub use datatype::{DataType, TypeCategory};
pub use datetime::Interval;
pub use numeric::Numeric;
pub use ops::{resolve_binary, resolve_unary, BinaryOp, BinarySig, UnaryOp, UnarySig};
pub use record::Record;
pub use typmod::{format_type, NO_TYPMOD};
pub use tz::TimeZone;
pub use value::Value;
#[cfg(test)]
mod robustness_tests;
