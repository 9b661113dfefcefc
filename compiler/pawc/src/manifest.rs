//! `paw.toml`, the project manifest.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// The parsed manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub package: Package,
    /// The model that answers fuzzy calls (`pawc build` builds programs for it), and optionally the serving
    /// engine that runs it.
    #[serde(default)]
    pub interpreter: InterpreterSection,
    /// The model `pawc build` compiles with, and how.
    #[serde(default)]
    pub compiler: CompilerSection,
    #[serde(default)]
    pub test: TestSection,
    /// `[functions.NAME]`: a fuzzy fn's data files, or the compiled program it runs instead (NAME is its name,
    /// or `module.name` where two modules have one of that name).
    #[serde(default)]
    pub functions: BTreeMap<toml::Spanned<String>, FunctionSection>,
}

/// `[functions.NAME]`: the files a fuzzy fn is compiled from besides its docstring, or the `.paw` bundle it
/// runs instead of being compiled (paths relative to the project root; see `paw_build::data` for the data
/// formats, `docs/formats.md` for bundles).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FunctionSection {
    /// Unlabeled real inputs.
    pub inputs: Option<toml::Spanned<String>>,
    /// Labeled rows.
    pub examples: Option<toml::Spanned<String>>,
    /// Most rows used from each file (a deterministic sample of larger ones).
    pub sample: Option<usize>,
    /// A compiled program (`.paw` bundle) to run: the function is then not compiled.
    pub program: Option<toml::Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub version: String,
}

/// `[interpreter]`: `model = "interpreter" | "compiler" | "smoke" | "path/to/file.gguf"` (a relative path is
/// relative to the project root), and `url = "http://host:port/v1"`: an OpenAI-compatible server running that
/// model, which then answers `pawc run`, `eval`, `map` and `serve` calls. Command-line flags take precedence.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct InterpreterSection {
    pub model: Option<String>,
    pub url: Option<String>,
}

/// `[compiler]`: `model` as for `[interpreter]`, and `adapter = "never" | "auto" | "always"`: whether programs
/// get a LoRA adapter distilled from the compiler model (see `docs/artifact.md`).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CompilerSection {
    pub model: Option<String>,
    pub adapter: Option<paw_neural::AdapterMode>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TestSection {
    /// The share of fuzzy-fn docstring examples that must pass for `pawc test` to succeed (default 1.0).
    pub min_accuracy: Option<f64>,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Manifest::parse(&text).map_err(|e| format!("{} is not a valid manifest: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Manifest, String> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some((name, _)) = manifest.functions.iter().find(|(_, f)| f.sample == Some(0)) {
            return Err(format!("[functions.{}] sample must be at least 1", name.get_ref()));
        }
        if let Some(min) = manifest.test.min_accuracy {
            if !(0.0..=1.0).contains(&min) {
                return Err(format!("[test] min_accuracy must be between 0.0 and 1.0, found {min}"));
            }
        }
        Ok(manifest)
    }

    /// The text `pawc new NAME` writes.
    pub fn scaffold(name: &str) -> String {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n\n\
             # A fuzzy fn can also be compiled from your own data (paths relative to this file):\n\
             # [functions.FUNCTION_NAME]\n\
             # inputs = \"data/inputs.jsonl\"      # real inputs, {{\"args\": [...]}} per line (or a text file, one per line)\n\
             # examples = \"data/labeled.jsonl\"   # labeled rows, {{\"args\": [...], \"expected\": ...}} per line\n\
             # sample = 200                      # most rows used per file (default: 100 inputs, 200 examples)\n\
             # Or run a program compiled elsewhere (a .paw bundle, e.g. from `pawc export`) instead of compiling it:\n\
             # program = \"vendor/FUNCTION_NAME.paw\"\n"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_and_optional_sections() {
        let m = Manifest::parse(
            "[package]\nname = \"triage\"\nversion = \"0.1.0\"\n\n[test]\nmin_accuracy = 0.9\n\n[interpreter]\nmodel = \"x.gguf\"\nurl = \"http://127.0.0.1:8080/v1\"\n",
        )
        .unwrap();
        assert_eq!(m.package.name, "triage");
        assert_eq!(m.test.min_accuracy, Some(0.9));
        assert_eq!(m.interpreter.model.as_deref(), Some("x.gguf"));
        assert_eq!(m.interpreter.url.as_deref(), Some("http://127.0.0.1:8080/v1"));
        assert_eq!(m.compiler.model, None);
        let err =
            Manifest::parse("[package]\nname = \"a\"\nversion = \"1\"\n[compiler]\nfile = \"x.gguf\"\n").unwrap_err();
        assert!(err.contains("file"), "{err}");
    }

    #[test]
    fn reads_the_adapter_mode_and_names_the_choices_when_it_is_wrong() {
        let parse = |mode: &str| {
            Manifest::parse(&format!(
                "[package]\nname = \"a\"\nversion = \"1\"\n[compiler]\nadapter = \"{mode}\"\n"
            ))
        };
        assert_eq!(
            parse("auto").unwrap().compiler.adapter,
            Some(paw_neural::AdapterMode::Auto)
        );
        assert_eq!(
            parse("never").unwrap().compiler.adapter,
            Some(paw_neural::AdapterMode::Never)
        );
        let err = parse("sometimes").unwrap_err();
        assert!(
            err.contains("sometimes") && err.contains("auto") && err.contains("always"),
            "{err}"
        );
    }

    #[test]
    fn rejects_unknown_keys_and_bad_accuracy() {
        let err = Manifest::parse("[package]\nname = \"a\"\nversion = \"1\"\nauthor = \"me\"\n").unwrap_err();
        assert!(err.contains("author"), "{err}");
        let err =
            Manifest::parse("[package]\nname = \"a\"\nversion = \"1\"\n[test]\nmin_accuracy = 2.0\n").unwrap_err();
        assert!(err.contains("min_accuracy"), "{err}");
    }

    #[test]
    fn scaffold_parses() {
        assert_eq!(
            Manifest::parse(&Manifest::scaffold("demo")).unwrap().package.name,
            "demo"
        );
    }
}
