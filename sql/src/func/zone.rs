//! Time-zone and interval-shaping functions: `timezone` (what `AT TIME ZONE` calls),
//! `date_trunc` in a named zone, `make_timestamptz`, `justify_days`/`justify_hours`/`justify_interval`, `date_bin` and
//! `isfinite`.
//!
//! A zone argument is an abbreviation PostgreSQL's `Default` set knows (`PST`, `EST`, ...), an
//! IANA name, or a number of hours, in that order; anything else is
//! `time zone "x" not recognized` (22023). Interval normalisation follows `timestamp.c`
//! (30-day months, 24-hour days, "interval out of range" on overflow).

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::datetime::{
    abbreviation, Interval, TS_END, TS_MIN, TS_NEG_INF, TS_POS_INF, USECS_PER_DAY,
};
use crate::types::{DataType, FormatContext, TimeZone, Value};

use DataType::{Bool, Date, Float8, Int4, Interval as Iv, Text, Timestamp, Timestamptz};
use Param::T;

const USECS_PER_SEC: i64 = 1_000_000;
const DAYS_PER_MONTH: i32 = 30;

fn interval_range() -> SqlError {
    SqlError::DatetimeFieldOverflow("interval out of range".into())
}

/// A zone named by the user (see the module doc).
fn zone(name: &str) -> Result<TimeZone> {
    let lower = name.trim().to_ascii_lowercase();
    if let Some(secs) = abbreviation(&lower) {
        if let Some(z) = TimeZone::fixed(name, secs) {
            return Ok(z);
        }
    }
    TimeZone::named(name).ok_or_else(|| {
        SqlError::InvalidParameterValue(format!("time zone \"{name}\" not recognized"))
    })
}

fn finite(t: i64) -> bool {
    t != TS_NEG_INF && t != TS_POS_INF
}

/// `timezone(zone, timestamptz)`: the wall-clock time in `zone` at that instant.
fn tz_of_timestamptz(a: &[Value], _: &FormatContext) -> Result<Value> {
    let z = zone(arg::text(a, 0)?)?;
    let Value::Timestamptz(t) = a[1] else {
        return Err(SqlError::Internal("timezone: not a timestamptz".into()));
    };
    if !finite(t) {
        return Ok(Value::Timestamp(t));
    }
    let (off, _) = z.offset_at(t.div_euclid(USECS_PER_SEC));
    Ok(Value::Timestamp(
        t.saturating_add(i64::from(off) * USECS_PER_SEC),
    ))
}

/// `timezone(zone, timestamp)`: the instant at which `zone`'s clocks show that time.
fn tz_of_timestamp(a: &[Value], _: &FormatContext) -> Result<Value> {
    let z = zone(arg::text(a, 0)?)?;
    let Value::Timestamp(t) = a[1] else {
        return Err(SqlError::Internal("timezone: not a timestamp".into()));
    };
    if !finite(t) {
        return Ok(Value::Timestamptz(t));
    }
    let off = z.offset_for_local(t.div_euclid(USECS_PER_SEC));
    Ok(Value::Timestamptz(
        t.saturating_sub(i64::from(off) * USECS_PER_SEC),
    ))
}

/// The offset an interval zone names (`AT TIME ZONE INTERVAL '-08:00'`); months and days are
/// not allowed, as in PostgreSQL.
fn interval_offset(v: &Value) -> Result<i64> {
    let Value::Interval(iv) = v else {
        return Err(SqlError::Internal("timezone: not an interval".into()));
    };
    if iv.months != 0 || iv.days != 0 {
        return Err(SqlError::InvalidParameterValue(format!(
            "interval time zone \"{}\" must not include months or days",
            iv.format(crate::types::IntervalStyle::Postgres)
        )));
    }
    Ok(iv.micros)
}

fn tz_iv_of_timestamptz(a: &[Value], _: &FormatContext) -> Result<Value> {
    let off = interval_offset(&a[0])?;
    match a[1] {
        Value::Timestamptz(t) if finite(t) => Ok(Value::Timestamp(t.saturating_add(off))),
        Value::Timestamptz(t) => Ok(Value::Timestamp(t)),
        _ => Err(SqlError::Internal("timezone: not a timestamptz".into())),
    }
}

fn tz_iv_of_timestamp(a: &[Value], _: &FormatContext) -> Result<Value> {
    let off = interval_offset(&a[0])?;
    match a[1] {
        Value::Timestamp(t) if finite(t) => Ok(Value::Timestamptz(t.saturating_sub(off))),
        Value::Timestamp(t) => Ok(Value::Timestamptz(t)),
        _ => Err(SqlError::Internal("timezone: not a timestamp".into())),
    }
}

