//! Starts the real `pglitedb` binary for a test and stops it afterwards.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct TestServer {
    pub port: u16,
    child: Option<Child>,
    _dir: tempfile::TempDir,
    log: std::path::PathBuf,
}

impl TestServer {
    /// Starts a server with `extra` flags on a free port and waits until it accepts connections.
    pub fn start(extra: &[&str]) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let log = dir.path().join("server.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let listen = format!("127.0.0.1:{port}");
        let data = dir.path().join("data");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pglitedb"));
        cmd.args(["--listen", &listen]);
        if !extra.contains(&"--data-dir") {
            cmd.arg("--data-dir").arg(&data);
        }
        let child = cmd
            .args(extra)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("spawn pglitedb");
        let server = TestServer {
            port,
            child: Some(child),
            _dir: dir,
            log,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not start; log:\n{}", self.log());
    }

    /// Waits until the log contains `needle` (up to 10 s) and returns the log.
    pub fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A libpq connection string for this server.
    pub fn conninfo(&self, user: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user={user} dbname=postgres",
            self.port
        )
    }

    /// Runs psql with `args` against this server (no psqlrc, no password prompt).
    pub fn psql(&self, user: &str, password: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = Command::new("psql");
        cmd.args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            user,
            "-d",
            "postgres",
            "-w",
        ]);
        cmd.args(args);
        cmd.env_remove("PGPASSWORD");
        if let Some(p) = password {
            cmd.env("PGPASSWORD", p);
        }
        cmd.output()
            .expect("run psql (is PostgreSQL's client installed?)")
    }

    /// Runs a custom pgbench script (`-n -f script`) in protocol `mode` with `args` (clients,
    /// transactions, ...), asserts that pgbench succeeded with zero failed transactions, and returns
    /// its report.
    pub fn pgbench(&self, script: &std::path::Path, mode: &str, args: &[&str]) -> String {
        let script = script.to_string_lossy();
        let mut all = vec!["-n", "-M", mode];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-f", &script]);
        let text = self.pgbench_args(&all);
        assert!(
            text.contains("number of failed transactions: 0"),
            "pgbench -M {mode}:\n{text}"
        );
        text
    }

    /// Runs pgbench against the server's `postgres` database with `args`, asserts that it
    /// succeeded, and returns its standard output and error.
    pub fn pgbench_args(&self, args: &[&str]) -> String {
        let out = Command::new("pgbench")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args(args)
            .arg("postgres")
            .output()
            .expect("run pgbench (is postgresql-contrib installed?)");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(out.status.success(), "pgbench {args:?} failed:\n{text}");
        text
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("server did not stop after SIGTERM; log:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server with SIGKILL (no shutdown path runs) and waits for it.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A tokio-postgres client for `conninfo`, its connection driven by a spawned task.
pub async fn connect(conninfo: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// A client for the server on `port`, as user postgres.
pub async fn connect_port(port: u16) -> tokio_postgres::Client {
    connect(&format!(
        "host=127.0.0.1 port={port} user=postgres dbname=postgres"
    ))
    .await
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The first column of the first row `sql` returns, as text (`None`: no row, or NULL). Panics (naming the statement) when the statement fails.
pub async fn first_value(client: &tokio_postgres::Client, sql: &str) -> Option<String> {
    let rows = client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
        _ => None,
    })
}

/// Every row of a simple query, its columns joined by `|` (NULL as `NULL`).
pub async fn rows(client: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| r.get(i).unwrap_or("NULL").to_string())
                    .collect::<Vec<_>>()
                    .join("|"),
            ),
            _ => None,
        })
        .collect()
}

/// The SQLSTATE a simple query fails with (it must fail).
pub async fn error_code(client: &tokio_postgres::Client, sql: &str) -> String {
    let err = client.simple_query(sql).await.expect_err(sql);
    err.code().map(|c| c.code().to_string()).unwrap_or_default()
}
