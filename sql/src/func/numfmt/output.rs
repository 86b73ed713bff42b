//! The output side of `NUM_processor`: [`to_char`] writes a prepared digit string by the parsed
//! template (digits, separators, sign, `FM` trimming, `PR`, `TH`), plus roman numerals
//! (`int_to_roman`) and ordinal suffixes (`get_th`).

use super::{
    Kw, Node, NumDesc, F_BRACKET, F_DECIMAL, F_EEEE, F_FILLMODE, F_LSIGN, F_MINUS, F_PLUS, F_ROMAN,
    F_ZERO, LSIGN_POST, LSIGN_PRE,
};
use crate::error::{Result, SqlError};

/// `int_to_roman`: upper case, unpadded; `#`s outside 1..=3999.
pub(in crate::func) fn int_to_roman(n: i64) -> String {
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
pub(in crate::func) fn to_char(
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
