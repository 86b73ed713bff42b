//! Reading the input by the template's nodes (`DCH_from_char` and its helpers).

use super::template::{is_separator, Key, Mode, Node, K};
use crate::error::{Result, SqlError, TemplateError};

#[derive(Default)]
pub(super) struct Fields {
    pub(super) mode: Option<Mode>,
    pub(super) hh: i32,
    pub(super) pm: i32,
    pub(super) clock12: bool,
    pub(super) mi: i32,
    pub(super) ss: i32,
    pub(super) ssss: i32,
    pub(super) d: i32,
    pub(super) dd: i32,
    pub(super) ddd: i32,
    pub(super) mm: i32,
    pub(super) ms: i32,
    pub(super) year: i32,
    pub(super) bc: i32,
    pub(super) ww: i32,
    pub(super) w: i32,
    pub(super) cc: i32,
    pub(super) j: i32,
    pub(super) us: i32,
    pub(super) yysz: i32,
    pub(super) tzsign: i32,
    pub(super) tzh: i32,
    pub(super) tzm: i32,
    /// The n of the last FFn: the fractional precision the result is rounded to.
    pub(super) ff: u8,
}

pub(super) fn format_error(
    message: String,
    detail: Option<String>,
    hint: Option<&'static str>,
) -> SqlError {
    SqlError::DatetimeTemplate(Box::new(TemplateError {
        overflow: false,
        message,
        detail,
        hint,
    }))
}

pub(super) const FM_HINT: Option<&str> =
    Some("If your source string is not fixed-width, try using the \"FM\" modifier.");

/// `from_char_set_int`: a field may be set twice only to the same value.
pub(super) fn set(dest: &mut i32, value: i32, key: &Key) -> Result<()> {
    if *dest != 0 && *dest != value {
        return Err(format_error(
            format!(
                "conflicting values for \"{}\" field in formatting string",
                key.name
            ),
            Some("This value contradicts a previous setting for the same field type.".into()),
            None,
        ));
    }
    *dest = value;
    Ok(())
}

/// `strtol` from the start of `s`: blanks, a sign, digits; the value and the bytes read (0 when
/// no digit).
pub(super) fn strtol(s: &[u8]) -> (i128, usize) {
    let mut i = 0;
    while s.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut v: i128 = 0;
    while let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
        v = (v * 10 + i128::from(c - b'0')).min(i128::from(u64::MAX));
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    (if neg { -v } else { v }, i)
}

pub(super) fn is_next_separator(nodes: &[Node], i: usize) -> bool {
    if let Node::Action { th: true, .. } = nodes[i] {
        return true;
    }
    match nodes.get(i + 1) {
        None => true,
        Some(Node::Action { key, .. }) => !key.digit,
        Some(Node::Char(c)) => !c.is_ascii_digit(),
        Some(_) => true,
    }
}

pub(super) struct Reader<'a> {
    s: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &[u8] {
        &self.s[self.at.min(self.s.len())..]
    }

    fn skip_char(&mut self) {
        let n = std::str::from_utf8(self.rest())
            .ok()
            .and_then(|r| r.chars().next())
            .map_or(1, char::len_utf8);
        self.at = (self.at + n).min(self.s.len());
    }

    /// `from_char_parse_int_len`: the value, and how many bytes it took.
    fn int(&mut self, len: usize, nodes: &[Node], i: usize, key: &Key) -> Result<(i32, usize)> {
        let init = self.at;
        while self.rest().first().is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
        let copy_bytes: Vec<u8> = self.rest().iter().take(len).copied().collect();
        let copy = String::from_utf8_lossy(&copy_bytes).into_owned();
        let fm = matches!(nodes[i], Node::Action { fm: true, .. });
        let value = if fm || is_next_separator(nodes, i) {
            let (v, used) = strtol(&self.s[init..]);
            self.at = init + used;
            v
        } else {
            if copy_bytes.len() < len {
                return Err(format_error(
                    format!(
                        "source string too short for \"{}\" formatting field",
                        key.name
                    ),
                    Some(format!(
                        "Field requires {len} characters, but only {} remain.",
                        copy_bytes.len()
                    )),
                    FM_HINT,
                ));
            }
            let (v, used) = strtol(&copy_bytes);
            if used > 0 && used < len {
                return Err(format_error(
                    format!("invalid value \"{copy}\" for \"{}\"", key.name),
                    Some(format!(
                        "Field requires {len} characters, but only {used} could be parsed."
                    )),
                    FM_HINT,
                ));
            }
            self.at += used;
            v
        };
        if self.at == init {
            return Err(format_error(
                format!("invalid value \"{copy}\" for \"{}\"", key.name),
                Some("Value must be an integer.".into()),
                None,
            ));
        }
        let value = i32::try_from(value).map_err(|_| {
            SqlError::DatetimeTemplate(Box::new(TemplateError {
                overflow: true,
                message: format!(
                    "value for \"{}\" in source string is out of range",
                    key.name
                ),
                detail: Some("Value must be in the range -2147483648 to 2147483647.".into()),
                hint: None,
            }))
        })?;
        Ok((value, self.at - init))
    }

    /// `from_char_seq_search`: the index of the first entry the input starts with (ignoring
    /// ASCII case).
    fn one_of(&mut self, list: &[&str], key: &Key) -> Result<usize> {
        let rest = self.rest();
        for (i, w) in list.iter().enumerate() {
            if rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes()) {
                self.at += w.len();
                return Ok(i);
            }
        }
        let word: String = String::from_utf8_lossy(rest)
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        Err(format_error(
            format!("invalid value \"{word}\" for \"{}\"", key.name),
            Some("The given value did not match any of the allowed values for this field.".into()),
            None,
        ))
    }

    fn skip_th(&mut self, th: bool) {
        if th {
            self.skip_char();
            self.skip_char();
        }
    }
}

