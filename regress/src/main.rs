//! `pglitedb-regress`: the command line (see the library docs for the life of a run).
//!
//! Examples:
//! ```text
//! pglitedb-regress --start-postgres                      # validate the runner: 100% on PostgreSQL 15
//! pglitedb-regress --start-server --tier 1,2 --check-baseline
//! pglitedb-regress --start-server --compat-doc docs/COMPATIBILITY.md
//! pglitedb-regress --start-postgres --record             # re-record regress/expected/*.out
//! pglitedb-regress --port 5433 --tests boolean,int4 --json
//! ```
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};

use pglitedb_regress::report::{self, Baseline, TestResult};
use pglitedb_regress::runner::{self, progress, Conn, Dirs};
use pglitedb_regress::score::{layout, score};
use pglitedb_regress::server::{pick_port, PgLite, Postgres};
use pglitedb_regress::suite::{self, Suite, Test};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    /// PostgreSQL's regression suite.
    Pg,
    /// Our own SQL tests (regress/sql).
    Ours,
    /// Both.
    All,
}

/// Run PostgreSQL's regression suite and our SQL tests through psql and score them.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Server host (ignored with --start-server/--start-postgres, which listen on 127.0.0.1).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port. With --start-*: 0 picks a free port; any other must be free.
    #[arg(long)]
    port: Option<u16>,
    /// User to connect as.
    #[arg(long, default_value = "postgres")]
    user: String,
    /// Start a fresh PGLiteDB with a temporary data directory.
    #[arg(long, conflicts_with = "start_postgres")]
    start_server: bool,
    /// The PGLiteDB binary for --start-server.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/debug/pglitedb"))]
    server_bin: PathBuf,
    /// Start a throwaway PostgreSQL 15 (initdb in a temporary directory, the suite's settings).
    #[arg(long)]
    start_postgres: bool,
    /// PostgreSQL's bin directory (initdb, pg_ctl).
    #[arg(long, default_value = "/usr/lib/postgresql/15/bin")]
    pg_bin: PathBuf,
    /// The psql to run tests with.
    #[arg(long, default_value = "psql")]
    psql: PathBuf,
    /// PostgreSQL's suite folder (schedule, tiers.tsv, sql/, expected/, data/).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/pg_regress"))]
    suite_dir: PathBuf,
    /// Our tests' folder (sql/, expected/).
    #[arg(long, default_value = env!("CARGO_MANIFEST_DIR"))]
    ours_dir: PathBuf,
    /// Which suite to run.
    #[arg(long, value_enum, default_value = "all")]
    suite: Which,
    /// Only these tests (comma-separated; `ours/NAME` for ours). Their dependencies run first, unscored.
    #[arg(long, value_delimiter = ',')]
    tests: Vec<String>,
    /// Only these tiers (comma-separated, e.g. 1,2). Our tests are tier 1.
    #[arg(long, value_delimiter = ',')]
    tier: Vec<u8>,
    /// Where outputs (results/, ours/), diffs and server logs go.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/results"))]
    results_dir: PathBuf,
    /// Time limit for one test's psql run, in seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Time limit for the whole run, in seconds: tests not started by then score 0 (so a wedged server
    /// fails the ratchet quickly instead of stalling CI).
    #[arg(long)]
    budget: Option<u64>,
    /// Print results as JSON on stdout (the table goes to stderr).
    #[arg(long)]
    json: bool,
    /// Run our tests against PostgreSQL (implies --start-postgres --suite ours) and write their
    /// expected output.
    #[arg(long)]
    record: bool,
    /// The ratchet baseline file.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/baseline.json"))]
    baseline: PathBuf,
    /// Fail if any test's passing statements drop below the baseline.
    #[arg(long)]
    check_baseline: bool,
    /// Rewrite the baseline from this run.
    #[arg(long)]
    update_baseline: bool,
    /// Rewrite this run's section of a COMPATIBILITY.md (PGLiteDB's scores, or with --start-postgres
    /// the validation section).
    #[arg(long)]
    compat_doc: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("pglitedb-regress: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The server tests run against; dropping it stops a started one.
enum Target {
    External,
    /// Held for its drop (stops the cluster).
    Postgres(#[allow(dead_code)] Postgres),
    PgLite(PgLite),
}

fn run(mut args: Args) -> Result<bool> {
    runner::catch_signals()?;
    if args.record {
        args.start_postgres = true;
        args.suite = Which::Ours;
    }
    let tests = load_tests(&args)?;
    let results_dir = args.results_dir.clone();
    for sub in ["results", "ours", "diffs"] {
        let d = results_dir.join(sub);
        if d.exists() {
            std::fs::remove_dir_all(&d).with_context(|| format!("clearing {}", d.display()))?;
        }
        std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
    }
    let diffs_path = results_dir.join("regression.diffs");
    let _ = std::fs::remove_file(&diffs_path);
    let workdir = workdir(&args.suite_dir)?;
    let dirs = Dirs {
        srcdir: workdir.path().to_path_buf(),
        builddir: workdir.path().to_path_buf(),
    };

    let (target, port) = if args.start_postgres {
        let port = pick_port(args.port.unwrap_or(0))?;
        eprintln!("starting PostgreSQL on 127.0.0.1:{port}");
        (
            Target::Postgres(Postgres::start(&args.pg_bin, port, &results_dir)?),
            port,
        )
    } else if args.start_server {
        let port = pick_port(args.port.unwrap_or(0))?;
        eprintln!(
            "starting PGLiteDB {} on 127.0.0.1:{port}",
            args.server_bin.display()
        );
        (
            Target::PgLite(PgLite::start(&args.server_bin, port, &results_dir)?),
            port,
        )
    } else {
        let port = args.port.unwrap_or(5432);
        let addr = format!("{}:{port}", args.host);
        std::net::TcpStream::connect(&addr)
            .with_context(|| format!("nothing accepts connections at {addr}"))?;
        (Target::External, port)
    };
    let mut target = target;
    let host = if matches!(target, Target::External) {
        args.host.clone()
    } else {
        "127.0.0.1".to_string()
    };
    let conn = Conn {
        psql: args.psql.clone(),
        host,
        port,
        user: args.user.clone(),
    };
    let timeout = Duration::from_secs(args.timeout);

    let failed_setup = conn.setup_database(&dirs, timeout.min(Duration::from_secs(30)))?;
    if !failed_setup.is_empty() {
        if matches!(target, Target::Postgres(_)) {
            bail!(
                "database setup failed on PostgreSQL:\n{}",
                failed_setup.join("\n")
            );
        }
        eprintln!(
            "warning: database setup statements failed (tests still run in database regression):"
        );
        for f in &failed_setup {
            eprintln!("  {f}");
        }
    }
    let server_version = server_version(&conn, &dirs);

    let mut results = Vec::new();
    let mut diffs = String::new();
    let run_started = Instant::now();
    let budget = args.budget.map(Duration::from_secs);
    for test in &tests {
        if let Some(b) = budget.filter(|b| run_started.elapsed() > *b) {
            if test.scored {
                let r = unrun(test)?;
                eprintln!("{:<28} NOT RUN: the time budget of {b:?} is spent", r.test);
                results.push(r);
            }
            continue;
        }
        if let Target::PgLite(s) = &mut target {
            if let Some(msg) = s.ensure_running()? {
                eprintln!("warning: {msg}");
            }
        }
        let out_path = match test.suite {
            Suite::Pg => results_dir
                .join("results")
                .join(format!("{}.out", test.name)),
            Suite::Ours => results_dir.join("ours").join(format!("{}.out", test.name)),
        };
        let started = Instant::now();
        let (actual, timed_out) =
            conn.run_test(&dirs, &test.name, &test.sql, &out_path, timeout)?;
        let secs = started.elapsed().as_secs_f64();
        if timed_out {
            eprintln!("warning: {} did not finish within {timeout:?}", test.name);
            // A wedged server would make every later test wait out its time limit too.
            if let Target::PgLite(s) = &mut target {
                if !conn.probe(&dirs, Duration::from_secs(10)) {
                    eprintln!("warning: {}", s.restart_hung()?);
                }
            }
        }
        if args.record {
            std::fs::create_dir_all(test.expected.parent().unwrap_or(Path::new(".")))?;
            std::fs::write(&test.expected, &actual)
                .with_context(|| format!("writing {}", test.expected.display()))?;
            eprintln!("recorded {}", test.expected.display());
        }
        if !test.scored {
            eprintln!("{:<28} (dependency, not scored)", test.name);
            continue;
        }
        let r = score_test(test, &actual, &out_path, secs, &results_dir, &mut diffs)?;
        eprintln!(
            "{}",
            progress(&r.test, r.passed, r.statements, r.file_pass, secs)
        );
        results.push(r);
    }
    if !diffs.is_empty() {
        std::fs::write(&diffs_path, &diffs)?;
    }
    let errors = report::error_counts(&results);
    let errors_text: String = errors
        .iter()
        .map(|(e, n)| format!("{n:>6}  {e}\n"))
        .collect();
    std::fs::write(results_dir.join("errors.txt"), &errors_text)?;
    let restarts = match &target {
        Target::PgLite(s) => s.restarts,
        _ => 0,
    };
    drop(target);

    let table = report::table(&results);
    if args.json {
        eprint!("{table}");
        let doc = serde_json::json!({ "results": results, "totals": report::totals(&results), "server_version": server_version });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{table}");
    }
    if restarts > 0 {
        eprintln!("warning: PGLiteDB was restarted {restarts} time(s) mid-run (it exited or stopped answering)");
    }
    if !errors.is_empty() {
        eprintln!(
            "most frequent new errors in failing statements (all in {}/errors.txt):",
            results_dir.display()
        );
        for (e, n) in errors.iter().take(10) {
            eprintln!("{n:>6}  {e}");
        }
    }
    if !diffs.is_empty() {
        eprintln!(
            "diffs of failing tests: {} (and {}/diffs/)",
            diffs_path.display(),
            results_dir.display()
        );
    }

    if let Some(doc) = &args.compat_doc {
        let mut remarks = String::new();
        if !failed_setup.is_empty() {
            remarks.push_str("The README's database setup partly failed; tests ran in database `regression` anyway:\n\n");
            for f in &failed_setup {
                let first = f.lines().next().unwrap_or_default();
                remarks.push_str(&format!("- `{first}`\n"));
            }
            remarks.push('\n');
        }
        if restarts > 0 {
            remarks.push_str(&format!(
                "The server exited or stopped answering mid-run and was restarted {restarts} time(s).\n\n"
            ));
        }
        write_compat_doc(doc, &args, &results, &server_version, &remarks)?;
    }
    let mut ok = true;
    if args.start_postgres && !args.record {
        ok &= results
            .iter()
            .all(|r| r.file_pass && r.passed == r.statements);
    }
    if args.check_baseline {
        ok &= check_baseline(&args.baseline, &results)?;
    }
    if args.update_baseline {
        let note = "Passing statements per test against PGLiteDB; regenerate with: cargo run -p pglitedb-regress -- --start-server --tier 1,2 --update-baseline";
        // Only the tests of this run change: a filtered run must not forget the others.
        let mut base = Baseline::load(&args.baseline).unwrap_or_default();
        base.note = note.to_string();
        base.tests
            .extend(Baseline::from_results(&results, note).tests);
        base.save(&args.baseline)?;
        eprintln!("baseline written to {}", args.baseline.display());
    }
    Ok(ok)
}

fn load_tests(args: &Args) -> Result<Vec<Test>> {
    let mut all = Vec::new();
    if matches!(args.suite, Which::Pg | Which::All) {
        all.extend(suite::load_pg(&args.suite_dir)?);
    }
    if matches!(args.suite, Which::Ours | Which::All) {
        all.extend(suite::load_ours(&args.ours_dir)?);
    }
    let tests = suite::select(all, &args.tests, &args.tier)?;
    if tests.is_empty() {
        bail!("no test matches the filters");
    }
    Ok(tests)
}

/// A temporary folder that serves as both `PG_ABS_SRCDIR` and `PG_ABS_BUILDDIR`: it holds a copy of the
/// suite's `data/` (read by server-side COPY FROM) and a `results/` folder (written by server-side COPY
/// TO). PostgreSQL runs as an unprivileged user that may not reach the suite where it lies (a CI clone in
/// a private folder), so the copy is world-readable and `results/` world-writable. The scripts only use
/// these variables to build file names, never print them, so the outputs do not depend on the path.
fn workdir(suite_dir: &Path) -> Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("pglitedb-regress-build")
        .tempdir()?;
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(dir.path(), 0o755)?;
    let results = dir.path().join("results");
    std::fs::create_dir(&results)?;
    mode(&results, 0o777)?;
    let data = dir.path().join("data");
    std::fs::create_dir(&data)?;
    mode(&data, 0o755)?;
    let src = suite_dir.join("data");
    if src.is_dir() {
        for entry in
            std::fs::read_dir(&src).with_context(|| format!("reading {}", src.display()))?
        {
            let path = entry?.path();
            if let Some(name) = path.file_name() {
                let to = data.join(name);
                std::fs::copy(&path, &to).with_context(|| format!("copying {}", path.display()))?;
                mode(&to, 0o644)?;
            }
        }
    }
    Ok(dir)
}

fn server_version(conn: &Conn, dirs: &Dirs) -> String {
    let tmp = dirs.builddir.join("version.sql");
    let out = dirs.builddir.join("version.out");
    let ok = std::fs::write(&tmp, "SHOW server_version;\n").is_ok();
    let text = if ok {
        conn.run_test(dirs, "version", &tmp, &out, Duration::from_secs(5))
            .map(|(text, _)| text)
            .unwrap_or_default()
    } else {
        String::new()
    };
    // Output: echo, header, rule, value, row count.
    text.lines()
        .nth(3)
        .map(|l| l.trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

fn score_test(
    test: &Test,
    actual: &str,
    out_path: &Path,
    secs: f64,
    results_dir: &Path,
    diffs: &mut String,
) -> Result<TestResult> {
    let script = std::fs::read_to_string(&test.sql)
        .with_context(|| format!("reading {}", test.sql.display()))?;
    let expected = std::fs::read_to_string(&test.expected)
        .with_context(|| format!("reading {}", test.expected.display()))?;
    let layout = layout(&script, &expected);
    let s = score(&layout, &expected, actual);
    if !s.file_pass {
        let out = Command::new("diff")
            .arg("-U3")
            .arg(&test.expected)
            .arg(out_path)
            .output();
        let text = match &out {
            Ok(o) => String::from_utf8_lossy(&o.stdout).into_owned(),
            Err(e) => format!("(could not run diff: {e})\n"),
        };
        let header = format!(
            "diff -U3 {} {}\n",
            test.expected.display(),
            out_path.display()
        );
        let name = test.key().replace('/', "_");
        std::fs::write(
            results_dir.join("diffs").join(format!("{name}.diff")),
            format!("{header}{text}"),
        )?;
        diffs.push_str(&header);
        diffs.push_str(&text);
    }
    Ok(TestResult {
        test: test.key(),
        tier: test.tier_label(),
        file_pass: s.file_pass,
        statements: s.statements,
        passed: s.passed,
        failed_lines: s.failed_lines,
        new_errors: s.new_errors,
        seconds: secs,
    })
}

/// The result of a test the time budget left no time for: nothing passes.
fn unrun(test: &Test) -> Result<TestResult> {
    let script = std::fs::read_to_string(&test.sql)
        .with_context(|| format!("reading {}", test.sql.display()))?;
    let expected = std::fs::read_to_string(&test.expected)
        .with_context(|| format!("reading {}", test.expected.display()))?;
    let l = layout(&script, &expected);
    Ok(TestResult {
        test: test.key(),
        tier: test.tier_label(),
        file_pass: false,
        statements: l.anchors.len(),
        passed: 0,
        failed_lines: l.anchors.iter().map(|a| a.first_line).collect(),
        new_errors: Vec::new(),
        seconds: 0.0,
    })
}

fn check_baseline(path: &Path, results: &[TestResult]) -> Result<bool> {
    let base = Baseline::load(path)?;
    let (worse, better) = base.check(results);
    for b in &better {
        eprintln!("improved: {b}");
    }
    if !better.is_empty() {
        eprintln!(
            "scores rose: raise the baseline with --update-baseline and commit {}",
            path.display()
        );
    }
    if worse.is_empty() {
        eprintln!("baseline check passed ({} tests)", results.len());
        return Ok(true);
    }
    for w in &worse {
        eprintln!("REGRESSED: {w}");
    }
    eprintln!(
        "baseline check FAILED: {} test(s) below {} (diffs in the results dir)",
        worse.len(),
        path.display()
    );
    Ok(false)
}

fn write_compat_doc(
    doc: &Path,
    args: &Args,
    results: &[TestResult],
    version: &str,
    remarks: &str,
) -> Result<()> {
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())?;
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let command = format!("cargo run -p pglitedb-regress -- {}", argv.join(" "));
    let (name, heading) = if args.start_postgres {
        (
            "postgres",
            format!("Validation against PostgreSQL {version}"),
        )
    } else {
        ("pglitedb", "PGLiteDB scores".to_string())
    };
    let notes = format!(
        "{remarks}Server reported version `{version}`. Totals as printed by the runner:\n\n```text\n{}```\n\n{}",
        report::totals_text(&report::totals(results)),
        report::errors_markdown(results, 25)
    );
    let body = report::markdown(results, &heading, &command, &date, &notes);
    let old =
        std::fs::read_to_string(doc).unwrap_or_else(|_| "# PostgreSQL compatibility\n".to_string());
    std::fs::write(doc, report::replace_section(&old, name, &body))
        .with_context(|| format!("writing {}", doc.display()))?;
    eprintln!("wrote the {name} section of {}", doc.display());
    Ok(())
}
