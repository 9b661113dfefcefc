//! The `.pw` syntax: tokens, the syntax tree and the parser.
//!
//! Invariant: parsing never fails. [`parse`] always returns a [`ast::SourceFile`]; what could not be parsed
//! becomes `Error` nodes plus diagnostics, so later phases and the editor still see every well-formed item.

pub mod ast;
pub mod lexer;

pub use lexer::{lex, LexError, Lexeme, Token};
