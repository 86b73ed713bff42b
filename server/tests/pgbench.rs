//! pgbench unmodified: its own initialisation (client-side COPY and server-side generation) and its
//! built-in scripts in all three protocols, with zero failed transactions; and a custom script.

mod common;

use common::TestServer;

#[test]
fn pgbench_select_one_in_every_protocol() {
    let server = TestServer::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("select1.sql");
    std::fs::write(&script, "SELECT 1;\n").expect("script");
    for mode in ["simple", "extended", "prepared"] {
        let text = server.pgbench(&script, mode, &["-c", "8", "-j", "2", "-t", "200"]);
        assert!(
            text.contains("number of transactions actually processed: 1600/1600"),
            "{mode}:\n{text}"
        );
    }
}

fn query(server: &TestServer, sql: &str) -> String {
    let out = server.psql("postgres", None, &["-tAc", sql]);
    assert!(out.status.success(), "{sql}: {}", common::stderr(&out));
    common::stdout(&out).trim().to_string()
}

#[test]
fn pgbench_init_and_builtin_scripts_in_every_protocol() {
    let server = TestServer::start(&[]);
    for init in [&["-i", "-s", "1"][..], &["-i", "-s", "1", "-I", "dtGvp"]] {
        let text = server.pgbench_args(init);
        assert!(text.contains("creating primary keys..."), "{text}");
        for (table, n) in [("accounts", "100000"), ("tellers", "10"), ("branches", "1")] {
            let sql = format!("SELECT count(*) FROM pgbench_{table}");
            assert_eq!(query(&server, &sql), n, "{init:?}");
        }
    }
    let mut tellers_before = 0i64;
    for mode in ["simple", "extended", "prepared"] {
        for script in ["-S", "-N", "-btpcb-like"] {
            if script == "-btpcb-like" {
                tellers_before = query(&server, "SELECT sum(tbalance) FROM pgbench_tellers")
                    .parse()
                    .expect("sum");
            }
            let text = server.pgbench_args(&["-M", mode, script, "-c", "4", "-j", "2", "-t", "25"]);
            assert!(
                text.contains("number of transactions actually processed: 100/100")
                    && text.contains("number of failed transactions: 0"),
                "{mode} {script}:\n{text}"
            );
        }
    }
    // Each run starts by truncating pgbench_history, so it holds the last (tpcb-like) run's 100
    // transactions, whose deltas moved the tellers' and branches' totals alike.
    let tellers: i64 = query(&server, "SELECT sum(tbalance) FROM pgbench_tellers")
        .parse()
        .expect("sum");
    let branches: i64 = query(&server, "SELECT sum(bbalance) FROM pgbench_branches")
        .parse()
        .expect("sum");
    let history: i64 = query(&server, "SELECT sum(delta) FROM pgbench_history")
        .parse()
        .expect("sum");
    assert_eq!(
        query(&server, "SELECT count(*) FROM pgbench_history"),
        "100"
    );
    assert_eq!(tellers, branches);
    assert_eq!(tellers - tellers_before, history);
}
