//! Binding PostgreSQL's polymorphic array functions (evaluation: `crate::func::arrays`).
//!
//! The element type comes from the arguments as PostgreSQL's `anyarray`/`anyelement`
//! resolution finds it: an array argument fixes it, else a typed element argument; an untyped
//! literal then takes that type (`array_append('{1,2}', 3)` is an int4[]). Functions that build
//! an array get the element type as a leading constant OID argument.

use super::Binder;
use crate::error::{Result, SqlError};
use crate::expr::{Expr, Function};
use crate::func::{arrays, FuncSig, ScalarFn};
use crate::types::{DataType, Value};

fn call(name: &'static str, args: Vec<Expr>, ret: DataType, strict: bool, f: ScalarFn) -> Expr {
    Expr::Call {
        func: Function(FuncSig {
            name,
            params: args.iter().map(Expr::data_type).collect(),
            ret,
            strict,
            volatile: false,
            func: f,
        }),
        args,
    }
}

fn elem_oid(elem: DataType) -> Expr {
    Expr::Const(Value::Oid(elem.oid()), DataType::Oid)
}

/// Whether `name` is one of the functions bound here.
pub(super) fn is_array_function(name: &str) -> bool {
    matches!(
        name,
        "array_length"
            | "array_lower"
            | "array_ndims"
            | "array_dims"
            | "cardinality"
            | "array_append"
            | "array_prepend"
            | "array_cat"
            | "array_remove"
            | "array_replace"
            | "array_positions"
            | "string_to_array"
            | "array_fill"
    )
}

impl Binder<'_> {
    /// The element type of the array arguments at `arrays` and element arguments at `elems`;
    /// `None` when nothing fixes it.
    fn poly_elem(&self, args: &[Expr], arrays: &[usize], elems: &[usize]) -> Option<DataType> {
        let from_array = arrays
            .iter()
            .filter_map(|&i| args.get(i))
            .find_map(|e| e.data_type().elem());
        from_array.or_else(|| {
            elems
                .iter()
                .filter_map(|&i| args.get(i))
                .map(Expr::data_type)
                .find(|t| *t != DataType::Unknown && t.array_of().is_some())
        })
    }

    /// A call of one of the array functions with bound arguments.
    pub(super) fn array_function(
        &mut self,
        name: &str,
        mut args: Vec<Expr>,
        (position, positions): (Option<u32>, &[Option<u32>]),
    ) -> Result<Expr> {
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let undefined = || SqlError::UndefinedFunction {
            signature: crate::func::signature(name, &types),
            position,
        };
        // (array argument positions, element argument positions) by name and arity.
        let (arrays, elems): (&[usize], &[usize]) = match (name, args.len()) {
            ("array_length" | "array_lower", 2) => (&[0], &[]),
            ("array_ndims" | "array_dims" | "cardinality", 1) => (&[0], &[]),
            ("array_append" | "array_remove" | "array_positions", 2) => (&[0], &[1]),
            ("array_prepend", 2) => (&[1], &[0]),
            ("array_cat", 2) => (&[0, 1], &[]),
            ("array_replace", 3) => (&[0], &[1, 2]),
            ("array_fill", 2 | 3) => (&[], &[0]),
            ("string_to_array", 2 | 3) => (&[], &[]),
            _ => return Err(undefined()),
        };
        if name == "string_to_array" {
            for a in &mut args {
                let e = std::mem::replace(a, Expr::Const(Value::Null, DataType::Unknown));
                *a = self.coerce_at(e, DataType::Text, None)?;
            }
            return Ok(call(
                "string_to_array",
                args,
                DataType::TextArray,
                false,
                arrays::string_to_array,
            ));
        }
        let Some(elem) = self.poly_elem(&args, arrays, elems) else {
            return Err(if types.iter().all(|t| *t == DataType::Unknown) {
                SqlError::AmbiguousFunction {
                    signature: crate::func::signature(name, &types),
                    position,
                }
            } else {
                undefined()
            });
        };
        let array_ty = elem.array_of().ok_or_else(undefined)?;
        // An argument in an array position must be an array (or an untyped literal).
        if arrays
            .iter()
            .any(|&i| !matches!(types[i], DataType::Unknown) && types[i].elem().is_none())
        {
            return Err(undefined());
        }
        for (i, a) in args.iter_mut().enumerate() {
            let to = if arrays.contains(&i) {
                array_ty
            } else if elems.contains(&i) {
                elem
            } else {
                DataType::Int4Array
            };
            let to = match (name, i) {
                ("array_length" | "array_lower", 1) => DataType::Int4,
                _ => to,
            };
            let e = std::mem::replace(a, Expr::Const(Value::Null, DataType::Unknown));
            *a = self.coerce_at(e, to, positions.get(i).copied().flatten())?;
        }
        let with_elem = |mut args: Vec<Expr>| {
            args.insert(0, elem_oid(elem));
            args
        };
        Ok(match name {
            "array_length" => call(
                name_of(name),
                args,
                DataType::Int4,
                true,
                arrays::array_length,
            ),
            "array_lower" => call(
                name_of(name),
                args,
                DataType::Int4,
                true,
                arrays::array_lower,
            ),
            "array_ndims" => call(
                name_of(name),
                args,
                DataType::Int4,
                true,
                arrays::array_ndims,
            ),
            "array_dims" => call(
                name_of(name),
                args,
                DataType::Text,
                true,
                arrays::array_dims,
            ),
            "cardinality" => call(
                name_of(name),
                args,
                DataType::Int4,
                true,
                arrays::cardinality,
            ),
            "array_append" => call(
                name_of(name),
                with_elem(args),
                array_ty,
                false,
                arrays::array_append,
            ),
            "array_prepend" => call(
                name_of(name),
                with_elem(args),
                array_ty,
                false,
                arrays::array_prepend,
            ),
            "array_cat" => call(
                name_of(name),
                with_elem(args),
                array_ty,
                false,
                arrays::array_cat,
            ),
            "array_remove" => call(name_of(name), args, array_ty, false, arrays::array_remove),
            "array_replace" => call(name_of(name), args, array_ty, false, arrays::array_replace),
            "array_positions" => call(
                name_of(name),
                args,
                DataType::Int4Array,
                false,
                arrays::array_positions,
            ),
            _ => call(
                name_of(name),
                with_elem(args),
                array_ty,
                false,
                arrays::array_fill_fn,
            ),
        })
    }
}

/// The static name of a function bound here (plans keep `&'static str` names).
fn name_of(name: &str) -> &'static str {
    [
        "array_length",
        "array_lower",
        "array_ndims",
        "array_dims",
        "cardinality",
        "array_append",
        "array_prepend",
        "array_cat",
        "array_remove",
        "array_replace",
        "array_positions",
        "string_to_array",
        "array_fill",
    ]
    .into_iter()
    .find(|n| *n == name)
    .unwrap_or("array function")
}
