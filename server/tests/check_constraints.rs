//! CHECK constraints survive a kill -9 and a restart: the stored definition (text, re-bound when
//! read) still refuses the rows it refused before, including after a column rename. The behaviour
//! itself is compared with PostgreSQL 15 in regress/sql/check_constraints.sql.

mod common;

use common::{connect, TestServer};

#[tokio::test]
async fn check_constraints_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path").to_string();
    let args = ["--shards", "2", "--data-dir", &data_arg];
    let mut server = TestServer::start(&args);
    let c = connect(&server.conninfo("postgres")).await;
    c.batch_execute(
        "CREATE TABLE t (id int PRIMARY KEY, lo int CHECK (lo >= 0), hi int, CHECK (lo <= hi));
         INSERT INTO t VALUES (1, 0, 5);
         ALTER TABLE t RENAME COLUMN hi TO top;
         ALTER TABLE t ADD CONSTRAINT top_small CHECK (top < 100)",
    )
    .await
    .expect("setup");
    drop(c);
    server.kill9();

    let server = TestServer::start(&args);
    let c = connect(&server.conninfo("postgres")).await;
    for (row, constraint) in [
        ("(2, -1, 5)", "t_lo_check"),
        ("(3, 6, 5)", "t_check"),
        ("(4, 1, 500)", "top_small"),
    ] {
        let err = c
            .batch_execute(&format!("INSERT INTO t VALUES {row}"))
            .await
            .expect_err(row);
        let db = err.as_db_error().expect("server error");
        assert_eq!(db.code().code(), "23514", "{row}");
        assert_eq!(
            db.message(),
            format!("new row for relation \"t\" violates check constraint \"{constraint}\"")
        );
    }
    c.batch_execute("INSERT INTO t VALUES (5, 1, 2); UPDATE t SET top = 50 WHERE id = 5")
        .await
        .expect("rows that pass");
    let err = c
        .batch_execute("UPDATE t SET lo = 60 WHERE id = 5")
        .await
        .expect_err("update");
    assert_eq!(err.code().map(|c| c.code()), Some("23514"));
}
