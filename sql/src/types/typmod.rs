//! Type modifiers (`varchar(10)`, `numeric(10,2)`, `timestamp(3)`) encoded as PostgreSQL's
//! `atttypmod`, and `format_type`.
//!
//! Encodings (must agree with PostgreSQL, because `pg_attribute.atttypmod` and RowDescription's
//! type modifier field expose them to clients):
//! - `-1` means "no modifier" for every type.
//! - `varchar(n)`, `char(n)`: `n + 4` (PostgreSQL adds `VARHDRSZ`).
//! - `numeric(p, s)`: `((p << 16) | (s & 0x7ff)) + 4`; the scale is an 11-bit two's complement
//!   number, so PostgreSQL 15's negative scales (`numeric(2,-3)`) round-trip.
//! - `time(p)`, `timestamp(p)`, `timestamptz(p)`: `p` (0..=6).
//! - `interval(p)`: `(0x7fff << 16) | p` (all fields, precision `p`).

use super::DataType;
use crate::error::{Result, SqlError};

/// No type modifier.
pub const NO_TYPMOD: i32 = -1;
const VARHDRSZ: i32 = 4;
/// Largest `varchar(n)`/`char(n)` length PostgreSQL accepts.
pub const MAX_CHAR_LENGTH: i32 = 10_485_760;
/// Largest numeric precision in a modifier.
pub const NUMERIC_MAX_PRECISION: i32 = 1000;
const INTERVAL_FULL_RANGE: i32 = 0x7fff;

/// Builds the typmod for `ty(args...)` as PostgreSQL's `typmodin` functions do, with their errors.
pub fn from_args(ty: DataType, args: &[i32]) -> Result<i32> {
    let invalid = |m: String| Err(SqlError::InvalidParameterValue(m));
    match (ty, args) {
        (_, []) => Ok(NO_TYPMOD),
        (DataType::Varchar | DataType::Bpchar, [n]) => {
            // bpchartypmodin reports itself as "char".
            let name = if ty == DataType::Bpchar {
                "char"
            } else {
                "varchar"
            };
            if *n < 1 {
                return invalid(format!("length for type {name} must be at least 1"));
            }
            if *n > MAX_CHAR_LENGTH {
                return invalid(format!(
                    "length for type {name} cannot exceed {MAX_CHAR_LENGTH}"
                ));
            }
            Ok(n + VARHDRSZ)
        }
        (DataType::Numeric, [p] | [p, _]) => {
            let s = args.get(1).copied().unwrap_or(0);
            if !(1..=NUMERIC_MAX_PRECISION).contains(p) {
                return invalid(format!(
                    "NUMERIC precision {p} must be between 1 and {NUMERIC_MAX_PRECISION}"
                ));
            }
            if !(-1000..=1000).contains(&s) {
                return invalid(format!("NUMERIC scale {s} must be between -1000 and 1000"));
            }
            Ok(((p << 16) | (s & 0x7ff)) + VARHDRSZ)
        }
        (DataType::Numeric, _) => invalid("invalid NUMERIC type modifier".into()),
        (DataType::Time | DataType::Timestamp | DataType::Timestamptz, [p]) => {
            if *p < 0 {
                let name = match ty {
                    DataType::Time => "TIME",
                    DataType::Timestamp => "TIMESTAMP",
                    _ => "TIMESTAMP(6) WITH TIME ZONE",
                };
                return invalid(format!("{name}({p}) precision must not be negative"));
            }
            // PostgreSQL warns and clamps above 6.
            Ok((*p).min(6))
        }
        (DataType::Interval, [p]) => Ok((INTERVAL_FULL_RANGE << 16) | (*p).clamp(0, 6)),
        _ => invalid(format!("invalid type modifier for type {}", ty.sql_name())),
    }
}

