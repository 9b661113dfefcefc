//! The [`FuzzyBackend`] of a built project: each fuzzy fn resolved to its program id through `paw.lock`
//! (stale or missing builds are reported, never guessed around), the interpreter (the local model or a serving
//! engine) opened once on the first call, each artifact loaded, verified and restored on its first call.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use paw_artifact::{function_key, resolve, ArtifactStore, NotReady, PawLock, ProgramId, Resolution};
use paw_hir::{FuzzyFn, Program};
use paw_model::{LoadOptions, Model};
use paw_runtime::{FuzzyBackend, FuzzyCallError};
use serde_json::Value;

use crate::error::InterpreterError;
use crate::interpreter::{Interpreter, LazyInterpreter, ReadyProgram};

/// A value made on first use by `open` (a model loaded, a server connected to) and shared by every use after;
/// its one failure is reported to every use.
pub struct OnFirstUse<T, E> {
    open: Box<dyn Fn() -> Result<T, E> + Send + Sync>,
    value: OnceLock<Result<T, E>>,
}

impl<T: Clone, E: Clone> OnFirstUse<T, E> {
    pub fn new(open: impl Fn() -> Result<T, E> + Send + Sync + 'static) -> OnFirstUse<T, E> {
        OnFirstUse {
            open: Box::new(open),
            value: OnceLock::new(),
        }
    }

    pub fn get(&self) -> Result<T, E> {
        self.value.get_or_init(|| (self.open)()).clone()
    }
}

/// A model (the interpreter, or at build time the compiler), loaded on first use and shared by every call after.
pub type LazyModel = OnFirstUse<Arc<Model>, InterpreterError>;

/// The model file `locate` finds (or fetches; it runs at most once), loaded with `options` on first use; `role`
/// is what the model is for, as errors name it: `interpreter`, `compiler`.
pub fn lazy_model(
    role: &'static str,
    locate: impl Fn() -> Result<PathBuf, String> + Send + Sync + 'static,
    options: LoadOptions,
) -> LazyModel {
    OnFirstUse::new(move || {
        let path = locate().map_err(InterpreterError::Locate)?;
        load_model(role, &path, &options)
    })
}

/// The model file `path` loaded for `role`, a failure said in those words.
pub fn load_model(role: &'static str, path: &Path, options: &LoadOptions) -> Result<Arc<Model>, InterpreterError> {
    Model::load_with(path, options)
        .map(Arc::new)
        .map_err(|e| InterpreterError::Load {
            role,
            path: path.to_path_buf(),
            source: Arc::new(e),
        })
}

/// One fuzzy call, for `PAW_TRACE` / `--trace`.
pub struct TraceEvent<'a> {
    pub function: &'a str,
    pub args: &'a [Value],
    pub result: &'a Result<Value, FuzzyCallError>,
    pub confidence: Option<f64>,
    pub latency: Duration,
}

impl std::fmt::Display for TraceEvent<'_> {
    /// `[fuzzy] NAME(ARGS) -> RESULT confidence=C (MS ms)`: the line `--trace` prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let args: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
        let result = match self.result {
            Ok(v) => v.to_string(),
            Err(err) => format!("error: {err}"),
        };
        let confidence = self.confidence.map_or(String::new(), |c| format!(" confidence={c:.3}"));
        write!(
            f,
            "[fuzzy] {}({}) -> {result}{confidence} ({:.0} ms)",
            self.function,
            args.join(", "),
            self.latency.as_secs_f64() * 1000.0
        )
    }
}

pub type TraceSink = Box<dyn Fn(&TraceEvent) + Send + Sync>;

/// Whether `PAW_TRACE` asks for every fuzzy call to be printed.
pub fn trace_from_env() -> bool {
    std::env::var("PAW_TRACE").is_ok_and(|v| !v.is_empty() && v != "0")
}

