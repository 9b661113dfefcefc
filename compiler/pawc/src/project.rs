//! Finding what a command works on: a project directory (with `paw.toml`) or a single `.pw` file,
//! and the module files that belong to it.

use std::path::{Path, PathBuf};

use crate::manifest::Manifest;

/// What `pawc check/run/test/fmt [PATH]` was pointed at.
#[derive(Debug)]
pub struct Project {
    /// The project root, or the directory holding the single file.
    pub root: PathBuf,
    /// `None` in single-file mode.
    pub manifest: Option<Manifest>,
    /// The module files: every `src/*.pw` of a project (sorted by name), or the one file (as `main`).
    pub modules: Vec<ModuleFile>,
}

#[derive(Debug, Clone)]
pub struct ModuleFile {
    /// The module's name: the file stem, or `main` for a single file.
    pub name: String,
    pub path: PathBuf,
}

impl Project {
    /// Resolves PATH: a `.pw` file, a directory with `paw.toml`, or (when absent) the nearest directory at or
    /// above the current one that has a `paw.toml`.
    pub fn locate(path: Option<&Path>) -> Result<Project, String> {
        match path {
            Some(p) if p.is_file() => Project::single_file(p),
            Some(p) if p.is_dir() => {
                if p.join("paw.toml").is_file() {
                    Project::directory(p)
                } else {
                    Err(format!(
                        "{} has no paw.toml\n  help: pass a project directory (one made by `pawc new NAME`) or a single `.pw` file",
                        p.display()
                    ))
                }
            }
            Some(p) => Err(format!("{} does not exist", p.display())),
            None => {
                let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
                match cwd.ancestors().find(|dir| dir.join("paw.toml").is_file()) {
                    Some(root) => Project::directory(root),
                    None => Err(format!(
                        "no paw.toml in {} or any parent directory\n  help: run `pawc new NAME` to start a project, or pass a `.pw` file",
                        cwd.display()
                    )),
                }
            }
        }
    }

    /// What `pawc build` is given to build this project: its directory, or the single file.
    pub fn build_target(&self) -> &Path {
        match (&self.manifest, self.modules.as_slice()) {
            (None, [file]) => &file.path,
            _ => &self.root,
        }
    }

    fn single_file(path: &Path) -> Result<Project, String> {
        if path.extension().and_then(|e| e.to_str()) != Some("pw") {
            return Err(format!("{} is not a `.pw` file", path.display()));
        }
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Project {
            root,
            manifest: None,
            modules: vec![ModuleFile {
                name: "main".to_string(),
                path: path.to_path_buf(),
            }],
        })
    }

    fn directory(root: &Path) -> Result<Project, String> {
        let manifest = Manifest::load(&root.join("paw.toml"))?;
        let src = root.join("src");
        let entries = std::fs::read_dir(&src).map_err(|e| {
            format!(
                "cannot read {}: {e}\n  help: put the project's `.pw` files in src/",
                src.display()
            )
        })?;
        let mut modules = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| format!("cannot read {}: {e}", src.display()))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("pw") {
                continue;
            }
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            if !is_identifier(&name) {
                return Err(format!(
                    "{} cannot be a module: its name must be an identifier (letters, digits, `_`)\n  help: rename it, e.g. to {}.pw",
                    path.display(),
                    name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
                ));
            }
            modules.push(ModuleFile { name, path });
        }
        modules.sort_by(|a, b| a.name.cmp(&b.name));
        if modules.is_empty() {
            return Err(format!("{} holds no `.pw` files", src.display()));
        }
        Ok(Project {
            root: root.to_path_buf(),
            manifest: Some(manifest),
            modules,
        })
    }

    /// The display name of a module file: relative to the project root when possible.
    pub fn display_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).unwrap_or(path).display().to_string()
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
