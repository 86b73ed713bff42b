//! `numeric`: arbitrary-precision decimal with PostgreSQL 15's semantics.
//!
//! A finite value is `±mag × 10^-scale` where `mag` is an unsigned integer ([`mag`]) and `scale` is
//! the display scale (PostgreSQL's `dscale`): the number of digits after the decimal point that the
//! value prints with, trailing zeros included (`1.50` has scale 2). Invariants: zero is never
//! negative; `scale <= NUMERIC_DSCALE_MAX`.
//!
//! Result scales follow `numeric.c`: `+`/`-` take the larger scale, `*` the sum, `/` the scale chosen
//! by `select_div_scale` (at least 16 significant digits), `sqrt` likewise; rounding is half away from
//! zero. `select_div_scale` reasons in PostgreSQL's base-10000 digits, so [`Numeric::nbase_weight`]
//! reproduces that view. Special values: `NaN` (sorts above everything, equal to itself, as
//! PostgreSQL's btree order has it) and ±`Infinity`.
//!
//! `exp`, `ln`, `log` and fractional powers live in `transcendental`, integer powers in `power`.

pub mod mag;
mod power;
mod transcendental;
mod wire;

use std::cmp::Ordering;

use crate::error::{Result, SqlError};
use mag::Mag;

/// Largest display scale PostgreSQL keeps.
pub const NUMERIC_DSCALE_MAX: u32 = 16383;
const MIN_SIG_DIGITS: i32 = 16;
const MAX_DISPLAY_SCALE: i32 = 1000;

/// A `numeric` value (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Numeric {
    NaN,
    PosInf,
    NegInf,
    Finite { neg: bool, mag: Mag, scale: u32 },
}

fn bad_input(s: &str) -> SqlError {
    SqlError::InvalidTextRepresentation {
        type_name: "numeric",
        value: s.to_string(),
    }
}

impl Numeric {
    /// Zero with scale 0.
    pub fn zero() -> Numeric {
        Numeric::Finite {
            neg: false,
            mag: Vec::new(),
            scale: 0,
        }
    }

    fn finite(neg: bool, mag: Mag, scale: u32) -> Numeric {
        let neg = neg && !mag.is_empty();
        Numeric::Finite { neg, mag, scale }
    }

