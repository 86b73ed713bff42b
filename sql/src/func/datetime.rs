//! Date/time functions: `now()` and friends (the statement time comes from the context),
//! `date_trunc`, `extract`/`date_part`, `age`, `make_date`/`make_time`/`make_timestamp`,
//! `to_timestamp(float8)` and `to_char` for timestamps (the common template patterns).
//!
//! `extract` returns numeric with PostgreSQL 15's scales (`second` 6, `milliseconds` 3, `epoch` 6
//! for timestamps); `date_part` returns the same value as float8.
//! Left out: `to_char` for numbers, `date_trunc` with a time zone argument, `date_bin`.

use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::cast::{local_to_utc, utc_to_local};
use crate::types::datetime::{
    civil_from_days, date_to_usecs, days_from_civil, days_in_month, format_offset, weekday,
    Interval, Tm, DAY_NAMES, MONTH_NAMES, UNIX_EPOCH_DAYS, USECS_PER_DAY, USECS_PER_SEC,
};
use crate::types::numeric::Numeric;
use crate::types::{DataType, FormatContext, Value};

use DataType::{
    Date, Float8, Int4, Interval as Iv, Numeric as Num, Text, Time, Timestamp, Timestamptz,
};
use Param::T;

fn now(_: &[Value], ctx: &FormatContext) -> Result<Value> {
    Ok(Value::Timestamptz(ctx.now))
}

fn clock_timestamp(_: &[Value], _: &FormatContext) -> Result<Value> {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    Ok(Value::Timestamptz(
        unix + i64::from(UNIX_EPOCH_DAYS) * USECS_PER_DAY,
    ))
}

fn current_date(_: &[Value], ctx: &FormatContext) -> Result<Value> {
    Ok(Value::Date(
        utc_to_local(ctx.now, ctx).div_euclid(USECS_PER_DAY) as i32,
    ))
}

fn localtime(_: &[Value], ctx: &FormatContext) -> Result<Value> {
    Ok(Value::Time(
        utc_to_local(ctx.now, ctx).rem_euclid(USECS_PER_DAY),
    ))
}

fn localtimestamp(_: &[Value], ctx: &FormatContext) -> Result<Value> {
    Ok(Value::Timestamp(utc_to_local(ctx.now, ctx)))
}

/// PostgreSQL's unit names (plurals and abbreviations) mapped to one canonical spelling.
fn canonical_unit(u: &str) -> Option<&'static str> {
    Some(match u.to_ascii_lowercase().as_str() {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "useconds" => "microseconds",
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "mseconds" => "milliseconds",
        "second" | "seconds" | "s" | "sec" | "secs" => "second",
        "minute" | "minutes" | "m" | "min" | "mins" => "minute",
        "hour" | "hours" | "h" | "hr" | "hrs" => "hour",
        "day" | "days" | "d" => "day",
        "week" | "weeks" | "w" => "week",
        "month" | "months" | "mon" | "mons" => "month",
        "quarter" | "qtr" => "quarter",
        "year" | "years" | "y" | "yr" | "yrs" => "year",
        "decade" | "decades" | "dec" | "decs" => "decade",
        "century" | "centuries" | "c" | "cent" => "century",
        "millennium" | "millennia" | "mil" | "mils" => "millennium",
        "dow" => "dow",
        "isodow" => "isodow",
        "doy" => "doy",
        "isoyear" => "isoyear",
        "epoch" => "epoch",
        "julian" | "j" => "julian",
        "timezone" => "timezone",
        "timezone_h" | "timezone_hour" => "timezone_hour",
        "timezone_m" | "timezone_minute" => "timezone_minute",
        _ => return None,
    })
}

fn not_recognized(unit: &str, ty: DataType) -> SqlError {
    SqlError::InvalidParameterValue(format!(
        "unit \"{unit}\" not recognized for type {}",
        ty.sql_name()
    ))
}

fn not_supported(unit: &str, ty: DataType) -> SqlError {
    SqlError::FeatureNotSupported(format!(
        "unit \"{unit}\" not supported for type {}",
        ty.sql_name()
    ))
}

fn num(v: i64) -> Numeric {
    Numeric::from_i128(i128::from(v))
}

