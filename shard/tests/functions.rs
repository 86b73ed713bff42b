//! User-defined functions on one shard over the in-memory store: shard 0 assigns ids from the
//! table id sequence and checks signatures, OR REPLACE keeps the id, definitions survive a
//! reopen, and DROP FUNCTION / DROP DATABASE remove them.

use std::sync::Arc;

use futures_lite::future::block_on;
use pglitedb_shard::{Handled, Shard, ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::{DataType, FuncArg, FunctionBody, FunctionDef, TableDef, Volatility};
use pglitedb_storage::io::memory::MemIo;
use pglitedb_storage::EngineConfig;

async fn run(shard: &mut Shard<MemIo>, req: ShardRequest) -> ShardResponse {
    match shard.handle(&req).await {
        Handled::Now(r) => r,
        Handled::AfterCommit(ticket, r) => {
            ticket.durable().await.expect("durable");
            r
        }
        Handled::Blocked { .. } => panic!("blocked"),
    }
}

fn def(database: &str, name: &str, arg: DataType, body: &str) -> FunctionDef {
    FunctionDef {
        id: 0,
        database: database.into(),
        schema: "public".into(),
        name: name.into(),
        args: vec![FuncArg {
            name: Some("x".into()),
            ty: arg,
            default: None,
        }],
        ret: DataType::Int4,
        retset: false,
        volatility: Volatility::Immutable,
        strict: false,
        security_definer: false,
        leakproof: false,
        parallel: 'u',
        body: FunctionBody::Source(body.into()),
    }
}

async fn create(shard: &mut Shard<MemIo>, f: FunctionDef, or_replace: bool) -> ShardResponse {
    run(
        shard,
        ShardRequest::CreateFunction {
            func: f,
            or_replace,
        },
    )
    .await
}

fn created(r: ShardResponse) -> Arc<FunctionDef> {
    match r {
        ShardResponse::FunctionCreated(f) => f,
        other => panic!("{other:?}"),
    }
}

fn sqlstate(r: ShardResponse) -> &'static str {
    match r {
        ShardResponse::Error(e) => e.sqlstate(),
        other => panic!("{other:?}"),
    }
}

async fn functions(shard: &mut Shard<MemIo>) -> Vec<Arc<FunctionDef>> {
    match run(shard, ShardRequest::LoadCatalog).await {
        ShardResponse::Catalog { functions, .. } => functions,
        other => panic!("{other:?}"),
    }
}

#[test]
fn functions_are_sequenced_replaced_dropped_and_durable() {
    block_on(async {
        let io = MemIo::new();
        let cfg = EngineConfig::default;
        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("open");
        let table = TableDef {
            database: "postgres".into(),
            schema: "public".into(),
            name: "t".into(),
            ..Default::default()
        };
        let t = match run(
            &mut shard,
            ShardRequest::CreateTable {
                // Left open: the table's tree exists at once, which is what the id check needs.
                txn: Some(pglitedb_shard::TxnCtx::new(pglitedb_shard::TxnId(1), 1)),
                table,
                if_not_exists: false,
            },
        )
        .await
        {
            ShardResponse::TableCreated(Some(t)) => t,
            other => panic!("{other:?}"),
        };
        let f = created(
            create(
                &mut shard,
                def("postgres", "f", DataType::Int4, "SELECT 1"),
                false,
            )
            .await,
        );
        assert!(f.id > t.id.0, "ids come from the table sequence");
        let g = created(
            create(
                &mut shard,
                def("postgres", "f", DataType::Int8, "SELECT 2"),
                false,
            )
            .await,
        );
        assert_ne!(f.id, g.id);
        // Same name and argument types: 42723, unless OR REPLACE, which keeps the id.
        let again = create(
            &mut shard,
            def("postgres", "f", DataType::Int4, "SELECT 3"),
            false,
        )
        .await;
        assert_eq!(sqlstate(again), "42723");
        let replaced = created(
            create(
                &mut shard,
                def("postgres", "f", DataType::Int4, "SELECT 3"),
                true,
            )
            .await,
        );
        assert_eq!(replaced.id, f.id);
        let mut other_ret = def("postgres", "f", DataType::Int4, "SELECT 4");
        other_ret.ret = DataType::Text;
        assert_eq!(sqlstate(create(&mut shard, other_ret, true).await), "42P13");
        // Another database has its own namespace.
        run(
            &mut shard,
            ShardRequest::CreateDatabase { name: "db2".into() },
        )
        .await;
        let h = created(
            create(
                &mut shard,
                def("db2", "f", DataType::Int4, "SELECT 5"),
                false,
            )
            .await,
        );
        // A rename onto an existing signature is refused (ALTER FUNCTION sends the id).
        let mut renamed = (*g).clone();
        renamed.args[0].ty = DataType::Int4;
        assert_eq!(sqlstate(create(&mut shard, renamed, true).await), "42723");
        drop(shard);

        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("reopen");
        let mut all = functions(&mut shard).await;
        all.sort_by_key(|f| f.id);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].body, FunctionBody::Source("SELECT 3".into()));
        // Ids keep growing after a reopen.
        let k = created(
            create(
                &mut shard,
                def("postgres", "k", DataType::Int4, "SELECT 6"),
                false,
            )
            .await,
        );
        assert!(k.id > h.id);
        match run(&mut shard, ShardRequest::DropFunction { func: g.clone() }).await {
            ShardResponse::FunctionDropped(d) => assert_eq!(d.id, g.id),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            sqlstate(run(&mut shard, ShardRequest::DropFunction { func: g }).await),
            "42883"
        );
        run(
            &mut shard,
            ShardRequest::DropDatabase {
                name: "db2".into(),
                if_exists: false,
            },
        )
        .await;
        drop(shard);
        let mut shard = Shard::open(ShardId(0), io, cfg()).await.expect("reopen");
        let mut left: Vec<u64> = functions(&mut shard).await.iter().map(|f| f.id).collect();
        left.sort_unstable();
        assert_eq!(left, vec![f.id, k.id]);
    });
}
