//! pgbench with a custom script in all three protocols: zero failed transactions.

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
