//! End to end against a real PostgreSQL 15 (skipped where it is not installed): the runner starts a
//! throwaway cluster, runs a few upstream tests (with their dependency) and all of ours, and every file
//! and statement passes (so our recorded expected files stay in step with their scripts). This is the runner's validation in miniature; the full run is recorded in
//! docs/COMPATIBILITY.md.
use std::path::Path;
use std::process::Command;

#[test]
fn scores_postgres_15_at_100_percent() {
    if !Path::new("/usr/lib/postgresql/15/bin/initdb").exists() {
        eprintln!("skipped: PostgreSQL 15 is not installed");
        return;
    }
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pg_regress");
    if !suite.join("schedule").exists() {
        eprintln!("skipped: {} not present", suite.display());
        return;
    }
    let mut tests = vec!["boolean".to_string(), "char".to_string()];
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
    for entry in std::fs::read_dir(&ours).expect("regress/sql") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "sql") {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 name");
            tests.push(format!("ours/{stem}"));
        }
    }
    let results = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_pglitedb-regress"))
        .args(["--start-postgres", "--json", "--tests"])
        .arg(tests.join(","))
        .arg("--results-dir")
        .arg(results.path())
        .output()
        .expect("runner starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "runner failed:\n{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let all = &json["totals"]["all"];
    assert_eq!(all["files"], tests.len(), "{json}");
    assert_eq!(all["files_passed"], tests.len(), "{stderr}");
    assert_eq!(all["statements"], all["statements_passed"], "{stderr}");
}
