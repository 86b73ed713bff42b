//! Functions that read the catalog (`pg_get_indexdef`, `pg_get_userbyid`, `format_type`, ...), and
//! the array helpers psql's queries use (`reg*` casts: `regcast.rs`). The binder resolves them into
//! ordinary expressions: a constant when the argument is one, otherwise a call of [`lookup`] whose
//! arguments carry a sorted map (keys, values) of the snapshot's objects, so that plans stay plain
//! data and evaluation needs no catalog.

use super::regcast::reg_in_expr;
pub(crate) use super::regcast::{reg_type, RegType};
use super::{oids, rows, Snapshot};
use crate::bind::Binder;
use crate::error::{Result, SqlError};
use crate::expr::{Expr, Function};
use crate::func::FuncSig;
use crate::types::typmod::format_type;
use crate::types::Array;
use crate::types::{DataType, FormatContext, Value};

/// What [`lookup`] answers for a key that is not in its map.
pub(super) const MISSING_NULL: i32 = 0;
pub(super) const MISSING_DIGITS: i32 = 1;
pub(super) const MISSING_UNKNOWN_OID: i32 = 2;

/// `lookup(key, keys, values, missing)`: the value at `key`'s position in the sorted `keys`.
fn lookup_fn(args: &[Value], _: &FormatContext) -> Result<Value> {
    let (Some(key), Some(Value::Array(keys)), Some(Value::Array(values))) =
        (args.first(), args.get(1), args.get(2))
    else {
        return Err(SqlError::Internal("catalog lookup called wrongly".into()));
    };
    let Value::Oid(k) = key else {
        return Ok(Value::Null);
    };
    let found = keys
        .items
        .binary_search_by(|v| match v {
            Value::Oid(x) => x.cmp(k),
            _ => std::cmp::Ordering::Less,
        })
        .ok()
        .and_then(|i| values.items.get(i).cloned());
    Ok(match (found, args.get(3)) {
        (Some(v), _) => v,
        (None, Some(Value::Int4(MISSING_DIGITS))) => Value::Text(k.to_string()),
        (None, Some(Value::Int4(MISSING_UNKNOWN_OID))) => Value::Text(format!("unknown (OID={k})")),
        (None, _) => Value::Null,
    })
}

/// A lookup of `key` (an oid expression) in `map`, yielding `ty`.
pub(super) fn lookup(key: Expr, mut map: Vec<(u32, Value)>, ty: DataType, missing: i32) -> Expr {
    map.sort_by_key(|(k, _)| *k);
    map.dedup_by_key(|(k, _)| *k);
    let keys = map.iter().map(|(k, _)| Value::Oid(*k)).collect();
    let values = map.into_iter().map(|(_, v)| v).collect();
    let keys_ty = DataType::OidArray;
    let values_ty = ty.array_of().unwrap_or(DataType::TextArray);
    let array = |elem: DataType, items| Value::Array(Box::new(Array::from_items(elem, items)));
    Expr::Call {
        func: Function(FuncSig {
            name: "pg_catalog_lookup",
            params: vec![DataType::Oid, keys_ty, values_ty, DataType::Int4],
            ret: ty,
            strict: false,
            volatile: false,
            func: lookup_fn,
        }),
        args: vec![
            key,
            Expr::Const(array(DataType::Oid, keys), keys_ty),
            Expr::Const(array(ty, values), values_ty),
            Expr::Const(Value::Int4(missing), DataType::Int4),
        ],
    }
}

/// A function of fixed behaviour built here (not in the user-visible function library).
pub(super) fn call(
    name: &'static str,
    params: Vec<DataType>,
    ret: DataType,
    f: crate::func::ScalarFn,
    args: Vec<Expr>,
) -> Expr {
    Expr::Call {
        func: Function(FuncSig {
            name,
            params,
            ret,
            strict: true,
            volatile: false,
            func: f,
        }),
        args,
    }
}

pub(super) fn null(ty: DataType) -> Expr {
    Expr::Const(Value::Null, ty)
}

