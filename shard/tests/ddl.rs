//! Transactional DDL on one shard over the in-memory store: staged catalog entries are private to
//! their transaction, applied by commit or commit-prepared (also after a crash, by recovery's
//! resolution), undone by abort and ROLLBACK TO; concurrent writers and name claims wait.

use std::sync::Arc;

use futures_lite::future::block_on;
use pglitedb_shard::{
    CatalogChange, Handled, Shard, ShardId, ShardRequest, ShardResponse, TxnCtx, TxnId,
};
use pglitedb_sql::{bind, parse, Catalog, SessionContext, Statement, TableDef, Value};
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

fn ctx(id: u64, sub: u32) -> TxnCtx {
    TxnCtx {
        sub,
        ..TxnCtx::new(TxnId(id), u64::MAX / 2)
    }
}

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

fn def(sql: &str) -> TableDef {
    match bind(&parse(sql).expect("parse")[0], &[], &Ctx(Vec::new())).expect("bind") {
        Statement::CreateTable { table, .. } => table,
        other => panic!("not a CREATE TABLE: {other:?}"),
    }
}

async fn create(shard: &mut Shard<MemIo>, txn: TxnCtx, sql: &str) -> Arc<TableDef> {
    match run(
        shard,
        ShardRequest::CreateTable {
            txn: Some(txn),
            table: def(sql),
            if_not_exists: false,
        },
    )
    .await
    {
        ShardResponse::TableCreated(Some(t)) => t,
        other => panic!("create failed: {other:?}"),
    }
}

fn insert(txn: TxnCtx, table: &Arc<TableDef>, k: i32) -> ShardRequest {
    ShardRequest::Insert {
        txn,
        table: table.clone(),
        rows: vec![vec![Value::Int4(k)]],
    }
}

async fn count(shard: &mut Shard<MemIo>, txn: TxnCtx, table: &Arc<TableDef>) -> ShardResponse {
    let plan = match bind(
        &parse(&format!("SELECT k FROM {}", table.name)).expect("parse")[0],
        &[],
        &Ctx(vec![table.clone()]),
    )
    .expect("bind")
    {
        Statement::Query(q) => Arc::new(q),
        other => panic!("{other:?}"),
    };
    run(
        shard,
        ShardRequest::Scan {
            txn,
            plan,
            params: Default::default(),
            key: None,
        },
    )
    .await
}

fn catalog_tables(r: ShardResponse) -> Vec<String> {
    let ShardResponse::Catalog { tables, .. } = r else {
        panic!("{r:?}")
    };
    let mut names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
    names.sort();
    names
}

#[test]
fn staged_tables_are_private_until_commit_and_gone_after_abort() {
    block_on(async {
        let io = MemIo::new();
        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("open");
        let t = create(&mut shard, ctx(1, 0), "CREATE TABLE t (k int PRIMARY KEY)").await;
        // Its own transaction writes and reads it; the committed catalog does not list it.
        run(&mut shard, insert(ctx(1, 0), &t, 1)).await;
        let own = count(&mut shard, ctx(1, 0), &t).await;
        assert!(
            matches!(&own, ShardResponse::Rows(r) if r.len() == 1),
            "{own:?}"
        );
        assert!(catalog_tables(run(&mut shard, ShardRequest::LoadCatalog).await).is_empty());
        // Another transaction does not find it.
        let other = count(&mut shard, ctx(2, 0), &t).await;
        assert!(
            matches!(&other, ShardResponse::Error(e) if e.sqlstate() == "42P01"),
            "{other:?}"
        );
        // The name is claimed: another CREATE of it waits for transaction 1.
        let again = ShardRequest::CreateTable {
            txn: Some(ctx(2, 0)),
            table: def("CREATE TABLE t (x int)"),
            if_not_exists: false,
        };
        assert_eq!(
            try_run(&mut shard, &again).await.expect_err("must wait"),
            TxnId(1)
        );
        run(&mut shard, ShardRequest::Abort { txn: TxnId(1) }).await;
        assert!(catalog_tables(run(&mut shard, ShardRequest::LoadCatalog).await).is_empty());
        // After the abort the name is free, and the id is not handed out again.
        let t2 = match run(&mut shard, again).await {
            ShardResponse::TableCreated(Some(t2)) => t2,
            other => panic!("{other:?}"),
        };
        assert!(t2.id.0 > t.id.0);
        let done = run(&mut shard, ShardRequest::Commit { txn: TxnId(2) }).await;
        assert!(
            matches!(&done, ShardResponse::Committed(c) if matches!(&c[..], [CatalogChange::Table { old: None, new: Some(n) }] if n.name == "t")),
            "{done:?}"
        );
        drop(shard);
        let mut shard = Shard::open(ShardId(0), io, cfg()).await.expect("reopen");
        assert_eq!(
            catalog_tables(run(&mut shard, ShardRequest::LoadCatalog).await),
            vec!["t".to_string()]
        );
    });
}

