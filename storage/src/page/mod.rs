//! The 8 KiB page format shared by every page of the data file (layout in storage/DESIGN.md).
//!
//! A page is `[crc32 | kind | 3 zero bytes | page id | body]`. [`seal`] fills the header of a page about to
//! be written; [`open`] checks a page read from disk and returns its kind. Both must agree with the table
//! in DESIGN.md. Body encodings live with their owners: B+tree nodes in `btree/node.rs`, the meta page in
//! `engine/meta.rs`, free lists in `buffer/freelist.rs`.

mod checksum;

use crate::{Result, StorageError};

/// Bytes per page.
pub const PAGE_SIZE: usize = 8192;
/// Bytes of the page header.
pub const HEADER_LEN: usize = 16;
/// Bytes available to a page body.
pub const BODY_LEN: usize = PAGE_SIZE - HEADER_LEN;

/// A page number in the data file (page `n` lives at byte `n * PAGE_SIZE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageId(pub u64);

impl PageId {
    /// Byte offset of the page in the data file.
    pub fn offset(self) -> u64 {
        self.0 * PAGE_SIZE as u64
    }
}

/// What a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// One of the two meta slots.
    Meta = 1,
    /// B+tree leaf.
    Leaf = 2,
    /// B+tree branch (inner node).
    Branch = 3,
    /// Part of a large value.
    Overflow = 4,
    /// Part of the persisted free list.
    FreeList = 5,
}

impl PageKind {
    fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            1 => Self::Meta,
            2 => Self::Leaf,
            3 => Self::Branch,
            4 => Self::Overflow,
            5 => Self::FreeList,
            _ => return None,
        })
    }
}

/// Fills in the header of `page` (kind, id, checksum); the body must already be in place.
pub fn seal(page: &mut [u8; PAGE_SIZE], id: PageId, kind: PageKind) {
    page[4] = kind as u8;
    page[5..8].fill(0);
    page[8..16].copy_from_slice(&id.0.to_le_bytes());
    let crc = checksum::page_crc(&page[4..]);
    page[0..4].copy_from_slice(&crc.to_le_bytes());
}

/// Verifies a page read from disk: checksum, page id and kind. Corruption is an error, never a panic.
pub fn open(page: &[u8], id: PageId) -> Result<PageKind> {
    if page.len() != PAGE_SIZE {
        return Err(StorageError::Corrupted(format!(
            "page {} is short: {} bytes",
            id.0,
            page.len()
        )));
    }
    let stored = u32::from_le_bytes([page[0], page[1], page[2], page[3]]);
    if stored != checksum::page_crc(&page[4..]) || page[0..16].iter().all(|b| *b == 0) {
        return Err(StorageError::Corrupted(format!(
            "page {} fails its checksum",
            id.0
        )));
    }
    let mut raw_id = [0u8; 8];
    raw_id.copy_from_slice(&page[8..16]);
    if u64::from_le_bytes(raw_id) != id.0 {
        return Err(StorageError::Corrupted(format!(
            "page {} holds page {}",
            id.0,
            u64::from_le_bytes(raw_id)
        )));
    }
    PageKind::from_byte(page[4]).ok_or_else(|| {
        StorageError::Corrupted(format!("page {} has unknown kind {}", id.0, page[4]))
    })
}

/// A zeroed page buffer.
pub fn blank() -> Box<[u8; PAGE_SIZE]> {
    Box::new([0u8; PAGE_SIZE])
}

/// Little-endian reader over a page body; every read is bounds-checked and reports corruption.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    page: PageId,
}

impl<'a> Reader<'a> {
    /// Reads `buf` (a page body) of page `page`.
    pub fn new(buf: &'a [u8], page: PageId) -> Self {
        Self { buf, pos: 0, page }
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        let Some(end) = end else {
            return Err(StorageError::Corrupted(format!(
                "page {} body overruns: {} + {} > {}",
                self.page.0,
                self.pos,
                n,
                self.buf.len()
            )));
        };
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// A byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    /// A little-endian u16.
    pub fn u16(&mut self) -> Result<u16> {
        let b = self.bytes(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// A little-endian u32.
    pub fn u32(&mut self) -> Result<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A little-endian u64.
    pub fn u64(&mut self) -> Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.bytes(8)?);
        Ok(u64::from_le_bytes(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_round_trips_and_detects_flips() {
        let mut page = blank();
        page[HEADER_LEN..HEADER_LEN + 3].copy_from_slice(b"abc");
        seal(&mut page, PageId(7), PageKind::Leaf);
        assert_eq!(
            open(&page[..], PageId(7)).expect("valid page"),
            PageKind::Leaf
        );
        assert!(matches!(
            open(&page[..], PageId(8)),
            Err(StorageError::Corrupted(_))
        ));
        page[100] ^= 4;
        assert!(matches!(
            open(&page[..], PageId(7)),
            Err(StorageError::Corrupted(_))
        ));
        assert!(open(&[0u8; PAGE_SIZE][..], PageId(0)).is_err());
    }
}
