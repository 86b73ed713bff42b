//! One core's context: its shard, its mesh endpoints, its sessions, and the request/response plumbing.
//!
//! A [`Worker`] lives in an `Rc` on its executor; every task of that core (sessions, receive loops,
//! the acceptor) shares it. Borrows of its `RefCell`s are always released before any `.await`.
//!
//! # Request/response over the mesh
//! ```text
//!  core A (session)                                   core B (shard)  [see below for the local path]
//!  request(B, req) ── id=7 ──► pending[7]=slot
//!      send Envelope::Request{from:A,id:7} ─────────► receive loop: shard.handle(req)  (never awaits)
//!                                                      try_send Response{id:7} (or spawn a sender task)
//!  receive loop ◄────────────── Envelope::Response{id:7}
//!      pending.remove(7).send(resp) ──► request() resolves
//! ```
//!
//! Requests for the local shard go through the same queue with a `Local` reply slot, so one task owns
//! the shard and serves requests in arrival order; receive loops only enqueue and never await.
//!
//! The core's catalog replica is replaced (copy-on-write `Rc`) when its shard answers a commit that
//! changed the catalog (`Committed`, see `shard/src/ddl.rs`) or DDL that commits on its own (index
//! publication, row rewrites, databases), after the change is applied; sessions bind against the
//! snapshot they took (plus their transaction's own changes, `session/ddl.rs`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use glommio::channels::local_channel::{self, LocalReceiver, LocalSender};
use glommio::channels::shared_channel::ConnectedSender;
use pglitedb_shard::{ShardError, ShardId, ShardRequest, ShardResponse, TxnId};
use pglitedb_sql::{TableDef, TableId};
use tracing::{debug, warn};

use crate::config::Config;
use crate::mesh::{Envelope, Mesh};
use crate::signal::{oneshot, Latch, OneshotSender};

/// What the worker knows about one of its sessions, for CancelRequest.
pub struct SessionEntry {
    pub secret: i32,
    /// Set by a valid CancelRequest; the session checks it while a statement runs.
    pub cancel: Rc<Cell<bool>>,
}

/// Per-core counters visible to other cores (lock-free words, the only shared state).
pub struct SharedCounters {
    /// Live sessions per core: the acceptor hands new connections to the least loaded router core.
    pub sessions: Vec<AtomicUsize>,
    /// Set once every shard has recovered: the acceptor waits for it.
    pub serving: std::sync::atomic::AtomicBool,
    /// Transaction ids, unique across cores and restarts (seeded from the clock at start-up; recovery
    /// of prepared transactions keys on them).
    next_txn: std::sync::atomic::AtomicU64,
    /// The one timestamp source of snapshots and commits (see `shard/src/mvcc.rs`).
    pub clock: pglitedb_shard::Clock,
    /// Per core: a timestamp no live snapshot of that core's sessions is older than (published by
    /// the core, see [`Worker::publish_oldest_snapshot`]); their minimum is the GC horizon.
    oldest_snapshot: Vec<std::sync::atomic::AtomicU64>,
}

impl SharedCounters {
    pub fn new(cores: usize) -> Arc<SharedCounters> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_micros() as u64);
        Arc::new(SharedCounters {
            sessions: (0..cores).map(|_| AtomicUsize::new(0)).collect(),
            serving: std::sync::atomic::AtomicBool::new(false),
            next_txn: std::sync::atomic::AtomicU64::new(now),
            clock: pglitedb_shard::Clock::default(),
            oldest_snapshot: (0..cores)
                .map(|_| std::sync::atomic::AtomicU64::new(0))
                .collect(),
        })
    }

    /// The oldest snapshot any session of the server may still read at: versions older than the
    /// newest one committed at or before it can go.
    pub fn horizon(&self) -> pglitedb_shard::Ts {
        self.oldest_snapshot
            .iter()
            .map(|a| a.load(Ordering::SeqCst))
            .min()
            .unwrap_or(0)
    }

    /// A fresh transaction id.
    pub fn new_txn(&self) -> TxnId {
        TxnId(self.next_txn.fetch_add(1, Ordering::Relaxed))
    }
}

