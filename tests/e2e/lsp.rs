//! `pawc lsp`: the real binary over JSON-RPC on stdio, as an editor drives it; then headless Neovim as the
//! client, and the VS Code extension's package build. [`Client`] is also used by the real-model test in
//! `fuzzy.rs`, which hovers over a function it built.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

/// Guards against a hung server; no test measures time with it.
const HANG: Duration = Duration::from_secs(120);

/// A language client speaking JSON-RPC to `pawc lsp`, as an editor does.
pub(crate) struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications received while waiting for something else.
    notifications: Vec<Value>,
    next_id: i64,
    /// The version of each document this client last sent, so stale diagnostics can be told apart.
    versions: HashMap<String, i64>,
    /// The server's own `$PAW_HOME`, when the test gave it none.
    home: Option<tempfile::TempDir>,
}

impl Client {
    /// A server with an empty `$PAW_HOME` of its own.
    pub(crate) fn start(root: &Path) -> Client {
        let home = tempfile::tempdir().unwrap();
        let mut client = Client::start_with(root, home.path(), &[]);
        client.home = Some(home);
        client
    }

    /// A server run as `pawc lsp ARGS` with `PAW_HOME=paw_home`, initialized by a client that can refresh code lenses.
    pub(crate) fn start_with(root: &Path, paw_home: &Path, args: &[&str]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pawc"))
            .arg("lsp")
            .args(args)
            .env("PAW_HOME", paw_home)
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("pawc lsp starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = channel();
        std::thread::spawn(move || loop {
            let mut length = 0;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            stdout.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            notifications: Vec::new(),
            next_id: 0,
            versions: HashMap::new(),
            home: None,
        };
        let root_uri = uri(root);
        let capabilities = json!({ "workspace": { "codeLens": { "refreshSupport": true } } });
        let init = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": root_uri, "capabilities": capabilities }),
        );
        assert!(init["capabilities"]["hoverProvider"].as_bool().unwrap(), "{init}");
        client.notify("initialized", json!({}));
        client
    }

    fn record_version(&mut self, message: &Value) {
        if let Some(version) = message["params"]["textDocument"]["version"].as_i64() {
            let uri = message["params"]["textDocument"]["uri"].as_str().unwrap().to_string();
            self.versions.insert(uri, version);
        }
    }

    fn send(&mut self, message: Value) {
        self.record_version(&message);
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Writes several messages at once, so the server reads them together.
    fn send_all(&mut self, messages: &[Value]) {
        let mut bytes = Vec::new();
        for message in messages {
            self.record_version(message);
            let body = message.to_string();
            write!(bytes, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        }
        self.stdin.write_all(&bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    pub(crate) fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    pub(crate) fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// The whole response (`result` or `error`) to request `id`.
    pub(crate) fn response(&mut self, id: i64) -> Value {
        let is_ours = |m: &Value| m.get("id") == Some(&json!(id)) && m.get("method").is_none();
        if let Some(i) = self.notifications.iter().position(is_ours) {
            return self.notifications.remove(i);
        }
        loop {
            let message = self.incoming.recv_timeout(HANG).expect("the server answers");
            if is_ours(&message) {
                return message;
            }
            self.notifications.push(message);
        }
    }

    pub(crate) fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let response = self.response(id);
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    /// The diagnostics published for `uri` after the last message sent (earlier ones are stale).
    pub(crate) fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let version = self.versions.get(uri).copied();
        let is_ours = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
        };
        self.notifications.retain(|m| !is_ours(m));
        loop {
            let message = self.incoming.recv_timeout(HANG).expect("diagnostics are published");
            if is_ours(&message) {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.notifications.push(message);
        }
    }

    /// The next message with `method` from the server (a notification or a request), in the order they came.
    pub(crate) fn message(&mut self, method: &str) -> Value {
        if let Some(i) = self.notifications.iter().position(|m| m["method"] == method) {
            return self.notifications.remove(i);
        }
        loop {
            let message = self
                .incoming
                .recv_timeout(HANG)
                .unwrap_or_else(|_| panic!("the server sends {method}"));
            if message["method"] == method {
                return message;
            }
            self.notifications.push(message);
        }
    }

    pub(crate) fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "paw", "version": 1, "text": text } }),
        );
        uri
    }

    pub(crate) fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "pawc lsp exits cleanly after shutdown: {status}");
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } })
}

