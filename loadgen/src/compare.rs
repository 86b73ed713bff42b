//! `compare`: the same workload against two servers, alternately A B A B ..., so slow drift in
//! the machine's load (other processes, thermal, page cache) hits both sides alike. Prints each
//! round's TPS and B/A ratio, then the median ratio — the number to quote.

use std::sync::Arc;

use anyhow::Result;
use serde::Serialize;

use crate::cli::{parse_url, CompareArgs};
use crate::workload::Workload;
use crate::{block_on, run_one};

#[derive(Serialize)]
struct Round {
    a_tps: f64,
    b_tps: f64,
    ratio: f64,
}

#[derive(Serialize)]
struct Comparison {
    workload: String,
    a: String,
    b: String,
    rounds: Vec<Round>,
    median_ratio: f64,
}

/// Median of a non-empty list (mean of the middle two for even lengths); 0 for an empty list.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

pub(crate) fn compare<W: Workload>(w: Arc<W>, args: &CompareArgs) -> Result<()> {
    let a = parse_url(&args.a)?;
    let b = parse_url(&args.b)?;
    if args.init {
        for target in [&a, &b] {
            block_on(w.prepare(target))??;
        }
    }
    let mut rounds = Vec::new();
    for round in 1..=args.rounds.max(1) {
        let mut tps = [0.0; 2];
        for (i, target) in [&a, &b].into_iter().enumerate() {
            let cfg = args.load.run_config(target.clone(), args.workload.seed)?;
            let report = run_one(&w, &cfg)?;
            if !report.errors.is_empty() {
                eprintln!(
                    "round {round} {}: errors {:?}",
                    ["A", "B"][i],
                    report.errors
                );
            }
            tps[i] = report.tps;
        }
        let ratio = tps[1] / tps[0].max(1e-9);
        if !args.load.json {
            println!(
                "round {round}: A {:.1} tps, B {:.1} tps, B/A {ratio:.3}",
                tps[0], tps[1]
            );
        }
        rounds.push(Round {
            a_tps: tps[0],
            b_tps: tps[1],
            ratio,
        });
    }
    if args.load.verify {
        for target in [&a, &b] {
            let msg = block_on(w.verify(target))??;
            eprintln!("verify: ok: {msg}");
        }
    }
    let ratios: Vec<f64> = rounds.iter().map(|r| r.ratio).collect();
    let out = Comparison {
        workload: w.name(),
        a: args.a.clone(),
        b: args.b.clone(),
        median_ratio: median(&ratios),
        rounds,
    };
    if args.load.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let a_med = median(&out.rounds.iter().map(|r| r.a_tps).collect::<Vec<_>>());
        let b_med = median(&out.rounds.iter().map(|r| r.b_tps).collect::<Vec<_>>());
        println!(
            "median: A {a_med:.1} tps, B {b_med:.1} tps, B/A ratio {:.3} ({})",
            out.median_ratio, out.workload
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
