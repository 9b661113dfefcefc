//! The server's view of the files: which project each open file belongs to, the editor's unsaved texts over the
//! disk, and the conversion of spans to LSP locations.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{Location, Range, Url};
use paw_check::SourceLoader;
use paw_db::{Database, Source, Workspace};
use paw_diagnostics::{FileId, Span};

use crate::line_index::LineIndex;
use crate::resolve::Index;

/// A program the server checks: a directory with `paw.toml` (every `src/*.pw`), or one file (as `main`, with the
/// `NAME.pw` files beside it that it `use`s), the same two shapes as `pawc check`.
pub struct Project {
    pub root: PathBuf,
    /// `Some(file)` in single-file mode.
    pub single_file: Option<PathBuf>,
    pub workspace: Workspace,
    index: Option<Arc<Index>>,
}

/// Files by path (every source the server registered is named by its absolute path), the open ones with the
/// editor's version of each, and the projects.
pub struct Files {
    pub db: Database,
    pub projects: Vec<Project>,
    sources: HashMap<PathBuf, Source>,
    open: HashMap<PathBuf, i32>,
}

impl Files {
    pub fn new() -> Files {
        Files {
            db: Database::new(),
            projects: Vec::new(),
            sources: HashMap::new(),
            open: HashMap::new(),
        }
    }

    /// The editor opened or changed a file; `version` is the editor's number for this text.
    pub fn set_open_text(&mut self, path: &Path, text: String, version: i32) -> usize {
        self.open.insert(path.to_path_buf(), version);
        self.set_text(path, text);
        self.project_of(path)
    }

    /// A file a request names that the editor has not opened: its text on disk, not marked open.
    pub fn load_from_disk(&mut self, path: &Path) -> std::io::Result<usize> {
        let text = std::fs::read_to_string(path)?;
        self.set_text(path, text);
        Ok(self.project_of(path))
    }

    /// The editor closed a file: the disk's text counts again.
    pub fn close(&mut self, path: &Path) -> usize {
        self.open.remove(path);
        let text = std::fs::read_to_string(path).unwrap_or_default();
        self.set_text(path, text);
        self.project_of(path)
    }

    /// The editor's version of an open file, so published diagnostics say which text they belong to.
    pub fn version(&self, path: &Path) -> Option<i32> {
        self.open.get(path).copied()
    }

    pub fn text(&self, path: &Path) -> Option<Arc<str>> {
        self.sources.get(path).map(|s| s.text(&self.db).clone())
    }

    pub fn source(&self, path: &Path) -> Option<Source> {
        self.sources.get(path).copied()
    }

    fn set_text(&mut self, path: &Path, text: String) {
        match self.sources.get(path) {
            Some(&source) => {
                if **source.text(&self.db) != *text {
                    self.db.set_text(source, text);
                }
            }
            None => {
                let source = self.db.add_source(path.display().to_string(), text);
                self.sources.insert(path.to_path_buf(), source);
            }
        }
    }