/// Parses a type name as SQL writes it — `integer`, `varchar(10)`, `numeric(10,2)`,
/// `character varying(5)[]`, `timestamp(3) with time zone`, `double precision`, `float(24)` — into
/// a type and its typmod, with PostgreSQL's errors (`type "x" does not exist`, 42704, and the
/// modifier errors of [`from_args`]). A bare `char`/`character` means `char(1)`, as in PostgreSQL.
pub fn parse_type_name(name: &str) -> Result<(DataType, i32)> {
    let lower = name.trim().to_ascii_lowercase();
    let undefined = || SqlError::UndefinedType(name.trim().to_string());
    // `int[][]` is `int[]` (PostgreSQL ignores the declared dimensions); `_int4` is the
    // array type's catalog name.
    let (mut base, mut is_array) = (lower.as_str(), false);
    while let Some(b) = base.strip_suffix("[]") {
        (base, is_array) = (b.trim_end(), true);
    }
    if let Some(elem) = base.strip_prefix('_').filter(|_| !is_array) {
        if let Ok((t, m)) = parse_type_name(elem) {
            if t.elem().is_none() {
                return array_or(t, m, true);
            }
        }
    }
    // Split `name(args) rest`: modifiers may sit before a trailing `with/without time zone`.
    let (head, args, tail) = match base.find('(') {
        Some(open) => {
            let close = base[open..]
                .find(')')
                .map(|c| open + c)
                .ok_or_else(undefined)?;
            let args = base[open + 1..close]
                .split(',')
                .map(|a| a.trim().parse::<i32>().map_err(|_| undefined()))
                .collect::<Result<Vec<i32>>>()?;
            (base[..open].trim(), args, base[close + 1..].trim())
        }
        None => (base, Vec::new(), ""),
    };
    let words: Vec<&str> = head
        .split_whitespace()
        .chain(tail.split_whitespace())
        .collect();
    // `interval day to second`, `interval hour(3)`...: field restrictions.
    if words.len() > 1 && words[0] == "interval" {
        let (leading, last) = match words.as_slice() {
            [_, f] => (*f, None),
            [_, f, "to", l] => (*f, Some(*l)),
            _ => return Err(undefined()),
        };
        let range = super::datetime::range::range_of(leading, last)?;
        let precision = args.first().copied();
        return array_or(
            DataType::Interval,
            super::datetime::range::typmod(range, precision),
            is_array,
        );
    }
    let joined = words.join(" ");
    let ty = match joined.as_str() {
        "bool" | "boolean" => DataType::Bool,
        "int2" | "smallint" => DataType::Int2,
        "int" | "int4" | "integer" => DataType::Int4,
        "int8" | "bigint" => DataType::Int8,
        "real" | "float4" => DataType::Float4,
        "double precision" | "float8" => DataType::Float8,
        "float" => match args.as_slice() {
            [] => DataType::Float8,
            [p] if *p < 1 => {
                return Err(SqlError::InvalidParameterValue(
                    "precision for type float must be at least 1 bit".into(),
                ))
            }
            [p] if *p <= 24 => return array_or(DataType::Float4, NO_TYPMOD, is_array),
            [p] if *p <= 53 => return array_or(DataType::Float8, NO_TYPMOD, is_array),
            _ => {
                return Err(SqlError::InvalidParameterValue(
                    "precision for type float must be less than 54 bits".into(),
                ))
            }
        },
        "numeric" | "decimal" | "dec" => DataType::Numeric,
        "oid" => DataType::Oid,
        "text" => DataType::Text,
        "varchar" | "character varying" | "char varying" => DataType::Varchar,
        "char" | "character" | "bpchar" => DataType::Bpchar,
        "name" => DataType::Name,
        "bytea" => DataType::Bytea,
        "date" => DataType::Date,
        "time" | "time without time zone" => DataType::Time,
        "timestamp" | "timestamp without time zone" => DataType::Timestamp,
        "timestamptz" | "timestamp with time zone" => DataType::Timestamptz,
        "interval" => DataType::Interval,
        "uuid" => DataType::Uuid,
        "json" => DataType::Json,
        "jsonb" => DataType::Jsonb,
        "point" => DataType::Point,
        "lseg" => DataType::Lseg,
        "path" => DataType::Path,
        "box" => DataType::GeoBox,
        "polygon" => DataType::Polygon,
        "line" => DataType::Line,
        "circle" => DataType::Circle,
        _ => return Err(undefined()),
    };
    // `char` without a length is char(1); `bpchar` without one is unconstrained.
    let args = if args.is_empty() && matches!(joined.as_str(), "char" | "character") {
        vec![1]
    } else {
        args
    };
    let typmod = from_args(ty, &args)?;
    array_or(ty, typmod, is_array)
}

fn array_or(ty: DataType, typmod: i32, is_array: bool) -> Result<(DataType, i32)> {
    if !is_array {
        return Ok((ty, typmod));
    }
    ty.array_of()
        .map(|a| (a, typmod))
        .ok_or_else(|| SqlError::UndefinedType(format!("{}[]", ty.sql_name())))
}

/// The declared length of `varchar(n)`/`char(n)`, if any.
pub fn char_length(typmod: i32) -> Option<usize> {
    (typmod >= VARHDRSZ).then(|| (typmod - VARHDRSZ) as usize)
}

/// `(precision, scale)` of a `numeric(p, s)` modifier, if any.
pub fn numeric_precision_scale(typmod: i32) -> Option<(i32, i32)> {
    if typmod < VARHDRSZ {
        return None;
    }
    let t = typmod - VARHDRSZ;
    Some(((t >> 16) & 0xffff, ((t & 0x7ff) ^ 1024) - 1024))
}

/// Fractional-second precision of a `time`/`timestamp`/`interval` modifier, if any.
pub fn time_precision(ty: DataType, typmod: i32) -> Option<u32> {
    if typmod < 0 {
        return None;
    }
    let p = if ty == DataType::Interval {
        typmod & 0xffff
    } else {
        typmod
    };
    (p != 0xffff).then_some(p as u32)
}

