//! `paw.toml`, the project manifest.

use std::path::Path;

use serde::Deserialize;

/// The parsed manifest. Sections other issues fill in (`[interpreter]`, `[compiler]`) are accepted and kept
/// so that a newer manifest still loads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub package: Package,
    #[serde(default)]
    pub interpreter: Option<toml::Table>,
    #[serde(default)]
    pub compiler: Option<toml::Table>,
    #[serde(default)]
    pub test: TestSection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub version: String,
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
        if let Some(min) = manifest.test.min_accuracy {
            if !(0.0..=1.0).contains(&min) {
                return Err(format!("[test] min_accuracy must be between 0.0 and 1.0, found {min}"));
            }
        }
        Ok(manifest)
    }

    /// The text `pawc new NAME` writes.
    pub fn scaffold(name: &str) -> String {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_and_optional_sections() {
        let m = Manifest::parse(
            "[package]\nname = \"triage\"\nversion = \"0.1.0\"\n\n[test]\nmin_accuracy = 0.9\n\n[interpreter]\nmodel = \"x.gguf\"\n",
        )
        .unwrap();
        assert_eq!(m.package.name, "triage");
        assert_eq!(m.test.min_accuracy, Some(0.9));
        assert!(m.interpreter.is_some());
    }

    #[test]
    fn rejects_unknown_keys_and_bad_accuracy() {
        let err = Manifest::parse("[package]\nname = \"a\"\nversion = \"1\"\nauthor = \"me\"\n").unwrap_err();
        assert!(err.contains("author"), "{err}");
        let err = Manifest::parse("[package]\nname = \"a\"\nversion = \"1\"\n[test]\nmin_accuracy = 2.0\n").unwrap_err();
        assert!(err.contains("min_accuracy"), "{err}");
    }

    #[test]
    fn scaffold_parses() {
        assert_eq!(Manifest::parse(&Manifest::scaffold("demo")).unwrap().package.name, "demo");
    }
}
