//! A commit larger than a WAL segment (a bulk load inside one transaction: pgbench -i's COPY) gets a
//! segment of its own, and recovery replays it like any other record; commits before and after it
//! survive too, also in a crash image taken right after it became durable.

use futures_lite::future::block_on;
use pglitedb_storage::io::memory::MemIo;
use pglitedb_storage::{Engine, EngineConfig, TreeId, WriteBatch};
use rand::rngs::StdRng;
use rand::SeedableRng;

const TREE: TreeId = TreeId(7);

fn key(i: u32) -> Vec<u8> {
    format!("k{i:08}").into_bytes()
}

async fn commit(engine: &mut Engine<MemIo>, batch: WriteBatch) {
    engine
        .commit(batch)
        .await
        .expect("commit")
        .durable()
        .await
        .expect("durable");
}

#[test]
fn a_record_larger_than_a_segment_commits_and_recovers() {
    let cfg = EngineConfig::for_tests();
    let io = MemIo::new();
    // 6000 rows of 100 bytes: about 0.7 MiB in one record, with 256 KiB segments.
    let rows = 6000u32;
    let image = block_on(async {
        let mut engine = Engine::open(io.clone(), cfg.clone()).await.expect("open");
        let mut b = WriteBatch::new();
        b.create_tree(TREE);
        b.put(TREE, b"before", b"1");
        commit(&mut engine, b).await;
        let mut b = WriteBatch::new();
        for i in 0..rows {
            b.put(TREE, &key(i), &[i as u8; 100]);
        }
        commit(&mut engine, b).await;
        let mut b = WriteBatch::new();
        b.put(TREE, b"after", b"2");
        commit(&mut engine, b).await;
        io.crash_image(&mut StdRng::seed_from_u64(1))
    });
    for disk in [io, image] {
        block_on(async {
            let mut engine = Engine::open(disk, cfg.clone()).await.expect("reopen");
            assert_eq!(
                engine.get(TREE, b"before").await.expect("get"),
                Some(b"1".to_vec())
            );
            assert_eq!(
                engine.get(TREE, b"after").await.expect("get"),
                Some(b"2".to_vec())
            );
            for i in (0..rows).step_by(97) {
                assert_eq!(
                    engine.get(TREE, &key(i)).await.expect("get"),
                    Some(vec![i as u8; 100]),
                    "row {i}"
                );
            }
        });
    }
}
