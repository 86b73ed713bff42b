//! Date/time input (`date_in`, `time_in`, `timestamp_in`, `timestamptz_in`): a small field-based
//! parser in the spirit of PostgreSQL's `ParseDateTime`/`DecodeDateTime` (see the module doc of
//! `datetime` for the forms accepted).

use super::super::context::{DateOrder, FormatContext};
use super::super::tz::TimeZone;
use super::*;
use crate::error::{Result, SqlError};

/// What a string decoded to.
#[derive(Debug, Default)]
struct Fields {
    year: Option<i64>,
    month: Option<u32>,
    day: Option<u32>,
    time: Option<(u32, u32, u32, u32)>,
    /// Explicit UTC offset in seconds (east positive).
    offset: Option<i32>,
    zone: Option<TimeZone>,
    bc: bool,
    pm: Option<bool>,
    special: Option<Special>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Special {
    Epoch,
    PosInf,
    NegInf,
    Now,
    Today,
    Tomorrow,
    Yesterday,
}

enum Error {
    Syntax,
    Range,
    /// A month field out of range: probably a DateStyle field-order mismatch (PostgreSQL's
    /// DTERR_MD_FIELD_OVERFLOW, reported with a hint).
    MdRange,
    /// `time zone "x" not recognized`.
    UnknownZone(String),
    /// An offset beyond ±15:59.
    Displacement,
}

fn month_number(w: &str) -> Option<u32> {
    let w = w.trim_end_matches('.');
    if w.len() < 3 {
        return None;
    }
    MONTH_NAMES
        .iter()
        .position(|m| m.to_ascii_lowercase().starts_with(w))
        .map(|i| i as u32 + 1)
}

fn is_weekday(w: &str) -> bool {
    let w = w.trim_end_matches('.').trim_end_matches(',');
    w.len() >= 3
        && DAY_NAMES
            .iter()
            .any(|d| d.to_ascii_lowercase().starts_with(w))
}

/// `HH:MM[:SS[.frac]]`.
fn parse_hms(s: &str) -> std::result::Result<(u32, u32, u32, u32), Error> {
    let mut parts = s.split(':');
    let num = |p: Option<&str>| -> std::result::Result<u32, Error> {
        let p = p.ok_or(Error::Syntax)?;
        if p.is_empty() || p.len() > 9 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Error::Syntax);
        }
        p.parse().map_err(|_| Error::Syntax)
    };
    let h = num(parts.next())?;
    let m = num(parts.next())?;
    let (s, us) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            if !frac.bytes().all(|c| c.is_ascii_digit()) {
                return Err(Error::Syntax);
            }
            // Round the fraction to microseconds.
            let mut digits: String = frac.chars().take(7).collect();
            while digits.len() < 7 {
                digits.push('0');
            }
            let f7: u32 = digits.parse().map_err(|_| Error::Syntax)?;
            // A fraction that rounds up to a whole second carries (PostgreSQL rounds with rint).
            let us = (f7 + 5) / 10;
            let whole = num(Some(whole))?;
            if us >= 1_000_000 {
                (whole + 1, 0)
            } else {
                (whole, us)
            }
        }
    };
    if parts.next().is_some() {
        return Err(Error::Syntax);
    }
    // 23:59:60 (a leap second) and 24:00:00 are accepted; anything past midnight is not.
    if h > 24 || m > 59 || s > 60 || time_usecs(h, m, s, us) > USECS_PER_DAY {
        return Err(Error::Range);
    }
    Ok((h, m, s, us))
}

/// `+HH`, `+HHMM`, `+HH:MM[:SS]`.
fn parse_offset(s: &str) -> std::result::Result<i32, Error> {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(Error::Syntax),
    };
    let parts: Vec<&str> = body.split(':').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(Error::Syntax);
    }
    let n = |p: &str| p.parse::<i32>().map_err(|_| Error::Syntax);
    let (h, m, sec) = match parts.as_slice() {
        [hhmm] if hhmm.len() > 2 => (n(&hhmm[..hhmm.len() - 2])?, n(&hhmm[hhmm.len() - 2..])?, 0),
        [h] => (n(h)?, 0, 0),
        [h, m] => (n(h)?, n(m)?, 0),
        [h, m, s] => (n(h)?, n(m)?, n(s)?),
        _ => return Err(Error::Syntax),
    };
    if h > 15 || m > 59 || sec > 59 {
        return Err(Error::Displacement);
    }
    Ok(sign * (h * 3600 + m * 60 + sec))
}

