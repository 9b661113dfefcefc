//! The `.pw` syntax: tokens, the syntax tree and the parser.
//!
//! Invariant: parsing never fails. [`parse`] always returns a [`ast::SourceFile`]; what could not be parsed
//! becomes `Error` nodes plus diagnostics, so later phases and the editor still see every well-formed item.
//! The tree is at most [`MAX_DEPTH`] levels deep, so later phases may walk it recursively.

pub mod ast;
mod depth;
mod docs;
#[allow(clippy::all, unused_parens)]
mod grammar {
    include!(concat!(env!("OUT_DIR"), "/grammar.rs"));
}
pub mod lexer;
mod messages;
mod parser;
mod strings;

pub use depth::MAX_DEPTH;
pub use docs::parse_value;
pub use lexer::{lex, LexError, Lexeme, Token};
pub use parser::{parse, MAX_SOURCE_BYTES};
