//! The window stage (drawn in `crate::plan::window`): computes every window call over the
//! pre-window rows, then the target rows.
//!
//! Per call: rows are sorted by (PARTITION BY, ORDER BY) with a stable sort, so peers keep their
//! arrival order; each partition is a run of equal partition keys, and peers are runs of equal
//! ordering keys within it. Ranking functions read positions and peer runs; `lag`/`lead` read
//! rows by position; value functions and aggregates read the frame. An aggregate whose frame
//! starts at UNBOUNDED PRECEDING and never shrinks is accumulated incrementally; any other frame
//! is re-aggregated per row (O(rows × frame)).
//!
//! Output order: the rows come out in the first call's window order (PostgreSQL emits them in
//! the order of its window sort when the query has no ORDER BY).

use std::cmp::Ordering;

use crate::error::{Result, SqlError};
use crate::expr::Params;
use crate::func::agg::Accumulator;
use crate::plan::window::{FrameBound, FrameUnits, WindowCall, WindowFunc, WindowStage};
use crate::plan::SortKey;
use crate::types::Value;

use super::sort::compare;

/// Runs the stage over the pre-window rows: the target rows.
pub(crate) fn run(
    stage: &WindowStage,
    rows: Vec<Vec<Value>>,
    params: &Params,
) -> Result<Vec<Vec<Value>>> {
    let n = rows.len();
    let mut values: Vec<Vec<Value>> = vec![Vec::with_capacity(stage.calls.len()); n];
    let mut first_order: Option<Vec<usize>> = None;
    for call in &stage.calls {
        let (order, out) = one_call(call, &rows, params)?;
        for (i, v) in out.into_iter().enumerate() {
            values[i].push(v);
        }
        first_order.get_or_insert(order);
    }
    let order = first_order.unwrap_or_else(|| (0..n).collect());
    let mut rows: Vec<Option<Vec<Value>>> = rows.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(n);
    for i in order {
        let mut row = rows[i].take().unwrap_or_default();
        row.append(&mut values[i]);
        if !stage.srfs.is_empty() {
            super::srf::expand(&stage.srfs, &stage.output, row, params, &mut out)?;
            continue;
        }
        out.push(
            stage
                .output
                .iter()
                .map(|e| e.eval_row(&row, params))
                .collect::<Result<Vec<_>>>()?,
        );
    }
    Ok(out)
}

/// One call's value for every row (indexed like `rows`), and the window's row order.
fn one_call(
    call: &WindowCall,
    rows: &[Vec<Value>],
    params: &Params,
) -> Result<(Vec<usize>, Vec<Value>)> {
    let spec = &call.spec;
    let np = spec.partition.len();
    // Sort keys: partition values, then ordering values.
    let mut keyed: Vec<(Vec<Value>, usize)> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let mut k = Vec::with_capacity(np + spec.order.len());
        for p in &spec.partition {
            k.push(p.eval_row(row, params)?);
        }
        for (e, _) in &spec.order {
            k.push(e.eval_row(row, params)?);
        }
        keyed.push((k, i));
    }
    let mut keys: Vec<SortKey> = (0..np)
        .map(|c| SortKey {
            column: c,
            ty: crate::types::DataType::Unknown,
            descending: false,
            nulls_first: false,
        })
        .collect();
    let order_keys: Vec<SortKey> = spec
        .order
        .iter()
        .enumerate()
        .map(|(j, (_, k))| SortKey { column: j, ..*k })
        .collect();
    keys.extend(order_keys.iter().map(|k| SortKey {
        column: np + k.column,
        ..*k
    }));
    keyed.sort_by(|a, b| compare(&a.0, &b.0, &keys));
    let mut out = vec![Value::Null; rows.len()];
    let mut start = 0;
    while start < keyed.len() {
        let mut end = start + 1;
        while end < keyed.len() && keyed[end].0[..np] == keyed[start].0[..np] {
            end += 1;
        }
        let part = &keyed[start..end];
        let okeys: Vec<Vec<Value>> = part.iter().map(|(k, _)| k[np..].to_vec()).collect();
        let prow: Vec<&Vec<Value>> = part.iter().map(|(_, i)| &rows[*i]).collect();
        let vals = partition(call, &prow, &okeys, &order_keys, params)?;
        for ((_, i), v) in part.iter().zip(vals) {
            out[*i] = v;
        }
        start = end;
    }
    Ok((keyed.into_iter().map(|(_, i)| i).collect(), out))
}