/// The (line, UTF-16 column) of the first `needle` in `text`, plus `shift` columns.
fn pos(text: &str, needle: &str, shift: usize) -> (u32, u32) {
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle:?} in the text"));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count() as u32;
    (line, (text[line_start..offset].encode_utf16().count() + shift) as u32)
}

pub(crate) fn at_text(uri: &str, text: &str, needle: &str, shift: usize) -> Value {
    let (line, character) = pos(text, needle, shift);
    at(uri, line, character)
}

const HELPERS: &str = "\
/// A point on the plane.
struct Point {
    /// Across.
    x: int,
    y: int,
}

enum Color {
    red,
    green,
}

/// Twice `n`.
fn twice(n: int) -> int {
    n * 2
}
";

const MAIN: &str = "\
use helpers

/// Is this log line worth waking someone up for?
///
/// >>> is_alert(\"ERROR disk full\")
/// true
fuzzy fn is_alert(line: str) -> bool

fn main() {
    let count = helpers.twice(21);
    let p = helpers.Point(x: count, y: 2);
    let total = p.x + p.y;
    print(\"café 😀 {total}\");
}
";

/// A project with two modules, written to a temporary directory.
fn project() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    std::fs::write(
        root.join("paw.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    std::fs::write(root.join("src/helpers.pw"), HELPERS).unwrap();
    std::fs::write(root.join("src/main.pw"), MAIN).unwrap();
    (tmp, root.join("src/main.pw"), root.join("src/helpers.pw"))
}

#[test]
fn lsp_diagnostics_follow_edits_with_codes_and_related_spans() {
    let (_tmp, main, helpers) = project();
    let root = main.parent().unwrap().parent().unwrap().to_path_buf();
    let broken = MAIN.replace("let total = p.x + p.y;", "let total: str = p.x + p.y;");
    std::fs::write(&main, &broken).unwrap();
    let check = crate::pawc(&["check", root.to_str().unwrap()]);
    crate::assert_exit(&check, 1);
    let mut client = Client::start(&root);
    let uri = client.open(&main, &broken);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "paw");
    let code = d["code"].as_str().unwrap();
    assert!(
        crate::stderr(&check).contains(code),
        "the same diagnostic as `pawc check`: {d}"
    );
    let (line, _) = pos(&broken, "let total", 0);
    assert_eq!(d["range"]["start"]["line"], line);
    // The span in the annotation that explains the expectation is related information.
    let related = d["relatedInformation"].as_array().expect("related spans");
    assert_eq!(related[0]["location"]["uri"], uri);

    // An incremental edit that fixes it: replace `str` with `int` by range (UTF-16 positions).
    let (line, character) = pos(&broken, "str = p.x", 0);
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": line, "character": character },
                                            "end": { "line": line, "character": character + 3 } }, "text": "int" }],
        }),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // An error in another module is published for that module's file.
    let helpers_uri = client.open(&helpers, &HELPERS.replace("n * 2", "n * \"2\""));
    assert_eq!(client.diagnostics(&helpers_uri).len(), 1);
    client.shutdown();
}

