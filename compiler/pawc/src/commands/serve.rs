//! `pawc serve [PATH] [--host H] [--port P] [--workers N] [--queue N]`: a project's built fuzzy fns as an
//! HTTP/1.1 JSON API (axum on tokio; the API is in `serve/api.rs`, described in docs/serve.md). One model
//! answers every request; calls run on the worker threads of `serve/pool.rs`, never on the async runtime.
//! The project is checked and every function's build resolved once, at start: after `pawc build`, restart
//! the server. SIGTERM or SIGINT stops accepting connections, finishes the calls in flight, then exits 0.

mod api;
mod metrics;
mod pool;

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use paw_artifact::{function_key, spec_of, ProgramId, Spec};
use paw_fuzzy::{Interpreter, ReadyProgram};

use crate::built::{find_index, Builds, RemoteArgs, Unusable};
use crate::output::Output;
use crate::pipeline::{load_and_check, name, plural};
use metrics::Metrics;
use pool::Pool;

pub struct ServeArgs<'a> {
    pub path: Option<&'a Path>,
    pub host: &'a str,
    pub port: u16,
    pub workers: usize,
    pub queue: usize,
    pub remote: &'a RemoteArgs,
}

/// One fuzzy fn as the API shows and calls it.
struct Function {
    name: String,
    key: String,
    /// `None` when its types cannot be given to a model (then `state` says so).
    spec: Option<Spec>,
    state: Result<Ready, Unusable>,
}

struct Ready {
    id: ProgramId,
    program: Arc<ReadyProgram>,
}

/// Everything the handlers share.
struct Server {
    functions: Vec<Function>,
    /// Every name and key a request may use, to the function it means or why it means none (ambiguous).
    names: HashMap<String, Result<usize, String>>,
    /// `None` when no function is built (no interpreter is opened then).
    pool: Option<Pool>,
    metrics: Arc<Metrics>,
}

pub fn run(args: ServeArgs, out: &Output) -> ExitCode {
    match serve(&args, out) {
        Ok(code) => code,
        Err(message) => out.user_error(&message),
    }
}

fn serve(args: &ServeArgs, out: &Output) -> Result<ExitCode, String> {
    let loaded = match load_and_check(args.path, out) {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let program = &loaded.analysis.checked.program;
    let builds = Builds::open(&loaded, args.remote)?;
    // The interpreter is opened before listening, so a missing model or an unreachable server fails the start
    // rather than the first call.
    let mut interpreter: Option<Interpreter> = None;
    let mut functions = Vec::new();
    let mut names = HashMap::new();
    for f in &program.fuzzy {
        let key = function_key(&f.module, &f.name);
        for name in [&f.name, &key] {
            names.insert(name.clone(), find_index(program, name));
        }
        let state = match builds.artifact(f, program) {
            Ok((id, artifact)) => {
                let interpreter = match &interpreter {
                    Some(interpreter) => interpreter.clone(),
                    None => interpreter
                        .insert(builds.load_interpreter(builds.interpreter())?)
                        .clone(),
                };
                let program = interpreter
                    .program(&artifact)
                    .map_err(|e| format!("fuzzy fn `{key}`: {e}"))?;
                if let Some(caveat) = program.caveat() {
                    out.warning(&format!("fuzzy fn `{key}`: {caveat}"));
                }
                Ok(Ready {
                    id,
                    program: Arc::new(program),
                })
            }
            Err(why) => {
                out.warning(&format!("{why}\n  until then, its calls are answered 409"));
                Err(why)
            }
        };
        functions.push(Function {
            name: f.name.clone(),
            key,
            spec: spec_of(f, program).ok(),
            state,
        });
    }
    let metrics = Arc::new(Metrics::default());
    let pool = interpreter
        .map(|_| Pool::start(args.workers, args.queue, metrics.clone()))
        .transpose()
        .map_err(|e| format!("cannot start the worker threads: {e}"))?;
    let built = functions.iter().filter(|f| f.state.is_ok()).count();
    let server = Arc::new(Server {
        functions,
        names,
        pool,
        metrics,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server's runtime: {e}"))?;
    let address = format!("{}:{}", args.host, args.port);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind((args.host, args.port)))
        .map_err(|e| {
            format!("cannot listen on {address}: {e}\n  help: pick another `--port` (0 takes any free one)")
        })?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    out.status(
        "Serving",
        &format!(
            "{} ({} built) of {}",
            plural(server.functions.len(), "fuzzy fn"),
            built,
            name(&loaded.project)
        ),
    );
    let stop = stop_requested(&runtime).map_err(|e| format!("cannot handle SIGTERM and SIGINT: {e}"))?;
    out.status("Listening", &format!("on http://{bound}"));
    let served = runtime.block_on(async {
        axum::serve(listener, api::router(server.clone()))
            .with_graceful_shutdown(stop)
            .await
    });
    if let Some(pool) = &server.pool {
        pool.close();
    }
    served.map_err(|e| format!("the server stopped: {e}"))?;
    out.status("Stopped", "after answering every call in flight");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C). The handlers are installed here, before the server starts, so that a
/// signal that comes early still stops it gracefully.
fn stop_requested(runtime: &tokio::runtime::Runtime) -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let _context = runtime.enter();
    let (mut terminate, mut interrupt) = (signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?);
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}
