//! What `GET /metrics` reports, in Prometheus' text format: answered calls by function, error responses by
//! code, the latency of calls (arrival to answer, queueing included) as a histogram, and the queue's gauges.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Upper bounds of the batch-size buckets, in calls (a batch never exceeds `paw_fuzzy::CALLS_PER_BATCH`).
const BATCH_BUCKETS: [f64; 5] = [1.0, 2.0, 4.0, 8.0, 16.0];

#[derive(Default)]
pub struct Metrics {
    /// Calls waiting for a worker.
    pub queued: AtomicUsize,
    /// Calls a worker is running.
    pub running: AtomicUsize,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    calls: BTreeMap<String, u64>,
    errors: BTreeMap<&'static str, u64>,
    /// Per bucket of [`BUCKETS`], then `+Inf`; not cumulative.
    latency: Histogram<{ BUCKETS.len() + 1 }>,
    /// Calls per batch that a worker ran side by side.
    batches: Histogram<{ BATCH_BUCKETS.len() + 1 }>,
}

/// Observations per bucket (then `+Inf`; not cumulative) and their sum.
struct Histogram<const N: usize> {
    counts: [u64; N],
    sum: f64,
}

impl<const N: usize> Default for Histogram<N> {
    fn default() -> Self {
        Histogram {
            counts: [0; N],
            sum: 0.0,
        }
    }
}

impl<const N: usize> Histogram<N> {
    fn observe(&mut self, bounds: &[f64], value: f64) {
        self.counts[bounds.iter().position(|b| value <= *b).unwrap_or(bounds.len())] += 1;
        self.sum += value;
    }

    /// Prometheus' lines of histogram `name`.
    fn render(&self, out: &mut String, name: &str, bounds: &[f64]) {
        let mut cumulative = 0;
        for (bound, n) in bounds
            .iter()
            .map(|b| b.to_string())
            .chain(["+Inf".into()])
            .zip(self.counts)
        {
            cumulative += n;
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let _ = writeln!(out, "{name}_sum {}\n{name}_count {cumulative}", self.sum);
    }
}

impl Metrics {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A call answered (`Some(function)`) or failed in the model (`None`), after `took`.
    pub fn call(&self, function: Option<&str>, took: Duration) {
        let mut counts = self.counts();
        if let Some(function) = function {
            *counts.calls.entry(function.to_string()).or_default() += 1;
        }
        counts.latency.observe(&BUCKETS, took.as_secs_f64());
    }

    /// A worker ran `calls` calls side by side.
    pub fn batch(&self, calls: usize) {
        self.counts().batches.observe(&BATCH_BUCKETS, calls as f64);
    }

    /// An error response with this code.
    pub fn error(&self, code: &'static str) {
        *self.counts().errors.entry(code).or_default() += 1;
    }

    pub fn render(&self) -> String {
        let counts = self.counts();
        let mut out = String::new();
        let header = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        header(&mut out, "paw_calls_total", "counter", "Calls answered, by function.");
        for (function, n) in &counts.calls {
            let _ = writeln!(out, "paw_calls_total{{function=\"{}\"}} {n}", escape(function));
        }
        header(
            &mut out,
            "paw_errors_total",
            "counter",
            "Error responses, by error code.",
        );
        for (code, n) in &counts.errors {
            let _ = writeln!(out, "paw_errors_total{{code=\"{code}\"}} {n}");
        }
        header(
            &mut out,
            "paw_call_seconds",
            "histogram",
            "Time from a call's arrival to its answer, queueing included.",
        );
        counts.latency.render(&mut out, "paw_call_seconds", &BUCKETS);
        header(
            &mut out,
            "paw_batch_calls",
            "histogram",
            "Calls a worker ran side by side in one batch through the model.",
        );
        counts.batches.render(&mut out, "paw_batch_calls", &BATCH_BUCKETS);
        for (name, help, value) in [
            ("paw_queue_depth", "Calls waiting for a worker.", &self.queued),
            ("paw_calls_running", "Calls a worker is running.", &self.running),
        ] {
            header(&mut out, name, "gauge", help);
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        out
    }
}

/// A label value as Prometheus' text format writes it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
