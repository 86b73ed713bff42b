//! pgbench's built-in scripts, statement for statement (checked against `pgbench --show-script` of
//! PostgreSQL 15), and its data set (`pgbench -i`).
//!
//! Tables (as `pgbench -i` creates them; `aid` is `int`, so scale < 20000):
//!
//! ```text
//! pgbench_branches (bid int not null, bbalance int, filler char(88))            scale rows
//! pgbench_tellers  (tid int not null, bid int, tbalance int, filler char(84))   10 × scale rows
//! pgbench_accounts (aid int not null, bid int, abalance int, filler char(84))   100000 × scale rows
//! pgbench_history  (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))
//! ```
//!
//! Transactions draw `aid`, `bid`, `tid` uniformly from their ranges and `delta` uniformly from
//! [-5000, 5000], like pgbench's `random()`.
//!
//! Invariant (`--verify`): every transaction adds the same `delta` to one account and inserts it
//! into history, and `tpcb` also adds it to one teller and one branch. So after any mix of runs
//! since `--init`: `sum(abalance) = sum(history.delta)` and `sum(tbalance) = sum(bbalance)`; after
//! `tpcb` runs only, all four sums are equal. Row counts must match the scale.
//!
//! The schema code is shared with [`super::tenants`], whose databases hold small variants
//! ([`Sizes`] with one branch).

use anyhow::{ensure, Context as _, Result};
use bytes::BufMut as _;
use rand::rngs::SmallRng;
use rand::Rng as _;
use tokio_postgres::{Client, Config};

use super::load::{copy_rows, put_int};
use super::{query_i64, query_sum, Txn, Workload};
use crate::conn::{self, Param, Step, StmtDef};

/// Which built-in pgbench script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Script {
    /// `tpcb-like` (pgbench default).
    Tpcb,
    /// `simple-update` (`pgbench -N`).
    Update,
    /// `select-only` (`pgbench -S`).
    Select,
}

/// Row counts of one pgbench data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sizes {
    pub branches: i32,
    pub tellers: i32,
    pub accounts: i32,
}

impl Sizes {
    /// `pgbench -i -s scale`.
    pub(crate) fn scale(scale: i32) -> Self {
        Self {
            branches: scale,
            tellers: 10 * scale,
            accounts: 100_000 * scale,
        }
    }
}

// Statement indexes; the order of `statements()` must agree.
const BEGIN: usize = 0;
const UPD_ACCOUNT: usize = 1;
const SEL_ACCOUNT: usize = 2;
const UPD_TELLER: usize = 3;
const UPD_BRANCH: usize = 4;
const INS_HISTORY: usize = 5;
const END: usize = 6;

/// The statements of all three scripts, parameters numbered in order of appearance as pgbench does.
pub(crate) fn statements() -> Vec<StmtDef> {
    [
        "BEGIN",
        "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
        "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
        "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2",
        "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) \
         VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
        "END",
    ]
    .into_iter()
    .map(StmtDef::new)
    .collect()
}

/// pgbench's history INSERT with a tag in `filler`, used instead of [`INS_HISTORY`]'s statement
/// only under `--ack-log` (`acks.rs`), so normal runs send exactly pgbench's statements.
const TAGGED_INSERT: &str = "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime, filler) \
     VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP, $5)";

/// Draws one transaction of `script` over a data set of `sizes` (pgbench's `\set` lines).
pub(crate) fn generate(script: Script, sizes: Sizes, rng: &mut SmallRng) -> Txn {
    let aid = rng.gen_range(1..=sizes.accounts);
    let step = |stmt, params: &[i32]| Step {
        stmt,
        params: params.iter().map(|&v| Param::Int4(v)).collect(),
    };
    if script == Script::Select {
        return Txn {
            steps: vec![step(SEL_ACCOUNT, &[aid])],
            explicit: false,
        };
    }
    let bid = rng.gen_range(1..=sizes.branches);
    let tid = rng.gen_range(1..=sizes.tellers);
    let delta = rng.gen_range(-5000..=5000);
    let mut steps = Vec::with_capacity(7);
    steps.push(step(BEGIN, &[]));
    steps.push(step(UPD_ACCOUNT, &[delta, aid]));
    steps.push(step(SEL_ACCOUNT, &[aid]));
    if script == Script::Tpcb {
        steps.push(step(UPD_TELLER, &[delta, tid]));
        steps.push(step(UPD_BRANCH, &[delta, bid]));
    }
    steps.push(step(INS_HISTORY, &[tid, bid, aid, delta]));
    steps.push(step(END, &[]));
    Txn {
        steps,
        explicit: true,
    }
}

