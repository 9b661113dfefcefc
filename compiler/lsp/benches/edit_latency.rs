//! Diagnostics latency after a one-character edit, and a full check, on a generated 20-file, 5,000-line project.
//!
//!     cargo bench -p paw-lsp --bench edit_latency
//!
//! The edit goes through the server as the editor sends it (an incremental `didChange`), and the time runs until
//! the `publishDiagnostics` notifications are built: re-parse, re-check, span conversion.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::Notification;
use paw_lsp::server::{Config, Server};
use serde_json::json;

const FILES: usize = 20;
const LINES_PER_FILE: usize = 250;

/// One module of about `LINES_PER_FILE` lines: a struct, an enum, and functions that loop, match and call the
/// previous module.
fn module(n: usize) -> String {
    let mut s = String::new();
    if n > 0 {
        s.push_str(&format!("use m{}\n\n", n - 1));
    }
    s.push_str(&format!(
        "/// A record of module {n}.\nstruct Rec{n} {{\n    id: int,\n    name: str,\n    score: float,\n}}\n\n"
    ));
    s.push_str(&format!("enum Kind{n} {{\n    small,\n    large,\n}}\n\n"));
    let mut i = 0;
    while s.lines().count() < LINES_PER_FILE {
        let call = if n > 0 {
            format!("m{}.f{}_0(x)", n - 1, n - 1)
        } else {
            "x".to_string()
        };
        s.push_str(&format!(
            "/// Function {i} of module {n}.\nfn f{n}_{i}(x: int) -> int {{\n    let mut total = 0;\n    for k in 0..x {{\n        total += k * {i};\n    }}\n    let r = Rec{n}(id: total, name: \"r\", score: 1.5);\n    let kind = if r.id > 10 {{ Kind{n}.large }} else {{ Kind{n}.small }};\n    match kind {{\n        small => total + {call},\n        large => total - r.id,\n    }}\n}}\n\n"
        ));
        i += 1;
    }
    s
}

fn write_project(root: &Path) -> Vec<(std::path::PathBuf, String)> {
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("paw.toml"),
        "[package]\nname = \"bench\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    (0..FILES)
        .map(|n| {
            let path = root.join(format!("src/m{n}.pw"));
            let text = module(n);
            std::fs::write(&path, &text).unwrap();
            (path, text)
        })
        .collect()
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let dir = std::env::temp_dir().join(format!("paw-edit-bench-{}", std::process::id()));
    let files = write_project(&dir);
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    println!("project: {FILES} files, {lines} lines");

    // Full check: a fresh database (as `pawc check` uses it), every file parsed and checked.
    let mut full = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        let mut db = paw_db::Database::new();
        let modules: Vec<_> = files
            .iter()
            .enumerate()
            .map(|(n, (p, t))| (format!("m{n}"), db.add_source(p.display().to_string(), t.as_str())))
            .collect();
        let ws = db.workspace(modules);
        let analysis = paw_db::check(&db, ws);
        assert!(analysis.diagnostics.is_empty(), "{:?}", &analysis.diagnostics[..1]);
        full.push(start.elapsed());
    }
    println!(
        "full check: median {:?}, p95 {:?}",
        percentile(&mut full, 0.5),
        percentile(&mut full, 0.95)
    );

    // The editor: open the middle file, then type one character at a time (`1` appended to a literal, then removed).
    let (path, text) = &files[FILES / 2];
    let uri = lsp_types::Url::from_file_path(path).unwrap();
    let config = Config {
        paw_home: paw_cache::PawHome::new(dir.join("paw-home")),
        pawc: PathBuf::from("pawc"),
        offline: true,
    };
    let mut server = Server::new(config, &Default::default());
    server.notify(Notification::new(
        "textDocument/didOpen".into(),
        json!({ "textDocument": { "uri": uri, "languageId": "paw", "version": 1, "text": text } }),
    ));
    server.publish_diagnostics();
    let line = text.lines().position(|l| l.contains("total += k *")).unwrap() as u32;
    let column = text.lines().nth(line as usize).unwrap().len() as u32 - 1;
    let mut edits = Vec::new();
    for round in 0..100 {
        let change = if round % 2 == 0 {
            json!({ "range": { "start": { "line": line, "character": column }, "end": { "line": line, "character": column } }, "text": "1" })
        } else {
            json!({ "range": { "start": { "line": line, "character": column }, "end": { "line": line, "character": column + 1 } }, "text": "" })
        };
        let start = Instant::now();
        server.notify(Notification::new(
            "textDocument/didChange".into(),
            json!({ "textDocument": { "uri": uri, "version": round + 2 }, "contentChanges": [change] }),
        ));
        let published = server.publish_diagnostics();
        edits.push(start.elapsed());
        assert_eq!(published.len(), FILES, "diagnostics for every file of the project");
    }
    println!(
        "one-character edit → diagnostics: median {:?}, p95 {:?}",
        percentile(&mut edits, 0.5),
        percentile(&mut edits, 0.95)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
