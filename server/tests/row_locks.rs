//! Row locks over the wire: SELECT ... FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE, NOWAIT,
//! SKIP LOCKED, lock_timeout, statement_timeout, cancel requests, and deadlocks across shards.

mod common;

use std::time::{Duration, Instant};

use common::connect_port as connect;
use common::TestServer;
use pglitedb_shard::route::shard_for_key;
use pglitedb_shard::table::key_of;
use pglitedb_sql::Value;
use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

fn code(e: &tokio_postgres::Error) -> &str {
    e.code().map_or("none", SqlState::code)
}

fn message(e: &tokio_postgres::Error) -> &str {
    e.as_db_error().map_or("", |d| d.message())
}

/// Runs `sql` on a fresh connection in the background; returns its handle.
fn spawn(
    c: Client,
    sql: &'static str,
) -> tokio::task::JoinHandle<(Client, Result<(), tokio_postgres::Error>)> {
    tokio::spawn(async move {
        let r = c.batch_execute(sql).await;
        (c, r)
    })
}

/// Asserts that `h` is still waiting after a moment.
async fn assert_waits<T>(h: &tokio::task::JoinHandle<T>) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!h.is_finished(), "the statement should wait for the lock");
}

async fn setup(port: u16) -> Client {
    let c = connect(port).await;
    c.batch_execute(
        "CREATE TABLE t (k int PRIMARY KEY, v int);
         INSERT INTO t VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50), (6, 60)",
    )
    .await
    .expect("setup");
    c
}

#[tokio::test]
async fn locking_selects_conflict_as_in_postgresql() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let a = setup(server.port).await;

    // FOR UPDATE blocks a writer until commit; the writer then sees the committed value.
    a.batch_execute("BEGIN").await.expect("begin");
    let v: i32 = a
        .query_one("SELECT v FROM t WHERE k = 1 FOR UPDATE", &[])
        .await
        .expect("lock")
        .get(0);
    assert_eq!(v, 10);
    let w = spawn(
        connect(server.port).await,
        "UPDATE t SET v = v + 1 WHERE k = 1",
    );
    assert_waits(&w).await;
    a.batch_execute("UPDATE t SET v = 100 WHERE k = 1; COMMIT")
        .await
        .expect("commit");
    let (_, r) = w.await.expect("join");
    r.expect("update after the lock is released");
    let v: i32 = a
        .query_one("SELECT v FROM t WHERE k = 1", &[])
        .await
        .expect("read")
        .get(0);
    assert_eq!(v, 101, "the waiting UPDATE re-read the committed row");

    // FOR SHARE and FOR KEY SHARE are shared; FOR KEY SHARE does not block a plain UPDATE, FOR
    // SHARE does.
    a.batch_execute(
        "BEGIN; SELECT * FROM t WHERE k = 2 FOR SHARE; SELECT * FROM t WHERE k = 3 FOR KEY SHARE",
    )
    .await
    .expect("share locks");
    let b = connect(server.port).await;
    b.batch_execute("BEGIN; SELECT * FROM t WHERE k = 2 FOR SHARE NOWAIT; SELECT * FROM t WHERE k = 3 FOR NO KEY UPDATE NOWAIT; UPDATE t SET v = 31 WHERE k = 3; COMMIT")
        .await
        .expect("compatible locks");
    let e = b
        .batch_execute("SELECT * FROM t WHERE k = 2 FOR UPDATE NOWAIT")
        .await
        .expect_err("conflict");
    assert_eq!(code(&e), "55P03");
    assert_eq!(
        message(&e),
        "could not obtain lock on row in relation \"t\""
    );
    let e = b
        .batch_execute("SELECT * FROM t WHERE k = 3 FOR UPDATE NOWAIT")
        .await
        .expect_err("FOR UPDATE conflicts with KEY SHARE");
    assert_eq!(code(&e), "55P03");
    let w = spawn(b, "UPDATE t SET v = 21 WHERE k = 2");
    assert_waits(&w).await;
    a.batch_execute("COMMIT").await.expect("commit");
    w.await.expect("join").1.expect("update after share lock");

    // SKIP LOCKED leaves locked rows out. (A LIMIT locks at most that many rows per shard, so
    // rows 3..6 may be partly locked too: see shard/src/dml.rs.)
    a.batch_execute("BEGIN").await.expect("begin");
    let got: Vec<i32> = a
        .query(
            "SELECT k FROM t ORDER BY k LIMIT 2 FOR UPDATE SKIP LOCKED",
            &[],
        )
        .await
        .expect("first two")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(got, vec![1, 2]);
    let b = connect(server.port).await;
    let got: Vec<i32> = b
        .query("SELECT k FROM t ORDER BY k FOR UPDATE SKIP LOCKED", &[])
        .await
        .expect("the rest")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        !got.is_empty() && got.iter().all(|k| (3..=6).contains(k)),
        "{got:?}"
    );
    let all: Vec<i32> = b
        .query("SELECT k FROM t ORDER BY k FOR SHARE SKIP LOCKED", &[])
        .await
        .expect("share")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(all, got, "b's own locks do not make it skip rows");
    a.batch_execute("ROLLBACK").await.expect("rollback");

    // Locks of a statement are released by ROLLBACK and by the end of an implicit transaction.
    b.batch_execute("SELECT * FROM t FOR UPDATE")
        .await
        .expect("autocommit lock");
    a.batch_execute("SELECT * FROM t FOR UPDATE NOWAIT")
        .await
        .expect("released at the end of the implicit transaction");
}