/// `v / 10^scale` as a numeric with that scale.
fn scaled(v: i64, scale: u32) -> Numeric {
    Numeric::from_i128(i128::from(v))
        .div_to_scale(&num(10i64.pow(scale)), scale, false)
        .unwrap_or(Numeric::NaN)
}

/// ISO 8601 `(year, week)` of a date.
fn iso_week(days: i64) -> (i64, i64) {
    let (y, _, _) = civil_from_days(days);
    let week_one_monday = |y: i64| {
        let jan4 = days_from_civil(y, 1, 4);
        jan4 - ((weekday(jan4) as i64 + 6) % 7)
    };
    let mut iy = y + 1;
    let mut start = week_one_monday(iy);
    if days < start {
        iy = y;
        start = week_one_monday(iy);
        if days < start {
            iy = y - 1;
            start = week_one_monday(iy);
        }
    }
    (iy, (days - start) / 7 + 1)
}

fn year_fields(unit: &str, year: i64) -> Option<i64> {
    Some(match unit {
        "decade" => year.div_euclid(10),
        "century" => {
            if year > 0 {
                (year + 99) / 100
            } else {
                -((99 - (year - 1)) / 100)
            }
        }
        "millennium" => {
            if year > 0 {
                (year + 999) / 1000
            } else {
                -((999 - (year - 1)) / 1000)
            }
        }
        _ => return None,
    })
}

/// `extract(unit from timestamp)` on wall-clock microseconds; `utc` is the instant for `epoch`.
fn extract_ts(
    unit: &str,
    local: i64,
    utc: i64,
    offset: Option<i32>,
    ty: DataType,
) -> Result<Numeric> {
    let canon = canonical_unit(unit).ok_or_else(|| not_recognized(unit, ty))?;
    let tm = Tm::from_usecs(local);
    let days = local.div_euclid(USECS_PER_DAY);
    let year = if tm.year <= 0 { tm.year - 1 } else { tm.year };
    let usec_in_min = i64::from(tm.second) * USECS_PER_SEC + i64::from(tm.usec);
    Ok(match canon {
        "microseconds" => num(usec_in_min),
        "milliseconds" => scaled(usec_in_min, 3),
        "second" => scaled(usec_in_min, 6),
        "minute" => num(i64::from(tm.minute)),
        "hour" => num(i64::from(tm.hour)),
        "day" => num(i64::from(tm.day)),
        "month" => num(i64::from(tm.month)),
        "quarter" => num(i64::from((tm.month - 1) / 3 + 1)),
        "year" => num(year),
        "decade" | "century" | "millennium" => num(year_fields(canon, year).unwrap_or(0)),
        "dow" => num(weekday(days) as i64),
        "isodow" => num(match weekday(days) {
            0 => 7,
            d => d as i64,
        }),
        "doy" => num(days - days_from_civil(tm.year, 1, 1) + 1),
        "week" => num(iso_week(days).1),
        "isoyear" => num(iso_week(days).0),
        // In i128: timestamps near the upper bound overflow i64 once shifted to the Unix epoch.
        "epoch" => Numeric::from_i128(
            i128::from(utc) - i128::from(UNIX_EPOCH_DAYS) * i128::from(USECS_PER_DAY),
        )
        .div_to_scale(&num(1_000_000), 6, false)
        .unwrap_or(Numeric::NaN),
        "julian" => {
            let jd = days + 2_451_545;
            let frac = local.rem_euclid(USECS_PER_DAY);
            num(jd).add(
                &num(frac)
                    .div(&num(USECS_PER_DAY))
                    .unwrap_or_else(|_| Numeric::zero()),
            )
        }
        "timezone" | "timezone_hour" | "timezone_minute" => {
            let off = offset.ok_or_else(|| not_supported(unit, ty))?;
            num(match canon {
                "timezone" => i64::from(off),
                "timezone_hour" => i64::from(off / 3600),
                _ => i64::from(off / 60 % 60),
            })
        }
        _ => return Err(not_recognized(unit, ty)),
    })
}

