//! In-memory files with a crash model and fault injection (see the `io` module doc).
//!
//! Each file keeps its *durable* bytes and the list of writes since its last `sync`. Reads see the live
//! bytes (durable + pending writes in order). [`MemIo::crash_image`] builds the disk as it could look after
//! a power failure: durable bytes plus, for every pending write, one of: applied, dropped, or torn (a random
//! subset of its 512-byte sectors applied). Metadata operations (create, rename, remove) are durable at once.
//!
//! Fault injection: [`MemIo::fail_after`] makes every operation after the next `n` fail with an I/O error,
//! like a disk that died; the test then takes a crash image and reopens.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use rand::Rng;

use super::{Io, IoFile};
use crate::{Result, StorageError};

/// Sector size of the crash model: writes tear only at these boundaries.
pub const SECTOR: usize = 512;

#[derive(Clone, Default)]
struct FileState {
    durable: Vec<u8>,
    pending: Vec<(u64, Vec<u8>)>,
    live: Vec<u8>,
}

fn apply(buf: &mut Vec<u8>, pos: u64, data: &[u8]) {
    let pos = usize::try_from(pos).expect("invariant: in-memory file offsets fit in usize");
    if buf.len() < pos + data.len() {
        buf.resize(pos + data.len(), 0);
    }
    buf[pos..pos + data.len()].copy_from_slice(data);
}

#[derive(Default)]
struct Disk {
    files: BTreeMap<String, Rc<RefCell<FileState>>>,
    /// Operations left before every operation fails; `None` = no fault planned.
    ops_left: Option<u64>,
    ops: u64,
}

impl Disk {
    fn tick(&mut self) -> Result<()> {
        self.ops += 1;
        match &mut self.ops_left {
            None => Ok(()),
            Some(0) => Err(StorageError::Io(std::io::Error::other("injected fault"))),
            Some(n) => {
                *n -= 1;
                Ok(())
            }
        }
    }
}

/// An in-memory shard directory. Cloning shares the same disk.
#[derive(Clone, Default)]
pub struct MemIo {
    disk: Rc<RefCell<Disk>>,
}

impl MemIo {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// After `n` more operations, every operation fails (a dead disk). `None` clears the fault.
    pub fn fail_after(&self, n: Option<u64>) {
        self.disk.borrow_mut().ops_left = n;
    }

    /// Operations performed so far (to pick a random fault point).
    pub fn op_count(&self) -> u64 {
        self.disk.borrow().ops
    }

    /// The disk as it may look after a crash now: durable bytes plus each unsynced write applied,
    /// dropped or torn at sector granularity, chosen by `rng`. The image has no fault planned.
    pub fn crash_image(&self, rng: &mut impl Rng) -> MemIo {
        let disk = self.disk.borrow();
        let mut files = BTreeMap::new();
        for (name, file) in &disk.files {
            let file = file.borrow();
            let mut bytes = file.durable.clone();
            for (pos, data) in &file.pending {
                match rng.gen_range(0..3) {
                    0 => apply(&mut bytes, *pos, data),
                    1 => {}
                    _ => {
                        for (i, sector) in data.chunks(SECTOR).enumerate() {
                            if rng.gen_bool(0.5) {
                                apply(&mut bytes, pos + (i * SECTOR) as u64, sector);
                            }
                        }
                    }
                }
            }
            let state = FileState {
                durable: bytes.clone(),
                pending: Vec::new(),
                live: bytes,
            };
            files.insert(name.clone(), Rc::new(RefCell::new(state)));
        }
        MemIo {
            disk: Rc::new(RefCell::new(Disk {
                files,
                ops_left: None,
                ops: 0,
            })),
        }
    }

    /// Flips one bit of a file's live and durable bytes (corruption tests).
    pub fn flip_bit(&self, name: &str, byte: usize, bit: u8) {
        if let Some(file) = self.disk.borrow().files.get(name) {
            let mut file = file.borrow_mut();
            if byte < file.live.len() {
                file.live[byte] ^= 1 << bit;
            }
            if byte < file.durable.len() {
                file.durable[byte] ^= 1 << bit;
            }
        }
    }

    /// Total live bytes of all files (for size checks in tests).
    pub fn total_len(&self) -> usize {
        self.disk
            .borrow()
            .files
            .values()
            .map(|f| f.borrow().live.len())
            .sum()
    }
}

/// A file of a [`MemIo`].
pub struct MemFile {
    disk: Rc<RefCell<Disk>>,
    state: Rc<RefCell<FileState>>,
}

impl IoFile for MemFile {
    async fn read_at(&self, pos: u64, len: usize) -> Result<Vec<u8>> {
        self.disk.borrow_mut().tick()?;
        let state = self.state.borrow();
        let start = usize::try_from(pos)
            .unwrap_or(usize::MAX)
            .min(state.live.len());
        let end = start.saturating_add(len).min(state.live.len());
        Ok(state.live[start..end].to_vec())
    }

    async fn write_at(&self, pos: u64, data: &[u8]) -> Result<()> {
        self.disk.borrow_mut().tick()?;
        let mut state = self.state.borrow_mut();
        apply(&mut state.live, pos, data);
        state.pending.push((pos, data.to_vec()));
        Ok(())
    }

    async fn sync(&self) -> Result<()> {
        self.disk.borrow_mut().tick()?;
        let mut state = self.state.borrow_mut();
        state.durable = state.live.clone();
        state.pending.clear();
        Ok(())
    }

    async fn size(&self) -> Result<u64> {
        Ok(self.state.borrow().live.len() as u64)
    }
}

impl Io for MemIo {
    type File = MemFile;

    async fn open(&self, name: &str, create: bool) -> Result<MemFile> {
        let mut disk = self.disk.borrow_mut();
        disk.tick()?;
        let state = match disk.files.get(name) {
            Some(state) => state.clone(),
            None if create => {
                let state = Rc::new(RefCell::new(FileState::default()));
                disk.files.insert(name.to_string(), state.clone());
                state
            }
            None => {
                return Err(StorageError::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("no file {name}"),
                )))
            }
        };
        Ok(MemFile {
            disk: self.disk.clone(),
            state,
        })
    }

    async fn exists(&self, name: &str) -> Result<bool> {
        Ok(self.disk.borrow().files.contains_key(name))
    }

    async fn list(&self) -> Result<Vec<String>> {
        Ok(self.disk.borrow().files.keys().cloned().collect())
    }

    async fn rename(&self, from: &str, to: &str) -> Result<()> {
        let mut disk = self.disk.borrow_mut();
        disk.tick()?;
        let state = disk.files.remove(from).ok_or_else(|| {
            StorageError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no file {from}"),
            ))
        })?;
        disk.files.insert(to.to_string(), state);
        Ok(())
    }

    async fn remove(&self, name: &str) -> Result<()> {
        let mut disk = self.disk.borrow_mut();
        disk.tick()?;
        disk.files.remove(name);
        Ok(())
    }
}
