//! Fake shards: rows split into N partitions, `shard_rows` on each, `finish` over the answers.
//! Results must equal the single-partition answer for every N, and the expected values (taken
//! from PostgreSQL 15 running the same statements over the same rows) where given.

use std::sync::Arc;

use crate::expr::Params;

use crate::bind::{bind, SessionContext, Statement};
use crate::catalog::{Catalog, ColumnDef, TableDef, TableId};
use crate::error::SqlError;
use crate::parse::parse;
use crate::plan::QueryPlan;
use crate::types::{DataType, Value};

struct Ctx(Arc<TableDef>);
impl Catalog for Ctx {
    fn table(&self, name: &str) -> Option<Arc<TableDef>> {
        (name == self.0.name).then(|| self.0.clone())
    }
}
impl SessionContext for Ctx {
    fn setting(&self, _: &str) -> Option<String> {
        None
    }
    fn version(&self) -> String {
        String::new()
    }
    fn catalog(&self) -> &dyn Catalog {
        self
    }
}

/// `t (id int PRIMARY KEY, g int, x bigint, s text)`.
fn table() -> Arc<TableDef> {
    let col = |name: &str, ty| ColumnDef::new(name, ty);
    Arc::new(TableDef {
        database: crate::catalog::DEFAULT_DATABASE.into(),
        id: TableId(1),
        schema: "public".into(),
        name: "t".into(),
        columns: vec![
            col("id", DataType::Int4),
            col("g", DataType::Int4),
            col("x", DataType::Int8),
            col("s", DataType::Text),
        ],
        primary_key: Some(vec![0]),
        ..Default::default()
    })
}

/// 20 rows: g = id % 3 (NULL when id % 7 = 0), x = id * 10 (NULL when id % 5 = 0),
/// s = 'r' || (id % 4).
fn rows() -> Vec<Vec<Value>> {
    (1..=20)
        .map(|id: i32| {
            vec![
                Value::Int4(id),
                if id % 7 == 0 {
                    Value::Null
                } else {
                    Value::Int4(id % 3)
                },
                if id % 5 == 0 {
                    Value::Null
                } else {
                    Value::Int8(i64::from(id) * 10)
                },
                Value::Text(format!("r{}", id % 4)),
            ]
        })
        .collect()
}

fn plan(sql: &str) -> Result<QueryPlan, SqlError> {
    match bind(&parse(sql)?[0], &[], &Ctx(table()))? {
        Statement::Query(q) => Ok(q),
        other => panic!("not a query: {other:?}"),
    }
}

/// Runs over `n` fake shards (row i goes to shard i % n, reversed on odd shards so arrival
/// order differs from the one-shard run).
fn run_on(q: &QueryPlan, n: usize, params: &Params) -> Result<Vec<Vec<Value>>, SqlError> {
    let mut parts: Vec<Vec<Vec<Value>>> = vec![Vec::new(); n];
    for (i, r) in rows().into_iter().enumerate() {
        parts[i % n].push(r);
    }
    let mut partials = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        let p: Vec<_> = if i % 2 == 1 {
            p.into_iter().rev().collect()
        } else {
            p
        };
        partials.push(q.shard_rows(p, params)?);
    }
    partials.reverse();
    q.finish(partials, params)
}

