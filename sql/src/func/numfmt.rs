//! The number template language of `to_char(number, text)` and `to_number(text, text)`:
//! PostgreSQL's `NUM_processor` (formatting.c), reproduced step for step so that padding, sign
//! placement and the odd corners (`FM` trimming, `PR` brackets, `TH`, roman numerals, `EEEE`)
//! come out byte-identical.
//!
//! # Model
//! [`parse`] turns the template into nodes (keywords and literal characters) and a [`NumDesc`]:
//! digits before (`pre`) and after (`post`) the decimal point, flags, the position of the first
//! and last `0`, the `V` multiplier. Errors in the template (two decimal points, `S` with `MI`,
//! ...) are 42601 with PostgreSQL's messages, raised while parsing as PostgreSQL does.
//!
//! For output, the per-type wrapper (`super::numfmt_types`) renders the absolute value as a
//! digit string (`number`, rounded to `post` digits, or `#`s when it does not fit in `pre`),
//! counts the blanks to put before it (`out_pre_spaces`) and hands it to [`to_char`], which walks
//! the nodes writing digits, separators and the sign. For input, [`to_number`] walks the nodes
//! over the input text collecting sign, digits and the decimal point into a string that is then
//! read as a numeric of precision `pre + multi + digits read after the point`.
//!
//! The locale is C: decimal point `.`, thousands separator `,`, currency symbol blank, signs
//! `+`/`-`.

use crate::error::{Result, SqlError};

/// A template keyword (PostgreSQL's `NUM_poz`; lower-case spellings share the upper-case id
/// except `rn` and `th`, which change the output case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kw {
    Comma,
    Dec,
    Zero,
    Nine,
    B,
    C,
    D,
    E,
    Fm,
    G,
    L,
    Mi,
    Pl,
    Pr,
    Rn,
    Sg,
    Sp,
    S,
    Th,
    V,
    RnLower,
    ThLower,
}

/// Keywords in PostgreSQL's search order: among those starting with the same character, the
/// first whose spelling prefixes the template wins (`SG`/`SP` before `S`).
const KEYWORDS: &[(&str, Kw)] = &[
    (",", Kw::Comma),
    (".", Kw::Dec),
    ("0", Kw::Zero),
    ("9", Kw::Nine),
    ("B", Kw::B),
    ("C", Kw::C),
    ("D", Kw::D),
    ("EEEE", Kw::E),
    ("FM", Kw::Fm),
    ("G", Kw::G),
    ("L", Kw::L),
    ("MI", Kw::Mi),
    ("PL", Kw::Pl),
    ("PR", Kw::Pr),
    ("RN", Kw::Rn),
    ("SG", Kw::Sg),
    ("SP", Kw::Sp),
    ("S", Kw::S),
    ("TH", Kw::Th),
    ("V", Kw::V),
    ("b", Kw::B),
    ("c", Kw::C),
    ("d", Kw::D),
    ("eeee", Kw::E),
    ("fm", Kw::Fm),
    ("g", Kw::G),
    ("l", Kw::L),
    ("mi", Kw::Mi),
    ("pl", Kw::Pl),
    ("pr", Kw::Pr),
    ("rn", Kw::RnLower),
    ("sg", Kw::Sg),
    ("sp", Kw::Sp),
    ("s", Kw::S),
    ("th", Kw::ThLower),
    ("v", Kw::V),
];

/// One parsed template element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    Action(Kw),
    Char(String),
}

pub(super) const F_DECIMAL: u32 = 1 << 1;
pub(super) const F_LDECIMAL: u32 = 1 << 2;
pub(super) const F_ZERO: u32 = 1 << 3;
pub(super) const F_BLANK: u32 = 1 << 4;
pub(super) const F_FILLMODE: u32 = 1 << 5;
pub(super) const F_LSIGN: u32 = 1 << 6;
pub(super) const F_BRACKET: u32 = 1 << 7;
pub(super) const F_MINUS: u32 = 1 << 8;
pub(super) const F_PLUS: u32 = 1 << 9;
pub(super) const F_ROMAN: u32 = 1 << 10;
pub(super) const F_MULTI: u32 = 1 << 11;
pub(super) const F_EEEE: u32 = 1 << 14;

const LSIGN_PRE: i32 = -1;
const LSIGN_POST: i32 = 1;
const LSIGN_NONE: i32 = 0;

