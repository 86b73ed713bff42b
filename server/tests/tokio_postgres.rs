//! A Rust driver (tokio-postgres) over the wire: simple and extended queries, parameters in text and
//! binary, binary results, errors with SQLSTATEs, and the session surviving them.

mod common;

use common::TestServer;
use tokio_postgres::error::SqlState;
use tokio_postgres::SimpleQueryMessage;

async fn connect(server: &TestServer) -> tokio_postgres::Client {
    common::connect(&server.conninfo("postgres")).await
}

#[tokio::test]
async fn simple_and_extended_queries_with_binary_results() {
    let server = TestServer::start(&[]);
    let client = connect(&server).await;

    // Simple protocol, several statements in one string.
    let msgs = client
        .simple_query("SELECT 1 AS a; SELECT 'x', NULL")
        .await
        .expect("simple");
    let rows: Vec<_> = msgs
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get("a"), Some("1"));
    assert_eq!(rows[1].get(0), Some("x"));
    assert_eq!(rows[1].get(1), None);

    // Extended protocol: tokio-postgres prepares (Parse/Describe), binds binary parameters and asks
    // for binary results.
    let row = client
        .query_one(
            "SELECT $1::int4 + 1, $2::text, $3::int8, $4::bool, $5::float8",
            &[&41i32, &"hi", &(1i64 << 40), &true, &2.5f64],
        )
        .await
        .expect("extended");
    assert_eq!(row.get::<_, i32>(0), 42);
    assert_eq!(row.get::<_, &str>(1), "hi");
    assert_eq!(row.get::<_, i64>(2), 1 << 40);
    assert!(row.get::<_, bool>(3));
    assert_eq!(row.get::<_, f64>(4), 2.5);

    // A prepared statement reused with different parameters; its parameter types were inferred.
    let stmt = client.prepare("SELECT $1 * 2").await.expect("prepare");
    assert_eq!(stmt.params(), &[tokio_postgres::types::Type::INT4]);
    for i in 0..5i32 {
        let row = client.query_one(&stmt, &[&i]).await.expect("execute");
        assert_eq!(row.get::<_, i32>(0), i * 2);
    }
}

#[tokio::test]
async fn errors_carry_sqlstate_and_the_session_goes_on() {
    let server = TestServer::start(&[]);
    let client = connect(&server).await;
    let err = client
        .query("SELECT 1/0", &[])
        .await
        .expect_err("division by zero");
    assert_eq!(err.code(), Some(&SqlState::DIVISION_BY_ZERO));
    let err = client
        .query("SELECT * FROM nope", &[])
        .await
        .expect_err("no table");
    assert_eq!(err.code(), Some(&SqlState::UNDEFINED_TABLE));
    client
        .simple_query("CREATE TABLE t (a int)")
        .await
        .expect("create table");
    let err = client
        .simple_query("CREATE INDEX i ON t ((a + 1))")
        .await
        .expect_err("expression indexes: not yet");
    assert_eq!(err.code(), Some(&SqlState::FEATURE_NOT_SUPPORTED));
    let err = client
        .query("SELECT $1", &[&1i32])
        .await
        .expect_err("indeterminate");
    assert_eq!(err.code(), Some(&SqlState::INDETERMINATE_DATATYPE));
    let err = client
        .simple_query("SET no_such_setting = 1")
        .await
        .expect_err("unknown setting");
    assert_eq!(err.code(), Some(&SqlState::UNDEFINED_OBJECT));
    let row = client
        .query_one("SELECT 'still alive'", &[])
        .await
        .expect("alive");
    assert_eq!(row.get::<_, &str>(0), "still alive");
}

#[tokio::test]
async fn transactions_through_the_driver() {
    let server = TestServer::start(&[]);
    let mut client = connect(&server).await;
    let tx = client.transaction().await.expect("begin");
    tx.simple_query("SET LOCAL extra_float_digits = 3")
        .await
        .expect("set local");
    let row = tx
        .query_one("SELECT current_setting('extra_float_digits')", &[])
        .await
        .expect("show");
    assert_eq!(row.get::<_, &str>(0), "3");
    tx.commit().await.expect("commit");
    let row = client
        .query_one("SELECT current_setting('extra_float_digits')", &[])
        .await
        .expect("show");
    assert_eq!(row.get::<_, &str>(0), "1");
}
