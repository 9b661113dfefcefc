//! `pawc build [DIR]`: check, compile the fuzzy functions whose spec changed, write `paw.lock`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use paw_artifact::{ArtifactStore, PawLock};
use paw_build::{BuildConfig, Event, NeuralCompiler, Outcome};
use paw_cache::{ModelChoice, PawHome};

use crate::data::read_project_data;
use crate::models::{load_options, provisioner};
use crate::output::Output;
use crate::pipeline::{load_and_check, plural};

pub struct BuildArgs<'a> {
    pub path: Option<&'a Path>,
    pub offline: bool,
    pub jobs: usize,
    pub deny_failing_examples: bool,
    pub compiler: Option<&'a str>,
    pub interpreter: Option<&'a str>,
}

/// The model a flag names, else the one `paw.toml` names (a relative file path is relative to the project).
fn choose_model(flag: Option<&str>, manifest: Option<&str>, root: &Path) -> Option<ModelChoice> {
    if let Some(flag) = flag {
        return Some(ModelChoice::parse(flag));
    }
    match ModelChoice::parse(manifest?) {
        ModelChoice::File(path) if path.is_relative() => Some(ModelChoice::File(root.join(path))),
        choice => Some(choice),
    }
}

pub fn run(args: BuildArgs, out: &Output) -> ExitCode {
    let started = Instant::now();
    let mut loaded = match load_and_check(args.path, out) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let data = match read_project_data(&mut loaded, out) {
        Ok(data) => data,
        Err(code) => return code,
    };
    let load = match load_options() {
        Ok(load) => load,
        Err(e) => return out.user_error(&e),
    };
    let mut config = BuildConfig {
        offline: args.offline,
        load,
        ..BuildConfig::default()
    };
    let manifest = loaded.project.manifest.as_ref();
    if let Some(adapter) = manifest.and_then(|m| m.compiler.adapter) {
        config.options.adapter = adapter;
    }
    if let Some(c) = choose_model(
        args.compiler,
        manifest.and_then(|m| m.compiler.model.as_deref()),
        &loaded.project.root,
    ) {
        config.compiler = c;
    }
    if let Some(i) = choose_model(
        args.interpreter,
        manifest.and_then(|m| m.interpreter.model.as_deref()),
        &loaded.project.root,
    ) {
        config.interpreter = i;
    }
    let home = PawHome::from_env();
    let store = ArtifactStore::in_home(&home);
    let key = match config.build_key(&home) {
        Ok(key) => key,
        Err(e) => return out.user_error(&e),
    };
    let planned = match paw_build::plan(&loaded.analysis.checked.program, &key, &store, &data) {
        Ok(p) => p,
        Err(errors) => {
            for e in &errors {
                eprintln!("{} {e}", out.paint("error:", "1;31"));
            }
            return ExitCode::from(1);
        }
    };
    let compiler = NeuralCompiler::new(config.clone(), key.clone(), provisioner(home));
    let todo = planned
        .iter()
        .filter(|p| p.status != paw_artifact::Status::Ready)
        .count();
    let progress = BuildProgress::new(todo);
    let reports = paw_build::build(&planned, &store, &compiler, args.jobs, &|e| progress.event(e, out));
    progress.finish();

    // Reports come back in plan order; a function that failed is in neither map.
    let built: Vec<_> = reports
        .iter()
        .zip(&planned)
        .filter(|(r, _)| !matches!(r.outcome, Outcome::Failed(_)))
        .collect();
    let lock = PawLock {
        version: 1,
        build: key,
        compiler_model: config.compiler.name(),
        interpreter_model: config.interpreter.name(),
        functions: built.iter().map(|(r, _)| (r.key.clone(), r.id.clone())).collect(),
        data: built
            .iter()
            .filter_map(|(_, p)| Some((p.key.clone(), p.spec.data.clone()?)))
            .collect(),
    };
    // A project without fuzzy fns needs no lock.
    if let Err(e) = if reports.is_empty() {
        Ok(())
    } else {
        lock.write(&loaded.project.root)
    } {
        return out.user_error(&format!("cannot write paw.lock: {e}"));
    }
    let failed = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    if reports.iter().any(|r| !matches!(r.outcome, Outcome::Cached)) {
        print_summary(&reports);
    }
    let compiled = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Compiled { .. }))
        .count();
    let failing_examples = report_failing_examples(&reports, &store, args.deny_failing_examples, out);
    let verb = if failed > 0 {
        out.paint("Failed", "1;31")
    } else {
        out.paint("Finished", "1;32")
    };
    eprintln!(
        "{verb} {}: {compiled} compiled, {} up to date{} in {:.2}s",
        plural(reports.len(), "fuzzy function"),
        reports.len() - compiled - failed,
        if failed > 0 {
            format!(", {failed} failed")
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64()
    );
    if failed > 0 || (args.deny_failing_examples && failing_examples > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Shows the docstring examples that built programs answer wrong: for the programs compiled now, or for
/// every program when `deny` makes them errors. Returns how many programs fail some.
fn report_failing_examples(reports: &[paw_build::Report], store: &ArtifactStore, deny: bool, out: &Output) -> usize {
    let mut failing = 0;
    for r in reports {
        let fresh = matches!(r.outcome, Outcome::Compiled { .. } | Outcome::BuiltConcurrently);
        if matches!(r.outcome, Outcome::Failed(_)) || !(fresh || deny) {
            continue;
        }
        let Ok((meta, _)) = store.describe(&r.id) else {
            continue;
        };
        let test = &meta.self_test;
        if test.passed == test.total {
            continue;
        }
        failing += 1;
        let (level, color) = if deny { ("error:", "1;31") } else { ("warning:", "1;33") };
        eprintln!(
            "{} `{}` answers {} of its {} docstring examples wrong:",
            out.paint(level, color),
            r.key,
            test.total - test.passed,
            test.total
        );
        for case in test.results.iter().filter(|c| !c.pass) {
            let args: Vec<String> = case.args.iter().map(|a| a.to_string()).collect();
            let got = case.error.clone().unwrap_or_else(|| case.got.to_string());
            eprintln!(
                "  {}({}): expected {}, got {got}",
                meta.spec.name,
                args.join(", "),
                case.expected
            );
        }
        eprintln!(
            "  help: make the docstring state the rule these examples follow, or give the function data \
             (`[functions.{}]` in paw.toml){}",
            meta.spec.name,
            if deny {
                ""
            } else {
                "; `--deny-failing-examples` makes this an error"
            }
        );
    }
    failing
}

fn print_summary(reports: &[paw_build::Report]) {
    let width = reports.iter().map(|r| r.key.len()).max().unwrap_or(8).max(8);
    eprintln!(
        "{:<width$}  {:<10}  {:<9}  {:>7}  program",
        "function", "result", "self-test", "time"
    );
    for r in reports {
        let result = match &r.outcome {
            Outcome::Cached => "cached",
            Outcome::Compiled { replaced_corrupt: None } => "compiled",
            Outcome::Compiled {
                replaced_corrupt: Some(_),
            } => "rebuilt",
            Outcome::BuiltConcurrently => "concurrent",
            Outcome::Failed(_) => "FAILED",
        };
        let self_test = r.self_test.map_or("-".to_string(), |(p, t)| format!("{p}/{t}"));
        eprintln!(
            "{:<width$}  {result:<10}  {self_test:<9}  {:>6.1}s  {}",
            r.key, r.seconds, r.id
        );
        if let Outcome::Failed(why) = &r.outcome {
            eprintln!("  error: {why}");
        }
    }
}

/// One bar over the functions to compile (with ETA), and a spinner per function being compiled.
struct BuildProgress {
    multi: MultiProgress,
    overall: ProgressBar,
    active: Mutex<Vec<(String, ProgressBar)>>,
}

impl BuildProgress {
    fn new(todo: usize) -> BuildProgress {
        let multi = MultiProgress::new();
        let overall = if todo == 0 {
            ProgressBar::hidden()
        } else {
            let bar = multi.add(ProgressBar::new(todo as u64));
            bar.set_style(
                ProgressStyle::with_template(
                    "   Compiling [{bar:30}] {pos}/{len} fuzzy fns, {elapsed} elapsed, ETA {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        };
        BuildProgress {
            multi,
            overall,
            active: Mutex::new(Vec::new()),
        }
    }

    fn event(&self, event: Event, out: &Output) {
        match event {
            Event::Corrupt { key, reason } => {
                let _ = self.multi.println(format!(
                    "{} artifact of `{key}` is damaged ({reason}); rebuilding it",
                    out.paint("warning:", "1;33")
                ));
            }
            Event::Started { key } => {
                let spinner = self.multi.add(ProgressBar::new_spinner());
                spinner
                    .set_style(ProgressStyle::with_template("   {spinner} {msg} ({elapsed})").expect("valid template"));
                spinner.set_message(key.to_string());
                spinner.enable_steady_tick(Duration::from_millis(200));
                self.active.lock().unwrap().push((key.to_string(), spinner));
            }
            Event::Finished { report } => {
                let mut active = self.active.lock().unwrap();
                if let Some(i) = active.iter().position(|(k, _)| *k == report.key) {
                    let (_, spinner) = active.remove(i);
                    spinner.finish_and_clear();
                    self.multi.remove(&spinner);
                    self.overall.inc(1);
                }
            }
        }
    }

    fn finish(&self) {
        self.overall.finish_and_clear();
    }
}
