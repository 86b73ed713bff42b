//! Databases are tenants: each has its own tables (same names, different rows), a session sees
//! only its database's tables, connecting to a missing database is FATAL 3D000, and databases with
//! their tables survive kill -9.

mod common;

use common::{connect, TestServer};

fn conninfo(port: u16, db: &str) -> String {
    format!("host=127.0.0.1 port={port} user=postgres dbname={db}")
}

async fn one(client: &tokio_postgres::Client, sql: &str) -> String {
    common::first_value(client, sql).await.unwrap_or_default()
}

#[tokio::test]
async fn databases_isolate_tenants_and_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path").to_string();
    let args = ["--shards", "2", "--data-dir", &data_arg];
    let mut server = TestServer::start(&args);
    let admin = connect(&conninfo(server.port, "postgres")).await;
    admin
        .batch_execute(
            "CREATE TABLE acct (id int PRIMARY KEY, owner text);
             INSERT INTO acct VALUES (1, 'main');
             CREATE DATABASE tenant_a TEMPLATE = template0 ENCODING 'UTF8';
             CREATE DATABASE tenant_b",
        )
        .await
        .expect("setup");
    let err = admin
        .batch_execute("CREATE DATABASE tenant_a")
        .await
        .expect_err("duplicate");
    assert_eq!(err.code().map(|c| c.code()), Some("42P04"));
    for (db, n) in [("tenant_a", 3), ("tenant_b", 5)] {
        let c = connect(&conninfo(server.port, db)).await;
        let err = c
            .simple_query("SELECT * FROM acct")
            .await
            .expect_err("not visible");
        assert_eq!(err.code().map(|c| c.code()), Some("42P01"), "{db}");
        c.batch_execute("CREATE TABLE acct (id int PRIMARY KEY, owner text)")
            .await
            .expect("same name, other tenant");
        c.batch_execute(&format!(
            "INSERT INTO acct SELECT g, '{db}' FROM generate_series(1, {n}) g"
        ))
        .await
        .expect("insert");
    }
    assert_eq!(one(&admin, "SELECT count(*) FROM acct").await, "1");
    let err = tokio_postgres::connect(&conninfo(server.port, "nosuch"), tokio_postgres::NoTls)
        .await
        .err()
        .expect("missing database");
    assert_eq!(err.code().map(|c| c.code()), Some("3D000"), "{err}");
    let err = admin
        .batch_execute("DROP DATABASE postgres")
        .await
        .expect_err("open");
    assert_eq!(err.code().map(|c| c.code()), Some("55006"));
    admin
        .batch_execute(
            "DROP DATABASE tenant_b;
             ALTER DATABASE tenant_a SET extra_float_digits = -3",
        )
        .await
        .expect("drop, alter");
    drop(admin);
    server.kill9();

    let server = TestServer::start(&args);
    let a = connect(&conninfo(server.port, "tenant_a")).await;
    assert_eq!(one(&a, "SELECT count(*) FROM acct").await, "3");
    assert_eq!(one(&a, "SELECT min(owner) FROM acct").await, "tenant_a");
    // The database's default survived the crash; the other database has none.
    assert_eq!(one(&a, "SHOW extra_float_digits").await, "-3");
    let main = connect(&conninfo(server.port, "postgres")).await;
    assert_eq!(one(&main, "SHOW extra_float_digits").await, "1");
    assert_eq!(
        one(&main, "SELECT owner FROM acct WHERE id = 1").await,
        "main"
    );
    let gone = tokio_postgres::connect(&conninfo(server.port, "tenant_b"), tokio_postgres::NoTls)
        .await
        .err()
        .expect("dropped database");
    assert_eq!(gone.code().map(|c| c.code()), Some("3D000"));
}
