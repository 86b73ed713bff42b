//! The write-ahead log: logical redo records in preallocated, zero-filled, recycled segments.
//!
//! - `record.rs`: framing (length, crc with the segment salt, LSN) and payloads (ops, prepared/commit/abort);
//! - `writer.rs`: appending, group commit (one write + fdatasync per batch of commits), segment roll and
//!   recycling; a block that holds acknowledged records is never written again;
//! - `recovery.rs`: the scan that finds the end of the log (first record that fails) at open.
//!
//! Byte layouts and the crash analysis are in storage/DESIGN.md.

pub mod record;
pub mod recovery;
pub mod writer;

use crate::{Result, StorageError};

/// Log sequence number: consecutive record numbers from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Lsn(pub u64);

/// Padding and alignment unit of WAL writes: the largest sector size assumed (DESIGN.md).
pub const BLOCK: usize = 4096;
/// Bytes of the segment header (one block).
pub const HEADER_BLOCK: usize = BLOCK;
const MAGIC: &[u8; 8] = b"PGLDBWAL";

/// File name of segment `seq`.
pub fn segment_name(seq: u64) -> String {
    format!("wal-{seq:016x}")
}

/// File name of a recycled segment waiting for reuse.
pub fn spare_name(seq: u64) -> String {
    format!("spare-{seq:016x}")
}

/// Parses `wal-<hex>` / `spare-<hex>` names.
pub fn parse_name(name: &str, prefix: &str) -> Option<u64> {
    let hex = name.strip_prefix(prefix)?;
    (hex.len() == 16)
        .then(|| u64::from_str_radix(hex, 16).ok())
        .flatten()
}

/// A segment header: `magic | seq | first_lsn | salt | crc32 of the preceding 28 bytes`, then
/// `flags: u32 | crc32 of the preceding 36 bytes` (headers written before the flags existed have zeros
/// there, which fail that crc and read as no flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentHeader {
    /// Segment sequence number (matches the file name).
    pub seq: u64,
    /// LSN of the segment's first record.
    pub first_lsn: u64,
    /// Random per use of the file; seeds every record crc.
    pub salt: u32,
    /// The file was created and zero-filled for this use (never recycled): every byte no flush wrote
    /// reads as zero, which lets recovery tell a torn write from damage (DESIGN.md, Recovery).
    pub zero_filled: bool,
}

/// `SegmentHeader` flag bit: `zero_filled`.
const FLAG_ZERO_FILLED: u32 = 1;

impl SegmentHeader {
    /// The header block.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER_BLOCK);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.seq.to_le_bytes());
        b.extend_from_slice(&self.first_lsn.to_le_bytes());
        b.extend_from_slice(&self.salt.to_le_bytes());
        let crc = crc32fast::hash(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        let flags = if self.zero_filled {
            FLAG_ZERO_FILLED
        } else {
            0
        };
        b.extend_from_slice(&flags.to_le_bytes());
        let crc = crc32fast::hash(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        b.resize(HEADER_BLOCK, 0);
        b
    }

    /// Parses a header; `None` if it is not a valid header of segment `seq`.
    pub fn decode(b: &[u8], seq: u64) -> Option<Self> {
        if b.len() < 40 || &b[0..8] != MAGIC {
            return None;
        }
        let crc = u32::from_le_bytes([b[28], b[29], b[30], b[31]]);
        if crc != crc32fast::hash(&b[0..28]) {
            return None;
        }
        let u64_at = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(a)
        };
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let flags = if u32_at(36) == crc32fast::hash(&b[0..36]) {
            u32_at(32)
        } else {
            0
        };
        let h = Self {
            seq: u64_at(8),
            first_lsn: u64_at(16),
            salt: u32_at(24),
            zero_filled: flags & FLAG_ZERO_FILLED != 0,
        };
        (h.seq == seq).then_some(h)
    }
}

/// Checks a configured segment size.
pub fn check_segment_size(size: u64) -> Result<()> {
    if size < 4 * BLOCK as u64 || !size.is_multiple_of(BLOCK as u64) {
        return Err(StorageError::Internal(format!(
            "WAL segment size {size} must be a multiple of {BLOCK} and at least 4 blocks"
        )));
    }
    Ok(())
}