fn extract_value(unit: &str, v: &Value, ctx: &FormatContext) -> Result<Numeric> {
    match v {
        Value::Timestamp(t) => extract_ts(unit, *t, *t, None, Timestamp),
        Value::Timestamptz(t) => {
            let local = utc_to_local(*t, ctx);
            let off = ((local - t) / USECS_PER_SEC) as i32;
            extract_ts(unit, local, *t, Some(off), Timestamptz)
        }
        Value::Date(d) => {
            let canon = canonical_unit(unit).ok_or_else(|| not_recognized(unit, Date))?;
            match canon {
                "microseconds" | "milliseconds" | "second" | "minute" | "hour" | "timezone"
                | "timezone_hour" | "timezone_minute" => Err(not_supported(unit, Date)),
                "epoch" => Ok(num((i64::from(*d) - i64::from(UNIX_EPOCH_DAYS)) * 86_400)),
                "julian" => Ok(num(i64::from(*d) + 2_451_545)),
                _ => {
                    let t = date_to_usecs(*d)?;
                    extract_ts(unit, t, t, None, Date)
                }
            }
        }
        Value::Time(t) => {
            let canon = canonical_unit(unit).ok_or_else(|| not_recognized(unit, Time))?;
            let usec_in_min = t % (60 * USECS_PER_SEC);
            Ok(match canon {
                "microseconds" => num(usec_in_min),
                "milliseconds" => scaled(usec_in_min, 3),
                "second" => scaled(usec_in_min, 6),
                "minute" => num(t / (60 * USECS_PER_SEC) % 60),
                "hour" => num(t / (3600 * USECS_PER_SEC)),
                "epoch" => scaled(*t, 6),
                _ => return Err(not_supported(unit, Time)),
            })
        }
        Value::Interval(i) => {
            let canon = canonical_unit(unit).ok_or_else(|| not_recognized(unit, Iv))?;
            let usec_in_min = i.micros % (60 * USECS_PER_SEC);
            let years = i64::from(i.months / 12);
            Ok(match canon {
                "microseconds" => num(usec_in_min),
                "milliseconds" => scaled(usec_in_min, 3),
                "second" => scaled(usec_in_min, 6),
                "minute" => num(i.micros / (60 * USECS_PER_SEC) % 60),
                "hour" => num(i.micros / (3600 * USECS_PER_SEC)),
                "day" => num(i64::from(i.days)),
                "month" => num(i64::from(i.months % 12)),
                "quarter" => num(i64::from((i.months % 12) / 3 + 1)),
                "year" => num(years),
                "decade" => num(years / 10),
                "century" => num(years / 100),
                "millennium" => num(years / 1000),
                "epoch" => {
                    // 365.25 days per year, 30 per month, as interval_part does.
                    let secs_per_day = 86_400i64;
                    let whole = years * 36_525 * secs_per_day / 100
                        + i64::from(i.months % 12) * 30 * secs_per_day
                        + i64::from(i.days) * secs_per_day;
                    num(whole).add(&scaled(i.micros, 6))
                }
                _ => return Err(not_supported(unit, Iv)),
            })
        }
        other => Err(SqlError::Internal(format!("extract from {other:?}"))),
    }
}

fn extract(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    Ok(Value::Numeric(extract_value(arg::text(a, 0)?, &a[1], ctx)?))
}

fn date_part(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    // date_part(text, date) is date_part on the date as a timestamp.
    let v = match &a[1] {
        Value::Date(d) => Value::Timestamp(date_to_usecs(*d)?),
        other => other.clone(),
    };
    Ok(Value::Float8(
        extract_value(arg::text(a, 0)?, &v, ctx)?.to_f64(),
    ))
}

