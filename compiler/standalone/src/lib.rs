//! The runtime of standalone executables made by `pawc build --bin`.
//!
//! Such an executable is one object file (made by `paw_native::compile_object`: the program's native code, a
//! C `main`, and the program's [`Image`] as data) linked against this crate as a static library. `main` calls
//! [`paw_standalone_main`], which checks the embedded sources again (the reference executor, error messages
//! and `.pw` stack traces need the checked program), finds the native code again with `paw_native::link`,
//! links the project's fuzzy fns exactly as `pawc run` does (`paw.lock` and the artifact cache, through
//! `paw_fuzzy::ProjectLink`), and runs `main`.

use std::io::IsTerminal;
use std::path::PathBuf;

use paw_cache::PawHome;
use paw_check::NoLoader;
use paw_db::CheckedOnce;
use paw_diagnostics::render::render;
use paw_diagnostics::Files;
use paw_fuzzy::{Problem, ProjectLink};
use paw_model::LoadOptions;
use paw_native::Entry;
use paw_runtime::RunOptions;
use serde::{Deserialize, Serialize};

/// The version of [`Image`]'s layout.
pub const IMAGE_FORMAT: u32 = 1;

/// The environment variable that points an executable at its project (the directory with `paw.lock`) when the
/// project is no longer where it was built.
pub const PROJECT_VAR: &str = "PAW_PROJECT";

/// What an executable carries besides its machine code: the program's sources, as checked when it was built.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub format: u32,
    /// The program's name for messages, e.g. `hello v0.1.0`.
    pub name: String,
    /// The absolute project directory: where the executable reads `paw.lock` (see [`PROJECT_VAR`]).
    pub root: PathBuf,
    /// Every user module, in the order they were checked.
    pub modules: Vec<Module>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Module {
    pub name: String,
    /// The path shown in messages (relative to the project, as `pawc run` shows it).
    pub path: String,
    pub text: String,
}

impl Image {
    /// Checks the image's program: the same check `pawc` made before building the executable, so the same
    /// program (the standard library comes with this crate).
    pub fn check(&self) -> CheckedOnce {
        let mut files = Files::new();
        let modules = self
            .modules
            .iter()
            .map(|m| (m.name.clone(), files.add(m.path.clone(), m.text.clone())))
            .collect();
        paw_db::check_once(&files, modules, &NoLoader)
    }
}

/// The C entry point of a standalone executable, called by its `main` with what `paw_native::compile_object`
/// put in the object: the table of native entries (one per function, null where not compiled), the
/// serialized [`Image`], and the code id the entries were compiled for. Returns the exit status: 0, 1 for a
/// problem in the program or its input (as `pawc run`), 2 for an internal error.
///
/// # Safety
/// The pointers and lengths must describe readable memory that lives as long as the process, as the object's
/// data does.
#[no_mangle]
pub unsafe extern "C" fn paw_standalone_main(
    entries: *const Option<Entry>,
    entry_count: usize,
    image: *const u8,
    image_len: usize,
    code_id: *const u8,
    code_id_len: usize,
) -> i32 {
    // As the Rust runtime does before `main` (and so `pawc run`): writing to a closed pipe is an error, not a
    // signal that kills the process.
    // SAFETY: setting a signal's disposition to "ignore" has no preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    // SAFETY: the caller's contract.
    let (entries, image, code_id) = unsafe {
        (
            std::slice::from_raw_parts(entries, entry_count).to_vec(),
            std::slice::from_raw_parts(image, image_len).to_vec(),
            String::from_utf8_lossy(std::slice::from_raw_parts(code_id, code_id_len)).into_owned(),
        )
    };
    // Checking and running recurse over the program; a large stack keeps deep (but bounded) programs safe.
    let worker = std::thread::Builder::new()
        .name("paw".into())
        .stack_size(256 << 20)
        .spawn(move || run(entries, &image, &code_id));
    let status = match worker.map(|w| w.join()) {
        Ok(Ok(status)) => status,
        _ => internal_error("the program's runtime failed"),
    };
    // The Rust runtime flushes stdout at exit; a C `main` returning does not.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    status
}

