//! PGLiteDB storage: one shard's durable store, used by exactly one core.
//!
//! A data file of 8 KiB checksummed pages holds copy-on-write B+trees (many per shard, found through a
//! catalog tree); a write-ahead log of logical redo records makes commits durable with group commit;
//! checkpoints write dirty pages to new locations and switch a double-buffered meta page (shadow
//! paging), so the data file always holds a consistent image and recovery is "last checkpoint + replay the
//! WAL after it". The file formats, the commit and checkpoint protocols and the crash analysis are in
//! `storage/DESIGN.md`.
//!
//! Layers, bottom up:
//! - [`io`]: the file trait, an in-memory crash-modelling backend and the glommio `DmaFile` backend;
//! - `page`: the page header and checksum; `buffer`: buffer pool, allocator, copy-on-write;
//! - `btree`: the B+tree operations; [`keycode`]: order-preserving encoding of SQL values into keys;
//! - `wal`: records, segments, group commit, recovery scan;
//! - [`Engine`]: commits, prepared transactions, checkpoints, recovery.
//!
//! Single-core by design: no `Mutex`/`RwLock`; the engine takes `&mut self`, and only the WAL's group
//! commit state is shared (`Rc<RefCell<_>>`, never borrowed across an `.await`).
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod btree;
mod buffer;
mod engine;
mod error;
pub mod io;
pub mod keycode;
mod page;
mod wal;

pub use btree::{MAX_INLINE_ENTRY, MAX_KEY_LEN};
pub use buffer::PagerStats;
pub use engine::{
    CommitTicket, Engine, EngineConfig, EngineStats, InDoubt, Op, TreeId, TxnId, WriteBatch,
};
pub use error::{Result, StorageError};
pub use page::{PageId, PAGE_SIZE};
pub use wal::writer::WalStats;
pub use wal::Lsn;