/// A module replaced by 2 MB of punctuation: the editor gets the first hundred of its problems and a note counting
/// the rest, and the server goes on answering requests about the other files.
#[test]
fn lsp_shows_a_hundred_problems_of_a_garbage_buffer_and_keeps_answering() {
    let (_tmp, main, helpers) = project();
    let root = main.parent().unwrap().parent().unwrap().to_path_buf();
    let mut client = Client::start(&root);
    let main_uri = client.open(&main, MAIN);
    let mut state = 7u64;
    let garbage: String = (0..2_000_000)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            b"!#$%&()*+,-./:;<=>?@[]^`{|}~ \n"[(state >> 33) as usize % 30] as char
        })
        .collect();
    let helpers_uri = client.open(&helpers, &garbage);
    let diagnostics = client.diagnostics(&helpers_uri);
    assert_eq!(diagnostics.len(), 101, "the first 100 and a count");
    let note = &diagnostics[100];
    assert_eq!(note["severity"], 3, "{note}");
    assert!(
        note["message"]
            .as_str()
            .unwrap()
            .contains("more problems in this file are not shown"),
        "{note}"
    );
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": main_uri } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(names.contains(&"main") && names.contains(&"is_alert"), "{symbols}");
    client.shutdown();
}

#[test]
fn lsp_hover_definition_references_and_rename() {
    let (_tmp, main, helpers) = project();
    let mut client = Client::start(main.parent().unwrap().parent().unwrap());
    let uri = client.open(&main, MAIN);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let helpers_uri = uri_of(&helpers);

    // Hover: a function from another module, with its docs; a local, with its type; a fuzzy fn and its build state.
    let hover = client.request("textDocument/hover", at_text(&uri, MAIN, "twice(21)", 1));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("fn twice(n: int) -> int") && text.contains("Twice `n`."),
        "{text}"
    );
    let hover = client.request("textDocument/hover", at_text(&uri, MAIN, "count, y", 2));
    assert!(
        hover["contents"]["value"].as_str().unwrap().contains("count: int"),
        "{hover}"
    );
    let hover = client.request("textDocument/hover", at_text(&uri, MAIN, "is_alert(line", 0));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("fuzzy fn is_alert(line: str) -> bool"), "{text}");
    assert!(text.contains("never built"), "{text}");
    let hover = client.request("textDocument/hover", at_text(&uri, MAIN, "x + p.y", 0));
    assert!(
        hover["contents"]["value"].as_str().unwrap().contains("Point.x: int"),
        "{hover}"
    );

    // Definition across files, and of a field.
    let def = client.request("textDocument/definition", at_text(&uri, MAIN, "twice(21)", 0));
    assert_eq!(def["uri"], helpers_uri);
    assert_eq!(def["range"]["start"]["line"], pos(HELPERS, "fn twice", 3).0);
    let def = client.request("textDocument/definition", at_text(&uri, MAIN, "y: 2", 0));
    assert_eq!(def["range"]["start"]["line"], pos(HELPERS, "    y: int", 0).0);

    // A local used inside a string after non-ASCII text: columns are UTF-16 code units.
    let hover = client.request("textDocument/hover", at_text(&uri, MAIN, "total}", 1));
    assert!(
        hover["contents"]["value"].as_str().unwrap().contains("total: int"),
        "{hover}"
    );
    assert_eq!(hover["range"]["start"], position(MAIN, "total}", 0));

    // References to a local.
    let refs = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": position(MAIN, "p.x", 0), "context": { "includeDeclaration": true } }),
    );
    let refs = refs.as_array().unwrap();
    assert_eq!(refs.len(), 3, "the declaration plus p.x and p.y: {refs:?}");

    // Rename a function: the declaration in helpers.pw and the call in main.pw.
    let edit = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": position(MAIN, "twice(21)", 0), "newName": "double" }),
    );
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes[&uri].as_array().unwrap().len(), 1);
    assert_eq!(changes[&helpers_uri].as_array().unwrap().len(), 1);
    assert_eq!(changes[&uri][0]["newText"], "double");
    // Names of the standard library cannot be renamed, and a keyword is not a name.
    let id = client.send_request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": position(MAIN, "print", 0), "newName": "show" }),
    );
    assert!(client.response(id)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("only names declared in this project"));
    let id = client.send_request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": position(MAIN, "count =", 0), "newName": "while" }),
    );
    assert!(client.response(id)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a valid name"));
    client.shutdown();
}

