//! Random SQL and random parameter bytes over the wire: the server must answer every statement
//! (rows or an error, then ReadyForQuery) and never drop the connection or die.
//!
//! Statements come from PostgreSQL's regression suite (`../shared/pg_regress/sql`, when present) and
//! a built-in list, mutated at random: cut short, spans deleted or repeated, characters replaced by
//! SQL punctuation or keywords. Parameters: `SELECT $1::type` for many types, bound with random
//! bytes in text or binary format. The run is seeded (printed, `SQL_FUZZ_SEED` replays it) and
//! bounded in time (`SQL_FUZZ_SECS`, default 20).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::TestServer;

/// xorshift64*: enough randomness for mutations, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const BUILTIN: &[&str] = &[
    "SELECT 1",
    "SELECT 'abc'::text || 1, 2.5::numeric * 3, now() IS NOT NULL",
    "CREATE TABLE fz (a int PRIMARY KEY, b text, c numeric(8,2), d date, e timestamptz, f jsonb, g int[])",
    "INSERT INTO fz VALUES (1, 'x', 1.25, '2020-01-01', now(), '{\"k\": [1, 2]}', '{1,2,3}')",
    "INSERT INTO fz SELECT g, 'r' || g, g / 3.0, NULL, NULL, NULL, NULL FROM generate_series(2, 50) g",
    "UPDATE fz SET b = upper(b), c = c * 2 WHERE a % 3 = 0",
    "DELETE FROM fz WHERE a > 45",
    "SELECT a, b, c FROM fz WHERE a BETWEEN 3 AND 9 ORDER BY c DESC NULLS LAST LIMIT 4 OFFSET 1",
    "SELECT count(*), sum(c), avg(a), max(b), string_agg(b, ',') FROM fz GROUP BY a % 4 HAVING count(*) > 1",
    "SELECT DISTINCT ON (a % 5) a, b FROM fz ORDER BY a % 5, a",
    "SELECT f -> 'k' -> 1, f ->> 'k', g[2], array_length(g, 1) FROM fz WHERE a = 1",
    "SELECT extract(epoch FROM '2020-01-01 00:00'::timestamp), '1 day 2 hours'::interval * 3",
    "SELECT to_char(123.45, '999D99'), substring('hello' FROM 2 FOR 3), position('l' IN 'hello')",
    "COPY fz (a, b) TO STDOUT",
    "BEGIN; UPDATE fz SET c = 0 WHERE a = 2; SELECT c FROM fz WHERE a = 2; ROLLBACK",
    "SELECT CASE WHEN a > 10 THEN 'big' ELSE 'small' END, coalesce(d, '1999-12-31') FROM fz",
    "TRUNCATE fz",
    "DROP TABLE IF EXISTS fz",
];

const NOISE: &[&str] = &[
    "(",
    ")",
    ",",
    ";",
    "'",
    "\"",
    "$1",
    "$99999",
    "::",
    "[",
    "]",
    "*",
    "-",
    "+",
    "/",
    "%",
    "^",
    "||",
    " NULL ",
    " SELECT ",
    " FROM ",
    " WHERE ",
    " AND ",
    " ORDER BY ",
    " GROUP BY ",
    " CAST(",
    " AS ",
    " 1e400 ",
    " -2147483648 ",
    " 9223372036854775808 ",
    " 'NaN' ",
    " 'infinity' ",
    " E'\\x00' ",
    " '\u{fffd}' ",
    " ARRAY[",
    " ROW(",
    " INTERVAL ",
    " ::int2 ",
    " ::numeric(1000,999) ",
];

const TYPES: &[&str] = &[
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "numeric",
    "text",
    "varchar(3)",
    "bool",
    "bytea",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "interval",
    "uuid",
    "json",
    "jsonb",
    "int4[]",
    "text[]",
    "oid",
    "char(2)",
];

