//! Hash partitioning's row hash, as PostgreSQL computes it (hashfn.c, partbounds.c): each
//! non-NULL key column's extended hash under `HASH_PARTITION_SEED`, folded with `hash_combine64`,
//! so a row lands in the same partition as in PostgreSQL.

use crate::error::{Result, SqlError};
use crate::types::{DataType, Value};

const HASH_PARTITION_SEED: u64 = 0x7A5B_2236_7996_DCFD;

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

fn seeded(init: u32, seed: u64) -> (u32, u32, u32) {
    let (mut a, mut b, mut c) = (init, init, init);
    if seed != 0 {
        a = a.wrapping_add((seed >> 32) as u32);
        b = b.wrapping_add(seed as u32);
        mix(&mut a, &mut b, &mut c);
    }
    (a, b, c)
}

/// `hash_bytes_uint32_extended`.
fn hash_u32(k: u32, seed: u64) -> u64 {
    let (mut a, mut b, mut c) = seeded(0x9e37_79b9u32.wrapping_add(4 + 3_923_095), seed);
    a = a.wrapping_add(k);
    final_mix(&mut a, &mut b, &mut c);
    (u64::from(b) << 32) | u64::from(c)
}

/// `hash_bytes_extended` (Bob Jenkins' lookup3, little-endian byte order).
fn hash_bytes(k: &[u8], seed: u64) -> u64 {
    let init = 0x9e37_79b9u32
        .wrapping_add(k.len() as u32)
        .wrapping_add(3_923_095);
    let (mut a, mut b, mut c) = seeded(init, seed);
    let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    let mut rest = k;
    while rest.len() >= 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    // The tail: bytes 0..4 into a, 4..8 into b, 8..11 into c shifted past its low byte.
    for (i, &byte) in rest.iter().enumerate() {
        let v = u32::from(byte);
        match i {
            0..=3 => a = a.wrapping_add(v << (8 * i)),
            4..=7 => b = b.wrapping_add(v << (8 * (i - 4))),
            _ => c = c.wrapping_add(v << (8 * (i - 7))),
        }
    }
    final_mix(&mut a, &mut b, &mut c);
    (u64::from(b) << 32) | u64::from(c)
}

/// Whether hash partitioning supports a key column of this type.
pub fn hashable(ty: DataType) -> bool {
    matches!(
        ty,
        DataType::Int2
            | DataType::Int4
            | DataType::Int8
            | DataType::Date
            | DataType::Text
            | DataType::Varchar
            | DataType::Bpchar
    )
}

/// One value's extended hash under `seed`, as its type's hash opclass computes it.
fn hash_value(v: &Value, ty: DataType, seed: u64) -> Result<u64> {
    Ok(match v {
        Value::Int2(x) => hash_u32(i32::from(*x) as u32, seed),
        Value::Int4(x) | Value::Date(x) => hash_u32(*x as u32, seed),
        Value::Int8(x) => {
            let lo = *x as u32;
            let hi = (*x >> 32) as u32;
            hash_u32(if *x >= 0 { lo ^ hi } else { lo ^ !hi }, seed)
        }
        // bpchar hashes without its trailing blanks.
        Value::Text(s) if ty == DataType::Bpchar => {
            hash_bytes(s.trim_end_matches(' ').as_bytes(), seed)
        }
        Value::Text(s) => hash_bytes(s.as_bytes(), seed),
        _ => {
            return Err(SqlError::FeatureNotSupported(format!(
                "hash partitioning on type {} is not supported yet",
                ty.sql_name()
            )))
        }
    })
}

/// The row hash of a partition key (`compute_partition_hash_value`): NULL columns are skipped.
pub fn hash_key(key: &[Value], types: &[DataType]) -> Result<u64> {
    let mut h: u64 = 0;
    for (v, &ty) in key.iter().zip(types) {
        if v.is_null() {
            continue;
        }
        let x = hash_value(v, ty, HASH_PARTITION_SEED)?;
        h ^= x
            .wrapping_add(0x49a0_f4dd_15e5_a8e3)
            .wrapping_add(h << 54)
            .wrapping_add(h >> 7);
    }
    Ok(h)
}