    /// Parses `numeric_in`'s input: optional sign, digits with an optional point, optional exponent,
    /// or `NaN`/`Infinity`/`inf` in any case, surrounded by optional whitespace.
    pub fn parse(s: &str) -> Result<Numeric> {
        let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "nan" => return Ok(Numeric::NaN),
            "infinity" | "+infinity" | "inf" | "+inf" => return Ok(Numeric::PosInf),
            "-infinity" | "-inf" => return Ok(Numeric::NegInf),
            _ => {}
        }
        let b = t.as_bytes();
        let mut i = 0;
        let mut neg = false;
        if let Some(&c) = b.first() {
            if c == b'+' || c == b'-' {
                neg = c == b'-';
                i = 1;
            }
        }
        let mut digits = Vec::with_capacity(b.len());
        let mut frac = 0i64;
        let mut seen_point = false;
        let mut any = false;
        while i < b.len() {
            match b[i] {
                d @ b'0'..=b'9' => {
                    digits.push(d);
                    any = true;
                    if seen_point {
                        frac += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => break,
            }
            i += 1;
        }
        if !any {
            return Err(bad_input(s));
        }
        let mut exp = 0i64;
        if i < b.len() {
            if b[i] != b'e' && b[i] != b'E' {
                return Err(bad_input(s));
            }
            let rest = &t[i + 1..];
            let body = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad_input(s));
            }
            exp = body.parse::<i64>().map_err(|_| bad_input(s))?;
            if exp > i64::from(NUMERIC_DSCALE_MAX) * 10 {
                return Err(bad_input(s));
            }
            if rest.starts_with('-') {
                exp = -exp;
            }
        }
        let scale = frac - exp;
        let mut mag = mag::from_decimal(&digits);
        let scale = if scale < 0 {
            mag = mag::shl10(&mag, (-scale) as u32);
            0
        } else {
            scale as u32
        };
        if scale > NUMERIC_DSCALE_MAX {
            return Err(SqlError::OutOfRange(
                "value overflows numeric format".into(),
            ));
        }
        Ok(Numeric::finite(neg, mag, scale))
    }

    /// An integer value.
    pub fn from_i128(v: i128) -> Numeric {
        Numeric::finite(v < 0, mag::from_u128(v.unsigned_abs()), 0)
    }

    /// `float8_numeric`: the value printed with 15 significant digits (`%.15g`), then parsed.
    pub fn from_f64(v: f64, sig_digits: usize) -> Numeric {
        if v.is_nan() {
            return Numeric::NaN;
        }
        if v.is_infinite() {
            return if v > 0.0 {
                Numeric::PosInf
            } else {
                Numeric::NegInf
            };
        }
        let s = format!("{:.*e}", sig_digits - 1, v);
        match Numeric::parse(&s) {
            Ok(n) => n.strip_trailing_zeros(),
            Err(_) => Numeric::NaN,
        }
    }

    /// Removes fractional trailing zeros (as `%g` output has none).
    fn strip_trailing_zeros(self) -> Numeric {
        match self {
            Numeric::Finite {
                neg,
                mut mag,
                mut scale,
            } => {
                while scale > 0 {
                    let (q, r) = mag::divmod_small(&mag, 10);
                    if r != 0 {
                        break;
                    }
                    mag = q;
                    scale -= 1;
                }
                Numeric::finite(neg, mag, scale)
            }
            other => other,
        }
    }

    /// The display scale (0 for special values).
    pub fn scale(&self) -> u32 {
        match self {
            Numeric::Finite { scale, .. } => *scale,
            _ => 0,
        }
    }

    /// Whether the value is NaN.
    pub fn is_nan(&self) -> bool {
        matches!(self, Numeric::NaN)
    }

    /// Whether the value is a finite zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, Numeric::Finite { mag, .. } if mag.is_empty())
    }

    /// -1, 0 or 1 (NaN gives 0; callers handle it first).
    pub fn signum(&self) -> i32 {
        match self {
            Numeric::PosInf => 1,
            Numeric::NegInf => -1,
            Numeric::NaN => 0,
            Numeric::Finite { mag, .. } if mag.is_empty() => 0,
            Numeric::Finite { neg, .. } => {
                if *neg {
                    -1
                } else {
                    1
                }
            }
        }
    }

    /// PostgreSQL's base-10000 view: `(weight, first digit)` of the first non-zero NBASE digit, or
    /// `(0, 0)` for zero. Used by the scale rules of `/` and `sqrt`.
    fn nbase_weight(&self) -> (i32, u32) {
        let Numeric::Finite { mag, scale, .. } = self else {
            return (0, 0);
        };
        if mag.is_empty() {
            return (0, 0);
        }
        let digits = mag::to_decimal(mag);
        let e = digits.len() as i32 - 1 - *scale as i32;
        let weight = e.div_euclid(4);
        let lead = (e - 4 * weight + 1) as usize;
        let first = digits
            .get(..lead.min(digits.len()))
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(0);
        // Fewer digits than the group needs means the group continues with zeros.
        let first = first * 10u32.pow(lead.saturating_sub(digits.len()) as u32);
        (weight, first)
    }

    /// `-self`.
    pub fn neg(&self) -> Numeric {
        match self {
            Numeric::NaN => Numeric::NaN,
            Numeric::PosInf => Numeric::NegInf,
            Numeric::NegInf => Numeric::PosInf,
            Numeric::Finite { neg, mag, scale } => Numeric::finite(!neg, mag.clone(), *scale),
        }
    }

    /// `abs(self)`.
    pub fn abs(&self) -> Numeric {
        match self {
            Numeric::NegInf => Numeric::PosInf,
            Numeric::Finite { mag, scale, .. } => Numeric::finite(false, mag.clone(), *scale),
            other => other.clone(),
        }
    }

    /// Magnitude rescaled to `scale` (which must be ≥ the value's scale).
    fn mag_at(mag: &Mag, from: u32, to: u32) -> Mag {
        mag::shl10(mag, to - from)
    }

    /// `self + other`; result scale is the larger scale.
    pub fn add(&self, other: &Numeric) -> Numeric {
        use Numeric::*;
        match (self, other) {
            (NaN, _) | (_, NaN) | (PosInf, NegInf) | (NegInf, PosInf) => NaN,
            (PosInf, _) | (_, PosInf) => PosInf,
            (NegInf, _) | (_, NegInf) => NegInf,
            (
                Finite {
                    neg: n1,
                    mag: m1,
                    scale: s1,
                },
                Finite {
                    neg: n2,
                    mag: m2,
                    scale: s2,
                },
            ) => {
                let s = (*s1).max(*s2);
                let (a, b) = (Self::mag_at(m1, *s1, s), Self::mag_at(m2, *s2, s));
                if n1 == n2 {
                    return Numeric::finite(*n1, mag::add(&a, &b), s);
                }
                match mag::cmp(&a, &b) {
                    Ordering::Less => Numeric::finite(*n2, mag::sub(&b, &a), s),
                    _ => Numeric::finite(*n1, mag::sub(&a, &b), s),
                }
            }
        }
    }

    /// `self - other`.
    pub fn sub(&self, other: &Numeric) -> Numeric {
        self.add(&other.neg())
    }

    /// `self * other`; result scale is the sum of the scales (exact, as `numeric_mul`).
    pub fn mul(&self, other: &Numeric) -> Numeric {
        use Numeric::*;
        match (self, other) {
            (NaN, _) | (_, NaN) => NaN,
            (
                Finite {
                    neg: n1,
                    mag: m1,
                    scale: s1,
                },
                Finite {
                    neg: n2,
                    mag: m2,
                    scale: s2,
                },
            ) => {
                let r = Numeric::finite(n1 != n2, mag::mul(m1, m2), s1 + s2);
                if s1 + s2 > NUMERIC_DSCALE_MAX {
                    r.round(NUMERIC_DSCALE_MAX as i32)
                } else {
                    r
                }
            }
            _ => match self.signum() * other.signum() {
                0 => NaN,
                1 => PosInf,
                _ => NegInf,
            },
        }
    }

    /// `select_div_scale`: the result scale of `self / other`.
    pub fn div_scale(&self, other: &Numeric) -> u32 {
        let (w1, f1) = self.nbase_weight();
        let (w2, f2) = other.nbase_weight();
        let mut qweight = w1 - w2;
        // select_div_scale: "If the two first digits are equal, we can't be sure, but assume
        // that var1 is less than var2."
        if f1 <= f2 {
            qweight -= 1;
        }
        let r = (MIN_SIG_DIGITS - qweight * 4)
            .max(self.scale() as i32)
            .max(other.scale() as i32)
            .clamp(0, MAX_DISPLAY_SCALE);
        r as u32
    }

    /// `self / other` rounded (half away from zero) to `select_div_scale`'s scale.
    pub fn div(&self, other: &Numeric) -> Result<Numeric> {
        let scale = self.div_scale(other);
        self.div_to_scale(other, scale, true)
    }

    /// `self / other` at `rscale` digits, rounded or truncated.
    pub fn div_to_scale(&self, other: &Numeric, rscale: u32, round: bool) -> Result<Numeric> {
        use Numeric::*;
        match (self, other) {
            (NaN, _) | (_, NaN) => Ok(NaN),
            (_, Finite { mag, .. }) if mag.is_empty() => Err(SqlError::DivisionByZero),
            (PosInf | NegInf, PosInf | NegInf) => Ok(NaN),
            (PosInf | NegInf, _) => Ok(if self.signum() * other.signum() > 0 {
                PosInf
            } else {
                NegInf
            }),
            (Finite { .. }, PosInf | NegInf) => Ok(Numeric::zero()),
            (
                Finite {
                    neg: n1,
                    mag: m1,
                    scale: s1,
                },
                Finite {
                    neg: n2,
                    mag: m2,
                    scale: s2,
                },
            ) => {
                // q = |a/b| × 10^(rscale+1), truncated; then round on the extra digit.
                let shift = i64::from(rscale) + 1 + i64::from(*s2) - i64::from(*s1);
                let (num, den) = if shift >= 0 {
                    (mag::shl10(m1, shift as u32), m2.clone())
                } else {
                    (m1.clone(), mag::shl10(m2, (-shift) as u32))
                };
                let (q, _) = mag::divmod(&num, &den);
                let (mut q, last) = mag::divmod_small(&q, 10);
                if round && last >= 5 {
                    q = mag::add(&q, &[1]);
                }
                Ok(Numeric::finite(n1 != n2, q, rscale))
            }
        }
    }

    /// `self % other` (`numeric_mod`): `self - trunc(self / other) × other`, sign of the dividend.
    pub fn rem(&self, other: &Numeric) -> Result<Numeric> {
        use Numeric::*;
        match (self, other) {
            (NaN, _) | (_, NaN) => Ok(NaN),
            (_, Finite { mag, .. }) if mag.is_empty() => Err(SqlError::DivisionByZero),
            (PosInf | NegInf, _) => Ok(NaN),
            (Finite { .. }, PosInf | NegInf) => Ok(self.clone()),
            _ => {
                let q = self.div_to_scale(other, 0, false)?;
                Ok(self.sub(&q.mul(other)))
            }
        }
    }

    /// `round(self, s)`: half away from zero; negative `s` rounds left of the point (scale 0).
    pub fn round(&self, s: i32) -> Numeric {
        self.rescale(s, true)
    }

    /// `trunc(self, s)`.
    pub fn trunc(&self, s: i32) -> Numeric {
        self.rescale(s, false)
    }

    fn rescale(&self, s: i32, round: bool) -> Numeric {
        let Numeric::Finite { neg, mag, scale } = self else {
            return self.clone();
        };
        let s = s.clamp(-(NUMERIC_DSCALE_MAX as i32), NUMERIC_DSCALE_MAX as i32);
        if s >= *scale as i32 {
            return Numeric::finite(*neg, Self::mag_at(mag, *scale, s as u32), s as u32);
        }
        let drop = (*scale as i64 - i64::from(s)) as u32;
        let (mut q, r) = mag::divmod(mag, &mag::pow10(drop));
        if round {
            let twice = mag::mul_small(&r, 2, 0);
            if mag::cmp(&twice, &mag::pow10(drop)) != Ordering::Less {
                q = mag::add(&q, &[1]);
            }
        }
        if s < 0 {
            Numeric::finite(*neg, mag::shl10(&q, (-s) as u32), 0)
        } else {
            Numeric::finite(*neg, q, s as u32)
        }
    }

    /// `ceil` (`up`) or `floor`, with scale 0.
    pub fn ceil_floor(&self, up: bool) -> Numeric {
        let t = self.trunc(0);
        if !matches!(self, Numeric::Finite { .. }) || t.cmp_sql(self) == Ordering::Equal {
            return t;
        }
        match (up, self.signum() > 0) {
            (true, true) => t.add(&Numeric::from_i128(1)),
            (false, false) => t.sub(&Numeric::from_i128(1)),
            _ => t,
        }
    }

    /// `sqrt` with PostgreSQL's result scale; errors for negative input as `numeric_sqrt`.
    pub fn sqrt(&self) -> Result<Numeric> {
        match self {
            Numeric::NaN | Numeric::PosInf => return Ok(self.clone()),
            _ if self.signum() < 0 => {
                return Err(SqlError::InvalidArgumentForPowerFunction(
                    "cannot take square root of a negative number".into(),
                ))
            }
            _ => {}
        }
        let Numeric::Finite { scale, .. } = self else {
            return Ok(Numeric::NaN);
        };
        let (w, _) = self.nbase_weight();
        let sweight = (w + 1) * 4 / 2 - 1;
        let rscale = (MIN_SIG_DIGITS - sweight)
            .max(*scale as i32)
            .clamp(0, MAX_DISPLAY_SCALE) as u32;
        self.sqrt_to_scale(rscale)
    }

    /// The square root of a non-negative finite value rounded to `rscale` digits (`sqrt_var`).
    pub(crate) fn sqrt_to_scale(&self, rscale: u32) -> Result<Numeric> {
        let Numeric::Finite { mag, scale, .. } = self else {
            return Ok(self.clone());
        };
        if self.signum() < 0 {
            return Err(SqlError::InvalidArgumentForPowerFunction(
                "cannot take square root of a negative number".into(),
            ));
        }
        // isqrt(mag × 10^(2(rscale+1) - scale)) = sqrt(x) × 10^(rscale+1), truncated.
        let n = mag::shl10(mag, 2 * (rscale + 1) - scale);
        let (mut q, last) = mag::divmod_small(&mag::isqrt(&n), 10);
        if last >= 5 {
            q = mag::add(&q, &[1]);
        }
        Ok(Numeric::finite(false, q, rscale))
    }

    /// `sqrt_var` at `rscale` digits, rounded half up; NaN for special or negative values.
    pub fn sqrt_rounded(&self, rscale: u32) -> Numeric {
        let Numeric::Finite {
            neg: false,
            mag,
            scale,
        } = self
        else {
            return Numeric::NaN;
        };
        let shift = 2 * i64::from(rscale + 1) - i64::from(*scale);
        let n = if shift >= 0 {
            mag::shl10(mag, shift as u32)
        } else {
            mag::divmod(mag, &mag::pow10((-shift) as u32)).0
        };
        let (mut q, last) = mag::divmod_small(&mag::isqrt(&n), 10);
        if last >= 5 {
            q = mag::add(&q, &[1]);
        }
        Numeric::finite(false, q, rscale)
    }

    /// Applies a `numeric(p, s)` modifier: rounds to `s`, then checks the integer digits
    /// (`apply_typmod`), with PostgreSQL's error and DETAIL.
    pub fn apply_typmod(&self, precision: i32, scale: i32) -> Result<Numeric> {
        match self {
            Numeric::NaN => return Ok(Numeric::NaN),
            Numeric::PosInf | Numeric::NegInf => {
                return Err(SqlError::NumericFieldOverflow {
                    detail: format!(
                        "A field with precision {precision}, scale {scale} cannot hold an infinite value."
                    ),
                })
            }
            Numeric::Finite { .. } => {}
        }
        let r = self.round(scale);
        let Numeric::Finite { mag, scale: rs, .. } = &r else {
            return Ok(r);
        };
        let int_digits = mag::decimal_len(mag) as i32 - *rs as i32;
        let max_digits = precision - scale;
        if !mag.is_empty() && int_digits > max_digits {
            let limit = if max_digits > 0 {
                format!("10^{max_digits}")
            } else if max_digits == 0 {
                "1".into()
            } else {
                format!("10^{max_digits}")
            };
            return Err(SqlError::NumericFieldOverflow {
                detail: format!(
                    "A field with precision {precision}, scale {scale} must round to an absolute value less than {limit}."
                ),
            });
        }
        // A negative scale rounds left of the point but still displays scale 0.
        Ok(r)
    }

    /// Rounds to an integer (half away from zero) for casts to integer types; `None` when it does
    /// not fit in `i128`. Special values give PostgreSQL's errors.
    pub fn to_i128_round(&self) -> Result<Option<i128>> {
        match self {
            Numeric::NaN => Err(SqlError::FeatureNotSupported(
                "cannot convert NaN to integer".into(),
            )),
            Numeric::PosInf | Numeric::NegInf => Err(SqlError::FeatureNotSupported(
                "cannot convert infinity to integer".into(),
            )),
            Numeric::Finite { .. } => {
                let Numeric::Finite { neg, mag, .. } = self.round(0) else {
                    return Ok(None);
                };
                Ok(mag::to_u128(&mag)
                    .and_then(|v| i128::try_from(v).ok())
                    .map(|v| if neg { -v } else { v }))
            }
        }
    }

    /// The nearest `f64` (special values map to NaN/±inf).
    pub fn to_f64(&self) -> f64 {
        match self {
            Numeric::NaN => f64::NAN,
            Numeric::PosInf => f64::INFINITY,
            Numeric::NegInf => f64::NEG_INFINITY,
            Numeric::Finite { .. } => self.to_string().parse().unwrap_or(f64::NAN),
        }
    }

    /// Total order as PostgreSQL's btree sorts numerics: -Infinity < finite < Infinity < NaN, and
    /// `1.0 = 1.00`.
    pub fn cmp_sql(&self, other: &Numeric) -> Ordering {
        use Numeric::*;
        let rank = |n: &Numeric| match n {
            NegInf => 0,
            Finite { .. } => 1,
            PosInf => 2,
            NaN => 3,
        };
        match (self, other) {
            (
                Finite {
                    neg: n1,
                    mag: m1,
                    scale: s1,
                },
                Finite {
                    neg: n2,
                    mag: m2,
                    scale: s2,
                },
            ) => {
                let sign = |neg: bool, m: &Mag| {
                    if m.is_empty() {
                        0
                    } else if neg {
                        -1
                    } else {
                        1
                    }
                };
                let (g1, g2) = (sign(*n1, m1), sign(*n2, m2));
                if g1 != g2 {
                    return g1.cmp(&g2);
                }
                let s = (*s1).max(*s2);
                let c = mag::cmp(&Self::mag_at(m1, *s1, s), &Self::mag_at(m2, *s2, s));
                if g1 < 0 {
                    c.reverse()
                } else {
                    c
                }
            }
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

impl std::fmt::Display for Numeric {
    /// `numeric_out`: plain notation with exactly `scale` fractional digits.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Numeric::NaN => f.write_str("NaN"),
            Numeric::PosInf => f.write_str("Infinity"),
            Numeric::NegInf => f.write_str("-Infinity"),
            Numeric::Finite { neg, mag, scale } => {
                let digits = mag::to_decimal(mag);
                let scale = *scale as usize;
                if *neg {
                    f.write_str("-")?;
                }
                if scale == 0 {
                    return f.write_str(&digits);
                }
                if digits.len() > scale {
                    let (i, fr) = digits.split_at(digits.len() - scale);
                    write!(f, "{i}.{fr}")
                } else {
                    write!(f, "0.{}{digits}", "0".repeat(scale - digits.len()))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
