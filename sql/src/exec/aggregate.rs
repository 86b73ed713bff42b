//! Grouping and aggregation, split between shards (partial states) and the router (merge, finish).
//!
//! # Partial rows
//! With `Aggregate::partial`, a shard folds its rows into one [`Accumulator`] per call and group,
//! and returns one row per group: the GROUP BY values, then each call's state as a fixed number of
//! values ([`state_width`]; `encode` and `decode` must agree):
//! ```text
//!   count                 [int8 n]
//!   sum/avg of integers   [int8 high, int8 low, int8 count]     (the i128 sum in two halves)
//!   sum/avg of others     [sum, int8 count]
//!   min/max, bool_*       [value or NULL]
//!   string_agg            [bytea or NULL]
//!   array_agg             [array of the items]
//! ```
//! Without it (DISTINCT inside a call, or a `string_agg` delimiter that varies per row), a shard
//! returns, per input row, the GROUP BY values then every call's arguments (followed by whether
//! its FILTER held, for calls with one, then its ORDER BY values), and the router does all the
//! aggregation, feeding ordered calls their rows sorted.

use std::collections::{BTreeMap, BTreeSet};

use super::GroupKey;
use crate::error::{Result, SqlError};
use crate::func::agg::{Accumulator, AggFunc};
use crate::func::stats::{Moments, NumMoments, Regr};
use crate::plan::{AggCall, Aggregate};
use crate::types::{Array, Interval, Numeric, Value};

/// A shard's groups while it scans.
pub(crate) struct ShardGroups<'a> {
    agg: &'a Aggregate,
    groups: BTreeMap<GroupKey, Vec<Accumulator>>,
    raw: Vec<Vec<Value>>,
}