/// Where a shard's answer goes.
pub enum Reply {
    Local(OneshotSender<ShardResponse>),
    Remote { from: ShardId, id: u64 },
}

/// A core's view of the catalog: databases (tenants), their schemas, and their relations by
/// (database, schema, name).
#[derive(Default, Clone)]
pub struct CatalogReplica {
    /// Relations by (database, schema, name).
    tables: HashMap<(String, String, String), Arc<TableDef>>,
    /// The schemas users created, of every database.
    schemas: Vec<pglitedb_sql::SchemaDef>,
    databases: std::collections::BTreeSet<String>,
    /// ALTER DATABASE SET defaults by database, applied to sessions as they connect.
    database_settings: HashMap<String, Vec<(String, String)>>,
    /// User-defined functions of every database, by id.
    functions: HashMap<u64, Arc<pglitedb_sql::FunctionDef>>,
}

impl CatalogReplica {
    /// A relation of `database` by schema and name.
    pub fn table(&self, database: &str, schema: &str, name: &str) -> Option<Arc<TableDef>> {
        self.tables
            .get(&(database.to_string(), schema.to_string(), name.to_string()))
            .cloned()
    }

    /// The schemas users created in `database`.
    pub fn schemas_of(&self, database: &str) -> Vec<pglitedb_sql::SchemaDef> {
        (self.schemas.iter())
            .filter(|s| s.database == database)
            .cloned()
            .collect()
    }

    /// A database's setting defaults (ALTER DATABASE SET), in the order they were set.
    pub fn database_settings(&self, name: &str) -> &[(String, String)] {
        self.database_settings.get(name).map_or(&[], Vec::as_slice)
    }

    /// A table of `database` by id.
    pub fn table_by_id(&self, database: &str, id: TableId) -> Option<Arc<TableDef>> {
        self.tables
            .values()
            .find(|t| t.id == id && t.database == database)
            .cloned()
    }

    /// The direct partitions of `parent`, in id (creation) order.
    pub fn partitions(&self, database: &str, parent: TableId) -> Vec<Arc<TableDef>> {
        let mut out: Vec<Arc<TableDef>> = self
            .tables
            .values()
            .filter(|t| {
                t.database == database
                    && t.partition_of.as_ref().is_some_and(|p| p.parent == parent)
            })
            .cloned()
            .collect();
        out.sort_by_key(|t| t.id);
        out
    }

    /// The tables of `database`, by name.
    pub fn tables_of(&self, database: &str) -> Vec<Arc<TableDef>> {
        let mut out: Vec<Arc<TableDef>> = self
            .tables
            .iter()
            .filter(|((db, _, _), _)| db == database)
            .map(|(_, t)| t.clone())
            .collect();
        out.sort_by(|a, b| (&a.name, &a.schema).cmp(&(&b.name, &b.schema)));
        out
    }

    /// Every database's name, in order.
    pub fn database_names(&self) -> Vec<String> {
        self.databases.iter().cloned().collect()
    }

    /// The sequences of `database` owned by table `owner` (SERIAL/identity columns).
    pub fn owned_sequences(&self, database: &str, owner: TableId) -> Vec<Arc<TableDef>> {
        (self.tables.iter())
            .filter(|((db, _, _), t)| {
                db == database && t.sequence.is_some_and(|s| s.owned_by == Some(owner))
            })
            .map(|(_, t)| t.clone())
            .collect()
    }

    /// The table of `database` whose schema `schema` has an index named `name`.
    pub fn index_owner(&self, database: &str, schema: &str, name: &str) -> Option<Arc<TableDef>> {
        self.tables
            .values()
            .find(|t| t.database == database && t.schema == schema && t.index_named(name).is_some())
            .cloned()
    }

