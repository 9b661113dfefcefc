//! `pawc export` and imported programs (`[functions.NAME] program = "…"`): the errors users get without any
//! model, and on the real interpreter a bundle with an adapter imported, run, exported (the same bytes by two
//! processes), imported into another project and answering the same.

use std::io::Write;
use std::path::Path;

use paw_artifact::{Bundle, INPUT_PLACEHOLDER};
use paw_cache::{ModelChoice, PawHome, Role};
use paw_model::testing::random_adapter;
use paw_model::{Model, StoredAs};

use crate::fuzzy::{one_model_test_at_a_time, pawc_with_home, scratch_home};
use crate::{assert_exit, stderr, stdout};

const SOURCE: &str = r#"/// Decide whether a server log line needs a human's attention right now.
///
/// >>> needs_alert("2024-05-01 12:00:03 ERROR payment-service: connection to database lost")
/// true
fuzzy fn needs_alert(line: str) -> bool

fn main() {
    print("{needs_alert("2024-06-02 08:00:07 CRITICAL storage: disk /var/lib/db is 98% full")}");
    print("{needs_alert("2024-06-02 08:00:08 INFO web: GET /index.html 200 12ms")}");
}
"#;

/// A project of [`SOURCE`] whose `paw.toml` has `functions` (the text after `[functions.needs_alert]`).
fn project(dir: &Path, functions: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("vendor")).unwrap();
    std::fs::write(dir.join("src/main.pw"), SOURCE).unwrap();
    let manifest = format!("[package]\nname = \"alerts\"\nversion = \"0.1.0\"\n\n[functions.needs_alert]\n{functions}");
    std::fs::write(dir.join("paw.toml"), manifest).unwrap();
}

