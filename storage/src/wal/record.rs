//! WAL record framing and payloads (byte layout in storage/DESIGN.md, "WAL segments").
//!
//! Frame: `len: u32 | crc: u32 | lsn: u64 | kind: u8 | payload`; `len` counts the bytes after `crc`;
//! `crc = crc32(salt ‖ lsn ‖ kind ‖ payload)` with the segment's salt. Must agree with `recovery.rs`.

use crate::{Result, StorageError};

/// Bytes before the payload.
pub const FRAME_HEADER: usize = 4 + 4 + 8 + 1;

/// Identifies one B+tree of a shard (a table or index partition). Tree 0 is the internal catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TreeId(pub u64);

/// A multi-shard transaction's id, chosen by its coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxnId(pub u64);

/// One logical change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Insert or replace.
    Put {
        /// Tree.
        tree: TreeId,
        /// Key bytes.
        key: Vec<u8>,
        /// Value bytes.
        value: Vec<u8>,
    },
    /// Remove (a missing key is not an error).
    Delete {
        /// Tree.
        tree: TreeId,
        /// Key bytes.
        key: Vec<u8>,
    },
    /// Create an empty tree.
    CreateTree(TreeId),
    /// Drop a tree and free its pages.
    DropTree(TreeId),
}

/// A WAL record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// A single-shard transaction's changes, applied at this LSN.
    Commit(Vec<Op>),
    /// A multi-shard participant's durable vote: its changes, not applied until `CommitPrepared`.
    Prepared {
        /// Transaction.
        txn: TxnId,
        /// Shards taking part (recovery asks them for the outcome).
        participants: Vec<u32>,
        /// Changes.
        ops: Vec<Op>,
    },
    /// Outcome: apply the prepared changes.
    CommitPrepared(TxnId),
    /// Outcome: discard the prepared changes.
    AbortPrepared(TxnId),
    /// Written by the WAL itself at the start of every flush, with LSN 0 (outside the LSN sequence):
    /// every record up to this LSN was durable when the flush began. Recovery uses it to tell a damaged
    /// acknowledged record from a torn tail.
    Synced(u64),
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    let len = u32::try_from(b.len()).expect("invariant: keys and values are shorter than 4 GiB");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(b);
}

fn put_ops(out: &mut Vec<u8>, ops: &[Op]) {
    let n = u32::try_from(ops.len()).expect("invariant: fewer than 2^32 ops per record");
    out.extend_from_slice(&n.to_le_bytes());
    for op in ops {
        match op {
            Op::Put { tree, key, value } => {
                out.push(1);
                out.extend_from_slice(&tree.0.to_le_bytes());
                put_bytes(out, key);
                put_bytes(out, value);
            }
            Op::Delete { tree, key } => {
                out.push(2);
                out.extend_from_slice(&tree.0.to_le_bytes());
                put_bytes(out, key);
            }
            Op::CreateTree(tree) => {
                out.push(3);
                out.extend_from_slice(&tree.0.to_le_bytes());
            }
            Op::DropTree(tree) => {
                out.push(4);
                out.extend_from_slice(&tree.0.to_le_bytes());
            }
        }
    }
}

impl Record {
    fn kind(&self) -> u8 {
        match self {
            Record::Commit(_) => 1,
            Record::Prepared { .. } => 2,
            Record::CommitPrepared(_) => 3,
            Record::AbortPrepared(_) => 4,
            Record::Synced(_) => 5,
        }
    }