    /// The user-defined functions of `database` called `name` (its overloads), in id order.
    pub fn functions_named(
        &self,
        database: &str,
        name: &str,
    ) -> Vec<Arc<pglitedb_sql::FunctionDef>> {
        let mut out: Vec<_> = (self.functions.values())
            .filter(|f| f.database == database && f.name == name)
            .cloned()
            .collect();
        out.sort_by_key(|f| f.id);
        out
    }

    /// Every user-defined function of `database`, in id order.
    pub fn functions_of(&self, database: &str) -> Vec<Arc<pglitedb_sql::FunctionDef>> {
        let mut out: Vec<_> = (self.functions.values())
            .filter(|f| f.database == database)
            .cloned()
            .collect();
        out.sort_by_key(|f| f.id);
        out
    }

    /// Whether a database exists.
    pub fn has_database(&self, name: &str) -> bool {
        self.databases.contains(name)
    }

    /// Applies one table change: `old` leaves (by its name), `new` enters.
    pub fn apply_table_change(&mut self, old: Option<&TableDef>, new: Option<&Arc<TableDef>>) {
        if let Some(o) = old {
            if self.tables.get(&key(o)).is_some_and(|t| t.id == o.id) {
                self.tables.remove(&key(o));
            }
        }
        if let Some(n) = new {
            self.tables.insert(key(n), n.clone());
        }
    }
}

fn key(t: &TableDef) -> (String, String, String) {
    (t.database.clone(), t.schema.clone(), t.name.clone())
}

/// One core's context. See the module docs.
pub struct Worker {
    pub id: ShardId,
    pub config: Arc<Config>,
    pub counters: Arc<SharedCounters>,
    pub shutdown: Latch,
    queue: LocalSender<(ShardRequest, Reply)>,
    catalog: RefCell<Rc<CatalogReplica>>,
    senders: Vec<Option<ConnectedSender<Envelope>>>,
    pending: RefCell<HashMap<u64, OneshotSender<ShardResponse>>>,
    next_request: Cell<u64>,
    sessions: RefCell<HashMap<i32, SessionEntry>>,
    next_session: Cell<i32>,
    /// The transaction each session runs its current statement in (for cancel requests).
    running: RefCell<HashMap<i32, TxnId>>,
    /// Live snapshots of this core's sessions (a multiset: timestamp → count).
    snapshots: RefCell<std::collections::BTreeMap<pglitedb_shard::Ts, usize>>,
}

impl Worker {
    /// Creates the worker and takes the mesh's senders; the caller starts the receive loops with the
    /// returned receivers (see [`Worker::spawn_receive_loops`]).
    pub fn new(
        mut mesh: Mesh,
        config: Arc<Config>,
        counters: Arc<SharedCounters>,
    ) -> (Rc<Worker>, Mesh, LocalReceiver<(ShardRequest, Reply)>) {
        let senders = std::mem::take(&mut mesh.senders);
        let (queue, requests) = local_channel::new_unbounded();
        let worker = Rc::new(Worker {
            id: mesh.id,
            config,
            counters,
            shutdown: Latch::default(),
            queue,
            catalog: RefCell::new(Rc::new(CatalogReplica::default())),
            senders,
            pending: RefCell::new(HashMap::new()),
            next_request: Cell::new(1),
            sessions: RefCell::new(HashMap::new()),
            next_session: Cell::new(1),
            running: RefCell::new(HashMap::new()),
            snapshots: RefCell::new(std::collections::BTreeMap::new()),
        });
        (worker, mesh, requests)
    }

    /// The catalog snapshot sessions bind against.
    pub fn catalog(&self) -> Rc<CatalogReplica> {
        self.catalog.borrow().clone()
    }

