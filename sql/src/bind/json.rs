//! Binding the json functions that take any type (`to_json`, `json_build_object`,
//! `json_build_array`, `array_to_json` and their jsonb twins) and the json aggregates'
//! arguments.
//!
//! Built-in functions get their arguments as bare values, and a value alone does not say
//! whether a string is text or json (both travel as `Value::Text`), nor how a date should be
//! spelled in json. So each any-typed argument is wrapped in `Node::ToJson { from, .. }`,
//! which converts it with its SQL type in hand (`types::json::conv`), and the builder itself is
//! a plain function over json (or jsonb) values (`func::json`).

use sqlparser::ast;

use super::Binder;
use crate::error::{Result, SqlError};
use crate::expr::{Expr, Function, Node};
use crate::func::agg::{AggFunc, AggSig};
use crate::func::{FuncSig, ScalarFn};
use crate::types::{DataType, Value};

fn not_scalar_key() -> SqlError {
    SqlError::InvalidParameterValue(
        "key value must be scalar, not array, composite, or json".into(),
    )
}

impl Binder<'_> {
    /// `e` converted to json (or jsonb) by its type; an untyped literal is text.
    pub(crate) fn json_arg(&mut self, e: Expr, jsonb: bool, at: Option<u32>) -> Result<Expr> {
        let e = if e.data_type() == DataType::Unknown {
            self.coerce_at(e, DataType::Text, at)?
        } else {
            e
        };
        let (from, ty) = (
            e.data_type(),
            if jsonb {
                DataType::Jsonb
            } else {
                DataType::Json
            },
        );
        if from == ty {
            return Ok(e);
        }
        Ok(Expr::Node {
            kind: Node::ToJson { from, jsonb },
            args: vec![e],
            ty,
        })
    }

    /// The json functions over any types; `None` for other names.
    pub(crate) fn json_function(
        &mut self,
        name: &str,
        args: &[Expr],
        positions: &[Option<u32>],
        at: Option<u32>,
    ) -> Option<Result<Expr>> {
        let jsonb = name.starts_with("jsonb");
        let known = matches!(
            name,
            "to_json"
                | "to_jsonb"
                | "json_build_object"
                | "jsonb_build_object"
                | "json_build_array"
                | "jsonb_build_array"
                | "array_to_json"
        );
        known.then(|| self.json_call(name, jsonb, args.to_vec(), positions, at))
    }

    fn json_call(
        &mut self,
        name: &str,
        jsonb: bool,
        args: Vec<Expr>,
        positions: &[Option<u32>],
        at: Option<u32>,
    ) -> Result<Expr> {
        let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
        let undefined = || SqlError::UndefinedFunction {
            signature: crate::func::signature(name, &types),
            position: at,
        };
        let pos = |i: usize| positions.get(i).copied().flatten();
        let ty = if jsonb {
            DataType::Jsonb
        } else {
            DataType::Json
        };
        match name {
            "to_json" | "to_jsonb" => {
                let [arg] = <[Expr; 1]>::try_from(args).map_err(|_| undefined())?;
                if arg.data_type() == DataType::Unknown {
                    return Err(SqlError::DatatypeMismatch(
                        "could not determine polymorphic type because input has type unknown"
                            .into(),
                    )
                    .at(pos(0)));
                }
                self.json_arg(arg, jsonb, pos(0))
            }
            "array_to_json" => {
                if !(1..=2).contains(&args.len()) || types[0].elem().is_none() {
                    return Err(undefined());
                }
                let mut args = args.into_iter();
                let array = args.next().ok_or_else(undefined)?;
                let array = self.json_arg(array, false, pos(0))?;
                let mut call = vec![array];
                if let Some(pretty) = args.next() {
                    call.push(self.coerce_at(pretty, DataType::Bool, pos(1))?);
                }
                let params = vec![DataType::Json, DataType::Bool][..call.len()].to_vec();
                Ok(builder(
                    "array_to_json",
                    params,
                    DataType::Json,
                    crate::func::json::array_to_json_pretty,
                    call,
                ))
            }
            _ => {
                let object = name.ends_with("object");
                if object && !args.len().is_multiple_of(2) {
                    return Err(SqlError::Hinted {
                        error: Box::new(SqlError::InvalidParameterValue(
                            "argument list must have even number of elements".into(),
                        )),
                        hint: if jsonb {
                            "The arguments of jsonb_build_object() must consist of alternating keys and values."
                        } else {
                            "The arguments of json_build_object() must consist of alternating keys and values."
                        },
                    });
                }
                let mut call = Vec::with_capacity(args.len());
                for (i, a) in args.into_iter().enumerate() {
                    let t = a.data_type();
                    if object
                        && i % 2 == 0
                        && (t.elem().is_some() || matches!(t, DataType::Json | DataType::Jsonb))
                    {
                        return Err(not_scalar_key());
                    }
                    call.push(self.json_arg(a, jsonb, pos(i))?);
                }
                let (fname, func): (&'static str, ScalarFn) = match (object, jsonb) {
                    (true, false) => ("json_build_object", crate::func::json::json_build_object),
                    (true, true) => ("jsonb_build_object", crate::func::json::jsonb_build_object),
                    (false, false) => ("json_build_array", crate::func::json::json_build_array),
                    (false, true) => ("jsonb_build_array", crate::func::json::jsonb_build_array),
                };
                Ok(builder(fname, vec![ty; call.len()], ty, func, call))
            }
        }
    }

    /// The arguments of a json aggregate, converted to json/jsonb (other aggregates' pass
    /// through). Object aggregates' keys must be scalars.
    pub(crate) fn json_agg_args(&mut self, sig: &AggSig, args: Vec<Expr>) -> Result<Vec<Expr>> {
        let (jsonb, object) = match sig.func {
            AggFunc::JsonAgg { jsonb, .. } => (jsonb, false),
            AggFunc::JsonObjectAgg { jsonb } => (jsonb, true),
            _ => return Ok(args),
        };
        let mut out = Vec::with_capacity(args.len());
        for (i, a) in args.into_iter().enumerate() {
            let t = a.data_type();
            if object
                && i == 0
                && (t.elem().is_some() || matches!(t, DataType::Json | DataType::Jsonb))
            {
                return Err(not_scalar_key());
            }
            out.push(self.json_arg(a, jsonb, None)?);
        }
        Ok(out)
    }
}

