//! The per-core shard: the state one core owns and the typed messages other cores send it.
//!
//! # How it fits
//! Each core runs one [`Shard`] over its own storage engine (its data file and WAL). Sessions (the
//! router role, in `server`) never touch a shard's state directly: they send a [`ShardRequest`] and
//! receive a [`ShardResponse`], over the cross-core mesh when the shard lives on another core, or
//! through the local request queue when it is the session's own core. Both paths carry the same typed
//! messages.
//!
//! # Invariants
//! - Only its own core calls [`Shard::handle`] (`&mut self`), one request at a time, so no lock
//!   protects its state. Everything that crosses cores is an owned, `Send` message.
//! - A write is answered only after its WAL record is durable ([`Handled::AfterCommit`]).
//! - Rows are placed by [`route::shard_for_key`] over the primary-key bytes built in [`table`].
//!
//! # Transactions
//! `txn.rs` (write sets, row locks, savepoints), `dml.rs` (reads and writes inside transactions),
//! `mvcc.rs` (timestamps, snapshots, old versions, with the commit protocol's timelines) and
//! `commit.rs` (one-shard and two-phase commit, recovery's view of prepared transactions).
//!
//! # DDL
//! Catalog changes are staged writes of their transaction (`ddl.rs`). Secondary indexes:
//! `index.rs`.
#![forbid(unsafe_code)]

mod commit;
mod database;
mod ddl;
mod dml;
mod error;
mod function;
pub mod index;
mod message;
mod mvcc;
mod rekey;
pub mod route;
mod schema;
mod sequence;
mod shard;
pub mod table;
mod temp;
pub mod txn;
mod upsert;

pub use error::{Result, ShardError};
pub use message::{
    CatalogChange, Interrupt, ShardId, ShardRequest, ShardResponse, TxnId, TxnStatus,
};
pub use mvcc::Clock;
pub use shard::{Handled, Shard, ShardStats};
pub use txn::{Isolation, Ts, TxnCtx};
pub use upsert::Upserted;
