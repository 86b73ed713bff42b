//! The crate's one error type. SQLSTATE is decided here, once, in [`SqlError::sqlstate`].

mod fields;

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
    /// Another error with a HINT of its own (json functions: `argument list must have even
    /// number of elements`); code, detail and position are the inner error's.
    #[error("{error}")]
    Hinted {
        error: Box<SqlError>,
        hint: &'static str,
        /// A DETAIL of its own, replacing the inner error's.
        detail: Option<String>,
    },
    /// 22023 with a DETAIL (`Unrecognized key word: "x".`).
    #[error("{message}")]
    InvalidParameterValueDetail { message: String, detail: String },
    /// 42P18.
    #[error("could not determine data type of parameter ${0}")]
    IndeterminateDatatype(usize),
    /// 42P18: `ARRAY[]` without a cast.
    #[error("cannot determine type of empty array")]
    EmptyArrayType,
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
    /// 2201G.
    #[error("{0}")]
    InvalidArgumentForWidthBucket(String),
    /// 22015 (`interval field value out of range: "..."`).
    #[error("{0}")]
    IntervalFieldOverflow(String),
    /// 22P02 with a message of its own (`"x" is not a number` from `to_char`'s `TH`).
    #[error("{0}")]
    InvalidTextMessage(String),
    /// 42601 from a `to_char`/`to_number` template, with PostgreSQL's DETAIL where it has one.
    #[error("{message}")]
    FormatPicture {
        message: String,
        detail: Option<&'static str>,
    },
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
    /// 42P01 where PostgreSQL gives no position (DROP TABLE).
    #[error("table \"{0}\" does not exist")]
    UndefinedTableNoPosition(String),
    /// 3F000.
    #[error("schema \"{0}\" does not exist")]
    UndefinedSchema(String),
    /// 3F000: an unqualified CREATE and a search path naming no existing schema.
    #[error("no schema has been selected to create in")]
    NoCreationSchema,
    /// 42P06.
    #[error("schema \"{0}\" already exists")]
    DuplicateSchema(String),
    /// 42P15: `CREATE specifies a schema (x) different from the one being created (y)`, and
    /// `CREATE SCHEMA IF NOT EXISTS cannot include schema elements`.
    #[error("{message}")]
    InvalidSchemaDefinition {
        message: String,
        position: Option<u32>,
    },
    /// 42939: `unacceptable schema name "pg_x"`, with PostgreSQL's DETAIL.
    #[error("{message}")]
    ReservedName { message: String, detail: String },
    /// 2BP01 for DROP SCHEMA without CASCADE: `cannot drop schema s because other objects depend
    /// on it`, `detail` listing them.
    #[error("cannot drop schema {schema} because other objects depend on it")]
    SchemaNotEmpty { schema: String, detail: String },
    /// 42501: `permission denied: "pg_class" is a system catalog`.
    #[error("{0}")]
    InsufficientPrivilege(String),
    /// 42703 for INSERT target columns.
    #[error("column \"{column}\" of relation \"{table}\" does not exist")]
    UndefinedColumnOfRelation {
        column: String,
        table: String,
        position: Option<u32>,
    },
    /// 42601: `multiple assignments to same column "x"`.
    #[error("multiple assignments to same column \"{0}\"")]
    MultipleAssignments(String),
    /// 42701.
    #[error("column \"{0}\" specified more than once")]
    DuplicateColumn(String),
    /// 0A000 with a position (the whole message): `mutual recursion between WITH items is not
    /// implemented`.
    #[error("{message}")]
    FeatureNotSupportedAt {
        message: String,
        position: Option<u32>,
    },
    /// 42701 with a position (the whole message): `search column "f" specified more than once`.
    #[error("{message}")]
    DuplicateColumnAt {
        message: String,
        position: Option<u32>,
    },
    /// 42701 with the relation named: `column "b" of relation "t" already exists`.
    #[error("{0}")]
    DuplicateColumnOfRelation(String),
    /// 42P04.
    #[error("database \"{0}\" already exists")]
    DuplicateDatabase(String),
    /// 3D000.
    #[error("database \"{0}\" does not exist")]
    UndefinedDatabase(String),
    /// 42P07.
    #[error("relation \"{0}\" already exists")]
    DuplicateTable(String),
    /// 42P16.
    #[error("{0}")]
    InvalidTableDefinition(String),
    /// 42P17 (partition bound overlaps, ...), with an optional DETAIL.
    #[error("{message}")]
    InvalidObjectDefinition {
        message: String,
        detail: Option<String>,
    },
    /// 42P07: ATTACH of a partitioned table's ancestor (or itself) as its partition.
    #[error("circular inheritance not allowed")]
    CircularInheritance { detail: String },
    /// 42809: COPY of a partitioned table TO a destination (PostgreSQL 15 refuses it).
    #[error("cannot copy from partitioned table \"{0}\"")]
    CopyFromPartitioned(String),
    /// 42P01: DETACH of a table that is not a partition of the named parent.
    #[error("{0}")]
    NotAPartition(String),
    /// 23502. `detail` is PostgreSQL's "Failing row contains (...)."
    #[error(
        "null value in column \"{column}\" of relation \"{table}\" violates not-null constraint"
    )]
    NotNullViolation {
        column: String,
        table: String,
        detail: String,
    },
    /// 23514: `new row for relation "t" violates check constraint "c"`; `detail` is PostgreSQL's
    /// "Failing row contains (...)." (two fields, not three, to keep `SqlError` small).
    #[error("{message}")]
    CheckViolation { message: String, detail: String },
    /// 23503: `insert or update on table "c" violates foreign key constraint "c_p_fkey"` and
    /// its parent-side twin, with PostgreSQL's `Key (p)=(5) is not present in table "p".` or
    /// `... is still referenced from table "c".` DETAIL.
    #[error("{message}")]
    ForeignKeyViolation { message: String, detail: String },
    /// 42703: `column "x" referenced in foreign key constraint does not exist`.
    #[error("column \"{0}\" referenced in foreign key constraint does not exist")]
    UndefinedFkColumn(String),
    /// 42830: `there is no unique constraint matching given keys for referenced table "p"`, and
    /// other malformed FOREIGN KEY declarations.
    #[error("{0}")]
    InvalidForeignKey(String),
    /// 42804: `foreign key constraint "c" cannot be implemented`, DETAIL naming the columns.
    #[error("foreign key constraint \"{name}\" cannot be implemented")]
    ForeignKeyTypes { name: String, detail: String },
    /// 2BP01 with a DETAIL listing the dependents and PostgreSQL's CASCADE hint, e.g. `cannot
    /// drop table p because other objects depend on it`.
    #[error("{message}")]
    DependentObjects { message: String, detail: String },
    /// 0A000: TRUNCATE of a table a foreign key references (`Table "c" references "p".`).
    #[error("cannot truncate a table referenced in a foreign key constraint")]
    TruncateReferenced { detail: String },
    /// 42704, e.g. `constraint "c" of relation "t" does not exist`.
    #[error("{0}")]
    UndefinedObject(String),
    /// 42710, e.g. `constraint "c" for relation "t" already exists`.
    #[error("{0}")]
    DuplicateObject(String),
    /// 23505.
    #[error("duplicate key value violates unique constraint \"{constraint}\"")]
    UniqueViolation { constraint: String, detail: String },
    /// 42P10: ON CONFLICT names columns or a constraint no unique index matches.
    #[error("there is no unique or exclusion constraint matching the ON CONFLICT specification")]
    NoConflictArbiter,
    /// 21000: one INSERT ... ON CONFLICT DO UPDATE proposes the same key twice.
    #[error("ON CONFLICT DO UPDATE command cannot affect row a second time")]
    ConflictRowTwice,
    /// 42601: ON CONFLICT DO UPDATE without a conflict target.
    #[error("ON CONFLICT DO UPDATE requires inference specification or constraint name")]
    ConflictNeedsTarget,
    /// 23505 while building a unique index over existing rows (`Key (a)=(1) is duplicated.`).
    #[error("could not create unique index \"{index}\"")]
    UniqueIndexBuild { index: String, detail: String },
    /// 42809, e.g. `"t" is not an index` (with PostgreSQL's hint), `table "t" is not
    /// partitioned`, `op ANY/ALL (array) requires array on right side`.
    #[error("{message}")]
    WrongObjectType {
        message: String,
        hint: Option<&'static str>,
    },
    /// 2BP01: `cannot drop index x because constraint x on table t requires it`.
    #[error("{0}")]
    DependentObjectsStillExist(String),
    /// 22003 with PostgreSQL's DETAIL (`apply_typmod` in numeric.c).
    #[error("numeric field overflow")]
    NumericFieldOverflow { detail: String },
    /// 22001: `value too long for type character varying(3)`.
    #[error("{0}")]
    StringDataRightTruncation(String),
    /// 22007: `invalid input syntax for type date: "x"` and other malformed date/time input.
    #[error("{0}")]
    InvalidDatetimeFormat(String),
    /// 22008: `date/time field value out of range: "x"`, `timestamp out of range`, ...
    #[error("{0}")]
    DatetimeFieldOverflow(String),
    /// 22007 (22008 when `overflow`): input that does not fit a to_timestamp/to_date template,
    /// with PostgreSQL's detail and hint.
    #[error("{}", .0.message)]
    DatetimeTemplate(Box<TemplateError>),
    /// 42601 (as PostgreSQL's `unistr` reports it) with its hint.
    #[error("invalid Unicode escape")]
    UnicodeEscape,
    /// 22023: a malformed `format()` specifier, with PostgreSQL's hint.
    #[error("{0}")]
    FormatSpecifier(String),
    /// 22023: a regular-expression option the function does not take.
    #[error("{message}")]
    RegexOption {
        message: String,
        hint: Option<&'static str>,
    },
    /// 22008 with PostgreSQL's hint about DateStyle (a month field out of range).
    #[error("{0}")]
    DateStyleMismatch(String),
    /// 22009: `time zone displacement out of range: "x"`.
    #[error("{0}")]
    InvalidTimeZoneDisplacement(String),
    /// 2201F.
    #[error("{0}")]
    InvalidArgumentForPowerFunction(String),
    /// 2201E.
    #[error("{0}")]
    InvalidArgumentForLog(String),
    /// 2201B.
    #[error("{0}")]
    InvalidRegularExpression(String),
    /// 22011: `negative substring length not allowed`.
    #[error("{0}")]
    SubstringError(String),
    /// 22004: `null values cannot be formatted as an SQL identifier`.
    #[error("{0}")]
    NullValueNotAllowed(String),
    /// 22025: `LIKE pattern must not end with escape character`.
    #[error("{0}")]
    InvalidEscapeSequence(String),
    /// 22025 with PostgreSQL's hint.
    #[error("invalid escape string")]
    InvalidEscapeString,
    /// 54000: `null character not permitted`, `requested character too large`, ...
    #[error("{0}")]
    ProgramLimitExceeded(String),
    /// 57014: a router-side run outlasted `statement_timeout` (`exec::interrupt`).
    #[error("canceling statement due to statement timeout")]
    StatementTimeout,
    /// 42883: `operator does not exist: integer + text`.
    #[error("operator does not exist: {signature}")]
    UndefinedOperator {
        signature: String,
        position: Option<u32>,
    },
    /// 42725: `function f(unknown) is not unique`.
    #[error("function {signature} is not unique")]
    AmbiguousFunction {
        signature: String,
        position: Option<u32>,
    },
    /// 22P02 for json/jsonb input, with PostgreSQL's DETAIL (`Token "x" is invalid.`).
    #[error("invalid input syntax for type {type_name}")]
    InvalidJson {
        type_name: &'static str,
        detail: String,
        /// PostgreSQL's CONTEXT line (`JSON data, line 1: ...`).
        context: String,
    },
    /// 2202E: array subscript errors; 22P02 array literal errors are `InvalidArrayLiteral`.
    #[error("{0}")]
    ArraySubscript(String),
    /// 22P02: `malformed array literal: "x"` with PostgreSQL's DETAIL.
    #[error("malformed array literal: \"{value}\"")]
    InvalidArrayLiteral { value: String, detail: String },
    /// 42803: aggregates where they are not allowed, ungrouped columns.
    #[error("{message}")]
    Grouping {
        message: String,
        position: Option<u32>,
    },
    /// 42P20: window functions where they are not allowed, bad window definitions.
    #[error("{message}")]
    Windowing {
        message: String,
        position: Option<u32>,
    },
    /// 42809: `window function row_number requires an OVER clause`.
    #[error("window function {name} requires an OVER clause")]
    WindowWithoutOver { name: String, position: Option<u32> },
    /// 22014 (`ntile`) / 22016 (`nth_value`): a non-positive argument.
    #[error("{message}")]
    InvalidWindowArgument { message: String, ntile: bool },
    /// 22013: `frame starting offset must not be negative`.
    #[error("{0}")]
    InvalidPrecedingOrFollowingSize(String),
    /// 42P10: `ORDER BY position 3 is not in select list` and other bad target references.
    #[error("{message}")]
    InvalidColumnReference {
        message: String,
        position: Option<u32>,
    },
    /// 2201W.
    #[error("LIMIT must not be negative")]
    InvalidRowCountInLimit,
    /// 2201X.
    #[error("OFFSET must not be negative")]
    InvalidRowCountInOffset,
    /// 22P04: malformed COPY input (`missing data for column "x"`, ...).
    #[error("{0}")]
    BadCopyFileFormat(String),
    /// 22021: `invalid byte sequence for encoding "UTF8": 0x00`.
    #[error("{0}")]
    CharacterNotInRepertoire(String),
    /// 25001: `VACUUM cannot run inside a transaction block`.
    #[error("{0}")]
    ActiveSqlTransaction(String),
    /// 58P01: `could not open file "x" for reading: No such file or directory`.
    #[error("{0}")]
    UndefinedFile(String),
    /// 42804 with a position: `argument of WHERE must be type boolean, not type integer`.
    #[error("{message}")]
    DatatypeMismatchAt {
        message: String,
        position: Option<u32>,
    },
    /// 0A000: ORDER BY over a set operation naming something other than a result column.
    #[error("invalid UNION/INTERSECT/EXCEPT ORDER BY clause")]
    InvalidSetOpOrderBy { position: Option<u32> },
    /// 2200H: `nextval: reached maximum value of sequence "s" (3)`.
    #[error("{0}")]
    SequenceLimit(String),
    /// 55000: `currval of sequence "s" is not yet defined in this session`.
    #[error("{0}")]
    ObjectNotInPrerequisiteState(String),
    /// Not an error for users: a sequence call found no value in the statement's buffer; the
    /// session fetches it (or performs the setval) and evaluates again (`seqeval.rs`).
    #[error("sequence functions are not supported in this statement yet (sequence \"{}\")", seq.name)]
    NeedSequence {
        seq: std::sync::Arc<crate::catalog::TableDef>,
        setval: Option<(i64, bool)>,
    },
    /// 42P01 for DROP SEQUENCE.
    #[error("sequence \"{0}\" does not exist")]
    UndefinedSequence(String),
    /// 42P01 for DROP VIEW.
    #[error("view \"{0}\" does not exist")]
    UndefinedView(String),
    /// 42809: the object is of another kind than the statement needs (`"v" is not a table`).
    #[error("{message}")]
    WrongKind {
        message: String,
        hint: Option<&'static str>,
    },
    /// 42601: `subquery in FROM must have an alias`.
    #[error("subquery in FROM must have an alias")]
    SubqueryNeedsAlias { position: Option<u32> },
    /// 42702: `column reference "x" is ambiguous`.
    #[error("column reference \"{name}\" is ambiguous")]
    AmbiguousColumn { name: String, position: Option<u32> },
    /// 42703 for `t.c`: `column t.c does not exist`.
    #[error("column {rel}.{name} does not exist")]
    UndefinedQualifiedColumn {
        rel: String,
        name: String,
        position: Option<u32>,
    },
    /// 42703: `column "x" specified in USING clause does not exist in left table`.
    #[error("column \"{name}\" specified in USING clause does not exist in {side} table")]
    UsingColumnMissing { name: String, side: &'static str },
    /// 42702: `common column name "x" appears more than once in left table`.
    #[error("common column name \"{name}\" appears more than once in {side} table")]
    AmbiguousUsing { name: String, side: &'static str },
    /// 42P01: `missing FROM-clause entry for table "t"`.
    #[error("missing FROM-clause entry for table \"{name}\"")]
    MissingFromEntry { name: String, position: Option<u32> },
    /// 42P01: a table referenced by its name where FROM gives it an alias (with a HINT naming
    /// the alias).
    #[error("invalid reference to FROM-clause entry for table \"{name}\"")]
    InvalidFromReference {
        name: String,
        alias: String,
        position: Option<u32>,
    },
    /// 42712: `table name "x" specified more than once`.
    #[error("table name \"{0}\" specified more than once")]
    DuplicateAlias(String),
    /// 21000: `more than one row returned by a subquery used as an expression`.
    #[error("{0}")]
    CardinalityViolation(String),
    /// 42P19: `recursive reference to query "t" must not appear within its non-recursive term`.
    #[error("{message}")]
    InvalidRecursion {
        message: String,
        position: Option<u32>,
    },
    /// 0A000: valid PostgreSQL that PGLiteDB does not do yet.
    #[error("{0}")]
    FeatureNotSupported(String),
    /// 42P01: `FOR UPDATE OF x` where `x` is not in FROM.
    #[error("relation \"{relation}\" in {clause} clause not found in FROM clause")]
    LockedRelationNotInFrom {
        relation: String,
        clause: &'static str,
        position: Option<u32>,
    },
    /// 42P13: a function definition PostgreSQL refuses (`return type mismatch in function
    /// declared to return integer`), with its DETAIL.
    #[error("{message}")]
    FunctionDefinition {
        message: String,
        detail: Option<String>,
    },
    /// 42723: CREATE FUNCTION of a name and argument types that exist.
    #[error("function \"{0}\" already exists with same argument types")]
    DuplicateFunction(String),
    /// 42725: DROP FUNCTION without an argument list naming several overloads.
    #[error("function name \"{0}\" is not unique")]
    FunctionNotUnique(String),
    /// 42883 without a HINT: DROP FUNCTION of a function that does not exist (the whole message).
    #[error("{0}")]
    NoSuchFunction(String),
    /// XX000: a bug in PGLiteDB, never the user's fault.
    #[error("internal error (bug): {0}")]
    Internal(String),
    /// Another error with the position PostgreSQL reports for it (a literal whose input failed
    /// while binding, as `parser_errposition` does). Everything but the position is the inner
    /// error's.
    #[error("{error}")]
    At { error: Box<SqlError>, position: u32 },
    /// 428C9: a value other than DEFAULT for a GENERATED ALWAYS identity column.
    #[error("{message}")]
    GeneratedAlways {
        message: String,
        detail: String,
        hint: Option<&'static str>,
    },
    /// 0A000: a set-returning function where PostgreSQL allows none.
    #[error("{message}")]
    SrfNotAllowed {
        message: String,
        hint: Option<&'static str>,
    },
}

/// The parts of a to_timestamp/to_date template error (boxed: it is rare and large).
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    /// 22008 rather than 22007.
    pub overflow: bool,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<&'static str>,
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
            SqlError::InsufficientPrivilege(_) => "42501",
            SqlError::CantChangeRuntimeParam(_) => "55P02",
            SqlError::InvalidParameterValue(_) => "22023",
            SqlError::EmptyArrayType => "42P18",
            SqlError::InvalidParameterValueDetail { .. } => "22023",
            SqlError::Hinted { error, .. } => error.sqlstate(),
            SqlError::IndeterminateDatatype(_) => "42P18",
            SqlError::UndefinedParameter(_) => "42P02",
            SqlError::InvalidTextRepresentation { .. } => "22P02",
            SqlError::InvalidBinaryRepresentation(_) => "22P03",
            SqlError::InvalidTextMessage(_) => "22P02",
            SqlError::InvalidArgumentForWidthBucket(_) => "2201G",
            SqlError::IntervalFieldOverflow(_) => "22015",
            SqlError::FormatPicture { .. } => "42601",
            SqlError::OutOfRange(_) => "22003",
            SqlError::DivisionByZero => "22012",
            SqlError::DatatypeMismatch(_) => "42804",
            SqlError::CannotCoerce { .. } => "42846",
            SqlError::UndefinedTableNoPosition(_) => "42P01",
            SqlError::UndefinedSchema(_) | SqlError::NoCreationSchema => "3F000",
            SqlError::DuplicateSchema(_) => "42P06",
            SqlError::InvalidSchemaDefinition { .. } => "42P15",
            SqlError::SchemaNotEmpty { .. } => "2BP01",
            SqlError::ForeignKeyViolation { .. } => "23503",
            SqlError::InvalidForeignKey(_) => "42830",
            SqlError::UndefinedFkColumn(_) => "42703",
            SqlError::ForeignKeyTypes { .. } => "42804",
            SqlError::DependentObjects { .. } => "2BP01",
            SqlError::TruncateReferenced { .. } => "0A000",
            SqlError::ReservedName { .. } => "42939",
            SqlError::UndefinedColumnOfRelation { .. } => "42703",
            SqlError::DuplicateColumn(_) => "42701",
            SqlError::MultipleAssignments(_) => "42601",
            SqlError::DuplicateTable(_) => "42P07",
            SqlError::DuplicateDatabase(_) => "42P04",
            SqlError::UndefinedDatabase(_) => "3D000",
            SqlError::DuplicateColumnOfRelation(_) | SqlError::DuplicateColumnAt { .. } => "42701",
            SqlError::InvalidTableDefinition(_) => "42P16",
            SqlError::InvalidObjectDefinition { .. } => "42P17",
            SqlError::NotAPartition(_) => "42P01",
            SqlError::CopyFromPartitioned(_) => "42809",
            SqlError::CircularInheritance { .. } => "42P07",
            SqlError::NotNullViolation { .. } => "23502",
            SqlError::CheckViolation { .. } => "23514",
            SqlError::DuplicateObject(_) => "42710",
            SqlError::UndefinedObject(_) => "42704",
            SqlError::UniqueViolation { .. } => "23505",
            SqlError::UniqueIndexBuild { .. } => "23505",
            SqlError::NoConflictArbiter => "42P10",
            SqlError::ConflictRowTwice => "21000",
            SqlError::ConflictNeedsTarget => "42601",
            SqlError::WrongObjectType { .. } => "42809",
            SqlError::DependentObjectsStillExist(_) => "2BP01",
            SqlError::NumericFieldOverflow { .. } => "22003",
            SqlError::StringDataRightTruncation(_) => "22001",
            SqlError::InvalidDatetimeFormat(_) => "22007",
            SqlError::DatetimeFieldOverflow(_) => "22008",
            SqlError::DatetimeTemplate(e) => {
                if e.overflow {
                    "22008"
                } else {
                    "22007"
                }
            }
            SqlError::DateStyleMismatch(_) => "22008",
            SqlError::RegexOption { .. } => "22023",
            SqlError::FormatSpecifier(_) => "22023",
            SqlError::UnicodeEscape => "42601",
            SqlError::InvalidTimeZoneDisplacement(_) => "22009",
            SqlError::InvalidArgumentForPowerFunction(_) => "2201F",
            SqlError::InvalidArgumentForLog(_) => "2201E",
            SqlError::InvalidRegularExpression(_) => "2201B",
            SqlError::InvalidEscapeSequence(_) => "22025",
            SqlError::InvalidEscapeString => "22025",
            SqlError::SubstringError(_) => "22011",
            SqlError::NullValueNotAllowed(_) => "22004",
            SqlError::ProgramLimitExceeded(_) => "54000",
            SqlError::StatementTimeout => "57014",
            SqlError::UndefinedOperator { .. } => "42883",
            SqlError::AmbiguousFunction { .. } => "42725",
            SqlError::FunctionDefinition { .. } => "42P13",
            SqlError::DuplicateFunction(_) => "42723",
            SqlError::FunctionNotUnique(_) => "42725",
            SqlError::NoSuchFunction(_) => "42883",
            SqlError::InvalidJson { .. } => "22P02",
            SqlError::ArraySubscript(_) => "2202E",
            SqlError::InvalidArrayLiteral { .. } => "22P02",
            SqlError::Grouping { .. } => "42803",
            SqlError::Windowing { .. } => "42P20",
            SqlError::WindowWithoutOver { .. } => "42809",
            SqlError::InvalidWindowArgument { ntile: true, .. } => "22014",
            SqlError::InvalidWindowArgument { ntile: false, .. } => "22016",
            SqlError::InvalidPrecedingOrFollowingSize(_) => "22013",
            SqlError::InvalidColumnReference { .. } => "42P10",
            SqlError::InvalidRowCountInLimit => "2201W",
            SqlError::InvalidRowCountInOffset => "2201X",
            SqlError::BadCopyFileFormat(_) => "22P04",
            SqlError::CharacterNotInRepertoire(_) => "22021",
            SqlError::ActiveSqlTransaction(_) => "25001",
            SqlError::UndefinedFile(_) => "58P01",
            SqlError::AmbiguousColumn { .. } => "42702",
            SqlError::DatatypeMismatchAt { .. } => "42804",
            SqlError::SubqueryNeedsAlias { .. } => "42601",
            SqlError::WrongKind { .. } => "42809",
            SqlError::UndefinedView(_) => "42P01",
            SqlError::UndefinedSequence(_) => "42P01",
            SqlError::SequenceLimit(_) => "2200H",
            SqlError::NeedSequence { .. } => "0A000",
            SqlError::ObjectNotInPrerequisiteState(_) => "55000",
            SqlError::InvalidSetOpOrderBy { .. } => "0A000",
            SqlError::DuplicateAlias(_) => "42712",
            SqlError::UndefinedQualifiedColumn { .. } => "42703",
            SqlError::MissingFromEntry { .. } | SqlError::InvalidFromReference { .. } => "42P01",
            SqlError::UsingColumnMissing { .. } => "42703",
            SqlError::AmbiguousUsing { .. } => "42702",
            SqlError::CardinalityViolation(_) => "21000",
            SqlError::InvalidRecursion { .. } => "42P19",
            SqlError::FeatureNotSupported(_)
            | SqlError::FeatureNotSupportedAt { .. }
            | SqlError::SrfNotAllowed { .. } => "0A000",
            SqlError::GeneratedAlways { .. } => "428C9",
            SqlError::LockedRelationNotInFrom { .. } => "42P01",
            SqlError::Internal(_) => "XX000",
            SqlError::At { error, .. } => error.sqlstate(),
        }
    }
}
