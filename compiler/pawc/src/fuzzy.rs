//! Linking built fuzzy functions into `pawc run` / `pawc test`: the project's `paw.lock`, the shared artifact
//! store and the interpreter (loaded, and fetched if needed, on the first fuzzy call) behind the executor's
//! `FuzzyBackend`.

use std::sync::Arc;

use paw_cache::{ModelChoice, PawHome};
use paw_fuzzy::{ArtifactBackend, ProjectLink};

use crate::built::RemoteArgs;
use crate::models::{load_options, provisioner};
use crate::pipeline::Loaded;

/// The backend for a checked project, on the local model or the server `remote` names. `trace` (or
/// `PAW_TRACE=1`) prints every fuzzy call to stderr.
pub fn backend(loaded: &Loaded, trace: bool, remote: &RemoteArgs) -> Result<Arc<ArtifactBackend>, String> {
    let locate = |choice: &ModelChoice, home: &PawHome| {
        provisioner(home.clone())
            .locate(choice, false)
            .map_err(|e| e.to_string())
    };
    let mut link = ProjectLink::open(&loaded.project.root, PawHome::from_env()).map_err(|e| e.to_string())?;
    link.build_target = loaded.project.build_target().to_path_buf();
    link.remote = remote.options(loaded)?;
    let mut backend = link.backend(&loaded.analysis.checked.program, locate, load_options()?);
    if trace || paw_fuzzy::trace_from_env() {
        backend = backend.with_trace(Box::new(|e| eprintln!("{e}")));
    }
    Ok(Arc::new(backend))
}
