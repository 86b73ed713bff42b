//! Binder unit tests: names, types and parameter inference, utility statements, DDL and DML binding.
use super::*;
use crate::catalog::{ColumnDef, OnCommit, TableId};
use crate::expr::Params;
use crate::parse::parse;
use crate::types::Value;

struct Ctx;
impl SessionContext for Ctx {
    fn setting(&self, name: &str) -> Option<String> {
        (name == "datestyle").then(|| "ISO, MDY".to_string())
    }
    fn version(&self) -> String {
        "PostgreSQL 15.18".into()
    }
}

fn bind_one(sql: &str, declared: &[Option<DataType>]) -> Result<Statement> {
    let parsed = parse(sql)?;
    bind(&parsed[0], declared, &Ctx)
}

fn run(sql: &str) -> (Vec<(String, DataType)>, Vec<Value>) {
    match bind_one(sql, &[]).expect("bind") {
        Statement::Query(q) => {
            let rows = q.execute(&Params::default()).expect("execute");
            (q.columns, rows.into_iter().next().expect("one row"))
        }
        other => panic!("not a query: {other:?}"),
    }
}

#[test]
fn constant_selects_have_postgres_names_and_types() {
    let (cols, row) = run("SELECT 1, 'a', 2::int8 AS b, 1 + 2.0::float8, version()");
    let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["?column?", "?column?", "b", "?column?", "version"]);
    let types: Vec<DataType> = cols.iter().map(|c| c.1).collect();
    assert_eq!(
        types,
        [
            DataType::Int4,
            DataType::Text,
            DataType::Int8,
            DataType::Float8,
            DataType::Text
        ]
    );
    assert_eq!(row[3], Value::Float8(3.0));
    assert_eq!(run("SELECT 1::int").0[0].0, "int4");
}

#[test]
fn parameter_types_are_inferred_from_context() {
    let Statement::Query(q) = bind_one("SELECT $1::int8, $2 + 1", &[]).expect("bind") else {
        panic!("query expected")
    };
    assert_eq!(q.param_types, [DataType::Int8, DataType::Int4]);
    let rows = q
        .execute(&Params::from(vec![Value::Int8(5), Value::Int4(41)]))
        .expect("run");
    assert_eq!(rows[0], [Value::Int8(5), Value::Int4(42)]);
    assert_eq!(
        bind_one("SELECT $1", &[]),
        Err(SqlError::IndeterminateDatatype(1))
    );
    assert!(bind_one("SELECT $1", &[Some(DataType::Text)]).is_ok());
}

#[test]
fn errors_match_postgres() {
    let e = run_err("SELECT 2147483647 + 1");
    assert_eq!(
        (e.sqlstate(), e.to_string().as_str()),
        ("22003", "integer out of range")
    );
    let e = bind_one("SELECT * FROM accounts", &[]).expect_err("no tables");
    assert_eq!(
        (e.sqlstate(), e.to_string().as_str()),
        ("42P01", "relation \"accounts\" does not exist")
    );
    assert_eq!(e.position(), Some(15));
    assert_eq!(
        bind_one("SELECT foo()", &[]).expect_err("no fn").position(),
        Some(8)
    );
    let e = run_err("SELECT 1/0");
    assert_eq!(e.sqlstate(), "22012");
    let e = bind_one("SELECT 'x'::int", &[]).expect_err("bad int");
    assert_eq!(
        e.to_string(),
        "invalid input syntax for type integer: \"x\""
    );
}

fn run_err(sql: &str) -> SqlError {
    match bind_one(sql, &[]) {
        Ok(Statement::Query(q)) => q.execute(&Params::default()).expect_err("error expected"),
        Ok(other) => panic!("not a query: {other:?}"),
        Err(e) => e,
    }
}

