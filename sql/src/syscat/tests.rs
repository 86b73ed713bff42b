//! System relations over a small catalog: every relation's rows build, psql-style queries over
//! them run through the normal engine, and the catalog functions and `reg*` casts agree with the
//! rows (expected values as PostgreSQL 15 answers them for the same schema, OIDs aside).

use std::sync::Arc;

use super::{all, oids, rows, Snapshot};
use crate::bind::{bind, SessionContext, Statement};
use crate::catalog::{Catalog, ColumnDef, TableDef, TableId};
use crate::error::SqlError;
use crate::parse::parse;
use crate::types::{DataType, Value};

struct Ctx(Vec<Arc<TableDef>>);
impl Catalog for Ctx {
    fn table(&self, name: &str) -> Option<Arc<TableDef>> {
        self.0.iter().find(|t| t.name == name).cloned()
    }
    fn tables(&self) -> Vec<Arc<TableDef>> {
        self.0.clone()
    }
    fn databases(&self) -> Vec<String> {
        vec!["postgres".into(), "template0".into(), "template1".into()]
    }
}
impl SessionContext for Ctx {
    fn setting(&self, name: &str) -> Option<String> {
        (name == "session_authorization").then(|| "postgres".into())
    }
    fn version(&self) -> String {
        String::new()
    }
    fn catalog(&self) -> &dyn Catalog {
        self
    }
}

fn col(name: &str, ty: DataType, typmod: i32, not_null: bool, default: Option<Value>) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        ty,
        typmod,
        not_null,
        default,
        default_expr: None,
        identity: None,
    }
}

fn ctx() -> Ctx {
    Ctx(vec![
        Arc::new(TableDef {
            id: TableId(1),
            database: "postgres".into(),
            schema: "public".into(),
            name: "accounts".into(),
            columns: vec![
                col("aid", DataType::Int4, -1, true, None),
                col("filler", DataType::Bpchar, 84 + 4, false, None),
                col(
                    "note",
                    DataType::Text,
                    -1,
                    false,
                    Some(Value::Text("x".into())),
                ),
            ],
            primary_key: Some(vec![0]),
            ..Default::default()
        }),
        Arc::new(TableDef {
            id: TableId(2),
            database: "postgres".into(),
            schema: "public".into(),
            name: "history".into(),
            columns: vec![col("delta", DataType::Int8, -1, false, None)],
            ..Default::default()
        }),
    ])
}

fn query(sql: &str) -> Result<Vec<Vec<Value>>, SqlError> {
    let ctx = ctx();
    let parsed = parse(sql)?;
    let Statement::Query(plan) = bind(&parsed[0], &[], &ctx)? else {
        panic!("not a query: {sql}");
    };
    assert!(plan.scans.is_empty(), "system relations need no shard scan");
    plan.execute(&Vec::new().into())
}

fn texts(rows: Vec<Vec<Value>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect()
}

#[test]
fn every_relation_builds_rows_of_its_width() {
    let ctx = ctx();
    let snap = Snapshot::of(&ctx);
    for rel in all() {
        let rows = rows::rows(rel, &snap).unwrap_or_else(|e| panic!("{}: {e}", rel.name));
        for r in &rows {
            assert_eq!(r.len(), rel.columns.len(), "{}", rel.name);
        }
    }
}

#[test]
fn psql_list_query_lists_tables_and_indexes() {
    let rows = query(
        "SELECT n.nspname, c.relname, c.relkind, pg_catalog.pg_get_userbyid(c.relowner)
         FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r','i','') AND n.nspname <> 'pg_catalog'
           AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema'
           AND pg_catalog.pg_table_is_visible(c.oid)
         ORDER BY 1, 2",
    )
    .expect("query");
    assert_eq!(
        texts(rows),
        [
            ["public", "accounts", "r", "postgres"],
            ["public", "accounts_pkey", "i", "postgres"],
            ["public", "history", "r", "postgres"],
        ]
    );
}

