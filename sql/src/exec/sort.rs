//! Ordering rows: ORDER BY comparison, grouping keys and DISTINCT.
//!
//! Values compare with [`Value::cmp_sql`], the total order that aggregates and indexes share
//! (NaN above every number, `-0 = 0`, text bytewise). NULL handling is decided here: for ORDER BY
//! by the key's NULLS FIRST/LAST; for grouping and DISTINCT, NULLs are equal to each other (as
//! PostgreSQL's GROUP BY and DISTINCT treat them).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use crate::plan::SortKey;
use crate::types::Value;

/// Compares two rows by the ORDER BY keys.
pub(crate) fn compare(a: &[Value], b: &[Value], keys: &[SortKey]) -> Ordering {
    for k in keys {
        let (x, y) = (&a[k.column], &b[k.column]);
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if k.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if k.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, false) => {
                let o = x.cmp_sql(y);
                if k.descending {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Stable sort by the ORDER BY keys (ties keep their arrival order).
pub(crate) fn sort_rows(rows: &mut [Vec<Value>], keys: &[SortKey]) {
    rows.sort_by(|a, b| compare(a, b, keys));
}

/// Keeps the first row of each key, in order.
pub(crate) fn keep_first(rows: &mut Vec<Vec<Value>>, key: impl Fn(&[Value]) -> Vec<Value>) {
    let mut seen = BTreeSet::new();
    rows.retain(|r| seen.insert(GroupKey(key(r))));
}

/// A tuple of values ordered (and so made equal) as GROUP BY and DISTINCT see them.
#[derive(Debug, Clone)]
pub(crate) struct GroupKey(pub Vec<Value>);

impl Ord for GroupKey {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.0.iter().zip(&other.0) {
            let o = a.cmp_sql(b);
            if o != Ordering::Equal {
                return o;
            }
        }
        self.0.len().cmp(&other.0.len())
    }
}

impl PartialOrd for GroupKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GroupKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GroupKey {}
