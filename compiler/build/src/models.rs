//! Which models a build uses, their identities (for program ids, without loading them), and the neural
//! compiler over them, which loads each model only when the first function actually needs compiling.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use paw_artifact::{Artifact, BuildKey, Spec};
use paw_fuzzy::LazyModel;
use paw_model::{ModelStore, Progress, Role};
use paw_neural::{CompileOptions, Models, COMPILER_VERSION};

use crate::driver::Compiler;

/// A model: one of the store's defaults, or a GGUF file.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelChoice {
    Default(Role),
    File(PathBuf),
}

impl ModelChoice {
    /// `interpreter`, `compiler`, `smoke`, or a path to a `.gguf` file.
    pub fn parse(text: &str) -> ModelChoice {
        match Role::parse(text) {
            Ok(role) => ModelChoice::Default(role),
            Err(_) => ModelChoice::File(PathBuf::from(text)),
        }
    }

    /// The name recorded in artifacts and `paw.lock`, readable back by [`ModelChoice::parse`].
    pub fn name(&self) -> String {
        match self {
            ModelChoice::Default(role) => role.name().to_string(),
            ModelChoice::File(path) => path.display().to_string(),
        }
    }

    /// The model's sha256: pinned for the defaults (no file is read), hashed for other files.
    pub fn sha256(&self, store: &ModelStore) -> Result<String, String> {
        match self {
            ModelChoice::Default(role) => match role.source().sha256 {
                Some(sha) => Ok(sha.to_string()),
                None => file_sha(&store.original_path(*role)),
            },
            ModelChoice::File(path) => file_sha(path),
        }
    }

    /// The loadable file, fetching a default model unless `offline`.
    pub fn locate(&self, store: &ModelStore, offline: bool) -> Result<PathBuf, String> {
        match self {
            ModelChoice::File(path) if path.is_file() => Ok(path.clone()),
            ModelChoice::File(path) => Err(format!("model file {} does not exist", path.display())),
            ModelChoice::Default(role) if offline => store.ready(*role).map_err(|e| e.to_string())?.ok_or_else(|| {
                format!(
                    "the {} model is not in {} and --offline forbids fetching it\n  help: run `pawc model fetch {}` once with network access",
                    role.name(),
                    store.home().display(),
                    role.name()
                )
            }),
            ModelChoice::Default(role) => store.ensure(*role, &Progress::Bar).map_err(|e| e.to_string()),
        }
    }
}

fn file_sha(path: &Path) -> Result<String, String> {
    paw_model::store::sha256_file(path).map_err(|e| e.to_string())
}

/// The models and options of a build.
#[derive(Clone, Debug)]
pub struct BuildConfig {
    pub compiler: ModelChoice,
    pub interpreter: ModelChoice,
    pub options: CompileOptions,
    pub offline: bool,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            compiler: ModelChoice::Default(Role::Compiler),
            interpreter: ModelChoice::Default(Role::Interpreter),
            options: CompileOptions::default(),
            offline: false,
        }
    }
}

impl BuildConfig {
    pub fn build_key(&self, store: &ModelStore) -> Result<BuildKey, String> {
        Ok(BuildKey {
            compiler_version: COMPILER_VERSION.to_string(),
            compiler_sha256: self.compiler.sha256(store)?,
            interpreter_sha256: self.interpreter.sha256(store)?,
            options: self.options.key_text(),
        })
    }
}

/// The neural compiler behind [`Compiler`], loading both models on its first compile.
pub struct NeuralCompiler {
    config: BuildConfig,
    key: BuildKey,
    compiler: LazyModel,
    interpreter: LazyModel,
}

impl NeuralCompiler {
    pub fn new(config: BuildConfig, key: BuildKey, store: ModelStore) -> NeuralCompiler {
        let lazy = |choice: ModelChoice, store: ModelStore, offline: bool| LazyModel::new(move || choice.locate(&store, offline));
        NeuralCompiler {
            compiler: lazy(config.compiler.clone(), store.clone(), config.offline),
            interpreter: lazy(config.interpreter.clone(), store, config.offline),
            config,
            key,
        }
    }

    fn models(&self) -> Result<Models, String> {
        Ok(Models { compiler: self.compiler.get()?, interpreter: self.interpreter.get()? })
    }

    /// The interpreter this compiler uses (loaded on demand), e.g. for evaluating what it built.
    pub fn interpreter(&self) -> Result<Arc<paw_model::Model>, String> {
        self.interpreter.get()
    }
}

impl Compiler for NeuralCompiler {
    fn compile(&self, spec: &Spec, id: &str) -> Result<Artifact, String> {
        let models = self.models()?;
        let names = (self.config.compiler.name(), self.config.interpreter.name());
        paw_neural::compile(spec, id, &self.key, (&names.0, &names.1), &models, &self.config.options)
    }
}
