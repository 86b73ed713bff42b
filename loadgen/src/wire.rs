//! The benchmark hot path: a minimal PostgreSQL v3 client connection that owns its socket.
//!
//! Why not `tokio-postgres` here: measured against pgbench on select-only (docs/BENCHMARKS.md,
//! "Loadgen"), `tokio-postgres` spent ~3.4 µs of user CPU per transaction against pgbench's
//! ~2.3 µs; perf showed the difference spread over its client/connection split (an mpsc request
//! channel, a response channel, two task wake-ups and `Bytes` splitting per statement), not in
//! message encoding. On a 2-core machine that CPU comes out of the server's share. So the hot path
//! encodes messages with `postgres-protocol` (the same stock encoder `tokio-postgres` uses) and
//! writes and reads its own socket in the client's task: one `send`, one `recv` per statement.
//! `tokio-postgres` is still used for everything else (loading, COPY, verify).
//!
//! Wire traffic per statement mirrors libpq as pgbench drives it:
//!
//! | protocol   | messages                                      | libpq call        |
//! |------------|-----------------------------------------------|-------------------|
//! | `simple`   | `Query`                                       | `PQexec`          |
//! | `extended` | `Parse("")` `Bind` `Describe(P)` `Execute` `Sync` | `PQexecParams` |
//! | `prepared` | `Bind(name)` `Describe(P)` `Execute` `Sync`    | `PQexecPrepared`  |
//!
//! Parameters travel in text format with unspecified types (OID 0), as pgbench sends them.
//! Supported authentication: trust, cleartext, MD5 and SCRAM-SHA-256, over TCP or a Unix socket;
//! no TLS.

use std::io;

use bytes::{Buf as _, BytesMut};
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256, SCRAM_SHA_256};
use postgres_protocol::message::frontend;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio_postgres::config::Host;
use tokio_postgres::Config;

/// Why a statement failed.
#[derive(Debug)]
pub(crate) enum WireError {
    /// The server answered with an ErrorResponse.
    Db { code: String, message: String },
    /// The connection is gone (or the server broke the protocol); the client must stop.
    Closed(String),
}

impl WireError {
    pub(crate) fn code(&self) -> &str {
        match self {
            Self::Db { code, .. } => code,
            Self::Closed(_) => "conn",
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Db { code, message } => write!(f, "{code}: {message}"),
            Self::Closed(why) => write!(f, "connection closed: {why}"),
        }
    }
}

impl std::error::Error for WireError {}

