//! paw's inference engine: GGUF models (qwen2, qwen3, llama) on candle, typed decoding and prefix states.
//! It takes its configuration as values and neither prints, reads the environment nor spawns processes;
//! where models live is `paw-cache`, fetching them `paw-provision`. See `docs/model.md`.
//!
//! ```no_run
//! use paw_model::{Model, TypeSchema, DecodeOptions};
//! let model = Model::load(std::path::Path::new("model.q8_0.gguf"))?;
//! let d = model.ask(None, "Is the sky blue? Answer true or false.", &TypeSchema::Bool, &DecodeOptions::default())?;
//! println!("{} ({:.2})", d.value, d.confidence);
//! # Ok::<(), paw_model::Error>(())
//! ```
pub mod adapter;
mod argmax;
pub mod bench;
pub mod convert;
pub mod error;
mod gguf;
pub mod grammar;
mod kernels;
pub mod kv;
mod lcg;
pub mod lora_fit;
pub mod model;
pub mod peft;
pub mod prefix;
mod q8_tiles;
pub mod testing;
pub mod tokenizer;
pub mod typed;

pub use adapter::{Adapter, LoraPair, Projection, StoredAs};
pub use argmax::argmax;
pub use error::{Error, Result};
pub use kv::KvState;
pub use lora_fit::{FitOptions, FitReport};
pub use model::{Arch, BranchRows, Config, Kernels, LoadOptions, Model};
pub use tokenizer::{ChatTemplate, PawTokenizer};
pub use typed::{
    log_sum_exp, parse_answer, softmax, spellings, DecodeOptions, Decoded, LabelScores, Reading, TypeSchema,
};

#[allow(dead_code)]
fn assert_shareable() {
    fn is<T: Send + Sync>() {}
    is::<Model>();
    is::<KvState>();
    is::<Adapter>();
}
