//! psql's describe commands (`\d`, `\dt`, `\d TABLE`, `\d+ TABLE`, `\l`, `\dn`, ...) against the
//! real binary print exactly what they print against PostgreSQL 15 for the same schema. The
//! expected outputs in `data/describe/NN.out` were recorded from PostgreSQL 15 by
//! `scripts/record-describe-expected.sh` (line N of `commands.txt` → `NN.out`).

mod common;

use common::{stderr, TestServer};

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/describe/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn describe_commands_print_what_postgresql_prints() {
    let server = TestServer::start(&[]);
    let schema = format!(
        "{}/tests/data/describe/schema.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = server.psql(
        "postgres",
        None,
        &["-q", "-v", "ON_ERROR_STOP=1", "-f", &schema],
    );
    assert!(out.status.success(), "schema failed: {}", stderr(&out));
    let mut failures = Vec::new();
    for (i, cmd) in data("commands.txt").lines().enumerate() {
        let expected = data(&format!("{:02}.out", i + 1));
        let out = server.psql("postgres", None, &["-c", cmd]);
        let got = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if got != expected {
            failures.push(format!(
                "{cmd}\n--- PostgreSQL 15\n{expected}--- ours\n{got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
