//! A shard over the in-memory store: DDL, inserts, scans, point lookups, constraint errors, and
//! everything still there after reopening (durability through the WAL and catalog).

use std::sync::Arc;

use futures_lite::future::block_on;
use pglitedb_shard::{Handled, Shard, ShardId, ShardRequest, ShardResponse};
use pglitedb_sql::{bind, parse, Catalog, QueryPlan, SessionContext, Statement, TableDef, Value};
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

async fn run(shard: &mut Shard<MemIo>, req: ShardRequest) -> ShardResponse {
    match shard.handle(req).await {
        Handled::Now(r) => r,
        Handled::AfterCommit(ticket, r) => {
            ticket.durable().await.expect("durable");
            r
        }
    }
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

fn rows(r: ShardResponse) -> Vec<Vec<Value>> {
    match r {
        ShardResponse::Rows(rows) => rows,
        other => panic!("expected rows, got {other:?}"),
    }
}

#[test]
fn tables_survive_reopen_and_enforce_primary_keys() {
    block_on(async {
        let io = MemIo::new();
        let mut shard = Shard::open(ShardId(0), io.clone(), cfg())
            .await
            .expect("open");
        let Statement::CreateTable {
            table,
            if_not_exists,
        } = stmt(
            "CREATE TABLE accounts (aid int PRIMARY KEY, abalance int, filler text)",
            &[],
        )
        else {
            panic!("create")
        };
        let ShardResponse::TableCreated(Some(accounts)) = run(
            &mut shard,
            ShardRequest::CreateTable {
                table: table.clone(),
                if_not_exists,
            },
        )
        .await
        else {
            panic!("created")
        };
        assert!(accounts.id.0 >= 1000, "shard 0 assigns ids");
        let again = run(
            &mut shard,
            ShardRequest::CreateTable {
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
        let inserted = run(
            &mut shard,
            ShardRequest::Insert {
                table: accounts.clone(),
                rows: (1..=300).map(|i| row(i, i * 10)).collect(),
            },
        )
        .await;
        assert!(
            matches!(inserted, ShardResponse::Inserted(300)),
            "{inserted:?}"
        );
        let dup = run(
            &mut shard,
            ShardRequest::Insert {
                table: accounts.clone(),
                rows: vec![row(7, 0)],
            },
        )
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
                    plan,
                    params: vec![],
                    key,
                },
            )
            .await,
        );
        assert_eq!(got, vec![vec![Value::Int4(420)]]);
        let plan = query("SELECT aid FROM accounts WHERE abalance > 2950", &tables);
        let got = rows(
            run(
                &mut shard,
                ShardRequest::Scan {
                    plan,
                    params: vec![],
                    key: None,
                },
            )
            .await,
        );
        assert_eq!(
            got,
            vec![
                vec![Value::Int4(296)],
                vec![Value::Int4(297)],
                vec![Value::Int4(298)],
                vec![Value::Int4(299)],
                vec![Value::Int4(300)]
            ]
        );

        // A table without a primary key gets hidden row ids; reopening continues after the last one.
        let Statement::CreateTable { table, .. } = stmt("CREATE TABLE history (delta int)", &[])
        else {
            panic!()
        };
        let ShardResponse::TableCreated(Some(history)) = run(
            &mut shard,
            ShardRequest::CreateTable {
                table,
                if_not_exists: false,
            },
        )
        .await
        else {
            panic!("created")
        };
        run(
            &mut shard,
            ShardRequest::Insert {
                table: history.clone(),
                rows: vec![vec![Value::Int4(1)], vec![Value::Null]],
            },
        )
        .await;
        drop(shard);

        let mut shard = Shard::open(ShardId(0), io, cfg()).await.expect("reopen");
        let ShardResponse::Catalog(catalog) = run(&mut shard, ShardRequest::LoadCatalog).await
        else {
            panic!()
        };
        assert_eq!(catalog.len(), 2);
        run(
            &mut shard,
            ShardRequest::Insert {
                table: history.clone(),
                rows: vec![vec![Value::Int4(3)]],
            },
        )
        .await;
        let tables = vec![accounts.clone(), history.clone()];
        let all = rows(
            run(
                &mut shard,
                ShardRequest::Scan {
                    plan: query("SELECT * FROM history", &tables),
                    params: vec![],
                    key: None,
                },
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
                ShardRequest::Scan {
                    plan: query("SELECT aid FROM accounts", &tables),
                    params: vec![],
                    key: None,
                },
            )
            .await,
        );
        assert_eq!(count.len(), 300);

        let dropped = run(
            &mut shard,
            ShardRequest::DropTable {
                table: accounts.clone(),
            },
        )
        .await;
        assert!(matches!(dropped, ShardResponse::TableDropped(_)));
        let gone = run(
            &mut shard,
            ShardRequest::Scan {
                plan: query("SELECT aid FROM accounts", &tables),
                params: vec![],
                key: None,
            },
        )
        .await;
        assert!(matches!(gone, ShardResponse::Error(e) if e.sqlstate() == "42P01"));
    });
}
