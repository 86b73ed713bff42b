//! pgbench with a custom script in all three protocols: zero failed transactions.

mod common;

use std::process::Command;

use common::TestServer;

#[test]
fn pgbench_select_one_in_every_protocol() {
    let server = TestServer::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("select1.sql");
    std::fs::write(&script, "SELECT 1;\n").expect("script");
    for mode in ["simple", "extended", "prepared"] {
        let out = Command::new("pgbench")
            .args([
                "-n",
                "-h",
                "127.0.0.1",
                "-p",
                &server.port.to_string(),
                "-U",
                "postgres",
                "-c",
                "8",
                "-j",
                "2",
                "-t",
                "200",
                "-M",
                mode,
                "-f",
            ])
            .arg(&script)
            .arg("postgres")
            .output()
            .expect("run pgbench (is postgresql-contrib installed?)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "pgbench -M {mode} failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("number of transactions actually processed: 1600/1600"),
            "{mode}:\n{text}"
        );
        assert!(
            text.contains("number of failed transactions: 0"),
            "{mode}:\n{text}"
        );
    }
}
