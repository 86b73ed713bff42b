//! Object identifiers: PostgreSQL 15's for built-in objects, derived ones for ours (see the
//! module docs of `syscat`). Nothing here is stored: the same catalog always gives the same OIDs.

use crate::catalog::TableId;

/// PostgreSQL's first OID for user objects (`FirstNormalObjectId`).
pub const FIRST_USER_OID: u32 = 16384;
/// OIDs reserved per table: the table, its primary key's index and constraint, 5 spare.
const PER_TABLE: u64 = 8;

/// The bootstrap superuser, owner of every object.
pub const BOOTSTRAP_USER: &str = "postgres";
pub const BOOTSTRAP_USER_OID: u32 = 10;
/// The predefined role that owns `public` in PostgreSQL 15.
pub const DATABASE_OWNER_OID: u32 = 6171;

pub const NS_PG_CATALOG: u32 = 11;
pub const NS_PG_TOAST: u32 = 99;
pub const NS_PUBLIC: u32 = 2200;
pub const NS_INFORMATION_SCHEMA: u32 = 13207;

pub const AM_HEAP: u32 = 2;
pub const AM_BTREE: u32 = 403;
pub const TABLESPACE_DEFAULT: u32 = 1663;
pub const TABLESPACE_GLOBAL: u32 = 1664;
pub const COLLATION_DEFAULT: u32 = 100;
pub const COLLATION_C: u32 = 950;
pub const COLLATION_POSIX: u32 = 951;

/// A table's OID.
pub fn table(id: TableId) -> u32 {
    (u64::from(FIRST_USER_OID) + PER_TABLE * id.0).min(u64::from(u32::MAX - 8)) as u32
}

/// The OID of a table's primary-key index.
pub fn pkey_index(id: TableId) -> u32 {
    table(id) + 1
}

/// The OID of a table's primary-key constraint.
pub fn pkey_constraint(id: TableId) -> u32 {
    table(id) + 2
}

/// The OID of a column default (`pg_attrdef.oid`): above 2^31, where user objects of a small
/// catalog never reach, 1600 (PostgreSQL's column limit) per table.
pub fn attrdef(id: TableId, attnum: usize) -> u32 {
    0x8000_0000u32
        .wrapping_add((id.0 as u32).wrapping_mul(1600))
        .wrapping_add(attnum as u32)
}

/// The OID of a table's `k`th CHECK constraint (in name order): above 3 * 2^30, 256 per table.
pub fn fk_constraint(id: TableId, k: usize) -> u32 {
    check_constraint(id, 128 + k)
}

/// The OID of a table's `k`-th CHECK constraint (`k` < 128; FOREIGN KEYs follow from 128).
pub fn check_constraint(id: TableId, k: usize) -> u32 {
    0xC000_0000u32
        .wrapping_add((id.0 as u32).wrapping_mul(256))
        .wrapping_add(k as u32)
}

/// A database's OID: PostgreSQL's for the three initdb creates, a hash of the name otherwise.
pub fn database(name: &str) -> u32 {
    match name {
        "template1" => 1,
        "template0" => 4,
        "postgres" => 5,
        other => hashed(other, 0x6000_0000),
    }
}

/// A schema's OID.
pub fn namespace(name: &str) -> u32 {
    match name {
        "pg_catalog" => NS_PG_CATALOG,
        "pg_toast" => NS_PG_TOAST,
        "public" => NS_PUBLIC,
        "information_schema" => NS_INFORMATION_SCHEMA,
        other => hashed(other, 0x5000_0000),
    }
}

/// A role's OID: 10 for the bootstrap superuser, a hash of the name for others.
pub fn role(name: &str) -> u32 {
    match name {
        BOOTSTRAP_USER => BOOTSTRAP_USER_OID,
        "pg_database_owner" => DATABASE_OWNER_OID,
        other => hashed(other, 0x4000_0000),
    }
}

/// FNV-1a of `name` folded into `[base, base + 2^28)`.
fn hashed(name: &str, base: u32) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    base | (h & 0x0fff_ffff)
}
