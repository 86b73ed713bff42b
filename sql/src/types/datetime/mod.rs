//! `date`, `time`, `timestamp`, `timestamptz` (and `interval` in [`interval`]): PostgreSQL's
//! representation, DateStyle output and the common input forms.
//!
//! Representation (as PostgreSQL's, so binary send/recv is a copy): `date` is days since
//! 2000-01-01 (`i32`), `time` microseconds since midnight, `timestamp` microseconds since
//! 2000-01-01 00:00 wall clock, `timestamptz` microseconds since 2000-01-01 00:00 UTC; the extreme
//! values `MIN`/`MAX` are `-infinity`/`infinity`. Years are astronomical internally (year 0 is 1 BC)
//! and printed with PostgreSQL's ` BC` suffix.
//!
//! Input (see [`parse`]): ISO 8601 (`1999-01-08 04:05:06.789+02`, `T` separator), `MDY`/`DMY`/`YMD`
//! ordered numeric dates with `-`, `/` or `.`, month names (`January 8, 1999`, `08-Jan-1999`),
//! `YYYYMMDD`, `BC`, `AM`/`PM`, zone suffixes (numeric offsets, `Z`, `UTC`/`GMT`, IANA names), and
//! the special words `epoch`, `infinity`, `-infinity`, `now`, `today`, `tomorrow`, `yesterday`.
//! Left out: time zone abbreviations other than UTC/GMT/Z (PostgreSQL's `timezone_abbreviations`
//! table), Julian dates (`J2451187`), and `timetz`.

pub mod interval;
mod interval_in;
mod parse;
pub mod range;

pub use interval::Interval;
pub use parse::{abbreviation, parse_date, parse_time, parse_timestamp, parse_timestamptz};

use super::context::{DateOrder, DateStyle, FormatContext};

/// Microseconds per second / day.
pub const USECS_PER_SEC: i64 = 1_000_000;
pub const USECS_PER_DAY: i64 = 86_400 * USECS_PER_SEC;
/// Days between 1970-01-01 and 2000-01-01.
pub const UNIX_EPOCH_DAYS: i32 = -10_957;

/// `DATEVAL_NOBEGIN`/`DATEVAL_NOEND`, `DT_NOBEGIN`/`DT_NOEND`.
pub const DATE_NEG_INF: i32 = i32::MIN;
pub const DATE_POS_INF: i32 = i32::MAX;
pub const TS_NEG_INF: i64 = i64::MIN;
pub const TS_POS_INF: i64 = i64::MAX;

/// Last valid timestamp: 294276-12-31 23:59:59.999999 (exclusive end: 294277-01-01).
pub const TS_END: i64 = 9_223_371_331_200_000_000;
/// First valid timestamp: 4714-11-24 BC 00:00.
pub const TS_MIN: i64 = -211_813_488_000_000_000;
/// Date range: 4714-11-24 BC .. 5874897-12-31.
pub const DATE_MIN: i32 = -2_451_545;
pub const DATE_END: i32 = 2_145_031_949;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Days since 2000-01-01 of a proleptic Gregorian date (astronomical year).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + i64::from(UNIX_EPOCH_DAYS)
}

/// `(year, month, day)` of days since 2000-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days - i64::from(UNIX_EPOCH_DAYS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Whether `y` (astronomical) is a leap year.
pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day of week, 0 = Sunday.
pub fn weekday(days: i64) -> usize {
    // 2000-01-01 was a Saturday.
    (days + 6).rem_euclid(7) as usize
}

/// Broken-down wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tm {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub usec: u32,
}

