//! The layering rules of ARCHITECTURE.md, checked against `cargo metadata`: `compiler/` builds on `runtime/`,
//! never the reverse, and the model engine links no terminal or packaging crates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Which top-level folder a workspace package lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Compiler,
    Runtime,
    Other,
}

struct Package {
    layer: Layer,
    /// Every dependency on another workspace package, of any kind (normal, build, dev), by name.
    deps: Vec<(String, Option<String>)>,
    external: Vec<(String, Option<String>)>,
}

fn workspace() -> BTreeMap<String, Package> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(&root)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let root = PathBuf::from(meta["workspace_root"].as_str().unwrap());
    let packages = meta["packages"].as_array().unwrap();
    let names: Vec<&str> = packages.iter().map(|p| p["name"].as_str().unwrap()).collect();
    packages
        .iter()
        .map(|p| {
            let manifest = PathBuf::from(p["manifest_path"].as_str().unwrap());
            let layer = match manifest.strip_prefix(&root).ok().and_then(|r| r.components().next()) {
                Some(c) if c.as_os_str() == "compiler" => Layer::Compiler,
                Some(c) if c.as_os_str() == "runtime" => Layer::Runtime,
                _ => Layer::Other,
            };
            let (deps, external) = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["name"].as_str().unwrap().to_string(),
                        d["kind"].as_str().map(str::to_string),
                    )
                })
                .partition(|(name, _)| names.contains(&name.as_str()));
            (
                p["name"].as_str().unwrap().to_string(),
                Package { layer, deps, external },
            )
        })
        .collect()
}

#[test]
fn runtime_never_depends_on_compiler() {
    let ws = workspace();
    assert!(ws.values().any(|p| p.layer == Layer::Runtime) && ws.values().any(|p| p.layer == Layer::Compiler));
    let mut wrong = Vec::new();
    for (name, pkg) in ws.iter().filter(|(_, p)| p.layer == Layer::Runtime) {
        for (dep, kind) in &pkg.deps {
            if ws[dep].layer != Layer::Runtime {
                wrong.push(format!("{name} -> {dep} ({})", kind.as_deref().unwrap_or("normal")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "runtime/ may depend only on runtime/ crates (compiler/ builds on runtime/, never the reverse); \
         move the code or the test that needs the front end into compiler/ or tests/: {wrong:?}"
    );
}

#[test]
fn model_engine_links_no_terminal_packaging_or_network_crates() {
    let ws = workspace();
    let engine = &ws["paw-model"];
    let banned: Vec<_> = engine
        .external
        .iter()
        .filter(|(name, kind)| kind.is_none() && ["clap", "indicatif", "zip", "ureq"].contains(&name.as_str()))
        .collect();
    assert!(
        banned.is_empty(),
        "paw-model is the inference engine; CLI, provisioning and HTTP crates (serving engines are paw-fuzzy's \
         remote.rs) belong elsewhere: {banned:?}"
    );
}

/// Only the two drivers talk to the terminal; every other crate returns values, errors and diagnostics and lets
/// them decide how to show them ("IO at the edges" in ARCHITECTURE.md). A running program's own `print` goes
/// through the writers the driver hands the executor.
#[test]
fn only_the_drivers_print() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let drivers = [Path::new("compiler/pawc"), Path::new("compiler/standalone")];
    let mut offenders = Vec::new();
    for layer in ["compiler", "runtime"] {
        for krate in std::fs::read_dir(root.join(layer)).unwrap() {
            let krate = krate.unwrap().path();
            let relative = krate.strip_prefix(&root).unwrap().to_path_buf();
            if drivers.contains(&relative.as_path()) {
                continue;
            }
            scan(&krate.join("src"), &mut offenders);
        }
    }
    assert!(
        offenders.is_empty(),
        "only pawc and the standalone entry point write to the terminal: {offenders:#?}"
    );
}

/// Lines of non-test code under `dir` that print to stdout or stderr.
fn scan(dir: &Path, offenders: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scan(&path, offenders);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests sit at the end of a file, after `#[cfg(test)]`.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (i, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            if ["println!", "eprintln!", "print!(", "eprint!(", "dbg!(", "indicatif::"]
                .iter()
                .any(|m| line.contains(m))
            {
                offenders.push(format!("{}:{}: {line}", path.display(), i + 1));
            }
        }
    }
}
