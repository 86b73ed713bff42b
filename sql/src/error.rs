//! The crate's one error type. SQLSTATE is decided here, once, in [`SqlError::sqlstate`].

/// Errors from parsing, binding and evaluating SQL. Messages follow PostgreSQL 15's wording exactly,
/// because clients and the regression suite compare them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SqlError {
    /// 42601. `position` is a 1-based character offset into the query string.
    #[error("{message}")]
    Syntax {
        message: String,
        position: Option<u32>,
    },
    /// 42P01.
    #[error("relation \"{name}\" does not exist")]
    UndefinedTable { name: String, position: Option<u32> },
    /// 42703.
    #[error("column \"{name}\" does not exist")]
    UndefinedColumn { name: String, position: Option<u32> },
    /// 42883.
    #[error("function {signature} does not exist")]
    UndefinedFunction {
        signature: String,
        position: Option<u32>,
    },
    /// 42704.
    #[error("unrecognized configuration parameter \"{0}\"")]
    UnrecognizedParameter(String),
    /// 42704.
    #[error("type \"{0}\" does not exist")]
    UndefinedType(String),
    /// 55P02.
    #[error("parameter \"{0}\" cannot be changed")]
    CantChangeRuntimeParam(String),
    /// 22023.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// 42P18.
    #[error("could not determine data type of parameter ${0}")]
    IndeterminateDatatype(usize),
    /// 42P02.
    #[error("there is no parameter ${0}")]
    UndefinedParameter(usize),
    /// 22P02.
    #[error("invalid input syntax for type {type_name}: \"{value}\"")]
    InvalidTextRepresentation {
        type_name: &'static str,
        value: String,
    },
    /// 22P03.
    #[error("{0}")]
    InvalidBinaryRepresentation(String),
    /// 22003.
    #[error("{0}")]
    OutOfRange(String),
    /// 22012.
    #[error("division by zero")]
    DivisionByZero,
    /// 42804.
    #[error("{0}")]
    DatatypeMismatch(String),
    /// 42846.
    #[error("cannot cast type {from} to {to}")]
    CannotCoerce {
        from: &'static str,
        to: &'static str,
    },
    /// 0A000: valid PostgreSQL that PGLiteDB does not do yet.
    #[error("{0}")]
    FeatureNotSupported(String),
    /// XX000: a bug in PGLiteDB, never the user's fault.
    #[error("internal error (bug): {0}")]
    Internal(String),
}

/// Result alias used across the crate.
pub type Result<T, E = SqlError> = std::result::Result<T, E>;

impl SqlError {
    /// The SQLSTATE code sent to clients (ErrorResponse field `C`).
    pub fn sqlstate(&self) -> &'static str {
        match self {
            SqlError::Syntax { .. } => "42601",
            SqlError::UndefinedTable { .. } => "42P01",
            SqlError::UndefinedColumn { .. } => "42703",
            SqlError::UndefinedFunction { .. } => "42883",
            SqlError::UnrecognizedParameter(_) => "42704",
            SqlError::UndefinedType(_) => "42704",
            SqlError::CantChangeRuntimeParam(_) => "55P02",
            SqlError::InvalidParameterValue(_) => "22023",
            SqlError::IndeterminateDatatype(_) => "42P18",
            SqlError::UndefinedParameter(_) => "42P02",
            SqlError::InvalidTextRepresentation { .. } => "22P02",
            SqlError::InvalidBinaryRepresentation(_) => "22P03",
            SqlError::OutOfRange(_) => "22003",
            SqlError::DivisionByZero => "22012",
            SqlError::DatatypeMismatch(_) => "42804",
            SqlError::CannotCoerce { .. } => "42846",
            SqlError::FeatureNotSupported(_) => "0A000",
            SqlError::Internal(_) => "XX000",
        }
    }

    /// 1-based character position in the query string, where PostgreSQL reports one.
    pub fn position(&self) -> Option<u32> {
        match self {
            SqlError::Syntax { position, .. }
            | SqlError::UndefinedTable { position, .. }
            | SqlError::UndefinedColumn { position, .. }
            | SqlError::UndefinedFunction { position, .. } => *position,
            _ => None,
        }
    }

    /// The HINT field, where PostgreSQL gives one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            SqlError::UndefinedFunction { .. } => Some(
                "No function matches the given name and argument types. You might need to add explicit type casts.",
            ),
            _ => None,
        }
    }
}
