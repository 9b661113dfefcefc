//! The one walk over the checked program's children. Every pass that needs to see all the expressions under
//! a body (the checker's type substitution, the executor's closure table, the language server's index)
//! implements [`Visitor`] or [`VisitorMut`] and overrides only the nodes it cares about; adding an expression
//! or statement kind means editing the `walk_*` functions here and nowhere else.
//!
//! The walk is pre-order (a visitor sees a node before calling `walk_*` on it) and visits children in
//! evaluation order, so "the first one found" means the same thing for every pass. Closure bodies are walked;
//! patterns and types are not (they hold no expressions).

use crate::{Block, Callee, Expr, ExprKind, Place, Stmt, StmtKind};

/// Generates a visitor trait and its `walk_*` functions; once for shared and once for mutable references, so
/// the two can never disagree on what a node's children are.
macro_rules! visitor {
    ($(#[$doc:meta])* $Visitor:ident, $walk_expr:ident, $walk_block:ident, $walk_stmt:ident $(, $mut:tt)?) => {
        $(#[$doc])*
        pub trait $Visitor<'a> {
            fn visit_expr(&mut self, e: &'a $($mut)? Expr) {
                $walk_expr(self, e)
            }

            fn visit_block(&mut self, b: &'a $($mut)? Block) {
                $walk_block(self, b)
            }

            fn visit_stmt(&mut self, s: &'a $($mut)? Stmt) {
                $walk_stmt(self, s)
            }
        }

        /// Visits the children of `e`, in evaluation order.
        pub fn $walk_expr<'a, V: $Visitor<'a> + ?Sized>(v: &mut V, e: &'a $($mut)? Expr) {
            match & $($mut)? e.kind {
                ExprKind::WrapSome(x) | ExprKind::Unary { operand: x, .. } | ExprKind::Field { base: x, .. } => {
                    v.visit_expr(x)
                }
                ExprKind::List(xs) | ExprKind::Interpolate(xs) | ExprKind::StructNew { fields: xs, .. } => {
                    for x in xs {
                        v.visit_expr(x);
                    }
                }
                ExprKind::Range { start: a, end: b }
                | ExprKind::Binary { lhs: a, rhs: b, .. }
                | ExprKind::And(a, b)
                | ExprKind::Or(a, b)
                | ExprKind::Coalesce(a, b)
                | ExprKind::Index { base: a, index: b, .. } => {
                    v.visit_expr(a);
                    v.visit_expr(b);
                }
                ExprKind::Call { callee, args } => {
                    if let Callee::Value(f) = callee {
                        v.visit_expr(f);
                    }
                    for x in args {
                        v.visit_expr(x);
                    }
                }
                ExprKind::Closure(c) => v.visit_expr(& $($mut)? c.body),
                ExprKind::If { cond, then, else_ } => {
                    v.visit_expr(cond);
                    v.visit_expr(then);
                    if let Some(x) = else_ {
                        v.visit_expr(x);
                    }
                }
                ExprKind::Match { scrutinee, arms } => {
                    v.visit_expr(scrutinee);
                    for arm in arms {
                        v.visit_expr(& $($mut)? arm.body);
                    }
                }
                ExprKind::Block(b) => v.visit_block(b),
                ExprKind::Unit
                | ExprKind::Int(_)
                | ExprKind::Float(_)
                | ExprKind::Bool(_)
                | ExprKind::Str(_)
                | ExprKind::None
                | ExprKind::Local(_)
                | ExprKind::FnRef(_)
                | ExprKind::NativeRef(_)
                | ExprKind::FuzzyRef(_)
                | ExprKind::Variant { .. }
                | ExprKind::Error => {}
            }
        }

        /// Visits the statements of `b`, then its tail.
        pub fn $walk_block<'a, V: $Visitor<'a> + ?Sized>(v: &mut V, b: &'a $($mut)? Block) {
            for s in & $($mut)? b.stmts {
                v.visit_stmt(s);
            }
            if let Some(tail) = & $($mut)? b.tail {
                v.visit_expr(tail);
            }
        }

        /// Visits the children of `s`, in evaluation order (an assignment's place before its value).
        pub fn $walk_stmt<'a, V: $Visitor<'a> + ?Sized>(v: &mut V, s: &'a $($mut)? Stmt) {
            match & $($mut)? s.kind {
                StmtKind::Let { value: x, .. } | StmtKind::Expr(x) | StmtKind::Return(Some(x)) => v.visit_expr(x),
                StmtKind::Assign { place, value, .. } => {
                    match place {
                        Place::Local(_) => {}
                        Place::Field { base, .. } => v.visit_expr(base),
                        Place::Index { base, index, .. } => {
                            v.visit_expr(base);
                            v.visit_expr(index);
                        }
                    }
                    v.visit_expr(value);
                }
                StmtKind::While { cond, body } => {
                    v.visit_expr(cond);
                    v.visit_block(body);
                }
                StmtKind::ForList { list, body, .. } => {
                    v.visit_expr(list);
                    v.visit_block(body);
                }
                StmtKind::ForRange { start, end, body, .. } => {
                    v.visit_expr(start);
                    v.visit_expr(end);
                    v.visit_block(body);
                }
                StmtKind::Return(None) | StmtKind::Break | StmtKind::Continue => {}
            }
        }
    };
}

visitor!(
    /// A pass that reads the checked program. Each method's default visits the node's children; an override
    /// does its own work and calls the matching `walk_*` function to go on into the children (or not).
    Visitor, walk_expr, walk_block, walk_stmt
);

visitor!(
    /// [`Visitor`] for a pass that rewrites the checked program in place.
    VisitorMut, walk_expr_mut, walk_block_mut, walk_stmt_mut, mut
);