impl Tm {
    /// Splits microseconds since 2000-01-01.
    pub fn from_usecs(t: i64) -> Tm {
        let days = t.div_euclid(USECS_PER_DAY);
        let rest = t.rem_euclid(USECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let secs = rest / USECS_PER_SEC;
        Tm {
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
            usec: (rest % USECS_PER_SEC) as u32,
        }
    }

    /// Microseconds since 2000-01-01, saturating at the `i64` range (callers range-check the
    /// result against the timestamp limits, so a saturated value becomes an out-of-range error).
    pub fn to_usecs(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
            .saturating_mul(USECS_PER_DAY)
            .saturating_add(time_usecs(self.hour, self.minute, self.second, self.usec))
    }
}

/// A date as microseconds since 2000-01-01 (infinities map to timestamp infinities), or
/// PostgreSQL's `date out of range for timestamp`.
pub fn date_to_usecs(d: i32) -> crate::error::Result<i64> {
    match d {
        DATE_NEG_INF => Ok(TS_NEG_INF),
        DATE_POS_INF => Ok(TS_POS_INF),
        d => i64::from(d)
            .checked_mul(USECS_PER_DAY)
            .filter(|t| (TS_MIN..TS_END).contains(t))
            .ok_or_else(|| {
                crate::error::SqlError::DatetimeFieldOverflow(
                    "date out of range for timestamp".into(),
                )
            }),
    }
}

/// Microseconds of a time of day.
pub fn time_usecs(h: u32, m: u32, s: u32, us: u32) -> i64 {
    ((i64::from(h) * 60 + i64::from(m)) * 60 + i64::from(s)) * USECS_PER_SEC + i64::from(us)
}

/// `HH:MM:SS[.ffffff]` with trailing fraction zeros dropped.
fn hms(h: u32, m: u32, s: u32, us: u32) -> String {
    let mut out = format!("{h:02}:{m:02}:{s:02}");
    push_fraction(&mut out, us);
    out
}

/// Appends `.ffffff` without trailing zeros (nothing for zero).
pub fn push_fraction(out: &mut String, us: u32) {
    if us != 0 {
        let f = format!("{us:06}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
}

/// Year with PostgreSQL's BC convention: `(display year, is_bc)`.
fn display_year(y: i64) -> (i64, bool) {
    if y <= 0 {
        (1 - y, true)
    } else {
        (y, false)
    }
}

/// `date_out`.
pub fn format_date(d: i32, ctx: &FormatContext) -> String {
    match d {
        DATE_NEG_INF => return "-infinity".into(),
        DATE_POS_INF => return "infinity".into(),
        _ => {}
    }
    let (y, m, day) = civil_from_days(i64::from(d));
    let (yy, bc) = display_year(y);
    let mut s = match (ctx.datestyle, ctx.dateorder) {
        (DateStyle::Iso, _) => format!("{yy:04}-{m:02}-{day:02}"),
        (DateStyle::Sql, DateOrder::Dmy) => format!("{day:02}/{m:02}/{yy:04}"),
        (DateStyle::Sql, _) => format!("{m:02}/{day:02}/{yy:04}"),
        (DateStyle::German, _) => format!("{day:02}.{m:02}.{yy:04}"),
        (DateStyle::Postgres, DateOrder::Dmy) => format!("{day:02}-{m:02}-{yy:04}"),
        (DateStyle::Postgres, _) => format!("{m:02}-{day:02}-{yy:04}"),
    };
    if bc {
        s.push_str(" BC");
    }
    s
}

/// `time_out`.
pub fn format_time(t: i64) -> String {
    let secs = t / USECS_PER_SEC;
    hms(
        (secs / 3600) as u32,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
        (t % USECS_PER_SEC) as u32,
    )
}

/// `timestamp_out`.
pub fn format_timestamp(t: i64, ctx: &FormatContext) -> String {
    format_ts(t, None, ctx)
}

/// `timestamptz_out`: converted to the session time zone, with its offset or abbreviation.
pub fn format_timestamptz(t: i64, ctx: &FormatContext) -> String {
    if t == TS_NEG_INF || t == TS_POS_INF {
        return format_ts(t, None, ctx);
    }
    let (off, abbrev) = ctx.timezone.offset_at(t.div_euclid(USECS_PER_SEC));
    format_ts(
        t.saturating_add(i64::from(off) * USECS_PER_SEC),
        Some((off, abbrev)),
        ctx,
    )
}

/// ISO offset suffix: `+HH`, `+HH:MM` or `+HH:MM:SS`.
pub fn format_offset(off: i32) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}:{s:02}"),
    }
}

fn format_ts(t: i64, zone: Option<(i32, String)>, ctx: &FormatContext) -> String {
    match t {
        TS_NEG_INF => return "-infinity".into(),
        TS_POS_INF => return "infinity".into(),
        _ => {}
    }
    let tm = Tm::from_usecs(t);
    let (yy, bc) = display_year(tm.year);
    let time = hms(tm.hour, tm.minute, tm.second, tm.usec);
    // Postgres/SQL/German styles print the abbreviation; a zone without one prints its offset.
    let abbrev = |off: i32, a: &str| {
        if a.is_empty() || a.starts_with(['+', '-']) {
            format_offset(off)
        } else {
            a.to_string()
        }
    };
    let mut s = match ctx.datestyle {
        DateStyle::Iso => {
            let mut s = format!("{yy:04}-{:02}-{:02} {time}", tm.month, tm.day);
            if let Some((off, _)) = &zone {
                s.push_str(&format_offset(*off));
            }
            s
        }
        DateStyle::Sql => {
            let date = if ctx.dateorder == DateOrder::Dmy {
                format!("{:02}/{:02}/{yy:04}", tm.day, tm.month)
            } else {
                format!("{:02}/{:02}/{yy:04}", tm.month, tm.day)
            };
            let mut s = format!("{date} {time}");
            if let Some((off, a)) = &zone {
                s.push(' ');
                s.push_str(&abbrev(*off, a));
            }
            s
        }
        DateStyle::German => {
            let mut s = format!("{:02}.{:02}.{yy:04} {time}", tm.day, tm.month);
            if let Some((off, a)) = &zone {
                s.push(' ');
                s.push_str(&abbrev(*off, a));
            }
            s
        }
        DateStyle::Postgres => {
            let days = t.div_euclid(USECS_PER_DAY);
            let wd = WEEKDAYS[weekday(days)];
            let mon = MONTHS[(tm.month - 1) as usize];
            let mut s = if ctx.dateorder == DateOrder::Dmy {
                format!("{wd} {:02} {mon} {time} {yy:04}", tm.day)
            } else {
                format!("{wd} {mon} {:02} {time} {yy:04}", tm.day)
            };
            if let Some((off, a)) = &zone {
                s.push(' ');
                s.push_str(&abbrev(*off, a));
            }
            s
        }
    };
    if bc {
        s.push_str(" BC");
    }
    s
}

#[cfg(test)]
mod tests;