fn uri_of(path: &Path) -> String {
    uri(path)
}

fn position(text: &str, needle: &str, shift: usize) -> Value {
    let (line, character) = pos(text, needle, shift);
    json!({ "line": line, "character": character })
}

fn labels(completion: &Value) -> Vec<String> {
    completion
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lsp_completion_and_signature_help() {
    let (_tmp, main, _) = project();
    let mut client = Client::start(main.parent().unwrap().parent().unwrap());
    let uri = client.open(&main, MAIN);
    client.diagnostics(&uri);
    let edit = |client: &mut Client, text: &str, version: i32| {
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
        client.diagnostics(&uri);
    };

    // Module members after `helpers.`, struct fields and methods after `p.`, variants after `helpers.Color.`.
    let text = MAIN.replace(
        "    print(\"café 😀 {total}\");",
        "    helpers.\n    p.\n    helpers.Color.\n    total.\n    tot",
    );
    edit(&mut client, &text, 2);
    let members = labels(&client.request("textDocument/completion", at_text(&uri, &text, "helpers.\n", 8)));
    assert!(
        members.contains(&"twice".into()) && members.contains(&"Point".into()) && members.contains(&"Color".into()),
        "{members:?}"
    );
    let fields = labels(&client.request("textDocument/completion", at_text(&uri, &text, "p.\n", 2)));
    assert_eq!(fields[..2], ["x".to_string(), "y".to_string()], "{fields:?}");
    let variants = labels(&client.request("textDocument/completion", at_text(&uri, &text, "Color.\n", 6)));
    assert_eq!(variants, ["red", "green"]);
    let std_members = labels(&client.request("textDocument/completion", at_text(&uri, &text, "total.\n", 6)));
    assert!(
        std_members.contains(&"abs".into()) && std_members.contains(&"max".into()),
        "std.math for an int: {std_members:?}"
    );
    // Anywhere else: keywords, locals in scope, functions.
    let all = labels(&client.request("textDocument/completion", at_text(&uri, &text, "    tot", 7)));
    for expected in [
        "let", "while", "total", "count", "p", "is_alert", "main", "print", "helpers",
    ] {
        assert!(all.contains(&expected.to_string()), "{expected} in {all:?}");
    }

    // Signature help inside a call: the active parameter moves with the commas.
    let text = MAIN.replace("helpers.Point(x: count, y: 2)", "helpers.Point(x: count, ");
    edit(&mut client, &text, 3);
    let help = client.request("textDocument/signatureHelp", at_text(&uri, &text, "count, ", 7));
    assert_eq!(help["signatures"][0]["label"], "Point(x: int, y: int)");
    assert_eq!(help["activeParameter"], 1);
    client.shutdown();
}

#[test]
fn lsp_symbols_tokens_formatting_and_the_build_lens() {
    let (_tmp, main, _) = project();
    let mut client = Client::start(main.parent().unwrap().parent().unwrap());
    let uri = client.open(&main, MAIN);
    client.diagnostics(&uri);

    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["is_alert", "main"]);
    let found = client.request("workspace/symbol", json!({ "query": "poin" }));
    assert_eq!(found[0]["name"], "Point");
    assert!(found[0]["location"]["uri"].as_str().unwrap().ends_with("helpers.pw"));

    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": uri } }),
    );
    let data = tokens["data"].as_array().unwrap();
    assert_eq!(data.len() % 5, 0);
    assert!(
        data.len() / 5 > 20,
        "every keyword, name, literal and comment is a token"
    );

    // Formatting: a badly laid out file gets one edit with the canonical text.
    let messy = MAIN.replace("    let total = p.x + p.y;", "let total=p.x+p.y;");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": messy }] }),
    );
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    assert_eq!(edits[0]["newText"], MAIN);

    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": { "start": position(MAIN, "is_alert(line", 0), "end": position(MAIN, "is_alert(line", 0) }, "context": { "diagnostics": [] } }),
    );
    assert_eq!(actions[0]["command"]["command"], "paw.build");
    client.shutdown();
}

