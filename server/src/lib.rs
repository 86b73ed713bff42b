//! The PGLiteDB daemon: runtime, cross-core mesh, listener and PostgreSQL sessions.
//!
//! # Threading model
//! [`run`] starts one glommio executor per shard, pinned to CPU `i` when it exists (unbound otherwise).
//! Every executor owns a [`pglitedb_shard::Shard`] and a [`worker::Worker`] (its mesh endpoints, session
//! registry and shutdown signal). The first `--router-cores` executors also run the router role: shard 0
//! accepts connections and hands each one to the router core with the fewest sessions; that core runs
//! the session to its end. Sessions send typed requests to shards — a direct call for the local shard,
//! a message over the [`mesh`] for the others — and get typed responses back.
//!
//! # Invariants
//! - No `Mutex`/`RwLock` anywhere: per-core state is `Rc<RefCell<_>>`, never borrowed across `.await`.
//!   The only shared words are atomics: the shutdown flag and per-core session counters.
//! - Nothing on a receive loop awaits a send: replies that find a full channel are handed to a spawned
//!   task, so two cores can never wait on each other's full queues (glommio/Seastar ABBA deadlock).
//! - The listening socket is bound once, without `SO_REUSEPORT`, so a second server on the same port
//!   fails to start instead of silently stealing connections.
#![deny(unsafe_code)] // one audited exception: adopting the listening socket (listener.rs)

mod config;
mod error;
mod listener;
pub mod mesh;
mod runtime;
mod session;
mod shard_task;
mod signal;
mod worker;

pub use config::{AuthMethod, Config};
pub use runtime::run;

/// Installs the tracing subscriber. `filter` uses `RUST_LOG` syntax; `RUST_LOG` wins when set.
pub fn init_logging(filter: &str) {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| filter.to_string());
    let env_filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}
