//! kill -9 test on the real file system: a child process (`storage-crash-child`) commits and prints each
//! acknowledged key; the parent SIGKILLs it at a random moment, reopens the store with the glommio backend
//! and checks that every acknowledged key is present with its value. Several rounds on one store, so
//! recovery also runs on stores that were themselves recovered. `KILL9_ROUNDS=n` for a longer run.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use glommio::{LocalExecutorBuilder, Placement};
use pglitedb_storage::io::glommio::GlommioIo;
use pglitedb_storage::{Engine, EngineConfig, TreeId};
use rand::Rng;

// Must agree with src/bin/crash_child.rs.
fn key(round: u64, i: u64) -> Vec<u8> {
    format!("r{round:03}-{i:08}").into_bytes()
}
fn value(round: u64, i: u64) -> Vec<u8> {
    let len = if i.is_multiple_of(17) {
        12000
    } else {
        (i * 7919 % 600 + 1) as usize
    };
    key(round, i).into_iter().cycle().take(len).collect()
}

#[test]
fn kill_9_keeps_every_acknowledged_commit() {
    let rounds: u64 = std::env::var("KILL9_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_string_lossy().to_string();
    let mut acked: Vec<(u64, u64)> = Vec::new();
    let mut rng = rand::thread_rng();
    for round in 0..rounds {
        let mut child = Command::new(env!("CARGO_BIN_EXE_storage-crash-child"))
            .args([path.as_str(), &round.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(i) = line.trim().parse::<u64>() {
                    if tx.send(i).is_err() {
                        break;
                    }
                }
            }
        });
        // Let it get going (at least one ack), then kill at a random moment.
        let first = rx.recv_timeout(Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(rng.gen_range(20..400)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        reader.join().expect("reader thread");
        let mut n = 0;
        if let Ok(i) = first {
            acked.push((round, i));
            n += 1;
        }
        for i in rx.try_iter() {
            acked.push((round, i));
            n += 1;
        }
        eprintln!("round {round}: {n} acknowledged commits before the kill");
        assert!(n > 0, "child acknowledged nothing in round {round}");

        let path = path.clone();
        let acked = acked.clone();
        LocalExecutorBuilder::new(Placement::Unbound)
            .io_memory(2 << 20)
            .make()
            .expect("executor")
            .run(async move {
                let io = GlommioIo::new(&path).expect("dir");
                let mut engine = Engine::open(io, EngineConfig::default())
                    .await
                    .expect("recovery after kill -9");
                for (r, i) in &acked {
                    let got = engine.get(TreeId(1), &key(*r, *i)).await.expect("get");
                    assert!(
                        got.as_deref() == Some(&value(*r, *i)[..]),
                        "acknowledged key r{r}-{i} missing or wrong after kill -9"
                    );
                }
            });
    }
}
