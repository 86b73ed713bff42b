//! The scorer against the shared suite's own files: every expected output scores 100% against itself,
//! and every unit of every script is found in it except those after a `\quit` that ran.
use std::path::Path;

use pglitedb_regress::score::{layout, score};
use pglitedb_regress::suite::load_pg;

#[test]
fn expected_outputs_score_themselves_fully() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/pg_regress");
    if !dir.join("schedule").exists() {
        eprintln!("skipped: {} not present", dir.display());
        return;
    }
    let tests = load_pg(&dir).expect("suite loads");
    let mut total = 0;
    let mut report = String::new();
    for t in &tests {
        let script = std::fs::read_to_string(&t.sql).expect("sql");
        let expected = std::fs::read_to_string(&t.expected).expect("expected");
        let l = layout(&script, &expected);
        let s = score(&l, &expected, &expected);
        assert!(s.file_pass && s.passed == s.statements, "{}", t.name);
        total += s.statements;
        if !l.dropped.is_empty() {
            report.push_str(&format!("{} dropped {:?}\n", t.name, l.dropped));
        }
        println!("{}\t{}\t{}", t.name, s.statements, l.dropped.len());
    }
    println!("{report}total {total}");
}
