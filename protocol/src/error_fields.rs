//! The fields of ErrorResponse and NoticeResponse (PostgreSQL "Error and Notice Message Fields").
//!
//! The SQL and shard layers decide *what* went wrong; this type is how it is told to the client.
//! Which fields a client shows: psql prints `S`, `M`, `D`, `H` and draws `LINE 1: … ^` from `P`;
//! drivers map `C` to exception classes; pgbench retries on `C` = 40001/40P01.

use crate::SqlState;

/// Severity of an ErrorResponse (`Error`, `Fatal`, `Panic`) or a NoticeResponse (the others).
/// The same English word goes into both the `S` and the non-localized `V` field.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Severity {
    #[default]
    Error,
    /// The session ends after this message.
    Fatal,
    Panic,
    Warning,
    Notice,
    Debug,
    Info,
    Log,
}

impl Severity {
    /// The word PostgreSQL writes, e.g. `"ERROR"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
            Severity::Panic => "PANIC",
            Severity::Warning => "WARNING",
            Severity::Notice => "NOTICE",
            Severity::Debug => "DEBUG",
            Severity::Info => "INFO",
            Severity::Log => "LOG",
        }
    }
}

/// Everything an ErrorResponse or NoticeResponse can carry. The fields every error may use are inline;
/// the rarer ones live in a boxed [`ExtraFields`], which keeps `ErrorFields` under 100 bytes so that
/// `Result<T, ErrorFields>` stays cheap (and below clippy's `result_large_err` bound).
///
/// `Default` gives an ERROR with code XX000 and an empty message, so callers can write
/// `ErrorFields { code, message, ..Default::default() }` or use [`ErrorFields::new`] and the `with_*`
/// builders.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ErrorFields {
    /// `S` and `V`.
    pub severity: Severity,
    /// `C`.
    pub code: SqlState,
    /// `M`: one line, no trailing period, lower-case start (PostgreSQL style).
    pub message: String,
    /// `D`: more detail, may span lines.
    pub detail: Option<String>,
    /// `H`: advice.
    pub hint: Option<String>,
    /// `P`: 1-based position in characters (not bytes) into the client's query string.
    pub position: Option<u32>,
    /// The rarely used fields; `None` when all of them are absent.
    pub extra: Option<Box<ExtraFields>>,
}

/// The less common fields of an ErrorResponse/NoticeResponse.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ExtraFields {
    /// `p`: like `position`, but into `internal_query`.
    pub internal_position: Option<u32>,
    /// `q`: an internally generated query that failed.
    pub internal_query: Option<String>,
    /// `W`: context, e.g. a call stack of functions.
    pub where_: Option<String>,
    /// `s`
    pub schema: Option<String>,
    /// `t`
    pub table: Option<String>,
    /// `c`
    pub column: Option<String>,
    /// `d`
    pub data_type: Option<String>,
    /// `n`
    pub constraint: Option<String>,
    /// `F`, `L`, `R`: source location, for our own debugging; clients do not need them.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub routine: Option<String>,
}

static NO_EXTRA: ExtraFields = ExtraFields {
    internal_position: None,
    internal_query: None,
    where_: None,
    schema: None,
    table: None,
    column: None,
    data_type: None,
    constraint: None,
    file: None,
    line: None,
    routine: None,
};

impl Default for ErrorFields {
    fn default() -> Self {
        ErrorFields::new(Severity::Error, SqlState::INTERNAL_ERROR, String::new())
    }
}

impl ErrorFields {
    pub fn new(severity: Severity, code: SqlState, message: impl Into<String>) -> ErrorFields {
        ErrorFields {
            severity,
            code,
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
            extra: None,
        }
    }

    /// An ERROR with this code and message.
    pub fn error(code: SqlState, message: impl Into<String>) -> ErrorFields {
        ErrorFields::new(Severity::Error, code, message)
    }

    /// A FATAL error: the server closes the connection after sending it.
    pub fn fatal(code: SqlState, message: impl Into<String>) -> ErrorFields {
        ErrorFields::new(Severity::Fatal, code, message)
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> ErrorFields {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> ErrorFields {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_position(mut self, position: u32) -> ErrorFields {
        self.position = Some(position);
        self
    }

    /// Sets rarer fields, e.g. `f.with_extra(|x| x.table = Some("t".into()))`.
    pub fn with_extra(mut self, set: impl FnOnce(&mut ExtraFields)) -> ErrorFields {
        set(self.extra_mut());
        self
    }

    /// The rarer fields, created empty on first use.
    pub fn extra_mut(&mut self) -> &mut ExtraFields {
        self.extra.get_or_insert_with(Box::default)
    }

    /// The optional fields with their wire codes, in the order PostgreSQL writes them.
    pub(crate) fn optional_fields(&self) -> [(u8, Option<FieldValue<'_>>); 14] {
        fn text(s: &Option<String>) -> Option<FieldValue<'_>> {
            s.as_deref().map(FieldValue::Text)
        }
        let num = |n: Option<u32>| n.map(FieldValue::Number);
        let x = self.extra.as_deref().unwrap_or(&NO_EXTRA);
        [
            (b'D', text(&self.detail)),
            (b'H', text(&self.hint)),
            (b'P', num(self.position)),
            (b'p', num(x.internal_position)),
            (b'q', text(&x.internal_query)),
            (b'W', text(&x.where_)),
            (b's', text(&x.schema)),
            (b't', text(&x.table)),
            (b'c', text(&x.column)),
            (b'd', text(&x.data_type)),
            (b'n', text(&x.constraint)),
            (b'F', text(&x.file)),
            (b'L', num(x.line)),
            (b'R', text(&x.routine)),
        ]
    }
}

/// A field value as written: text, or a number written in decimal.
pub(crate) enum FieldValue<'a> {
    Text(&'a str),
    Number(u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_small_enough_for_results() {
        assert!(
            size_of::<ErrorFields>() <= 128,
            "{}",
            size_of::<ErrorFields>()
        );
    }
}
