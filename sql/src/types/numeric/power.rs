//! `numeric ^ integer`: PostgreSQL 15's `power_var_int`.
//!
//! Repeated squaring along the exponent's bits, each product rounded to the scale that keeps the
//! significant digits the result needs (plus guard digits for the error the multiplications add),
//! so the cost depends on the result's size, not on the exponent: `10.0 ^ 21447` multiplies
//! 21,000-digit numbers 15 times instead of evaluating `exp(b·ln a)` at that precision. Results
//! that certainly underflow every display scale are zero at once; those that certainly overflow
//! fail with 22003 before any multiplication.

use super::{mag, Numeric, MAX_DISPLAY_SCALE};
use crate::error::{Result, SqlError};

/// PostgreSQL's cap on a numeric's weight in base-10000 digits (`SHRT_MAX`).
const MAX_NBASE_WEIGHT: i64 = i16::MAX as i64;

fn overflow() -> SqlError {
    SqlError::OutOfRange("value overflows numeric format".into())
}

/// `(d, lead)`: `|v| < 10^d` and `lead` approximates `|v| / 10^(d-1)` (zero: `(0, 0.0)`).
fn decimal_exponent(v: &Numeric) -> (i64, f64) {
    let Numeric::Finite { mag, scale, .. } = v else {
        return (0, 0.0);
    };
    let len = mag::decimal_len(mag) as i64;
    if len == 0 {
        return (0, 0.0);
    }
    // The top two base-1e9 limbs carry at least 10 significant digits, enough for log10.
    let top = mag.len();
    let limbs = &mag[top.saturating_sub(2)..];
    let mut lead = 0.0f64;
    for l in limbs.iter().rev() {
        lead = lead * 1e9 + f64::from(*l);
    }
    let lead_digits = mag::decimal_len(limbs) as i32;
    (len - i64::from(*scale), lead / 10f64.powi(lead_digits - 1))
}

/// `±10^p` exactly (`10::numeric ^ 131071` builds its digits instead of multiplying them).
fn ten_to(p: i64, neg: bool) -> Result<Numeric> {
    // PostgreSQL's limits: 131072 digits before the point, 16383 after.
    if p >= 131_072 {
        return Err(overflow());
    }
    Ok(if p >= 0 {
        Numeric::finite(neg, mag::pow10(p as u32), 0)
    } else if -p > i64::from(super::NUMERIC_DSCALE_MAX) {
        Numeric::zero()
    } else {
        Numeric::finite(neg, vec![1], (-p) as u32)
    })
}

impl Numeric {
    /// `p` when `|self|` is exactly `10^p`.
    fn power_of_ten(&self) -> Option<i64> {
        let Numeric::Finite { mag, scale, .. } = self else {
            return None;
        };
        let len = mag::decimal_len(mag);
        (len > 0 && mag::cmp(mag, &mag::pow10(len - 1)) == std::cmp::Ordering::Equal)
            .then(|| i64::from(len) - 1 - i64::from(*scale))
    }
}

/// The base-10000 weight PostgreSQL would give `v` (its `weight` field).
fn nbase_weight(v: &Numeric) -> i64 {
    (decimal_exponent(v).0 - 1).div_euclid(4)
}

