//! Temporary tables over the wire: each session sees only its own (shadowing a permanent table of
//! the same name), they disappear with the session, and leftovers of a kill -9 do not survive the
//! restart (a new temporary table reuses the ids, which would collide with a leftover tree).

mod common;

use common::{connect, TestServer};

fn conninfo(port: u16) -> String {
    format!("host=127.0.0.1 port={port} user=postgres dbname=postgres")
}

async fn one(client: &tokio_postgres::Client, sql: &str) -> String {
    common::first_value(client, sql).await.unwrap_or_default()
}

#[tokio::test]
async fn temp_tables_are_private_to_their_session_and_gone_after_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path").to_string();
    let args = ["--shards", "2", "--data-dir", &data_arg];
    let mut server = TestServer::start(&args);
    let port = server.port;
    let a = connect(&conninfo(port)).await;
    a.batch_execute(
        "CREATE TABLE t (id int PRIMARY KEY, who text); INSERT INTO t VALUES (0, 'perm')",
    )
    .await
    .expect("permanent table");
    // Two sessions at once land on different cores (least-loaded placement).
    let b = connect(&conninfo(port)).await;
    for (c, who, n) in [(&a, "a", 50), (&b, "b", 70)] {
        c.batch_execute(&format!(
            "CREATE TEMP TABLE t (id int PRIMARY KEY, who text);
             INSERT INTO t SELECT g, '{who}' FROM generate_series(1, {n}) g"
        ))
        .await
        .expect("temp table shadowing the permanent one");
    }
    for (c, who, n) in [(&a, "a", 50), (&b, "b", 70)] {
        assert_eq!(one(c, "SELECT count(*) FROM t").await, n.to_string());
        assert_eq!(
            one(c, "SELECT string_agg(DISTINCT who, ',') FROM t").await,
            who
        );
        // A point lookup on a key that hashes to either shard finds the row on the session's own.
        for id in [1, 2, 3, 17] {
            assert_eq!(
                one(c, &format!("SELECT who FROM t WHERE id = {id}")).await,
                who
            );
        }
        assert_eq!(one(c, "SELECT who FROM public.t").await, "perm");
        assert_eq!(
            one(c, "SELECT count(*) FROM pg_temp.t").await,
            n.to_string()
        );
    }
    // Duplicate key within one session's temp table.
    let err = a
        .simple_query("INSERT INTO t VALUES (1, 'dup')")
        .await
        .expect_err("duplicate key");
    assert_eq!(err.code().map(|c| c.code()), Some("23505"));
    // After a session ends, its temp table is gone; the permanent one is untouched.
    drop(b);
    let c = connect(&conninfo(port)).await;
    assert_eq!(one(&c, "SELECT count(*) FROM t").await, "1");
    let err = c
        .simple_query("SELECT * FROM pg_temp.t")
        .await
        .expect_err("no temp table in a new session");
    assert_eq!(err.code().map(|c| c.code()), Some("42P01"));
    c.batch_execute("CREATE TEMP TABLE x (v int); INSERT INTO x VALUES (1)")
        .await
        .expect("temp x");
    drop((a, c));

    server.kill9();
    let server = TestServer::start(&args);
    let mut sessions = Vec::new();
    for i in 0..4 {
        let s = connect(&conninfo(server.port)).await;
        s.batch_execute(&format!(
            "CREATE TEMP TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES ({i});
             CREATE TEMP TABLE x (v int)"
        ))
        .await
        .expect("temp tables after restart");
        assert_eq!(one(&s, "SELECT count(*) FROM t").await, "1");
        assert_eq!(one(&s, "SELECT count(*) FROM x").await, "0");
        sessions.push(s);
    }
    assert_eq!(one(&sessions[0], "SELECT who FROM public.t").await, "perm");
}

#[tokio::test]
async fn on_commit_actions_and_rollback() {
    let server = TestServer::start(&["--shards", "2"]);
    let c = connect(&conninfo(server.port)).await;
    c.batch_execute(
        "CREATE TEMP TABLE keep (v int);
         CREATE TEMP TABLE empty (v int) ON COMMIT DELETE ROWS;
         BEGIN;
         INSERT INTO keep VALUES (1);
         INSERT INTO empty VALUES (1);
         CREATE TEMP TABLE gone (v int) ON COMMIT DROP;
         CREATE TEMP TABLE undone (v int);
         COMMIT",
    )
    .await
    .expect("setup");
    assert_eq!(one(&c, "SELECT count(*) FROM keep").await, "1");
    assert_eq!(one(&c, "SELECT count(*) FROM empty").await, "0");
    assert_eq!(one(&c, "SELECT count(*) FROM undone").await, "0");
    let err = c
        .simple_query("SELECT * FROM gone")
        .await
        .expect_err("dropped");
    assert_eq!(err.code().map(|c| c.code()), Some("42P01"));
    c.batch_execute(
        "BEGIN; CREATE TEMP TABLE rolled (v int); INSERT INTO rolled VALUES (1); ROLLBACK",
    )
    .await
    .expect("rolled back block");
    let err = c
        .simple_query("SELECT * FROM rolled")
        .await
        .expect_err("dropped");
    assert_eq!(err.code().map(|c| c.code()), Some("42P01"));
    let err = c
        .simple_query("CREATE TABLE p (v int) ON COMMIT DROP")
        .await
        .expect_err("permanent");
    assert_eq!(err.code().map(|c| c.code()), Some("42P16"));
}

/// Partitions of a temporary table are temporary: they route rows, they are refused when
/// permanent (and the reverse), and altering the temporary parent never writes it into the
/// catalog. It used to: the parent's temporary id then seeded the next permanent id, and the
/// session's next temporary table collided with that table's tree.
#[tokio::test]
async fn temporary_partitions_stay_out_of_the_catalog() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path").to_string();
    let server = TestServer::start(&["--shards", "2", "--data-dir", &data_arg]);
    let c = connect(&conninfo(server.port)).await;
    c.batch_execute(
        "CREATE TEMP TABLE tp (a int) PARTITION BY LIST (a);
         CREATE TEMP TABLE tp2 PARTITION OF tp FOR VALUES IN (2);
         CREATE TEMP TABLE tp3 PARTITION OF tp FOR VALUES IN (3);
         INSERT INTO tp VALUES (2), (3), (3)",
    )
    .await
    .expect("temporary partitions");
    assert_eq!(one(&c, "SELECT count(*) FROM tp3").await, "2");
    assert_eq!(one(&c, "SELECT sum(a) FROM tp").await, "8");
    let err = c
        .batch_execute("CREATE TABLE tp1 PARTITION OF tp FOR VALUES IN (1)")
        .await
        .expect_err("permanent partition of a temporary table");
    let db = err.as_db_error().expect("server error");
    assert_eq!(db.code().code(), "42809");
    assert_eq!(
        db.message(),
        "cannot create a permanent relation as partition of temporary relation \"tp\""
    );
    c.batch_execute(
        "CREATE TABLE perm (i int);
         CREATE TEMP TABLE after1 (i int);
         CREATE TEMP TABLE after2 (i int);
         INSERT INTO after2 VALUES (1)",
    )
    .await
    .expect("temporary tables after a permanent one");
    let other = connect(&conninfo(server.port)).await;
    assert_eq!(
        one(
            &other,
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'tp%'"
        )
        .await,
        "0"
    );
}
