//! A project's link to its built fuzzy fns, as `pawc run` and standalone binaries (`pawc build --bin`) both
//! make it: the project's `paw.lock`, the shared artifact store under `$PAW_HOME`, and the interpreter model
//! the lock names.

use std::path::{Path, PathBuf};

use paw_artifact::{function_key, resolve, ArtifactStore, LockError, NotReady, PawLock};
use paw_cache::{ModelChoice, PawHome};
use paw_hir::Program;
use paw_model::LoadOptions;

use crate::backend::ArtifactBackend;
use crate::interpreter::{open_interpreter, LazyInterpreter};
use crate::remote::RemoteOptions;

pub struct ProjectLink {
    pub root: PathBuf,
    /// What `pawc build` is given to build the project, named in the help of a build that cannot be used: the
    /// root, unless the caller knows better (a single-file program is built by its file).
    pub build_target: PathBuf,
    pub lock: Option<PawLock>,
    pub store: ArtifactStore,
    pub home: PawHome,
    /// The interpreter the lock's programs were built for (the default one without a lock).
    pub interpreter: ModelChoice,
    /// Calls run on this serving engine instead of the local model (its tokenizer still comes from the
    /// interpreter's file).
    pub remote: Option<RemoteOptions>,
}

impl ProjectLink {
    /// Reads `root/paw.lock` (absent: nothing built yet); the artifacts and models are those of `home`.
    pub fn open(root: &Path, home: PawHome) -> Result<ProjectLink, LockError> {
        let lock = PawLock::read(root)?;
        let store = ArtifactStore::in_home(&home);
        let interpreter = ModelChoice::parse(lock.as_ref().map_or("interpreter", |l| l.interpreter_model.as_str()));
        Ok(ProjectLink {
            root: root.to_path_buf(),
            build_target: root.to_path_buf(),
            lock,
            store,
            home,
            interpreter,
            remote: None,
        })
    }

    /// The fuzzy backend of `program`; the interpreter is opened on the first fuzzy call from the file `locate`
    /// gives for it (pawc fetches a missing one; standalone executables only look).
    pub fn backend(
        self,
        program: &Program,
        locate: impl Fn(&ModelChoice, &PawHome) -> Result<PathBuf, String> + Send + Sync + 'static,
        options: LoadOptions,
    ) -> ArtifactBackend {
        let (interpreter, home, remote) = (self.interpreter, self.home, self.remote);
        let lazy =
            LazyInterpreter::new(move || open_interpreter(&locate(&interpreter, &home)?, remote.as_ref(), &options));
        ArtifactBackend::new(&self.build_target, program, self.lock.as_ref(), self.store, lazy)
    }

    /// Whether `program`'s fuzzy fns can all be answered now, without building or fetching anything: the
    /// interpreter's verified file (none when the program has no fuzzy fn), or what keeps them from running.
    pub fn problems(&self, program: &Program) -> Result<Option<PathBuf>, Vec<Problem>> {
        let mut problems = Vec::new();
        for f in &program.fuzzy {
            if let Err(why) = resolve(f, program, self.lock.as_ref()).ready(&self.store) {
                problems.push(Problem::Function {
                    function: function_key(&f.module, &f.name),
                    why,
                });
            }
        }
        let mut interpreter = None;
        if !program.fuzzy.is_empty() {
            match present(&self.interpreter, &self.home) {
                Ok(path) => interpreter = Some(path),
                Err(why) => problems.push(Problem::Model(why)),
            }
        }
        match problems.is_empty() {
            true => Ok(interpreter),
            false => Err(problems),
        }
    }
}

/// The interpreter's file when it is in `home`, verified, never fetching: what standalone executables load.
pub fn present(interpreter: &ModelChoice, home: &PawHome) -> Result<PathBuf, String> {
    let name = interpreter.name();
    match interpreter.find(home) {
        Ok(Some(path)) => Ok(path),
        Ok(None) => Err(format!(
            "the interpreter model `{name}` is not in {}",
            home.root().display()
        )),
        Err(e) => Err(format!("the interpreter model `{name}`: {e}")),
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
