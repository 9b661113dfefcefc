//! The remote backend (`--interpreter-url`, `[interpreter] url`) against a real OpenAI-compatible server:
//! llama-cpp-python's `llama_cpp.server`, built from PyPI into paw's cache by `tests/support/llama-server-venv.sh`
//! (once; many minutes on a fresh machine, reused after), started here on 127.0.0.1 with the interpreter model
//! file paw runs. A project "built" on the real interpreter with stand-in artifacts (the `--baseline prompt`
//! prompt, its real prefix state) answers the same calls locally and on the server.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use paw_artifact::{ArtifactStore, Head, HeadFit, LabelScope, PawLock};
use paw_cache::PawHome;
use serde_json::{json, Value};

use crate::fuzzy::{one_model_test_at_a_time, pawc_with_home, scratch_home};
use crate::tiny::TinyProject;
use crate::{assert_exit, repo, stderr, stdout};

const SOURCE: &str = r#"/// How urgent a support ticket is.
enum Level {
    /// Can wait for days
    low,
    /// Needs an answer today
    high,
}

/// Where a request goes: both start with the same token, so they are told apart by a second request.
enum Desk {
    /// Questions about an invoice
    billing_question,
    /// Refunds and wrong charges
    billing_dispute,
}

/// A meeting note's parts.
struct Meeting {
    person: str,
    day: str,
}

/// Is this server log line an alert that needs a human now (errors, crashes, full disks)?
fuzzy fn is_alert(line: str) -> bool

/// How urgent is this support ticket?
fuzzy fn urgency(text: str) -> Level

/// Which desk should handle this customer message?
fuzzy fn desk(message: str) -> Desk

/// The person met and the weekday, from a short meeting note.
fuzzy fn parse_meeting(note: str) -> Meeting

/// The city a travel request is about.
fuzzy fn city(request: str) -> str

fn main() {
    print("{is_alert("kernel panic on db-1")}");
}
"#;

/// `llama_cpp.server` on a free port of 127.0.0.1, serving `model`; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

/// The python of llama-cpp-python's venv, built by `tests/support/llama-server-venv.sh` when missing.
pub(crate) fn llama_cpp_python() -> PathBuf {
    let setup = repo().join("tests/support/llama-server-venv.sh");
    // The build's progress goes to the test's stderr (shown with --nocapture).
    let built = Command::new(&setup).stderr(Stdio::inherit()).output().unwrap();
    assert!(built.status.success(), "{} failed", setup.display());
    PathBuf::from(String::from_utf8(built.stdout).unwrap().trim())
}

