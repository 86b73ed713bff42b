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

/// A json function's argument before conversion.
enum JsonArg {
    Value(Expr),
    /// A whole row: field names and values.
    Record((Vec<String>, Vec<Expr>)),
}

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

    /// A json function's argument: a whole row (`t` naming a FROM item, `ROW(...)`) or a
    /// value. A bare name is a column first, as in PostgreSQL.
    fn json_arg_ast(&mut self, e: &ast::Expr) -> Result<JsonArg> {
        match e {
            ast::Expr::Identifier(id) => match self.expr(e) {
                Ok(x) => Ok(JsonArg::Value(x)),
                Err(err) => match self.range_columns(&super::ident(id)) {
                    Some(cols) => Ok(JsonArg::Record(cols.into_iter().unzip())),
                    None => Err(err),
                },
            },
            ast::Expr::Function(f) if super::object_name(&f.name).eq_ignore_ascii_case("row") => {
                let ast::FunctionArguments::List(list) = &f.args else {
                    return Ok(JsonArg::Record((Vec::new(), Vec::new())));
                };
                let mut names = Vec::new();
                let mut exprs = Vec::new();
                for (i, a) in list.args.iter().enumerate() {
                    let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = a else {
                        return Err(SqlError::FeatureNotSupported(format!(
                            "row field not supported yet: {a}"
                        )));
                    };
                    let x = self.expr(x)?;
                    let x = if x.data_type() == DataType::Unknown {
                        self.coerce_at(x, DataType::Text, None)?
                    } else {
                        x
                    };
                    names.push(format!("f{}", i + 1));
                    exprs.push(x);
                }
                Ok(JsonArg::Record((names, exprs)))
            }
            _ => Ok(JsonArg::Value(self.expr(e)?)),
        }
    }

    /// A json aggregate's argument (whole rows allowed); other aggregates' as usual.
    pub(crate) fn agg_arg(&mut self, name: &str, e: &ast::Expr) -> Result<Expr> {
        if !matches!(name, "json_agg" | "jsonb_agg") {
            return self.expr(e);
        }
        match self.json_arg_ast(e)? {
            JsonArg::Value(x) => Ok(x),
            record => self.json_value(record, name == "jsonb_agg", None, false),
        }
    }

    /// `arg` as json/jsonb.
    fn json_value(
        &mut self,
        arg: JsonArg,
        jsonb: bool,
        at: Option<u32>,
        pretty: bool,
    ) -> Result<Expr> {
        match arg {
            JsonArg::Value(e) => self.json_arg(e, jsonb, at),
            JsonArg::Record((names, exprs)) => Ok(Expr::Node {
                kind: Node::RecordToJson {
                    names,
                    jsonb,
                    pretty,
                },
                args: exprs,
                ty: if jsonb {
                    DataType::Jsonb
                } else {
                    DataType::Json
                },
            }),
        }
    }

    /// The json functions over any types (and whole rows); `None` for other names.
    pub(crate) fn json_function(&mut self, name: &str, f: &ast::Function) -> Option<Result<Expr>> {
        let known = matches!(
            name,
            "to_json"
                | "to_jsonb"
                | "row_to_json"
                | "json_build_object"
                | "jsonb_build_object"
                | "json_build_array"
                | "jsonb_build_array"
                | "array_to_json"
        );
        if !known {
            return None;
        }
        let ast::FunctionArguments::List(list) = &f.args else {
            return Some(self.json_call(name, Vec::new(), self.position(&f.name)));
        };
        let mut args = Vec::with_capacity(list.args.len());
        for a in &list.args {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                return Some(Err(SqlError::FeatureNotSupported(format!(
                    "function argument not supported yet: {a}"
                ))));
            };
            let at = self.position(e);
            match self.json_arg_ast(e) {
                Ok(x) => args.push((x, at)),
                Err(err) => return Some(Err(err)),
            }
        }
        Some(self.json_call(name, args, self.position(&f.name)))
    }

    fn json_call(
        &mut self,
        name: &str,
        args: Vec<(JsonArg, Option<u32>)>,
        at: Option<u32>,
    ) -> Result<Expr> {
        let jsonb = name.starts_with("jsonb") || name == "to_jsonb";
        let types: Vec<DataType> = args
            .iter()
            .map(|(a, _)| match a {
                JsonArg::Value(e) => e.data_type(),
                JsonArg::Record(_) => DataType::Unknown,
            })
            .collect();
        let undefined = |name: &str| SqlError::UndefinedFunction {
            signature: crate::func::signature(name, &types).replace("unknown", "record"),
            position: at,
        };
        let ty = if jsonb {
            DataType::Jsonb
        } else {
            DataType::Json
        };
        match name {
            "to_json" | "to_jsonb" => {
                let [(arg, pos)] =
                    <[(JsonArg, Option<u32>); 1]>::try_from(args).map_err(|_| undefined(name))?;
                if let JsonArg::Value(e) = &arg {
                    if e.data_type() == DataType::Unknown {
                        return Err(SqlError::DatatypeMismatch(
                            "could not determine polymorphic type because input has type unknown"
                                .into(),
                        )
                        .at(pos));
                    }
                }
                self.json_value(arg, jsonb, pos, false)
            }
            "row_to_json" => {
                let mut args = args.into_iter();
                let (Some((record @ JsonArg::Record(_), _)), pretty, None) =
                    (args.next(), args.next(), args.next())
                else {
                    return Err(undefined(name));
                };
                let pretty = match pretty {
                    None => false,
                    Some((JsonArg::Value(Expr::Const(Value::Bool(b), _)), _)) => b,
                    Some(_) => {
                        return Err(SqlError::FeatureNotSupported(
                            "row_to_json with a non-constant pretty flag".into(),
                        ))
                    }
                };
                self.json_value(record, false, None, pretty)
            }
            "array_to_json" => {
                let mut args = args.into_iter();
                let (Some((JsonArg::Value(array), pos)), pretty, None) =
                    (args.next(), args.next(), args.next())
                else {
                    return Err(undefined(name));
                };
                if array.data_type().elem().is_none() {
                    return Err(undefined(name));
                }
                let array = self.json_arg(array, false, pos)?;
                let mut call = vec![array];
                match pretty {
                    None => {}
                    Some((JsonArg::Value(p), at)) => {
                        call.push(self.coerce_at(p, DataType::Bool, at)?)
                    }
                    Some(_) => return Err(undefined(name)),
                }
                let params = [DataType::Json, DataType::Bool][..call.len()].to_vec();
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
                        detail: None,
                    });
                }
                let mut call = Vec::with_capacity(args.len());
                for (i, (a, pos)) in args.into_iter().enumerate() {
                    let key = object && i % 2 == 0;
                    if key {
                        let scalar = match &a {
                            JsonArg::Value(e) => {
                                let t = e.data_type();
                                t.elem().is_none() && !matches!(t, DataType::Json | DataType::Jsonb)
                            }
                            JsonArg::Record(_) => false,
                        };
                        if !scalar {
                            return Err(not_scalar_key());
                        }
                    }
                    call.push(self.json_value(a, jsonb, pos, false)?);
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
    /// through), and the signature (json_agg of whole rows puts each on a line of its own).
    /// Object aggregates' keys must be scalars.
    pub(crate) fn json_agg_args(
        &mut self,
        mut sig: AggSig,
        args: Vec<Expr>,
    ) -> Result<(AggSig, Vec<Expr>)> {
        let (jsonb, object) = match sig.func {
            AggFunc::JsonAgg { jsonb, .. } => (jsonb, false),
            AggFunc::JsonObjectAgg { jsonb } => (jsonb, true),
            _ => return Ok((sig, args)),
        };
        if let (
            AggFunc::JsonAgg { jsonb, .. },
            Some(Expr::Node {
                kind: Node::RecordToJson { .. },
                ..
            }),
        ) = (sig.func, args.first())
        {
            sig.func = AggFunc::JsonAgg {
                jsonb,
                newline: true,
            };
        }
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
        Ok((sig, out))
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
                    detail: None,
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
