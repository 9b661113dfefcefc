//! `pawc build` killed with SIGKILL at seeded random points of every stage, on the tiny smoke model. After each
//! kill the store holds only artifacts that pass its own verification, `paw.lock` parses and names only those,
//! no store lock is left held, and the next build completes; after it, no temporary directory or file is left.
//!
//! The kill points are found from outside: the moments a build takes the store lock (compiling starts with
//! loading the models), creates the artifact's temporary directory and renames it into place are seen by
//! polling the store; the stages between (examples, prefix, head or calibration) are placed with the
//! `timings.json` of a complete build. Each trial has its own `PAW_HOME` (models linked to the shared cache)
//! and its own copy of the project.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use paw_artifact::{ArtifactStore, PawLock, ProgramId};
use paw_cache::PawHome;

use crate::fuzzy::{one_model_test_at_a_time, pawc_with_home, scratch_home};
use crate::{assert_exit, stderr, stdout};

const MANIFEST: &str = "[package]\nname = \"killsafe\"\nversion = \"0.1.0\"\n\n[compiler]\nmodel = \"smoke\"\n\n[interpreter]\nmodel = \"smoke\"\n";

const MAIN: &str = r#"/// Is this log line an alert?
///
/// >>> is_alert("2024-05-01 12:00:01 ERROR disk /dev/sda1 is 98% full")
/// true
/// >>> is_alert("2024-05-01 12:00:02 INFO user alice logged in")
/// false
fuzzy fn is_alert(line: str) -> bool

fn main() {
    print("{is_alert("2024-05-01 12:00:03 ERROR out of memory")}");
}
"#;

/// A hung build (a lock left held) fails the test instead of hanging it; no build comes near this.
const HANG: Duration = Duration::from_secs(300);

/// What a build shows from outside, in the order it happens.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mark {
    Spawned,
    /// `.locks/<id>.lock` exists: the build holds the store lock and loads the models.
    Locked,
    /// `.tmp-<id>-…/` exists: the artifact is being written.
    Writing,
    /// `<id>/` exists: the artifact is complete; `paw.lock` is written next.
    Stored,
}

#[derive(Clone, Copy, Debug)]
enum Stage {
    Planning,
    ModelLoading,
    Examples,
    Prefix,
    HeadOrCalibration,
    ArtifactWrite,
    LockWrite,
}

/// Planning (checking, program ids, the store's state) ends well before this, so the first trial's next build
/// usually runs every stage.
const PLANNING: (Mark, f64, f64) = (Mark::Spawned, 0.0, 0.05);

/// Where a complete build spends its time after taking the lock, in seconds from [`Mark::Locked`].
struct Reference {
    loading: f64,
    examples: f64,
    prefix: f64,
    head: f64,
}

impl Reference {
    /// The window of `stage` as (mark, from, to) in seconds after the mark.
    fn window(&self, stage: Stage) -> (Mark, f64, f64) {
        let examples = self.loading;
        let prefix = examples + self.examples;
        let head = prefix + self.prefix;
        match stage {
            Stage::Planning => PLANNING,
            Stage::ModelLoading => (Mark::Locked, 0.0, self.loading),
            Stage::Examples => (Mark::Locked, examples, prefix),
            Stage::Prefix => (Mark::Locked, prefix, head),
            Stage::HeadOrCalibration => (Mark::Locked, head, head + self.head),
            Stage::ArtifactWrite => (Mark::Writing, 0.0, 0.0),
            Stage::LockWrite => (Mark::Stored, 0.0, 0.0),
        }
    }
}

/// SplitMix64: the same kill points on every run.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Run {
    /// Whether SIGKILL ended it (false: it had finished before the kill point).
    killed: bool,
    code: Option<i32>,
    marks: Vec<(Mark, f64)>,
    stderr: String,
}

impl Run {
    fn at(&self, mark: Mark) -> Option<f64> {
        seen_at(&self.marks, mark)
    }
}

fn seen_at(marks: &[(Mark, f64)], mark: Mark) -> Option<f64> {
    marks.iter().find(|(m, _)| *m == mark).map(|&(_, t)| t)
}

/// The marks visible in the store now.
fn marks_in(store: &Path) -> Vec<Mark> {
    let mut marks = Vec::new();
    let Ok(entries) = std::fs::read_dir(store) else {
        return marks;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let mark = if name == ".locks" {
            Mark::Locked
        } else if name.starts_with(".tmp-") {
            Mark::Writing
        } else {
            Mark::Stored
        };
        marks.push(mark);
    }
    marks
}

