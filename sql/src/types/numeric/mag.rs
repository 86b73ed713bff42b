//! Unsigned arbitrary-precision integers ("magnitudes") for [`super::Numeric`].
//!
//! A magnitude is a little-endian `Vec<u32>` of base-10⁹ limbs. Invariant: no high zero limbs, so zero
//! is the empty vector and equal values have equal vectors. Base 10⁹ makes powers of ten cheap (whole
//! limbs shift) and decimal output a matter of printing limbs, which is what a decimal type needs.

use std::cmp::Ordering;

/// Limb base.
pub const BASE: u64 = 1_000_000_000;
const BASE_DIGITS: u32 = 9;

/// An unsigned integer in base-10⁹ limbs (see the module doc for the invariant).
pub type Mag = Vec<u32>;

fn trim(mut m: Mag) -> Mag {
    while m.last() == Some(&0) {
        m.pop();
    }
    m
}

/// The magnitude of `v`.
pub fn from_u128(mut v: u128) -> Mag {
    let mut m = Vec::new();
    while v > 0 {
        m.push((v % u128::from(BASE)) as u32);
        v /= u128::from(BASE);
    }
    m
}

/// The value if it fits in `u128`.
pub fn to_u128(m: &[u32]) -> Option<u128> {
    let mut v: u128 = 0;
    for &l in m.iter().rev() {
        v = v
            .checked_mul(u128::from(BASE))?
            .checked_add(u128::from(l))?;
    }
    Some(v)
}

/// Parses a string of ASCII decimal digits (the caller has checked them).
pub fn from_decimal(digits: &[u8]) -> Mag {
    let mut m = Vec::with_capacity(digits.len() / 9 + 1);
    let mut end = digits.len();
    while end > 0 {
        let start = end.saturating_sub(BASE_DIGITS as usize);
        let limb = digits[start..end]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        m.push(limb);
        end = start;
    }
    trim(m)
}

/// Decimal digits without leading zeros ("0" for zero).
pub fn to_decimal(m: &[u32]) -> String {
    let Some((top, rest)) = m.split_last() else {
        return "0".into();
    };
    let mut s = top.to_string();
    for l in rest.iter().rev() {
        s.push_str(&format!("{l:09}"));
    }
    s
}

/// Number of decimal digits (0 for zero).
pub fn decimal_len(m: &[u32]) -> u32 {
    match m.last() {
        None => 0,
        Some(top) => (m.len() as u32 - 1) * BASE_DIGITS + top.checked_ilog10().unwrap_or(0) + 1,
    }
}

/// Compares two magnitudes.
pub fn cmp(a: &[u32], b: &[u32]) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.iter().rev().cmp(b.iter().rev()))
}

/// `a + b`.
pub fn add(a: &[u32], b: &[u32]) -> Mag {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(long.len() + 1);
    let mut carry = 0u64;
    for (i, &l) in long.iter().enumerate() {
        let s = u64::from(l) + u64::from(short.get(i).copied().unwrap_or(0)) + carry;
        out.push((s % BASE) as u32);
        carry = s / BASE;
    }
    if carry > 0 {
        out.push(carry as u32);
    }
    out
}

/// `a - b`; requires `a >= b`.
pub fn sub(a: &[u32], b: &[u32]) -> Mag {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i64;
    for (i, &l) in a.iter().enumerate() {
        let mut d = i64::from(l) - i64::from(b.get(i).copied().unwrap_or(0)) - borrow;
        borrow = 0;
        if d < 0 {
            d += BASE as i64;
            borrow = 1;
        }
        out.push(d as u32);
    }
    trim(out)
}

/// Operands shorter than this many limbs (288 digits) multiply by schoolbook.
const KARATSUBA_LIMBS: usize = 32;

