//! FOREIGN KEY constraints over the wire, on several shards: cascades that reach rows on every
//! shard, a child insert racing a parent delete from two connections (no orphan either way), and
//! constraints that survive kill -9. The SQL behaviour itself is compared with PostgreSQL 15 in
//! regress/sql/foreign_keys.sql.

mod common;

use std::time::Duration;

use common::{connect, error_code, rows, TestServer};

#[tokio::test]
async fn cascades_reach_rows_on_every_shard() {
    let server = TestServer::start(&["--shards", "2"]);
    let c = connect(&server.conninfo("postgres")).await;
    c.batch_execute(
        "CREATE TABLE p (id int PRIMARY KEY);
         CREATE TABLE k (id int PRIMARY KEY, p int REFERENCES p ON DELETE CASCADE ON UPDATE CASCADE,
                         n int REFERENCES p ON DELETE SET NULL);
         INSERT INTO p SELECT g FROM generate_series(1, 20) g;
         INSERT INTO k SELECT g, g % 4 + 1, g % 4 + 1 FROM generate_series(1, 200) g;",
    )
    .await
    .expect("setup");
    // 200 children spread over both shards by their own key; 50 reference each parent.
    c.batch_execute("DELETE FROM p WHERE id = 1")
        .await
        .expect("cascade");
    assert_eq!(rows(&c, "SELECT count(*) FROM k").await, ["150"]);
    assert_eq!(rows(&c, "SELECT count(*) FROM k WHERE p = 1").await, ["0"]);
    // SET NULL for the other constraint, which references another parent.
    c.batch_execute("UPDATE k SET n = 2 WHERE p = 3; DELETE FROM p WHERE id = 2")
        .await
        .expect("cascade and set null");
    assert_eq!(rows(&c, "SELECT count(*) FROM k").await, ["100"]);
    assert_eq!(
        rows(&c, "SELECT count(*) FROM k WHERE n IS NULL").await,
        ["50"]
    );
    // NO ACTION (the default) refuses, with PostgreSQL's message and detail.
    c.batch_execute("CREATE TABLE strict (id int PRIMARY KEY, p int REFERENCES p)")
        .await
        .expect("create");
    c.batch_execute("INSERT INTO strict SELECT g, 3 FROM generate_series(1, 10) g")
        .await
        .expect("insert");
    let err = c
        .batch_execute("DELETE FROM p WHERE id = 3")
        .await
        .expect_err("still referenced");
    let db = err.as_db_error().expect("server error");
    assert_eq!(db.code().code(), "23503");
    assert_eq!(
        db.message(),
        "update or delete on table \"p\" violates foreign key constraint \"strict_p_fkey\" on table \"strict\""
    );
    assert_eq!(
        db.detail(),
        Some("Key (id)=(3) is still referenced from table \"strict\".")
    );
    // The failed statement changed nothing: the cascade into k rolled back with it.
    assert_eq!(rows(&c, "SELECT count(*) FROM k WHERE p = 3").await, ["50"]);
    let err = c
        .batch_execute("INSERT INTO strict VALUES (100, 99)")
        .await
        .expect_err("missing parent");
    let db = err.as_db_error().expect("server error");
    assert_eq!(db.code().code(), "23503");
    assert_eq!(
        db.detail(),
        Some("Key (p)=(99) is not present in table \"p\".")
    );
}

