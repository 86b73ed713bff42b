//! Isolation anomalies, one interleaving each, run step by step against PGLiteDB and against a real
//! PostgreSQL 15 that the test starts (`loadgen/scripts/pg15.sh`; as root it runs as `pgtest`).
//! The two transcripts — every statement's rows, command tag or SQLSTATE, and whether it had to
//! wait — must be equal. Skipped, loudly, when PostgreSQL 15 is not installed.
//!
//! Covered: dirty read, non-repeatable read and phantom at each level; lost update under READ
//! COMMITTED (`UPDATE ... SET x = x + 1` waits and re-reads) and under REPEATABLE READ (40001);
//! READ COMMITTED's re-check of a changed row; a concurrent delete under REPEATABLE READ; write
//! skew under REPEATABLE READ (allowed by both). Not covered: write skew and the read-only anomaly
//! under SERIALIZABLE, which PostgreSQL's SSI prevents and PGLiteDB's SERIALIZABLE (snapshot
//! isolation, see shard/src/mvcc.rs) does not.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tokio_postgres::{Client, SimpleQueryMessage};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

struct Pg {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    port: u16,
}

fn pg_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../loadgen/scripts/pg15.sh")
}

impl Pg {
    fn start() -> Option<Pg> {
        if !Path::new(PG_BIN).join("postgres").exists() {
            eprintln!("\n\n*** SKIPPING anomaly tests: {PG_BIN}/postgres is missing ***\n");
            return None;
        }
        let tmp = tempfile::Builder::new()
            .prefix("anomalies-pg")
            .tempdir()
            .expect("tempdir");
        let ok = Command::new("chmod")
            .arg("755")
            .arg(tmp.path())
            .status()
            .expect("chmod");
        assert!(ok.success());
        let port = common::free_port();
        let data = tmp.path().join("data");
        let out = Command::new("bash")
            .arg(pg_script())
            .args([
                "start".as_ref(),
                data.as_os_str(),
                port.to_string().as_ref(),
            ])
            .args(["fsync=off", "shared_buffers=128MB"])
            .output()
            .expect("pg15.sh");
        assert!(out.status.success(), "pg15.sh start failed: {out:?}");
        Some(Pg {
            _tmp: tmp,
            data,
            port,
        })
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(pg_script())
            .args(["stop".as_ref(), self.data.as_os_str()])
            .output();
    }
}

