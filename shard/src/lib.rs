//! The per-core shard: the state one core owns and the typed messages other cores send it.
//!
//! # How it fits
//! Each core runs one [`Shard`]. Sessions (the router role, in `server`) never touch a shard's state
//! directly: they send a [`ShardRequest`] and receive a [`ShardResponse`], over the cross-core mesh when
//! the shard lives on another core, or by a direct call to [`Shard::handle`] when it is the session's own
//! core. Both paths carry the same typed messages, so the message path is exercised from the first day.
//!
//! # Invariants
//! - A shard is `!Sync` in spirit: only its own core calls [`Shard::handle`] (`&mut self`), so no lock
//!   protects its state. Everything that crosses cores is an owned, `Send` message.
//! - [`Shard::handle`] never blocks and never awaits; work that must wait (I/O, row locks) will be
//!   expressed as effects for the runtime to perform, keeping the shard testable without a runtime.
//!
//! # What is left out
//! The foundation's shard holds no tables: it evaluates table-less query plans and answers pings. The
//! storage engine (issue 3) and the SQL engine (issue 6) give it tenants' partitions; transactions
//! (issue 7) give it MVCC, row locks and the multi-shard commit protocol.
#![forbid(unsafe_code)]

mod error;
mod message;
mod shard;

pub use error::{Result, ShardError};
pub use message::{ShardId, ShardRequest, ShardResponse};
pub use shard::{Shard, ShardStats};
