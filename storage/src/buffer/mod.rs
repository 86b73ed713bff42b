//! The pager: buffer pool of decoded nodes over the data file, page allocation and copy-on-write.
//!
//! Invariant COW (storage/DESIGN.md): a page reachable from the durable meta page is never written. Pages
//! allocated since the last checkpoint are *fresh*; only fresh pages may be modified ([`Pager::node_mut`]
//! refuses others), and [`Pager::make_writable`] moves a non-fresh page to a fresh location first. So any
//! dirty page can be written back at any time, by eviction or by the checkpoint.
//!
//! Eviction is CLOCK (second chance) over a budget counted in pages; a dirty victim is written to its own
//! (fresh) location first. Nothing is pinned: callers hold page ids, never references, across loads.
//!
//! Free space: `free` pages are reusable now; `pending` pages were part of the durable image and become
//! reusable once the next checkpoint is durable ([`Pager::checkpoint_done`]).

mod freelist;

pub use freelist::read_free_list;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::btree::node::Node;
use crate::io::{run_concurrently, IoFile};
use crate::page::{PageId, PAGE_SIZE};
use crate::{Result, StorageError};

/// Hasher for page ids: one multiply (Fibonacci hashing). SipHash's DoS resistance buys nothing for ids we
/// allocate ourselves, and the page table lookup is on every B+tree level of every operation.
#[derive(Default)]
pub struct PageIdHasher(u64);

impl Hasher for PageIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type PageMap<V> = HashMap<PageId, V, BuildHasherDefault<PageIdHasher>>;
type PageSet = HashSet<PageId, BuildHasherDefault<PageIdHasher>>;

/// Checkpoint writes kept in flight at once.
pub const WRITE_DEPTH: usize = 32;
/// Clock entries eviction looks ahead for more dirty frames to write with its victim.
const EVICT_SCAN: usize = 512;
/// Dirty frames written back together by one eviction.
const EVICT_BATCH: usize = 64;
/// Largest single checkpoint write (consecutive dirty pages are coalesced up to this).
const MAX_RUN: usize = 256 << 10;

/// First page id the allocator hands out (0 and 1 are the meta slots).
pub const FIRST_DATA_PAGE: u64 = 2;

struct Frame {
    node: Node,
    dirty: bool,
    referenced: bool,
}

/// Counters for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default)]
pub struct PagerStats {
    /// Pages read from the file.
    pub reads: u64,
    /// Pages written to the file.
    pub writes: u64,
    /// Frames evicted.
    pub evictions: u64,
}

/// Buffer pool plus allocator for one data file.
pub struct Pager<F: IoFile> {
    file: F,
    frames: PageMap<Frame>,
    clock: Vec<PageId>,
    hand: usize,
    budget: usize,
    fresh: PageSet,
    free: BTreeSet<PageId>,
    pending: Vec<PageId>,
    /// Pages holding the durable free list: reusable after the next checkpoint.
    list_pages: Vec<PageId>,
    page_count: u64,
    stats: PagerStats,
}

impl<F: IoFile> Pager<F> {
    /// A pager over `file` whose durable image has `page_count` pages and the given free pages.
    /// `budget_bytes` bounds the cached nodes (counted as whole pages; at least 16 pages).
    pub fn new(
        file: F,
        page_count: u64,
        free: Vec<PageId>,
        list_pages: Vec<PageId>,
        budget_bytes: usize,
    ) -> Self {
        Self {
            file,
            frames: PageMap::default(),
            clock: Vec::new(),
            hand: 0,
            budget: (budget_bytes / PAGE_SIZE).max(16),
            fresh: PageSet::default(),
            free: free.into_iter().collect(),
            pending: Vec::new(),
            list_pages,
            page_count: page_count.max(FIRST_DATA_PAGE),
            stats: PagerStats::default(),
        }
    }

    /// The data file.
    pub fn file(&self) -> &F {
        &self.file
    }

    /// Counters.
    pub fn stats(&self) -> PagerStats {
        self.stats
    }

