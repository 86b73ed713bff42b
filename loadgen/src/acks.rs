//! The acknowledged-commit log: what a crash test needs from the client side
//! (`run tpcb --ack-log FILE`, then `verify tpcb --check-acks FILE` after the server restarts).
//!
//! The claim under test: every transaction whose `COMMIT` the server acknowledged survives a
//! crash (SIGKILL) and restart, and no transaction is half-applied.
//!
//! 1. Tagging. With `--ack-log`, each tpcb/update transaction puts a unique tag into the `filler`
//!    column of the history row it inserts (a variant of pgbench's INSERT, used only with the
//!    option): `<run>-<client>-<seq>`, where `run` is six base-36 characters drawn once per
//!    loadgen process, `client` the client number and `seq` the client's transaction number
//!    (1, 2, ...). A retried transaction re-sends the same tag; at most one attempt commits.
//!    At most 21 characters, so it fits pgbench's `filler char(22)`.
//! 2. Acknowledgement. A transaction counts as acknowledged when its `END` came back as
//!    CommandComplete `COMMIT` followed by ReadyForQuery; only then is its tag appended to the log.
//!    An `END` answered with any other tag (`ROLLBACK`) is an error, not an acknowledgement.
//! 3. Writing. Each loadgen thread buffers whole lines and writes them with one `write` on an
//!    `O_APPEND` file when the buffer passes [`FLUSH_AT`] bytes, when one of its connections dies
//!    and when it finishes, so a server crash loses no acknowledgement and threads' lines never
//!    interleave. A line starting with `#` is a comment; each run starts with `# run <id> ...`.
//!    Several runs (crash rounds) append to the same file.
//! 4. Checking ([`check`]), against `pgbench_history` after the restart:
//!    - every acknowledged tag is present (durability);
//!    - no tag is present twice (a retried transaction committed once);
//!    - for each run and client, at most one tag is present without an acknowledgement, and it is
//!      later than all of that client's acknowledged ones: only the transaction in flight when the
//!      connection died may have committed unacknowledged. A transaction that failed and was
//!      rolled back must not be there.
//!
//!    Together with the tpcb invariant (`sum(abalance) = sum(tbalance) = sum(bbalance) =
//!    sum(history.delta)`, checked by the workload's `verify`), a transaction is all there or
//!    not at all.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{ensure, Context as _, Result};
use tokio_postgres::{Client, SimpleQueryMessage};

/// A thread writes its buffered lines once they pass this many bytes.
pub(crate) const FLUSH_AT: usize = 32 * 1024;

/// How many missing or unexpected tags a failed check lists.
const SHOW: usize = 10;

/// The open log of one run.
#[derive(Debug)]
pub(crate) struct AckLog {
    path: PathBuf,
    file: File,
    run: String,
}

impl AckLog {
    /// Opens (appending) or creates `path` and writes this run's header line.
    pub(crate) fn open(path: &Path, what: &str) -> Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening --ack-log {}", path.display()))?;
        let log = Self {
            path: path.to_owned(),
            file,
            run: run_id(),
        };
        (&log.file)
            .write_all(format!("# run {} {what}\n", log.run).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(log)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn run(&self) -> &str {
        &self.run
    }

    /// The tag of transaction `seq` of client `client` in this run.
    pub(crate) fn tag(&self, client: usize, seq: u64) -> String {
        format!("{}-{client}-{seq}", self.run)
    }
}

/// Six base-36 characters from the clock and the process id: distinct for every loadgen run in
/// practice, and [`check`] refuses a log in which a run id repeats.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut x = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
    // splitmix64 finaliser: spreads nearby clock values over the whole range.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..6)
        .map(|i| char::from(DIGITS[((x >> (i * 6)) % 36) as usize]))
        .collect()
}

/// One thread's buffered acknowledgements (see the module docs, step 3).
pub(crate) struct AckBuffer {
    log: Arc<AckLog>,
    buf: Vec<u8>,
    /// The first write error; reported when the thread finishes.
    failed: Option<std::io::Error>,
    pub(crate) acked: u64,
}

impl AckBuffer {
    pub(crate) fn new(log: Arc<AckLog>) -> Self {
        Self {
            log,
            buf: Vec::with_capacity(FLUSH_AT + 64),
            failed: None,
            acked: 0,
        }
    }

    pub(crate) fn ack(&mut self, tag: &str) {
        self.buf.extend_from_slice(tag.as_bytes());
        self.buf.push(b'\n');
        self.acked += 1;
        if self.buf.len() >= FLUSH_AT {
            self.flush();
        }
    }

    /// Writes the buffered lines; a failure is kept for [`AckBuffer::finish`].
    pub(crate) fn flush(&mut self) {
        if self.buf.is_empty() || self.failed.is_some() {
            return;
        }
        if let Err(e) = (&self.log.file).write_all(&self.buf) {
            eprintln!("writing {}: {e}", self.log.path.display());
            self.failed = Some(e);
        }
        self.buf.clear();
    }

