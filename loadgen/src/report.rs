//! Measurements and their presentation: per-thread counters, the once-a-second progress line, and
//! the final report (text or `--json`).
//!
//! Latencies are recorded in microseconds in an HdrHistogram (3 significant digits, up to 60 s;
//! longer values saturate). Under `--rate` a transaction's latency starts at its *intended* start
//! time, so a stalled server cannot hide queueing delay (no coordinated omission). Failed
//! transactions are counted by SQLSTATE and not recorded in the histogram; retries of
//! serialization failures (40001) and deadlocks (40P01) are counted separately from errors.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest latency the histograms track, in µs.
const MAX_US: u64 = 60_000_000;

pub(crate) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_US, 3).expect("invariant: valid histogram bounds")
}

/// Counters of one thread (or, merged, of the whole run).
#[derive(Clone, Debug)]
pub(crate) struct Stats {
    pub latency: Histogram<u64>,
    pub committed: u64,
    /// Re-executions after 40001/40P01.
    pub retries: u64,
    /// Transactions that needed at least one retry.
    pub retried_txns: u64,
    /// Failed transactions by SQLSTATE (`conn` for a lost connection).
    pub errors: BTreeMap<String, u64>,
    /// Sum of schedule lag (actual start - intended start) under `--rate`, in µs.
    pub lag_us: u64,
    /// Under `--rate`: latency from the *actual* start, in µs (server time without the pacing lag).
    pub service: Histogram<u64>,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            latency: new_histogram(),
            committed: 0,
            retries: 0,
            retried_txns: 0,
            errors: BTreeMap::new(),
            lag_us: 0,
            service: new_histogram(),
        }
    }
}

impl Stats {
    pub(crate) fn record(&mut self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(MAX_US);
        self.latency.saturating_record(us.max(1));
        self.committed += 1;
    }

    pub(crate) fn error(&mut self, code: &str) {
        *self.errors.entry(code.to_owned()).or_default() += 1;
    }

    pub(crate) fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    pub(crate) fn merge(&mut self, other: &Self) {
        // Both histograms share the same bounds, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
        self.committed += other.committed;
        self.retries += other.retries;
        self.retried_txns += other.retried_txns;
        for (code, n) in &other.errors {
            *self.errors.entry(code.clone()).or_default() += n;
        }
        self.lag_us += other.lag_us;
        let _ = self.service.add(&other.service);
    }

    /// Records the service time of a paced transaction (see [`Stats::service`]).
    pub(crate) fn record_service(&mut self, service: Duration) {
        let us = u64::try_from(service.as_micros()).unwrap_or(MAX_US);
        self.service.saturating_record(us.max(1));
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// One progress line (stderr), like pgbench's `-P 1`.
pub(crate) fn progress_line(second: u64, interval: &Stats) -> String {
    let h = &interval.latency;
    format!(
        "progress: {second} s, {} tps, lat p50 {:.3} ms p99 {:.3} ms, errors {}, retries {}",
        interval.committed,
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.99)),
        interval.error_count(),
        interval.retries
    )
}

/// Latency summary in milliseconds.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Latency {
    pub avg: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// The final report of one run.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Report {
    pub workload: String,
    pub protocol: crate::conn::Protocol,
    pub clients: usize,
    pub threads: usize,
    /// CPUs of the machine loadgen runs on.
    pub cpus: usize,
    pub rate: Option<f64>,
    pub duration_s: f64,
    pub transactions: u64,
    pub tps: f64,
    pub latency_ms: Latency,
    /// Average delay between intended and actual start under `--rate`.
    pub schedule_lag_ms: Option<f64>,
    /// Under `--rate`: latency from the actual start (excludes schedule lag; for diagnosis only,
    /// `latency_ms` is the number without coordinated omission).
    pub service_latency_ms: Option<Latency>,
    pub retries: u64,
    pub retried_transactions: u64,
    pub errors: BTreeMap<String, u64>,
    /// User + system CPU time loadgen used while running (from /proc/self/stat).
    pub loadgen_cpu_s: f64,
    pub loadgen_cpu_us_per_txn: f64,
    /// `--ack-log`: the file and this run's id; `transactions` were acknowledged and logged.
    pub ack_log: Option<String>,
    pub verify: Option<String>,
}

