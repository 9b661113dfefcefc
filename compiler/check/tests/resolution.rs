//! Names, methods and modules on real sources: method lookup order, `use` of user and standard modules,
//! projects of several files, import cycles, duplicates and suggestions.

mod support;

use support::*;

#[test]
fn builtin_types_get_the_methods_of_their_standard_module_without_use() {
    assert_clean(
        r#"
use std.dict

fn main() {
    let s = "  Hello, World ".trim().lower();
    let parts = s.split(", ");
    let joined = parts.join("+");
    let n = [3, 1, 2].sort().len();
    let d: dict[str, int] = dict.new();
    d["a"] = 1;
    let keys = d.keys();
    let root = 2.0.sqrt();
    print("{joined} {n} {keys} {root} {7.abs()}");
}
"#,
    );
}

#[test]
fn a_list_of_strings_gets_std_text_functions_that_take_a_list() {
    assert_clean("fn main() {\n    print([\"a\", \"b\"].join(\"-\"));\n}\n");
}

#[test]
fn functions_of_the_current_module_are_methods_and_win_over_the_standard_module() {
    assert_clean(
        r#"
struct Point { x: int, y: int }

fn norm1(p: Point) -> int { p.x.abs() + p.y.abs() }

/// Shadows std.text.len for strings in this module.
fn len(_s: str) -> int { 42 }

fn main() {
    let p = Point(x: 3, y: -4);
    let n: int = p.norm1();
    assert_eq(n + "abc".len(), 49);
    // A function of this module that does not take the receiver is passed over.
    assert_eq([1, 2].len(), 2);
}
"#,
    );
}

#[test]
fn unknown_method_suggests_a_close_name() {
    let (d, files) = only("fn main() {\n    print(\"abc\".uper());\n}\n", "E0107");
    assert_eq!(primary_text(&d, &files), "uper");
    assert_eq!(d.help.as_deref(), Some("did you mean `upper`?"));
    let (d, _) = only("fn main() {\n    print([1].length());\n}\n", "E0107");
    assert_eq!(d.help.as_deref(), Some("the function is `len`"));
}

#[test]
fn a_method_whose_first_parameter_does_not_fit_is_not_found() {
    let (d, _) = only("fn main() {\n    print(3.trim());\n}\n", "E0107");
    assert_eq!(d.message, "no method `trim` on `int`");
    let (d, _) = only(
        "struct Square { side: int }\nfn area(s: Square) -> int { s.side }\nfn main() {\n    print(3.area());\n}\n",
        "E0107",
    );
    assert_eq!(d.help.as_deref(), Some("`area` takes a `Square` first, not a `int`"));
}

#[test]
fn modules_need_use_and_report_unknown_items() {
    assert_clean("use std.io\n\nfn main() {\n    print(io.args());\n}\n");
    let (d, files) = only("fn main() {\n    print(io.args());\n}\n", "E0101");
    assert_eq!(primary_text(&d, &files), "io");
    let (d, files) = only(
        "use std.json\n\nfn main() {\n    print(json.parsee(\"1\"));\n}\n",
        "E0101",
    );
    assert_eq!(primary_text(&d, &files), "parsee");
    assert!(d.help.as_deref().unwrap().contains("`parse`"));
    let (d, _) = only("use std.txt\n\nfn main() {}\n", "E0103");
    assert!(d.help.as_deref().unwrap().contains("std.text"), "{:?}", d.help);
}

#[test]
fn a_single_file_uses_a_module_beside_it() {
    let helpers =
        "/// Trimmed and lower-cased.\nfn clean(s: str) -> str { s.trim().lower() }\n\nstruct Record { name: str }\n";
    let (checked, files) = check_with(
        "use helpers\n\nfn main() {\n    let r = helpers.Record(name: helpers.clean(\" A \"));\n    print(r.name);\n}\n",
        &[("helpers", helpers)],
    );
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        paw_diagnostics::render::render_all(&checked.diagnostics, &files, false)
    );
}

#[test]
fn a_project_of_several_files_with_an_import_cycle_checks() {
    let main = "use shapes\nuse geometry\n\nfn main() {\n    let s = shapes.Square(side: 2);\n    print(geometry.area(s));\n}\n";
    let shapes = "use geometry\n\nstruct Square { side: int }\n\nfn describe(s: Square) -> str { \"area {geometry.area(s)}\" }\n";
    let geometry = "use shapes\n\nfn area(s: shapes.Square) -> int { s.side * s.side }\n\nfn label(s: shapes.Square) -> str { shapes.describe(s) }\n";
    let (checked, files) = check_project(&[("main", main), ("shapes", shapes), ("geometry", geometry)]);
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        paw_diagnostics::render::render_all(&checked.diagnostics, &files, false)
    );
    assert!(checked.entry_point().is_ok());
}

