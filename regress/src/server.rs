//! Servers to test against: a throwaway PostgreSQL 15 (`--start-postgres`), a fresh PGLiteDB
//! (`--start-server`), or whatever listens at `--host/--port`.
//!
//! Both started servers listen on 127.0.0.1 at a port that is checked to be free first: glommio sets
//! SO_REUSEPORT, so a second server on a busy port would start silently and share the connections.
//! PostgreSQL refuses to run as root; when we are root it runs as an unprivileged user (`pgtest`,
//! created if missing), as CI machines are fresh. Its settings are the suite README's: `initdb
//! --no-locale -E UTF8` and `max_prepared_transactions=2`. Servers stop when their guard drops.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The unprivileged user PostgreSQL runs as when we are root.
const PG_USER: &str = "pgtest";

/// Choose a port: `requested`, which must be free, or (0) a free one picked by the kernel.
pub fn pick_port(requested: u16) -> Result<u16> {
    if requested == 0 {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("binding an ephemeral port")?;
        return Ok(l.local_addr()?.port());
    }
    ensure_port_free(requested)?;
    Ok(requested)
}

/// Fail if anything listens on 127.0.0.1:`port`.
pub fn ensure_port_free(port: u16) -> Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
        bail!("something already listens on {addr}; choose another --port");
    }
    TcpListener::bind(addr).with_context(|| format!("port {port} is not free"))?;
    Ok(())
}

