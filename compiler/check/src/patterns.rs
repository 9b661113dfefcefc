//! `match` patterns: resolving them against the matched type, exhaustiveness and unreachable arms.

use paw_diagnostics::Span;
use paw_syntax::ast;

use crate::body::PathRes;
use crate::checker::{Checker, DiagnosticExt};
use crate::hir::{Expr, MatchArm, Pattern, Program, Ty};
use crate::suggest::closest;

impl Checker {
    pub(crate) fn check_pattern(&mut self, p: &ast::Pattern, ty: &Ty, scrutinee: Span) -> Pattern {
        match &p.kind {
            ast::PatternKind::Wildcard | ast::PatternKind::Error => Pattern::Wildcard,
            ast::PatternKind::Name(name) => {
                if let Ty::Enum(id) = self.table.shallow(ty) {
                    if let Some(index) = self.variant_index(id, &name.name) {
                        return Pattern::Variant { id, index };
                    }
                    let variants: Vec<String> = self
                        .program
                        .enum_def(id)
                        .variants
                        .iter()
                        .map(|v| v.name.clone())
                        .collect();
                    if closest(&name.name, variants.iter().map(String::as_str)).is_some() {
                        self.unknown_variant(id, &name.name, name.span);
                        return Pattern::Wildcard;
                    }
                }
                Pattern::Bind(self.declare(&name.name, ty.clone(), false, name.span))
            }
            ast::PatternKind::Path(path) => self.path_pattern(path, p.span, ty, scrutinee),
            ast::PatternKind::Some(inner) => match self.optional_inner(ty, p.span, scrutinee, "some(..)") {
                Some(inner_ty) => Pattern::Some(Box::new(self.check_pattern(inner, &inner_ty, scrutinee))),
                None => Pattern::Wildcard,
            },
            ast::PatternKind::None => match self.optional_inner(ty, p.span, scrutinee, "none") {
                Some(_) => Pattern::None,
                None => Pattern::Wildcard,
            },
            ast::PatternKind::Int(n) => self.literal_pattern(Pattern::Int(*n), Ty::Int, ty, p.span, scrutinee),
            ast::PatternKind::Float(x) => self.literal_pattern(Pattern::Float(*x), Ty::Float, ty, p.span, scrutinee),
            ast::PatternKind::Str(s) => self.literal_pattern(Pattern::Str(s.clone()), Ty::Str, ty, p.span, scrutinee),
            ast::PatternKind::Bool(b) => self.literal_pattern(Pattern::Bool(*b), Ty::Bool, ty, p.span, scrutinee),
        }
    }

    fn literal_pattern(&mut self, pattern: Pattern, pattern_ty: Ty, ty: &Ty, span: Span, scrutinee: Span) -> Pattern {
        if self.table.unify(&pattern_ty, ty) {
            return pattern;
        }
        self.pattern_mismatch(&pattern_ty, ty, span, scrutinee);
        Pattern::Wildcard
    }

    fn pattern_mismatch(&mut self, pattern_ty: &Ty, ty: &Ty, span: Span, scrutinee: Span) {
        let (p, t) = (self.show(pattern_ty), self.show(ty));
        self.error(
            "E0201",
            format!("this pattern matches `{p}`, but the matched value is `{t}`"),
            span,
            format!("a `{p}` pattern"),
        )
        .also((scrutinee, format!("this is `{t}`")))
        .hint(format!("write a pattern for `{t}` values"));
    }

    /// The `T` of the optional type `ty` that a `some`/`none` pattern matches, or `None` after reporting.
    fn optional_inner(&mut self, ty: &Ty, span: Span, scrutinee: Span, what: &str) -> Option<Ty> {
        match self.table.shallow(ty) {
            Ty::Optional(inner) => Some(*inner),
            Ty::Error | Ty::Never => None,
            Ty::Infer(_) => {
                let inner = self.table.fresh();
                self.table.unify(ty, &Ty::Optional(Box::new(inner.clone())));
                Some(inner)
            }
            other => {
                let t = self.show(&other);
                self.error(
                    "E0201",
                    format!("`{what}` matches optionals, but the matched value is `{t}`"),
                    span,
                    "an optional pattern",
                )
                .also((scrutinee, format!("this is `{t}`, never absent")))
                .hint("match the value itself, or make the matched value optional (`T?`)");
                None
            }
        }
    }

