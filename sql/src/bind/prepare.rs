//! Binding SQL-level prepared statements (PREPARE, EXECUTE, DEALLOCATE) and cursors (DECLARE,
//! FETCH, MOVE, CLOSE). The session runs them (`server/src/session/prepare.rs`, `cursor.rs`):
//! prepared statements share the protocol's map of named statements, as in PostgreSQL.
//!
//! EXECUTE's arguments are kept as SQL text: their types come from the prepared statement,
//! which only the session knows, so it binds `SELECT (arg)::type, ...` when it runs them.

use sqlparser::ast;

use super::{ident, Binder, Statement};
use crate::error::{Result, SqlError};
use crate::plan::QueryPlan;
use crate::types::DataType;

/// PREPARE / EXECUTE / DEALLOCATE.
#[derive(Debug, Clone, PartialEq)]
pub enum PreparedCommand {
    Prepare {
        name: String,
        inner: Box<Statement>,
        /// The declared parameter types (`PREPARE p (int, text) AS ...`).
        declared: Vec<DataType>,
    },
    Execute {
        name: String,
        /// Each argument's SQL text.
        args: Vec<String>,
    },
    /// `None`: DEALLOCATE ALL.
    Deallocate(Option<String>),
}

/// DECLARE / FETCH / MOVE / CLOSE.
#[derive(Debug, Clone, PartialEq)]
pub enum CursorCommand {
    Declare {
        name: String,
        query: Box<QueryPlan>,
        /// `SCROLL` (true), `NO SCROLL` (false), or neither.
        scroll: Option<bool>,
        hold: bool,
    },
    Fetch {
        name: String,
        direction: FetchDirection,
        /// MOVE: position only, no rows.
        is_move: bool,
    },
    /// `None`: CLOSE ALL.
    Close(Option<String>),
}

/// Where a FETCH moves (PostgreSQL's FETCH directions; `None` counts mean ALL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchDirection {
    Forward(Option<i64>),
    Backward(Option<i64>),
    Absolute(i64),
    Relative(i64),
}

impl Binder<'_> {
    /// `PREPARE name [(types)] AS stmt`; `inner` is the statement bound with the declared types.
    pub(super) fn prepare_command(
        &mut self,
        name: &ast::Ident,
        data_types: &[ast::DataType],
        bind_inner: impl FnOnce(&[Option<DataType>]) -> Result<Statement>,
    ) -> Result<Statement> {
        let mut declared = Vec::with_capacity(data_types.len());
        for t in data_types {
            declared.push(super::typing::type_and_typmod(t)?.0);
        }
        let opts: Vec<Option<DataType>> = declared.iter().copied().map(Some).collect();
        let inner = bind_inner(&opts)?;
        Ok(Statement::Prepared(PreparedCommand::Prepare {
            name: ident(name),
            inner: Box::new(inner),
            declared,
        }))
    }

    pub(super) fn execute_command(
        &mut self,
        name: Option<&ast::ObjectName>,
        parameters: &[ast::Expr],
    ) -> Result<Statement> {
        let Some(name) = name else {
            return Err(SqlError::FeatureNotSupported(
                "EXECUTE IMMEDIATE is not supported".into(),
            ));
        };
        let name = name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident)
            .unwrap_or_default();
        Ok(Statement::Prepared(PreparedCommand::Execute {
            name,
            args: parameters.iter().map(ToString::to_string).collect(),
        }))
    }

    pub(super) fn declare_cursor(&mut self, d: &ast::Declare) -> Result<Statement> {
        let (Some(q), [name]) = (&d.for_query, d.names.as_slice()) else {
            return Err(SqlError::FeatureNotSupported(
                "this form of DECLARE is not supported".into(),
            ));
        };
        super::modifying::refuse_writes(q, "DECLARE CURSOR")?;
        let Statement::Query(plan) = self.query(q)? else {
            return Err(SqlError::Internal(
                "DECLARE query is not a query (bug)".into(),
            ));
        };
        Ok(Statement::Cursor(CursorCommand::Declare {
            name: ident(name),
            query: Box::new(plan),
            scroll: d.scroll,
            hold: d.hold.unwrap_or(false),
        }))
    }
}

/// `DEALLOCATE [PREPARE] name | ALL`.
pub(super) fn deallocate(name: &ast::Ident) -> Statement {
    let all = name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all");
    Statement::Prepared(PreparedCommand::Deallocate((!all).then(|| ident(name))))
}

/// `FETCH direction [FROM | IN] cursor`.
pub(super) fn fetch(name: &ast::Ident, direction: &ast::FetchDirection) -> Result<Statement> {
    use ast::FetchDirection as D;
    let count = |v: &ast::ValueWithSpan| -> Result<i64> {
        match &v.value {
            ast::Value::Number(n, _) => n.parse().map_err(|_| SqlError::Syntax {
                message: format!("syntax error at or near \"{n}\""),
                position: None,
            }),
            other => Err(SqlError::Syntax {
                message: format!("syntax error at or near \"{other}\""),
                position: None,
            }),
        }
    };
    let direction = match direction {
        D::Next => FetchDirection::Forward(Some(1)),
        D::Prior => FetchDirection::Backward(Some(1)),
        D::First => FetchDirection::Absolute(1),
        D::Last => FetchDirection::Absolute(-1),
        D::Absolute { limit } => FetchDirection::Absolute(count(limit)?),
        D::Relative { limit } => FetchDirection::Relative(count(limit)?),
        D::Count { limit } => {
            let n = count(limit)?;
            if n < 0 {
                FetchDirection::Backward(Some(-n))
            } else {
                FetchDirection::Forward(Some(n))
            }
        }
        D::All | D::ForwardAll => FetchDirection::Forward(None),
        D::Forward { limit } => FetchDirection::Forward(Some(match limit {
            Some(l) => count(l)?,
            None => 1,
        })),
        D::Backward { limit } => FetchDirection::Backward(Some(match limit {
            Some(l) => count(l)?,
            None => 1,
        })),
        D::BackwardAll => FetchDirection::Backward(None),
    };
    Ok(Statement::Cursor(CursorCommand::Fetch {
        name: ident(name),
        direction,
        is_move: false,
    }))
}

/// `CLOSE name | ALL`.
pub(super) fn close(cursor: &ast::CloseCursor) -> Statement {
    Statement::Cursor(CursorCommand::Close(match cursor {
        ast::CloseCursor::All => None,
        ast::CloseCursor::Specific { name } => Some(ident(name)),
    }))
}
