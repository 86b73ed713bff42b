//! Differential test: the engine's trees against `BTreeMap`s, with a tiny buffer pool (eviction on every
//! few operations), big values (overflow pages), scans in both directions, checkpoints and clean reopens.

use std::collections::BTreeMap;
use std::ops::Bound;

use futures_lite::future::block_on;
use pglitedb_storage::io::memory::MemIo;
use pglitedb_storage::{Engine, EngineConfig, TreeId, WriteBatch};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Model = BTreeMap<u64, BTreeMap<Vec<u8>, Vec<u8>>>;

fn cfg() -> EngineConfig {
    EngineConfig {
        cache_bytes: 0, // the minimum: 16 pages
        wal_segment_bytes: 256 * 1024,
        ..EngineConfig::default()
    }
}

fn key(rng: &mut StdRng) -> Vec<u8> {
    let n: u32 = rng.gen_range(0..2000);
    let mut k = format!("k{n:05}").into_bytes();
    if rng.gen_bool(0.1) {
        k.extend(std::iter::repeat_n(b'x', rng.gen_range(0..300)));
    }
    k
}

fn value(rng: &mut StdRng) -> Vec<u8> {
    let len = match rng.gen_range(0..20) {
        0 => rng.gen_range(2000..30000),
        1..=3 => rng.gen_range(200..1500),
        _ => rng.gen_range(0..40),
    };
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn bound(rng: &mut StdRng) -> Bound<Vec<u8>> {
    match rng.gen_range(0..3) {
        0 => Bound::Unbounded,
        1 => Bound::Included(key(rng)),
        _ => Bound::Excluded(key(rng)),
    }
}

async fn check_all(engine: &mut Engine<MemIo>, model: &Model) {
    let mut trees = engine.trees();
    trees.sort();
    assert_eq!(trees, model.keys().map(|t| TreeId(*t)).collect::<Vec<_>>());
    for (t, m) in model {
        let got = engine
            .scan(
                TreeId(*t),
                Bound::Unbounded,
                Bound::Unbounded,
                false,
                usize::MAX,
            )
            .await
            .expect("scan");
        let want: Vec<_> = m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if got.len() != want.len() {
            let gk: std::collections::BTreeSet<_> = got
                .iter()
                .map(|(k, _)| String::from_utf8_lossy(&k[..6]).to_string())
                .collect();
            let wk: std::collections::BTreeSet<_> = want
                .iter()
                .map(|(k, _)| String::from_utf8_lossy(&k[..6]).to_string())
                .collect();
            eprintln!(
                "missing {:?} extra {:?}",
                wk.difference(&gk).collect::<Vec<_>>(),
                gk.difference(&wk).collect::<Vec<_>>()
            );
        }
        assert_eq!(got.len(), want.len(), "tree {t}");
        assert!(got == want, "tree {t} differs");
    }
}

#[test]
fn btree_matches_model() {
    let seed: u64 = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let steps: usize = std::env::var("STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6000);
    eprintln!("SEED={seed} STEPS={steps}");
    let mut rng = StdRng::seed_from_u64(seed);
    let io = MemIo::new();
    block_on(async {
        let mut engine = Engine::open(io.clone(), cfg()).await.expect("open");
        let mut model: Model = BTreeMap::new();
        for step in 0..steps {
            let tree = rng.gen_range(1..4u64);
            let choice = rng.gen_range(0..100);
            if std::env::var("TRACE").is_ok() {
                eprintln!(
                    "step {step} tree {tree} choice {choice} {:?}",
                    engine.space()
                );
            }
            match choice {
                0 => {
                    let mut b = WriteBatch::new();
                    if model.remove(&tree).is_some() {
                        b.drop_tree(TreeId(tree));
                    } else {
                        b.create_tree(TreeId(tree));
                        model.insert(tree, BTreeMap::new());
                    }
                    engine
                        .commit(b)
                        .await
                        .expect("ddl")
                        .durable()
                        .await
                        .expect("durable");
                }
                1 => engine.checkpoint().await.expect("checkpoint"),
                2 => {
                    engine.close().await.expect("close");
                    engine = Engine::open(io.clone(), cfg()).await.expect("reopen");
                    check_all(&mut engine, &model).await;
                }
                3..=12 if model.contains_key(&tree) => {
                    let lo = bound(&mut rng);
                    let hi = bound(&mut rng);
                    let reverse = rng.gen_bool(0.5);
                    let limit = rng.gen_range(1..200);
                    let m = &model[&tree];
                    let valid = match (&lo, &hi) {
                        (Bound::Included(a), Bound::Included(b)) => a <= b,
                        (
                            Bound::Included(a) | Bound::Excluded(a),
                            Bound::Included(b) | Bound::Excluded(b),
                        ) => a < b,
                        _ => true,
                    };
                    if !valid {
                        continue;
                    }
                    let want: Vec<_> = if reverse {
                        m.range::<Vec<u8>, _>((lo.clone(), hi.clone()))
                            .rev()
                            .take(limit)
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    } else {
                        m.range::<Vec<u8>, _>((lo.clone(), hi.clone()))
                            .take(limit)
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    };
                    let got = engine
                        .scan(
                            TreeId(tree),
                            lo.as_ref().map(Vec::as_slice),
                            hi.as_ref().map(Vec::as_slice),
                            reverse,
                            limit,
                        )
                        .await
                        .expect("scan");
                    assert!(got == want, "step {step}: scan {lo:?}..{hi:?} rev={reverse} limit={limit}: got {} want {}", got.len(), want.len());
                }
                13..=30 if model.contains_key(&tree) => {
                    let k = key(&mut rng);
                    let got = engine.get(TreeId(tree), &k).await.expect("get");
                    assert_eq!(got.as_ref(), model[&tree].get(&k), "step {step}: get");
                    let len = engine
                        .get_with(TreeId(tree), &k, <[u8]>::len)
                        .await
                        .expect("get_with");
                    assert_eq!(len, got.map(|v| v.len()), "step {step}: get_with");
                }
                _ if model.contains_key(&tree) => {
                    let mut b = WriteBatch::new();
                    let m = model.get_mut(&tree).expect("tree in model");
                    for _ in 0..rng.gen_range(1..4) {
                        let k = key(&mut rng);
                        if rng.gen_bool(0.35) {
                            b.delete(TreeId(tree), &k);
                            m.remove(&k);
                        } else {
                            let v = value(&mut rng);
                            b.put(TreeId(tree), &k, &v);
                            m.insert(k, v);
                        }
                    }
                    if std::env::var("TRACE").is_ok() {
                        for op in &b.ops {
                            if let pglitedb_storage::Op::Put { key, .. }
                            | pglitedb_storage::Op::Delete { key, .. } = op
                            {
                                eprintln!(
                                    "  op {} {}",
                                    String::from_utf8_lossy(&key[..6]),
                                    matches!(op, pglitedb_storage::Op::Put { .. })
                                );
                            }
                        }
                    }
                    let t = engine.commit(b).await.expect("commit");
                    if rng.gen_bool(0.3) {
                        t.durable().await.expect("durable");
                    }
                }
                _ => {}
            }
        }
        check_all(&mut engine, &model).await;
        engine.checkpoint().await.expect("checkpoint");
        engine.close().await.expect("close");
        let mut engine = Engine::open(io.clone(), cfg()).await.expect("reopen");
        check_all(&mut engine, &model).await;
        // Dropping every tree gives the space back: nearly every page is free again.
        let mut b = WriteBatch::new();
        for t in model.keys() {
            b.drop_tree(TreeId(*t));
        }
        engine
            .commit(b)
            .await
            .expect("drop")
            .durable()
            .await
            .expect("durable");
        engine.checkpoint().await.expect("checkpoint");
        engine.checkpoint().await.expect("checkpoint");
        let (pages, free) = engine.space();
        assert!(
            pages - free as u64 <= 8,
            "{pages} pages, {free} free after dropping everything"
        );
    });
}

#[test]
fn bulk_load_then_mutate_matches_model() {
    let mut rng = StdRng::seed_from_u64(11);
    let io = MemIo::new();
    block_on(async {
        let mut engine = Engine::open(io.clone(), cfg()).await.expect("open");
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        while model.len() < 5000 {
            let k = key(&mut rng);
            let v = value(&mut rng);
            model.insert(k, v);
        }
        let entries: Vec<_> = model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        engine
            .bulk_load(TreeId(5), entries)
            .await
            .expect("bulk load");
        // Unsorted input is refused; it is a caller bug, so the engine is poisoned and must be reopened.
        let bad = vec![(b"b".to_vec(), vec![]), (b"a".to_vec(), vec![])];
        assert!(engine.bulk_load(TreeId(6), bad).await.is_err());
        let mut engine = Engine::open(io.clone(), cfg())
            .await
            .expect("reopen after refusal");
        let mut full = Model::new();
        full.insert(5, model.clone());
        check_all(&mut engine, &full).await;
        for _ in 0..3000 {
            let k = key(&mut rng);
            let mut b = WriteBatch::new();
            if rng.gen_bool(0.5) {
                b.delete(TreeId(5), &k);
                model.remove(&k);
            } else {
                let v = value(&mut rng);
                b.put(TreeId(5), &k, &v);
                model.insert(k, v);
            }
            let _ = engine.commit(b).await.expect("commit");
        }
        engine.close().await.expect("close");
        let mut engine = Engine::open(io.clone(), cfg()).await.expect("reopen");
        full.insert(5, model);
        check_all(&mut engine, &full).await;
    });
}
