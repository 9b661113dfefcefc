//! Name resolution and type checking: syntax trees in, a checked program (HIR) out.

pub mod hir;