    /// Flushes and reports whether every acknowledgement reached the file.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.flush();
        match self.failed.take() {
            Some(e) => Err(e).with_context(|| format!("writing {}", self.log.path.display())),
            None => Ok(()),
        }
    }
}

/// A parsed tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Tag<'a> {
    run: &'a str,
    client: u32,
    seq: u64,
}

fn parse_tag(s: &str) -> Option<Tag<'_>> {
    let mut parts = s.split('-');
    let run = parts.next()?;
    let client = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let ok = parts.next().is_none()
        && run.len() == 6
        && run
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    ok.then_some(Tag { run, client, seq })
}

/// The contents of an ack log.
#[derive(Debug, Default)]
struct Acks {
    runs: Vec<String>,
    tags: Vec<String>,
}

fn read_log(text: &str) -> Result<Acks> {
    let mut acks = Acks::default();
    for (n, line) in text.lines().enumerate() {
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(rest) = comment.trim_start().strip_prefix("run ") {
                let id = rest.split_whitespace().next().unwrap_or_default();
                ensure!(
                    !acks.runs.iter().any(|r| r == id),
                    "line {}: run id {id} appears twice (a one-in-two-billion collision: start a new log)",
                    n + 1
                );
                acks.runs.push(id.to_owned());
            }
            continue;
        }
        ensure!(
            parse_tag(line).is_some(),
            "line {}: not a tag: {line:?} (a torn write?)",
            n + 1
        );
        acks.tags.push(line.to_owned());
    }
    Ok(acks)
}

