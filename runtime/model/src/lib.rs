//! paw's model runtime: GGUF models (qwen2, qwen3, llama) on candle, model provisioning, typed decoding
//! and prefix states. See `docs/model.md`.
//!
//! ```no_run
//! use paw_model::{Model, ModelStore, Progress, Role, TypeSchema, DecodeOptions};
//! let path = ModelStore::from_env().ensure(Role::Interpreter, &Progress::Bar)?;
//! let model = Model::load(&path)?;
//! let d = model.ask(None, "Is the sky blue? Answer true or false.", &TypeSchema::Bool, &DecodeOptions::default())?;
//! println!("{} ({:.2})", d.value, d.confidence);
//! # Ok::<(), paw_model::Error>(())
//! ```
mod argmax;
pub mod bench;
pub mod choice;
pub mod cli;
pub mod convert;
pub mod error;
pub mod grammar;
mod kernels;
pub mod kv;
pub mod model;
pub mod prefix;
mod q8_tiles;
pub mod store;
pub mod testing;
pub mod tokenizer;
pub mod typed;

pub use argmax::argmax;
pub use choice::ModelChoice;
pub use error::{Error, Result};
pub use kv::KvState;
pub use model::{Arch, Config, Kernels, LoadOptions, Model};
pub use store::{ModelInfo, ModelStore, Progress, Role};
pub use tokenizer::{ChatTemplate, PawTokenizer};
pub use typed::{DecodeOptions, Decoded, Reading, TypeSchema};

#[allow(dead_code)]
fn assert_shareable() {
    fn is<T: Send + Sync>() {}
    is::<Model>();
    is::<KvState>();
}
