//! `interval_in`: PostgreSQL 15's `ParseDateTime` + `DecodeInterval`, falling back to
//! `DecodeISO8601Interval`, with its exact integer arithmetic and overflow checks.
//!
//! The input is split into fields (numbers, `h:m:s` times, `y-m` and other date-like tokens,
//! unit words, signed tokens) and the fields are read right to left, so a unit word gives the
//! unit of the number before it; a bare number takes the unit implied by what follows (days
//! before a time) or, rightmost, by the field restriction (`INTERVAL '2' HOUR`). Years, months,
//! days and microseconds accumulate separately in 32/64-bit integers; fractions spill downwards
//! (a month is 30 days, a day 24 hours) rounded to the microsecond.
//!
//! Errors, as PostgreSQL reports them: a malformed input is 22007 `invalid input syntax for type
//! interval`; a field that leaves its integer range is 22015 `interval field value out of range`;
//! years and months that do not fit one int32 of months are 22008 `interval out of range`.
//! Under `IntervalStyle = sql_standard` a leading `-` applies to every field when no other field
//! has a sign.
//!
//! This file holds the shared state ([`ItmIn`]), the number parsing and overflow-checked
//! accumulation helpers, and the entry point; `fields` is `ParseDateTime`, `decode` is
//! `DecodeInterval` and `iso` is `DecodeISO8601Interval`.

use super::interval::Interval;
use super::{USECS_PER_DAY, USECS_PER_SEC};
use crate::error::{Result, SqlError};

mod decode;
mod fields;
mod iso;

use decode::decode_fields;
use fields::tokenize;
use iso::decode_iso;

const USECS_PER_HOUR: i64 = 3600 * USECS_PER_SEC;
const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
const MAX_FIELDS: usize = 25;
const TOKMAXLEN: usize = 10;

/// Why a decode failed (PostgreSQL's DTERR codes that interval input can produce).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DtErr {
    BadFormat,
    FieldOverflow,
}

type Dt<T> = std::result::Result<T, DtErr>;

/// PostgreSQL's `pg_itm_in`.
#[derive(Debug, Default, Clone, Copy)]
struct ItmIn {
    usec: i64,
    mday: i32,
    mon: i32,
    year: i32,
}

