//! paw's home (`$PAW_HOME`): one type, [`PawHome`], says where everything lives under it, so the model
//! provisioning, the runtime, the artifact store and the language server agree on the layout without joining
//! paths by hand. Reading a model's state (present, verified against its pinned sha256) is here too, because
//! running programs must check that the interpreter is present and intact without being able to fetch it
//! (fetching is `paw-provision`).
//!
//! ```text
//! $PAW_HOME/
//!   models/<role>.lock                     held while fetching or converting the role's model
//!   models/<role>/model.gguf               the file as published (+ model.gguf.sha256 stamp)
//!   models/<role>/model.q8_0.gguf          the converted file paw loads (+ model.q8_0.gguf.sha256 stamp)
//!   artifacts/<id>/                        the artifact store (paw-artifact)
//!   stdlib/<hash>/std/*.pw                 the standard library's sources, for editors (paw-lsp)
//! ```
mod choice;
mod home;
mod source;
pub mod stamp;

pub use choice::ModelChoice;
pub use home::{ModelInfo, PawHome};
pub use source::{Role, Source, COMPILER, INTERPRETER, SMOKE};

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown model name `{0}` (expected interpreter, compiler or smoke)")]
    UnknownRole(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
