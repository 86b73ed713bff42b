//! Views over the wire: created in one session, read in another (also after a restart), their
//! query bound where they are read, OR REPLACE keeping the columns, and PostgreSQL's errors.

mod common;

use common::error_code as code;
use common::rows;

use common::{connect, TestServer};

fn conninfo(port: u16) -> String {
    format!("host=127.0.0.1 port={port} user=postgres dbname=postgres")
}

#[tokio::test]
async fn views_are_shared_bound_at_use_and_survive_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path").to_string();
    let args = ["--shards", "2", "--data-dir", &data_arg];
    let mut server = TestServer::start(&args);
    let a = connect(&conninfo(server.port)).await;
    a.batch_execute(
        "CREATE TABLE t (id int PRIMARY KEY, g int);
         INSERT INTO t SELECT i, i % 3 FROM generate_series(1, 30) i;
         CREATE VIEW big (k, grp) AS SELECT id, g FROM t WHERE id > 20;
         CREATE VIEW per_group AS SELECT grp, count(*) AS n FROM big GROUP BY grp",
    )
    .await
    .expect("setup");
    let b = connect(&conninfo(server.port)).await;
    assert_eq!(
        rows(&b, "SELECT * FROM per_group ORDER BY grp").await,
        ["0|4", "1|3", "2|3"]
    );
    // Rows written after CREATE VIEW show through it: the query runs at use.
    b.batch_execute("INSERT INTO t VALUES (31, 0)")
        .await
        .expect("insert");
    assert_eq!(
        rows(&a, "SELECT n FROM per_group WHERE grp = 0").await,
        ["5"]
    );
    assert_eq!(
        rows(
            &a,
            "SELECT x.k, t.g FROM big x JOIN t ON t.id = x.k WHERE x.k < 23 ORDER BY 1"
        )
        .await,
        ["21|0", "22|1"]
    );
    assert_eq!(code(&a, "INSERT INTO big VALUES (1, 1)").await, "42809");
    assert_eq!(code(&a, "DROP TABLE big").await, "42809");
    assert_eq!(code(&a, "DROP VIEW t").await, "42809");
    assert_eq!(code(&a, "DROP VIEW nope").await, "42P01");
    assert_eq!(code(&a, "CREATE VIEW big AS SELECT 1").await, "42P07");
    assert_eq!(
        code(&a, "CREATE OR REPLACE VIEW big AS SELECT id FROM t").await,
        "42P16"
    );
    a.batch_execute(
        "CREATE OR REPLACE VIEW big (k, grp, twice) AS SELECT id, g, id * 2 FROM t WHERE id > 29",
    )
    .await
    .expect("replace adding a column");
    assert_eq!(
        rows(&b, "SELECT * FROM big ORDER BY k").await,
        ["30|0|60", "31|0|62"]
    );

    server.kill9();
    let server = TestServer::start(&args);
    let c = connect(&conninfo(server.port)).await;
    assert_eq!(rows(&c, "SELECT sum(n) FROM per_group").await, ["2"]);
    c.batch_execute("DROP VIEW per_group; DROP VIEW IF EXISTS per_group, big")
        .await
        .expect("drop");
    assert_eq!(code(&c, "SELECT * FROM big").await, "42P01");
}
