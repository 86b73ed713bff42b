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

use super::interval::Interval;
use super::range::{DAY, HOUR, MINUTE, MONTH, SECOND, YEAR};
use super::{USECS_PER_DAY, USECS_PER_SEC};
use crate::error::{Result, SqlError};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FType {
    Number,
    Time,
    Date,
    Str,
    Special,
    Tz,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Microsec,
    Millisec,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Decade,
    Century,
    Millennium,
    /// Units PostgreSQL knows but intervals reject (`qtr`, `timezone`).
    Other,
}

// Field mask bits (PostgreSQL's DTK_M values for the interval fields).
const M_YEAR: u32 = 1 << 2;
const M_MONTH: u32 = 1 << 1;
const M_DAY: u32 = 1 << 3;
const M_HOUR: u32 = 1 << 10;
const M_MINUTE: u32 = 1 << 11;
const M_SECOND: u32 = 1 << 12;
const M_MILLISEC: u32 = 1 << 13;
const M_MICROSEC: u32 = 1 << 14;
const M_DECADE: u32 = 1 << 25;
const M_CENTURY: u32 = 1 << 26;
const M_MILLENNIUM: u32 = 1 << 27;
const M_WEEK: u32 = 1 << 24;
const M_ALL_SECS: u32 = M_SECOND | M_MILLISEC | M_MICROSEC;
const M_TIME: u32 = M_HOUR | M_MINUTE | M_ALL_SECS;

/// `deltatktbl`: unit words (compared on their first ten characters, as PostgreSQL does).
const UNITS: &[(&str, Unit)] = &[
    ("c", Unit::Century),
    ("cent", Unit::Century),
    ("centuries", Unit::Century),
    ("century", Unit::Century),
    ("d", Unit::Day),
    ("day", Unit::Day),
    ("days", Unit::Day),
    ("dec", Unit::Decade),
    ("decade", Unit::Decade),
    ("decades", Unit::Decade),
    ("decs", Unit::Decade),
    ("h", Unit::Hour),
    ("hour", Unit::Hour),
    ("hours", Unit::Hour),
    ("hr", Unit::Hour),
    ("hrs", Unit::Hour),
    ("m", Unit::Minute),
    ("microsecon", Unit::Microsec),
    ("mil", Unit::Millennium),
    ("millennia", Unit::Millennium),
    ("millennium", Unit::Millennium),
    ("millisecon", Unit::Millisec),
    ("mils", Unit::Millennium),
    ("min", Unit::Minute),
    ("mins", Unit::Minute),
    ("minute", Unit::Minute),
    ("minutes", Unit::Minute),
    ("mon", Unit::Month),
    ("mons", Unit::Month),
    ("month", Unit::Month),
    ("months", Unit::Month),
    ("ms", Unit::Millisec),
    ("msec", Unit::Millisec),
    ("millisecond", Unit::Millisec),
    ("mseconds", Unit::Millisec),
    ("msecs", Unit::Millisec),
    ("qtr", Unit::Other),
    ("quarter", Unit::Other),
    ("s", Unit::Second),
    ("sec", Unit::Second),
    ("second", Unit::Second),
    ("seconds", Unit::Second),
    ("secs", Unit::Second),
    ("timezone", Unit::Other),
    ("timezone_h", Unit::Other),
    ("timezone_m", Unit::Other),
    ("us", Unit::Microsec),
    ("usec", Unit::Microsec),
    ("microsecond", Unit::Microsec),
    ("useconds", Unit::Microsec),
    ("usecs", Unit::Microsec),
    ("w", Unit::Week),
    ("week", Unit::Week),
    ("weeks", Unit::Week),
    ("y", Unit::Year),
    ("year", Unit::Year),
    ("years", Unit::Year),
    ("yr", Unit::Year),
    ("yrs", Unit::Year),
];

/// A word of the interval grammar.
enum Word {
    Unit(Unit),
    Ago,
    Ignore,
}

