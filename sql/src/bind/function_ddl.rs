//! CREATE [OR REPLACE] FUNCTION, ALTER FUNCTION and DROP FUNCTION binding (calls and the
//! body checks they share: `function.rs`).
//!
//! CREATE builds a [`FunctionDef`] from the statement and binds its body as a call would
//! (`Binder::bind_body`), so a body that cannot work is refused at CREATE with PostgreSQL's
//! error. ALTER FUNCTION makes a changed copy of the definition with the same id (the shards
//! replace it). Only LANGUAGE sql is run; plpgsql and other languages are refused (0A000), C
//! with PostgreSQL's missing-library error when the library is absent.

use std::sync::Arc;

use sqlparser::ast;

use super::{ident, Binder, Statement};
use crate::error::{Result, SqlError};
use crate::function::{FuncArg, FunctionBody, FunctionDef, Volatility};
use crate::types::DataType;

/// `schema.name` of a function: only `public` (or no schema) exists.
fn function_name(name: &ast::ObjectName) -> Result<String> {
    let full = super::object_name(name);
    let bare = full
        .strip_prefix("public.")
        .or_else(|| full.strip_prefix("pg_catalog."))
        .unwrap_or(&full);
    if bare.contains('.') {
        return Err(SqlError::FeatureNotSupported(
            "schemas other than public are not supported yet".into(),
        ));
    }
    Ok(bare.to_string())
}

pub(super) fn definition_error(message: impl Into<String>, detail: Option<String>) -> SqlError {
    SqlError::FunctionDefinition {
        message: message.into(),
        detail,
    }
}

