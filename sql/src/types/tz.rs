//! Time zones for `timestamptz` and the TimeZone setting.
//!
//! Zone rules come from the system tz database (`/usr/share/zoneinfo`, the same files PostgreSQL
//! built with `--with-system-tzdata` reads) through the `jiff` crate, which parses TZif files
//! including their POSIX footer for dates past the last transition. We use jiff only to look up
//! offsets; calendar arithmetic and formatting are ours (`datetime`), so PostgreSQL's range
//! (4713 BC .. 294276 AD) is not limited by jiff's: outside jiff's range the nearest offset applies.

use jiff::tz::{Offset, TimeZone as JiffZone};

/// Seconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
pub const UNIX_TO_PG_EPOCH_SECS: i64 = 946_684_800;

/// A session time zone: a name as SHOW prints it, and its rules.
#[derive(Debug, Clone)]
pub struct TimeZone {
    name: String,
    zone: JiffZone,
}

impl TimeZone {
    /// UTC.
    pub fn utc() -> TimeZone {
        TimeZone {
            name: "UTC".into(),
            zone: JiffZone::UTC,
        }
    }

    /// Looks a zone up by IANA name (case-insensitively, as PostgreSQL does) or as a numeric offset
    /// in hours (`SET TIME ZONE -5`, which PostgreSQL takes as POSIX-style UTC-5 east-positive).
    pub fn named(name: &str) -> Option<TimeZone> {
        let trimmed = name.trim();
        if let Ok(hours) = trimmed.parse::<f64>() {
            let secs = (hours * 3600.0).round() as i32;
            let offset = Offset::from_seconds(secs).ok()?;
            return Some(TimeZone {
                name: trimmed.into(),
                zone: JiffZone::fixed(offset),
            });
        }
        if let Some(secs) = clock_offset(trimmed) {
            let offset = Offset::from_seconds(secs).ok()?;
            return Some(TimeZone {
                name: trimmed.into(),
                zone: JiffZone::fixed(offset),
            });
        }
        if let Some(secs) = posix_offset(trimmed) {
            let offset = Offset::from_seconds(secs).ok()?;
            return Some(TimeZone {
                name: trimmed.into(),
                zone: JiffZone::fixed(offset),
            });
        }
        if trimmed.eq_ignore_ascii_case("utc") || trimmed.eq_ignore_ascii_case("z") {
            return Some(TimeZone::utc());
        }
        let zone = JiffZone::get(trimmed).ok()?;
        let name = zone.iana_name().unwrap_or(trimmed).to_string();
        Some(TimeZone { name, zone })
    }

    /// A fixed offset east of UTC in seconds (a zone abbreviation such as `PST`).
    pub fn fixed(name: &str, secs: i32) -> Option<TimeZone> {
        Some(TimeZone {
            name: name.into(),
            zone: JiffZone::fixed(Offset::from_seconds(secs).ok()?),
        })
    }

    /// The name as SHOW TimeZone prints it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// UTC offset in seconds (east positive) and abbreviation at a UTC instant given in seconds
    /// since the PostgreSQL epoch.
    pub fn offset_at(&self, pg_secs: i64) -> (i32, String) {
        let unix = (pg_secs + UNIX_TO_PG_EPOCH_SECS).clamp(
            jiff::Timestamp::MIN.as_second(),
            jiff::Timestamp::MAX.as_second(),
        );
        match jiff::Timestamp::from_second(unix) {
            Ok(ts) => {
                let info = self.zone.to_offset_info(ts);
                (info.offset().seconds(), info.abbreviation().to_string())
            }
            Err(_) => (0, "UTC".into()),
        }
    }

    /// The UTC offset that applies to a local wall-clock time (seconds since the PostgreSQL epoch
    /// read as local time). In a DST gap or overlap the smaller (standard-time) offset applies, which
    /// is what PostgreSQL 15 answers: `'2024-03-10 02:30'` in New York is 03:30 EDT, and
    /// `'2024-11-03 01:30'` is 01:30 EST.
    pub fn offset_for_local(&self, pg_local_secs: i64) -> i32 {
        let before = self.offset_at(pg_local_secs - 86_400).0;
        let after = self.offset_at(pg_local_secs + 86_400).0;
        let fits = |off: i32| self.offset_at(pg_local_secs - i64::from(off)).0 == off;
        match (fits(before), fits(after)) {
            (true, false) => before,
            (false, true) => after,
            _ => before.min(after),
        }
    }
}

/// A POSIX-style offset `[+-]hh:mm[:ss]` (west of Greenwich positive, as in POSIX TZ
/// strings), as seconds east of UTC. PostgreSQL reads `SET timezone = '+02:00'` this way: two
/// hours *behind* UTC.
fn posix_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    if !rest.contains(':') {
        return None;
    }
    let mut parts = rest.split(':');
    let mut secs = 0i32;
    for (i, unit) in [3600, 60, 1].into_iter().enumerate() {
        match parts.next() {
            Some(p) if !p.is_empty() && p.len() <= 2 && p.bytes().all(|c| c.is_ascii_digit()) => {
                secs += p.parse::<i32>().ok()? * unit;
            }
            None if i > 0 => break,
            _ => return None,
        }
    }
    if parts.next().is_some() || secs > 15 * 3600 + 59 * 60 + 59 {
        return None;
    }
    Some(-sign * secs)
}

/// `04:30`, `-04:15`: an offset written as a clock time, which PostgreSQL reads POSIX-style (a
/// positive value is west of Greenwich); seconds east.
fn clock_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let (h, m) = rest.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 15 || m > 59 {
        return None;
    }
    Some(-sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_system_zones() {
        let ny = TimeZone::named("america/new_york").expect("tzdata installed");
        assert_eq!(ny.name(), "America/New_York");
        // 2024-07-01 12:00 UTC is EDT (-4); 2024-01-01 is EST (-5).
        let jul = 8948 * 86_400 + 12 * 3600;
        assert_eq!(ny.offset_at(jul), (-4 * 3600, "EDT".to_string()));
        let jan = 8766 * 86_400;
        assert_eq!(ny.offset_at(jan).0, -5 * 3600);
        assert!(TimeZone::named("Mars/Olympus").is_none());
        // PostgreSQL 15: SET timezone = '+02:00'; to_char(now(), 'OF') gives -02.
        assert_eq!(
            TimeZone::named("+02:00").expect("posix").offset_at(0).0,
            -2 * 3600
        );
        assert_eq!(
            TimeZone::named("-04:15").expect("posix").offset_at(0).0,
            4 * 3600 + 15 * 60
        );
        assert_eq!(
            TimeZone::named("5").expect("numeric").offset_at(0).0,
            5 * 3600
        );
    }
}
