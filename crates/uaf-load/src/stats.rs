//! Latencies per kind of call and errors by kind, merged from every worker.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::proc::PhaseCpu;
use crate::schedule::OpenLoop;

/// What one worker (or the whole run, merged) saw.
#[derive(Default)]
pub(crate) struct Stats {
    /// Latencies in microseconds, per kind (`signin.start`, `signin`, …).
    latencies: BTreeMap<&'static str, Vec<u64>>,
    /// Errors, per kind (`phone.respond: HTTP 403`, …).
    errors: BTreeMap<String, u64>,
}

impl Stats {
    pub(crate) fn record(&mut self, kind: &'static str, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.latencies.entry(kind).or_default().push(micros);
    }

    pub(crate) fn error(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }

    pub(crate) fn merge(&mut self, other: Stats) {
        for (k, mut v) in other.latencies {
            self.latencies.entry(k).or_default().append(&mut v);
        }
        for (k, n) in other.errors {
            *self.errors.entry(k).or_default() += n;
        }
    }

    #[cfg(test)]
    pub(crate) fn count(&self, kind: &str) -> usize {
        self.latencies.get(kind).map_or(0, Vec::len)
    }

    #[cfg(test)]
    pub(crate) fn error_total(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The summary of every kind, over `secs` seconds of wall time.
    pub(crate) fn summary(mut self, secs: f64) -> PhaseSummary {
        let mut calls = Vec::new();
        for (kind, v) in &mut self.latencies {
            v.sort_unstable();
            calls.push(CallSummary {
                kind,
                count: v.len(),
                per_sec: rate(v.len(), secs),
                p50_ms: percentile(v, 50),
                p90_ms: percentile(v, 90),
                p99_ms: percentile(v, 99),
                max_ms: v.last().map_or(0.0, |m| ms(*m)),
            });
        }
        PhaseSummary {
            seconds: secs,
            calls,
            errors: self.errors,
            open_loop: None,
            cpu: None,
        }
    }
}

/// Operations per second; 0 for an empty interval.
pub(crate) fn rate(count: usize, secs: f64) -> f64 {
    if secs > 0.0 {
        // Counts stay far below 2^52: exact as f64.
        #[allow(clippy::as_conversions, clippy::cast_precision_loss)]
        let c = count as f64;
        c / secs
    } else {
        0.0
    }
}

#[allow(clippy::as_conversions, clippy::cast_precision_loss)]
fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// The nearest-rank percentile of sorted `v`, in milliseconds.
fn percentile(v: &[u64], p: usize) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let rank = (p * v.len()).div_ceil(100).max(1);
    v.get(rank - 1).map_or(0.0, |m| ms(*m))
}

/// One kind of call.
#[derive(Serialize)]
pub(crate) struct CallSummary {
    pub(crate) kind: &'static str,
    pub(crate) count: usize,
    pub(crate) per_sec: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p90_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
}

/// One phase of the run.
#[derive(Serialize)]
pub(crate) struct PhaseSummary {
    pub(crate) seconds: f64,
    pub(crate) calls: Vec<CallSummary>,
    pub(crate) errors: BTreeMap<String, u64>,
    /// `--rate`: the open loop's starts (`None`: closed loop).
    pub(crate) open_loop: Option<OpenLoop>,
    /// CPU time of the phase (`None`: unavailable; the report says why).
    pub(crate) cpu: Option<PhaseCpu>,
}

impl PhaseSummary {
    pub(crate) fn rate_of(&self, kind: &str) -> f64 {
        self.calls
            .iter()
            .find(|c| c.kind == kind)
            .map_or(0.0, |c| c.per_sec)
    }

    /// Operations of `kind` completed.
    pub(crate) fn count_of(&self, kind: &str) -> usize {
        self.calls
            .iter()
            .find(|c| c.kind == kind)
            .map_or(0, |c| c.count)
    }

    /// Human-readable lines.
    pub(crate) fn print(&self, title: &str) {
        println!("{title} ({:.1} s)", self.seconds);
        println!(
            "  {:<22} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "call", "count", "per s", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        for c in &self.calls {
            println!(
                "  {:<22} {:>8} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                c.kind, c.count, c.per_sec, c.p50_ms, c.p90_ms, c.p99_ms, c.max_ms
            );
        }
        if let Some(o) = &self.open_loop {
            println!(
                "  open loop: offered {:.1}/s, achieved {:.1}/s; {} due, {} started, {} late \
                 (furthest {:.1} ms behind), {} not started; whole-operation latency from when due",
                o.offered_per_sec,
                o.achieved_per_sec,
                o.due,
                o.started,
                o.late_starts,
                o.max_behind_ms,
                o.not_started
            );
        }
        if let Some(c) = &self.cpu {
            print_cpu(c);
        }
        if self.errors.is_empty() {
            println!("  errors: none");
        } else {
            for (kind, n) in &self.errors {
                println!("  error {n:>6} × {kind}");
            }
        }
    }
}

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| String::from("–"), |v| format!("{v:.3}"))
}

fn print_cpu(c: &PhaseCpu) {
    let op = c.operation;
    if c.http_calls == 0 {
        println!(
            "  CPU: {} ms per {op} (uaf-load's own, {:.0} ms in all, {:.2} cores)",
            opt_ms(c.load_ms_per_op),
            c.load_ms,
            c.load_cores
        );
        return;
    }
    match c.server_ms {
        Some(ms) => println!(
            "  server CPU: {} ms per {op}, {} ms per HTTP call ({:.0} ms in all, {:.2} cores)",
            opt_ms(c.server_ms_per_op),
            opt_ms(c.server_ms_per_call),
            ms,
            c.server_cores.unwrap_or(0.0)
        ),
        None => println!("  server CPU: unavailable"),
    }
    println!(
        "  uaf-load CPU: {} ms per {op} ({:.0} ms in all, {:.2} cores)",
        opt_ms(c.load_ms_per_op),
        c.load_ms,
        c.load_cores
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::float_cmp)]
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile(&v, 50), 50.0);
        assert_eq!(percentile(&v, 99), 99.0);
        assert_eq!(percentile(&v, 100), 100.0);
        assert_eq!(percentile(&[7000], 50), 7.0);
        assert_eq!(percentile(&[], 50), 0.0);
    }

    #[test]
    fn merge_adds_latencies_and_errors() {
        let mut a = Stats::default();
        a.record("x", Duration::from_millis(2));
        a.error(String::from("x: HTTP 500"));
        let mut b = Stats::default();
        b.record("x", Duration::from_millis(4));
        b.error(String::from("x: HTTP 500"));
        a.merge(b);
        assert_eq!(a.count("x"), 2);
        assert_eq!(a.error_total(), 2);
        let s = a.summary(2.0);
        assert_eq!(s.rate_of("x"), 1.0);
        assert_eq!(s.calls[0].max_ms, 4.0);
        assert_eq!(s.errors["x: HTTP 500"], 2);
    }
}
