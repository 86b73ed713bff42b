//! `kv`: a YCSB-like key-value workload (core workloads A/B/C are read ratios 0.5/0.95/1.0).
//!
//! ```text
//! loadgen_kv (k bigint primary key, v text)      --keys rows, k = 1..=keys, v of --value-size bytes
//! read:   SELECT v FROM loadgen_kv WHERE k = $1
//! update: UPDATE loadgen_kv SET v = $2 WHERE k = $1
//! ```
//!
//! Each transaction is one autocommit statement. Keys are uniform or scrambled zipfian
//! ([`super::zipf`]). Update values come from a fixed pool of random strings of the same length,
//! so generating them costs nothing per transaction.
//!
//! Invariant: the key set never changes and every value keeps its length.

use anyhow::{ensure, Context as _, Result};
use bytes::BufMut as _;
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};
use tokio_postgres::Config;

use super::load::{copy_rows, put_int};
use super::pgbench::vacuum;
use super::zipf::KeyChooser;
use super::{query_i64, Txn, Workload};
use crate::conn::{self, Param, Step, StmtDef};

const READ: usize = 0;
const UPDATE: usize = 1;
const POOL: usize = 64;

/// See the module documentation.
pub(crate) struct Kv {
    keys: u64,
    read_ratio: f64,
    value_size: usize,
    chooser: KeyChooser,
    values: Vec<Box<str>>,
    stmts: Vec<StmtDef>,
}

fn random_value(rng: &mut SmallRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(rng.sample(rand::distributions::Alphanumeric)))
        .collect()
}

impl Kv {
    pub(crate) fn new(
        keys: u64,
        read_ratio: f64,
        value_size: usize,
        chooser: KeyChooser,
    ) -> Result<Self> {
        ensure!(keys >= 1, "--keys must be at least 1");
        ensure!(
            (0.0..=1.0).contains(&read_ratio),
            "--read-ratio must be in [0, 1]"
        );
        let mut rng = SmallRng::seed_from_u64(0x6b76);
        Ok(Self {
            keys,
            read_ratio,
            value_size,
            chooser,
            values: (0..POOL)
                .map(|_| random_value(&mut rng, value_size).into_boxed_str())
                .collect(),
            stmts: vec![
                StmtDef::new("SELECT v FROM loadgen_kv WHERE k = $1"),
                StmtDef::new("UPDATE loadgen_kv SET v = $2 WHERE k = $1"),
            ],
        })
    }
}

impl Workload for Kv {
    fn name(&self) -> String {
        let dist = match &self.chooser {
            KeyChooser::Uniform { .. } => "uniform",
            KeyChooser::Zipfian(_) => "zipfian",
        };
        format!(
            "kv ({} keys, {dist}, read ratio {})",
            self.keys, self.read_ratio
        )
    }

    fn statements(&self) -> &[StmtDef] {
        &self.stmts
    }

    async fn prepare(&self, target: &Config) -> Result<()> {
        let client = conn::connect(target).await?;
        client
            .batch_execute(
                "DROP TABLE IF EXISTS loadgen_kv; CREATE TABLE loadgen_kv (k bigint not null, v text)",
            )
            .await
            .context("creating loadgen_kv")?;
        let mut rng = SmallRng::seed_from_u64(0x6b76_0001);
        let values: Vec<String> = (0..POOL)
            .map(|_| random_value(&mut rng, self.value_size))
            .collect();
        copy_rows(
            &client,
            "COPY loadgen_kv (k, v) FROM STDIN",
            "loadgen_kv",
            self.keys,
            |i, b| {
                put_int(b, i, b'\t');
                b.put_slice(values[i.unsigned_abs() as usize % POOL].as_bytes());
                b.put_u8(b'\n');
            },
        )
        .await?;
        client
            .batch_execute("ALTER TABLE loadgen_kv ADD PRIMARY KEY (k)")
            .await
            .context("adding primary key")?;
        vacuum(&client, "loadgen_kv").await;
        Ok(())
    }

    fn generate(&self, rng: &mut SmallRng, _client: usize) -> Txn {
        // Keys are at most u64::MAX / 2 in practice (they come from a COPY of i64 values).
        let k = Param::Int8(i64::try_from(self.chooser.next(rng) + 1).unwrap_or(i64::MAX));
        let step = if rng.gen_bool(self.read_ratio) {
            Step {
                stmt: READ,
                params: vec![k],
            }
        } else {
            let v = &self.values[rng.gen_range(0..self.values.len())];
            Step {
                stmt: UPDATE,
                params: vec![k, Param::Text(v.clone())],
            }
        };
        Txn {
            steps: vec![step],
            explicit: false,
        }
    }

    async fn verify(&self, target: &Config) -> Result<String> {
        let client = conn::connect(target).await?;
        let n = query_i64(&client, "SELECT count(*) FROM loadgen_kv").await?;
        let lo = query_i64(&client, "SELECT min(k) FROM loadgen_kv").await?;
        let hi = query_i64(&client, "SELECT max(k) FROM loadgen_kv").await?;
        let bad = query_i64(
            &client,
            &format!(
                "SELECT count(*) FROM loadgen_kv WHERE length(v) <> {}",
                self.value_size
            ),
        )
        .await?;
        let summary = format!("{n} keys in [{lo}, {hi}], {bad} values of the wrong length");
        let keys = i64::try_from(self.keys).context("keys")?;
        ensure!(
            n == keys && lo == 1 && hi == keys && bad == 0,
            "verify FAILED: expected {keys} keys 1..={keys} with {}-byte values: {summary}",
            self.value_size
        );
        Ok(summary)
    }
}
