//! Building from the editor. `paw.build` runs `pawc build PROJECT` as a child process watched by a worker thread:
//! the server keeps answering while the models compile, and the models' memory belongs to the child, not to the
//! server. The child's output goes to the client as `window/logMessage` (and `$/progress` reports when the client
//! gave a progress token), its result as `window/showMessage` — a failure is shown, never swallowed — and then the
//! client is asked to refresh its code lenses. Hovers need no refresh: they read the lock and the store each time.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use lsp_server::{Message, Notification, Request};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;

/// Sends a message to the client (from any thread).
pub type Outgoing = Arc<dyn Fn(Message) + Send + Sync>;

/// How many of the last output lines a failure message shows (the whole output is in the log).
const FAILURE_LINES: usize = 12;

/// The builds this server started, by project root.
pub struct Builds {
    pawc: PathBuf,
    offline: bool,
    running: Arc<Mutex<HashMap<PathBuf, Child>>>,
}

/// What the client should see of one build.
pub struct Job {
    pub root: PathBuf,
    /// What is being built, for messages (`main.is_alert`).
    pub what: String,
    /// The client's `workDoneToken`, if it gave one.
    pub token: Option<lsp::ProgressToken>,
    /// Whether the client can be asked to refresh code lenses.
    pub refresh_lenses: bool,
}

static REQUESTS: AtomicU64 = AtomicU64::new(0);

impl Builds {
    /// Builds run `pawc` at `pawc`; `offline` adds `--offline` (models are never fetched).
    pub fn new(pawc: PathBuf, offline: bool) -> Builds {
        Builds {
            pawc,
            offline,
            running: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Starts `pawc build` for the job's project and returns at once; `Err` says why it could not start.
    pub fn start(&self, job: Job, send: Outgoing) -> Result<(), String> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.contains_key(&job.root) {
            return Err(format!(
                "a build of {} is already running; wait for it to finish",
                job.root.display()
            ));
        }
        let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot start pawc build: {e}"))?;
        let stdout = writer
            .try_clone()
            .map_err(|e| format!("cannot start pawc build: {e}"))?;
        let mut command = Command::new(&self.pawc);
        command
            .arg("build")
            .arg(&job.root)
            .current_dir(&job.root)
            .env("NO_COLOR", "1");
        if self.offline {
            command.arg("--offline");
        }
        // The server's own stdout is the protocol: the child never writes there.
        command.stdin(Stdio::null()).stdout(stdout).stderr(writer);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot run {} build: {e}", self.pawc.display()))?;
        // The pipe ends only when no writer is left, so the parent's copies go now.
        drop(command);
        running.insert(job.root.clone(), child);
        let running = self.running.clone();
        std::thread::spawn(move || watch(job, BufReader::new(reader), running, send));
        Ok(())
    }

    /// Kills every running build (the server is shutting down). A killed build leaves the store consistent: its
    /// artifact is written under a temporary name that the next build removes.
    pub fn stop_all(&self) {
        for (_, mut child) in self.running.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Relays the child's output until it ends, then reports its result.
fn watch(job: Job, output: impl BufRead, running: Arc<Mutex<HashMap<PathBuf, Child>>>, send: Outgoing) {
    let progress = |value: lsp::WorkDoneProgress| {
        if let Some(token) = &job.token {
            let params = lsp::ProgressParams {
                token: token.clone(),
                value: lsp::ProgressParamsValue::WorkDone(value),
            };
            send(Message::Notification(Notification::new(
                lsp::notification::Progress::METHOD.into(),
                params,
            )));
        }
    };
    progress(lsp::WorkDoneProgress::Begin(lsp::WorkDoneProgressBegin {
        title: format!("Building {}", job.what),
        message: Some(format!("pawc build {}", job.root.display())),
        ..Default::default()
    }));
    let mut lines = Vec::new();
    for line in output.lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let params = lsp::LogMessageParams {
            typ: lsp::MessageType::LOG,
            message: format!("pawc build: {line}"),
        };
        send(Message::Notification(Notification::new(
            lsp::notification::LogMessage::METHOD.into(),
            params,
        )));
        progress(lsp::WorkDoneProgress::Report(lsp::WorkDoneProgressReport {
            message: Some(line.clone()),
            ..Default::default()
        }));
        lines.push(line);
    }
    let child = running.lock().unwrap_or_else(|e| e.into_inner()).remove(&job.root);
    let status = match child {
        Some(mut child) => child.wait().map_err(|e| e.to_string()),
        None => Err("the build was stopped".to_string()),
    };
    let last = lines.last().cloned().unwrap_or_default();
    let (kind, message) = match status {
        Ok(status) if status.success() => (lsp::MessageType::INFO, format!("Built {}: {last}", job.what)),
        Ok(status) => {
            let tail = lines[lines.len().saturating_sub(FAILURE_LINES)..].join("\n");
            (
                lsp::MessageType::ERROR,
                format!("Building {} failed ({status}):\n{tail}", job.what),
            )
        }
        Err(why) => (lsp::MessageType::ERROR, format!("Building {} failed: {why}", job.what)),
    };
    progress(lsp::WorkDoneProgress::End(lsp::WorkDoneProgressEnd {
        message: Some(message.lines().next().unwrap_or_default().to_string()),
    }));
    let params = lsp::ShowMessageParams { typ: kind, message };
    send(Message::Notification(Notification::new(
        lsp::notification::ShowMessage::METHOD.into(),
        params,
    )));
    if job.refresh_lenses {
        let id = format!("paw-refresh-{}", REQUESTS.fetch_add(1, Ordering::Relaxed));
        send(Message::Request(Request::new(
            id.into(),
            lsp::request::CodeLensRefresh::METHOD.into(),
            serde_json::Value::Null,
        )));
    }
}
