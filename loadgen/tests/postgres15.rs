//! End-to-end tests of the `pglitedb-loadgen` binary against a real PostgreSQL 15 that the test
//! starts itself in a temporary directory (`loadgen/scripts/pg15.sh`; as root the server runs as
//! the `pgtest` user). Skipped, loudly, when PostgreSQL 15 is not installed.
//!
//! One test function drives one server through every workload and mode in sequence, which keeps
//! CI time to a few tens of seconds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running PostgreSQL 15; stopped on drop.
struct Pg {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    port: u16,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg15.sh")
}

impl Pg {
    fn start() -> Option<Self> {
        if !Path::new(PG_BIN).join("postgres").exists() {
            eprintln!(
                "\n\n*** SKIPPING loadgen PostgreSQL tests: {PG_BIN}/postgres is missing \
                 (run scripts/ci-setup) ***\n"
            );
            return None;
        }
        let tmp = tempfile::Builder::new()
            .prefix("loadgen-pg")
            .tempdir()
            .expect("creating a temp dir");
        // The server may run as `pgtest`, which must be able to reach its data directory.
        let status = Command::new("chmod")
            .arg("755")
            .arg(tmp.path())
            .status()
            .expect("running chmod");
        assert!(status.success());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("binding a free port")
            .local_addr()
            .expect("local addr")
            .port();
        let data = tmp.path().join("data");
        let pg = Self {
            _tmp: tmp,
            data,
            port,
        };
        pg.start_server();
        Some(pg)
    }

    fn start_server(&self) {
        let out = Command::new("bash")
            .arg(script())
            .args([
                "start".as_ref(),
                self.data.as_os_str(),
                self.port.to_string().as_ref(),
            ])
            // CI: fsync is not under test (a process crash keeps the page cache), and the
            // machine is small.
            .args(["fsync=off", "shared_buffers=128MB"])
            .output()
            .expect("running pg15.sh");
        assert!(out.status.success(), "pg15.sh start failed: {out:?}");
    }

    /// Immediate shutdown (no checkpoint: the next start runs crash recovery), then start again.
    fn crash_and_restart(&self) {
        let status = Command::new("bash")
            .arg(script())
            .arg("crash")
            .arg(&self.data)
            .status()
            .expect("running pg15.sh crash");
        assert!(status.success());
        self.start_server();
    }

