//! `exp`, `ln`, `log` and `power` with fractional exponents for numeric, computed exactly enough
//! to round correctly at PostgreSQL's result scales (numeric.c: `numeric_exp`, `numeric_ln`,
//! `log_var`, `power_var` and `estimate_ln_dweight` choose the scales; we reproduce those rules).
//!
//! Method: `exp` reduces its argument by halving until it is below 0.01, sums the Taylor series,
//! then squares back; `ln` takes square roots until the argument is within [0.9, 1.1], then sums
//! `2·atanh((x-1)/(x+1))`. Both work with guard digits sized to the error amplification of the
//! reduction, so the final rounding sees an accurate value.

use super::{mag, Numeric};
use crate::error::{Result, SqlError};

const MIN_SIG_DIGITS: i32 = 16;
const MAX_DISPLAY_SCALE: i32 = 1000;

fn clamp_scale(r: i32) -> u32 {
    r.clamp(0, MAX_DISPLAY_SCALE) as u32
}

fn one() -> Numeric {
    Numeric::from_i128(1)
}

/// `sqrt` truncated at `scale` digits (for the `ln` reduction, which carries guard digits).
fn sqrt_at(x: &Numeric, scale: u32) -> Numeric {
    let Numeric::Finite {
        mag: m, scale: s, ..
    } = x
    else {
        return x.clone();
    };
    let shift = 2 * scale as i64 - i64::from(*s);
    let n = if shift >= 0 {
        mag::shl10(m, shift as u32)
    } else {
        mag::divmod(m, &mag::pow10((-shift) as u32)).0
    };
    Numeric::finite(false, mag::isqrt(&n), scale)
}

/// `e^x` with absolute error well below `10^-scale`.
fn exp_at(x: &Numeric, scale: u32) -> Result<Numeric> {
    let xf = x.to_f64();
    if xf > 300_000.0 {
        return Err(SqlError::OutOfRange(
            "value overflows numeric format".into(),
        ));
    }
    if xf < -300_000.0 {
        return Ok(Numeric::zero().round(scale as i32));
    }
    // Halve until |y| < 0.01: k halvings.
    let mut k = 0u32;
    let mut mag_f = xf.abs();
    while mag_f >= 0.01 {
        mag_f /= 2.0;
        k += 1;
    }
    let dweight = (xf * std::f64::consts::LOG10_E).max(0.0) as u32;
    let w = scale + dweight + k + 10;
    let two = Numeric::from_i128(2);
    let mut y = x.clone();
    for _ in 0..k {
        y = y.div_to_scale(&two, w, false)?;
    }
    // Taylor series of e^y.
    let mut sum = one();
    let mut term = one();
    let mut n = 1i128;
    loop {
        term = term
            .mul(&y)
            .round(w as i32)
            .div_to_scale(&Numeric::from_i128(n), w, true)?;
        if term.is_zero() {
            break;
        }
        sum = sum.add(&term);
        n += 1;
    }
    for _ in 0..k {
        sum = sum.mul(&sum).round(w as i32);
    }
    Ok(sum)
}

/// `ln x` for `x > 0` with absolute error well below `10^-scale`: `x = m·10^e` with `1 <= m < 10`,
/// so `ln x = ln m + e·ln 10` (keeps the square-root reduction short for any magnitude).
fn ln_at(x: &Numeric, scale: u32) -> Result<Numeric> {
    let Numeric::Finite {
        mag: m, scale: s, ..
    } = x
    else {
        return Err(SqlError::Internal("bug: ln_at of a special value".into()));
    };
    if m.is_empty() {
        return Err(SqlError::InvalidArgumentForLog(
            "cannot take logarithm of zero".into(),
        ));
    }
    let e = i64::from(mag::decimal_len(m)) - 1 - i64::from(*s);
    if e == 0 {
        return ln_reduced(x, scale);
    }
    // m = x / 10^e, exactly: the same digits with a different scale.
    let mant = Numeric::finite(
        false,
        m.clone(),
        (i64::from(mag::decimal_len(m)) - 1) as u32,
    );
    let e_digits = (e.unsigned_abs() as f64).log10() as u32 + 1;
    let ln10 = ln_reduced(&Numeric::from_i128(10), scale + e_digits + 2)?;
    let ln_m = ln_reduced(&mant, scale + 2)?;
    Ok(ln_m
        .add(&ln10.mul(&Numeric::from_i128(i128::from(e))))
        .round((scale + 2) as i32))
}

