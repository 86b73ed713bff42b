//! Array expressions: `ARRAY[a, b, ...]` and subscripts `arr[i]` (one-dimensional, as the
//! catalog queries of psql and drivers use them; slices and multi-dimensional constructors are
//! refused with 0A000). Tested with the catalog queries in `syscat/tests.rs`.

use sqlparser::ast;

use super::{common_type, Binder};
use crate::error::{Result, SqlError};
use crate::expr::{Expr, Function};
use crate::func::FuncSig;
use crate::types::{Array, DataType, FormatContext, Value};

/// `ARRAY[...]`: the first argument is the element type's OID, the rest are the elements.
fn make_array(args: &[Value], _: &FormatContext) -> Result<Value> {
    let elem = match args.first() {
        Some(Value::Oid(oid)) => DataType::from_oid(*oid),
        _ => None,
    }
    .ok_or_else(|| SqlError::Internal("ARRAY[] without an element type".into()))?;
    Ok(Value::Array(Box::new(Array::from_items(
        elem,
        args[1..].to_vec(),
    ))))
}

/// `arr[i]`: NULL outside the bounds, as in PostgreSQL.
fn subscript(args: &[Value], _: &FormatContext) -> Result<Value> {
    let (Some(Value::Array(a)), Some(Value::Int4(i))) = (args.first(), args.get(1)) else {
        return Ok(Value::Null);
    };
    if a.dims.len() != 1 {
        return Ok(Value::Null);
    }
    let (len, lower) = a.dims[0];
    let at = i64::from(*i) - i64::from(lower);
    Ok(if at < 0 || at >= i64::from(len) {
        Value::Null
    } else {
        a.items[at as usize].clone()
    })
}

/// `array[index]` over bound expressions (`index` int4, `elem` the array's element type).
pub(crate) fn subscript_expr(array: Expr, index: Expr, elem: DataType) -> Expr {
    let ty = array.data_type();
    Expr::Call {
        func: sig("subscript", vec![ty, DataType::Int4], elem, true, subscript),
        args: vec![array, index],
    }
}

fn sig(
    name: &'static str,
    params: Vec<DataType>,
    ret: DataType,
    strict: bool,
    func: crate::func::ScalarFn,
) -> Function {
    Function(FuncSig {
        name,
        params,
        ret,
        strict,
        volatile: false,
        func,
    })
}

impl Binder<'_> {
    /// `ARRAY[e1, e2, ...]`.
    pub(crate) fn array_constructor(&mut self, arr: &ast::Array, at: Option<u32>) -> Result<Expr> {
        let mut elems = Vec::with_capacity(arr.elem.len());
        for e in &arr.elem {
            if matches!(e, ast::Expr::Array(_)) {
                return Err(SqlError::FeatureNotSupported(
                    "multidimensional ARRAY[] constructors are not supported yet".into(),
                ));
            }
            elems.push(self.expr(e)?);
        }
        self.array_of_exprs(elems, at)
    }

    /// `ARRAY[...]` of bound elements (their common type is the element type).
    pub(crate) fn array_of_exprs(&mut self, elems: Vec<Expr>, at: Option<u32>) -> Result<Expr> {
        let mut ty = DataType::Unknown;
        for e in &elems {
            let t = e.data_type();
            ty = common_type(ty, t).ok_or_else(|| {
                SqlError::DatatypeMismatch(format!(
                    "ARRAY types {} and {} cannot be matched",
                    ty.sql_name(),
                    t.sql_name()
                ))
            })?;
        }
        if elems.is_empty() {
            return Err(SqlError::EmptyArrayType.at(at));
        }
        let ty = if ty == DataType::Unknown {
            DataType::Text
        } else {
            ty
        };
        let array_ty = ty.array_of().ok_or_else(|| {
            SqlError::FeatureNotSupported(format!("arrays of {} are not supported", ty.sql_name()))
        })?;
        let mut args = vec![Expr::Const(Value::Oid(ty.oid()), DataType::Oid)];
        for e in elems {
            args.push(self.coerce_at(e, ty, None)?);
        }
        let mut params = vec![DataType::Oid];
        params.extend(std::iter::repeat_n(ty, args.len() - 1));
        Ok(Expr::Call {
            func: sig("array", params, array_ty, false, make_array),
            args,
        })
    }

    /// `root[i][j]...` with index subscripts only.
    pub(crate) fn subscripted(
        &mut self,
        root: &ast::Expr,
        chain: &[ast::AccessExpr],
    ) -> Result<Expr> {
        let mut e = self.expr(root)?;
        for access in chain {
            if e.data_type() == DataType::Jsonb {
                e = self.jsonb_subscript(e, access)?;
                continue;
            }
            let ast::AccessExpr::Subscript(ast::Subscript::Index { index }) = access else {
                return Err(SqlError::FeatureNotSupported(format!(
                    "expression not supported yet: {access}"
                )));
            };
            let ty = e.data_type();
            let Some(elem) = ty.elem() else {
                return Err(SqlError::DatatypeMismatch(format!(
                    "cannot subscript type {} because it does not support subscripting",
                    ty.sql_name()
                )));
            };
            let i = self.expr(index)?;
            let i = self.coerce_at(i, DataType::Int4, self.position(index))?;
            e = subscript_expr(e, i, elem);
        }
        Ok(e)
    }
}