/// Truncates wall-clock microseconds to `unit`.
pub(super) fn trunc_local(unit: &str, t: i64, ty: DataType) -> Result<i64> {
    if t == i64::MIN || t == i64::MAX {
        return Ok(t);
    }
    let canon = canonical_unit(unit).ok_or_else(|| not_recognized(unit, ty))?;
    let mut tm = Tm::from_usecs(t);
    let days = t.div_euclid(USECS_PER_DAY);
    let ym = |tm: &mut Tm, y: i64, m: u32| {
        tm.year = y;
        tm.month = m;
        tm.day = 1;
    };
    let zero_time = |tm: &mut Tm| {
        tm.hour = 0;
        tm.minute = 0;
        tm.second = 0;
        tm.usec = 0;
    };
    match canon {
        "microseconds" => {}
        "milliseconds" => tm.usec -= tm.usec % 1000,
        "second" => tm.usec = 0,
        "minute" => {
            tm.second = 0;
            tm.usec = 0;
        }
        "hour" => {
            tm.minute = 0;
            tm.second = 0;
            tm.usec = 0;
        }
        "day" => zero_time(&mut tm),
        "week" => {
            let monday = days - ((weekday(days) as i64 + 6) % 7);
            return Ok(monday * USECS_PER_DAY);
        }
        "month" => {
            zero_time(&mut tm);
            tm.day = 1;
        }
        "quarter" => {
            zero_time(&mut tm);
            let (y, m) = (tm.year, (tm.month - 1) / 3 * 3 + 1);
            ym(&mut tm, y, m);
        }
        "year" => {
            zero_time(&mut tm);
            let y = tm.year;
            ym(&mut tm, y, 1);
        }
        "decade" => {
            zero_time(&mut tm);
            let y = tm.year.div_euclid(10) * 10;
            ym(&mut tm, y, 1);
        }
        "century" => {
            zero_time(&mut tm);
            let y = if tm.year > 0 {
                (tm.year + 99) / 100 * 100 - 99
            } else {
                -((99 - (tm.year - 1)) / 100) * 100 + 1
            };
            ym(&mut tm, y, 1);
        }
        "millennium" => {
            zero_time(&mut tm);
            let y = if tm.year > 0 {
                (tm.year + 999) / 1000 * 1000 - 999
            } else {
                -((999 - (tm.year - 1)) / 1000) * 1000 + 1
            };
            ym(&mut tm, y, 1);
        }
        _ => return Err(not_supported(unit, ty)),
    }
    Ok(tm.to_usecs())
}

fn date_trunc(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    let unit = arg::text(a, 0)?;
    Ok(match &a[1] {
        Value::Timestamp(t) => Value::Timestamp(trunc_local(unit, *t, Timestamp)?),
        Value::Timestamptz(t) => {
            let local = trunc_local(unit, utc_to_local(*t, ctx), Timestamptz)?;
            Value::Timestamptz(local_to_utc(local, ctx))
        }
        Value::Interval(i) => {
            let canon = canonical_unit(unit).ok_or_else(|| not_recognized(unit, Iv))?;
            let mut r = *i;
            let hour = 3600 * USECS_PER_SEC;
            match canon {
                "microseconds" => {}
                "milliseconds" => r.micros -= r.micros % 1000,
                "second" => r.micros -= r.micros % USECS_PER_SEC,
                "minute" => r.micros -= r.micros % (60 * USECS_PER_SEC),
                "hour" => r.micros -= r.micros % hour,
                "day" => r.micros = 0,
                "month" => {
                    r.micros = 0;
                    r.days = 0;
                }
                "year" => {
                    r = Interval {
                        months: i.months / 12 * 12,
                        days: 0,
                        micros: 0,
                    }
                }
                _ => return Err(not_supported(unit, Iv)),
            }
            Value::Interval(r)
        }
        other => return Err(SqlError::Internal(format!("date_trunc of {other:?}"))),
    })
}

/// `age(a, b)`: symbolic years/months/days difference, borrowing as `timestamp_age` does.
fn age_between(a: i64, b: i64) -> Result<Interval> {
    let (t1, t2) = (Tm::from_usecs(a), Tm::from_usecs(b));
    let neg = a < b;
    let sgn = |v: i64| if neg { -v } else { v };
    let mut us = sgn(i64::from(t1.usec) - i64::from(t2.usec));
    let mut sec = sgn(i64::from(t1.second) - i64::from(t2.second));
    let mut min = sgn(i64::from(t1.minute) - i64::from(t2.minute));
    let mut hour = sgn(i64::from(t1.hour) - i64::from(t2.hour));
    let mut day = sgn(i64::from(t1.day) - i64::from(t2.day));
    let mut mon = sgn(i64::from(t1.month) - i64::from(t2.month));
    let mut year = sgn(t1.year - t2.year);
    while us < 0 {
        us += USECS_PER_SEC;
        sec -= 1;
    }
    while sec < 0 {
        sec += 60;
        min -= 1;
    }
    while min < 0 {
        min += 60;
        hour -= 1;
    }
    while hour < 0 {
        hour += 24;
        day -= 1;
    }
    while day < 0 {
        let (y, m) = if neg {
            (t1.year, t1.month)
        } else {
            (t2.year, t2.month)
        };
        day += i64::from(days_in_month(y, m));
        mon -= 1;
    }
    while mon < 0 {
        mon += 12;
        year -= 1;
    }
    let micros = ((hour * 60 + min) * 60 + sec) * USECS_PER_SEC + us;
    let range = || SqlError::DatetimeFieldOverflow("interval out of range".into());
    Ok(Interval {
        months: i32::try_from(sgn(year * 12 + mon)).map_err(|_| range())?,
        days: i32::try_from(sgn(day)).map_err(|_| range())?,
        micros: sgn(micros),
    })
}

