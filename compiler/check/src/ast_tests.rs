//! Checks of hand-built syntax trees, independent of the parser (the `.pw` source tests are in `tests/`).

use std::sync::Arc;

use paw_diagnostics::{FileId, Span};
use paw_syntax::ast::*;

use crate::checker::Checker;
use crate::load::ParsedModule;

fn sp(start: usize, end: usize) -> Span {
    Span::new(FileId(0), start, end)
}

fn ident(name: &str, at: usize) -> Ident {
    Ident {
        name: name.into(),
        span: sp(at, at + name.len()),
    }
}

fn named(name: &str, at: usize) -> TypeExpr {
    TypeExpr::Named {
        path: vec![ident(name, at)],
        args: vec![],
        span: sp(at, at + name.len()),
    }
}

fn check(items: Vec<Item>) -> Vec<&'static str> {
    let file = SourceFile {
        items,
        comments: vec![],
        span: sp(0, 100),
    };
    let module = ParsedModule {
        name: "main".into(),
        ast: Arc::new(file),
        is_std: false,
    };
    let mut checker = Checker::new(vec![module]);
    checker.check();
    checker.finish().1.iter().map(|d| d.code).collect()
}

#[test]
fn wrong_typed_fuzzy_expected_value_is_an_error_at_that_value() {
    let example = Example {
        callee: ident("is_spam", 10),
        args: vec![ValueLit {
            kind: ValueLitKind::Str("WIN".into()),
            span: sp(18, 23),
        }],
        expected: ValueLit {
            kind: ValueLitKind::Word("yes".into()),
            span: sp(30, 33),
        },
        call_span: sp(6, 24),
    };
    let decl = FuzzyFnDecl {
        docs: Docs::default(),
        name: ident("is_spam", 50),
        params: vec![Param {
            name: ident("text", 58),
            ty: named("str", 64),
            span: sp(58, 67),
        }],
        ret: Some(named("bool", 72)),
        description: String::new(),
        examples: vec![example.clone()],
        span: sp(40, 76),
    };
    assert_eq!(check(vec![Item::Fuzzy(decl.clone())]), vec!["E0217"]);
    let good = Example {
        expected: ValueLit {
            kind: ValueLitKind::Bool(true),
            span: sp(30, 34),
        },
        ..example
    };
    assert!(check(vec![Item::Fuzzy(FuzzyFnDecl {
        examples: vec![good],
        ..decl
    })])
    .is_empty());
}

#[test]
fn returning_a_string_from_an_int_function_is_a_mismatch() {
    let body = Block {
        stmts: vec![],
        tail: Some(Box::new(Expr {
            kind: ExprKind::Str(vec![StrPart::Lit("a".into())]),
            span: sp(20, 23),
        })),
        span: sp(18, 25),
    };
    let decl = FnDecl {
        docs: Docs::default(),
        is_native: false,
        name: ident("f", 3),
        type_params: vec![],
        params: vec![],
        ret: Some(named("int", 10)),
        body: Some(body),
        span: sp(0, 25),
    };
    assert_eq!(check(vec![Item::Fn(decl)]), vec!["E0201"]);
}