/// `strtoi64`-style prefix parse: sign and digits; `None` when the digits overflow.
fn leading_int(s: &str) -> (Option<i64>, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = matches!(b.first(), Some(b'-'));
    if matches!(b.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let start = i;
    let mut v: Option<i64> = Some(0);
    while i < b.len() && b[i].is_ascii_digit() {
        let d = i64::from(b[i] - b'0');
        v = v.and_then(|v| v.checked_mul(10)).and_then(|v| {
            if neg {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        });
        i += 1;
    }
    if i == start {
        return (Some(0), 0);
    }
    (v, i)
}

/// `ParseFraction`: `.digits` (or a bare `.`) to the end of the field.
fn parse_fraction(s: &str) -> Dt<f64> {
    if s == "." {
        return Ok(0.0);
    }
    strtod_full(s).ok_or(DtErr::BadFormat)
}

/// `strtod` over the whole string (digits, point, exponent).
fn strtod_full(s: &str) -> Option<f64> {
    let (v, n) = strtod_prefix(s)?;
    (n == s.len()).then_some(v)
}

/// The longest prefix `strtod` accepts (decimal notation only) and its value.
fn strtod_prefix(s: &str) -> Option<(f64, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    s[..i].parse::<f64>().ok().map(|v| (v, i))
}

fn adjust_fract_microseconds(frac: f64, scale: i64, itm: &mut ItmIn) -> bool {
    if frac == 0.0 {
        return true;
    }
    let frac = frac * scale as f64;
    let mut usec = frac as i64;
    let rest = frac - usec as f64;
    if rest > 0.5 {
        usec += 1;
    } else if rest < -0.5 {
        usec -= 1;
    }
    match itm.usec.checked_add(usec) {
        Some(v) => {
            itm.usec = v;
            true
        }
        None => false,
    }
}

fn adjust_fract_days(frac: f64, scale: i32, itm: &mut ItmIn) -> bool {
    if frac == 0.0 {
        return true;
    }
    let frac = frac * f64::from(scale);
    let extra = frac as i32;
    let Some(d) = itm.mday.checked_add(extra) else {
        return false;
    };
    itm.mday = d;
    adjust_fract_microseconds(frac - f64::from(extra), USECS_PER_DAY, itm)
}

fn adjust_fract_years(frac: f64, scale: i32, itm: &mut ItmIn) -> bool {
    let extra = (frac * f64::from(scale) * 12.0).round_ties_even() as i32;
    match itm.mon.checked_add(extra) {
        Some(v) => {
            itm.mon = v;
            true
        }
        None => false,
    }
}

fn adjust_microseconds(val: i64, fval: f64, scale: i64, itm: &mut ItmIn) -> bool {
    match val.checked_mul(scale).and_then(|u| itm.usec.checked_add(u)) {
        Some(v) => itm.usec = v,
        None => return false,
    }
    adjust_fract_microseconds(fval, scale, itm)
}

fn adjust_days(val: i64, scale: i32, itm: &mut ItmIn) -> bool {
    let Ok(v) = i32::try_from(val) else {
        return false;
    };
    match v.checked_mul(scale).and_then(|d| itm.mday.checked_add(d)) {
        Some(d) => {
            itm.mday = d;
            true
        }
        None => false,
    }
}

fn adjust_months(val: i64, itm: &mut ItmIn) -> bool {
    match i32::try_from(val).ok().and_then(|v| itm.mon.checked_add(v)) {
        Some(m) => {
            itm.mon = m;
            true
        }
        None => false,
    }
}

fn adjust_years(val: i64, scale: i32, itm: &mut ItmIn) -> bool {
    let Ok(v) = i32::try_from(val) else {
        return false;
    };
    match v.checked_mul(scale).and_then(|y| itm.year.checked_add(y)) {
        Some(y) => {
            itm.year = y;
            true
        }
        None => false,
    }
}

fn ok(b: bool) -> Dt<()> {
    if b {
        Ok(())
    } else {
        Err(DtErr::FieldOverflow)
    }
}

/// `interval_in` without the typmod truncation (the caller applies it).
pub fn interval_in(s: &str, range: i32, sql_standard: bool) -> Result<Interval> {
    let decoded = tokenize(s).and_then(|f| decode_fields(&f, range, sql_standard));
    let decoded = match decoded {
        Err(DtErr::BadFormat) => decode_iso(s),
        other => other,
    };
    let itm = match decoded {
        Ok(itm) => itm,
        Err(DtErr::BadFormat) => {
            return Err(SqlError::InvalidDatetimeFormat(format!(
                "invalid input syntax for type interval: \"{s}\""
            )))
        }
        Err(DtErr::FieldOverflow) => {
            return Err(SqlError::IntervalFieldOverflow(format!(
                "interval field value out of range: \"{s}\""
            )))
        }
    };
    let months = i64::from(itm.year) * 12 + i64::from(itm.mon);
    let months = i32::try_from(months)
        .map_err(|_| SqlError::DatetimeFieldOverflow("interval out of range".into()))?;
    Ok(Interval {
        months,
        days: itm.mday,
        micros: itm.usec,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::context::IntervalStyle;

    fn out(s: &str) -> String {
        interval_in(s, super::super::range::FULL_RANGE, false)
            .expect(s)
            .format(IntervalStyle::Postgres)
    }

    fn err(s: &str) -> (String, &'static str) {
        let e = interval_in(s, super::super::range::FULL_RANGE, false).expect_err(s);
        (e.to_string(), e.sqlstate())
    }

    /// Expected values from PostgreSQL 15.18.
    #[test]
    fn forms_postgres_accepts() {
        assert_eq!(out("1-2 3 4:05:06"), "1 year 2 mons 3 days 04:05:06");
        assert_eq!(out("-1-2"), "-1 years -2 mons");
        assert_eq!(out("1 2:03"), "1 day 02:03:00");
        assert_eq!(out("@ 1 minute ago"), "-00:01:00");
        assert_eq!(out("P1Y2M"), "1 year 2 mons");
        assert_eq!(
            out("P0002-10-15T10:30:20"),
            "2 years 10 mons 15 days 10:30:20"
        );
        assert_eq!(out("P00021015T103020"), "2 years 10 mons 15 days 10:30:20");
        assert_eq!(out("PT1030"), "1030:00:00");
        assert_eq!(out("P10.5e4Y"), "105000 years");
        assert_eq!(out("1-"), "1 year");
        assert_eq!(out("1.5 weeks"), "10 days 12:00:00");
        assert_eq!(out("-1.5 months"), "-1 mons -15 days");
        assert_eq!(out("1 day -00:00:01.5"), "1 day -00:00:01.5");
        assert_eq!(out("1:2.5"), "00:01:02.5");
        assert_eq!(out("+1 -2:03"), "1 day -02:03:00");
        assert_eq!(
            out("9223372036854775807 microseconds"),
            "2562047788:00:54.775807"
        );
        assert_eq!(
            out("-9223372036854775808 microseconds"),
            "-2562047788:00:54.775808"
        );
    }

    #[test]
    fn errors_match_postgres() {
        let syntax = |s: &str| {
            (
                format!("invalid input syntax for type interval: \"{s}\""),
                "22007",
            )
        };
        for s in ["5 ago", "p1y", "1 2 3", "123 2:03 -2:04", "1 day 1 day"] {
            assert_eq!(err(s), syntax(s));
        }
        for s in [
            "1-12",
            "-2147483648 months ago",
            "2147483648 days",
            "PT2562047789",
        ] {
            assert_eq!(
                err(s),
                (
                    format!("interval field value out of range: \"{s}\""),
                    "22015"
                )
            );
        }
        assert_eq!(
            err("2147483647 years"),
            ("interval out of range".into(), "22008")
        );
    }

    #[test]
    fn sql_standard_sign_applies_to_all_fields() {
        let std = |s: &str| {
            interval_in(s, super::super::range::FULL_RANGE, true)
                .expect(s)
                .format(IntervalStyle::SqlStandard)
        };
        assert_eq!(std("-1 2:03:04"), "-1 2:03:04");
        assert_eq!(std("-23:45:12.34"), "-23:45:12.34");
        assert_eq!(std("-1-2 +3"), "-1-2 +0 +0:00:03");
    }
}
