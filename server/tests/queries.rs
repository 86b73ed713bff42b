//! Single-table queries over rows spread across 2 shards: ORDER BY, LIMIT/OFFSET, DISTINCT,
//! GROUP BY/HAVING and aggregates, with the shards' partial results merged by the router; and
//! table-less sources (generate_series, VALUES) and built-in function calls.
//!
//! The expected rows were produced by PostgreSQL 15.18 running the same statements over the same
//! table (`psql -A -t -F'|' -P null=NULL`); set `PGLITEDB_COMPARE_PG` to a conninfo of a
//! PostgreSQL 15 to re-check them against a live server as well.

mod common;

use common::rows;

use common::TestServer;

use common::{connect, connect_port};

const SETUP: &str =
    "CREATE TABLE t (id int PRIMARY KEY, g int, x bigint, s text, f float8, b bool)";

/// The 200 rows PostgreSQL's `INSERT INTO t SELECT id, CASE WHEN id % 11 = 0 THEN NULL ELSE
/// id % 5 END, CASE WHEN id % 13 = 0 THEN NULL ELSE id * 7 % 100 END, 'k' || (id % 6), id / 4.0,
/// id % 2 = 0 FROM generate_series(1, 200) id` makes.
fn insert_sql() -> String {
    let values: Vec<String> = (1..=200)
        .map(|id: i32| {
            let g = if id % 11 == 0 {
                "NULL".to_string()
            } else {
                (id % 5).to_string()
            };
            let x = if id % 13 == 0 {
                "NULL".to_string()
            } else {
                (id * 7 % 100).to_string()
            };
            format!(
                "({id}, {g}, {x}, 'k{}', {}, {})",
                id % 6,
                f64::from(id) / 4.0,
                id % 2 == 0
            )
        })
        .collect();
    format!("INSERT INTO t VALUES {}", values.join(", "))
}

/// (statement, PostgreSQL 15's rows).
const CASES: &[(&str, &[&str])] = &[
    (
        "SELECT id, x FROM t ORDER BY x DESC NULLS LAST, id LIMIT 5",
        &["57|99", "157|99", "14|98", "114|98", "71|97"],
    ),
    (
        "SELECT id, s FROM t WHERE g = 2 ORDER BY s DESC, id OFFSET 30 LIMIT 4",
        &["12|k0", "42|k0", "72|k0", "102|k0"],
    ),
    (
        "SELECT id FROM t ORDER BY f DESC FETCH FIRST 3 ROWS ONLY",
        &["200", "199", "198"],
    ),
    (
        "SELECT id AS k FROM t WHERE id % 50 = 0 ORDER BY k DESC",
        &["200", "150", "100", "50"],
    ),
    (
        "SELECT DISTINCT s FROM t ORDER BY 1",
        &["k0", "k1", "k2", "k3", "k4", "k5"],
    ),
    (
        "SELECT DISTINCT ON (g) g, id, x FROM t ORDER BY g, x DESC NULLS LAST, id",
        &["0|85|95", "1|71|97", "2|57|99", "3|28|96", "4|14|98", "NULL|99|93"],
    ),
    (
        "SELECT count(*), count(x), sum(x), avg(x), min(s), max(f), sum(f), bool_and(b), bool_or(b) FROM t",
        &["200|185|9080|49.0810810810810811|k0|50|5025|f|t"],
    ),
    (
        "SELECT count(*), sum(x), avg(f), max(s) FROM t WHERE id < 0",
        &["0|NULL|NULL|NULL"],
    ),
    (
        "SELECT g, count(*), sum(x), min(x), max(x), avg(id) FROM t GROUP BY g ORDER BY g",
        &[
            "0|37|1560|0|95|101.8918918918918919",
            "1|36|1551|2|97|99.0555555555555556",
            "2|36|1777|4|99|98.9444444444444444",
            "3|36|1669|1|96|98.8333333333333333",
            "4|37|1657|3|98|101.7027027027027027",
            "NULL|18|866|8|93|104.5000000000000000",
        ],
    ),
    (
        "SELECT s, count(*) AS n FROM t GROUP BY 1 HAVING sum(x) > 1500 ORDER BY n DESC, s",
        &["k0|33", "k3|33", "k4|33", "k5|33"],
    ),
    (
        "SELECT g % 2 AS parity, count(DISTINCT s), sum(DISTINCT g) FROM t GROUP BY parity ORDER BY parity NULLS FIRST",
        &["NULL|6|NULL", "0|6|6", "1|6|4"],
    ),
    (
        "SELECT b, g, count(*) FROM t WHERE g IS NOT NULL GROUP BY b, g ORDER BY count(*) DESC, b, g LIMIT 4",
        &["f|4|19", "t|0|19", "f|0|18", "f|1|18"],
    ),
    (
        "SELECT string_agg(s, ',') FROM t WHERE id = 3",
        &["k3"],
    ),
    (
        "SELECT max(id) - min(id) AS spread, count(*) * 2 FROM t WHERE x > 50",
        &["191|178"],
    ),
    ("SELECT count(*), 1 + 1", &["1|2"]),
    (
        "SELECT g % 3 AS m, count(*), sum(g) FROM generate_series(1, 10) g GROUP BY 1 ORDER BY 1",
        &["0|3|18", "1|4|22", "2|3|15"],
    ),
    (
        "SELECT upper(s) AS u, count(*) FILTER (WHERE b), round(avg(f)) FROM t GROUP BY u ORDER BY u DESC LIMIT 3",
        &["K5|0|25", "K4|33|25", "K3|0|25"],
    ),
    (
        "SELECT y, count(*) FROM (VALUES (1, 'a'), (2, 'b'), (3, 'a')) v(x, y) GROUP BY y ORDER BY 2 DESC, 1",
        &["a|2", "b|1"],
    ),
];

