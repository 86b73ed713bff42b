//! Transactions over the wire: private writes, COMMIT/ROLLBACK across shards, no lost updates under
//! concurrency, and pgbench's tpcb-like transaction keeping its invariant.

mod common;

use common::TestServer;

use common::connect_port as connect;

async fn count(c: &tokio_postgres::Client, sql: &str) -> usize {
    c.query(sql, &[]).await.expect("count").len()
}

#[tokio::test]
async fn commit_and_rollback_span_shards_and_writes_stay_private() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let a = connect(server.port).await;
    let b = connect(server.port).await;
    a.batch_execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
        .await
        .expect("create");

    // Rolled back: 20 rows over both shards, then nothing.
    a.batch_execute("BEGIN").await.expect("begin");
    for k in 0..20i32 {
        a.execute("INSERT INTO t VALUES ($1, 0)", &[&k])
            .await
            .expect("insert");
    }
    assert_eq!(
        count(&a, "SELECT k FROM t").await,
        20,
        "own writes are visible"
    );
    assert_eq!(
        count(&b, "SELECT k FROM t").await,
        0,
        "uncommitted writes are private"
    );
    a.batch_execute("ROLLBACK").await.expect("rollback");
    assert_eq!(count(&a, "SELECT k FROM t").await, 0);

    // Committed: all of them, visible to everyone.
    a.batch_execute("BEGIN").await.expect("begin");
    for k in 0..20i32 {
        a.execute("INSERT INTO t VALUES ($1, $1)", &[&k])
            .await
            .expect("insert");
    }
    a.execute("UPDATE t SET v = v * 10 WHERE k < 5", &[])
        .await
        .expect("update");
    a.execute("DELETE FROM t WHERE k >= 18", &[])
        .await
        .expect("delete");
    a.batch_execute("COMMIT").await.expect("commit");
    let rows = b.query("SELECT k, v FROM t", &[]).await.expect("read");
    assert_eq!(rows.len(), 18);
    for r in rows {
        let (k, v): (i32, i32) = (r.get(0), r.get(1));
        assert_eq!(v, if k < 5 { k * 10 } else { k });
    }

    // An error aborts the block: later statements get 25P02, COMMIT rolls back.
    a.batch_execute("BEGIN").await.expect("begin");
    a.execute("INSERT INTO t VALUES (100, 1)", &[])
        .await
        .expect("insert");
    let e = a
        .execute("INSERT INTO t VALUES (1, 1)", &[])
        .await
        .expect_err("duplicate");
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
    );
    let e = a
        .execute("INSERT INTO t VALUES (101, 1)", &[])
        .await
        .expect_err("aborted");
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION)
    );
    a.batch_execute("COMMIT")
        .await
        .expect("commit of an aborted block");
    assert_eq!(count(&b, "SELECT k FROM t WHERE k >= 100").await, 0);

    // A multi-row autocommit INSERT with a duplicate on one shard inserts nothing anywhere.
    let e = a
        .batch_execute("INSERT INTO t VALUES (200, 0), (201, 0), (202, 0), (203, 0), (3, 0)")
        .await
        .expect_err("dup");
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
    );
    assert_eq!(
        count(&b, "SELECT k FROM t WHERE k >= 200").await,
        0,
        "statements are atomic across shards"
    );
}

#[tokio::test]
async fn concurrent_increments_are_never_lost() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let setup = connect(server.port).await;
    setup.batch_execute("CREATE TABLE counters (id int PRIMARY KEY, n int); INSERT INTO counters VALUES (1, 0), (2, 0)").await.expect("setup");
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let port = server.port;
        tasks.push(tokio::spawn(async move {
            let c = connect(port).await;
            for i in 0..25 {
                if (worker + i) % 2 == 0 {
                    c.execute("UPDATE counters SET n = n + 1 WHERE id = 1", &[]).await.expect("autocommit increment");
                } else {
                    // Two rows (two shards, usually) in one transaction, always in the same order.
                    c.batch_execute("BEGIN; UPDATE counters SET n = n + 1 WHERE id = 1; UPDATE counters SET n = n + 1 WHERE id = 2; COMMIT")
                        .await
                        .expect("transaction increment");
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("worker");
    }
    let rows = setup
        .query("SELECT id, n FROM counters", &[])
        .await
        .expect("read");
    let n = |id: i32| {
        rows.iter()
            .find(|r| r.get::<_, i32>(0) == id)
            .map(|r| r.get::<_, i32>(1))
            .expect("row")
    };
    assert_eq!(n(1), 200, "every increment of row 1 counted");
    assert_eq!(n(2), 100, "every increment of row 2 counted");
}

#[tokio::test]
async fn pgbench_tpcb_like_transactions_keep_the_balance_invariant() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let c = connect(server.port).await;
    c.batch_execute(
        "CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int);
         CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int);
         CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int);
         CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int);
         INSERT INTO pgbench_branches VALUES (1, 0);",
    )
    .await
    .expect("schema");
    for tid in 1..=10i32 {
        c.execute("INSERT INTO pgbench_tellers VALUES ($1, 1, 0)", &[&tid])
            .await
            .expect("teller");
    }
    for aid in 1..=200i32 {
        c.execute("INSERT INTO pgbench_accounts VALUES ($1, 1, 0)", &[&aid])
            .await
            .expect("account");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("tpcb.sql");
    std::fs::write(
        &script,
        "\\set aid random(1, 200)\n\\set bid 1\n\\set tid random(1, 10)\n\\set delta random(-5000, 5000)\n\
         BEGIN;\n\
         UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;\n\
         SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n\
         UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;\n\
         UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;\n\
         INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (:tid, :bid, :aid, :delta);\n\
         END;\n",
    )
    .expect("script");
    for mode in ["simple", "extended", "prepared"] {
        server.pgbench(&script, mode, &["-c", "8", "-j", "2", "-t", "50"]);
    }
    let sum = |sql: &'static str| {
        let c = &c;
        async move {
            c.query(sql, &[])
                .await
                .expect("sum")
                .iter()
                .map(|r| i64::from(r.get::<_, i32>(0)))
                .sum::<i64>()
        }
    };
    let accounts = sum("SELECT abalance FROM pgbench_accounts").await;
    let tellers = sum("SELECT tbalance FROM pgbench_tellers").await;
    let branches = sum("SELECT bbalance FROM pgbench_branches").await;
    let history = sum("SELECT delta FROM pgbench_history").await;
    assert_eq!(
        c.query("SELECT delta FROM pgbench_history", &[])
            .await
            .expect("history")
            .len(),
        3 * 8 * 50
    );
    assert_eq!(
        (accounts, tellers, branches),
        (history, history, history),
        "tpcb invariant"
    );
}
