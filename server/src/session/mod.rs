//! One client connection: startup and authentication, then the simple and extended query protocols.
//!
//! A session runs on one router core for its whole life (see `listener.rs`). It owns its socket, its
//! buffers, its settings, its prepared statements and portals; nothing of it is shared.
//!
//! # I/O discipline
//! Incoming bytes accumulate in `inbuf`; every complete message in it is handled before the session
//! blocks on the socket again, and replies accumulate in `out`, which is written whenever the session
//! is about to wait for input (or grows large). A pipelining client (pgbench `-M extended`, asyncpg's
//! Parse/Describe/Flush) therefore gets every reply it is owed before the server waits, and a burst of
//! messages costs one write.
//!
//! # Errors
//! SQL errors produce ErrorResponse and the session goes on (in the extended protocol, messages up to
//! the next Sync are skipped). Framing errors (bad lengths, unknown message types) produce a FATAL
//! ErrorResponse and close the connection; no input can panic the server.

mod control;
mod copy;
mod ctx;
mod cursor;
mod ddl;
mod exec;
mod explain;
mod extended;
mod fkey;
mod fkey_ddl;
mod fkey_defer;
mod function;
mod gucs;
mod index;
mod joined;
mod modifying;
mod params;
mod partition;
mod plan_cache;
mod prepare;
mod rekey;
mod returning;
mod schema;
mod sequence;
mod sleep;
mod startup;
mod tables;
mod temp;
mod txn;
mod upsert;
mod view;

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use bytes::BytesMut;
use futures_lite::{future, AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;
use pglitedb_protocol::{backend, decode_frontend, ErrorFields, FrontendMessage, SqlState};
use tracing::debug;

use crate::error;
use crate::worker::Worker;
use exec::TxnState;
use extended::{Portal, Prepared};
pub use params::{Settings, SERVER_VERSION};
pub(crate) use tables::scatter;

/// Output is written once it grows past this, even mid-batch.
const FLUSH_THRESHOLD: usize = 64 * 1024;

/// The socket and its two buffers.
struct Conn {
    stream: TcpStream,
    inbuf: BytesMut,
    out: BytesMut,
}

impl Conn {
    /// Reads more bytes into `inbuf`. `Ok(0)` is end of stream.
    async fn read_more(&mut self) -> std::io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        self.inbuf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Closes after a fatal error: writes the error, half-closes, and drains what the client still
    /// sends for a moment, so that closing with unread input (which makes the kernel send RST) does not
    /// destroy the error before the client reads it.
    async fn close_after_error(&mut self) {
        if self.flush().await.is_err() {
            return;
        }
        let _ = self.stream.shutdown(std::net::Shutdown::Write).await;
        let drain = async {
            let mut sink = [0u8; 4096];
            while let Ok(n) = self.stream.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        };
        future::or(
            drain,
            glommio::timer::sleep(std::time::Duration::from_millis(200)),
        )
        .await;
    }

    /// Writes everything in `out`.
    async fn flush(&mut self) -> std::io::Result<()> {
        if !self.out.is_empty() {
            self.stream.write_all(&self.out).await?;
            self.out.clear();
        }
        Ok(())
    }
}

/// A session after authentication.
pub struct Session {
    worker: Rc<Worker>,
    conn: Conn,
    pid: i32,
    user: String,
    database: String,
    settings: Settings,
    txn: TxnState,
    prepared: HashMap<String, Rc<Prepared>>,
    portals: HashMap<String, Portal>,
    /// Open cursors by name (`cursor.rs`).
    cursors: HashMap<String, cursor::Cursor>,
    /// After an error in the extended protocol, skip messages until Sync.
    skip_until_sync: bool,
    /// Reported settings changed since the last ReadyForQuery.
    pending_reports: Vec<(&'static str, String)>,
    cancel: Rc<Cell<bool>>,
    /// The transaction statements run in (explicit block, or the current implicit one).
    txn_id: Option<pglitedb_shard::TxnId>,
    /// Shards holding the current transaction's writes and locks.
    participants: std::collections::BTreeSet<pglitedb_shard::ShardId>,
    /// Snapshots, savepoints, lock-only shards of the current transaction.
    tx: txn::TxnExtra,
    /// Output formatting for the current settings; `None` after anything that may change them.
    format: Option<Rc<pglitedb_sql::types::FormatContext>>,
    /// `now()` of the current transaction (PostgreSQL epoch microseconds), fixed by its first
    /// statement; `None` between transactions.
    txn_start: Option<i64>,
    /// Scratch buffer for encoding one value.
    scratch: Vec<u8>,
    /// Simple-protocol statements by their text with constants lifted (see `plan_cache.rs`).
    plan_cache: plan_cache::PlanCache,
    /// The session's temporary tables by name (`temp.rs`).
    temp: HashMap<String, std::sync::Arc<pglitedb_sql::TableDef>>,
    /// Temporary tables created in the current transaction block (dropped if it rolls back).
    temp_new: Vec<String>,
    /// currval/lastval and cached sequence values (`sequence.rs`).
    seqs: sequence::SeqSession,
    /// While CREATE SCHEMA runs its elements: the new schema, searched first (`schema.rs`).
    first_schema: Option<String>,
    /// Foreign-key state between statements (`fkey_ddl.rs`).
    fk: fkey_ddl::FkState,
}

/// Runs a connection to its end.
pub async fn run(worker: Rc<Worker>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let conn = Conn {
        stream,
        inbuf: BytesMut::with_capacity(8 * 1024),
        out: BytesMut::with_capacity(8 * 1024),
    };
    let Some(mut session) = startup::handshake(worker.clone(), conn).await else {
        return;
    };
    debug!(pid = session.pid, %peer, user = %session.user, database = %session.database, "session started");
    let pid = session.pid;
    session.serve().await;
    // A client that leaves in the middle of a transaction rolls it back.
    let _ = session.finish_txn(false).await;
    session.drop_all_temp().await;
    let _ = session.conn.stream.close().await;
    worker.unregister_session(pid);
    debug!(pid, "session ended");
}

enum Next {
    Continue,
    Close,
}

impl Session {
    async fn serve(&mut self) {
        loop {
            loop {
                let msg = match decode_frontend(&mut self.conn.inbuf) {
                    Ok(Some(msg)) => msg,
                    Ok(None) => break,
                    Err(e) => {
                        backend::error_response(&mut self.conn.out, &error::from_protocol(&e));
                        self.conn.close_after_error().await;
                        return;
                    }
                };
                if let Next::Close = self.handle(msg).await {
                    let _ = self.conn.flush().await;
                    return;
                }
                if self.conn.out.len() >= FLUSH_THRESHOLD && self.conn.flush().await.is_err() {
                    return;
                }
            }
            if self.conn.flush().await.is_err() {
                return;
            }
            let shutdown = self.worker.shutdown.clone();
            let read = future::or(async { Some(self.conn.read_more().await) }, async {
                shutdown.wait().await;
                None
            })
            .await;
            match read {
                Some(Ok(n)) if n > 0 => {}
                Some(_) => return, // EOF or socket error: the client is gone
                None => {
                    let f = ErrorFields::fatal(
                        SqlState::ADMIN_SHUTDOWN,
                        "terminating connection due to administrator command",
                    );
                    backend::error_response(&mut self.conn.out, &f);
                    let _ = self.conn.flush().await;
                    return;
                }
            }
        }
    }

    async fn handle(&mut self, msg: FrontendMessage) -> Next {
        if self.skip_until_sync
            && !matches!(msg, FrontendMessage::Sync | FrontendMessage::Terminate)
        {
            return Next::Continue;
        }
        match msg {
            FrontendMessage::Query(sql) => return self.simple_query(&sql).await,
            FrontendMessage::Parse {
                name,
                query,
                param_types,
            } => return self.parse(name, &query, &param_types),
            FrontendMessage::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            } => {
                return self.bind(portal, &statement, &param_formats, params, result_formats);
            }
            FrontendMessage::Describe { target, name } => return self.describe(target, &name),
            FrontendMessage::Execute { portal, max_rows } => {
                return self.execute_portal(&portal, max_rows).await
            }
            FrontendMessage::Close { target, name } => return self.close(target, &name),
            FrontendMessage::Sync => return self.sync(),
            FrontendMessage::Flush => {
                if self.conn.flush().await.is_err() {
                    return Next::Close;
                }
            }
            FrontendMessage::Terminate => return Next::Close,
            // COPY messages outside COPY are ignored, as PostgreSQL does.
            FrontendMessage::CopyData(_)
            | FrontendMessage::CopyDone
            | FrontendMessage::CopyFail(_) => {}
            FrontendMessage::Password(_) => {
                let f =
                    ErrorFields::fatal(SqlState::PROTOCOL_VIOLATION, "unexpected password message");
                backend::error_response(&mut self.conn.out, &f);
                return Next::Close;
            }
        }
        Next::Continue
    }

    /// Sends an error; inside a transaction block it aborts the transaction.
    fn send_error(&mut self, f: &ErrorFields) {
        backend::error_response(&mut self.conn.out, f);
        if self.txn == TxnState::InBlock {
            self.txn = TxnState::Failed;
        }
    }

    /// ReadyForQuery, preceded by ParameterStatus for settings that changed.
    fn ready_for_query(&mut self) {
        for (name, value) in std::mem::take(&mut self.pending_reports) {
            backend::parameter_status(&mut self.conn.out, name, &value);
        }
        backend::ready_for_query(&mut self.conn.out, self.txn.status());
    }
}
