//! Page checksum: crc32 (crc32fast, IEEE polynomial) over everything after the crc field.
//! The WAL uses the same function (`wal/record.rs`); both must stay IEEE crc32.

/// crc32 of `bytes`.
pub fn page_crc(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}
