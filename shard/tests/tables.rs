//! A shard over the in-memory store: DDL, transactional inserts, scans, point lookups, constraint
//! errors, row locks, and everything committed still there after reopening.

use std::sync::Arc;

use futures_lite::future::block_on;
use pglitedb_shard::{
    Handled, Shard, ShardId, ShardRequest, ShardResponse, TxnCtx, TxnId, TxnStatus,
};
use pglitedb_sql::{
    bind, parse, Catalog, QueryPlan, SessionContext, Statement, TableDef, Value, WritePlan,
};
use pglitedb_storage::io::memory::MemIo;
use pglitedb_storage::EngineConfig;

struct Ctx(Vec<Arc<TableDef>>);
impl Catalog for Ctx {
    fn table(&self, name: &str) -> Option<Arc<TableDef>> {
        self.0.iter().find(|t| t.name == name).cloned()
    }
}
impl SessionContext for Ctx {
    fn setting(&self, _: &str) -> Option<String> {
        None
    }
    fn version(&self) -> String {
        String::new()
    }
    fn catalog(&self) -> &dyn Catalog {
        self
    }
}

fn cfg() -> EngineConfig {
    EngineConfig {
        wal_segment_bytes: 1 << 20,
        ..EngineConfig::default()
    }
}

/// Handles a request to completion; `Err` carries the blocking transaction.
async fn try_run(shard: &mut Shard<MemIo>, req: &ShardRequest) -> Result<ShardResponse, TxnId> {
    match shard.handle(req).await {
        Handled::Now(r) => Ok(r),
        Handled::AfterCommit(ticket, r) => {
            ticket.durable().await.expect("durable");
            Ok(r)
        }
        Handled::Blocked { holder, .. } => Err(holder),
    }
}

async fn run(shard: &mut Shard<MemIo>, req: ShardRequest) -> ShardResponse {
    try_run(shard, &req)
        .await
        .unwrap_or_else(|h| panic!("blocked by {h:?}"))
}

/// Runs a write in its own transaction and commits it (or aborts it on error).
async fn write(
    shard: &mut Shard<MemIo>,
    txn: u64,
    make: impl FnOnce(TxnCtx) -> ShardRequest,
) -> ShardResponse {
    let ctx = ctx(txn);
    let txn = ctx.id;
    let r = run(shard, make(ctx)).await;
    let end = if matches!(r, ShardResponse::Error(_)) {
        ShardRequest::Abort { txn }
    } else {
        ShardRequest::Commit { txn }
    };
    assert!(matches!(run(shard, end).await, ShardResponse::Done));
    r
}

fn stmt(sql: &str, tables: &[Arc<TableDef>]) -> Statement {
    bind(&parse(sql).expect("parse")[0], &[], &Ctx(tables.to_vec())).expect("bind")
}

fn query(sql: &str, tables: &[Arc<TableDef>]) -> Arc<QueryPlan> {
    match stmt(sql, tables) {
        Statement::Query(q) => Arc::new(q),
        other => panic!("not a query: {other:?}"),
    }
}

fn write_plan(sql: &str, tables: &[Arc<TableDef>]) -> Arc<WritePlan> {
    match stmt(sql, tables) {
        Statement::Update(p) | Statement::Delete(p) => p,
        other => panic!("not an update/delete: {other:?}"),
    }
}

fn rows(r: ShardResponse) -> Vec<Vec<Value>> {
    match r {
        ShardResponse::Rows(rows) => rows,
        other => panic!("expected rows, got {other:?}"),
    }
}

async fn create(shard: &mut Shard<MemIo>, sql: &str) -> Arc<TableDef> {
    let Statement::CreateTable {
        table,
        if_not_exists,
    } = stmt(sql, &[])
    else {
        panic!("create")
    };
    let txn = next_ddl_txn();
    let created = match run(
        shard,
        ShardRequest::CreateTable {
            txn: Some(ctx(txn.0)),
            table,
            if_not_exists,
        },
    )
    .await
    {
        ShardResponse::TableCreated(Some(t)) => t,
        other => panic!("create failed: {other:?}"),
    };
    let committed = run(shard, ShardRequest::Commit { txn }).await;
    assert!(
        matches!(committed, ShardResponse::Committed(_)),
        "{committed:?}"
    );
    created
}

