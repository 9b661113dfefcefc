//! Which models a build uses, their identities (for program ids, without loading them), and the neural
//! compiler over them, which loads each model only when the first function actually needs compiling.

use std::sync::Arc;

use paw_artifact::{Artifact, BuildKey, ProgramId, Spec};
use paw_fuzzy::{InterpreterError, LazyModel};
use paw_model::{ModelChoice, ModelStore, Role};
use paw_neural::{CompileOptions, Models, COMPILER_VERSION};

use crate::driver::{BuildError, Compiler};

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
        let lazy = |choice: ModelChoice, store: ModelStore, offline: bool| {
            LazyModel::new(move || choice.locate(&store, offline))
        };
        NeuralCompiler {
            compiler: lazy(config.compiler.clone(), store.clone(), config.offline),
            interpreter: lazy(config.interpreter.clone(), store, config.offline),
            config,
            key,
        }
    }

    fn models(&self) -> Result<Models, InterpreterError> {
        Ok(Models {
            compiler: self.compiler.get()?,
            interpreter: self.interpreter.get()?,
        })
    }

    /// The interpreter this compiler uses (loaded on demand), e.g. for evaluating what it built.
    pub fn interpreter(&self) -> Result<Arc<paw_model::Model>, InterpreterError> {
        self.interpreter.get()
    }
}

impl Compiler for NeuralCompiler {
    fn compile(&self, spec: &Spec, id: &ProgramId) -> Result<Artifact, BuildError> {
        let models = self.models()?;
        let names = (self.config.compiler.name(), self.config.interpreter.name());
        Ok(paw_neural::compile(
            spec,
            id,
            &self.key,
            (&names.0, &names.1),
            &models,
            &self.config.options,
        )?)
    }
}
