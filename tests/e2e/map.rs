//! `pawc map` on the tiny model: answers equal `pawc eval`'s and `pawc run`'s, a truncated `--out` is continued
//! without redoing its rows, bad rows are reported with their line numbers and the run goes on to exit 1.

use serde_json::{json, Value};

use crate::tiny::TinyProject;
use crate::{assert_exit, stderr, stdout};

fn results(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The rows of `urgency` in `rows.jsonl` (line 2 is blank and lines 4 to 7 are bad), and the good ones' args.
fn urgency_rows(project: &TinyProject) -> Vec<Value> {
    let rows = [
        r#"{"args": ["site down", 2]}"#,
        "",
        r#"{"fn": "urgency", "args": ["typo on page", 30]}"#,
        r#"{"args": ["no closing bracket", 3"#,
        r#"{"args": ["one argument"]}"#,
        r#"{"args": ["days as text", "three"]}"#,
        r#"{"fn": "is_alert", "args": ["for another function", 1]}"#,
        r#"{"args": ["payment failed", 0], "expected": "high"}"#,
        "  ",
        r#"{"args": ["question about invoice", 12]}"#,
    ];
    std::fs::write(project.path("rows.jsonl"), rows.join("\n") + "\n").unwrap();
    vec![
        json!(["site down", 2]),
        json!(["typo on page", 30]),
        json!(["payment failed", 0]),
        json!(["question about invoice", 12]),
    ]
}

#[test]
fn map_answers_as_eval_does_and_reports_bad_rows_with_their_lines() {
    let project = TinyProject::new(&[]);
    let good = urgency_rows(&project);
    let out = project.pawc(&["map", "urgency", "rows.jsonl"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    for wanted in [
        "line 4 of rows.jsonl: invalid JSON",
        "line 5 of rows.jsonl: 1 arguments, but `urgency(text: str, days: int) -> Level` takes 2",
        "line 6 of rows.jsonl: argument `days` is \"three\", which is not a `int`",
        "line 7 of rows.jsonl: the row is for `is_alert`, not `urgency`",
        "4 rows of 8 could not be answered",
    ] {
        assert!(err.contains(wanted), "missing {wanted:?} in\n{err}");
    }
    let got = results(&stdout(&out));
    let lines: Vec<u64> = got.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [1, 3, 4, 5, 6, 7, 8, 10], "every non-blank line, in input order");
    for bad in &got[2..6] {
        assert!(bad["error"].is_string() && bad.get("value").is_none(), "{bad}");
    }
    let cases: Vec<Value> = good.iter().map(|args| json!({"fn": "urgency", "args": args})).collect();
    let answered: Vec<Value> = [&got[0], &got[1], &got[6], &got[7]]
        .iter()
        .map(|r| json!({"value": r["value"], "confidence": r["confidence"]}))
        .collect();
    assert_eq!(answered, project.eval(&cases), "map answers as eval does");
}

#[test]
fn a_text_file_is_one_input_per_line_and_answers_as_run_does() {
    let project = TinyProject::new(&[]);
    std::fs::write(project.path("lines.log"), "disk full\n\nall good\n").unwrap();
    let out = project.pawc(&["map", "main.is_alert", "lines.log"]);
    assert_exit(&out, 0);
    let got = results(&stdout(&out));
    assert_eq!(got.len(), 2);
    assert_eq!((got[0]["line"].clone(), got[1]["line"].clone()), (json!(1), json!(3)));
    let run = project.pawc(&["run", "."]);
    assert_exit(&run, 0);
    assert_eq!(
        stdout(&run).lines().next().unwrap(),
        got[0]["value"].to_string(),
        "`pawc run` answers is_alert(\"disk full\") the same"
    );

    let out = project.pawc(&["map", "urgency", "lines.log"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("lines.log is read as text") && stderr(&out).contains("write it as JSON Lines"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_truncated_out_file_is_continued_not_redone() {
    let project = TinyProject::new(&[]);
    urgency_rows(&project);
    let out = project.pawc(&["map", "urgency", "rows.jsonl", "--out", "out.jsonl"]);
    assert_exit(&out, 1);
    assert!(stdout(&out).is_empty(), "results go to --out only");
    let full = std::fs::read_to_string(project.path("out.jsonl")).unwrap();
    let full_results = results(&full);
    assert_eq!(full_results.len(), 8);

    // As if the first run had been killed while writing its third result; the first result is marked to show
    // that the continued run keeps it rather than answering its row again.
    let lines: Vec<&str> = full.lines().collect();
    let mut marked = full_results[0].clone();
    marked["confidence"] = json!(0.5);
    let torn = format!("{marked}\n{}\n{}", lines[1], &lines[2][..lines[2].len() / 2]);
    std::fs::write(project.path("out.jsonl"), torn).unwrap();
    let out = project.pawc(&["map", "urgency", "rows.jsonl", "--out", "out.jsonl"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("2 of 8 rows already answered"),
        "{}",
        stderr(&out)
    );
    let mut expected = full_results.clone();
    expected[0] = marked;
    assert_eq!(
        results(&std::fs::read_to_string(project.path("out.jsonl")).unwrap()),
        expected
    );

    // A finished file is left as it is; its recorded errors still make the exit code 1.
    let out = project.pawc(&["map", "urgency", "rows.jsonl", "--out", "out.jsonl"]);
    assert_exit(&out, 1);
    assert_eq!(
        results(&std::fs::read_to_string(project.path("out.jsonl")).unwrap()),
        expected
    );

    std::fs::write(project.path("other.jsonl"), "not a result\n").unwrap();
    let out = project.pawc(&["map", "urgency", "rows.jsonl", "--out", "other.jsonl"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("line 1 of other.jsonl is not a result of `pawc map`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_stale_function_is_refused_with_the_message_eval_gives() {
    let project = TinyProject::new(&["urgency"]);
    urgency_rows(&project);
    let map = project.pawc(&["map", "urgency", "rows.jsonl", "--project", "."]);
    assert_exit(&map, 1);
    let err = stderr(&map);
    assert!(
        err.contains("fuzzy fn `main.urgency`: stale — the spec changed since program")
            && err.contains("help: run `pawc build"),
        "{err}"
    );
    std::fs::write(
        project.path("cases.jsonl"),
        r#"{"fn": "is_alert", "args": ["x"], "expected": true}"#,
    )
    .unwrap();
    let eval = project.pawc(&["eval", ".", "--cases", "cases.jsonl"]);
    assert_exit(&eval, 1);
    assert_eq!(stderr(&eval), err, "the same message as eval's");

    let out = project.pawc(&["map", "nope", "rows.jsonl"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("no fuzzy fn `nope`") && stderr(&out).contains("`is_alert`, `urgency`"),
        "{}",
        stderr(&out)
    );
}
