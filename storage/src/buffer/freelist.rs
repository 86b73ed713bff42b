//! The persisted free list: a chain of free-list pages written by each checkpoint.
//!
//! Body: `next: u64 (0 = end) | count: u16 | page ids: u64 * count` (storage/DESIGN.md). The chain lists
//! every page that is free once the checkpoint's meta page is durable; the chain's own pages are not in it
//! and become free after the following checkpoint.

use std::collections::BTreeSet;

use super::Pager;
use crate::io::IoFile;
use crate::page::{self, PageId, PageKind, Reader, BODY_LEN, HEADER_LEN, PAGE_SIZE};
use crate::{Result, StorageError};

/// Page ids per free-list page.
const PER_PAGE: usize = (BODY_LEN - 8 - 2) / 8;

impl<F: IoFile> Pager<F> {
    /// Writes the free list of the checkpoint being taken; returns its head (0 = empty) and its pages.
    pub async fn write_free_list(&mut self) -> Result<(PageId, Vec<PageId>)> {
        let mut ids: BTreeSet<PageId> = self.free.iter().copied().collect();
        ids.extend(self.pending.iter().copied());
        ids.extend(self.list_pages.iter().copied());
        let mut list = Vec::new();
        while list.len() < ids.len().div_ceil(PER_PAGE) {
            let id = self.alloc_id();
            ids.remove(&id);
            list.push(id);
        }
        let ids: Vec<PageId> = ids.into_iter().collect();
        // Taking a list page can shrink the set below what needs it (one free page, taken for the list):
        // every taken page is still written, possibly empty, so the chain stays valid.
        for i in 0..list.len() {
            let chunk = ids.chunks(PER_PAGE).nth(i).unwrap_or(&[]);
            let next = list.get(i + 1).map_or(0, |p| p.0);
            let mut buf = page::blank();
            let mut body = Vec::with_capacity(10 + 8 * chunk.len());
            body.extend_from_slice(&next.to_le_bytes());
            let count = u16::try_from(chunk.len()).expect("invariant: PER_PAGE fits in u16");
            body.extend_from_slice(&count.to_le_bytes());
            for id in chunk {
                body.extend_from_slice(&id.0.to_le_bytes());
            }
            buf[HEADER_LEN..HEADER_LEN + body.len()].copy_from_slice(&body);
            page::seal(&mut buf, list[i], PageKind::FreeList);
            self.file.write_at(list[i].offset(), &buf[..]).await?;
            self.stats.writes += 1;
        }
        Ok((list.first().copied().unwrap_or(PageId(0)), list))
    }
}

/// Reads the free list starting at `head`: (free pages, pages of the list itself).
pub async fn read_free_list<F: IoFile>(
    file: &F,
    head: PageId,
    page_count: u64,
) -> Result<(Vec<PageId>, Vec<PageId>)> {
    let mut free = Vec::new();
    let mut list = Vec::new();
    let mut next = head;
    while next.0 != 0 {
        if next.0 >= page_count || list.len() as u64 > page_count {
            return Err(StorageError::Corrupted(format!(
                "free list reaches page {} (file has {page_count} pages)",
                next.0
            )));
        }
        let bytes = file.read_at(next.offset(), PAGE_SIZE).await?;
        if page::open(&bytes, next)? != PageKind::FreeList {
            return Err(StorageError::Corrupted(format!(
                "page {} in the free list is not a free-list page",
                next.0
            )));
        }
        let mut r = Reader::new(&bytes[HEADER_LEN..], next);
        list.push(next);
        next = PageId(r.u64()?);
        let count = r.u16()?;
        for _ in 0..count {
            free.push(PageId(r.u64()?));
        }
    }
    Ok((free, list))
}