/// Drops and recreates the four tables and loads them like `pgbench -i` (COPY, then primary keys,
/// then `VACUUM ANALYZE`).
pub(crate) async fn load(client: &Client, sizes: Sizes, quiet: bool) -> Result<()> {
    client
        .batch_execute(
            "DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers;
             CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
             CREATE TABLE pgbench_tellers (tid int not null, bid int, tbalance int, filler char(84));
             CREATE TABLE pgbench_accounts (aid int not null, bid int, abalance int, filler char(84));
             CREATE TABLE pgbench_branches (bid int not null, bbalance int, filler char(88));",
        )
        .await
        .context("creating pgbench tables")?;
    let tellers_per_branch = i64::from((sizes.tellers / sizes.branches).max(1));
    let accounts_per_branch = i64::from((sizes.accounts / sizes.branches).max(1));
    let label = |t: &'static str| if quiet { "" } else { t };
    let rows = |n: i32| u64::try_from(n).context("negative row count");
    // COPY text format: the empty filler is '' (pgbench does the same), not NULL.
    copy_rows(
        client,
        "COPY pgbench_branches (bid, bbalance, filler) FROM STDIN",
        label("pgbench_branches"),
        rows(sizes.branches)?,
        |i, b| {
            put_int(b, i, b'\t');
            b.put_slice(b"0\t\n");
        },
    )
    .await?;
    copy_rows(
        client,
        "COPY pgbench_tellers (tid, bid, tbalance, filler) FROM STDIN",
        label("pgbench_tellers"),
        rows(sizes.tellers)?,
        |i, b| {
            put_int(b, i, b'\t');
            put_int(b, (i - 1) / tellers_per_branch + 1, b'\t');
            b.put_slice(b"0\t\n");
        },
    )
    .await?;
    copy_rows(
        client,
        "COPY pgbench_accounts (aid, bid, abalance, filler) FROM STDIN",
        label("pgbench_accounts"),
        rows(sizes.accounts)?,
        |i, b| {
            put_int(b, i, b'\t');
            put_int(b, (i - 1) / accounts_per_branch + 1, b'\t');
            b.put_slice(b"0\t\n");
        },
    )
    .await?;
    client
        .batch_execute(
            "ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid);
             ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid);
             ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid);",
        )
        .await
        .context("adding primary keys")?;
    vacuum(
        client,
        "pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history",
    )
    .await;
    Ok(())
}

/// `VACUUM ANALYZE`, best effort: a server without VACUUM still gets a usable data set.
pub(crate) async fn vacuum(client: &Client, tables: &str) {
    if let Err(e) = client
        .batch_execute(&format!("VACUUM ANALYZE {tables}"))
        .await
    {
        eprintln!("warning: VACUUM ANALYZE failed (continuing): {e}");
    }
}

/// Checks the invariant described in the module docs; `strict` requires all four sums equal.
pub(crate) async fn check(client: &Client, sizes: Sizes, strict: bool) -> Result<String> {
    let a = query_sum(client, "SELECT sum(abalance) FROM pgbench_accounts").await?;
    let t = query_sum(client, "SELECT sum(tbalance) FROM pgbench_tellers").await?;
    let b = query_sum(client, "SELECT sum(bbalance) FROM pgbench_branches").await?;
    let h = query_sum(client, "SELECT sum(delta) FROM pgbench_history").await?;
    let n_a = query_i64(client, "SELECT count(*) FROM pgbench_accounts").await?;
    let n_t = query_i64(client, "SELECT count(*) FROM pgbench_tellers").await?;
    let n_b = query_i64(client, "SELECT count(*) FROM pgbench_branches").await?;
    let n_h = query_i64(client, "SELECT count(*) FROM pgbench_history").await?;
    let sums = format!(
        "sum(abalance)={a} sum(tbalance)={t} sum(bbalance)={b} sum(history.delta)={h} \
         ({n_a} accounts, {n_t} tellers, {n_b} branches, {n_h} history rows)"
    );
    ensure!(
        (n_a, n_t, n_b)
            == (
                i64::from(sizes.accounts),
                i64::from(sizes.tellers),
                i64::from(sizes.branches)
            ),
        "verify FAILED: row counts do not match {sizes:?}: {sums}"
    );
    ensure!(
        a == h,
        "verify FAILED: sum(abalance) != sum(history.delta): {sums}"
    );
    ensure!(
        t == b,
        "verify FAILED: sum(tbalance) != sum(bbalance): {sums}"
    );
    if strict {
        ensure!(
            a == t,
            "verify FAILED: sum(abalance) != sum(tbalance) (did a non-tpcb script write since --init?): {sums}"
        );
    }
    Ok(sums)
}

