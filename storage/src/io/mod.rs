//! The I/O boundary: files of one shard directory, behind a small async trait.
//!
//! Implementations:
//! - [`memory::MemIo`]: in-memory files that model *live* bytes (what reads see) and *durable* bytes (what
//!   survives a crash), with fault injection (fail after N operations) and crash images where every
//!   unsynced write is kept, dropped or torn at sector granularity. Used by the model-based crash tests.
//! - [`glommio::GlommioIo`]: glommio `DmaFile`s (O_DIRECT, io_uring, fdatasync) for the real server.
//!
//! Contract shared by all implementations (the engine relies on it):
//! - `write_at` offsets and lengths used by the engine are multiples of 512 (pages are 8 KiB, WAL flushes are
//!   padded to 4 KiB), so O_DIRECT backends need no read-modify-write.
//! - `sync` (fdatasync) makes every completed write of that file durable; until then a crash may keep,
//!   drop or tear each write.
//! - `create`, `rename` and `remove` are durable when they return (backends sync the directory).
//! - Reads past the end of a file return the bytes that exist (possibly none).
//!
//! The traits use `async fn` without `Send` bounds on purpose: a shard's store lives on one core.
#![allow(async_fn_in_trait)]

pub mod glommio;
pub mod memory;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

use crate::Result;

/// Runs futures concurrently, at most `depth` at a time, stopping at the first error. Used to keep many
/// writes in flight (checkpoints), since one `write_at` at a time pays a full device round trip each.
pub async fn run_concurrently<Fut>(futs: impl IntoIterator<Item = Fut>, depth: usize) -> Result<()>
where
    Fut: Future<Output = Result<()>>,
{
    let mut pending = futs.into_iter();
    let mut running: Vec<Pin<Box<Fut>>> = Vec::new();
    loop {
        while running.len() < depth.max(1) {
            match pending.next() {
                Some(f) => running.push(Box::pin(f)),
                None => break,
            }
        }
        if running.is_empty() {
            return Ok(());
        }
        poll_fn(|cx| {
            let mut done = false;
            let mut i = 0;
            while i < running.len() {
                match running[i].as_mut().poll(cx) {
                    Poll::Ready(Ok(())) => {
                        drop(running.swap_remove(i));
                        done = true;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => i += 1,
                }
            }
            if done {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await?;
    }
}

/// One open file.
pub trait IoFile {
    /// Reads up to `len` bytes at `pos`; fewer at the end of the file.
    async fn read_at(&self, pos: u64, len: usize) -> Result<Vec<u8>>;
    /// Writes all of `data` at `pos` (aligned to 512 bytes).
    async fn write_at(&self, pos: u64, data: &[u8]) -> Result<()>;
    /// fdatasync: makes completed writes durable.
    async fn sync(&self) -> Result<()>;
    /// Current length in bytes.
    async fn size(&self) -> Result<u64>;
}

/// A directory of files (one shard's).
pub trait Io {
    /// The file handle type.
    type File: IoFile;
    /// Opens a file, creating it empty if `create` and it does not exist.
    async fn open(&self, name: &str, create: bool) -> Result<Self::File>;
    /// Whether a file exists.
    async fn exists(&self, name: &str) -> Result<bool>;
    /// Names of all files in the directory.
    async fn list(&self) -> Result<Vec<String>>;
    /// Renames a file (replacing `to`), durably.
    async fn rename(&self, from: &str, to: &str) -> Result<()>;
    /// Removes a file, durably.
    async fn remove(&self, name: &str) -> Result<()>;
}