/// Peer runs: for each row, the first and one-past-last position of its peers.
fn peers(okeys: &[Vec<Value>], keys: &[SortKey]) -> Vec<(usize, usize)> {
    let n = okeys.len();
    let mut out = vec![(0, 0); n];
    let mut s = 0;
    while s < n {
        let mut e = s + 1;
        while e < n && compare(&okeys[s], &okeys[e], keys) == Ordering::Equal {
            e += 1;
        }
        for o in &mut out[s..e] {
            *o = (s, e);
        }
        s = e;
    }
    out
}

fn partition(
    call: &WindowCall,
    rows: &[&Vec<Value>],
    okeys: &[Vec<Value>],
    keys: &[SortKey],
    params: &Params,
) -> Result<Vec<Value>> {
    let n = rows.len();
    let peer = peers(okeys, keys);
    let arg = |i: usize, j: usize| -> Result<Value> {
        match call.args.get(j) {
            Some(e) => e.eval_row(rows[i], params),
            None => Ok(Value::Null),
        }
    };
    let mut out = Vec::with_capacity(n);
    match call.func {
        WindowFunc::RowNumber => out.extend((1..=n).map(|i| Value::Int8(i as i64))),
        WindowFunc::Rank => out.extend(peer.iter().map(|p| Value::Int8(p.0 as i64 + 1))),
        WindowFunc::DenseRank => {
            let mut rank = 0;
            for (i, p) in peer.iter().enumerate() {
                if p.0 == i {
                    rank += 1;
                }
                out.push(Value::Int8(rank));
            }
        }
        WindowFunc::PercentRank => out.extend(peer.iter().map(|p| {
            Value::Float8(if n > 1 {
                p.0 as f64 / (n - 1) as f64
            } else {
                0.0
            })
        })),
        WindowFunc::CumeDist => {
            out.extend(peer.iter().map(|p| Value::Float8(p.1 as f64 / n as f64)))
        }
        WindowFunc::Ntile => {
            for i in 0..n {
                let buckets = match arg(i, 0)? {
                    Value::Null => {
                        out.push(Value::Null);
                        continue;
                    }
                    v => as_i64(&v)?,
                };
                if buckets <= 0 {
                    return Err(SqlError::InvalidWindowArgument {
                        message: "argument of ntile must be greater than zero".into(),
                        ntile: true,
                    });
                }
                out.push(Value::Int4(ntile(i, n, buckets as usize) as i32));
            }
        }
        WindowFunc::Lag | WindowFunc::Lead => {
            for i in 0..n {
                let offset = if call.args.len() > 1 {
                    match arg(i, 1)? {
                        Value::Null => {
                            out.push(Value::Null);
                            continue;
                        }
                        v => as_i64(&v)?,
                    }
                } else {
                    1
                };
                let target = if call.func == WindowFunc::Lag {
                    (i as i64).saturating_sub(offset)
                } else {
                    (i as i64).saturating_add(offset)
                };
                if target >= 0 && (target as usize) < n {
                    out.push(arg(target as usize, 0)?);
                } else {
                    out.push(arg(i, 2)?);
                }
            }
        }
        WindowFunc::FirstValue | WindowFunc::LastValue | WindowFunc::NthValue => {
            for i in 0..n {
                let (s, e) = frame(call, i, rows, okeys, keys, &peer, params)?;
                let pick = match call.func {
                    WindowFunc::FirstValue => (s < e).then_some(s),
                    WindowFunc::LastValue => (s < e).then(|| e - 1),
                    _ => {
                        let k = match arg(i, 1)? {
                            Value::Null => {
                                out.push(Value::Null);
                                continue;
                            }
                            v => as_i64(&v)?,
                        };
                        if k <= 0 {
                            return Err(SqlError::InvalidWindowArgument {
                                message: "argument of nth_value must be greater than zero".into(),
                                ntile: false,
                            });
                        }
                        let at = s.saturating_add(k as usize - 1);
                        (at < e).then_some(at)
                    }
                };
                out.push(match pick {
                    Some(j) => arg(j, 0)?,
                    None => Value::Null,
                });
            }
        }
        WindowFunc::Agg(sig) => {
            let feed = |acc: &mut Accumulator, j: usize| -> Result<()> {
                if let Some(f) = &call.filter {
                    if f.eval_row(rows[j], params)? != Value::Bool(true) {
                        return Ok(());
                    }
                }
                let args = call
                    .args
                    .iter()
                    .map(|e| e.eval_row(rows[j], params))
                    .collect::<Result<Vec<_>>>()?;
                acc.update(&sig, &args)
            };
            // Incremental while the frame's start stays at the partition's start.
            let mut acc = Accumulator::new(&sig);
            let mut fed = 0;
            for i in 0..n {
                let (s, e) = frame(call, i, rows, okeys, keys, &peer, params)?;
                if s == 0 && e >= fed {
                    while fed < e {
                        feed(&mut acc, fed)?;
                        fed += 1;
                    }
                    out.push(acc.clone().finish(&sig)?);
                } else {
                    let mut a = Accumulator::new(&sig);
                    for j in s..e {
                        feed(&mut a, j)?;
                    }
                    out.push(a.finish(&sig)?);
                }
            }
        }
    }
    Ok(out)
}

