//! The crate's one error type for decoding. Every variant means the peer sent bytes that are not a
//! valid PostgreSQL v3 message; framing is lost after any of them, so the server answers with an
//! ErrorResponse (severity FATAL, code from [`ProtocolError::sqlstate`]) and closes the connection,
//! exactly as PostgreSQL does for `invalid message length` and its relatives.
//!
//! Authentication failures are not here: they are [`crate::auth::AuthError`], which carries the
//! complete ErrorResponse fields the client must see.

use crate::SqlState;

/// `Result` with [`ProtocolError`] as the default error.
pub type Result<T, E = ProtocolError> = std::result::Result<T, E>;

/// Why a frontend packet could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The type byte of a regular-phase message is not one a frontend may send.
    #[error("invalid frontend message type {}", display_tag(*.0))]
    UnknownMessage(u8),
    /// A frontend message type this server does not implement (FunctionCall 'F').
    #[error("frontend message type {} is not supported", display_tag(*.0))]
    UnsupportedMessage(u8),
    /// The length word is above the limit for this message type.
    #[error("invalid message length {len} for {message} (limit {max})")]
    MessageTooLong {
        message: &'static str,
        len: u64,
        max: u64,
    },
    /// The length word is impossible: below the minimum, or not the fixed size of the request.
    #[error("invalid message length {len} for {message}")]
    InvalidLength { message: &'static str, len: i64 },
    /// A field runs past the end of the message body (including a string without its NUL).
    #[error("invalid {message} message format: truncated")]
    Truncated { message: &'static str },
    /// Bytes are left in the body after the last field.
    #[error("invalid {message} message format: {extra} trailing bytes")]
    TrailingBytes { message: &'static str, extra: usize },
    /// A string field is not valid UTF-8 (the only encoding we speak).
    #[error("invalid byte sequence for encoding \"UTF8\" in {message} message")]
    InvalidUtf8 { message: &'static str },
    /// A format code other than 0 (text) or 1 (binary).
    #[error("unsupported format code: {0}")]
    InvalidFormatCode(i16),
    /// Describe/Close target other than 'S' or 'P'.
    #[error("invalid {message} message subtype {}", display_tag(*byte))]
    InvalidTarget { message: &'static str, byte: u8 },
    /// A Bind parameter length below -1.
    #[error("invalid Bind parameter length {0}")]
    InvalidParameterLength(i32),
    /// Bind gave a number of parameter format codes other than 0, 1 or the parameter count.
    #[error("bind message has {formats} parameter formats but {params} parameters")]
    FormatCountMismatch { formats: usize, params: usize },
    /// StartupMessage with a major version other than 3.
    #[error("unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.0")]
    UnsupportedProtocolVersion { major: u16, minor: u16 },
    /// StartupMessage parameters are not `name\0value\0`… followed by a final `\0`.
    #[error("invalid startup packet layout: {0}")]
    InvalidStartupPacket(&'static str),
}

impl ProtocolError {
    /// The SQLSTATE sent with this error. One exhaustive match: a new variant must choose its code.
    pub fn sqlstate(&self) -> SqlState {
        match self {
            ProtocolError::UnknownMessage(_)
            | ProtocolError::MessageTooLong { .. }
            | ProtocolError::InvalidLength { .. }
            | ProtocolError::Truncated { .. }
            | ProtocolError::TrailingBytes { .. }
            | ProtocolError::InvalidTarget { .. }
            | ProtocolError::InvalidParameterLength(_)
            | ProtocolError::FormatCountMismatch { .. }
            | ProtocolError::InvalidStartupPacket(_) => SqlState::PROTOCOL_VIOLATION,
            ProtocolError::UnsupportedMessage(_)
            | ProtocolError::UnsupportedProtocolVersion { .. } => SqlState::FEATURE_NOT_SUPPORTED,
            ProtocolError::InvalidUtf8 { .. } => SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            // PostgreSQL reports a bad format code as invalid_parameter_value (pquery.c).
            ProtocolError::InvalidFormatCode(_) => SqlState::INVALID_PARAMETER_VALUE,
        }
    }
}

/// A type byte for messages: printable ASCII as itself, anything else in hex.
fn display_tag(tag: u8) -> String {
    if tag.is_ascii_graphic() {
        format!("'{}'", tag as char)
    } else {
        format!("0x{tag:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_like_postgres() {
        assert_eq!(
            ProtocolError::UnknownMessage(b'z').to_string(),
            "invalid frontend message type 'z'"
        );
        assert_eq!(
            ProtocolError::UnknownMessage(0).to_string(),
            "invalid frontend message type 0x00"
        );
        assert_eq!(
            ProtocolError::InvalidFormatCode(7).sqlstate(),
            SqlState::INVALID_PARAMETER_VALUE
        );
        assert_eq!(
            ProtocolError::UnsupportedProtocolVersion { major: 2, minor: 0 }.sqlstate(),
            SqlState::FEATURE_NOT_SUPPORTED
        );
    }
}
