//! SQLSTATE codes: five ASCII characters, the first two naming the class (PostgreSQL Appendix A).
//!
//! Only the codes this project produces or tests for get a constant; any other valid code can be built
//! with [`SqlState::from_str`] or the tuple constructor. Constants are named exactly like PostgreSQL's
//! condition names (`errcodes.txt`), upper-cased.

use std::fmt;

/// A 5-character SQLSTATE code, e.g. `08P01`. Always ASCII digits and upper-case letters when built
/// through [`SqlState::from_str`]; the constants below satisfy the same rule.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SqlState(pub [u8; 5]);

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal;)*) => {
        impl SqlState {
            $($(#[$doc])* pub const $name: SqlState = SqlState(*$code);)*
        }
        #[cfg(test)]
        pub(crate) const ALL: &[(&str, SqlState)] = &[$((stringify!($name), SqlState::$name)),*];
    };
}

codes! {
    SUCCESSFUL_COMPLETION = b"00000";
    WARNING = b"01000";
    NO_DATA = b"02000";
    CONNECTION_EXCEPTION = b"08000";
    CONNECTION_FAILURE = b"08006";
    /// Malformed or unexpected protocol traffic; the connection is closed after it.
    PROTOCOL_VIOLATION = b"08P01";
    FEATURE_NOT_SUPPORTED = b"0A000";
    CARDINALITY_VIOLATION = b"21000";
    STRING_DATA_RIGHT_TRUNCATION = b"22001";
    NUMERIC_VALUE_OUT_OF_RANGE = b"22003";
    NULL_VALUE_NOT_ALLOWED = b"22004";
    INVALID_DATETIME_FORMAT = b"22007";
    DATETIME_FIELD_OVERFLOW = b"22008";
    DIVISION_BY_ZERO = b"22012";
    CHARACTER_NOT_IN_REPERTOIRE = b"22021";
    INVALID_PARAMETER_VALUE = b"22023";
    INVALID_ESCAPE_SEQUENCE = b"22025";
    ARRAY_SUBSCRIPT_ERROR = b"2202E";
    INVALID_TEXT_REPRESENTATION = b"22P02";
    INVALID_BINARY_REPRESENTATION = b"22P03";
    UNTRANSLATABLE_CHARACTER = b"22P05";
    INTEGRITY_CONSTRAINT_VIOLATION = b"23000";
    NOT_NULL_VIOLATION = b"23502";
    FOREIGN_KEY_VIOLATION = b"23503";
    UNIQUE_VIOLATION = b"23505";
    CHECK_VIOLATION = b"23514";
    INVALID_CURSOR_STATE = b"24000";
    INVALID_TRANSACTION_STATE = b"25000";
    ACTIVE_SQL_TRANSACTION = b"25001";
    READ_ONLY_SQL_TRANSACTION = b"25006";
    NO_ACTIVE_SQL_TRANSACTION = b"25P01";
    IN_FAILED_SQL_TRANSACTION = b"25P02";
    IDLE_IN_TRANSACTION_SESSION_TIMEOUT = b"25P03";
    INVALID_SQL_STATEMENT_NAME = b"26000";
    INVALID_AUTHORIZATION_SPECIFICATION = b"28000";
    INVALID_PASSWORD = b"28P01";
    INVALID_CURSOR_NAME = b"34000";
    INVALID_CATALOG_NAME = b"3D000";
    INVALID_SCHEMA_NAME = b"3F000";
    SERIALIZATION_FAILURE = b"40001";
    DEADLOCK_DETECTED = b"40P01";
    INSUFFICIENT_PRIVILEGE = b"42501";
    SYNTAX_ERROR = b"42601";
    UNDEFINED_COLUMN = b"42703";
    UNDEFINED_OBJECT = b"42704";
    AMBIGUOUS_COLUMN = b"42702";
    DUPLICATE_OBJECT = b"42710";
    GROUPING_ERROR = b"42803";
    DATATYPE_MISMATCH = b"42804";
    WRONG_OBJECT_TYPE = b"42809";
    UNDEFINED_FUNCTION = b"42883";
    UNDEFINED_TABLE = b"42P01";
    UNDEFINED_PARAMETER = b"42P02";
    DUPLICATE_CURSOR = b"42P03";
    DUPLICATE_DATABASE = b"42P04";
    DUPLICATE_PREPARED_STATEMENT = b"42P05";
    DUPLICATE_SCHEMA = b"42P06";
    DUPLICATE_TABLE = b"42P07";
    INVALID_COLUMN_REFERENCE = b"42P10";
    INDETERMINATE_DATATYPE = b"42P18";
    DISK_FULL = b"53100";
    OUT_OF_MEMORY = b"53200";
    TOO_MANY_CONNECTIONS = b"53300";
    CONFIGURATION_LIMIT_EXCEEDED = b"53400";
    PROGRAM_LIMIT_EXCEEDED = b"54000";
    OBJECT_NOT_IN_PREREQUISITE_STATE = b"55000";
    OBJECT_IN_USE = b"55006";
    CANT_CHANGE_RUNTIME_PARAM = b"55P02";
    LOCK_NOT_AVAILABLE = b"55P03";
    /// Sent to a session whose statement was cancelled (CancelRequest or statement_timeout).
    QUERY_CANCELED = b"57014";
    ADMIN_SHUTDOWN = b"57P01";
    CRASH_SHUTDOWN = b"57P02";
    CANNOT_CONNECT_NOW = b"57P03";
    IO_ERROR = b"58030";
    UNDEFINED_FILE = b"58P01";
    INTERNAL_ERROR = b"XX000";
    DATA_CORRUPTED = b"XX001";
}

impl SqlState {
    /// Parses a code such as `"42601"`: exactly five ASCII digits or upper-case letters.
    #[allow(clippy::should_implement_trait)] // infallible-looking name, but returns Option like PG's lookup
    pub fn from_str(code: &str) -> Option<SqlState> {
        let bytes: [u8; 5] = code.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            .then_some(SqlState(bytes))
    }

    /// The code as text, e.g. `"08P01"`.
    pub fn as_str(&self) -> &str {
        // Codes built by hand through the public field might not be ASCII; show them lossily
        // rather than panic (the wire writer uses the raw bytes anyway).
        std::str::from_utf8(&self.0).unwrap_or("?????")
    }

    /// The two-character class, e.g. `"08"` for connection exceptions.
    pub fn class(&self) -> &str {
        self.as_str().get(..2).unwrap_or("??")
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_well_formed_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for (name, code) in ALL {
            assert_eq!(SqlState::from_str(code.as_str()), Some(*code), "{name}");
            assert!(seen.insert(code.0), "duplicate code for {name}");
        }
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(
            SqlState::from_str("28P01"),
            Some(SqlState::INVALID_PASSWORD)
        );
        assert_eq!(SqlState::from_str("28p01"), None);
        assert_eq!(SqlState::from_str("2801"), None);
        assert_eq!(SqlState::PROTOCOL_VIOLATION.to_string(), "08P01");
        assert_eq!(SqlState::PROTOCOL_VIOLATION.class(), "08");
    }
}
