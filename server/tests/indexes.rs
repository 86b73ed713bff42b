//! Secondary indexes and UNIQUE constraints over the wire: concurrent inserts of one key from two
//! sessions (exactly one wins; the other waits and gets 23505 once the first commits, or succeeds
//! if it rolls back), uniqueness across shards, index entries following UPDATE/DELETE, savepoints
//! and rollbacks, CREATE INDEX over existing rows, and entries surviving kill -9.

mod common;

use std::time::Duration;

use common::connect_port as connect;
use common::TestServer;
use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

fn code(e: &tokio_postgres::Error) -> &str {
    e.code().map_or("none", SqlState::code)
}

fn spawn(
    c: Client,
    sql: &'static str,
) -> tokio::task::JoinHandle<(Client, Result<(), tokio_postgres::Error>)> {
    tokio::spawn(async move {
        let r = c.batch_execute(sql).await;
        (c, r)
    })
}

async fn count(c: &Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.expect("count").get(0)
}

#[tokio::test]
async fn concurrent_inserts_of_one_key_one_wins() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let a = connect(server.port).await;
    let b = connect(server.port).await;
    a.batch_execute("CREATE TABLE t (id int PRIMARY KEY, email text UNIQUE)")
        .await
        .expect("create");

    // The first commits: the second waited, then fails with 23505 and PostgreSQL's message.
    a.batch_execute("BEGIN; INSERT INTO t VALUES (1, 'x@y')")
        .await
        .expect("a inserts");
    let h = spawn(b, "INSERT INTO t VALUES (2, 'x@y')");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !h.is_finished(),
        "the second insert must wait for the first"
    );
    a.batch_execute("COMMIT").await.expect("commit");
    let (b, r) = h.await.expect("join");
    let e = r.expect_err("duplicate");
    assert_eq!(code(&e), "23505");
    let db = e.as_db_error().expect("db error");
    assert_eq!(
        db.message(),
        "duplicate key value violates unique constraint \"t_email_key\""
    );
    assert_eq!(db.detail(), Some("Key (email)=(x@y) already exists."));

    // The first rolls back: the second goes ahead.
    a.batch_execute("BEGIN; INSERT INTO t VALUES (3, 'p@q')")
        .await
        .expect("a inserts");
    let h = spawn(b, "INSERT INTO t VALUES (4, 'p@q')");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !h.is_finished(),
        "the second insert must wait for the first"
    );
    a.batch_execute("ROLLBACK").await.expect("rollback");
    let (b, r) = h.await.expect("join");
    r.expect("the key is free after the rollback");
    assert_eq!(count(&a, "SELECT count(*) FROM t").await, 2);

    // Many racing sessions on many keys: every key ends up exactly once.
    let mut tasks = Vec::new();
    for s in 0..4 {
        let c = connect(server.port).await;
        tasks.push(tokio::spawn(async move {
            let mut won = 0;
            for k in 0..40 {
                let sql = format!("INSERT INTO t VALUES ({}, 'k{k}')", 1000 + s * 100 + k);
                match c.batch_execute(&sql).await {
                    Ok(()) => won += 1,
                    Err(e) => assert_eq!(code(&e), "23505", "{e}"),
                }
            }
            won
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += t.await.expect("join");
    }
    assert_eq!(won, 40, "each of the 40 keys inserted exactly once");
    assert_eq!(
        count(
            &b,
            "SELECT count(DISTINCT email) FROM t WHERE email LIKE 'k%'"
        )
        .await,
        40
    );
}

#[tokio::test]
async fn entries_follow_updates_deletes_savepoints_and_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");
    let args = ["--shards", "2", "--wal-segment-mb", "4", "--data-dir", data];
    let mut server = TestServer::start(&args);
    let c = connect(server.port).await;
    c.batch_execute(
        "CREATE TABLE u (a int, b int, c text);
         INSERT INTO u SELECT g, g % 3, 'v' || g FROM generate_series(1, 30) g;",
    )
    .await
    .expect("setup");
    // Existing duplicates stop a unique index; the error names the index and the key.
    let e = c
        .batch_execute("CREATE UNIQUE INDEX ON u (b)")
        .await
        .expect_err("duplicates");
    assert_eq!(code(&e), "23505");
    assert!(e
        .as_db_error()
        .is_some_and(|d| d.message() == "could not create unique index \"u_b_idx\""));
    c.batch_execute("CREATE UNIQUE INDEX ON u (a); CREATE INDEX ON u (b, c)")
        .await
        .expect("indexes");
    // NULLs never conflict.
    c.batch_execute("INSERT INTO u VALUES (NULL, 1, 'n'), (NULL, 1, 'n')")
        .await
        .expect("nulls");
    // An update frees the old key and takes the new one; a delete frees its key.
    c.batch_execute("UPDATE u SET a = 100 WHERE a = 1; DELETE FROM u WHERE a = 2")
        .await
        .expect("update/delete");
    c.batch_execute("INSERT INTO u VALUES (1, 0, 'again'), (2, 0, 'again')")
        .await
        .expect("freed keys");
    let e = c
        .batch_execute("UPDATE u SET a = 3 WHERE a = 4")
        .await
        .expect_err("taken");
    assert_eq!(code(&e), "23505");
    // A rolled-back savepoint leaves no entry behind.
    c.batch_execute(
        "BEGIN; INSERT INTO u VALUES (200, 0, 's'); SAVEPOINT s;
         INSERT INTO u VALUES (201, 0, 's'); ROLLBACK TO s; INSERT INTO u VALUES (201, 0, 't');
         COMMIT",
    )
    .await
    .expect("savepoint");
    // Reads and writes through the indexes see the same rows a scan would, own writes included.
    let plan: Vec<String> = c
        .simple_query("EXPLAIN SELECT * FROM u WHERE b = 1 AND c = 'v4'")
        .await
        .expect("explain")
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .collect();
    assert_eq!(plan[0], "Index Scan using u_b_c_idx on u", "{plan:?}");
    assert_eq!(count(&c, "SELECT count(*) FROM u WHERE a = 201").await, 1);
    assert_eq!(
        count(&c, "SELECT count(*) FROM u WHERE b = 1 AND c = 'n'").await,
        2
    );
    assert_eq!(
        count(&c, "SELECT count(*) FROM u WHERE b = 1 AND c = 'v4'").await,
        1
    );
    c.batch_execute(
        "BEGIN; UPDATE u SET c = 'moved' WHERE b = 1 AND c = 'v4';
         INSERT INTO u VALUES (300, 1, 'moved')",
    )
    .await
    .expect("update through the index");
    assert_eq!(
        count(&c, "SELECT count(*) FROM u WHERE b = 1 AND c = 'moved'").await,
        2
    );
    assert_eq!(
        count(&c, "SELECT count(*) FROM u WHERE b = 1 AND c = 'v4'").await,
        0
    );
    c.batch_execute("ROLLBACK").await.expect("rollback");
    assert_eq!(
        count(&c, "SELECT count(*) FROM u WHERE b = 1 AND c = 'moved'").await,
        0
    );
    assert_eq!(
        count(&c, "SELECT count(*) FROM u WHERE b = 1 AND c = 'v4'").await,
        1
    );
    assert_eq!(count(&c, "SELECT count(*) FROM u WHERE a = 300").await, 0);
    // A statement prepared before CREATE INDEX maintains the index afterwards.
    let ins = c
        .prepare("INSERT INTO u VALUES ($1, 0, 'prep')")
        .await
        .expect("prepare");
    let sel = c
        .prepare("SELECT count(*) FROM u WHERE c = 'prep'")
        .await
        .expect("prepare");
    c.batch_execute("CREATE UNIQUE INDEX u_c_prep ON u (c)")
        .await
        .expect_err("c has duplicates");
    c.batch_execute("CREATE INDEX u_c_idx ON u (c)")
        .await
        .expect("index on c");
    c.execute(&ins, &[&400i32]).await.expect("prepared insert");
    c.execute(&ins, &[&401i32]).await.expect("prepared insert");
    let n: i64 = c.query_one(&sel, &[]).await.expect("select").get(0);
    assert_eq!(n, 2);
    let e = c.execute(&ins, &[&400i32]).await.expect_err("a is unique");
    assert_eq!(code(&e), "23505");
    // kill -9: acknowledged entries are still there and still enforce uniqueness.
    drop(c);
    server.kill9();
    let server = TestServer::start(&args);
    let c = connect(server.port).await;
    for a in [1, 2, 100, 200, 201] {
        let e = c
            .batch_execute(&format!("INSERT INTO u VALUES ({a}, 0, 'dup')"))
            .await
            .expect_err("still unique after restart");
        assert_eq!(code(&e), "23505", "key {a}");
    }
    c.batch_execute("INSERT INTO u VALUES (3000, 0, 'fresh'); DROP INDEX u_a_idx")
        .await
        .expect("after restart");
    c.batch_execute("INSERT INTO u VALUES (3000, 0, 'dup is fine now')")
        .await
        .expect("no index, no check");
}
