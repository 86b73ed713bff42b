//! Data-modifying statements in WITH (`WITH t AS (DELETE ... RETURNING *) INSERT ...`) over the
//! wire, with rows spread over two shards: each write runs once, the primary statement reads its
//! RETURNING rows but not its changes in the tables, and an error anywhere undoes all of it.
//! Expected values are PostgreSQL 15's.

mod common;

use common::{connect_port as connect, error_code, rows, TestServer};
use tokio_postgres::Client;

async fn one(c: &Client, sql: &str) -> String {
    let r = rows(c, sql).await;
    assert_eq!(r.len(), 1, "{sql}: {r:?}");
    r[0].clone()
}

#[tokio::test]
async fn modifying_ctes_across_shards() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let c = connect(server.port).await;
    c.batch_execute(
        "CREATE TABLE src (id int PRIMARY KEY, v text);
         CREATE TABLE dst (id int PRIMARY KEY, v text);
         CREATE TABLE log (a int);
         INSERT INTO src SELECT g, 'v' || g FROM generate_series(1, 20) g;",
    )
    .await
    .expect("setup");

    // A DELETE feeding an INSERT: rows of both shards move, in one statement.
    let n = c
        .execute(
            "WITH moved AS (DELETE FROM src WHERE id % 2 = 0 RETURNING *) \
             INSERT INTO dst SELECT * FROM moved",
            &[],
        )
        .await
        .expect("move");
    assert_eq!(n, 10);
    assert_eq!(one(&c, "SELECT count(*), sum(id) FROM src").await, "10|100");
    assert_eq!(one(&c, "SELECT count(*), sum(id) FROM dst").await, "10|110");

    // The primary statement fails (23505 on id 2): the CTE's DELETE is undone with it.
    let sql = "WITH moved AS (DELETE FROM src WHERE id < 5 RETURNING *) \
               INSERT INTO dst SELECT * FROM moved UNION ALL SELECT 2, 'dup'";
    assert_eq!(error_code(&c, sql).await, "23505");
    assert_eq!(one(&c, "SELECT count(*) FROM src").await, "10");
    // A later CTE fails: the earlier one's INSERT is undone.
    let sql = "WITH a AS (INSERT INTO log VALUES (1) RETURNING *), \
               b AS (INSERT INTO dst VALUES (2, 'dup') RETURNING *) SELECT * FROM a";
    assert_eq!(error_code(&c, sql).await, "23505");
    assert_eq!(one(&c, "SELECT count(*) FROM log").await, "0");

    // In a block: the statement's changes are the block's; an error fails the block.
    c.batch_execute("BEGIN").await.expect("begin");
    assert_eq!(
        rows(
            &c,
            "WITH a AS (INSERT INTO log VALUES (5) RETURNING *) SELECT a FROM a"
        )
        .await,
        ["5"]
    );
    assert_eq!(rows(&c, "SELECT a FROM log").await, ["5"]);
    let sql = "WITH a AS (INSERT INTO log VALUES (6) RETURNING *) SELECT 1/0 FROM a";
    assert_eq!(error_code(&c, sql).await, "22012");
    assert_eq!(error_code(&c, "SELECT 1").await, "25P02");
    c.batch_execute("ROLLBACK").await.expect("rollback");
    assert_eq!(one(&c, "SELECT count(*) FROM log").await, "0");

    // The primary query sees the table as the statement found it, the changes only through
    // RETURNING.
    c.batch_execute("INSERT INTO log VALUES (1), (2), (3)")
        .await
        .expect("fill");
    assert_eq!(
        one(
            &c,
            "WITH u AS (UPDATE log SET a = a * 10 RETURNING *) \
             SELECT (SELECT sum(a) FROM log), (SELECT sum(a) FROM u)"
        )
        .await,
        "6|60"
    );
    assert_eq!(
        rows(
            &c,
            "WITH u AS (UPDATE log SET a = a + 1 RETURNING *) SELECT a FROM log ORDER BY a"
        )
        .await,
        ["10", "20", "30"]
    );
    assert_eq!(one(&c, "SELECT sum(a) FROM log").await, "63");
    assert_eq!(
        one(
            &c,
            "WITH d AS (DELETE FROM log RETURNING *) SELECT count(*) FROM log"
        )
        .await,
        "3"
    );
    assert_eq!(one(&c, "SELECT count(*) FROM log").await, "0");

    // Each write runs exactly once: unreferenced, or referenced twice.
    c.batch_execute("WITH i AS (INSERT INTO log VALUES (7)) SELECT 1")
        .await
        .expect("unreferenced");
    assert_eq!(
        rows(
            &c,
            "WITH i AS (INSERT INTO log VALUES (8) RETURNING a) SELECT * FROM i, i AS j"
        )
        .await,
        ["8|8"]
    );
    assert_eq!(rows(&c, "SELECT a FROM log ORDER BY a").await, ["7", "8"]);

    // Several writes: one reading another runs after it, also a forward reference under
    // WITH RECURSIVE; earlier SELECT CTEs and a nested WITH are visible inside a write.
    c.batch_execute(
        "TRUNCATE log;
         INSERT INTO log VALUES (1), (2);
         WITH RECURSIVE t1 AS (INSERT INTO dst SELECT a + 100, 'n' FROM t2 RETURNING *),
                        t2 AS (UPDATE log SET a = a * 3 RETURNING *)
           SELECT 1;",
    )
    .await
    .expect("forward reference");
    assert_eq!(rows(&c, "SELECT a FROM log ORDER BY a").await, ["3", "6"]);
    assert_eq!(
        rows(&c, "SELECT id FROM dst WHERE id > 100 ORDER BY id").await,
        ["103", "106"]
    );
    assert_eq!(
        rows(
            &c,
            "WITH s AS (SELECT a * 100 AS a FROM log), \
                  i AS (WITH c AS (SELECT a + 1 AS a FROM s) \
                        INSERT INTO log SELECT a FROM c RETURNING a AS got) \
             SELECT got FROM i ORDER BY got"
        )
        .await,
        ["301", "601"]
    );
    // An UPDATE ... FROM as the primary statement, reading a CTE that deleted on both shards.
    let n = c
        .execute(
            "WITH gone AS (DELETE FROM dst WHERE id > 100 RETURNING id - 100 AS id) \
             UPDATE src SET v = 'touched' FROM gone \
             WHERE src.id = gone.id OR src.id = gone.id + 1",
            &[],
        )
        .await
        .expect("update from a CTE");
    assert_eq!(n, 2, "3 and 7 (src holds the odd ids)");
    assert_eq!(
        rows(&c, "SELECT id FROM src WHERE v = 'touched' ORDER BY id").await,
        ["3", "7"]
    );
    assert_eq!(
        one(&c, "SELECT count(*) FROM dst WHERE id > 100").await,
        "0"
    );
}

