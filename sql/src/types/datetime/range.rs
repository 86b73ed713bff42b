//! Interval field restrictions (`INTERVAL '1' DAY`, `interval hour to second(2)`): PostgreSQL's
//! range bits in the interval typmod, how they steer input (the unit of a bare number) and the
//! truncation `AdjustIntervalForTypmod` applies.
//!
//! Typmod layout (PostgreSQL's `INTERVAL_TYPMOD`): `(range << 16) | precision`, with range bits
//! YEAR 1<<2, MONTH 1<<1, DAY 1<<3, HOUR 1<<10, MINUTE 1<<11, SECOND 1<<12 (all: 0x7fff) and
//! precision 0xffff for "unspecified".

use super::{Interval, USECS_PER_SEC};
use crate::error::{Result, SqlError};

pub const YEAR: i32 = 1 << 2;
pub const MONTH: i32 = 1 << 1;
pub const DAY: i32 = 1 << 3;
pub const HOUR: i32 = 1 << 10;
pub const MINUTE: i32 = 1 << 11;
pub const SECOND: i32 = 1 << 12;
pub const FULL_RANGE: i32 = 0x7fff;
const FULL_PRECISION: i32 = 0xffff;

/// The range bits of `LEADING [TO LAST]` field names (`day`, `hour`, ...), or an error for a
/// combination PostgreSQL's grammar rejects.
pub fn range_of(leading: &str, last: Option<&str>) -> Result<i32> {
    let bit = |f: &str| -> Result<i32> {
        Ok(match f {
            "year" => YEAR,
            "month" => MONTH,
            "day" => DAY,
            "hour" => HOUR,
            "minute" => MINUTE,
            "second" => SECOND,
            _ => {
                return Err(SqlError::Syntax {
                    message: format!("syntax error at or near \"{f}\""),
                    position: None,
                })
            }
        })
    };
    let first = bit(leading)?;
    let Some(last) = last else {
        return Ok(first);
    };
    let last = bit(last)?;
    // The bits between the two fields, in significance order.
    let order = [YEAR, MONTH, DAY, HOUR, MINUTE, SECOND];
    let (a, b) = (
        order.iter().position(|x| *x == first),
        order.iter().position(|x| *x == last),
    );
    match (a, b) {
        (Some(a), Some(b)) if a < b && !(a <= 1 && b >= 2) => {
            Ok(order[a..=b].iter().fold(0, |m, x| m | x))
        }
        _ => Err(SqlError::Syntax {
            message: "syntax error at or near \"to\"".into(),
            position: None,
        }),
    }
}

/// The typmod of a range and optional fractional-second precision.
pub fn typmod(range: i32, precision: Option<i32>) -> i32 {
    (range << 16) | precision.map_or(FULL_PRECISION, |p| p.clamp(0, 6))
}

/// The range bits of a typmod (all fields when there is none).
pub fn range_bits(typmod: i32) -> i32 {
    if typmod < 0 {
        FULL_RANGE
    } else {
        (typmod >> 16) & 0x7fff
    }
}

/// The unit a bare number takes under a range (`INTERVAL '2' HOUR` is two hours).
pub fn bare_unit(range: i32) -> &'static str {
    match range {
        YEAR => "year",
        r if r == MONTH || r == YEAR | MONTH => "month",
        DAY => "day",
        r if r == HOUR || r == DAY | HOUR => "hour",
        r if r == MINUTE || r == HOUR | MINUTE || r == DAY | HOUR | MINUTE => "minute",
        _ => "second",
    }
}

/// `AdjustIntervalForTypmod`'s truncation: fields below the range's last one are dropped.
pub fn truncate(iv: Interval, range: i32) -> Interval {
    let trunc = |t: i64, unit: i64| t / unit * unit;
    let hour = 3600 * USECS_PER_SEC;
    let minute = 60 * USECS_PER_SEC;
    match range {
        FULL_RANGE => iv,
        YEAR => Interval {
            months: iv.months / 12 * 12,
            days: 0,
            micros: 0,
        },
        r if r == MONTH || r == YEAR | MONTH => Interval {
            months: iv.months,
            days: 0,
            micros: 0,
        },
        DAY => Interval { micros: 0, ..iv },
        r if r == HOUR || r == DAY | HOUR => Interval {
            micros: trunc(iv.micros, hour),
            ..iv
        },
        r if r == MINUTE || r == HOUR | MINUTE || r == DAY | HOUR | MINUTE => Interval {
            micros: trunc(iv.micros, minute),
            ..iv
        },
        _ => iv,
    }
}
