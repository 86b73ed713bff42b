//! EXPLAIN shows how a statement is routed: a point lookup names the one shard that holds the key
//! (the same shard the row was written to), anything else gathers from every shard, and the router's
//! work (final aggregate, sort, limit) sits above the shards' (filter, partial aggregate).

mod common;

use common::{connect, TestServer};
use tokio_postgres::SimpleQueryMessage;

async fn plan(client: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn explain_shows_shard_routing() {
    let server = TestServer::start(&["--shards", "2"]);
    let client = connect(&server.conninfo("postgres")).await;
    client
        .batch_execute("CREATE TABLE ex (id int PRIMARY KEY, g int, v text)")
        .await
        .expect("create");
    // Each key's lookup names a shard; over 40 keys both shards appear.
    let mut seen = std::collections::BTreeSet::new();
    for id in 1..=40 {
        let p = plan(
            &client,
            &format!("EXPLAIN SELECT v FROM ex WHERE id = {id}"),
        )
        .await;
        assert_eq!(p.len(), 1, "{p:?}");
        let line = &p[0];
        assert!(
            line.starts_with("Point Lookup on ex using ex_pkey (shard-"),
            "{line}"
        );
        seen.insert(line.clone());
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    let p = plan(
        &client,
        "EXPLAIN SELECT g, count(*) FROM ex WHERE v <> 'x' GROUP BY g ORDER BY g LIMIT 2",
    )
    .await;
    assert_eq!(
        p,
        [
            "Limit (router)",
            "  ->  Sort (router: merge of per-shard top-N when limited)",
            "        ->  HashAggregate (router: final)",
            "              ->  Gather (all 2 shards)",
            "                    ->  Seq Scan on ex (each shard)",
            "                          Filter: on the shard",
            "                          Partial aggregate: on the shard",
        ]
    );
    let p = plan(&client, "EXPLAIN UPDATE ex SET g = g + 1 WHERE id = 3").await;
    assert_eq!(p[0], "Update on ex");
    assert!(
        p[2].contains("Point Lookup on ex using ex_pkey (shard-"),
        "{p:?}"
    );
    // Extended protocol: the key is a parameter, so the shard is named once it is bound.
    let rows = client
        .query("EXPLAIN SELECT v FROM ex WHERE id = $1", &[&7i32])
        .await
        .expect("explain with a parameter");
    let line: String = rows[0].get(0);
    assert!(
        line.starts_with("Point Lookup on ex using ex_pkey (shard-"),
        "{line}"
    );
    let err = client
        .simple_query("EXPLAIN ANALYZE SELECT 1")
        .await
        .expect_err("not supported");
    assert_eq!(err.code().map(|c| c.code()), Some("0A000"));
}
