//! The pager: buffer pool of decoded nodes over the data file, page allocation and copy-on-write.
//!
//! Invariant COW (storage/DESIGN.md): a page reachable from the durable meta page is never written. Pages
//! allocated since the last checkpoint are *fresh*; only fresh pages may be modified ([`Pager::node_mut`]
//! refuses others), and [`Pager::make_writable`] moves a non-fresh page to a fresh location first. So any
//! dirty page can be written back at any time, by eviction or by the checkpoint.
//!
//! Eviction is CLOCK (second chance) over a budget in real bytes: each frame is charged its decoded node's
//! heap bytes, its key index and its share of the page table (`Frame::charge`), re-measured after every
//! modification (`node_mut` marks the frame *stale*; the next pager call re-measures it, since the
//! caller's `&mut Node` borrow has ended by then). The pool may exceed the budget by the node just loaded
//! until the next call makes room, and always keeps at least [`MIN_FRAMES`] frames. A dirty victim is
//! written to its own (fresh) location first. Nothing is pinned: callers hold page ids, never references,
//! across loads.
//!
//! Free space: `free` pages are reusable now; `pending` pages were part of the durable image and become
//! reusable once the next checkpoint is durable ([`Pager::checkpoint_done`]).

mod freelist;

pub use freelist::read_free_list;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::btree::node::Node;
use crate::btree::search::KeyIndex;
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
/// Dirty pages encoded and written per round (32 MiB of page images: up to 128 full runs).
const WRITE_CHUNK: usize = 4096;

/// Lookups of a node (since it last changed) served by a plain binary search before its key index is
/// built: a node modified between most lookups never pays for an index.
pub const INDEX_AFTER: u8 = 2;

/// Frames the pool keeps whatever the budget (a B+tree operation touches a path of pages at once).
pub const MIN_FRAMES: usize = 16;

/// Bytes a cached frame costs beyond its node's heap allocations: its page-table entry (hashbrown keeps
/// the table at most 7/8 full, plus a control byte), its clock slot and its entry in the fresh set.
const FRAME_OVERHEAD: usize = size_of::<(PageId, Frame)>() * 8 / 7 + 1 + 2 * size_of::<PageId>();

/// First page id the allocator hands out (0 and 1 are the meta slots).
pub const FIRST_DATA_PAGE: u64 = 2;

struct Frame {
    node: Node,
    /// Search array of the node's keys, built on the first indexed lookup and dropped by `node_mut`.
    index: Option<KeyIndex>,
    /// Bytes charged to the budget for this frame (see the module doc).
    charge: usize,
    /// Lookups since the node last changed that searched it without an index.
    plain_lookups: u8,
    dirty: bool,
    referenced: bool,
}

impl Frame {
    fn new(node: Node, dirty: bool) -> Self {
        let charge = FRAME_OVERHEAD + node.heap_bytes();
        Self {
            node,
            index: None,
            plain_lookups: 0,
            charge,
            dirty,
            referenced: true,
        }
    }

    /// Recomputes the charge; returns (old, new).
    fn remeasure(&mut self) -> (usize, usize) {
        let old = self.charge;
        self.charge = FRAME_OVERHEAD
            + self.node.heap_bytes()
            + self.index.as_ref().map_or(0, KeyIndex::heap_bytes);
        (old, self.charge)
    }
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
    /// Pages cached now.
    pub cached_pages: u64,
    /// Bytes charged for the cached pages now (what the budget bounds).
    pub cached_bytes: u64,
}

