//! `real` and `double precision` text I/O (`float4in/out`, `float8in/out`).
//!
//! Output follows PostgreSQL 12+: with `extra_float_digits > 0` (the default is 1) the shortest
//! digits that round-trip, in `%g` style with the exponent threshold at the type's precision (15
//! for float8, 6 for float4 — `-4 <= exp < precision` prints positionally); with
//! `extra_float_digits <= 0`, `%.{precision + extra_float_digits}g`.

use crate::error::{Result, SqlError};

const DBL_DIG: i32 = 15;
const FLT_DIG: i32 = 6;

/// Formats a `float8`.
pub fn format_f64(v: f64, extra_float_digits: i32) -> String {
    if extra_float_digits > 0 {
        special(v).unwrap_or_else(|| g_style(&format!("{v:e}"), DBL_DIG, false))
    } else {
        let p = (DBL_DIG + extra_float_digits).max(1) as usize;
        special(v).unwrap_or_else(|| g_style(&format!("{:.*e}", p - 1, v), p as i32, true))
    }
}

/// Formats a `float4`.
pub fn format_f32(v: f32, extra_float_digits: i32) -> String {
    let w = f64::from(v);
    if extra_float_digits > 0 {
        special(w).unwrap_or_else(|| g_style(&format!("{v:e}"), FLT_DIG, false))
    } else {
        let p = (FLT_DIG + extra_float_digits).max(1) as usize;
        special(w).unwrap_or_else(|| g_style(&format!("{:.*e}", p - 1, v), p as i32, true))
    }
}

fn special(v: f64) -> Option<String> {
    if v.is_nan() {
        Some("NaN".into())
    } else if v.is_infinite() {
        Some(if v > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        None
    }
}

/// Renders Rust's `{:e}` output (`d.ddde±x`) in C's `%g` style; `strip` drops trailing zeros of a
/// fixed-precision rendering (as `%g` does).
fn g_style(sci: &str, precision: i32, strip: bool) -> String {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let mut digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if strip {
        while digits.len() > 1 && digits.ends_with('0') {
            digits.pop();
        }
    }
    if exp < -4 || exp >= precision {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    } else if exp < 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            format!("{sign}{digits}{}", "0".repeat(int_len - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
        }
    }
}

/// Parses like `strtod` as `float8in` uses it; `None` for malformed input.
fn parse_raw(t: &str) -> Option<f64> {
    let l = t.to_ascii_lowercase();
    match l.as_str() {
        "nan" | "+nan" | "-nan" => return Some(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => return Some(f64::INFINITY),
        "-infinity" | "-inf" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let ok = !l.is_empty()
        && l.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'e'))
        && l.bytes().any(|c| c.is_ascii_digit());
    if !ok {
        return None;
    }
    l.parse().ok()
}

/// Whether the decimal text has a non-zero digit in its mantissa (to detect underflow to zero).
fn has_nonzero_mantissa(t: &str) -> bool {
    t.split(['e', 'E'])
        .next()
        .is_some_and(|m| m.bytes().any(|c| (b'1'..=b'9').contains(&c)))
}

/// `float8in`.
pub fn parse_f64(s: &str) -> Result<f64> {
    parse_float(s, "double precision").map(|(v, _)| v)
}

/// `float4in`: parsed in single precision, with overflow and underflow errors.
pub fn parse_f32(s: &str) -> Result<f32> {
    let (v, t) = parse_float(s, "real")?;
    let f = t.parse::<f32>().unwrap_or(v as f32);
    let f = if v.is_nan() { f32::NAN } else { f };
    if (f.is_infinite() && v.is_finite()) || (f == 0.0 && has_nonzero_mantissa(t)) {
        return Err(SqlError::OutOfRange(format!(
            "\"{s}\" is out of range for type real"
        )));
    }
    Ok(f)
}

fn parse_float<'a>(s: &'a str, type_name: &'static str) -> Result<(f64, &'a str)> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let v = parse_raw(t).ok_or_else(|| SqlError::InvalidTextRepresentation {
        type_name,
        value: s.to_string(),
    })?;
    let lower = t.to_ascii_lowercase();
    let literal_inf = lower.contains("inf");
    if (v.is_infinite() && !literal_inf) || (v == 0.0 && has_nonzero_mantissa(t)) {
        return Err(SqlError::OutOfRange(format!(
            "\"{s}\" is out of range for type {type_name}"
        )));
    }
    Ok((v, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float8_output_matches_postgres() {
        // Expected strings produced by PostgreSQL 15: SELECT x::float8 (extra_float_digits = 1).
        let cases = [
            (1.0, "1"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (1e15, "1e+15"),
            (123456789012345.0, "123456789012345"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-0.0, "-0"),
        ];
        for (v, want) in cases {
            assert_eq!(format_f64(v, 1), want, "{v}");
        }
        assert_eq!(format_f64(f64::NAN, 1), "NaN");
        assert_eq!(format_f64(f64::NEG_INFINITY, 1), "-Infinity");
        assert_eq!(format_f32(1e6, 1), "1e+06");
        assert_eq!(format_f32(0.1, 1), "0.1");
        // SET extra_float_digits = 0: SELECT 0.1::float8, 1/3::float8, 1e20::float8, 0.1::float4.
        assert_eq!(format_f64(0.1, 0), "0.1");
        assert_eq!(format_f64(1.0 / 3.0, 0), "0.333333333333333");
        assert_eq!(format_f64(1e20, 0), "1e+20");
        assert_eq!(format_f32(0.1, 0), "0.1");
        assert_eq!(format_f64(100.0, -14), "1e+02");
        // SET extra_float_digits = 0 / 3 / -5 in PostgreSQL 15.
        assert_eq!(format_f32(123_456.79, 0), "123457");
        assert_eq!(format_f32(123_456.79, 3), "123456.79");
        assert_eq!(format_f32(123_456.79, -5), "1e+05");
        assert_eq!(format_f32(2.5e-7, -5), "2e-07");
        assert_eq!(format_f64(1.0 / 3.0, -5), "0.3333333333");
        assert_eq!(format_f64(123_456.789, -5), "123456.789");
        assert_eq!(format_f64(100.0, -5), "100");
    }

    #[test]
    fn float_input_errors_match_postgres() {
        // float8.out / float4.out.
        assert_eq!(parse_f64(" 1.5 "), Ok(1.5));
        assert_eq!(parse_f64("-INFINITY"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_f64("1e-310").map(|v| v > 0.0), Ok(true));
        let e = parse_f64("1e400").expect_err("overflow");
        assert_eq!(
            e.to_string(),
            "\"1e400\" is out of range for type double precision"
        );
        assert_eq!(e.sqlstate(), "22003");
        let e = parse_f64("1e-400").expect_err("underflow");
        assert_eq!(
            e.to_string(),
            "\"1e-400\" is out of range for type double precision"
        );
        let e = parse_f64("xyz").expect_err("syntax");
        assert_eq!(
            e.to_string(),
            "invalid input syntax for type double precision: \"xyz\""
        );
        let e = parse_f32("10e70").expect_err("overflow");
        assert_eq!(e.to_string(), "\"10e70\" is out of range for type real");
        let e = parse_f32("10e-70").expect_err("underflow");
        assert_eq!(e.to_string(), "\"10e-70\" is out of range for type real");
        assert!(parse_f32("     ").is_err());
    }
}
