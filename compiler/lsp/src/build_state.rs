//! What the server knows about building fuzzy functions, behind one trait so that the build system (`pawc build`,
//! artifacts in `$PAW_HOME/artifacts/<id>/`, `paw.lock`) can supply the real state and the real build.

use std::path::Path;

/// A fuzzy fn's build state, as hover shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum BuildState {
    /// No `paw.lock` entry names it.
    NeverBuilt,
    /// Built once, but its spec changed since.
    Stale { program_id: String },
    Built {
        program_id: String,
        /// `(passed, total)` docstring examples of the artifact's self-test.
        self_test: Option<(u32, u32)>,
        /// The first lines of its pseudo-program.
        pseudo_program: Vec<String>,
    },
    /// Something names it but this server cannot tell more; the reason says what.
    Unknown { reason: String },
}

/// The build system as the editor sees it.
pub trait BuildBackend {
    /// The state of fuzzy fn `function` (`module.name`) of the project at `project_root`.
    fn state(&self, project_root: &Path, function: &str) -> BuildState;
    /// Builds `function`; `Ok` is a message for the user, `Err` says why it could not be built.
    fn build(&self, project_root: &Path, function: &str) -> Result<String, String>;
}

/// The backend until `pawc build` exists: reads `paw.lock` to tell "never built", and builds nothing.
pub struct LockFileOnly;

impl BuildBackend for LockFileOnly {
    fn state(&self, project_root: &Path, function: &str) -> BuildState {
        let Ok(lock) = std::fs::read_to_string(project_root.join("paw.lock")) else { return BuildState::NeverBuilt };
        let short = function.rsplit('.').next().unwrap_or(function);
        let named = lock.lines().any(|line| {
            line.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).any(|word| word == function || word == short)
        });
        if named {
            BuildState::Unknown { reason: "`paw.lock` names it, but this pawc cannot read build artifacts yet".into() }
        } else {
            BuildState::NeverBuilt
        }
    }

    fn build(&self, _project_root: &Path, function: &str) -> Result<String, String> {
        Err(format!(
            "cannot build `{function}`: `pawc build` is not available in this version of pawc yet, so fuzzy functions cannot be compiled (nothing was built)"
        ))
    }
}

impl BuildState {
    /// Markdown lines for hover.
    pub fn describe(&self) -> String {
        match self {
            BuildState::NeverBuilt => "**build:** never built — run `pawc build`".into(),
            BuildState::Stale { program_id } => {
                format!("**build:** stale (spec changed since program `{program_id}`) — run `pawc build`")
            }
            BuildState::Built { program_id, self_test, pseudo_program } => {
                let mut out = format!("**build:** built, program `{program_id}`");
                if let Some((passed, total)) = self_test {
                    out.push_str(&format!(", self-test {passed}/{total}"));
                }
                if !pseudo_program.is_empty() {
                    out.push_str(&format!("\n\n```text\n{}\n```", pseudo_program.join("\n")));
                }
                out
            }
            BuildState::Unknown { reason } => format!("**build:** unknown: {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_lock_entry_a_function_was_never_built() {
        let dir = std::env::temp_dir().join(format!("paw-lsp-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(LockFileOnly.state(&dir, "main.is_spam"), BuildState::NeverBuilt);
        std::fs::write(dir.join("paw.lock"), "[functions]\n\"main.other\" = \"abc\"\n").unwrap();
        assert_eq!(LockFileOnly.state(&dir, "main.is_spam"), BuildState::NeverBuilt);
        std::fs::write(dir.join("paw.lock"), "[functions]\n\"main.is_spam\" = \"abc\"\n").unwrap();
        assert!(matches!(LockFileOnly.state(&dir, "main.is_spam"), BuildState::Unknown { .. }));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn building_says_it_is_not_available_and_claims_nothing() {
        let err = LockFileOnly.build(Path::new("."), "main.is_spam").unwrap_err();
        assert!(err.contains("`pawc build` is not available"), "{err}");
    }
}