/// A fresh transaction id for DDL (far from the ids the tests pick).
fn next_ddl_txn() -> TxnId {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1 << 40);
    TxnId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// A READ COMMITTED context whose snapshot sees every commit so far.
fn ctx(id: u64) -> TxnCtx {
    TxnCtx::new(TxnId(id), u64::MAX / 2)
}

fn scan(plan: Arc<QueryPlan>, txn: Option<u64>) -> ShardRequest {
    ShardRequest::Scan {
        txn: ctx(txn.unwrap_or(0)),
        plan,
        params: Default::default(),
        key: None,
    }
}

#[test]
fn tables_survive_reopen_and_enforce_primary_keys() {
    block_on(async {
        let io = MemIo::new();
        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("open");
        let accounts = create(
            &mut shard,
            "CREATE TABLE accounts (aid int PRIMARY KEY, abalance int, filler text)",
        )
        .await;
        assert!(accounts.id.0 >= 1000, "shard 0 assigns ids");
        let Statement::CreateTable { table, .. } = stmt("CREATE TABLE accounts (a int)", &[])
        else {
            panic!()
        };
        let again = run(
            &mut shard,
            ShardRequest::CreateTable {
                txn: Some(ctx(next_ddl_txn().0)),
                table,
                if_not_exists: false,
            },
        )
        .await;
        assert!(matches!(again, ShardResponse::Error(e) if e.sqlstate() == "42P07"));

        let row = |aid: i32, bal: i32| {
            vec![
                Value::Int4(aid),
                Value::Int4(bal),
                Value::Text(format!("f{aid}")),
            ]
        };
        let all: Vec<_> = (1..=300).map(|i| row(i, i * 10)).collect();
        let inserted = write(&mut shard, 1, |txn| ShardRequest::Insert {
            txn,
            table: accounts.clone(),
            rows: all,
        })
        .await;
        assert!(
            matches!(inserted, ShardResponse::Inserted(300)),
            "{inserted:?}"
        );
        let dup = write(&mut shard, 2, |txn| ShardRequest::Insert {
            txn,
            table: accounts.clone(),
            rows: vec![row(7, 0)],
        })
        .await;
        match dup {
            ShardResponse::Error(e) => {
                assert_eq!(e.sqlstate(), "23505");
                assert_eq!(
                    e.to_string(),
                    "duplicate key value violates unique constraint \"accounts_pkey\""
                );
            }
            other => panic!("expected 23505, got {other:?}"),
        }

        let tables = vec![accounts.clone()];
        let plan = query("SELECT abalance FROM accounts WHERE aid = 42", &tables);
        let key = pglitedb_shard::table::key_of(&[&Value::Int4(42)]);
        let got = rows(
            run(
                &mut shard,
                ShardRequest::Scan {
                    txn: ctx(0),
                    plan,
                    params: Default::default(),
                    key,
                },
            )
            .await,
        );
        assert_eq!(got, vec![vec![Value::Int4(420)]]);
        let got = rows(
            run(
                &mut shard,
                scan(
                    query("SELECT aid FROM accounts WHERE abalance > 2970", &tables),
                    None,
                ),
            )
            .await,
        );
        assert_eq!(
            got,
            vec![
                vec![Value::Int4(298)],
                vec![Value::Int4(299)],
                vec![Value::Int4(300)]
            ]
        );

        // A table without a primary key gets hidden row ids; reopening continues after the last one.
        let history = create(&mut shard, "CREATE TABLE history (delta int)").await;
        let two = vec![vec![Value::Int4(1)], vec![Value::Null]];
        write(&mut shard, 3, |txn| ShardRequest::Insert {
            txn,
            table: history.clone(),
            rows: two,
        })
        .await;
        drop(shard);

        let mut shard = Shard::open(ShardId(0), io, cfg()).await.expect("reopen");
        let ShardResponse::Catalog {
            tables: catalog,
            databases,
            ..
        } = run(&mut shard, ShardRequest::LoadCatalog).await
        else {
            panic!()
        };
        assert_eq!(catalog.len(), 2);
        assert_eq!(databases, ["postgres", "template0", "template1"]);
        write(&mut shard, 4, |txn| ShardRequest::Insert {
            txn,
            table: history.clone(),
            rows: vec![vec![Value::Int4(3)]],
        })
        .await;
        let tables = vec![accounts.clone(), history.clone()];
        let all = rows(
            run(
                &mut shard,
                scan(query("SELECT * FROM history", &tables), None),
            )
            .await,
        );
        assert_eq!(
            all,
            vec![
                vec![Value::Int4(1)],
                vec![Value::Null],
                vec![Value::Int4(3)]
            ]
        );
        let count = rows(
            run(
                &mut shard,
                scan(query("SELECT aid FROM accounts", &tables), None),
            )
            .await,
        );
        assert_eq!(count.len(), 300);

        let dropper = next_ddl_txn();
        let dropped = run(
            &mut shard,
            ShardRequest::DropTable {
                txn: Some(ctx(dropper.0)),
                table: accounts.clone(),
            },
        )
        .await;
        assert!(matches!(dropped, ShardResponse::TableDropped(_)));
        run(&mut shard, ShardRequest::Commit { txn: dropper }).await;
        let gone = run(
            &mut shard,
            scan(query("SELECT aid FROM accounts", &tables), None),
        )
        .await;
        assert!(matches!(gone, ShardResponse::Error(e) if e.sqlstate() == "42P01"));
    });
}

