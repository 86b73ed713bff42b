//! INSERT ... ON CONFLICT over the wire: sessions on different cores upserting the same key (no
//! 23505, no lost update, through the primary key and through a secondary unique index), a
//! second upserter waiting for the first and then updating its row (or inserting after a
//! rollback), RETURNING, 21000, and 40001 under REPEATABLE READ.

mod common;

use std::time::Duration;

use common::connect_port as connect;
use common::TestServer;
use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

fn code(e: &tokio_postgres::Error) -> &str {
    e.code().map_or("none", SqlState::code)
}

async fn int(c: &Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.expect(sql).get(0)
}

#[tokio::test]
async fn concurrent_upserts_of_one_key_lose_nothing() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let setup = connect(server.port).await;
    setup
        .batch_execute(
            "CREATE TABLE c (k int PRIMARY KEY, v int8);
             CREATE TABLE u (id int PRIMARY KEY, email text UNIQUE, n int8)",
        )
        .await
        .expect("create");
    // Four sessions: the acceptor spreads them over both cores.
    let mut tasks = Vec::new();
    for s in 0..4i32 {
        let c = connect(server.port).await;
        tasks.push(tokio::spawn(async move {
            let pk = c
                .prepare("INSERT INTO c VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET v = c.v + 1")
                .await
                .expect("prepare");
            for i in 0..50i32 {
                c.execute(&pk, &[]).await.expect("pk upsert");
                // A different primary key each time: the email index is the arbiter.
                c.execute(
                    "INSERT INTO u VALUES ($1, 'same', 1) \
                     ON CONFLICT (email) DO UPDATE SET n = u.n + excluded.n",
                    &[&(s * 1000 + i)],
                )
                .await
                .expect("unique-index upsert");
            }
        }));
    }
    for t in tasks {
        t.await.expect("join");
    }
    assert_eq!(int(&setup, "SELECT v FROM c WHERE k = 1").await, 200);
    assert_eq!(int(&setup, "SELECT count(*) FROM u").await, 1);
    assert_eq!(
        int(&setup, "SELECT n FROM u WHERE email = 'same'").await,
        200
    );
}

#[tokio::test]
async fn a_second_upserter_waits_then_updates_or_inserts() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let a = connect(server.port).await;
    let b = connect(server.port).await;
    a.batch_execute("CREATE TABLE t (k int PRIMARY KEY, v text)")
        .await
        .expect("create");
    let upsert = "INSERT INTO t VALUES (1, 'b') ON CONFLICT (k) DO UPDATE SET v = t.v || '+b'";

    // The first commits: the second waited and updates the committed row.
    a.batch_execute("BEGIN; INSERT INTO t VALUES (1, 'a') ON CONFLICT DO NOTHING")
        .await
        .expect("a");
    let h = tokio::spawn(async move {
        let r = b.batch_execute(upsert).await;
        (b, r)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !h.is_finished(),
        "the second upsert must wait for the first"
    );
    a.batch_execute("COMMIT").await.expect("commit");
    let (b, r) = h.await.expect("join");
    r.expect("no 23505: the waiter updates");
    let v: String = a
        .query_one("SELECT v FROM t WHERE k = 1", &[])
        .await
        .expect("v")
        .get(0);
    assert_eq!(v, "a+b");

    // The first rolls back: the second inserts.
    a.batch_execute("BEGIN; INSERT INTO t VALUES (2, 'a')")
        .await
        .expect("a");
    let h = tokio::spawn(async move {
        let r = b
            .query_one(
                "INSERT INTO t VALUES (2, 'b') ON CONFLICT (k) DO UPDATE SET v = 'updated' \
                 RETURNING v",
                &[],
            )
            .await
            .map(|row| row.get::<_, String>(0));
        (b, r)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !h.is_finished(),
        "the second upsert must wait for the first"
    );
    a.batch_execute("ROLLBACK").await.expect("rollback");
    let (b, r) = h.await.expect("join");
    assert_eq!(r.expect("inserted"), "b");

    // 21000: one command proposing a key twice for DO UPDATE; nothing of it stays.
    let e = b
        .batch_execute(
            "INSERT INTO t VALUES (3, 'x'), (3, 'y') ON CONFLICT (k) DO UPDATE SET v = 'z'",
        )
        .await
        .expect_err("row twice");
    assert_eq!(code(&e), "21000");
    assert_eq!(int(&b, "SELECT count(*) FROM t WHERE k = 3").await, 0);

    // 40001: under REPEATABLE READ, a conflicting row committed after the snapshot.
    a.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM t")
        .await
        .expect("snapshot");
    b.batch_execute("INSERT INTO t VALUES (4, 'b')")
        .await
        .expect("b");
    let e = a
        .batch_execute("INSERT INTO t VALUES (4, 'a') ON CONFLICT (k) DO UPDATE SET v = 'a'")
        .await
        .expect_err("serialization failure");
    assert_eq!(code(&e), "40001");
    a.batch_execute("ROLLBACK").await.expect("rollback");
}
