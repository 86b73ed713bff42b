//! The template of `to_timestamp`/`to_date` as PostgreSQL's `parse_format` reads it: keywords
//! (PostgreSQL's `DCH_keywords`, case-sensitive, longer before their prefixes) with `FM`/`TM`
//! prefixes and `TH`/`SP` suffixes, separators, spaces and literal characters.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    None,
    Gregorian,
    Iso,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum K {
    AmPmLong,
    AmPm,
    AdBcLong,
    AdBc,
    Cc,
    DayName,
    DayShort,
    Ddd,
    Dd,
    D,
    Ff(u8),
    Fx,
    Hh24,
    Hh12,
    Iddd,
    Id,
    Ww,
    Year(u8),
    J,
    Mi,
    Mm,
    MonthName,
    MonName,
    Ms,
    NotHere,
    Q,
    Rm,
    Ssss,
    Ss,
    Tzh,
    Tzm,
    Us,
    W,
    YComma,
}

pub(super) struct Key {
    pub(super) name: &'static str,
    pub(super) k: K,
    pub(super) digit: bool,
    pub(super) mode: Mode,
}

pub(super) const fn key(name: &'static str, k: K, digit: bool, mode: Mode) -> Key {
    Key {
        name,
        k,
        digit,
        mode,
    }
}

use Mode::{Gregorian as G, Iso as I, None as N};

/// PostgreSQL's `DCH_keywords`, in its order (longer keywords before their prefixes).
pub(super) static KEYS: &[Key] = &[
    key("A.D.", K::AdBcLong, false, N),
    key("A.M.", K::AmPmLong, false, N),
    key("AD", K::AdBc, false, N),
    key("AM", K::AmPm, false, N),
    key("B.C.", K::AdBcLong, false, N),
    key("BC", K::AdBc, false, N),
    key("CC", K::Cc, true, N),
    key("DAY", K::DayName, false, N),
    key("DDD", K::Ddd, true, G),
    key("DD", K::Dd, true, G),
    key("DY", K::DayShort, false, N),
    key("Day", K::DayName, false, N),
    key("Dy", K::DayShort, false, N),
    key("D", K::D, true, G),
    key("FF1", K::Ff(1), true, N),
    key("FF2", K::Ff(2), true, N),
    key("FF3", K::Ff(3), true, N),
    key("FF4", K::Ff(4), true, N),
    key("FF5", K::Ff(5), true, N),
    key("FF6", K::Ff(6), true, N),
    key("FX", K::Fx, false, N),
    key("HH24", K::Hh24, true, N),
    key("HH12", K::Hh12, true, N),
    key("HH", K::Hh12, true, N),
    key("IDDD", K::Iddd, true, I),
    key("ID", K::Id, true, I),
    key("IW", K::Ww, true, I),
    key("IYYY", K::Year(4), true, I),
    key("IYY", K::Year(3), true, I),
    key("IY", K::Year(2), true, I),
    key("I", K::Year(1), true, I),
    key("J", K::J, true, N),
    key("MI", K::Mi, true, N),
    key("MM", K::Mm, true, G),
    key("MONTH", K::MonthName, false, G),
    key("MON", K::MonName, false, G),
    key("MS", K::Ms, true, N),
    key("Month", K::MonthName, false, G),
    key("Mon", K::MonName, false, G),
    key("OF", K::NotHere, false, N),
    key("P.M.", K::AmPmLong, false, N),
    key("PM", K::AmPm, false, N),
    key("Q", K::Q, true, N),
    key("RM", K::Rm, false, G),
    key("SSSSS", K::Ssss, true, N),
    key("SSSS", K::Ssss, true, N),
    key("SS", K::Ss, true, N),
    key("TZH", K::Tzh, false, N),
    key("TZM", K::Tzm, true, N),
    key("TZ", K::NotHere, false, N),
    key("US", K::Us, true, N),
    key("WW", K::Ww, true, G),
    key("W", K::W, true, G),
    key("Y,YYY", K::YComma, true, G),
    key("YYYY", K::Year(4), true, G),
    key("YYY", K::Year(3), true, G),
    key("YY", K::Year(2), true, G),
    key("Y", K::Year(1), true, G),
    key("a.d.", K::AdBcLong, false, N),
    key("a.m.", K::AmPmLong, false, N),
    key("ad", K::AdBc, false, N),
    key("am", K::AmPm, false, N),
    key("b.c.", K::AdBcLong, false, N),
    key("bc", K::AdBc, false, N),
    key("cc", K::Cc, true, N),
    key("day", K::DayName, false, N),
    key("ddd", K::Ddd, true, G),
    key("dd", K::Dd, true, G),
    key("dy", K::DayShort, false, N),
    key("d", K::D, true, G),
    key("ff1", K::Ff(1), true, N),
    key("ff2", K::Ff(2), true, N),
    key("ff3", K::Ff(3), true, N),
    key("ff4", K::Ff(4), true, N),
    key("ff5", K::Ff(5), true, N),
    key("ff6", K::Ff(6), true, N),
    key("fx", K::Fx, false, N),
    key("hh24", K::Hh24, true, N),
    key("hh12", K::Hh12, true, N),
    key("hh", K::Hh12, true, N),
    key("iddd", K::Iddd, true, I),
    key("id", K::Id, true, I),
    key("iw", K::Ww, true, I),
    key("iyyy", K::Year(4), true, I),
    key("iyy", K::Year(3), true, I),
    key("iy", K::Year(2), true, I),
    key("i", K::Year(1), true, I),
    key("j", K::J, true, N),
    key("mi", K::Mi, true, N),
    key("mm", K::Mm, true, G),
    key("month", K::MonthName, false, G),
    key("mon", K::MonName, false, G),
    key("ms", K::Ms, true, N),
    key("of", K::NotHere, false, N),
    key("p.m.", K::AmPmLong, false, N),
    key("pm", K::AmPm, false, N),
    key("q", K::Q, true, N),
    key("rm", K::Rm, false, G),
    key("sssss", K::Ssss, true, N),
    key("ssss", K::Ssss, true, N),
    key("ss", K::Ss, true, N),
    key("tzh", K::Tzh, false, N),
    key("tzm", K::Tzm, true, N),
    key("tz", K::NotHere, false, N),
    key("us", K::Us, true, N),
    key("ww", K::Ww, true, G),
    key("w", K::W, true, G),
    key("y,yyy", K::YComma, true, G),
    key("yyyy", K::Year(4), true, G),
    key("yyy", K::Year(3), true, G),
    key("yy", K::Year(2), true, G),
    key("y", K::Year(1), true, G),
];