/// Buffer pool plus allocator for one data file.
pub struct Pager<F: IoFile> {
    file: F,
    frames: PageMap<Frame>,
    clock: Vec<PageId>,
    hand: usize,
    /// Budget in bytes.
    budget: usize,
    /// Bytes charged for all frames.
    used: usize,
    /// A frame handed out by `node_mut` whose charge is not re-measured yet.
    stale: Option<PageId>,
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
    /// `budget_bytes` bounds the memory of the cached nodes (at least [`MIN_FRAMES`] are kept).
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
            budget: budget_bytes,
            used: 0,
            stale: None,
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
        // The stale frame (if any) is measured now without recording it.
        let stale_delta = self
            .stale
            .and_then(|id| self.frames.get(&id))
            .map_or(0, |f| {
                let now = FRAME_OVERHEAD
                    + f.node.heap_bytes()
                    + f.index.as_ref().map_or(0, KeyIndex::heap_bytes);
                now as i64 - f.charge as i64
            });
        PagerStats {
            cached_pages: self.frames.len() as u64,
            cached_bytes: (self.used as i64 + stale_delta) as u64,
            ..self.stats
        }
    }

    /// Re-measures the frame last handed out by `node_mut` (its borrow has ended when this runs).
    fn settle(&mut self) {
        if let Some(id) = self.stale.take() {
            if let Some(frame) = self.frames.get_mut(&id) {
                let (old, new) = frame.remeasure();
                self.used = self.used - old + new;
            }
        }
    }

    /// Debug check of the accounting on small pools (tests): every charge is current and `used` is their
    /// sum.
    #[cfg(debug_assertions)]
    fn check_charges(&self) {
        if self.frames.len() > 512 {
            return;
        }
        let mut sum = 0;
        for frame in self.frames.values() {
            let now = FRAME_OVERHEAD
                + frame.node.heap_bytes()
                + frame.index.as_ref().map_or(0, KeyIndex::heap_bytes);
            assert_eq!(frame.charge, now, "stale buffer pool charge");
            sum += frame.charge;
        }
        assert_eq!(self.used, sum, "buffer pool charges do not add up");
    }

    /// Adds a frame for `id` and charges it.
    fn insert_frame(&mut self, id: PageId, frame: Frame) {
        self.used += frame.charge;
        if let Some(old) = self.frames.insert(id, frame) {
            self.used -= old.charge;
        }
        self.clock.push(id);
    }

    /// Removes `id`'s frame and its charge.
    fn remove_frame(&mut self, id: PageId) -> Option<Frame> {
        self.settle();
        let frame = self.frames.remove(&id)?;
        self.used -= frame.charge;
        Some(frame)
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

    /// Like [`Pager::with_cached`], also lending the node's [`KeyIndex`]: built on the
    /// [`INDEX_AFTER`]+1st lookup since the node last changed (`None` before; an overflow page gets an
    /// empty index).
    pub fn with_indexed<R>(
        &mut self,
        id: PageId,
        f: impl FnOnce(&Node, Option<&KeyIndex>) -> R,
    ) -> Option<R> {
        self.settle();
        let frame = self.frames.get_mut(&id)?;
        frame.referenced = true;
        if frame.index.is_none() {
            if frame.plain_lookups < INDEX_AFTER {
                // A node that keeps changing between lookups is cheaper to search as it is than to
                // index every time.
                frame.plain_lookups += 1;
                return Some(f(&frame.node, None));
            }
            let index = match &frame.node {
                Node::Leaf { keys, .. } | Node::Branch { keys, .. } => KeyIndex::build(keys),
                Node::Overflow { .. } => KeyIndex::default(),
            };
            frame.charge += index.heap_bytes();
            self.used += index.heap_bytes();
            frame.index = Some(index);
        }
        Some(f(&frame.node, frame.index.as_ref()))
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
        self.settle();
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
        frame.plain_lookups = 0;
        if let Some(index) = frame.index.take() {
            frame.charge -= index.heap_bytes();
            self.used -= index.heap_bytes();
        }
        self.stale = Some(id);
        Ok(&mut frame.node)
    }

    /// Returns a page id holding `id`'s node that may be modified: `id` itself when fresh, otherwise a copy
    /// at a new fresh page (the old page is freed once the next checkpoint is durable).
    pub async fn make_writable(&mut self, id: PageId) -> Result<PageId> {
        if self.fresh.contains(&id) {
            return Ok(id);
        }
        self.load(id).await?;
        let frame = self.remove_frame(id).ok_or_else(|| missing(id))?;
        self.pending.push(id);
        self.alloc(frame.node).await
    }

    /// Allocates a fresh page holding `node` (dirty).
    pub async fn alloc(&mut self, node: Node) -> Result<PageId> {
        self.make_room().await?;
        let id = self.alloc_id();
        self.fresh.insert(id);
        self.insert_frame(id, Frame::new(node, true));
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
        self.remove_frame(id);
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
        self.insert_frame(id, Frame::new(node, false));
        Ok(())
    }

    /// Evicts frames until one more fits in the budget.
    async fn make_room(&mut self) -> Result<()> {
        self.settle();
        #[cfg(debug_assertions)]
        self.check_charges();
        if self.clock.len() > 4 * self.frames.len() + 64 {
            let frames = &self.frames;
            let mut seen = HashSet::new();
            self.clock
                .retain(|id| frames.contains_key(id) && seen.insert(*id));
            self.hand = 0;
        }
        while self.used >= self.budget && self.frames.len() > MIN_FRAMES {
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
            self.remove_frame(id);
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
    /// The pages are encoded and written [`WRITE_CHUNK`] at a time, so a checkpoint of a large dirty set
    /// does not hold an encoded copy of all of it at once.
    async fn write_pages(&mut self, dirty: Vec<PageId>) -> Result<()> {
        for chunk in dirty.chunks(WRITE_CHUNK) {
            self.write_chunk(chunk).await?;
        }
        Ok(())
    }

    async fn write_chunk(&mut self, dirty: &[PageId]) -> Result<()> {
        let mut runs: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut next_id = u64::MAX;
        for &id in dirty {
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