#[test]
fn utility_statements_bind() {
    assert_eq!(bind_one("BEGIN", &[]), Ok(Statement::Begin(vec![])));
    assert_eq!(bind_one("end", &[]), Ok(Statement::Commit));
    assert_eq!(
        bind_one("SET DateStyle = iso, mdy", &[]),
        Ok(Statement::Set {
            name: "datestyle".into(),
            value: SetValue::Values(vec!["iso".into(), "mdy".into()]),
            local: false
        })
    );
    assert_eq!(
        bind_one("SHOW TIME ZONE", &[]),
        Ok(Statement::Show("timezone".into()))
    );
    assert_eq!(bind_one("RESET ALL", &[]), Ok(Statement::Reset(None)));
    let e = bind_one("CREATE INDEX i ON t (a)", &[]).expect_err("no table t");
    assert_eq!(e.sqlstate(), "42P01");
}

#[test]
fn index_lookups_need_every_key_column_and_a_built_index() {
    let mut t = (*accounts()).clone();
    t.indexes.push(crate::index::IndexDef {
        id: 9,
        name: "accounts_bid_abalance_idx".into(),
        columns: vec![1, 2],
        desc: vec![false, false],
        ..Default::default()
    });
    let ctx = TableCtx(Arc::new(t.clone()));
    let filter = |sql: &str| match bind(&parse(sql).expect("parses")[0], &[], &ctx) {
        Ok(Statement::Query(q)) => q.source.and_then(|s| s.filter).expect("a filter"),
        other => panic!("not a query: {other:?}"),
    };
    let both = filter("SELECT * FROM accounts WHERE abalance = 5 AND bid = 1");
    let (i, key) = index_lookup(&both, &t).expect("both key columns fixed");
    assert_eq!((i, key.len()), (0, 2));
    let one = filter("SELECT * FROM accounts WHERE bid = 1");
    assert!(index_lookup(&one, &t).is_none(), "a prefix is not a lookup");
    let range = filter("SELECT * FROM accounts WHERE bid = 1 AND abalance > 5");
    assert!(index_lookup(&range, &t).is_none());
    t.indexes[0].building = true;
    assert!(
        index_lookup(&both, &t).is_none(),
        "an unbuilt index is not read"
    );
}

#[test]
fn indexes_and_unique_constraints_bind() {
    let ctx = TableCtx(accounts());
    let one = |sql: &str| bind(&parse(sql).expect("parses")[0], &[], &ctx);
    let Ok(Statement::CreateIndex { index, .. }) =
        one("CREATE INDEX ON accounts (bid, abalance DESC)")
    else {
        panic!("not a CREATE INDEX");
    };
    assert_eq!(index.name, "accounts_bid_abalance_idx");
    assert_eq!((index.columns, index.desc), (vec![1, 2], vec![false, true]));
    assert!(!index.unique);
    let Ok(Statement::CreateIndex { index, .. }) = one("create unique index ux on accounts (bid)")
    else {
        panic!("not a CREATE INDEX");
    };
    assert!(index.unique && !index.constraint && index.name == "ux");
    for (sql, state) in [
        ("CREATE INDEX accounts ON accounts (bid)", "42P07"),
        ("CREATE INDEX ON accounts (nope)", "42703"),
        ("CREATE INDEX ON accounts ((bid + 1))", "0A000"),
        ("CREATE INDEX ON accounts (bid) WHERE bid > 0", "0A000"),
        ("CREATE INDEX ON accounts USING gist (bid)", "0A000"),
        ("DROP INDEX nope", "42704"),
        ("DROP INDEX accounts", "42809"),
        ("ALTER TABLE accounts DROP CONSTRAINT nope", "42704"),
    ] {
        assert_eq!(
            one(sql).map(|_| ()).map_err(|e| e.sqlstate()),
            Err(state),
            "{sql}"
        );
    }
    assert!(
        matches!(one("DROP INDEX IF EXISTS nope"), Ok(Statement::DropIndex { missing, .. }) if missing == ["nope"])
    );
    let Ok(Statement::CreateTable { table, .. }) =
        one("CREATE TABLE u (a int UNIQUE, b int, c int, CONSTRAINT named UNIQUE (b, c), UNIQUE (b, c))")
    else {
        panic!("not a CREATE TABLE");
    };
    let names: Vec<&str> = table.indexes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["u_a_key", "named", "u_b_c_key"]);
    assert!(table.indexes.iter().all(|i| i.unique && i.constraint));
    let Ok(Statement::AlterTable(plan)) = one("ALTER TABLE accounts ADD UNIQUE (bid)") else {
        panic!("not an ALTER TABLE");
    };
    assert_eq!(plan.new.indexes[0].name, "accounts_bid_key");
    for (sql, state) in [
        ("ALTER INDEX nope RENAME TO x", "42P01"),
        ("ALTER INDEX accounts_pkey RENAME TO x", "0A000"),
    ] {
        assert_eq!(
            one(sql).map(|_| ()).map_err(|e| e.sqlstate()),
            Err(state),
            "{sql}"
        );
    }
}

