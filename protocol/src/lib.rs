//! PostgreSQL v3 wire protocol, server side, sans-IO.
//!
//! This crate turns bytes from a client into typed messages and typed replies into bytes. It owns no
//! socket, no runtime and no clock: the `server` crate reads into a `BytesMut`, calls the decoders,
//! runs the session, calls the encoders and writes. That keeps it testable byte by byte and usable on
//! glommio (the `pgwire` crate's server layer needs tokio and `Send` handlers; see ARCHITECTURE.md).
//!
//! # Life of a connection
//! 1. **Startup** ([`decode_startup`]): packets without a type byte. SSLRequest and GSSENCRequest are
//!    answered with `'N'` ([`backend::ssl_refused`]); CancelRequest carries `(pid, secret)` from
//!    BackendKeyData; StartupMessage carries `user`, `database` and settings. A minor version above 0
//!    or `_pq_.` options ask for NegotiateProtocolVersion ([`startup::negotiation`]).
//! 2. **Authentication** ([`auth::Authenticator`]): trust, cleartext, md5 or SCRAM-SHA-256; the
//!    client's 'p' messages arrive as [`FrontendMessage::Password`] and are fed to
//!    [`auth::Authenticator::step`] until it reports [`auth::Step::Done`].
//! 3. **Session**: ParameterStatus, BackendKeyData, ReadyForQuery ([`backend`]), then regular
//!    messages from [`decode_frontend`]: simple Query, the extended protocol, the COPY sub-protocol.
//!
//! # Public surface
//! | item | what |
//! |---|---|
//! | [`decode_startup`] → [`StartupRequest`] | SSLRequest, GSSENCRequest, CancelRequest, StartupMessage 3.x |
//! | [`startup::negotiation`] | whether to send [`backend::negotiate_protocol_version`] |
//! | [`decode_frontend`] → [`FrontendMessage`] | Q P B D E C S H X d c f p, with [`Format`] and [`Target`] |
//! | [`backend`] | one encoder per backend message; [`backend::data_row`] writes rows in place |
//! | [`ErrorFields`], [`Severity`], [`SqlState`] | ErrorResponse/NoticeResponse content |
//! | [`ProtocolError`] (+ [`Result`]) | decode errors; [`ProtocolError::sqlstate`] picks the code |
//! | [`auth::Authenticator`] | trust, password, md5, SCRAM-SHA-256; [`auth::AuthError`] carries its ErrorFields |
//!
//! Both `FrontendMessage` and `StartupRequest` also have `encode`, which the tests and the fuzz
//! target use to check that decoding is exact, and which client-side tools may use.
//!
//! # Invariants
//! - Decoders never panic and never read past the frame they were given: every length is checked
//!   against the buffer before use, and every message has a size limit (1 GiB for Query, Parse, Bind,
//!   CopyData; 10 000 bytes for the rest and for startup packets), checked before the body arrives.
//!   `fuzz/` feeds arbitrary bytes to both decoders.
//! - `Ok(None)` from a decoder consumes nothing; `Ok(Some(_))` consumes exactly one message.
//!   After an `Err` framing is lost: send ErrorResponse (code [`ProtocolError::sqlstate`]) and close.
//! - Encoders write complete messages (lengths patched after the body) and only grow the buffer.
//! - `#![forbid(unsafe_code)]`; no `unwrap` outside tests, `expect` only for stated invariants.
//!
//! # Left out
//! - TLS (SSLRequest is refused; SCRAM-SHA-256-PLUS channel binding therefore absent) and GSSAPI.
//! - Protocol 3.2 (PostgreSQL 18: longer cancel keys); clients asking for it get
//!   NegotiateProtocolVersion and continue with 3.0.
//! - FunctionCall ('F'), replication (CopyBoth), SASLprep of non-ASCII SCRAM passwords (the password
//!   bytes are used as they are, which equals SASLprep for ASCII).

#![forbid(unsafe_code)]

pub mod auth;
pub mod backend;
mod codec;
mod error;
mod error_fields;
mod frontend;
mod sqlstate;
pub mod startup;

pub use error::{ProtocolError, Result};
pub use error_fields::{ErrorFields, ExtraFields, Severity};
pub use frontend::{
    decode_frontend, Format, FrontendMessage, Target, LARGE_MESSAGE_LIMIT, SMALL_MESSAGE_LIMIT,
};
pub use sqlstate::SqlState;
pub use startup::{decode_startup, StartupRequest};
