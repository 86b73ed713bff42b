//! json/jsonb over the wire, on a table spread over two shards: containment filters pushed to
//! the shards, `->>` projections, jsonb aggregates merged across shards, ORDER BY / GROUP BY
//! on jsonb in PostgreSQL's order, a table function over a table's rows, and PostgreSQL's
//! SQLSTATEs for bad input. Expected values are PostgreSQL 15's for the same statements.

mod common;

use common::error_code as code;
use common::rows;

use common::{connect_port, TestServer};

#[tokio::test]
async fn jsonb_column_over_two_shards() {
    let server = TestServer::start(&["--shards", "2"]);
    let c = connect_port(server.port).await;
    c.batch_execute(
        "CREATE TABLE docs (id int PRIMARY KEY, doc jsonb);
         INSERT INTO docs SELECT i, jsonb_build_object('n', i, 'even', i % 2 = 0,
             'tags', jsonb_build_array('t' || (i % 3))) FROM generate_series(1, 20) i",
    )
    .await
    .expect("setup");
    // Containment and existence filters (the shards evaluate them).
    assert_eq!(
        rows(
            &c,
            r#"SELECT count(*) FROM docs WHERE doc @> '{"even": true}'"#
        )
        .await,
        ["10"]
    );
    assert_eq!(
        rows(
            &c,
            r#"SELECT count(*) FROM docs WHERE doc @> '{"tags": ["t0"]}'"#
        )
        .await,
        ["6"]
    );
    assert_eq!(
        rows(
            &c,
            "SELECT count(*) FROM docs WHERE doc ? 'tags' AND NOT doc ?| '{x,y}'"
        )
        .await,
        ["20"]
    );
    // Projections.
    assert_eq!(
        rows(
            &c,
            "SELECT doc->>'n', doc->'tags', doc #>> '{tags,0}' FROM docs WHERE id = 7"
        )
        .await,
        [r#"7|["t1"]|t1"#]
    );
    // Aggregates over every shard's rows, merged at the router.
    let agg = rows(&c, "SELECT jsonb_agg(id), json_agg(doc->'n') FROM docs").await;
    let [line] = agg.as_slice() else {
        panic!("one row: {agg:?}");
    };
    let (jsonb, json) = line.split_once('|').expect("two columns");
    let numbers = |s: &str| {
        let mut v: Vec<i32> = s
            .trim_matches(['[', ']'])
            .split(", ")
            .map(|x| x.parse().expect("number"))
            .collect();
        v.sort_unstable();
        v
    };
    assert_eq!(numbers(jsonb), (1..=20).collect::<Vec<_>>());
    assert_eq!(numbers(json), (1..=20).collect::<Vec<_>>());
    assert_eq!(
        rows(
            &c,
            "SELECT count(*) FROM jsonb_object_keys((SELECT jsonb_object_agg(id, doc->'even') FROM docs))"
        )
        .await,
        ["20"]
    );
    // jsonb's btree order: objects of equal size compare key by key, so by "n" here.
    assert_eq!(
        rows(&c, "SELECT doc->'n' FROM docs ORDER BY doc DESC LIMIT 3").await,
        ["20", "19", "18"]
    );
    assert_eq!(
        rows(
            &c,
            "SELECT doc->'tags', count(*) FROM docs GROUP BY doc->'tags' ORDER BY 1"
        )
        .await,
        [r#"["t0"]|6"#, r#"["t1"]|7"#, r#"["t2"]|7"#]
    );
    assert_eq!(
        rows(&c, "SELECT DISTINCT doc->'even' FROM docs ORDER BY 1").await,
        ["false", "true"]
    );
    // A table function reading each row of a table (implicitly LATERAL).
    assert_eq!(
        rows(
            &c,
            "SELECT d.id, e.key, e.value FROM docs d, jsonb_each(d.doc) e WHERE d.id = 2 ORDER BY e.key"
        )
        .await,
        ["2|even|true", "2|n|2", "2|tags|[\"t2\"]"]
    );
    // Updates through jsonb functions.
    c.batch_execute("UPDATE docs SET doc = jsonb_set(doc, '{tags,0}', '\"z\"') WHERE id <= 5")
        .await
        .expect("update");
    assert_eq!(
        rows(
            &c,
            r#"SELECT count(*) FROM docs WHERE doc->'tags' @> '["z"]'"#
        )
        .await,
        ["5"]
    );
    // PostgreSQL's errors.
    assert_eq!(code(&c, "SELECT '{\"a\":1}'::jsonb - 1").await, "22023");
    assert_eq!(code(&c, "SELECT '{1}'::json").await, "22P02");
    assert_eq!(
        code(&c, "SELECT * FROM json_to_record('{}')").await,
        "42601"
    );
    assert_eq!(code(&c, "SELECT 1::int8 -> 'a'").await, "42883");
}
