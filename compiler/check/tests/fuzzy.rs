//! Fuzzy fn declarations on real sources: every form of DESIGN.md, example values typed against the
//! signature, invalid signatures.

mod support;

use paw_check::hir::ConstValue;
use support::*;

fn fuzzy(doc: &str, signature: &str) -> String {
    let doc: String = doc.lines().map(|l| format!("/// {l}\n")).collect();
    format!("{doc}fuzzy fn {signature}\n")
}

#[test]
fn the_fuzzy_forms_file_checks_cleanly_and_keeps_its_examples() {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/programs/ok/fuzzy_forms.pw"
    ))
    .unwrap();
    let (checked, files) = check(&source);
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        paw_diagnostics::render::render_all(&checked.diagnostics, &files, false)
    );
    let examples: usize = checked.program.fuzzy.iter().map(|f| f.examples.len()).sum();
    assert_eq!(examples, 12);
    let age = checked.program.fuzzy.iter().find(|f| f.name == "age_in").unwrap();
    assert_eq!(age.examples[1].expected, ConstValue::None);
}

#[test]
fn an_expected_value_of_the_wrong_type_points_at_that_line() {
    let source = fuzzy(
        "Whether a review is positive.\n\n>>> is_positive(\"great\")\nyes",
        "is_positive(review: str) -> bool",
    );
    let (d, files) = only(&source, "E0217");
    assert_eq!(primary_text(&d, &files), "yes");
    assert_eq!(files.line_col(d.primary.span).0, 4);
    assert_eq!(files.snippet(d.secondary[0].span), "bool");
    assert_eq!(d.secondary[0].message, "the return type is `bool`");
}

#[test]
fn argument_values_are_typed_against_the_parameters() {
    let source = fuzzy(">>> score(\"a\", \"b\")\n0.5", "score(text: str, weight: int) -> float");
    let (d, files) = only(&source, "E0217");
    assert_eq!(primary_text(&d, &files), "\"b\"");
    assert_eq!(d.secondary[0].message, "the parameter `weight` is `int`");
    assert_eq!(
        codes(&fuzzy(
            ">>> score(\"a\")\n0.5",
            "score(text: str, weight: int) -> float"
        )),
        vec!["E0202"]
    );
    assert_eq!(
        codes(&fuzzy(">>> scor(\"a\")\n0.5", "score(text: str) -> float")),
        vec!["E0218"]
    );
}

#[test]
fn an_int_is_accepted_for_a_float_and_an_enum_value_may_be_quoted() {
    let enum_src = "enum Mood {\n    happy,\n    sad,\n}\n";
    assert_clean(&(fuzzy(">>> sentiment(\"x\")\n1", "sentiment(text: str) -> float")));
    assert_clean(&format!(
        "{enum_src}{}",
        fuzzy(
            ">>> mood(\"x\")\n\"happy\"\n>>> mood(\"y\")\nsad",
            "mood(text: str) -> Mood"
        )
    ));
    let (d, _) = only(
        &format!(
            "{enum_src}{}",
            fuzzy(">>> mood(\"x\")\nhapy", "mood(text: str) -> Mood")
        ),
        "E0106",
    );
    assert!(d.help.as_deref().unwrap().contains("`happy`"));
    assert_eq!(
        codes(&fuzzy(">>> count(\"x\")\n1.5", "count(text: str) -> int")),
        vec!["E0217"]
    );
}

#[test]
fn lists_structs_optionals_and_json_values() {
    let task = "struct Task {\n    title: str,\n    minutes: int,\n}\n";
    assert_clean(&format!(
        "{task}{}",
        fuzzy(
            ">>> tasks(\"a\")\n[{title: \"a\", minutes: 5}]",
            "tasks(text: str) -> list[Task]"
        )
    ));
    assert_eq!(
        codes(&format!(
            "{task}{}",
            fuzzy(">>> task(\"a\")\n{title: \"a\"}", "task(text: str) -> Task")
        )),
        vec!["E0211"]
    );
    assert_eq!(
        codes(&format!(
            "{task}{}",
            fuzzy(
                ">>> task(\"a\")\n{title: \"a\", minutes: 5, due: 1}",
                "task(text: str) -> Task"
            )
        )),
        vec!["E0105"]
    );
    assert_eq!(
        codes(&format!(
            "{task}{}",
            fuzzy(
                ">>> task(\"a\")\n{title: \"a\", minutes: \"5\"}",
                "task(text: str) -> Task"
            )
        )),
        vec!["E0217"]
    );
    let (d, files) = only(
        &fuzzy(">>> tags(\"a\")\n[\"a\", 2]", "tags(text: str) -> list[str]"),
        "E0217",
    );
    assert_eq!(primary_text(&d, &files), "2");
    assert_eq!(d.secondary[0].message, "the return type is `list[str]`");
    assert_clean(&fuzzy(
        ">>> age(\"a\")\nnone\n>>> age(\"b\")\n3",
        "age(text: str) -> int?",
    ));
    assert_eq!(
        codes(&fuzzy(">>> age(\"a\")\nnull", "age(text: str) -> int")),
        vec!["E0217"]
    );
    assert_clean(&fuzzy(
        ">>> fix(\"a\")\n{\"a\": [1, 2.5, null, true, {\"b\": \"c\"}]}",
        "fix(text: str) -> json",
    ));
    assert_eq!(
        codes(&fuzzy(">>> fix(\"a\")\nbroken", "fix(text: str) -> json")),
        vec!["E0217"]
    );
}

#[test]
fn fuzzy_signatures_must_be_data_in_and_out() {
    assert_eq!(codes("fuzzy fn classify(text: str)\n"), vec!["E0216"]);
    assert_eq!(codes("fuzzy fn classify(f: fn(int) -> int) -> bool\n"), vec!["E0216"]);
    assert_eq!(codes("fuzzy fn classify(d: dict[str, int]) -> bool\n"), vec!["E0216"]);
    assert_eq!(codes("fuzzy fn classify(text: str) -> dict[str, int]\n"), vec!["E0216"]);
}

#[test]
fn fuzzy_fns_are_called_like_functions() {
    let source = format!(
        "{}fn main() {{\n    let spam: bool = is_spam(\"hi\");\n    print(spam);\n    print(is_spam(3));\n}}\n",
        fuzzy(">>> is_spam(\"x\")\nfalse", "is_spam(text: str) -> bool")
    );
    assert_eq!(codes(&source), vec!["E0201"]);
}
