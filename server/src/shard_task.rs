//! The task that owns a core's [`Shard`]: serves its request queue in arrival order, parks requests
//! that wait for a row lock (or for a prepared transaction's outcome), answers writes only once they
//! are durable, and collects old row versions.
//!
//! # Waiting
//! Parked requests are handled again, unchanged, whenever a transaction ends (or rolls back to a
//! savepoint) on this shard. A parked request ends with an error when:
//! - its wait would close a cycle among this shard's waiters (40P01, at once);
//! - it has waited `lock_timeout` (55P03 "canceling statement due to lock timeout");
//! - its session interrupts it ([`ShardRequest::Interrupt`]: cancel request or statement_timeout,
//!   57014), or a deadlock check finds it in a cycle across shards (40P01).
//!
//! # Deadlocks across shards
//! After a request has waited [`DEADLOCK_TIMEOUT`] (and again after each further period), the task
//! spawns a check that asks every shard for its waits-for edges ([`ShardRequest::WaitsFor`]) and
//! looks for a cycle through the waiter. Every member of a cycle runs such checks; only the youngest
//! transaction of the cycle (the largest id) aborts itself, so one abort breaks it. Edges come from
//! different shards at slightly different moments; a cycle seen that way is real unless one of its
//! waits ended meanwhile, which costs at worst one needless 40P01.

use std::collections::HashSet;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::future;
use glommio::channels::local_channel::LocalReceiver;
use pglitedb_shard::txn::closes_cycle;
use pglitedb_shard::{
    Handled, Interrupt, Shard, ShardError, ShardId, ShardRequest, ShardResponse, TxnId,
};
use pglitedb_storage::io::Io;

use crate::worker::{Reply, Worker};

/// PostgreSQL's default deadlock_timeout.
pub const DEADLOCK_TIMEOUT: Duration = Duration::from_secs(1);
/// How often old versions are collected (and this core's oldest snapshot published).
const GC_PERIOD: Duration = Duration::from_millis(100);

struct Parked {
    req: ShardRequest,
    reply: Reply,
    waiter: TxnId,
    holder: TxnId,
    /// lock_timeout's end, if set.
    lock_deadline: Option<Instant>,
    /// When to look for a deadlock next.
    next_check: Instant,
}

/// Serves `shard` until the queue closes.
pub async fn run<I: Io + 'static>(
    worker: Rc<Worker>,
    mut shard: Shard<I>,
    requests: LocalReceiver<(ShardRequest, Reply)>,
) {
    shard.set_clock(worker.counters.clock.clone());
    glommio::spawn_local(collect_loop(worker.clone())).detach();
    let mut parked: Vec<Parked> = Vec::new();
    loop {
        // A timer only while something waits: the common path is a plain receive.
        let wake = parked
            .iter()
            .flat_map(|p| [Some(p.next_check), p.lock_deadline])
            .flatten()
            .min();
        let next = match wake {
            None => Some(requests.recv().await),
            Some(wake) => {
                let now = Instant::now();
                future::or(async { Some(requests.recv().await) }, async {
                    glommio::timer::sleep(wake.saturating_duration_since(now)).await;
                    None
                })
                .await
            }
        };
        match next {
            Some(None) => return,
            Some(Some((req, reply))) => match req {
                ShardRequest::Interrupt { txn, reason } => {
                    interrupt(&worker, &mut parked, txn, reason);
                    worker.deliver(reply, ShardResponse::Done);
                }
                ShardRequest::WaitsFor => {
                    let edges = parked.iter().map(|p| (p.waiter, p.holder)).collect();
                    worker.deliver(reply, ShardResponse::WaitsFor(edges));
                }
                req => {
                    let (lock_deadline, next_check) = deadlines(&req, Instant::now());
                    serve(
                        &worker,
                        &mut shard,
                        req,
                        reply,
                        lock_deadline,
                        next_check,
                        &mut parked,
                    )
                    .await;
                }
            },
            None => {}
        }
        // A transaction ended: every parked request may proceed now (or park again).
        while shard.take_released() && !parked.is_empty() {
            for p in std::mem::take(&mut parked) {
                serve(
                    &worker,
                    &mut shard,
                    p.req,
                    p.reply,
                    p.lock_deadline,
                    p.next_check,
                    &mut parked,
                )
                .await;
            }
        }
        if !parked.is_empty() {
            timeouts(&worker, &mut parked);
        }
        glommio::yield_if_needed().await;
    }
}

