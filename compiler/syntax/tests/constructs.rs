//! Every construct of docs/language.md parses to the expected tree shape.

mod support;

use paw_syntax::ast::*;
use support::*;

#[test]
fn items_of_every_kind() {
    let file = parse_ok(
        "use std.io\nuse helpers;\n\
         fn hypot(a: float, b: float) -> float { math.sqrt(a * a + b * b) }\n\
         fn greet(name: str) { print(name); }\n\
         native fn map[T, U](xs: list[T], f: fn(T) -> U) -> list[U]\n\
         native fn len[T](xs: list[T]) -> int;\n\
         fuzzy fn route(message: str) -> Team\n\
         fuzzy fn pick(a: int, b: str?) -> list[int];\n\
         struct Point { x: int, y: int, }\n\
         enum Team { billing, engineering, sales }\n\
         test \"adds\" { assert_eq(1 + 1, 2); }\n",
    );
    assert_eq!(
        items(&file),
        "use std.io\nuse helpers\n\
         fn hypot(a: float, b: float) -> float {tail (call (. math sqrt) (+ (* a a) (* b b)))}\n\
         fn greet(name: str) {(call print name);}\n\
         native fn map[T, U](xs: list[T], f: fn(T) -> U) -> list[U]\n\
         native fn len[T](xs: list[T]) -> int\n\
         fuzzy fn route(message: str) -> Team\n\
         fuzzy fn pick(a: int, b: str?) -> list[int]\n\
         struct Point { x: int, y: int }\n\
         enum Team { billing, engineering, sales }\n\
         test \"adds\" {(call assert_eq (+ 1 1) 2);}"
    );
}

#[test]
fn types() {
    let file = parse_ok("fn f(a: dict[str, list[int]], b: shapes.Point?, c: fn(int, str) -> bool?, d: fn()) {}");
    assert_eq!(
        items(&file),
        "fn f(a: dict[str, list[int]], b: shapes.Point?, c: fn(int, str) -> bool?, d: fn()) {}"
    );
}

#[test]
fn bindings_and_assignments() {
    assert_eq!(
        body("let name = \"paw\"; let n: int = 3; let mut total = 0; total += n; total -= 1; total *= 2; total /= 2; p.y = 10; xs[0] = 1;"),
        "{(let name (str \"paw\")) (let n: int 3) (let mut total 0) (Add total n) (Sub total 1) (Mul total 2) (Div total 2) (Set (. p y) 10) (Set (idx xs 0) 1)}"
    );
}

#[test]
fn precedence_loosest_first() {
    assert_eq!(expr_of("a ?? b || c && d == e"), "(?? a (|| b (&& c (== d e))))");
    assert_eq!(expr_of("0..n + 1 < 3"), "(< (.. 0 (+ n 1)) 3)");
    assert_eq!(expr_of("-a * b + c % d / e"), "(+ (* (- a) b) (/ (% c d) e))");
    assert_eq!(
        expr_of("!x.done() && y[1].z"),
        "(&& (! (call (. x done))) (. (idx y 1) z))"
    );
    assert_eq!(expr_of("a - b - c"), "(- (- a b) c)");
    assert_eq!(expr_of("(a + b) * c"), "(* (paren (+ a b)) c)");
}

#[test]
fn literals() {
    assert_eq!(
        expr_of("[1_000_000, 2.5, 1e-3, true, false, none, []]"),
        "[1000000 2.5 0.001 true false none []]"
    );
}

#[test]
fn calls_with_labels_fields_and_variants() {
    assert_eq!(expr_of("Point(x: 3, y: f(4))"), "(call Point x:3 y:(call f 4))");
    assert_eq!(expr_of("Team.billing"), "(. Team billing)");
    assert_eq!(
        expr_of("\"a,b\".split(\",\").len()"),
        "(call (. (call (. (str \"a,b\") split) (str \",\")) len))"
    );
}

#[test]
fn closures_at_the_lowest_precedence() {
    assert_eq!(
        expr_of("xs.filter(|x| x % 2 == 0).map(|x: int, y| x * 10)"),
        "(call (. (call (. xs filter) (|x| (== (% x 2) 0))) map) (|x: int, y| (* x 10)))"
    );
    assert_eq!(expr_of("|| 1 + 2"), "(|| (+ 1 2))");
    assert_eq!(
        expr_of("|x: int| { let y = x + 1; y * y }"),
        "(|x: int| {(let y (+ x 1)) tail (* y y)})"
    );
}

#[test]
fn if_else_chains_and_if_as_value() {
    assert_eq!(
        body("if a > 0.5 { print(1) } else if b { print(2) } else { print(3) }"),
        "{(if (> a 0.5) {tail (call print 1)} else (if b {tail (call print 2)} else {tail (call print 3)}))}"
    );
    assert_eq!(
        body("let l = if ok { \"y\" } else { \"n\" };"),
        "{(let l (if ok {tail (str \"y\")} else {tail (str \"n\")}))}"
    );
}

