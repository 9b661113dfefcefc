//! A project's link to its built fuzzy fns, as `pawc run` and standalone binaries (`pawc build --bin`) both
//! make it: the project's `paw.lock`, the shared artifact store under `$PAW_HOME`, and the interpreter model
//! the lock names.

use std::path::{Path, PathBuf};

use paw_artifact::{function_key, resolve, ArtifactStore, LockError, NotReady, PawLock};
use paw_hir::Program;
use paw_model::{ModelChoice, ModelStore};

use crate::backend::{ArtifactBackend, LazyModel};

pub struct ProjectLink {
    pub root: PathBuf,
    /// What `pawc build` is given to build the project, named in the help of a build that cannot be used: the
    /// root, unless the caller knows better (a single-file program is built by its file).
    pub build_target: PathBuf,
    pub lock: Option<PawLock>,
    pub store: ArtifactStore,
    pub models: ModelStore,
    /// The interpreter the lock's programs were built for (the default one without a lock).
    pub interpreter: ModelChoice,
}

impl ProjectLink {
    /// Reads `root/paw.lock` (absent: nothing built yet) and finds the caches through `$PAW_HOME`.
    pub fn open(root: &Path) -> Result<ProjectLink, LockError> {
        let lock = PawLock::read(root)?;
        let models = ModelStore::from_env();
        let store = ArtifactStore::in_home(models.home());
        let interpreter = ModelChoice::parse(lock.as_ref().map_or("interpreter", |l| l.interpreter_model.as_str()));
        Ok(ProjectLink {
            root: root.to_path_buf(),
            build_target: root.to_path_buf(),
            lock,
            store,
            models,
            interpreter,
        })
    }

    /// The fuzzy backend of `program`; the interpreter is loaded on the first fuzzy call, fetched first when
    /// `fetch` and it is not in the cache.
    pub fn backend(self, program: &Program, fetch: bool) -> ArtifactBackend {
        let (interpreter, models) = (self.interpreter, self.models);
        let lazy = LazyModel::new(move || interpreter.locate(&models, !fetch));
        ArtifactBackend::new(&self.build_target, program, self.lock.as_ref(), self.store, lazy)
    }

    /// What keeps `program`'s fuzzy fns from running now. Empty when every fuzzy call can be answered without
    /// building or fetching anything.
    pub fn problems(&self, program: &Program) -> Vec<Problem> {
        let mut problems = Vec::new();
        for f in &program.fuzzy {
            if let Err(why) = resolve(f, program, self.lock.as_ref()).ready(&self.store) {
                problems.push(Problem::Function {
                    function: function_key(&f.module, &f.name),
                    why,
                });
            }
        }
        if !program.fuzzy.is_empty() {
            let name = self.interpreter.name();
            match self.interpreter.find(&self.models) {
                Ok(Some(_)) => {}
                Ok(None) => problems.push(Problem::Model(format!(
                    "the interpreter model `{name}` is not in {}",
                    self.models.home().display()
                ))),
                Err(e) => problems.push(Problem::Model(format!("the interpreter model `{name}`: {e}"))),
            }
        }
        problems
    }
}

/// Why a fuzzy fn cannot be called now.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// The function has no usable build (`pawc build` makes one).
    Function { function: String, why: NotReady },
    /// The interpreter model is not in the cache (`pawc model fetch` gets it).
    Model(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Function { function, why } => write!(f, "fuzzy fn `{function}`: {why}"),
            Problem::Model(why) => f.write_str(why),
        }
    }
}