#[test]
fn rollback_to_a_savepoint_undoes_create_and_drop() {
    block_on(async {
        let io = MemIo::new();
        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("open");
        let keep = create(&mut shard, ctx(1, 0), "CREATE TABLE keep (k int)").await;
        run(&mut shard, ShardRequest::Commit { txn: TxnId(1) }).await;
        // SAVEPOINT 1: create one table, drop another.
        let gone = create(&mut shard, ctx(2, 1), "CREATE TABLE gone (k int)").await;
        let dropped = run(
            &mut shard,
            ShardRequest::DropTable {
                txn: Some(ctx(2, 1)),
                table: keep.clone(),
            },
        )
        .await;
        assert!(matches!(dropped, ShardResponse::TableDropped(_)));
        let hidden = count(&mut shard, ctx(2, 1), &keep).await;
        assert!(matches!(&hidden, ShardResponse::Error(e) if e.sqlstate() == "42P01"));
        run(
            &mut shard,
            ShardRequest::RollbackTo {
                txn: TxnId(2),
                sub: 1,
            },
        )
        .await;
        let back = count(&mut shard, ctx(2, 0), &keep).await;
        assert!(matches!(back, ShardResponse::Rows(_)), "{back:?}");
        let none = count(&mut shard, ctx(2, 0), &gone).await;
        assert!(matches!(&none, ShardResponse::Error(e) if e.sqlstate() == "42P01"));
        // Nothing is left to commit.
        let done = run(&mut shard, ShardRequest::Commit { txn: TxnId(2) }).await;
        assert!(matches!(done, ShardResponse::Done), "{done:?}");
        assert_eq!(
            catalog_tables(run(&mut shard, ShardRequest::LoadCatalog).await),
            vec!["keep".to_string()]
        );
    });
}

#[test]
fn drop_waits_for_writers_and_writers_wait_for_drop() {
    block_on(async {
        let io = MemIo::new();
        let mut shard = Shard::open(ShardId(0), io, cfg()).await.expect("open");
        let t = create(&mut shard, ctx(1, 0), "CREATE TABLE t (k int PRIMARY KEY)").await;
        run(&mut shard, ShardRequest::Commit { txn: TxnId(1) }).await;
        run(&mut shard, insert(ctx(2, 0), &t, 1)).await;
        let drop_t = ShardRequest::DropTable {
            txn: Some(ctx(3, 0)),
            table: t.clone(),
        };
        assert_eq!(
            try_run(&mut shard, &drop_t).await.expect_err("must wait"),
            TxnId(2)
        );
        run(&mut shard, ShardRequest::Commit { txn: TxnId(2) }).await;
        assert!(matches!(
            run(&mut shard, drop_t).await,
            ShardResponse::TableDropped(_)
        ));
        // A writer now waits for the dropping transaction, then finds the table gone.
        let late = insert(ctx(4, 0), &t, 2);
        assert_eq!(
            try_run(&mut shard, &late).await.expect_err("must wait"),
            TxnId(3)
        );
        run(&mut shard, ShardRequest::Commit { txn: TxnId(3) }).await;
        let r = run(&mut shard, late).await;
        assert!(
            matches!(&r, ShardResponse::Error(e) if e.sqlstate() == "42P01"),
            "{r:?}"
        );
    });
}

