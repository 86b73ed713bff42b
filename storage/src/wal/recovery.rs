//! Finding the end of the log at open (storage/DESIGN.md, "Recovery" step 3 and 5).
//!
//! Segments are read in seq order from the newest one whose `first_lsn` ≤ the replay start. Within a
//! segment the scan accepts a record only if its length fits, its crc (with the segment salt) matches and
//! its LSN is exactly the next one; a zero length skips to the next block (padding). The first record
//! that fails ends the segment; the log continues in the next segment only if that one's header is valid
//! and starts at the next expected LSN. Everything after is a torn or stale tail: those segment files
//! become spares and the writer starts a new segment, so stale bytes can never later read as a
//! continuation. Unless the failure is provably damage to durable data (a later flush's `Synced` marker,
//! the checkpoint's `ckpt_lsn`, or a whole-written frame in a zero-filled segment: DESIGN.md, "What
//! recovery can tell apart"), which is `Corrupted`.

use super::record::{frame_crc, Record, FRAME_HEADER};
use super::writer::StartPoint;
use super::{parse_name, segment_name, Lsn, SegmentHeader, BLOCK, HEADER_BLOCK};
use crate::io::{Io, IoFile};
use crate::{Result, StorageError};

/// The records to replay and where the writer continues.
pub struct Scan {
    /// Records with LSN ≥ the replay start, in order.
    pub records: Vec<(Lsn, Record)>,
    /// Where new records go.
    pub start: StartPoint,
}

/// Scans the WAL in `io` for records from `replay_start` on. `durable` is an LSN known to have been
/// durable (the checkpoint's `ckpt_lsn`: a checkpoint flushes the WAL up to it before its meta page is
/// written); a log that ends at or before it is damaged.
pub async fn scan<I: Io>(io: &I, replay_start: Lsn, durable: Lsn) -> Result<Scan> {
    let mut seqs = Vec::new();
    let mut spares = Vec::new();
    for name in io.list().await? {
        if let Some(seq) = parse_name(&name, "wal-") {
            seqs.push(seq);
        } else if let Some(seq) = parse_name(&name, "spare-") {
            spares.push(seq);
        }
    }
    seqs.sort_unstable();
    // Headers of all segments; pick the newest valid one starting at or before the replay start.
    let mut headers = Vec::new();
    for &seq in &seqs {
        let file = io.open(&segment_name(seq), false).await?;
        let head = file.read_at(0, HEADER_BLOCK).await?;
        headers.push(SegmentHeader::decode(&head, seq));
    }
    let first = headers
        .iter()
        .enumerate()
        .rev()
        .find(|(_, h)| h.is_some_and(|h| h.first_lsn <= replay_start.0))
        .map(|(i, _)| i);
    let mut records = Vec::new();
    let mut segments = Vec::new();
    let Some(first) = first else {
        // No usable segment: consistent only if no segment is valid at all (e.g. a fresh store, or a
        // first segment whose header never became durable, so nothing in it was acknowledged).
        if headers.iter().any(Option::is_some) {
            return Err(StorageError::Corrupted(format!(
                "WAL does not reach back to LSN {}",
                replay_start.0
            )));
        }
        for &seq in &seqs {
            retire(io, seq, &mut spares).await?;
        }
        let seq = seqs.last().map_or(1, |s| s + 1);
        return Ok(Scan {
            records,
            start: StartPoint {
                seq,
                next_lsn: replay_start.0,
                segments,
                spares,
            },
        });
    };
    // Older segments stay listed (they are recycled by the next checkpoint).
    for (i, h) in headers.iter().enumerate().take(first) {
        if let Some(h) = h {
            segments.push((seqs[i], h.first_lsn));
        }
    }
    let mut expected = headers[first].map_or(replay_start.0, |h| h.first_lsn);
    let mut last = first;
    let mut tail: Option<(Vec<u8>, SegmentHeader, Stop)> = None;
    for i in first..seqs.len() {
        let Some(h) = headers[i].filter(|h| h.first_lsn == expected) else {
            break;
        };
        let bytes = read_segment(io, seqs[i]).await?;
        let stop = scan_segment(&bytes, h, expected, replay_start, &mut records)?;
        expected = stop.next_lsn;
        segments.push((seqs[i], h.first_lsn));
        last = i;
        tail = Some((bytes, h, stop));
    }
    // Before treating what follows as a torn tail, make sure no later flush vouches for it, and that it
    // cannot be told from a torn write by its bytes.
    if let Some((bytes, h, stop)) = &tail {
        check_claims(bytes, *h, stop.pos, expected)?;
        if h.zero_filled && stop.after_frame {
            check_not_torn(bytes, stop.pos, expected)?;
        }
    }
    for i in last + 1..seqs.len() {
        if let Some(h) = headers[i] {
            check_claims(&read_segment(io, seqs[i]).await?, h, HEADER_BLOCK, expected)?;
        }
    }
    if expected < replay_start.0 {
        return Err(StorageError::Corrupted(format!(
            "WAL ends at LSN {} before the checkpoint's replay start {}",
            expected - 1,
            replay_start.0
        )));
    }
    if expected <= durable.0 {
        return Err(StorageError::Corrupted(format!(
            "WAL record {expected} is damaged or missing, but the checkpoint records LSN {} as durable",
            durable.0
        )));
    }
    // Segments beyond the end of the log become spares (their stale records fail the new salt).
    for &seq in &seqs[last + 1..] {
        retire(io, seq, &mut spares).await?;
    }
    Ok(Scan {
        records,
        start: StartPoint {
            seq: seqs[last] + 1,
            next_lsn: expected,
            segments,
            spares,
        },
    })
}