    /// Appends the framed record to `out`.
    pub fn encode(&self, lsn: u64, salt: u32, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0u8; 8]);
        out.extend_from_slice(&lsn.to_le_bytes());
        out.push(self.kind());
        match self {
            Record::Commit(ops) => put_ops(out, ops),
            Record::Prepared {
                txn,
                participants,
                ops,
            } => {
                out.extend_from_slice(&txn.0.to_le_bytes());
                let n = u32::try_from(participants.len()).expect("invariant: few participants");
                out.extend_from_slice(&n.to_le_bytes());
                for p in participants {
                    out.extend_from_slice(&p.to_le_bytes());
                }
                put_ops(out, ops);
            }
            Record::CommitPrepared(txn) | Record::AbortPrepared(txn) => {
                out.extend_from_slice(&txn.0.to_le_bytes());
            }
            Record::Synced(lsn) => out.extend_from_slice(&lsn.to_le_bytes()),
        }
        let len = u32::try_from(out.len() - start - 8).expect("invariant: records < 4 GiB");
        let crc = frame_crc(salt, &out[start + 8..]);
        out[start..start + 4].copy_from_slice(&len.to_le_bytes());
        out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    }

    /// Decodes a payload of `kind` (the frame was already checked).
    pub fn decode(kind: u8, payload: &[u8]) -> Result<Self> {
        let mut r = Cur { b: payload, pos: 0 };
        let rec = match kind {
            1 => Record::Commit(r.ops()?),
            2 => {
                let txn = TxnId(r.u64()?);
                let n = r.u32()?;
                let mut participants = Vec::new();
                for _ in 0..n {
                    participants.push(r.u32()?);
                }
                Record::Prepared {
                    txn,
                    participants,
                    ops: r.ops()?,
                }
            }
            3 => Record::CommitPrepared(TxnId(r.u64()?)),
            4 => Record::AbortPrepared(TxnId(r.u64()?)),
            5 => Record::Synced(r.u64()?),
            k => return Err(StorageError::Corrupted(format!("WAL record kind {k}"))),
        };
        if r.pos != payload.len() {
            return Err(StorageError::Corrupted(
                "WAL record has trailing bytes".into(),
            ));
        }
        Ok(rec)
    }
}

/// crc32 of a frame's checked bytes (`lsn ‖ kind ‖ payload`), seeded with the segment salt.
pub fn frame_crc(salt: u32, bytes: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&salt.to_le_bytes());
    h.update(bytes);
    h.finalize()
}

struct Cur<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| StorageError::Corrupted("WAL record payload is truncated".into()))?;
        let out = &self.b[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn bytes(&mut self) -> Result<Vec<u8>> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }
    fn ops(&mut self) -> Result<Vec<Op>> {
        let n = self.u32()?;
        let mut ops = Vec::new();
        for _ in 0..n {
            let kind = self.take(1)?[0];
            let tree = TreeId(self.u64()?);
            ops.push(match kind {
                1 => Op::Put {
                    tree,
                    key: self.bytes()?,
                    value: self.bytes()?,
                },
                2 => Op::Delete {
                    tree,
                    key: self.bytes()?,
                },
                3 => Op::CreateTree(tree),
                4 => Op::DropTree(tree),
                k => return Err(StorageError::Corrupted(format!("WAL op kind {k}"))),
            });
        }
        Ok(ops)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let ops = vec![
            Op::Put {
                tree: TreeId(3),
                key: b"k".to_vec(),
                value: b"v".to_vec(),
            },
            Op::Delete {
                tree: TreeId(3),
                key: b"q".to_vec(),
            },
            Op::CreateTree(TreeId(9)),
            Op::DropTree(TreeId(9)),
        ];
        for rec in [
            Record::Commit(ops.clone()),
            Record::Prepared {
                txn: TxnId(5),
                participants: vec![0, 2],
                ops,
            },
            Record::CommitPrepared(TxnId(5)),
            Record::AbortPrepared(TxnId(6)),
            Record::Synced(41),
        ] {
            let mut buf = Vec::new();
            rec.encode(42, 7, &mut buf);
            let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            assert_eq!(len + 8, buf.len());
            let crc = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
            assert_eq!(crc, frame_crc(7, &buf[8..]));
            assert_ne!(crc, frame_crc(8, &buf[8..]));
            assert_eq!(
                Record::decode(buf[16], &buf[FRAME_HEADER..]).expect("decodes"),
                rec
            );
        }
    }
}
