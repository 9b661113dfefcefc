//! A fuzzy fn's build state, read from where `pawc run` reads it: the project's `paw.lock`, resolved against the
//! function's current spec by [`paw_artifact::resolve`] (the same call the runtime makes, so the editor never
//! claims a build that `pawc run` would refuse), and the artifact store under `$PAW_HOME`. Nothing is cached: each
//! request reads the lock and the store, so a build or an edit shows up on the next hover.

use std::path::Path;

use paw_artifact::{resolve, ArtifactStore, NotReady, PawLock, ProgramId};
use paw_check::hir::{FuzzyFn, Program};

/// How many lines of the pseudo-program hover shows.
const PSEUDO_PROGRAM_LINES: usize = 6;

/// A fuzzy fn's build state, as hover and the code lens show it.
#[derive(Clone, Debug, PartialEq)]
pub enum BuildState {
    Built {
        program_id: ProgramId,
        /// `(passed, total)` docstring examples of the artifact's self-test.
        self_test: (usize, usize),
        /// The first lines of its pseudo-program, and whether more follow.
        pseudo_program: Vec<String>,
        truncated: bool,
    },
    /// No build `pawc run` would use, in the words it uses, and what to run.
    NotReady { why: NotReady, help: String },
    /// The project's `paw.lock` cannot be read; the reason says why.
    Unavailable { reason: String },
}

/// The build state of `func` (of the checked `program`) in the project at `project_root`.
pub fn state(store: &ArtifactStore, project_root: &Path, func: &FuzzyFn, program: &Program) -> BuildState {
    let lock = match PawLock::read(project_root) {
        Ok(lock) => lock,
        Err(e) => return BuildState::Unavailable { reason: e.to_string() },
    };
    let not_ready = |why: NotReady| BuildState::NotReady {
        help: why.help(project_root),
        why,
    };
    let program_id = match resolve(func, program, lock.as_ref()).built() {
        Ok(id) => id,
        Err(why) => return not_ready(why),
    };
    match store.describe(&program_id) {
        Ok((meta, pseudo_program)) => {
            let lines: Vec<String> = pseudo_program.lines().map(str::to_string).collect();
            BuildState::Built {
                program_id,
                self_test: (meta.self_test.passed, meta.self_test.total),
                truncated: lines.len() > PSEUDO_PROGRAM_LINES,
                pseudo_program: lines.into_iter().take(PSEUDO_PROGRAM_LINES).collect(),
            }
        }
        Err(e) => not_ready(NotReady::unloadable(store, &program_id, e)),
    }
}

impl BuildState {
    /// Markdown for hover.
    pub fn describe(&self) -> String {
        match self {
            BuildState::NotReady { why, help } => format!("**build:** {why}; {help}"),
            BuildState::Built {
                program_id,
                self_test: (passed, total),
                pseudo_program,
                truncated,
            } => {
                let mut out = format!("**build:** built — program `{program_id}`, self-test {passed}/{total} passed");
                if !pseudo_program.is_empty() {
                    let more = if *truncated { "\n…" } else { "" };
                    out.push_str(&format!(
                        "\n\npseudo-program:\n```text\n{}{more}\n```",
                        pseudo_program.join("\n")
                    ));
                }
                out
            }
            BuildState::Unavailable { reason } => format!("**build:** unavailable — {reason}"),
        }
    }

    /// A few words for a code lens title.
    pub fn summary(&self) -> String {
        match self {
            BuildState::NotReady { why, .. } => why.summary().into(),
            BuildState::Built {
                self_test: (passed, total),
                ..
            } => format!("built, self-test {passed}/{total}"),
            BuildState::Unavailable { .. } => "unavailable".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use paw_artifact::artifact::PREFIX;
    use paw_artifact::testing::{stand_in_key, ArtifactBuilder};
    use paw_artifact::{program_id, spec_of, Artifact, SelfTest};
    use paw_check::{check_file, NoLoader};

    use super::*;

    fn checked(doc: &str) -> Program {
        let source = format!(
            "/// {doc}\n///\n/// >>> is_spam(\"win cash now\")\n/// true\nfuzzy fn is_spam(text: str) -> bool\n"
        );
        let mut files = paw_diagnostics::Files::new();
        let file = files.add("main.pw", source);
        let checked = check_file(&mut files, file, &NoLoader);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        checked.program
    }

    fn write_lock(root: &Path, id: &ProgramId) {
        let lock = PawLock {
            version: 1,
            build: stand_in_key(),
            compiler_model: "compiler".into(),
            interpreter_model: "interpreter".into(),
            functions: [("main.is_spam".to_string(), id.clone())].into(),
            data: Default::default(),
        };
        lock.write(root).unwrap();
    }

    /// What `pawc build` would store for the program's fuzzy fn, with a made-up program and self-test.
    fn artifact(program: &Program, id: &ProgramId, pseudo_program: &str) -> Artifact {
        let self_test = SelfTest {
            passed: 2,
            total: 3,
            results: vec![],
        };
        ArtifactBuilder::new(id, spec_of(&program.fuzzy[0], program).unwrap(), stand_in_key())
            .pseudo_program(pseudo_program)
            .prompt_template(format!("{pseudo_program}\n{{INPUT_PLACEHOLDER}}"))
            .prefix(vec![1; 16], 1)
            .self_test(self_test)
            .build()
    }

    #[test]
    fn the_state_follows_the_lock_the_store_and_the_current_spec() {
        let project = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let store = ArtifactStore::in_home(&paw_cache::PawHome::new(home.path()));
        let program = checked("Decide whether a text is spam.");
        let f = &program.fuzzy[0];
        let not_ready = |why: NotReady| BuildState::NotReady {
            help: why.help(project.path()),
            why,
        };
        assert_eq!(
            state(&store, project.path(), f, &program),
            not_ready(NotReady::NeverBuilt)
        );

        let id = program_id(&spec_of(f, &program).unwrap(), &stand_in_key());
        write_lock(project.path(), &id);
        assert_eq!(
            state(&store, project.path(), f, &program),
            not_ready(NotReady::Missing {
                id: id.clone(),
                dir: store.path(&id)
            })
        );

        let pseudo: String = (1..=8).map(|n| format!("line {n}\n")).collect();
        store.write(&artifact(&program, &id, &pseudo)).unwrap();
        let built = state(&store, project.path(), f, &program);
        let BuildState::Built {
            program_id,
            self_test,
            pseudo_program,
            truncated,
        } = &built
        else {
            panic!("{built:?}")
        };
        assert_eq!(
            (program_id, *self_test, pseudo_program.len(), *truncated),
            (&id, (2, 3), PSEUDO_PROGRAM_LINES, true)
        );
        let hover = built.describe();
        assert!(
            hover.contains(&format!("program `{id}`, self-test 2/3 passed")) && hover.contains("line 6\n…"),
            "{hover}"
        );

        // The docstring edited in the editor: the lock names an older spec.
        let edited = checked("Decide whether a text is advertising.");
        assert_eq!(
            state(&store, project.path(), &edited.fuzzy[0], &edited),
            not_ready(NotReady::Stale { locked: id.clone() })
        );

        std::fs::write(store.path(&id).join(PREFIX), [0u8; 3]).unwrap();
        assert!(
            matches!(state(&store, project.path(), f, &program), BuildState::NotReady { why: NotReady::Damaged { reason, .. }, .. } if reason.contains(PREFIX))
        );

        std::fs::write(project.path().join("paw.lock"), "{ not json").unwrap();
        assert!(
            matches!(state(&store, project.path(), f, &program), BuildState::Unavailable { reason } if reason.contains("paw.lock"))
        );
    }
}
