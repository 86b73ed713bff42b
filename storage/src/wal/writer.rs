//! Appending and group commit.
//!
//! Appends go to an in-memory buffer for the current segment (assigning LSNs). Durability is asked for
//! with [`wait_durable`]: the first waiter whose LSN is not durable while no flush is running becomes the
//! flusher; it takes *everything* buffered, writes it padded to the next [`BLOCK`] boundary, fdatasyncs,
//! and wakes the rest. Commits that arrive while a flush is in flight are buffered meanwhile and all go out
//! in the next write + fdatasync (group commit). The padding is never written over: the segment's next
//! write starts on the next block, so a block holding acknowledged records is never rewritten.
//!
//! Failure is sticky: after a failed write or fdatasync the log is poisoned (a retried fdatasync can
//! report success for pages the kernel already dropped), and the shard must be reopened.

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use rand::Rng;

use super::record::{Record, FRAME_HEADER};
use super::{segment_name, spare_name, Lsn, SegmentHeader, BLOCK, HEADER_BLOCK};
use crate::io::{Io, IoFile};
use crate::{Result, StorageError};

/// Spare segments kept for reuse; older ones are removed.
const MAX_SPARES: usize = 2;

struct Segment<F> {
    seq: u64,
    file: Rc<F>,
    salt: u32,
    /// Bytes of the segment already handed to a flush (block-aligned).
    write_pos: u64,
    /// Buffered bytes, to be written at `write_pos`.
    buf: Vec<u8>,
    /// The segment's length: the configured size, or more for a segment made to hold one record
    /// larger than that (a bulk transaction's commit).
    size: u64,
}

struct Chunk<F> {
    file: Rc<F>,
    pos: u64,
    bytes: Vec<u8>,
}

/// WAL counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct WalStats {
    /// Flushes (write + fdatasync rounds).
    pub flushes: u64,
    /// Bytes written, padding included.
    pub bytes: u64,
}

struct State<F> {
    cur: Segment<F>,
    sealed: Vec<Chunk<F>>,
    next_lsn: u64,
    durable_lsn: u64,
    flushing: bool,
    failed: bool,
    generation: u64,
    waiters: Vec<Waker>,
    /// Live segments, oldest first: (seq, first_lsn).
    segments: Vec<(u64, u64)>,
    spares: Vec<u64>,
    stats: WalStats,
}

/// The part of the WAL that commit tickets share.
pub struct Shared<F> {
    st: RefCell<State<F>>,
}

/// The appender: owned by the engine.
pub struct WalWriter<I: Io> {
    io: I,
    seg_size: u64,
    shared: Rc<Shared<I::File>>,
}

/// Where the WAL continues after recovery.
pub struct StartPoint {
    /// Sequence number for the new segment.
    pub seq: u64,
    /// Next LSN to assign.
    pub next_lsn: u64,
    /// Live segments (seq, first_lsn), oldest first, excluding the new one.
    pub segments: Vec<(u64, u64)>,
    /// Spare segment files.
    pub spares: Vec<u64>,
}

async fn open_segment<I: Io>(
    io: &I,
    seg_size: u64,
    spare: Option<u64>,
    seq: u64,
    first_lsn: u64,
) -> Result<Segment<I::File>> {
    let name = segment_name(seq);
    let file = match spare {
        Some(old) => {
            io.rename(&spare_name(old), &name).await?;
            io.open(&name, false).await?
        }
        None => io.open(&name, true).await?,
    };
    let len = file.size().await?;
    // Only a file this call created and zero-fills whole is known to read zeros wherever no flush wrote.
    let zero_filled = spare.is_none() && len == 0;
    if len < seg_size {
        // Zero-fill: overwriting allocated blocks is much cheaper to fdatasync than extending a file.
        let zeros = vec![0u8; 1 << 20];
        let mut pos = len / BLOCK as u64 * BLOCK as u64;
        while pos < seg_size {
            let n = (seg_size - pos).min(zeros.len() as u64);
            file.write_at(pos, &zeros[..n as usize]).await?;
            pos += n;
        }
        file.sync().await?;
    }
    let salt = rand::thread_rng().gen::<u32>();
    let header = SegmentHeader {
        seq,
        first_lsn,
        salt,
        zero_filled,
    };
    Ok(Segment {
        seq,
        file: Rc::new(file),
        salt,
        write_pos: 0,
        buf: header.encode(),
        size: seg_size,
    })
}

