//! A checked project's built fuzzy fns, loaded on the interpreter and called directly rather than through the
//! executor: what `pawc eval`, `pawc map` and `pawc serve` answer with. The lock, the store and the interpreter
//! (local, or the serving engine of `--interpreter-url` / `[interpreter] url`) are the ones `pawc run`'s backend
//! uses, and the build state is decided by the same `paw_artifact::resolve`, so the answers and the messages are
//! the same.

use paw_artifact::{function_key, resolve, Artifact, NotReady, PawLock, ProgramId};
use paw_cache::{ModelChoice, PawHome};
use paw_check::hir::{FuzzyFn, Program};
use paw_fuzzy::{open_interpreter, Interpreter, ProjectLink, RemoteOptions};

use crate::models::{load_options, provisioner};
use crate::pipeline::{fuzzy_named, plural, Loaded, NotOne};

/// A project's builds as `pawc run` reaches them ([`ProjectLink`]: its `paw.lock`, the shared artifact store, the
/// interpreter the lock names, where calls run), with what `pawc build` is given to build it (named in the help of
/// a build that cannot be used).
pub struct Builds {
    link: ProjectLink,
}

/// `--interpreter-url` for the commands that answer calls.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct RemoteArgs {
    /// Answer calls on this OpenAI-compatible server running the interpreter model (llama.cpp's server,
    /// llama_cpp.server, vLLM), e.g. http://127.0.0.1:8080/v1, instead of the local model. Default: paw.toml's
    /// `[interpreter] url`.
    #[arg(long, value_name = "URL")]
    pub interpreter_url: Option<String>,
}

impl RemoteArgs {
    /// The server calls run on: the flag, else the project's `[interpreter] url`; `None`: the local model.
    pub fn options(&self, loaded: &Loaded) -> Result<Option<RemoteOptions>, String> {
        let manifest = loaded.project.manifest.as_ref();
        let Some(url) = self
            .interpreter_url
            .as_deref()
            .or_else(|| manifest.and_then(|m| m.interpreter.url.as_deref()))
        else {
            return Ok(None);
        };
        if !url.starts_with("http://") {
            return Err(format!(
                "the interpreter URL `{url}` is not an http:// URL\n  help: write the server's API base, e.g. \
                 `http://127.0.0.1:8080/v1` (paw speaks plain HTTP: reach an https:// server through a local proxy)"
            ));
        }
        Ok(Some(RemoteOptions::new(url)))
    }
}

/// A fuzzy fn whose build cannot be used: its Display is the one line `pawc run` would print, then the help.
#[derive(Clone, Debug)]
pub struct Unusable {
    pub key: String,
    pub why: NotReady,
    /// What to do: `run `pawc build PROJECT``, or how to change the types.
    pub help: String,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fuzzy fn `{}`: {}\n  help: {}", self.key, self.why, self.help)
    }
}

impl Builds {
    /// Reads the project's lock (absent: nothing built yet); artifacts are those of `$PAW_HOME`, calls run where
    /// `remote` says.
    pub fn open(loaded: &Loaded, remote: &RemoteArgs) -> Result<Builds, String> {
        let mut link = ProjectLink::open(&loaded.project.root, PawHome::from_env()).map_err(|e| e.to_string())?;
        link.build_target = loaded.project.build_target().to_path_buf();
        link.remote = remote.options(loaded)?;
        Ok(Builds { link })
    }

    /// The interpreter the lock's programs were built for (the default one without a lock).
    pub fn interpreter(&self) -> &ModelChoice {
        &self.link.interpreter
    }

    pub fn home(&self) -> &PawHome {
        &self.link.home
    }

    /// The project's `paw.lock`; `None` before its first build.
    pub fn lock(&self) -> Option<&PawLock> {
        self.link.lock.as_ref()
    }

    /// The program id and verified artifact of `f`'s current build, or why it cannot be used.
    pub fn artifact(&self, f: &FuzzyFn, program: &Program) -> Result<(ProgramId, Artifact), Unusable> {
        let unusable = |why: NotReady| Unusable {
            key: function_key(&f.module, &f.name),
            help: why.help(&self.link.build_target),
            why,
        };
        let (lock, store) = (self.link.lock.as_ref(), &self.link.store);
        let id = resolve(f, program, lock).built().map_err(unusable)?;
        let artifact = store
            .load(&id)
            .map_err(|e| unusable(NotReady::unloadable(store, &id, e)))?;
        Ok((id, artifact))
    }

    /// Opens the interpreter `choice` (fetching a missing default model as `pawc run` does): the model loaded, or
    /// the serving engine connected to, with the model file's tokenizer.
    pub fn load_interpreter(&self, choice: &ModelChoice) -> Result<Interpreter, String> {
        let path = provisioner(self.link.home.clone())
            .locate(choice, false)
            .map_err(|e| e.to_string())?;
        open_interpreter(&path, self.link.remote.as_ref(), &load_options()?)
    }
}

/// The one fuzzy fn `name` means (see [`fuzzy_named`]), or a message that lists what it could mean.
pub fn find<'p>(program: &'p Program, name: &str) -> Result<&'p FuzzyFn, String> {
    fuzzy_named(program, name).map_err(|why| {
        let what = match &why {
            NotOne::None(_) => format!("no fuzzy fn `{name}`"),
            NotOne::Several(fns) => format!("`{name}` names {}", plural(fns.len(), "fuzzy fn")),
        };
        format!("{what}\n  help: {}", why.help())
    })
}

/// [`find`], as an index into `program.fuzzy`.
pub fn find_index(program: &Program, name: &str) -> Result<usize, String> {
    let f = find(program, name)?;
    Ok(program
        .fuzzy
        .iter()
        .position(|g| std::ptr::eq(g, f))
        .expect("find answers one of the program's fuzzy fns"))
}
