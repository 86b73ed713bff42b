//! [`DataType`]: the SQL types PGLiteDB knows, with their `pg_type` facts (OID, length, names).
//!
//! Invariants:
//! - Every scalar type has exactly one array type (`Int4` ↔ `Int4Array`), with PostgreSQL's OIDs for
//!   both: clients (JDBC, psycopg, tokio-postgres) pick their decoders by OID.
//! - `DataType` is `Copy` and carries no modifier: `varchar(10)` is `Varchar` plus a separate typmod
//!   (see [`super::typmod`]), exactly as PostgreSQL splits `atttypid` and `atttypmod`.

/// Declares the scalar types and their arrays in one table, so the two directions of every mapping
/// (`oid` ↔ `from_oid`, `elem` ↔ `array_of`) cannot disagree.
macro_rules! data_types {
    ($($(#[$doc:meta])* $scalar:ident / $array:ident = $oid:literal / $aoid:literal,
       len $len:literal, $sql:literal, $typname:literal, $cat:ident;)*) => {
        /// A SQL data type. OIDs are PostgreSQL's `pg_type` OIDs, which clients rely on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum DataType {
            $($(#[$doc])* $scalar, $array,)*
            /// An untyped string literal or parameter that context has not resolved yet.
            Unknown,
        }

        impl DataType {
            /// Every type, scalars first then their arrays, in declaration order.
            pub const ALL: &'static [DataType] = &[$(DataType::$scalar, DataType::$array,)* DataType::Unknown];

            /// The type's `pg_type.oid`.
            pub fn oid(self) -> u32 {
                match self {
                    $(DataType::$scalar => $oid, DataType::$array => $aoid,)*
                    DataType::Unknown => 705,
                }
            }

            /// The type for a `pg_type.oid`, if PGLiteDB knows it. OID 0 means "unspecified".
            pub fn from_oid(oid: u32) -> Option<DataType> {
                Some(match oid {
                    $($oid => DataType::$scalar, $aoid => DataType::$array,)*
                    705 => DataType::Unknown,
                    _ => return None,
                })
            }

            /// `pg_type.typlen`: fixed size in bytes, -1 for variable length, -2 for C strings.
            pub fn type_size(self) -> i16 {
                match self {
                    $(DataType::$scalar => $len, DataType::$array => -1,)*
                    DataType::Unknown => -2,
                }
            }

            /// The SQL-level name PostgreSQL's `format_type` prints (without modifier).
            pub fn sql_name(self) -> &'static str {
                match self {
                    $(DataType::$scalar => $sql, DataType::$array => concat!($sql, "[]"),)*
                    DataType::Unknown => "unknown",
                }
            }

            /// The internal name (`pg_type.typname`), which PostgreSQL uses as the column name of a
            /// bare cast (`SELECT 1::int8` → column `int8`).
            pub fn type_name(self) -> &'static str {
                match self {
                    $(DataType::$scalar => $typname, DataType::$array => concat!("_", $typname),)*
                    DataType::Unknown => "unknown",
                }
            }

            /// The element type of an array type; `None` for scalars.
            pub fn elem(self) -> Option<DataType> {
                match self {
                    $(DataType::$array => Some(DataType::$scalar),)*
                    _ => None,
                }
            }

            /// The array type whose elements are `self`; `None` for arrays and `unknown`.
            pub fn array_of(self) -> Option<DataType> {
                match self {
                    $(DataType::$scalar => Some(DataType::$array),)*
                    _ => None,
                }
            }

            /// `pg_type.typcategory`, which drives implicit-cast and operator resolution.
            pub fn category(self) -> TypeCategory {
                match self {
                    $(DataType::$scalar => TypeCategory::$cat, DataType::$array => TypeCategory::Array,)*
                    DataType::Unknown => TypeCategory::Unknown,
                }
            }
        }
    };
}

