//! The crate's error type.
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("model error: {0}")]
    Candle(#[from] candle_core::Error),
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("tokenizer error: {0}")]
    Tokenizer(String),
    #[error("unsupported model: {0}")]
    Unsupported(String),
    /// Kernels that do not exist or that this CPU cannot run (see [`crate::Kernels`]).
    #[error("{0}")]
    Kernels(String),
    #[error(
        "input too long: {needed} tokens would be in the context, but the model's context limit is {limit} tokens"
    )]
    ContextOverflow { needed: usize, limit: usize },
    #[error(
        "typed decoding produced no complete value within the limit of {limit} tokens (partial output: {partial:?})"
    )]
    MaxTokens { limit: usize, partial: String },
    #[error("typed decoding failed: {0}")]
    Decode(String),
    #[error("prefix state does not match this model: {0}")]
    PrefixMismatch(String),
    #[error("invalid prefix state file {path}: {msg}")]
    PrefixFile { path: PathBuf, msg: String },
    #[error("invalid LoRA adapter: {0}")]
    Adapter(String),
    #[error("invalid LoRA adapter file {path}: {msg}")]
    AdapterFile { path: PathBuf, msg: String },
    #[error("LoRA adapter does not fit this model: {0}")]
    AdapterMismatch(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