pub(super) enum Node {
    Action {
        key: &'static Key,
        fm: bool,
        th: bool,
    },
    Space,
    Separator,
    Char(char),
}

pub(super) fn is_separator(c: char) -> bool {
    c.is_ascii_graphic() && !c.is_ascii_alphanumeric()
}

/// `parse_format` for the DCH (date/time) flavour.
pub(super) fn parse_template(fmt: &str) -> Vec<Node> {
    let mut out = Vec::new();
    let mut s = fmt;
    while !s.is_empty() {
        let mut fm = false;
        for p in ["FM", "fm", "TM", "tm"] {
            if let Some(rest) = s.strip_prefix(p) {
                fm |= p.eq_ignore_ascii_case("FM");
                s = rest;
                break;
            }
        }
        if let Some(k) = KEYS.iter().find(|k| s.starts_with(k.name)) {
            s = &s[k.name.len()..];
            let mut th = false;
            for p in ["TH", "th", "SP"] {
                if let Some(rest) = s.strip_prefix(p) {
                    th = p != "SP";
                    s = rest;
                    break;
                }
            }
            out.push(Node::Action { key: k, fm, th });
            continue;
        }
        let Some(c) = s.chars().next() else { break };
        if c == '"' {
            s = &s[1..];
            while let Some(c) = s.chars().next() {
                s = &s[c.len_utf8()..];
                if c == '"' {
                    break;
                }
                let c = match (c, s.chars().next()) {
                    ('\\', Some(n)) => {
                        s = &s[n.len_utf8()..];
                        n
                    }
                    _ => c,
                };
                out.push(Node::Char(c));
            }
            continue;
        }
        let c = if c == '\\' && s[1..].starts_with('"') {
            s = &s[1..];
            '"'
        } else {
            c
        };
        s = &s[c.len_utf8()..];
        out.push(if is_separator(c) {
            Node::Separator
        } else if c.is_whitespace() {
            Node::Space
        } else {
            Node::Char(c)
        });
    }
    out
}
