//! `pglitedb-loadgen`: the benchmark CLI for PGLiteDB and any PostgreSQL-compatible server.
//!
//! It speaks the PostgreSQL wire protocol through stock client code (`tokio-postgres` for loading
//! and verifying, `postgres-protocol` message encoding on a lean socket loop for the measured
//! transactions, see [`wire`]), never PGLiteDB's internals, so the same binary measures
//! PostgreSQL 15 and PGLiteDB on equal terms.
//!
//! How it fits together:
//!
//! 1. [`cli`] parses the command (`init`, `run`, `verify`, `compare`) and builds a [`runner::RunConfig`].
//! 2. [`workload`] picks the workload (`tpcb`, `select`, `update`, `kv`, `tenants`), each with
//!    `prepare` (loading), `generate` (one transaction from a seeded RNG), `execute`, `verify`.
//! 3. [`runner`] runs clients on `--threads` threads, each a current-thread tokio runtime, and
//!    merges their [`report::Stats`]; [`conn`] sends each statement in the chosen protocol over a
//!    [`wire::WireConn`].
//! 4. [`report`] prints progress and the final report; [`compare`] alternates two servers.
//! 5. [`acks`] (crash testing): `run --ack-log` records acknowledged commits client-side and
//!    `verify --check-acks` checks them after the server was killed and restarted.
//!
//! Validated against PostgreSQL 15 and pgbench: see `docs/BENCHMARKS.md` ("Loadgen").
#![forbid(unsafe_code)]

mod acks;
mod cli;
mod compare;
mod conn;
mod report;
mod runner;
mod wire;
mod workload;

use std::future::Future;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::Parser as _;

use cli::{Cli, Command, Distribution, WorkloadArgs, WorkloadKind};
use report::Report;
use runner::RunConfig;
use workload::kv::Kv;
use workload::pgbench::{Pgbench, Script};
use workload::tenants::Tenants;
use workload::zipf::{KeyChooser, Zipfian};
use workload::Workload;

fn main() -> Result<()> {
    let cli = Cli::parse();
    let args = match &cli.cmd {
        Command::Init(a) => &a.workload,
        Command::Verify(a) => &a.workload,
        Command::Run(a) => &a.workload,
        Command::Compare(a) => &a.workload,
    };
    let args = args.clone();
    match args.workload {
        WorkloadKind::Kv | WorkloadKind::Tenants | WorkloadKind::Select if matches!(&cli.cmd, Command::Run(r) if r.ack_log.is_some()) =>
        {
            anyhow::bail!("--ack-log needs a workload that writes history rows: tpcb or update")
        }
        WorkloadKind::Tpcb => with_pgbench(Script::Tpcb, &args, &cli.cmd),
        WorkloadKind::Select => with_pgbench(Script::Select, &args, &cli.cmd),
        WorkloadKind::Update => with_pgbench(Script::Update, &args, &cli.cmd),
        WorkloadKind::Kv => {
            let chooser = match args.distribution {
                Distribution::Uniform => KeyChooser::Uniform { n: args.keys },
                Distribution::Zipfian => {
                    anyhow::ensure!(
                        args.theta > 0.0 && args.theta < 1.0,
                        "--theta must be in (0, 1)"
                    );
                    KeyChooser::Zipfian(Zipfian::new(args.keys, args.theta))
                }
            };
            let w = Kv::new(args.keys, args.read_ratio, args.value_size, chooser)?;
            execute(Arc::new(w), &cli.cmd)
        }
        WorkloadKind::Tenants => {
            let w = Tenants::new(args.tenants, args.tenant_accounts, args.skew, args.seed)?;
            execute(Arc::new(w), &cli.cmd)
        }
    }
}

/// Runs `fut` on a current-thread runtime with a `LocalSet` (connections spawn local tasks).
pub(crate) fn block_on<F: Future>(fut: F) -> Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building tokio runtime")?;
    Ok(tokio::task::LocalSet::new().block_on(&rt, fut))
}

fn with_pgbench(script: Script, args: &WorkloadArgs, cmd: &Command) -> Result<()> {
    // The scale comes from the flag, else from the server the data lives on (A for compare);
    // `init` without --scale loads scale 1, like pgbench.
    let initializing = matches!(cmd, Command::Init(_))
        || matches!(cmd, Command::Run(r) if r.init)
        || matches!(cmd, Command::Compare(c) if c.init);
    let scale = args.scale.or(initializing.then_some(1));
    let target = match cmd {
        Command::Compare(c) => cli::parse_url(&c.a)?,
        _ => args.config()?,
    };
    let tagged = matches!(cmd, Command::Run(r) if r.ack_log.is_some());
    let w = block_on(Pgbench::new(script, scale, &target, tagged))??;
    execute(Arc::new(w), cmd)
}

fn execute<W: Workload>(w: Arc<W>, cmd: &Command) -> Result<()> {
    match cmd {
        Command::Init(a) => init(&*w, &a.workload.config()?),
        Command::Verify(a) => verify(&*w, a),
        Command::Run(a) => {
            let target = a.workload.config()?;
            if a.init {
                init(&*w, &target)?;
            }
            let mut cfg = a.load.run_config(target.clone(), a.workload.seed)?;
            if let Some(path) = &a.ack_log {
                anyhow::ensure!(
                    a.load.clients < 10_000,
                    "--ack-log supports up to 9999 clients (tags must fit pgbench's filler char(22))"
                );
                let what = format!(
                    "{} clients={} protocol={:?}",
                    w.name(),
                    cfg.clients,
                    cfg.protocol
                );
                cfg.ack_log = Some(Arc::new(acks::AckLog::open(path, &what)?));
            }
            let mut report = run_one(&w, &cfg)?;
            let lost = report.errors.get("conn").copied().unwrap_or(0);
            if a.load.verify && lost == 0 {
                report.verify = Some(block_on(w.verify(&target))??);
            }
            print_report(&report, a.load.json)?;
            anyhow::ensure!(
                lost == 0,
                "{lost} of {} clients lost their connection (did the server go away?); \
                 the report above counts what completed before{}",
                cfg.clients,
                if a.load.verify {
                    "; --verify skipped"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Command::Compare(c) => compare::compare(w, c),
    }
}

/// `verify`: the workload's invariant and, with `--check-acks`, the ack log; both are checked
/// and reported even when the first fails.
fn verify<W: Workload>(w: &W, a: &cli::VerifyArgs) -> Result<()> {
    let target = a.workload.config()?;
    let invariant = block_on(w.verify(&target))?;
    let acks = match &a.check_acks {
        Some(path) => Some(block_on(async {
            let client = conn::connect(&target).await?;
            acks::check(&client, path).await
        })?),
        None => None,
    };
    let mut failed = Vec::new();
    for result in std::iter::once(invariant).chain(acks) {
        match result {
            Ok(msg) => println!("verify: ok: {msg}"),
            Err(e) => {
                println!("verify: {e:#}");
                failed.push(e);
            }
        }
    }
    match failed.len() {
        0 => Ok(()),
        n => Err(failed
            .swap_remove(0)
            .context(format!("{n} verify check(s) failed"))),
    }
}

fn init<W: Workload>(w: &W, target: &tokio_postgres::Config) -> Result<()> {
    let t = std::time::Instant::now();
    block_on(w.prepare(target))??;
    eprintln!(
        "init: {} loaded in {:.1} s",
        w.name(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

pub(crate) fn run_one<W: Workload>(w: &Arc<W>, cfg: &RunConfig) -> Result<Report> {
    runner::run(w.clone(), cfg)
}

fn print_report(report: &Report, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{}", report.text());
    }
    Ok(())
}
