//! WITH RECURSIVE over the wire: SEARCH and CYCLE clauses (records and arrays of records in
//! PostgreSQL's text format), views that keep them, CREATE RECURSIVE VIEW, and PostgreSQL's
//! errors. Expected rows were taken from PostgreSQL 15 running the same statements.

mod common;

use common::error_code as code;
use common::rows;
use common::{connect, TestServer};

fn conninfo(port: u16) -> String {
    format!("host=127.0.0.1 port={port} user=postgres dbname=postgres")
}

#[tokio::test]
async fn search_and_cycle_clauses_print_as_postgresql() {
    let server = TestServer::start(&["--shards", "2"]);
    let a = connect(&conninfo(server.port)).await;
    a.batch_execute(
        "CREATE TABLE graph (f int, t int, label text, PRIMARY KEY (f, t));
         INSERT INTO graph VALUES (1, 2, 'arc 1 -> 2'), (1, 3, 'arc 1 -> 3'), (2, 3, 'arc 2 -> 3'),
                                  (1, 4, 'arc 1 -> 4'), (4, 5, 'arc 4 -> 5'), (5, 1, 'arc 5 -> 1')",
    )
    .await
    .expect("setup");
    let walk = "WITH RECURSIVE g(f, t, label) AS (SELECT * FROM graph WHERE f = 1 UNION ALL \
                SELECT graph.* FROM graph, g WHERE graph.f = g.t AND g.t <> 1)";
    assert_eq!(
        rows(
            &a,
            &format!(
                "{walk} SEARCH DEPTH FIRST BY f, t SET seq SELECT f, t, seq FROM g ORDER BY seq"
            )
        )
        .await,
        [
            r#"1|2|{"(1,2)"}"#,
            r#"2|3|{"(1,2)","(2,3)"}"#,
            r#"1|3|{"(1,3)"}"#,
            r#"1|4|{"(1,4)"}"#,
            r#"4|5|{"(1,4)","(4,5)"}"#,
            r#"5|1|{"(1,4)","(4,5)","(5,1)"}"#,
        ]
    );
    assert_eq!(
        rows(
            &a,
            &format!(
                "{walk} SEARCH BREADTH FIRST BY f, t SET seq SELECT f, t, seq FROM g ORDER BY seq"
            )
        )
        .await,
        [
            "1|2|(0,1,2)",
            "1|3|(0,1,3)",
            "1|4|(0,1,4)",
            "2|3|(1,2,3)",
            "4|5|(1,4,5)",
            "5|1|(2,5,1)",
        ]
    );
    let cycle = "WITH RECURSIVE g(f, t) AS (SELECT f, t FROM graph WHERE f = 5 UNION ALL \
                 SELECT graph.f, graph.t FROM graph JOIN g ON graph.f = g.t) \
                 CYCLE f, t SET c TO 'Y' DEFAULT 'N' USING p SELECT * FROM g ORDER BY p";
    assert_eq!(
        rows(&a, cycle).await,
        [
            r#"5|1|N|{"(5,1)"}"#,
            r#"1|2|N|{"(5,1)","(1,2)"}"#,
            r#"2|3|N|{"(5,1)","(1,2)","(2,3)"}"#,
            r#"1|3|N|{"(5,1)","(1,3)"}"#,
            r#"1|4|N|{"(5,1)","(1,4)"}"#,
            r#"4|5|N|{"(5,1)","(1,4)","(4,5)"}"#,
            r#"5|1|Y|{"(5,1)","(1,4)","(4,5)","(5,1)"}"#,
        ]
    );
    assert_eq!(
        rows(&a, "SELECT row(1, 'a b', null::int), (2, 'x')").await,
        [r#"(1,"a b",)|(2,x)"#]
    );

    // Views keep their clauses (read from another session); a recursive view is the WITH
    // RECURSIVE query PostgreSQL makes of it; a record column cannot be a view's.
    a.batch_execute(
        "CREATE VIEW loop_view AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT (i % 3) + 1 FROM n)
             CYCLE i SET c USING p SELECT i, c FROM n;
         CREATE RECURSIVE VIEW nums (n) AS VALUES (1) UNION ALL SELECT n + 1 FROM nums WHERE n < 4",
    )
    .await
    .expect("views");
    let b = connect(&conninfo(server.port)).await;
    assert_eq!(
        rows(&b, "SELECT * FROM loop_view").await,
        ["1|f", "2|f", "3|f", "1|t"]
    );
    assert_eq!(rows(&b, "SELECT * FROM nums").await, ["1", "2", "3", "4"]);
    assert_eq!(
        code(
            &b,
            "CREATE VIEW bad AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i FROM n) \
             CYCLE i SET c USING p SELECT * FROM n"
        )
        .await,
        "42P16"
    );

    // PostgreSQL's errors.
    let r = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)";
    for (clause, expected) in [
        ("SEARCH DEPTH FIRST BY m SET s", "42601"),
        ("SEARCH DEPTH FIRST BY n, n SET s", "42701"),
        ("CYCLE n SET c TO true DEFAULT 55 USING p", "42804"),
        (
            "CYCLE n SET c TO point '(1,1)' DEFAULT point '(0,0)' USING p",
            "42883",
        ),
        ("CYCLE n SET c USING c", "42601"),
    ] {
        assert_eq!(
            code(&b, &format!("{r} {clause} SELECT * FROM r")).await,
            expected,
            "{clause}"
        );
    }
    assert_eq!(
        code(
            &b,
            "WITH RECURSIVE r(n) AS (SELECT n FROM r) SELECT * FROM r"
        )
        .await,
        "42P19"
    );
}
