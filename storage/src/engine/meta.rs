//! The meta page: two slots (pages 0 and 1), written alternately by checkpoints (storage/DESIGN.md).

use crate::io::IoFile;
use crate::page::{self, PageId, PageKind, Reader, HEADER_LEN, PAGE_SIZE};
use crate::Result;

const MAGIC: &[u8; 8] = b"PGLDBMT1";
const VERSION: u32 = 1;

/// What a checkpoint records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    /// Checkpoint sequence number; the slot is `seq % 2`.
    pub seq: u64,
    /// Every record with LSN ≤ this is reflected in the trees.
    pub ckpt_lsn: u64,
    /// Recovery reads the WAL from this LSN.
    pub replay_start: u64,
    /// Root of the catalog tree (tree id → root page).
    pub catalog_root: PageId,
    /// First free-list page (0 = none).
    pub free_head: PageId,
    /// Pages in the file's address space.
    pub page_count: u64,
}

impl Meta {
    /// The sealed page for this meta's slot.
    pub fn encode(&self) -> (PageId, Box<[u8; PAGE_SIZE]>) {
        let slot = PageId(self.seq % 2);
        let mut buf = page::blank();
        let mut b = Vec::with_capacity(60);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&VERSION.to_le_bytes());
        for v in [
            self.seq,
            self.ckpt_lsn,
            self.replay_start,
            self.catalog_root.0,
            self.free_head.0,
            self.page_count,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        buf[HEADER_LEN..HEADER_LEN + b.len()].copy_from_slice(&b);
        page::seal(&mut buf, slot, PageKind::Meta);
        (slot, buf)
    }

    /// Parses a slot; `None` if it fails any check (torn or never written).
    pub fn decode(bytes: &[u8], slot: PageId) -> Option<Self> {
        if page::open(bytes, slot).ok()? != PageKind::Meta {
            return None;
        }
        let mut r = Reader::new(&bytes[HEADER_LEN..], slot);
        if r.bytes(8).ok()? != MAGIC || r.u32().ok()? != VERSION {
            return None;
        }
        let meta = Meta {
            seq: r.u64().ok()?,
            ckpt_lsn: r.u64().ok()?,
            replay_start: r.u64().ok()?,
            catalog_root: PageId(r.u64().ok()?),
            free_head: PageId(r.u64().ok()?),
            page_count: r.u64().ok()?,
        };
        (meta.seq % 2 == slot.0).then_some(meta)
    }
}

/// Reads both slots and returns the newest valid one.
pub async fn read_newest<F: IoFile>(file: &F) -> Result<Option<Meta>> {
    let mut best: Option<Meta> = None;
    for slot in [PageId(0), PageId(1)] {
        let bytes = file.read_at(slot.offset(), PAGE_SIZE).await?;
        if let Some(m) = Meta::decode(&bytes, slot) {
            if best.is_none_or(|b| m.seq > b.seq) {
                best = Some(m);
            }
        }
    }
    Ok(best)
}
