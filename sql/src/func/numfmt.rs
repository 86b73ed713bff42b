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
//! This file holds the keywords, [`NumDesc`] and the template parser; `output` the output side
//! (with roman numerals and ordinal suffixes), `input` the input side.
//!
//! The locale is C: decimal point `.`, thousands separator `,`, currency symbol blank, signs
//! `+`/`-`.

use crate::error::{Result, SqlError};

mod input;
mod output;

pub(super) use input::to_number;
pub(super) use output::{int_to_roman, to_char};

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