/// A zip of `entries` written as given (any names and contents).
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn export_errors_say_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alerts");
    project(&dir, "");
    let d = dir.to_str().unwrap();
    let out = pawc_with_home(home.path(), tmp.path(), &["export", d, "needs_alrt", "--out", "x.paw"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("no fuzzy fn `needs_alrt`") && stderr(&out).contains("`needs_alert`"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("`needs_alert`"), "{}", stderr(&out));
    // PATH defaults to the project around the current folder.
    let out = pawc_with_home(home.path(), &dir, &["export", "needs_alert", "--out", "x.paw"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("never built"), "{}", stderr(&out));
    assert!(stderr(&out).contains("pawc build"), "{}", stderr(&out));
    assert!(!dir.join("x.paw").exists());
}

#[test]
fn missing_damaged_hostile_and_oversized_bundles_are_diagnostics_at_their_name() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alerts");
    let template = format!("<|im_start|>user\n{INPUT_PLACEHOLDER}<|im_end|>\n<|im_start|>assistant\n");
    let zeros = vec![0u8; 5 << 20];
    let cases: [(&str, Option<Vec<u8>>, &str); 6] = [
        ("program = \"vendor/gone.paw\"\n", None, "E0601"),
        ("program = \"vendor/f.paw\"\n", Some(b"not a zip".to_vec()), "E0603"),
        (
            "program = \"vendor/f.paw\"\n",
            Some(zip_of(&[
                ("meta.json", b"{}"),
                ("prompt_template.txt", template.as_bytes()),
                ("../../evil.sh", b"x"),
            ])),
            "E0603",
        ),
        (
            "program = \"vendor/f.paw\"\n",
            Some(zip_of(&[
                ("meta.json", b"{}"),
                ("prompt_template.txt", template.as_bytes()),
                ("adapter.gguf", b"GGUF?"),
            ])),
            "E0603",
        ),
        (
            "program = \"vendor/f.paw\"\n",
            Some(zip_of(&[("meta.json", &zeros)])),
            "E0602",
        ),
        (
            "program = \"vendor/f.paw\"\nexamples = \"data/rows.jsonl\"\n",
            None,
            "E0604",
        ),
    ];
    for (functions, bundle, code) in cases {
        project(&dir, functions);
        if let Some(bytes) = bundle {
            std::fs::write(dir.join("vendor/f.paw"), bytes).unwrap();
        }
        let out = pawc_with_home(home.path(), tmp.path(), &["build", dir.to_str().unwrap()]);
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(err.contains(code), "{code}: {err}");
        assert!(err.contains("[paw.toml:6:"), "{code}: the span in paw.toml: {err}");
        assert!(err.contains("nothing was built"), "{code}: {err}");
        assert!(!dir.join("paw.lock").exists());
        let _ = std::fs::remove_file(dir.join("vendor/f.paw"));
    }
}

/// A bundle for the real interpreter: PAW's framing in its complete ChatML prompt, with a small random
/// adapter (stored as F16, as small as such a file gets).
fn real_bundle(home: &PawHome) -> Bundle {
    let path = paw_fuzzy::present(&ModelChoice::Default(Role::Interpreter), home).unwrap();
    let model = Model::load(&path).unwrap();
    let adapter = random_adapter(&model.config, 2, 0.01, 3).unwrap();
    Bundle {
        meta: serde_json::json!({"program_id": "handmade", "interpreter": "Qwen/Qwen2.5-Coder-0.5B-Instruct"}),
        prompt_template: format!(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n\
             <|im_start|>user\nDecide whether a server log line needs a human's attention right now: errors, \
             crashes and full disks do, routine information does not. Answer true or false.\n\n[INPUT]\n\
             {INPUT_PLACEHOLDER}\n[END_INPUT]<|im_end|>\n<|im_start|>assistant\n"
        ),
        pseudo_program: None,
        adapter: Some(adapter.to_bytes(StoredAs::F16).unwrap()),
    }
}

#[test]
fn an_imported_program_runs_exports_the_same_bytes_twice_and_imports_elsewhere_with_the_same_answers() {
    let _models = one_model_test_at_a_time();
    let home = scratch_home();
    let tmp = tempfile::tempdir().unwrap();
    let fetch = pawc_with_home(home.path(), tmp.path(), &["model", "fetch", "interpreter"]);
    assert_exit(&fetch, 0);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let program = "program = \"vendor/alert.paw\"\n";
    project(&a, program);
    std::fs::write(
        a.join("vendor/alert.paw"),
        real_bundle(&PawHome::new(home.path())).to_zip(),
    )
    .unwrap();
    let run =
        |dir: &Path, args: &[&str]| pawc_with_home(home.path(), tmp.path(), &[args, &[dir.to_str().unwrap()]].concat());

    assert_exit(&run(&a, &["build"]), 0);
    let lock = std::fs::read_to_string(a.join("paw.lock")).unwrap();
    assert!(
        lock.contains("\"bundle\""),
        "the bundle's digest is in the lock: {lock}"
    );
    let answers = run(&a, &["run"]);
    assert_exit(&answers, 0);
    let answers = stdout(&answers);
    assert_eq!(answers.lines().count(), 2, "{answers}");

    let export = |dir: &Path, out: &Path, extra: &[&str]| {
        let args = [
            &[
                "export",
                dir.to_str().unwrap(),
                "needs_alert",
                "--out",
                out.to_str().unwrap(),
            ],
            extra,
        ]
        .concat();
        pawc_with_home(home.path(), tmp.path(), &args)
    };
    let (one, two) = (tmp.path().join("one.paw"), tmp.path().join("two.paw"));
    assert_exit(&export(&a, &one, &[]), 0);
    assert_exit(&export(&a, &two, &[]), 0);
    assert_eq!(
        std::fs::read(&one).unwrap(),
        std::fs::read(&two).unwrap(),
        "deterministic across processes"
    );
    let bundle = Bundle::from_zip(&std::fs::read(&one).unwrap()).unwrap();
    assert_eq!(
        bundle.prompt_template,
        real_bundle(&PawHome::new(home.path())).prompt_template
    );
    assert!(bundle.adapter.is_some());

    project(&b, program);
    std::fs::copy(&one, b.join("vendor/alert.paw")).unwrap();
    assert_exit(&run(&b, &["build"]), 0);
    let again = run(&b, &["run"]);
    assert_exit(&again, 0);
    assert_eq!(stdout(&again), answers, "the same answers after export and import");

    let peft = tmp.path().join("peft");
    assert_exit(&export(&a, &peft, &["--format", "peft"]), 0);
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(peft.join("adapter_config.json")).unwrap()).unwrap();
    assert_eq!(
        (config["peft_type"].as_str(), config["r"].as_u64()),
        (Some("LORA"), Some(2))
    );
    assert!(peft.join("adapter_model.safetensors").is_file());

    let unwritable = export(&a, &tmp.path().join("no/such/folder/x.paw"), &[]);
    assert_exit(&unwritable, 1);
    assert!(stderr(&unwritable).contains("cannot write"), "{}", stderr(&unwritable));

    // A flipped byte in the stored adapter: reported as damage, never run.
    let id = serde_json::from_str::<serde_json::Value>(&lock).unwrap()["functions"]["main.needs_alert"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = home.path().join("artifacts").join(id).join("adapter.gguf");
    let mut bytes = std::fs::read(&stored).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&stored, bytes).unwrap();
    let damaged = run(&a, &["run"]);
    assert_exit(&damaged, 1);
    assert!(stderr(&damaged).contains("adapter.gguf"), "{}", stderr(&damaged));
}