#[test]
fn writes_are_private_until_commit_and_locks_serialise_updates() {
    block_on(async {
        let mut shard = Shard::open(ShardId(0), MemIo::new(), cfg())
            .await
            .expect("open");
        let t = create(&mut shard, "CREATE TABLE t (k int PRIMARY KEY, v int)").await;
        let tables = vec![t.clone()];
        let seed = vec![
            vec![Value::Int4(1), Value::Int4(10)],
            vec![Value::Int4(2), Value::Int4(20)],
        ];
        write(&mut shard, 1, |txn| ShardRequest::Insert {
            txn,
            table: t.clone(),
            rows: seed,
        })
        .await;

        let bump = write_plan("UPDATE t SET v = v + 1 WHERE k = 1", &tables);
        let key = pglitedb_shard::table::key_of(&[&Value::Int4(1)]);
        let upd = |txn: u64| ShardRequest::Modify {
            txn: ctx(txn),
            plan: bump.clone(),
            params: Default::default(),
            key: key.clone(),
        };
        assert!(matches!(
            run(&mut shard, upd(10)).await,
            ShardResponse::Modified(1)
        ));
        // Txn 10 sees its own write; others see the committed value.
        let read = query("SELECT v FROM t WHERE k = 1", &tables);
        assert_eq!(
            rows(run(&mut shard, scan(read.clone(), Some(10))).await),
            vec![vec![Value::Int4(11)]]
        );
        assert_eq!(
            rows(run(&mut shard, scan(read.clone(), None)).await),
            vec![vec![Value::Int4(10)]]
        );
        // Txn 11 blocks on the row lock, and after txn 10 commits it re-reads 11 and writes 12.
        let second = upd(11);
        assert_eq!(try_run(&mut shard, &second).await.err(), Some(TxnId(10)));
        assert!(matches!(
            run(&mut shard, ShardRequest::Commit { txn: TxnId(10) }).await,
            ShardResponse::Done
        ));
        assert!(shard.take_released());
        assert!(matches!(
            try_run(&mut shard, &second).await,
            Ok(ShardResponse::Modified(1))
        ));
        assert!(matches!(
            run(&mut shard, ShardRequest::Commit { txn: TxnId(11) }).await,
            ShardResponse::Done
        ));
        assert_eq!(
            rows(run(&mut shard, scan(read.clone(), None)).await),
            vec![vec![Value::Int4(12)]]
        );

        // Abort discards; a delete is private until commit.
        let del = write_plan("DELETE FROM t WHERE k = 2", &tables);
        let delete = ShardRequest::Modify {
            txn: ctx(12),
            plan: del,
            params: Default::default(),
            key: None,
        };
        assert!(matches!(
            run(&mut shard, delete).await,
            ShardResponse::Modified(1)
        ));
        let all = query("SELECT k FROM t", &tables);
        assert_eq!(
            rows(run(&mut shard, scan(all.clone(), Some(12))).await).len(),
            1
        );
        assert_eq!(
            rows(run(&mut shard, scan(all.clone(), None)).await).len(),
            2
        );
        run(&mut shard, ShardRequest::Abort { txn: TxnId(12) }).await;
        assert_eq!(rows(run(&mut shard, scan(all, None)).await).len(), 2);
    });
}

