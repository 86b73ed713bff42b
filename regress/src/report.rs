//! Reports: the per-test table, per-tier totals, JSON, the COMPATIBILITY.md section, and the ratchet
//! baseline (per-test passing statement counts).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// One scored test.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestResult {
    /// `NAME` or `ours/NAME`.
    pub test: String,
    /// `tier 1`, `tier 2`, `tier 3` or `ours`.
    pub tier: String,
    pub file_pass: bool,
    pub statements: usize,
    pub passed: usize,
    /// 1-based script lines of failing statements.
    pub failed_lines: Vec<usize>,
    /// First new error line of each failing statement that has one (see [`crate::score::Score`]).
    #[serde(default)]
    pub new_errors: Vec<String>,
    pub seconds: f64,
}

/// Totals for one tier.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Totals {
    pub files: usize,
    pub files_passed: usize,
    pub statements: usize,
    pub statements_passed: usize,
}

impl Totals {
    fn add(&mut self, r: &TestResult) {
        self.files += 1;
        self.files_passed += usize::from(r.file_pass);
        self.statements += r.statements;
        self.statements_passed += r.passed;
    }
}

/// Per-tier totals, plus `all`.
pub fn totals(results: &[TestResult]) -> BTreeMap<String, Totals> {
    let mut map: BTreeMap<String, Totals> = BTreeMap::new();
    for r in results {
        map.entry(r.tier.clone()).or_default().add(r);
        map.entry("all".to_string()).or_default().add(r);
    }
    map
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

/// The per-test table and the per-tier totals, as plain text.
pub fn table(results: &[TestResult]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<30} {:<7} {:<5} {:>15} {:>7}",
        "test", "tier", "file", "statements", "%"
    );
    for r in results {
        let file = if r.file_pass { "pass" } else { "FAIL" };
        let stm = format!("{}/{}", r.passed, r.statements);
        let _ = writeln!(
            s,
            "{:<30} {:<7} {:<5} {:>15} {:>6.1}%",
            r.test,
            r.tier,
            file,
            stm,
            pct(r.passed, r.statements)
        );
    }
    s.push('\n');
    s.push_str(&totals_text(&totals(results)));
    s
}

/// Per-tier totals as plain text.
pub fn totals_text(t: &BTreeMap<String, Totals>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<8} {:>15} {:>7} {:>17} {:>7}",
        "tier", "files", "%", "statements", "%"
    );
    for (tier, t) in t {
        let _ = writeln!(
            s,
            "{:<8} {:>15} {:>6.1}% {:>17} {:>6.1}%",
            tier,
            format!("{}/{}", t.files_passed, t.files),
            pct(t.files_passed, t.files),
            format!("{}/{}", t.statements_passed, t.statements),
            pct(t.statements_passed, t.statements)
        );
    }
    s
}

/// A Markdown section: per-tier totals and per-test scores.
pub fn markdown(
    results: &[TestResult],
    heading: &str,
    command: &str,
    date: &str,
    notes: &str,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## {heading}\n\nProduced on {date} by:\n\n```sh\n{command}\n```\n"
    );
    if !notes.is_empty() {
        let _ = writeln!(s, "{notes}\n");
    }
    let _ = writeln!(
        s,
        "| tier | files passed | % | statements passed | % |\n|---|---:|---:|---:|---:|"
    );
    for (tier, t) in totals(results) {
        let _ = writeln!(
            s,
            "| {tier} | {}/{} | {:.1}% | {}/{} | {:.1}% |",
            t.files_passed,
            t.files,
            pct(t.files_passed, t.files),
            t.statements_passed,
            t.statements,
            pct(t.statements_passed, t.statements)
        );
    }
    let _ = writeln!(s, "\n<details><summary>Per test</summary>\n\n| test | tier | file | statements | % |\n|---|---|---|---:|---:|");
    for r in results {
        let file = if r.file_pass { "pass" } else { "fail" };
        let _ = writeln!(
            s,
            "| {} | {} | {file} | {}/{} | {:.1}% |",
            r.test,
            r.tier,
            r.passed,
            r.statements,
            pct(r.passed, r.statements)
        );
    }
    s.push_str("\n</details>\n");
    s
}

