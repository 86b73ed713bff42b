//! Transaction control over the wire: savepoints (and recovering a failed block with ROLLBACK TO),
//! SET TRANSACTION / BEGIN ... ISOLATION LEVEL / READ ONLY and their PostgreSQL errors.

mod common;

use common::connect_port as connect;
use common::TestServer;
use tokio_postgres::error::SqlState;

async fn ints(c: &tokio_postgres::Client, sql: &str) -> Vec<i32> {
    let mut v: Vec<i32> = c
        .query(sql, &[])
        .await
        .expect("query")
        .iter()
        .map(|r| r.get(0))
        .collect();
    v.sort();
    v
}

async fn show(c: &tokio_postgres::Client, name: &str) -> String {
    c.simple_query(&format!("SHOW {name}"))
        .await
        .expect("show")
        .into_iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .expect("a row")
}

fn code(e: &tokio_postgres::Error) -> &str {
    e.code().map_or("none", SqlState::code)
}

#[tokio::test]
async fn savepoints_undo_writes_and_locks_on_every_shard() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let a = connect(server.port).await;
    let b = connect(server.port).await;
    a.batch_execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
        .await
        .expect("create");

    // Writes on both shards inside savepoints; ROLLBACK TO undoes the inner ones only.
    a.batch_execute("BEGIN; INSERT INTO t VALUES (1, 1), (2, 2); SAVEPOINT s1; INSERT INTO t VALUES (3, 3), (4, 4); SAVEPOINT s2; UPDATE t SET v = v * 10; DELETE FROM t WHERE k = 1")
        .await
        .expect("block");
    assert_eq!(ints(&a, "SELECT v FROM t").await, vec![20, 30, 40]);
    a.batch_execute("ROLLBACK TO SAVEPOINT s2")
        .await
        .expect("rollback to s2");
    assert_eq!(ints(&a, "SELECT v FROM t").await, vec![1, 2, 3, 4]);
    a.batch_execute("ROLLBACK TO s1")
        .await
        .expect("rollback to s1");
    assert_eq!(ints(&a, "SELECT k FROM t").await, vec![1, 2]);
    // s1 survives ROLLBACK TO; RELEASE merges into the transaction.
    a.batch_execute("INSERT INTO t VALUES (5, 5); RELEASE s1; COMMIT")
        .await
        .expect("commit");
    assert_eq!(ints(&b, "SELECT k FROM t").await, vec![1, 2, 5]);

    // An error inside a block, then ROLLBACK TO: the block goes on and commits.
    a.batch_execute("BEGIN; INSERT INTO t VALUES (6, 6); SAVEPOINT before_dup")
        .await
        .expect("begin");
    let e = a
        .batch_execute("INSERT INTO t VALUES (7, 7), (1, 1)")
        .await
        .expect_err("duplicate");
    assert_eq!(code(&e), "23505");
    let e = a.batch_execute("SELECT 1").await.expect_err("aborted");
    assert_eq!(code(&e), "25P02");
    let e = a
        .batch_execute("RELEASE before_dup")
        .await
        .expect_err("aborted");
    assert_eq!(code(&e), "25P02");
    let e = a
        .batch_execute("ROLLBACK TO nope")
        .await
        .expect_err("missing");
    assert_eq!(code(&e), "3B001");
    assert_eq!(
        e.as_db_error().map(|d| d.message()),
        Some("savepoint \"nope\" does not exist")
    );
    a.batch_execute("ROLLBACK TO before_dup")
        .await
        .expect("recovers");
    a.batch_execute("INSERT INTO t VALUES (8, 8); COMMIT")
        .await
        .expect("commit");
    assert_eq!(ints(&b, "SELECT k FROM t").await, vec![1, 2, 5, 6, 8]);

    // Locks taken after a savepoint are released by ROLLBACK TO: b can update row 2 at once.
    a.batch_execute("BEGIN; SAVEPOINT s; UPDATE t SET v = 0 WHERE k = 2; ROLLBACK TO s")
        .await
        .expect("lock and roll back");
    b.batch_execute("SET lock_timeout = '2s'; UPDATE t SET v = 22 WHERE k = 2")
        .await
        .expect("not blocked");
    a.batch_execute("COMMIT").await.expect("commit");
    assert_eq!(ints(&b, "SELECT v FROM t WHERE k = 2").await, vec![22]);

    // Settings changed after a savepoint are restored by ROLLBACK TO.
    a.batch_execute("BEGIN; SAVEPOINT s; SET datestyle = 'German'; ROLLBACK TO s")
        .await
        .expect("set");
    assert_eq!(show(&a, "datestyle").await, "ISO, MDY");
    a.batch_execute("COMMIT").await.expect("commit");

    // Outside a block: PostgreSQL's errors.
    for (sql, msg) in [
        (
            "SAVEPOINT x",
            "SAVEPOINT can only be used in transaction blocks",
        ),
        (
            "RELEASE x",
            "RELEASE SAVEPOINT can only be used in transaction blocks",
        ),
        (
            "ROLLBACK TO x",
            "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
        ),
    ] {
        let e = a.batch_execute(sql).await.expect_err(sql);
        assert_eq!(code(&e), "25P01", "{sql}");
        assert_eq!(e.as_db_error().map(|d| d.message()), Some(msg));
    }
}