fn accounts() -> Arc<TableDef> {
    let col = |name: &str, ty| ColumnDef::new(name, ty);
    Arc::new(TableDef {
        database: crate::catalog::DEFAULT_DATABASE.into(),
        id: TableId(7),
        schema: "public".into(),
        name: "accounts".into(),
        columns: vec![
            col("aid", DataType::Int4),
            col("bid", DataType::Int4),
            col("abalance", DataType::Int8),
        ],
        primary_key: Some(vec![0]),
        ..Default::default()
    })
}

struct TableCtx(Arc<TableDef>);
impl Catalog for TableCtx {
    fn table(&self, name: &str) -> Option<Arc<TableDef>> {
        (name == self.0.name).then(|| self.0.clone())
    }
}
impl SessionContext for TableCtx {
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

pub(super) fn bind_table(sql: &str) -> Result<Statement> {
    bind(&parse(sql)?[0], &[], &TableCtx(accounts()))
}

#[test]
fn create_table_collects_columns_and_primary_key() {
    let Ok(Statement::CreateTable {
        table,
        if_not_exists: false,
    }) = bind_one(
        "CREATE TABLE public.t (a int NOT NULL, b varchar(10), c bigint, PRIMARY KEY (c, a))",
        &[],
    )
    else {
        panic!("create table expected")
    };
    assert_eq!(table.name, "t");
    assert_eq!(table.primary_key, Some(vec![2, 0]));
    assert!(
        table.columns[2].not_null,
        "primary-key columns are NOT NULL"
    );
    assert_eq!(table.columns[1].typmod, 14);
    let e = bind_one("CREATE TABLE t (a int PRIMARY KEY, b int PRIMARY KEY)", &[])
        .expect_err("two pks");
    assert_eq!(
        (e.sqlstate(), e.to_string().as_str()),
        (
            "42P16",
            "multiple primary keys for table \"t\" are not allowed"
        )
    );
    let e = bind_one("CREATE TABLE t (a int, a int)", &[]).expect_err("dup");
    assert_eq!(e.to_string(), "column \"a\" specified more than once");
}

#[test]
fn selects_over_a_table_find_point_lookups() {
    let Ok(Statement::Query(q)) = bind_table("SELECT abalance FROM accounts WHERE aid = $1") else {
        panic!("query expected")
    };
    assert_eq!(q.param_types, [DataType::Int4]);
    let src = q.source.as_ref().expect("table source");
    assert_eq!(src.key, Some(vec![Expr::Param(0, DataType::Int4)]));
    let row = [Value::Int4(5), Value::Int4(1), Value::Int8(-3)];
    let hit = q
        .shard_rows([row.to_vec()], &Params::from(vec![Value::Int4(5)]))
        .expect("scan");
    assert_eq!(hit, [[Value::Int8(-3)]]);
    let miss = q
        .shard_rows([row.to_vec()], &Params::from(vec![Value::Int4(6)]))
        .expect("scan");
    assert!(miss.is_empty());
    let Ok(Statement::Query(q)) = bind_table("SELECT * FROM accounts WHERE bid = 1") else {
        panic!("query expected")
    };
    assert_eq!(q.columns.len(), 3);
    assert_eq!(q.source.expect("source").key, None, "bid is not the key");
    let e = bind_table("SELECT nope FROM accounts").expect_err("no column");
    assert_eq!((e.sqlstate(), e.position()), ("42703", Some(8)));
}

#[test]
fn inserts_fill_missing_columns_and_cast_to_column_types() {
    let Ok(Statement::Insert {
        rows, param_types, ..
    }) = bind_table("INSERT INTO accounts (abalance, aid) VALUES ($1, 1), (2, $2)")
    else {
        panic!("insert expected")
    };
    assert_eq!(param_types, [DataType::Int8, DataType::Int4]);
    assert_eq!(rows[0][1], Expr::Const(Value::Null, DataType::Int4));
    assert_eq!(rows[1][2].data_type(), DataType::Int8);
    assert_eq!(
        rows[1][2].eval(&Params::default()).expect("cast"),
        Value::Int8(2)
    );
    let e = bind_table("INSERT INTO accounts (zzz) VALUES (1)").expect_err("no column");
    assert_eq!(
        e.to_string(),
        "column \"zzz\" of relation \"accounts\" does not exist"
    );
    let e = bind_table("INSERT INTO accounts VALUES (1, 2, 3, 4)").expect_err("too many");
    assert_eq!(
        e.to_string(),
        "INSERT has more expressions than target columns"
    );
}

/// The text of each value of a one-row constant SELECT.
fn texts(sql: &str) -> Vec<String> {
    run(sql)
        .1
        .iter()
        .map(|v| v.to_text().unwrap_or_default())
        .collect()
}

#[test]
fn conditional_forms_and_predicates_match_postgres() {
    // Values printed by PostgreSQL 15.18 (NULL shown as empty).
    assert_eq!(
        texts(
            "SELECT CASE WHEN 1=0 THEN 1/0 ELSE 2 END, coalesce(NULL, 2.5, 1), greatest(1, 3.5, 2), \
             nullif(1, 1.0), 3 between 1 and 5, 2 in (1, null), null is distinct from 1, \
             true is not false, CASE 2 WHEN 1 THEN 'a' WHEN 2 THEN 'b' END, 'a%' LIKE 'a#%' ESCAPE '#'"
        ),
        ["2", "2.5", "3.5", "", "t", "", "t", "t", "b", "t"]
    );
    let (cols, _) = run("SELECT coalesce(1, 2.5), CASE WHEN true THEN 1 ELSE 2::int8 END");
    assert_eq!(cols[0], ("coalesce".to_string(), DataType::Numeric));
    assert_eq!(cols[1].1, DataType::Int8);
    // date '...' literals and operators over mixed types.
    assert_eq!(
        texts("SELECT date '1999-01-08' + 3, interval '1 day' * 2, 2 ^ 10, 7 & 3"),
        ["1999-01-11", "2 days", "1024", "3"]
    );
}

#[test]
fn typing_errors_match_postgres() {
    // Messages, SQLSTATEs and positions from PostgreSQL 15.18.
    let e = bind_one("SELECT 1 + 'a'::text", &[]).expect_err("no operator");
    assert_eq!(e.to_string(), "operator does not exist: integer + text");
    assert_eq!((e.sqlstate(), e.position()), ("42883", Some(10)));
    let e = bind_one("SELECT bool 'test'", &[]).expect_err("bad bool");
    assert_eq!(
        e.to_string(),
        "invalid input syntax for type boolean: \"test\""
    );
    assert_eq!((e.sqlstate(), e.position()), ("22P02", Some(13)));
    let e = bind_one("SELECT CASE WHEN true THEN 1 ELSE 'a'::text END", &[]).expect_err("case");
    assert_eq!(
        e.to_string(),
        "CASE types text and integer cannot be matched"
    );
    assert_eq!((e.sqlstate(), e.position()), ("42804", Some(28)));
    let e = bind_one("SELECT 1 AND true", &[]).expect_err("and");
    assert_eq!(
        e.to_string(),
        "argument of AND must be type boolean, not type integer"
    );
}

#[test]
fn syntax_forms_are_named_as_in_postgres() {
    // Column names PostgreSQL 15.18 gives these select items.
    let (cols, _) = run(
        "SELECT trim(' a '), trim(leading 'x' from 'xa'), position('a' in 'ba'), coalesce(1), \
         date '2000-01-01', interval '1 day', extract(year from date '2000-01-01'), \
         case when true then 1 end, '2000-01-01' at time zone 'UTC'",
    );
    let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "btrim", "ltrim", "position", "coalesce", "date", "interval", "extract", "case",
            "timezone"
        ]
    );
    // An unknown literal AT TIME ZONE is read as timestamptz (the preferred type).
    assert_eq!(cols[8].1, DataType::Timestamp);
}

