//! Ordered-set and hypothetical-set aggregates (`agg(direct) WITHIN GROUP (ORDER BY x)`):
//! `percentile_cont`, `percentile_disc`, `mode`, and `rank`, `dense_rank`, `percent_rank`,
//! `cume_dist` of a hypothetical row.
//!
//! They need every row of the group in the WITHIN GROUP order, which the executor already gives
//! ordered aggregate calls (`exec::aggregate`: such calls are never partial; rows are sorted at
//! the router before they are fed). A call's arguments are the ordered values followed by the
//! direct arguments, which PostgreSQL evaluates once per group: the first row's are kept.
//!
//! Hypothetical-set calls get one extra row, the hypothetical one, placed by the executor
//! before its peers (PostgreSQL's rank of a hypothetical row counts only the rows strictly
//! before it), and flagged by a trailing boolean argument; every row's arguments are then its
//! sort values and that flag.

use crate::error::{Result, SqlError};
use crate::types::{Array, DataType, Value};

/// The ordered-set aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderedSetFunc {
    PercentileCont,
    PercentileDisc,
    Mode,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
}

impl OrderedSetFunc {
    pub fn by_name(name: &str) -> Option<OrderedSetFunc> {
        Some(match name {
            "percentile_cont" => OrderedSetFunc::PercentileCont,
            "percentile_disc" => OrderedSetFunc::PercentileDisc,
            "mode" => OrderedSetFunc::Mode,
            "rank" => OrderedSetFunc::Rank,
            "dense_rank" => OrderedSetFunc::DenseRank,
            "percent_rank" => OrderedSetFunc::PercentRank,
            "cume_dist" => OrderedSetFunc::CumeDist,
            _ => return None,
        })
    }

    /// Whether the direct arguments form a hypothetical row (one per ORDER BY value).
    pub fn hypothetical(self) -> bool {
        matches!(
            self,
            OrderedSetFunc::Rank
                | OrderedSetFunc::DenseRank
                | OrderedSetFunc::PercentRank
                | OrderedSetFunc::CumeDist
        )
    }
}

/// The rows one group fed, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrderedSetState {
    /// Per row, the ordered value(s) (percentiles and mode: NULLs are not kept).
    rows: Vec<Vec<Value>>,
    /// The direct argument (percentiles), from the first row.
    direct: Option<Value>,
    /// Hypothetical-set: the position of the hypothetical row in `rows`.
    marker: Option<usize>,
}

impl OrderedSetState {
    pub fn update(&mut self, f: OrderedSetFunc, args: &[Value]) {
        if f.hypothetical() {
            let (flag, keys) = args.split_last().unwrap_or((&Value::Null, &[]));
            if *flag == Value::Bool(true) {
                self.marker = Some(self.rows.len());
            }
            self.rows.push(keys.to_vec());
            return;
        }
        if self.direct.is_none() {
            self.direct = Some(args.get(1).cloned().unwrap_or(Value::Null));
        }
        match args.first() {
            None | Some(Value::Null) => {}
            Some(v) => self.rows.push(vec![v.clone()]),
        }
    }

    pub fn finish(self, f: OrderedSetFunc, result: DataType) -> Result<Value> {
        match f {
            OrderedSetFunc::PercentileCont | OrderedSetFunc::PercentileDisc => {
                let values: Vec<Value> = self.rows.into_iter().flatten().collect();
                let cont = f == OrderedSetFunc::PercentileCont;
                match self.direct {
                    None | Some(Value::Null) => Ok(Value::Null),
                    Some(Value::Array(fracs)) => {
                        if values.is_empty() {
                            return Ok(Value::Null);
                        }
                        let mut out = Vec::with_capacity(fracs.items.len());
                        for fr in &fracs.items {
                            out.push(match fr {
                                Value::Float8(p) => percentile(&values, *p, cont)?,
                                _ => Value::Null,
                            });
                        }
                        Ok(Value::Array(Box::new(Array {
                            elem: result.elem().unwrap_or(DataType::Float8),
                            dims: fracs.dims.clone(),
                            items: out,
                        })))
                    }
                    Some(Value::Float8(p)) if !values.is_empty() => percentile(&values, p, cont),
                    Some(_) => Ok(Value::Null),
                }
            }
            OrderedSetFunc::Mode => {
                let mut best: Option<(&Value, usize)> = None;
                let mut i = 0;
                while i < self.rows.len() {
                    let v = &self.rows[i][0];
                    let run = self.rows[i..].iter().take_while(|r| &r[0] == v).count();
                    if best.is_none_or(|(_, n)| run > n) {
                        best = Some((v, run));
                    }
                    i += run;
                }
                Ok(best.map_or(Value::Null, |(v, _)| v.clone()))
            }
            _ => Ok(self.hypothetical(f, result)),
        }
    }

    fn hypothetical(self, f: OrderedSetFunc, result: DataType) -> Value {
        let Some(at) = self.marker else {
            return Value::Null;
        };
        let n = self.rows.len() - 1;
        let before = &self.rows[..at];
        let rank = at as i64 + 1;
        match f {
            OrderedSetFunc::Rank => Value::Int8(rank),
            OrderedSetFunc::DenseRank => {
                let distinct = before.windows(2).filter(|w| w[0] != w[1]).count()
                    + usize::from(!before.is_empty());
                Value::Int8(distinct as i64 + 1)
            }
            OrderedSetFunc::PercentRank => {
                let v = if n == 0 {
                    0.0
                } else {
                    (rank - 1) as f64 / n as f64
                };
                debug_assert_eq!(result, DataType::Float8);
                Value::Float8(v)
            }
            _ => {
                // cume_dist: rows up to the hypothetical one's last peer, itself included.
                let hypo = &self.rows[at];
                let peers = self.rows[at + 1..]
                    .iter()
                    .take_while(|r| *r == hypo)
                    .count();
                Value::Float8((at + peers + 1) as f64 / (n + 1) as f64)
            }
        }
    }
}

/// `percentile_cont`/`percentile_disc` of the sorted non-NULL `values` at fraction `p`.
fn percentile(values: &[Value], p: f64, cont: bool) -> Result<Value> {
    if !(0.0..=1.0).contains(&p) || p.is_nan() {
        return Err(SqlError::OutOfRange(format!(
            "percentile value {p} is not between 0 and 1"
        )));
    }
    let n = values.len();
    if !cont {
        // The first value whose position reaches the fraction (PostgreSQL's ceil(p * n)).
        let idx = ((p * n as f64).ceil() as usize).max(1) - 1;
        return Ok(values[idx.min(n - 1)].clone());
    }
    let pos = p * (n - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let num = |v: &Value| match v {
        Value::Float8(x) => *x,
        _ => f64::NAN,
    };
    let (a, b) = (num(&values[lo]), num(&values[hi]));
    Ok(Value::Float8(if lo == hi {
        a
    } else {
        a + (pos - lo as f64) * (b - a)
    }))
}