impl Report {
    pub(crate) fn latency(stats: &Stats) -> Latency {
        Self::summarize(&stats.latency)
    }

    pub(crate) fn summarize(h: &Histogram<u64>) -> Latency {
        Latency {
            avg: h.mean() / 1000.0,
            p50: ms(h.value_at_quantile(0.5)),
            p90: ms(h.value_at_quantile(0.9)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
        }
    }

    pub(crate) fn text(&self) -> String {
        let l = &self.latency_ms;
        let mut s = format!(
            "workload: {}\nprotocol: {:?}, clients: {}, threads: {}, cpus: {}\n",
            self.workload, self.protocol, self.clients, self.threads, self.cpus
        )
        .to_lowercase();
        if let Some(r) = self.rate {
            s += &format!("rate: {r} tps target\n");
        }
        s += &format!(
            "duration: {:.3} s\ntransactions: {}\ntps: {:.1}\n\
             latency ms: avg {:.3} p50 {:.3} p90 {:.3} p99 {:.3} p99.9 {:.3} max {:.3}\n",
            self.duration_s, self.transactions, self.tps, l.avg, l.p50, l.p90, l.p99, l.p999, l.max
        );
        if let Some(lag) = self.schedule_lag_ms {
            s += &format!("schedule lag ms: avg {lag:.3}\n");
        }
        if let Some(l) = &self.service_latency_ms {
            s += &format!(
                "service latency ms (from actual start): avg {:.3} p50 {:.3} p99 {:.3} max {:.3}\n",
                l.avg, l.p50, l.p99, l.max
            );
        }
        s += &format!(
            "retries: {} ({} transactions retried)\n",
            self.retries, self.retried_transactions
        );
        if self.errors.is_empty() {
            s += "errors: 0\n";
        } else {
            let list: Vec<String> = self
                .errors
                .iter()
                .map(|(c, n)| format!("{c}: {n}"))
                .collect();
            s += &format!("errors: {}\n", list.join(", "));
        }
        s += &format!(
            "loadgen cpu: {:.2} s ({:.1} us per transaction)\n",
            self.loadgen_cpu_s, self.loadgen_cpu_us_per_txn
        );
        if let Some(log) = &self.ack_log {
            s += &format!(
                "ack log: {} acknowledged commits appended to {log}\n",
                self.transactions
            );
        }
        if let Some(lost) = self.errors.get("conn") {
            s += &format!(
                "connections lost: {lost} of {} clients (server gone?)\n",
                self.clients
            );
        }
        if let Some(v) = &self.verify {
            s += &format!("verify: ok: {v}\n");
        }
        s
    }
}

/// User + system CPU seconds this process has used so far. Reads `/proc/self/stat` (fields 14
/// and 15, in USER_HZ ticks, which the Linux ABI fixes at 100 per second). `None` off Linux.
pub(crate) fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may contain spaces; fields after its closing paren are plain.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_and_percentiles() {
        let mut a = Stats::default();
        let mut b = Stats::default();
        for i in 1..=100u64 {
            a.record(Duration::from_micros(i * 10));
        }
        b.record(Duration::from_secs(120)); // saturates at 60 s
        b.error("40001");
        b.error("40001");
        a.merge(&b);
        assert_eq!(a.committed, 101);
        assert_eq!(a.errors["40001"], 2);
        let l = Report::latency(&a);
        assert!((0.49..=0.52).contains(&l.p50), "{l:?}");
        assert!(l.max >= 59_000.0);
        assert!(progress_line(1, &a).contains("101 tps"));
    }

    #[test]
    fn cpu_time_is_readable() {
        assert!(process_cpu_seconds().is_some());
    }
}