    fn source_or_disk(&mut self, path: &Path) -> Source {
        if let Some(source) = self.sources.get(path) {
            return *source;
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        self.set_text(path, text);
        self.sources[path]
    }

    /// The project `path` belongs to (made and refreshed here: its module list follows the disk and open files).
    pub fn project_of(&mut self, path: &Path) -> usize {
        let (root, single_file) = match project_root(path) {
            Some(root) => (root, None),
            None => (
                path.parent().unwrap_or(Path::new("/")).to_path_buf(),
                Some(path.to_path_buf()),
            ),
        };
        let existing = self
            .projects
            .iter()
            .position(|p| p.root == root && p.single_file == single_file);
        let modules = self.user_modules(&root, single_file.as_deref());
        let index = match existing {
            Some(i) => {
                self.db.set_user_modules(self.projects[i].workspace, modules);
                i
            }
            None => {
                let workspace = self.db.workspace(modules);
                self.projects.push(Project {
                    root,
                    single_file,
                    workspace,
                    index: None,
                });
                self.projects.len() - 1
            }
        };
        if self.projects[index].single_file.is_some() {
            let dir = self.projects[index].root.clone();
            let open = self
                .open
                .keys()
                .filter(|p| p.parent() == Some(&dir))
                .filter_map(|p| Some((p.clone(), self.text(p)?)))
                .collect();
            let workspace = self.projects[index].workspace;
            self.db.load_used_modules(workspace, &Siblings { dir, open });
            for module in self.projects[index].workspace.modules(&self.db).clone() {
                let name = PathBuf::from(module.source.name(&self.db));
                if name.is_absolute() {
                    self.sources.entry(name).or_insert(module.source);
                }
            }
        }
        index
    }

    fn user_modules(&mut self, root: &Path, single_file: Option<&Path>) -> Vec<(String, Source)> {
        if let Some(file) = single_file {
            return vec![("main".to_string(), self.source_or_disk(file))];
        }
        let src = root.join("src");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&src)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "pw"))
            .collect();
        paths.extend(
            self.open
                .keys()
                .filter(|p| p.parent() == Some(&src) && !paths.contains(p))
                .cloned()
                .collect::<Vec<_>>(),
        );
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let name = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (name, self.source_or_disk(&p))
            })
            .collect()
    }

    /// The checked program of a project, indexed (cached until the analysis changes).
    pub fn index(&mut self, project: usize) -> Arc<Index> {
        let analysis = paw_db::check(&self.db, self.projects[project].workspace).clone();
        let p = &mut self.projects[project];
        match &p.index {
            Some(index) if Arc::ptr_eq(&index.analysis, &analysis) => index.clone(),
            _ => {
                let index = Arc::new(Index::new(analysis));
                p.index = Some(index.clone());
                index
            }
        }
    }

    /// The user modules of a project: (module name, path, source).
    pub fn modules(&self, project: usize) -> Vec<(String, PathBuf, Source)> {
        self.projects[project]
            .workspace
            .modules(&self.db)
            .iter()
            .filter(|m| !m.is_std)
            .map(|m| (m.name.clone(), PathBuf::from(m.source.name(&self.db)), m.source))
            .collect()
    }

    /// Whether an open file of the project differs from its text on disk (which is what a build reads).
    pub fn has_unsaved_changes(&self, project: usize) -> bool {
        self.modules(project).into_iter().any(|(_, path, source)| {
            self.open.contains_key(&path)
                && std::fs::read_to_string(&path).is_ok_and(|disk| *disk != **source.text(&self.db))
        })
    }

    /// The file's path if it is a user's file (the standard library's are not on disk).
    pub fn path_of(&self, file: FileId) -> Option<PathBuf> {
        let path = PathBuf::from(self.db.source(file).name(&self.db));
        path.is_absolute().then_some(path)
    }

    pub fn range(&self, span: Span) -> Range {
        let text = self.db.source(span.file).text(&self.db).clone();
        let index = LineIndex::new(&text);
        Range::new(index.position(span.start as usize), index.position(span.end as usize))
    }

    pub fn location(&self, span: Span) -> Option<Location> {
        let uri = Url::from_file_path(self.path_of(span.file)?).ok()?;
        Some(Location::new(uri, self.range(span)))
    }
}

/// The project directory holding `path` as `src/NAME.pw`, if it has a `paw.toml`.
fn project_root(path: &Path) -> Option<PathBuf> {
    let src = path.parent()?;
    let root = src.parent()?;
    (src.file_name()? == "src" && root.join("paw.toml").is_file()).then(|| root.to_path_buf())
}

/// Single-file mode: `use NAME` reads `NAME.pw` beside the file, from the editor when it is open there.
struct Siblings {
    dir: PathBuf,
    open: HashMap<PathBuf, Arc<str>>,
}

impl SourceLoader for Siblings {
    fn load_user_module(&self, name: &str) -> Option<(String, String)> {
        let path = self.dir.join(format!("{name}.pw"));
        let text = match self.open.get(&path) {
            Some(text) => text.to_string(),
            None => std::fs::read_to_string(&path).ok()?,
        };
        Some((path.display().to_string(), text))
    }
}
