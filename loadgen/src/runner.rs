//! Running a workload: threads, connections, pacing, retries, progress.
//!
//! ```text
//!  main thread                 thread 0 (current-thread tokio runtime + LocalSet) ... thread T-1
//!  ───────────                 ────────────────────────────────────────────────
//!                              connect clients t, t+T, t+2T, ...  (prepare statements)
//!  barrier ◄──────────────────► barrier          (every connection is up; start = now)
//!  print a progress line       client tasks: generate → execute → record, until the deadline
//!  per second from the Ticks ◄─ ticker task: interval Stats every second
//!  merge the Finals ◄────────── Final(Stats) once every client is done
//! ```
//!
//! Each thread owns its clients and their [`Stats`] (`Rc<RefCell<_>>`, never borrowed across an
//! `.await`); threads share nothing but the barrier and a channel to the main thread. Clients get
//! deterministic RNG streams from `--seed` and their number.
//!
//! Pacing: without `--rate`, each client starts its next transaction as soon as the previous one
//! ends (closed loop, like pgbench). With `--rate R`, every client follows its own Poisson
//! schedule of rate R / clients and latency counts from the intended start (open loop). tokio's
//! timer has 1 ms granularity, so paced starts are late by ~1 ms (measured: avg schedule lag 1.1 ms
//! vs pgbench's 0.1 ms at 2000 TPS); that lag is included in the latency and reported, and the
//! report also gives the service latency from the actual start.
//!
//! Errors: 40001 and 40P01 are retried (same statements, after `ROLLBACK`) up to `--max-tries`
//! executions; other errors are counted by SQLSTATE and the client moves on. A lost connection
//! ends that client (counted as `conn`; `main` then exits non-zero after the report).
//!
//! `--ack-log` ([`crate::acks`]): each transaction gets a tag from its client number and sequence
//! number, and once its `END` is answered `COMMIT` the tag goes into the thread's
//! [`AckBuffer`], which is flushed when a connection dies and when the thread finishes.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::task::LocalSet;
use tokio_postgres::Config;

use crate::acks::{AckBuffer, AckLog};
use crate::conn::{Conn, Protocol};
use crate::report::{process_cpu_seconds, progress_line, Report, Stats};
use crate::workload::Workload;

/// Everything about a run except the workload.
#[derive(Clone, Debug)]
pub(crate) struct RunConfig {
    pub target: Config,
    pub clients: usize,
    pub threads: usize,
    pub protocol: Protocol,
    pub duration: Option<Duration>,
    /// Per client, like `pgbench -t`.
    pub transactions: Option<u64>,
    /// Total target transactions per second.
    pub rate: Option<f64>,
    pub max_tries: u32,
    pub seed: u64,
    pub progress: bool,
    /// `--ack-log`: where acknowledged transactions' tags go.
    pub ack_log: Option<Arc<AckLog>>,
}

enum Msg {
    Tick { second: u64, stats: Stats },
    Final(Result<Stats>),
}

