//! Command-line interface. Flag names follow pgbench where pgbench has the same knob
//! (`-c`, `-j`, `-T`, `-t`, `-R`, `-M`, `-s`, `--max-tries`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use tokio_postgres::Config;

use crate::conn::Protocol;
use crate::runner::RunConfig;

#[derive(Parser, Debug)]
#[command(
    name = "pglitedb-loadgen",
    version,
    about = "Load generator for PostgreSQL-compatible servers: pgbench's tpcb/select/update, YCSB-like kv, multi-tenant tpcb",
    after_help = "Examples:\n  pglitedb-loadgen init tpcb --scale 10 --url 'host=127.0.0.1 port=5432 user=postgres'\n  pglitedb-loadgen run tpcb -c 32 -j 2 -M prepared -T 15 --verify\n  pglitedb-loadgen run kv --init --keys 1000000 --read-ratio 0.95 --distribution zipfian -c 16\n  pglitedb-loadgen compare select --a 'port=5432' --b 'port=5433' --rounds 3 -T 10\n  pglitedb-loadgen run tpcb -c 32 -T 600 --ack-log acks.txt   # kill -9 the server meanwhile, restart it, then:\n  pglitedb-loadgen verify tpcb --check-acks acks.txt\n\nExit status: 0 on success; non-zero on any failure, including a run in which a client lost its connection (the report is printed first)."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub cmd: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Create and load the workload's data set (like `pgbench -i`).
    Init(InitArgs),
    /// Run a workload (optionally `--init` first and `--verify` after).
    Run(RunArgs),
    /// Check the workload's invariant (and, with --check-acks, that acknowledged commits survived).
    Verify(VerifyArgs),
    /// Run the same workload against two servers alternately (A B A B ...) and compare TPS.
    Compare(CompareArgs),
}

/// Which workload (see `workload/mod.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum WorkloadKind {
    /// pgbench's default TPC-B-like transaction.
    Tpcb,
    /// pgbench -S: one primary-key SELECT.
    Select,
    /// pgbench -N: tpcb without the teller and branch updates.
    Update,
    /// YCSB-like single-key reads and updates.
    Kv,
    /// Many databases, each with a small tpcb schema.
    Tenants,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Distribution {
    Uniform,
    Zipfian,
}

/// The workload and the server.
#[derive(Args, Debug, Clone)]
pub(crate) struct WorkloadArgs {
    /// Workload to run.
    #[arg(value_enum)]
    pub workload: WorkloadKind,
    /// Server, as a libpq-style key=value string or postgresql:// URL.
    #[arg(
        long,
        env = "LOADGEN_URL",
        default_value = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    )]
    pub url: String,
    /// tpcb/select/update scale factor (100000 accounts each); `run` reads it from the database when unset.
    #[arg(short = 's', long)]
    pub scale: Option<i32>,
    /// kv: number of keys.
    #[arg(long, default_value_t = 100_000)]
    pub keys: u64,
    /// kv: fraction of reads (YCSB A = 0.5, B = 0.95, C = 1.0).
    #[arg(long, default_value_t = 0.95)]
    pub read_ratio: f64,
    /// kv: key distribution.
    #[arg(long, value_enum, default_value_t = Distribution::Zipfian)]
    pub distribution: Distribution,
    /// kv: zipfian exponent θ (YCSB's 0.99).
    #[arg(long, default_value_t = 0.99)]
    pub theta: f64,
    /// kv: value length in bytes.
    #[arg(long, default_value_t = 100)]
    pub value_size: usize,
    /// tenants: number of databases.
    #[arg(long, default_value_t = 10)]
    pub tenants: u32,
    /// tenants: accounts per tenant database (1 branch, 10 tellers each).
    #[arg(long, default_value_t = 10_000)]
    pub tenant_accounts: i32,
    /// tenants: zipfian skew of clients over tenants in [0, 1); 0 spreads them evenly.
    #[arg(long, default_value_t = 0.0)]
    pub skew: f64,
    /// Seed for all random choices (transactions are reproducible per client).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl WorkloadArgs {
    pub(crate) fn config(&self) -> Result<Config> {
        parse_url(&self.url)
    }
}