#[test]
fn interval_field_restrictions_match_postgres() {
    // Output of PostgreSQL 15.18.
    assert_eq!(
        texts(
            "SELECT interval '2' hour, interval '1 day 2:03:04.5678' day to hour, \
             interval '1 day 2:03:04.5678' minute, interval '1 2:03:04.5678' day to second(2), \
             interval '1-2' year, '1 day 2:03:04'::interval hour to minute, interval '5' month"
        ),
        [
            "02:00:00",
            "1 day 02:00:00",
            "1 day 02:03:00",
            "1 day 02:03:04.57",
            "1 year",
            "1 day 02:03:00",
            "5 mons"
        ]
    );
}

#[test]
fn temporary_tables_bind_with_their_on_commit_action() {
    for (sql, name, temp) in [
        ("CREATE TEMP TABLE t (a int)", "t", OnCommit::PreserveRows),
        (
            "CREATE TEMPORARY TABLE t (a int) ON COMMIT DELETE ROWS",
            "t",
            OnCommit::DeleteRows,
        ),
        (
            "CREATE TEMP TABLE t (a int) ON COMMIT DROP",
            "t",
            OnCommit::Drop,
        ),
        (
            "CREATE TABLE pg_temp.u (a int)",
            "u",
            OnCommit::PreserveRows,
        ),
    ] {
        let Ok(Statement::CreateTable { table, .. }) = bind_one(sql, &[]) else {
            panic!("{sql}");
        };
        assert_eq!(
            (table.name.as_str(), table.temp),
            (name, Some(temp)),
            "{sql}"
        );
        assert_eq!(table.schema, "pg_temp");
    }
    let Ok(Statement::CreateTableAs { table, .. }) = bind_one("SELECT 1 AS x INTO TEMP w", &[])
    else {
        panic!("SELECT INTO TEMP");
    };
    assert_eq!(table.temp, Some(OnCommit::PreserveRows));
    let Ok(Statement::CreateTable { table, .. }) = bind_one("CREATE TABLE p (a int)", &[]) else {
        panic!("permanent");
    };
    assert_eq!(table.temp, None);
    let err = bind_one("CREATE TABLE p (a int) ON COMMIT DELETE ROWS", &[]).expect_err("42P16");
    assert_eq!(err.sqlstate(), "42P16");
}

