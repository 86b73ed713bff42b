//! `generate_series` over numeric and timestamps; expected rows and errors from PostgreSQL 15.18.

use std::sync::Arc;

use crate::bind::{bind, SessionContext, Statement};
use crate::catalog::{Catalog, TableDef};
use crate::error::SqlError;
use crate::expr::Params;
use crate::parse::parse;

struct NoTables;
impl Catalog for NoTables {
    fn table(&self, _: &str) -> Option<Arc<TableDef>> {
        None
    }
}
impl SessionContext for NoTables {
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

fn run(sql: &str) -> Result<Vec<String>, SqlError> {
    let Statement::Query(q) = bind(&parse(sql)?[0], &[], &NoTables)? else {
        panic!("not a query: {sql}");
    };
    Ok(q.execute(&Params::default())?
        .iter()
        .map(|r| r[0].to_text().unwrap_or_else(|| "NULL".into()))
        .collect())
}

#[test]
fn numeric_series() {
    let ok = |sql| run(sql).expect(sql);
    assert_eq!(
        ok("SELECT * FROM generate_series(0.1::numeric, 4.0::numeric, 1.3::numeric)"),
        ["0.1", "1.4", "2.7", "4.0"]
    );
    assert_eq!(
        ok("SELECT * FROM generate_series(4.0::numeric, -1.5::numeric, -2.2::numeric)"),
        ["4.0", "1.8", "-0.4"]
    );
    assert_eq!(ok("SELECT * FROM generate_series(1, 2.5)"), ["1", "2"]);
    let err = |sql| run(sql).expect_err(sql).to_string();
    assert_eq!(
        err("SELECT * FROM generate_series(-100::numeric, 100::numeric, 0::numeric)"),
        "step size cannot equal zero"
    );
    assert_eq!(
        err("SELECT * FROM generate_series('nan'::numeric, 100::numeric, 'nan'::numeric)"),
        "start value cannot be NaN"
    );
    assert_eq!(
        err("SELECT * FROM generate_series(0::numeric, 'inf'::numeric)"),
        "stop value cannot be infinity"
    );
    assert_eq!(
        err("SELECT * FROM generate_series(1.5::float8, 3)"),
        "function generate_series(double precision, integer) does not exist"
    );
}

#[test]
fn timestamp_series() {
    assert_eq!(
        run("SELECT * FROM generate_series('2020-01-31'::timestamp, '2020-04-01', '1 month')")
            .expect("series"),
        [
            "2020-01-31 00:00:00",
            "2020-02-29 00:00:00",
            "2020-03-29 00:00:00"
        ]
    );
    assert_eq!(
        run("SELECT * FROM generate_series('2020-01-01 00:00'::timestamptz, '2020-01-01 20:00', '10 hours')")
            .expect("series"),
        [
            "2020-01-01 00:00:00+00",
            "2020-01-01 10:00:00+00",
            "2020-01-01 20:00:00+00"
        ]
    );
    let e = run("SELECT * FROM generate_series(now(), now(), '0 days')").expect_err("zero");
    assert_eq!(e.to_string(), "step size cannot equal zero");
    assert_eq!(e.sqlstate(), "22023");
}