/// Spare segment files kept at open (more are removed).
const MAX_SPARES_AT_OPEN: usize = 4;

/// Turns segment `seq` into a spare (or removes it when there are enough), so a store that is opened
/// and closed repeatedly does not zero-fill a new segment every time.
async fn retire<I: Io>(io: &I, seq: u64, spares: &mut Vec<u64>) -> Result<()> {
    if spares.len() >= MAX_SPARES_AT_OPEN || spares.contains(&seq) {
        return io.remove(&segment_name(seq)).await;
    }
    io.rename(&segment_name(seq), &super::spare_name(seq))
        .await?;
    spares.push(seq);
    Ok(())
}

async fn read_segment<I: Io>(io: &I, seq: u64) -> Result<Vec<u8>> {
    let file = io.open(&segment_name(seq), false).await?;
    let len = file.size().await?;
    file.read_at(0, usize::try_from(len).unwrap_or(usize::MAX))
        .await
}

/// Where the scan of a segment stopped.
struct Stop {
    /// The next expected LSN.
    next_lsn: u64,
    /// Byte position of the first frame that failed (or the end of the segment).
    pos: usize,
    /// Whether `pos` directly follows a valid frame, so a frame really starts there (after a zero
    /// length skipped to a block start, `pos` may be in the middle of a frame whose start was lost).
    after_frame: bool,
}

/// Reads one segment's valid records.
fn scan_segment(
    bytes: &[u8],
    h: SegmentHeader,
    mut expected: u64,
    replay_start: Lsn,
    out: &mut Vec<(Lsn, Record)>,
) -> Result<Stop> {
    let mut pos = HEADER_BLOCK;
    let mut after_frame = false;
    while pos + FRAME_HEADER <= bytes.len() {
        let len = u32::from_le_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]);
        let len = len as usize;
        if len == 0 {
            pos = (pos / BLOCK + 1) * BLOCK;
            after_frame = false;
            continue;
        }
        if len < FRAME_HEADER - 8 || pos + 8 + len > bytes.len() {
            break;
        }
        let crc = u32::from_le_bytes([
            bytes[pos + 4],
            bytes[pos + 5],
            bytes[pos + 6],
            bytes[pos + 7],
        ]);
        let checked = &bytes[pos + 8..pos + 8 + len];
        if crc != frame_crc(h.salt, checked) {
            break;
        }
        let mut lsn = [0u8; 8];
        lsn.copy_from_slice(&checked[0..8]);
        let lsn = u64::from_le_bytes(lsn);
        if lsn == 0 && checked[8] == SYNCED_KIND {
            // A flush's `Synced` marker: outside the LSN sequence.
            pos += 8 + len;
            after_frame = true;
            continue;
        }
        if lsn != expected {
            // A valid frame out of sequence: the frames between were lost, which a torn write can do
            // (their start read as padding), so this is not classified further.
            after_frame = false;
            break;
        }
        if expected >= replay_start.0 {
            // A record with a valid crc that does not decode is corruption, not a torn tail.
            let rec = Record::decode(checked[8], &checked[9..])?;
            out.push((Lsn(expected), rec));
        }
        expected += 1;
        pos += 8 + len;
        after_frame = true;
    }
    Ok(Stop {
        next_lsn: expected,
        pos,
        after_frame,
    })
}

