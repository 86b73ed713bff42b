//! `DecodeInterval`: reads the fields right to left, so a unit word gives the unit of the number
//! before it and a bare number takes the unit implied by what follows or by the field
//! restriction; each unit may appear once (the field mask), and fractions spill downwards.

use super::fields::FType;
use super::{
    adjust_days, adjust_fract_days, adjust_fract_microseconds, adjust_fract_years,
    adjust_microseconds, adjust_months, adjust_years, leading_int, ok, parse_fraction, Dt, DtErr,
    ItmIn, TOKMAXLEN, USECS_PER_HOUR, USECS_PER_MINUTE,
};
use crate::types::datetime::range::{DAY, HOUR, MINUTE, MONTH, SECOND, YEAR};
use crate::types::datetime::{USECS_PER_DAY, USECS_PER_SEC};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
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
pub(super) enum Word {
    Unit(Unit),
    Ago,
    Ignore,
}

pub(super) fn lookup(word: &str) -> Option<Word> {
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
pub(super) fn decode_fields(
    fields: &[(String, FType)],
    range: i32,
    sql_standard: bool,
) -> Dt<ItmIn> {
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
