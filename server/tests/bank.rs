//! The bank invariant: accounts spread over every shard, concurrent transfers between random pairs
//! (both lock orders, so deadlocks happen), some rolled back on purpose, some at REPEATABLE READ;
//! every snapshot read during the run sees the same total, and so does the server after a kill -9
//! in the middle of the run and a restart.
//!
//! `BANK_SECS` sets the length of the first phase (default 8 s; the long run is 60).

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::TestServer;
use tokio_postgres::Client;

const ACCOUNTS: i32 = 40;
const START: i64 = 1000;
const TOTAL: i64 = ACCOUNTS as i64 * START;

/// A small deterministic generator (xorshift64*), one per worker, seeded from its index.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Default)]
struct Counts {
    committed: AtomicU64,
    rolled_back: AtomicU64,
    conflicts: AtomicU64,
    checks: AtomicU64,
}

async fn connect(port: u16) -> Option<Client> {
    let (client, conn) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"),
        tokio_postgres::NoTls,
    )
    .await
    .ok()?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Some(client)
}

/// One transfer; `Err` only when the connection is gone.
async fn transfer(c: &Client, rng: &mut Rng, counts: &Counts) -> Result<(), ()> {
    let a = rng.below(ACCOUNTS as u64) as i32 + 1;
    let mut b = rng.below(ACCOUNTS as u64 - 1) as i32 + 1;
    if b >= a {
        b += 1;
    }
    let amount = rng.below(100) as i64 + 1;
    let level = if rng.below(4) == 0 {
        "REPEATABLE READ"
    } else {
        "READ COMMITTED"
    };
    let abort = rng.below(10) == 0;
    let sql = format!(
        "BEGIN ISOLATION LEVEL {level};
         UPDATE bank SET balance = balance - {amount} WHERE id = {a};
         UPDATE bank SET balance = balance + {amount} WHERE id = {b};
         {}",
        if abort { "ROLLBACK" } else { "COMMIT" }
    );
    match c.batch_execute(&sql).await {
        Ok(()) if abort => counts.rolled_back.fetch_add(1, Ordering::Relaxed),
        Ok(()) => counts.committed.fetch_add(1, Ordering::Relaxed),
        Err(e) if c.is_closed() || e.code().is_none() => return Err(()),
        Err(e) => {
            let code = e.code().map(|c| c.code().to_string()).unwrap_or_default();
            assert!(
                code == "40P01" || code == "40001",
                "unexpected transfer error: {e:?}"
            );
            counts.conflicts.fetch_add(1, Ordering::Relaxed);
            if c.batch_execute("ROLLBACK").await.is_err() {
                return Err(());
            }
            0
        }
    };
    Ok(())
}

/// Snapshot reads of the total, one statement and one REPEATABLE READ transaction at a time.
async fn check(c: &Client, counts: &Counts) -> Result<(), ()> {
    let one: i64 = c
        .query_one("SELECT sum(balance)::int8 FROM bank", &[])
        .await
        .map_err(|_| ())?
        .get(0);
    assert_eq!(one, TOTAL, "a statement's snapshot saw a changed total");
    c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .await
        .map_err(|_| ())?;
    let mut sums = Vec::new();
    for _ in 0..2 {
        let rows = c
            .query("SELECT balance FROM bank", &[])
            .await
            .map_err(|_| ())?;
        assert_eq!(rows.len(), ACCOUNTS as usize);
        sums.push(rows.iter().map(|r| r.get::<_, i64>(0)).sum::<i64>());
    }
    c.batch_execute("COMMIT").await.map_err(|_| ())?;
    assert_eq!(
        sums,
        vec![TOTAL, TOTAL],
        "a transaction's snapshot saw a changed total"
    );
    counts.checks.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Runs `workers` transfer loops and one checker until `stop` (or the server goes away).
async fn run(port: u16, workers: u64, stop: Arc<AtomicBool>, counts: Arc<Counts>) {
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (stop, counts) = (stop.clone(), counts.clone());
        tasks.push(tokio::spawn(async move {
            let Some(c) = connect(port).await else { return };
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (w + 1));
            while !stop.load(Ordering::Relaxed) {
                if transfer(&c, &mut rng, &counts).await.is_err() {
                    return;
                }
            }
        }));
    }
    let (stop2, counts2) = (stop.clone(), counts.clone());
    tasks.push(tokio::spawn(async move {
        let Some(c) = connect(port).await else { return };
        while !stop2.load(Ordering::Relaxed) {
            if check(&c, &counts2).await.is_err() {
                return;
            }
        }
    }));
    for t in tasks {
        t.await.expect("worker panicked");
    }
}

async fn total(port: u16) -> (i64, i64) {
    let c = connect(port).await.expect("connect");
    let r = c
        .query_one("SELECT sum(balance)::int8, count(*) FROM bank", &[])
        .await
        .expect("total");
    (r.get(0), r.get(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_keep_the_total_in_every_snapshot_and_across_kill_9() {
    let secs: u64 = std::env::var("BANK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let data = tempfile::tempdir().expect("data dir");
    let data_dir = data.path().to_str().expect("utf-8 path").to_string();
    let args = [
        "--shards",
        "2",
        "--wal-segment-mb",
        "4",
        "--data-dir",
        &data_dir,
    ];
    let mut server = TestServer::start(&args);
    let c = connect(server.port).await.expect("connect");
    let values: Vec<String> = (1..=ACCOUNTS)
        .map(|id| format!("({id}, {START})"))
        .collect();
    c.batch_execute(&format!(
        "CREATE TABLE bank (id int PRIMARY KEY, balance int8); INSERT INTO bank VALUES {}",
        values.join(", ")
    ))
    .await
    .expect("schema");
    assert_eq!(total(server.port).await, (TOTAL, i64::from(ACCOUNTS)));

    // Phase 1: transfers and checks.
    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let runner = tokio::spawn(run(server.port, 6, stop.clone(), counts.clone()));
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    runner.await.expect("phase 1");
    let committed = counts.committed.load(Ordering::Relaxed);
    eprintln!(
        "bank: {committed} committed, {} rolled back on purpose, {} conflicts (40P01/40001), {} snapshot checks",
        counts.rolled_back.load(Ordering::Relaxed),
        counts.conflicts.load(Ordering::Relaxed),
        counts.checks.load(Ordering::Relaxed)
    );
    assert!(committed > 50, "too few transfers committed: {committed}");
    assert!(counts.checks.load(Ordering::Relaxed) > 5);
    assert_eq!(total(server.port).await, (TOTAL, i64::from(ACCOUNTS)));

    // Phase 2: kill -9 in the middle of transfers, restart on the same data, check.
    let stop = Arc::new(AtomicBool::new(false));
    let runner = tokio::spawn(run(
        server.port,
        6,
        stop.clone(),
        Arc::new(Counts::default()),
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let started = Instant::now();
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    runner.await.expect("phase 2");
    assert!(started.elapsed() < Duration::from_secs(30));
    let server = TestServer::start(&args);
    assert_eq!(
        total(server.port).await,
        (TOTAL, i64::from(ACCOUNTS)),
        "after kill -9 and restart"
    );
    // And it keeps working.
    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let runner = tokio::spawn(run(server.port, 4, stop.clone(), counts.clone()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    runner.await.expect("phase 3");
    assert!(counts.committed.load(Ordering::Relaxed) > 0);
    assert_eq!(total(server.port).await, (TOTAL, i64::from(ACCOUNTS)));
}
