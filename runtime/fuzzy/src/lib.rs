//! Fuzzy calls at run time: a built program (artifact) restored on the interpreter model, or sent to a serving
//! engine ([`remote`]), answers calls with typed decoding. [`ArtifactBackend`] plugs this into paw-runtime's executor; [`bundle`] converts between
//! artifacts and `.paw` bundles.
pub mod backend;
pub mod bundle;
pub mod error;
pub mod interpreter;
pub mod program;
pub mod project;
pub mod remote;
pub mod render;

pub use backend::{lazy_model, trace_from_env, ArtifactBackend, LazyModel, OnFirstUse, TraceEvent, TraceSink};
pub use bundle::{export_bundle, import_bundle, BUNDLE_FORMAT};
pub use error::{Error, InterpreterError};
pub use interpreter::{open_interpreter, Interpreter, LazyInterpreter, ReadyProgram, CALLS_PER_BATCH};
pub use program::{each_answer, Answer, Features, LoadedProgram};
pub use project::{present, Problem, ProjectLink};
pub use remote::{RemoteEngine, RemoteOptions, RemoteProgram};
pub use render::{fits, render_input, render_value, schema_of};
