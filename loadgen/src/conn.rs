//! One client connection and the three ways of sending a statement.
//!
//! Workloads describe their statements once ([`StmtDef`]: SQL with `$n` placeholders)
//! and generate transactions as lists of [`Step`]s (statement index + parameter values). A
//! [`Conn`] turns a step into wire traffic according to [`Protocol`], mirroring `pgbench -M`:
//!
//! | protocol   | per statement                                          | pgbench equivalent |
//! |------------|--------------------------------------------------------|--------------------|
//! | `simple`   | `Query`, parameters rendered as SQL literals           | `-M simple`        |
//! | `extended` | unnamed `Parse`, `Bind`, `Describe`, `Execute`, `Sync` | `-M extended`      |
//! | `prepared` | `Bind`, `Describe`, `Execute`, `Sync` on a statement parsed once per connection | `-M prepared` |
//!
//! Every statement is one round trip, as in pgbench: `BEGIN` and `END` are statements too, so a
//! tpcb transaction is seven round trips in every protocol. Parameters travel as text with
//! unspecified types, like pgbench's.
//!
//! The connection is [`crate::wire::WireConn`]: stock `postgres-protocol` message encoding over
//! a socket the client task owns (why not `tokio-postgres` here: see `wire.rs`). Rows are skipped,
//! never decoded. Nothing of PGLiteDB's internals is involved: loadgen tests the wire.

use std::fmt::Write as _;

use anyhow::{Context as _, Result};
use postgres_protocol::message::frontend;
use postgres_protocol::IsNull;
use tokio_postgres::{Client, Config, NoTls};

use crate::wire::{WireConn, WireError};
use crate::workload::load::put_int_raw;

/// How statements travel on the wire (see the module table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Protocol {
    Simple,
    Extended,
    Prepared,
}

/// One parameter value. Only the types our workloads use.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Param {
    Int4(i32),
    Int8(i64),
    Text(Box<str>),
}

impl Param {
    /// Appends the value in text format (extended and prepared protocols).
    fn text(&self, out: &mut bytes::BytesMut) {
        use bytes::BufMut as _;
        match self {
            Self::Int4(v) => put_int_raw(out, i64::from(*v)),
            Self::Int8(v) => put_int_raw(out, *v),
            Self::Text(v) => out.put_slice(v.as_bytes()),
        }
    }

    /// Appends the value as an SQL literal (simple protocol).
    fn render(&self, out: &mut String) {
        match self {
            // Writing to a String cannot fail.
            Self::Int4(v) => {
                let _ = write!(out, "{v}");
            }
            Self::Int8(v) => {
                let _ = write!(out, "{v}");
            }
            Self::Text(v) => {
                out.push('\'');
                for c in v.chars() {
                    if c == '\'' {
                        out.push('\'');
                    }
                    out.push(c);
                }
                out.push('\'');
            }
        }
    }
}

/// A statement a workload executes, with its `$n` placeholders.
#[derive(Clone, Debug)]
pub(crate) struct StmtDef {
    pub sql: &'static str,
    /// Literal text and placeholder positions, pre-split for the simple protocol.
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Lit(String),
    Param(usize),
}

impl StmtDef {
    pub(crate) fn new(sql: &'static str) -> Self {
        Self {
            sql,
            parts: split_placeholders(sql),
        }
    }

    /// The SQL text with every `$n` replaced by its literal value.
    pub(crate) fn render(&self, params: &[Param], out: &mut String) {
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Param(i) => match params.get(*i) {
                    Some(p) => p.render(out),
                    None => out.push_str("NULL"),
                },
            }
        }
    }
}

/// Splits `sql` at `$1`, `$2`, ... (0-based indexes in the result). Our workloads' SQL has no
/// string literals containing `$`, so no quoting rules are needed.
fn split_placeholders(sql: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '$' {
            let mut n = 0usize;
            let mut digits = 0;
            while let Some(&(_, d)) = chars.peek() {
                let Some(v) = d.to_digit(10) else { break };
                n = n * 10 + v as usize;
                digits += 1;
                chars.next();
            }
            if digits > 0 && n > 0 {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
                parts.push(Part::Param(n - 1));
                continue;
            }
            lit.push('$');
            continue;
        }
        lit.push(c);
    }
    parts.push(Part::Lit(lit));
    parts.retain(|p| !matches!(p, Part::Lit(s) if s.is_empty()));
    parts
}

