//! The natives of every standard module, called from `.pw` programs.

mod support;

use support::*;

#[test]
fn prelude() {
    let r = run("struct P { x: int }\nfn main() {\n    print(1);\n    eprint(\"to stderr\");\n    assert(true);\n    assert_eq([1], [1]);\n    print(to_str(2.5) + to_str(true));\n    print(to_json(P(x: 1)));\n}\n");
    assert!(r.result.is_ok());
    assert_eq!(r.stdout, "1\n2.5true\n{\"x\":1}\n");
    assert_eq!(r.stderr, "to stderr\n");
}

#[test]
fn std_text() {
    let out = output(
        r#"
fn main() {
    let s = "  Hello, World  ";
    print(s.len());
    print(s.trim().split(", "));
    print("a\nb\n".lines());
    print("{s.trim().lower()} {s.trim().upper()}");
    print("{s.contains("World")} {"abc".starts_with("ab")} {"abc".ends_with("bc")}");
    print("a-b-c".replace("-", "+"));
    print("{"hello".find("l")} {"hello".find("z") ?? -1}");
    print("héllo".slice(1, 3));
    print(["x", "y"].join(", "));
    print("{"42".parse_int() ?? 0} {" 7 ".parse_int() ?? -1} {"2.5".parse_float() ?? 0.0}");
    print("héj".chars());
    print("ab".repeat(2));
    print("[{"ab".pad_right(4)}] [{"ab".pad_left(4)}]");
}
"#,
    );
    assert_eq!(
        out,
        "16\n[\"Hello\", \"World\"]\n[\"a\", \"b\"]\nhello, world HELLO, WORLD\ntrue true true\na+b+c\n2 -1\nél\nx, y\n42 7 2.5\n[\"h\", \"é\", \"j\"]\nabab\n[ab  ] [  ab]\n"
    );
}

#[test]
fn std_list() {
    let out = output(
        r#"
fn main() {
    let xs = [3, 1, 2];
    xs.push(5);
    print("{xs.len()} {xs.pop() ?? 0} {xs}");
    print(xs.map(|x| x * 10));
    print(xs.filter(|x| x > 1));
    print(xs.fold(0, |acc, x| acc + x));
    print("{xs.sort()} {xs}");
    print(["bb", "a", "ccc"].sort_by(|s| s.len()));
    print(xs.reverse());
    print("{xs.contains(2)} {xs.contains(9)}");
    print(xs.indices());
    print(["a", "b"].enumerate(|i, s| "{i}{s}"));
    print([1, 2].zip(["x", "y"], |n, s| "{s}{n}"));
    print("{xs.first() ?? 0} {xs.last() ?? 0} {xs.slice(1, 3)}");
    print("{xs.any(|x| x > 2)} {xs.all(|x| x > 2)} {xs.sum()} {[0.5, 0.25].sum()}");
    let empty: list[int] = [];
    print("{empty.first() ?? -1} {empty.pop() ?? -1}");
}
"#,
    );
    assert_eq!(
        out,
        "4 5 [3, 1, 2]\n[30, 10, 20]\n[3, 2]\n6\n[1, 2, 3] [3, 1, 2]\n[\"a\", \"bb\", \"ccc\"]\n[2, 1, 3]\ntrue false\n[0, 1, 2]\n[\"0a\", \"1b\"]\n[\"x1\", \"y2\"]\n3 2 [1, 2]\ntrue false 6 0.75\n-1 -1\n"
    );
}

#[test]
fn std_dict() {
    let out = output(
        r#"
use std.dict

fn main() {
    let d: dict[str, int] = dict.new();
    d["b"] = 2;
    d.set("a", 1);
    d["b"] += 10;
    print("{d.len()} {d.get("a") ?? 0} {d.get("z") ?? 0} {d.contains("b")}");
    print("{d.keys()} {d.values()} {d}");
    print("{d.remove("b") ?? 0} {d.remove("b") ?? 0} {d.len()}");
    let by_id: dict[int, str] = dict.new();
    by_id[7] = "seven";
    print(by_id[7]);
}
"#,
    );
    assert_eq!(
        out,
        "2 1 0 true\n[\"b\", \"a\"] [12, 1] {\"b\": 12, \"a\": 1}\n12 0 1\nseven\n"
    );
}

#[test]
fn std_json() {
    let out = output(
        r#"
use std.json

fn main() {
    let j = json.parse("\{\"name\": \"Ada\", \"tags\": [\"x\", \"y\"], \"age\": 36, \"ok\": true, \"none\": null}");
    print("{j["name"].as_str()} {j["age"].as_int()} {j["age"].as_float()} {j["ok"].as_bool()} {j["none"].is_null()}");
    print("{j["tags"][1]} {j["tags"].len()} {j.keys()} {j["tags"].items()}");
    print("{j.kind()} {j["tags"].kind()} {(j.get("missing") ?? to_json("absent")).as_str()} {j.get("age") ?? to_json(0)}");
    let o = json.set(json.object(), "k", to_json([1, 2]));
    print("{json.stringify(o)} {o["k"][0]}");
    print(json.pretty(json.parse("\{\"a\": 1}")));
    print("{json.try_parse("\{") == none} {json.try_parse("1") ?? to_json(0)}");
    let copy = j["tags"];
    print(json.set(j, "name", to_json("Bob"))["name"].as_str() + " " + j["name"].as_str() + " " + json.stringify(copy));
}
"#,
    );
    assert_eq!(
        out,
        "Ada 36 36.0 true true\n\"y\" 2 [\"name\", \"tags\", \"age\", \"ok\", \"none\"] [\"x\", \"y\"]\nobject array absent 36\n{\"k\":[1,2]} 1\n{\n  \"a\": 1\n}\ntrue 1\nBob Ada [\"x\",\"y\"]\n"
    );
}

#[test]
fn std_io_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let source = format!(
        "use std.io\n\nfn main() {{\n    io.write_file(\"{0}\", \"one\\ntwo\\n\");\n    print(io.read_file(\"{0}\").len());\n    print(io.read_lines(\"{0}\"));\n    print(io.env(\"PAW_SURELY_UNSET_VARIABLE\") ?? \"unset\");\n}}\n",
        path.display()
    );
    assert_eq!(output(&source), "8\n[\"one\", \"two\"]\nunset\n");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
}

#[test]
fn std_math() {
    let out = output(
        r#"
use std.math

fn main() {
    print("{(-3).abs()} {(-2.5).fabs()} {math.min(2, 5)} {math.max(2, 5)} {3.to_float()} {2.9.to_int()}");
    print("{2.5.floor()} {2.5.ceil()} {2.5.round()} {16.0.sqrt()} {math.pow(2.0, 10.0)} {1.0.exp().ln()}");
    print(math.pi() > 3.14);
}
"#,
    );
    assert_eq!(out, "3 2.5 2 5 3.0 2\n2 3 3 4.0 1024.0 1.0\ntrue\n");
}