/// `make_timestamptz(y, m, d, h, mi, s [, zone])`: the wall-clock time in `zone` (default: the
/// session's TimeZone).
fn make_timestamptz(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    let local = match super::datetime::make_timestamp(&a[..6], ctx)? {
        Value::Timestamp(t) => t,
        _ => return Err(SqlError::Internal("make_timestamp".into())),
    };
    let off = match a.get(6) {
        Some(Value::Text(name)) => zone(name)?.offset_for_local(local.div_euclid(USECS_PER_SEC)),
        _ => ctx
            .timezone
            .offset_for_local(local.div_euclid(USECS_PER_SEC)),
    };
    Ok(Value::Timestamptz(
        local.saturating_sub(i64::from(off) * USECS_PER_SEC),
    ))
}

fn iv(a: &[Value]) -> Result<Interval> {
    match &a[0] {
        Value::Interval(i) => Ok(*i),
        _ => Err(SqlError::Internal("not an interval".into())),
    }
}

/// `justify_hours`: whole days out of the time part.
fn justify_hours(a: &[Value], _: &FormatContext) -> Result<Value> {
    let span = iv(a)?;
    let mut time = span.micros % USECS_PER_DAY;
    let whole = span.micros / USECS_PER_DAY;
    let mut day = i32::try_from(whole)
        .ok()
        .and_then(|w| span.days.checked_add(w))
        .ok_or_else(interval_range)?;
    if day > 0 && time < 0 {
        time += USECS_PER_DAY;
        day -= 1;
    } else if day < 0 && time > 0 {
        time -= USECS_PER_DAY;
        day += 1;
    }
    Ok(Value::Interval(Interval {
        months: span.months,
        days: day,
        micros: time,
    }))
}

/// `justify_days`: whole 30-day months out of the day part.
fn justify_days(a: &[Value], _: &FormatContext) -> Result<Value> {
    let span = iv(a)?;
    let whole = span.days / DAYS_PER_MONTH;
    let mut day = span.days - whole * DAYS_PER_MONTH;
    let mut month = span.months.checked_add(whole).ok_or_else(interval_range)?;
    if month > 0 && day < 0 {
        day += DAYS_PER_MONTH;
        month -= 1;
    } else if month < 0 && day > 0 {
        day -= DAYS_PER_MONTH;
        month += 1;
    }
    Ok(Value::Interval(Interval {
        months: month,
        days: day,
        micros: span.micros,
    }))
}

/// `justify_interval`: both, with the signs of all parts made to agree.
fn justify_interval(a: &[Value], _: &FormatContext) -> Result<Value> {
    let span = iv(a)?;
    let (mut month, mut day, mut time) = (span.months, span.days, span.micros);
    // Pre-justify days when that might prevent an overflow below.
    if (day > 0 && time > 0) || (day < 0 && time < 0) {
        let whole = day / DAYS_PER_MONTH;
        day -= whole * DAYS_PER_MONTH;
        month = month.checked_add(whole).ok_or_else(interval_range)?;
    }
    let whole_day = time / USECS_PER_DAY;
    time -= whole_day * USECS_PER_DAY;
    day = i32::try_from(whole_day)
        .ok()
        .and_then(|w| day.checked_add(w))
        .ok_or_else(interval_range)?;
    let whole_month = day / DAYS_PER_MONTH;
    day -= whole_month * DAYS_PER_MONTH;
    month = month.checked_add(whole_month).ok_or_else(interval_range)?;
    if month > 0 && (day < 0 || (day == 0 && time < 0)) {
        day += DAYS_PER_MONTH;
        month -= 1;
    } else if month < 0 && (day > 0 || (day == 0 && time > 0)) {
        day -= DAYS_PER_MONTH;
        month += 1;
    }
    if day > 0 && time < 0 {
        time += USECS_PER_DAY;
        day -= 1;
    } else if day < 0 && time > 0 {
        time -= USECS_PER_DAY;
        day += 1;
    }
    Ok(Value::Interval(Interval {
        months: month,
        days: day,
        micros: time,
    }))
}

