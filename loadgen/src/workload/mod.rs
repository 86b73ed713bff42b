//! Workloads: what the clients send, and what must hold afterwards.
//!
//! Every workload has the shape of toyDB's `workload.rs`:
//!
//! 1. [`Workload::prepare`] (`--init`) creates and loads the data set (COPY, with a progress bar).
//! 2. [`Workload::generate`] draws one transaction from a seeded RNG: a list of [`Step`]s. Generation
//!    is pure, so a retried transaction re-sends exactly the same statements (as pgbench does).
//! 3. [`Workload::execute`] sends the steps over a [`Conn`], one round trip per statement.
//! 4. [`Workload::verify`] (`--verify`) checks the workload's invariant after the run.
//!
//! | workload  | module       | what it is                                                           |
//! |-----------|--------------|----------------------------------------------------------------------|
//! | `tpcb`    | [`pgbench`]  | pgbench's built-in `tpcb-like` script, same tables and distributions |
//! | `update`  | [`pgbench`]  | pgbench `-N` (`simple-update`)                                       |
//! | `select`  | [`pgbench`]  | pgbench `-S` (`select-only`)                                         |
//! | `kv`      | [`kv`]       | YCSB-like single-key reads and updates, uniform or zipfian keys      |
//! | `tenants` | [`tenants`]  | many databases, each a small tpcb schema, clients spread with skew   |
//!
//! Workloads are used through generics (one monomorphic runner per workload), never as trait
//! objects, so `async fn` in the trait is fine.

pub(crate) mod kv;
pub(crate) mod load;
pub(crate) mod pgbench;
pub(crate) mod tenants;
pub(crate) mod zipf;

use anyhow::Result;
use rand::rngs::SmallRng;
use tokio_postgres::Config;

use crate::conn::{Conn, Step, StmtDef};
use crate::wire::WireError;

/// One generated transaction: its statements in order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Txn {
    pub steps: Vec<Step>,
    /// Whether the steps run inside `BEGIN ... END`, so a failure needs a `ROLLBACK`.
    pub explicit: bool,
}

/// See the module documentation for the life cycle.
pub(crate) trait Workload: Send + Sync + 'static {
    /// Name used in reports.
    fn name(&self) -> String;

    /// Statements referenced by [`Step::stmt`]; prepared once per connection for `--protocol prepared`.
    fn statements(&self) -> &[StmtDef];

    /// The database client number `client` connects to; `None` means the URL's database.
    fn database(&self, _client: usize) -> Option<String> {
        None
    }

    /// Creates and loads the data set, replacing any previous one.
    async fn prepare(&self, target: &Config) -> Result<()>;

    /// Draws the next transaction for client number `client`.
    fn generate(&self, rng: &mut SmallRng, client: usize) -> Txn;

    /// `--ack-log` (see `acks.rs`): makes `txn` write `tag` into the database, so a check after a
    /// crash can tell whether it committed. Only `tpcb` and `update` can (`main` refuses the
    /// option for the others, which keep this default and leave `txn` alone).
    fn tag(&self, _txn: &mut Txn, _tag: &str) {}

    /// Sends one transaction. The caller handles errors, rollback and retries.
    async fn execute(&self, conn: &mut Conn, txn: &Txn) -> Result<(), WireError> {
        let stmts = self.statements();
        for step in &txn.steps {
            conn.exec(stmts, step).await?;
        }
        Ok(())
    }

    /// Checks the invariant; `Ok` carries a one-line description of what was checked.
    async fn verify(&self, target: &Config) -> Result<String>;
}

/// Runs `sql` and returns the first row's columns as text (simple protocol, so it works for any
/// result type on any server).
pub(crate) async fn query_row(
    client: &tokio_postgres::Client,
    sql: &str,
) -> Result<Vec<Option<String>>> {
    use anyhow::Context as _;
    for msg in client
        .simple_query(sql)
        .await
        .with_context(|| sql.to_owned())?
    {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = msg {
            return Ok((0..row.len())
                .map(|i| row.get(i).map(str::to_owned))
                .collect());
        }
    }
    anyhow::bail!("{sql}: no rows")
}

/// Runs `sql` and parses the first column of the first row as an integer.
pub(crate) async fn query_i64(client: &tokio_postgres::Client, sql: &str) -> Result<i64> {
    use anyhow::Context as _;
    query_opt_i64(client, sql)
        .await?
        .with_context(|| format!("{sql}: NULL"))
}

/// Like [`query_i64`] for a `sum(...)`, whose NULL (no rows) means 0. (Not `coalesce(sum(x), 0)`
/// in SQL: the checks should need as few server features as possible.)
pub(crate) async fn query_sum(client: &tokio_postgres::Client, sql: &str) -> Result<i64> {
    Ok(query_opt_i64(client, sql).await?.unwrap_or(0))
}

async fn query_opt_i64(client: &tokio_postgres::Client, sql: &str) -> Result<Option<i64>> {
    use anyhow::Context as _;
    let row = query_row(client, sql).await?;
    match row.first().cloned().flatten() {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .with_context(|| format!("{sql}: not an integer: {text}")),
    }
}