/// `a * b`: schoolbook for the short operands an OLTP database mostly sees, Karatsuba above
/// [`KARATSUBA_LIMBS`] (a 131,072-digit square is ~70x fewer limb products).
pub fn mul(a: &[u32], b: &[u32]) -> Mag {
    if a.len() < KARATSUBA_LIMBS || b.len() < KARATSUBA_LIMBS {
        return schoolbook(a, b);
    }
    // a = a1·B^m + a0, b = b1·B^m + b0:
    // a·b = z2·B^2m + (z1 - z2 - z0)·B^m + z0 with z1 = (a0 + a1)(b0 + b1).
    let m = a.len().max(b.len()) / 2;
    let split = |x: &[u32]| -> (Mag, Mag) {
        let (lo, hi) = x.split_at(m.min(x.len()));
        (trim(lo.to_vec()), hi.to_vec())
    };
    let (a0, a1) = split(a);
    let (b0, b1) = split(b);
    let z0 = mul(&a0, &b0);
    let z2 = mul(&a1, &b1);
    let z1 = mul(&add(&a0, &a1), &add(&b0, &b1));
    let mid = sub(&sub(&z1, &z2), &z0);
    let shifted = |x: &[u32], limbs: usize| -> Mag {
        if x.is_empty() {
            return Vec::new();
        }
        let mut v = vec![0u32; limbs];
        v.extend_from_slice(x);
        v
    };
    add(&add(&z0, &shifted(&mid, m)), &shifted(&z2, 2 * m))
}

fn schoolbook(a: &[u32], b: &[u32]) -> Mag {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut acc = vec![0u64; a.len() + b.len() + 1];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.iter().enumerate() {
            let t = acc[i + j] + u64::from(x) * u64::from(y) + carry;
            acc[i + j] = t % BASE;
            carry = t / BASE;
        }
        let mut k = i + b.len();
        while carry > 0 {
            let t = acc[k] + carry;
            acc[k] = t % BASE;
            carry = t / BASE;
            k += 1;
        }
    }
    trim(acc.into_iter().map(|l| l as u32).collect())
}

/// `a * m + add` for small `m`, `add` (< 10⁹).
pub fn mul_small(a: &[u32], m: u32, add: u32) -> Mag {
    let mut out = Vec::with_capacity(a.len() + 1);
    let mut carry = u64::from(add);
    for &l in a {
        let t = u64::from(l) * u64::from(m) + carry;
        out.push((t % BASE) as u32);
        carry = t / BASE;
    }
    if carry > 0 {
        out.push(carry as u32);
    }
    trim(out)
}

/// `(a / d, a % d)` for a small non-zero `d`.
pub fn divmod_small(a: &[u32], d: u32) -> (Mag, u32) {
    let mut q = vec![0u32; a.len()];
    let mut rem = 0u64;
    for i in (0..a.len()).rev() {
        let cur = rem * BASE + u64::from(a[i]);
        q[i] = (cur / u64::from(d)) as u32;
        rem = cur % u64::from(d);
    }
    (trim(q), rem as u32)
}

/// `a * 10^k`.
pub fn shl10(a: &[u32], k: u32) -> Mag {
    if a.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0u32; (k / BASE_DIGITS) as usize];
    out.extend_from_slice(a);
    mul_small(&out, 10u32.pow(k % BASE_DIGITS), 0)
}

/// `10^k`.
pub fn pow10(k: u32) -> Mag {
    shl10(&[1], k)
}

