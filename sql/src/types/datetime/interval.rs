//! `interval`: months, days and microseconds kept apart, as PostgreSQL does (a month is not a
//! fixed number of days, nor a day a fixed number of hours across DST).
//!
//! Ordering and equality normalise with 30-day months and 24-hour days (`interval_cmp`), so
//! `'1 mon' = '30 days'`. Output supports the `postgres` IntervalStyle (the default) fully and
//! `iso_8601`; `sql_standard` and `postgres_verbose` fall back to `postgres` (left out).

use std::cmp::Ordering;

use super::super::context::IntervalStyle;
use super::{push_fraction, USECS_PER_DAY, USECS_PER_SEC};
use crate::error::{Result, SqlError};

const USECS_PER_HOUR: i64 = 3600 * USECS_PER_SEC;
const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;

/// An interval value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

impl Interval {
    /// The interval as microseconds with 30-day months (for ordering).
    pub fn total_micros(&self) -> i128 {
        (i128::from(self.months) * 30 + i128::from(self.days)) * i128::from(USECS_PER_DAY)
            + i128::from(self.micros)
    }

    /// `interval_cmp`.
    pub fn cmp_sql(&self, other: &Interval) -> Ordering {
        self.total_micros().cmp(&other.total_micros())
    }

    /// `interval_out`.
    pub fn format(&self, style: IntervalStyle) -> String {
        if style == IntervalStyle::Iso8601 {
            return self.format_iso();
        }
        let mut out = String::new();
        let mut is_zero = true;
        let mut is_before = false;
        let mut part = |out: &mut String, v: i64, unit: &str| {
            if v == 0 {
                return;
            }
            if !is_zero {
                out.push(' ');
            }
            if is_before && v > 0 {
                out.push('+');
            }
            out.push_str(&format!("{v} {unit}{}", if v != 1 { "s" } else { "" }));
            is_before = v < 0;
            is_zero = false;
        };
        part(&mut out, i64::from(self.months / 12), "year");
        part(&mut out, i64::from(self.months % 12), "mon");
        part(&mut out, i64::from(self.days), "day");
        if is_zero || self.micros != 0 {
            let t = self.micros;
            let minus = t < 0;
            let a = t.unsigned_abs();
            let h = a / USECS_PER_HOUR as u64;
            let m = a / USECS_PER_MINUTE as u64 % 60;
            let s = a / USECS_PER_SEC as u64 % 60;
            let us = (a % USECS_PER_SEC as u64) as u32;
            if !is_zero {
                out.push(' ');
            }
            if minus {
                out.push('-');
            } else if is_before {
                out.push('+');
            }
            out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
            push_fraction(&mut out, us);
        }
        out
    }

    fn format_iso(&self) -> String {
        if *self == Interval::default() {
            return "PT0S".into();
        }
        let mut out = String::from("P");
        let (y, mo) = (self.months / 12, self.months % 12);
        for (v, u) in [(y, 'Y'), (mo, 'M'), (self.days, 'D')] {
            if v != 0 {
                out.push_str(&format!("{v}{u}"));
            }
        }
        if self.micros != 0 {
            out.push('T');
            let t = self.micros;
            let (h, m) = (t / USECS_PER_HOUR, t / USECS_PER_MINUTE % 60);
            let s = t % USECS_PER_MINUTE;
            if h != 0 {
                out.push_str(&format!("{h}H"));
            }
            if m != 0 {
                out.push_str(&format!("{m}M"));
            }
            if s != 0 {
                let sign = if s < 0 { "-" } else { "" };
                let a = s.unsigned_abs();
                out.push_str(&format!("{sign}{}", a / USECS_PER_SEC as u64));
                push_fraction(&mut out, (a % USECS_PER_SEC as u64) as u32);
                out.push('S');
            }
        }
        out
    }

