//! The build driver behind `pawc build`: plans which fuzzy fns need compiling (no model is read for that),
//! compiles them into the shared artifact store under per-id locks, and records the result in `paw.lock`.
pub mod data;
pub mod driver;
pub mod import;
pub mod models;

pub use data::{
    input_row, read_data, DataDecl, DataFile, Format, RowError, RowProblem, DEFAULT_EXAMPLES_SAMPLE,
    DEFAULT_INPUTS_SAMPLE, MAX_DATA_FILE_BYTES,
};
pub use driver::{build, plan, BuildError, Compiler, Event, Outcome, Planned, Report};
pub use import::read_program;
pub use models::{BuildConfig, NeuralCompiler};