/// PostgreSQL's `NUMDesc`: what the template asks for.
#[derive(Debug, Clone, Default)]
pub(super) struct NumDesc {
    pub pre: i32,
    pub post: i32,
    pub lsign: i32,
    pub flag: u32,
    pub pre_lsign_num: i32,
    pub multi: i32,
    pub zero_start: i32,
    pub zero_end: i32,
}

impl NumDesc {
    pub fn is(&self, f: u32) -> bool {
        self.flag & f != 0
    }
}

fn syntax(message: &str) -> SqlError {
    SqlError::FormatPicture {
        message: message.into(),
        detail: None,
    }
}

/// `NUMDesc_prepare`: folds one keyword into the description, rejecting bad combinations.
fn prepare(num: &mut NumDesc, kw: Kw) -> Result<()> {
    if num.is(F_EEEE) && kw != Kw::E {
        return Err(syntax("\"EEEE\" must be the last pattern used"));
    }
    match kw {
        Kw::Nine => {
            if num.is(F_BRACKET) {
                return Err(syntax("\"9\" must be ahead of \"PR\""));
            }
            if num.is(F_MULTI) {
                num.multi += 1;
            } else if num.is(F_DECIMAL) {
                num.post += 1;
            } else {
                num.pre += 1;
            }
        }
        Kw::Zero => {
            if num.is(F_BRACKET) {
                return Err(syntax("\"0\" must be ahead of \"PR\""));
            }
            if !num.is(F_ZERO) && !num.is(F_DECIMAL) {
                num.flag |= F_ZERO;
                num.zero_start = num.pre + 1;
            }
            if num.is(F_DECIMAL) {
                num.post += 1;
            } else {
                num.pre += 1;
            }
            num.zero_end = num.pre + num.post;
        }
        Kw::B => {
            if num.pre == 0 && num.post == 0 && !num.is(F_ZERO) {
                num.flag |= F_BLANK;
            }
        }
        Kw::D | Kw::Dec => {
            if kw == Kw::D {
                num.flag |= F_LDECIMAL;
            }
            if num.is(F_DECIMAL) {
                return Err(syntax("multiple decimal points"));
            }
            if num.is(F_MULTI) {
                return Err(syntax("cannot use \"V\" and decimal point together"));
            }
            num.flag |= F_DECIMAL;
        }
        Kw::Fm => num.flag |= F_FILLMODE,
        Kw::S => {
            if num.is(F_LSIGN) {
                return Err(syntax("cannot use \"S\" twice"));
            }
            if num.is(F_PLUS) || num.is(F_MINUS) || num.is(F_BRACKET) {
                return Err(syntax(
                    "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together",
                ));
            }
            if !num.is(F_DECIMAL) {
                num.lsign = LSIGN_PRE;
                num.pre_lsign_num = num.pre;
                num.flag |= F_LSIGN;
            } else if num.lsign == LSIGN_NONE {
                num.lsign = LSIGN_POST;
                num.flag |= F_LSIGN;
            }
        }
        Kw::Mi => {
            if num.is(F_LSIGN) {
                return Err(syntax("cannot use \"S\" and \"MI\" together"));
            }
            num.flag |= F_MINUS;
        }
        Kw::Pl => {
            if num.is(F_LSIGN) {
                return Err(syntax("cannot use \"S\" and \"PL\" together"));
            }
            num.flag |= F_PLUS;
        }
        Kw::Sg => {
            if num.is(F_LSIGN) {
                return Err(syntax("cannot use \"S\" and \"SG\" together"));
            }
            num.flag |= F_MINUS | F_PLUS;
        }
        Kw::Pr => {
            if num.is(F_LSIGN) || num.is(F_PLUS) || num.is(F_MINUS) {
                return Err(syntax(
                    "cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together",
                ));
            }
            num.flag |= F_BRACKET;
        }
        Kw::Rn | Kw::RnLower => num.flag |= F_ROMAN,
        Kw::V => {
            if num.is(F_DECIMAL) {
                return Err(syntax("cannot use \"V\" and decimal point together"));
            }
            num.flag |= F_MULTI;
        }
        Kw::E => {
            if num.is(F_EEEE) {
                return Err(syntax("cannot use \"EEEE\" twice"));
            }
            if num.flag
                & (F_BLANK
                    | F_FILLMODE
                    | F_LSIGN
                    | F_BRACKET
                    | F_MINUS
                    | F_PLUS
                    | F_ROMAN
                    | F_MULTI)
                != 0
            {
                return Err(SqlError::FormatPicture {
                    message: "\"EEEE\" is incompatible with other formats".into(),
                    detail: Some(
                        "\"EEEE\" may only be used together with digit and decimal point patterns.",
                    ),
                });
            }
            num.flag |= F_EEEE;
        }
        Kw::C | Kw::G | Kw::L | Kw::Sp | Kw::Th | Kw::ThLower | Kw::Comma => {}
    }
    Ok(())
}

