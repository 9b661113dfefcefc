//! One run reports every independent syntax error, and the well-formed items around them survive.

mod support;

use paw_syntax::ast::Item;
use support::*;

#[test]
fn several_errors_in_one_file() {
    let src = "fn a() {\n    let x = 1\n    let y = 2;\n}\n\
               fn b() {\n    if x = 1 { }\n}\n\
               struct S { x: int }\n\
               fn c() {\n    let p = Point { x: 1 };\n    let q;\n}\n\
               fn d() -> int { 1 }\n";
    let (file, diagnostics) = parse(src);
    let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0006", "E0009", "E0011", "E0010"]);
    let names: Vec<_> = file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Fn(f) => Some(f.name.name.as_str()),
            Item::Struct(s) => Some(s.name.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["a", "b", "S", "c", "d"]);
}

#[test]
fn garbage_between_items_is_one_error_item() {
    let (file, diagnostics) = parse("fn a() {}\n@@ 1 2 3\nfn b() {}\n");
    assert_eq!(
        diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["E0001", "E0001", "E0005"]
    );
    assert!(matches!(file.items.last(), Some(Item::Fn(f)) if f.name.name == "b"));
}

#[test]
fn a_statement_error_does_not_hide_the_next_function() {
    let (file, diagnostics) = parse("fn a() { let = 3; }\nfn b() { x + ; }\nfn c() {}\n");
    assert_eq!(diagnostics.len(), 2);
    assert_eq!(file.items.len(), 3);
}