/// The text of a string-literal body (`AS 'text'`, `AS $$text$$`).
fn string_of(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                Some(s.clone())
            }
            ast::Value::DollarQuotedString(d) => Some(d.value.clone()),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn create_function(b: &mut Binder<'_>, cf: &ast::CreateFunction) -> Result<Statement> {
    let name = function_name(&cf.name)?;
    if cf.temporary || cf.or_alter || cf.if_not_exists {
        return Err(SqlError::FeatureNotSupported(
            "this form of CREATE FUNCTION is not supported yet".into(),
        ));
    }
    let language = cf.language.as_ref().map(|l| l.value.to_lowercase());
    let body = match (&cf.function_body, language.as_deref()) {
        (_, Some("plpgsql")) => {
            return Err(SqlError::FeatureNotSupported(
                "LANGUAGE plpgsql is not supported yet (only LANGUAGE sql)".into(),
            ))
        }
        (Some(ast::CreateFunctionBody::AsBeforeOptions { body, .. }), Some("c")) => {
            let file = string_of(body).unwrap_or_default();
            if !std::path::Path::new(&file).exists() {
                return Err(SqlError::UndefinedFile(format!(
                    "could not access file \"{file}\": No such file or directory"
                )));
            }
            return Err(SqlError::FeatureNotSupported(
                "LANGUAGE C is not supported".into(),
            ));
        }
        (_, Some(l)) if l != "sql" => {
            return Err(SqlError::FeatureNotSupported(format!(
                "LANGUAGE {l} is not supported (only LANGUAGE sql)"
            )))
        }
        (
            Some(ast::CreateFunctionBody::AsBeforeOptions {
                body,
                link_symbol: None,
            }),
            lang,
        ) => {
            if lang.is_none() {
                return Err(definition_error("no language specified", None));
            }
            FunctionBody::Source(string_of(body).ok_or_else(|| {
                SqlError::FeatureNotSupported("this function body is not supported".into())
            })?)
        }
        (Some(ast::CreateFunctionBody::AsBeforeOptions { .. }), _) => {
            return Err(definition_error(
                "only one AS item needed for language \"sql\"",
                None,
            ))
        }
        (Some(ast::CreateFunctionBody::Return(e)), _) => FunctionBody::Return(e.to_string()),
        (Some(ast::CreateFunctionBody::BeginAtomic(stmts)), _) => {
            FunctionBody::Atomic(stmts.statements.iter().map(ToString::to_string).collect())
        }
        (None, _) => return Err(definition_error("no function body specified", None)),
        (Some(_), _) => {
            return Err(SqlError::FeatureNotSupported(
                "this function body is not supported".into(),
            ))
        }
    };
    if !cf.set_params.is_empty() {
        return Err(SqlError::FeatureNotSupported(
            "SET clauses of functions are not supported yet".into(),
        ));
    }
    let mut args = Vec::new();
    for a in cf.args.iter().flatten() {
        if matches!(
            a.mode,
            Some(ast::ArgMode::Out | ast::ArgMode::InOut | ast::ArgMode::Variadic)
        ) {
            return Err(SqlError::FeatureNotSupported(
                "OUT, INOUT and VARIADIC arguments are not supported yet".into(),
            ));
        }
        let ty = super::data_type_of(&a.data_type)?;
        let arg_name = a.name.as_ref().map(ident);
        if let Some(n) = &arg_name {
            if args.iter().any(|x: &FuncArg| x.name.as_deref() == Some(n)) {
                return Err(definition_error(
                    format!("parameter name \"{n}\" used more than once"),
                    None,
                ));
            }
        }
        let default = match &a.default_expr {
            None => {
                if args.iter().any(|x: &FuncArg| x.default.is_some()) {
                    return Err(definition_error(
                        "input parameters after one with a default value must also have defaults",
                        None,
                    ));
                }
                None
            }
            Some(e) => {
                let text = e.to_string();
                b.standalone_expr(&text, ty)?;
                Some(text)
            }
        };
        args.push(FuncArg {
            name: arg_name,
            ty,
            default,
        });
    }
    let (ret, retset) = match &cf.return_type {
        None => {
            return Err(definition_error(
                "function result type must be specified",
                None,
            ))
        }
        Some(ast::FunctionReturnType::DataType(t)) => (result_type(t)?, false),
        Some(ast::FunctionReturnType::SetOf(t)) => (result_type(t)?, true),
    };
    let def = FunctionDef {
        id: 0,
        database: b.ctx.database(),
        schema: "public".into(),
        name,
        args,
        ret,
        retset,
        volatility: match cf.behavior {
            Some(ast::FunctionBehavior::Immutable) => Volatility::Immutable,
            Some(ast::FunctionBehavior::Stable) => Volatility::Stable,
            _ => Volatility::Volatile,
        },
        strict: matches!(
            cf.called_on_null,
            Some(
                ast::FunctionCalledOnNull::Strict
                    | ast::FunctionCalledOnNull::ReturnsNullOnNullInput
            )
        ),
        security_definer: matches!(cf.security, Some(ast::FunctionSecurity::Definer)),
        leakproof: false,
        parallel: cf.parallel.as_ref().map_or('u', parallel_code),
        body,
    };
    // What a call would bind, checked now (PostgreSQL validates the body at CREATE).
    let saved = b.in_query;
    b.in_query = true;
    let checked = b.bind_body(&def);
    b.in_query = saved;
    // Positions in the body point into this statement where the body's text is its own.
    let start = match &cf.function_body {
        Some(ast::CreateFunctionBody::AsBeforeOptions { body, .. }) => {
            let quote = match body {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::DollarQuotedString(d) => d.tag.as_ref().map_or(0, |t| t.len()) + 2,
                    _ => 1,
                },
                _ => 1,
            };
            b.position(body).map(|p| p + quote as u32)
        }
        // The body's text is `SELECT expression`.
        Some(ast::CreateFunctionBody::Return(e)) => b.position(e).map(|p| p.saturating_sub(7)),
        _ => None,
    };
    checked.map_err(|e| e.map_position(|p| start.map(|s| s + p - 1)))?;
    let existing = same_signature(b, &def);
    if let Some(old) = existing {
        if !cf.or_replace {
            return Err(SqlError::DuplicateFunction(def.name));
        }
        if old.ret != def.ret || old.retset != def.retset {
            return Err(definition_error(
                "cannot change return type of existing function",
                None,
            ));
        }
    }
    Ok(Statement::CreateFunction {
        func: def,
        or_replace: cf.or_replace,
    })
}

/// The existing function with `def`'s name and argument types.
fn same_signature(b: &Binder<'_>, def: &FunctionDef) -> Option<Arc<FunctionDef>> {
    let types = def.arg_types();
    (b.ctx.catalog().functions(&def.name))
        .into_iter()
        .find(|f| f.arg_types() == types)
}

fn result_type(t: &ast::DataType) -> Result<DataType> {
    let text = t.to_string().to_ascii_lowercase();
    if matches!(
        text.as_str(),
        "void" | "trigger" | "record" | "event_trigger"
    ) {
        return Err(SqlError::FeatureNotSupported(format!(
            "functions returning {text} are not supported yet"
        )));
    }
    if text.starts_with("table") {
        return Err(SqlError::FeatureNotSupported(
            "RETURNS TABLE is not supported yet".into(),
        ));
    }
    super::data_type_of(t)
}

