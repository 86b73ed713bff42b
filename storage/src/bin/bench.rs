//! Storage benchmarks on the real backend (glommio, O_DIRECT). Results go to docs/BENCHMARKS.md.
//!
//! `storage-bench <dir> [keys] [seconds]` runs, in order: fdatasync latency; bulk load of `keys` keys
//! (default 10M, 8-byte keys, 16-byte values); point gets, range scans, inserts and updates with the
//! tree in memory and then with a buffer pool far smaller than the tree; group commit at 1, 8 and 64
//! concurrent committers; recovery time per GB of WAL. Each timed phase runs for `seconds` (default 3).
//!
//! Committers share the engine through one driver task that owns it (`&mut Engine`) and answers with
//! commit tickets over local channels, so the durability waits run concurrently (group commit).

use std::ops::Bound;
use std::rc::Rc;
use std::time::{Duration, Instant};

use glommio::channels::local_channel::{self, LocalSender};
use glommio::{LocalExecutorBuilder, Placement};
use pglitedb_storage::io::glommio::{GlommioFile, GlommioIo};
use pglitedb_storage::io::{Io, IoFile};
use pglitedb_storage::{CommitTicket, Engine, EngineConfig, Result, TreeId, WriteBatch};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const TREE: TreeId = TreeId(1);

fn key(i: u64) -> [u8; 8] {
    i.to_be_bytes()
}

fn value(i: u64, v: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&i.to_le_bytes());
    out[8..].copy_from_slice(&v.to_le_bytes());
    out
}

fn cfg(cache_bytes: usize) -> EngineConfig {
    EngineConfig {
        cache_bytes,
        wal_segment_bytes: 64 << 20,
        checkpoint_wal_bytes: u64::MAX,
        checkpoint_interval: Duration::from_secs(1 << 30),
    }
}

/// CPU time of this thread so far (from /proc/thread-self/schedstat), to report ops per CPU-second on a
/// machine shared with other work.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

thread_local! {
    static CPU_MARK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Starts a timed phase (wall clock and CPU).
fn mark() -> Instant {
    CPU_MARK.with(|c| c.set(cpu_ns()));
    Instant::now()
}

fn report(name: &str, ops: u64, elapsed: Duration) {
    let rate = ops as f64 / elapsed.as_secs_f64();
    let cpu = cpu_ns().saturating_sub(CPU_MARK.with(std::cell::Cell::get)) as f64 / 1e9;
    let per_cpu = if cpu > 0.0 { ops as f64 / cpu } else { 0.0 };
    println!(
        "{name:<52} {ops:>9} ops {:>6.2} s = {rate:>10.0} /s wall, {per_cpu:>10.0} /s CPU",
        elapsed.as_secs_f64()
    );
}

/// Resident set size of the process in MiB (from /proc/self/status).
fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb >> 10)
}

/// Prints what the buffer pool charges against its budget next to the process's RSS.
fn report_pool(engine: &Engine<GlommioIo>) {
    let s = engine.stats().pager;
    println!(
        "  pool: {} pages cached, {} MiB charged to the budget; process RSS {} MiB",
        s.cached_pages,
        s.cached_bytes >> 20,
        rss_mib()
    );
}

async fn fdatasync_latency(dir: &str) -> Result<()> {
    let io = GlommioIo::new(dir)?;
    let f = io.open("fsync-probe", true).await?;
    let block = vec![7u8; 4096];
    // Preallocate by writing, as the WAL does.
    for i in 0..256u64 {
        f.write_at(i * 4096, &block).await?;
    }
    f.sync().await?;
    let mut lat = Vec::new();
    for i in 0..2000u64 {
        let t = mark();
        f.write_at((i % 256) * 4096, &block).await?;
        f.sync().await?;
        lat.push(t.elapsed());
    }
    lat.sort();
    let pct = |p: usize| lat[lat.len() * p / 100].as_micros();
    println!(
        "fdatasync after 4 KiB overwrite: p50 {} us, p90 {} us, p99 {} us ({} samples)",
        pct(50),
        pct(90),
        pct(99),
        lat.len()
    );
    drop(f);
    io.remove("fsync-probe").await
}

/// `STORAGE_BENCH_ONLY=get`: bulk load and the point-get phases only (for profiling).
fn gets_only() -> bool {
    std::env::var("STORAGE_BENCH_ONLY").is_ok_and(|o| o.split(',').any(|p| p == "get"))
}