#[test]
fn loops_and_jumps() {
    assert_eq!(
        body("while q.len() > 0 { let i = q.pop(); break; } for i in 0..10 { continue; } return; return 1;"),
        "{(while (> (call (. q len)) 0) {(let i (call (. q pop))) break;}) (for i (.. 0 10) {continue;}) (return) (return 1)}"
    );
}

#[test]
fn match_arms_and_patterns() {
    assert_eq!(
        expr_of("match x { billing => \"B\", Team.sales => { 1 } some(age) => age, none => 0, _ => 2, }"),
        "(match x (billing => (str \"B\")) (Team.sales => {tail 1}) (some(age) => age) (none => 0) (_ => 2))"
    );
    assert_eq!(
        expr_of("match c { 200 => 1, -3 => 2, 1.5 => 3, \"s\" => 4, true => 5, other => 6 }"),
        "(match c (200 => 1) (-3 => 2) (1.5 => 3) (\"s\" => 4) (true => 5) (other => 6))"
    );
}

#[test]
fn block_like_statements_need_no_semicolon() {
    assert_eq!(body("match x { _ => 1 }\n(a)"), "{(match x (_ => 1)) tail (paren a)}");
    assert_eq!(body("if a { b() } -1"), "{(if a {tail (call b)}) tail (- 1)}");
    assert_eq!(body("{ 1 } { 2 };"), "{{tail 1} {tail 2};}");
}

#[test]
fn a_final_block_like_statement_stays_a_statement() {
    let file = parse_ok("fn f() -> int { if a { 1 } else { 2 } }");
    let Item::Fn(f) = &file.items[0] else { panic!() };
    let body = f.body.as_ref().unwrap();
    assert!(body.tail.is_none());
    assert!(matches!(body.stmts[0].kind, StmtKind::Expr { semi: false, .. }));
}

#[test]
fn docs_attach_to_items_fields_and_variants() {
    let file = parse_ok(
        "/// A point.\n/// On screen.\nstruct Point {\n    /// Left.\n    x: int,\n    y: int,\n}\n\
         /// Teams.\nenum Team {\n    /// Money.\n    billing,\n}\n/// Adds.\n// plain\nfn add() {}\n////commented out\nfn b() {}",
    );
    assert_eq!(
        items(&file),
        "#[doc \"A point.\\nOn screen.\"] struct Point { #[doc \"Left.\"] x: int, y: int }\n\
         #[doc \"Teams.\"] enum Team { #[doc \"Money.\"] billing }\n#[doc \"Adds.\"] fn add() {}\nfn b() {}"
    );
    assert_eq!(
        file.comments.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        ["// plain", "////commented out"]
    );
}

#[test]
fn spans_cover_their_source() {
    let src = "fn main() { let v = foo(1, 2) + bar; }";
    let file = parse_ok(src);
    let Item::Fn(f) = &file.items[0] else { panic!() };
    let StmtKind::Let { value, .. } = &f.body.as_ref().unwrap().stmts[0].kind else {
        panic!()
    };
    assert_eq!(&src[value.span.range()], "foo(1, 2) + bar");
    let ExprKind::Binary { lhs, .. } = &value.kind else {
        panic!()
    };
    assert_eq!(&src[lhs.span.range()], "foo(1, 2)");
    assert_eq!(&src[f.span.range()], src);
}

#[test]
fn the_standard_library_parses_cleanly() {
    for (name, src) in [
        ("list", include_str!("../../../stdlib/std/list.pw")),
        ("text", include_str!("../../../stdlib/std/text.pw")),
        ("io", include_str!("../../../stdlib/std/io.pw")),
        ("json", include_str!("../../../stdlib/std/json.pw")),
        ("dict", include_str!("../../../stdlib/std/dict.pw")),
        ("math", include_str!("../../../stdlib/std/math.pw")),
        ("prelude", include_str!("../../../stdlib/std/prelude.pw")),
    ] {
        let (file, diagnostics) = parse(src);
        assert!(diagnostics.is_empty(), "std.{name}: {diagnostics:#?}");
        assert!(!file.items.is_empty(), "std.{name} has items");
    }
}

#[test]
fn the_language_reference_example_parses() {
    parse_ok(
        r#"use std.io

/// Is this log line worth waking someone up for?
///
/// >>> is_alert("2024-05-01 12:00:01 ERROR disk /dev/sda1 is 98% full")
/// true
/// >>> is_alert("2024-05-01 12:00:02 INFO user alice logged in")
/// false
fuzzy fn is_alert(line: str) -> bool

fn main() {
    let lines = io.read_lines("app.log");
    let mut alerts = 0;
    for line in lines {
        if is_alert(line) {
            print("ALERT {line}");
            alerts += 1;
        }
    }
    print("{alerts} of {lines.len()} lines need attention");
}
"#,
    );
}
