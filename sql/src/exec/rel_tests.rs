//! Multi-table plans over fake shards: every base-table scan's rows are split over N
//! partitions, run through the scan plan's two halves, and the statement's plan then runs over
//! the gathered inputs. Results must not depend on N, and equal PostgreSQL 15's answers for the
//! same statements over the same rows (taken from a real server).

use std::sync::Arc;

use crate::bind::{bind, SessionContext, Statement};
use crate::catalog::{Catalog, ColumnDef, TableDef, TableId};
use crate::error::SqlError;
use crate::parse::parse;
use crate::plan::QueryPlan;
use crate::types::{DataType, Value};

struct Ctx(Vec<Arc<TableDef>>);
impl Catalog for Ctx {
    fn table(&self, name: &str) -> Option<Arc<TableDef>> {
        self.0.iter().find(|t| t.name == name).cloned()
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

fn table(id: u64, name: &str, cols: &[(&str, DataType)]) -> Arc<TableDef> {
    Arc::new(TableDef {
        id: TableId(id),
        database: crate::catalog::DEFAULT_DATABASE.into(),
        schema: "public".into(),
        name: name.into(),
        columns: cols.iter().map(|(n, t)| ColumnDef::new(*n, *t)).collect(),
        primary_key: Some(vec![0]),
        ..Default::default()
    })
}

fn ctx() -> Ctx {
    use DataType::*;
    Ctx(vec![
        table(1, "a", &[("id", Int4), ("x", Int4)]),
        table(2, "b", &[("id", Int4), ("aid", Int4), ("y", Text)]),
    ])
}

/// a: (1,10) (2,20) (3,NULL) (4,40); b: (1,1,b1) (2,1,b2) (3,2,b3) (4,5,b4) (5,NULL,b5).
fn data(table: &str) -> Vec<Vec<Value>> {
    let i = |v: i32| Value::Int4(v);
    match table {
        "a" => vec![
            vec![i(1), i(10)],
            vec![i(2), i(20)],
            vec![i(3), Value::Null],
            vec![i(4), i(40)],
        ],
        _ => (1..=5)
            .map(|n| {
                let aid = match n {
                    1 | 2 => i(1),
                    3 => i(2),
                    4 => i(5),
                    _ => Value::Null,
                };
                vec![i(n), aid, Value::Text(format!("b{n}"))]
            })
            .collect(),
    }
}

fn run(q: &QueryPlan, n: usize) -> Result<Vec<String>, SqlError> {
    let mut inputs = Vec::new();
    for scan in &q.scans {
        let name = &scan.source.as_ref().expect("a table scan").table.name;
        let mut parts: Vec<Vec<Vec<Value>>> = vec![Vec::new(); n];
        for (i, r) in data(name).into_iter().enumerate() {
            parts[(i * 7 + 3) % n].push(r);
        }
        let mut partials = Vec::new();
        for p in parts {
            partials.push(scan.shard_rows(p, &crate::expr::Params::default())?);
        }
        inputs.push(scan.finish(partials, &crate::expr::Params::default())?);
    }
    let rows = q.run_with(inputs, &crate::expr::Params::default())?;
    Ok(rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect())
}

fn check(sql: &str) -> Vec<String> {
    let Statement::Query(q) = bind(&parse(sql).expect("parse")[0], &[], &ctx()).expect(sql) else {
        panic!("not a query")
    };
    let one = run(&q, 1).unwrap_or_else(|e| panic!("{sql}: {e}"));
    for n in [2, 3] {
        assert_eq!(run(&q, n).expect("shards"), one, "{sql} on {n} shards");
    }
    one
}

fn err(sql: &str) -> (String, String) {
    let e = match bind(&parse(sql).expect("parse")[0], &[], &ctx()) {
        Ok(Statement::Query(q)) => run(&q, 2).expect_err("error expected"),
        Ok(_) => panic!("not a query"),
        Err(e) => e,
    };
    (e.sqlstate().to_string(), e.to_string())
}

#[test]
fn single_table_queries_keep_the_shard_plan() {
    let Statement::Query(q) = bind(
        &parse("SELECT x FROM a WHERE id = 2").expect("parse")[0],
        &[],
        &ctx(),
    )
    .expect("bind") else {
        panic!()
    };
    assert!(q.source.is_some() && q.scans.is_empty());
}

#[test]
fn inner_and_outer_joins() {
    assert_eq!(
        check("SELECT a.id, b.y FROM a JOIN b ON a.id = b.aid ORDER BY b.id"),
        ["1|b1", "1|b2", "2|b3"]
    );
    assert_eq!(
        check("SELECT a.id, b.y FROM a LEFT JOIN b ON a.id = b.aid ORDER BY a.id, b.id"),
        ["1|b1", "1|b2", "2|b3", "3|NULL", "4|NULL"]
    );
    assert_eq!(
        check("SELECT a.id, b.y FROM a RIGHT JOIN b ON a.id = b.aid ORDER BY b.id"),
        ["1|b1", "1|b2", "2|b3", "NULL|b4", "NULL|b5"]
    );
    assert_eq!(
        check("SELECT a.id, b.id FROM a FULL JOIN b ON a.id = b.aid ORDER BY 1, 2"),
        ["1|1", "1|2", "2|3", "3|NULL", "4|NULL", "NULL|4", "NULL|5"]
    );
    // A WHERE condition on the nullable side filters after the join.
    assert_eq!(
        check("SELECT a.id FROM a LEFT JOIN b ON a.id = b.aid WHERE b.id IS NULL ORDER BY 1"),
        ["3", "4"]
    );
    // An ON condition on the nullable side filters before it.
    assert_eq!(
        check("SELECT a.id, b.y FROM a LEFT JOIN b ON a.id = b.aid AND b.y = 'b2' ORDER BY 1"),
        ["1|b2", "2|NULL", "3|NULL", "4|NULL"]
    );
    assert_eq!(check("SELECT count(*) FROM a, b WHERE a.id < b.id"), ["10"]);
    assert_eq!(
        check("SELECT * FROM a JOIN b USING (id) WHERE id > 3"),
        ["4|40|5|b4"]
    );
}

#[test]
fn subqueries() {
    assert_eq!(
        check("SELECT id, (SELECT count(*) FROM b WHERE b.aid = a.id) FROM a ORDER BY id"),
        ["1|2", "2|1", "3|0", "4|0"]
    );
    assert_eq!(
        check("SELECT id FROM a WHERE id NOT IN (SELECT aid FROM b) ORDER BY id"),
        Vec::<String>::new()
    );
    assert_eq!(
        check("SELECT id, x IN (SELECT aid * 10 FROM b) FROM a ORDER BY id"),
        ["1|t", "2|t", "3|NULL", "4|NULL"]
    );
    assert_eq!(
        check("SELECT id FROM a WHERE EXISTS (SELECT FROM b WHERE b.aid = a.id) ORDER BY 1"),
        ["1", "2"]
    );
    assert_eq!(
        check("SELECT x > ALL (SELECT x FROM a WHERE x < 30) FROM a ORDER BY id"),
        ["f", "f", "NULL", "t"]
    );
    assert_eq!(
        check("SELECT aid, (SELECT x FROM a WHERE a.id = b.aid) FROM b GROUP BY aid ORDER BY 1"),
        ["1|10", "2|20", "5|NULL", "NULL|NULL"]
    );
    assert_eq!(
        err("SELECT (SELECT id FROM b)"),
        (
            "21000".into(),
            "more than one row returned by a subquery used as an expression".into()
        )
    );
}

#[test]
fn set_operations_and_ctes() {
    assert_eq!(
        check("SELECT aid FROM b UNION SELECT id FROM a ORDER BY 1"),
        ["1", "2", "3", "4", "5", "NULL"]
    );
    assert_eq!(
        check("SELECT aid FROM b EXCEPT ALL SELECT id FROM a ORDER BY 1"),
        ["1", "5", "NULL"]
    );
    assert_eq!(
        check("WITH t AS (SELECT id FROM a WHERE x > 10) SELECT count(*) FROM t, b WHERE t.id = b.aid"),
        ["1"]
    );
    assert_eq!(
        check("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 4) SELECT sum(n) FROM r"),
        ["10"]
    );
    assert_eq!(err("SELECT 1 UNION SELECT true").0, "42804");
}

#[test]
fn name_errors() {
    assert_eq!(err("SELECT id FROM a, b").0, "42702");
    assert_eq!(err("SELECT * FROM a, a").0, "42712");
    assert_eq!(err("SELECT c.id FROM a").0, "42P01");
    assert_eq!(
        err("SELECT a.nope FROM a").1,
        "column a.nope does not exist"
    );
}

/// SEARCH/CYCLE clauses, record output and WITH RECURSIVE's checks; every answer was taken from
/// PostgreSQL 15 over the same rows.
#[test]
fn search_and_cycle_clauses() {
    assert_eq!(
        check("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY n SET s SELECT n, s FROM r ORDER BY s"),
        ["1|{(1)}", "2|{(1),(2)}", "3|{(1),(2),(3)}"]
    );
    assert_eq!(
        check(
            "WITH RECURSIVE r(id, up) AS (SELECT id, aid FROM b WHERE id IN (3, 4) UNION ALL \
             SELECT b.id, b.aid FROM b, r WHERE b.id = r.up) \
             SEARCH BREADTH FIRST BY id SET s CYCLE id SET c TO 'yes' DEFAULT 'no' USING p \
             SELECT * FROM r ORDER BY s"
        ),
        [
            "3|2|(0,3)|no|{(3)}",
            "4|5|(0,4)|no|{(4)}",
            "2|1|(1,2)|no|{(3),(2)}",
            "5|NULL|(1,5)|no|{(4),(5)}",
            "1|1|(2,1)|no|{(3),(2),(1)}",
            "1|1|(3,1)|yes|{(3),(2),(1),(1)}"
        ]
    );
    // `*` in the recursive term does not expand to the added columns.
    assert_eq!(
        check("WITH RECURSIVE a AS (SELECT 1 AS b UNION ALL SELECT * FROM a) CYCLE b SET c USING p SELECT * FROM a"),
        ["1|f|{(1)}", "1|t|{(1),(1)}"]
    );
    // Items of a recursive list see each other (forward references).
    assert_eq!(
        check("WITH RECURSIVE x(n) AS (SELECT * FROM y UNION ALL SELECT n + 1 FROM x WHERE n < 3), y(n) AS (VALUES (1)) SELECT * FROM x"),
        ["1", "2", "3"]
    );
    let cases = [
        ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SEARCH DEPTH FIRST BY m SET s SELECT * FROM r",
         "42601", "search column \"m\" not in WITH query column list"),
        ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) CYCLE n, n SET c USING p SELECT * FROM r",
         "42701", "cycle column \"n\" specified more than once"),
        ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) CYCLE n SET c TO true DEFAULT 55 USING p SELECT * FROM r",
         "42804", "CYCLE types boolean and integer cannot be matched"),
        ("WITH r(n) AS (SELECT 1) CYCLE n SET c USING p SELECT * FROM r",
         "42601", "WITH query is not recursive"),
        ("WITH RECURSIVE r(n) AS (SELECT 1 INTERSECT SELECT n FROM r) SELECT * FROM r",
         "42P19", "recursive query \"r\" does not have the form non-recursive-term UNION [ALL] recursive-term"),
        ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT r.n FROM b LEFT JOIN r ON r.n = b.id) SELECT * FROM r",
         "42P19", "recursive reference to query \"r\" must not appear within an outer join"),
        ("WITH RECURSIVE x(n) AS (SELECT 1 UNION ALL SELECT n FROM y), y(n) AS (SELECT 1 UNION ALL SELECT n FROM x) SELECT * FROM x",
         "0A000", "mutual recursion between WITH items is not implemented"),
        ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SEARCH DEPTH FIRST BY n SET c CYCLE n SET c USING p SELECT * FROM r",
         "42601", "search sequence column name and cycle mark column name are the same"),
        ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT n FROM r) SEARCH DEPTH FIRST BY n SET s SELECT * FROM r",
         "0A000", "with a SEARCH or CYCLE clause, the left side of the UNION must be a SELECT"),
    ];
    for (sql, code, message) in cases {
        assert_eq!(err(sql), (code.to_string(), message.to_string()), "{sql}");
    }
}

/// Row constructors compare field by field (PostgreSQL 15's answers).
#[test]
fn row_comparisons() {
    assert_eq!(
        check("SELECT (1, 2) < (1, 3), (1, NULL) = (1, NULL), ROW(1, NULL) < ROW(2, NULL), (1, NULL::int) < (1, 2), (1,2) <> (1,3), (2,1) >= (1,9), (1,2) <= (1,2)"),
        ["t|NULL|t|NULL|t|t|t"]
    );
    assert_eq!(
        check("SELECT row(t.*, 3) FROM (VALUES (1, 'a')) t(x, y)"),
        ["(1,a,3)"]
    );
    // Anonymous records in json: fields f1, f2, ...
    assert_eq!(
        check("SELECT to_json(array[row(1,'a'), row(2,null)]), to_jsonb(array[row(1,'a')])"),
        [r#"[{"f1":1,"f2":"a"},{"f1":2,"f2":null}]|[{"f1": 1, "f2": "a"}]"#]
    );
    assert_eq!(
        err("SELECT (1,2) = (1,2,3)"),
        (
            "42601".into(),
            "unequal number of entries in row expressions".into()
        )
    );
}
