//! Real psql against the real binary: trust and SCRAM logins, SELECT, \timing, SET/SHOW, errors.

mod common;

use common::{stderr, stdout, TestServer};

#[test]
fn psql_trust_select_set_show_and_errors() {
    let server = TestServer::start(&[]);
    let out = server.psql(
        "postgres",
        None,
        &[
            "-A",
            "-t",
            "-c",
            "SELECT 1",
            "-c",
            "SHOW DateStyle",
            "-c",
            "SET datestyle = german",
            "-c",
            "SHOW datestyle",
        ],
    );
    assert!(out.status.success(), "psql failed: {}", stderr(&out));
    // Each -c runs in the same session, so the SET is visible to the next SHOW.
    assert_eq!(stdout(&out), "1\nISO, MDY\nSET\nGerman, DMY\n");

    // psql's own \timing works and a syntax error reports PostgreSQL's message and caret.
    let out = server.psql(
        "postgres",
        None,
        &[
            "-c",
            "\\timing on",
            "-c",
            "SELECT 1 AS one",
            "-c",
            "SELEC 2",
        ],
    );
    let (o, e) = (stdout(&out), stderr(&out));
    assert!(o.contains("Timing is on."), "{o}");
    assert!(o.contains("Time: "), "{o}");
    assert!(
        e.contains("ERROR:  syntax error at or near \"SELEC\""),
        "{e}"
    );

    let out = server.psql("postgres", None, &["-c", "SELECT * FROM pgbench_accounts"]);
    assert!(
        stderr(&out).contains("relation \"pgbench_accounts\" does not exist"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("LINE 1: SELECT * FROM pgbench_accounts"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn psql_scram_login_accepts_the_password_and_rejects_others() {
    let server = TestServer::start(&["--auth", "scram-sha-256", "--password", "s3cret"]);
    let ok = server.psql("alice", Some("s3cret"), &["-A", "-t", "-c", "SELECT 'in'"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(stdout(&ok), "in\n");
    let bad = server.psql("alice", Some("wrong"), &["-c", "SELECT 1"]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("password authentication failed for user \"alice\""),
        "{}",
        stderr(&bad)
    );
    let none = server.psql("alice", None, &["-c", "SELECT 1"]);
    assert!(!none.status.success());
}

#[test]
fn psql_md5_and_cleartext_logins() {
    for method in ["md5", "password"] {
        let server = TestServer::start(&["--auth", method, "--password", "pw"]);
        let ok = server.psql("bob", Some("pw"), &["-A", "-t", "-c", "SELECT 2"]);
        assert!(ok.status.success(), "{method}: {}", stderr(&ok));
        assert_eq!(stdout(&ok), "2\n");
        let bad = server.psql("bob", Some("nope"), &["-c", "SELECT 1"]);
        assert!(!bad.status.success(), "{method} accepted a wrong password");
    }
}

#[test]
fn transaction_status_and_warnings() {
    let server = TestServer::start(&[]);
    let script = "BEGIN;\nSELECT 1/0;\nSELECT 1;\nCOMMIT;\nCOMMIT;\nSET application_name = 'x';\nBEGIN;\nSET application_name = 'inside';\nROLLBACK;\nSHOW application_name;\n";
    let out = {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("psql")
            .args([
                "-X",
                "-A",
                "-t",
                "-h",
                "127.0.0.1",
                "-p",
                &server.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("psql");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write");
        child.wait_with_output().expect("psql output")
    };
    let (o, e) = (stdout(&out), stderr(&out));
    assert!(e.contains("ERROR:  division by zero"), "{e}");
    assert!(
        e.contains("ERROR:  current transaction is aborted, commands ignored until end of transaction block"),
        "{e}"
    );
    assert!(
        e.contains("WARNING:  there is no transaction in progress"),
        "{e}"
    );
    // COMMIT of a failed transaction reports ROLLBACK; the SET inside the rolled-back block is undone.
    assert_eq!(
        o, "BEGIN\nROLLBACK\nCOMMIT\nSET\nBEGIN\nSET\nROLLBACK\nx\n",
        "{o}"
    );
}
