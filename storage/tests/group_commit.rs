//! Group commit on the real backend: many concurrent committers share few write + fdatasync rounds, and
//! every commit is readable afterwards. Committers reach the engine through one driver task that owns it
//! (the pattern the shard uses), so only the durability waits overlap.

use std::rc::Rc;

use glommio::channels::local_channel::{self, LocalSender};
use glommio::{LocalExecutorBuilder, Placement};
use pglitedb_storage::io::glommio::{GlommioFile, GlommioIo};
use pglitedb_storage::{CommitTicket, Engine, EngineConfig, Result, TreeId, WriteBatch};

type Request = (
    WriteBatch,
    Rc<LocalSender<Result<CommitTicket<GlommioFile>>>>,
);

#[test]
fn concurrent_commits_share_fdatasyncs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    LocalExecutorBuilder::new(Placement::Unbound)
        .io_memory(2 << 20)
        .make()
        .expect("executor")
        .run(async move {
            let cfg = EngineConfig::default();
            let mut engine = Engine::open(GlommioIo::new(&path).expect("dir"), cfg.clone())
                .await
                .expect("open");
            let mut b = WriteBatch::new();
            b.create_tree(TreeId(1));
            engine
                .commit(b)
                .await
                .expect("create")
                .durable()
                .await
                .expect("durable");
            let before = engine.stats().wal.flushes;
            let (tx, rx) = local_channel::new_unbounded::<Request>();
            let driver = glommio::spawn_local(async move {
                while let Some((batch, reply)) = rx.recv().await {
                    let r = engine.commit(batch).await;
                    let _ = reply.try_send(r);
                }
                engine
            });
            let tx = Rc::new(tx);
            let (committers, each) = (64u64, 20u64);
            let mut tasks = Vec::new();
            for c in 0..committers {
                let tx = tx.clone();
                tasks.push(glommio::spawn_local(async move {
                    let (rtx, rrx) = local_channel::new_bounded(1);
                    let rtx = Rc::new(rtx);
                    for n in 0..each {
                        let mut b = WriteBatch::new();
                        b.put(TreeId(1), format!("{c:03}-{n:03}").as_bytes(), &[1; 10]);
                        tx.send((b, rtx.clone())).await.expect("driver alive");
                        let ticket = rrx.recv().await.expect("reply").expect("commit");
                        ticket.durable().await.expect("durable");
                    }
                }));
            }
            for t in tasks {
                t.await;
            }
            drop(tx);
            let engine = driver.await;
            let flushes = engine.stats().wal.flushes - before;
            let commits = committers * each;
            eprintln!("{commits} commits in {flushes} flushes");
            assert!(
                flushes * 4 <= commits,
                "{commits} commits took {flushes} flushes"
            );
            engine.close().await.expect("close");
            let mut engine = Engine::open(GlommioIo::new(&path).expect("dir"), cfg)
                .await
                .expect("reopen");
            for c in 0..committers {
                for n in 0..each {
                    let k = format!("{c:03}-{n:03}");
                    assert!(engine
                        .get(TreeId(1), k.as_bytes())
                        .await
                        .expect("get")
                        .is_some());
                }
            }
        });
}
