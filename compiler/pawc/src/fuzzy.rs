//! Linking built fuzzy functions into `pawc run` / `pawc test`: the project's `paw.lock`, the shared artifact
//! store and the interpreter (loaded on the first fuzzy call) behind the executor's `FuzzyBackend`.

use std::sync::Arc;

use paw_artifact::{ArtifactStore, PawLock};
use paw_build::ModelChoice;
use paw_fuzzy::{ArtifactBackend, LazyModel, TraceEvent};
use paw_model::ModelStore;

use crate::pipeline::Loaded;

/// The backend for a checked project. `trace` (or `PAW_TRACE=1`) prints every fuzzy call to stderr.
pub fn backend(loaded: &Loaded, trace: bool) -> Result<Arc<ArtifactBackend>, String> {
    let lock = PawLock::read(&loaded.project.root)?;
    let models = ModelStore::from_env();
    let store = ArtifactStore::in_home(models.home());
    let interpreter = lock.as_ref().map_or(ModelChoice::parse("interpreter"), |l| ModelChoice::parse(&l.interpreter_model));
    let lazy = LazyModel::new(move || interpreter.locate(&models, false));
    let mut backend = ArtifactBackend::new(&loaded.analysis.checked.program, lock.as_ref(), store, lazy);
    if trace || std::env::var("PAW_TRACE").is_ok_and(|v| !v.is_empty() && v != "0") {
        backend = backend.with_trace(Box::new(print_trace));
    }
    Ok(Arc::new(backend))
}

fn print_trace(e: &TraceEvent) {
    let args: Vec<String> = e.args.iter().map(|a| a.to_string()).collect();
    let result = match e.result {
        Ok(v) => v.to_string(),
        Err(err) => format!("error: {err}"),
    };
    let confidence = e.confidence.map_or(String::new(), |c| format!(" confidence={c:.3}"));
    eprintln!("[fuzzy] {}({}) -> {result}{confidence} ({:.0} ms)", e.function, args.join(", "), e.latency.as_secs_f64() * 1000.0);
}