    /// `interval_in` for the common forms: `1 year 2 mons 3 days 04:05:06.7`, `3 hours`, `-1 day`,
    /// fractional units (`1.5 days`), `@ ... ago`, and `HH:MM[:SS]`.
    pub fn parse(s: &str) -> Result<Interval> {
        let bad = || {
            SqlError::InvalidDatetimeFormat(format!(
                "invalid input syntax for type interval: \"{s}\""
            ))
        };
        let lower = s.trim().to_ascii_lowercase();
        if let Some(iso) = lower.strip_prefix('p') {
            return Interval::parse_iso(iso).ok_or_else(bad);
        }
        let mut tokens: Vec<&str> = lower.split_whitespace().collect();
        if tokens.first() == Some(&"@") {
            tokens.remove(0);
        }
        let ago = tokens.last() == Some(&"ago");
        if ago {
            tokens.pop();
        }
        if tokens.is_empty() {
            return Err(bad());
        }
        // Accumulate in exact units: months, days, microseconds (fractions spill downwards).
        let (mut months, mut days, mut micros) = (0f64, 0f64, 0f64);
        let mut i = 0;
        let mut seen_time = false;
        // Each field may appear once (PostgreSQL's fmask): a repeated unit is a syntax error.
        const SEC: u32 = 1 << 5;
        const MS: u32 = 1 << 6;
        const US: u32 = 1 << 7;
        let mut mask = 0u32;
        let mut mark = |bits: u32| {
            if mask & bits != 0 {
                return Err(bad());
            }
            mask |= bits;
            Ok(())
        };
        while i < tokens.len() {
            let tok = tokens[i];
            if tok.contains(':') {
                if seen_time {
                    return Err(bad());
                }
                seen_time = true;
                mark((1 << 3) | (1 << 4) | SEC | MS | US)?;
                let neg = tok.starts_with('-');
                let body = tok.trim_start_matches(['-', '+']);
                let parts: Vec<&str> = body.split(':').collect();
                let n = |p: &str| p.parse::<f64>().map_err(|_| bad());
                let (h, m, sec) = match parts.as_slice() {
                    [h, m] => (n(h)?, n(m)?, 0.0),
                    [h, m, sec] => (n(h)?, n(m)?, n(sec)?),
                    _ => return Err(bad()),
                };
                let t = ((h * 60.0 + m) * 60.0 + sec) * USECS_PER_SEC as f64;
                micros += if neg { -t } else { t };
                i += 1;
                continue;
            }
            // A number, then its unit (possibly glued: `3h`, `1day`).
            let split = tok
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(tok.len());
            let (num, glued) = tok.split_at(split);
            let v: f64 = num.parse().map_err(|_| bad())?;
            let unit = if !glued.is_empty() {
                glued
            } else if let Some(u) = tokens
                .get(i + 1)
                .filter(|u| u.starts_with(char::is_alphabetic))
            {
                i += 1;
                u
            } else if i + 1 == tokens.len() && !seen_time {
                // A trailing bare number is seconds.
                "s"
            } else {
                return Err(bad());
            };
            i += 1;
            let sec = USECS_PER_SEC as f64;
            let frac_bits = if v.fract() != 0.0 { MS | US } else { 0 };
            let bit = match unit {
                "us" | "usec" | "usecs" | "microsecond" | "microseconds" | "microsecon" => US,
                "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" | "millisecon" => MS,
                "s" | "sec" | "secs" | "second" | "seconds" => SEC | frac_bits,
                "m" | "min" | "mins" | "minute" | "minutes" => 1 << 4,
                "h" | "hr" | "hrs" | "hour" | "hours" => 1 << 3,
                "d" | "day" | "days" => 1 << 2,
                "w" | "week" | "weeks" => 1 << 8,
                "mon" | "mons" | "month" | "months" => 1 << 1,
                "y" | "yr" | "yrs" | "year" | "years" => 1,
                "decade" | "decades" | "dec" | "decs" => 1 << 9,
                "century" | "centuries" | "c" | "cent" => 1 << 10,
                _ => 1 << 11,
            };
            mark(bit)?;
            match unit {
                "us" | "usec" | "usecs" | "microsecond" | "microseconds" | "microsecon" => {
                    micros += v
                }
                "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" | "millisecon" => {
                    micros += v * 1000.0
                }
                "s" | "sec" | "secs" | "second" | "seconds" => micros += v * sec,
                "m" | "min" | "mins" | "minute" | "minutes" => micros += v * 60.0 * sec,
                "h" | "hr" | "hrs" | "hour" | "hours" => micros += v * 3600.0 * sec,
                "d" | "day" | "days" => days += v,
                "w" | "week" | "weeks" => days += v * 7.0,
                "mon" | "mons" | "month" | "months" => months += v,
                "y" | "yr" | "yrs" | "year" | "years" => months += v * 12.0,
                "decade" | "decades" | "dec" | "decs" => months += v * 120.0,
                "century" | "centuries" | "c" | "cent" => months += v * 1200.0,
                "millennium" | "millennia" | "millenniums" | "mil" | "mils" => {
                    months += v * 12000.0
                }
                _ => return Err(bad()),
            }
        }
        // Spill fractions: months → days (30), days → microseconds (24h).
        let whole_months = months.trunc();
        days += (months - whole_months) * 30.0;
        let whole_days = days.trunc();
        micros += (days - whole_days) * USECS_PER_DAY as f64;
        let range = || {
            SqlError::DatetimeFieldOverflow(format!("interval field value out of range: \"{s}\""))
        };
        let fits = |v: f64| v >= f64::from(i32::MIN) && v <= f64::from(i32::MAX);
        if !fits(whole_months) {
            return Err(SqlError::DatetimeFieldOverflow(
                "interval out of range".into(),
            ));
        }
        if !fits(whole_days) {
            return Err(range());
        }
        let mut iv = Interval {
            months: whole_months as i32,
            days: whole_days as i32,
            micros: micros.round() as i64,
        };
        if ago {
            iv = iv
                .neg()
                .ok_or_else(|| SqlError::OutOfRange("interval out of range".into()))?;
        }
        Ok(iv)
    }

