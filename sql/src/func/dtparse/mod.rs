//! `to_timestamp(text, text)` and `to_date(text, text)`: reading a date/time by a template, as
//! PostgreSQL 15's `formatting.c` does (`parse_format`, `DCH_from_char`, `do_to_timestamp`).
//!
//! The template becomes nodes: keywords (case-sensitive, longest first, with `FM`/`TM` prefixes
//! and `TH`/`SP` suffixes), separators (ASCII punctuation), spaces and literal characters
//! (double-quoted text included). Outside FX mode the reader is lenient exactly where
//! PostgreSQL is: blanks before fields are skipped, a template space or separator matches one
//! blank or separator or nothing, a literal character consumes one input character whatever it
//! is, and a number field takes as many digits as it can when the next node is not a digit
//! field (or under `FM`), else exactly its width. Errors carry PostgreSQL's messages, details
//! and hints. `TZ`/`OF` are refused as PostgreSQL 15 does ("only supported in to_char").

mod reader;
mod template;

use self::reader::{format_error, read, Fields};
use self::template::{parse_template, Mode};
use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::datetime::{
    civil_from_days, days_from_civil, days_in_month, is_leap, weekday, DATE_END, DATE_MIN, TS_END,
    TS_MIN, USECS_PER_SEC,
};
use crate::types::{DataType, FormatContext, Value};

/// A date/time read by a template: wall-clock fields, fraction, and an explicit zone offset.
struct Parsed {
    year: i64,
    month: u32,
    day: u32,
    hour: i32,
    minute: i32,
    second: i32,
    usec: i64,
    /// Seconds east of UTC, from TZH/TZM.
    zone: Option<i32>,
    /// Fractional digits to round to (FFn), 0 for none.
    precision: u8,
}

/// Days since 2000-01-01 of Monday of ISO week 1 of `year`, plus `(week - 1) * 7`.
fn iso_week_start(year: i64, week: i32) -> i64 {
    let jan4 = days_from_civil(year, 1, 4);
    let monday = jan4 - ((weekday(jan4) as i64 + 6) % 7);
    monday + i64::from(week - 1) * 7
}

/// `do_to_timestamp` after the template was read.
fn assemble(f: Fields, input: &str) -> Result<Parsed> {
    let overflow = || {
        SqlError::DatetimeFieldOverflow(format!("date/time field value out of range: \"{input}\""))
    };
    let (mut year, mut month, mut day): (i64, i32, i32) = (0, 1, 1);
    let (mut hour, mut minute, mut second) = (0, 0, 0);
    let (mut has_year, mut has_month, mut has_day) = (false, false, false);
    if f.ssss != 0 {
        hour = f.ssss / 3600;
        minute = f.ssss % 3600 / 60;
        second = f.ssss % 60;
    }
    if f.ss != 0 {
        second = f.ss;
    }
    if f.mi != 0 {
        minute = f.mi;
    }
    if f.hh != 0 {
        hour = f.hh;
    }
    if f.clock12 {
        if !(1..=12).contains(&hour) {
            return Err(format_error(
                format!("hour \"{hour}\" is invalid for the 12-hour clock"),
                None,
                Some("Use the 24-hour clock, or give an hour between 1 and 12."),
            ));
        }
        if f.pm != 0 && hour < 12 {
            hour += 12;
        } else if f.pm == 0 && hour == 12 {
            hour = 0;
        }
    }
    let mut cc = f.cc;
    if f.year != 0 {
        if cc != 0 && f.yysz <= 2 {
            if f.bc != 0 {
                cc = -cc;
            }
            let y = i64::from(f.year % 100);
            year = if y != 0 {
                if cc >= 0 {
                    y + i64::from(cc - 1) * 100
                } else {
                    i64::from(cc + 1) * 100 - y + 1
                }
            } else {
                i64::from(cc) * 100 + i64::from(cc < 0)
            };
        } else {
            year = i64::from(f.year);
            if f.bc != 0 {
                year = -year;
            }
            if year < 0 {
                year += 1;
            }
        }
        has_year = true;
    } else if cc != 0 {
        if f.bc != 0 {
            cc = -cc;
        }
        year = if cc >= 0 {
            i64::from(cc - 1) * 100 + 1
        } else {
            i64::from(cc) * 100 + 1
        };
        has_year = true;
    }
    let iso = f.mode == Some(Mode::Iso);
    let set_date = |days: i64, y: &mut i64, m: &mut i32, d: &mut i32| {
        let (yy, mm, dd) = civil_from_days(days);
        (*y, *m, *d) = (yy, mm as i32, dd as i32);
    };
    if f.j != 0 {
        // Julian day 2451545 is 2000-01-01.
        set_date(i64::from(f.j) - 2_451_545, &mut year, &mut month, &mut day);
        (has_year, has_month, has_day) = (true, true, true);
    }
    let mut ddd = f.ddd;
    if f.ww != 0 {
        if iso {
            let start = iso_week_start(year, f.ww);
            let days = if f.d == 0 {
                start
            } else if f.d > 1 {
                start + i64::from(f.d - 2)
            } else {
                start + 6
            };
            set_date(days, &mut year, &mut month, &mut day);
            (has_year, has_month, has_day) = (true, true, true);
        } else {
            ddd = (f.ww - 1) * 7 + 1;
        }
    }
    let mut dd = f.dd;
    if f.w != 0 {
        dd = (f.w - 1) * 7 + 1;
    }
    if dd != 0 {
        day = dd;
        has_day = true;
    }
    if f.mm != 0 {
        month = f.mm;
        has_month = true;
    }
    if ddd != 0 && (month <= 1 || day <= 1) {
        if year == 0 && f.bc == 0 {
            return Err(format_error(
                "cannot calculate day of year without year information".into(),
                None,
                None,
            ));
        }
        if iso {
            let start = iso_week_start(year, 1) - 1;
            set_date(start + i64::from(ddd), &mut year, &mut month, &mut day);
            (has_year, has_month, has_day) = (true, true, true);
        } else {
            let leap = is_leap(year);
            let ysum = |m: i32| -> i32 {
                (1..=m)
                    .map(|k| days_in_month(if leap { 2000 } else { 2001 }, k as u32) as i32)
                    .sum()
            };
            let mut m = 1;
            while m <= 12 && ddd > ysum(m) {
                m += 1;
            }
            if month <= 1 {
                month = m;
            }
            if day <= 1 {
                day = ddd - ysum(m - 1);
            }
            has_month = true;
            has_day = true;
        }
    }
    let usec = i64::from(f.ms) * 1000 + i64::from(f.us);
    // ValidateDate.
    if (has_month && !(1..=12).contains(&month)) || (has_day && !(1..=31).contains(&day)) {
        return Err(overflow());
    }
    if has_year && has_month && has_day && day as u32 > days_in_month(year, month as u32) {
        return Err(overflow());
    }
    if !(0..24).contains(&hour)
        || !(0..60).contains(&minute)
        || !(0..60).contains(&second)
        || !(0..USECS_PER_SEC).contains(&usec)
    {
        return Err(overflow());
    }
    let zone = if f.tzsign != 0 {
        if !(0..=15).contains(&f.tzh) || !(0..60).contains(&f.tzm) {
            return Err(SqlError::DatetimeFieldOverflow(format!(
                "time zone displacement out of range: \"{input}\""
            )));
        }
        Some(f.tzsign * (f.tzh * 3600 + f.tzm * 60))
    } else {
        None
    };
    Ok(Parsed {
        year,
        month: month.clamp(1, 12) as u32,
        day: day.max(1) as u32,
        hour,
        minute,
        second,
        usec,
        zone,
        precision: f.ff,
    })
}