#[test]
fn describe_table_columns_and_index() {
    let oid = oids::table(TableId(1));
    let rows = query(&format!(
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
           (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d
            WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
           a.attnotnull
         FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = '{oid}' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
    ))
    .expect("query");
    assert_eq!(
        texts(rows),
        [
            ["aid", "integer", "NULL", "t"],
            ["filler", "character(84)", "NULL", "f"],
            ["note", "text", "'x'::text", "f"],
        ]
    );
    let rows = query(&format!(
        "SELECT c2.relname, i.indisprimary, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
           pg_catalog.pg_get_constraintdef(con.oid, true), contype
         FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
           LEFT JOIN pg_catalog.pg_constraint con
             ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
         WHERE c.oid = '{oid}' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
         ORDER BY i.indisprimary DESC, c2.relname"
    ))
    .expect("query");
    assert_eq!(
        texts(rows),
        [[
            "accounts_pkey",
            "t",
            "CREATE UNIQUE INDEX accounts_pkey ON public.accounts USING btree (aid)",
            "PRIMARY KEY (aid)",
            "p"
        ]]
    );
}

#[test]
fn reg_casts_resolve_names_and_oids() {
    let oid = oids::table(TableId(2));
    let rows = query(&format!(
        "SELECT 'history'::regclass = {oid}, 'public.history'::pg_catalog.regclass::oid = {oid},
           {oid}::oid::regclass::text, 12345::oid::regclass::text, 'int4'::regtype::oid,
           1043::oid::regtype::text, 'public'::regnamespace::oid, 'pg_catalog.array_in'::regproc"
    ))
    .expect("query");
    assert_eq!(
        texts(rows),
        [[
            "t",
            "t",
            "history",
            "12345",
            "23",
            "character varying",
            "2200",
            "array_in"
        ]]
    );
    let rows = query(
        "SELECT to_regclass('history') = 'history'::regclass, to_regclass('nosuch'),
           to_regtype('integer'), to_regtype('nosuch'), to_regnamespace('public')",
    )
    .expect("query");
    assert_eq!(texts(rows), [["t", "NULL", "23", "NULL", "2200"]]);
    let err = query("SELECT 'nosuch'::regclass").expect_err("must fail");
    assert_eq!(err.sqlstate(), "42P01");
    assert_eq!(err.to_string(), "relation \"nosuch\" does not exist");
}

#[test]
fn pg_catalog_is_searched_first_and_information_schema_only_when_qualified() {
    assert!(query("SELECT count(*) FROM pg_class").is_ok());
    let err = query("SELECT * FROM tables").expect_err("must fail");
    assert_eq!(err.sqlstate(), "42P01");
    let rows = query(
        "SELECT table_name, column_name, data_type, is_nullable, character_maximum_length
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, ordinal_position",
    )
    .expect("query");
    assert_eq!(
        texts(rows),
        [
            ["accounts", "aid", "integer", "NO", "NULL"],
            ["accounts", "filler", "character", "YES", "84"],
            ["accounts", "note", "text", "YES", "NULL"],
            ["history", "delta", "bigint", "YES", "NULL"],
        ]
    );
}

#[test]
fn writes_to_system_relations_are_refused() {
    let ctx = ctx();
    let parsed = parse("UPDATE pg_class SET reltuples = 10").expect("query");
    let err = bind(&parsed[0], &[], &ctx).expect_err("must fail");
    assert_eq!(err.sqlstate(), "42501");
    assert_eq!(
        err.to_string(),
        "permission denied: \"pg_class\" is a system catalog"
    );
}

#[test]
fn any_all_over_arrays_and_subscripts_follow_postgresql() {
    // Answers recorded from PostgreSQL 15.
    let cases = [
        ("1 = ANY(ARRAY[1, NULL])", "t"),
        ("3 = ANY(ARRAY[1, NULL])", "NULL"),
        ("3 = ANY('{}'::int4[])", "f"),
        ("3 <> ALL('{}'::int4[])", "t"),
        ("2 > ALL(ARRAY[1, NULL])", "NULL"),
        ("0 > ALL(ARRAY[1, NULL])", "f"),
        ("'d' = ANY('{a,d}')", "t"),
        ("1.5 = ANY(ARRAY[1, 2])", "f"),
        ("(ARRAY[4, 5, 6])[2]", "5"),
        ("(ARRAY[4, 5, 6])[7]", "NULL"),
        ("('{x,y}'::text[])[1]", "x"),
        ("array_to_string(ARRAY['a', NULL, 'c'], ',')", "a,c"),
        ("array_to_string(ARRAY['a', NULL, 'c'], ',', '*')", "a,*,c"),
        ("array_upper(ARRAY[1, 2, 3], 1)", "3"),
        ("array_position(current_schemas(true), 'public')", "2"),
        (
            "(SELECT string_agg(x, ',') FROM unnest(ARRAY['p', 'q']) x)",
            "p,q",
        ),
    ];
    for (expr, want) in cases {
        let rows = query(&format!("SELECT {expr}")).unwrap_or_else(|e| panic!("{expr}: {e}"));
        assert_eq!(texts(rows), [[want]], "{expr}");
    }
    assert_eq!(
        query("SELECT 1 = ANY(5)")
            .expect_err("must fail")
            .sqlstate(),
        "42809"
    );
}
