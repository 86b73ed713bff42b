//! User-defined SQL functions over the wire: a function created on one connection is callable
//! at once from a connection on another core (every core's catalog replica has it), overloads
//! resolve by argument types, DROP removes exactly one overload, definitions survive a restart,
//! and errors carry PostgreSQL's SQLSTATEs.

mod common;

use common::error_code as code;

use common::{connect, TestServer};

fn conninfo(port: u16) -> String {
    format!("host=127.0.0.1 port={port} user=postgres dbname=postgres")
}

async fn value(client: &tokio_postgres::Client, sql: &str) -> Option<String> {
    common::first_value(client, sql).await
}

#[tokio::test]
async fn functions_are_shared_across_cores_overloaded_dropped_and_durable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path").to_string();
    let args = ["--shards", "2", "--data-dir", &data_arg];
    let mut server = TestServer::start(&args);
    // Both connections stay open: the acceptor puts the second on the other core.
    let a = connect(&conninfo(server.port)).await;
    let b = connect(&conninfo(server.port)).await;
    a.batch_execute(
        "CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
         CREATE FUNCTION twice(x bigint) RETURNS bigint LANGUAGE sql AS 'SELECT $1 * 20';
         CREATE FUNCTION twice(x text) RETURNS text LANGUAGE sql STRICT RETURN x || x;
         CREATE FUNCTION add(a int, b int DEFAULT 100) RETURNS int LANGUAGE sql
             BEGIN ATOMIC SELECT a + b; END;
         CREATE TABLE t (k int PRIMARY KEY, v int);
         INSERT INTO t SELECT g, g * 10 FROM generate_series(1, 50) g;
         CREATE FUNCTION total(lo int) RETURNS bigint LANGUAGE sql STABLE
             AS 'SELECT sum(v) FROM t WHERE k >= lo';",
    )
    .await
    .expect("create");
    for c in [&a, &b] {
        assert_eq!(value(c, "SELECT twice(21)").await.as_deref(), Some("42"));
        assert_eq!(
            value(c, "SELECT twice(21::int8)").await.as_deref(),
            Some("420")
        );
        assert_eq!(
            value(c, "SELECT twice('ab'::text)").await.as_deref(),
            Some("abab")
        );
        assert_eq!(value(c, "SELECT twice(NULL::text)").await, None);
        assert_eq!(value(c, "SELECT add(1)").await.as_deref(), Some("101"));
        assert_eq!(value(c, "SELECT add(1, 2)").await.as_deref(), Some("3"));
        // The body reads rows from every shard, once per distinct argument.
        assert_eq!(value(c, "SELECT total(1)").await.as_deref(), Some("12750"));
        assert_eq!(
            value(c, "SELECT sum(total(k)) FROM t WHERE k > 48")
                .await
                .as_deref(),
            Some("1490")
        );
        assert_eq!(
            value(c, "SELECT count(*) FROM pg_proc WHERE proname = 'twice'")
                .await
                .as_deref(),
            Some("3")
        );
    }
    // Extended protocol: an argument's parameter type comes from the chosen overload.
    let row = b
        .query_one("SELECT add($1, $2)", &[&5i32, &6i32])
        .await
        .expect("prepared");
    assert_eq!(row.get::<_, i32>(0), 11);
    // Tenants: another database does not see this one's functions.
    a.batch_execute("CREATE DATABASE other")
        .await
        .expect("create database");
    let o = connect(&format!(
        "host=127.0.0.1 port={} user=postgres dbname=other",
        server.port
    ))
    .await;
    assert_eq!(code(&o, "SELECT twice(1)").await, "42883");
    o.batch_execute("CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql AS 'SELECT 0'")
        .await
        .expect("same signature in another database");
    assert_eq!(value(&o, "SELECT twice(1)").await.as_deref(), Some("0"));
    assert_eq!(value(&a, "SELECT twice(1)").await.as_deref(), Some("2"));
    drop(o);
    a.batch_execute("DROP DATABASE other")
        .await
        .expect("drop database");
    // In FROM: a SETOF function is its body's rows; another function is one row.
    b.batch_execute(
        "CREATE FUNCTION keys_from(lo int) RETURNS SETOF int LANGUAGE sql STABLE
             AS 'SELECT k FROM t WHERE k >= lo';
         CREATE FUNCTION key_of(x int) RETURNS int LANGUAGE sql AS 'SELECT k FROM t WHERE v = x'",
    )
    .await
    .expect("setof");
    assert_eq!(
        value(&a, "SELECT count(*) || '/' || sum(k) FROM keys_from(48) k")
            .await
            .as_deref(),
        Some("3/147")
    );
    assert_eq!(
        value(&a, "SELECT * FROM key_of(70)").await.as_deref(),
        Some("7")
    );
    assert_eq!(
        value(&a, "SELECT count(*) FROM key_of(71)")
            .await
            .as_deref(),
        Some("1")
    );
    assert_eq!(code(&a, "SELECT keys_from(1)").await, "0A000");
    // An integer literal fits int exactly: no ambiguity; unknown is ambiguous between the
    // numeric overloads only when no string overload exists.
    assert_eq!(value(&b, "SELECT twice('x')").await.as_deref(), Some("xx"));
    assert_eq!(code(&b, "SELECT twice(1, 2)").await, "42883");
    assert_eq!(code(&b, "DROP FUNCTION twice").await, "42725");
    assert_eq!(code(&b, "DROP FUNCTION twice(numeric)").await, "42883");
    assert_eq!(
        code(
            &a,
            "CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql AS 'SELECT 1'"
        )
        .await,
        "42723"
    );
    assert_eq!(
        code(
            &a,
            "CREATE FUNCTION bad(x int) RETURNS int LANGUAGE sql AS 'SELECT ''a''::text'"
        )
        .await,
        "42P13"
    );
    assert_eq!(
        code(
            &a,
            "CREATE FUNCTION p() RETURNS int LANGUAGE plpgsql AS 'begin return 1; end'"
        )
        .await,
        "0A000"
    );
    b.batch_execute("DROP FUNCTION twice(text)")
        .await
        .expect("drop");
    assert_eq!(code(&a, "SELECT twice('ab'::text)").await, "42883");
    assert_eq!(value(&a, "SELECT twice(4)").await.as_deref(), Some("8"));
    a.batch_execute(
        "CREATE OR REPLACE FUNCTION twice(x int) RETURNS int LANGUAGE sql AS 'SELECT x * 3'",
    )
    .await
    .expect("replace");
    assert_eq!(value(&b, "SELECT twice(4)").await.as_deref(), Some("12"));
    drop((a, b));

    server.terminate();
    let server = TestServer::start(&args);
    let c = connect(&conninfo(server.port)).await;
    assert_eq!(value(&c, "SELECT twice(4)").await.as_deref(), Some("12"));
    assert_eq!(
        value(&c, "SELECT twice(4::int8)").await.as_deref(),
        Some("80")
    );
    assert_eq!(code(&c, "SELECT twice('ab'::text)").await, "42883");
    assert_eq!(value(&c, "SELECT total(50)").await.as_deref(), Some("500"));
    // A new function after the restart gets an id no table or function has.
    c.batch_execute(
        "CREATE TABLE u (x int); CREATE FUNCTION one() RETURNS int LANGUAGE sql RETURN 1",
    )
    .await
    .expect("after restart");
    assert_eq!(
        value(&c, "SELECT count(DISTINCT oid) FROM pg_proc")
            .await
            .as_deref(),
        Some("7")
    );
}
