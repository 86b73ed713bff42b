//! Child process of the kill -9 test (`tests/kill9.rs`): opens (recovering) the store in the directory
//! given as the first argument, then commits keys `r<round>-<i>` forever in small groups, printing each
//! `i` on stdout only once its commit is durable. The parent kills it with SIGKILL at a random moment,
//! reopens the store and checks that every printed key is there with its value.
//!
//! Usage: `storage-crash-child <dir> <round>`.

use std::io::Write;
use std::time::Duration;

use glommio::{LocalExecutorBuilder, Placement};
use pglitedb_storage::io::glommio::GlommioIo;
use pglitedb_storage::{Engine, EngineConfig, TreeId, WriteBatch};
use rand::Rng;

/// Key of commit `i` in `round` (shared with tests/kill9.rs, which must agree).
fn key(round: u64, i: u64) -> Vec<u8> {
    format!("r{round:03}-{i:08}").into_bytes()
}

/// Value of commit `i` (shared with tests/kill9.rs): 1 to 12000 bytes, so some spill to overflow pages.
fn value(round: u64, i: u64) -> Vec<u8> {
    let len = if i.is_multiple_of(17) {
        12000
    } else {
        (i * 7919 % 600 + 1) as usize
    };
    key(round, i).into_iter().cycle().take(len).collect()
}

async fn run(dir: String, round: u64) -> pglitedb_storage::Result<()> {
    let cfg = EngineConfig {
        cache_bytes: 2 << 20,
        wal_segment_bytes: 1 << 20,
        checkpoint_wal_bytes: 4 << 20,
        checkpoint_interval: Duration::from_secs(3600),
    };
    let mut engine = Engine::open(GlommioIo::new(dir)?, cfg).await?;
    if !engine.has_tree(TreeId(1)) {
        let mut b = WriteBatch::new();
        b.create_tree(TreeId(1));
        engine.commit(b).await?.durable().await?;
    }
    let mut rng = rand::thread_rng();
    let mut out = std::io::stdout();
    let mut i = 0;
    loop {
        let mut tickets = Vec::new();
        for _ in 0..rng.gen_range(1..16) {
            let mut b = WriteBatch::new();
            b.put(TreeId(1), &key(round, i), &value(round, i));
            tickets.push((i, engine.commit(b).await?));
            i += 1;
        }
        for (i, t) in tickets {
            t.durable().await?;
            writeln!(out, "{i}")?;
        }
        out.flush()?;
        if engine.needs_checkpoint() || rng.gen_ratio(1, 40) {
            engine.checkpoint().await?;
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: storage-crash-child <dir> <round>")?;
    let round: u64 = args.next().ok_or("missing round")?.parse()?;
    let ex = LocalExecutorBuilder::new(Placement::Unbound)
        .io_memory(2 << 20)
        .make()?;
    ex.run(run(dir, round))?;
    Ok(())
}
