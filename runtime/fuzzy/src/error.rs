//! Why a program could not be restored or a call not answered. Display is the text users read; the model's own
//! error stays reachable as the source.

use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The interpreter model (tokenizing, running or decoding) failed.
    #[error(transparent)]
    Model(#[from] paw_model::Error),
    #[error("cannot restore the program's state: {0}")]
    Restore(#[source] paw_model::Error),
    /// `adapter.gguf` passed its checksum but is not an adapter paw can read.
    #[error("the program's adapter.gguf cannot be used: {0}")]
    Adapter(#[source] paw_model::Error),
    #[error(transparent)]
    Interpreter(#[from] InterpreterError),
    #[error(
        "the program's head does not fit its return type ({labels} labels) and this interpreter (d_model {d_model})"
    )]
    HeadMismatch { labels: usize, d_model: usize },
    #[error("a prompt template needs exactly one input placeholder")]
    Template,
    #[error("the calibration has {calibrated} labels but the return type has {labels}")]
    CalibrationMismatch { calibrated: usize, labels: usize },
    #[error(
        "the interpreter server at {url} cannot be reached: {reason}\n  help: start it, or fix `[interpreter] url` in paw.toml (or `--interpreter-url`)"
    )]
    RemoteUnreachable { url: String, reason: String },
    /// The server answered with an error status: this call has no answer.
    #[error("the interpreter server answered {status} at {url}: {message}")]
    RemoteStatus { url: String, status: u16, message: String },
    #[error("the interpreter server at {url} sent an answer paw cannot use: {reason}")]
    RemoteReply { url: String, reason: String },
    #[error(
        "the interpreter server at {url} has no model named `{name}`, which this program's LoRA adapter needs (it serves: {served})\n  help: export the adapter with `pawc export PROJECT FUNCTION --format peft --out DIR` and serve it under that name (vLLM: `--lora-modules {name}=DIR`; llama_cpp.server: a model alias `{name}` with `lora_path`)"
    )]
    RemoteAdapter { url: String, name: String, served: String },
    #[error("`{function}` takes {expected} arguments but got {got}")]
    Arity {
        function: String,
        expected: usize,
        got: usize,
    },
}

/// Why a model (the interpreter, or at build time the compiler) is not available. Clone: a [`crate::LazyModel`]
/// reports its one failure to every call.
#[derive(Clone, Debug, thiserror::Error)]
pub enum InterpreterError {
    /// The model file is not in the cache and could not be fetched; the text says what to run.
    #[error("{0}")]
    Locate(String),
    #[error("cannot load the {role} model {}: {source}", path.display())]
    Load {
        role: &'static str,
        path: PathBuf,
        #[source]
        source: Arc<paw_model::Error>,
    },
}
