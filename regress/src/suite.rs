//! The test suites: PostgreSQL's (`../shared/pg_regress`: `schedule`, `tiers.tsv`, `sql/`, `expected/`)
//! and our own (`regress/sql/*.sql` with `regress/expected/*.out` recorded from PostgreSQL 15).
//!
//! Tests run in schedule order (ours after PostgreSQL's, by name). A filtered selection also runs the
//! tests the selected ones depend on (`tiers.tsv` `depends_on`, measured by the suite's authors), first
//! and unscored, so a filtered run sees the same database state as a full one.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// Which suite a test belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Suite {
    /// PostgreSQL 15.18's regression suite.
    Pg,
    /// Our own SQL tests.
    Ours,
}

/// One test script.
#[derive(Debug, Clone)]
pub struct Test {
    pub name: String,
    pub suite: Suite,
    /// Tier from `tiers.tsv` (1 core, 2 broader SQL, 3 PostgreSQL internals); our own tests are tier 1.
    pub tier: u8,
    pub sql: PathBuf,
    pub expected: PathBuf,
    pub depends_on: Vec<String>,
    /// Selected by the filters (scored), as opposed to run only because a selected test depends on it.
    pub scored: bool,
}

impl Test {
    /// The name used in reports and the baseline (`ours/NAME` for our tests).
    pub fn key(&self) -> String {
        match self.suite {
            Suite::Pg => self.name.clone(),
            Suite::Ours => format!("ours/{}", self.name),
        }
    }

    /// The tier label used in reports.
    pub fn tier_label(&self) -> String {
        match self.suite {
            Suite::Pg => format!("tier {}", self.tier),
            Suite::Ours => "ours".to_string(),
        }
    }
}

/// Load PostgreSQL's suite in schedule order.
pub fn load_pg(dir: &Path) -> Result<Vec<Test>> {
    let schedule = std::fs::read_to_string(dir.join("schedule"))
        .with_context(|| format!("reading {}/schedule", dir.display()))?;
    let tiers = std::fs::read_to_string(dir.join("tiers.tsv"))
        .with_context(|| format!("reading {}/tiers.tsv", dir.display()))?;
    let mut info: HashMap<&str, (u8, Vec<String>)> = HashMap::new();
    for line in tiers.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 {
            continue;
        }
        let tier: u8 = cols[1]
            .parse()
            .with_context(|| format!("tiers.tsv: bad tier in {line:?}"))?;
        let deps = cols[3]
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        info.insert(cols[0], (tier, deps));
    }
    let mut tests = Vec::new();
    for entry in schedule.lines() {
        // Upstream format is `test: a b c`; the shared suite lists one name per line.
        let names = entry.strip_prefix("test:").unwrap_or(entry);
        for name in names.split_whitespace() {
            if name.starts_with('#') {
                break;
            }
            let (tier, depends_on) = info.get(name).cloned().unwrap_or((3, Vec::new()));
            tests.push(Test {
                name: name.to_string(),
                suite: Suite::Pg,
                tier,
                sql: dir.join("sql").join(format!("{name}.sql")),
                expected: dir.join("expected").join(format!("{name}.out")),
                depends_on,
                scored: true,
            });
        }
    }
    if tests.is_empty() {
        bail!("{}/schedule lists no tests", dir.display());
    }
    Ok(tests)
}

/// Load our own tests (`DIR/sql/*.sql`, expected in `DIR/expected/`), by name.
pub fn load_ours(dir: &Path) -> Result<Vec<Test>> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir.join("sql"))
        .with_context(|| format!("reading {}/sql", dir.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "sql") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                names.insert(stem.to_string());
            }
        }
    }
    Ok(names
        .into_iter()
        .map(|name| Test {
            sql: dir.join("sql").join(format!("{name}.sql")),
            expected: dir.join("expected").join(format!("{name}.out")),
            name,
            suite: Suite::Ours,
            tier: 1,
            depends_on: Vec::new(),
            scored: true,
        })
        .collect())
}

/// Keep the tests matching the filters (`names` by name or `ours/NAME`; `tiers`), plus, unscored, the
/// tests they depend on, transitively; schedule order is kept.
pub fn select(all: Vec<Test>, names: &[String], tiers: &[u8]) -> Result<Vec<Test>> {
    for n in names {
        if !all.iter().any(|t| &t.name == n || &t.key() == n) {
            bail!("unknown test {n:?}");
        }
    }
    let wanted = |t: &Test| {
        (names.is_empty() || names.iter().any(|n| n == &t.name || n == &t.key()))
            && (tiers.is_empty() || tiers.contains(&t.tier))
    };
    let mut needed: BTreeSet<String> = all.iter().filter(|t| wanted(t)).map(Test::key).collect();
    loop {
        let before = needed.len();
        for t in &all {
            if needed.contains(&t.key()) {
                needed.extend(t.depends_on.iter().cloned());
            }
        }
        if needed.len() == before {
            break;
        }
    }
    Ok(all
        .into_iter()
        .filter(|t| needed.contains(&t.key()))
        .map(|mut t| {
            t.scored = wanted(&t);
            t
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, tier: u8, deps: &[&str]) -> Test {
        Test {
            name: name.into(),
            suite: Suite::Pg,
            tier,
            sql: PathBuf::new(),
            expected: PathBuf::new(),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            scored: true,
        }
    }

    fn all() -> Vec<Test> {
        vec![
            t("setup", 1, &[]),
            t("a", 1, &["setup"]),
            t("b", 3, &[]),
            t("c", 2, &["a", "b"]),
        ]
    }

    #[test]
    fn filters_keep_schedule_order_and_add_dependencies_unscored() {
        let sel = select(all(), &["c".into()], &[]).expect("select");
        let names: Vec<(&str, bool)> = sel.iter().map(|t| (t.name.as_str(), t.scored)).collect();
        assert_eq!(
            names,
            vec![("setup", false), ("a", false), ("b", false), ("c", true)]
        );
        let sel = select(all(), &[], &[1]).expect("select");
        assert!(sel.iter().all(|t| t.scored && t.tier == 1));
        assert!(select(all(), &["nope".into()], &[]).is_err());
    }
}