#[test]
fn methods_of_a_struct_are_found_in_its_declaring_module() {
    let shapes = "struct Square { side: int }\n\nfn area(s: Square) -> int { s.side * s.side }\n";
    let (checked, files) = check_with(
        "use shapes\n\nfn main() {\n    print(shapes.Square(side: 3).area());\n}\n",
        &[("shapes", shapes)],
    );
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        paw_diagnostics::render::render_all(&checked.diagnostics, &files, false)
    );
}

#[test]
fn errors_in_another_module_point_into_that_file() {
    let (checked, files) = check_with(
        "use helpers\n\nfn main() {\n    print(helpers.f());\n}\n",
        &[("helpers", "fn f() -> int { \"x\" }\n")],
    );
    assert_eq!(checked.diagnostics.len(), 1);
    assert_eq!(files.get(checked.diagnostics[0].primary.span.file).name, "helpers.pw");
}

#[test]
fn duplicates_are_reported_once_with_the_first_definition() {
    let (d, files) = only(
        "fn f(a: int) -> int { a }\nfn f(a: int) -> int { a + 1 }\nfn main() {\n    print(f(1));\n}\n",
        "E0104",
    );
    assert_eq!(primary_text(&d, &files), "f");
    assert_eq!(d.secondary[0].message, "first defined here");
    assert_eq!(codes("struct P { x: int, x: int }\nfn main() {}\n"), vec!["E0104"]);
    assert_eq!(codes("enum E { a, a }\nfn main() {}\n"), vec!["E0104"]);
    assert_eq!(
        codes("fn f(a: int, a: int) -> int { a }\nfn main() {}\n"),
        vec!["E0104"]
    );
}

#[test]
fn unknown_names_suggest_locals_and_items() {
    let (d, _) = only(
        "fn main() {\n    let total = 3;\n    print(totl + total);\n}\n",
        "E0101",
    );
    assert_eq!(d.message, "cannot find `totl` in this scope");
    assert!(d.help.as_deref().unwrap().contains("`total`"));
    let (d, _) = only("fn main() {\n    pritn(1);\n}\n", "E0101");
    assert!(d.help.as_deref().unwrap().contains("`print`"));
}

#[test]
fn a_variable_is_not_visible_outside_its_block() {
    assert_eq!(
        codes("fn main() {\n    if true {\n        let x = 1;\n        print(x);\n    }\n    print(x);\n}\n"),
        vec!["E0101"]
    );
}

#[test]
fn types_and_modules_are_not_values() {
    assert_eq!(
        codes("enum Team { a, b }\nfn main() {\n    let t = Team;\n    print(t);\n}\n"),
        vec!["E0108"]
    );
    assert_eq!(
        codes("use std.io\nfn main() {\n    let m = io;\n    print(m);\n}\n"),
        vec!["E0108"]
    );
    assert_eq!(
        codes("struct P { x: int }\nfn main() {\n    print(P);\n}\n"),
        vec!["E0108"]
    );
}

#[test]
fn unknown_types_suggest_close_names() {
    let (d, _) = only(
        "struct Point { x: int }\nfn f(_p: Piont) -> int { 1 }\nfn main() {}\n",
        "E0102",
    );
    assert!(d.help.as_deref().unwrap().contains("`Point`"), "{:?}", d.help);
    assert_eq!(codes("fn f(_d: dict[str]) {}\nfn main() {}\n"), vec!["E0205"]);
    assert_eq!(codes("fn f(_d: dict[float, int]) {}\nfn main() {}\n"), vec!["E0207"]);
    assert_eq!(codes("fn f(_x: int??) {}\nfn main() {}\n"), vec!["E0206"]);
}

#[test]
fn main_must_take_nothing_and_return_nothing() {
    assert_eq!(codes("fn main(_x: int) {}\n"), vec!["E0219"]);
    assert_eq!(codes("fn main() -> int { 1 }\n"), vec!["E0219"]);
    let (checked, _) = check("fn helper() {}\n");
    assert!(checked.diagnostics.is_empty());
    assert_eq!(checked.entry_point().unwrap_err().code, "E0220");
}
