//! `pawc build --bin [PATH] [--out FILE]`: one standalone executable for a project.
//!
//! The program's native code and a C `main` go into an object file (cranelift-object, the same code
//! generation as `pawc run`'s JIT); the system C compiler (`cc`, or `$CC`) links it against the runtime, the
//! static library `libpaw_standalone.a` built with pawc. The executable carries the program's sources (checked
//! again at start, for the reference executor and for error messages) and the absolute project directory,
//! where it reads `paw.lock` to find the built fuzzy fns in the artifact cache, as `pawc run` does.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use paw_standalone::{Image, Module, IMAGE_FORMAT};

use crate::output::Output;
use crate::pipeline::{load_runnable, name, plural};

/// The environment variable that names the runtime library to link against, overriding the search beside pawc.
const RUNTIME_VAR: &str = "PAW_RUNTIME_LIB";
const RUNTIME_LIB: &str = "libpaw_standalone.a";

/// The system libraries Rust's standard library and the runtime's dependencies need when linked as a static
/// library (`rustc --print native-static-libs`).
const SYSTEM_LIBS: &[&str] = &["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"];

pub fn run(path: Option<&Path>, dest: Option<&Path>, out: &Output) -> ExitCode {
    let loaded = match load_runnable(path, out) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let project = &loaded.project;
    let root = match std::path::absolute(&project.root) {
        Ok(root) => root,
        Err(e) => {
            return out.user_error(&format!(
                "cannot find the absolute path of {}: {e}",
                project.root.display()
            ))
        }
    };
    let image = Image {
        format: IMAGE_FORMAT,
        name: name(project),
        root: root.clone(),
        modules: loaded
            .user_modules
            .iter()
            .map(|(module, file)| {
                let file = loaded.files.get(*file);
                Module {
                    name: module.clone(),
                    path: file.name.clone(),
                    text: file.text.to_string(),
                }
            })
            .collect(),
    };
    // The object is compiled from the program the executable will see when it checks its image at start.
    let checked = image.check();
    if checked.analysis.diagnostics.iter().any(|d| d.is_error()) {
        out.diagnostics(&checked.analysis.diagnostics, &checked.files);
        return internal("the program's embedded sources do not check");
    }
    let bytes = match serde_json::to_vec(&image) {
        Ok(bytes) => bytes,
        Err(e) => return internal(&format!("cannot serialize the program image: {e}")),
    };
    let (object, report) = match paw_native::compile_object(&checked.analysis.checked.program, &bytes) {
        Ok(compiled) => compiled,
        Err(e) => return out.user_error(&format!("cannot make a standalone executable: {e}")),
    };
    let exe_name = match &project.manifest {
        Some(m) => m.package.name.clone(),
        None => project.modules[0]
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "main".into()),
    };
    let dest = dest.map_or_else(|| root.join("target").join("paw").join(&exe_name), Path::to_path_buf);
    let runtime = match runtime_library() {
        Ok(lib) => lib,
        Err(e) => return out.user_error(&e),
    };
    if let Err(e) = link(&object, &runtime, &dest) {
        return out.user_error(&e);
    }
    let fuzzy = loaded.analysis.checked.program.fuzzy.len();
    out.status(
        "Finished",
        &format!(
            "{} ({} of {} native{})",
            dest.display(),
            report.native_count(),
            plural(report.functions.len(), "function"),
            if fuzzy > 0 {
                format!(
                    "; {} read through {}",
                    plural(fuzzy, "fuzzy fn"),
                    root.join("paw.lock").display()
                )
            } else {
                String::new()
            }
        ),
    );
    ExitCode::SUCCESS
}

fn internal(what: &str) -> ExitCode {
    eprintln!("error: internal error in pawc: {what} (this is a bug in paw, not in your program; please report it)");
    ExitCode::from(2)
}

/// The runtime library: `$PAW_RUNTIME_LIB`, else `libpaw_standalone.a` beside the pawc executable (where
/// cargo puts it when it builds pawc), else the newest one in cargo's `deps/` folder there.
fn runtime_library() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(RUNTIME_VAR) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{RUNTIME_VAR} names {}, which does not exist", path.display()))
        };
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the pawc executable: {e}"))?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    let beside = dir.join(RUNTIME_LIB);
    if beside.is_file() {
        return Ok(beside);
    }
    let newest = std::fs::read_dir(dir.join("deps"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("libpaw_standalone-") && n.ends_with(".a"))
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max();
    newest.map(|(_, path)| path).ok_or_else(|| {
        format!(
            "cannot find the paw runtime library ({RUNTIME_LIB}) beside {}\n  help: build it with `cargo build -p paw-standalone` \
             (in the same profile as pawc), or set {RUNTIME_VAR} to its path",
            exe.display()
        )
    })
}

/// Links `object` against `runtime` into the executable `dest`, atomically: the object and the executable are
/// written beside `dest` under temporary names, and the executable renamed into place.
fn link(object: &[u8], runtime: &Path, dest: &Path) -> Result<(), String> {
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file = dest.file_name().and_then(|n| n.to_str()).unwrap_or("program");
    let tmp = |ext: &str| dir.join(format!(".{file}.pawc-tmp-{}{ext}", std::process::id()));
    let (obj_path, exe_path) = (tmp(".o"), tmp(""));
    let result = (|| {
        std::fs::write(&obj_path, object).map_err(|e| format!("cannot write {}: {e}", obj_path.display()))?;
        let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
        let output = Command::new(&cc)
            .arg("-o")
            .arg(&exe_path)
            .arg(&obj_path)
            .arg(runtime)
            .arg("-Wl,--gc-sections")
            .args(SYSTEM_LIBS)
            .output()
            .map_err(|e| {
                format!(
                    "cannot run the C compiler `{}` to link the executable: {e}\n  help: install one (e.g. `apt install gcc`) or set CC",
                    cc.to_string_lossy()
                )
            })?;
        if !output.status.success() {
            return Err(format!(
                "linking {} failed ({}):\n{}",
                dest.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            ));
        }
        std::fs::rename(&exe_path, dest).map_err(|e| format!("cannot write {}: {e}", dest.display()))
    })();
    let _ = std::fs::remove_file(&obj_path);
    if result.is_err() {
        let _ = std::fs::remove_file(&exe_path);
    }
    result
}
