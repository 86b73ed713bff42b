//! Command-line configuration of the daemon.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// How clients prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMethod {
    /// Anyone may connect as any user.
    Trust,
    /// Cleartext password (only sensible over a trusted network: there is no TLS yet).
    Password,
    /// `md5(md5(password || user) || salt)`.
    Md5,
    /// SCRAM-SHA-256 (RFC 5802/7677), what modern PostgreSQL uses by default.
    #[value(name = "scram-sha-256")]
    ScramSha256,
}

/// `pglitedb` — a PostgreSQL-compatible, thread-per-core OLTP server.
#[derive(Debug, Clone, Parser)]
#[command(name = "pglitedb", version, about)]
pub struct Config {
    /// Address to accept PostgreSQL connections on.
    #[arg(long, default_value = "127.0.0.1:5432")]
    pub listen: SocketAddr,
    /// Directory for the shards' files (created if missing).
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// Number of shards, one executor (thread) each, pinned to CPU i when CPU i exists.
    /// Default: the number of online CPUs.
    #[arg(long)]
    pub shards: Option<usize>,
    /// How many cores run client sessions (the router role), counted from shard 0. Default: all.
    #[arg(long)]
    pub router_cores: Option<usize>,
    /// Authentication method for every connection.
    #[arg(long, value_enum, default_value = "trust")]
    pub auth: AuthMethod,
    /// The password that the non-trust methods check (any user name is accepted with it).
    #[arg(
        long,
        env = "PGLITEDB_PASSWORD",
        default_value = "postgres",
        hide_env_values = true
    )]
    pub password: String,
    /// Log filter, e.g. `info` or `pglitedb_server=debug` (RUST_LOG syntax).
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Buffer pool budget per shard, in MiB.
    #[arg(long, default_value_t = 256)]
    pub cache_mb: usize,
    /// Size of each preallocated WAL segment, in MiB.
    #[arg(long, default_value_t = 64)]
    pub wal_segment_mb: u64,
    /// Spin this many microseconds before an idle executor parks: trades idle CPU for the latency of
    /// cross-core wake-ups (see ARCHITECTURE.md). 0 disables spinning.
    #[arg(long, default_value_t = 0)]
    pub spin_us: u64,
}

impl Config {
    /// The effective shard count.
    pub fn shard_count(&self) -> usize {
        self.shards.unwrap_or_else(online_cpus).max(1)
    }

    /// The effective number of router cores (at least 1, at most the shard count).
    pub fn router_count(&self) -> usize {
        self.router_cores
            .unwrap_or(usize::MAX)
            .clamp(1, self.shard_count())
    }
}

/// CPUs this process may run on.
pub fn online_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