/// Statements from the regression suite's SQL files: split at lines ending with `;` (good enough
/// for fuzzing input), skipping psql meta-commands and anything that would sleep or block.
fn corpus() -> Vec<String> {
    let mut out: Vec<String> = BUILTIN.iter().map(|s| s.to_string()).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pg_regress/sql");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("{} not found: built-in statements only", dir.display());
        return out;
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let mut cur = String::new();
        for line in text.lines() {
            if line.starts_with('\\') || line.trim_start().starts_with("--") {
                continue;
            }
            cur.push_str(line);
            cur.push('\n');
            if line.trim_end().ends_with(';') {
                let stmt = std::mem::take(&mut cur);
                let lower = stmt.to_ascii_lowercase();
                let risky = [
                    "sleep",
                    "stdin",
                    "lock ",
                    "generate_series(1, 1000000",
                    "10000000",
                ]
                .iter()
                .any(|r| lower.contains(r));
                if !risky && stmt.len() < 4000 {
                    out.push(stmt);
                }
            }
        }
    }
    out
}

/// A series that PostgreSQL would also spend hours producing (a mutation can turn
/// `generate_series('+4567890123456789'::int8, ...)` into one with quadrillions of rows). Statements
/// run to completion on their core, so one would stall the test, not find a bug.
fn endless(sql: &str) -> bool {
    if !sql.to_ascii_lowercase().contains("generate_series") {
        return false;
    }
    let mut run = 0;
    for c in sql.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run > 5 {
            return true;
        }
    }
    false
}

fn mutate(rng: &mut Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let at = rng.below(n + 1);
    let span = 1 + rng.below(12);
    let mut out: Vec<char> = match rng.below(6) {
        0 => chars.clone(),
        1 => chars[..at].to_vec(),
        2 => {
            let end = (at + span).min(n);
            chars[..at].iter().chain(&chars[end..]).copied().collect()
        }
        3 => {
            let end = (at + span).min(n);
            let mut v = chars[..end].to_vec();
            v.extend_from_slice(&chars[at..end]);
            v.extend_from_slice(&chars[end..]);
            v
        }
        _ => {
            let noise: Vec<char> = NOISE[rng.below(NOISE.len())].chars().collect();
            let mut v = chars[..at].to_vec();
            v.extend(noise);
            v.extend_from_slice(&chars[at.min(n)..]);
            v
        }
    };
    out.retain(|&c| c != '\0');
    out.into_iter().collect()
}

fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

struct Conn {
    s: TcpStream,
    buf: Vec<u8>,
    /// ErrorResponses received.
    errors: u64,
}

enum Outcome {
    /// ReadyForQuery with its transaction status (`I`, `T` or `E`).
    Ready(u8),
    Closed,
    TimedOut,
}

