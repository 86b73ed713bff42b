//! The real backend: glommio `DmaFile`s (io_uring, O_DIRECT where the file system supports it) in one
//! shard directory. This file and `server`'s runtime are the only places glommio appears in storage.
//!
//! - Writes copy into a buffer from `DmaFile::alloc_dma_buffer` (aligned, registered with the ring when the
//!   memlock limit allows); the engine only writes whole 512-byte multiples at aligned offsets (8 KiB pages,
//!   WAL flushes padded to 4 KiB), which O_DIRECT requires. Short writes are continued.
//! - `sync` is `fdatasync` through the ring.
//! - Directory operations (create, rename, remove) are rare (segment roll, recycling) and use blocking
//!   `std::fs` calls followed by an fsync of the directory, so they are durable when they return.
//!
//! On tmpfs glommio silently falls back to buffered I/O (research §1.5); results there say nothing about
//! the disk.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use glommio::io::{DmaFile, OpenOptions};

use super::{Io, IoFile};
use crate::{Result, StorageError};

fn io_err<T>(e: glommio::GlommioError<T>) -> StorageError {
    StorageError::Io(std::io::Error::from(e))
}

/// One shard directory on a real file system. Cloning shares the path.
#[derive(Clone, Debug)]
pub struct GlommioIo {
    dir: Rc<PathBuf>,
}

impl GlommioIo {
    /// Uses (and creates if needed) the directory `dir`.
    pub fn new(dir: impl AsRef<Path>) -> Result<Self> {
        std::fs::create_dir_all(dir.as_ref())?;
        Ok(Self {
            dir: Rc::new(dir.as_ref().to_path_buf()),
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// glommio decides once per process and device whether reads may use the io_uring poll ring, by a
    /// probe read on the first `DmaFile` opened there. On an empty file that read succeeds trivially, the
    /// probe concludes "pollable", and every later read on a device without poll queues (virtio here)
    /// fails with EOPNOTSUPP. So before our first open, open a non-empty file on the same device once.
    async fn prime_iopoll_probe(&self) -> Result<()> {
        thread_local! {
            static PRIMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if PRIMED.with(std::cell::Cell::get) {
            return Ok(());
        }
        let probe = self.path(".iopoll-probe");
        std::fs::write(&probe, vec![0u8; 4096])?;
        let file = OpenOptions::new()
            .read(true)
            .dma_open(&probe)
            .await
            .map_err(io_err)?;
        file.close().await.map_err(io_err)?;
        std::fs::remove_file(&probe)?;
        PRIMED.with(|p| p.set(true));
        Ok(())
    }

    fn sync_dir(&self) -> Result<()> {
        std::fs::File::open(self.dir.as_path())?.sync_all()?;
        Ok(())
    }
}

/// An open `DmaFile`.
pub struct GlommioFile {
    file: DmaFile,
}

impl IoFile for GlommioFile {
    async fn read_at(&self, pos: u64, len: usize) -> Result<Vec<u8>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        // Past the end of the file the read comes back short (possibly empty), as the trait promises;
        // no size check first, which would cost a statx round trip per page read.
        let read = self.file.read_at(pos, len).await.map_err(io_err)?;
        Ok(read.to_vec())
    }

    async fn write_at(&self, pos: u64, data: &[u8]) -> Result<()> {
        let align = self.file.alignment();
        if !pos.is_multiple_of(align) || !(data.len() as u64).is_multiple_of(align) {
            return Err(StorageError::Internal(format!(
                "unaligned write of {} bytes at {pos} (alignment {align})",
                data.len()
            )));
        }
        let mut done = 0;
        while done < data.len() {
            let rest = &data[done..];
            let mut buf = self.file.alloc_dma_buffer(rest.len());
            buf.as_bytes_mut().copy_from_slice(rest);
            let n = self
                .file
                .write_at(buf, pos + done as u64)
                .await
                .map_err(io_err)?;
            if n == 0 {
                return Err(StorageError::Io(std::io::Error::new(
                    std::io::ErrorKind::WriteZero,
                    "write_at wrote nothing",
                )));
            }
            // A short write ends on an aligned boundary for O_DIRECT; continue from there.
            done += n;
        }
        Ok(())
    }

    async fn sync(&self) -> Result<()> {
        self.file.fdatasync().await.map_err(io_err)
    }

    async fn size(&self) -> Result<u64> {
        self.file.file_size().await.map_err(io_err)
    }
}

impl Io for GlommioIo {
    type File = GlommioFile;

    async fn open(&self, name: &str, create: bool) -> Result<GlommioFile> {
        self.prime_iopoll_probe().await?;
        let path = self.path(name);
        let existed = path.exists();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .dma_open(&path)
            .await
            .map_err(io_err)?;
        if !existed {
            self.sync_dir()?;
        }
        Ok(GlommioFile { file })
    }

    async fn exists(&self, name: &str) -> Result<bool> {
        Ok(self.path(name).exists())
    }

    async fn list(&self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(self.dir.as_path())? {
            if let Some(name) = entry?.file_name().to_str() {
                names.push(name.to_string());
            }
        }
        Ok(names)
    }

    async fn rename(&self, from: &str, to: &str) -> Result<()> {
        std::fs::rename(self.path(from), self.path(to))?;
        self.sync_dir()
    }

    async fn remove(&self, name: &str) -> Result<()> {
        std::fs::remove_file(self.path(name))?;
        self.sync_dir()
    }
}