impl<I: Io> WalWriter<I> {
    /// Starts writing at `start` (from recovery), opening a fresh segment.
    pub async fn start(io: I, seg_size: u64, mut start: StartPoint) -> Result<Self> {
        let spare = start.spares.pop();
        let cur = open_segment(&io, seg_size, spare, start.seq, start.next_lsn).await?;
        start.segments.push((start.seq, start.next_lsn));
        let st = State {
            cur,
            sealed: Vec::new(),
            next_lsn: start.next_lsn,
            durable_lsn: start.next_lsn - 1,
            flushing: false,
            failed: false,
            generation: 0,
            waiters: Vec::new(),
            segments: start.segments,
            spares: start.spares,
            stats: WalStats::default(),
        };
        Ok(Self {
            io,
            seg_size,
            shared: Rc::new(Shared {
                st: RefCell::new(st),
            }),
        })
    }

    /// The state shared with commit tickets.
    pub fn shared(&self) -> Rc<Shared<I::File>> {
        self.shared.clone()
    }

    /// The LSN up to which everything is durable.
    pub fn durable_lsn(&self) -> Lsn {
        Lsn(self.shared.st.borrow().durable_lsn)
    }

    /// The LSN of the last appended record.
    pub fn last_lsn(&self) -> Lsn {
        Lsn(self.shared.st.borrow().next_lsn - 1)
    }

    /// Counters.
    pub fn stats(&self) -> WalStats {
        self.shared.st.borrow().stats
    }

    /// Appends a record to the buffer and returns its LSN (not yet durable).
    pub async fn append(&mut self, rec: &Record) -> Result<Lsn> {
        let mut frame = Vec::new();
        loop {
            let (lsn, salt) = {
                let st = self.shared.st.borrow();
                if st.failed {
                    return Err(StorageError::Poisoned);
                }
                (st.next_lsn, st.cur.salt)
            };
            frame.clear();
            rec.encode(lsn, salt, &mut frame);
            // A record that cannot fit a configured segment gets a segment of its own, sized to
            // hold the segment header, a `Synced` marker and the record (recovery reads a segment
            // file whole, whatever its length).
            let oversize =
                (frame.len() + FRAME_HEADER + 8) as u64 > self.seg_size - HEADER_BLOCK as u64;
            if frame.len() > u32::MAX as usize {
                return Err(StorageError::RecordTooLarge(frame.len()));
            }
            {
                let mut st = self.shared.st.borrow_mut();
                // The first record of every flush is preceded by a `Synced` marker (DESIGN.md, Recovery).
                let at_flush_start = st.cur.buf.is_empty()
                    || (st.cur.write_pos == 0 && st.cur.buf.len() == HEADER_BLOCK);
                let marker = if at_flush_start {
                    let mut m = Vec::with_capacity(FRAME_HEADER + 8);
                    Record::Synced(st.durable_lsn).encode(0, salt, &mut m);
                    m
                } else {
                    Vec::new()
                };
                let end = st.cur.write_pos + (st.cur.buf.len() + marker.len() + frame.len()) as u64;
                if end <= st.cur.size {
                    st.cur.buf.extend_from_slice(&marker);
                    st.cur.buf.extend_from_slice(&frame);
                    st.next_lsn += 1;
                    return Ok(Lsn(lsn));
                }
            }
            let size = if oversize {
                let need = HEADER_BLOCK + 2 * (FRAME_HEADER + 8) + frame.len() + BLOCK;
                (need.div_ceil(BLOCK) * BLOCK) as u64
            } else {
                self.seg_size
            };
            self.roll(size).await?;
        }
    }

    /// Starts the next segment; the current one's buffered tail is flushed with the next batch.
    async fn roll(&mut self, size: u64) -> Result<()> {
        let (seq, first_lsn, spare) = {
            let mut st = self.shared.st.borrow_mut();
            (st.cur.seq + 1, st.next_lsn, st.spares.pop())
        };
        let seg = open_segment(&self.io, size, spare, seq, first_lsn).await?;
        let mut st = self.shared.st.borrow_mut();
        let old = std::mem::replace(&mut st.cur, seg);
        if !old.buf.is_empty() {
            let mut bytes = old.buf;
            pad(&mut bytes, old.write_pos, old.size);
            st.sealed.push(Chunk {
                file: old.file,
                pos: old.write_pos,
                bytes,
            });
        }
        st.segments.push((seq, first_lsn));
        Ok(())
    }

