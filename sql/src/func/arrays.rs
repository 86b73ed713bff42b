//! PostgreSQL's polymorphic array functions (`array_length`, `array_append`, `array_remove`,
//! `string_to_array`, `array_fill`, ...): their evaluation. The binder resolves the element type
//! from the arguments (`crate::bind::arrayfn`), so each function here receives arrays of one
//! element type. Element comparisons are `IS NOT DISTINCT FROM` (a NULL finds NULLs), as in
//! PostgreSQL's `array_remove`, `array_replace` and `array_positions`.

use std::cmp::Ordering;

use crate::error::{Result, SqlError};
use crate::types::{Array, DataType, FormatContext, Value};

fn array(v: &Value) -> Option<&Array> {
    match v {
        Value::Array(a) => Some(a),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i32> {
    match v {
        Value::Int4(i) => Some(*i),
        _ => None,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.is_null(), b.is_null()) {
        (true, true) => true,
        (false, false) => a.cmp_sql(b) == Ordering::Equal,
        _ => false,
    }
}

fn wrap(a: Array) -> Value {
    Value::Array(Box::new(a))
}

fn not_supported(what: &str) -> SqlError {
    SqlError::FeatureNotSupported(what.into())
}

/// The dimension `d` (1-based) of `a`, if it has one.
fn dim(a: &Array, d: &Value) -> Option<(i32, i32)> {
    let d = usize::try_from(int(d)? - 1).ok()?;
    a.dims.get(d).copied()
}

pub(crate) fn array_length(args: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(match array(&args[0]).and_then(|a| dim(a, &args[1])) {
        Some((len, _)) => Value::Int4(len),
        None => Value::Null,
    })
}

pub(crate) fn array_lower(args: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(match array(&args[0]).and_then(|a| dim(a, &args[1])) {
        Some((_, lower)) => Value::Int4(lower),
        None => Value::Null,
    })
}

pub(crate) fn array_ndims(args: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(match array(&args[0]) {
        Some(a) if !a.dims.is_empty() => Value::Int4(a.dims.len() as i32),
        _ => Value::Null,
    })
}

pub(crate) fn cardinality(args: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(match array(&args[0]) {
        Some(a) => Value::Int4(a.items.len() as i32),
        None => Value::Null,
    })
}

pub(crate) fn array_dims(args: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(match array(&args[0]) {
        Some(a) if !a.dims.is_empty() => Value::Text(
            a.dims
                .iter()
                .map(|(len, lower)| format!("[{lower}:{}]", lower + len - 1))
                .collect(),
        ),
        _ => Value::Null,
    })
}

/// A one-dimensional copy of `a`'s items with its lower bound (1 when empty).
fn one_dim(a: &Array, what: &str) -> Result<(Vec<Value>, i32)> {
    if a.dims.len() > 1 {
        return Err(not_supported(what));
    }
    Ok((a.items.clone(), a.dims.first().map_or(1, |d| d.1)))
}

fn with_lower(elem: DataType, items: Vec<Value>, lower: i32) -> Array {
    let mut a = Array::from_items(elem, items);
    if let Some(d) = a.dims.first_mut() {
        d.1 = lower;
    }
    a
}

/// `array_append(anyarray, anyelement)` and `array_prepend(anyelement, anyarray)` (`at_end`
/// tells which); a NULL array is an empty one.
fn append(args: &[Value], elem: DataType, at_end: bool) -> Result<Value> {
    let (arr, x) = if at_end {
        (&args[0], &args[1])
    } else {
        (&args[1], &args[0])
    };
    let empty = Array::from_items(elem, Vec::new());
    let a = array(arr).unwrap_or(&empty);
    let (mut items, lower) = one_dim(
        a,
        "appending to a multidimensional array is not supported yet",
    )?;
    let lower = if a.items.is_empty() { 1 } else { lower };
    if at_end {
        items.push(x.clone());
    } else {
        items.insert(0, x.clone());
    }
    Ok(wrap(with_lower(elem, items, lower)))
}

/// `array_cat(anyarray, anyarray)` of one-dimensional arrays (a NULL side is empty).
fn cat(args: &[Value], elem: DataType) -> Result<Value> {
    let (a, b) = (array(&args[0]), array(&args[1]));
    match (a, b) {
        (None, None) => return Ok(Value::Null),
        (Some(a), None) => return Ok(wrap(a.clone())),
        (None, Some(b)) => return Ok(wrap(b.clone())),
        (Some(a), Some(b)) if b.items.is_empty() => return Ok(wrap(a.clone())),
        (Some(a), Some(b)) if a.items.is_empty() => return Ok(wrap(b.clone())),
        _ => {}
    }
    let msg = "concatenating multidimensional arrays is not supported yet";
    let (mut items, lower) = one_dim(a.unwrap_or_else(|| unreachable!()), msg)?;
    let (more, _) = one_dim(b.unwrap_or_else(|| unreachable!()), msg)?;
    items.extend(more);
    Ok(wrap(with_lower(elem, items, lower)))
}

pub(crate) fn array_remove(args: &[Value], _: &FormatContext) -> Result<Value> {
    let Some(a) = array(&args[0]) else {
        return Ok(Value::Null);
    };
    let (items, lower) = one_dim(
        a,
        "removing elements from multidimensional arrays is not supported",
    )?;
    let kept: Vec<Value> = items.into_iter().filter(|v| !same(v, &args[1])).collect();
    Ok(wrap(with_lower(a.elem, kept, lower)))
}

pub(crate) fn array_replace(args: &[Value], _: &FormatContext) -> Result<Value> {
    let Some(a) = array(&args[0]) else {
        return Ok(Value::Null);
    };
    let mut out = a.clone();
    for v in &mut out.items {
        if same(v, &args[1]) {
            *v = args[2].clone();
        }
    }
    Ok(wrap(out))
}

pub(crate) fn array_positions(args: &[Value], _: &FormatContext) -> Result<Value> {
    let Some(a) = array(&args[0]) else {
        return Ok(Value::Null);
    };
    let (items, lower) = one_dim(
        a,
        "searching for elements in multidimensional arrays is not supported",
    )?;
    let found = (items.iter().enumerate())
        .filter(|(_, v)| same(v, &args[1]))
        .map(|(i, _)| Value::Int4(lower + i as i32))
        .collect();
    Ok(wrap(Array::from_items(DataType::Int4, found)))
}

/// `string_to_array(text, delimiter [, null_string])`.
pub(crate) fn string_to_array(args: &[Value], _: &FormatContext) -> Result<Value> {
    let Value::Text(s) = &args[0] else {
        return Ok(Value::Null);
    };
    let null_string = match args.get(2) {
        Some(Value::Text(n)) => Some(n.as_str()),
        _ => None,
    };
    let parts: Vec<&str> = match &args[1] {
        _ if s.is_empty() => Vec::new(),
        Value::Text(d) if d.is_empty() => vec![s.as_str()],
        Value::Text(d) => s.split(d.as_str()).collect(),
        // A NULL delimiter splits into characters.
        _ => s
            .char_indices()
            .map(|(i, c)| &s[i..i + c.len_utf8()])
            .collect(),
    };
    let items = parts
        .into_iter()
        .map(|p| {
            if Some(p) == null_string {
                Value::Null
            } else {
                Value::Text(p.to_string())
            }
        })
        .collect();
    Ok(wrap(Array::from_items(DataType::Text, items)))
}

/// `array_fill(value, dims int[] [, lower bounds int[]])`.
fn array_fill(args: &[Value], elem: DataType) -> Result<Value> {
    let null_dims = || {
        SqlError::NullValueNotAllowed("dimension array or low bound array cannot be null".into())
    };
    let dims = array(&args[1]).ok_or_else(null_dims)?;
    let lowers = match args.get(2) {
        None => None,
        Some(v) => Some(array(v).ok_or_else(null_dims)?),
    };
    let ints = |a: &Array| -> Result<Vec<i32>> {
        if a.dims.len() > 1 {
            return Err(SqlError::ArraySubscript(
                "wrong number of array subscripts".into(),
            ));
        }
        a.items
            .iter()
            .map(|v| {
                int(v).ok_or_else(|| {
                    SqlError::NullValueNotAllowed("dimension values cannot be null".into())
                })
            })
            .collect()
    };
    let lengths = ints(dims)?;
    let lowers = match lowers {
        Some(l) => ints(l)?,
        None => vec![1; lengths.len()],
    };
    if lengths.len() != lowers.len() {
        return Err(SqlError::ArraySubscript(
            "wrong number of array subscripts".into(),
        ));
    }
    if lengths.iter().any(|&n| n < 0) {
        return Err(SqlError::ArraySubscript(
            "array size exceeds the maximum allowed (134217727)".into(),
        ));
    }
    let total: i64 = lengths.iter().map(|&n| i64::from(n)).product();
    if lengths.is_empty() || total == 0 {
        return Ok(wrap(Array::from_items(elem, Vec::new())));
    }
    if total > 134_217_727 {
        return Err(SqlError::ArraySubscript(
            "array size exceeds the maximum allowed (134217727)".into(),
        ));
    }
    Ok(wrap(Array {
        elem,
        dims: lengths.into_iter().zip(lowers).collect(),
        items: vec![args[0].clone(); total as usize],
    }))
}

/// The element type the binder passes as the first argument of the functions that build arrays.
fn elem_arg(args: &[Value]) -> Result<(DataType, &[Value])> {
    match args.split_first() {
        Some((Value::Oid(oid), rest)) => DataType::from_oid(*oid)
            .map(|t| (t, rest))
            .ok_or_else(|| SqlError::Internal("array function without an element type".into())),
        _ => Err(SqlError::Internal(
            "array function without an element type".into(),
        )),
    }
}

pub(crate) fn array_append(args: &[Value], _: &FormatContext) -> Result<Value> {
    let (elem, rest) = elem_arg(args)?;
    append(rest, elem, true)
}

pub(crate) fn array_prepend(args: &[Value], _: &FormatContext) -> Result<Value> {
    let (elem, rest) = elem_arg(args)?;
    append(rest, elem, false)
}

pub(crate) fn array_cat(args: &[Value], _: &FormatContext) -> Result<Value> {
    let (elem, rest) = elem_arg(args)?;
    cat(rest, elem)
}

pub(crate) fn array_fill_fn(args: &[Value], _: &FormatContext) -> Result<Value> {
    let (elem, rest) = elem_arg(args)?;
    array_fill(rest, elem)
}