impl<'a> ShardGroups<'a> {
    pub(crate) fn new(agg: &'a Aggregate) -> ShardGroups<'a> {
        ShardGroups {
            agg,
            groups: BTreeMap::new(),
            raw: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: &[Value], params: &crate::expr::Params) -> Result<()> {
        let mut key = Vec::with_capacity(self.agg.group_by.len());
        for e in &self.agg.group_by {
            key.push(e.eval_row(row, params)?);
        }
        if !self.agg.partial {
            for c in &self.agg.calls {
                for a in &c.args {
                    key.push(a.eval_row(row, params)?);
                }
                if let Some(f) = &c.filter {
                    key.push(Value::Bool(passes(f, row, params)?));
                }
                for (e, _) in &c.order {
                    key.push(e.eval_row(row, params)?);
                }
            }
            self.raw.push(key);
            return Ok(());
        }
        let calls = &self.agg.calls;
        let accs = self
            .groups
            .entry(GroupKey(key))
            .or_insert_with(|| calls.iter().map(|c| Accumulator::new(&c.sig)).collect());
        for (c, acc) in calls.iter().zip(accs.iter_mut()) {
            if let Some(f) = &c.filter {
                if !passes(f, row, params)? {
                    continue;
                }
            }
            let args = c
                .args
                .iter()
                .map(|a| a.eval_row(row, params))
                .collect::<Result<Vec<_>>>()?;
            acc.update(&c.sig, &args)?;
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<Vec<Vec<Value>>> {
        if !self.agg.partial {
            return Ok(self.raw);
        }
        Ok(self
            .groups
            .into_iter()
            .map(|(key, accs)| {
                let mut row = key.0;
                for acc in accs {
                    encode(acc, &mut row);
                }
                row
            })
            .collect())
    }
}

/// One group at the router: its accumulators, and per DISTINCT call the argument tuples seen.
struct Group {
    accs: Vec<Accumulator>,
    seen: Vec<BTreeSet<GroupKey>>,
    /// Per call with ORDER BY: (order values, arguments) until the group is finished.
    pending: Vec<Vec<(Vec<Value>, Vec<Value>)>>,
}

impl Group {
    /// Feeds one row's arguments to call `i` (DISTINCT checked here, in feeding order).
    fn feed(&mut self, i: usize, c: &AggCall, args: &[Value]) -> Result<()> {
        // DISTINCT looks at the first argument; NULLs are skipped by the aggregate.
        if c.distinct && !self.seen[i].insert(GroupKey(args[..1].to_vec())) {
            return Ok(());
        }
        self.accs[i].update(&c.sig, args)
    }
}

/// The router's aggregation: merges the shards' answers into target rows (HAVING applied).
pub(crate) fn finish(
    agg: &Aggregate,
    partials: Vec<Vec<Vec<Value>>>,
    params: &crate::expr::Params,
) -> Result<Vec<Vec<Value>>> {
    let ng = agg.group_by.len();
    let new_group = || Group {
        accs: agg.calls.iter().map(|c| Accumulator::new(&c.sig)).collect(),
        seen: agg.calls.iter().map(|_| BTreeSet::new()).collect(),
        pending: agg.calls.iter().map(|_| Vec::new()).collect(),
    };
    let delimiters = agg
        .calls
        .iter()
        .map(|c| match c.args.get(1) {
            Some(d) if agg.partial && c.sig.func == AggFunc::StringAgg => d.eval(params).map(Some),
            _ => Ok(None),
        })
        .collect::<Result<Vec<_>>>()?;
    let mut groups: BTreeMap<GroupKey, Group> = BTreeMap::new();
    for mut row in partials.into_iter().flatten() {
        let rest = row.split_off(ng.min(row.len()));
        let g = groups.entry(GroupKey(row)).or_insert_with(new_group);
        let mut at = 0;
        for (i, c) in agg.calls.iter().enumerate() {
            if agg.partial {
                let w = state_width(c);
                let state = decode(c, rest.get(at..at + w).ok_or_else(short)?)?;
                at += w;
                g.accs[i].merge(&c.sig, state, delimiters[i].as_ref())?;
            } else {
                let n = c.args.len();
                let args = rest.get(at..at + n).ok_or_else(short)?;
                at += n;
                let passed = match c.filter {
                    None => true,
                    Some(_) => {
                        at += 1;
                        rest.get(at - 1) == Some(&Value::Bool(true))
                    }
                };
                let m = c.order.len();
                let keys = rest.get(at..at + m).ok_or_else(short)?;
                at += m;
                if !passed {
                    continue;
                }
                if m > 0 {
                    g.pending[i].push((keys.to_vec(), args.to_vec()));
                } else {
                    g.feed(i, c, args)?;
                }
            }
        }
    }
    if ng == 0 && groups.is_empty() {
        groups.insert(GroupKey(Vec::new()), new_group());
    }
    let mut out = Vec::with_capacity(groups.len());
    for (key, mut g) in groups {
        for (i, c) in agg.calls.iter().enumerate() {
            if c.order.is_empty() {
                continue;
            }
            let keys: Vec<_> = c.order.iter().map(|(_, k)| *k).collect();
            let mut pending = std::mem::take(&mut g.pending[i]);
            pending.sort_by(|a, b| super::sort::compare(&a.0, &b.0, &keys));
            if matches!(c.sig.func, AggFunc::OrderedSet(f) if f.hypothetical()) {
                feed_hypothetical(&mut g, i, c, pending, &keys, params)?;
                continue;
            }
            for (_, args) in pending {
                g.feed(i, c, &args)?;
            }
        }
        let mut row = key.0;
        for (c, acc) in agg.calls.iter().zip(g.accs) {
            row.push(acc.finish(&c.sig)?);
        }
        if let Some(h) = &agg.having {
            if h.eval_row(&row, params)? != Value::Bool(true) {
                continue;
            }
        }
        out.push(
            agg.output
                .iter()
                .map(|e| e.eval_row(&row, params))
                .collect::<Result<Vec<_>>>()?,
        );
    }
    Ok(out)
}

/// Whether a FILTER condition holds for a row (NULL does not).
fn passes(f: &crate::expr::Expr, row: &[Value], params: &crate::expr::Params) -> Result<bool> {
    Ok(f.eval_row(row, params)? == Value::Bool(true))
}

fn short() -> SqlError {
    SqlError::Internal("bug: a shard's partial aggregate row is too short".into())
}

/// How many values a call's partial state takes (see the module doc).
fn state_width(c: &AggCall) -> usize {
    match Accumulator::new(&c.sig) {
        Accumulator::SumInt { .. } => 3,
        Accumulator::SumNumeric { .. }
        | Accumulator::SumFloat { .. }
        | Accumulator::SumInterval { .. } => 2,
        Accumulator::Count(_)
        | Accumulator::Extreme(_)
        | Accumulator::Bool(_)
        | Accumulator::StringAgg(_)
        | Accumulator::ArrayAgg(_)
        | Accumulator::Bits(_) => 1,
        Accumulator::Moments(_) | Accumulator::NumMoments(_) => 3,
        Accumulator::Regr(_) => 6,
        // Ordered calls are never partial (`can_partial`).
        Accumulator::OrderedSet(_) => 0,
    }
}

fn encode(acc: Accumulator, out: &mut Vec<Value>) {
    match acc {
        Accumulator::Count(n) => out.push(Value::Int8(n)),
        Accumulator::SumInt { sum, count } => {
            // Two's-complement halves of the i128; `decode` reassembles them.
            out.push(Value::Int8((sum >> 64) as i64));
            out.push(Value::Int8(sum as u64 as i64));
            out.push(Value::Int8(count));
        }
        Accumulator::SumNumeric { sum, count } => {
            out.push(Value::Numeric(sum));
            out.push(Value::Int8(count));
        }
        Accumulator::SumFloat { sum, count } => {
            out.push(Value::Float8(sum));
            out.push(Value::Int8(count));
        }
        Accumulator::SumInterval { sum, count } => {
            out.push(Value::Interval(sum));
            out.push(Value::Int8(count));
        }
        Accumulator::Extreme(v) => out.push(v.unwrap_or(Value::Null)),
        Accumulator::Bool(b) => out.push(b.map_or(Value::Null, Value::Bool)),
        Accumulator::StringAgg(b) => out.push(b.map_or(Value::Null, Value::Bytea)),
        Accumulator::ArrayAgg(items) => out.push(Value::Array(Box::new(Array::from_items(
            crate::types::DataType::Unknown,
            items,
        )))),
        Accumulator::Bits(v) => out.push(v.unwrap_or(Value::Null)),
        Accumulator::Moments(m) => {
            out.extend([m.n, m.sx, m.sxx].map(Value::Float8));
        }
        Accumulator::NumMoments(m) => {
            out.push(Value::Int8(m.n));
            out.push(Value::Numeric(m.sx));
            out.push(Value::Numeric(m.sxx));
        }
        Accumulator::Regr(r) => {
            out.extend([r.n, r.sx, r.sxx, r.sy, r.syy, r.sxy].map(Value::Float8));
        }
        Accumulator::OrderedSet(_) => {}
    }
}

fn decode(c: &AggCall, v: &[Value]) -> Result<Accumulator> {
    let bad = || SqlError::Internal(format!("bug: bad partial state for {:?}", c.sig.func));
    let int = |x: &Value| match x {
        Value::Int8(n) => Ok(*n),
        _ => Err(bad()),
    };
    Ok(match Accumulator::new(&c.sig) {
        Accumulator::Count(_) => Accumulator::Count(int(&v[0])?),
        Accumulator::SumInt { .. } => Accumulator::SumInt {
            sum: (i128::from(int(&v[0])?) << 64) | i128::from(int(&v[1])? as u64),
            count: int(&v[2])?,
        },
        Accumulator::SumNumeric { .. } => match &v[0] {
            Value::Numeric(n) => Accumulator::SumNumeric {
                sum: Numeric::clone(n),
                count: int(&v[1])?,
            },
            _ => return Err(bad()),
        },
        Accumulator::SumFloat { .. } => match v[0] {
            Value::Float8(x) => Accumulator::SumFloat {
                sum: x,
                count: int(&v[1])?,
            },
            _ => return Err(bad()),
        },
        Accumulator::SumInterval { .. } => match &v[0] {
            Value::Interval(i) => Accumulator::SumInterval {
                sum: Interval::clone(i),
                count: int(&v[1])?,
            },
            _ => return Err(bad()),
        },
        Accumulator::Extreme(_) => Accumulator::Extreme((!v[0].is_null()).then(|| v[0].clone())),
        Accumulator::Bool(_) => Accumulator::Bool(match v[0] {
            Value::Bool(b) => Some(b),
            _ => None,
        }),
        Accumulator::StringAgg(_) => Accumulator::StringAgg(match &v[0] {
            Value::Bytea(b) => Some(b.clone()),
            _ => None,
        }),
        Accumulator::Bits(_) => Accumulator::Bits((!v[0].is_null()).then(|| v[0].clone())),
        Accumulator::Moments(_) => {
            let f = floats(v, 3).ok_or_else(bad)?;
            Accumulator::Moments(Moments {
                n: f[0],
                sx: f[1],
                sxx: f[2],
            })
        }
        Accumulator::NumMoments(_) => match (&v[1], &v[2]) {
            (Value::Numeric(sx), Value::Numeric(sxx)) => Accumulator::NumMoments(NumMoments {
                n: int(&v[0])?,
                sx: Numeric::clone(sx),
                sxx: Numeric::clone(sxx),
            }),
            _ => return Err(bad()),
        },
        Accumulator::Regr(_) => {
            let f = floats(v, 6).ok_or_else(bad)?;
            Accumulator::Regr(Regr {
                n: f[0],
                sx: f[1],
                sxx: f[2],
                sy: f[3],
                syy: f[4],
                sxy: f[5],
            })
        }
        Accumulator::ArrayAgg(_) => match &v[0] {
            Value::Array(a) => Accumulator::ArrayAgg(a.items.clone()),
            _ => return Err(bad()),
        },
        Accumulator::OrderedSet(_) => return Err(bad()),
    })
}

/// The first `n` values as floats (a float partial state).
fn floats(v: &[Value], n: usize) -> Option<Vec<f64>> {
    v.get(..n)?
        .iter()
        .map(|x| match x {
            Value::Float8(f) => Some(*f),
            _ => None,
        })
        .collect()
}

/// A hypothetical-set call (`rank(3) WITHIN GROUP (ORDER BY x)`): its rows' sort values in
/// order, with the hypothetical row (the call's arguments, the same in every row) placed before
/// its peers and flagged, as `func::ordered_set` expects.
fn feed_hypothetical(
    g: &mut Group,
    i: usize,
    c: &AggCall,
    pending: Vec<(Vec<Value>, Vec<Value>)>,
    keys: &[crate::plan::SortKey],
    params: &crate::expr::Params,
) -> Result<()> {
    let hypo: Vec<Value> = match pending.first() {
        Some((_, args)) => args.clone(),
        // No rows: the arguments can only be constants.
        None => (c.args.iter())
            .map(|e| e.eval(params).unwrap_or(Value::Null))
            .collect(),
    };
    let at = pending
        .partition_point(|(k, _)| super::sort::compare(k, &hypo, keys) == std::cmp::Ordering::Less);
    let mut flagged = |k: &[Value], flag: bool| -> Result<()> {
        let mut args = k.to_vec();
        args.push(Value::Bool(flag));
        g.feed(i, c, &args)
    };
    for (j, (k, _)) in pending.iter().enumerate() {
        if j == at {
            flagged(&hypo, true)?;
        }
        flagged(k, false)?;
    }
    if at == pending.len() {
        flagged(&hypo, true)?;
    }
    Ok(())
}

/// Whether shards can pre-aggregate these calls (see the module doc): not with DISTINCT or ORDER BY
/// inside a call, nor with a `string_agg` delimiter that reads the row.
pub(crate) fn can_partial(calls: &[AggCall]) -> bool {
    calls.iter().all(|c| {
        !c.distinct
            && c.order.is_empty()
            && (c.sig.func != AggFunc::StringAgg
                || c.args.get(1).is_none_or(|d| !crate::plan::uses_columns(d)))
    })
}