fn text(rows: &[Vec<Value>]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// The result as text, checked to be the same on 1, 2, 3 and 7 shards (as a multiset when the
/// query has no ORDER BY, by count when it has a LIMIT but no ORDER BY).
fn check(sql: &str, params: &[Value]) -> Vec<String> {
    let params = &Params::from(params.to_vec());
    let q = plan(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let one = text(&run_on(&q, 1, params).expect("one shard"));
    for n in [2, 3, 7] {
        let mut many = text(&run_on(&q, n, params).expect("shards"));
        let mut expect = one.clone();
        if q.order.is_empty() {
            many.sort();
            expect.sort();
            if q.limit.is_some() {
                // Which rows a LIMIT without ORDER BY returns is unspecified; only the count is.
                assert_eq!(many.len(), expect.len(), "{sql} on {n} shards");
                continue;
            }
        }
        assert_eq!(many, expect, "{sql} on {n} shards");
    }
    one
}

fn err(sql: &str) -> (String, String) {
    let e = match plan(sql) {
        Ok(q) => run_on(&q, 2, &Params::default()).expect_err("error expected"),
        Err(e) => e,
    };
    (e.sqlstate().to_string(), e.to_string())
}

#[test]
fn order_by_limit_offset() {
    assert_eq!(
        check("SELECT id, x FROM t ORDER BY x DESC, id LIMIT 4", &[]),
        ["5|NULL", "10|NULL", "15|NULL", "20|NULL"]
    );
    assert_eq!(
        check(
            "SELECT id FROM t ORDER BY x NULLS FIRST, id DESC LIMIT 3 OFFSET 2",
            &[]
        ),
        ["10", "5", "1"]
    );
    assert_eq!(
        check("SELECT id AS k, x FROM t WHERE id < 5 ORDER BY k DESC", &[]),
        ["4|40", "3|30", "2|20", "1|10"]
    );
    assert_eq!(
        check("SELECT s, id FROM t ORDER BY 1, 2 DESC LIMIT 2", &[]),
        ["r0|20", "r0|16"]
    );
    assert_eq!(
        check("SELECT id FROM t ORDER BY id - 2 * id OFFSET 18", &[]),
        ["2", "1"]
    );
    assert_eq!(
        check("SELECT id FROM t ORDER BY id FETCH FIRST 2 ROWS ONLY", &[]),
        ["1", "2"]
    );
    assert_eq!(
        check(
            "SELECT g, id FROM t ORDER BY g USING >, id USING < LIMIT 3",
            &[]
        ),
        ["NULL|7", "NULL|14", "2|2"]
    );
    assert_eq!(check("SELECT id FROM t LIMIT ALL", &[]).len(), 20);
    assert_eq!(check("SELECT id FROM t LIMIT 3", &[]).len(), 3);
    assert_eq!(check("SELECT id FROM t LIMIT NULL", &[]).len(), 20);
    assert_eq!(
        check(
            "SELECT id FROM t ORDER BY id LIMIT $1 OFFSET $2",
            &[Value::Int8(2), Value::Int8(5)]
        ),
        ["6", "7"]
    );
}

#[test]
fn distinct() {
    assert_eq!(
        check("SELECT DISTINCT s FROM t ORDER BY s", &[]),
        ["r0", "r1", "r2", "r3"]
    );
    assert_eq!(
        check("SELECT DISTINCT g FROM t ORDER BY 1 DESC", &[]),
        ["NULL", "2", "1", "0"]
    );
    assert_eq!(
        check(
            "SELECT DISTINCT ON (s) s, id FROM t ORDER BY s, id DESC",
            &[]
        ),
        ["r0|20", "r1|17", "r2|18", "r3|19"]
    );
    assert_eq!(check("SELECT DISTINCT g, s FROM t", &[]).len(), 14);
}

#[test]
fn aggregates() {
    assert_eq!(
        check(
            "SELECT count(*), count(x), sum(x), min(s), max(id), avg(id) FROM t",
            &[]
        ),
        ["20|16|1600|r0|20|10.5000000000000000"]
    );
    assert_eq!(
        check("SELECT count(*), sum(x), max(s) FROM t WHERE id > 100", &[]),
        ["0|NULL|NULL"]
    );
    assert_eq!(
        check(
            "SELECT g, count(*), sum(x) AS total FROM t GROUP BY g ORDER BY g NULLS FIRST",
            &[]
        ),
        ["NULL|2|210", "0|6|480", "1|6|530", "2|6|380"]
    );
    assert_eq!(
        check(
            "SELECT g % 2 AS p, count(*) FROM t GROUP BY 1 ORDER BY p",
            &[]
        ),
        ["0|12", "1|6", "NULL|2"]
    );
    assert_eq!(
        check(
            "SELECT s, count(*) FROM t GROUP BY s HAVING sum(id) > 50 ORDER BY count(*) DESC, s",
            &[]
        ),
        ["r0|5", "r3|5"]
    );
    assert_eq!(
        check(
            "SELECT s FROM t GROUP BY s HAVING min(id) < 3 ORDER BY max(id)",
            &[]
        ),
        ["r1", "r2"]
    );
    assert_eq!(
        check(
            "SELECT count(DISTINCT g), count(DISTINCT s), sum(DISTINCT g) FROM t",
            &[]
        ),
        ["3|4|3"]
    );
    assert_eq!(
        check(
            "SELECT g, sum(id) + 1 FROM t WHERE g IS NOT NULL GROUP BY g ORDER BY 1",
            &[]
        ),
        ["0|64", "1|64", "2|64"]
    );
    assert_eq!(
        check(
            "SELECT count(*) FILTER (WHERE x > 100), sum(id) FILTER (WHERE s = 'r1'), count(DISTINCT g) FILTER (WHERE id > 10) FROM t",
            &[]
        ),
        ["8|45|3"]
    );
    assert_eq!(
        check(
            "SELECT g, string_agg(s || id, ',' ORDER BY id DESC), array_agg(DISTINCT s ORDER BY s) FROM t WHERE id < 9 GROUP BY g ORDER BY g",
            &[]
        ),
        ["0|r26,r33|{r2,r3}", "1|r04,r11|{r0,r1}", "2|r08,r15,r22|{r0,r1,r2}", "NULL|r37|{r3}"]
    );
    assert_eq!(
        check("SELECT count(*) FROM t GROUP BY g HAVING false", &[]).len(),
        0
    );
    assert_eq!(
        check("SELECT 1 AS one FROM t GROUP BY g ORDER BY 1", &[]).len(),
        4
    );
}

#[test]
fn function_calls() {
    assert_eq!(
        check(
            "SELECT length(s) + g, abs(-id) FROM t ORDER BY 2 DESC LIMIT 2",
            &[]
        ),
        ["4|20", "3|19"]
    );
    assert_eq!(
        check(
            "SELECT upper(s) AS u, count(*) FROM t GROUP BY u ORDER BY u",
            &[]
        ),
        ["R0|5", "R1|5", "R2|5", "R3|5"]
    );
    assert_eq!(
        check(
            "SELECT lower(upper(s)), max(abs(x)) FROM t GROUP BY upper(s) ORDER BY 2",
            &[]
        ),
        ["r0|160", "r1|170", "r2|180", "r3|190"]
    );
}

#[test]
fn table_aliases() {
    assert_eq!(
        check(
            "SELECT i.id, i.s FROM t i WHERE i.g = 1 ORDER BY i.id DESC LIMIT 2",
            &[]
        ),
        ["19|r3", "16|r0"]
    );
    let q = plan("SELECT t.id, x.s FROM t x").expect_err("t is hidden by its alias");
    assert_eq!(q.sqlstate(), "42P01");
    let q = plan("SELECT t.id, t.s AS n FROM t").expect("plan");
    assert_eq!(q.columns[0].0, "id");
    assert_eq!(q.columns[1].0, "n");
    assert_eq!(
        check("SELECT a.* FROM t AS a WHERE a.id = 3", &[]),
        ["3|0|30|r3"]
    );
    assert_eq!(
        err("SELECT i.id, count(*) FROM t i").1,
        "column \"i.id\" must appear in the GROUP BY clause or be used in an aggregate function"
    );
}

#[test]
fn table_less_queries() {
    let q = plan("SELECT count(*), 1 + 1").expect("plan");
    assert_eq!(text(&q.execute(&Params::default()).expect("run")), ["1|2"]);
    let run = |sql: &str| {
        text(
            &plan(sql)
                .expect(sql)
                .execute(&Params::default())
                .expect(sql),
        )
    };
    assert_eq!(
        run("SELECT sum(g), count(*) FROM generate_series(1, 10) g WHERE g > 3"),
        ["49|7"]
    );
    assert_eq!(
        run("SELECT x FROM generate_series(5, 1, -2) AS s(x) ORDER BY x"),
        ["1", "3", "5"]
    );
    assert_eq!(
        run("SELECT generate_series FROM generate_series(1, 3) ORDER BY 1 DESC LIMIT 1"),
        ["3"]
    );
    assert_eq!(
        run("SELECT sum(NULL::int4) FROM generate_series(1, 3)"),
        ["NULL"]
    );
    assert_eq!(
        run("SELECT x, y FROM (VALUES (1, 'a'), (2, NULL), (3, 'c')) AS v(x, y) WHERE x > 1 ORDER BY x DESC"),
        ["3|c", "2|NULL"]
    );
    assert_eq!(
        run("SELECT sum(column1), max(column2) FROM (VALUES (1, 2.5), (2, 1)) v"),
        ["3|2.5"]
    );
    assert_eq!(
        run("SELECT avg(x::float8) FROM (VALUES ('1'), ('infinity')) v(x)"),
        ["Infinity"]
    );
    assert_eq!(
        plan("SELECT g, count(*) FROM generate_series(1, 3) g")
            .expect_err("ungrouped")
            .to_string(),
        "column \"g.g\" must appear in the GROUP BY clause or be used in an aggregate function"
    );
    assert!(run("SELECT 1 WHERE false").is_empty());
    assert_eq!(run("SELECT 1 AS a WHERE 1 < 2"), ["1"]);
    assert_eq!(run("SELECT count(*) WHERE false"), ["0"]);
    let q = plan("SELECT 1 LIMIT 0").expect("plan");
    assert!(q.execute(&Params::default()).expect("run").is_empty());
    let q = plan("SELECT 1 AS a ORDER BY a OFFSET 1").expect("plan");
    assert!(q.execute(&Params::default()).expect("run").is_empty());
}

#[test]
fn errors_match_postgres() {
    let grouping = |c: &str| {
        (
            "42803".to_string(),
            format!("column \"t.{c}\" must appear in the GROUP BY clause or be used in an aggregate function"),
        )
    };
    assert_eq!(err("SELECT id, count(*) FROM t"), grouping("id"));
    assert_eq!(err("SELECT g, x FROM t GROUP BY g"), grouping("x"));
    assert_eq!(
        err("SELECT g FROM t GROUP BY g ORDER BY id"),
        grouping("id")
    );
    assert_eq!(err("SELECT count(*) FROM t HAVING id > 1"), grouping("id"));
    assert_eq!(
        err("SELECT id FROM t WHERE count(*) > 1"),
        (
            "42803".into(),
            "aggregate functions are not allowed in WHERE".into()
        )
    );
    assert_eq!(
        err("SELECT sum(count(*)) FROM t"),
        (
            "42803".into(),
            "aggregate function calls cannot be nested".into()
        )
    );
    assert_eq!(
        err("SELECT count(*) FROM t GROUP BY count(*)"),
        (
            "42803".into(),
            "aggregate functions are not allowed in GROUP BY".into()
        )
    );
    assert_eq!(
        err("SELECT id FROM t ORDER BY 3"),
        (
            "42P10".into(),
            "ORDER BY position 3 is not in select list".into()
        )
    );
    assert_eq!(
        err("SELECT id FROM t GROUP BY 2"),
        (
            "42P10".into(),
            "GROUP BY position 2 is not in select list".into()
        )
    );
    assert_eq!(
        err("SELECT DISTINCT g FROM t ORDER BY id"),
        (
            "42P10".into(),
            "for SELECT DISTINCT, ORDER BY expressions must appear in select list".into()
        )
    );
    assert_eq!(
        err("SELECT DISTINCT ON (g) g, id FROM t ORDER BY id"),
        (
            "42P10".into(),
            "SELECT DISTINCT ON expressions must match initial ORDER BY expressions".into()
        )
    );
    assert_eq!(
        err("SELECT id FROM t LIMIT -1"),
        ("2201W".into(), "LIMIT must not be negative".into())
    );
    assert_eq!(
        err("SELECT id FROM t OFFSET -1"),
        ("2201X".into(), "OFFSET must not be negative".into())
    );
    assert_eq!(
        err("SELECT sum(s) FROM t"),
        ("42883".into(), "function sum(text) does not exist".into())
    );
    // Positions as PostgreSQL reports them (1-based characters).
    for (sql, at) in [
        ("SELECT id FROM t ORDER BY 5", 27),
        ("SELECT id, count(*) FROM t", 8),
        ("SELECT g FROM t GROUP BY g ORDER BY id", 37),
        ("SELECT count(*) FROM t HAVING id > 1", 31),
        ("SELECT sum(count(*)) FROM t", 12),
        ("SELECT count(*) FROM t GROUP BY count(*)", 33),
        ("SELECT DISTINCT g FROM t ORDER BY id", 35),
        ("SELECT DISTINCT ON (g) g, id FROM t ORDER BY id", 21),
    ] {
        let e = plan(sql).expect_err(sql);
        assert_eq!(e.position(), Some(at), "{sql}");
    }
}
