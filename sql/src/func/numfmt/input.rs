//! The input side of `NUM_processor`: [`to_number`] walks the parsed template over the input
//! text and collects sign, digits and decimal point into a string read as a numeric by the caller.

use super::{
    Kw, Node, NumDesc, F_BRACKET, F_DECIMAL, F_EEEE, F_FILLMODE, F_LSIGN, F_MINUS, F_PLUS, F_ROMAN,
    LSIGN_PRE,
};
use crate::error::{Result, SqlError};

/// The input side of `NUM_processor`: returns the collected number text (sign or blank, digits,
/// point) and the count of digits read after the point.
pub(in crate::func) fn to_number(
    nodes: &[Node],
    num: &NumDesc,
    input: &str,
) -> Result<(String, i32)> {
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