impl From<io::Error> for WireError {
    fn from(e: io::Error) -> Self {
        Self::Closed(e.to_string())
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin {}
impl<T: AsyncRead + AsyncWrite + Unpin> Stream for T {}

/// One connection; see the module docs.
pub(crate) struct WireConn {
    stream: Box<dyn Stream>,
    rbuf: BytesMut,
    /// Outgoing messages; callers append, [`WireConn::round_trip`] sends.
    pub(crate) wbuf: BytesMut,
    /// Whether [`WireConn::round_trip`] keeps the last CommandComplete tag (off on the hot path
    /// unless a run needs it: `--ack-log` checks that `END` answered `COMMIT`).
    pub(crate) capture_tag: bool,
    /// The last CommandComplete tag of the last round trip, when `capture_tag` is on.
    pub(crate) last_tag: String,
}

fn closed(why: &str) -> WireError {
    WireError::Closed(why.to_owned())
}

impl WireConn {
    /// Connects to the first host of `config` and authenticates.
    pub(crate) async fn connect(config: &Config) -> Result<Self, WireError> {
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let stream: Box<dyn Stream> = match config.get_hosts().first() {
            Some(Host::Tcp(host)) => {
                let s = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
                s.set_nodelay(true)?;
                Box::new(s)
            }
            Some(Host::Unix(dir)) => Box::new(
                tokio::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{port}"))).await?,
            ),
            None => Box::new(tokio::net::TcpStream::connect(("localhost", port)).await?),
        };
        let mut conn = Self {
            stream,
            rbuf: BytesMut::with_capacity(8192),
            wbuf: BytesMut::with_capacity(1024),
            capture_tag: false,
            last_tag: String::new(),
        };
        conn.startup(config).await?;
        Ok(conn)
    }

    async fn startup(&mut self, config: &Config) -> Result<(), WireError> {
        let user = config.get_user().unwrap_or("postgres");
        let mut params = vec![
            ("user", user),
            ("client_encoding", "UTF8"),
            ("application_name", "pglitedb-loadgen"),
        ];
        if let Some(db) = config.get_dbname() {
            params.push(("database", db));
        }
        if let Some(options) = config.get_options() {
            params.push(("options", options));
        }
        frontend::startup_message(params, &mut self.wbuf)?;
        self.flush().await?;
        let password = config.get_password().unwrap_or_default().to_vec();
        let mut scram: Option<ScramSha256> = None;
        loop {
            let (tag, body) = self.next_message().await?;
            match tag {
                b'Z' => return Ok(()),
                b'E' => return Err(parse_error(&body)),
                b'R' => {}
                // ParameterStatus, BackendKeyData, NoticeResponse.
                _ => continue,
            }
            let data = body.get(4..).unwrap_or_default();
            match body
                .get(..4)
                .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            {
                Some(0) => {}
                Some(3) => {
                    frontend::password_message(&password, &mut self.wbuf)?;
                    self.flush().await?;
                }
                Some(5) => {
                    let salt = data.get(..4).ok_or_else(|| closed("short MD5 salt"))?;
                    let hash = md5_hash(
                        user.as_bytes(),
                        &password,
                        [salt[0], salt[1], salt[2], salt[3]],
                    );
                    frontend::password_message(hash.as_bytes(), &mut self.wbuf)?;
                    self.flush().await?;
                }
                Some(10) => {
                    let offered = data
                        .split(|&b| b == 0)
                        .any(|m| m == SCRAM_SHA_256.as_bytes());
                    if !offered {
                        return Err(closed("server offers no SCRAM-SHA-256"));
                    }
                    let s = ScramSha256::new(&password, ChannelBinding::unsupported());
                    frontend::sasl_initial_response(SCRAM_SHA_256, s.message(), &mut self.wbuf)?;
                    self.flush().await?;
                    scram = Some(s);
                }
                Some(11) => {
                    let s = scram.as_mut().ok_or_else(|| closed("SASL out of order"))?;
                    s.update(data)?;
                    frontend::sasl_response(s.message(), &mut self.wbuf)?;
                    self.flush().await?;
                }
                Some(12) => {
                    let s = scram.as_mut().ok_or_else(|| closed("SASL out of order"))?;
                    s.finish(data)?;
                }
                other => {
                    return Err(closed(&format!(
                        "unsupported authentication request {other:?}"
                    )))
                }
            }
        }
    }

    async fn flush(&mut self) -> Result<(), WireError> {
        self.stream.write_all(&self.wbuf).await?;
        self.wbuf.clear();
        Ok(())
    }

    async fn fill(&mut self) -> Result<(), WireError> {
        if self.stream.read_buf(&mut self.rbuf).await? == 0 {
            return Err(closed("server closed the connection"));
        }
        Ok(())
    }

    /// Next whole message as (tag, body) (startup only; the hot path uses [`Self::round_trip`]).
    async fn next_message(&mut self) -> Result<(u8, BytesMut), WireError> {
        loop {
            if self.rbuf.len() >= 5 {
                let len =
                    u32::from_be_bytes([self.rbuf[1], self.rbuf[2], self.rbuf[3], self.rbuf[4]]);
                let total = 1 + len as usize;
                if self.rbuf.len() >= total {
                    let mut msg = self.rbuf.split_to(total);
                    let body = msg.split_off(5);
                    return Ok((msg[0], body));
                }
            }
            self.fill().await?;
        }
    }

    /// Sends [`Self::wbuf`] and reads responses up to `ReadyForQuery`, skipping rows. Returns the
    /// first error the server reported, if any.
    pub(crate) async fn round_trip(&mut self) -> Result<(), WireError> {
        self.flush().await?;
        let mut error = None;
        if self.capture_tag {
            self.last_tag.clear();
        }
        loop {
            // Walk whole messages: tag (1 byte) + length (4 bytes, includes itself) + body.
            while self.rbuf.len() >= 5 {
                let len =
                    u32::from_be_bytes([self.rbuf[1], self.rbuf[2], self.rbuf[3], self.rbuf[4]]);
                let total = 1 + len as usize;
                if self.rbuf.len() < total {
                    self.rbuf.reserve(total - self.rbuf.len());
                    break;
                }
                match self.rbuf[0] {
                    b'Z' => {
                        self.rbuf.advance(total);
                        return error.map_or(Ok(()), Err);
                    }
                    b'E' if error.is_none() => {
                        let body = self.rbuf.split_to(total).split_off(5);
                        error = Some(parse_error(&body));
                    }
                    b'C' if self.capture_tag => {
                        // Body: the tag, NUL-terminated.
                        let body = &self.rbuf[5..total];
                        let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
                        self.last_tag.clear();
                        self.last_tag
                            .push_str(&String::from_utf8_lossy(&body[..end]));
                        self.rbuf.advance(total);
                    }
                    _ => self.rbuf.advance(total),
                }
            }
            self.fill().await?;
        }
    }
}

/// Parses an ErrorResponse body: (field type byte, NUL-terminated text)*, then a NUL.
fn parse_error(body: &[u8]) -> WireError {
    let mut code = String::new();
    let mut message = String::new();
    let mut rest = body;
    while let Some((&typ, tail)) = rest.split_first() {
        if typ == 0 {
            break;
        }
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        let value = String::from_utf8_lossy(&tail[..end]).into_owned();
        match typ {
            b'C' => code = value,
            b'M' => message = value,
            _ => {}
        }
        rest = tail.get(end + 1..).unwrap_or_default();
    }
    if code.is_empty() {
        code = "XX000".to_owned();
    }
    WireError::Db { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_fields() {
        let body = b"SERROR\0VERROR\0C40001\0Mcould not serialize access\0\0";
        match parse_error(body) {
            WireError::Db { code, message } => {
                assert_eq!(code, "40001");
                assert_eq!(message, "could not serialize access");
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(parse_error(b"\0").code(), "XX000");
    }
}