impl Server {
    fn start(model: &Path) -> Server {
        let python = llama_cpp_python();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(python)
            .args([
                "-m",
                "llama_cpp.server",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .args(["--n_ctx", "2048", "--n_threads", "2", "--logits_all", "true", "--model"])
            .arg(model)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Uvicorn says when it listens; the rest of the log is drained so the server never blocks on it.
        let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
        let started = Instant::now();
        loop {
            let line = log.next().expect("the server exited before listening").unwrap();
            if line.contains("Uvicorn running") {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "the server did not start");
        }
        std::thread::spawn(move || log.for_each(drop));
        Server {
            child,
            url: format!("http://127.0.0.1:{port}/v1"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The interpreter model's verified file in the shared cache, fetched when missing.
pub(crate) fn interpreter_file(home: &Path) -> PathBuf {
    let out = pawc_with_home(home, home, &["model", "fetch", "interpreter"]);
    assert_exit(&out, 0);
    let out = pawc_with_home(home, home, &["model", "path", "interpreter"]);
    assert_exit(&out, 0);
    PathBuf::from(stdout(&out).trim())
}

/// Gives the artifact of the project's function `key` a head (written again: same id, new checksums).
fn set_head(project: &TinyProject, key: &str, head: Head) {
    let lock = PawLock::read(project.root()).unwrap().unwrap();
    let store = ArtifactStore::in_home(&PawHome::new(project.home.path()));
    let id = &lock.functions[key];
    let mut artifact = store.load(id).unwrap();
    artifact.meta.head = Some(HeadFit {
        examples: 8,
        l2: (!head.weights.is_empty()).then_some(0.1),
        cv_accuracy: 1.0,
        prompt_accuracy: 0.5,
    });
    artifact.head = Some(head);
    std::fs::remove_dir_all(store.path(id)).unwrap();
    store.write(&artifact).unwrap();
}

/// Each case's answer (`got`, or `error`) from `pawc eval --json` with `extra` flags.
fn answers(project: &TinyProject, cases: &[Value], extra: &[&str]) -> (Value, Vec<Value>) {
    let lines: Vec<String> = cases.iter().map(Value::to_string).collect();
    std::fs::write(project.path("cases.jsonl"), lines.join("\n")).unwrap();
    let mut args = vec!["eval", ".", "--cases", "cases.jsonl", "--json"];
    args.extend_from_slice(extra);
    let out = project.pawc(&args);
    assert_exit(&out, 0);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.get("error").unwrap_or(&c["got"]).clone())
        .collect();
    (report, got)
}

#[test]
fn the_remote_backend_answers_as_the_local_model_does_and_fails_with_the_server() {
    let _models = one_model_test_at_a_time();
    let home = scratch_home();
    let model = interpreter_file(home.path());
    let project = TinyProject::on_model(
        SOURCE,
        home,
        &model,
        "interpreter",
        Some(paw_neural::baseline_template),
        &[],
    );
    // `urgency` gets a head of a scale and biases only, which runs on the server as locally; `is_alert` one
    // with weights over the hidden state (d_model 896), which cannot.
    set_head(
        &project,
        "main.urgency",
        Head {
            scale: 1.5,
            bias: vec![0.4, -0.4],
            weights: vec![],
            label_scope: LabelScope::Whole,
        },
    );
    set_head(
        &project,
        "main.is_alert",
        Head {
            scale: 1.0,
            bias: vec![0.0, 0.0],
            weights: vec![vec![1e-4; 896]; 2],
            label_scope: LabelScope::Whole,
        },
    );
    let server = Server::start(&model);
    let case = |f: &str, arg: &str, expected: Value| json!({"fn": f, "args": [arg], "expected": expected});
    let cases = [
        case(
            "is_alert",
            "2024-05-01 12:00:03 ERROR payment-service: connection to database lost",
            json!(true),
        ),
        case(
            "is_alert",
            "2024-05-01 12:00:04 INFO web: GET /index.html 200 12ms",
            json!(false),
        ),
        case(
            "urgency",
            "The whole site is down and customers cannot pay!",
            json!("high"),
        ),
        case(
            "urgency",
            "Could you change the colour of my profile page some time?",
            json!("low"),
        ),
        case(
            "desk",
            "I was charged twice for the same order, I want my money back",
            json!("billing_dispute"),
        ),
        case(
            "desk",
            "What does the line 'service fee' on my invoice mean?",
            json!("billing_question"),
        ),
        case(
            "parse_meeting",
            "Lunch with Priya on Monday",
            json!({"person": "Priya", "day": "Monday"}),
        ),
        case("city", "Find me a hotel in Lisbon for next week", json!("Lisbon")),
    ];
    let (local_report, local) = answers(&project, &cases, &[]);
    let (remote_report, remote) = answers(&project, &cases, &["--interpreter-url", &server.url]);
    assert_eq!(local_report["where"], "local");
    assert_eq!(remote_report["where"], json!(server.url));
    assert_eq!(local_report["caveats"], json!({}));
    let caveats = remote_report["caveats"].as_object().unwrap();
    assert_eq!(caveats.keys().collect::<Vec<_>>(), ["is_alert"], "{caveats:?}");
    assert!(
        caveats["is_alert"].as_str().unwrap().contains("prompt alone"),
        "{caveats:?}"
    );
    eprintln!("local:  {local:?}\nremote: {remote:?}");
    // Labels (by first-token log-probabilities, with a head of scale and biases, and past a shared first
    // token) are decided as locally, and so is the struct generated under its grammar; `is_alert`'s hidden-state
    // weights are left out remotely, and are too small here to change an answer locally. Free text can part ways where the two engines' arithmetic differs: on
    // this machine the local model writes "Lisboa" for the last case and llama.cpp "Lisbon".
    assert_eq!(remote[..7], local[..7], "remote answers differ from local ones");
    assert!(
        remote[6]["person"].is_string() && remote[6]["day"].is_string(),
        "{}",
        remote[6]
    );
    assert!(remote[7].as_str().is_some_and(|city| !city.is_empty()), "{}", remote[7]);

    // `[interpreter] url` does what the flag does; `pawc run` and `pawc map` take it too.
    let manifest = format!(
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\n\n[interpreter]\nurl = \"{}\"\n",
        server.url
    );
    std::fs::write(project.path("paw.toml"), manifest).unwrap();
    let (_, from_manifest) = answers(&project, &cases[..2], &[]);
    assert_eq!(from_manifest, local[..2]);
    let run = project.pawc(&["run"]);
    assert_exit(&run, 0);
    std::fs::write(project.path("lines.txt"), "disk /var is 100% full\n").unwrap();
    let map = project.pawc(&["map", "is_alert", "lines.txt"]);
    assert_exit(&map, 0);
    assert!(stdout(&map).contains("\"value\""), "{}", stdout(&map));

    // A server that is gone fails the call with a message naming it, and nothing answers in its place.
    drop(server);
    let run = project.pawc(&["run"]);
    assert_exit(&run, 1);
    assert!(stderr(&run).contains("cannot be reached"), "{}", stderr(&run));
}

#[test]
fn an_unreachable_server_stops_eval_and_serve_before_any_call() {
    // The tiny model's file gives the tokenizer; nothing listens on port 9 of 127.0.0.1.
    let project = TinyProject::new(&[]);
    let url = "http://127.0.0.1:9/v1";
    std::fs::write(
        project.path("cases.jsonl"),
        r#"{"fn": "is_alert", "args": ["x"], "expected": true}"#,
    )
    .unwrap();
    let eval = project.pawc(&["eval", ".", "--cases", "cases.jsonl", "--interpreter-url", url]);
    assert_exit(&eval, 1);
    let err = stderr(&eval);
    assert!(
        err.contains("cannot be reached") && err.contains(url) && err.contains("[interpreter] url"),
        "{err}"
    );
    let serve = project.pawc(&["serve", ".", "--port", "0", "--interpreter-url", url]);
    assert_exit(&serve, 1);
    assert!(stderr(&serve).contains("cannot be reached"), "{}", stderr(&serve));
    let https = project.pawc(&[
        "eval",
        ".",
        "--cases",
        "cases.jsonl",
        "--interpreter-url",
        "https://x/v1",
    ]);
    assert_exit(&https, 1);
    assert!(stderr(&https).contains("not an http:// URL"), "{}", stderr(&https));
}
