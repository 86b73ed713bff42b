//! Starting and stopping the executors.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use anyhow::{bail, Context as _};
use glommio::{LocalExecutorBuilder, Placement};
use pglitedb_shard::{Shard, ShardId, ShardRequest, ShardResponse, TxnStatus};
use pglitedb_storage::io::glommio::GlommioIo;
use pglitedb_storage::EngineConfig;
use tracing::{error, info, warn};

use crate::config::{online_cpus, Config};
use crate::listener;
use crate::mesh::MeshBuilder;
use crate::worker::{SharedCounters, Worker};

/// glommio refuses to start an executor below this much locked memory.
const MIN_MEMLOCK: u64 = 512 * 1024;
/// io_uring buffer memory per executor, registered with each of its three rings; chosen from the
/// locked-memory limit so that every registration fits (bounded to 256 KiB ..= 16 MiB).
fn io_memory(memlock: Option<u64>, shards: usize) -> usize {
    let limit = memlock.unwrap_or(8 << 20);
    // The kernel charges more than the nominal size (page rounding): leave a factor of 3 of headroom.
    let per = limit / (3 * 3 * shards.max(1) as u64);
    let per = per.clamp(256 << 10, 16 << 20);
    // Round down to a power of two.
    (1usize << (63 - per.leading_zeros())).max(256 << 10)
}

/// Runs the server until SIGINT/SIGTERM, then shuts down cleanly.
pub fn run(config: Config) -> anyhow::Result<()> {
    let shards = config.shard_count();
    let routers = config.router_count();
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let _lock = lock_data_dir(&config.data_dir)?;
    let memlock = check_memlock()?;
    let io_mem = io_memory(memlock, shards);

    // Bind before starting executors so that a busy port fails fast with a clear message.
    let listener_addr = config.listen;
    drop(
        std::net::TcpListener::bind(listener_addr)
            .with_context(|| format!("cannot listen on {listener_addr}"))?,
    );

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("cannot install signal handler")?;
    }

    // Executor threads get a 16 MiB stack (std's default is 2 MiB): parsing and evaluating deeply
    // nested input recurses, and a stack overflow aborts the whole process, not one statement.
    // glommio spawns its threads with std's builder, which reads RUST_MIN_STACK.
    if std::env::var_os("RUST_MIN_STACK").is_none() {
        std::env::set_var("RUST_MIN_STACK", (16usize << 20).to_string());
    }
    let config = Arc::new(config);
    let counters = SharedCounters::new(shards);
    let cpus = online_cpus();
    let (ready_tx, ready_rx) = mpsc::channel::<Result<ShardId, String>>();
    let mut handles = Vec::with_capacity(shards);
    for endpoints in MeshBuilder::build(shards) {
        let i = endpoints.id.0 as usize;
        let placement = if i < cpus {
            Placement::Fixed(i)
        } else {
            Placement::Unbound
        };
        let mut builder = LocalExecutorBuilder::new(placement)
            .name(&format!("shard-{i}"))
            .io_memory(io_mem);
        if config.spin_us > 0 {
            builder = builder.spin_before_park(Duration::from_micros(config.spin_us));
        }
        let (config, counters, stop, ready) = (
            config.clone(),
            counters.clone(),
            stop.clone(),
            ready_tx.clone(),
        );
        let handle = builder
            .spawn(move || async move {
                let mesh = endpoints.connect().await;
                let (worker, mut mesh, requests) = Worker::new(mesh, config.clone(), counters);
                let id = worker.id;
                let shard = match open_shard(id, &config).await {
                    Ok(shard) => shard,
                    Err(e) => {
                        let _ = ready.send(Err(format!("cannot open shard {i}: {e}")));
                        return;
                    }
                };
                glommio::spawn_local(crate::shard_task::run(worker.clone(), shard, requests)).detach();
                if let ShardResponse::Error(e) = worker.request(id, ShardRequest::LoadCatalog).await {
                    let _ = ready.send(Err(format!("cannot load the catalog of shard {i}: {e}")));
                    return;
                }
                glommio::spawn_local(checkpoint_loop(worker.clone())).detach();
                worker.spawn_receive_loops(&mut mesh, listener::connection_handler(&worker));
                if let Err(e) = resolve_in_doubt(&worker).await {
                    let _ = ready.send(Err(format!("cannot resolve prepared transactions of shard {i}: {e}")));
                    return;
                }
                let acceptor = if id.0 == 0 {
                    match listener::bind(config.listen) {
                        Ok(l) => Some(glommio::spawn_local(listener::accept_loop(worker.clone(), l, routers))),
                        Err(e) => {
                            let _ = ready.send(Err(format!("cannot listen on {}: {e}", config.listen)));
                            return;
                        }
                    }
                } else {
                    None
                };
                info!(shard = %id, placement = %describe_placement(i, cpus), cpu = current_cpu(), "executor started");
                let _ = ready.send(Ok(id));
                while !stop.load(Ordering::Relaxed) {
                    glommio::timer::sleep(Duration::from_millis(50)).await;
                }
                worker.shutdown.fire();
                if let Some(a) = acceptor {
                    a.await;
                }
                // Give sessions a moment to send their goodbye and close.
                for _ in 0..100 {
                    if worker.session_count() == 0 {
                        break;
                    }
                    glommio::timer::sleep(Duration::from_millis(20)).await;
                }
                info!(shard = %id, "executor stopped");
            })
            .map_err(|e| anyhow::anyhow!("cannot start executor for shard {i}: {e}"))?;
        handles.push(handle);
    }
    drop(ready_tx);

    for _ in 0..shards {
        match ready_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(_)) => {}
            Ok(Err(msg)) => {
                stop.store(true, Ordering::Relaxed);
                bail!(msg);
            }
            Err(_) => {
                stop.store(true, Ordering::Relaxed);
                // An executor that failed to start (e.g. locked-memory limit) reports it at join.
                for h in handles {
                    if let Err(e) = h.join() {
                        error!(error = %e, "executor failed");
                    }
                }
                bail!(
                    "an executor failed to start; see the log above (is `ulimit -l` high enough?)"
                );
            }
        }
    }
    // Every shard has recovered and resolved its prepared transactions: start serving clients.
    counters.serving.store(true, Ordering::Release);
    info!(shards, routers, listen = %config.listen, data_dir = %config.data_dir.display(), "PGLiteDB ready");
    let mut failed = false;
    for h in handles {
        if let Err(e) = h.join() {
            error!(error = %e, "executor failed");
            failed = true;
        }
    }
    if failed {
        bail!("an executor failed");
    }
    info!("shutdown complete");
    Ok(())
}