/// Compares the log with the tags in `fillers` (the rows of `pgbench_history`; other fillers,
/// e.g. NULL from pgbench runs, are ignored). `Ok` describes what held.
fn compare(acks: &Acks, fillers: &[String]) -> Result<String> {
    let runs: HashSet<&str> = acks.runs.iter().map(String::as_str).collect();
    let mut present: HashMap<Tag<'_>, u32> = HashMap::with_capacity(fillers.len());
    let mut foreign = 0u64;
    for f in fillers {
        match parse_tag(f) {
            Some(t) if runs.contains(t.run) => *present.entry(t).or_default() += 1,
            _ => foreign += 1,
        }
    }
    let mut problems = Vec::new();

    let acked: HashSet<Tag<'_>> = acks.tags.iter().filter_map(|t| parse_tag(t)).collect();
    let mut missing: Vec<&Tag<'_>> = acked.iter().filter(|t| !present.contains_key(t)).collect();
    missing.sort();
    if !missing.is_empty() {
        problems.push(format!(
            "{} of {} acknowledged transactions are missing from pgbench_history (lost commits), e.g. {}",
            missing.len(),
            acked.len(),
            show(missing.iter().map(|t| tag_text(t)))
        ));
    }

    let mut twice: Vec<(&Tag<'_>, &u32)> = present.iter().filter(|(_, &n)| n > 1).collect();
    twice.sort();
    if !twice.is_empty() {
        problems.push(format!(
            "{} tags are present more than once (a transaction applied twice), e.g. {}",
            twice.len(),
            show(twice.iter().map(|(t, n)| format!("{} x{n}", tag_text(t))))
        ));
    }

    // Per (run, client): the highest acknowledged seq, and the unacknowledged tags present.
    let mut last_acked: HashMap<(&str, u32), u64> = HashMap::new();
    for t in &acked {
        let e = last_acked.entry((t.run, t.client)).or_default();
        *e = (*e).max(t.seq);
    }
    let mut unacked: BTreeMap<(&str, u32), Vec<u64>> = BTreeMap::new();
    for t in present.keys().filter(|t| !acked.contains(*t)) {
        unacked.entry((t.run, t.client)).or_default().push(t.seq);
    }
    let mut in_flight = 0u64;
    let mut phantom = Vec::new();
    for ((run, client), seqs) in &mut unacked {
        seqs.sort_unstable();
        let after = last_acked.get(&(*run, *client)).copied().unwrap_or(0);
        let last = seqs.pop().expect("invariant: groups are never empty");
        if last > after {
            in_flight += 1;
        } else {
            seqs.push(last);
        }
        phantom.extend(seqs.iter().map(|&seq| format!("{run}-{client}-{seq}")));
    }
    if !phantom.is_empty() {
        problems.push(format!(
            "{} unacknowledged transactions are present that were not the last one of their client \
             (a failed or rolled-back transaction committed, or acknowledgements were lost), e.g. {}",
            phantom.len(),
            show(phantom.into_iter())
        ));
    }

    let summary = format!(
        "{} acknowledged commits from {} runs checked against {} tagged history rows: \
         {} committed without acknowledgement (in flight at the crash, at most one per client); \
         {} other history rows",
        acked.len(),
        acks.runs.len(),
        present.values().map(|&n| u64::from(n)).sum::<u64>(),
        in_flight,
        foreign
    );
    ensure!(
        problems.is_empty(),
        "check-acks FAILED: {}; {summary}",
        problems.join("; ")
    );
    Ok(summary)
}

fn tag_text(t: &Tag<'_>) -> String {
    format!("{}-{}-{}", t.run, t.client, t.seq)
}

fn show(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.take(SHOW).collect();
    items.join(", ")
}

/// `verify --check-acks FILE`: see the module docs, step 4.
pub(crate) async fn check(client: &Client, path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading --check-acks {}", path.display()))?;
    let acks = read_log(&text).with_context(|| path.display().to_string())?;
    // Plain SELECT, no server-side filtering: the fewer features the check needs, the fewer ways
    // it can be fooled. char(22) pads with blanks; trim them here.
    let mut fillers = Vec::new();
    for msg in client
        .simple_query("SELECT filler FROM pgbench_history")
        .await
        .context("reading pgbench_history")?
    {
        if let SimpleQueryMessage::Row(row) = msg {
            if let Some(f) = row.get(0) {
                fillers.push(f.trim_end().to_owned());
            }
        }
    }
    compare(&acks, &fillers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acks(runs: &[&str], tags: &[&str]) -> Acks {
        Acks {
            runs: runs.iter().map(|s| (*s).to_owned()).collect(),
            tags: tags.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn rows(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn tags_fit_pgbench_filler() {
        let run = run_id();
        assert_eq!(run.len(), 6);
        let t = format!("{run}-9999-999999999");
        assert!(t.len() <= 22);
        assert_eq!(
            parse_tag(&t),
            Some(Tag {
                run: &run,
                client: 9999,
                seq: 999_999_999
            })
        );
        assert_eq!(parse_tag("abc-1-2"), None);
        assert_eq!(parse_tag("abcdef-1-2-3"), None);
        assert_eq!(parse_tag(""), None);
    }

    #[test]
    fn log_format() {
        let a = read_log("# run aaaaaa tpcb\naaaaaa-0-1\naaaaaa-1-1\n# run bbbbbb\nbbbbbb-0-1\n")
            .expect("valid log");
        assert_eq!(a.runs, ["aaaaaa", "bbbbbb"]);
        assert_eq!(a.tags.len(), 3);
        assert!(read_log("# run aaaaaa\n# run aaaaaa\n").is_err());
        assert!(read_log("# run aaaaaa\naaaaaa-0-\n").is_err());
    }

    #[test]
    fn all_present_with_one_in_flight_per_client() {
        let a = acks(&["aaaaaa"], &["aaaaaa-0-1", "aaaaaa-0-2", "aaaaaa-1-1"]);
        let h = rows(&[
            "aaaaaa-0-1",
            "aaaaaa-0-2",
            "aaaaaa-0-3",
            "aaaaaa-1-1",
            "aaaaaa-2-1",
            "zzzzzz-0-1",
            "",
        ]);
        let msg = compare(&a, &h).expect("durable");
        assert!(msg.contains("3 acknowledged"), "{msg}");
        assert!(msg.contains("2 committed without acknowledgement"), "{msg}");
        assert!(msg.contains("2 other history rows"), "{msg}");
    }

    #[test]
    fn lost_commit_fails() {
        let a = acks(&["aaaaaa"], &["aaaaaa-0-1", "aaaaaa-0-2"]);
        let e = compare(&a, &rows(&["aaaaaa-0-1"])).expect_err("lost");
        assert!(e.to_string().contains("1 of 2 acknowledged"), "{e}");
        assert!(e.to_string().contains("aaaaaa-0-2"), "{e}");
    }

    #[test]
    fn duplicate_fails() {
        let a = acks(&["aaaaaa"], &["aaaaaa-0-1"]);
        let e = compare(&a, &rows(&["aaaaaa-0-1", "aaaaaa-0-1"])).expect_err("twice");
        assert!(e.to_string().contains("more than once"), "{e}");
    }

    #[test]
    fn rolled_back_transaction_present_fails() {
        // Client 0 had 2 fail (rolled back) and 3 acknowledged: 2 must not be there.
        let a = acks(&["aaaaaa"], &["aaaaaa-0-1", "aaaaaa-0-3"]);
        let h = rows(&["aaaaaa-0-1", "aaaaaa-0-2", "aaaaaa-0-3"]);
        let e = compare(&a, &h).expect_err("phantom");
        assert!(e.to_string().contains("aaaaaa-0-2"), "{e}");
        // Two unacknowledged after the last acknowledged one: only one can be in flight.
        let a = acks(&["aaaaaa"], &["aaaaaa-0-1"]);
        let h = rows(&["aaaaaa-0-1", "aaaaaa-0-2", "aaaaaa-0-3"]);
        assert!(compare(&a, &h).is_err());
    }
}