#[test]
fn views_bind_their_query_and_reject_writes() {
    let Ok(Statement::CreateView { view, or_replace }) = bind_table(
        "CREATE OR REPLACE VIEW rich (id, bal) AS SELECT aid, abalance FROM accounts WHERE abalance > 0",
    ) else {
        panic!("CREATE VIEW");
    };
    assert!(or_replace);
    let names: Vec<&str> = view.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "bal"]);
    assert_eq!(view.columns[1].ty, DataType::Int8);
    assert!(view
        .view
        .as_deref()
        .is_some_and(|q| q.contains("abalance > 0")));
    let err =
        bind_table("CREATE VIEW v (a, b, c, d) AS SELECT aid FROM accounts").expect_err("42601");
    assert_eq!(err.sqlstate(), "42601");
    let err =
        bind_table("CREATE VIEW v (a, a) AS SELECT aid, bid FROM accounts").expect_err("42701");
    assert_eq!(err.sqlstate(), "42701");
    // Reading a view binds its stored query as a subquery.
    let view = Arc::new(TableDef {
        name: "v".into(),
        ..view
    });
    let cat = ViewCtx(accounts(), view.clone());
    let q = bind(
        &parse("SELECT bal FROM v WHERE id = 1").expect("parse")[0],
        &[],
        &cat,
    )
    .expect("bind view read");
    let Statement::Query(q) = q else {
        panic!("query")
    };
    assert_eq!(q.columns, [("bal".to_string(), DataType::Int8)]);
    for (sql, state) in [
        ("INSERT INTO v VALUES (1, 2)", "42809"),
        ("UPDATE v SET bal = 1", "42809"),
        ("DELETE FROM v", "42809"),
        ("TRUNCATE v", "42809"),
        ("DROP TABLE v", "42809"),
        ("DROP VIEW accounts", "42809"),
        ("DROP VIEW nope", "42P01"),
    ] {
        let err = bind(&parse(sql).expect("parse")[0], &[], &cat).expect_err(sql);
        assert_eq!(err.sqlstate(), state, "{sql}");
    }
    assert!(matches!(
        bind(&parse("DROP VIEW v").expect("parse")[0], &[], &cat),
        Ok(Statement::DropView { .. })
    ));
}