fn parse(input: &str, fmt: &str) -> Result<Parsed> {
    let nodes = parse_template(fmt);
    let fields = read(&nodes, input)?;
    assemble(fields, input)
}

/// `to_timestamp(text, text)`.
pub(super) fn to_timestamp(a: &[Value], ctx: &FormatContext) -> Result<Value> {
    let input = arg::text(a, 0)?;
    let p = parse(input, arg::text(a, 1)?)?;
    let out_of_range = || SqlError::DatetimeFieldOverflow("timestamp out of range".into());
    if p.year.abs() > 1_000_000 {
        return Err(out_of_range());
    }
    let local = days_from_civil(p.year, p.month, p.day)
        .checked_mul(86_400)
        .and_then(|s| s.checked_add(i64::from(p.hour * 3600 + p.minute * 60 + p.second)))
        .ok_or_else(out_of_range)?;
    let offset = match p.zone {
        Some(z) => z,
        None => ctx.timezone.offset_for_local(local),
    };
    let t = (local - i64::from(offset))
        .checked_mul(USECS_PER_SEC)
        .and_then(|t| t.checked_add(p.usec))
        .filter(|t| (TS_MIN..TS_END).contains(t))
        .ok_or_else(out_of_range)?;
    // AdjustTimestampForTypmod: round half away from zero to the FFn precision.
    let t = if (1..6).contains(&p.precision) {
        let scale = 10_i64.pow(6 - u32::from(p.precision));
        let r = (t.abs() + scale / 2) / scale * scale;
        if t < 0 {
            -r
        } else {
            r
        }
    } else {
        t
    };
    Ok(Value::Timestamptz(t))
}

/// `to_date(text, text)`.
pub(super) fn to_date(a: &[Value], _: &FormatContext) -> Result<Value> {
    let input = arg::text(a, 0)?;
    let p = parse(input, arg::text(a, 1)?)?;
    let out_of_range =
        || SqlError::DatetimeFieldOverflow(format!("date out of range: \"{input}\""));
    if p.year.abs() > 10_000_000 {
        return Err(out_of_range());
    }
    let days = days_from_civil(p.year, p.month, p.day);
    i32::try_from(days)
        .ok()
        .filter(|d| (DATE_MIN..DATE_END).contains(d))
        .map(Value::Date)
        .ok_or_else(out_of_range)
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("to_timestamp"(Param::T(DataType::Text), Param::T(DataType::Text)) -> DataType::Timestamptz, to_timestamp),
    builtin!("to_date"(Param::T(DataType::Text), Param::T(DataType::Text)) -> DataType::Date, to_date),
];