impl Conn {
    fn open(port: u16) -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut body = 196608u32.to_be_bytes().to_vec();
        for (k, v) in [("user", "postgres"), ("database", "postgres")] {
            cstr(&mut body, k);
            cstr(&mut body, v);
        }
        body.push(0);
        let mut p = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        p.extend_from_slice(&body);
        let mut c = Conn {
            s,
            buf: Vec::new(),
            errors: 0,
        };
        c.s.write_all(&p).expect("startup");
        assert!(
            matches!(c.until_ready(), Outcome::Ready(_)),
            "no ReadyForQuery after startup"
        );
        // A mutated statement may never end (a recursion without a stop, a huge series); the
        // timeout ends it, so the core it ties up answers new connections again within 30 s.
        assert!(
            matches!(c.simple("SET statement_timeout = '10s'"), Outcome::Ready(_)),
            "SET statement_timeout failed"
        );
        c
    }

    /// Reads messages until ReadyForQuery, answering CopyIn with CopyFail.
    fn until_ready(&mut self) -> Outcome {
        loop {
            while self.buf.len() >= 5 {
                let len = u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]])
                    as usize;
                if self.buf.len() < 1 + len {
                    break;
                }
                let kind = self.buf[0];
                let status = self.buf.get(5).copied().unwrap_or(b'I');
                self.buf.drain(..1 + len);
                match kind {
                    b'Z' => return Outcome::Ready(status),
                    b'E' => self.errors += 1,
                    b'G' => {
                        let mut body = Vec::new();
                        cstr(&mut body, "fuzz");
                        if self.s.write_all(&message(b'f', &body)).is_err() {
                            return Outcome::Closed;
                        }
                    }
                    _ => {}
                }
            }
            let mut chunk = [0u8; 65536];
            match self.s.read(&mut chunk) {
                Ok(0) => return Outcome::Closed,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Outcome::TimedOut
                }
                Err(_) => return Outcome::Closed,
            }
        }
    }

    fn simple(&mut self, sql: &str) -> Outcome {
        let mut body = Vec::new();
        cstr(&mut body, sql);
        if self.s.write_all(&message(b'Q', &body)).is_err() {
            return Outcome::Closed;
        }
        self.until_ready()
    }

    /// Parse/Bind/Execute/Sync of `SELECT $1::ty` with one parameter of random bytes.
    fn extended(&mut self, rng: &mut Rng) -> (String, Outcome) {
        let ty = TYPES[rng.below(TYPES.len())];
        let sql = format!("SELECT $1::{ty}");
        let binary = rng.below(2) == 1;
        let len = rng.below(24);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if binary {
                    rng.next() as u8
                } else {
                    b"0123456789-+.:eE {}[],\"'tfNaInyx/ "[rng.below(33)]
                }
            })
            .collect();
        let mut out = Vec::new();
        let mut parse = Vec::new();
        cstr(&mut parse, "");
        cstr(&mut parse, &sql);
        parse.extend_from_slice(&0u16.to_be_bytes());
        out.extend(message(b'P', &parse));
        let mut bind = Vec::new();
        cstr(&mut bind, "");
        cstr(&mut bind, "");
        bind.extend_from_slice(&1u16.to_be_bytes());
        bind.extend_from_slice(&u16::from(binary).to_be_bytes());
        bind.extend_from_slice(&1u16.to_be_bytes());
        if rng.below(10) == 0 {
            bind.extend_from_slice(&(-1i32).to_be_bytes());
        } else {
            bind.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            bind.extend_from_slice(&bytes);
        }
        bind.extend_from_slice(&1u16.to_be_bytes());
        bind.extend_from_slice(&u16::from(rng.below(2) == 1).to_be_bytes());
        out.extend(message(b'B', &bind));
        let mut exec = Vec::new();
        cstr(&mut exec, "");
        exec.extend_from_slice(&0u32.to_be_bytes());
        out.extend(message(b'E', &exec));
        out.extend(message(b'S', &[]));
        let shown = format!(
            "{sql} with {} bytes {bytes:?}",
            if binary { "binary" } else { "text" }
        );
        if self.s.write_all(&out).is_err() {
            return (shown, Outcome::Closed);
        }
        (shown, self.until_ready())
    }
}

#[test]
fn random_sql_and_parameters_never_break_the_server() {
    let server = TestServer::start(&[]);
    let corpus = corpus();
    let seed = std::env::var("SQL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    let secs: u64 = std::env::var("SQL_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    eprintln!(
        "SQL_FUZZ_SEED={seed} ({} statements in the corpus)",
        corpus.len()
    );
    let mut rng = Rng(seed);
    let mut conn = Conn::open(server.port);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut sent, mut timeouts) = (0u64, 0u64);
    while Instant::now() < deadline {
        let (shown, outcome) = if rng.below(5) == 0 {
            conn.extended(&mut rng)
        } else {
            let pick = rng.below(corpus.len());
            let sql = mutate(&mut rng, &corpus[pick]);
            if endless(&sql) {
                continue;
            }
            let outcome = conn.simple(&sql);
            (sql, outcome)
        };
        sent += 1;
        match outcome {
            // Leave failed blocks at once and open ones soon, so statements really run.
            Outcome::Ready(b'E') => {
                conn.simple("ROLLBACK");
            }
            Outcome::Ready(b'T') if rng.below(4) == 0 => {
                conn.simple("ROLLBACK");
            }
            Outcome::Ready(_) => {}
            Outcome::TimedOut => {
                // Slow is not broken: start over on a new connection.
                timeouts += 1;
                eprintln!("timed out (seed {seed}): {shown}");
                conn = Conn::open(server.port);
            }
            Outcome::Closed => panic!(
                "the server closed the connection after (seed {seed}):\n{shown}\n--- log:\n{}",
                server.log()
            ),
        }
    }
    eprintln!(
        "{sent} statements, {} errors on the last connection, {timeouts} timed out",
        conn.errors
    );
    assert!(
        matches!(conn.simple("SELECT 1"), Outcome::Ready(_)),
        "server stopped answering (seed {seed}); log:\n{}",
        server.log()
    );
}