fn decode(s: &str, ctx: &FormatContext) -> std::result::Result<Fields, Error> {
    let lower = s.trim().to_ascii_lowercase();
    let mut f = Fields::default();
    // Split on whitespace and commas; a `T` between a date and a time is a separator too.
    let mut tokens: Vec<String> = Vec::new();
    for raw in lower.split(|c: char| c.is_whitespace() || c == ',') {
        if raw.is_empty() {
            continue;
        }
        match raw.find('t') {
            Some(i)
                if i > 0
                    && raw[..i].bytes().all(|c| c.is_ascii_digit() || c == b'-')
                    && raw[i + 1..].starts_with(|c: char| c.is_ascii_digit()) =>
            {
                tokens.push(raw[..i].to_string());
                tokens.push(raw[i + 1..].to_string());
            }
            // `2001-01-01+00`: a numeric date ends where a `+` starts a zone (PostgreSQL's
            // ParseDateTime reads only digits and the date's own delimiter into a date).
            _ if raw.starts_with(|c: char| c.is_ascii_digit())
                && raw.find('+').is_some_and(|i| {
                    raw[..i].bytes().all(|c| c.is_ascii_digit() || c == b'-')
                        && raw[..i].matches('-').count() == 2
                }) =>
            {
                let i = raw.find('+').unwrap_or(raw.len());
                tokens.push(raw[..i].to_string());
                tokens.push(raw[i..].to_string());
            }
            _ => tokens.push(raw.to_string()),
        }
    }
    if tokens.is_empty() {
        return Err(Error::Syntax);
    }
    let mut loose_numbers: Vec<String> = Vec::new();
    for tok in &tokens {
        let t = tok.as_str();
        let special = match t {
            "epoch" => Some(Special::Epoch),
            "infinity" | "+infinity" => Some(Special::PosInf),
            "-infinity" => Some(Special::NegInf),
            "now" => Some(Special::Now),
            "today" => Some(Special::Today),
            "tomorrow" => Some(Special::Tomorrow),
            "yesterday" => Some(Special::Yesterday),
            _ => None,
        };
        if special.is_some() {
            f.special = special;
            continue;
        }
        match t {
            "bc" => f.bc = true,
            "ad" => {}
            "am" | "a.m." => f.pm = Some(false),
            "pm" | "p.m." => f.pm = Some(true),
            "z" | "utc" | "gmt" | "zulu" => f.offset = Some(0),
            _ if t.contains(':') && t.starts_with(|c: char| c.is_ascii_digit()) => {
                // A time, possibly with an attached offset (`04:05:06-08`, `04:05z`) or
                // meridiem (`5:32pm`).
                let t = if let Some(p) = t.strip_suffix("pm").or_else(|| t.strip_suffix("am")) {
                    f.pm = Some(t.ends_with("pm"));
                    p
                } else {
                    t
                };
                let (time, zone) = match t.find(['+', '-', 'z']) {
                    Some(i) => (&t[..i], Some(&t[i..])),
                    None => (t, None),
                };
                f.time = Some(parse_hms(time)?);
                match zone {
                    Some("z") => f.offset = Some(0),
                    Some(z) => f.offset = Some(parse_offset(z)?),
                    None => {}
                }
            }
            _ if (t.starts_with('+') || t.starts_with('-'))
                && (f.time.is_some() || (t.starts_with('+') && f.day.is_some())) =>
            {
                f.offset = Some(parse_offset(t)?);
            }
            _ if t.starts_with(|c: char| c.is_ascii_alphabetic())
                && t.find(['+', '-']).is_some_and(|i| {
                    t[i + 1..].bytes().all(|c| c.is_ascii_digit() || c == b':')
                }) =>
            {
                // POSIX style `GMT+8`, `PST+8`, `MST+7:00`: the sign means west of Greenwich.
                let i = t.find(['+', '-']).unwrap_or(t.len());
                f.offset = Some(-parse_offset(&t[i..])?);
            }
            _ if t.contains('/') && !t.starts_with(|c: char| c.is_ascii_digit()) => {
                let zone = TimeZone::named(tok).ok_or_else(|| Error::UnknownZone(t.to_string()))?;
                f.zone = Some(zone);
            }
            _ if t.len() == 8
                && t.as_bytes()[4] == b'.'
                && t[..4].bytes().all(|c| c.is_ascii_digit())
                && t[5..].bytes().all(|c| c.is_ascii_digit()) =>
            {
                // `1999.008`: year and day of the year.
                let y: i64 = t[..4].parse().map_err(|_| Error::Syntax)?;
                let doy: i64 = t[5..].parse().map_err(|_| Error::Syntax)?;
                if !(1..=366).contains(&doy) {
                    return Err(Error::Range);
                }
                set_days(&mut f, days_from_civil(y, 1, 1) + doy - 1);
            }
            _ if t.contains(['-', '/', '.'])
                && t.starts_with(|c: char| c.is_ascii_alphanumeric()) =>
            {
                decode_date(t, ctx, &mut f)?;
            }
            _ if t.len() > 1
                && t.starts_with('j')
                && t[1..].bytes().all(|c| c.is_ascii_digit()) =>
            {
                // `J2451187`: a Julian day number (J2451545 is 2000-01-01).
                let jd: i64 = t[1..].parse().map_err(|_| Error::Syntax)?;
                set_days(&mut f, jd - 2_451_545);
            }
            _ if t.len() == 6
                && t.bytes().all(|c| c.is_ascii_digit())
                && f.year.is_none()
                && f.month.is_none()
                && loose_numbers.is_empty() =>
            {
                // `990108`: yymmdd.
                let n = |r: std::ops::Range<usize>| t[r].parse::<u32>().map_err(|_| Error::Syntax);
                f.year = Some(two_digit_year(i64::from(n(0..2)?)));
                f.month = Some(n(2..4)?);
                f.day = Some(n(4..6)?);
            }
            _ if t.len() == 6
                && t.bytes().all(|c| c.is_ascii_digit())
                && f.year.is_some()
                && f.time.is_none() =>
            {
                // `19970210 173201`: hhmmss after a compact date.
                f.time = Some(parse_hms(&format!("{}:{}:{}", &t[..2], &t[2..4], &t[4..]))?);
            }
            _ if t.bytes().all(|c| c.is_ascii_digit()) => {
                if t.len() == 8 && f.year.is_none() && loose_numbers.is_empty() {
                    let n =
                        |r: std::ops::Range<usize>| t[r].parse::<u32>().map_err(|_| Error::Syntax);
                    f.year = Some(i64::from(n(0..4)?));
                    f.month = Some(n(4..6)?);
                    f.day = Some(n(6..8)?);
                } else {
                    loose_numbers.push(t.to_string());
                }
            }
            _ if t.starts_with(|c: char| c.is_ascii_digit())
                && t.ends_with(|c: char| c.is_ascii_digit())
                && t.contains(|c: char| c.is_ascii_alphabetic())
                && !t.contains(['-', '/', '.', ':', '+']) =>
            {
                // `97FEB10`: digits, a month name, digits.
                let a = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(0);
                let b = t
                    .rfind(|c: char| c.is_ascii_alphabetic())
                    .map_or(a, |i| i + 1);
                decode_date(
                    &format!("{}-{}-{}", &t[..a], &t[a..b], &t[b..]),
                    ctx,
                    &mut f,
                )?;
            }
            _ if month_number(t).is_some() => f.month = month_number(t),
            _ if is_weekday(t) => {}
            _ => match abbreviation(t) {
                Some(off) => f.offset = Some(off),
                None => f.zone = Some(TimeZone::named(tok).ok_or(Error::Syntax)?),
            },
        }
    }
    // `08 01 99`, `1999 01 08`: three numbers read in DateStyle's order, like `08-01-99`.
    if loose_numbers.len() == 3 && f.year.is_none() && f.month.is_none() {
        decode_date(&loose_numbers.join("-"), ctx, &mut f)?;
        loose_numbers.clear();
    }
    // `99 Jan 08` under YMD: year, then day.
    if ctx.dateorder == DateOrder::Ymd
        && f.month.is_some()
        && f.year.is_none()
        && f.day.is_none()
        && loose_numbers.len() == 2
        && loose_numbers.iter().all(|n| n.len() <= 2)
    {
        let year: i64 = loose_numbers[0].parse().map_err(|_| Error::Syntax)?;
        f.year = Some(two_digit_year(year));
        loose_numbers.remove(0);
    }
    // `January 8 1999`, `8 January 1999`, `Jan 08 04:05 1999`: loose day and year numbers.
    for n in loose_numbers {
        let v: i64 = n.parse().map_err(|_| Error::Syntax)?;
        if f.day.is_none() && f.month.is_some() && n.len() <= 2 {
            if v > 31 {
                return Err(Error::MdRange);
            }
            f.day = Some(v as u32);
        } else if f.year.is_none() {
            f.year = Some(if n.len() <= 2 { two_digit_year(v) } else { v });
        } else if f.day.is_none() && n.len() <= 2 {
            f.day = Some(v as u32);
        } else {
            return Err(Error::Syntax);
        }
    }
    if let Some(pm) = f.pm {
        let (h, m, s, us) = f.time.unwrap_or((12, 0, 0, 0));
        if h > 12 || h == 0 {
            return Err(Error::Range);
        }
        let h = match (pm, h) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
        f.time = Some((h, m, s, us));
    }
    Ok(f)
}