    fn path_pattern(&mut self, path: &[ast::Ident], span: Span, ty: &Ty, scrutinee: Span) -> Pattern {
        // Build the path as an expression so it resolves exactly like `Team.billing` in code.
        let Some((first, rest)) = path.split_first() else {
            return Pattern::Wildcard;
        };
        let mut e = ast::Expr {
            kind: ast::ExprKind::Name(first.clone()),
            span: first.span,
        };
        for segment in rest {
            let span = e.span.to(segment.span);
            e = ast::Expr {
                kind: ast::ExprKind::Field {
                    base: Box::new(e),
                    name: segment.clone(),
                },
                span,
            };
        }
        match self.resolve_path(&e) {
            Some(PathRes::Variant(id, index)) => {
                if self.table.unify(&Ty::Enum(id), ty) {
                    Pattern::Variant { id, index }
                } else {
                    self.pattern_mismatch(&Ty::Enum(id), ty, span, scrutinee);
                    Pattern::Wildcard
                }
            }
            Some(PathRes::Error) => Pattern::Wildcard,
            _ => {
                self.error("E0106", "this path is not an enum variant", span, "not a variant")
                    .hint("patterns name variants as `Enum.variant` or just `variant`");
                Pattern::Wildcard
            }
        }
    }

    /// Reports arms that can never match and cases no arm covers.
    pub(crate) fn check_exhaustive(&mut self, scrutinee: &Expr, arms: &[MatchArm], ast_arms: &[ast::MatchArm]) {
        let ty = self.table.zonk(&scrutinee.ty);
        for i in 0..arms.len() {
            let previous: Vec<&Pattern> = arms[..i].iter().map(|a| &a.pattern).collect();
            let covered = missing(&previous, &ty, &self.program).is_empty() && !previous.is_empty();
            let repeated = previous.iter().any(|p| same_literal(p, &arms[i].pattern));
            if covered || repeated {
                let span = ast_arms[i].pattern.span;
                let earlier = arms[..i]
                    .iter()
                    .position(|a| irrefutable(&a.pattern) || same_literal(&a.pattern, &arms[i].pattern));
                let d = self.warning("W0103", "unreachable match arm", span, "never matches");
                if let Some(earlier) = earlier {
                    d.also((ast_arms[earlier].pattern.span, "this arm already matches these values"));
                }
                d.hint("the arms above already match every value this one would; remove it or reorder the arms");
            }
        }
        let patterns: Vec<&Pattern> = arms.iter().map(|a| &a.pattern).collect();
        let missing = missing(&patterns, &ty, &self.program);
        if missing.is_empty() {
            return;
        }
        let shown = self.show(&ty);
        let (message, help) = if missing == ["_"] {
            (
                format!("this `match` on `{shown}` does not cover every value"),
                "add a final arm `_ => ...` (or a binding like `other => ...`) for the values not listed".to_string(),
            )
        } else {
            let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            (
                format!("this `match` does not cover {list}"),
                "add an arm for each missing case, or `_ => ...` for the rest".to_string(),
            )
        };
        self.error(
            "E0212",
            message,
            scrutinee.span,
            format!("`{shown}` value not fully covered"),
        )
        .hint(help);
    }
}

fn irrefutable(p: &Pattern) -> bool {
    matches!(p, Pattern::Wildcard | Pattern::Bind(_))
}

/// The cases of `ty` that none of `patterns` matches, as patterns written for the user (`_` for "some value").
fn missing(patterns: &[&Pattern], ty: &Ty, program: &Program) -> Vec<String> {
    if patterns.iter().any(|p| irrefutable(p)) {
        return Vec::new();
    }
    match ty {
        Ty::Enum(id) => program
            .enum_def(*id)
            .variants
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                !patterns
                    .iter()
                    .any(|p| matches!(p, Pattern::Variant { index, .. } if *index as usize == *i))
            })
            .map(|(_, v)| v.name.clone())
            .collect(),
        Ty::Bool => [true, false]
            .into_iter()
            .filter(|b| !patterns.iter().any(|p| matches!(p, Pattern::Bool(x) if x == b)))
            .map(|b| b.to_string())
            .collect(),
        Ty::Optional(inner) => {
            let mut out = Vec::new();
            if !patterns.iter().any(|p| matches!(p, Pattern::None)) {
                out.push("none".to_string());
            }
            let inner_patterns: Vec<&Pattern> = patterns
                .iter()
                .filter_map(|p| if let Pattern::Some(x) = p { Some(&**x) } else { None })
                .collect();
            if inner_patterns.is_empty() {
                out.push("some(_)".to_string());
            } else {
                out.extend(
                    missing(&inner_patterns, inner, program)
                        .into_iter()
                        .map(|m| format!("some({m})")),
                );
            }
            out
        }
        Ty::Error | Ty::Never => Vec::new(),
        _ => vec!["_".to_string()],
    }
}

/// Whether two patterns match exactly the same single value (a repeated literal or variant).
fn same_literal(a: &Pattern, b: &Pattern) -> bool {
    match (a, b) {
        (Pattern::Int(x), Pattern::Int(y)) => x == y,
        (Pattern::Str(x), Pattern::Str(y)) => x == y,
        (Pattern::Bool(x), Pattern::Bool(y)) => x == y,
        (Pattern::Variant { index: x, .. }, Pattern::Variant { index: y, .. }) => x == y,
        (Pattern::None, Pattern::None) => true,
        (Pattern::Some(x), Pattern::Some(y)) => same_literal(x, y),
        _ => false,
    }
}