    /// Recycles segments whose records are all below `lsn` (durable checkpoint's replay start).
    pub async fn recycle_before(&mut self, lsn: Lsn) -> Result<()> {
        loop {
            let victim = {
                let st = self.shared.st.borrow();
                match st.segments.as_slice() {
                    [(seq, _), (_, next_first), ..]
                        if *next_first <= lsn.0 && *seq != st.cur.seq =>
                    {
                        Some((*seq, st.spares.len() >= MAX_SPARES))
                    }
                    _ => None,
                }
            };
            let Some((seq, remove)) = victim else {
                return Ok(());
            };
            if remove {
                self.io.remove(&segment_name(seq)).await?;
            } else {
                self.io.rename(&segment_name(seq), &spare_name(seq)).await?;
            }
            let mut st = self.shared.st.borrow_mut();
            st.segments.remove(0);
            if !remove {
                st.spares.push(seq);
            }
        }
    }
}

/// Pads a flush to the block boundary with zeros (O_DIRECT needs whole blocks, and the next flush starts on
/// a fresh block). The reader takes a zero length field as "skip to the next block"; a gap of 1-3 bytes
/// cannot hold one, so a whole extra zero block is added then (unless the segment ends first).
fn pad(bytes: &mut Vec<u8>, write_pos: u64, seg_size: u64) {
    let mut padded = bytes.len().div_ceil(BLOCK) * BLOCK;
    let gap = padded - bytes.len();
    if (1..4).contains(&gap) && write_pos + (padded + BLOCK) as u64 <= seg_size {
        padded += BLOCK;
    }
    bytes.resize(padded, 0);
}

/// Resolves once every record up to `lsn` is durable, flushing (and batching others' records) if needed.
pub async fn wait_durable<F: IoFile>(shared: &Rc<Shared<F>>, lsn: Lsn) -> Result<()> {
    loop {
        let in_flight = {
            let st = shared.st.borrow();
            if st.durable_lsn >= lsn.0 {
                return Ok(());
            }
            if st.failed {
                return Err(StorageError::Poisoned);
            }
            if lsn.0 >= st.next_lsn {
                return Err(StorageError::Internal(format!(
                    "waiting for LSN {} that was never appended",
                    lsn.0
                )));
            }
            st.flushing.then_some(st.generation)
        };
        match in_flight {
            None => flush(shared).await?,
            Some(generation) => {
                poll_fn(|cx| {
                    let mut st = shared.st.borrow_mut();
                    if st.generation != generation {
                        Poll::Ready(())
                    } else {
                        st.waiters.push(cx.waker().clone());
                        Poll::Pending
                    }
                })
                .await;
            }
        }
    }
}

/// Clears `flushing` if a flush future is dropped mid-way (its task cancelled): the outcome of the
/// write is unknown, so the log is poisoned, and the waiters are woken instead of hanging forever.
struct FlushGuard<'a, F> {
    shared: &'a Rc<Shared<F>>,
    armed: bool,
}

impl<F> Drop for FlushGuard<'_, F> {
    fn drop(&mut self) {
        if self.armed {
            let mut st = self.shared.st.borrow_mut();
            st.flushing = false;
            st.failed = true;
            st.generation += 1;
            for w in st.waiters.drain(..) {
                w.wake();
            }
        }
    }
}

/// One group-commit round: write everything buffered, fdatasync, publish the durable LSN.
async fn flush<F: IoFile>(shared: &Rc<Shared<F>>) -> Result<()> {
    let mut guard = FlushGuard {
        shared,
        armed: true,
    };
    let (chunks, target) = {
        let mut st = shared.st.borrow_mut();
        st.flushing = true;
        let mut chunks: Vec<Chunk<F>> = st.sealed.drain(..).collect();
        if !st.cur.buf.is_empty() {
            let mut bytes = std::mem::take(&mut st.cur.buf);
            pad(&mut bytes, st.cur.write_pos, st.cur.size);
            let pos = st.cur.write_pos;
            st.cur.write_pos += bytes.len() as u64;
            chunks.push(Chunk {
                file: st.cur.file.clone(),
                pos,
                bytes,
            });
        }
        (chunks, st.next_lsn - 1)
    };
    let result = async {
        for c in &chunks {
            c.file.write_at(c.pos, &c.bytes).await?;
        }
        let mut synced: Vec<&Rc<F>> = Vec::new();
        for c in &chunks {
            if !synced.iter().any(|f| Rc::ptr_eq(f, &c.file)) {
                c.file.sync().await?;
                synced.push(&c.file);
            }
        }
        Ok::<(), StorageError>(())
    }
    .await;
    guard.armed = false;
    let mut st = shared.st.borrow_mut();
    st.flushing = false;
    st.generation += 1;
    match &result {
        Ok(()) => {
            st.durable_lsn = st.durable_lsn.max(target);
            st.stats.flushes += 1;
            st.stats.bytes += chunks.iter().map(|c| c.bytes.len() as u64).sum::<u64>();
        }
        Err(_) => st.failed = true,
    }
    for w in st.waiters.drain(..) {
        w.wake();
    }
    result
}