/// `(a / b, a % b)`; `b` must be non-zero.
///
/// Long division one limb at a time. Each quotient limb is estimated from the top three limbs of the
/// running remainder and the top two of the divisor, rounded up so the estimate is never too small,
/// then corrected downwards (at most a few steps, because the divisor's top two limbs are ≥ 10⁹).
pub fn divmod(a: &[u32], b: &[u32]) -> (Mag, Mag) {
    match b.len() {
        0 => (Vec::new(), Vec::new()),
        1 => {
            let (q, r) = divmod_small(a, b[0]);
            (q, from_u128(u128::from(r)))
        }
        n => {
            if cmp(a, b) == Ordering::Less {
                return (Vec::new(), a.to_vec());
            }
            let d_top = u128::from(b[n - 1]) * u128::from(BASE) + u128::from(b[n - 2]);
            let mut q = vec![0u32; a.len() - n + 1];
            let mut rem: Mag = Vec::new();
            for i in (0..a.len()).rev() {
                // rem = rem * BASE + a[i]
                rem.insert(0, a[i]);
                rem = trim(rem);
                if cmp(&rem, b) == Ordering::Less {
                    continue;
                }
                let limb = |k: usize| u128::from(rem.get(k).copied().unwrap_or(0));
                let r_top =
                    (limb(n) * u128::from(BASE) + limb(n - 1)) * u128::from(BASE) + limb(n - 2);
                let mut qhat = ((r_top + 1) / d_top).min(u128::from(BASE - 1)) as u32;
                let mut prod = mul_small(b, qhat, 0);
                while cmp(&prod, &rem) == Ordering::Greater {
                    qhat -= 1;
                    prod = sub(&prod, b);
                }
                rem = sub(&rem, &prod);
                if i < q.len() {
                    q[i] = qhat;
                }
            }
            (trim(q), rem)
        }
    }
}

/// Integer square root (floor), by Newton's iteration from an over-estimate.
pub fn isqrt(a: &[u32]) -> Mag {
    if a.is_empty() {
        return Vec::new();
    }
    // Start above the root: 10^ceil(digits/2).
    let mut x = pow10(decimal_len(a).div_ceil(2));
    loop {
        let (q, _) = divmod(a, &x);
        let (y, _) = divmod_small(&add(&x, &q), 2);
        if cmp(&y, &x) != Ordering::Less {
            return x;
        }
        x = y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn karatsuba_matches_schoolbook() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut limbs = |n: usize| -> Mag {
            trim(
                (0..n)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        (seed % BASE) as u32
                    })
                    .collect(),
            )
        };
        for (x, y) in [(32, 32), (33, 100), (257, 64), (500, 499), (40, 1000)] {
            let (a, b) = (limbs(x), limbs(y));
            assert_eq!(mul(&a, &b), schoolbook(&a, &b), "{x} x {y} limbs");
        }
        let nines = vec![999_999_999u32; 300];
        assert_eq!(mul(&nines, &nines), schoolbook(&nines, &nines));
    }

    fn m(s: &str) -> Mag {
        from_decimal(s.as_bytes())
    }

    #[test]
    fn arithmetic_agrees_with_u128() {
        let vals: [u128; 8] = [
            0,
            1,
            999_999_999,
            1_000_000_000,
            123_456_789_012_345_678,
            u64::MAX as u128,
            98_765_432_109_876_543_210_987,
            10u128.pow(30) + 7,
        ];
        for &a in &vals {
            assert_eq!(to_decimal(&from_u128(a)), a.to_string());
            for &b in &vals {
                let (ma, mb) = (from_u128(a), from_u128(b));
                assert_eq!(to_u128(&add(&ma, &mb)), Some(a + b));
                if a >= b {
                    assert_eq!(to_u128(&sub(&ma, &mb)), Some(a - b));
                }
                if let Some(p) = a.checked_mul(b) {
                    assert_eq!(to_u128(&mul(&ma, &mb)), Some(p));
                }
                if let (Some(qq), Some(rr)) = (a.checked_div(b), a.checked_rem(b)) {
                    let (q, r) = divmod(&ma, &mb);
                    assert_eq!((to_u128(&q), to_u128(&r)), (Some(qq), Some(rr)));
                }
            }
        }
    }

    #[test]
    fn big_division_and_sqrt() {
        let a = m("123456789012345678901234567890123456789012345678901234567890");
        let b = m("987654321098765432109876543");
        let (q, r) = divmod(&a, &b);
        assert_eq!(cmp(&add(&mul(&q, &b), &r), &a), Ordering::Equal);
        assert_eq!(cmp(&r, &b), Ordering::Less);
        assert_eq!(
            to_decimal(&isqrt(&m("200000000000000000000000000000000"))),
            "14142135623730950"
        );
        assert_eq!(decimal_len(&m("1000000000")), 10);
        assert_eq!(to_decimal(&pow10(12)), "1000000000000");
    }
}