fn format_type_fn(args: &[Value], _: &FormatContext) -> Result<Value> {
    let typmod = match args.get(1) {
        Some(Value::Int4(m)) => *m,
        _ => -1,
    };
    Ok(match args.first() {
        Some(Value::Oid(oid)) => Value::Text(match DataType::from_oid(*oid) {
            Some(ty) => format_type(ty, typmod),
            None => "???".into(),
        }),
        _ => Value::Null,
    })
}

fn encoding_fn(args: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Text(
        match args.first() {
            Some(Value::Int4(0)) => "SQL_ASCII",
            Some(Value::Int4(6)) => "UTF8",
            _ => "",
        }
        .into(),
    ))
}

fn array_to_string_fn(args: &[Value], ctx: &FormatContext) -> Result<Value> {
    let (Some(Value::Array(a)), Some(Value::Text(sep))) = (args.first(), args.get(1)) else {
        return Ok(Value::Null);
    };
    let null = match args.get(2) {
        Some(Value::Text(s)) => Some(s.as_str()),
        _ => None,
    };
    let parts: Vec<String> = a
        .items
        .iter()
        .filter_map(|v| match v.to_text_ctx(ctx) {
            Some(s) => Some(s),
            None => null.map(str::to_string),
        })
        .collect();
    Ok(Value::Text(parts.join(sep)))
}

fn array_upper_fn(args: &[Value], _: &FormatContext) -> Result<Value> {
    let (Some(Value::Array(a)), Some(Value::Int4(d))) = (args.first(), args.get(1)) else {
        return Ok(Value::Null);
    };
    Ok(
        match usize::try_from(*d - 1).ok().and_then(|i| a.dims.get(i)) {
            Some((len, lower)) => Value::Int4(lower + len - 1),
            None => Value::Null,
        },
    )
}

fn array_position_fn(args: &[Value], _: &FormatContext) -> Result<Value> {
    let (Some(Value::Array(a)), Some(x)) = (args.first(), args.get(1)) else {
        return Ok(Value::Null);
    };
    let lower = a.dims.first().map_or(1, |d| d.1);
    Ok(match a.items.iter().position(|v| v == x) {
        Some(i) => Value::Int4(lower + i as i32),
        None => Value::Null,
    })
}