/// `date_bin(stride, source, origin)` over timestamps or timestamptz (PostgreSQL 15's rules).
fn date_bin(a: &[Value], _: &FormatContext) -> Result<Value> {
    let stride = match &a[0] {
        Value::Interval(i) => *i,
        _ => return Err(SqlError::Internal("date_bin stride".into())),
    };
    let (src, origin, tz) = match (&a[1], &a[2]) {
        (Value::Timestamp(s), Value::Timestamp(o)) => (*s, *o, false),
        (Value::Timestamptz(s), Value::Timestamptz(o)) => (*s, *o, true),
        _ => return Err(SqlError::Internal("date_bin operands".into())),
    };
    let wrap = |t: i64| {
        if tz {
            Value::Timestamptz(t)
        } else {
            Value::Timestamp(t)
        }
    };
    if !finite(src) {
        return Ok(wrap(src));
    }
    if !finite(origin) {
        return Err(SqlError::DatetimeFieldOverflow(
            "origin out of range".into(),
        ));
    }
    if stride.months != 0 {
        return Err(SqlError::FeatureNotSupported(
            "timestamps cannot be binned into intervals containing months or years".into(),
        ));
    }
    let stride_us = i64::from(stride.days)
        .checked_mul(USECS_PER_DAY)
        .and_then(|d| d.checked_add(stride.micros))
        .ok_or_else(interval_range)?;
    if stride_us <= 0 {
        return Err(SqlError::DatetimeFieldOverflow(
            "stride must be greater than zero".into(),
        ));
    }
    let diff = src.checked_sub(origin).ok_or_else(interval_range)?;
    let modulo = diff % stride_us;
    let mut delta = diff - modulo;
    // Round toward -infinity when the source lies before the origin, off a bin boundary.
    if modulo < 0 {
        delta -= stride_us;
    }
    origin
        .checked_add(delta)
        .filter(|t| (TS_MIN..TS_END).contains(t))
        .map(wrap)
        .ok_or_else(|| SqlError::DatetimeFieldOverflow("timestamp out of range".into()))
}

fn isfinite(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Bool(match &a[0] {
        Value::Date(d) => *d != i32::MIN && *d != i32::MAX,
        Value::Timestamp(t) | Value::Timestamptz(t) => finite(*t),
        _ => true,
    }))
}

/// `date_trunc(unit, timestamptz, zone)`: truncates the wall-clock time in `zone`, then reads
/// the result back as that zone's local time (`timestamptz_trunc_zone`).
fn date_trunc_zone(a: &[Value], _: &FormatContext) -> Result<Value> {
    let unit = arg::text(a, 0)?;
    let z = zone(arg::text(a, 2)?)?;
    let Value::Timestamptz(t) = a[1] else {
        return Err(SqlError::Internal("date_trunc: not a timestamptz".into()));
    };
    if !finite(t) {
        return Ok(Value::Timestamptz(t));
    }
    let (off, _) = z.offset_at(t.div_euclid(USECS_PER_SEC));
    let local = t.saturating_add(i64::from(off) * USECS_PER_SEC);
    let truncated = super::datetime::trunc_local(unit, local, Timestamptz)?;
    let off = z.offset_for_local(truncated.div_euclid(USECS_PER_SEC));
    Ok(Value::Timestamptz(
        truncated.saturating_sub(i64::from(off) * USECS_PER_SEC),
    ))
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("date_trunc"(T(Text), T(Timestamptz), T(Text)) -> Timestamptz, date_trunc_zone),
    builtin!("timezone"(T(Text), T(Timestamptz)) -> Timestamp, tz_of_timestamptz),
    builtin!("timezone"(T(Text), T(Timestamp)) -> Timestamptz, tz_of_timestamp),
    builtin!("timezone"(T(Iv), T(Timestamptz)) -> Timestamp, tz_iv_of_timestamptz),
    builtin!("timezone"(T(Iv), T(Timestamp)) -> Timestamptz, tz_iv_of_timestamp),
    builtin!("make_timestamptz"(T(Int4), T(Int4), T(Int4), T(Int4), T(Int4), T(Float8)) -> Timestamptz, make_timestamptz),
    builtin!("make_timestamptz"(T(Int4), T(Int4), T(Int4), T(Int4), T(Int4), T(Float8), T(Text)) -> Timestamptz, make_timestamptz),
    builtin!("justify_hours"(T(Iv)) -> Iv, justify_hours),
    builtin!("justify_days"(T(Iv)) -> Iv, justify_days),
    builtin!("justify_interval"(T(Iv)) -> Iv, justify_interval),
    builtin!("date_bin"(T(Iv), T(Timestamp), T(Timestamp)) -> Timestamp, date_bin),
    builtin!("date_bin"(T(Iv), T(Timestamptz), T(Timestamptz)) -> Timestamptz, date_bin),
    builtin!("isfinite"(T(Date)) -> Bool, isfinite),
    builtin!("isfinite"(T(Timestamp)) -> Bool, isfinite),
    builtin!("isfinite"(T(Timestamptz)) -> Bool, isfinite),
    builtin!("isfinite"(T(Iv)) -> Bool, isfinite),
];