pub(crate) fn parse_url(url: &str) -> Result<Config> {
    url.parse::<Config>()
        .with_context(|| format!("parsing --url {url:?}"))
}

#[derive(Args, Debug, Clone)]
pub(crate) struct InitArgs {
    #[command(flatten)]
    pub workload: WorkloadArgs,
}

#[derive(Args, Debug, Clone)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Also check an --ack-log written by earlier runs (tpcb/update): every acknowledged
    /// transaction is in pgbench_history, none twice, and nothing unacknowledged committed except
    /// each client's last, in-flight transaction.
    #[arg(long, value_name = "FILE")]
    pub check_acks: Option<PathBuf>,
}

/// How to drive the load.
#[derive(Args, Debug, Clone)]
pub(crate) struct LoadArgs {
    /// Concurrent client connections.
    #[arg(short = 'c', long, default_value_t = 8)]
    pub clients: usize,
    /// Threads, each with its own event loop (default: min(CPUs, clients)).
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Wire protocol: simple (Query), extended (unnamed Parse/Bind/Execute), prepared (named, once per connection).
    #[arg(short = 'M', long, value_enum, default_value_t = Protocol::Simple)]
    pub protocol: Protocol,
    /// Run time in seconds (default 10 unless --transactions is given).
    #[arg(short = 'T', long)]
    pub duration: Option<f64>,
    /// Transactions per client (like pgbench -t).
    #[arg(short = 't', long, conflicts_with = "duration")]
    pub transactions: Option<u64>,
    /// Target total transactions per second (Poisson arrivals; latency from intended start).
    #[arg(short = 'R', long)]
    pub rate: Option<f64>,
    /// Executions per transaction when it fails with 40001/40P01 (1 = no retry).
    #[arg(long, default_value_t = 10)]
    pub max_tries: u32,
    /// No progress line every second.
    #[arg(long)]
    pub no_progress: bool,
    /// Print the final report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Check the workload's invariant after the run.
    #[arg(long)]
    pub verify: bool,
}

impl LoadArgs {
    pub(crate) fn run_config(&self, target: Config, seed: u64) -> Result<RunConfig> {
        anyhow::ensure!(self.clients >= 1, "--clients must be at least 1");
        anyhow::ensure!(self.max_tries >= 1, "--max-tries must be at least 1");
        anyhow::ensure!(self.rate.is_none_or(|r| r > 0.0), "--rate must be positive");
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let duration = match (self.duration, self.transactions) {
            (Some(d), _) => Some(Duration::try_from_secs_f64(d).context("--duration")?),
            (None, Some(_)) => None,
            (None, None) => Some(Duration::from_secs(10)),
        };
        Ok(RunConfig {
            target,
            clients: self.clients,
            threads: self.threads.unwrap_or(cpus).clamp(1, self.clients),
            protocol: self.protocol,
            duration,
            transactions: self.transactions,
            rate: self.rate,
            max_tries: self.max_tries,
            seed,
            progress: !self.no_progress,
            ack_log: None,
        })
    }
}

#[derive(Args, Debug, Clone)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub workload: WorkloadArgs,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Create and load the data set first.
    #[arg(long)]
    pub init: bool,
    /// Crash testing (tpcb/update): tag each transaction's history row uniquely and append the
    /// tag of every transaction whose END the server acknowledged with COMMIT to FILE (see
    /// `verify --check-acks`). Buffered; flushed when a connection dies and at the end.
    #[arg(long, value_name = "FILE")]
    pub ack_log: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub(crate) struct CompareArgs {
    #[command(flatten)]
    pub workload: WorkloadArgs,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Server A (baseline), same syntax as --url.
    #[arg(long)]
    pub a: String,
    /// Server B.
    #[arg(long)]
    pub b: String,
    /// Rounds; each runs A then B.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Create and load the data set on both servers first.
    #[arg(long)]
    pub init: bool,
}
