//! Partition bounds (`FOR VALUES FROM ... TO ... | IN (...) | WITH (MODULUS, REMAINDER)`): binding
//! each datum to the key column's type, and checking a new bound against its siblings with
//! PostgreSQL's errors (42P16 malformed, 42P17 overlap, positioned at the offending datum).

use std::cmp::Ordering;
use std::sync::Arc;

use sqlparser::ast;

use super::typing::coerce;
use super::Binder;
use crate::catalog::{ColumnDef, TableDef};
use crate::error::{Result, SqlError};
use crate::partition::{Datum, KeyPart, PartitionBound, PartitionSpec, Strategy};
use crate::types::{DataType, TypeCategory, Value};

/// The position of the first column reference in a bound expression (`Some(None)`: one without a
/// known position), as PostgreSQL reports it before anything else about the expression.
pub(super) fn column_reference(b: &Binder<'_>, e: &ast::Expr) -> Option<Option<u32>> {
    use ast::Expr as E;
    match e {
        E::Identifier(id) if id.quote_style.is_some() || !id.value.eq_ignore_ascii_case("null") => {
            Some(b.position(e))
        }
        E::CompoundIdentifier(_) => Some(b.position(e)),
        E::Nested(x) | E::UnaryOp { expr: x, .. } | E::Cast { expr: x, .. } => {
            column_reference(b, x)
        }
        E::BinaryOp { left, right, .. } => {
            column_reference(b, left).or_else(|| column_reference(b, right))
        }
        E::Function(f) => match &f.args {
            ast::FunctionArguments::List(list) => list.args.iter().find_map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => column_reference(b, x),
                _ => None,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// One bound value: any expression without column references, cast to the key column's type.
pub(super) fn bound_value(b: &mut Binder<'_>, e: &ast::Expr, col: &ColumnDef) -> Result<Value> {
    if let ast::Expr::Identifier(id) = e {
        if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("null") {
            return Ok(Value::Null);
        }
    }
    if let Some(position) = column_reference(b, e) {
        return Err(SqlError::InvalidObjectDefinition {
            message: "cannot use column reference in partition bound expression".into(),
            detail: None,
        }
        .at(position));
    }
    b.aggs.clause = "partition bound";
    let bound = b.expr(e).map_err(|err| match err {
        SqlError::UndefinedColumn { position, .. } => SqlError::InvalidObjectDefinition {
            message: "cannot use column reference in partition bound expression".into(),
            detail: None,
        }
        .at(position),
        other => other,
    })?;
    let at = b.position(e);
    let bound = b.coerce_at(bound, col.ty, at)?;
    let bound = coerce(bound, col.ty, &mut b.params)?;
    let v = bound.eval(&b.params.eval_params()).map_err(|e| e.at(at))?;
    crate::types::cast::apply_typmod(v, col.ty, col.typmod, false)
}

pub(super) fn spec_error(strategy: Strategy) -> SqlError {
    SqlError::InvalidTableDefinition(format!(
        "invalid bound specification for a {} partition",
        strategy.name()
    ))
}

/// Binds `FOR VALUES ...` for a partition `name` of `parent` and checks it against the siblings.
pub(super) fn bind_bound(
    b: &mut Binder<'_>,
    parent: &TableDef,
    spec: &PartitionSpec,
    fv: &ast::ForValues,
    name: &str,
    at: Option<u32>,
) -> Result<PartitionBound> {
    let key_defs: Vec<ColumnDef> = spec
        .key
        .iter()
        .map(|k| match k {
            KeyPart::Column(i) => parent.columns[*i].clone(),
            KeyPart::Expr(e) => ColumnDef::new(e.sql.clone(), e.ty),
        })
        .collect();
    let key_cols: Vec<&ColumnDef> = key_defs.iter().collect();
    let siblings = b.ctx.catalog().partitions(parent.id);
    let overlap = |with: &TableDef, position: Option<u32>| {
        SqlError::InvalidObjectDefinition {
            message: format!(
                "partition \"{name}\" would overlap partition \"{}\"",
                with.name
            ),
            detail: None,
        }
        .at(position)
    };
    let bound_of = |t: &TableDef| t.partition_of.as_ref().map(|o| o.bound.clone());
    match fv {
        ast::ForValues::Default => {
            if spec.strategy == Strategy::Hash {
                return Err(SqlError::InvalidTableDefinition(
                    "a hash-partitioned table may not have a default partition".into(),
                ));
            }
            if let Some(d) = siblings
                .iter()
                .find(|s| bound_of(s) == Some(PartitionBound::Default))
            {
                return Err(SqlError::InvalidObjectDefinition {
                    message: format!(
                        "partition \"{name}\" conflicts with existing default partition \"{}\"",
                        d.name
                    ),
                    detail: None,
                }
                .at(at));
            }
            Ok(PartitionBound::Default)
        }
        ast::ForValues::In(exprs) => {
            if spec.strategy != Strategy::List {
                return Err(spec_error(spec.strategy).at(at));
            }
            let mut values: Vec<Value> = Vec::new();
            for e in exprs {
                let v = bound_value(b, e, key_cols[0])?;
                for s in &siblings {
                    if let Some(PartitionBound::List(other)) = bound_of(s) {
                        if PartitionBound::List(other)
                            .accepts(std::slice::from_ref(&v), &[key_cols[0].ty])?
                        {
                            return Err(overlap(s, b.position(e)));
                        }
                    }
                }
                let dup = values.iter().any(|x| match (x.is_null(), v.is_null()) {
                    (true, true) => true,
                    (false, false) => x.cmp_sql(&v) == Ordering::Equal,
                    _ => false,
                });
                if !dup {
                    values.push(v);
                }
            }
            Ok(PartitionBound::List(values))
        }
        ast::ForValues::From { from, to } => {
            if spec.strategy != Strategy::Range {
                return Err(spec_error(spec.strategy).at(at));
            }
            let lower = range_datums(b, from, &key_cols, "FROM")?;
            let upper = range_datums(b, to, &key_cols, "TO")?;
            let datum_pos = |side: &[ast::PartitionBoundValue], i: usize| match side.get(i) {
                Some(ast::PartitionBoundValue::Expr(e)) => b.position(e),
                _ => None,
            };
            let (order, col) = crate::partition::cmp_bounds(&lower, &upper);
            if order != Ordering::Less {
                return Err(SqlError::InvalidObjectDefinition {
                    message: format!("empty range bound specified for partition \"{name}\""),
                    detail: Some(format!(
                        "Specified lower bound {} is greater than or equal to upper bound {}.",
                        range_string(&lower, &key_cols),
                        range_string(&upper, &key_cols)
                    )),
                }
                .at(datum_pos(from, col)));
            }
            for s in &siblings {
                let Some(PartitionBound::Range { from: l2, to: h2 }) = bound_of(s) else {
                    continue;
                };
                let lo_vs_h2 = crate::partition::cmp_bounds(&lower, &h2).0;
                let (l2_vs_hi, _) = crate::partition::cmp_bounds(&l2, &upper);
                if lo_vs_h2 == Ordering::Less && l2_vs_hi == Ordering::Less {
                    let (lo_vs_l2, col) = crate::partition::cmp_bounds(&lower, &l2);
                    let position = if lo_vs_l2 != Ordering::Less {
                        datum_pos(from, col)
                    } else {
                        let (_, col) = crate::partition::cmp_bounds(&upper, &l2);
                        datum_pos(to, col)
                    };
                    return Err(overlap(s, position));
                }
            }
            Ok(PartitionBound::Range {
                from: lower,
                to: upper,
            })
        }
        ast::ForValues::With { modulus, remainder } => {
            if spec.strategy != Strategy::Hash {
                return Err(spec_error(spec.strategy).at(at));
            }
            if *modulus == 0 || *modulus > i32::MAX as u64 {
                return Err(SqlError::InvalidTableDefinition(
                    "modulus for hash partition must be an integer value greater than zero".into(),
                ));
            }
            if remainder >= modulus {
                return Err(SqlError::InvalidTableDefinition(
                    "remainder for hash partition must be less than modulus".into(),
                ));
            }
            let (m, r) = (*modulus as u32, *remainder as u32);
            check_hash(&siblings, name, m, r).map_err(|e| match e {
                SqlError::InvalidObjectDefinition { detail: None, .. } => e.at(at),
                other => other,
            })?;
            Ok(PartitionBound::Hash {
                modulus: m,
                remainder: r,
            })
        }
    }
}

/// Where PostgreSQL points at a bound: the word after `FOR VALUES` (IN, FROM, WITH), or DEFAULT;
/// found in the text after `after` (the parent's or the attached table's name).
pub(super) fn spec_position(b: &Binder<'_>, after: &ast::ObjectName) -> Option<u32> {
    let start = b.position_after(after)? as usize - 1;
    let rest: Vec<char> = b.source.chars().skip(start).collect();
    let lower: String = rest.iter().collect::<String>().to_ascii_lowercase();
    let words: Vec<(usize, &str)> = lower
        .split_whitespace()
        .scan(0usize, |from, w| {
            let at = lower[*from..].find(w).map(|i| i + *from)?;
            *from = at + w.len();
            Some((at, w))
        })
        .take(4)
        .collect();
    let byte = match words.as_slice() {
        [(_, "for"), (_, "values"), (at, _), ..] => *at,
        [(at, w), ..] if w.starts_with("default") => *at,
        _ => return None,
    };
    let chars = lower[..byte].chars().count();
    Some((start + chars) as u32 + 1)
}

/// PostgreSQL's hash bound checks: moduli must divide each other in order, and no existing
/// partition may take the same hash values.
pub(super) fn check_hash(siblings: &[Arc<TableDef>], name: &str, m: u32, r: u32) -> Result<()> {
    let mut bounds: Vec<(u32, u32, &str)> = siblings
        .iter()
        .filter_map(|s| match s.partition_of.as_ref().map(|o| &o.bound) {
            Some(PartitionBound::Hash { modulus, remainder }) => {
                Some((*modulus, *remainder, s.name.as_str()))
            }
            _ => None,
        })
        .collect();
    bounds.sort();
    let invalid = |detail: String| SqlError::InvalidObjectDefinition {
        message: "every hash partition modulus must be a factor of the next larger modulus".into(),
        detail: Some(detail),
    };
    let at = bounds.partition_point(|&(m2, r2, _)| (m2, r2) <= (m, r));
    if at > 0 {
        let (prev, _, pname) = bounds[at - 1];
        if !m.is_multiple_of(prev) {
            return Err(invalid(format!(
                "The new modulus {m} is not divisible by {prev}, the modulus of existing partition \"{pname}\"."
            )));
        }
    }
    if let Some(&(next, _, nname)) = bounds.get(at) {
        if !next.is_multiple_of(m) {
            return Err(invalid(format!(
                "The new modulus {m} is not a factor of {next}, the modulus of existing partition \"{nname}\"."
            )));
        }
    }
    for &(m2, r2, other) in &bounds {
        let small = m.min(m2);
        if r % small == r2 % small {
            return Err(SqlError::InvalidObjectDefinition {
                message: format!("partition \"{name}\" would overlap partition \"{other}\""),
                detail: None,
            });
        }
    }
    Ok(())
}

/// The datums of one side of a range bound, one per key column.
pub(super) fn range_datums(
    b: &mut Binder<'_>,
    side: &[ast::PartitionBoundValue],
    key_cols: &[&ColumnDef],
    which: &str,
) -> Result<Vec<Datum>> {
    if side.len() != key_cols.len() {
        return Err(SqlError::InvalidTableDefinition(format!(
            "{which} must specify exactly one value per partitioning column"
        )));
    }
    let mut out = Vec::with_capacity(side.len());
    for (v, col) in side.iter().zip(key_cols) {
        let d = match v {
            ast::PartitionBoundValue::MinValue => Datum::MinValue,
            ast::PartitionBoundValue::MaxValue => Datum::MaxValue,
            ast::PartitionBoundValue::Expr(e) => {
                let value = bound_value(b, e, col)?;
                if value.is_null() {
                    return Err(SqlError::InvalidTableDefinition(
                        "cannot specify NULL in range bound".into(),
                    ));
                }
                Datum::Value(value)
            }
        };
        let at = match v {
            ast::PartitionBoundValue::Expr(e) => b.position(e),
            _ => None,
        };
        match (out.last(), &d) {
            (Some(Datum::MinValue), Datum::MinValue) | (Some(Datum::MaxValue), Datum::MaxValue) => {
            }
            (Some(Datum::MinValue), _) => {
                return Err(SqlError::InvalidTableDefinition(
                    "every bound following MINVALUE must also be MINVALUE".into(),
                )
                .at(at))
            }
            (Some(Datum::MaxValue), _) => {
                return Err(SqlError::InvalidTableDefinition(
                    "every bound following MAXVALUE must also be MAXVALUE".into(),
                )
                .at(at))
            }
            _ => {}
        }
        out.push(d);
    }
    Ok(out)
}

/// A range bound as PostgreSQL prints it in messages: `(1, 'a', MAXVALUE)`.
pub(super) fn range_string(datums: &[Datum], key_cols: &[&ColumnDef]) -> String {
    let parts: Vec<String> = datums
        .iter()
        .zip(key_cols)
        .map(|(d, c)| match d {
            Datum::MinValue => "MINVALUE".into(),
            Datum::MaxValue => "MAXVALUE".into(),
            Datum::Value(v) => literal(v, c.ty),
        })
        .collect();
    format!("({})", parts.join(", "))
}

/// A constant as `get_const_expr` prints it: numbers bare, everything else quoted.
pub(crate) fn literal(v: &Value, ty: DataType) -> String {
    let text = v.to_text().unwrap_or_else(|| "NULL".into());
    if v.is_null() || (ty.category() == TypeCategory::Numeric && !text.contains(['N', 'I'])) {
        text
    } else if let Value::Bool(b) = v {
        b.to_string()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}