/// Opens (and recovers) shard `id`'s store in `<data-dir>/shard-<id>`.
async fn open_shard(id: ShardId, config: &Config) -> anyhow::Result<Shard<GlommioIo>> {
    let dir = config.data_dir.join(format!("shard-{}", id.0));
    let io = GlommioIo::new(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let cfg = EngineConfig {
        cache_bytes: config.cache_mb << 20,
        wal_segment_bytes: config.wal_segment_mb << 20,
        ..EngineConfig::default()
    };
    let started = std::time::Instant::now();
    let shard = Shard::open(id, io, cfg)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    info!(shard = %id, dir = %dir.display(), elapsed_ms = started.elapsed().as_millis() as u64, "store opened");
    Ok(shard)
}

/// Resolves the transactions this shard prepared without learning their outcome (a crash between
/// the two phases): commit if any participant committed or every participant prepared, else roll
/// back (see shard/src/commit.rs). Runs before any client is served.
async fn resolve_in_doubt(worker: &std::rc::Rc<Worker>) -> Result<(), String> {
    let id = worker.id;
    let list = match worker.request(id, ShardRequest::InDoubt).await {
        ShardResponse::InDoubt(list) => list,
        other => return Err(format!("{other:?}")),
    };
    for (txn, participants) in list {
        let (mut any_committed, mut all_prepared) = (false, true);
        for p in participants {
            if p == u32::from(id.0) {
                continue;
            }
            match worker
                .request(ShardId(p as u16), ShardRequest::TxnStatus { txn })
                .await
            {
                ShardResponse::TxnStatus(TxnStatus::Committed) => any_committed = true,
                ShardResponse::TxnStatus(TxnStatus::InDoubt) => {}
                ShardResponse::TxnStatus(TxnStatus::Unknown) => all_prepared = false,
                other => return Err(format!("status of transaction {}: {other:?}", txn.0)),
            }
        }
        let commit = any_committed || all_prepared;
        let req = if commit {
            ShardRequest::CommitPrepared {
                txn,
                ts: worker.counters.clock.tick(),
            }
        } else {
            ShardRequest::Abort { txn }
        };
        if let ShardResponse::Error(e) = worker.request(id, req).await {
            return Err(e.to_string());
        }
        info!(shard = %id, txn = txn.0, commit, "resolved a prepared transaction");
    }
    Ok(())
}

/// Asks the local shard once a second whether a checkpoint is due (it decides by WAL size and time).
async fn checkpoint_loop(worker: std::rc::Rc<Worker>) {
    loop {
        let tick = futures_lite::future::or(
            async {
                glommio::timer::sleep(Duration::from_secs(1)).await;
                true
            },
            async {
                worker.shutdown.wait().await;
                false
            },
        )
        .await;
        if !tick {
            return;
        }
        if let ShardResponse::Error(e) = worker
            .request(worker.id, ShardRequest::MaybeCheckpoint)
            .await
        {
            error!(shard = %worker.id, error = %e, "checkpoint failed");
        }
    }
}

/// Takes an exclusive lock on the data directory so that two servers never share it.
fn lock_data_dir(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let path = dir.join("pglitedb.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            bail!(
                "data directory {} is in use by another PGLiteDB server",
                dir.display()
            )
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e).context("cannot lock the data directory"),
    }
}

/// Reads RLIMIT_MEMLOCK from /proc and refuses to start when it is too low for glommio. Returns the
/// limit in bytes (`None` when unlimited or unknown).
fn check_memlock() -> anyhow::Result<Option<u64>> {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max locked memory"))
        .and_then(|l| {
            let v = l.split_whitespace().nth(3)?;
            if v == "unlimited" {
                Some(u64::MAX)
            } else {
                v.parse::<u64>().ok()
            }
        });
    match soft {
        Some(v) if v < MIN_MEMLOCK => bail!(
            "locked-memory limit is {v} bytes; glommio needs at least {MIN_MEMLOCK}. Run `ulimit -l unlimited` \
             (or set LimitMEMLOCK=infinity in the systemd unit)"
        ),
        Some(u64::MAX) | None => Ok(None),
        Some(v) => {
            if v < 64 << 20 {
                warn!(
                    limit = v,
                    "locked-memory limit is low: io_uring buffer memory is kept small; run `ulimit -l unlimited` \
                     (or LimitMEMLOCK=infinity) for faster storage I/O"
                );
            }
            Ok(Some(v))
        }
    }
}

fn describe_placement(i: usize, cpus: usize) -> String {
    if i < cpus {
        format!("pinned to cpu {i}")
    } else {
        format!("unbound (only {cpus} cpus)")
    }
}

/// The CPU the calling thread last ran on (field 39 of /proc/thread-self/stat).
fn current_cpu() -> i64 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            let after_comm = s.rsplit_once(')')?.1;
            after_comm.split_whitespace().nth(36)?.parse().ok()
        })
        .unwrap_or(-1)
}
