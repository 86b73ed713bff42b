//! `pg_type` facts PostgreSQL 15 has for each [`DataType`] beyond what `DataType` itself knows:
//! alignment, storage, category letter, collation, I/O function names.

use super::oids;
use crate::types::{DataType, TypeCategory};

/// `typbyval`: passed by value (fixed length up to 8 bytes).
pub fn by_val(ty: DataType) -> bool {
    matches!(ty.type_size(), 1 | 2 | 4 | 8)
}

/// `typalign`.
pub fn align(ty: DataType) -> &'static str {
    if let Some(elem) = ty.elem() {
        return if align(elem) == "d" { "d" } else { "i" };
    }
    match (ty, ty.type_size()) {
        (DataType::Interval, _) => "d",
        _ if ty.geo_kind().is_some() => "d",
        (_, 1) | (_, 16) | (_, 64) | (_, -2) => "c",
        (_, 2) => "s",
        (_, 8) => "d",
        _ => "i",
    }
}

/// `typstorage`: plain for fixed-length types, main for numeric, extended for other varlenas.
pub fn storage(ty: DataType) -> &'static str {
    match ty {
        DataType::Numeric => "m",
        _ if ty.type_size() == -1 => "x",
        _ => "p",
    }
}

/// `typcategory`.
pub fn category(ty: DataType) -> &'static str {
    match ty.category() {
        TypeCategory::Array => "A",
        TypeCategory::Boolean => "B",
        TypeCategory::DateTime => "D",
        TypeCategory::Geometric => "G",
        TypeCategory::Numeric => "N",
        TypeCategory::String => "S",
        TypeCategory::Timespan => "T",
        TypeCategory::UserDefined => "U",
        TypeCategory::Pseudo => "P",
        TypeCategory::Unknown => "X",
    }
}

/// `typcollation`: the default collation for text types, `C` for `name`.
pub fn collation(ty: DataType) -> u32 {
    match ty.elem().unwrap_or(ty) {
        DataType::Text | DataType::Varchar | DataType::Bpchar => oids::COLLATION_DEFAULT,
        DataType::Name => oids::COLLATION_C,
        _ => 0,
    }
}

/// The prefix of the type's I/O functions (`int4` → `int4in`, `numeric` → `numeric_in`).
fn io_prefix(ty: DataType) -> String {
    if ty.elem().is_some() {
        return "array_".into();
    }
    let name = ty.type_name();
    match ty {
        DataType::Numeric
        | DataType::Date
        | DataType::Time
        | DataType::Timestamp
        | DataType::Timestamptz
        | DataType::Interval
        | DataType::Uuid
        | DataType::Json
        | DataType::Jsonb
        | DataType::Point
        | DataType::Lseg
        | DataType::Path
        | DataType::GeoBox
        | DataType::Line
        | DataType::Circle => format!("{name}_"),
        DataType::Polygon => "poly_".into(),
        _ => name.to_string(),
    }
}

/// `typinput`, `typoutput`, `typreceive`, `typsend`.
pub fn io_functions(ty: DataType) -> [String; 4] {
    let p = io_prefix(ty);
    ["in", "out", "recv", "send"].map(|s| format!("{p}{s}"))
}

/// `typmodin`, `typmodout` (`-` when the type takes no modifier).
pub fn typmod_functions(ty: DataType) -> [String; 2] {
    match ty.elem().unwrap_or(ty) {
        t @ (DataType::Varchar
        | DataType::Bpchar
        | DataType::Numeric
        | DataType::Time
        | DataType::Timestamp
        | DataType::Timestamptz
        | DataType::Interval) => {
            let n = t.type_name();
            [format!("{n}typmodin"), format!("{n}typmodout")]
        }
        _ => ["-".into(), "-".into()],
    }
}