impl Binder<'_> {
    /// A call of a catalog function (`name` without `pg_catalog.`); `None` if it is not one.
    pub(crate) fn catalog_function(&mut self, name: &str, args: &[Expr]) -> Option<Result<Expr>> {
        let generic = matches!(
            name,
            "array_to_string" | "array_upper" | "array_position" | "current_schemas"
        );
        if generic {
            let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
            if crate::func::resolve(name, &types).is_ok() {
                return None;
            }
        }
        let known = matches!(
            name,
            "pg_get_userbyid"
                | "pg_table_is_visible"
                | "pg_type_is_visible"
                | "pg_function_is_visible"
                | "format_type"
                | "pg_get_expr"
                | "pg_get_indexdef"
                | "pg_get_constraintdef"
                | "obj_description"
                | "col_description"
                | "shobj_description"
                | "pg_encoding_to_char"
                | "pg_relation_is_publishable"
                | "pg_get_statisticsobjdef_columns"
                | "pg_get_triggerdef"
                | "pg_get_function_result"
                | "pg_get_function_arguments"
                | "pg_get_functiondef"
                | "pg_get_function_sqlbody"
                | "pg_tablespace_location"
                | "to_regclass"
                | "to_regtype"
                | "to_regnamespace"
                | "to_regrole"
        );
        if !known && !generic {
            return None;
        }
        Some(self.bind_catalog_function(name, args.to_vec()))
    }

    fn oid_arg(&mut self, args: &mut [Expr], i: usize) -> Result<Expr> {
        let e = std::mem::replace(&mut args[i], null(DataType::Oid));
        self.coerce_at(e, DataType::Oid, None)
    }

    fn bind_catalog_function(&mut self, name: &str, mut args: Vec<Expr>) -> Result<Expr> {
        let n = args.len();
        let wrong = || {
            let types: Vec<DataType> = args.iter().map(Expr::data_type).collect();
            Err(SqlError::UndefinedFunction {
                signature: crate::func::signature(name, &types),
                position: None,
            })
        };
        let snap = Snapshot::of(self.ctx);
        match (name, n) {
            ("pg_get_userbyid", 1) => {
                let key = self.oid_arg(&mut args, 0)?;
                let map = rows::roles(&snap)
                    .into_iter()
                    .map(|(o, n, _)| (o, Value::Text(n)))
                    .collect();
                Ok(lookup(key, map, DataType::Name, MISSING_UNKNOWN_OID))
            }
            ("pg_table_is_visible" | "pg_type_is_visible", 1) => {
                let key = self.oid_arg(&mut args, 0)?;
                // A relation is visible when its schema is searched (pg_catalog always is);
                // every type lives in pg_catalog.
                let map = if name == "pg_table_is_visible" {
                    let seen = rows::visible(&snap);
                    rows::relations(&snap)
                        .iter()
                        .map(|c| (c.oid, Value::Bool(seen.contains(&c.oid))))
                        .collect()
                } else {
                    DataType::ALL
                        .iter()
                        .map(|t| (t.oid(), Value::Bool(true)))
                        .collect()
                };
                Ok(lookup(key, map, DataType::Bool, MISSING_NULL))
            }
            ("pg_relation_is_publishable", 1) => {
                let key = self.oid_arg(&mut args, 0)?;
                let map = rows::relations(&snap)
                    .iter()
                    .map(|c| (c.oid, Value::Bool(c.kind == "r" && c.table.is_some())))
                    .collect();
                Ok(lookup(key, map, DataType::Bool, MISSING_NULL))
            }
            ("to_regclass" | "to_regtype" | "to_regnamespace" | "to_regrole", 1) => {
                let reg = match name {
                    "to_regclass" => RegType::Class,
                    "to_regtype" => RegType::Type,
                    "to_regnamespace" => RegType::Namespace,
                    _ => RegType::Role,
                };
                let e = self.coerce_at(args.swap_remove(0), DataType::Text, None)?;
                Ok(reg_in_expr(reg, e, &snap, true))
            }
            // Both tablespaces are the data directory's.
            ("pg_tablespace_location", 1) => {
                let key = self.oid_arg(&mut args, 0)?;
                let map = [oids::TABLESPACE_DEFAULT, oids::TABLESPACE_GLOBAL]
                    .map(|o| (o, Value::Text(String::new())))
                    .to_vec();
                Ok(lookup(key, map, DataType::Text, MISSING_NULL))
            }
            // User-defined functions (`procs.rs`); built-in ones are not listed.
            ("pg_function_is_visible", 1) => {
                let key = self.oid_arg(&mut args, 0)?;
                let map = (snap.functions.iter())
                    .map(|f| (f.oid(), Value::Bool(true)))
                    .collect();
                Ok(lookup(key, map, DataType::Bool, MISSING_NULL))
            }
            ("pg_get_function_result" | "pg_get_function_arguments" | "pg_get_functiondef", 1) => {
                let key = self.oid_arg(&mut args, 0)?;
                let map = (snap.functions.iter())
                    .map(|f| {
                        let text = match name {
                            "pg_get_function_result" => super::procs::result_text(f),
                            "pg_get_functiondef" => super::procs::definition_text(f),
                            _ => super::procs::arguments_text(f),
                        };
                        (f.oid(), Value::Text(text))
                    })
                    .collect();
                Ok(lookup(key, map, DataType::Text, MISSING_NULL))
            }
            // The SQL-standard body (`RETURN`, `BEGIN ATOMIC`); NULL for a body given as text.
            ("pg_get_function_sqlbody", 1) => {
                let key = self.oid_arg(&mut args, 0)?;
                let map = (snap.functions.iter())
                    .filter_map(|f| Some((f.oid(), Value::Text(super::procs::sql_body(f)?))))
                    .collect();
                Ok(lookup(key, map, DataType::Text, MISSING_NULL))
            }
            // No statistics objects exist.
            ("pg_get_statisticsobjdef_columns", 1) => Ok(null(DataType::Text)),
            // No triggers exist (`pg_trigger` is empty; foreign keys are enforced without them).
            ("pg_get_triggerdef", 1 | 2) => Ok(null(DataType::Text)),
            // pg_description is empty.
            ("obj_description", 1 | 2) | ("col_description", 2) | ("shobj_description", 2) => {
                Ok(null(DataType::Text))
            }
            ("format_type", 2) => {
                let oid = self.oid_arg(&mut args, 0)?;
                let typmod = self.coerce_at(
                    args.pop().unwrap_or(null(DataType::Int4)),
                    DataType::Int4,
                    None,
                )?;
                let mut e = call(
                    "format_type",
                    vec![DataType::Oid, DataType::Int4],
                    DataType::Text,
                    format_type_fn,
                    vec![oid, typmod],
                );
                if let Expr::Call { func, .. } = &mut e {
                    // NULL typmod means "no modifier", not a NULL result.
                    func.0.strict = false;
                }
                Ok(e)
            }
            // Node trees are stored as SQL text (see the module docs of `syscat`).
            ("pg_get_expr", 2 | 3) => {
                let e = args.swap_remove(0);
                self.coerce_at(e, DataType::Text, None)
            }
            ("pg_get_indexdef", 1 | 3) | ("pg_get_constraintdef", 1 | 2) => {
                if name == "pg_get_indexdef"
                    && n == 3
                    && !matches!(args[1], Expr::Const(Value::Int4(0), _))
                {
                    // Column k > 0 asks for the index's k-th key column (NULL past the end).
                    let key = self.oid_arg(&mut args, 0)?;
                    let k = self.coerce_at(args.swap_remove(1), DataType::Int4, None)?;
                    let map = snap
                        .tables
                        .iter()
                        .flat_map(|t| {
                            super::indexes::of(t).into_iter().map(move |ix| {
                                let cols = (0..ix.columns.len())
                                    .filter_map(|k| ix.key_column(t, k))
                                    .map(Value::Text)
                                    .collect();
                                let a = Array::from_items(DataType::Text, cols);
                                (ix.oid, Value::Array(Box::new(a)))
                            })
                        })
                        .collect();
                    let cols = lookup(key.clone(), map, DataType::TextArray, MISSING_NULL);
                    let column =
                        crate::bind::array::subscript_expr(cols, k.clone(), DataType::Text);
                    if matches!(k, Expr::Const(..)) {
                        return Ok(column);
                    }
                    // A parameter (the plan cache lifts psql's literal 0): 0 still means the
                    // whole definition.
                    let whole = (snap.tables.iter())
                        .flat_map(|t| {
                            (super::indexes::of(t).into_iter())
                                .map(move |ix| (ix.oid, Value::Text(ix.indexdef(t))))
                        })
                        .collect();
                    let whole = lookup(key, whole, DataType::Text, MISSING_NULL);
                    let zero = Expr::Const(Value::Int4(0), DataType::Int4);
                    let is_zero = self.binary_bound(crate::expr::BinOp::Eq, k, zero, None)?;
                    return Ok(Expr::Node {
                        kind: crate::expr::Node::Case,
                        args: vec![is_zero, whole, column],
                        ty: DataType::Text,
                    });
                }
                let key = self.oid_arg(&mut args, 0)?;
                let mut map = Vec::new();
                for t in &snap.tables {
                    for ix in super::indexes::of(t) {
                        if name == "pg_get_indexdef" {
                            map.push((ix.oid, Value::Text(ix.indexdef(t))));
                        } else if let (Some(oid), Some(def)) = (ix.constraint, ix.constraintdef(t))
                        {
                            map.push((oid, Value::Text(def)));
                        }
                    }
                    if name == "pg_get_indexdef" {
                        continue;
                    }
                    for (k, c) in t.checks.iter().enumerate() {
                        let def = super::deparse::check_constraintdef(&c.source);
                        map.push((oids::check_constraint(t.id, k), Value::Text(def)));
                    }
                    for (k, fk) in t.foreign_keys.iter().enumerate() {
                        let parent = fk.parent_in(t, &snap.tables);
                        let visible = snap.path.contains(&fk.ref_schema);
                        let def = fk.definition(t, parent.map(|p| &**p), !visible);
                        map.push((oids::fk_constraint(t.id, k), Value::Text(def)));
                    }
                }
                Ok(lookup(key, map, DataType::Text, MISSING_NULL))
            }
            ("pg_encoding_to_char", 1) => {
                let e = self.coerce_at(args.swap_remove(0), DataType::Int4, None)?;
                Ok(call(
                    "pg_encoding_to_char",
                    vec![DataType::Int4],
                    DataType::Name,
                    encoding_fn,
                    vec![e],
                ))
            }
            ("current_schemas", 1) => {
                let implicit = matches!(args[0], Expr::Const(Value::Bool(true), _));
                if !matches!(args[0], Expr::Const(Value::Bool(_), _)) {
                    return wrong();
                }
                let path = self.ctx.catalog().search_path();
                let mut names = Vec::new();
                if implicit && !path.iter().any(|p| p == "pg_catalog") {
                    names.push(Value::Text("pg_catalog".into()));
                }
                names.extend(path.into_iter().map(Value::Text));
                let a = Array::from_items(DataType::Name, names);
                Ok(Expr::Const(Value::Array(Box::new(a)), DataType::NameArray))
            }
            ("array_to_string", 2 | 3) if args[0].data_type().elem().is_some() => {
                let a = args.remove(0);
                let ty = a.data_type();
                let mut rest = Vec::new();
                for e in args {
                    rest.push(self.coerce_at(e, DataType::Text, None)?);
                }
                let mut params = vec![ty];
                params.extend(rest.iter().map(|_| DataType::Text));
                let mut call_args = vec![a];
                call_args.extend(rest);
                let mut e = call(
                    "array_to_string",
                    params,
                    DataType::Text,
                    array_to_string_fn,
                    call_args,
                );
                if let Expr::Call { func, .. } = &mut e {
                    // A NULL null-string only drops NULL elements.
                    func.0.strict = n == 2;
                }
                Ok(e)
            }
            ("array_upper", 2) if args[0].data_type().elem().is_some() => {
                let a = args.remove(0);
                let ty = a.data_type();
                let d = self.coerce_at(args.remove(0), DataType::Int4, None)?;
                Ok(call(
                    "array_upper",
                    vec![ty, DataType::Int4],
                    DataType::Int4,
                    array_upper_fn,
                    vec![a, d],
                ))
            }
            ("array_position", 2) => {
                let Some(elem) = args[0].data_type().elem() else {
                    return wrong();
                };
                let a = args.remove(0);
                let ty = a.data_type();
                let x = self.coerce_at(args.remove(0), elem, None)?;
                let mut e = call(
                    "array_position",
                    vec![ty, elem],
                    DataType::Int4,
                    array_position_fn,
                    vec![a, x],
                );
                if let Expr::Call { func, .. } = &mut e {
                    func.0.strict = false;
                }
                Ok(e)
            }
            _ => wrong(),
        }
    }
}

impl Binder<'_> {
    /// A FROM item naming a system relation: its rows (a snapshot, as `VALUES`) and columns.
    pub(crate) fn system_relation(
        &mut self,
        sys: &'static super::SysRel,
    ) -> Result<(crate::plan::Rel, Vec<(String, DataType)>)> {
        let rows = rows::rows(sys, &Snapshot::of(self.ctx))?;
        let rows = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .zip(sys.columns)
                    .map(|(v, (_, t))| Expr::Const(v, *t))
                    .collect()
            })
            .collect();
        let cols = sys
            .columns
            .iter()
            .map(|(n, t)| (n.to_string(), *t))
            .collect();
        Ok((
            crate::plan::Rel::Local(crate::plan::LocalKind::Values(rows)),
            cols,
        ))
    }
}