#[test]
fn lsp_build_lens_runs_pawc_build_and_reports_its_failure() {
    let (_tmp, main, _) = project();
    let root = main.parent().unwrap().parent().unwrap().to_path_buf();
    let home = tempfile::tempdir().unwrap();
    // No models in this PAW_HOME and no fetching: the build must fail, and say why.
    let mut client = Client::start_with(&root, home.path(), &["--offline"]);
    let uri = client.open(&main, MAIN);
    client.diagnostics(&uri);

    // The lens sits on the fuzzy fn and tells its state.
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": uri } }));
    let lens = &lenses.as_array().unwrap()[0];
    assert_eq!(lens["command"]["command"], "paw.build");
    assert_eq!(lens["command"]["title"], "Build fuzzy fn `is_alert` (never built)");
    assert_eq!(lens["range"]["start"]["line"], pos(MAIN, "fuzzy fn", 0).0);

    let id = client.send_request(
        "workspace/executeCommand",
        json!({ "command": "paw.build", "arguments": lens["command"]["arguments"], "workDoneToken": "build-1" }),
    );
    let started = client.response(id);
    assert!(
        started["result"]["message"]
            .as_str()
            .unwrap()
            .contains("Building `main.is_alert`"),
        "{started}"
    );
    let begin = client.message("$/progress");
    assert_eq!(
        (&begin["params"]["token"], &begin["params"]["value"]["kind"]),
        (&json!("build-1"), &json!("begin")),
        "{begin}"
    );
    let shown = client.message("window/showMessage");
    assert_eq!(shown["params"]["type"], 1, "an error: {shown}");
    let message = shown["params"]["message"].as_str().unwrap();
    assert!(
        message.contains("Building `main.is_alert` failed") && message.contains("--offline forbids fetching"),
        "{message}"
    );
    let logged = client.message("window/logMessage");
    assert!(
        logged["params"]["message"]
            .as_str()
            .unwrap()
            .starts_with("pawc build: "),
        "{logged}"
    );
    loop {
        let progress = client.message("$/progress");
        if progress["params"]["value"]["kind"] == "end" {
            break;
        }
    }
    client.message("workspace/codeLens/refresh");
    client.shutdown();
}

/// `paw.lock` naming `id` for `main.is_alert`, with a made-up build key.
fn lock_naming(id: &str) -> paw_artifact::PawLock {
    let build = paw_artifact::testing::stand_in_key();
    let functions = [("main.is_alert".to_string(), id.into())].into();
    paw_artifact::PawLock {
        version: 1,
        build,
        compiler_model: "compiler".into(),
        interpreter_model: "interpreter".into(),
        functions,
        data: Default::default(),
    }
}

/// The program id of `is_alert` in `main` (with `helpers` beside it) under [`lock_naming`]'s build key.
fn current_id(main: &str) -> paw_artifact::ProgramId {
    let mut files = paw_diagnostics::Files::new();
    let roots = [("main", main), ("helpers", HELPERS)].map(|(name, text)| paw_check::Root {
        name: name.into(),
        file: files.add(format!("{name}.pw"), text.to_string()),
    });
    let checked = paw_check::check_program(&mut files, &roots, &paw_check::NoLoader);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let spec = paw_artifact::spec_of(&checked.program.fuzzy[0], &checked.program).unwrap();
    paw_artifact::program_id(&spec, &lock_naming("").build)
}