#[tokio::test]
async fn modifying_ctes_errors_and_parameters() {
    let server = TestServer::start(&["--shards", "2"]);
    let c = connect(server.port).await;
    c.batch_execute("CREATE TABLE y (a int); INSERT INTO y VALUES (1)")
        .await
        .expect("setup");
    let cases = [
        // Only in the statement's own WITH.
        (
            "SELECT * FROM (WITH t AS (UPDATE y SET a = a + 1 RETURNING *) SELECT * FROM t) s",
            "0A000",
        ),
        (
            "WITH RECURSIVE t AS (INSERT INTO y SELECT * FROM t) VALUES (false)",
            "42P19",
        ),
        (
            "WITH t AS (INSERT INTO y VALUES (0)) SELECT * FROM t",
            "0A000",
        ),
        (
            "CREATE VIEW v AS WITH d AS (DELETE FROM y RETURNING a) SELECT * FROM d",
            "0A000",
        ),
        (
            "WITH t(a, b) AS (DELETE FROM y RETURNING a) SELECT * FROM t",
            "42P10",
        ),
    ];
    for (sql, code) in cases {
        assert_eq!(error_code(&c, sql).await, code, "{sql}");
    }
    assert_eq!(one(&c, "SELECT count(*), sum(a) FROM y").await, "1|1");

    // Parameters in a write and in the primary query, through the extended protocol, and a
    // prepared statement run twice (each execution writes once).
    let st = c
        .prepare("WITH i AS (INSERT INTO y VALUES ($1) RETURNING a) SELECT a * $2::int FROM i")
        .await
        .expect("prepare");
    for (v, want) in [(10, 30), (20, 60)] {
        let r = c.query(&st, &[&v, &3i32]).await.expect("execute");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].get::<_, i32>(0), want);
    }
    assert_eq!(
        rows(&c, "SELECT a FROM y ORDER BY a").await,
        ["1", "10", "20"]
    );
    // A read-only transaction refuses it, naming the primary statement as PostgreSQL does.
    c.batch_execute("BEGIN READ ONLY").await.expect("begin");
    let err = c
        .simple_query("WITH d AS (DELETE FROM y RETURNING a) SELECT * FROM d")
        .await
        .expect_err("read only");
    assert_eq!(
        err.as_db_error().map(|e| e.message()),
        Some("cannot execute SELECT in a read-only transaction")
    );
    c.batch_execute("ROLLBACK").await.expect("rollback");
    assert_eq!(one(&c, "SELECT count(*) FROM y").await, "3");

    // RETURNING of a serial column's default, as a CTE feeding another INSERT and as the
    // primary statement (also with DEFAULT VALUES behind a WITH).
    c.batch_execute(
        "CREATE TABLE parent (id serial PRIMARY KEY, x int);
         CREATE TABLE child (id serial PRIMARY KEY, parent int, note numeric(4,1));",
    )
    .await
    .expect("tables");
    assert_eq!(
        rows(
            &c,
            "WITH p AS (INSERT INTO parent (x) VALUES (10), (20) RETURNING id) \
             INSERT INTO child (parent, note) SELECT id, 1.26 FROM p RETURNING *"
        )
        .await,
        ["1|1|1.3", "2|2|1.3"]
    );
    assert_eq!(
        rows(
            &c,
            "WITH p AS (INSERT INTO parent (x) VALUES (30) RETURNING id) \
             INSERT INTO child DEFAULT VALUES RETURNING id, parent"
        )
        .await,
        ["3|NULL"]
    );
    assert_eq!(
        rows(&c, "SELECT id, x FROM parent ORDER BY id").await,
        ["1|10", "2|20", "3|30"]
    );
}