#[test]
fn prepared_transactions_survive_a_restart_and_report_their_status() {
    block_on(async {
        let io = MemIo::new();
        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("open");
        let t = create(&mut shard, "CREATE TABLE t (k int PRIMARY KEY)").await;
        let txn = TxnId(77);
        run(
            &mut shard,
            ShardRequest::Insert {
                txn: ctx(77),
                table: t.clone(),
                rows: vec![vec![Value::Int4(5)]],
            },
        )
        .await;
        assert!(matches!(
            run(
                &mut shard,
                ShardRequest::Prepare {
                    txn,
                    participants: vec![0, 1]
                }
            )
            .await,
            ShardResponse::Prepared
        ));
        drop(shard);
        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("reopen");
        let ShardResponse::InDoubt(list) = run(&mut shard, ShardRequest::InDoubt).await else {
            panic!()
        };
        assert_eq!(list, vec![(txn, vec![0, 1])]);
        assert!(matches!(
            run(&mut shard, ShardRequest::TxnStatus { txn }).await,
            ShardResponse::TxnStatus(TxnStatus::InDoubt)
        ));
        run(&mut shard, ShardRequest::CommitPrepared { txn, ts: 5 }).await;
        assert!(matches!(
            run(&mut shard, ShardRequest::TxnStatus { txn }).await,
            ShardResponse::TxnStatus(TxnStatus::Committed)
        ));
        let other = TxnId(78);
        assert!(matches!(
            run(&mut shard, ShardRequest::TxnStatus { txn: other }).await,
            ShardResponse::TxnStatus(TxnStatus::Unknown)
        ));
        let got = rows(run(&mut shard, scan(query("SELECT k FROM t", &[t]), None)).await);
        assert_eq!(got, vec![vec![Value::Int4(5)]]);
    });
}

#[test]
fn old_versions_serve_old_snapshots_and_are_collected_when_none_needs_them() {
    block_on(async {
        let mut shard = Shard::open(ShardId(0), MemIo::new(), cfg())
            .await
            .expect("open");
        let clock = pglitedb_shard::Clock::default();
        shard.set_clock(clock.clone());
        let t = create(&mut shard, "CREATE TABLE t (k int PRIMARY KEY, v int)").await;
        let tables = vec![t.clone()];
        let seed: Vec<Vec<Value>> = (0..10)
            .map(|k| vec![Value::Int4(k), Value::Int4(0)])
            .collect();
        write(&mut shard, 1, |txn| ShardRequest::Insert {
            txn,
            table: t.clone(),
            rows: seed,
        })
        .await;
        let old = clock.now();
        let bump = write_plan("UPDATE t SET v = v + 1", &tables);
        let sum = query("SELECT v FROM t", &tables);
        let total = |r: ShardResponse| -> i64 {
            rows(r)
                .iter()
                .map(|row| match row[0] {
                    Value::Int4(v) => i64::from(v),
                    _ => panic!("int4 expected"),
                })
                .sum()
        };
        let at = |snapshot: u64| ShardRequest::Scan {
            txn: TxnCtx::new(TxnId(999), snapshot),
            plan: sum.clone(),
            params: Vec::new().into(),
            key: None,
        };
        // A long update-heavy run while a snapshot from before it stays live: it keeps reading
        // the old rows, and the chains are kept for it.
        for i in 0..200u64 {
            write(&mut shard, 100 + i, |mut txn| {
                txn.snapshot = clock.now();
                ShardRequest::Modify {
                    txn,
                    plan: bump.clone(),
                    params: Vec::new().into(),
                    key: None,
                }
            })
            .await;
            shard.collect_versions(old);
        }
        assert_eq!(total(run(&mut shard, at(old)).await), 0);
        assert_eq!(total(run(&mut shard, at(clock.now())).await), 2000);
        assert_eq!(shard.version_chains(), 10);
        // Once no snapshot is older than now, every chain goes: memory is bounded by what live
        // snapshots need, not by the length of the run.
        shard.collect_versions(clock.now());
        assert_eq!(shard.version_chains(), 0);
        assert_eq!(total(run(&mut shard, at(clock.now())).await), 2000);
    });
}
