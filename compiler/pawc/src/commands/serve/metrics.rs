//! What `GET /metrics` reports, in Prometheus' text format: answered calls by function, error responses by
//! code, the latency of calls (arrival to answer, queueing included) as a histogram, and the queue's gauges.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

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
    latency: [u64; BUCKETS.len() + 1],
    latency_sum: f64,
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
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len());
        counts.latency[bucket] += 1;
        counts.latency_sum += seconds;
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
        let mut cumulative = 0;
        for (bound, n) in BUCKETS
            .iter()
            .map(|b| b.to_string())
            .chain(["+Inf".into()])
            .zip(counts.latency)
        {
            cumulative += n;
            let _ = writeln!(out, "paw_call_seconds_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let _ = writeln!(
            out,
            "paw_call_seconds_sum {}\npaw_call_seconds_count {cumulative}",
            counts.latency_sum
        );
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