/// Sector size of the media model (DESIGN.md, "Media assumptions"): a write tears only at these bounds.
const SECTOR: usize = 512;

/// Classifies the first failing frame of a zero-filled segment's tail. A torn write leaves some sector of
/// the frame as it was before, which in a zero-filled segment is all zeros (no earlier flush wrote past
/// the previous block boundary); so a frame that really starts at `pos` (it follows a valid frame), has
/// a length that fits, fails its crc and has no all-zero sector was written whole and damaged since:
/// that is corruption, not the end of the log. Anything else may be a torn write and ends the log.
fn check_not_torn(bytes: &[u8], pos: usize, lsn: u64) -> Result<()> {
    if pos + FRAME_HEADER > bytes.len() {
        return Ok(());
    }
    let len =
        u32::from_le_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]) as usize;
    if len < FRAME_HEADER - 8 || pos + 8 + len > bytes.len() {
        return Ok(());
    }
    let first = pos / SECTOR * SECTOR;
    let end = pos + 8 + len;
    let has_zero_sector = bytes[first..end.div_ceil(SECTOR) * SECTOR]
        .chunks(SECTOR)
        .any(|s| s.iter().all(|b| *b == 0));
    if has_zero_sector {
        return Ok(());
    }
    Err(StorageError::Corrupted(format!(
        "WAL record {lsn} is damaged: it was written whole (no sector of it is unwritten) but fails its checksum"
    )))
}

/// Kind byte of `Record::Synced` (must agree with `record.rs`).
const SYNCED_KIND: u8 = 5;

/// Looks at every block start from `from` on for a valid `Synced` marker (this segment's salt) claiming
/// that LSN `end` or later was durable; finding one means the log ends at a damaged acknowledged record,
/// not at a torn tail.
fn check_claims(bytes: &[u8], h: SegmentHeader, from: usize, end: u64) -> Result<()> {
    let mut pos = from.div_ceil(BLOCK) * BLOCK;
    while pos + FRAME_HEADER + 8 <= bytes.len() {
        let len = u32::from_le_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]);
        if len as usize == FRAME_HEADER - 8 + 8 {
            let crc = u32::from_le_bytes([
                bytes[pos + 4],
                bytes[pos + 5],
                bytes[pos + 6],
                bytes[pos + 7],
            ]);
            let checked = &bytes[pos + 8..pos + 8 + len as usize];
            if crc == frame_crc(h.salt, checked) && checked[0..8] == [0; 8] {
                if let Ok(Record::Synced(d)) = Record::decode(checked[8], &checked[9..]) {
                    if d >= end {
                        return Err(StorageError::Corrupted(format!(
                            "WAL record {end} is damaged, but a later flush records LSN {d} as durable"
                        )));
                    }
                }
            }
        }
        pos += BLOCK;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use futures_lite::future::block_on;

    use super::*;
    use crate::io::memory::MemIo;
    use crate::wal::record::{Op, TreeId};
    use crate::wal::writer::{wait_durable, WalWriter};

    /// A put record whose frame is exactly `len` bytes.
    fn record_of_len(len: usize) -> Record {
        // frame = header 17 + op count 4 + (kind 1 + tree 8 + klen 4 + key 1 + vlen 4) + value
        Record::Commit(vec![Op::Put {
            tree: TreeId(1),
            key: vec![b'k'],
            value: vec![7; len - 17 - 4 - 18],
        }])
    }

    #[test]
    fn every_tail_gap_before_a_block_boundary_reads_back() {
        block_on(async {
            let io = MemIo::new();
            let start = StartPoint {
                seq: 1,
                next_lsn: 1,
                segments: Vec::new(),
                spares: Vec::new(),
            };
            let mut wal = WalWriter::start(io.clone(), 1 << 20, start)
                .await
                .expect("start");
            let mut want = Vec::new();
            // Each flush starts on a fresh block; a record of BLOCK - gap bytes leaves `gap` bytes of
            // padding, including the 1-3 byte gaps that cannot hold a zero length field.
            for gap in 0..10 {
                let rec = record_of_len(BLOCK - gap);
                let lsn = wal.append(&rec).await.expect("append");
                wait_durable(&wal.shared(), lsn).await.expect("flush");
                want.push((lsn, rec));
            }
            let scan = scan(&io, Lsn(1), Lsn(0)).await.expect("scan");
            assert_eq!(scan.records.len(), want.len());
            assert!(scan.records == want);
            assert_eq!(scan.start.next_lsn, 11);
        });
    }
}