/// Parses a number template (`parse_format` with the NUM keyword table).
pub(super) fn parse(fmt: &str) -> Result<(Vec<Node>, NumDesc)> {
    let mut nodes = Vec::new();
    let mut num = NumDesc::default();
    let mut rest = fmt;
    while let Some(c) = rest.chars().next() {
        if let Some(&(name, kw)) = KEYWORDS
            .iter()
            .filter(|(n, _)| n.starts_with(c))
            .find(|(n, _)| rest.starts_with(n))
        {
            prepare(&mut num, kw)?;
            nodes.push(Node::Action(kw));
            rest = &rest[name.len()..];
        } else if c == '"' {
            // A quoted literal; a backslash quotes the next character.
            rest = &rest[1..];
            while let Some(mut ch) = rest.chars().next() {
                if ch == '"' {
                    rest = &rest[1..];
                    break;
                }
                if ch == '\\' && rest.len() > 1 {
                    rest = &rest[1..];
                    ch = rest.chars().next().unwrap_or('\\');
                }
                nodes.push(Node::Char(ch.to_string()));
                rest = &rest[ch.len_utf8()..];
            }
        } else {
            // Outside quotes a backslash only escapes a double quote.
            let mut ch = c;
            if c == '\\' && rest[1..].starts_with('"') {
                rest = &rest[1..];
                ch = '"';
            }
            nodes.push(Node::Char(ch.to_string()));
            rest = &rest[ch.len_utf8()..];
        }
    }
    Ok((nodes, num))
}

/// `int_to_roman`: upper case, unpadded; `#`s outside 1..=3999.
pub(super) fn int_to_roman(n: i64) -> String {
    const R1: [&str; 9] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"];
    const R10: [&str; 9] = ["X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"];
    const R100: [&str; 9] = ["C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"];
    if !(1..=3999).contains(&n) {
        return "#".repeat(15);
    }
    let mut out = "M".repeat((n / 1000) as usize);
    for (d, table) in [
        ((n / 100) % 10, &R100),
        ((n / 10) % 10, &R10),
        (n % 10, &R1),
    ] {
        if d > 0 {
            out.push_str(table[(d - 1) as usize]);
        }
    }
    out
}

/// `get_th`: the ordinal suffix of the digit string's value.
fn get_th(num: &[u8], upper: bool) -> Result<&'static str> {
    let last = *num.last().unwrap_or(&0);
    if !last.is_ascii_digit() {
        return Err(SqlError::InvalidTextMessage(format!(
            "\"{}\" is not a number",
            String::from_utf8_lossy(num)
        )));
    }
    let teen = num.len() > 1 && num[num.len() - 2] == b'1';
    let s = match (teen, last) {
        (false, b'1') => "ST",
        (false, b'2') => "ND",
        (false, b'3') => "RD",
        _ => "TH",
    };
    Ok(if upper {
        s
    } else {
        match s {
            "ST" => "st",
            "ND" => "nd",
            "RD" => "rd",
            _ => "th",
        }
    })
}

/// The output side of `NUM_processor`.
struct ToChar<'a> {
    num: NumDesc,
    number: &'a [u8],
    /// Index into `number` (PostgreSQL's `number_p`); past the end reads as NUL.
    np: usize,
    out: String,
    sign: u8,
    sign_wrote: bool,
    num_count: i32,
    num_in: bool,
    num_curr: i32,
    out_pre_spaces: i32,
    last_relevant: Option<usize>,
    /// Where PostgreSQL wrote a NUL into its output buffer (a digit position past the end of
    /// `number`, `SG` without a sign): the result ends there.
    cut: Option<usize>,
}

