//! The task that owns a core's [`Shard`]: serves its request queue in arrival order, parks requests
//! that wait for a row lock, and answers writes only once they are durable.
//!
//! Parked requests are handled again, unchanged, whenever a transaction ends on this shard. A request
//! whose wait would close a cycle among this shard's waiters, or that has waited longer than
//! [`DEADLOCK_TIMEOUT`], is answered with 40P01 (the cross-shard stand-in described in `shard/src/txn.rs`).

use std::rc::Rc;
use std::time::{Duration, Instant};

use glommio::channels::local_channel::LocalReceiver;
use pglitedb_shard::txn::closes_cycle;
use pglitedb_shard::{Handled, Shard, ShardError, ShardRequest, ShardResponse, TxnId};
use pglitedb_storage::io::Io;

use crate::worker::{Reply, Worker};

/// PostgreSQL's default deadlock_timeout.
pub const DEADLOCK_TIMEOUT: Duration = Duration::from_secs(1);

struct Parked {
    req: ShardRequest,
    reply: Reply,
    waiter: TxnId,
    holder: TxnId,
    since: Instant,
}

/// Serves `shard` until the queue closes.
pub async fn run<I: Io + 'static>(
    worker: Rc<Worker>,
    mut shard: Shard<I>,
    requests: LocalReceiver<(ShardRequest, Reply)>,
) {
    let mut parked: Vec<Parked> = Vec::new();
    while let Some((req, reply)) = requests.recv().await {
        serve(&worker, &mut shard, req, reply, Instant::now(), &mut parked).await;
        // A transaction ended: every parked request may proceed now (or park again).
        while shard.take_released() && !parked.is_empty() {
            for p in std::mem::take(&mut parked) {
                serve(&worker, &mut shard, p.req, p.reply, p.since, &mut parked).await;
            }
        }
        expire(&worker, &mut parked);
        glommio::yield_if_needed().await;
    }
}

async fn serve<I: Io + 'static>(
    worker: &Rc<Worker>,
    shard: &mut Shard<I>,
    req: ShardRequest,
    reply: Reply,
    since: Instant,
    parked: &mut Vec<Parked>,
) {
    match shard.handle(&req).await {
        Handled::Now(resp) => worker.deliver(reply, resp),
        Handled::AfterCommit(ticket, resp) => {
            let w = worker.clone();
            glommio::spawn_local(async move {
                let resp = match ticket.durable().await {
                    Ok(()) => resp,
                    Err(e) => ShardResponse::Error(ShardError::from(e)),
                };
                w.deliver(reply, resp);
            })
            .detach();
        }
        Handled::Blocked { waiter, holder } => {
            let edges: Vec<(TxnId, TxnId)> = parked.iter().map(|p| (p.waiter, p.holder)).collect();
            if closes_cycle(&edges, waiter, holder) {
                let detail = format!(
                    "Transaction {} waits for transaction {}, which waits for it.",
                    waiter.0, holder.0
                );
                worker.deliver(reply, ShardResponse::Error(ShardError::Deadlock { detail }));
            } else {
                parked.push(Parked {
                    req,
                    reply,
                    waiter,
                    holder,
                    since,
                });
            }
        }
    }
}

/// Answers requests that waited longer than the deadlock timeout.
fn expire(worker: &Rc<Worker>, parked: &mut Vec<Parked>) {
    let now = Instant::now();
    let (expired, kept): (Vec<Parked>, Vec<Parked>) = std::mem::take(parked)
        .into_iter()
        .partition(|p| now.duration_since(p.since) >= DEADLOCK_TIMEOUT);
    *parked = kept;
    for p in expired {
        let detail = format!(
            "Transaction {} waited more than {} ms for transaction {}.",
            p.waiter.0,
            DEADLOCK_TIMEOUT.as_millis(),
            p.holder.0
        );
        worker.deliver(
            p.reply,
            ShardResponse::Error(ShardError::Deadlock { detail }),
        );
    }
}