#[tokio::test]
async fn timeouts_and_cancel_requests_end_lock_waits() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let a = setup(server.port).await;
    a.batch_execute("BEGIN; UPDATE t SET v = 0 WHERE k = 4")
        .await
        .expect("hold");

    let b = connect(server.port).await;
    let start = Instant::now();
    let e = b
        .batch_execute("SET lock_timeout = 200; UPDATE t SET v = 1 WHERE k = 4")
        .await
        .expect_err("lock timeout");
    assert_eq!(code(&e), "55P03");
    assert_eq!(message(&e), "canceling statement due to lock timeout");
    assert!(start.elapsed() < Duration::from_secs(1));

    let e = b
        .batch_execute("SET lock_timeout = 0; SET statement_timeout = '300ms'; SELECT * FROM t WHERE k = 4 FOR SHARE")
        .await
        .expect_err("statement timeout");
    assert_eq!(code(&e), "57014");
    assert_eq!(message(&e), "canceling statement due to statement timeout");
    b.batch_execute("SET statement_timeout = 0")
        .await
        .expect("reset");

    // A wait longer than the deadlock timeout is not a deadlock.
    let token = b.cancel_token();
    let w = spawn(b, "UPDATE t SET v = 2 WHERE k = 4");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!w.is_finished(), "still waiting after the deadlock timeout");
    token
        .cancel_query(tokio_postgres::NoTls)
        .await
        .expect("cancel");
    let (b, r) = w.await.expect("join");
    let e = r.expect_err("canceled");
    assert_eq!(code(&e), "57014");
    assert_eq!(message(&e), "canceling statement due to user request");
    a.batch_execute("COMMIT").await.expect("commit");
    b.batch_execute("UPDATE t SET v = 3 WHERE k = 4")
        .await
        .expect("the canceled session goes on");
    let v: i32 = b
        .query_one("SELECT v FROM t WHERE k = 4", &[])
        .await
        .expect("read")
        .get(0);
    assert_eq!(v, 3);
}

#[tokio::test]
async fn a_deadlock_across_shards_aborts_one_transaction() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let a = setup(server.port).await;
    // Two keys on different shards.
    let shard = |k: i32| shard_for_key(&key_of(&[&Value::Int4(k)]).expect("key"), 2);
    let (x, y) = (1..=6)
        .flat_map(|x| (1..=6).map(move |y| (x, y)))
        .find(|(x, y)| shard(*x) != shard(*y))
        .expect("keys on both shards");
    let b = connect(server.port).await;
    a.execute("BEGIN", &[]).await.expect("begin");
    b.execute("BEGIN", &[]).await.expect("begin");
    a.execute("UPDATE t SET v = v + 1 WHERE k = $1", &[&x])
        .await
        .expect("a locks x");
    b.execute("UPDATE t SET v = v + 1 WHERE k = $1", &[&y])
        .await
        .expect("b locks y");
    let start = Instant::now();
    // Each waits for the other; the check after the deadlock timeout aborts one (the victim's
    // locks stay until it rolls back, as in PostgreSQL, then the survivor proceeds).
    let ta = tokio::spawn(async move {
        let r = a
            .execute("UPDATE t SET v = v + 1 WHERE k = $1", &[&y])
            .await;
        (a, r)
    });
    let tb = tokio::spawn(async move {
        let r = b
            .execute("UPDATE t SET v = v + 1 WHERE k = $1", &[&x])
            .await;
        (b, r)
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ta.is_finished() && !tb.is_finished() {
        assert!(Instant::now() < deadline, "no deadlock was detected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (first, second) = if ta.is_finished() { (ta, tb) } else { (tb, ta) };
    let (victim, r) = first.await.expect("join");
    let e = r.expect_err("the first to finish is the victim");
    assert_eq!(code(&e), "40P01");
    assert_eq!(message(&e), "deadlock detected");
    assert!(start.elapsed() < Duration::from_secs(5));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !second.is_finished(),
        "the survivor waits until the victim rolls back"
    );
    victim
        .batch_execute("ROLLBACK")
        .await
        .expect("roll back the victim");
    let (survivor, r) = second.await.expect("join");
    r.expect("the survivor's update");
    survivor.batch_execute("COMMIT").await.expect("commit");
    let a = survivor;
    let sum: i64 = a
        .query_one("SELECT sum(v) FROM t", &[])
        .await
        .expect("sum")
        .get(0);
    assert_eq!(
        sum,
        210 + 2,
        "the survivor's two increments, the victim's none"
    );
}