fn lookup(word: &str) -> Option<Word> {
    let key = &word.as_bytes()[..word.len().min(TOKMAXLEN)];
    match word {
        "@" => return Some(Word::Ignore),
        "ago" => return Some(Word::Ago),
        _ => {}
    }
    UNITS
        .iter()
        .find(|(t, _)| &t.as_bytes()[..t.len().min(TOKMAXLEN)] == key)
        .map(|(_, u)| Word::Unit(*u))
}

/// `ParseDateTime`: splits the input into lower-cased fields.
fn tokenize(s: &str) -> Dt<Vec<(String, FType)>> {
    let b = s.as_bytes();
    let mut fields = Vec::new();
    let mut i = 0;
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if fields.len() >= MAX_FIELDS {
            return Err(DtErr::BadFormat);
        }
        let mut f = String::new();
        let ty;
        if c.is_ascii_digit() {
            while digit(i) {
                f.push(char::from(b[i]));
                i += 1;
            }
            let d = at(i);
            if d == b':' {
                ty = FType::Time;
                f.push(':');
                i += 1;
                while digit(i) || at(i) == b':' || at(i) == b'.' {
                    f.push(char::from(b[i]));
                    i += 1;
                }
            } else if d == b'-' || d == b'/' || d == b'.' {
                f.push(char::from(d));
                i += 1;
                if digit(i) {
                    let mut t = if d == b'.' {
                        FType::Number
                    } else {
                        FType::Date
                    };
                    while digit(i) {
                        f.push(char::from(b[i]));
                        i += 1;
                    }
                    if at(i) == d {
                        t = FType::Date;
                        f.push(char::from(d));
                        i += 1;
                        while digit(i) || at(i) == d {
                            f.push(char::from(b[i]));
                            i += 1;
                        }
                    }
                    ty = t;
                } else {
                    ty = FType::Date;
                    while at(i).is_ascii_alphanumeric() || at(i) == d {
                        f.push(char::from(b[i].to_ascii_lowercase()));
                        i += 1;
                    }
                }
            } else {
                ty = FType::Number;
            }
        } else if c == b'.' {
            f.push('.');
            i += 1;
            while digit(i) {
                f.push(char::from(b[i]));
                i += 1;
            }
            ty = FType::Number;
        } else if c.is_ascii_alphabetic() {
            let mut t = FType::Str;
            while at(i).is_ascii_alphabetic() {
                f.push(char::from(b[i].to_ascii_lowercase()));
                i += 1;
            }
            let d = at(i);
            // Date-like words (`jan-02`) and zone names are swallowed whole; none of them
            // means anything to an interval, so the decode rejects them.
            let is_date = matches!(d, b'-' | b'/' | b'.')
                || ((d == b'+' || d.is_ascii_digit()) && lookup(&f).is_none());
            if is_date {
                t = FType::Date;
                while matches!(at(i), b'+' | b'-' | b'/' | b'_' | b'.' | b':')
                    || at(i).is_ascii_alphanumeric()
                {
                    f.push(char::from(b[i].to_ascii_lowercase()));
                    i += 1;
                }
            }
            ty = t;
        } else if c == b'+' || c == b'-' {
            f.push(char::from(c));
            i += 1;
            while at(i).is_ascii_whitespace() {
                i += 1;
            }
            if digit(i) {
                ty = FType::Tz;
                while digit(i) || matches!(at(i), b':' | b'.' | b'-') {
                    f.push(char::from(b[i]));
                    i += 1;
                }
            } else if at(i).is_ascii_alphabetic() {
                ty = FType::Special;
                while at(i).is_ascii_alphabetic() {
                    f.push(char::from(b[i].to_ascii_lowercase()));
                    i += 1;
                }
            } else {
                return Err(DtErr::BadFormat);
            }
        } else if c.is_ascii_punctuation() {
            i += 1;
            continue;
        } else {
            return Err(DtErr::BadFormat);
        }
        fields.push((f, ty));
    }
    Ok(fields)
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