    fn url(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    fn psql(&self, sql: &str) {
        let out = Command::new(Path::new(PG_BIN).join("psql"))
            .args([
                "-X",
                "-q",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args([
                "-p",
                &self.port.to_string(),
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .expect("running psql");
        assert!(out.status.success(), "psql {sql}: {out:?}");
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(&self.data)
            .status();
    }
}

fn loadgen(url: &str, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_pglitedb-loadgen"))
        .args(args)
        .env("LOADGEN_URL", url)
        .output()
        .expect("running pglitedb-loadgen");
    eprintln!(
        "$ pglitedb-loadgen {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs loadgen with `--json`, asserts success and returns the report.
fn run_json(url: &str, args: &[&str]) -> Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", "--no-progress"]);
    let out = loadgen(url, &all);
    assert!(out.status.success(), "loadgen {args:?} failed");
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

fn ok(url: &str, args: &[&str]) {
    assert!(
        loadgen(url, args).status.success(),
        "loadgen {args:?} failed"
    );
}

fn n(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

#[test]
fn against_postgres_15() {
    let Some(pg) = Pg::start() else { return };
    let url = pg.url();
    let url = url.as_str();

    // pgbench's three scripts in each protocol; --verify checks the tpcb invariant.
    ok(url, &["init", "tpcb", "--scale", "1"]);
    for protocol in ["simple", "extended", "prepared"] {
        let r = run_json(
            url,
            &[
                "tpcb", "-c", "4", "-j", "2", "-T", "1.5", "-M", protocol, "--verify",
            ],
        );
        assert!(n(&r, "transactions") > 10.0, "{r}");
        assert_eq!(r["errors"], serde_json::json!({}), "{r}");
        assert!(r["verify"]
            .as_str()
            .is_some_and(|v| v.contains("sum(abalance)")));
        assert!(n(&r["latency_ms"], "p99") >= n(&r["latency_ms"], "p50"));
        assert!(n(&r, "cpus") >= 1.0);
    }
    // The data set is pgbench's: pgbench runs on it and the invariant still holds.
    if Path::new("/usr/bin/pgbench").exists() {
        let out = Command::new("/usr/bin/pgbench")
            .args([
                "-n",
                "-c",
                "2",
                "-t",
                "20",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
            ])
            .args(["-p", &pg.port.to_string(), "postgres"])
            .output()
            .expect("running pgbench");
        assert!(out.status.success(), "pgbench: {out:?}");
        ok(url, &["verify", "tpcb"]);
    }

    // --transactions is per client, like pgbench -t.
    let r = run_json(url, &["select", "-c", "4", "-t", "50", "-M", "prepared"]);
    assert_eq!(n(&r, "transactions"), 200.0);

    // --rate: open loop, about the target rate, latency counted from the intended start.
    let r = run_json(url, &["select", "-c", "4", "-R", "200", "-T", "2"]);
    assert!((120.0..=280.0).contains(&n(&r, "tps")), "{r}");
    assert!(r["schedule_lag_ms"].is_number(), "{r}");
    assert!(r["service_latency_ms"]["p50"].is_number(), "{r}");

    // update (-N) keeps sum(abalance) = sum(history.delta) but not the tpcb-only equalities.
    run_json(
        url,
        &["update", "-c", "2", "-T", "1", "-M", "extended", "--verify"],
    );
    assert!(
        !loadgen(url, &["verify", "tpcb"]).status.success(),
        "strict verify must fail after update runs"
    );
    pg.psql("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 1");
    assert!(
        !loadgen(url, &["verify", "update"]).status.success(),
        "verify must catch a lost update"
    );

    // Serialization failures: retried and counted apart from errors, or counted by SQLSTATE.
    ok(url, &["init", "tpcb", "--scale", "1"]);
    let serializable = format!("{url} options='-c default_transaction_isolation=serializable'");
    let r = run_json(
        &serializable,
        &[
            "tpcb",
            "-c",
            "8",
            "-T",
            "2",
            "--max-tries",
            "100",
            "--verify",
        ],
    );
    assert!(n(&r, "retries") > 0.0, "expected 40001 retries: {r}");
    assert!(n(&r, "retried_transactions") > 0.0);
    let r = run_json(
        &serializable,
        &["tpcb", "-c", "8", "-T", "1", "--max-tries", "1", "--verify"],
    );
    assert!(
        r["errors"]["40001"].as_f64().is_some_and(|e| e > 0.0),
        "{r}"
    );
    assert_eq!(n(&r, "retries"), 0.0);

    // kv, both key distributions.
    for dist in ["uniform", "zipfian"] {
        let r = run_json(
            url,
            &[
                "kv",
                "--init",
                "--keys",
                "5000",
                "--distribution",
                dist,
                "--read-ratio",
                "0.5",
                "-c",
                "4",
                "-T",
                "1",
                "--verify",
            ],
        );
        assert!(n(&r, "transactions") > 10.0, "{r}");
        assert_eq!(r["errors"], serde_json::json!({}), "{r}");
    }

    // tenants: several databases, skewed clients, invariant checked in each.
    let r = run_json(
        url,
        &[
            "tenants",
            "--init",
            "--tenants",
            "3",
            "--tenant-accounts",
            "1000",
            "--skew",
            "0.5",
            "-c",
            "6",
            "-T",
            "1",
            "--verify",
            "-M",
            "prepared",
        ],
    );
    assert!(
        r["verify"]
            .as_str()
            .is_some_and(|v| v.contains("3 tenant databases")),
        "{r}"
    );

    crash_with_ack_log(&pg, url);

    // compare: A B A B, per-round ratios and their median.
    let out = loadgen(
        url,
        &[
            "compare",
            "select",
            "--a",
            url,
            "--b",
            url,
            "--rounds",
            "2",
            "-c",
            "2",
            "-T",
            "1",
            "--json",
            "--no-progress",
        ],
    );
    assert!(out.status.success());
    let c: Value = serde_json::from_slice(&out.stdout).expect("compare --json prints JSON");
    assert_eq!(c["rounds"].as_array().map(Vec::len), Some(2));
    // Same server on both sides, but 1-second rounds on a shared machine can differ a lot.
    assert!(n(&c, "median_ratio") > 0.0, "{c}");
}

/// `run --ack-log` under load, the server crashes, `verify --check-acks` after the restart; then a
/// deleted acknowledged row must be reported as a lost commit.
fn crash_with_ack_log(pg: &Pg, url: &str) {
    ok(url, &["init", "tpcb", "--scale", "1"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let acks = dir.path().join("acks.log");
    let acks = acks.to_str().expect("utf-8 path");
    let child = Command::new(env!("CARGO_BIN_EXE_pglitedb-loadgen"))
        .args(["run", "tpcb", "-c", "8", "-T", "120", "--no-progress"])
        .args(["-M", "prepared", "--ack-log", acks])
        .env("LOADGEN_URL", url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawning loadgen");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    pg.crash_and_restart();
    let out = child.wait_with_output().expect("waiting for loadgen");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        !out.status.success(),
        "a run that lost its server must fail"
    );
    assert!(stdout.contains("connections lost: 8 of 8"), "{stdout}");
    let acked: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("ack log: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("an ack log line");
    assert!(acked > 0, "{stdout}");

    let out = loadgen(url, &["verify", "tpcb", "--check-acks", acks]);
    assert!(out.status.success(), "acknowledged commits survive a crash");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(&format!("{acked} acknowledged commits from 1 runs")),
        "{report}"
    );

    // One acknowledged transaction's history row disappears: a lost commit, reported by tag.
    let text = std::fs::read_to_string(acks).expect("reading the ack log");
    let tag = text.lines().find(|l| !l.starts_with('#')).expect("a tag");
    pg.psql(&format!(
        "DELETE FROM pgbench_history WHERE filler = '{tag}'"
    ));
    let out = loadgen(url, &["verify", "tpcb", "--check-acks", acks]);
    assert!(!out.status.success());
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("1 of ") && report.contains(tag),
        "the lost commit is named: {report}"
    );
}