/// One statement execution inside a transaction.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Step {
    pub stmt: usize,
    pub params: Vec<Param>,
}

/// A client connection with its statements prepared (for `prepared`).
pub(crate) struct Conn {
    wire: WireConn,
    protocol: Protocol,
    sql_buf: String,
}

/// Opens a `tokio-postgres` connection (loading, verify) and spawns its I/O task on the current
/// `LocalSet`.
pub(crate) async fn connect(config: &Config) -> Result<Client> {
    let (client, connection) = config.connect(NoTls).await.context("connecting")?;
    tokio::task::spawn_local(async move {
        // The error surfaces again on the client's next call; nothing to do here.
        let _ = connection.await;
    });
    Ok(client)
}

fn encode_err(e: impl std::fmt::Display) -> WireError {
    WireError::Closed(format!("bug: encoding a message failed: {e}"))
}

/// Name of prepared statement `i` on every connection.
fn stmt_name(i: usize) -> String {
    format!("lg{i}")
}

impl Conn {
    pub(crate) async fn open(
        config: &Config,
        protocol: Protocol,
        stmts: &[StmtDef],
    ) -> Result<Self> {
        let mut wire = WireConn::connect(config).await.context("connecting")?;
        if protocol == Protocol::Prepared {
            for (i, s) in stmts.iter().enumerate() {
                frontend::parse(&stmt_name(i), s.sql, [], &mut wire.wbuf)
                    .context("encoding Parse")?;
            }
            frontend::sync(&mut wire.wbuf);
            wire.round_trip().await.context("preparing statements")?;
        }
        Ok(Self {
            wire,
            protocol,
            sql_buf: String::with_capacity(256),
        })
    }

    /// Executes one statement (one round trip); rows are skipped.
    pub(crate) async fn exec(&mut self, stmts: &[StmtDef], step: &Step) -> Result<(), WireError> {
        let def = &stmts[step.stmt];
        let buf = &mut self.wire.wbuf;
        match self.protocol {
            Protocol::Simple => {
                self.sql_buf.clear();
                def.render(&step.params, &mut self.sql_buf);
                frontend::query(&self.sql_buf, buf).map_err(encode_err)?;
            }
            Protocol::Extended | Protocol::Prepared => {
                let name = match self.protocol {
                    Protocol::Prepared => stmt_name(step.stmt),
                    _ => {
                        frontend::parse("", def.sql, [], buf).map_err(encode_err)?;
                        String::new()
                    }
                };
                frontend::bind(
                    "",
                    &name,
                    [],
                    &step.params,
                    |p, out| {
                        p.text(out);
                        Ok(IsNull::No)
                    },
                    [],
                    buf,
                )
                .map_err(|_| encode_err("Bind"))?;
                frontend::describe(b'P', "", buf).map_err(encode_err)?;
                frontend::execute("", 0, buf).map_err(encode_err)?;
                frontend::sync(buf);
            }
        }
        self.wire.round_trip().await
    }

    /// From now on, remember each round trip's CommandComplete tag (see [`Conn::last_tag`]).
    pub(crate) fn capture_tags(&mut self) {
        self.wire.capture_tag = true;
    }

    /// The CommandComplete tag of the last statement (`COMMIT` for a committed `END`); empty
    /// unless [`Conn::capture_tags`] was called or when the statement completed without one.
    pub(crate) fn last_tag(&self) -> &str {
        &self.wire.last_tag
    }

    /// Ends a failed transaction so the connection can be reused.
    pub(crate) async fn rollback(&mut self) -> Result<(), WireError> {
        frontend::query("ROLLBACK", &mut self.wire.wbuf).map_err(encode_err)?;
        self.wire.round_trip().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_literals() {
        let def = StmtDef::new("UPDATE t SET a = a + $2 WHERE k = $1 AND v = $3 -- $ $x");
        let mut out = String::new();
        def.render(
            &[Param::Int4(7), Param::Int8(-5), Param::Text("it's".into())],
            &mut out,
        );
        assert_eq!(
            out,
            "UPDATE t SET a = a + -5 WHERE k = 7 AND v = 'it''s' -- $ $x"
        );
    }

    #[test]
    fn multi_digit_placeholders() {
        let def = StmtDef::new("SELECT $10, $1");
        assert_eq!(
            def.parts,
            vec![
                Part::Lit("SELECT ".into()),
                Part::Param(9),
                Part::Lit(", ".into()),
                Part::Param(0)
            ]
        );
    }
}