/// A parent DELETE and a child INSERT of its key, from two connections, in both orders: the
/// second waits for the first (the insert's FOR KEY SHARE lock on the parent row against the
/// delete's lock) and then fails, so no child is ever left without its parent.
#[tokio::test]
async fn a_child_insert_cannot_race_a_parent_delete() {
    let server = TestServer::start(&["--shards", "2"]);
    let a = connect(&server.conninfo("postgres")).await;
    let b = connect(&server.conninfo("postgres")).await;
    a.batch_execute(
        "CREATE TABLE p (id int PRIMARY KEY);
         CREATE TABLE c (id int PRIMARY KEY, p int REFERENCES p);
         INSERT INTO p SELECT g FROM generate_series(1, 10) g;",
    )
    .await
    .expect("setup");

    // Delete first: the insert waits, then finds no parent.
    a.batch_execute("BEGIN; DELETE FROM p WHERE id = 1")
        .await
        .expect("delete");
    let insert = tokio::spawn(async move {
        let r = b.batch_execute("INSERT INTO c VALUES (1, 1)").await;
        (b, r)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!insert.is_finished(), "the insert must wait for the delete");
    a.batch_execute("COMMIT").await.expect("commit");
    let (b, r) = insert.await.expect("join");
    let err = r.expect_err("parent deleted");
    assert_eq!(err.code().map(|c| c.code()), Some("23503"));

    // Insert first: the delete waits, then finds the committed child.
    b.batch_execute("BEGIN; INSERT INTO c VALUES (2, 2)")
        .await
        .expect("insert");
    let delete = tokio::spawn(async move {
        let r = a.batch_execute("DELETE FROM p WHERE id = 2").await;
        (a, r)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!delete.is_finished(), "the delete must wait for the insert");
    b.batch_execute("COMMIT").await.expect("commit");
    let (a, r) = delete.await.expect("join");
    let err = r.expect_err("child committed");
    assert_eq!(err.code().map(|c| c.code()), Some("23503"));

    // An UPDATE of a referenced (unique, not primary) key blocks a child insert of the old
    // value as a DELETE does.
    a.batch_execute(
        "CREATE TABLE pu (id int PRIMARY KEY, u int UNIQUE);
         CREATE TABLE cu (id int PRIMARY KEY, u int REFERENCES pu (u));
         INSERT INTO pu VALUES (1, 10);
         BEGIN; UPDATE pu SET u = 11 WHERE id = 1",
    )
    .await
    .expect("update");
    let insert = tokio::spawn(async move {
        let r = b.batch_execute("INSERT INTO cu VALUES (1, 10)").await;
        (b, r)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !insert.is_finished(),
        "the insert must wait for the key update"
    );
    a.batch_execute("COMMIT").await.expect("commit");
    let (_b, r) = insert.await.expect("join");
    assert_eq!(
        r.expect_err("old key gone").code().map(|c| c.code()),
        Some("23503")
    );

    // Many racing pairs, both outcomes allowed, never an orphan.
    let mut tasks = Vec::new();
    for i in 3..=10 {
        let del = connect(&server.conninfo("postgres")).await;
        let ins = connect(&server.conninfo("postgres")).await;
        tasks.push(tokio::spawn(async move {
            let (ds, ns) = (
                format!("DELETE FROM p WHERE id = {i}"),
                format!("INSERT INTO c VALUES ({}, {i})", 100 + i),
            );
            let d = del.batch_execute(&ds);
            let n = ins.batch_execute(&ns);
            let (d, n) = tokio::join!(d, n);
            assert!(
                d.is_ok() != n.is_ok(),
                "exactly one of the pair wins ({d:?}, {n:?})"
            );
        }));
    }
    for t in tasks {
        t.await.expect("pair");
    }
    let orphans = rows(
        &a,
        "SELECT count(*) FROM c LEFT JOIN p ON p.id = c.p WHERE p.id IS NULL",
    )
    .await;
    assert_eq!(orphans, ["0"]);
}

#[tokio::test]
async fn foreign_keys_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path").to_string();
    let args = ["--shards", "2", "--data-dir", &data_arg];
    let mut server = TestServer::start(&args);
    let c = connect(&server.conninfo("postgres")).await;
    c.batch_execute(
        "CREATE TABLE p (id int PRIMARY KEY, u int UNIQUE);
         CREATE TABLE d (id int PRIMARY KEY, parent int REFERENCES d ON DELETE CASCADE);
         CREATE TABLE c (a int, CONSTRAINT to_u FOREIGN KEY (a) REFERENCES p (u) MATCH FULL);
         INSERT INTO p VALUES (1, 10);
         INSERT INTO c VALUES (10);
         INSERT INTO d VALUES (1, NULL), (2, 1), (3, 2);",
    )
    .await
    .expect("setup");
    drop(c);
    server.kill9();

    let server = TestServer::start(&args);
    let c = connect(&server.conninfo("postgres")).await;
    assert_eq!(error_code(&c, "INSERT INTO c VALUES (11)").await, "23503");
    assert_eq!(error_code(&c, "DELETE FROM p").await, "23503");
    assert_eq!(error_code(&c, "DROP TABLE p").await, "2BP01");
    c.batch_execute("DELETE FROM d WHERE id = 1")
        .await
        .expect("self-referencing cascade");
    assert_eq!(rows(&c, "SELECT count(*) FROM d").await, ["0"]);
    assert_eq!(
        rows(
            &c,
            "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE contype = 'f' ORDER BY conname"
        )
        .await,
        [
            "d_parent_fkey FOREIGN KEY (parent) REFERENCES d(id) ON DELETE CASCADE",
            "to_u FOREIGN KEY (a) REFERENCES p(u) MATCH FULL"
        ]
    );
}