/// The common North American and European zone abbreviations (a subset of PostgreSQL's `Default`
/// timezone_abbreviations set), as offsets in seconds.
pub fn abbreviation(t: &str) -> Option<i32> {
    let h = match t {
        "pst" => -8,
        "pdt" | "mst" => -7,
        "mdt" | "cst" => -6,
        "cdt" | "est" => -5,
        "edt" => -4,
        "wet" => 0,
        "cet" | "bst" | "west" => 1,
        "cest" | "eet" | "ist" => 2,
        "eest" | "msk" => 3,
        "jst" => 9,
        _ => return None,
    };
    Some(h * 3600)
}

/// Sets the date fields from days since 2000-01-01.
fn set_days(f: &mut Fields, days: i64) {
    let (y, m, d) = civil_from_days(days);
    f.year = Some(y);
    f.month = Some(m);
    f.day = Some(d);
}

fn two_digit_year(v: i64) -> i64 {
    if v < 70 {
        v + 2000
    } else {
        v + 1900
    }
}

/// A date field with separators: `1999-01-08`, `1/8/1999`, `08-Jan-1999`, `1999.008`-less forms.
fn decode_date(t: &str, ctx: &FormatContext, f: &mut Fields) -> std::result::Result<(), Error> {
    let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(Error::Syntax);
    };
    let num = |p: &str| -> std::result::Result<i64, Error> {
        if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Error::Syntax);
        }
        p.parse().map_err(|_| Error::Syntax)
    };
    let year = |p: &str| -> std::result::Result<i64, Error> {
        let v = num(p)?;
        Ok(if p.len() <= 2 { two_digit_year(v) } else { v })
    };
    let ymd = ctx.dateorder == DateOrder::Ymd;
    let (y, m, d) = if let Some(m) = month_number(b) {
        // 08-Jan-1999 or 1999-Jan-08; with two short numbers, YMD reads year then day and the
        // other orders day then year (as PostgreSQL's DecodeDate does).
        if a.len() >= 3 || (ymd && c.len() < 3) {
            (year(a)?, m, num(c)?)
        } else {
            (year(c)?, m, num(a)?)
        }
    } else if let Some(m) = month_number(a) {
        if ymd && c.len() < 3 && b.len() < 3 {
            (year(b)?, m, num(c)?)
        } else {
            (year(c)?, m, num(b)?)
        }
    } else if a.len() >= 3 {
        (year(a)?, num(b)? as u32, num(c)?)
    } else {
        match ctx.dateorder {
            DateOrder::Mdy => (year(c)?, num(a)? as u32, num(b)?),
            DateOrder::Dmy => (year(c)?, num(b)? as u32, num(a)?),
            DateOrder::Ymd => (year(a)?, num(b)? as u32, num(c)?),
        }
    };
    if month_number(c).is_some() {
        return Err(Error::Syntax);
    }
    if d > 31 {
        return Err(Error::MdRange);
    }
    f.year = Some(y);
    f.month = Some(m);
    f.day = Some(u32::try_from(d).map_err(|_| Error::Range)?);
    Ok(())
}