#[test]
fn lsp_hover_reads_the_build_state_from_the_lock_and_the_store() {
    let (_tmp, main, _) = project();
    let root = main.parent().unwrap().parent().unwrap().to_path_buf();
    let mut client = Client::start(&root);
    let uri = client.open(&main, MAIN);
    client.diagnostics(&uri);
    let hover = |client: &mut Client, text: &str| {
        let hover = client.request("textDocument/hover", at_text(&uri, text, "is_alert(line", 0));
        hover["contents"]["value"].as_str().unwrap().to_string()
    };
    let text = hover(&mut client, MAIN);
    assert!(
        text.contains(&format!("never built; run `pawc build {}`", root.display())),
        "{text}"
    );

    // The lock names a program of another spec.
    lock_naming("0123456789abcdef0123").write(&root).unwrap();
    let text = hover(&mut client, MAIN);
    assert!(
        text.contains("stale — the spec changed since program `0123456789abcdef0123` was built"),
        "{text}"
    );

    // The lock names the current spec's program, which the store (this server's empty PAW_HOME) lacks.
    let id = current_id(MAIN);
    lock_naming(id.as_str()).write(&root).unwrap();
    let text = hover(&mut client, MAIN);
    assert!(
        text.contains(&format!(
            "not usable — `paw.lock` names program `{id}`, but the artifact store does not hold it"
        )),
        "{text}"
    );

    // An unsaved edit of the docstring makes it stale at once.
    let edited = MAIN.replace("worth waking someone up for", "urgent");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": edited }] }),
    );
    client.diagnostics(&uri);
    let text = hover(&mut client, &edited);
    assert!(
        text.contains(&format!("stale — the spec changed since program `{id}` was built")),
        "{text}"
    );
    client.shutdown();
}

#[test]
fn lsp_goes_to_definitions_in_the_standard_library() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().canonicalize().unwrap().join("words.pw");
    let source = "use std.text\n\nfn main() {\n    let words = text.split(\"a b\", \" \");\n    print(words);\n}\n";
    std::fs::write(&file, source).unwrap();
    let mut client = Client::start(tmp.path());
    let uri = client.open(&file, source);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    for (needle, module, declaration) in [
        ("split(", "text", "native fn split("),
        ("print(", "prelude", "native fn print["),
    ] {
        let def = client.request("textDocument/definition", at_text(&uri, source, needle, 0));
        let path = PathBuf::from(def["uri"].as_str().unwrap().strip_prefix("file://").unwrap());
        assert!(path.ends_with(format!("std/{module}.pw")), "{def}");
        assert!(
            path.starts_with(
                paw_cache::PawHome::new(client.home.as_ref().unwrap().path().canonicalize().unwrap()).stdlib_dir()
            ),
            "{def}"
        );
        assert!(
            std::fs::metadata(&path).unwrap().permissions().readonly(),
            "the copy is read-only"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, paw_stdlib::module_source(module).unwrap());
        let line = text
            .lines()
            .nth(def["range"]["start"]["line"].as_u64().unwrap() as usize)
            .unwrap();
        assert!(line.starts_with(declaration), "{line:?} for {needle}");
    }
    client.shutdown();
}

#[test]
fn lsp_survives_a_panicking_handler_and_honours_cancellation() {
    let (_tmp, main, _) = project();
    let mut client = Client::start(main.parent().unwrap().parent().unwrap());
    let id = client.send_request("paw/crash", Value::Null);
    let response = client.response(id);
    assert_eq!(response["error"]["code"], -32603, "{response}");
    assert!(response["error"]["message"]
        .as_str()
        .unwrap()
        .contains("internal error"));

    // Still serving. A large file keeps the server busy, so the hover and its cancellation arrive together.
    let big: String = (0..3000)
        .map(|i| format!("fn f{i}(x: int) -> int {{\n    x + {i}\n}}\n"))
        .collect();
    let uri = client.open(&main, &format!("{MAIN}{big}"));
    client.next_id += 1;
    let id = client.next_id;
    let hover = json!({ "jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": at_text(&uri, MAIN, "twice", 0) });
    let cancel = json!({ "jsonrpc": "2.0", "method": "$/cancelRequest", "params": { "id": id } });
    client.send_all(&[hover, cancel]);
    let response = client.response(id);
    assert_eq!(response["error"]["code"], -32800, "cancelled: {response}");
    // Requests are answered by id whatever order they are read in.
    let first = client.send_request("textDocument/hover", at_text(&uri, MAIN, "twice", 0));
    let second = client.send_request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    assert!(client.response(second)["result"].is_array());
    assert!(client.response(first)["result"]["contents"].is_object());
    client.shutdown();
}

