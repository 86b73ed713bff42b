//! Running tests through a real `psql`, exactly as the suite's README describes:
//!
//! ```text
//! psql -X -a -q -d regression -v HIDE_TABLEAM=on -v HIDE_TOAST_COMPRESSION=on < sql/NAME.sql > results/NAME.out 2>&1
//! ```
//!
//! with `PGTZ`, `PGDATESTYLE`, `PGOPTIONS`, `PG_ABS_SRCDIR`, `PG_ABS_BUILDDIR`, `PG_LIBDIR`, `PG_DLSUFFIX`
//! and `PGAPPNAME=pg_regress/NAME` set and every other `PG*` variable removed, after creating the
//! `regression` database with the README's settings. stdout and stderr share one file, as with `2>&1`,
//! so notices and errors interleave with results exactly as in the reference output. Each psql run has
//! a time limit so a hung server cannot stall CI.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Set by SIGINT/SIGTERM ([`catch_signals`]): the run stops, and started servers are stopped by their
/// guards as the error unwinds (a signal's default action would leave them running).
static INTERRUPTED: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();

/// Turn SIGINT and SIGTERM into a flag the runner polls.
pub fn catch_signals() -> Result<()> {
    let flag = INTERRUPTED.get_or_init(|| Arc::new(AtomicBool::new(false)));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(flag))
            .context("installing a signal handler")?;
    }
    Ok(())
}

/// Fail if a stop signal arrived.
pub fn check_interrupted() -> Result<()> {
    if INTERRUPTED.get().is_some_and(|f| f.load(Ordering::Relaxed)) {
        bail!("interrupted");
    }
    Ok(())
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Conn {
    pub psql: PathBuf,
    pub host: String,
    pub port: u16,
    pub user: String,
}

/// The folders a run uses.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// `PG_ABS_SRCDIR`: holds the suite's `data/` (for server-side COPY FROM).
    pub srcdir: PathBuf,
    /// `PG_ABS_BUILDDIR`: holds a `results/` folder the *server* writes (COPY TO file).
    pub builddir: PathBuf,
}

/// The README's database setup, run once in database `postgres`.
const SETUP: &[&str] = &[
    "DROP DATABASE IF EXISTS regression",
    "CREATE DATABASE regression TEMPLATE=template0",
    "ALTER DATABASE regression SET lc_messages TO 'C'",
    "ALTER DATABASE regression SET lc_monetary TO 'C'",
    "ALTER DATABASE regression SET lc_numeric TO 'C'",
    "ALTER DATABASE regression SET lc_time TO 'C'",
    "ALTER DATABASE regression SET bytea_output TO 'hex'",
    "ALTER DATABASE regression SET timezone_abbreviations TO 'Default'",
];

impl Conn {
    fn command(&self, dirs: &Dirs, appname: &str) -> Command {
        let mut c = Command::new(&self.psql);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("PG") {
                c.env_remove(&k);
            }
        }
        c.env("PGTZ", "America/Los_Angeles")
            .env("PGDATESTYLE", "Postgres, MDY")
            .env("PGOPTIONS", "-c intervalstyle=postgres_verbose")
            .env("PG_ABS_SRCDIR", &dirs.srcdir)
            .env("PG_ABS_BUILDDIR", &dirs.builddir)
            .env("PG_LIBDIR", "/usr/lib/postgresql/15/lib")
            .env("PG_DLSUFFIX", ".so")
            .env("PGAPPNAME", appname)
            // psql's own messages untranslated and client_encoding UTF8 (from the locale).
            .env("LC_ALL", "C.UTF-8")
            .env_remove("LANGUAGE")
            .args([
                "-X",
                "-h",
                &self.host,
                "-p",
                &self.port.to_string(),
                "-U",
                &self.user,
            ]);
        c
    }

    /// Create the `regression` database. Returns the statements that failed (an error for
    /// PostgreSQL; PGLiteDB may not support them all yet).
    pub fn setup_database(&self, dirs: &Dirs, timeout: Duration) -> Result<Vec<String>> {
        let mut failed = Vec::new();
        for sql in SETUP {
            let mut c = self.command(dirs, "pg_regress");
            c.args(["-q", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql]);
            match run_with_timeout(c, None, timeout) {
                Ok((true, _)) => {}
                Ok((false, out)) => failed.push(format!("{sql}: {}", out.trim())),
                // Not answering: the rest would only wait as long again.
                Err(e) => {
                    failed.push(format!("{sql}: {e:#}"));
                    break;
                }
            }
        }
        Ok(failed)
    }

    /// Whether the server answers `SELECT 1` in database `regression` within `timeout`.
    pub fn probe(&self, dirs: &Dirs, timeout: Duration) -> bool {
        let mut c = self.command(dirs, "pg_regress");
        c.args(["-q", "-d", "regression", "-c", "SELECT 1"]);
        run_with_timeout(c, None, timeout).is_ok_and(|(ok, _)| ok)
    }

    /// Run one test script, writing psql's combined output to `out_path`; returns the output and
    /// whether psql was killed for running too long.
    pub fn run_test(
        &self,
        dirs: &Dirs,
        name: &str,
        sql: &Path,
        out_path: &Path,
        timeout: Duration,
    ) -> Result<(String, bool)> {
        let mut c = self.command(dirs, &format!("pg_regress/{name}"));
        c.args([
            "-a",
            "-q",
            "-d",
            "regression",
            "-v",
            "HIDE_TABLEAM=on",
            "-v",
            "HIDE_TOAST_COMPRESSION=on",
        ]);
        let input = File::open(sql).with_context(|| format!("opening {}", sql.display()))?;
        let out =
            File::create(out_path).with_context(|| format!("creating {}", out_path.display()))?;
        c.stdin(input).stdout(out.try_clone()?).stderr(out);
        let started = Instant::now();
        let mut child = c
            .spawn()
            .with_context(|| format!("starting {}", self.psql.display()))?;
        let timed_out = loop {
            if child.try_wait()?.is_some() {
                break false;
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                break true;
            }
            if let Err(e) = check_interrupted() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let mut text = String::from_utf8_lossy(&std::fs::read(out_path)?).into_owned();
        if timed_out {
            text.push_str(&format!(
                "\n[pglitedb-regress: psql killed after {timeout:?}]\n"
            ));
            std::fs::write(out_path, &text)?;
        }
        Ok((text, timed_out))
    }
}

/// Run `c` (stdout and stderr captured) with a time limit; returns success and the combined output.
fn run_with_timeout(
    mut c: Command,
    stdin: Option<File>,
    timeout: Duration,
) -> Result<(bool, String)> {
    c.stdin(stdin.map_or_else(Stdio::null, Stdio::from))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().context("starting psql")?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            let out = child.wait_with_output()?;
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            return Ok((status.success(), text));
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            bail!("psql timed out after {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A psql line with the test names' padding, for progress output.
pub fn progress(name: &str, passed: usize, total: usize, file_pass: bool, secs: f64) -> String {
    let mark = if file_pass { "ok" } else { "FAILED" };
    format!("{name:<28} {mark:<7} {passed:>5}/{total:<5} statements  {secs:>6.2} s")
}
