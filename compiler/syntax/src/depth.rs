//! The nesting limit: no tree the parser returns is deeper than [`MAX_DEPTH`].
//!
//! Later phases walk the tree recursively; this bound is what makes that safe. The limit is enforced while the
//! tree is built (bottom-up, in the grammar's actions), so no over-deep tree ever exists: every value the parser
//! holds, drops or returns is at most `MAX_DEPTH` levels deep, and dropping it cannot overflow the stack.

use paw_diagnostics::{Diagnostic, Label, Span};

use crate::ast::{Expr, ExprKind, Pattern, PatternKind, Stmt, StmtKind, TypeExpr};

/// The deepest nesting of expressions, statements, types and patterns (each counts one level) that the parser
/// accepts. Deeper constructs are reported (`E0013`) and replaced by `Error` nodes.
pub const MAX_DEPTH: u32 = 256;

/// A node under construction together with its height (1 for a leaf).
#[derive(Debug)]
pub(crate) struct Deep<T> {
    pub node: T,
    pub depth: u32,
}

impl<T> Deep<T> {
    pub fn leaf(node: T) -> Deep<T> {
        Deep { node, depth: 1 }
    }
}

/// The deepest of some children's heights (0 when there are none).
pub(crate) fn max_depth<'a, T: 'a>(children: impl IntoIterator<Item = &'a Deep<T>>) -> u32 {
    children.into_iter().map(|c| c.depth).max().unwrap_or(0)
}

/// Replaces nodes that would exceed the limit and remembers where, to report each outermost place once.
#[derive(Default)]
pub(crate) struct DepthLimit {
    /// Spans replaced so far, in construction order; a span that contains earlier ones replaces them.
    too_deep: Vec<Span>,
}

impl DepthLimit {
    pub fn too_deep(&mut self, span: Span) {
        while self
            .too_deep
            .last()
            .is_some_and(|last| span.start <= last.start && last.end <= span.end)
        {
            self.too_deep.pop();
        }
        self.too_deep.push(span);
    }

    pub fn expr(&mut self, kind: ExprKind, span: Span, child_depth: u32) -> Deep<Expr> {
        if child_depth >= MAX_DEPTH {
            self.too_deep(span);
            return Deep::leaf(Expr {
                kind: ExprKind::Error,
                span,
            });
        }
        Deep {
            node: Expr { kind, span },
            depth: child_depth + 1,
        }
    }

    pub fn stmt(&mut self, kind: StmtKind, span: Span, child_depth: u32) -> Deep<Stmt> {
        if child_depth >= MAX_DEPTH {
            self.too_deep(span);
            return Deep::leaf(Stmt {
                kind: StmtKind::Error,
                span,
            });
        }
        Deep {
            node: Stmt { kind, span },
            depth: child_depth + 1,
        }
    }

    pub fn ty(&mut self, ty: TypeExpr, child_depth: u32) -> Deep<TypeExpr> {
        if child_depth >= MAX_DEPTH {
            let span = ty.span();
            self.too_deep(span);
            return Deep::leaf(TypeExpr::Error(span));
        }
        Deep {
            node: ty,
            depth: child_depth + 1,
        }
    }

    pub fn pattern(&mut self, kind: PatternKind, span: Span, child_depth: u32) -> Deep<Pattern> {
        if child_depth >= MAX_DEPTH {
            self.too_deep(span);
            return Deep::leaf(Pattern {
                kind: PatternKind::Error,
                span,
            });
        }
        Deep {
            node: Pattern { kind, span },
            depth: child_depth + 1,
        }
    }

    /// One diagnostic per outermost over-deep construct.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.too_deep
            .into_iter()
            .map(|span| {
                Diagnostic::error(
                    "E0013",
                    format!("this code is nested more than {MAX_DEPTH} levels deep"),
                    Label::new(span, "too deeply nested"),
                )
                .with_help("split this expression using `let` bindings")
            })
            .collect()
    }
}