/// The function a `name[(argtypes)]` designates: `Ok(Err(message))` when there is none (the
/// message PostgreSQL gives), 42725 when a bare name has several overloads.
fn designated(
    desc: &ast::FunctionDesc,
    catalog: &dyn crate::catalog::Catalog,
) -> Result<std::result::Result<Arc<FunctionDef>, String>> {
    let name = function_name(&desc.name)?;
    let candidates = catalog.functions(&name);
    Ok(match &desc.args {
        None => match candidates.as_slice() {
            [] => Err(format!("could not find a function named \"{name}\"")),
            [one] => Ok(one.clone()),
            _ => return Err(SqlError::FunctionNotUnique(name)),
        },
        Some(args) => {
            let mut types = Vec::new();
            for a in args {
                if !matches!(a.mode, Some(ast::ArgMode::Out)) {
                    types.push(super::data_type_of(&a.data_type)?);
                }
            }
            match candidates.into_iter().find(|f| f.arg_types() == types) {
                Some(f) => Ok(f),
                None => Err(format!(
                    "function {} does not exist",
                    crate::func::signature(&name, &types)
                )),
            }
        }
    })
}

/// DROP FUNCTION [IF EXISTS] name[(argtypes)], ...: the functions found; `missing` holds the
/// NOTICE texts for the ones IF EXISTS skips.
pub(super) fn drop_function(
    df: &ast::DropFunction,
    catalog: &dyn crate::catalog::Catalog,
) -> Result<Statement> {
    let mut funcs: Vec<Arc<FunctionDef>> = Vec::new();
    let mut missing = Vec::new();
    for desc in &df.func_desc {
        match designated(desc, catalog)? {
            Ok(f) => {
                if !funcs.iter().any(|x| x.id == f.id) {
                    funcs.push(f)
                }
            }
            Err(message) if df.if_exists => {
                let message = match &desc.args {
                    None => format!(
                        "function {}() does not exist, skipping",
                        function_name(&desc.name)?
                    ),
                    Some(_) => format!("{message}, skipping"),
                };
                missing.push(message);
            }
            Err(message) => return Err(SqlError::NoSuchFunction(message)),
        }
    }
    Ok(Statement::DropFunction { funcs, missing })
}

/// ALTER FUNCTION name[(argtypes)] action ... | RENAME TO | OWNER TO: the changed definition
/// (same id). COST, ROWS and SUPPORT are accepted and change nothing PGLiteDB uses.
pub(super) fn alter_function(
    af: &ast::AlterFunction,
    ctx: &dyn super::SessionContext,
) -> Result<Statement> {
    if af.kind != ast::AlterFunctionKind::Function {
        return Err(SqlError::FeatureNotSupported(
            "ALTER AGGREGATE is not supported yet".into(),
        ));
    }
    let old = designated(&af.function, ctx.catalog())?.map_err(SqlError::NoSuchFunction)?;
    let mut new = (*old).clone();
    match &af.operation {
        ast::AlterFunctionOperation::RenameTo { new_name } => new.name = ident(new_name),
        ast::AlterFunctionOperation::OwnerTo(owner) => {
            if let ast::Owner::Ident(role) = owner {
                let role = ident(role);
                let user = ctx
                    .setting("session_authorization")
                    .unwrap_or_else(|| "postgres".into());
                if role != user {
                    return Err(SqlError::UndefinedObject(format!(
                        "role \"{role}\" does not exist"
                    )));
                }
            }
        }
        ast::AlterFunctionOperation::Actions { actions, .. } => {
            for a in actions {
                match a {
                    ast::AlterFunctionAction::CalledOnNull(c) => {
                        new.strict = !matches!(c, ast::FunctionCalledOnNull::CalledOnNullInput)
                    }
                    ast::AlterFunctionAction::Behavior(b) => {
                        new.volatility = match b {
                            ast::FunctionBehavior::Immutable => Volatility::Immutable,
                            ast::FunctionBehavior::Stable => Volatility::Stable,
                            ast::FunctionBehavior::Volatile => Volatility::Volatile,
                        }
                    }
                    ast::AlterFunctionAction::Leakproof(on) => new.leakproof = *on,
                    ast::AlterFunctionAction::Security { security, .. } => {
                        new.security_definer = matches!(security, ast::FunctionSecurity::Definer)
                    }
                    ast::AlterFunctionAction::Parallel(p) => new.parallel = parallel_code(p),
                    ast::AlterFunctionAction::Cost(_)
                    | ast::AlterFunctionAction::Rows(_)
                    | ast::AlterFunctionAction::Support(_) => {}
                    ast::AlterFunctionAction::Set(_) | ast::AlterFunctionAction::Reset(_) => {
                        return Err(SqlError::FeatureNotSupported(
                            "SET clauses of functions are not supported yet".into(),
                        ))
                    }
                }
            }
        }
        _ => {
            return Err(SqlError::FeatureNotSupported(
                "this form of ALTER FUNCTION is not supported yet".into(),
            ))
        }
    }
    Ok(Statement::AlterFunction(new))
}

fn parallel_code(p: &ast::FunctionParallel) -> char {
    match p {
        ast::FunctionParallel::Safe => 's',
        ast::FunctionParallel::Restricted => 'r',
        ast::FunctionParallel::Unsafe => 'u',
    }
}