fn age(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    let wall = |v: &Value| match v {
        Value::Timestamptz(t) => utc_to_local(*t, ctx),
        Value::Timestamp(t) => *t,
        _ => 0,
    };
    let (x, y) = if a.len() == 1 {
        let today = utc_to_local(ctx.now, ctx).div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
        (today, wall(&a[0]))
    } else {
        (wall(&a[0]), wall(&a[1]))
    };
    Ok(Value::Interval(age_between(x, y)?))
}

fn make_date(a: &[Value], _: &FormatContext) -> Result<Value> {
    let (y, m, d) = (arg::int(a, 0)?, arg::int(a, 1)?, arg::int(a, 2)?);
    let bad = || {
        SqlError::DatetimeFieldOverflow(format!("date field value out of range: {y}-{m:02}-{d:02}"))
    };
    if y == 0 {
        return Err(bad());
    }
    // Negative years are BC.
    let ay = if y < 0 { y + 1 } else { y };
    let m32 = u32::try_from(m).map_err(|_| bad())?;
    if !(1..=12).contains(&m32) || d < 1 || d > i64::from(days_in_month(ay, m32)) {
        return Err(bad());
    }
    Ok(Value::Date(days_from_civil(ay, m32, d as u32) as i32))
}

fn time_of(h: i64, mi: i64, sec: f64) -> Result<i64> {
    if !(0..=23).contains(&h) || !(0..=59).contains(&mi) || !(0.0..=60.0).contains(&sec) {
        return Err(SqlError::DatetimeFieldOverflow(format!(
            "time field value out of range: {h}:{mi:02}:{sec:02}"
        )));
    }
    Ok((h * 60 + mi) * 60 * USECS_PER_SEC + (sec * USECS_PER_SEC as f64).round() as i64)
}

fn make_time(a: &[Value], _: &FormatContext) -> Result<Value> {
    Ok(Value::Time(time_of(
        arg::int(a, 0)?,
        arg::int(a, 1)?,
        arg::f64(a, 2)?,
    )?))
}

pub(super) fn make_timestamp(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    let Value::Date(d) = make_date(&a[..3], ctx)? else {
        return Err(SqlError::Internal("make_date".into()));
    };
    let t = time_of(arg::int(a, 3)?, arg::int(a, 4)?, arg::f64(a, 5)?)?;
    Ok(Value::Timestamp(date_to_usecs(d)?.saturating_add(t)))
}

fn to_timestamp(a: &[Value], _: &FormatContext) -> Result<Value> {
    let secs = arg::f64(a, 0)?;
    if secs.is_nan() {
        return Err(SqlError::DatetimeFieldOverflow(
            "timestamp cannot be NaN".into(),
        ));
    }
    if secs.is_infinite() {
        return Ok(Value::Timestamptz(if secs > 0.0 {
            i64::MAX
        } else {
            i64::MIN
        }));
    }
    let us = (secs * USECS_PER_SEC as f64).round();
    if us.abs() > 9.2e18 {
        return Err(SqlError::DatetimeFieldOverflow(format!(
            "timestamp out of range: \"{secs}\""
        )));
    }
    Ok(Value::Timestamptz(
        us as i64 + i64::from(UNIX_EPOCH_DAYS) * USECS_PER_DAY,
    ))
}

