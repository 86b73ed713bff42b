//! Binding data-modifying CTEs (`modifying.rs`): the run order, the placeholders and filling
//! them, and the errors PostgreSQL raises.

use super::tests::bind_table;
use super::*;
use crate::expr::Params;
use crate::plan::Rel;
use crate::types::Value;

fn with_writes(sql: &str) -> WithWrites {
    match bind_table(sql).expect(sql) {
        Statement::WithWrites(w) => *w,
        other => panic!("{sql}: not a statement with data-modifying CTEs: {other:?}"),
    }
}

fn has_placeholder(stmt: &mut Statement, id: usize) -> bool {
    let mut found = false;
    stmt.rels_mut(&mut |r| found |= *r == Rel::Cte(id));
    found
}

#[test]
fn writes_run_after_the_writes_they_read_and_fill_their_readers() {
    // `i` reads `d`, so `d` runs first although it comes later under WITH RECURSIVE; the
    // unreferenced `u` still runs (last: list order otherwise).
    let mut w = with_writes(
        "WITH RECURSIVE i AS (INSERT INTO accounts SELECT aid + 100, 0, abalance FROM d RETURNING aid), \
         d AS (DELETE FROM accounts WHERE aid < 3 RETURNING aid, abalance), \
         u AS (UPDATE accounts SET abalance = 0) \
         SELECT d.aid, d.abalance FROM d ORDER BY 1",
    );
    let names: Vec<&str> = w.writes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["d", "i", "u"]);
    assert!(matches!(w.writes[0].stmt, Statement::Returning { .. }));
    assert!(matches!(w.writes[2].stmt, Statement::Update(_)));
    assert!(has_placeholder(&mut w.writes[1].stmt, 0));
    assert!(has_placeholder(&mut w.main, 0));
    assert!(!has_placeholder(&mut w.main, 1));
    let rows = vec![
        vec![Value::Int4(2), Value::Int8(20)],
        vec![Value::Int4(1), Value::Int8(10)],
    ];
    w.fill(0, rows);
    assert!(!has_placeholder(&mut w.writes[1].stmt, 0));
    let Statement::Query(q) = &w.main else {
        panic!("a query")
    };
    let out = q.execute(&Params::default()).expect("run");
    assert_eq!(
        out,
        [
            vec![Value::Int4(1), Value::Int8(10)],
            vec![Value::Int4(2), Value::Int8(20)]
        ]
    );
}

#[test]
fn placements_and_references_postgres_refuses() {
    let cases = [
        (
            "SELECT * FROM (WITH t AS (DELETE FROM accounts RETURNING *) SELECT * FROM t) s",
            "0A000",
            Some(21),
        ),
        (
            "WITH t AS (DELETE FROM accounts) SELECT * FROM t",
            "0A000",
            Some(48),
        ),
        (
            "WITH RECURSIVE t AS (INSERT INTO accounts SELECT * FROM t) SELECT 1",
            "42P19",
            Some(16),
        ),
        (
            "WITH t(a, b, c, d) AS (DELETE FROM accounts RETURNING *) SELECT 1",
            "42P10",
            Some(6),
        ),
    ];
    for (sql, code, position) in cases {
        let e = bind_table(sql).expect_err(sql);
        assert_eq!((e.sqlstate(), e.position()), (code, position), "{sql}");
    }
}