/// `nvim`, installed from Debian's `neovim` package when it is missing and this user may install packages.
fn neovim() -> PathBuf {
    let found = || {
        Command::new("sh")
            .args(["-c", "command -v nvim"])
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    if found().is_none() {
        let installed = Command::new("sh")
            .args(["-c", "command -v apt-get >/dev/null && [ \"$(id -u)\" = 0 ] && (apt-get install -y neovim || (apt-get update && apt-get install -y neovim))"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success());
        assert!(installed, "this test needs Neovim: `nvim` is not on PATH and `apt-get install -y neovim` was not possible here; install the `neovim` package");
    }
    let out = found().expect("nvim is installed");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

#[test]
fn neovim_shows_diagnostics_and_hover_from_pawc_lsp() {
    let nvim = neovim();
    let (tmp, main, _) = project();
    let broken = MAIN.replace("let total = p.x + p.y;", "let total: str = p.x + p.y;");
    std::fs::write(&main, &broken).unwrap();
    let out = tmp.path().join("nvim-result.txt");
    let (line, col) = pos(&broken, "twice(21)", 1);
    // Neovim's own LSP client, started the way editors/README.md tells users to (editors/vim/lua/paw.lua).
    let script = format!(
        r#"
vim.opt.runtimepath:append('{editors}')
require('paw').setup({{ cmd = {{ '{pawc}', 'lsp' }} }})
vim.cmd('edit {file}')
vim.bo.filetype = 'paw'
vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local lines = {{}}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or '?'
  table.insert(lines, 'diagnostic ' .. d.lnum .. ' ' .. code .. ' ' .. d.message:gsub('\n', ' '))
end
vim.api.nvim_win_set_cursor(0, {{ {line}, {col} }})
local results = vim.lsp.buf_request_sync(0, 'textDocument/hover', vim.lsp.util.make_position_params(), 60000)
for _, r in pairs(results or {{}}) do
  if r.result then table.insert(lines, 'hover ' .. r.result.contents.value:gsub('\n', ' ')) end
end
vim.fn.writefile(lines, '{out}')
vim.cmd('qa!')
"#,
        editors = repo().join("editors/vim").display(),
        pawc = env!("CARGO_BIN_EXE_pawc"),
        file = main.display(),
        line = line + 1,
        col = col,
        out = out.display(),
    );
    let script_path = tmp.path().join("test.lua");
    std::fs::write(&script_path, script).unwrap();
    let status = Command::new(nvim)
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script_path.display()))
        .stdin(Stdio::null())
        .status()
        .expect("nvim runs");
    assert!(status.success(), "nvim exited with {status}");
    let result = std::fs::read_to_string(&out).expect("the script wrote its findings");
    let (error_line, _) = pos(&broken, "let total", 0);
    assert!(
        result.contains(&format!("diagnostic {error_line} E0201 expected `str`, found `int`")),
        "{result}"
    );
    assert!(
        result.contains("hover ```paw helpers fn twice(n: int) -> int ```  Twice `n`."),
        "{result}"
    );
}

use crate::repo;

#[test]
fn the_vscode_extension_packages_with_one_script() {
    let out = Command::new("bash")
        .arg(repo().join("editors/build-vsix.sh"))
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "build-vsix.sh failed\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let vsix = PathBuf::from(stdout.lines().last().unwrap_or_default().trim());
    assert!(
        vsix.extension().is_some_and(|e| e == "vsix") && vsix.is_file(),
        "last line names the package: {vsix:?}"
    );
}