struct ViewCtx(Arc<TableDef>, Arc<TableDef>);
impl Catalog for ViewCtx {
    fn table(&self, name: &str) -> Option<Arc<TableDef>> {
        [&self.0, &self.1]
            .into_iter()
            .find(|t| t.name == name)
            .cloned()
    }
}
impl SessionContext for ViewCtx {
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

#[test]
fn sequences_default_their_bounds_by_direction_and_type() {
    let params = |sql: &str| match bind_one(sql, &[]) {
        Ok(Statement::CreateSequence { seq, .. }) => seq.sequence.expect("sequence"),
        other => panic!("{sql}: {other:?}"),
    };
    let up = params("CREATE SEQUENCE s");
    assert_eq!(
        (up.start, up.increment, up.min, up.max),
        (1, 1, 1, i64::MAX)
    );
    let down = params("CREATE SEQUENCE s AS integer INCREMENT BY -3 NO CYCLE");
    assert_eq!(
        (down.start, down.min, down.max, down.cycle),
        (-1, i64::from(i32::MIN), -1, false)
    );
    assert!(params("CREATE SEQUENCE s MAXVALUE 5 CYCLE").cycle);
    for (sql, msg) in [
        (
            "CREATE SEQUENCE s AS smallint MAXVALUE 40000",
            "MAXVALUE (40000) is out of range for sequence data type smallint",
        ),
        (
            "CREATE SEQUENCE s START 10 MAXVALUE 5",
            "START value (10) cannot be greater than MAXVALUE (5)",
        ),
        (
            "CREATE SEQUENCE s CACHE 0",
            "CACHE (0) must be greater than zero",
        ),
    ] {
        let err = bind_one(sql, &[]).expect_err(sql);
        assert_eq!(
            (err.sqlstate(), err.to_string().as_str()),
            ("22023", msg),
            "{sql}"
        );
    }
}

#[test]
fn on_conflict_infers_arbiters_and_binds_excluded_after_the_row() {
    let Ok(Statement::Insert {
        on_conflict: Some(oc),
        ..
    }) = bind_table(
        "INSERT INTO accounts AS a VALUES (1, 2, 3) ON CONFLICT (aid, aid) \
         DO UPDATE SET abalance = a.abalance + excluded.abalance WHERE excluded.bid <> 0",
    )
    else {
        panic!("insert expected")
    };
    assert!(oc.pk_arbiter && oc.index_arbiters.is_empty());
    let t = accounts();
    let existing = [Value::Int4(1), Value::Int4(5), Value::Int8(10)];
    let proposed = [Value::Int4(1), Value::Int4(2), Value::Int8(3)];
    let p = Params::default();
    let new = oc.updated_row(&t, &existing, &proposed, &p).expect("eval");
    assert_eq!(
        new,
        Some(vec![Value::Int4(1), Value::Int4(5), Value::Int8(13)]),
        "SET sees the existing row and EXCLUDED"
    );
    let zero_bid = [Value::Int4(1), Value::Int4(0), Value::Int8(3)];
    assert_eq!(
        oc.updated_row(&t, &existing, &zero_bid, &p).expect("eval"),
        None
    );
    let err = |sql: &str| bind_table(sql).expect_err(sql).sqlstate();
    assert_eq!(
        err("INSERT INTO accounts VALUES (1) ON CONFLICT (bid) DO NOTHING"),
        "42P10"
    );
    assert_eq!(
        err("INSERT INTO accounts VALUES (1) ON CONFLICT DO UPDATE SET bid = 1"),
        "42601"
    );
    assert_eq!(
        err("INSERT INTO accounts VALUES (1) ON CONFLICT (aid) DO UPDATE SET bid = bid"),
        "42702",
        "both the target and EXCLUDED have bid"
    );
    assert_eq!(
        err("INSERT INTO accounts VALUES (1) ON CONFLICT ON CONSTRAINT nope DO NOTHING"),
        "42704"
    );
    let Ok(Statement::Insert {
        on_conflict: Some(oc),
        ..
    }) = bind_table(
        "INSERT INTO accounts VALUES (1) ON CONFLICT ON CONSTRAINT accounts_pkey DO NOTHING",
    )
    else {
        panic!("insert expected")
    };
    assert!(oc.pk_arbiter && !oc.is_update());
    let Ok(Statement::Insert {
        on_conflict: Some(oc),
        ..
    }) = bind_table("INSERT INTO accounts VALUES (1) ON CONFLICT (aid) DO UPDATE SET aid = 2")
    else {
        panic!("insert expected")
    };
    let e = oc
        .updated_row(&t, &existing, &proposed, &p)
        .expect_err("pk change");
    assert_eq!(e.sqlstate(), "0A000");
}

#[test]
fn update_from_binds_a_join_and_writes_each_row_by_its_old_values() {
    let Ok(Statement::Update(plan)) = bind_table(
        "UPDATE accounts a SET abalance = a.abalance + x.v \
         FROM (VALUES (1, 5)) x(id, v) WHERE a.aid = x.id",
    ) else {
        panic!("update expected")
    };
    let source = plan.source.as_ref().expect("joined");
    assert_eq!(
        source.query.columns.len(),
        4,
        "the target's 3 columns, then one value"
    );
    let p = Params::default();
    let row = [
        Value::Int4(1),
        Value::Int4(2),
        Value::Int8(10),
        Value::Int8(15),
    ];
    let one = source.row_plan(&plan, &row, &p).expect("row plan");
    assert_eq!(
        one.key,
        Some(vec![Expr::Const(Value::Int4(1), DataType::Int4)])
    );
    assert_eq!(one.apply(&row[..3], &p).expect("apply")[2], Value::Int8(15));
    assert!(one.matches(&row[..3], &p).expect("match"));
    let changed = [Value::Int4(1), Value::Int4(2), Value::Int8(11)];
    assert!(
        !one.matches(&changed, &p).expect("match"),
        "a row changed since the join read it is not written"
    );
    let e = bind_table("UPDATE accounts SET (bid, abalance) = (SELECT 1) WHERE aid = 1")
        .expect_err("one value for two columns");
    assert_eq!(e.sqlstate(), "42601");
    let e = bind_table("DELETE FROM accounts USING accounts").expect_err("the target twice");
    assert_eq!(e.sqlstate(), "42712");
}