pub struct ArtifactBackend {
    /// What `pawc build` is given for this project, named in the help of a build that cannot be used.
    build_target: PathBuf,
    store: ArtifactStore,
    functions: HashMap<String, Resolution>,
    interpreter: LazyInterpreter,
    programs: Mutex<HashMap<ProgramId, Arc<ReadyProgram>>>,
    trace: Option<TraceSink>,
}

impl ArtifactBackend {
    /// Resolves every fuzzy fn of `program` against its project's lock (`None`: never built); `build_target` is
    /// what `pawc build` is given to build that project.
    pub fn new(
        build_target: &Path,
        program: &Program,
        lock: Option<&PawLock>,
        store: ArtifactStore,
        interpreter: LazyInterpreter,
    ) -> ArtifactBackend {
        let functions = program
            .fuzzy
            .iter()
            .map(|f| (function_key(&f.module, &f.name), resolve(f, program, lock)))
            .collect();
        ArtifactBackend {
            build_target: build_target.to_path_buf(),
            store,
            functions,
            interpreter,
            programs: Mutex::new(HashMap::new()),
            trace: None,
        }
    }

    pub fn with_trace(mut self, sink: TraceSink) -> ArtifactBackend {
        self.trace = Some(sink);
        self
    }

    /// Whether `func` has a current build in the lock (its artifact may still turn out missing or damaged).
    pub fn is_built(&self, func: &FuzzyFn) -> bool {
        matches!(
            self.functions.get(&function_key(&func.module, &func.name)),
            Some(Resolution::Built(_))
        )
    }

    /// The program `func` runs, or why there is none; decided before any model is loaded.
    fn built(&self, func: &FuzzyFn) -> Result<ProgramId, FuzzyCallError> {
        let key = function_key(&func.module, &func.name);
        match self.functions.get(&key) {
            Some(Resolution::NotBuilt) | None => Err(FuzzyCallError::NotBuilt {
                name: func.name.clone(),
            }),
            Some(resolution) => resolution.clone().built().map_err(|why| self.not_ready(&key, why)),
        }
    }

    fn not_ready(&self, key: &str, why: NotReady) -> FuzzyCallError {
        FuzzyCallError::NotReady {
            message: format!("fuzzy fn `{key}`: {why}"),
            help: why.help(&self.build_target),
        }
    }

    fn program(
        &self,
        func: &FuzzyFn,
        id: ProgramId,
        interpreter: &Interpreter,
    ) -> Result<Arc<ReadyProgram>, FuzzyCallError> {
        if let Some(p) = self.programs.lock().expect("no panics while holding the lock").get(&id) {
            return Ok(p.clone());
        }
        let artifact = self.store.load(&id).map_err(|e| {
            let key = function_key(&func.module, &func.name);
            self.not_ready(&key, NotReady::unloadable(&self.store, &id, e))
        })?;
        let loaded = Arc::new(interpreter.program(&artifact).map_err(|e| FuzzyCallError::Failed {
            message: format!("fuzzy fn `{}`: {e}", func.name),
        })?);
        self.programs
            .lock()
            .expect("no panics while holding the lock")
            .insert(id, loaded.clone());
        Ok(loaded)
    }
}

impl FuzzyBackend for ArtifactBackend {
    fn call(&self, func: &FuzzyFn, args: &[Value]) -> Result<Value, FuzzyCallError> {
        let start = Instant::now();
        let mut confidence = None;
        let result = (|| {
            let id = self.built(func)?;
            let interpreter = self
                .interpreter
                .get()
                .map_err(|message| FuzzyCallError::Failed { message })?;
            let program = self.program(func, id, &interpreter)?;
            let answer = program.call(args).map_err(|e| FuzzyCallError::Failed {
                message: format!("fuzzy fn `{}`: {e}", func.name),
            })?;
            confidence = Some(answer.confidence);
            Ok(answer.value)
        })();
        if let Some(trace) = &self.trace {
            trace(&TraceEvent {
                function: &func.name,
                args,
                result: &result,
                confidence,
                latency: start.elapsed(),
            });
        }
        result
    }
}