/// Validated `(days since 2000-01-01)` of the decoded date fields.
fn date_days(f: &Fields) -> std::result::Result<i64, Error> {
    let (Some(y), Some(m), Some(d)) = (f.year, f.month, f.day) else {
        return Err(Error::Syntax);
    };
    if (f.bc && y <= 0) || y.abs() > 10_000_000 {
        return Err(Error::Range);
    }
    let y = if f.bc { 1 - y } else { y };
    if !(1..=12).contains(&m) {
        return Err(Error::MdRange);
    }
    if d < 1 || d > days_in_month(y, m) {
        return Err(Error::Range);
    }
    Ok(days_from_civil(y, m, d))
}

fn syntax(type_name: &str, s: &str) -> SqlError {
    SqlError::InvalidDatetimeFormat(format!(
        "invalid input syntax for type {type_name}: \"{s}\""
    ))
}

fn range(s: &str) -> SqlError {
    SqlError::DatetimeFieldOverflow(format!("date/time field value out of range: \"{s}\""))
}

fn to_sql(e: Error, type_name: &str, s: &str) -> SqlError {
    match e {
        Error::Syntax => syntax(type_name, s),
        Error::Range => range(s),
        Error::MdRange => {
            SqlError::DateStyleMismatch(format!("date/time field value out of range: \"{s}\""))
        }
        Error::UnknownZone(z) => {
            SqlError::InvalidParameterValue(format!("time zone \"{z}\" not recognized"))
        }
        Error::Displacement => SqlError::InvalidTimeZoneDisplacement(format!(
            "time zone displacement out of range: \"{s}\""
        )),
    }
}

