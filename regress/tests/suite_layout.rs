//! The scorer against the shared suite's own files, without a server: every expected output scores
//! 100% against itself, every unit of every script is found in it (except after a `\quit` that ran),
//! and each test's unit count equals the statement count measured in `tiers.tsv`.
use std::collections::HashMap;
use std::path::Path;

use pglitedb_regress::score::{layout, score};
use pglitedb_regress::suite::load_pg;

#[test]
fn expected_outputs_score_themselves_and_match_tiers_tsv() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pg_regress");
    if !dir.join("schedule").exists() {
        eprintln!("skipped: {} not present", dir.display());
        return;
    }
    let tiers = std::fs::read_to_string(dir.join("tiers.tsv")).expect("tiers.tsv");
    let counts: HashMap<&str, usize> = tiers
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some((*cols.first()?, cols.get(2)?.parse().ok()?))
        })
        .collect();
    let mut mismatches = Vec::new();
    for t in load_pg(&dir).expect("suite loads") {
        let script = std::fs::read_to_string(&t.sql).expect("sql");
        let expected = std::fs::read_to_string(&t.expected).expect("expected");
        let l = layout(&script, &expected);
        let s = score(&l, &expected, &expected);
        assert!(s.file_pass && s.passed == s.statements, "{}", t.name);
        // Only collate.linux.utf8 stops early (\quit: this database's locale is C).
        if t.name != "collate.linux.utf8" {
            assert!(
                l.dropped.is_empty(),
                "{}: units not found at lines {:?}",
                t.name,
                l.dropped
            );
        }
        if counts.get(t.name.as_str()) != Some(&s.statements) {
            mismatches.push(format!(
                "{}: {} units, tiers.tsv {:?}",
                t.name,
                s.statements,
                counts.get(t.name.as_str())
            ));
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[test]
fn changing_one_result_line_fails_exactly_one_statement() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pg_regress");
    if !dir.join("schedule").exists() {
        return;
    }
    for name in ["boolean", "numeric", "psql", "copy2", "plpgsql"] {
        let script = std::fs::read_to_string(dir.join(format!("sql/{name}.sql"))).expect("sql");
        let expected =
            std::fs::read_to_string(dir.join(format!("expected/{name}.out"))).expect("out");
        let l = layout(&script, &expected);
        let lines: Vec<&str> = expected.lines().collect();
        for i in (0..lines.len()).step_by(41) {
            // Only output lines: an echoed line is an anchor.
            if script
                .lines()
                .any(|s| s == lines[i] || s.trim() == lines[i].trim())
            {
                continue;
            }
            let mut changed: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            changed[i].push_str(" changed");
            let actual = changed.join("\n") + "\n";
            let s = score(&l, &expected, &actual);
            assert_eq!(
                s.statements - s.passed,
                1,
                "{name} line {}: {:?}",
                i + 1,
                s.failed_lines
            );
        }
        // A server that is down: psql prints only its connection error.
        let down = "psql: error: connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n";
        assert_eq!(score(&l, &expected, down).passed, 0, "{name}");
    }
}