#[tokio::test]
async fn queries_over_two_shards_match_postgres() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let client = connect(&format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres",
        server.port
    ))
    .await;
    client.batch_execute(SETUP).await.expect("create");
    client.batch_execute(&insert_sql()).await.expect("insert");
    let pg = match std::env::var("PGLITEDB_COMPARE_PG") {
        Ok(conninfo) => {
            let pg = connect(&conninfo).await;
            pg.batch_execute(&format!(
                "DROP TABLE IF EXISTS t; {SETUP}; {}",
                insert_sql()
            ))
            .await
            .expect("setup on PostgreSQL");
            Some(pg)
        }
        Err(_) => None,
    };
    for (sql, want) in CASES {
        let got = rows(&client, sql).await;
        assert_eq!(got, *want, "{sql}");
        if let Some(pg) = &pg {
            assert_eq!(got, rows(pg, sql).await, "{sql} against PostgreSQL");
        }
    }
    // Parameters for LIMIT and OFFSET (extended protocol).
    let r = client
        .query(
            "SELECT id FROM t WHERE b ORDER BY id DESC LIMIT $1 OFFSET $2",
            &[&2i64, &1i64],
        )
        .await
        .expect("limit params");
    let ids: Vec<i32> = r.iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, [198, 196]);
}

#[tokio::test]
async fn planner_errors_are_postgres_errors() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let client = connect(&format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres",
        server.port
    ))
    .await;
    client.batch_execute(SETUP).await.expect("create");
    client.batch_execute(&insert_sql()).await.expect("insert");
    let cases = [
        (
            "SELECT id, count(*) FROM t",
            "42803",
            "column \"t.id\" must appear in the GROUP BY clause or be used in an aggregate function",
        ),
        (
            "SELECT id FROM t WHERE sum(x) > 1",
            "42803",
            "aggregate functions are not allowed in WHERE",
        ),
        (
            "SELECT id FROM t ORDER BY 3",
            "42P10",
            "ORDER BY position 3 is not in select list",
        ),
        ("SELECT id FROM t LIMIT -1", "2201W", "LIMIT must not be negative"),
    ];
    for (sql, code, message) in cases {
        let e = client.simple_query(sql).await.expect_err(sql);
        let db = e.as_db_error().expect("database error");
        assert_eq!((db.code().code(), db.message()), (code, message), "{sql}");
    }
    // The session is still usable.
    assert_eq!(rows(&client, "SELECT count(*) FROM t").await, ["200"]);
}

/// A statement that only computes (no lock waits) still ends at `statement_timeout`, whether
/// the time goes on a shard (a table-less series, a filter over a scan) or at the router (a join,
/// a recursion without end), and the session goes on. (2000 × 2000 pairs stay under the join's
/// pair limit, so only the timeout can end the join.)
#[tokio::test]
async fn statement_timeout_ends_cpu_bound_statements() {
    let server = TestServer::start(&["--shards", "2", "--wal-segment-mb", "4"]);
    let client = connect_port(server.port).await;
    client
        .batch_execute("CREATE TABLE big AS SELECT g FROM generate_series(1, 2000) g")
        .await
        .expect("create");
    client
        .batch_execute("SET statement_timeout = '100ms'")
        .await
        .expect("set");
    for sql in [
        "SELECT count(*) FROM generate_series(1, 1000000000)",
        "SELECT count(*) FROM big a, big b WHERE a.g + b.g < 0",
        "WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT n % 100000 + 1 FROM t, generate_series(1, 3)) \
         SELECT count(*) FROM t",
    ] {
        let started = std::time::Instant::now();
        let e = client.simple_query(sql).await.expect_err(sql);
        let db = e.as_db_error().expect("database error");
        assert_eq!(
            (db.code().code(), db.message()),
            ("57014", "canceling statement due to statement timeout"),
            "{sql}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{sql}");
    }
    client
        .batch_execute("SET statement_timeout = 0")
        .await
        .expect("reset");
    assert_eq!(rows(&client, "SELECT count(*) FROM big").await, ["2000"]);
}
