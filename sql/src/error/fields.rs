//! The optional fields of an error report (position, DETAIL, HINT, CONTEXT) and how a
//! position is attached or moved; the SQLSTATE mapping stays in `mod.rs`.

use super::SqlError;

/// Matches every variant that carries a query position, binding it to `$p` (one list for
/// reading and for moving positions).
macro_rules! with_position {
    ($e:expr, $p:ident => $found:expr, _ => $other:expr) => {
        match $e {
            SqlError::Syntax { position: $p, .. }
            | SqlError::UndefinedTable { position: $p, .. }
            | SqlError::UndefinedColumn { position: $p, .. }
            | SqlError::UndefinedFunction { position: $p, .. }
            | SqlError::UndefinedColumnOfRelation { position: $p, .. }
            | SqlError::UndefinedOperator { position: $p, .. }
            | SqlError::AmbiguousFunction { position: $p, .. }
            | SqlError::Grouping { position: $p, .. }
            | SqlError::Windowing { position: $p, .. }
            | SqlError::WindowWithoutOver { position: $p, .. }
            | SqlError::InvalidColumnReference { position: $p, .. }
            | SqlError::AmbiguousColumn { position: $p, .. }
            | SqlError::DatatypeMismatchAt { position: $p, .. }
            | SqlError::SubqueryNeedsAlias { position: $p, .. }
            | SqlError::InvalidSetOpOrderBy { position: $p, .. }
            | SqlError::UndefinedQualifiedColumn { position: $p, .. }
            | SqlError::MissingFromEntry { position: $p, .. }
            | SqlError::InvalidFromReference { position: $p, .. }
            | SqlError::InvalidRecursion { position: $p, .. }
            | SqlError::DuplicateColumnAt { position: $p, .. }
            | SqlError::FeatureNotSupportedAt { position: $p, .. }
            | SqlError::LockedRelationNotInFrom { position: $p, .. }
            | SqlError::InvalidSchemaDefinition { position: $p, .. } => $found,
            _ => $other,
        }
    };
}

impl SqlError {
    /// Attaches a position unless the error has one already.
    pub fn at(self, position: Option<u32>) -> SqlError {
        match position {
            Some(position) if self.position().is_none() => SqlError::At {
                error: Box::new(self),
                position,
            },
            _ => self,
        }
    }
}

impl SqlError {
    /// 1-based character position in the query string, where PostgreSQL reports one.
    pub fn position(&self) -> Option<u32> {
        match self {
            SqlError::At { position, .. } => Some(*position),
            SqlError::Hinted { error, .. } => error.position(),
            other => with_position!(other, p => *p, _ => None),
        }
    }

    /// The error with its position moved by `f` (`None` drops it): errors in a function body
    /// point into the CREATE statement's text, or nowhere when a call binds the body.
    pub fn map_position(mut self, f: impl FnOnce(u32) -> Option<u32>) -> SqlError {
        if let SqlError::At { error, position } = self {
            return match f(position) {
                Some(p) => SqlError::At { error, position: p },
                None => *error,
            };
        }
        with_position!(&mut self, p => *p = p.and_then(f), _ => {});
        self
    }