fn decode_or_err(s: &str, type_name: &str, ctx: &FormatContext) -> Result<Fields> {
    decode(s, ctx).map_err(|e| to_sql(e, type_name, s))
}

/// Local midnight of today in the session zone, as wall-clock microseconds.
fn local_now(ctx: &FormatContext) -> i64 {
    let (off, _) = ctx.timezone.offset_at(ctx.now.div_euclid(USECS_PER_SEC));
    ctx.now + i64::from(off) * USECS_PER_SEC
}

fn special_wall(sp: Special, ctx: &FormatContext) -> i64 {
    let today = local_now(ctx).div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
    match sp {
        Special::Epoch => i64::from(UNIX_EPOCH_DAYS) * USECS_PER_DAY,
        Special::PosInf => TS_POS_INF,
        Special::NegInf => TS_NEG_INF,
        Special::Now => local_now(ctx),
        Special::Today => today,
        Special::Tomorrow => today + USECS_PER_DAY,
        Special::Yesterday => today - USECS_PER_DAY,
    }
}

/// `date_in`.
pub fn parse_date(s: &str, ctx: &FormatContext) -> Result<i32> {
    let f = decode_or_err(s, "date", ctx)?;
    if let Some(sp) = f.special {
        return Ok(match sp {
            Special::PosInf => DATE_POS_INF,
            Special::NegInf => DATE_NEG_INF,
            _ => special_wall(sp, ctx).div_euclid(USECS_PER_DAY) as i32,
        });
    }
    let days = date_days(&f).map_err(|e| to_sql(e, "date", s))?;
    if !(i64::from(DATE_MIN)..i64::from(DATE_END)).contains(&days) {
        return Err(SqlError::DatetimeFieldOverflow(format!(
            "date out of range: \"{s}\""
        )));
    }
    Ok(days as i32)
}

/// `time_in` (a date part or zone, if present, is ignored as PostgreSQL does).
pub fn parse_time(s: &str) -> Result<i64> {
    let f = decode_or_err(s, "time", &FormatContext::default())?;
    let Some((h, m, sec, us)) = f.time else {
        return Err(syntax("time", s));
    };
    Ok(time_usecs(h, m, sec, us))
}

fn wall_clock(s: &str, type_name: &str, ctx: &FormatContext) -> Result<(i64, Fields)> {
    let f = decode_or_err(s, type_name, ctx)?;
    if let Some(sp) = f.special {
        return Ok((special_wall(sp, ctx), f));
    }
    let days = date_days(&f).map_err(|e| to_sql(e, type_name, s))?;
    let (h, m, sec, us) = f.time.unwrap_or((0, 0, 0, 0));
    let t = days
        .checked_mul(USECS_PER_DAY)
        .and_then(|t| t.checked_add(time_usecs(h, m, sec, us)))
        .unwrap_or(i64::MAX);
    if !(TS_MIN..TS_END).contains(&t) {
        return Err(SqlError::DatetimeFieldOverflow(format!(
            "timestamp out of range: \"{s}\""
        )));
    }
    Ok((t, f))
}

/// `timestamp_in` (a zone in the input is ignored, as PostgreSQL does).
pub fn parse_timestamp(s: &str, ctx: &FormatContext) -> Result<i64> {
    wall_clock(s, "timestamp", ctx).map(|(t, _)| t)
}

/// `timestamptz_in`: an explicit offset or zone wins, else the session time zone.
pub fn parse_timestamptz(s: &str, ctx: &FormatContext) -> Result<i64> {
    let (t, f) = wall_clock(s, "timestamp with time zone", ctx)?;
    match f.special {
        Some(Special::PosInf | Special::NegInf) => return Ok(t),
        Some(Special::Now) => return Ok(ctx.now),
        Some(Special::Epoch) => return Ok(t),
        _ => {}
    }
    let secs = t.div_euclid(USECS_PER_SEC);
    let off = match (&f.offset, &f.zone) {
        (Some(off), _) => *off,
        (None, Some(zone)) => zone.offset_for_local(secs),
        (None, None) => ctx.timezone.offset_for_local(secs),
    };
    Ok(t - i64::from(off) * USECS_PER_SEC)
}
