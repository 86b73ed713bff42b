//! Hostile and broken clients: garbage, truncated messages and absurd lengths get an error and a
//! closed connection, while the server keeps serving others; cancel requests crash nothing; SIGTERM
//! shuts down cleanly.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{stdout, TestServer};

fn startup_packet(user: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196608u32.to_be_bytes());
    for (k, v) in [("user", user), ("database", "postgres")] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut p = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    p.extend_from_slice(&body);
    p
}

/// Sends `bytes` on a fresh connection and returns everything the server sends back until it closes.
fn exchange(port: u16, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

fn assert_alive(server: &TestServer) {
    let out = server.psql("postgres", None, &["-A", "-t", "-c", "SELECT 7"]);
    assert_eq!(
        stdout(&out),
        "7\n",
        "server stopped serving; log:\n{}",
        server.log()
    );
}

#[test]
fn garbage_truncation_and_absurd_lengths_close_only_that_connection() {
    let server = TestServer::start(&[]);
    // Garbage instead of a startup packet, and an absurd startup length.
    let reply = exchange(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        reply.first(),
        Some(&b'E'),
        "expected ErrorResponse, got {reply:?}"
    );
    let reply = exchange(server.port, &[0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0]);
    assert_eq!(reply.first(), Some(&b'E'));
    // A truncated startup packet followed by EOF: the server just closes.
    let reply = exchange(server.port, &[0, 0, 0, 40, 0, 3]);
    assert!(reply.is_empty() || reply[0] == b'E');
    assert_alive(&server);

    // After a good startup: an unknown message type, an absurd length, a truncated Bind.
    for bad in [
        vec![b'?', 0, 0, 0, 4],
        vec![b'Q', 0x7f, 0xff, 0xff, 0xff],
        vec![b'B', 0, 0, 0, 8, 0, 0, 0xff, 0xff],
        vec![b'Q', 0, 0, 0, 2],
    ] {
        let mut bytes = startup_packet("postgres");
        bytes.extend_from_slice(&bad);
        let reply = exchange(server.port, &bytes);
        // ...AuthenticationOk ... ReadyForQuery, then an ErrorResponse, then close.
        let z = reply
            .iter()
            .position(|&b| b == b'Z')
            .expect("ReadyForQuery");
        assert!(
            reply[z..].contains(&b'E'),
            "no error for {bad:?}: {reply:?}"
        );
    }
    assert_alive(&server);
}

#[test]
fn cancel_requests_are_harmless() {
    let server = TestServer::start(&[]);
    // A cancel for a session that does not exist, one for a pid on a core that does not exist, and a
    // malformed one.
    for (pid, secret) in [(1i32, 2i32), (i32::MAX, 0), (-1, -1)] {
        let mut p = 16u32.to_be_bytes().to_vec();
        p.extend_from_slice(&80877102u32.to_be_bytes());
        p.extend_from_slice(&pid.to_be_bytes());
        p.extend_from_slice(&secret.to_be_bytes());
        let reply = exchange(server.port, &p);
        assert!(
            reply.is_empty(),
            "the server must not answer a cancel request"
        );
    }
    let reply = exchange(
        server.port,
        &[0, 0, 0, 12, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1],
    );
    assert_eq!(reply.first(), Some(&b'E'));
    assert_alive(&server);
}

#[tokio::test]
async fn cancel_from_a_driver_is_accepted() {
    let server = TestServer::start(&[]);
    let (client, conn) =
        tokio_postgres::connect(&server.conninfo("postgres"), tokio_postgres::NoTls)
            .await
            .expect("connect");
    tokio::spawn(conn);
    let token = client.cancel_token();
    token
        .cancel_query(tokio_postgres::NoTls)
        .await
        .expect("cancel request sent");
    // Let the cancel land while the session is idle.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // An idle session is not affected by a cancel, as in PostgreSQL.
    let row = client
        .query_one("SELECT 1", &[])
        .await
        .expect("still works");
    assert_eq!(row.get::<_, i32>(0), 1);
}

#[test]
fn sigterm_shuts_down_cleanly_and_tells_clients() {
    let mut server = TestServer::start(&["--shards", "2"]);
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    s.write_all(&startup_packet("postgres")).expect("startup");
    let mut buf = [0u8; 4096];
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let n = s.read(&mut buf).expect("greeting");
    assert!(buf[..n].contains(&b'Z'));
    let status = server.terminate();
    assert!(
        status.success(),
        "exit status {status:?}; log:\n{}",
        server.log()
    );
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.contains("57P01"),
        "expected admin-shutdown FATAL, got {text:?}"
    );
    assert!(
        server.log().contains("shutdown complete"),
        "log:\n{}",
        server.log()
    );
}

#[test]
fn executors_are_pinned_and_a_busy_port_is_refused() {
    let server = TestServer::start(&["--shards", "2"]);
    let log = server.wait_log("PGLiteDB ready");
    for shard in ["shard=shard-0 placement=pinned to cpu 0", "shard=shard-1"] {
        assert!(log.contains(shard), "{log}");
    }
    // A second server on the same port must fail instead of sharing it (SO_REUSEPORT).
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pglitedb"))
        .args([
            "--listen",
            &format!("127.0.0.1:{}", server.port),
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot listen"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_alive(&server);
}