/// `ln x` for `1 <= x < 10` (or any modest `x`) by square roots and the atanh series.
fn ln_reduced(x: &Numeric, scale: u32) -> Result<Numeric> {
    let lo = Numeric::parse("0.9")?;
    let hi = Numeric::parse("1.1")?;
    // Square roots until 0.9 <= x <= 1.1; each doubles the eventual error, so carry guard digits.
    let xf = x.to_f64();
    let steps = if xf > 0.0 && xf.is_finite() {
        (xf.ln().abs() / 0.09).log2().ceil().max(0.0) as u32 + 2
    } else {
        64
    };
    let w = scale + steps + 10;
    let mut v = x.round(w as i32);
    let mut fac = 1i128;
    while v.cmp_sql(&lo).is_lt() || v.cmp_sql(&hi).is_gt() {
        v = sqrt_at(&v, w);
        fac *= 2;
    }
    // ln v = 2 atanh(z), z = (v-1)/(v+1).
    let z = v.sub(&one()).div_to_scale(&v.add(&one()), w, true)?;
    let z2 = z.mul(&z).round(w as i32);
    let mut sum = z.clone();
    let mut power = z;
    let mut n = 3i128;
    loop {
        power = power.mul(&z2).round(w as i32);
        let term = power.div_to_scale(&Numeric::from_i128(n), w, true)?;
        if term.is_zero() {
            break;
        }
        sum = sum.add(&term);
        n += 2;
    }
    Ok(sum.mul(&Numeric::from_i128(2 * fac)).round(w as i32))
}

/// `estimate_ln_dweight`: the decimal weight of `ln(x)`, estimated from `x`'s leading digits.
fn estimate_ln_dweight(x: &Numeric) -> i32 {
    if x.signum() <= 0 {
        return 0;
    }
    let lo = Numeric::parse("0.9").unwrap_or_else(|_| Numeric::zero());
    let hi = Numeric::parse("1.1").unwrap_or_else(|_| Numeric::zero());
    if x.cmp_sql(&lo).is_ge() && x.cmp_sql(&hi).is_le() {
        let d = x.sub(&one());
        if d.is_zero() {
            return 0;
        }
        let (w, first) = d.nbase_weight();
        return w * 4 + f64::from(first).log10() as i32;
    }
    // digits ≈ the first two base-10000 digits; x ≈ digits × 10^dweight.
    let (w, _) = x.nbase_weight();
    let scaled = x.to_f64() / 10f64.powi((w - 1) * 4);
    let digits = scaled.trunc().max(1.0);
    let ln = digits.ln() + f64::from((w - 1) * 4) * std::f64::consts::LN_10;
    if ln == 0.0 {
        0
    } else {
        ln.abs().log10() as i32
    }
}

fn log_arg_check(x: &Numeric) -> Result<()> {
    if x.is_zero() {
        return Err(SqlError::InvalidArgumentForLog(
            "cannot take logarithm of zero".into(),
        ));
    }
    if x.signum() < 0 {
        return Err(SqlError::InvalidArgumentForLog(
            "cannot take logarithm of a negative number".into(),
        ));
    }
    Ok(())
}

impl Numeric {
    /// `exp(numeric)` (`numeric_exp`).
    pub fn exp(&self) -> Result<Numeric> {
        match self {
            Numeric::NaN | Numeric::PosInf => return Ok(self.clone()),
            Numeric::NegInf => return Ok(Numeric::zero()),
            Numeric::Finite { .. } => {}
        }
        let val = (self.to_f64() * std::f64::consts::LOG10_E).clamp(-2000.0, 2000.0);
        let rscale = clamp_scale((MIN_SIG_DIGITS - val as i32).max(self.scale() as i32));
        Ok(exp_at(self, rscale)?.round(rscale as i32))
    }

    /// `ln(numeric)` (`numeric_ln`).
    pub fn ln(&self) -> Result<Numeric> {
        match self {
            Numeric::NaN | Numeric::PosInf => return Ok(self.clone()),
            Numeric::NegInf => {
                return Err(SqlError::InvalidArgumentForLog(
                    "cannot take logarithm of a negative number".into(),
                ))
            }
            Numeric::Finite { .. } => log_arg_check(self)?,
        }
        let rscale =
            clamp_scale((MIN_SIG_DIGITS - estimate_ln_dweight(self)).max(self.scale() as i32));
        Ok(ln_at(self, rscale + 4)?.round(rscale as i32))
    }

    /// `log(base, x)` (`log_var`); `log(x)` is `log(10, x)`.
    pub fn log(base: &Numeric, x: &Numeric) -> Result<Numeric> {
        if base.is_nan() || x.is_nan() {
            return Ok(Numeric::NaN);
        }
        let finite = |n: &Numeric| matches!(n, Numeric::Finite { .. });
        if !finite(base) || !finite(x) {
            // numeric_log's special values: signs first, then zeros, then the limits.
            if base.signum() < 0 || x.signum() < 0 {
                return Err(SqlError::InvalidArgumentForLog(
                    "cannot take logarithm of a negative number".into(),
                ));
            }
            if base.is_zero() || x.is_zero() {
                return Err(SqlError::InvalidArgumentForLog(
                    "cannot take logarithm of zero".into(),
                ));
            }
            return Ok(match (base, x) {
                (Numeric::PosInf, Numeric::PosInf) => Numeric::NaN,
                (Numeric::PosInf, _) => Numeric::zero(),
                _ => Numeric::PosInf,
            });
        }
        for v in [base, x] {
            match v {
                Numeric::NegInf => {
                    return Err(SqlError::InvalidArgumentForLog(
                        "cannot take logarithm of a negative number".into(),
                    ))
                }
                Numeric::Finite { .. } => log_arg_check(v)?,
                _ => {}
            }
        }
        let result_dweight = estimate_ln_dweight(x) - estimate_ln_dweight(base);
        let rscale = clamp_scale(
            (MIN_SIG_DIGITS - result_dweight)
                .max(base.scale() as i32)
                .max(x.scale() as i32),
        );
        let ln_base = ln_at(base, rscale + 24)?;
        if ln_base.is_zero() {
            return Err(SqlError::DivisionByZero);
        }
        let ln_x = ln_at(x, rscale + 24)?;
        ln_x.div_to_scale(&ln_base, rscale, true)
    }