    fn update_catalog(&self, resp: &ShardResponse) {
        if let ShardResponse::TableAltered { new: t, .. } = resp {
            if t.temp.is_some() {
                // Only the creating session knows its temporary tables.
                return;
            }
        }
        // CREATE/DROP TABLE answers are staged changes (or temporary tables, which only their
        // session knows): the replica follows `Committed`.
        if !matches!(
            resp,
            ShardResponse::Committed(_)
                | ShardResponse::TableAltered { .. }
                | ShardResponse::Catalog { .. }
                | ShardResponse::DatabaseCreated(_)
                | ShardResponse::DatabaseDropped { existed: true, .. }
                | ShardResponse::DatabaseAltered { .. }
                | ShardResponse::SchemaCreated(Some(_))
                | ShardResponse::SchemaDropped { .. }
                | ShardResponse::SchemaRenamed { .. }
                | ShardResponse::FunctionCreated(_)
                | ShardResponse::FunctionDropped(_)
        ) {
            return;
        }
        let mut next = CatalogReplica::clone(&self.catalog.borrow());
        match resp {
            ShardResponse::Committed(changes) => {
                for c in changes {
                    match c {
                        pglitedb_shard::CatalogChange::Table { old, new } => {
                            next.apply_table_change(old.as_deref(), new.as_ref())
                        }
                    }
                }
            }
            ShardResponse::TableAltered { old, new } => {
                next.tables.remove(&key(old));
                next.tables.insert(key(new), new.clone());
            }
            ShardResponse::Catalog {
                tables,
                databases,
                database_settings,
                schemas,
                functions,
            } => {
                next.schemas = schemas.clone();
                next.functions = functions.iter().map(|f| (f.id, f.clone())).collect();
                next.tables = tables.iter().map(|t| (key(t), t.clone())).collect();
                next.databases = databases.iter().cloned().collect();
                next.database_settings = database_settings.iter().cloned().collect();
            }
            ShardResponse::DatabaseAltered { name, settings } => {
                if settings.is_empty() {
                    next.database_settings.remove(name);
                } else {
                    next.database_settings
                        .insert(name.clone(), settings.clone());
                }
            }
            ShardResponse::FunctionCreated(f) => {
                next.functions.insert(f.id, f.clone());
            }
            ShardResponse::FunctionDropped(f) => {
                next.functions.remove(&f.id);
            }
            ShardResponse::DatabaseCreated(name) => {
                next.databases.insert(name.clone());
            }
            ShardResponse::DatabaseDropped { name, .. } => {
                next.databases.remove(name);
                next.database_settings.remove(name);
                next.tables.retain(|(db, _, _), _| db != name);
                next.schemas.retain(|s| s.database != *name);
                next.functions.retain(|_, f| &f.database != name);
            }
            ShardResponse::SchemaCreated(Some(schema)) => next.schemas.push(schema.clone()),
            ShardResponse::SchemaDropped { database, name } => {
                next.schemas
                    .retain(|s| !(s.database == *database && s.name == *name));
                next.tables
                    .retain(|(db, schema, _), _| !(db == database && schema == name));
            }
            ShardResponse::SchemaRenamed { database, name, to } => {
                for s in &mut next.schemas {
                    if s.database == *database && s.name == *name {
                        s.name = to.clone();
                    }
                }
                let moved: Vec<_> = (next.tables.keys())
                    .filter(|(db, schema, _)| db == database && schema == name)
                    .cloned()
                    .collect();
                for k in moved {
                    if let Some(t) = next.tables.remove(&k) {
                        let mut def = (*t).clone();
                        def.schema = to.clone();
                        next.tables.insert(key(&def), Arc::new(def));
                    }
                }
            }
            _ => return,
        }
        *self.catalog.borrow_mut() = Rc::new(next);
    }

    /// Answers a request (updating the catalog replica first if it changed the catalog).
    pub fn deliver(self: &Rc<Self>, reply: Reply, resp: ShardResponse) {
        self.update_catalog(&resp);
        match reply {
            Reply::Local(slot) => slot.send(resp),
            Reply::Remote { from, id } => {
                self.send_from_loop(from, Envelope::Response { id, resp })
            }
        }
    }

    /// Number of cores in the server.
    pub fn cores(&self) -> usize {
        self.senders.len()
    }

