//! Corruption is an error, never a panic: a flipped bit in a data page is reported as `Corrupted` when
//! the page is read.

use std::ops::Bound;

use futures_lite::future::block_on;
use pglitedb_storage::io::memory::MemIo;
use pglitedb_storage::{Engine, EngineConfig, StorageError, TreeId, WriteBatch, PAGE_SIZE};

#[test]
fn flipped_bit_in_a_page_is_reported_as_corruption() {
    block_on(async {
        let io = MemIo::new();
        let cfg = EngineConfig {
            cache_bytes: 0,
            wal_segment_bytes: 256 << 10,
            ..EngineConfig::default()
        };
        let mut engine = Engine::open(io.clone(), cfg.clone()).await.expect("open");
        let mut b = WriteBatch::new();
        b.create_tree(TreeId(1));
        for i in 0..3000u32 {
            b.put(TreeId(1), &i.to_be_bytes(), &[5; 50]);
        }
        engine
            .commit(b)
            .await
            .expect("commit")
            .durable()
            .await
            .expect("durable");
        engine.checkpoint().await.expect("checkpoint");
        drop(engine);
        let (pages, _) = {
            let e = Engine::open(io.clone(), cfg.clone()).await.expect("reopen");
            e.space()
        };
        // Flip one bit in every data page's body in turn; each reopen + full scan must fail cleanly or,
        // for pages not reachable (free), succeed.
        let mut detected = 0;
        for page in 2..pages as usize {
            let image = io.crash_image(&mut rand::thread_rng());
            image.flip_bit("data", page * PAGE_SIZE + 100, 3);
            let result = async {
                let mut e = Engine::open(image, cfg.clone()).await?;
                e.scan(
                    TreeId(1),
                    Bound::Unbounded,
                    Bound::Unbounded,
                    false,
                    usize::MAX,
                )
                .await
            }
            .await;
            match result {
                Ok(rows) => assert_eq!(rows.len(), 3000),
                Err(StorageError::Corrupted(_)) => detected += 1,
                Err(e) => panic!("unexpected error {e}"),
            }
        }
        assert!(detected > 0);
    });
}

/// A damaged record in the acknowledged part of the WAL is reported, not taken for a torn tail: later
/// flushes carry a `Synced` marker that vouches for it.
#[test]
fn damaged_acknowledged_wal_record_is_reported() {
    use pglitedb_storage::io::Io;
    block_on(async {
        let io = MemIo::new();
        let cfg = EngineConfig::for_tests();
        let mut engine = Engine::open(io.clone(), cfg.clone()).await.expect("open");
        let mut b = WriteBatch::new();
        b.create_tree(TreeId(1));
        engine
            .commit(b)
            .await
            .expect("commit")
            .durable()
            .await
            .expect("durable");
        for i in 0..20u32 {
            let mut b = WriteBatch::new();
            b.put(TreeId(1), &i.to_be_bytes(), &[9; 100]);
            engine
                .commit(b)
                .await
                .expect("commit")
                .durable()
                .await
                .expect("durable");
        }
        drop(engine);
        let wal = io
            .list()
            .await
            .expect("list")
            .into_iter()
            .filter(|n| n.starts_with("wal-"))
            .max()
            .expect("a WAL segment");
        // Every flush starts a fresh 4 KiB block: block 3 holds the third commit, long acknowledged.
        io.flip_bit(&wal, 3 * 4096 + 60, 1);
        match Engine::open(io.clone(), cfg).await {
            Err(StorageError::Corrupted(msg)) => assert!(msg.contains("damaged"), "{msg}"),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a damaged acknowledged record was taken for the end of the log"),
        }
    });
}

/// Opens a new store, creates tree 1 and commits `n` small puts and then one big one, each acknowledged.
/// Returns the io and the name of the (zero-filled) WAL segment.
async fn acknowledged_commits(n: u32, big: usize) -> (MemIo, String) {
    use pglitedb_storage::io::Io;
    let io = MemIo::new();
    let mut engine = Engine::open(io.clone(), EngineConfig::for_tests())
        .await
        .expect("open");
    let mut batches = Vec::new();
    let mut b = WriteBatch::new();
    b.create_tree(TreeId(1));
    batches.push(b);
    for i in 0..n {
        let mut b = WriteBatch::new();
        b.put(TreeId(1), &i.to_be_bytes(), &[9; 100]);
        batches.push(b);
    }
    let mut b = WriteBatch::new();
    b.put(TreeId(1), b"big", &vec![7; big]);
    batches.push(b);
    for b in batches {
        engine
            .commit(b)
            .await
            .expect("commit")
            .durable()
            .await
            .expect("durable");
    }
    drop(engine);
    let wal = io
        .list()
        .await
        .expect("list")
        .into_iter()
        .filter(|n| n.starts_with("wal-"))
        .max()
        .expect("a WAL segment");
    (io, wal)
}

/// Byte range of the last flush's big record: from the block after the last-but-one flush to the last
/// non-zero byte of the segment.
async fn last_record_end(io: &MemIo, wal: &str) -> usize {
    use pglitedb_storage::io::{Io, IoFile};
    let f = io.open(wal, false).await.expect("open wal");
    let len = f.size().await.expect("size") as usize;
    let bytes = f.read_at(0, len).await.expect("read");
    bytes.iter().rposition(|b| *b != 0).expect("records") + 1
}

/// Damage inside the *last* acknowledged flush: no later flush vouches for it, but its frame was written
/// whole (no sector of it reads as zeros in a zero-filled segment), so it cannot be a torn write.
#[test]
fn damaged_last_acknowledged_flush_is_reported() {
    block_on(async {
        let (io, wal) = acknowledged_commits(20, 3000).await;
        let end = last_record_end(&io, &wal).await;
        io.flip_bit(&wal, end - 1500, 4);
        match Engine::open(io.clone(), EngineConfig::for_tests()).await {
            Err(StorageError::Corrupted(msg)) => assert!(msg.contains("damaged"), "{msg}"),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("damage in the last acknowledged flush was taken for a torn tail"),
        }
    });
}

/// A torn write of the last flush (one sector of its record never reached the disk, so it reads as the
/// zeros the segment was filled with) is the end of the log: earlier commits survive, the torn one is gone.
#[test]
fn torn_last_flush_is_truncated() {
    use pglitedb_storage::io::{Io, IoFile};
    block_on(async {
        let (io, wal) = acknowledged_commits(20, 3000).await;
        let end = last_record_end(&io, &wal).await;
        let sector = (end - 1500) / 512 * 512;
        let f = io.open(&wal, false).await.expect("open wal");
        f.write_at(sector as u64, &[0u8; 512])
            .await
            .expect("zero a sector");
        f.sync().await.expect("sync");
        drop(f);
        let mut engine = Engine::open(io.clone(), EngineConfig::for_tests())
            .await
            .expect("a torn tail is not corruption");
        for i in 0..20u32 {
            let v = engine.get(TreeId(1), &i.to_be_bytes()).await.expect("get");
            assert_eq!(v, Some(vec![9; 100]));
        }
        assert_eq!(engine.get(TreeId(1), b"big").await.expect("get"), None);
    });
}