    /// `a ^ b` for a non-integer `b` and `a > 0` (`power_var`'s general case).
    pub fn pow_fractional(&self, b: &Numeric) -> Result<Numeric> {
        let ln_a = self.to_f64().ln();
        let raw = b.to_f64() * ln_a * std::f64::consts::LOG10_E;
        if raw.is_nan() || raw > 131_072.0 {
            return Err(SqlError::OutOfRange(
                "value overflows numeric format".into(),
            ));
        }
        if raw < -2000.0 {
            // Below every display scale: PostgreSQL's result rounds to zero.
            return Ok(Numeric::zero().round(MAX_DISPLAY_SCALE));
        }
        let val = raw.clamp(-2000.0, 2000.0);
        let rscale = clamp_scale(
            (MIN_SIG_DIGITS - val as i32)
                .max(self.scale() as i32)
                .max(b.scale() as i32),
        );
        // exp amplifies the absolute error of b·ln(a) by the result's size: carry its digits.
        let guard = rscale + val.max(0.0) as u32 + 12 + mag_digits(b);
        let exponent = ln_at(self, guard)?.mul(b).round(guard as i32);
        Ok(exp_at(&exponent, rscale + 4)?.round(rscale as i32))
    }
}

/// Integer digits of a numeric (for guard-digit sizing).
fn mag_digits(n: &Numeric) -> u32 {
    let f = n.to_f64().abs();
    if f < 1.0 {
        0
    } else {
        (f.log10().min(1000.0) as u32) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Numeric {
        Numeric::parse(s).expect("numeric")
    }

    #[test]
    fn matches_postgres() {
        // SELECT exp(...), ln(...), log(...), ... in PostgreSQL 15.18.
        assert_eq!(
            n("1.0").exp().expect("exp").to_string(),
            "2.7182818284590452"
        );
        assert_eq!(
            n("0.0").exp().expect("exp").to_string(),
            "1.0000000000000000"
        );
        assert_eq!(
            n("-5.5").exp().expect("exp").to_string(),
            "0.004086771438464067"
        );
        assert_eq!(
            n("10").exp().expect("exp").to_string(),
            "22026.465794806717"
        );
        assert_eq!(
            n("1267650600228229401496703205376.0000000000000000")
                .ln()
                .expect("ln")
                .to_string(),
            "69.3147180559945309"
        );
        assert_eq!(
            Numeric::log(&n("7.0"), &n("1234.5678"))
                .expect("log")
                .to_string(),
            "3.6581731339207074"
        );
        let third = n("1").div(&n("3.0")).expect("div");
        assert_eq!(
            n("3.0").pow_fractional(&third).expect("pow").to_string(),
            "1.44224957030740838232"
        );
        assert_eq!(
            n("1.0001")
                .pow_fractional(&n("12345.6"))
                .expect("pow")
                .to_string(),
            "3.4366538367689840"
        );
        assert_eq!(
            n("1.0000000000000000000000000000000000000000000000000000000000000000000000")
                .exp()
                .expect("exp")
                .to_string(),
            "2.7182818284590452353602874713526624977572470936999595749669676277240766"
        );
        assert_eq!(n("10").ln().expect("ln").to_string(), "2.3025850929940457");
        assert_eq!(
            n("0.5").ln().expect("ln").to_string(),
            "-0.6931471805599453"
        );
        assert_eq!(
            n("1e100").ln().expect("ln").to_string(),
            "230.25850929940457"
        );
        assert_eq!(
            n("1.05").ln().expect("ln").to_string(),
            "0.048790164169432003"
        );
        assert_eq!(
            Numeric::log(&n("10"), &n("100")).expect("log").to_string(),
            "2.0000000000000000"
        );
        assert_eq!(
            Numeric::log(&n("10"), &n("2")).expect("log").to_string(),
            "0.3010299956639812"
        );
        assert_eq!(
            Numeric::log(&n("2.0"), &n("64.0"))
                .expect("log")
                .to_string(),
            "6.0000000000000000"
        );
        assert_eq!(
            n("2").pow_fractional(&n("0.5")).expect("pow").to_string(),
            "1.4142135623730950"
        );
        assert_eq!(
            n("10").pow_fractional(&n("-2.5")).expect("pow").to_string(),
            "0.003162277660168379"
        );
        assert_eq!(
            n("1.5").pow_fractional(&n("3.7")).expect("pow").to_string(),
            "4.4826791848087528"
        );
        let e = n("0").ln().expect_err("zero");
        assert_eq!(e.to_string(), "cannot take logarithm of zero");
        assert_eq!(e.sqlstate(), "2201E");
    }
}
