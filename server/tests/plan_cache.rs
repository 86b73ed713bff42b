//! The simple-protocol plan cache over the wire: psql runs `data/plan_cache.sql` (each statement
//! shape repeated with different constants, so later runs are answered from the cache), and the
//! output must equal what PostgreSQL 15 printed for the same file (`data/plan_cache.out`, recorded
//! with `psql -X -A -t -f`, the `psql:FILE:LINE: ` prefix of error lines removed).

mod common;

use common::{stderr, stdout, TestServer};

#[test]
fn cached_statements_answer_as_postgresql_does() {
    let server = TestServer::start(&[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/plan_cache.sql");
    let out = server.psql("postgres", None, &["-A", "-t", "-f", script]);
    let expected = include_str!("data/plan_cache.out");
    let expected_out: String = expected
        .lines()
        .filter(|l| !l.starts_with("ERROR:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let expected_err: Vec<&str> = expected
        .lines()
        .filter(|l| l.starts_with("ERROR:"))
        .collect();
    assert_eq!(stdout(&out), expected_out, "stderr: {}", stderr(&out));
    let errors: Vec<String> = stderr(&out)
        .lines()
        .filter_map(|l| l.split_once(": ERROR:").map(|(_, e)| format!("ERROR:{e}")))
        .collect();
    assert_eq!(errors, expected_err);
}

#[test]
fn the_third_statement_of_a_shape_is_a_cache_hit() {
    let server = TestServer::start(&[]);
    let mut args = vec![
        "-A",
        "-t",
        "-c",
        "create table h (id int primary key, v text)",
    ];
    let inserts: Vec<String> = (1..=5)
        .map(|i| format!("insert into h values ({i}, 'v{i}')"))
        .collect();
    for i in &inserts {
        args.extend(["-c", i.as_str()]);
    }
    args.extend([
        "-c",
        "select v from h where id = 4",
        "-c",
        "show pglitedb.plan_cache_hits",
        // SET drops the cache: the next two of a shape miss again.
        "-c",
        "set datestyle = 'German'",
        "-c",
        "insert into h values (6, 'v6')",
        "-c",
        "insert into h values (7, 'v7')",
        "-c",
        "show pglitedb.plan_cache_hits",
        "-c",
        "insert into h values (8, 'v8')",
        "-c",
        "show pglitedb.plan_cache_hits",
    ]);
    let out = server.psql("postgres", None, &args);
    // Inserts 3, 4 and 5 are hits; 6 and 7 miss after the SET; 8 hits.
    assert_eq!(
        stdout(&out),
        "CREATE TABLE\nINSERT 0 1\nINSERT 0 1\nINSERT 0 1\nINSERT 0 1\nINSERT 0 1\nv4\n3\nSET\nINSERT 0 1\nINSERT 0 1\n3\nINSERT 0 1\n4\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn text_parameters_are_read_under_the_session_settings() {
    // pgbench -M prepared sends its variables as text parameters; under DateStyle German
    // '05.04.2024' is the 5th of April, as PostgreSQL reads it.
    let server = TestServer::start(&[]);
    let out = server.psql(
        "postgres",
        None,
        &["-c", "create table pd (id int primary key, d date)"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("pd.sql");
    std::fs::write(
        &script,
        "set datestyle = 'German';\ninsert into pd values (:id, :d);\n",
    )
    .expect("script");
    server.pgbench(
        &script,
        "prepared",
        &["-t", "1", "-D", "id=1", "-D", "d=05.04.2024"],
    );
    let out = server.psql(
        "postgres",
        None,
        &["-A", "-t", "-c", "select d from pd where id = 1"],
    );
    assert_eq!(stdout(&out), "2024-04-05\n", "{}", stderr(&out));
}
