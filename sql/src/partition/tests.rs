use super::*;
use crate::catalog::{ColumnDef, DEFAULT_DATABASE};

fn table(columns: &[(&str, DataType)]) -> TableDef {
    TableDef {
        id: TableId(9),
        database: DEFAULT_DATABASE.into(),
        schema: "public".into(),
        name: "p".into(),
        columns: columns
            .iter()
            .map(|(n, ty)| ColumnDef::new(*n, *ty))
            .collect(),
        ..Default::default()
    }
}

fn remainder(key: &[Value], types: &[DataType], modulus: u64) -> u64 {
    hash_key(key, types).expect("hashable") % modulus
}

/// Placements observed in PostgreSQL 15 (`insert` into hash partitions, then `select` from each).
#[test]
fn hash_routing_matches_postgresql() {
    let int4 = [DataType::Int4];
    let in_remainder_0: Vec<i32> = (1..=20)
        .filter(|&i| remainder(&[Value::Int4(i)], &int4, 4) == 0)
        .collect();
    assert_eq!(in_remainder_0, vec![1, 12, 14, 16, 17]);
    let in_remainder_2: Vec<i32> = (1..=20)
        .filter(|&i| remainder(&[Value::Int4(i)], &int4, 4) == 2)
        .collect();
    assert_eq!(in_remainder_2, vec![2, 13, 18]);
    // NULL keys hash to 0.
    assert_eq!(remainder(&[Value::Null], &int4, 4), 0);
    let text = [DataType::Text];
    let t = |s: &str| remainder(&[Value::Text(s.into())], &text, 3);
    assert_eq!(t("xyzzy12"), 0);
    for s in ["abc", "hello world", "abcdefghijklmnopqrstuvwxyz"] {
        assert_eq!(t(s), 1, "{s}");
    }
    let int8 = [DataType::Int8];
    let even: Vec<i64> = [1, -1, 5_000_000_000, -5_000_000_000, 0]
        .into_iter()
        .filter(|&i| remainder(&[Value::Int8(i)], &int8, 2) == 0)
        .collect();
    assert_eq!(even, vec![1, 5_000_000_000, 0]);
}

#[test]
fn range_bounds_compare_with_infinities_and_routing_prefers_non_default() {
    let v = |i: i32| Datum::Value(Value::Int4(i));
    let b = PartitionBound::Range {
        from: vec![v(1), Datum::MinValue],
        to: vec![v(1), Datum::MaxValue],
    };
    let types = [DataType::Int4, DataType::Int4];
    assert!(b
        .accepts(&[Value::Int4(1), Value::Int4(i32::MIN)], &types)
        .expect("test"));
    assert!(!b
        .accepts(&[Value::Int4(2), Value::Int4(0)], &types)
        .expect("test"));
    assert!(!b
        .accepts(&[Value::Int4(1), Value::Null], &types)
        .expect("test"));
    let child = |id: u64, bound: PartitionBound| {
        let mut t = table(&[("a", DataType::Int4)]);
        t.id = TableId(id);
        t.partition_of = Some(Box::new(PartitionOf {
            parent: TableId(9),
            key_types: vec![DataType::Int4],
            bound,
        }));
        Arc::new(t)
    };
    let kids = vec![
        child(10, PartitionBound::Default),
        child(11, PartitionBound::List(vec![Value::Int4(1), Value::Null])),
    ];
    let route_id = |k: Value| {
        route(&kids, &[k], &[DataType::Int4])
            .expect("test")
            .map(|t| t.id.0)
    };
    assert_eq!(route_id(Value::Int4(1)), Some(11));
    assert_eq!(route_id(Value::Null), Some(11));
    assert_eq!(route_id(Value::Int4(2)), Some(10));
}

#[test]
fn sections_round_trip_through_the_catalog_encoding() {
    let mut parent = table(&[("a", DataType::Text), ("b", DataType::Int4)]);
    let (expr, ty) = crate::bind::key_expr(&parent, "(b + 0)").expect("binds");
    parent.partition_by = Some(Box::new(PartitionSpec {
        strategy: Strategy::Range,
        key: vec![
            KeyPart::Column(0),
            KeyPart::Expr(KeyExpr {
                sql: "(b + 0)".into(),
                expr,
                ty,
            }),
        ],
    }));
    let bytes = parent.encode();
    assert_eq!(TableDef::decode(&bytes), Ok(parent.clone()));
    let mut child = table(&[("a", DataType::Text), ("b", DataType::Int4)]);
    child.partition_of = Some(Box::new(PartitionOf {
        parent: TableId(9),
        key_types: vec![DataType::Text, DataType::Int4],
        bound: PartitionBound::Range {
            from: vec![Datum::Value(Value::Text("a".into())), Datum::MinValue],
            to: vec![Datum::Value(Value::Text("a".into())), Datum::MaxValue],
        },
    }));
    let bytes = child.encode();
    assert_eq!(TableDef::decode(&bytes), Ok(child));
    for cut in 0..bytes.len() {
        assert!(TableDef::decode(&bytes[..cut]).is_err());
    }
    let spec = parent.partition_by.as_ref().expect("test");
    let key = key_of(spec, &[Value::Text("x".into()), Value::Int4(4)]).expect("test");
    assert_eq!(key, vec![Value::Text("x".into()), Value::Int4(4)]);
}