/// How many failing statements each new error message caused, most frequent first.
pub fn error_counts(results: &[TestResult]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in results.iter().flat_map(|r| &r.new_errors) {
        *counts.entry(e.as_str()).or_default() += 1;
    }
    let mut v: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(e, n)| (e.to_string(), n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The `n` most frequent new errors as a Markdown table.
pub fn errors_markdown(results: &[TestResult], n: usize) -> String {
    let counts = error_counts(results);
    if counts.is_empty() {
        return String::new();
    }
    let mut s = format!("Most frequent errors in failing statements ({} distinct):\n\n| statements | error |\n|---:|---|\n", counts.len());
    for (e, c) in counts.iter().take(n) {
        let e = e
            .trim_start_matches("ERROR:")
            .trim()
            .replace('|', "\\|")
            .replace('`', "'");
        let _ = writeln!(s, "| {c} | `{e}` |");
    }
    s
}

/// Replace the part of `doc` between `<!-- BEGIN name -->` and `<!-- END name -->` with `body` (appending
/// the marked section when missing).
pub fn replace_section(doc: &str, name: &str, body: &str) -> String {
    let begin = format!("<!-- BEGIN {name} -->");
    let end = format!("<!-- END {name} -->");
    let section = format!("{begin}\n{body}{end}");
    match (doc.find(&begin), doc.find(&end)) {
        (Some(b), Some(e)) if b < e => format!("{}{}{}", &doc[..b], section, &doc[e + end.len()..]),
        _ => format!("{}\n{section}\n", doc.trim_end()),
    }
}

/// The ratchet: per-test passing statement counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Baseline {
    /// What the counts were measured against and how to regenerate them.
    #[serde(default)]
    pub note: String,
    pub tests: BTreeMap<String, usize>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading baseline {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing baseline {}", path.display()))
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        std::fs::write(path, text).with_context(|| format!("writing baseline {}", path.display()))
    }

    /// A baseline from results (only the tests in `results`).
    pub fn from_results(results: &[TestResult], note: &str) -> Self {
        Self {
            note: note.to_string(),
            tests: results.iter().map(|r| (r.test.clone(), r.passed)).collect(),
        }
    }

    /// Compare results with the baseline: (regressions, improvements) as messages. Tests not run are
    /// not compared; tests missing from the baseline count from zero.
    pub fn check(&self, results: &[TestResult]) -> (Vec<String>, Vec<String>) {
        let mut worse = Vec::new();
        let mut better = Vec::new();
        for r in results {
            let base = self.tests.get(&r.test).copied().unwrap_or(0);
            if r.passed < base {
                let shown: Vec<String> = r
                    .failed_lines
                    .iter()
                    .take(12)
                    .map(usize::to_string)
                    .collect();
                let more = if r.failed_lines.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                };
                worse.push(format!(
                    "{}: {} statements pass, baseline {} (failing units at lines {}{more})",
                    r.test,
                    r.passed,
                    base,
                    shown.join(", ")
                ));
            } else if r.passed > base {
                better.push(format!(
                    "{}: {} statements pass, baseline {}",
                    r.test, r.passed, base
                ));
            }
        }
        (worse, better)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(test: &str, tier: &str, passed: usize, statements: usize) -> TestResult {
        TestResult {
            test: test.into(),
            tier: tier.into(),
            file_pass: passed == statements,
            statements,
            passed,
            failed_lines: vec![],
            new_errors: vec!["ERROR:  x".into()],
            seconds: 0.0,
        }
    }

    #[test]
    fn totals_per_tier_and_all() {
        let t = totals(&[
            r("a", "tier 1", 2, 2),
            r("b", "tier 1", 1, 3),
            r("c", "tier 2", 0, 4),
        ]);
        assert_eq!(
            t["tier 1"],
            Totals {
                files: 2,
                files_passed: 1,
                statements: 5,
                statements_passed: 3
            }
        );
        assert_eq!(t["all"].statements, 9);
    }

    #[test]
    fn baseline_ratchet() {
        let base = Baseline::from_results(&[r("a", "tier 1", 2, 5), r("b", "tier 1", 3, 5)], "");
        let (worse, better) = base.check(&[
            r("a", "tier 1", 1, 5),
            r("b", "tier 1", 4, 5),
            r("new", "tier 2", 1, 1),
        ]);
        assert_eq!(worse.len(), 1);
        assert_eq!(better.len(), 2);
    }

    #[test]
    fn errors_are_counted_most_frequent_first() {
        let mut a = r("a", "tier 1", 0, 3);
        a.new_errors = vec!["ERROR:  y".into(), "ERROR:  y".into()];
        let counts = error_counts(&[a, r("b", "tier 1", 0, 1)]);
        assert_eq!(
            counts,
            vec![("ERROR:  y".to_string(), 2), ("ERROR:  x".to_string(), 1)]
        );
        assert!(errors_markdown(&[r("b", "tier 1", 0, 1)], 5).contains("| 1 | `x` |"));
    }

    #[test]
    fn sections_are_replaced_in_place() {
        let doc = "# T\n<!-- BEGIN x -->\nold\n<!-- END x -->\ntail\n";
        assert_eq!(
            replace_section(doc, "x", "new\n"),
            "# T\n<!-- BEGIN x -->\nnew\n<!-- END x -->\ntail\n"
        );
        assert!(
            replace_section("# T\n", "y", "b\n").ends_with("<!-- BEGIN y -->\nb\n<!-- END y -->\n")
        );
    }
}
