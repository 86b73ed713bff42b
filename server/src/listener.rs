//! Accepting connections and handing them to router cores.
//!
//! Shard 0 accepts every connection and gives it to the router core with the fewest live sessions
//! (ties go to the lowest id). pgbench and pools open all their connections at start and keep them,
//! so initial placement decides the balance; hashing (SO_REUSEPORT) spreads 32 connections over a few
//! cores visibly unevenly, least-loaded does not.

use std::rc::Rc;
use std::sync::atomic::Ordering;

use futures_lite::future;
use glommio::net::{AcceptedTcpStream, TcpListener};
use pglitedb_shard::ShardId;
use tracing::{info, warn};

use crate::mesh::Envelope;
use crate::session;
use crate::worker::Worker;

/// Binds the listening socket as PostgreSQL does: SO_REUSEADDR and no SO_REUSEPORT. glommio's own
/// `bind` sets only SO_REUSEPORT, which would let a second server share the port silently and, for
/// want of SO_REUSEADDR, refuses to bind while connections of a previous run are in TIME_WAIT (a
/// restart right after a crash or a load run failed for a minute). std's bind sets SO_REUSEADDR, so
/// a second listener still fails with EADDRINUSE; glommio adopts the socket.
#[allow(unsafe_code)]
pub fn bind(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    use std::os::fd::{FromRawFd, IntoRawFd};
    let fd = std::net::TcpListener::bind(addr)?.into_raw_fd();
    // SAFETY: `fd` is a bound, listening TCP socket whose ownership `into_raw_fd` released; it is
    // handed to glommio exactly once. `listen` again only raises the backlog (std uses 128) to
    // glommio's 1024, so a burst of pgbench clients is not throttled by SYN retries.
    unsafe {
        libc::listen(fd, 1024);
        Ok(TcpListener::from_raw_fd(fd))
    }
}

/// The acceptor loop on shard 0. Returns when the worker's shutdown latch fires.
pub async fn accept_loop(worker: Rc<Worker>, listener: TcpListener, routers: usize) {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    // Connections wait in the backlog until every shard has recovered.
    while !worker.counters.serving.load(Ordering::Acquire) {
        if worker.shutdown.is_fired() {
            return;
        }
        glommio::timer::sleep(std::time::Duration::from_millis(5)).await;
    }
    info!(%addr, routers, "accepting connections");
    loop {
        let accepted = future::or(async { Some(listener.shared_accept().await) }, async {
            worker.shutdown.wait().await;
            None
        })
        .await;
        let stream = match accepted {
            None => break,
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                warn!(error = %e, "accept failed");
                glommio::timer::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let target = least_loaded(&worker, routers);
        if target == worker.id {
            start_session(worker.clone(), stream);
        } else {
            // Count it now so that a burst of connects spreads before the target registers it.
            worker.counters.sessions[target.0 as usize].fetch_add(1, Ordering::Relaxed);
            if !worker.send(target, Envelope::Connection(stream)).await {
                warn!(%target, "could not hand a connection to its core");
                worker.counters.sessions[target.0 as usize].fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
    info!("acceptor stopped");
}

fn least_loaded(worker: &Worker, routers: usize) -> ShardId {
    let load = |i: usize| worker.counters.sessions[i].load(Ordering::Relaxed);
    let best = (0..routers).min_by_key(|&i| (load(i), i)).unwrap_or(0);
    ShardId(best as u16)
}

/// Runs a connection's session on the current core.
pub fn start_session(worker: Rc<Worker>, stream: AcceptedTcpStream) {
    let stream = stream.bind_to_executor();
    glommio::spawn_local(session::run(worker, stream)).detach();
}

/// Handler for connections handed over by the acceptor (undoes its provisional count; the session
/// registers itself).
pub fn connection_handler(worker: &Rc<Worker>) -> Rc<dyn Fn(Envelope)> {
    let w = Rc::downgrade(worker);
    Rc::new(move |env| {
        let (Some(worker), Envelope::Connection(stream)) = (w.upgrade(), env) else {
            return;
        };
        worker.counters.sessions[worker.id.0 as usize].fetch_sub(1, Ordering::Relaxed);
        start_session(worker, stream);
    })
}
