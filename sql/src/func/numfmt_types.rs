//! `to_char` for numeric, integer and float arguments and `to_number`: each type renders its
//! value as PostgreSQL's `*_to_char` does (rounding, the `V` multiplier, `#` overflow, roman
//! numerals, `EEEE`) and hands the digits to the template processor in [`super::numfmt`].

use super::numfmt::{self, int_to_roman, NumDesc, F_EEEE, F_MULTI, F_ROMAN};
use super::{arg, builtin, Builtin, Param};
use crate::error::{Result, SqlError};
use crate::types::numeric::Numeric;
use crate::types::ops::eval::pow_numeric;
use crate::types::{DataType, FormatContext, Value};

use DataType::{Float4, Float8, Int4, Int8, Numeric as Num, Text};
use Param::T;

/// `FLT_DIG` and `DBL_DIG`: the significant digits a float's template output is limited to.
const FLT_DIG: i32 = 6;
const DBL_DIG: i32 = 15;

/// What the type-specific part hands to the processor.
struct Rendered {
    number: String,
    out_pre_spaces: i32,
    sign: u8,
}

impl Rendered {
    fn plain(number: String) -> Rendered {
        Rendered {
            number,
            out_pre_spaces: 0,
            sign: 0,
        }
    }
}

/// `pre + post + 1` `#`s with the point at `pre`: the value does not fit the template.
fn hashes(pre: i32, post: i32) -> String {
    let mut s = vec![b'#'; (pre + post + 1).max(0) as usize];
    if let Some(c) = s.get_mut(pre.max(0) as usize) {
        *c = b'.';
    }
    String::from_utf8(s).unwrap_or_default()
}

/// The `EEEE` rendering of NaN and infinities: a blank, `#`s, the point after `pre` of them.
fn eeee_hashes(pre: i32, post: i32) -> String {
    let mut s = vec![b'#'; (pre + post + 6).max(0) as usize];
    s[0] = b' ';
    if let Some(c) = s.get_mut((pre + 1) as usize) {
        *c = b'.';
    }
    String::from_utf8(s).unwrap_or_default()
}

/// C's `%+.*e` with the leading `+` swapped for a blank.
fn c_exp(v: f64, prec: i32) -> String {
    let s = format!("{:.*e}", prec.max(0) as usize, v);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let lead = if mant.starts_with('-') { "" } else { " " };
    format!("{lead}{mant}e{exp:+03}")
}

/// `psprintf("%.*f")`: PostgreSQL's own snprintf spells the special values `NaN`, `Infinity`
/// and `-Infinity`.
fn c_fixed(v: f64, prec: i32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    format!("{:.*}", prec.max(0) as usize, v)
}

/// `numeric_out_sci`: one digit before the point, `scale` after, exponent of at least two digits.
fn numeric_sci(n: &Numeric, scale: i32) -> Result<String> {
    if !matches!(n, Numeric::Finite { .. }) {
        return Ok(n.to_string());
    }
    let text = n.abs().to_string();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let int_len = text.find('.').unwrap_or(text.len()) as i64;
    let first = digits.find(|c| c != '0');
    let (exponent, sig) = match first {
        None => (0, "0".to_string()),
        Some(i) => {
            // Rounding half away from zero needs only one digit past `scale`.
            let keep = (i + 2 + scale.max(0) as usize).min(digits.len());
            (
                int_len - 1 - i as i64,
                format!("{}.{}", &digits[i..=i], &digits[i + 1..keep]),
            )
        }
    };
    let sig = Numeric::parse(&sig)?.round(scale);
    let sign = if n.signum() < 0 { "-" } else { "" };
    Ok(format!("{sign}{sig}e{exponent:+03}"))
}

/// The common tail of the `*_to_char` functions: sign split, padding or `#` overflow.
fn finish(orgnum: &str, pre: i32, post: i32, pre_len_of_int: Option<usize>) -> Rendered {
    let (sign, numstr) = match orgnum.strip_prefix('-') {
        Some(rest) => (b'-', rest),
        None => (b'+', orgnum),
    };
    let pre_len = pre_len_of_int.unwrap_or_else(|| numstr.find('.').unwrap_or(numstr.len())) as i32;
    let (number, out_pre_spaces) = if pre_len < pre {
        (numstr.to_string(), pre - pre_len)
    } else if pre_len > pre {
        (hashes(pre, post), 0)
    } else {
        (numstr.to_string(), 0)
    };
    Rendered {
        number,
        out_pre_spaces,
        sign,
    }
}

fn ten_to(multi: i32) -> Numeric {
    Numeric::parse(&format!("1{}", "0".repeat(multi.max(0) as usize)))
        .unwrap_or_else(|_| Numeric::zero())
}

fn render_numeric(v: &Numeric, num: &mut NumDesc) -> Result<Rendered> {
    if num.is(F_ROMAN) {
        let i = match v.to_i128_round() {
            Ok(Some(i)) if i32::try_from(i).is_ok() => i as i64,
            _ => i64::from(i32::MAX),
        };
        return Ok(Rendered::plain(int_to_roman(i)));
    }
    if num.is(F_EEEE) {
        let s = numeric_sci(v, num.post)?;
        return Ok(Rendered::plain(match s.as_str() {
            "NaN" | "Infinity" | "-Infinity" => eeee_hashes(num.pre, num.post),
            _ if s.starts_with('-') => s,
            _ => format!(" {s}"),
        }));
    }
    let mut val = v.clone();
    if num.is(F_MULTI) {
        val = val.mul(&ten_to(num.multi));
        num.pre += num.multi;
    }
    let orgnum = val.round(num.post).to_string();
    Ok(finish(&orgnum, num.pre, num.post, None))
}

