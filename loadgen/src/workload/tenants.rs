//! `tenants`: many databases, each with its own small tpcb schema (one branch, ten tellers,
//! `--tenant-accounts` accounts), named `loadgen_tenant_0`, `loadgen_tenant_1`, ...
//!
//! Each client connects to one tenant for the whole run and runs pgbench's tpcb transaction there.
//! With `--skew 0` clients are dealt round-robin (every tenant gets the same number of clients,
//! give or take one); with `--skew θ` (0 < θ < 1) each client draws its tenant from a zipfian over
//! tenants, so tenant 0 is the hottest. The draw is seeded, so it is the same every run.
//!
//! This models a SaaS server: many catalogs and connections spread thin, a few hot tenants.
//! Invariant: the tpcb invariant (all four sums equal) in every tenant database.

use anyhow::{Context as _, Result};
use rand::rngs::SmallRng;
use rand::SeedableRng as _;
use tokio_postgres::Config;

use super::load::Progress;
use super::pgbench::{self, Script, Sizes};
use super::zipf::Zipfian;
use super::{Txn, Workload};
use crate::conn::{self, StmtDef};

/// See the module documentation.
pub(crate) struct Tenants {
    tenants: u32,
    sizes: Sizes,
    skew: f64,
    seed: u64,
    stmts: Vec<StmtDef>,
}

impl Tenants {
    pub(crate) fn new(tenants: u32, accounts: i32, skew: f64, seed: u64) -> Result<Self> {
        anyhow::ensure!(tenants >= 1, "--tenants must be at least 1");
        anyhow::ensure!(accounts >= 1, "--tenant-accounts must be at least 1");
        anyhow::ensure!((0.0..1.0).contains(&skew), "--skew must be in [0, 1)");
        Ok(Self {
            tenants,
            sizes: Sizes {
                branches: 1,
                tellers: 10,
                accounts,
            },
            skew,
            seed,
            stmts: pgbench::statements(),
        })
    }

    fn db_name(i: u32) -> String {
        format!("loadgen_tenant_{i}")
    }

    /// The tenant client number `client` works on (see the module docs).
    pub(crate) fn tenant_of(&self, client: usize) -> u32 {
        if self.skew == 0.0 {
            return (client % self.tenants as usize) as u32;
        }
        let mut rng =
            SmallRng::seed_from_u64(self.seed ^ (client as u64).wrapping_mul(0x9e37_79b9));
        let z = Zipfian::new(u64::from(self.tenants), self.skew);
        // next_rank < tenants, which is a u32.
        u32::try_from(z.next_rank(&mut rng)).unwrap_or(0)
    }

    fn tenant_config(target: &Config, i: u32) -> Config {
        let mut c = target.clone();
        c.dbname(Self::db_name(i));
        c
    }
}

impl Workload for Tenants {
    fn name(&self) -> String {
        format!(
            "tenants ({} databases × {} accounts, skew {})",
            self.tenants, self.sizes.accounts, self.skew
        )
    }

    fn statements(&self) -> &[StmtDef] {
        &self.stmts
    }

    fn database(&self, client: usize) -> Option<String> {
        Some(Self::db_name(self.tenant_of(client)))
    }

    async fn prepare(&self, target: &Config) -> Result<()> {
        let admin = conn::connect(target).await?;
        let mut bar = Progress::new("tenants", "databases", u64::from(self.tenants));
        for i in 0..self.tenants {
            let name = Self::db_name(i);
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                .await
                .with_context(|| format!("dropping {name}"))?;
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .with_context(|| format!("creating {name}"))?;
            let client = conn::connect(&Self::tenant_config(target, i)).await?;
            pgbench::load(&client, self.sizes, true)
                .await
                .with_context(|| format!("loading {name}"))?;
            bar.update(u64::from(i) + 1);
        }
        bar.finish(u64::from(self.tenants));
        Ok(())
    }

    fn generate(&self, rng: &mut SmallRng, _client: usize) -> Txn {
        pgbench::generate(Script::Tpcb, self.sizes, rng)
    }

    async fn verify(&self, target: &Config) -> Result<String> {
        for i in 0..self.tenants {
            let client = conn::connect(&Self::tenant_config(target, i)).await?;
            pgbench::check(&client, self.sizes, true)
                .await
                .with_context(|| format!("tenant {}", Self::db_name(i)))?;
        }
        Ok(format!(
            "tpcb invariant holds in all {} tenant databases",
            self.tenants
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_concentrates_clients() {
        let even = Tenants::new(10, 100, 0.0, 1).expect("valid");
        assert_eq!(
            (0..20).map(|c| even.tenant_of(c)).collect::<Vec<_>>(),
            (0..20).map(|c| c % 10).collect::<Vec<_>>()
        );
        let skewed = Tenants::new(10, 100, 0.9, 1).expect("valid");
        let on_zero = (0..200).filter(|&c| skewed.tenant_of(c) == 0).count();
        assert!(on_zero > 40, "tenant 0 got {on_zero} of 200 clients");
        assert!((0..200).all(|c| skewed.tenant_of(c) < 10));
    }
}