#[test]
fn prepared_ddl_survives_a_crash_and_commits_in_recovery() {
    block_on(async {
        let io = MemIo::new();
        let mut shard = Shard::open(ShardId(1), io.clone(), cfg())
            .await
            .expect("open");
        // As another shard would receive it: the definition with its id from shard 0.
        let mut d = def("CREATE TABLE p (k int PRIMARY KEY)");
        d.id = pglitedb_sql::TableId(5000);
        let t = match run(
            &mut shard,
            ShardRequest::CreateTable {
                txn: Some(ctx(9, 0)),
                table: d,
                if_not_exists: false,
            },
        )
        .await
        {
            ShardResponse::TableCreated(Some(t)) => t,
            other => panic!("{other:?}"),
        };
        run(&mut shard, insert(ctx(9, 0), &t, 42)).await;
        let prepared = run(
            &mut shard,
            ShardRequest::Prepare {
                txn: TxnId(9),
                participants: vec![0, 1],
            },
        )
        .await;
        assert!(matches!(prepared, ShardResponse::Prepared));
        // Crash before commit-prepared: the open must keep the table's tree (its entry is in
        // the in-doubt transaction), and recovery's commit applies the entry.
        drop(shard);
        let mut shard = Shard::open(ShardId(1), io.clone(), cfg())
            .await
            .expect("reopen");
        assert!(catalog_tables(run(&mut shard, ShardRequest::LoadCatalog).await).is_empty());
        let done = run(
            &mut shard,
            ShardRequest::CommitPrepared {
                txn: TxnId(9),
                ts: 7,
            },
        )
        .await;
        assert!(matches!(done, ShardResponse::Committed(_)), "{done:?}");
        let rows = count(&mut shard, ctx(10, 0), &t).await;
        assert!(
            matches!(&rows, ShardResponse::Rows(r) if r == &vec![vec![Value::Int4(42)]]),
            "{rows:?}"
        );
        // Commit-prepared's durability is not awaited; the next durable commit covers it.
        run(&mut shard, insert(ctx(12, 0), &t, 43)).await;
        run(&mut shard, ShardRequest::Commit { txn: TxnId(12) }).await;
        drop(shard);
        let mut shard = Shard::open(ShardId(1), io, cfg()).await.expect("reopen");
        assert_eq!(
            catalog_tables(run(&mut shard, ShardRequest::LoadCatalog).await),
            vec!["p".to_string()]
        );
        let rows = count(&mut shard, ctx(11, 0), &t).await;
        assert!(
            matches!(&rows, ShardResponse::Rows(r) if r.len() == 2),
            "{rows:?}"
        );
    });
}

#[test]
fn prepared_ddl_rolled_back_in_recovery_leaves_nothing() {
    block_on(async {
        let io = MemIo::new();
        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("open");
        let t = create(&mut shard, ctx(9, 0), "CREATE TABLE p (k int)").await;
        let prepared = run(
            &mut shard,
            ShardRequest::Prepare {
                txn: TxnId(9),
                participants: vec![0, 1],
            },
        )
        .await;
        assert!(matches!(prepared, ShardResponse::Prepared));
        drop(shard);
        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("reopen");
        run(&mut shard, ShardRequest::Abort { txn: TxnId(9) }).await;
        assert!(catalog_tables(run(&mut shard, ShardRequest::LoadCatalog).await).is_empty());
        let r = count(&mut shard, ctx(10, 0), &t).await;
        assert!(matches!(&r, ShardResponse::Error(e) if e.sqlstate() == "42P01"));
        // The name is free again.
        create(&mut shard, ctx(11, 0), "CREATE TABLE p (k int)").await;
    });
}
