//! Tables over the wire: DDL, INSERT, SELECT with point lookups and scans across shards, constraint
//! errors, survival of kill -9, and pgbench point selects in every protocol.

mod common;

use common::TestServer;
use tokio_postgres::error::SqlState;

use common::connect_port as connect;

#[tokio::test]
async fn rows_are_spread_over_shards_and_found_again() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let client = connect(server.port).await;
    client
        .batch_execute("CREATE TABLE accounts (aid int PRIMARY KEY, bid int NOT NULL, abalance bigint, note text)")
        .await
        .expect("create");
    let insert = client
        .prepare("INSERT INTO accounts VALUES ($1, $2, $3, $4)")
        .await
        .expect("prepare insert");
    for aid in 1..=200i32 {
        let note = (aid % 7 == 0).then(|| format!("n{aid}"));
        let n = client
            .execute(&insert, &[&aid, &(aid % 4), &(i64::from(aid) * 100), &note])
            .await
            .expect("insert");
        assert_eq!(n, 1);
    }
    // Point lookups (routed to one shard) with a binary parameter and binary results.
    for aid in [1i32, 77, 200] {
        let row = client
            .query_one(
                "SELECT abalance, note FROM accounts WHERE aid = $1",
                &[&aid],
            )
            .await
            .expect("lookup");
        assert_eq!(row.get::<_, i64>(0), i64::from(aid) * 100);
        assert_eq!(
            row.get::<_, Option<String>>(1),
            (aid % 7 == 0).then(|| format!("n{aid}"))
        );
    }
    assert!(client
        .query_opt("SELECT aid FROM accounts WHERE aid = 999", &[])
        .await
        .expect("miss")
        .is_none());
    // A scan over every shard with a filter evaluated on the shards.
    let rows = client
        .query(
            "SELECT aid FROM accounts WHERE bid = 3 AND abalance > 10000",
            &[],
        )
        .await
        .expect("scan");
    let mut aids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    aids.sort_unstable();
    let want: Vec<i32> = (101..=200).filter(|a| a % 4 == 3).collect();
    assert_eq!(aids, want);

    // Constraint errors with PostgreSQL's SQLSTATEs, messages and details.
    let e = client
        .execute("INSERT INTO accounts VALUES (5, 1, 0, NULL)", &[])
        .await
        .expect_err("dup");
    assert_eq!(e.code(), Some(&SqlState::UNIQUE_VIOLATION));
    let db = e.as_db_error().expect("db error");
    assert_eq!(
        db.message(),
        "duplicate key value violates unique constraint \"accounts_pkey\""
    );
    assert_eq!(db.detail(), Some("Key (aid)=(5) already exists."));
    let e = client
        .execute("INSERT INTO accounts (aid) VALUES (1000)", &[])
        .await
        .expect_err("not null");
    assert_eq!(e.code(), Some(&SqlState::NOT_NULL_VIOLATION));
    assert_eq!(
        e.as_db_error().and_then(|d| d.detail()),
        Some("Failing row contains (1000, null, null, null).")
    );
    let e = client
        .batch_execute("CREATE TABLE accounts (a int)")
        .await
        .expect_err("exists");
    assert_eq!(e.code(), Some(&SqlState::DUPLICATE_TABLE));
    let e = client
        .query("SELECT nope FROM accounts", &[])
        .await
        .expect_err("column");
    assert_eq!(e.code(), Some(&SqlState::UNDEFINED_COLUMN));
    // UPDATE and DELETE, by key (one shard) and by scan (all shards).
    let n = client
        .execute(
            "UPDATE accounts SET abalance = abalance + $1 WHERE aid = $2",
            &[&5i64, &10i32],
        )
        .await
        .expect("update by key");
    assert_eq!(n, 1);
    let row = client
        .query_one("SELECT abalance FROM accounts WHERE aid = 10", &[])
        .await
        .expect("read back");
    assert_eq!(row.get::<_, i64>(0), 1005);
    let n = client
        .execute("UPDATE accounts SET note = 'even' WHERE bid = 2", &[])
        .await
        .expect("update by scan");
    assert_eq!(n, 50);
    let n = client
        .execute("DELETE FROM accounts WHERE aid > 150", &[])
        .await
        .expect("delete by scan");
    assert_eq!(n, 50);
    let n = client
        .execute("DELETE FROM accounts WHERE aid = $1", &[&3i32])
        .await
        .expect("delete by key");
    assert_eq!(n, 1);
    assert_eq!(
        client
            .query("SELECT aid FROM accounts", &[])
            .await
            .expect("count")
            .len(),
        149
    );
    let e = client
        .execute("UPDATE accounts SET bid = NULL WHERE aid = 1", &[])
        .await
        .expect_err("not null");
    assert_eq!(e.code(), Some(&SqlState::NOT_NULL_VIOLATION));

    // A table without a primary key keeps rows on the inserting session's core.
    client
        .batch_execute(
            "CREATE TABLE history (tid int, delta int); INSERT INTO history VALUES (1, 5), (2, -5)",
        )
        .await
        .expect("history");
    let rows = client
        .query("SELECT delta FROM history", &[])
        .await
        .expect("history rows");
    assert_eq!(rows.len(), 2);
    client
        .batch_execute("DROP TABLE history")
        .await
        .expect("drop");
    let e = client
        .query("SELECT * FROM history", &[])
        .await
        .expect_err("dropped");
    assert_eq!(e.code(), Some(&SqlState::UNDEFINED_TABLE));
}

#[tokio::test]
async fn committed_rows_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path").to_string();
    let args = [
        "--shards",
        "2",
        "--wal-segment-mb",
        "4",
        "--data-dir",
        &data_arg,
    ];
    let mut server = TestServer::start(&args);
    let client = connect(server.port).await;
    client
        .batch_execute("CREATE TABLE t (k int PRIMARY KEY, v text)")
        .await
        .expect("create");
    for k in 0..100i32 {
        client
            .execute("INSERT INTO t VALUES ($1, $2)", &[&k, &format!("v{k}")])
            .await
            .expect("insert");
    }
    drop(client);
    server.kill9();
    let server = TestServer::start(&args);
    let client = connect(server.port).await;
    let rows = client
        .query("SELECT k, v FROM t", &[])
        .await
        .expect("after restart");
    assert_eq!(
        rows.len(),
        100,
        "every acknowledged insert must survive kill -9"
    );
    for r in rows {
        let k: i32 = r.get(0);
        assert_eq!(r.get::<_, &str>(1), format!("v{k}"));
    }
}

#[test]
fn pgbench_point_updates_and_selects_in_every_protocol() {
    let server = TestServer::start(&["--wal-segment-mb", "4"]);
    let out = server.psql(
        "postgres",
        None,
        &["-c", "CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, abalance int)", "-c",
          "INSERT INTO pgbench_accounts VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50), (6, 60), (7, 70), (8, 80)"],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("point.sql");
    std::fs::write(
        &script,
        "\\set aid random(1, 8)\n\\set delta random(-5, 5)\nUPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;\nSELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n",
    )
    .expect("script");
    for mode in ["simple", "extended", "prepared"] {
        server.pgbench(&script, mode, &["-c", "4", "-t", "100"]);
    }
}
