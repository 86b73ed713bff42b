//! Schemas over the wire: relations with the same name in two schemas, sessions with different
//! search paths seeing different ones, unqualified CREATE going to the first schema of the path,
//! DROP SCHEMA's RESTRICT/CASCADE, schemas being per database, and all of it surviving kill -9
//! on a server with two shards.

mod common;

use common::{connect, TestServer};

fn conninfo(port: u16, db: &str) -> String {
    format!("host=127.0.0.1 port={port} user=postgres dbname={db}")
}

async fn one(client: &tokio_postgres::Client, sql: &str) -> String {
    common::first_value(client, sql).await.unwrap_or_default()
}

async fn code(client: &tokio_postgres::Client, sql: &str) -> String {
    let err = client.batch_execute(sql).await.expect_err(sql);
    err.code().map(|c| c.code().to_string()).unwrap_or_default()
}

#[tokio::test]
async fn schemas_separate_names_follow_the_search_path_and_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path").to_string();
    let args = ["--shards", "2", "--data-dir", &data_arg];
    let mut server = TestServer::start(&args);
    let a = connect(&conninfo(server.port, "postgres")).await;
    a.batch_execute(
        "CREATE SCHEMA sales;
         CREATE SCHEMA hr CREATE TABLE staff (id serial PRIMARY KEY, name text)
                          CREATE VIEW names AS SELECT name FROM staff;
         CREATE TABLE t (id int PRIMARY KEY, src text);
         CREATE TABLE sales.t (id int PRIMARY KEY, src text);
         INSERT INTO t SELECT g, 'public' FROM generate_series(1, 3) g;
         INSERT INTO sales.t SELECT g, 'sales' FROM generate_series(1, 5) g;
         INSERT INTO hr.staff (name) VALUES ('ann'), ('bob');
         CREATE DATABASE other",
    )
    .await
    .expect("setup");
    assert_eq!(code(&a, "CREATE SCHEMA sales").await, "42P06");
    assert_eq!(code(&a, "SELECT * FROM nosuch.t").await, "42P01");
    assert_eq!(code(&a, "CREATE TABLE nosuch.t (a int)").await, "3F000");
    assert_eq!(code(&a, "DROP SCHEMA hr").await, "2BP01");
    assert_eq!(code(&a, "DROP SCHEMA nosuch").await, "3F000");
    assert_eq!(
        code(&a, "CREATE SCHEMA x CREATE TABLE elsewhere.t (a int)").await,
        "42P15"
    );

    // Two sessions, two search paths, one name.
    let b = connect(&conninfo(server.port, "postgres")).await;
    b.batch_execute("SET search_path = sales, public")
        .await
        .expect("set");
    assert_eq!(one(&a, "SELECT count(*) FROM t").await, "3");
    assert_eq!(one(&b, "SELECT count(*) FROM t").await, "5");
    assert_eq!(one(&b, "SELECT min(src) FROM public.t").await, "public");
    assert_eq!(one(&b, "SELECT current_schema()").await, "sales");
    b.batch_execute(
        "UPDATE t SET src = 'moved' WHERE id = 1;
         DELETE FROM t WHERE id = 5;
         CREATE TABLE made_here (a int);
         CREATE SEQUENCE seq",
    )
    .await
    .expect("writes through the path");
    assert_eq!(
        one(&a, "SELECT count(*) FROM sales.t WHERE src = 'moved'").await,
        "1"
    );
    assert_eq!(
        one(&a, "SELECT count(*) FROM t WHERE src = 'moved'").await,
        "0"
    );
    assert_eq!(one(&a, "SELECT nextval('sales.seq')").await, "1");
    assert_eq!(
        one(
            &a,
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relname = 'made_here'"
        )
        .await,
        "sales"
    );
    assert_eq!(code(&a, "SELECT * FROM made_here").await, "42P01");
    b.batch_execute("SET search_path = nosuch")
        .await
        .expect("set");
    assert_eq!(code(&b, "CREATE TABLE lost (a int)").await, "3F000");
    assert_eq!(one(&a, "SELECT count(*) FROM hr.names").await, "2");

    // Schemas belong to their database.
    let o = connect(&conninfo(server.port, "other")).await;
    assert_eq!(code(&o, "SELECT * FROM sales.t").await, "42P01");
    assert_eq!(
        one(
            &o,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'sales'"
        )
        .await,
        "0"
    );
    o.batch_execute("CREATE SCHEMA sales")
        .await
        .expect("same name, other database");

    a.batch_execute("ALTER SCHEMA hr RENAME TO people")
        .await
        .expect("rename");
    drop((a, b, o));
    server.kill9();

    let server = TestServer::start(&args);
    let a = connect(&conninfo(server.port, "postgres")).await;
    assert_eq!(one(&a, "SELECT count(*) FROM sales.t").await, "4");
    assert_eq!(one(&a, "SELECT count(*) FROM people.staff").await, "2");
    assert_eq!(code(&a, "SELECT * FROM hr.staff").await, "42P01");
    a.batch_execute("INSERT INTO people.staff (name) VALUES ('cy')")
        .await
        .expect("serial default names its schema");
    // (A crash skips the values claimed ahead, as in PostgreSQL.)
    assert_eq!(
        one(&a, "SELECT count(DISTINCT id) FROM people.staff").await,
        "3"
    );
    a.batch_execute("DROP SCHEMA sales, people CASCADE")
        .await
        .expect("cascade");
    assert_eq!(code(&a, "SELECT * FROM sales.t").await, "42P01");
    assert_eq!(one(&a, "SELECT count(*) FROM t").await, "3");
    let o = connect(&conninfo(server.port, "other")).await;
    assert_eq!(
        one(
            &o,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'sales'"
        )
        .await,
        "1"
    );
}