impl ToChar<'_> {
    fn nul(&mut self) {
        self.cut.get_or_insert(self.out.len());
    }

    fn at(&self, i: usize) -> u8 {
        self.number.get(i).copied().unwrap_or(0)
    }

    fn lr_is_point(&self) -> bool {
        self.last_relevant.is_some_and(|i| self.at(i) == b'.')
    }

    fn predec_space(&self) -> bool {
        !self.num.is(F_ZERO) && self.np == 0 && self.at(0) == b'0' && self.num.post != 0
    }

    fn sign_str(&self) -> &'static str {
        if self.sign == b'-' {
            "-"
        } else {
            "+"
        }
    }

    /// `NUM_numpart_to_char`.
    fn numpart(&mut self, kw: Kw) {
        if self.num.is(F_ROMAN) {
            return;
        }
        self.num_in = false;
        let fill = self.num.is(F_FILLMODE);
        if !self.sign_wrote
            && (self.num_curr >= self.out_pre_spaces
                || (self.num.is(F_ZERO) && self.num.zero_start == self.num_curr))
            && (!self.predec_space() || self.lr_is_point())
        {
            if self.num.is(F_LSIGN) {
                if self.num.lsign == LSIGN_PRE {
                    self.out.push_str(self.sign_str());
                    self.sign_wrote = true;
                }
            } else if self.num.is(F_BRACKET) {
                self.out.push(if self.sign == b'+' { ' ' } else { '<' });
                self.sign_wrote = true;
            } else if self.sign == b'+' {
                if !fill {
                    self.out.push(' ');
                }
                self.sign_wrote = true;
            } else if self.sign == b'-' {
                self.out.push('-');
                self.sign_wrote = true;
            }
        }
        if !matches!(kw, Kw::Nine | Kw::Zero | Kw::D | Kw::Dec) {
            self.num_curr += 1;
            return;
        }
        let zero = self.num.is(F_ZERO);
        if self.num_curr < self.out_pre_spaces && (self.num.zero_start > self.num_curr || !zero) {
            if !fill {
                self.out.push(' ');
            }
        } else if zero
            && self.num_curr < self.out_pre_spaces
            && self.num.zero_start <= self.num_curr
        {
            self.out.push('0');
            self.num_in = true;
        } else {
            let cur = self.at(self.np);
            if cur == b'.' {
                if !self.lr_is_point() || fill {
                    self.out.push('.');
                }
            } else if self.last_relevant.is_some_and(|lr| self.np > lr) && kw != Kw::Zero {
            } else if self.predec_space() {
                if !fill {
                    self.out.push(' ');
                } else if self.lr_is_point() {
                    self.out.push('0');
                }
            } else {
                if cur == 0 {
                    self.nul();
                } else {
                    self.out.push(char::from(cur));
                }
                self.num_in = true;
            }
            if cur != 0 {
                self.np += 1;
            }
        }
        let mut end = self.num_count
            + i32::from(self.out_pre_spaces != 0)
            + i32::from(self.num.is(F_DECIMAL));
        if self.last_relevant == Some(self.np) {
            end = self.num_curr;
        }
        if self.num_curr + 1 == end {
            if self.sign_wrote && self.num.is(F_BRACKET) {
                self.out.push(if self.sign == b'+' { ' ' } else { '>' });
            } else if self.num.is(F_LSIGN) && self.num.lsign == LSIGN_POST {
                self.out.push_str(self.sign_str());
            }
        }
        self.num_curr += 1;
    }
}

/// `get_last_relevant_decnum`: the last non-zero digit after the point, or the point itself.
fn last_relevant_decnum(number: &[u8]) -> Option<usize> {
    let p = number.iter().position(|&c| c == b'.')?;
    let mut result = p;
    for (i, &c) in number.iter().enumerate().skip(p + 1) {
        if c != b'0' {
            result = i;
        }
    }
    Some(result)
}

