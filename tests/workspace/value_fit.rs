//! One rule for "is this JSON a value of that type": the executor's conversion of a fuzzy answer
//! (`paw_runtime::fuzzy::value_from_json`, over HIR types) accepts exactly what the model side's check accepts
//! (`paw_fuzzy::fits`, over the artifact's types), on values that probe every kind of type.

use paw_check::{check_file, NoLoader};
use paw_diagnostics::Files;
use serde_json::{json, Value};

const SOURCE: &str = r#"
enum Level {
    low,
    high,
}

struct Alert {
    level: Level,
    note: str?,
    tags: list[str],
    score: float,
    count: int,
    ok: bool,
    extra: json,
}

/// Read an alert.
fuzzy fn read_alert(text: str) -> Alert?
"#;

#[test]
fn the_executor_and_the_model_side_accept_the_same_answers() {
    let mut files = Files::new();
    let file = files.add("main.pw", SOURCE.to_string());
    let checked = check_file(&mut files, file, &NoLoader);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let program = &checked.program;
    let func = &program.fuzzy[0];
    let spec = paw_artifact::spec_of(func, program).unwrap();

    let alert = json!({"level": "high", "note": null, "tags": ["a"], "score": 1, "count": 2, "ok": true, "extra": {}});
    let with = |field: &str, v: Value| {
        let mut a = alert.clone();
        a[field] = v;
        a
    };
    let without = |field: &str| {
        let mut a = alert.clone();
        a.as_object_mut().unwrap().remove(field);
        a
    };
    let cases = [
        (Value::Null, true),
        (alert.clone(), true),
        (with("note", json!("n")), true),
        (with("score", json!(1.5)), true),
        (with("extra", json!([1, "x", null])), true),
        (with("tags", json!([])), true),
        (with("level", json!("medium")), false),
        (with("level", json!(1)), false),
        (with("count", json!(1.5)), false),
        (with("count", json!("2")), false),
        (with("ok", json!("true")), false),
        (with("tags", json!(["a", 1])), false),
        (with("note", json!(3)), false),
        (with("surplus", json!(1)), false),
        (without("note"), false),
        (without("count"), false),
        (json!("high"), false),
        (json!([]), false),
    ];
    for (value, expected) in cases {
        let executor = paw_runtime::fuzzy::value_from_json(&value, &func.ret, program).is_ok();
        let model_side = paw_fuzzy::fits(&value, &spec.ret);
        assert_eq!((executor, model_side), (expected, expected), "{value}");
    }
}