/// `DecodeTimeCommon` + `DecodeTimeForInterval`: `h:m[:s[.f]]` (or `m:s.f`) as microseconds.
fn decode_time(s: &str, range: i32) -> Dt<i64> {
    let (h, n) = leading_int(s);
    let mut hour = h.ok_or(DtErr::FieldOverflow)?;
    let mut rest = &s[n..];
    if !rest.starts_with(':') {
        return Err(DtErr::BadFormat);
    }
    rest = &rest[1..];
    let (m, n) = leading_int(rest);
    let mut min = m
        .and_then(|m| i32::try_from(m).ok())
        .ok_or(DtErr::FieldOverflow)?;
    rest = &rest[n..];
    let mut sec = 0i32;
    let mut fsec = 0f64;
    let to_min_sec =
        |hour: i64| -> Dt<i32> { i32::try_from(hour).map_err(|_| DtErr::FieldOverflow) };
    if rest.is_empty() {
        if range == MINUTE | SECOND {
            sec = min;
            min = to_min_sec(hour)?;
            hour = 0;
        }
    } else if rest.starts_with('.') {
        // mm:ss.fff is always MINUTE TO SECOND.
        fsec = (parse_fraction(rest)? * 1e6).round_ties_even();
        sec = min;
        min = to_min_sec(hour)?;
        hour = 0;
    } else if let Some(r) = rest.strip_prefix(':') {
        let (sv, n) = leading_int(r);
        sec = sv
            .and_then(|s| i32::try_from(s).ok())
            .ok_or(DtErr::FieldOverflow)?;
        let tail = &r[n..];
        if tail.starts_with('.') {
            fsec = (parse_fraction(tail)? * 1e6).round_ties_even();
        } else if !tail.is_empty() {
            return Err(DtErr::BadFormat);
        }
    } else {
        return Err(DtErr::BadFormat);
    }
    if hour < 0
        || !(0..=59).contains(&min)
        || !(0..=60).contains(&sec)
        || !(0.0..=1e6).contains(&fsec)
    {
        return Err(DtErr::FieldOverflow);
    }
    let mut usec = fsec as i64;
    for (v, unit) in [
        (hour, USECS_PER_HOUR),
        (i64::from(min), USECS_PER_MINUTE),
        (i64::from(sec), USECS_PER_SEC),
    ] {
        usec = v
            .checked_mul(unit)
            .and_then(|p| usec.checked_add(p))
            .ok_or(DtErr::FieldOverflow)?;
    }
    Ok(usec)
}

/// The unit a rightmost bare number takes under a field restriction.
fn bare_unit(range: i32) -> Unit {
    match range {
        YEAR => Unit::Year,
        r if r == MONTH || r == YEAR | MONTH => Unit::Month,
        DAY => Unit::Day,
        r if r == HOUR || r == DAY | HOUR => Unit::Hour,
        r if r == MINUTE || r == HOUR | MINUTE || r == DAY | HOUR | MINUTE => Unit::Minute,
        _ => Unit::Second,
    }
}

