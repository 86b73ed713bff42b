//! The buffer pool budget is in real bytes: what the pool charges for decoded nodes (vector capacities,
//! long keys, key indexes, page-table entries) stays within `cache_bytes`, and small entries cost more
//! than their 8 KiB pages.

use futures_lite::future::block_on;
use pglitedb_storage::io::memory::MemIo;
use pglitedb_storage::{Engine, EngineConfig, TreeId, WriteBatch, PAGE_SIZE};

const TREE: TreeId = TreeId(1);

fn key(i: u64, long: bool) -> Vec<u8> {
    let mut k = i.to_be_bytes().to_vec();
    if long {
        // Longer than the inline limit of cached keys: each one is its own heap allocation.
        k.extend_from_slice(&[b'x'; 40]);
    }
    k
}

async fn fill(engine: &mut Engine<MemIo>, n: u64, long: bool) {
    let mut b = WriteBatch::new();
    b.create_tree(TREE);
    engine
        .commit(b)
        .await
        .expect("create")
        .durable()
        .await
        .expect("durable");
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut b = WriteBatch::new();
        for &i in chunk {
            b.put(TREE, &key(i, long), &i.to_le_bytes());
        }
        engine
            .commit(b)
            .await
            .expect("commit")
            .durable()
            .await
            .expect("durable");
    }
}

#[test]
fn charged_bytes_stay_within_the_budget() {
    block_on(async {
        for long in [false, true] {
            let budget = 1 << 20;
            let cfg = EngineConfig {
                cache_bytes: budget,
                ..EngineConfig::for_tests()
            };
            let mut engine = Engine::open(MemIo::new(), cfg).await.expect("open");
            fill(&mut engine, 60_000, long).await;
            engine.checkpoint().await.expect("checkpoint");
            for i in (0..60_000).step_by(7) {
                let v = engine.get(TREE, &key(i, long)).await.expect("get");
                assert_eq!(v, Some(i.to_le_bytes().to_vec()));
            }
            let s = engine.stats().pager;
            assert!(s.evictions > 0, "the tree must not fit: {s:?}");
            // One node over the budget at most (the pool makes room before the next load).
            assert!(
                s.cached_bytes <= (budget + 8 * PAGE_SIZE) as u64,
                "charged {} for a budget of {budget}: {s:?}",
                s.cached_bytes
            );
            // Decoded small entries take more than their page: fewer pages fit than budget / 8 KiB.
            assert!(s.cached_pages < (budget / PAGE_SIZE) as u64, "{s:?}");
            assert!(s.cached_pages >= 16, "{s:?}");
        }
    });
}