/// PostgreSQL's ntile: the first `n % buckets` buckets get one row more.
fn ntile(i: usize, n: usize, buckets: usize) -> usize {
    let per = n / buckets;
    let extra = n % buckets;
    let big = extra * (per + 1);
    if i < big {
        i / (per + 1) + 1
    } else {
        // `per` is 0 only when every row is in the first `extra` buckets (not here).
        extra + (i - big).checked_div(per).unwrap_or(0) + 1
    }
}

fn as_i64(v: &Value) -> Result<i64> {
    match v {
        Value::Int2(x) => Ok(i64::from(*x)),
        Value::Int4(x) => Ok(i64::from(*x)),
        Value::Int8(x) => Ok(*x),
        other => Err(SqlError::Internal(format!(
            "window argument is not an integer (bug): {other:?}"
        ))),
    }
}

/// The frame of row `i`: positions `[start, end)` within the partition.
fn frame(
    call: &WindowCall,
    i: usize,
    rows: &[&Vec<Value>],
    okeys: &[Vec<Value>],
    keys: &[SortKey],
    peer: &[(usize, usize)],
    params: &Params,
) -> Result<(usize, usize)> {
    let n = rows.len();
    let f = &call.spec.frame;
    let offset = |e: &crate::expr::Expr, start: bool| -> Result<i64> {
        let which = if start { "starting" } else { "ending" };
        match e.eval_row(rows[i], params)? {
            Value::Null => Err(SqlError::NullValueNotAllowed(format!(
                "frame {which} offset must not be null"
            ))),
            v => {
                let k = as_i64(&v)?;
                if k < 0 {
                    return Err(SqlError::InvalidPrecedingOrFollowingSize(format!(
                        "frame {which} offset must not be negative"
                    )));
                }
                Ok(k)
            }
        }
    };
    // Range offsets: the bound expression is the key value where the frame starts/ends.
    let range_edge = |e: &crate::expr::Expr, start: bool, preceding: bool| -> Result<usize> {
        if okeys[i][0].is_null() {
            return Ok(if start { peer[i].0 } else { peer[i].1 });
        }
        let key = &keys[..1];
        // The edge is `key - offset` or `key + offset` (see `plan::window::FrameBound`); when
        // that overflows its type, the edge lies past every value, as in PostgreSQL's in_range.
        let above = preceding == key[0].descending;
        let probe = match e.eval_row(rows[i], params) {
            Ok(v) if v.is_null() => return Ok(if start { peer[i].0 } else { peer[i].1 }),
            Ok(v) => Some(vec![v]),
            Err(err) if matches!(err.sqlstate(), "22003" | "22008") => None,
            Err(err) => return Err(err),
        };
        let cmp = |k: &Vec<Value>| match &probe {
            Some(p) => compare(&k[..1], p, key),
            None if k[0].is_null() => {
                if key[0].nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            None => {
                let o = if above {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                if key[0].descending {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        // The partition is sorted by this key, so both edges are binary searches.
        Ok(if start {
            okeys.partition_point(|k| cmp(k) == Ordering::Less)
        } else {
            okeys.partition_point(|k| cmp(k) != Ordering::Greater)
        })
    };
    // Group boundaries (GROUPS mode): start positions of the peer runs.
    let groups = || -> (Vec<usize>, usize) {
        let starts: Vec<usize> = (0..n).filter(|&j| peer[j].0 == j).collect();
        let g = starts.iter().position(|&s| s == peer[i].0).unwrap_or(0);
        (starts, g)
    };
    let start = match &f.start {
        FrameBound::UnboundedPreceding => 0,
        FrameBound::CurrentRow => match f.units {
            FrameUnits::Rows => i,
            _ => peer[i].0,
        },
        FrameBound::UnboundedFollowing => n,
        FrameBound::Preceding(e) | FrameBound::Following(e) => {
            let back = matches!(f.start, FrameBound::Preceding(_));
            match f.units {
                FrameUnits::Rows => {
                    let k = offset(e, true)?;
                    if back {
                        (i as i64).saturating_sub(k).max(0) as usize
                    } else {
                        (i as i64).saturating_add(k).min(n as i64) as usize
                    }
                }
                FrameUnits::Groups => {
                    let k = offset(e, true)?;
                    let (starts, g) = groups();
                    let t = if back {
                        (g as i64).saturating_sub(k)
                    } else {
                        (g as i64).saturating_add(k)
                    };
                    if t < 0 {
                        0
                    } else {
                        starts.get(t as usize).copied().unwrap_or(n)
                    }
                }
                FrameUnits::Range => range_edge(e, true, back)?,
            }
        }
    };
    let end = match &f.end {
        FrameBound::UnboundedFollowing => n,
        FrameBound::CurrentRow => match f.units {
            FrameUnits::Rows => i + 1,
            _ => peer[i].1,
        },
        FrameBound::UnboundedPreceding => 0,
        FrameBound::Preceding(e) | FrameBound::Following(e) => {
            let back = matches!(f.end, FrameBound::Preceding(_));
            match f.units {
                FrameUnits::Rows => {
                    let k = offset(e, false)?;
                    if back {
                        (i as i64).saturating_sub(k).saturating_add(1).max(0) as usize
                    } else {
                        (i as i64).saturating_add(k).saturating_add(1).min(n as i64) as usize
                    }
                }
                FrameUnits::Groups => {
                    let k = offset(e, false)?;
                    let (starts, g) = groups();
                    let t = if back {
                        (g as i64).saturating_sub(k)
                    } else {
                        (g as i64).saturating_add(k)
                    };
                    if t < 0 {
                        0
                    } else {
                        starts
                            .get((t as usize).saturating_add(1))
                            .copied()
                            .unwrap_or(n)
                    }
                }
                FrameUnits::Range => range_edge(e, false, back)?,
            }
        }
    };
    Ok((start, end.max(start)))
}