    /// Sends `req` to shard `to` and awaits its response. The local shard is called directly; the same
    /// typed messages go over the mesh for the others.
    pub async fn request(&self, to: ShardId, req: ShardRequest) -> ShardResponse {
        if to == self.id {
            let (tx, rx) = oneshot();
            if self.queue.try_send((req, Reply::Local(tx))).is_err() {
                return ShardResponse::Error(ShardError::Unavailable);
            }
            return rx
                .await
                .unwrap_or(ShardResponse::Error(ShardError::Unavailable));
        }
        let id = self.next_request.get();
        self.next_request.set(id + 1);
        let (tx, rx) = oneshot();
        self.pending.borrow_mut().insert(id, tx);
        if !self
            .send(
                to,
                Envelope::Request {
                    from: self.id,
                    id,
                    req,
                },
            )
            .await
        {
            self.pending.borrow_mut().remove(&id);
            return ShardResponse::Error(ShardError::NoSuchShard(to.0));
        }
        match rx.await {
            Some(resp) => resp,
            None => ShardResponse::Error(ShardError::NoSuchShard(to.0)),
        }
    }

    /// Sends an envelope to core `to`, waiting for channel space. Only for tasks that hold no inbox
    /// slot (sessions, the acceptor) — receive loops use [`Worker::send_from_loop`].
    pub async fn send(&self, to: ShardId, env: Envelope) -> bool {
        match self.senders.get(to.0 as usize).and_then(Option::as_ref) {
            Some(tx) => tx.send(env).await.is_ok(),
            None => false,
        }
    }

    /// Sends from a receive loop without ever awaiting: a full channel hands the envelope to a
    /// spawned task (see the mesh invariant).
    fn send_from_loop(self: &Rc<Self>, to: ShardId, env: Envelope) {
        let Some(tx) = self.senders.get(to.0 as usize).and_then(Option::as_ref) else {
            warn!(%to, "reply to an unknown core dropped (bug)");
            return;
        };
        if let Err(env) = tx.try_send(env) {
            let env = match env {
                glommio::GlommioError::WouldBlock(glommio::ResourceType::Channel(env)) => env,
                other => {
                    warn!(%to, error = %other, "mesh send failed");
                    return;
                }
            };
            let me = self.clone();
            glommio::spawn_local(async move {
                me.send(to, env).await;
            })
            .detach();
        }
    }

    /// Starts one receive loop per peer core.
    pub fn spawn_receive_loops(
        self: &Rc<Self>,
        mesh: &mut Mesh,
        on_connection: Rc<dyn Fn(Envelope)>,
    ) {
        for (peer, rx) in mesh.receivers.iter_mut().enumerate() {
            let Some(rx) = rx.take() else { continue };
            let me = self.clone();
            let on_connection = on_connection.clone();
            glommio::spawn_local(async move {
                while let Some(env) = rx.recv().await {
                    me.dispatch(env, &on_connection);
                }
                debug!(peer, "mesh channel closed");
            })
            .detach();
        }
    }

    fn dispatch(self: &Rc<Self>, env: Envelope, on_connection: &Rc<dyn Fn(Envelope)>) {
        match env {
            Envelope::Request { from, id, req } => {
                if self
                    .queue
                    .try_send((req, Reply::Remote { from, id }))
                    .is_err()
                {
                    let resp = ShardResponse::Error(ShardError::Unavailable);
                    self.send_from_loop(from, Envelope::Response { id, resp });
                }
            }
            Envelope::Response { id, resp } => match self.pending.borrow_mut().remove(&id) {
                Some(slot) => slot.send(resp),
                None => warn!(id, "response for an unknown request (bug)"),
            },
            Envelope::Cancel { pid, secret } => self.cancel_local(pid, secret),
            env @ Envelope::Connection(_) => on_connection(env),
        }
    }

    /// Records the transaction the session `pid` runs a statement in (`None` once it ended), so a
    /// cancel request can interrupt the statement's lock waits.
    pub fn set_running_txn(&self, pid: i32, txn: Option<TxnId>) {
        let mut running = self.running.borrow_mut();
        match txn {
            Some(t) => running.insert(pid, t),
            None => running.remove(&pid),
        };
    }