/// Runs `pawc build` in `project`, watching the store, and kills it `after` seconds past `mark` when given.
fn build(home: &Path, project: &Path, kill: Option<(Mark, f64)>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pawc"))
        .arg("build")
        .current_dir(project)
        .env("NO_COLOR", "1")
        .env("PAW_HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pawc runs");
    let start = Instant::now();
    let store = home.join("artifacts");
    let mut marks = vec![(Mark::Spawned, 0.0)];
    let mut killed = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let now = start.elapsed().as_secs_f64();
        for mark in marks_in(&store) {
            if seen_at(&marks, mark).is_none() {
                marks.push((mark, now));
            }
        }
        let due = kill.and_then(|(mark, after)| Some(seen_at(&marks, mark)? + after));
        if !killed && due.is_some_and(|due| now >= due) {
            child.kill().unwrap();
            killed = true;
        }
        if start.elapsed() >= HANG {
            let _ = child.kill();
            panic!("pawc build ran for {HANG:?}: is a lock left held?");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let output = child.wait_with_output().unwrap();
    Run {
        killed: status.signal() == Some(9),
        code: status.code(),
        marks,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The store holds only artifacts that load (fully verified) and temporary directories of builds; `paw.lock`,
/// when there is one, parses and names only artifacts of the store. Returns the ids of the artifacts.
fn check_consistent(home: &Path, project: &Path, context: &str) -> Vec<ProgramId> {
    let store = ArtifactStore::in_home(&PawHome::new(home));
    let mut ids = Vec::new();
    if let Ok(entries) = std::fs::read_dir(store.root()) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == ".locks" || name.starts_with(".tmp-") {
                continue;
            }
            let id = ProgramId::from(name.as_str());
            if let Err(e) = store.load(&id) {
                panic!("{context}: artifacts/{name} does not verify: {e}");
            }
            ids.push(id);
        }
    }
    let lock = PawLock::read(project).unwrap_or_else(|e| panic!("{context}: {e}"));
    for id in lock.iter().flat_map(|l| l.functions.values()) {
        assert!(
            ids.contains(id),
            "{context}: paw.lock names {id}, which is not in the store"
        );
    }
    ids
}

/// The store's temporary directories: artifacts being written, or left by a killed build.
fn temp_dirs(home: &Path) -> Vec<String> {
    std::fs::read_dir(PawHome::new(home).artifacts_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect()
}

/// Files a build left in the project beside `paw.lock` (its temporary file, when killed before the rename).
fn project_temps(project: &Path) -> Vec<String> {
    std::fs::read_dir(project)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// Every id lock in the store can be taken at once: none is held by a killed build.
fn check_no_lock_held(home: &Path, context: &str) {
    let store = ArtifactStore::in_home(&PawHome::new(home));
    let Ok(entries) = std::fs::read_dir(store.root().join(".locks")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = ProgramId::from(name.strip_suffix(".lock").unwrap());
        let (tx, rx) = mpsc::channel();
        let store = store.clone();
        std::thread::spawn(move || {
            let _ = tx.send(store.lock(&id).map(drop));
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(taken) => taken.unwrap_or_else(|e| panic!("{context}: cannot take {name}: {e}")),
            Err(_) => panic!("{context}: {name} is still held after the build was killed"),
        }
    }
}

struct Trial {
    home: tempfile::TempDir,
    project: tempfile::TempDir,
}

impl Trial {
    fn new() -> Trial {
        let project = tempfile::tempdir().unwrap();
        std::fs::write(project.path().join("paw.toml"), MANIFEST).unwrap();
        std::fs::create_dir(project.path().join("src")).unwrap();
        std::fs::write(project.path().join("src/main.pw"), MAIN).unwrap();
        Trial {
            home: scratch_home(),
            project,
        }
    }

    /// Kills a build at `kill`, checks what it left, and builds again. Returns both builds.
    fn run(&self, stage: Stage, kill: (Mark, f64)) -> (Run, Run) {
        let (home, project) = (self.home.path(), self.project.path());
        let victim = build(home, project, Some(kill));
        let context = format!("{stage:?} ({:.3}s after {:?})", kill.1, kill.0);
        let ids = check_consistent(home, project, &format!("{context}, after the kill"));
        eprintln!(
            "killsafe: {context}: {}; left {} artifact(s), {} temporary dir(s), {} temporary file(s) in the project, {}",
            if victim.killed {
                "killed".to_string()
            } else {
                format!("had finished with {:?}", victim.code)
            },
            ids.len(),
            temp_dirs(home).len(),
            project_temps(project).len(),
            if project.join("paw.lock").exists() {
                "paw.lock"
            } else {
                "no paw.lock"
            }
        );

        let next = build(home, project, None);
        assert_eq!(next.code, Some(0), "{context}: the next build failed:\n{}", next.stderr);
        assert!(
            next.stderr
                .contains("Finished 1 fuzzy function: 1 compiled, 0 up to date")
                || next
                    .stderr
                    .contains("Finished 1 fuzzy function: 0 compiled, 1 up to date"),
            "{context}: {}",
            next.stderr
        );
        let ids = check_consistent(home, project, &format!("{context}, after the next build"));
        assert_eq!(ids.len(), 1, "{context}: {ids:?}");
        let lock = PawLock::read(project).unwrap().expect("the build wrote paw.lock");
        assert_eq!(lock.functions.get("main.is_alert"), Some(&ids[0]), "{context}");
        let leftovers = temp_dirs(home);
        assert!(leftovers.is_empty(), "{context}: {leftovers:?}");
        let litter = project_temps(project);
        assert!(
            litter.is_empty(),
            "{context}: temporary files left in the project: {litter:?}"
        );
        check_no_lock_held(home, &context);
        (victim, next)
    }
}

#[test]
fn builds_killed_at_random_points_leave_a_store_the_next_build_completes() {
    let _models = one_model_test_at_a_time();
    // Fetched (when missing) outside any trial, so no kill lands in a download.
    let trial = Trial::new();
    let fetch = pawc_with_home(trial.home.path(), trial.project.path(), &["model", "path", "smoke"]);
    assert_exit(&fetch, 0);

    let mut rng = Rng(0x6b69_6c6c_7361_6665);
    let mut pick = |(mark, from, to): (Mark, f64, f64)| (mark, from + (to - from) * (0.1 + 0.8 * rng.unit()));

    // The first trial's next build is complete and uninterrupted: it places the stages for the others, unless
    // the killed build had already taken the store lock (then the next one cannot be seen taking it).
    let (victim, mut first) = trial.run(Stage::Planning, pick(PLANNING));
    let mut reference_trial = &trial;
    let fresh;
    if victim.at(Mark::Locked).is_some() {
        fresh = Trial::new();
        first = build(fresh.home.path(), fresh.project.path(), None);
        assert_eq!(first.code, Some(0), "{}", first.stderr);
        reference_trial = &fresh;
    }
    let locked = first.at(Mark::Locked).expect("the complete build took the store lock");
    let writing = first
        .at(Mark::Writing)
        .or(first.at(Mark::Stored))
        .expect("the build wrote its artifact");
    let id = &PawLock::read(reference_trial.project.path())
        .unwrap()
        .unwrap()
        .functions["main.is_alert"];
    let timings = ArtifactStore::in_home(&PawHome::new(reference_trial.home.path()))
        .load(id)
        .unwrap()
        .timings;
    let ms = |ms: u64| ms as f64 / 1000.0;
    let reference = Reference {
        loading: (writing - locked - ms(timings.total_ms)).max(0.05),
        examples: ms(timings.pseudo_program_ms),
        prefix: ms(timings.prefix_ms),
        head: ms(timings.calibration_ms),
    };
    eprintln!(
        "killsafe: reference build: loading {:.2}s, examples {:.2}s, prefix {:.2}s, head or calibration {:.2}s",
        reference.loading, reference.examples, reference.prefix, reference.head
    );

    for stage in [
        Stage::ModelLoading,
        Stage::ModelLoading,
        Stage::Examples,
        Stage::Examples,
        Stage::Prefix,
        Stage::HeadOrCalibration,
        Stage::HeadOrCalibration,
        Stage::ArtifactWrite,
        Stage::LockWrite,
    ] {
        Trial::new().run(stage, pick(reference.window(stage)));
    }

    // The artifact a recovered build left is the one `pawc run` uses.
    let out = pawc_with_home(trial.home.path(), trial.project.path(), &["run"]);
    assert_exit(&out, 0);
    assert!(
        ["true\n", "false\n"].contains(&stdout(&out).as_str()),
        "{}",
        stderr(&out)
    );
}