/// Formats `number` (the absolute value's digits, or roman numerals, or the `EEEE` text) by the
/// template. `sign` is `b'+'`, `b'-'`, or 0 for roman numerals.
pub(super) fn to_char(
    nodes: &[Node],
    num: &NumDesc,
    number: &str,
    out_pre_spaces: i32,
    sign: u8,
) -> Result<String> {
    let mut num = num.clone();
    if num.zero_start != 0 {
        num.zero_start -= 1;
    }
    if num.is(F_EEEE) {
        return Ok(number.to_string());
    }
    let mut out_pre_spaces = out_pre_spaces;
    if num.is(F_ROMAN) {
        num.lsign = 0;
        num.pre_lsign_num = 0;
        num.post = 0;
        num.pre = 0;
        out_pre_spaces = 0;
        num.flag = F_ROMAN | (num.flag & F_FILLMODE);
    }
    let mut p = ToChar {
        num,
        number: number.as_bytes(),
        np: 0,
        out: String::new(),
        sign,
        sign_wrote: false,
        num_count: 0,
        num_in: false,
        num_curr: 0,
        out_pre_spaces,
        last_relevant: None,
        cut: None,
    };
    if p.num.is(F_PLUS) || p.num.is(F_MINUS) {
        // MI/PL/SG write the sign themselves, unless only PL is given.
        p.sign_wrote = !p.num.is(F_PLUS) || p.num.is(F_MINUS);
    } else {
        if p.sign != b'-' && p.num.is(F_FILLMODE) {
            p.num.flag &= !F_BRACKET;
        }
        p.sign_wrote = p.sign == b'+' && p.num.is(F_FILLMODE) && !p.num.is(F_LSIGN);
        if p.num.lsign == LSIGN_PRE && p.num.pre == p.num.pre_lsign_num {
            p.num.lsign = LSIGN_POST;
        }
    }
    p.num_count = p.num.post + p.num.pre - 1;
    if p.num.is(F_FILLMODE) && p.num.is(F_DECIMAL) {
        p.last_relevant = last_relevant_decnum(p.number);
        // Keep the digits that '0' positions ask for.
        if let Some(lr) = p.last_relevant {
            if p.num.zero_end > p.out_pre_spaces {
                let last_zero = (p.number.len() as i32 - 1)
                    .min(p.num.zero_end - p.out_pre_spaces)
                    .max(0) as usize;
                if lr < last_zero {
                    p.last_relevant = Some(last_zero);
                }
            }
        }
    }
    if !p.sign_wrote && p.out_pre_spaces == 0 {
        p.num_count += 1;
    }
    for n in nodes {
        let kw = match n {
            Node::Char(s) => {
                p.out.push_str(s);
                continue;
            }
            Node::Action(kw) => *kw,
        };
        let fill = p.num.is(F_FILLMODE);
        match kw {
            Kw::Nine | Kw::Zero | Kw::Dec | Kw::D => p.numpart(kw),
            Kw::Comma | Kw::G => {
                if p.num_in {
                    p.out.push(',');
                } else if !fill {
                    p.out.push(' ');
                }
            }
            Kw::L => p.out.push(' '),
            Kw::Rn | Kw::RnLower => {
                let s = &number[p.np.min(number.len())..];
                let s = if kw == Kw::RnLower {
                    s.to_ascii_lowercase()
                } else {
                    s.to_string()
                };
                if fill {
                    p.out.push_str(&s);
                } else {
                    p.out.push_str(&format!("{s:>15}"));
                }
            }
            Kw::Th | Kw::ThLower => {
                if p.num.is(F_ROMAN)
                    || p.number.first() == Some(&b'#')
                    || p.sign == b'-'
                    || p.num.is(F_DECIMAL)
                {
                    continue;
                }
                p.out.push_str(get_th(p.number, kw == Kw::Th)?);
            }
            Kw::Mi => {
                if p.sign == b'-' {
                    p.out.push('-');
                } else if !fill {
                    p.out.push(' ');
                }
            }
            Kw::Pl => {
                if p.sign == b'+' {
                    p.out.push('+');
                } else if !fill {
                    p.out.push(' ');
                }
            }
            Kw::Sg => {
                if p.sign == 0 {
                    p.nul();
                } else {
                    p.out.push(char::from(p.sign));
                }
            }
            Kw::B | Kw::C | Kw::E | Kw::Fm | Kw::Pr | Kw::Sp | Kw::S | Kw::V => {}
        }
    }
    if let Some(cut) = p.cut {
        p.out.truncate(cut);
    }
    Ok(p.out)
}