/// `DecodeInterval`.
fn decode_fields(fields: &[(String, FType)], range: i32, sql_standard: bool) -> Dt<ItmIn> {
    let mut itm = ItmIn::default();
    let force_negative = sql_standard
        && fields.first().is_some_and(|f| f.0.starts_with('-'))
        && !fields[1..]
            .iter()
            .any(|f| f.0.starts_with('-') || f.0.starts_with('+'));
    let mut unit: Option<Unit> = None;
    let mut parsing_unit_val = false;
    let mut is_before = false;
    let mut fmask = 0u32;
    for (i, (f, ty)) in fields.iter().enumerate().rev() {
        let mut tmask = 0u32;
        let number = |itm: &mut ItmIn, unit: &mut Option<Unit>| -> Dt<u32> {
            let u = *unit.get_or_insert(bare_unit(range));
            let (v, n) = leading_int(f);
            let mut val = v.ok_or(DtErr::FieldOverflow)?;
            let rest = &f[n..];
            let mut fval;
            let mut u = u;
            if let Some(m) = rest.strip_prefix('-') {
                // SQL-standard years-months.
                let (v2, n2) = leading_int(m);
                let v2 = v2.ok_or(DtErr::FieldOverflow)?;
                if !(0..12).contains(&v2) {
                    return Err(DtErr::FieldOverflow);
                }
                if n2 != m.len() {
                    return Err(DtErr::BadFormat);
                }
                u = Unit::Month;
                *unit = Some(Unit::Month);
                let v2 = if f.starts_with('-') { -v2 } else { v2 };
                val = val
                    .checked_mul(12)
                    .and_then(|v| v.checked_add(v2))
                    .ok_or(DtErr::FieldOverflow)?;
                fval = 0.0;
            } else if rest.starts_with('.') {
                fval = parse_fraction(rest)?;
                if f.starts_with('-') {
                    fval = -fval;
                }
            } else if rest.is_empty() {
                fval = 0.0;
            } else {
                return Err(DtErr::BadFormat);
            }
            if force_negative {
                if val > 0 {
                    val = -val;
                }
                if fval > 0.0 {
                    fval = -fval;
                }
            }
            let m = match u {
                Unit::Microsec => {
                    ok(adjust_microseconds(val, fval, 1, itm))?;
                    M_MICROSEC
                }
                Unit::Millisec => {
                    ok(adjust_microseconds(val, fval, 1000, itm))?;
                    M_MILLISEC
                }
                Unit::Second => {
                    ok(adjust_microseconds(val, fval, USECS_PER_SEC, itm))?;
                    if fval == 0.0 {
                        M_SECOND
                    } else {
                        M_ALL_SECS
                    }
                }
                Unit::Minute => {
                    ok(adjust_microseconds(val, fval, USECS_PER_MINUTE, itm))?;
                    M_MINUTE
                }
                Unit::Hour => {
                    ok(adjust_microseconds(val, fval, USECS_PER_HOUR, itm))?;
                    *unit = Some(Unit::Day);
                    M_HOUR
                }
                Unit::Day => {
                    ok(adjust_days(val, 1, itm)
                        && adjust_fract_microseconds(fval, USECS_PER_DAY, itm))?;
                    M_DAY
                }
                Unit::Week => {
                    ok(adjust_days(val, 7, itm) && adjust_fract_days(fval, 7, itm))?;
                    M_WEEK
                }
                Unit::Month => {
                    ok(adjust_months(val, itm) && adjust_fract_days(fval, 30, itm))?;
                    M_MONTH
                }
                Unit::Year => {
                    ok(adjust_years(val, 1, itm) && adjust_fract_years(fval, 1, itm))?;
                    M_YEAR
                }
                Unit::Decade => {
                    ok(adjust_years(val, 10, itm) && adjust_fract_years(fval, 10, itm))?;
                    M_DECADE
                }
                Unit::Century => {
                    ok(adjust_years(val, 100, itm) && adjust_fract_years(fval, 100, itm))?;
                    M_CENTURY
                }
                Unit::Millennium => {
                    ok(adjust_years(val, 1000, itm) && adjust_fract_years(fval, 1000, itm))?;
                    M_MILLENNIUM
                }
                Unit::Other => return Err(DtErr::BadFormat),
            };
            Ok(m)
        };
        match ty {
            FType::Time => {
                itm.usec = decode_time(f, range)?;
                if force_negative && itm.usec > 0 {
                    itm.usec = -itm.usec;
                }
                tmask = M_TIME;
                unit = Some(Unit::Day);
                parsing_unit_val = false;
            }
            FType::Tz if f[1..].contains(':') && decode_time(&f[1..], range).is_ok() => {
                let mut usec = decode_time(&f[1..], range)?;
                if f.starts_with('-') {
                    usec = usec.checked_neg().ok_or(DtErr::FieldOverflow)?;
                }
                if force_negative && usec > 0 {
                    usec = -usec;
                }
                itm.usec = usec;
                tmask = M_TIME;
                unit = Some(Unit::Day);
                parsing_unit_val = false;
            }
            FType::Tz | FType::Date | FType::Number => {
                tmask = number(&mut itm, &mut unit)?;
                parsing_unit_val = false;
            }
            FType::Str | FType::Special => {
                if parsing_unit_val {
                    return Err(DtErr::BadFormat);
                }
                match lookup(f) {
                    Some(Word::Ignore) => continue,
                    Some(Word::Unit(u)) => {
                        unit = Some(u);
                        parsing_unit_val = true;
                    }
                    Some(Word::Ago) => {
                        if i != fields.len() - 1 {
                            return Err(DtErr::BadFormat);
                        }
                        is_before = true;
                        // PostgreSQL leaves the field type at AGO's value, which no number
                        // accepts as a unit.
                        unit = Some(Unit::Other);
                    }
                    None => return Err(DtErr::BadFormat),
                }
            }
        }
        if tmask & fmask != 0 {
            return Err(DtErr::BadFormat);
        }
        fmask |= tmask;
    }
    if fmask == 0 || parsing_unit_val {
        return Err(DtErr::BadFormat);
    }
    if is_before {
        itm = ItmIn {
            usec: itm.usec.checked_neg().ok_or(DtErr::FieldOverflow)?,
            mday: itm.mday.checked_neg().ok_or(DtErr::FieldOverflow)?,
            mon: itm.mon.checked_neg().ok_or(DtErr::FieldOverflow)?,
            year: itm.year.checked_neg().ok_or(DtErr::FieldOverflow)?,
        };
    }
    Ok(itm)
}

