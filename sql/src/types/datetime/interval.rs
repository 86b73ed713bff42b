//! `interval`: months, days and microseconds kept apart, as PostgreSQL does (a month is not a
//! fixed number of days, nor a day a fixed number of hours across DST).
//!
//! Ordering and equality normalise with 30-day months and 24-hour days (`interval_cmp`), so
//! `'1 mon' = '30 days'`. Output supports all four IntervalStyles as `EncodeInterval` prints
//! them; input is `interval_in` ([`super::interval_in`]).

use std::cmp::Ordering;

use super::super::context::IntervalStyle;
use super::{push_fraction, USECS_PER_DAY, USECS_PER_SEC};
use crate::error::Result;

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
        match style {
            IntervalStyle::Iso8601 => return self.format_iso(),
            IntervalStyle::SqlStandard => return self.format_sql_standard(),
            IntervalStyle::PostgresVerbose => return self.format_verbose(),
            IntervalStyle::Postgres => {}
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

    /// The fields `EncodeInterval` works with: years, months, days, hours, minutes, seconds and
    /// microseconds, each carrying its own sign (C truncating division).
    fn fields(&self) -> (i64, i64, i64, i64, i64, i64, i64) {
        let t = self.micros;
        (
            i64::from(self.months / 12),
            i64::from(self.months % 12),
            i64::from(self.days),
            t / USECS_PER_HOUR,
            t / USECS_PER_MINUTE % 60,
            t / USECS_PER_SEC % 60,
            t % USECS_PER_SEC,
        )
    }

    /// `AppendSeconds`: absolute seconds (zero-padded to two digits when `fill`) and fraction.
    fn seconds(sec: i64, usec: i64, fill: bool) -> String {
        let mut s = if fill {
            format!("{:02}", sec.unsigned_abs())
        } else {
            sec.unsigned_abs().to_string()
        };
        push_fraction(&mut s, usec.unsigned_abs() as u32);
        s
    }

    /// IntervalStyle `sql_standard`.
    fn format_sql_standard(&self) -> String {
        let (mut y, mut mo, mut d, mut h, mut mi, mut s, mut us) = self.fields();
        let neg = [y, mo, d, h, mi, s, us].iter().any(|v| *v < 0);
        let pos = [y, mo, d, h, mi, s, us].iter().any(|v| *v > 0);
        let year_month = y != 0 || mo != 0;
        let day_time = d != 0 || h != 0 || mi != 0 || s != 0 || us != 0;
        let mixed = (neg && pos) || (year_month && day_time);
        let standard = !mixed;
        let mut out = String::new();
        if neg && standard {
            out.push('-');
            for v in [&mut y, &mut mo, &mut d, &mut h, &mut mi, &mut s, &mut us] {
                *v = -*v;
            }
        }
        if !neg && !pos {
            out.push('0');
        } else if !standard {
            let ys = if y < 0 || mo < 0 { '-' } else { '+' };
            let ds = if d < 0 { '-' } else { '+' };
            let ss = if h < 0 || mi < 0 || s < 0 || us < 0 {
                '-'
            } else {
                '+'
            };
            out.push_str(&format!(
                "{ys}{}-{} {ds}{} {ss}{}:{:02}:{}",
                y.abs(),
                mo.abs(),
                d.abs(),
                h.abs(),
                mi.abs(),
                Self::seconds(s, us, true)
            ));
        } else if year_month {
            out.push_str(&format!("{y}-{mo}"));
        } else if d != 0 {
            out.push_str(&format!("{d} {h}:{mi:02}:{}", Self::seconds(s, us, true)));
        } else {
            out.push_str(&format!("{h}:{mi:02}:{}", Self::seconds(s, us, true)));
        }
        out
    }

    /// IntervalStyle `postgres_verbose`: `@ 1 day 2 hours 3 mins 4 secs ago`.
    fn format_verbose(&self) -> String {
        let (y, mo, d, h, mi, s, us) = self.fields();
        let mut out = String::from("@");
        let mut is_zero = true;
        let mut is_before = false;
        for (v, unit) in [
            (y, "year"),
            (mo, "mon"),
            (d, "day"),
            (h, "hour"),
            (mi, "min"),
        ] {
            if v == 0 {
                continue;
            }
            let shown = if is_zero {
                is_before = v < 0;
                v.abs()
            } else if is_before {
                -v
            } else {
                v
            };
            out.push_str(&format!(
                " {shown} {unit}{}",
                if shown == 1 { "" } else { "s" }
            ));
            is_zero = false;
        }
        if s != 0 || us != 0 {
            out.push(' ');
            if s < 0 || (s == 0 && us < 0) {
                if is_zero {
                    is_before = true;
                } else if !is_before {
                    out.push('-');
                }
            } else if is_before {
                out.push('-');
            }
            out.push_str(&Self::seconds(s, us, false));
            let plural = s.abs() != 1 || us != 0;
            out.push_str(if plural { " secs" } else { " sec" });
            is_zero = false;
        }
        if is_zero {
            out.push_str(" 0");
        }
        if is_before {
            out.push_str(" ago");
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

    /// `interval_in` (see [`super::interval_in`]) with all fields allowed and the `postgres`
    /// IntervalStyle.
    pub fn parse(s: &str) -> Result<Interval> {
        Interval::parse_in_range(s, super::range::FULL_RANGE)
    }

    /// `interval_in` under a field restriction: a trailing bare number takes the range's last
    /// field as its unit (`INTERVAL '2' HOUR`). Truncation to the range is the typmod's job
    /// ([`super::range::truncate`]).
    pub fn parse_in_range(s: &str, range: i32) -> Result<Interval> {
        super::interval_in::interval_in(s, range, false)
    }

    /// `interval_in` as the session reads it: under `IntervalStyle = sql_standard` a leading
    /// minus sign applies to every field that has none of its own.
    pub fn parse_styled(s: &str, range: i32, style: IntervalStyle) -> Result<Interval> {
        super::interval_in::interval_in(s, range, style == IntervalStyle::SqlStandard)
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
        // SET IntervalStyle = sql_standard / postgres_verbose / iso_8601 in PostgreSQL 15.
        let styled = |s: &str, st| Interval::parse(s).expect(s).format(st);
        let cases = [
            ("1 year 2 mons", "1-2", "@ 1 year 2 mons", "P1Y2M"),
            (
                "1 day 02:03:04.5",
                "1 2:03:04.5",
                "@ 1 day 2 hours 3 mins 4.5 secs",
                "P1DT2H3M4.5S",
            ),
            (
                "-1 day -02:03:04",
                "-1 2:03:04",
                "@ 1 day 2 hours 3 mins 4 secs ago",
                "P-1DT-2H-3M-4S",
            ),
            ("0", "0", "@ 0", "PT0S"),
            (
                "1 year -1 day",
                "+1-0 -1 +0:00:00",
                "@ 1 year -1 days",
                "P1Y-1D",
            ),
            ("-1 mons", "-0-1", "@ 1 mon ago", "P-1M"),
            ("-1.5 sec", "-0:00:01.5", "@ 1.5 secs ago", "PT-1.5S"),
        ];
        for (input, sql, verbose, iso) in cases {
            assert_eq!(styled(input, IntervalStyle::SqlStandard), sql, "{input}");
            assert_eq!(
                styled(input, IntervalStyle::PostgresVerbose),
                verbose,
                "{input}"
            );
            assert_eq!(styled(input, IntervalStyle::Iso8601), iso, "{input}");
        }
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