#[tokio::test]
async fn transaction_characteristics_follow_postgresql() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let c = connect(server.port).await;
    c.batch_execute("CREATE TABLE t (k int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1)")
        .await
        .expect("setup");

    let expect = |sql: &'static str, state: &'static str, msg: &'static str| {
        let c = &c;
        async move {
            let e = c.batch_execute(sql).await.expect_err(sql);
            assert_eq!(code(&e), state, "{sql}");
            assert_eq!(e.as_db_error().map(|d| d.message()), Some(msg), "{sql}");
            c.batch_execute("ROLLBACK").await.expect("rollback");
        }
    };
    expect(
        "BEGIN READ ONLY; INSERT INTO t VALUES (2, 2)",
        "25006",
        "cannot execute INSERT in a read-only transaction",
    )
    .await;
    expect(
        "START TRANSACTION READ ONLY; UPDATE t SET v = 2",
        "25006",
        "cannot execute UPDATE in a read-only transaction",
    )
    .await;
    expect(
        "BEGIN; SET TRANSACTION READ ONLY; DELETE FROM t",
        "25006",
        "cannot execute DELETE in a read-only transaction",
    )
    .await;
    expect(
        "BEGIN READ ONLY; SELECT * FROM t FOR UPDATE",
        "25006",
        "cannot execute SELECT FOR UPDATE in a read-only transaction",
    )
    .await;
    expect(
        "BEGIN; SELECT 1; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "25001",
        "SET TRANSACTION ISOLATION LEVEL must be called before any query",
    )
    .await;
    expect(
        "BEGIN; SAVEPOINT a; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "25001",
        "SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction",
    )
    .await;
    expect(
        "BEGIN READ ONLY; SELECT 1; SET TRANSACTION READ WRITE",
        "25001",
        "transaction read-write mode must be set before any query",
    )
    .await;
    expect(
        "BEGIN READ ONLY; SAVEPOINT a; SET TRANSACTION READ WRITE",
        "25001",
        "cannot set transaction read-write mode inside a read-only transaction",
    )
    .await;

    // A subtransaction's read-only mode ends with it, released or rolled back (PostgreSQL's
    // transactions.sql).
    c.batch_execute(
        "BEGIN; SAVEPOINT x; SET TRANSACTION READ ONLY; SELECT 1; ROLLBACK TO SAVEPOINT x",
    )
    .await
    .expect("x");
    assert_eq!(show(&c, "transaction_read_only").await, "off");
    c.batch_execute("SAVEPOINT y; SET TRANSACTION READ ONLY; SELECT 1; RELEASE SAVEPOINT y")
        .await
        .expect("y");
    assert_eq!(show(&c, "transaction_read_only").await, "off");
    c.batch_execute("INSERT INTO t VALUES (2, 2); ROLLBACK")
        .await
        .expect("writable again");

    // Reads still work in a read-only transaction; the level shows as set.
    c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .expect("begin");
    assert_eq!(show(&c, "transaction_isolation").await, "repeatable read");
    assert_eq!(show(&c, "transaction_read_only").await, "on");
    assert_eq!(ints(&c, "SELECT v FROM t").await, vec![1]);
    c.batch_execute("COMMIT").await.expect("commit");
    assert_eq!(show(&c, "transaction_isolation").await, "read committed");

    // COMMIT / ROLLBACK AND CHAIN start a new block with the same characteristics.
    c.batch_execute(
        "BEGIN ISOLATION LEVEL REPEATABLE READ; INSERT INTO t VALUES (10, 10); COMMIT AND CHAIN",
    )
    .await
    .expect("commit and chain");
    assert_eq!(show(&c, "transaction_isolation").await, "repeatable read");
    c.batch_execute("INSERT INTO t VALUES (11, 11); ROLLBACK AND CHAIN; ROLLBACK")
        .await
        .expect("rollback and chain");
    assert_eq!(ints(&c, "SELECT k FROM t WHERE k >= 10").await, vec![10]);
    let e = c
        .batch_execute("COMMIT AND CHAIN")
        .await
        .expect_err("outside a block");
    assert_eq!(code(&e), "25P01");
    assert_eq!(show(&c, "transaction_deferrable").await, "off");
    // [NOT] DEFERRABLE (sqlparser lacks it; see sql/src/locking.rs).
    c.batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE")
        .await
        .expect("deferrable");
    assert_eq!(show(&c, "transaction_deferrable").await, "on");
    assert_eq!(show(&c, "transaction_read_only").await, "on");
    c.batch_execute("COMMIT; BEGIN NOT DEFERRABLE")
        .await
        .expect("not deferrable");
    assert_eq!(show(&c, "transaction_deferrable").await, "off");
    c.batch_execute("COMMIT").await.expect("commit");

    // Session defaults apply to later transactions, in and out of blocks.
    c.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        .await
        .expect("session characteristics");
    assert_eq!(
        show(&c, "default_transaction_isolation").await,
        "serializable"
    );
    assert_eq!(show(&c, "transaction_isolation").await, "serializable");
    c.batch_execute("BEGIN").await.expect("begin");
    assert_eq!(show(&c, "transaction_isolation").await, "serializable");
    c.batch_execute("COMMIT; SET default_transaction_read_only = on")
        .await
        .expect("commit");
    let e = c
        .batch_execute("INSERT INTO t VALUES (3, 3)")
        .await
        .expect_err("read-only default");
    assert_eq!(code(&e), "25006");
}