    /// Pages in the file's address space (high-water mark).
    pub fn page_count(&self) -> u64 {
        self.page_count
    }

    /// Pages reusable now plus pages reusable after the next checkpoint.
    pub fn free_page_count(&self) -> usize {
        self.free.len() + self.pending.len() + self.list_pages.len()
    }

    /// Whether `id` was allocated since the last checkpoint (may be modified in place).
    pub fn is_fresh(&self, id: PageId) -> bool {
        self.fresh.contains(&id)
    }

    /// Runs `f` on page `id`'s node if it is cached: one hash lookup and no future on the hot path.
    pub fn with_cached<R>(&mut self, id: PageId, f: impl FnOnce(&Node) -> R) -> Option<R> {
        let frame = self.frames.get_mut(&id)?;
        frame.referenced = true;
        Some(f(&frame.node))
    }

    /// The node of page `id`, loading it if needed.
    pub async fn node(&mut self, id: PageId) -> Result<&Node> {
        self.load(id).await?;
        let frame = self.frames.get_mut(&id).ok_or_else(|| missing(id))?;
        frame.referenced = true;
        Ok(&frame.node)
    }

    /// The node of fresh page `id` for modification (marks it dirty).
    pub async fn node_mut(&mut self, id: PageId) -> Result<&mut Node> {
        if !self.fresh.contains(&id) {
            return Err(StorageError::Internal(format!(
                "page {} is part of the durable image and must be copied before writing",
                id.0
            )));
        }
        self.load(id).await?;
        let frame = self.frames.get_mut(&id).ok_or_else(|| missing(id))?;
        frame.referenced = true;
        frame.dirty = true;
        Ok(&mut frame.node)
    }

    /// Returns a page id holding `id`'s node that may be modified: `id` itself when fresh, otherwise a copy
    /// at a new fresh page (the old page is freed once the next checkpoint is durable).
    pub async fn make_writable(&mut self, id: PageId) -> Result<PageId> {
        if self.fresh.contains(&id) {
            return Ok(id);
        }
        self.load(id).await?;
        let frame = self.frames.remove(&id).ok_or_else(|| missing(id))?;
        self.pending.push(id);
        self.alloc(frame.node).await
    }

    /// Allocates a fresh page holding `node` (dirty).
    pub async fn alloc(&mut self, node: Node) -> Result<PageId> {
        self.make_room().await?;
        let id = self.alloc_id();
        self.fresh.insert(id);
        self.frames.insert(
            id,
            Frame {
                node,
                dirty: true,
                referenced: true,
            },
        );
        self.clock.push(id);
        Ok(id)
    }

    fn alloc_id(&mut self) -> PageId {
        if let Some(id) = self.free.pop_first() {
            return id;
        }
        let id = PageId(self.page_count);
        self.page_count += 1;
        id
    }

    /// Frees page `id`: reusable at once if fresh, after the next checkpoint otherwise.
    pub fn free(&mut self, id: PageId) {
        self.frames.remove(&id);
        if self.fresh.remove(&id) {
            self.free.insert(id);
        } else {
            self.pending.push(id);
        }
    }

    async fn load(&mut self, id: PageId) -> Result<()> {
        if self.frames.contains_key(&id) {
            return Ok(());
        }
        if id.0 < FIRST_DATA_PAGE || id.0 >= self.page_count {
            return Err(StorageError::Corrupted(format!(
                "reference to page {} outside the file ({} pages)",
                id.0, self.page_count
            )));
        }
        self.make_room().await?;
        let bytes = self.file.read_at(id.offset(), PAGE_SIZE).await?;
        self.stats.reads += 1;
        let node = Node::decode(&bytes, id)?;
        self.frames.insert(
            id,
            Frame {
                node,
                dirty: false,
                referenced: true,
            },
        );
        self.clock.push(id);
        Ok(())
    }

