//! UPDATE ... FROM, DELETE ... USING, UPDATE/DELETE with subqueries and a leading WITH, over the
//! wire with rows spread over two shards; and RETURNING from an UPDATE that moves rows to another
//! partition.

mod common;

use common::connect_port as connect;
use common::TestServer;
use tokio_postgres::Client;

async fn int(c: &Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.expect(sql).get(0)
}

#[tokio::test]
async fn joined_writes_across_shards() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let c = connect(server.port).await;
    c.batch_execute(
        "CREATE TABLE acc (id int PRIMARY KEY, bal int8, tag text);
         CREATE TABLE delta (id int PRIMARY KEY, d int8);
         CREATE TABLE loose (id int, v int);
         INSERT INTO acc SELECT g, 100, 'x' FROM generate_series(1, 40) g;
         INSERT INTO delta SELECT g, g FROM generate_series(1, 40, 2) g;
         INSERT INTO loose VALUES (1, 0), (1, 0), (2, 0);",
    )
    .await
    .expect("setup");
    // Odd ids (spread over both shards) get their delta; each row once.
    let n = c
        .execute(
            "UPDATE acc SET bal = acc.bal + delta.d FROM delta WHERE acc.id = delta.id",
            &[],
        )
        .await
        .expect("update from");
    assert_eq!(n, 20);
    assert_eq!(
        int(&c, "SELECT sum(bal)::int8 FROM acc").await,
        40 * 100 + (1..40).step_by(2).sum::<i64>()
    );
    // A scalar subquery in SET, correlated to the target row, and a multi-column one.
    c.batch_execute(
        "UPDATE acc SET bal = (SELECT d FROM delta WHERE delta.id = acc.id) WHERE id <= 4;
         UPDATE acc SET (bal, tag) = (SELECT d * 2, 'm' FROM delta WHERE delta.id = acc.id)
           WHERE id = 5",
    )
    .await
    .expect("subquery sets");
    let rows = c
        .query("SELECT bal, tag FROM acc WHERE id <= 5 ORDER BY id", &[])
        .await
        .expect("read");
    let got: Vec<(Option<i64>, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        got,
        [
            (Some(1), "x".to_string()),
            (None, "x".into()),
            (Some(3), "x".into()),
            (None, "x".into()),
            (Some(10), "m".into())
        ]
    );
    // DELETE ... USING and a leading WITH; a table without a primary key names rows by value.
    let n = c
        .execute(
            "WITH big AS (SELECT id FROM delta WHERE d > 30) \
             DELETE FROM acc USING big WHERE acc.id = big.id",
            &[],
        )
        .await
        .expect("delete using");
    assert_eq!(n, 5, "ids 31, 33, 35, 37, 39");
    assert_eq!(int(&c, "SELECT count(*) FROM acc").await, 35);
    let n = c
        .execute(
            "UPDATE loose SET v = delta.d FROM delta WHERE loose.id = delta.id",
            &[],
        )
        .await
        .expect("update by value");
    assert_eq!(n, 2, "both copies of (1, 0) joined delta 1");
    assert_eq!(int(&c, "SELECT sum(v)::int8 FROM loose").await, 2);
}

#[tokio::test]
async fn returning_from_an_update_that_moves_rows() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let c = connect(server.port).await;
    c.batch_execute(
        "CREATE TABLE p (a int, b text) PARTITION BY RANGE (a);
         CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
         CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (10) TO (20);
         INSERT INTO p VALUES (1, 'one'), (2, 'two'), (5, 'five');",
    )
    .await
    .expect("setup");
    let rows = c
        .query(
            "UPDATE p SET a = CASE WHEN a < 5 THEN a + 10 ELSE a + 1 END RETURNING a, b",
            &[],
        )
        .await
        .expect("update with row movement");
    let mut got: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    got.sort();
    assert_eq!(
        got,
        [
            (6, "five".to_string()),
            (11, "one".into()),
            (12, "two".into())
        ]
    );
    assert_eq!(int(&c, "SELECT count(*) FROM p1").await, 1);
    assert_eq!(int(&c, "SELECT count(*) FROM p2").await, 2);
}

#[tokio::test]
async fn a_joined_write_refuses_a_row_changed_since_its_snapshot() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let a = connect(server.port).await;
    let b = connect(server.port).await;
    a.batch_execute(
        "CREATE TABLE acc (id int PRIMARY KEY, bal int8);
         CREATE TABLE delta (id int PRIMARY KEY, d int8);
         INSERT INTO acc VALUES (1, 100); INSERT INTO delta VALUES (1, 5);",
    )
    .await
    .expect("setup");
    a.batch_execute("BEGIN; UPDATE acc SET bal = bal + 1 WHERE id = 1")
        .await
        .expect("a holds the row");
    let h = tokio::spawn(async move {
        let r = b
            .batch_execute(
                "UPDATE acc SET bal = acc.bal + delta.d FROM delta WHERE acc.id = delta.id",
            )
            .await;
        (b, r)
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!h.is_finished(), "the joined write waits for the row lock");
    a.batch_execute("COMMIT").await.expect("commit");
    let (b, r) = h.await.expect("join");
    let e = r.expect_err("the row changed after b's snapshot");
    assert_eq!(e.code().map(|c| c.code()), Some("40001"));
    // Nothing lost: a's increment stands, and b's retry applies on top of it.
    b.batch_execute("UPDATE acc SET bal = acc.bal + delta.d FROM delta WHERE acc.id = delta.id")
        .await
        .expect("retry");
    assert_eq!(int(&a, "SELECT bal FROM acc WHERE id = 1").await, 106);
}
