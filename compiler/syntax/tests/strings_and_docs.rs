//! String escapes and interpolation spans; fuzzy fn docstrings, examples and value literals.

mod support;

use paw_diagnostics::FileId;
use paw_syntax::ast::*;
use support::*;

fn let_value(file: &SourceFile) -> &Expr {
    let Item::Fn(f) = &file.items[0] else {
        panic!("not a fn")
    };
    let StmtKind::Let { value, .. } = &f.body.as_ref().unwrap().stmts[0].kind else {
        panic!("not a let")
    };
    value
}

#[test]
fn escapes_are_decoded() {
    assert_eq!(
        expr_of(r#""a\n\t\r\\\"\{\}\u{1F600}""#),
        "(str \"a\\n\\t\\r\\\\\\\"{}😀\")"
    );
}

#[test]
fn interpolations_are_parsed_with_absolute_spans() {
    let src = r#"fn main() { let s = "n = {a + b} and {f("x{y}")}!"; }"#;
    let file = parse_ok(src);
    let value = let_value(&file);
    assert_eq!(
        expr(value),
        "(str \"n = \" {(+ a b)} \" and \" {(call f (str \"x\" {y}))} \"!\")"
    );
    let ExprKind::Str(parts) = &value.kind else { panic!() };
    let StrPart::Interp(sum) = &parts[1] else { panic!() };
    assert_eq!(&src[sum.span.range()], "a + b");
    let ExprKind::Binary { rhs, .. } = &sum.kind else {
        panic!()
    };
    assert_eq!(&src[rhs.span.range()], "b");
    let StrPart::Interp(call) = &parts[3] else { panic!() };
    let ExprKind::Call { args, .. } = &call.kind else {
        panic!()
    };
    let ExprKind::Str(inner) = &args[0].value.kind else {
        panic!()
    };
    let StrPart::Interp(y) = &inner[1] else { panic!() };
    assert_eq!(&src[y.span.range()], "y");
}

#[test]
fn interpolations_may_hold_braces() {
    assert_eq!(expr_of(r#""{ {1} }""#), "(str {{tail 1}})");
}

#[test]
fn bad_escapes_and_interpolations_are_reported() {
    assert_eq!(codes(r#"fn f() { let s = "\q"; }"#), ["E0003"]);
    assert_eq!(codes(r#"fn f() { let s = "\u{110000}"; }"#), ["E0003"]);
    assert_eq!(codes(r#"fn f() { let s = "{}"; }"#), ["E0023"]);
    assert_eq!(codes(r#"fn f() { let s = "{a +}"; }"#), ["E0005"]);
    assert_eq!(codes("fn f() { let s = \"abc;\n}"), ["E0002"]);
    assert_eq!(codes(r#"test "a {x}" {}"#), ["E0025"]);
}

fn fuzzy(src: &str) -> FuzzyFnDecl {
    let file = parse_ok(src);
    match file.items.into_iter().next() {
        Some(Item::Fuzzy(f)) => f,
        other => panic!("not a fuzzy fn: {other:?}"),
    }
}

#[test]
fn fuzzy_docstrings_split_into_description_and_examples() {
    let src =
        "/// Decide whether an SMS is spam.\n/// Spam: prizes.\n///\n/// >>> sms_is_spam(\"Are we on?\")\n/// false\n\
               /// >>> sms_is_spam(\"WINNER!! \\u00e9\")\n/// true\nfuzzy fn sms_is_spam(message: str) -> bool\n";
    let f = fuzzy(src);
    assert_eq!(f.description, "Decide whether an SMS is spam.\nSpam: prizes.");
    assert_eq!(f.examples.len(), 2);
    let e = &f.examples[1];
    assert_eq!(e.callee.name, "sms_is_spam");
    assert_eq!(e.args[0].kind, ValueLitKind::Str("WINNER!! é".to_string()));
    assert_eq!(e.expected.kind, ValueLitKind::Bool(true));
    assert_eq!(&src[e.expected.span.range()], "true");
    assert_eq!(&src[e.args[0].span.range()], "\"WINNER!! \\u00e9\"");
    assert_eq!(&src[e.call_span.range()], ">>> sms_is_spam(\"WINNER!! \\u00e9\")");
}

#[test]
fn example_values_of_every_kind() {
    let f = fuzzy(
        "/// >>> f(1, -2.5, none, null, billing, [1, \"a\"], {cron: \"0 9 * * 1-5\", \"k\": {\"n\": [true]}})\n\
         /// {\"json\": [1, 2.0e3, null]}\nfuzzy fn f(a: int) -> json",
    );
    let e = &f.examples[0];
    use ValueLitKind::*;
    let kinds: Vec<_> = e.args.iter().map(|a| &a.kind).collect();
    assert_eq!(kinds[0], &Int(1));
    assert_eq!(kinds[1], &Float(-2.5));
    assert_eq!(kinds[2], &Null);
    assert_eq!(kinds[3], &Null);
    assert_eq!(kinds[4], &Word("billing".into()));
    assert!(matches!(kinds[5], List(items) if items.len() == 2 && items[1].kind == Str("a".into())));
    let Object(fields) = kinds[6] else { panic!() };
    assert_eq!(fields[0].0.name, "cron");
    assert_eq!(fields[0].1.kind, Str("0 9 * * 1-5".into()));
    assert_eq!(fields[1].0.name, "k");
    let Object(json) = &e.expected.kind else { panic!() };
    assert!(matches!(&json[0].1.kind, List(v) if v[1].kind == Float(2000.0) && v[2].kind == Null));
}

#[test]
fn malformed_examples_point_at_their_line() {
    let src = "/// >>> f(1)\nfuzzy fn f(a: int) -> int\n";
    let (_, d) = parse(src);
    assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0015"]);
    assert_eq!(&src[d[0].primary.span.range()], ">>> f(1)");

    let src = "/// >>> f(1)\n/// [1, 2\nfuzzy fn f(a: int) -> list[int]\n";
    let (_, d) = parse(src);
    assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0016"]);
    assert_eq!(d[0].primary.span.start as usize, src.find("[1, 2").unwrap() + 5);

    assert_eq!(codes("/// >>> just words\n/// 1\nfuzzy fn f() -> int\n"), ["E0017"]);
    assert_eq!(codes("/// >>> f(\"a\" \"b\")\n/// 1\nfuzzy fn f() -> int\n"), ["E0016"]);
}

#[test]
fn parse_value_reads_one_value_at_an_offset() {
    let text = "xx {a: [1, 2], b: \"q\"}";
    let (v, d) = paw_syntax::parse_value(FileId(3), text, 3);
    assert!(d.is_empty());
    assert_eq!(v.span.start, 3);
    assert_eq!(v.span.file, FileId(3));
    let ValueLitKind::Object(fields) = v.kind else { panic!() };
    assert_eq!(fields[1].1.span.start as usize, text.find("\"q\"").unwrap());

    let (v, d) = paw_syntax::parse_value(FileId(0), "1 2", 0);
    assert_eq!(v.kind, ValueLitKind::Int(1));
    assert_eq!(d.len(), 1);
    let (v, d) = paw_syntax::parse_value(FileId(0), "99999999999999999999", 0);
    assert_eq!((v.kind, d.len()), (ValueLitKind::Error, 1));
}

#[test]
fn doc_comments_that_document_nothing_are_warned_about() {
    let (file, d) = parse("fn f() {\n    /// inside\n    let x = 1;\n}\n/// at the end\n");
    assert_eq!(file.items.len(), 1);
    assert_eq!(
        d.iter().map(|d| (d.code, d.is_error())).collect::<Vec<_>>(),
        [("W0001", false), ("W0001", false)]
    );
}