    /// ISO 8601 "format with designators" after the `P`: `1Y2M3DT4H5M6S`, `P1W`.
    fn parse_iso(s: &str) -> Option<Interval> {
        let (date, time) = match s.split_once('t') {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let mut iv = Interval::default();
        let mut fields = |part: &str, in_time: bool| -> Option<()> {
            let mut num = String::new();
            for c in part.chars() {
                if c.is_ascii_digit() || c == '.' || c == '-' || c == '+' {
                    num.push(c);
                    continue;
                }
                let v: f64 = num.parse().ok()?;
                num.clear();
                match (in_time, c) {
                    (false, 'y') => iv.months += (v * 12.0) as i32,
                    (false, 'm') => iv.months += v as i32,
                    (false, 'w') => iv.days += (v * 7.0) as i32,
                    (false, 'd') => iv.days += v as i32,
                    (true, 'h') => iv.micros += (v * 3600e6) as i64,
                    (true, 'm') => iv.micros += (v * 60e6) as i64,
                    (true, 's') => iv.micros += (v * 1e6).round() as i64,
                    _ => return None,
                }
            }
            num.is_empty().then_some(())
        };
        fields(date, false)?;
        if let Some(t) = time {
            fields(t, true)?;
        }
        Some(iv)
    }

    /// `-self`, `None` on overflow.
    pub fn neg(&self) -> Option<Interval> {
        Some(Interval {
            months: self.months.checked_neg()?,
            days: self.days.checked_neg()?,
            micros: self.micros.checked_neg()?,
        })
    }

    /// `self + other` component-wise, `None` on overflow.
    pub fn add(&self, other: &Interval) -> Option<Interval> {
        Some(Interval {
            months: self.months.checked_add(other.months)?,
            days: self.days.checked_add(other.days)?,
            micros: self.micros.checked_add(other.micros)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(s: &str) -> String {
        Interval::parse(s)
            .expect("valid interval")
            .format(IntervalStyle::Postgres)
    }

    #[test]
    fn postgres_style_matches_postgres() {
        // Expected strings from PostgreSQL 15 (interval.out and psql).
        assert_eq!(out("1 day 02:03:04"), "1 day 02:03:04");
        assert_eq!(out("@ 1 minute"), "00:01:00");
        assert_eq!(out("5 hour"), "05:00:00");
        assert_eq!(out("10 day"), "10 days");
        assert_eq!(out("34 year"), "34 years");
        assert_eq!(out("3 months"), "3 mons");
        assert_eq!(out("14 seconds ago"), "-00:00:14");
        assert_eq!(out("1 day 2 hours 3 minutes 4 seconds"), "1 day 02:03:04");
        assert_eq!(out("6 years"), "6 years");
        assert_eq!(out("5 months 12 hours"), "5 mons 12:00:00");
        assert_eq!(out("-1 day +02:03"), "-1 days +02:03:00");
        assert_eq!(out("1.5 days"), "1 day 12:00:00");
        assert_eq!(out("1.5 months"), "1 mon 15 days");
        assert_eq!(out("0"), "00:00:00");
        assert_eq!(out("1 year -1 mons"), "11 mons");
        assert_eq!(out("-1 year -2 mons +3 days"), "-1 years -2 mons +3 days");
        assert_eq!(out("P1Y2M3DT4H5M6S"), "1 year 2 mons 3 days 04:05:06");
        assert_eq!(
            out("4 millenniums 5 centuries 4 decades 1 year 4 months 4 days 17 minutes 31 seconds"),
            "4541 years 4 mons 4 days 00:17:31"
        );
        for dup in [
            "1 day 1 day",
            "1 second 2 seconds",
            "5.5 seconds 3 milliseconds",
            "1:20:05 5 microseconds",
        ] {
            assert!(Interval::parse(dup).is_err(), "{dup}");
        }
        assert_eq!(
            Interval::parse("2147483647 years")
                .expect_err("range")
                .to_string(),
            "interval out of range"
        );
        let e = Interval::parse("1 2").expect_err("bad");
        assert_eq!(
            e.to_string(),
            "invalid input syntax for type interval: \"1 2\""
        );
        assert_eq!(e.sqlstate(), "22007");
        assert!(Interval::parse("badly formatted interval").is_err());
        assert_eq!(
            Interval::parse("1 mon")
                .expect("ok")
                .cmp_sql(&Interval::parse("30 days").expect("ok")),
            Ordering::Equal
        );
    }
}
