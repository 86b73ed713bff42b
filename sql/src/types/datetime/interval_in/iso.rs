//! `DecodeISO8601Interval`, tried when the input is not in PostgreSQL's own format:
//! `P1Y2M3DT4H5M6S`, the alternative `P0001-02-03T04:05:06` and the basic `P00010203T040506`.

use super::{
    adjust_days, adjust_fract_days, adjust_fract_microseconds, adjust_fract_years,
    adjust_microseconds, adjust_months, adjust_years, ok, strtod_prefix, Dt, DtErr, ItmIn,
    USECS_PER_HOUR, USECS_PER_MINUTE,
};
use crate::types::datetime::{USECS_PER_DAY, USECS_PER_SEC};

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
pub(super) fn decode_iso(s: &str) -> Dt<ItmIn> {
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
