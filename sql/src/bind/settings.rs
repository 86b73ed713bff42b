//! SET, SET TRANSACTION and transaction modes: from sqlparser's forms to [`Statement::Set`] and
//! friends, with values flattened as PostgreSQL's grammar does (identifiers lowercased unless quoted).

use sqlparser::ast;

use super::{ident, object_name, SetValue, Statement, TransactionMode};
use crate::error::{Result, SqlError};

/// Adds `[NOT] DEFERRABLE` (taken out before parsing, see `locking.rs`) to a mode list.
pub(super) fn with_deferrable(
    mut modes: Vec<TransactionMode>,
    d: Option<bool>,
) -> Vec<TransactionMode> {
    modes.extend(d.map(TransactionMode::Deferrable));
    modes
}

pub(super) fn mode(m: &ast::TransactionMode) -> TransactionMode {
    match m {
        ast::TransactionMode::AccessMode(a) => {
            TransactionMode::ReadOnly(matches!(a, ast::TransactionAccessMode::ReadOnly))
        }
        ast::TransactionMode::IsolationLevel(l) => {
            TransactionMode::IsolationLevel(l.to_string().to_ascii_lowercase())
        }
    }
}

pub(super) fn set_statement(set: &ast::Set) -> Result<Statement> {
    match set {
        ast::Set::SingleAssignment {
            scope,
            variable,
            values,
            ..
        } => {
            let name = object_name(variable);
            let local = matches!(scope, Some(ast::ContextModifier::Local));
            let value = if values.len() == 1 && is_default(&values[0]) {
                SetValue::Default
            } else {
                SetValue::Values(values.iter().map(set_item).collect::<Result<_>>()?)
            };
            Ok(Statement::Set { name, value, local })
        }
        ast::Set::SetTimeZone { local, value } => Ok(Statement::Set {
            name: "timezone".into(),
            value: if is_default(value) {
                SetValue::Default
            } else {
                SetValue::Values(vec![set_item(value)?])
            },
            local: *local,
        }),
        ast::Set::SetTransaction {
            modes,
            session: false,
            snapshot: None,
        } => Ok(Statement::SetTransaction(modes.iter().map(mode).collect())),
        ast::Set::SetTransaction {
            modes,
            session: true,
            snapshot: None,
        } => Ok(Statement::SetSessionCharacteristics(
            modes.iter().map(mode).collect(),
        )),
        ast::Set::SetNames { charset_name, .. } => Ok(Statement::Set {
            name: "client_encoding".into(),
            value: SetValue::Values(vec![charset_name.value.clone()]),
            local: false,
        }),
        other => Err(SqlError::FeatureNotSupported(format!(
            "statement not supported yet: {other}"
        ))),
    }
}

pub(super) fn is_default(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

/// A SET value as PostgreSQL flattens it: identifiers (lowercased unless quoted), strings, numbers.
pub(super) fn set_item(e: &ast::Expr) -> Result<String> {
    match e {
        ast::Expr::Identifier(i) => Ok(ident(i)),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => {
                Ok(s.clone())
            }
            ast::Value::Number(n, _) => Ok(n.clone()),
            ast::Value::Boolean(b) => Ok(if *b { "on".into() } else { "off".into() }),
            other => Ok(other.to_string()),
        },
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => Ok(format!("-{}", set_item(expr)?)),
        other => Err(SqlError::Syntax {
            message: format!("syntax error at or near \"{other}\""),
            position: None,
        }),
    }
}
