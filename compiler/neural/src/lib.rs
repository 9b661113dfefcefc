//! The neural compiler: turns a fuzzy function's canonical spec into a program artifact with the compiler
//! model (pseudo-program) and the interpreter model (prefix state, calibration, self-test).
pub mod compile;
pub mod distill;
pub mod head;
pub mod prompt;

pub use compile::{compile, CompileError, CompileOptions, Models, COMPILER_VERSION, DATA_PIPELINE};
pub use distill::AdapterMode;
pub use prompt::{baseline_template, program_template, pseudo_program};