    /// After a cancel request: while the session's cancel flag stays set and its statement runs,
    /// interrupts that statement's lock waits on every shard (again every 20 ms, since a request
    /// may park after an interrupt passed; at most for 5 s).
    fn interrupt_waits(self: &Rc<Self>, pid: i32, flag: Rc<Cell<bool>>) {
        let me = self.clone();
        glommio::spawn_local(async move {
            for _ in 0..250 {
                let txn = me.running.borrow().get(&pid).copied();
                match txn {
                    Some(txn) if flag.get() => {
                        for i in 0..me.cores() {
                            let req = ShardRequest::Interrupt {
                                txn,
                                reason: pglitedb_shard::Interrupt::Canceled,
                            };
                            me.request(ShardId(i as u16), req).await;
                        }
                    }
                    _ => return,
                }
                glommio::timer::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
        .detach();
    }

    /// Takes a snapshot (the clock's current value) and registers it as live until
    /// [`Worker::release_snapshot`].
    pub fn take_snapshot(&self) -> pglitedb_shard::Ts {
        let ts = self.counters.clock.now();
        *self.snapshots.borrow_mut().entry(ts).or_default() += 1;
        ts
    }

    /// A snapshot taken with [`Worker::take_snapshot`] is no longer read at.
    pub fn release_snapshot(&self, ts: pglitedb_shard::Ts) {
        let mut snaps = self.snapshots.borrow_mut();
        if let Some(n) = snaps.get_mut(&ts) {
            *n -= 1;
            if *n == 0 {
                snaps.remove(&ts);
            }
        }
    }

    /// Publishes a lower bound of this core's live snapshots: the oldest one, or the clock when
    /// there is none. Snapshots taken later read the clock then, which is no lower, so the bound
    /// stays true until the next publication.
    pub fn publish_oldest_snapshot(&self) {
        let now = self.counters.clock.now();
        let oldest = self
            .snapshots
            .borrow()
            .keys()
            .next()
            .map_or(now, |s| (*s).min(now));
        self.counters.oldest_snapshot[self.id.0 as usize].store(oldest, Ordering::SeqCst);
    }

    /// Registers a new session on this core and returns its `(pid, secret)` for BackendKeyData.
    /// The pid encodes the core (`core << 22 | n`) so a CancelRequest landing on any core finds it.
    pub fn register_session(&self, cancel: Rc<Cell<bool>>) -> (i32, i32) {
        let n = self.next_session.get();
        self.next_session
            .set(if n >= (1 << 22) - 1 { 1 } else { n + 1 });
        let pid = (i32::from(self.id.0) << 22) | n;
        let secret: i32 = rand::random();
        self.sessions
            .borrow_mut()
            .insert(pid, SessionEntry { secret, cancel });
        self.counters.sessions[self.id.0 as usize].fetch_add(1, Ordering::Relaxed);
        (pid, secret)
    }

    /// Forgets a session that ended.
    pub fn unregister_session(&self, pid: i32) {
        if self.sessions.borrow_mut().remove(&pid).is_some() {
            self.counters.sessions[self.id.0 as usize].fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Live sessions on this core.
    pub fn session_count(&self) -> usize {
        self.sessions.borrow().len()
    }

    /// Routes a CancelRequest to the core that owns `pid`.
    pub async fn cancel(self: &Rc<Self>, pid: i32, secret: i32) {
        let owner = ShardId((pid >> 22) as u16);
        if owner == self.id {
            self.cancel_local(pid, secret);
        } else if usize::from(owner.0) < self.cores() {
            self.send(owner, Envelope::Cancel { pid, secret }).await;
        }
    }

    fn cancel_local(self: &Rc<Self>, pid: i32, secret: i32) {
        match self.sessions.borrow().get(&pid) {
            Some(entry) if entry.secret == secret => {
                debug!(pid, "cancel request accepted");
                entry.cancel.set(true);
                self.interrupt_waits(pid, entry.cancel.clone());
            }
            // PostgreSQL ignores bad cancel keys silently (it only logs them).
            _ => debug!(pid, "cancel request with unknown pid or wrong key ignored"),
        }
    }
}