async fn phases(engine: &mut Engine<GlommioIo>, keys: u64, secs: u64, label: &str) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(42);
    let dur = Duration::from_secs(secs);
    // Point gets.
    let t = mark();
    let mut n = 0;
    while t.elapsed() < dur {
        for _ in 0..1000 {
            let i = rng.gen_range(0..keys);
            let v = engine.get(TREE, &key(i)).await?;
            debug_assert!(v.is_some());
            n += 1;
        }
    }
    report(&format!("point get ({label})"), n, t.elapsed());
    // The same through the borrowing API (no value copy).
    let t = mark();
    let mut n = 0;
    let mut bytes = 0;
    while t.elapsed() < dur {
        for _ in 0..1000 {
            let i = rng.gen_range(0..keys);
            bytes += engine
                .get_with(TREE, &key(i), <[u8]>::len)
                .await?
                .unwrap_or(0);
            n += 1;
        }
    }
    debug_assert!(bytes > 0);
    report(
        &format!("point get_with, no copy ({label})"),
        n,
        t.elapsed(),
    );
    if gets_only() {
        return Ok(());
    }
    // Range scans of 100 rows, alternating direction.
    let t = mark();
    let mut n = 0;
    let mut rows = 0;
    while t.elapsed() < dur {
        for j in 0..100 {
            let start = key(rng.gen_range(0..keys));
            let got = if j % 2 == 0 {
                engine
                    .scan(TREE, Bound::Included(&start), Bound::Unbounded, false, 100)
                    .await?
            } else {
                engine
                    .scan(TREE, Bound::Unbounded, Bound::Included(&start), true, 100)
                    .await?
            };
            rows += got.len() as u64;
            n += 1;
        }
    }
    report(&format!("range scan, 100 rows ({label})"), n, t.elapsed());
    println!("  = {:.0} rows/s", rows as f64 / t.elapsed().as_secs_f64());
    // Updates and inserts: one key per commit, durability awaited every 1000 commits.
    for (name, insert) in [("update", false), ("insert", true)] {
        let t = mark();
        let mut n = 0;
        let mut last = None;
        while t.elapsed() < dur {
            for _ in 0..1000 {
                let i = if insert {
                    keys + rng.gen_range(0..keys * 16)
                } else {
                    rng.gen_range(0..keys)
                };
                let mut b = WriteBatch::new();
                b.put(TREE, &key(i), &value(i, n));
                last = Some(engine.commit(b).await?);
                n += 1;
            }
            if let Some(ticket) = last.take() {
                ticket.durable().await?;
            }
        }
        report(
            &format!("{name}, 1 key per commit, sync per 1000 ({label})"),
            n,
            t.elapsed(),
        );
    }
    Ok(())
}

type Request = (
    WriteBatch,
    Rc<LocalSender<Result<CommitTicket<GlommioFile>>>>,
);

