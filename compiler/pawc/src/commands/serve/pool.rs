//! The threads that run calls through the model, off the async runtime: a fixed number of workers take calls
//! from one queue; a call is admitted only while fewer than `workers + queue` are waiting or running, so a
//! burst beyond that is refused at once (503) instead of piling up memory and latency.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use paw_fuzzy::{each_answer, Answer, ReadyProgram, CALLS_PER_BATCH};
use serde_json::Value;
use tokio::sync::oneshot;

use super::metrics::Metrics;

/// Why a call that was admitted has no answer.
pub enum CallFailure {
    /// The model could not answer it (e.g. a generated answer ran past its token limit).
    Failed(String),
    /// A bug in paw: the call panicked.
    Panicked,
}

struct Job {
    program: Arc<ReadyProgram>,
    args: Vec<Value>,
    reply: oneshot::Sender<Result<Answer, CallFailure>>,
}

pub struct Pool {
    /// `None` once closed.
    sender: Mutex<Option<Sender<Job>>>,
    /// Calls waiting or running.
    admitted: Arc<AtomicUsize>,
    limit: usize,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// The queue was full (or the pool closed): the call was not admitted.
pub struct Refused;

impl Pool {
    /// Starts `workers` threads calling programs on their interpreter, with room for `queue` calls waiting beyond
    /// them.
    pub fn start(workers: usize, queue: usize, metrics: Arc<Metrics>) -> std::io::Result<Pool> {
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let admitted = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::with_capacity(workers);
        for i in 0..workers.max(1) {
            let (receiver, admitted, metrics) = (receiver.clone(), admitted.clone(), metrics.clone());
            let handle = std::thread::Builder::new()
                .name(format!("paw-call-{i}"))
                // Decoding walks nested types recursively; the same room as pawc's main thread keeps it safe.
                .stack_size(256 << 20)
                .spawn(move || work(&receiver, &admitted, &metrics))?;
            handles.push(handle);
        }
        Ok(Pool {
            sender: Mutex::new(Some(sender)),
            admitted,
            limit: workers.max(1) + queue,
            workers: Mutex::new(handles),
        })
    }

    /// Queues a call; the receiver gets its answer once a worker has run it.
    pub fn submit(
        &self,
        program: Arc<ReadyProgram>,
        args: Vec<Value>,
        metrics: &Metrics,
    ) -> Result<oneshot::Receiver<Result<Answer, CallFailure>>, Refused> {
        let admit = self.admitted.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < self.limit).then_some(n + 1)
        });
        if admit.is_err() {
            return Err(Refused);
        }
        let (reply, answer) = oneshot::channel();
        metrics.queued.fetch_add(1, Ordering::Relaxed);
        let sent = match &*self.sender.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(sender) => sender.send(Job { program, args, reply }).is_ok(),
            None => false,
        };
        if !sent {
            metrics.queued.fetch_sub(1, Ordering::Relaxed);
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(Refused);
        }
        Ok(answer)
    }

    /// Lets the workers finish every queued call, then waits for them to stop.
    pub fn close(&self) {
        self.sender.lock().unwrap_or_else(|e| e.into_inner()).take();
        for handle in std::mem::take(&mut *self.workers.lock().unwrap_or_else(|e| e.into_inner())) {
            // A worker never panics: calls run under `catch_unwind`.
            let _ = handle.join();
        }
    }
}

/// Takes the next call and every call already queued behind it (up to [`CALLS_PER_BATCH`]), and runs the calls of
/// each program side by side ([`ReadyProgram::call_many`]): under load, many calls share each pass over the
/// weights.
fn work(receiver: &Mutex<Receiver<Job>>, admitted: &AtomicUsize, metrics: &Metrics) {
    loop {
        let jobs = {
            let receiver = receiver.lock().unwrap_or_else(|e| e.into_inner());
            let Ok(first) = receiver.recv() else { return };
            let mut jobs = vec![first];
            while jobs.len() < CALLS_PER_BATCH {
                match receiver.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            jobs
        };
        metrics.queued.fetch_sub(jobs.len(), Ordering::Relaxed);
        for batch in by_program(jobs) {
            run_batch(batch, admitted, metrics);
        }
    }
}

/// `jobs` grouped by the program they call, in order of first arrival.
fn by_program(jobs: Vec<Job>) -> Vec<Vec<Job>> {
    let mut batches: Vec<Vec<Job>> = Vec::new();
    for job in jobs {
        match batches.iter_mut().find(|b| Arc::ptr_eq(&b[0].program, &job.program)) {
            Some(batch) => batch.push(job),
            None => batches.push(vec![job]),
        }
    }
    batches
}

/// Runs the calls of one program side by side and answers each.
fn run_batch(batch: Vec<Job>, admitted: &AtomicUsize, metrics: &Metrics) {
    let program = batch[0].program.clone();
    metrics.running.fetch_add(batch.len(), Ordering::Relaxed);
    metrics.batch(batch.len());
    let calls: Vec<Vec<Value>> = batch.iter().map(|job| job.args.clone()).collect();
    let failure = |e: String| CallFailure::Failed(format!("fuzzy fn `{}`: {e}", program.spec().name));
    let results: Vec<Result<Answer, CallFailure>> =
        match catch_unwind(AssertUnwindSafe(|| each_answer(program.call_many(&calls), calls.len()))) {
            Ok(answers) => answers.into_iter().map(|a| a.map_err(failure)).collect(),
            Err(_) => calls.iter().map(|_| Err(CallFailure::Panicked)).collect(),
        };
    metrics.running.fetch_sub(batch.len(), Ordering::Relaxed);
    for (job, result) in batch.into_iter().zip(results) {
        admitted.fetch_sub(1, Ordering::AcqRel);
        // The client may have gone; its answer is then dropped.
        let _ = job.reply.send(result);
    }
}
