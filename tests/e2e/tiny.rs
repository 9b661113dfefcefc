//! A project whose fuzzy fns are "built" without the real models: the tiny generated model (random weights, no
//! download) as the interpreter, and stand-in artifacts holding its real prefix state, in a temporary store
//! with a `paw.lock` that names them. Every command that answers calls (`run`, `eval`, `map`, `serve`) then
//! runs the real runtime path in milliseconds, so their answers can be compared with each other.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use paw_artifact::testing::{stand_in_key, ArtifactBuilder};
use paw_artifact::{function_key, program_id, spec_of, ArtifactStore, PawLock};
use paw_cache::PawHome;
use paw_fuzzy::LoadedProgram;
use paw_model::Model;

/// Short docstrings and inputs: the tiny model's context is 256 tokens.
pub const SOURCE: &str = r#"/// How urgent a ticket is.
enum Level {
    low,
    high,
}

/// Is this log line an alert?
fuzzy fn is_alert(line: str) -> bool

/// How urgent is a ticket of this age?
fuzzy fn urgency(text: str, days: int) -> Level

fn main() {
    print("{is_alert("disk full")}");
    print("{urgency("site down", 2)}");
}
"#;

pub struct TinyProject {
    pub dir: tempfile::TempDir,
    pub home: tempfile::TempDir,
}

impl TinyProject {
    /// The project with every fuzzy fn built except those named in `unbuilt`, which the lock records with an
    /// old program id (so they are stale).
    pub fn new(unbuilt: &[&str]) -> TinyProject {
        let home = tempfile::tempdir().unwrap();
        let model_path = home.path().join("tiny.gguf");
        paw_model::testing::write_tiny_model(&model_path, paw_model::Arch::Qwen2, 42).unwrap();
        let interpreter = model_path.display().to_string();
        TinyProject::on_model(SOURCE, home, &model_path, &interpreter, None, unbuilt)
    }

    /// `source` "built" for the interpreter `interpreter` (as `paw.lock` names it) whose file is `model_path`,
    /// with artifacts in `home`'s store; `template` writes each function's prompt template (default: the stand-in's).
    pub fn on_model(
        source: &str,
        home: tempfile::TempDir,
        model_path: &Path,
        interpreter: &str,
        template: Option<fn(&paw_artifact::Spec) -> String>,
        unbuilt: &[&str],
    ) -> TinyProject {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/main.pw"), source).unwrap();
        std::fs::write(
            dir.path().join("paw.toml"),
            "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        let model = Model::load(model_path).unwrap();

        let mut files = paw_diagnostics::Files::new();
        let file = files.add("main.pw", source.to_string());
        let checked = paw_check::check_file(&mut files, file, &paw_check::NoLoader);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let program = checked.program;
        let store = ArtifactStore::in_home(&PawHome::new(home.path()));
        let mut functions = std::collections::BTreeMap::new();
        for f in &program.fuzzy {
            let spec = spec_of(f, &program).unwrap();
            let id = program_id(&spec, &stand_in_key());
            let key = function_key(&f.module, &f.name);
            if unbuilt.contains(&f.name.as_str()) {
                let mut old = spec.clone();
                old.doc.push_str(" (an older docstring)");
                functions.insert(key, program_id(&old, &stand_in_key()));
                continue;
            }
            let stand_in = |prefix: Vec<u8>, tokens: usize| {
                let builder = ArtifactBuilder::new(&id, spec.clone(), stand_in_key())
                    .models("compiler", interpreter)
                    .prefix(prefix, tokens);
                match template {
                    Some(write) => builder.prompt_template(write(&spec)),
                    None => builder,
                }
                .build()
            };
            let template = stand_in(vec![], 0).prompt_template;
            let prefilled = LoadedProgram::from_template(&model, spec.clone(), &template, vec![]).unwrap();
            let bytes = model.prefix_to_bytes(prefilled.prefix()).unwrap();
            store.write(&stand_in(bytes, prefilled.prefix_len())).unwrap();
            functions.insert(key, id);
        }
        PawLock {
            version: 1,
            build: stand_in_key(),
            compiler_model: "compiler".into(),
            interpreter_model: interpreter.to_string(),
            functions,
            data: Default::default(),
        }
        .write(dir.path())
        .unwrap();
        TinyProject { dir, home }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A `pawc` command in the project's directory with its paw home.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pawc"));
        command
            .args(args)
            .current_dir(self.root())
            .env("NO_COLOR", "1")
            .env("PAW_HOME", self.home.path());
        command
    }

    pub fn pawc(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("pawc runs")
    }

    /// `pawc eval --json`'s answer to each of `cases` (`{"fn", "args"}` objects; the expected value is made up),
    /// as `{"value", "confidence"}`.
    pub fn eval(&self, cases: &[serde_json::Value]) -> Vec<serde_json::Value> {
        let lines: Vec<String> = cases
            .iter()
            .map(|c| {
                let expected = if c["fn"] == "is_alert" {
                    serde_json::json!(true)
                } else {
                    serde_json::json!("low")
                };
                serde_json::json!({"fn": c["fn"], "args": c["args"], "expected": expected}).to_string()
            })
            .collect();
        std::fs::write(self.path("cases.jsonl"), lines.join("\n")).unwrap();
        let out = self.pawc(&["eval", ".", "--cases", "cases.jsonl", "--json"]);
        crate::assert_exit(&out, 0);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| serde_json::json!({"value": c["got"], "confidence": c["confidence"]}))
            .collect()
    }
}