/// The input side of `NUM_processor`: returns the collected number text (sign or blank, digits,
/// point) and the count of digits read after the point.
pub(super) fn to_number(nodes: &[Node], num: &NumDesc, input: &str) -> Result<(String, i32)> {
    if num.is(F_EEEE) {
        return Err(SqlError::FeatureNotSupported(
            "\"EEEE\" not supported for input".into(),
        ));
    }
    if num.is(F_ROMAN) {
        return Err(SqlError::FeatureNotSupported(
            "\"RN\" not supported for input".into(),
        ));
    }
    let mut r = FromChar {
        num,
        inp: input.as_bytes(),
        p: 0,
        number: vec![b' '],
        read_dec: false,
        read_pre: 0,
        read_post: 0,
    };
    let fill = num.is(F_FILLMODE);
    for n in nodes {
        if r.overload() {
            break;
        }
        let kw = match n {
            Node::Char(_) => {
                r.p += r.mblen();
                continue;
            }
            Node::Action(kw) => *kw,
        };
        match kw {
            Kw::Nine | Kw::Zero | Kw::Dec | Kw::D => r.numpart(kw),
            Kw::Comma | Kw::G => {
                // `num_in` is never set while reading, so under FM separators are skipped
                // without consuming input.
                if fill || r.cur() != b',' {
                    continue;
                }
            }
            Kw::L => {
                r.eat_non_data(1);
                continue;
            }
            Kw::Th | Kw::ThLower => {
                if num.is(F_DECIMAL) {
                    continue;
                }
                r.eat_non_data(2);
                continue;
            }
            Kw::Mi | Kw::Pl | Kw::Sg => {
                let c = r.cur();
                let hit = (c == b'-' && kw != Kw::Pl) || (c == b'+' && kw != Kw::Mi);
                if hit {
                    r.number[0] = c;
                } else {
                    r.eat_non_data(1);
                    continue;
                }
            }
            _ => continue,
        }
        r.p += 1;
    }
    if r.number.last() == Some(&b'.') && r.number.len() > 1 {
        r.number.pop();
    }
    Ok((String::from_utf8_lossy(&r.number).into_owned(), r.read_post))
}

struct FromChar<'a> {
    num: &'a NumDesc,
    inp: &'a [u8],
    p: usize,
    number: Vec<u8>,
    read_dec: bool,
    read_pre: i32,
    read_post: i32,
}

impl FromChar<'_> {
    fn overload(&self) -> bool {
        self.p >= self.inp.len()
    }

    fn cur(&self) -> u8 {
        self.inp.get(self.p).copied().unwrap_or(0)
    }

    fn mblen(&self) -> usize {
        match self.cur() {
            c if c < 0x80 => 1,
            c if c >= 0xF0 => 4,
            c if c >= 0xE0 => 3,
            _ => 2,
        }
    }

    /// `NUM_eat_non_data_chars`: skips up to `n` characters that cannot be part of the number.
    fn eat_non_data(&mut self, n: usize) {
        for _ in 0..n {
            if self.overload() || b"0123456789.,+-".contains(&self.cur()) {
                break;
            }
            self.p += self.mblen();
        }
    }

    /// `NUM_numpart_from_char`.
    fn numpart(&mut self, kw: Kw) {
        if self.overload() {
            return;
        }
        if self.cur() == b' ' {
            self.p += 1;
        }
        if self.overload() {
            return;
        }
        let num = self.num;
        if self.number[0] == b' '
            && matches!(kw, Kw::Zero | Kw::Nine)
            && self.read_pre + self.read_post == 0
        {
            let c = self.cur();
            if num.is(F_LSIGN) && num.lsign == LSIGN_PRE {
                if c == b'-' || c == b'+' {
                    self.p += 1;
                    self.number[0] = c;
                }
            } else if c == b'-' || (num.is(F_BRACKET) && c == b'<') {
                self.number[0] = b'-';
                self.p += 1;
            } else if c == b'+' {
                self.number[0] = b'+';
                self.p += 1;
            }
        }
        if self.overload() {
            return;
        }
        let mut isread = false;
        let c = self.cur();
        if c.is_ascii_digit() {
            if self.read_dec && self.read_post == num.post {
                return;
            }
            self.number.push(c);
            if self.read_dec {
                self.read_post += 1;
            } else {
                self.read_pre += 1;
            }
            isread = true;
        } else if num.is(F_DECIMAL) && !self.read_dec && c == b'.' {
            self.number.push(b'.');
            self.read_dec = true;
            isread = true;
        }
        if self.overload() {
            return;
        }
        // A sign after the last digit ("5.01-" under FM9.99S or FM9.99MI).
        if self.number[0] == b' ' && self.read_pre + self.read_post > 0 {
            if num.is(F_LSIGN)
                && isread
                && self.p + 1 < self.inp.len()
                && !self.inp[self.p + 1].is_ascii_digit()
            {
                let next = self.inp[self.p + 1];
                if next == b'-' || next == b'+' {
                    self.p += 1;
                    self.number[0] = next;
                }
            } else if !isread && !num.is(F_LSIGN) && (num.is(F_PLUS) || num.is(F_MINUS)) {
                let c = self.cur();
                if c == b'-' || c == b'+' {
                    self.number[0] = c;
                }
            }
        }
    }
}
