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
//! # What is left out
//! MVCC, row locks, multi-statement and multi-shard transactions (issue 7); secondary indexes.
#![forbid(unsafe_code)]

mod commit;
mod database;
mod dml;
mod error;
mod message;
mod rekey;
pub mod route;
mod shard;
pub mod table;
pub mod txn;

pub use error::{Result, ShardError};
pub use message::{ShardId, ShardRequest, ShardResponse, TxnId, TxnStatus};
pub use shard::{Handled, Shard, ShardStats};
