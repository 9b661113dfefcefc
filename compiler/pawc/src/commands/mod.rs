//! One module per `pawc` subcommand.

pub mod bench;
pub mod binary;
pub mod build;
pub mod check;
pub mod doctest;
pub mod eval;
pub mod explain;
pub mod export;
pub mod fmt;
pub mod lsp;
pub mod map;
pub mod model;
pub mod new;
pub mod run;
pub mod serve;
pub mod test;