/// One step of an interleaving.
#[derive(Clone, Copy)]
enum Step {
    /// Session `n` runs a statement to its end.
    Run(usize, &'static str),
    /// Session `n` starts a statement that may wait; the transcript says whether it waits.
    Start(usize, &'static str),
    /// Session `n`'s started statement ends.
    Finish(usize),
}

type Pending = tokio::task::JoinHandle<(Client, String)>;

async fn outcome(c: &Client, sql: &str) -> String {
    match c.simple_query(sql).await {
        Ok(msgs) => msgs
            .iter()
            .map(|m| match m {
                SimpleQueryMessage::Row(r) => {
                    let cols: Vec<&str> =
                        (0..r.len()).map(|i| r.get(i).unwrap_or("NULL")).collect();
                    format!("({})", cols.join(","))
                }
                SimpleQueryMessage::CommandComplete(n) => format!("[{n}]"),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => format!("ERROR {}", e.code().map_or("?", |c| c.code())),
    }
}

/// Runs `setup` and then `steps` on `port` with `sessions` connections; returns the transcript.
async fn transcript(port: u16, setup: &str, sessions: usize, steps: &[Step]) -> Vec<String> {
    let admin = common::connect_port(port).await;
    admin
        .batch_execute(&format!("DROP TABLE IF EXISTS acct; {setup}"))
        .await
        .expect("setup");
    let mut clients: Vec<Option<Client>> = Vec::new();
    for _ in 0..sessions {
        clients.push(Some(common::connect_port(port).await));
    }
    let mut pending: Vec<Option<Pending>> = (0..sessions).map(|_| None).collect();
    let mut out = Vec::new();
    for step in steps {
        match *step {
            Step::Run(n, sql) => {
                let c = clients[n].as_ref().expect("session is idle");
                out.push(format!("s{n}: {sql} -> {}", outcome(c, sql).await));
            }
            Step::Start(n, sql) => {
                let c = clients[n].take().expect("session is idle");
                let h = tokio::spawn(async move {
                    let r = outcome(&c, sql).await;
                    (c, r)
                });
                tokio::time::sleep(Duration::from_millis(300)).await;
                out.push(format!("s{n}: {sql} -> waits: {}", !h.is_finished()));
                pending[n] = Some(h);
            }
            Step::Finish(n) => {
                let h = pending[n].take().expect("a started statement");
                let (c, r) = tokio::time::timeout(Duration::from_secs(10), h)
                    .await
                    .expect("the statement ends")
                    .expect("join");
                out.push(format!("s{n}: ... -> {r}"));
                clients[n] = Some(c);
            }
        }
    }
    let end = outcome(&admin, "SELECT id, v FROM acct ORDER BY id").await;
    out.push(format!("final: {end}"));
    out
}

const SETUP: &str = "CREATE TABLE acct (id int PRIMARY KEY, v int, oncall bool);
    INSERT INTO acct VALUES (1, 100, true), (2, 100, true), (3, 100, false), (4, 100, false)";

const LEVELS: [&str; 3] = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"];

fn begin(level: &str) -> &'static str {
    Box::leak(format!("BEGIN ISOLATION LEVEL {level}").into_boxed_str())
}

/// Every scenario: (name, steps).
fn scenarios() -> Vec<(String, Vec<Step>)> {
    use Step::*;
    let mut all = Vec::new();
    for level in LEVELS {
        all.push((
            format!("dirty read, {level}"),
            vec![
                Run(0, "BEGIN"),
                Run(0, "UPDATE acct SET v = v + 50 WHERE id = 1"),
                Run(0, "INSERT INTO acct VALUES (9, 1, false)"),
                Run(1, begin(level)),
                Run(1, "SELECT v FROM acct WHERE id = 1"),
                Run(1, "SELECT count(*) FROM acct"),
                Run(0, "ROLLBACK"),
                Run(1, "COMMIT"),
            ],
        ));
        all.push((
            format!("non-repeatable read, {level}"),
            vec![
                Run(1, begin(level)),
                Run(1, "SELECT v FROM acct WHERE id = 2"),
                Run(0, "UPDATE acct SET v = 7 WHERE id = 2"),
                Run(1, "SELECT v FROM acct WHERE id = 2"),
                Run(1, "SELECT sum(v) FROM acct"),
                Run(1, "COMMIT"),
            ],
        ));
        all.push((
            format!("phantom, {level}"),
            vec![
                Run(1, begin(level)),
                Run(1, "SELECT id FROM acct WHERE v >= 100 ORDER BY id"),
                Run(0, "BEGIN"),
                Run(
                    0,
                    "INSERT INTO acct VALUES (5, 500, false), (6, 600, false)",
                ),
                Run(0, "DELETE FROM acct WHERE id = 3"),
                Run(0, "COMMIT"),
                Run(1, "SELECT id FROM acct WHERE v >= 100 ORDER BY id"),
                Run(1, "SELECT count(*) FROM acct"),
                Run(1, "COMMIT"),
                Run(1, "SELECT id FROM acct WHERE v >= 100 ORDER BY id"),
            ],
        ));
    }
    all.push((
        "lost update, READ COMMITTED".into(),
        vec![
            Run(0, "BEGIN"),
            Run(1, "BEGIN"),
            Run(0, "UPDATE acct SET v = v + 1 WHERE id = 1"),
            Start(1, "UPDATE acct SET v = v + 1 WHERE id = 1"),
            Run(0, "COMMIT"),
            Finish(1),
            Run(1, "SELECT v FROM acct WHERE id = 1"),
            Run(1, "COMMIT"),
        ],
    ));
    all.push((
        "lost update, REPEATABLE READ".into(),
        vec![
            Run(0, "BEGIN ISOLATION LEVEL REPEATABLE READ"),
            Run(1, "BEGIN ISOLATION LEVEL REPEATABLE READ"),
            Run(1, "SELECT v FROM acct WHERE id = 1"),
            Run(0, "UPDATE acct SET v = v + 1 WHERE id = 1"),
            Start(1, "UPDATE acct SET v = v + 1 WHERE id = 1"),
            Run(0, "COMMIT"),
            Finish(1),
            Run(1, "ROLLBACK"),
            // Committed before the snapshot: no conflict.
            Run(1, "BEGIN ISOLATION LEVEL REPEATABLE READ"),
            Run(1, "UPDATE acct SET v = v + 1 WHERE id = 1"),
            Run(1, "COMMIT"),
        ],
    ));
    all.push((
        "re-check of a changed row, READ COMMITTED".into(),
        vec![
            Run(0, "BEGIN"),
            Run(0, "UPDATE acct SET v = 0 WHERE id = 1"),
            Run(0, "UPDATE acct SET v = 200 WHERE id = 3"),
            Start(1, "UPDATE acct SET v = v + 5 WHERE v >= 100"),
            Run(0, "COMMIT"),
            Finish(1),
        ],
    ));
    all.push((
        "concurrent delete, REPEATABLE READ".into(),
        vec![
            Run(1, "BEGIN ISOLATION LEVEL REPEATABLE READ"),
            Run(1, "SELECT count(*) FROM acct"),
            Run(0, "DELETE FROM acct WHERE id = 4"),
            Run(1, "SELECT count(*) FROM acct"),
            Run(1, "UPDATE acct SET v = 1 WHERE id = 4"),
            Run(1, "ROLLBACK"),
            Run(1, "BEGIN ISOLATION LEVEL REPEATABLE READ"),
            Run(1, "SELECT v FROM acct WHERE id = 2 FOR UPDATE"),
            Run(0, "UPDATE acct SET v = 3 WHERE id = 3"),
            Run(1, "SELECT v FROM acct WHERE id = 3 FOR SHARE"),
            Run(1, "ROLLBACK"),
        ],
    ));
    all.push((
        "write skew, REPEATABLE READ".into(),
        vec![
            Run(0, "BEGIN ISOLATION LEVEL REPEATABLE READ"),
            Run(1, "BEGIN ISOLATION LEVEL REPEATABLE READ"),
            Run(0, "SELECT count(*) FROM acct WHERE oncall"),
            Run(1, "SELECT count(*) FROM acct WHERE oncall"),
            Run(0, "UPDATE acct SET oncall = false WHERE id = 1"),
            Run(1, "UPDATE acct SET oncall = false WHERE id = 2"),
            Run(0, "COMMIT"),
            Run(1, "COMMIT"),
            Run(0, "SELECT count(*) FROM acct WHERE oncall"),
        ],
    ));
    all
}

#[tokio::test]
async fn anomalies_match_postgresql_15() {
    let Some(pg) = Pg::start() else { return };
    let ours = common::TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    for (name, steps) in scenarios() {
        let theirs = transcript(pg.port, SETUP, 2, &steps).await;
        let mine = transcript(ours.port, SETUP, 2, &steps).await;
        eprintln!("== {name}\n{}", mine.join("\n"));
        assert_eq!(
            mine, theirs,
            "{name}: PGLiteDB (left) and PostgreSQL 15 (right) disagree"
        );
    }
}