/// Subqueries in ON CONFLICT DO UPDATE that do not read the rows run once, before the shards
/// see the clause; they may read the statement's WITH queries and tables on both shards.
#[tokio::test]
async fn on_conflict_subqueries() {
    let server = TestServer::start(&["--shards", "2"]);
    let c = connect(server.port).await;
    c.batch_execute(
        "CREATE TABLE kv (k int PRIMARY KEY, v text);
         CREATE TABLE nums (n int PRIMARY KEY);
         INSERT INTO kv VALUES (1, 'one');
         INSERT INTO nums SELECT generate_series(1, 50);
         WITH aa AS (SELECT 1 a, 2 b)
           INSERT INTO kv VALUES (1, 'x')
           ON CONFLICT (k) DO UPDATE SET v = (SELECT b || ' update' FROM aa WHERE a = 1);
         INSERT INTO kv VALUES (2, 'two'), (1, 'y')
           ON CONFLICT (k) DO UPDATE SET v = kv.v || ' ' || (SELECT max(n) FROM nums)::text
           WHERE EXISTS (SELECT 1 FROM nums WHERE n = 49);",
    )
    .await
    .expect("upserts");
    assert_eq!(
        rows(&c, "SELECT k, v FROM kv ORDER BY k").await,
        ["1|2 update 50", "2|two"]
    );
    // One reading the rows is refused rather than run on the shard.
    let sql = "INSERT INTO kv VALUES (1, 'z') ON CONFLICT (k) DO UPDATE \
               SET v = (SELECT v FROM kv AS o WHERE o.k = excluded.k)";
    assert_eq!(error_code(&c, sql).await, "0A000");
}
