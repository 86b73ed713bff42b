//! `numeric_send`/`numeric_recv`: PostgreSQL's binary format for numeric.
//!
//! Layout (all big-endian): `ndigits: u16, weight: i16, sign: u16, dscale: u16`, then `ndigits`
//! base-10000 digits as `i16`. Digits are aligned on the decimal point (digit `i` is worth
//! `10000^(weight - i)`); leading and trailing zero digits are stripped, as PostgreSQL sends them.
//! Sign: 0x0000 positive, 0x4000 negative, 0xC000 NaN, 0xD000 +Infinity, 0xF000 -Infinity.

use super::{mag, Numeric, NUMERIC_DSCALE_MAX};
use crate::error::{Result, SqlError};

const POS: u16 = 0x0000;
const NEG: u16 = 0x4000;
const NAN: u16 = 0xC000;
const PINF: u16 = 0xD000;
const NINF: u16 = 0xF000;

impl Numeric {
    /// Appends the binary send format.
    pub fn write_binary(&self, out: &mut Vec<u8>) {
        let (neg, m, scale) = match self {
            Numeric::Finite { neg, mag, scale } => (*neg, mag, *scale),
            special => {
                let sign = match special {
                    Numeric::NaN => NAN,
                    Numeric::PosInf => PINF,
                    _ => NINF,
                };
                for v in [0u16, 0, sign, 0] {
                    out.extend_from_slice(&v.to_be_bytes());
                }
                return;
            }
        };
        let digits = mag::to_decimal(m);
        let digits = if m.is_empty() { String::new() } else { digits };
        let scale_us = scale as usize;
        // Split into integer and fraction digits, padding so both align on 4-digit groups.
        let (int, frac) = if digits.len() > scale_us {
            digits.split_at(digits.len() - scale_us)
        } else {
            ("", digits.as_str())
        };
        let frac = format!("{}{frac}", "0".repeat(scale_us - frac.len()));
        let int_pad = (4 - int.len() % 4) % 4;
        let frac_pad = (4 - frac.len() % 4) % 4;
        let all = format!("{}{int}{frac}{}", "0".repeat(int_pad), "0".repeat(frac_pad));
        let mut groups: Vec<i16> = all
            .as_bytes()
            .chunks(4)
            .map(|c| c.iter().fold(0i16, |a, d| a * 10 + i16::from(d - b'0')))
            .collect();
        let mut weight = ((int.len() + int_pad) / 4) as i32 - 1;
        let lead = groups.iter().take_while(|g| **g == 0).count();
        groups.drain(..lead);
        weight -= lead as i32;
        while groups.last() == Some(&0) {
            groups.pop();
        }
        if groups.is_empty() {
            weight = 0;
        }
        // Unsigned, as numeric_send/numeric_recv have it: 131072 digits before the point are 32768 groups.
        out.extend_from_slice(&(groups.len() as u16).to_be_bytes());
        out.extend_from_slice(&(weight as i16).to_be_bytes());
        out.extend_from_slice(&(if neg { NEG } else { POS }).to_be_bytes());
        out.extend_from_slice(&(scale as u16).to_be_bytes());
        for g in groups {
            out.extend_from_slice(&g.to_be_bytes());
        }
    }

    /// Parses the binary receive format, with `numeric_recv`'s checks.
    pub fn read_binary(b: &[u8]) -> Result<Numeric> {
        let bad = |m: &str| SqlError::InvalidBinaryRepresentation(m.to_string());
        let word = |i: usize| -> Result<u16> {
            b.get(i * 2..i * 2 + 2)
                .map(|w| u16::from_be_bytes([w[0], w[1]]))
                .ok_or_else(|| bad("insufficient data left in message"))
        };
        let ndigits = word(0)?;
        let weight = i32::from(word(1)? as i16);
        let sign = word(2)?;
        let dscale = u32::from(word(3)?);
        if b.len() != 8 + 2 * usize::from(ndigits) {
            return Err(bad("incorrect binary data format"));
        }
        match sign {
            NAN => return Ok(Numeric::NaN),
            PINF => return Ok(Numeric::PosInf),
            NINF => return Ok(Numeric::NegInf),
            POS | NEG => {}
            _ => return Err(bad("invalid sign in external \"numeric\" value")),
        }
        if dscale > NUMERIC_DSCALE_MAX {
            return Err(bad("invalid scale in external \"numeric\" value"));
        }
        // The groups as decimal text, then limbs: linear in the digits (a 131,072-digit value
        // is read back from storage on every scan).
        let mut text = Vec::with_capacity(4 * usize::from(ndigits));
        for i in 0..usize::from(ndigits) {
            let d = word(4 + i)?;
            if d >= 10000 {
                return Err(bad("invalid digit in external \"numeric\" value"));
            }
            text.extend_from_slice(format!("{d:04}").as_bytes());
        }
        let m = mag::from_decimal(&text);
        // m is worth 10000^(weight - ndigits + 1); express it at scale `4 × (ndigits - 1 - weight)`.
        let exp4 = 4 * (i32::from(ndigits) - 1 - weight);
        let n = if exp4 <= 0 {
            Numeric::finite(sign == NEG, mag::shl10(&m, (-exp4) as u32), 0)
        } else {
            Numeric::finite(sign == NEG, m, exp4 as u32)
        };
        Ok(n.trunc(dscale as i32))
    }
}