data_types! {
    Bool / BoolArray = 16 / 1000, len 1, "boolean", "bool", Boolean;
    Int2 / Int2Array = 21 / 1005, len 2, "smallint", "int2", Numeric;
    Int4 / Int4Array = 23 / 1007, len 4, "integer", "int4", Numeric;
    Int8 / Int8Array = 20 / 1016, len 8, "bigint", "int8", Numeric;
    Float4 / Float4Array = 700 / 1021, len 4, "real", "float4", Numeric;
    Float8 / Float8Array = 701 / 1022, len 8, "double precision", "float8", Numeric;
    Numeric / NumericArray = 1700 / 1231, len -1, "numeric", "numeric", Numeric;
    Oid / OidArray = 26 / 1028, len 4, "oid", "oid", Numeric;
    Text / TextArray = 25 / 1009, len -1, "text", "text", String;
    Varchar / VarcharArray = 1043 / 1015, len -1, "character varying", "varchar", String;
    /// `char(n)`: blank-padded to its length, trailing blanks insignificant.
    Bpchar / BpcharArray = 1042 / 1014, len -1, "character", "bpchar", String;
    Name / NameArray = 19 / 1003, len 64, "name", "name", String;
    Bytea / ByteaArray = 17 / 1001, len -1, "bytea", "bytea", UserDefined;
    Date / DateArray = 1082 / 1182, len 4, "date", "date", DateTime;
    Time / TimeArray = 1083 / 1183, len 8, "time without time zone", "time", DateTime;
    Timestamp / TimestampArray = 1114 / 1115, len 8, "timestamp without time zone", "timestamp", DateTime;
    Timestamptz / TimestamptzArray = 1184 / 1185, len 8, "timestamp with time zone", "timestamptz", DateTime;
    Interval / IntervalArray = 1186 / 1187, len 16, "interval", "interval", Timespan;
    Uuid / UuidArray = 2950 / 2951, len 16, "uuid", "uuid", UserDefined;
    Json / JsonArray = 114 / 199, len -1, "json", "json", UserDefined;
    Jsonb / JsonbArray = 3802 / 3807, len -1, "jsonb", "jsonb", UserDefined;
    Point / PointArray = 600 / 1017, len 16, "point", "point", Geometric;
    Lseg / LsegArray = 601 / 1018, len 32, "lseg", "lseg", Geometric;
    Path / PathArray = 602 / 1019, len -1, "path", "path", Geometric;
    GeoBox / GeoBoxArray = 603 / 1020, len 32, "box", "box", Geometric;
    Polygon / PolygonArray = 604 / 1027, len -1, "polygon", "polygon", Geometric;
    Line / LineArray = 628 / 629, len 24, "line", "line", Geometric;
    Circle / CircleArray = 718 / 719, len 24, "circle", "circle", Geometric;
    /// An anonymous row (`ROW(1, 'a')`): values carry their fields' types (see `types::record`).
    /// No column of a table has this type (PostgreSQL's pseudo-type `record`).
    Record / RecordArray = 2249 / 2287, len -1, "record", "record", Pseudo;
}

/// `pg_type.typcategory` (one letter in PostgreSQL: A, B, D, N, S, T, U, X).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeCategory {
    Array,
    Boolean,
    DateTime,
    Geometric,
    Numeric,
    String,
    Timespan,
    UserDefined,
    /// Pseudo-types (`record`).
    Pseudo,
    Unknown,
}

impl DataType {
    /// Which geometric type this is (`None` for the others).
    pub fn geo_kind(self) -> Option<super::geo::GeoKind> {
        use super::geo::GeoKind;
        Some(match self {
            DataType::Point => GeoKind::Point,
            DataType::Lseg => GeoKind::Lseg,
            DataType::GeoBox => GeoKind::Box,
            DataType::Path => GeoKind::Path,
            DataType::Polygon => GeoKind::Polygon,
            DataType::Line => GeoKind::Line,
            DataType::Circle => GeoKind::Circle,
            _ => return None,
        })
    }

    /// Whether a binary send/receive format is implemented for the type (all of them are; `unknown`
    /// is sent as text bytes, as PostgreSQL's `unknownsend` does).
    pub fn has_binary_format(self) -> bool {
        true
    }

    /// Whether values of the type are character strings held in [`super::Value::Text`].
    pub fn is_string(self) -> bool {
        matches!(
            self,
            DataType::Text
                | DataType::Varchar
                | DataType::Bpchar
                | DataType::Name
                | DataType::Unknown
        )
    }

    /// Whether the type is one of the integer types (not `oid`).
    pub fn is_integer(self) -> bool {
        matches!(self, DataType::Int2 | DataType::Int4 | DataType::Int8)
    }

    /// The preferred type of the category (`pg_type.typispreferred`), which wins ties in resolution.
    pub fn is_preferred(self) -> bool {
        matches!(
            self,
            DataType::Bool
                | DataType::Float8
                | DataType::Oid
                | DataType::Text
                | DataType::Timestamptz
                | DataType::Interval
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_round_trip_and_names() {
        for &t in DataType::ALL {
            assert_eq!(DataType::from_oid(t.oid()), Some(t), "{t:?}");
            if let Some(a) = t.array_of() {
                assert_eq!(a.elem(), Some(t));
            }
        }
        // Checked against PostgreSQL 15: SELECT oid, typname, typlen FROM pg_type.
        assert_eq!(DataType::Int4Array.type_name(), "_int4");
        assert_eq!(DataType::Int4Array.sql_name(), "integer[]");
        assert_eq!(DataType::TimestamptzArray.oid(), 1185);
        assert_eq!(DataType::Name.type_size(), 64);
        assert_eq!(DataType::from_oid(0), None);
    }
}