/// Runs `workload` and returns the merged report (without the verify result).
pub(crate) fn run<W: Workload>(workload: Arc<W>, cfg: &RunConfig) -> Result<Report> {
    let threads = cfg.threads.clamp(1, cfg.clients.max(1));
    let barrier = Arc::new(Barrier::new(threads + 1));
    let start = Arc::new(OnceLock::new());
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    for t in 0..threads {
        let (w, cfg, barrier, start, tx) = (
            workload.clone(),
            cfg.clone(),
            barrier.clone(),
            start.clone(),
            tx.clone(),
        );
        let h = std::thread::Builder::new()
            .name(format!("loadgen-{t}"))
            .spawn(move || {
                let r = thread_main(t, threads, &w, &cfg, &barrier, &start, &tx);
                let _ = tx.send(Msg::Final(r));
            })
            .context("spawning thread")?;
        handles.push(h);
    }
    drop(tx);
    // First barrier: every thread has connected (or failed). The leader stamps the start.
    if barrier.wait().is_leader() {
        let _ = start.set(Instant::now());
    }
    barrier.wait();
    let t0 = *start
        .get()
        .expect("invariant: set before the second barrier");
    let cpu0 = process_cpu_seconds();

    let mut total = Stats::default();
    let mut first_err = None;
    let mut finals = 0;
    let mut ticks: Vec<(usize, Stats)> = Vec::new();
    while finals < threads {
        let Ok(msg) = rx.recv() else { break };
        match msg {
            Msg::Tick { second, stats } => {
                let i = usize::try_from(second)
                    .unwrap_or(usize::MAX)
                    .saturating_sub(1);
                if ticks.len() <= i {
                    ticks.resize_with(i + 1, || (0, Stats::default()));
                }
                ticks[i].0 += 1;
                ticks[i].1.merge(&stats);
                if ticks[i].0 == threads && cfg.progress {
                    eprintln!("{}", progress_line(second, &ticks[i].1));
                }
            }
            Msg::Final(Ok(s)) => {
                finals += 1;
                total.merge(&s);
            }
            Msg::Final(Err(e)) => {
                finals += 1;
                first_err.get_or_insert(e);
            }
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = match (cpu0, process_cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => 0.0,
    };
    for h in handles {
        if h.join().is_err() {
            bail!("a loadgen thread panicked");
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    let n = total.committed;
    Ok(Report {
        workload: workload.name(),
        protocol: cfg.protocol,
        clients: cfg.clients,
        threads,
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        rate: cfg.rate,
        duration_s: elapsed,
        transactions: n,
        tps: n as f64 / elapsed.max(1e-9),
        latency_ms: Report::latency(&total),
        schedule_lag_ms: cfg
            .rate
            .map(|_| total.lag_us as f64 / 1000.0 / (n + total.error_count()).max(1) as f64),
        service_latency_ms: cfg.rate.map(|_| Report::summarize(&total.service)),
        retries: total.retries,
        retried_transactions: total.retried_txns,
        errors: total.errors,
        loadgen_cpu_s: cpu,
        loadgen_cpu_us_per_txn: cpu * 1e6 / n.max(1) as f64,
        ack_log: cfg
            .ack_log
            .as_ref()
            .map(|l| format!("{} (run {})", l.path().display(), l.run())),
        verify: None,
    })
}

/// One thread: connect its clients, meet at the barrier, run them, report.
fn thread_main<W: Workload>(
    t: usize,
    threads: usize,
    workload: &Arc<W>,
    cfg: &RunConfig,
    barrier: &Barrier,
    start: &OnceLock<Instant>,
    tx: &mpsc::Sender<Msg>,
) -> Result<Stats> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let local = LocalSet::new();
    let mine: Vec<usize> = (t..cfg.clients).step_by(threads).collect();
    let conns = match &rt {
        Ok(rt) => local.block_on(rt, connect_all(workload, cfg, &mine)),
        Err(e) => Err(anyhow::anyhow!("building tokio runtime: {e}")),
    };
    if barrier.wait().is_leader() {
        let _ = start.set(Instant::now());
    }
    barrier.wait();
    let conns = conns?;
    let rt = rt.context("building tokio runtime")?;
    let start = *start
        .get()
        .expect("invariant: set before the second barrier");
    let stats = Rc::new(RefCell::new(Stats::default()));
    let interval = Rc::new(RefCell::new(Stats::default()));
    let acks = cfg
        .ack_log
        .clone()
        .map(|log| Rc::new(RefCell::new(AckBuffer::new(log))));
    local.block_on(&rt, async {
        let ticker = tokio::task::spawn_local(ticker(start, interval.clone(), tx.clone()));
        let mut tasks = Vec::new();
        for (client, conn) in mine.iter().copied().zip(conns) {
            let client_loop = ClientLoop {
                client,
                workload: workload.clone(),
                cfg: cfg.clone(),
                start,
                stats: stats.clone(),
                interval: interval.clone(),
                acks: acks.clone(),
            };
            tasks.push(tokio::task::spawn_local(client_loop.run(conn)));
        }
        for task in tasks {
            let _ = task.await;
        }
        ticker.abort();
    });
    if let Some(acks) = &acks {
        acks.borrow_mut().finish()?;
    }
    let total = stats.borrow().clone();
    Ok(total)
}

async fn connect_all<W: Workload>(
    workload: &Arc<W>,
    cfg: &RunConfig,
    clients: &[usize],
) -> Result<Vec<Conn>> {
    let opens = clients.iter().map(|&c| {
        let mut config = cfg.target.clone();
        if let Some(db) = workload.database(c) {
            config.dbname(db);
        }
        async move {
            let mut conn = Conn::open(&config, cfg.protocol, workload.statements())
                .await
                .with_context(|| format!("client {c}"))?;
            if cfg.ack_log.is_some() {
                conn.capture_tags();
            }
            Ok(conn)
        }
    });
    futures_util::future::try_join_all(opens).await
}

/// Sends this thread's interval stats to the main thread once a second.
async fn ticker(start: Instant, interval: Rc<RefCell<Stats>>, tx: mpsc::Sender<Msg>) {
    let mut second = 0u64;
    loop {
        second += 1;
        tokio::time::sleep_until((start + Duration::from_secs(second)).into()).await;
        let stats = std::mem::take(&mut *interval.borrow_mut());
        if tx.send(Msg::Tick { second, stats }).is_err() {
            return;
        }
    }
}

struct ClientLoop<W> {
    client: usize,
    workload: Arc<W>,
    cfg: RunConfig,
    start: Instant,
    stats: Rc<RefCell<Stats>>,
    interval: Rc<RefCell<Stats>>,
    acks: Option<Rc<RefCell<AckBuffer>>>,
}

impl<W: Workload> ClientLoop<W> {
    fn update(&self, f: impl Fn(&mut Stats)) {
        f(&mut self.stats.borrow_mut());
        f(&mut self.interval.borrow_mut());
    }

    async fn run(self, mut conn: Conn) {
        let cfg = &self.cfg;
        let mut rng = SmallRng::seed_from_u64(
            cfg.seed ^ (self.client as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        );
        let deadline = cfg.duration.map(|d| self.start + d);
        // Mean gap between this client's arrivals under --rate, in seconds.
        let gap = cfg.rate.map(|r| cfg.clients as f64 / r.max(1e-9));
        let mut intended = self.start;
        let mut done = 0u64;
        loop {
            if cfg.transactions.is_some_and(|n| done >= n) {
                break;
            }
            done += 1;
            if let Some(gap) = gap {
                let u: f64 = rng.gen();
                intended += Duration::from_secs_f64(-(1.0 - u).ln() * gap);
                if deadline.is_some_and(|d| intended >= d) {
                    break;
                }
                tokio::time::sleep_until(intended.into()).await;
            } else {
                intended = Instant::now();
                if deadline.is_some_and(|d| intended >= d) {
                    break;
                }
            }
            let started = Instant::now();
            let lag = u64::try_from((started - intended).as_micros()).unwrap_or(u64::MAX);
            let mut txn = self.workload.generate(&mut rng, self.client);
            let tag = cfg.ack_log.as_ref().map(|log| {
                let tag = log.tag(self.client, done);
                self.workload.tag(&mut txn, &tag);
                tag
            });
            let mut tries = 0;
            loop {
                tries += 1;
                let Err(e) = self.workload.execute(&mut conn, &txn).await else {
                    if let (Some(tag), Some(acks)) = (&tag, &self.acks) {
                        // Acknowledged means END answered COMMIT (not ROLLBACK).
                        if conn.last_tag() != "COMMIT" {
                            eprintln!(
                                "client {}: END answered {:?}, not COMMIT: {tag} not acknowledged",
                                self.client,
                                conn.last_tag()
                            );
                            self.update(|s| s.error("not-committed"));
                            break;
                        }
                        acks.borrow_mut().ack(tag);
                    }
                    let latency = intended.elapsed();
                    let service = started.elapsed();
                    self.update(|s| {
                        s.record(latency);
                        if gap.is_some() {
                            s.lag_us += lag;
                            s.record_service(service);
                        }
                    });
                    break;
                };
                if e.is_closed() {
                    if let Some(acks) = &self.acks {
                        acks.borrow_mut().flush();
                    }
                    self.update(|s| s.error("conn"));
                    eprintln!("client {}: connection lost: {e}", self.client);
                    return;
                }
                if txn.explicit {
                    // A failed ROLLBACK shows up on the next statement.
                    let _ = conn.rollback().await;
                }
                let code = e.code();
                let retryable = code == "40001" || code == "40P01";
                if retryable && tries < cfg.max_tries {
                    self.update(|s| {
                        s.retries += 1;
                        if tries == 1 {
                            s.retried_txns += 1;
                        }
                    });
                    continue;
                }
                self.update(|s| s.error(code));
                break;
            }
        }
    }
}
