//! `ParseDateTime` for interval input: splits the text into lower-cased fields, each typed as a
//! number, an `h:m:s` time, a date-like token, a word, a signed token or a time zone ([`FType`]).

use super::decode::lookup;
use super::{Dt, DtErr, MAX_FIELDS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FType {
    Number,
    Time,
    Date,
    Str,
    Special,
    Tz,
}

/// `ParseDateTime`: splits the input into lower-cased fields.
pub(super) fn tokenize(s: &str) -> Dt<Vec<(String, FType)>> {
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