/// Every [`GC_PERIOD`]: publishes this core's oldest snapshot and has the shard drop versions
/// older than the server's horizon.
async fn collect_loop(worker: Rc<Worker>) {
    loop {
        let tick = future::or(
            async {
                glommio::timer::sleep(GC_PERIOD).await;
                true
            },
            async {
                worker.shutdown.wait().await;
                false
            },
        )
        .await;
        if !tick {
            return;
        }
        worker.publish_oldest_snapshot();
        let horizon = worker.counters.horizon();
        worker
            .request(worker.id, ShardRequest::CollectVersions { horizon })
            .await;
    }
}

fn deadlines(req: &ShardRequest, now: Instant) -> (Option<Instant>, Instant) {
    let lock = req
        .txn_ctx()
        .map(|t| t.lock_timeout_ms)
        .filter(|ms| *ms > 0)
        .map(|ms| now + Duration::from_millis(u64::from(ms)));
    (lock, now + DEADLOCK_TIMEOUT)
}

async fn serve<I: Io + 'static>(
    worker: &Rc<Worker>,
    shard: &mut Shard<I>,
    req: ShardRequest,
    reply: Reply,
    lock_deadline: Option<Instant>,
    next_check: Instant,
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
                    lock_deadline,
                    next_check,
                });
            }
        }
    }
}

/// Answers `txn`'s parked requests with `reason`'s error.
fn interrupt(worker: &Rc<Worker>, parked: &mut Vec<Parked>, txn: TxnId, reason: Interrupt) {
    let (hit, kept): (Vec<Parked>, Vec<Parked>) = std::mem::take(parked)
        .into_iter()
        .partition(|p| p.waiter == txn);
    *parked = kept;
    for p in hit {
        worker.deliver(p.reply, ShardResponse::Error(reason.error()));
    }
}

/// Answers requests whose lock_timeout passed, and starts deadlock checks that are due.
fn timeouts(worker: &Rc<Worker>, parked: &mut Vec<Parked>) {
    let now = Instant::now();
    let (expired, kept): (Vec<Parked>, Vec<Parked>) = std::mem::take(parked)
        .into_iter()
        .partition(|p| p.lock_deadline.is_some_and(|d| now >= d));
    *parked = kept;
    for p in expired {
        worker.deliver(p.reply, ShardResponse::Error(ShardError::LockTimeout));
    }
    for p in parked.iter_mut().filter(|p| now >= p.next_check) {
        p.next_check = now + DEADLOCK_TIMEOUT;
        let (w, waiter) = (worker.clone(), p.waiter);
        glommio::spawn_local(async move { check_deadlock(w, waiter).await }).detach();
    }
}

/// Gathers every shard's waits-for edges; if `waiter` is the youngest member of a cycle, it is
/// interrupted with 40P01 (module docs).
async fn check_deadlock(worker: Rc<Worker>, waiter: TxnId) {
    let shards: Vec<(ShardId, ShardRequest)> = (0..worker.cores())
        .map(|i| (ShardId(i as u16), ShardRequest::WaitsFor))
        .collect();
    let mut edges = Vec::new();
    for resp in crate::session::scatter(&worker, shards).await {
        if let ShardResponse::WaitsFor(e) = resp {
            edges.extend(e);
        }
    }
    if let Some(members) = cycle_through(&edges, waiter) {
        if members.iter().max() == Some(&waiter) {
            let req = ShardRequest::Interrupt {
                txn: waiter,
                reason: Interrupt::Deadlock,
            };
            let all: Vec<_> = (0..worker.cores())
                .map(|i| (ShardId(i as u16), req.clone()))
                .collect();
            crate::session::scatter(&worker, all).await;
        }
    }
}

/// The transactions on a cycle through `start` in the graph `edges`, if there is one.
fn cycle_through(edges: &[(TxnId, TxnId)], start: TxnId) -> Option<Vec<TxnId>> {
    let reach = |from: TxnId| -> HashSet<TxnId> {
        let mut seen = HashSet::new();
        let mut stack = vec![from];
        while let Some(t) = stack.pop() {
            for (_, h) in edges.iter().filter(|(w, _)| *w == t) {
                if seen.insert(*h) {
                    stack.push(*h);
                }
            }
        }
        seen
    };
    let from_start = reach(start);
    if !from_start.contains(&start) {
        return None;
    }
    Some(
        from_start
            .into_iter()
            .filter(|t| reach(*t).contains(&start))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_across_shards_are_found_with_their_members() {
        let (a, b, c, d) = (TxnId(1), TxnId(2), TxnId(3), TxnId(4));
        let edges = [(a, b), (b, c), (c, a), (d, a)];
        let mut m = cycle_through(&edges, b).expect("cycle");
        m.sort();
        assert_eq!(m, vec![a, b, c]);
        assert_eq!(
            cycle_through(&edges, d),
            None,
            "d waits on a cycle but is not in it"
        );
    }
}