impl Numeric {
    /// `self ^ exp` for a finite `self` and an int4 exponent, rounded to `rscale`
    /// (`power_var_int`; the caller picks `rscale` as `power_var` does).
    pub fn pow_int(&self, exp: i32, rscale: i32) -> Result<Numeric> {
        match exp {
            0 => return Ok(Numeric::from_i128(1).round(rscale)),
            1 => return Ok(self.round(rscale)),
            -1 => return Numeric::from_i128(1).div_to_scale(self, rscale as u32, true),
            2 => return Ok(self.mul(self).round(rscale)),
            _ => {}
        }
        if self.is_zero() {
            if exp < 0 {
                return Err(SqlError::DivisionByZero);
            }
            return Ok(Numeric::zero().round(rscale));
        }
        if let Some(p) = self.power_of_ten() {
            return Ok(
                ten_to(p * i64::from(exp), self.signum() < 0 && exp % 2 != 0)?.round(rscale),
            );
        }
        // log10(result) ≈ exp · log10(|self|).
        let (d, lead) = decimal_exponent(self);
        let f = f64::from(exp) * (lead.log10() + (d - 1) as f64);
        if f > 3.0 * MAX_NBASE_WEIGHT as f64 * 4.0 {
            return Err(overflow());
        }
        if f + 1.0 < -f64::from(rscale) || f + 1.0 < -f64::from(MAX_DISPLAY_SCALE) {
            return Ok(Numeric::zero().round(rscale));
        }
        let sig_digits = 1 + i64::from(rscale) + f as i64 + f64::from(exp).abs().ln() as i64 + 8;
        let neg = exp < 0;
        let mut mask = exp.unsigned_abs();
        let mut base = self.clone();
        let mut result = if mask & 1 == 1 {
            self.clone()
        } else {
            Numeric::from_i128(1)
        };
        loop {
            mask >>= 1;
            if mask == 0 {
                break;
            }
            let local = (sig_digits - 2 * nbase_weight(&base) * 4)
                .min(2 * i64::from(base.scale()))
                .max(0);
            base = base.mul(&base).round(local as i32);
            if mask & 1 == 1 {
                let local = (sig_digits - (nbase_weight(&base) + nbase_weight(&result)) * 4)
                    .min(i64::from(base.scale()) + i64::from(result.scale()))
                    .max(0);
                result = base.mul(&result).round(local as i32);
            }
            // Past int16's weight the result overflows (or, for a negative exponent, is zero).
            if nbase_weight(&base) > MAX_NBASE_WEIGHT || nbase_weight(&result) > MAX_NBASE_WEIGHT {
                if !neg {
                    return Err(overflow());
                }
                return Ok(Numeric::zero().round(rscale));
            }
        }
        if neg {
            return Numeric::from_i128(1).div_to_scale(&result, rscale as u32, true);
        }
        Ok(result.round(rscale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pow(a: &str, e: i32) -> String {
        let a = Numeric::parse(a).expect("numeric");
        let rscale = (a.scale() as i32).clamp(16, MAX_DISPLAY_SCALE);
        match a.pow_int(e, rscale) {
            Ok(v) => v.to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn matches_postgres() {
        // SELECT a ^ e in PostgreSQL 15.18.
        assert_eq!(pow("2.0", 10), "1024.0000000000000000");
        assert_eq!(pow("0.9999", 1001), "0.9047424102691904");
        assert_eq!(pow("1.0001", 5000), "1.6486800559311758");
        assert_eq!(pow("1.00001", 100000), "2.7182682371744897");
        assert_eq!(pow("2", -3), "0.1250000000000000");
        assert_eq!(pow("7.0", -1), "0.1428571428571429");
        assert_eq!(pow("12.5", 3), "1953.1250000000000000");
        assert_eq!(pow("0.5", 1500), "0.0000000000000000");
        assert_eq!(pow("3.0", -1200), "0.0000000000000000");
        assert_eq!(pow("0.99", 100000), "0.0000000000000000");
        assert_eq!(pow("10.0", -2147483647), "0.0000000000000000");
        assert_eq!(pow("10.0", 2147483647), "value overflows numeric format");
        assert_eq!(pow("0", -2), "division by zero");
        assert_eq!(pow("-10", 3), "-1000.0000000000000000");
        assert_eq!(pow("0.1", 3), "0.0010000000000000");
        assert_eq!(pow("100", -2), "0.0001000000000000");
        assert_eq!(pow("10", 131072), "value overflows numeric format");
        assert_eq!(pow("10", 131071).len(), 131072 + 17);
        let big = pow("10.0", 21447);
        assert_eq!(big.len(), 21465);
        assert!(big.starts_with("1000") && big.ends_with(".0000000000000000"));
        assert!(pow("1.5", 2000).starts_with("152236261857378246819990453058410600147"));
        assert!(pow("-1.5", 1001).starts_with("-185076089535926021884115864923017008613"));
        assert!(pow("-1.5", 1001).ends_with("597.4810331363866760"));
    }
}
