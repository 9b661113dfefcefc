//! Which models a build uses, their identities (for program ids, without loading them), and the neural
//! compiler over them, which loads each model only when the first function actually needs compiling (an
//! imported function needs only the interpreter).

use std::sync::Arc;

use paw_artifact::{Artifact, BuildKey, FunctionData, ProgramId, Spec};
use paw_cache::{ModelChoice, PawHome, Role};
use paw_fuzzy::{lazy_model, InterpreterError, LazyModel};
use paw_model::LoadOptions;
use paw_neural::{CompileOptions, Models, COMPILER_VERSION, DATA_PIPELINE};
use paw_provision::Provisioner;

use crate::driver::{BuildError, Compiler};

/// The models and options of a build.
#[derive(Clone, Debug)]
pub struct BuildConfig {
    pub compiler: ModelChoice,
    pub interpreter: ModelChoice,
    pub options: CompileOptions,
    pub offline: bool,
    /// How the models are loaded (which kernels).
    pub load: LoadOptions,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            compiler: ModelChoice::Default(Role::Compiler),
            interpreter: ModelChoice::Default(Role::Interpreter),
            options: CompileOptions::default(),
            offline: false,
            load: LoadOptions::default(),
        }
    }
}

impl BuildConfig {
    pub fn build_key(&self, home: &PawHome) -> Result<BuildKey, String> {
        Ok(BuildKey {
            compiler_version: COMPILER_VERSION.to_string(),
            compiler_sha256: self.compiler.sha256(home)?,
            interpreter_sha256: self.interpreter.sha256(home)?,
            options: self.options.key_text(),
            data_pipeline: DATA_PIPELINE.to_string(),
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
    /// `provisioner` locates the models (fetching them unless the build is offline).
    pub fn new(config: BuildConfig, key: BuildKey, provisioner: Provisioner) -> NeuralCompiler {
        let lazy = |role: &'static str, choice: &ModelChoice| {
            let (choice, provisioner, offline) = (choice.clone(), provisioner.clone(), config.offline);
            let locate = move || provisioner.locate(&choice, offline).map_err(|e| e.to_string());
            lazy_model(role, locate, config.load.clone())
        };
        NeuralCompiler {
            compiler: lazy("compiler", &config.compiler),
            interpreter: lazy("interpreter", &config.interpreter),
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
    fn compile(&self, spec: &Spec, data: &FunctionData, id: &ProgramId) -> Result<Artifact, BuildError> {
        // An imported program is not compiled: only its prefix state is computed, on the interpreter.
        if let Some(program) = &data.program {
            let interpreter = self.interpreter.get()?;
            let name = self.config.interpreter.name();
            return paw_fuzzy::import_bundle(&interpreter, &name, spec, program, id, &self.key).map_err(|source| {
                BuildError::Import {
                    bundle: program.path.clone(),
                    source,
                }
            });
        }
        let models = self.models()?;
        let names = (self.config.compiler.name(), self.config.interpreter.name());
        Ok(paw_neural::compile(
            spec,
            data,
            id,
            &self.key,
            (&names.0, &names.1),
            &models,
            &self.config.options,
        )?)
    }
}