/// `to_char(timestamp, template)` for the common patterns.
fn to_char(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    let (local, zone) = match &a[0] {
        Value::Timestamp(t) => (*t, None),
        Value::Timestamptz(t) => {
            let (off, abbrev) = ctx.timezone.offset_at(t.div_euclid(USECS_PER_SEC));
            (
                t.saturating_add(i64::from(off) * USECS_PER_SEC),
                Some((off, abbrev)),
            )
        }
        other => return Err(SqlError::Internal(format!("to_char of {other:?}"))),
    };
    let fmt = arg::text(a, 1)?;
    let tm = Tm::from_usecs(local);
    let days = local.div_euclid(USECS_PER_DAY);
    let (yy, _) = if tm.year <= 0 {
        (1 - tm.year, true)
    } else {
        (tm.year, false)
    };
    let h12 = match tm.hour % 12 {
        0 => 12,
        h => h,
    };
    let mut out = String::new();
    let b = fmt.as_bytes();
    let mut i = 0;
    let starts = |i: usize, p: &str| fmt.get(i..i + p.len()) == Some(p);
    while i < b.len() {
        let mut fm = false;
        if starts(i, "FM") || starts(i, "fm") {
            fm = true;
            i += 2;
        }
        let num = |v: i64, width: usize| {
            if fm {
                v.to_string()
            } else {
                format!("{v:0width$}")
            }
        };
        let name = |s: &str, upper: bool, lower: bool, pad: usize| {
            let s = if upper {
                s.to_uppercase()
            } else if lower {
                s.to_lowercase()
            } else {
                s.to_string()
            };
            if fm {
                s
            } else {
                format!("{s:<pad$}")
            }
        };
        let month = MONTH_NAMES[(tm.month - 1) as usize];
        let day = DAY_NAMES[weekday(days)];
        let (text, len): (String, usize) = if starts(i, "HH24") {
            (num(i64::from(tm.hour), 2), 4)
        } else if starts(i, "HH12") {
            (num(i64::from(h12), 2), 4)
        } else if starts(i, "HH") {
            (num(i64::from(h12), 2), 2)
        } else if starts(i, "MI") {
            (num(i64::from(tm.minute), 2), 2)
        } else if starts(i, "SS") {
            (num(i64::from(tm.second), 2), 2)
        } else if starts(i, "MS") {
            (format!("{:03}", tm.usec / 1000), 2)
        } else if starts(i, "US") {
            (format!("{:06}", tm.usec), 2)
        } else if starts(i, "AM") || starts(i, "PM") {
            ((if tm.hour < 12 { "AM" } else { "PM" }).to_string(), 2)
        } else if starts(i, "am") || starts(i, "pm") {
            ((if tm.hour < 12 { "am" } else { "pm" }).to_string(), 2)
        } else if starts(i, "YYYY") {
            (num(yy, 4), 4)
        } else if starts(i, "YYY") {
            (num(yy % 1000, 3), 3)
        } else if starts(i, "YY") {
            (num(yy % 100, 2), 2)
        } else if starts(i, "IYYY") {
            (num(iso_week(days).0, 4), 4)
        } else if starts(i, "IW") {
            (num(iso_week(days).1, 2), 2)
        } else if starts(i, "MONTH") {
            (name(month, true, false, 9), 5)
        } else if starts(i, "Month") {
            (name(month, false, false, 9), 5)
        } else if starts(i, "month") {
            (name(month, false, true, 9), 5)
        } else if starts(i, "MON") {
            (month[..3].to_uppercase(), 3)
        } else if starts(i, "Mon") {
            (month[..3].to_string(), 3)
        } else if starts(i, "mon") {
            (month[..3].to_lowercase(), 3)
        } else if starts(i, "MM") {
            (num(i64::from(tm.month), 2), 2)
        } else if starts(i, "DAY") {
            (name(day, true, false, 9), 3)
        } else if starts(i, "Day") {
            (name(day, false, false, 9), 3)
        } else if starts(i, "day") {
            (name(day, false, true, 9), 3)
        } else if starts(i, "DY") {
            (day[..3].to_uppercase(), 2)
        } else if starts(i, "Dy") {
            (day[..3].to_string(), 2)
        } else if starts(i, "dy") {
            (day[..3].to_lowercase(), 2)
        } else if starts(i, "DDD") {
            (num(days - days_from_civil(tm.year, 1, 1) + 1, 3), 3)
        } else if starts(i, "DD") {
            (num(i64::from(tm.day), 2), 2)
        } else if starts(i, "D") {
            ((weekday(days) + 1).to_string(), 1)
        } else if starts(i, "Q") {
            (((tm.month - 1) / 3 + 1).to_string(), 1)
        } else if starts(i, "TZ") || starts(i, "tz") {
            let z = zone.as_ref().map_or(String::new(), |(_, a)| a.clone());
            (if starts(i, "tz") { z.to_lowercase() } else { z }, 2)
        } else if starts(i, "OF") {
            (
                zone.as_ref()
                    .map_or(String::new(), |(o, _)| format_offset(*o)),
                2,
            )
        } else if b[i] == b'"' {
            let end = fmt[i + 1..].find('"').map_or(b.len(), |e| i + 1 + e);
            (fmt[i + 1..end].to_string(), end + 1 - i)
        } else if b[i] == b'\\' && i + 1 < b.len() {
            let c = fmt[i + 1..].chars().next().unwrap_or(' ');
            (c.to_string(), 1 + c.len_utf8())
        } else {
            let c = fmt[i..].chars().next().unwrap_or(' ');
            (c.to_string(), c.len_utf8())
        };
        out.push_str(&text);
        i += len.max(1);
    }
    Ok(Value::Text(out))
}

