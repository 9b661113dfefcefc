//! Runs checked programs: values, the tree-walking reference executor, natives, and the fuzzy-call boundary.

pub mod error;
pub mod natives;
pub mod value;

pub use error::{ErrorKind, RuntimeError, TraceFrame};
pub use value::Value;