/// `ParseISO8601Number`: a `strtod` number split into integer and fraction parts.
fn iso_number(s: &str) -> Dt<(i64, f64, usize)> {
    let Some(&c) = s.as_bytes().first() else {
        return Err(DtErr::BadFormat);
    };
    if !(c.is_ascii_digit() || c == b'-' || c == b'.') {
        return Err(DtErr::BadFormat);
    }
    let (val, n) = strtod_prefix(s).ok_or(DtErr::BadFormat)?;
    if val.is_nan() || !(-1.0e15..=1.0e15).contains(&val) {
        return Err(DtErr::FieldOverflow);
    }
    let ipart = val.trunc() as i64;
    Ok((ipart, val - ipart as f64, n))
}

fn iso_integer_width(s: &str) -> usize {
    let s = s.strip_prefix('-').unwrap_or(s);
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// `DecodeISO8601Interval`: `P1Y2M3DT4H5M6S`, `P0001-02-03T04:05:06`, `P00010203T040506`.
fn decode_iso(s: &str) -> Dt<ItmIn> {
    let mut itm = ItmIn::default();
    if s.len() < 2 || !s.starts_with('P') {
        return Err(DtErr::BadFormat);
    }
    let mut rest = &s[1..];
    let mut datepart = true;
    let mut havefield = false;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('T') {
            datepart = false;
            havefield = false;
            rest = r;
            continue;
        }
        let fieldstart = rest;
        let (val, fval, n) = iso_number(rest)?;
        rest = &rest[n..];
        let unit = rest.as_bytes().first().copied().unwrap_or(0);
        if unit != 0 {
            rest = &rest[1..];
        }
        if datepart {
            match unit {
                b'Y' => {
                    ok(adjust_years(val, 1, &mut itm) && adjust_fract_years(fval, 1, &mut itm))?
                }
                b'M' => ok(adjust_months(val, &mut itm) && adjust_fract_days(fval, 30, &mut itm))?,
                b'W' => ok(adjust_days(val, 7, &mut itm) && adjust_fract_days(fval, 7, &mut itm))?,
                b'D' => ok(adjust_days(val, 1, &mut itm)
                    && adjust_fract_microseconds(fval, USECS_PER_DAY, &mut itm))?,
                b'T' | 0 | b'-' => {
                    if unit != b'-' && iso_integer_width(fieldstart) == 8 && !havefield {
                        ok(adjust_years(val / 10000, 1, &mut itm)
                            && adjust_months((val / 100) % 100, &mut itm)
                            && adjust_days(val % 100, 1, &mut itm)
                            && adjust_fract_microseconds(fval, USECS_PER_DAY, &mut itm))?;
                        if unit == 0 {
                            return Ok(itm);
                        }
                        datepart = false;
                        havefield = false;
                        continue;
                    }
                    // Extended alternative format: Y-M-D.
                    if havefield {
                        return Err(DtErr::BadFormat);
                    }
                    ok(adjust_years(val, 1, &mut itm) && adjust_fract_years(fval, 1, &mut itm))?;
                    if unit == 0 {
                        return Ok(itm);
                    }
                    if unit == b'T' {
                        datepart = false;
                        havefield = false;
                        continue;
                    }
                    let (val, fval, n) = iso_number(rest)?;
                    rest = &rest[n..];
                    ok(adjust_months(val, &mut itm) && adjust_fract_days(fval, 30, &mut itm))?;
                    if rest.is_empty() {
                        return Ok(itm);
                    }
                    if let Some(r) = rest.strip_prefix('T') {
                        rest = r;
                        datepart = false;
                        havefield = false;
                        continue;
                    }
                    rest = rest.strip_prefix('-').ok_or(DtErr::BadFormat)?;
                    let (val, fval, n) = iso_number(rest)?;
                    rest = &rest[n..];
                    ok(adjust_days(val, 1, &mut itm)
                        && adjust_fract_microseconds(fval, USECS_PER_DAY, &mut itm))?;
                    if rest.is_empty() {
                        return Ok(itm);
                    }
                    if let Some(r) = rest.strip_prefix('T') {
                        rest = r;
                        datepart = false;
                        havefield = false;
                        continue;
                    }
                    return Err(DtErr::BadFormat);
                }
                _ => return Err(DtErr::BadFormat),
            }
        } else {
            match unit {
                b'H' => ok(adjust_microseconds(val, fval, USECS_PER_HOUR, &mut itm))?,
                b'M' => ok(adjust_microseconds(val, fval, USECS_PER_MINUTE, &mut itm))?,
                b'S' => ok(adjust_microseconds(val, fval, USECS_PER_SEC, &mut itm))?,
                0 | b':' => {
                    if unit == 0 && iso_integer_width(fieldstart) == 6 && !havefield {
                        ok(
                            adjust_microseconds(val / 10000, 0.0, USECS_PER_HOUR, &mut itm)
                                && adjust_microseconds(
                                    (val / 100) % 100,
                                    0.0,
                                    USECS_PER_MINUTE,
                                    &mut itm,
                                )
                                && adjust_microseconds(val % 100, 0.0, USECS_PER_SEC, &mut itm)
                                && adjust_fract_microseconds(fval, 1, &mut itm),
                        )?;
                        return Ok(itm);
                    }
                    // Extended alternative format: H:M:S.
                    if havefield {
                        return Err(DtErr::BadFormat);
                    }
                    ok(adjust_microseconds(val, fval, USECS_PER_HOUR, &mut itm))?;
                    if unit == 0 {
                        return Ok(itm);
                    }
                    let (val, fval, n) = iso_number(rest)?;
                    rest = &rest[n..];
                    ok(adjust_microseconds(val, fval, USECS_PER_MINUTE, &mut itm))?;
                    if rest.is_empty() {
                        return Ok(itm);
                    }
                    rest = rest.strip_prefix(':').ok_or(DtErr::BadFormat)?;
                    let (val, fval, n) = iso_number(rest)?;
                    rest = &rest[n..];
                    ok(adjust_microseconds(val, fval, USECS_PER_SEC, &mut itm))?;
                    if rest.is_empty() {
                        return Ok(itm);
                    }
                    return Err(DtErr::BadFormat);
                }
                _ => return Err(DtErr::BadFormat),
            }
        }
        havefield = true;
    }
    Ok(itm)
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