/// Wait until 127.0.0.1:`port` accepts TCP connections, or `child` exits, or `timeout` passes.
fn wait_for_port(
    port: u16,
    child: Option<&mut Child>,
    timeout: Duration,
    log: &Path,
) -> Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + timeout;
    let mut child = child;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Some(c) = child.as_deref_mut() {
            if let Some(status) = c.try_wait()? {
                bail!(
                    "server exited during start-up ({status}); log {}:\n{}",
                    log.display(),
                    tail(log)
                );
            }
        }
        if Instant::now() > deadline {
            bail!(
                "server did not accept connections on {addr} within {timeout:?}; log {}:\n{}",
                log.display(),
                tail(log)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The last lines of a log file, for error messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn run_checked(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// When root, make sure `PG_USER` exists and return its uid and gid.
fn unprivileged_user() -> Result<Option<(u32, u32)>> {
    if !is_root() {
        return Ok(None);
    }
    let id = |flag: &str| -> Result<Option<u32>> {
        let out = Command::new("id")
            .args([flag, PG_USER])
            .stderr(Stdio::null())
            .output()?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
            .flatten())
    };
    let mut created = Ok(());
    if id("-u")?.is_none() {
        // Another test may create it at the same moment: only a user still missing afterwards is an error.
        created = run_checked(
            Command::new("useradd").args(["-M", "-s", "/usr/sbin/nologin", PG_USER]),
            "useradd pgtest",
        );
    }
    match (id("-u")?, id("-g")?) {
        (Some(u), Some(g)) => Ok(Some((u, g))),
        _ => {
            created?;
            bail!("cannot find the uid/gid of user {PG_USER}")
        }
    }
}

/// A PostgreSQL command, run as `PG_USER` when we are root.
fn pg_command(bin: &Path, as_user: bool) -> Command {
    if as_user {
        let mut c = Command::new("runuser");
        c.args(["-u", PG_USER, "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

/// A throwaway PostgreSQL 15 cluster; stopped and deleted on drop.
#[derive(Debug)]
pub struct Postgres {
    pub port: u16,
    pg_ctl: PathBuf,
    data: PathBuf,
    as_user: bool,
    _dir: tempfile::TempDir,
}

impl Postgres {
    /// initdb a new cluster and start it on `port`.
    pub fn start(pg_bin: &Path, port: u16, log_dir: &Path) -> Result<Self> {
        let owner = unprivileged_user()?;
        let dir = tempfile::Builder::new()
            .prefix("pglitedb-regress-pg")
            .tempdir()?;
        let data = dir.path().join("data");
        let sock = dir.path().join("sock");
        std::fs::create_dir(&sock)?;
        if let Some((uid, gid)) = owner {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
            std::os::unix::fs::chown(&sock, Some(uid), Some(gid))?;
        }
        let log = log_dir.join("postgres.log");
        let as_user = owner.is_some();
        let mut initdb = pg_command(&pg_bin.join("initdb"), as_user);
        initdb
            .args([
                "--no-locale",
                "-E",
                "UTF8",
                "-U",
                "postgres",
                "-A",
                "trust",
                "-D",
            ])
            .arg(&data);
        run_checked(&mut initdb, "initdb")?;
        let pg_ctl = pg_bin.join("pg_ctl");
        let opts = format!(
            "-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c max_prepared_transactions=2",
            sock.display()
        );
        // pg_ctl as PG_USER cannot write our log, so the server logs inside its own folder first.
        let server_log = dir.path().join("server.log");
        let mut start = pg_command(&pg_ctl, as_user);
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&server_log)
            .args(["-w", "-t", "60", "-o", &opts, "start"]);
        let started = run_checked(&mut start, "pg_ctl start");
        let pg = Self {
            port,
            pg_ctl,
            data,
            as_user,
            _dir: dir,
        };
        if let Err(e) = started {
            let _ = std::fs::copy(&server_log, &log);
            return Err(e);
        }
        wait_for_port(port, None, Duration::from_secs(30), &server_log)?;
        Ok(pg)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut stop = pg_command(&self.pg_ctl, self.as_user);
        stop.arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = stop.stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

/// A PGLiteDB server with a temporary data directory; killed on drop.
#[derive(Debug)]
pub struct PgLite {
    pub port: u16,
    bin: PathBuf,
    child: Child,
    log: PathBuf,
    dir: tempfile::TempDir,
    /// How many times it was restarted after exiting on its own.
    pub restarts: u32,
    /// Bumped when a restart needs a fresh data directory.
    generation: u32,
}

impl PgLite {
    /// Start `bin --listen 127.0.0.1:PORT --data-dir TMP` and wait until it accepts connections.
    pub fn start(bin: &Path, port: u16, log_dir: &Path) -> Result<Self> {
        if !bin.exists() {
            bail!(
                "PGLiteDB binary {} not found (cargo build -p pglitedb-server)",
                bin.display()
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("pglitedb-regress-data")
            .tempdir()?;
        let log = log_dir.join("pglitedb.log");
        // One log per run; restarts append to it.
        File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Self::spawn(bin, port, &dir.path().join("data0"), &log)?;
        let mut s = Self {
            port,
            bin: bin.to_path_buf(),
            child,
            log,
            dir,
            restarts: 0,
            generation: 0,
        };
        wait_for_port(port, Some(&mut s.child), Duration::from_secs(30), &s.log)?;
        Ok(s)
    }

    /// The current data directory (a new one after an unrecoverable crash).
    fn data_dir(&self) -> PathBuf {
        self.dir.path().join(format!("data{}", self.generation))
    }

    fn spawn(bin: &Path, port: u16, data: &Path, log: &Path) -> Result<Child> {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        Command::new(bin)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))
    }

    /// If the server exited (crashed), start it again on the same data directory and say so.
    pub fn ensure_running(&mut self) -> Result<Option<String>> {
        let Some(status) = self.child.try_wait()? else {
            return Ok(None);
        };
        self.restart(&format!("had exited ({status})")).map(Some)
    }

    /// Kill a server that stopped answering and start it again.
    pub fn restart_hung(&mut self) -> Result<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.restart("stopped answering")
    }

    fn restart(&mut self, status: &str) -> Result<String> {
        self.restarts += 1;
        ensure_port_free(self.port)?;
        self.child = Self::spawn(&self.bin, self.port, &self.data_dir(), &self.log)?;
        let timeout = Duration::from_secs(30);
        if wait_for_port(self.port, Some(&mut self.child), timeout, &self.log).is_ok() {
            return Ok(format!(
                "PGLiteDB {status}; restarted it (log {})",
                self.log.display()
            ));
        }
        // It cannot recover its data: go on with an empty database rather than score nothing more.
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.generation += 1;
        self.child = Self::spawn(&self.bin, self.port, &self.data_dir(), &self.log)?;
        wait_for_port(self.port, Some(&mut self.child), timeout, &self.log)?;
        Ok(format!(
            "PGLiteDB {status} and did not restart on its data; started it on an empty data directory (log {})",
            self.log.display()
        ))
    }
}

impl Drop for PgLite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