    /// Evicts frames until one more fits in the budget.
    async fn make_room(&mut self) -> Result<()> {
        if self.clock.len() > 4 * self.budget {
            let frames = &self.frames;
            let mut seen = HashSet::new();
            self.clock
                .retain(|id| frames.contains_key(id) && seen.insert(*id));
            self.hand = 0;
        }
        while self.frames.len() >= self.budget {
            if self.hand >= self.clock.len() {
                self.hand = 0;
            }
            let id = self.clock[self.hand];
            let Some(frame) = self.frames.get_mut(&id) else {
                self.clock.swap_remove(self.hand);
                continue;
            };
            if frame.referenced {
                frame.referenced = false;
                self.hand += 1;
                continue;
            }
            if frame.dirty {
                // Write back this victim together with the next unreferenced dirty frames on the
                // clock (likely the next victims), so eviction keeps many writes in flight too.
                let mut batch = vec![id];
                for other in self.clock.iter().skip(self.hand + 1).take(EVICT_SCAN) {
                    if batch.len() >= EVICT_BATCH {
                        break;
                    }
                    if self
                        .frames
                        .get(other)
                        .is_some_and(|f| f.dirty && !f.referenced)
                    {
                        batch.push(*other);
                    }
                }
                batch.sort_unstable();
                batch.dedup();
                self.write_pages(batch).await?;
                continue;
            }
            self.frames.remove(&id);
            self.clock.swap_remove(self.hand);
            self.stats.evictions += 1;
        }
        Ok(())
    }

    /// Writes every dirty page (checkpoint step 3): runs of consecutive pages become one write, and up to
    /// [`WRITE_DEPTH`] writes are in flight at once.
    pub async fn flush_dirty(&mut self) -> Result<()> {
        let mut dirty: Vec<PageId> = self
            .frames
            .iter()
            .filter(|(_, f)| f.dirty)
            .map(|(id, _)| *id)
            .collect();
        dirty.sort_unstable();
        self.write_pages(dirty).await
    }

    /// Writes the given dirty pages (sorted ids) and marks them clean: runs of consecutive pages become one
    /// write, and up to [`WRITE_DEPTH`] writes are in flight at once.
    async fn write_pages(&mut self, dirty: Vec<PageId>) -> Result<()> {
        let mut runs: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut next_id = u64::MAX;
        for id in dirty {
            let frame = self.frames.get_mut(&id).ok_or_else(|| missing(id))?;
            debug_assert!(self.fresh.contains(&id), "COW: writing a durable page");
            let page = frame.node.encode(id)?;
            frame.dirty = false;
            self.stats.writes += 1;
            match runs.last_mut() {
                Some((_, buf)) if id.0 == next_id && buf.len() < MAX_RUN => {
                    buf.extend_from_slice(&page[..]);
                }
                _ => runs.push((id.offset(), page.to_vec())),
            }
            next_id = id.0 + 1;
        }
        let file = &self.file;
        run_concurrently(
            runs.iter().map(|(pos, buf)| file.write_at(*pos, buf)),
            WRITE_DEPTH,
        )
        .await
    }

    /// Marks the checkpoint whose meta page just became durable: pending pages become free and every
    /// page now belongs to the durable image.
    pub fn checkpoint_done(&mut self, new_list_pages: Vec<PageId>) {
        self.free.extend(self.pending.drain(..));
        self.free.extend(self.list_pages.drain(..));
        self.list_pages = new_list_pages;
        self.fresh.clear();
    }

    /// Frees every page of an overflow chain starting at `first`.
    pub async fn free_chain(&mut self, first: PageId) -> Result<()> {
        let mut next = first;
        while next.0 != 0 {
            let node = self.node(next).await?;
            let Node::Overflow { next: after, .. } = node else {
                return Err(StorageError::Corrupted(format!(
                    "page {} in an overflow chain is not an overflow page",
                    next.0
                )));
            };
            let after = *after;
            self.free(next);
            next = after;
        }
        Ok(())
    }
}

fn missing(id: PageId) -> StorageError {
    StorageError::Internal(format!("page {} vanished from the buffer pool", id.0))
}