/// `tpcb`, `update` and `select` over one database at a scale.
pub(crate) struct Pgbench {
    script: Script,
    sizes: Sizes,
    stmts: Vec<StmtDef>,
    /// `--ack-log`: history rows carry the transaction's tag (see [`Workload::tag`]).
    tagged: bool,
}

impl Pgbench {
    /// With `scale` unset, reads it from `pgbench_branches` like pgbench does. `tagged` switches
    /// the history INSERT to [`TAGGED_INSERT`] (tpcb and update only).
    pub(crate) async fn new(
        script: Script,
        scale: Option<i32>,
        target: &Config,
        tagged: bool,
    ) -> Result<Self> {
        ensure!(
            !tagged || script != Script::Select,
            "--ack-log needs a workload that writes history rows (tpcb or update)"
        );
        let scale = match scale {
            Some(s) => s,
            None => {
                let client = conn::connect(target).await?;
                let n = query_i64(&client, "SELECT count(*) FROM pgbench_branches")
                    .await
                    .context("reading the scale (run with --init, or pass --scale)")?;
                i32::try_from(n).context("scale")?
            }
        };
        ensure!(
            (1..20_000).contains(&scale),
            "--scale must be in 1..20000 (int account ids)"
        );
        let mut stmts = statements();
        if tagged {
            stmts[INS_HISTORY] = StmtDef::new(TAGGED_INSERT);
        }
        Ok(Self {
            script,
            sizes: Sizes::scale(scale),
            stmts,
            tagged,
        })
    }
}

impl Workload for Pgbench {
    fn name(&self) -> String {
        let s = match self.script {
            Script::Tpcb => "tpcb",
            Script::Update => "update",
            Script::Select => "select",
        };
        format!("{s} (scale {})", self.sizes.branches)
    }

    fn statements(&self) -> &[StmtDef] {
        &self.stmts
    }

    async fn prepare(&self, target: &Config) -> Result<()> {
        let client = conn::connect(target).await?;
        load(&client, self.sizes, false).await
    }

    fn generate(&self, rng: &mut SmallRng, _client: usize) -> Txn {
        generate(self.script, self.sizes, rng)
    }

    fn tag(&self, txn: &mut Txn, tag: &str) {
        if !self.tagged {
            return;
        }
        if let Some(step) = txn.steps.iter_mut().find(|s| s.stmt == INS_HISTORY) {
            step.params.push(Param::Text(tag.into()));
        }
    }

    async fn verify(&self, target: &Config) -> Result<String> {
        let client = conn::connect(target).await?;
        check(&client, self.sizes, self.script == Script::Tpcb).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    #[test]
    fn tpcb_matches_pgbench_script() {
        let mut rng = SmallRng::seed_from_u64(1);
        let stmts = statements();
        let txn = generate(Script::Tpcb, Sizes::scale(3), &mut rng);
        let sql: Vec<&str> = txn.steps.iter().map(|s| stmts[s.stmt].sql).collect();
        assert_eq!(sql.len(), 7);
        assert_eq!(sql[0], "BEGIN");
        assert_eq!(sql[6], "END");
        let Param::Int4(aid) = txn.steps[1].params[1] else {
            panic!("aid is int4")
        };
        assert!((1..=300_000).contains(&aid));
        let Param::Int4(delta) = txn.steps[1].params[0] else {
            panic!("delta is int4")
        };
        assert_eq!(txn.steps[5].params[3], Param::Int4(delta));
        let select = generate(Script::Select, Sizes::scale(1), &mut rng);
        assert_eq!(select.steps.len(), 1);
        assert!(!select.explicit);
        assert_eq!(
            generate(Script::Update, Sizes::scale(1), &mut rng)
                .steps
                .len(),
            5
        );
    }

    #[test]
    fn ack_tags_only_when_asked() {
        let mut rng = SmallRng::seed_from_u64(2);
        for tagged in [false, true] {
            let mut stmts = statements();
            if tagged {
                stmts[INS_HISTORY] = StmtDef::new(TAGGED_INSERT);
            }
            let w = Pgbench {
                script: Script::Tpcb,
                sizes: Sizes::scale(1),
                stmts,
                tagged,
            };
            let mut txn = w.generate(&mut rng, 0);
            w.tag(&mut txn, "abcdef-0-1");
            let ins = &txn.steps[5];
            assert_eq!(ins.stmt, INS_HISTORY);
            let mut sql = String::new();
            w.statements()[INS_HISTORY].render(&ins.params, &mut sql);
            if tagged {
                assert!(sql.ends_with("CURRENT_TIMESTAMP, 'abcdef-0-1')"), "{sql}");
            } else {
                // pgbench's statement, untouched.
                assert_eq!(ins.params.len(), 4);
                assert!(sql.ends_with("CURRENT_TIMESTAMP)"), "{sql}");
            }
        }
    }
}