/// `jsonb[key]`: one step of a jsonb path (a text step reads an array index too, as `#>`).
fn jsonb_subscript(a: &[Value], _: &crate::types::FormatContext) -> Result<Value> {
    let step = match a.get(1) {
        Some(Value::Text(s)) => s.clone(),
        Some(Value::Int4(n)) => n.to_string(),
        _ => return Ok(Value::Null),
    };
    let Some(Value::Jsonb(doc)) = a.first() else {
        return Ok(Value::Null);
    };
    Ok(crate::types::json::path::get_path(doc, &[Some(step)])
        .map_or(Value::Null, |j| Value::Jsonb(Box::new(j.clone()))))
}

impl Binder<'_> {
    /// `e[...]` for a jsonb `e`: integer or text subscripts, no slices.
    pub(crate) fn jsonb_subscript(&mut self, e: Expr, access: &ast::AccessExpr) -> Result<Expr> {
        let index = match access {
            ast::AccessExpr::Subscript(ast::Subscript::Index { index }) => index,
            ast::AccessExpr::Subscript(ast::Subscript::Slice { lower_bound, .. }) => {
                let at = lower_bound.as_ref().and_then(|l| self.position(l));
                return Err(SqlError::DatatypeMismatch(
                    "jsonb subscript does not support slices".into(),
                )
                .at(at));
            }
            other => {
                return Err(SqlError::FeatureNotSupported(format!(
                    "expression not supported yet: {other}"
                )))
            }
        };
        let at = self.position(index);
        let i = self.expr(index)?;
        let to = match i.data_type() {
            DataType::Int2 | DataType::Int4 => DataType::Int4,
            t if t == DataType::Unknown || t.is_string() => DataType::Text,
            t => {
                return Err(SqlError::Hinted {
                    error: Box::new(
                        SqlError::DatatypeMismatch(format!(
                            "subscript type {} is not supported",
                            t.sql_name()
                        ))
                        .at(at),
                    ),
                    hint: "jsonb subscript must be coercible to either integer or text.",
                })
            }
        };
        let i = self.coerce_at(i, to, at)?;
        Ok(builder(
            "jsonb_subscript",
            vec![DataType::Jsonb, to],
            DataType::Jsonb,
            jsonb_subscript,
            vec![e, i],
        ))
    }
}

fn builder(
    name: &'static str,
    params: Vec<DataType>,
    ret: DataType,
    func: ScalarFn,
    args: Vec<Expr>,
) -> Expr {
    Expr::Call {
        func: Function(FuncSig {
            name,
            params,
            ret,
            strict: matches!(name, "array_to_json" | "jsonb_subscript"),
            volatile: false,
            func,
        }),
        args,
    }
}