const fn volatile(mut b: Builtin) -> Builtin {
    b.volatile = true;
    b
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("now"() -> Timestamptz, now),
    builtin!("current_timestamp"() -> Timestamptz, now),
    builtin!("transaction_timestamp"() -> Timestamptz, now),
    builtin!("statement_timestamp"() -> Timestamptz, now),
    volatile(builtin!("clock_timestamp"() -> Timestamptz, clock_timestamp)),
    builtin!("current_date"() -> Date, current_date),
    builtin!("localtimestamp"() -> Timestamp, localtimestamp),
    builtin!("localtime"() -> Time, localtime),
    builtin!("extract"(T(Text), T(Timestamp)) -> Num, extract),
    builtin!("extract"(T(Text), T(Timestamptz)) -> Num, extract),
    builtin!("extract"(T(Text), T(Date)) -> Num, extract),
    builtin!("extract"(T(Text), T(Time)) -> Num, extract),
    builtin!("extract"(T(Text), T(Iv)) -> Num, extract),
    builtin!("date_part"(T(Text), T(Timestamp)) -> Float8, date_part),
    builtin!("date_part"(T(Text), T(Timestamptz)) -> Float8, date_part),
    builtin!("date_part"(T(Text), T(Date)) -> Float8, date_part),
    builtin!("date_part"(T(Text), T(Time)) -> Float8, date_part),
    builtin!("date_part"(T(Text), T(Iv)) -> Float8, date_part),
    builtin!("date_trunc"(T(Text), T(Timestamp)) -> Timestamp, date_trunc),
    builtin!("date_trunc"(T(Text), T(Timestamptz)) -> Timestamptz, date_trunc),
    builtin!("date_trunc"(T(Text), T(Iv)) -> Iv, date_trunc),
    builtin!("age"(T(Timestamp), T(Timestamp)) -> Iv, age),
    builtin!("age"(T(Timestamptz), T(Timestamptz)) -> Iv, age),
    builtin!("age"(T(Timestamp)) -> Iv, age),
    builtin!("age"(T(Timestamptz)) -> Iv, age),
    builtin!("make_date"(T(Int4), T(Int4), T(Int4)) -> Date, make_date),
    builtin!("make_time"(T(Int4), T(Int4), T(Float8)) -> Time, make_time),
    builtin!("make_timestamp"(T(Int4), T(Int4), T(Int4), T(Int4), T(Int4), T(Float8)) -> Timestamp, make_timestamp),
    builtin!("to_timestamp"(T(Float8)) -> Timestamptz, to_timestamp),
    builtin!("to_char"(T(Timestamp), T(Text)) -> Text, to_char),
    builtin!("to_char"(T(Timestamptz), T(Text)) -> Text, to_char),
];