fn render_int(v: i64, is_int8: bool, num: &mut NumDesc) -> Result<Rendered> {
    if num.is(F_ROMAN) {
        let i = if i32::try_from(v).is_ok() {
            v
        } else {
            i64::from(i32::MAX)
        };
        return Ok(Rendered::plain(int_to_roman(i)));
    }
    if num.is(F_EEEE) {
        if !is_int8 {
            return Ok(Rendered::plain(c_exp(v as f64, num.post)));
        }
        let s = numeric_sci(&Numeric::from_i128(i128::from(v)), num.post)?;
        return Ok(Rendered::plain(if s.starts_with('-') {
            s
        } else {
            format!(" {s}")
        }));
    }
    let mut value = v;
    if num.is(F_MULTI) {
        let m = 10f64.powi(num.multi);
        value = if is_int8 {
            // dtoi8(pow(10, multi)), then int8mul: both report bigint overflow.
            let overflow = || SqlError::OutOfRange("bigint out of range".into());
            if m.is_nan() || m >= 9_223_372_036_854_775_808.0 {
                return Err(overflow());
            }
            v.checked_mul(m as i64).ok_or_else(overflow)?
        } else {
            // int4 multiplies in C without a check: it wraps (and a too-large factor
            // converts to INT_MIN on x86).
            let f = if m < 2_147_483_648.0 {
                m as i32
            } else {
                i32::MIN
            };
            i64::from((v as i32).wrapping_mul(f))
        };
        num.pre += num.multi;
    }
    let orgnum = value.to_string();
    let int_len = orgnum.trim_start_matches('-').len();
    let with_post = if num.post > 0 {
        format!("{orgnum}.{}", "0".repeat(num.post as usize))
    } else {
        orgnum
    };
    Ok(finish(&with_post, num.pre, num.post, Some(int_len)))
}

fn render_float(v: f64, single: bool, num: &mut NumDesc) -> Result<Rendered> {
    if num.is(F_ROMAN) {
        let r = v.round_ties_even();
        let fits = if single {
            (-2_147_483_648.0..2_147_483_648.0).contains(&(r as f32 as f64))
        } else {
            (-2_147_483_648.0..2_147_483_648.0).contains(&r)
        };
        let i = if !r.is_nan() && fits {
            r as i64
        } else {
            i64::from(i32::MAX)
        };
        return Ok(Rendered::plain(int_to_roman(i)));
    }
    if num.is(F_EEEE) {
        return Ok(Rendered::plain(if v.is_nan() || v.is_infinite() {
            eeee_hashes(num.pre, num.post)
        } else {
            c_exp(v, num.post)
        }));
    }
    let mut val = v;
    if num.is(F_MULTI) {
        let m = 10f64.powi(num.multi);
        val = if single {
            f64::from((v as f32) * (m as f32))
        } else {
            v * m
        };
        num.pre += num.multi;
    }
    let digits = if single { FLT_DIG } else { DBL_DIG };
    let int_len = c_fixed(val.abs(), 0).len() as i32;
    if int_len >= digits {
        num.post = 0;
    } else if int_len + num.post > digits {
        num.post = digits - int_len;
    }
    let orgnum = c_fixed(val, num.post);
    Ok(finish(&orgnum, num.pre, num.post, None))
}

fn to_char_num(a: &[Value], _: &FormatContext) -> Result<Value> {
    let fmt = arg::text(a, 1)?;
    if fmt.is_empty() {
        return Ok(Value::Text(String::new()));
    }
    let (nodes, mut num) = numfmt::parse(fmt)?;
    let r = match &a[0] {
        Value::Numeric(n) => render_numeric(n, &mut num)?,
        Value::Int4(i) => render_int(i64::from(*i), false, &mut num)?,
        Value::Int8(i) => render_int(*i, true, &mut num)?,
        Value::Float4(f) => render_float(f64::from(*f), true, &mut num)?,
        Value::Float8(f) => render_float(*f, false, &mut num)?,
        other => return Err(SqlError::Internal(format!("to_char of {other:?}"))),
    };
    Ok(Value::Text(numfmt::to_char(
        &nodes,
        &num,
        &r.number,
        r.out_pre_spaces,
        r.sign,
    )?))
}

/// `to_number(text, template)`: the digits the template picks out, as a numeric whose precision
/// and scale come from the template and the digits read.
fn to_number(a: &[Value], _: &FormatContext) -> Result<Value> {
    let input = arg::text(a, 0)?;
    let fmt = arg::text(a, 1)?;
    if fmt.is_empty() {
        return Ok(Value::Null);
    }
    let (nodes, num) = numfmt::parse(fmt)?;
    let (text, scale) = numfmt::to_number(&nodes, &num, input)?;
    let precision = num.pre + num.multi + scale;
    let mut n = Numeric::parse(&text)?.apply_typmod(precision, scale)?;
    if num.is(F_MULTI) {
        let f = pow_numeric(
            &Numeric::from_i128(10),
            &Numeric::from_i128(-i128::from(num.multi)),
        )?;
        n = n.mul(&f);
    }
    Ok(Value::Numeric(n))
}

pub(super) static BUILTINS: &[Builtin] = &[
    builtin!("to_char"(T(Num), T(Text)) -> Text, to_char_num),
    builtin!("to_char"(T(Int4), T(Text)) -> Text, to_char_num),
    builtin!("to_char"(T(Int8), T(Text)) -> Text, to_char_num),
    builtin!("to_char"(T(Float4), T(Text)) -> Text, to_char_num),
    builtin!("to_char"(T(Float8), T(Text)) -> Text, to_char_num),
    builtin!("to_number"(T(Text), T(Text)) -> Num, to_number),
];