pub(super) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
pub(super) const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
pub(super) const DAYS_SHORT: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
pub(super) const RM_LOWER: [&str; 12] = [
    "xii", "xi", "x", "ix", "viii", "vii", "vi", "v", "iv", "iii", "ii", "i",
];

/// `DCH_from_char` (not the standard-mode variant used by jsonpath).
pub(super) fn read(nodes: &[Node], input: &str) -> Result<Fields> {
    let mut f = Fields::default();
    let mut r = Reader {
        s: input.as_bytes(),
        at: 0,
    };
    let mut fx = false;
    let mut extra_skip: i32 = 0;
    let mut i = 0;
    while i < nodes.len() && r.at < r.s.len() {
        let n = &nodes[i];
        let is_fx = matches!(n, Node::Action { key, .. } if key.k == K::Fx);
        if !fx && !is_fx && (matches!(n, Node::Action { .. }) || i == 0) {
            while r.rest().first().is_some_and(u8::is_ascii_whitespace) {
                r.at += 1;
                extra_skip += 1;
            }
        }
        let (key, th) = match n {
            Node::Space | Node::Separator => {
                if fx {
                    r.skip_char();
                } else {
                    extra_skip -= 1;
                    let c = r.rest().first().copied().map(char::from);
                    if c.is_some_and(|c| c.is_ascii_whitespace() || is_separator(c)) {
                        r.at += 1;
                        extra_skip += 1;
                    }
                }
                i += 1;
                continue;
            }
            Node::Char(_) => {
                if !fx && extra_skip > 0 {
                    extra_skip -= 1;
                } else {
                    r.skip_char();
                }
                i += 1;
                continue;
            }
            Node::Action { key, th, .. } => (*key, *th),
        };
        if key.mode != Mode::None {
            match f.mode {
                None => f.mode = Some(key.mode),
                Some(m) if m != key.mode => {
                    return Err(format_error(
                        "invalid combination of date conventions".into(),
                        None,
                        Some("Do not mix Gregorian and ISO week date conventions in a formatting template."),
                    ))
                }
                Some(_) => {}
            }
        }
        let width = key.name.len();
        match key.k {
            K::Fx => fx = true,
            K::AmPmLong | K::AmPm => {
                let list: &[&str] = if key.k == K::AmPm {
                    &["am", "pm", "AM", "PM"]
                } else {
                    &["a.m.", "p.m.", "A.M.", "P.M."]
                };
                let v = r.one_of(list, key)? as i32;
                set(&mut f.pm, v % 2, key)?;
                f.clock12 = true;
            }
            K::AdBcLong | K::AdBc => {
                let list: &[&str] = if key.k == K::AdBc {
                    &["ad", "bc", "AD", "BC"]
                } else {
                    &["a.d.", "b.c.", "A.D.", "B.C."]
                };
                let v = r.one_of(list, key)? as i32;
                set(&mut f.bc, v % 2, key)?;
            }
            K::Hh12 | K::Hh24 => {
                let (v, _) = r.int(2, nodes, i, key)?;
                set(&mut f.hh, v, key)?;
                f.clock12 |= key.k == K::Hh12;
                r.skip_th(th);
            }
            K::Mi | K::Ss | K::Ssss | K::Mm | K::Ddd | K::Dd | K::D | K::Cc | K::W | K::J => {
                let (v, _) = r.int(width, nodes, i, key)?;
                let dest = match key.k {
                    K::Mi => &mut f.mi,
                    K::Ss => &mut f.ss,
                    K::Ssss => &mut f.ssss,
                    K::Mm => &mut f.mm,
                    K::Ddd => &mut f.ddd,
                    K::Dd => &mut f.dd,
                    K::D => &mut f.d,
                    K::Cc => &mut f.cc,
                    K::W => &mut f.w,
                    _ => &mut f.j,
                };
                set(dest, v, key)?;
                r.skip_th(th);
            }
            K::Ww => {
                let (v, _) = r.int(width, nodes, i, key)?;
                set(&mut f.ww, v, key)?;
                r.skip_th(th);
            }
            K::Q => {
                r.int(width, nodes, i, key)?;
                r.skip_th(th);
            }
            K::Ms => {
                let (v, len) = r.int(3, nodes, i, key)?;
                set(&mut f.ms, v, key)?;
                f.ms *= match len {
                    1 => 100,
                    2 => 10,
                    _ => 1,
                };
                r.skip_th(th);
            }
            K::Us | K::Ff(_) => {
                let digits = match key.k {
                    K::Ff(n) => {
                        f.ff = n;
                        usize::from(n)
                    }
                    _ => 6,
                };
                let (v, len) = r.int(digits, nodes, i, key)?;
                set(&mut f.us, v, key)?;
                f.us *= 10_i32.pow(6u32.saturating_sub(len as u32).min(5));
                r.skip_th(th);
            }
            K::Iddd => {
                let (v, _) = r.int(3, nodes, i, key)?;
                set(&mut f.ddd, v, key)?;
                r.skip_th(th);
            }
            K::Id => {
                let (v, _) = r.int(1, nodes, i, key)?;
                set(&mut f.d, v, key)?;
                f.d += 1;
                if f.d > 7 {
                    f.d = 1;
                }
                r.skip_th(th);
            }
            K::Year(digits) => {
                let (v, len) = r.int(width, nodes, i, key)?;
                set(&mut f.year, v, key)?;
                if digits < 4 && len < 4 {
                    f.year = adjust_partial_year(f.year);
                }
                f.yysz = i32::from(digits);
                r.skip_th(th);
            }
            K::YComma => {
                let text = String::from_utf8_lossy(r.rest()).into_owned();
                let (millennia, used1) = strtol(text.as_bytes());
                let rest = &text.as_bytes()[used1..];
                let ok = used1 > 0 && rest.first() == Some(&b',');
                let (years, used2) = if ok { strtol(&rest[1..]) } else { (0, 0) };
                if !ok || used2 == 0 {
                    return Err(format_error(
                        "invalid input string for \"Y,YYY\"".into(),
                        None,
                        None,
                    ));
                }
                let y = i32::try_from(millennia * 1000 + years).unwrap_or(i32::MAX);
                set(&mut f.year, y, key)?;
                f.yysz = 4;
                r.at += used1 + 1 + used2;
                r.skip_th(th);
            }
            K::MonthName | K::MonName => {
                let full = crate::types::datetime::MONTH_NAMES;
                let v = if key.k == K::MonthName {
                    r.one_of(&full, key)?
                } else {
                    r.one_of(&MONTHS, key)?
                };
                set(&mut f.mm, v as i32 + 1, key)?;
            }
            K::DayName | K::DayShort => {
                let v = if key.k == K::DayName {
                    r.one_of(&DAYS, key)?
                } else {
                    r.one_of(&DAYS_SHORT, key)?
                };
                set(&mut f.d, v as i32, key)?;
                f.d += 1;
            }
            K::Rm => {
                let v = r.one_of(&RM_LOWER, key)?;
                set(&mut f.mm, 12 - v as i32, key)?;
            }
            K::Tzh => {
                match r.rest().first() {
                    Some(c @ (b'+' | b'-' | b' ')) => {
                        f.tzsign = if *c == b'-' { -1 } else { 1 };
                        r.at += 1;
                    }
                    _ => {
                        let minus_before = r.at > 0 && r.s[r.at - 1] == b'-';
                        f.tzsign = if extra_skip > 0 && minus_before {
                            -1
                        } else {
                            1
                        };
                    }
                }
                let (v, _) = r.int(2, nodes, i, key)?;
                set(&mut f.tzh, v, key)?;
            }
            K::Tzm => {
                if f.tzsign == 0 {
                    f.tzsign = 1;
                }
                let (v, _) = r.int(2, nodes, i, key)?;
                set(&mut f.tzm, v, key)?;
            }
            K::NotHere => {
                return Err(SqlError::FeatureNotSupported(format!(
                    "formatting field \"{}\" is only supported in to_char",
                    key.name
                )))
            }
        }
        if !fx {
            extra_skip = 0;
            while r.rest().first().is_some_and(u8::is_ascii_whitespace) {
                r.at += 1;
                extra_skip += 1;
            }
        }
        i += 1;
    }
    Ok(f)
}

/// `adjust_partial_year_to_2020`.
fn adjust_partial_year(year: i32) -> i32 {
    if year < 70 {
        year + 2000
    } else if year < 100 {
        year + 1900
    } else if year < 520 {
        year + 2000
    } else if year < 1000 {
        year + 1000
    } else {
        year
    }
}
