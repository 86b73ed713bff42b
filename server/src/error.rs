//! Turning errors of the other crates into ErrorResponse fields. SQLSTATEs are decided by each crate's
//! `sqlstate()`; this module only carries them, with message, position and hint, onto the wire.

use pglitedb_protocol::{ErrorFields, ProtocolError, Severity, SqlState};
use pglitedb_shard::ShardError;
use pglitedb_sql::SqlError;

/// An error a session reports to its client.
pub fn from_sql(e: &SqlError) -> ErrorFields {
    let mut f = ErrorFields::error(code(e.sqlstate()), e.to_string());
    if let Some(d) = e.detail() {
        f = f.with_detail(d);
    }
    if let Some(p) = e.position() {
        f = f.with_position(p);
    }
    if let Some(h) = e.hint() {
        f = f.with_hint(h);
    }
    if let Some(c) = e.context() {
        f.extra.get_or_insert_with(Default::default).where_ = Some(c.to_string());
    }
    f
}

/// An error a shard answered with.
pub fn from_shard(e: &ShardError) -> ErrorFields {
    match e {
        ShardError::Sql(e) => from_sql(e),
        other => ErrorFields::error(code(other.sqlstate()), other.to_string()),
    }
}

/// A framing or message error: the connection cannot continue.
pub fn from_protocol(e: &ProtocolError) -> ErrorFields {
    ErrorFields::new(Severity::Fatal, e.sqlstate(), e.to_string())
}

/// A plain error with a code.
pub fn error(code: SqlState, message: impl Into<String>) -> ErrorFields {
    ErrorFields::error(code, message)
}

/// A NOTICE.
pub fn notice(code: SqlState, message: impl Into<String>) -> ErrorFields {
    ErrorFields::new(Severity::Notice, code, message)
}

/// A WARNING notice.
pub fn warning(code: SqlState, message: impl Into<String>) -> ErrorFields {
    ErrorFields::new(Severity::Warning, code, message)
}

fn code(s: &str) -> SqlState {
    SqlState::from_str(s).unwrap_or(SqlState::INTERNAL_ERROR)
}