fn internal_error(what: &str) -> i32 {
    eprintln!("error: internal error in paw: {what} (this is a bug in paw, not in your program; please report it)");
    2
}

fn run(entries: Vec<Option<Entry>>, image: &[u8], code_id: &str) -> i32 {
    let image = match serde_json::from_slice::<Image>(image) {
        Ok(image) if image.format == IMAGE_FORMAT => image,
        _ => return internal_error("the executable's program image is unreadable (made by another version of paw?)"),
    };
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
    let checked = image.check();
    if let Some(error) = checked.analysis.diagnostics.iter().find(|d| d.is_error()) {
        eprint!("{}", render(error, &checked.files, color));
        return internal_error("the executable's program no longer checks");
    }
    let program = &checked.analysis.checked.program;
    let root = std::env::var_os(PROJECT_VAR).map_or_else(|| image.root.clone(), PathBuf::from);
    let link = match ProjectLink::open(&root, PawHome::from_env()) {
        Ok(link) => link,
        Err(e) => return user_error(&e.to_string(), color),
    };
    let interpreter = match link.problems(program) {
        Ok(interpreter) => interpreter,
        Err(problems) => return not_ready(&image, &root, &problems, color),
    };
    let kernels = match LoadOptions::with_kernels_setting(std::env::var("PAW_KERNELS").ok().as_deref()) {
        Ok(kernels) => kernels,
        Err(e) => return user_error(&format!("PAW_KERNELS: {e}"), color),
    };
    // The interpreter's file was hashed in full just above; the first fuzzy call loads that file, and a program
    // without fuzzy fns never asks for one.
    let mut backend = link.backend(
        program,
        move |choice, home| interpreter.clone().map_or_else(|| paw_fuzzy::present(choice, home), Ok),
        kernels,
    );
    if paw_fuzzy::trace_from_env() {
        backend = backend.with_trace(Box::new(|e| eprintln!("{e}")));
    }
    let options = RunOptions {
        args: std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        fuzzy: std::sync::Arc::new(backend),
        ..RunOptions::default()
    };
    let result = paw_runtime::on_big_stack(move || {
        let native = paw_native::link(program, entries, code_id)?;
        Ok::<_, String>(paw_runtime::run_main_with(program, options, Some(&native)))
    });
    match result {
        Ok(Ok(())) => 0,
        Ok(Err(error)) => {
            eprint!("{}", render(&error.to_diagnostic(), &checked.files, color));
            eprintln!("{}", error.render_trace(&checked.files));
            1
        }
        Err(why) => internal_error(&why),
    }
}

fn paint(text: &str, color: bool) -> String {
    if color {
        format!("\x1b[1;31m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn user_error(message: &str, color: bool) -> i32 {
    eprintln!("{} {message}", paint("error:", color));
    1
}

/// The fuzzy fns cannot run: says why and what to run.
fn not_ready(image: &Image, root: &std::path::Path, problems: &[Problem], color: bool) -> i32 {
    let mut message = format!("{} cannot run: its fuzzy functions are not ready", image.name);
    for p in problems {
        message.push_str(&format!("\n  - {p}"));
    }
    if problems.iter().any(|p| matches!(p, Problem::Function { .. })) {
        message.push_str(&format!(
            "\n  help: run `pawc build {}` to compile them; if the project's sources changed since this executable was made, \
             run `pawc build --bin {}` too",
            root.display(),
            root.display()
        ));
    }
    if problems.iter().any(|p| matches!(p, Problem::Model(_))) {
        message.push_str("\n  help: run `pawc model fetch interpreter` to fetch the interpreter model");
    }
    message.push_str(&format!(
        "\n  note: this executable reads {} (set {PROJECT_VAR} to the project directory if it moved)",
        root.join(paw_artifact::LOCK_FILE).display()
    ));
    user_error(&message, color)
}