async fn group_commit(dir: &str, secs: u64) -> Result<()> {
    for committers in [1u64, 8, 64] {
        let sub = format!("{dir}/gc-{committers}");
        let _ = std::fs::remove_dir_all(&sub);
        let mut engine = Engine::open(GlommioIo::new(&sub)?, cfg(64 << 20)).await?;
        let mut b = WriteBatch::new();
        b.create_tree(TREE);
        engine.commit(b).await?.durable().await?;
        let (tx, rx) = local_channel::new_unbounded::<Request>();
        let driver = glommio::spawn_local(async move {
            while let Some((batch, reply)) = rx.recv().await {
                let r = engine.commit(batch).await;
                let _ = reply.try_send(r);
            }
            engine
        });
        let tx = Rc::new(tx);
        let deadline = Instant::now() + Duration::from_secs(secs);
        let start = mark();
        let mut tasks = Vec::new();
        for c in 0..committers {
            let tx = tx.clone();
            tasks.push(glommio::spawn_local(async move {
                let mut n = 0u64;
                let (rtx, rrx) = local_channel::new_bounded(1);
                let rtx = Rc::new(rtx);
                while Instant::now() < deadline {
                    let i = c << 40 | n;
                    let mut b = WriteBatch::new();
                    b.put(TREE, &key(i), &value(i, n));
                    if tx.send((b, rtx.clone())).await.is_err() {
                        break;
                    }
                    let Some(Ok(ticket)) = rrx.recv().await else {
                        break;
                    };
                    if ticket.durable().await.is_err() {
                        break;
                    }
                    n += 1;
                }
                n
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await;
        }
        let elapsed = start.elapsed();
        drop(tx);
        let engine = driver.await;
        let flushes = engine.stats().wal.flushes;
        report(
            &format!("group commit, {committers} committers"),
            total,
            elapsed,
        );
        println!(
            "  {flushes} flushes (write + fdatasync), {:.1} commits per flush",
            total as f64 / flushes.max(1) as f64
        );
        drop(engine);
        let _ = std::fs::remove_dir_all(&sub);
    }
    Ok(())
}

async fn recovery(dir: &str, wal_mb: u64) -> Result<()> {
    let sub = format!("{dir}/recovery");
    let _ = std::fs::remove_dir_all(&sub);
    let mut engine = Engine::open(GlommioIo::new(&sub)?, cfg(1 << 30)).await?;
    let mut b = WriteBatch::new();
    b.create_tree(TREE);
    engine.commit(b).await?.durable().await?;
    let mut i = 0u64;
    // 100 puts of 8 + 100 bytes per commit, over 1M distinct keys.
    while engine.stats().wal.bytes + (64 << 10) < wal_mb << 20 {
        let mut b = WriteBatch::new();
        for _ in 0..100 {
            b.put(TREE, &key(i % 1_000_000), &[i as u8; 100]);
            i += 1;
        }
        let t = engine.commit(b).await?;
        if i.is_multiple_of(100_000) {
            t.durable().await?;
        }
    }
    engine.sync().await?;
    let bytes = engine.stats().wal.bytes;
    drop(engine);
    let t = mark();
    let engine = Engine::open(GlommioIo::new(&sub)?, cfg(1 << 30)).await?;
    let elapsed = t.elapsed();
    let gb = bytes as f64 / (1u64 << 30) as f64;
    println!(
        "recovery: replayed {} records ({} puts, {:.0} MiB of WAL) in {:.2} s = {:.1} s per GiB",
        engine.stats().replayed,
        i,
        bytes as f64 / (1 << 20) as f64,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() / gb
    );
    drop(engine);
    let _ = std::fs::remove_dir_all(&sub);
    Ok(())
}

async fn run(dir: String, keys: u64, secs: u64) -> Result<()> {
    // `STORAGE_BENCH_ONLY=fsync,tree,gc,recovery` picks phases (default: all); `mem` is `tree` without
    // the reopen with a small pool, `get` only its point gets.
    let only = std::env::var("STORAGE_BENCH_ONLY").unwrap_or_default();
    let want = |p: &str| only.is_empty() || only.split(',').any(|o| o == p);
    if want("fsync") {
        fdatasync_latency(&dir).await?;
    }
    if want("tree") || want("mem") || want("get") {
        // `mem` runs only the in-memory phases (no reopen with a small pool).
        tree_phases(&dir, keys, secs, want("tree")).await?;
    }
    if want("gc") {
        group_commit(&dir, secs).await?;
    }
    if want("recovery") {
        recovery(&dir, 256).await?;
    }
    Ok(())
}

async fn tree_phases(dir: &str, keys: u64, secs: u64, small_pool: bool) -> Result<()> {
    let data = format!("{dir}/tree");
    let _ = std::fs::remove_dir_all(&data);
    {
        let mut engine = Engine::open(GlommioIo::new(&data)?, cfg(4 << 30)).await?;
        let t = mark();
        engine
            .bulk_load(
                TREE,
                (0..keys).map(|i| (key(i).to_vec(), value(i, 0).to_vec())),
            )
            .await?;
        report(
            "bulk load (sorted input, then checkpoint)",
            keys,
            t.elapsed(),
        );
        let (pages, _) = engine.space();
        println!("  data file: {pages} pages = {} MiB", (pages * 8192) >> 20);
        report_pool(&engine);
        phases(&mut engine, keys, secs, "in memory").await?;
        report_pool(&engine);
        let t = mark();
        engine.checkpoint().await?;
        println!(
            "checkpoint after the phases: {:.2} s",
            t.elapsed().as_secs_f64()
        );
    }
    if small_pool {
        let budget = 64usize << 20;
        let mut engine = Engine::open(GlommioIo::new(&data)?, cfg(budget)).await?;
        let label = format!("pool {} MiB", budget >> 20);
        phases(&mut engine, keys, secs, &label).await?;
        let s = engine.stats().pager;
        println!(
            "  page reads {}, writes {}, evictions {}",
            s.reads, s.writes, s.evictions
        );
        report_pool(&engine);
    }
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: storage-bench <dir> [keys] [seconds]")?;
    let keys: u64 = args.next().map_or(Ok(10_000_000), |s| s.parse())?;
    let secs: u64 = args.next().map_or(Ok(3), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;
    LocalExecutorBuilder::new(Placement::Fixed(0))
        .io_memory(2 << 20)
        .make()?
        .run(run(dir, keys, secs))?;
    Ok(())
}