    /// The DETAIL field, where PostgreSQL gives one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            SqlError::NumericFieldOverflow { detail }
            | SqlError::NotNullViolation { detail, .. }
            | SqlError::CheckViolation { detail, .. }
            | SqlError::InvalidParameterValueDetail { detail, .. }
            | SqlError::GeneratedAlways { detail, .. }
            | SqlError::UniqueViolation { detail, .. }
            | SqlError::UniqueIndexBuild { detail, .. }
            | SqlError::InvalidJson { detail, .. }
            | SqlError::InvalidArrayLiteral { detail, .. }
            | SqlError::ForeignKeyViolation { detail, .. }
            | SqlError::ForeignKeyTypes { detail, .. }
            | SqlError::DependentObjects { detail, .. }
            | SqlError::TruncateReferenced { detail } => Some(detail),
            SqlError::FormatPicture { detail, .. } => *detail,
            SqlError::InvalidObjectDefinition { detail, .. } => detail.as_deref(),
            SqlError::DatetimeTemplate(e) => e.detail.as_deref(),
            SqlError::CircularInheritance { detail } => Some(detail),
            SqlError::SchemaNotEmpty { detail, .. } | SqlError::ReservedName { detail, .. } => {
                Some(detail)
            }
            SqlError::FunctionDefinition { detail, .. } => detail.as_deref(),
            SqlError::InvalidSetOpOrderBy { .. } => {
                Some("Only result column names can be used, not expressions or functions.")
            }
            SqlError::Hinted {
                detail: Some(d), ..
            } => Some(d),
            SqlError::At { error, .. } | SqlError::Hinted { error, .. } => error.detail(),
            _ => None,
        }
    }

    /// The CONTEXT field, where PostgreSQL gives one.
    pub fn context(&self) -> Option<&str> {
        match self {
            SqlError::InvalidJson { context, .. } => Some(context),
            SqlError::At { error, .. } | SqlError::Hinted { error, .. } => error.context(),
            _ => None,
        }
    }

    /// The HINT field, where PostgreSQL gives one.
    pub fn hint(&self) -> Option<String> {
        match self {
            SqlError::InvalidFromReference { alias, .. } => Some(format!(
                "Perhaps you meant to reference the table alias \"{alias}\"."
            )),
            SqlError::At { error, .. } => error.hint(),
            other => other.fixed_hint().map(str::to_string),
        }
    }

    /// The hints whose text does not depend on the error's fields.
    fn fixed_hint(&self) -> Option<&'static str> {
        match self {
            SqlError::UndefinedFunction { .. } => Some(
                "No function matches the given name and argument types. You might need to add explicit type casts.",
            ),
            SqlError::UndefinedOperator { .. } => Some(
                "No operator matches the given name and argument types. You might need to add explicit type casts.",
            ),
            SqlError::AmbiguousFunction { .. } => Some(
                "Could not choose a best candidate function. You might need to add explicit type casts.",
            ),
            SqlError::SubqueryNeedsAlias { .. } => Some("For example, FROM (SELECT ...) [AS] foo."),
            SqlError::FunctionNotUnique(_) => {
                Some("Specify the argument list to select the function unambiguously.")
            }
            SqlError::EmptyArrayType => Some(
                "Explicitly cast to the desired type, for example ARRAY[]::integer[].",
            ),
            SqlError::WrongKind { hint, .. }
            | SqlError::SrfNotAllowed { hint, .. }
            | SqlError::GeneratedAlways { hint, .. } => *hint,
            SqlError::DatetimeTemplate(e) => e.hint,
            SqlError::InvalidSetOpOrderBy { .. } => Some(
                "Add the expression/function to every SELECT, or move the UNION into a FROM clause.",
            ),
            SqlError::DateStyleMismatch(_) => Some("Perhaps you need a different \"datestyle\" setting."),
            SqlError::InvalidEscapeString => Some("Escape string must be empty or one character."),
            SqlError::RegexOption { hint, .. } | SqlError::WrongObjectType { hint, .. } => *hint,
            SqlError::Hinted { hint, .. } => Some(hint),
            SqlError::UnicodeEscape => {
                Some("Unicode escapes must be \\XXXX, \\+XXXXXX, \\uXXXX, or \\UXXXXXXXX.")
            }
            SqlError::FormatSpecifier(_) => Some("For a single \"%\" use \"%%\"."),
            SqlError::CopyFromPartitioned(_) => Some("Try the COPY (SELECT ...) TO variant."),
            SqlError::SchemaNotEmpty { .. } | SqlError::DependentObjects { .. } => {
                Some("Use DROP ... CASCADE to drop the dependent objects too.")
            }
            SqlError::ConflictRowTwice => Some("Ensure that no rows proposed for insertion within the same command have duplicate constrained values."),
            SqlError::ConflictNeedsTarget => Some("For example, ON CONFLICT (column_name)."),
            _ => None,
        }
    }
}