/// PostgreSQL's `format_type(oid, typmod)`: the type's SQL name with its modifier, as `\d` and
/// error messages print it (`character varying(10)`, `numeric(10,2)`, `time(3) without time zone`).
pub fn format_type(ty: DataType, typmod: i32) -> String {
    if let Some(elem) = ty.elem() {
        return format!("{}[]", format_type(elem, typmod));
    }
    match ty {
        DataType::Varchar | DataType::Bpchar => {
            let base = if ty == DataType::Varchar {
                "character varying"
            } else if typmod < 0 {
                // An unconstrained bpchar is not `character` (which means `character(1)`).
                return "bpchar".into();
            } else {
                "character"
            };
            match char_length(typmod) {
                Some(n) => format!("{base}({n})"),
                None => base.into(),
            }
        }
        DataType::Numeric => match numeric_precision_scale(typmod) {
            Some((p, s)) => format!("numeric({p},{s})"),
            None => "numeric".into(),
        },
        DataType::Time | DataType::Timestamp | DataType::Timestamptz => {
            let (base, zone) = match ty {
                DataType::Time => ("time", "without"),
                DataType::Timestamp => ("timestamp", "without"),
                _ => ("timestamp", "with"),
            };
            match time_precision(ty, typmod) {
                Some(p) => format!("{base}({p}) {zone} time zone"),
                None => format!("{base} {zone} time zone"),
            }
        }
        DataType::Interval => match time_precision(ty, typmod) {
            Some(p) => format!("interval({p})"),
            None => "interval".into(),
        },
        _ => ty.sql_name().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_type_matches_postgres() {
        // Expected strings from PostgreSQL 15: SELECT format_type(oid, typmod).
        let t = |ty, args: &[i32]| format_type(ty, from_args(ty, args).expect("valid"));
        assert_eq!(t(DataType::Varchar, &[10]), "character varying(10)");
        assert_eq!(t(DataType::Numeric, &[10, 2]), "numeric(10,2)");
        assert_eq!(from_args(DataType::Numeric, &[10, 2]), Ok(655366));
        assert_eq!(t(DataType::Bpchar, &[5]), "character(5)");
        assert_eq!(format_type(DataType::Bpchar, -1), "bpchar");
        assert_eq!(format_type(DataType::Numeric, -1), "numeric");
        assert_eq!(t(DataType::Time, &[3]), "time(3) without time zone");
        assert_eq!(
            t(DataType::Timestamptz, &[2]),
            "timestamp(2) with time zone"
        );
        assert_eq!(format_type(DataType::Interval, 2147418115), "interval(3)");
        assert_eq!(format_type(DataType::Int4Array, -1), "integer[]");
        assert_eq!(
            format_type(DataType::VarcharArray, 14),
            "character varying(10)[]"
        );
        assert_eq!(
            numeric_precision_scale(from_args(DataType::Numeric, &[2, -3]).expect("ok")),
            Some((2, -3))
        );
    }

    #[test]
    fn type_names_parse_as_postgres() {
        let p = |s: &str| {
            let (ty, tm) = parse_type_name(s).expect(s);
            format_type(ty, tm)
        };
        // format_type of the parsed type, as PostgreSQL 15 prints it.
        assert_eq!(p("varchar(10)"), "character varying(10)");
        assert_eq!(p("NUMERIC(10, 2)"), "numeric(10,2)");
        assert_eq!(p("char(5)"), "character(5)");
        assert_eq!(p("char"), "character(1)");
        assert_eq!(p("int"), "integer");
        assert_eq!(p("double precision"), "double precision");
        assert_eq!(p("float(10)"), "real");
        assert_eq!(
            p("timestamp(3) with time zone"),
            "timestamp(3) with time zone"
        );
        assert_eq!(p("character varying(5)[]"), "character varying(5)[]");
        assert_eq!(p("int4[]"), "integer[]");
        let e = parse_type_name("nosuchtype").expect_err("undefined");
        assert_eq!(e.to_string(), "type \"nosuchtype\" does not exist");
        assert_eq!(e.sqlstate(), "42704");
        assert_eq!(
            parse_type_name("float(54)").expect_err("float").to_string(),
            "precision for type float must be less than 54 bits"
        );
        assert_eq!(
            parse_type_name("char(0)").expect_err("char").to_string(),
            "length for type char must be at least 1"
        );
    }

    #[test]
    fn typmod_errors_match_postgres() {
        let e = |ty, args: &[i32]| from_args(ty, args).expect_err("invalid").to_string();
        assert_eq!(
            e(DataType::Varchar, &[0]),
            "length for type varchar must be at least 1"
        );
        assert_eq!(
            e(DataType::Varchar, &[10485761]),
            "length for type varchar cannot exceed 10485760"
        );
        assert_eq!(
            e(DataType::Numeric, &[0]),
            "NUMERIC precision 0 must be between 1 and 1000"
        );
        assert_eq!(
            e(DataType::Numeric, &[5, 1001]),
            "NUMERIC scale 1001 must be between -1000 and 1000"
        );
        assert_eq!(
            e(DataType::Numeric, &[3, 1, 2]),
            "invalid NUMERIC type modifier"
        );
    }
}
