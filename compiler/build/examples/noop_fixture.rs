//! Benchmark fixture for a no-op `pawc build`: writes a project with N fuzzy fns to DIR/project and fills
//! DIR/home/artifacts with an artifact for each (real ids for the default models and options; the
//! artifacts' content is a stand-in of realistic size, since a no-op build never reads a model). Then:
//!
//!     cargo run -p paw-build --example noop_fixture -- /tmp/noop 50
//!     PAW_HOME=/tmp/noop/home pawc build --offline /tmp/noop/project
//!
//! (the models' `.sha256` stamps are not needed: default models are identified by their pinned hashes).

use paw_artifact::testing::ArtifactBuilder;
use paw_artifact::ArtifactStore;
use paw_build::BuildConfig;
use paw_cache::PawHome;
use paw_check::{check_file, NoLoader};
use paw_diagnostics::Files;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).expect("usage: noop_fixture DIR [N]"));
    let n: usize = args.get(2).map_or(50, |s| s.parse().expect("N is a number"));
    let mut source = String::new();
    for i in 0..n {
        source.push_str(&format!(
            "/// Decide whether message {i} is about topic {i}.\n///\n/// >>> topic_{i}(\"example {i}\")\n/// true\nfuzzy fn topic_{i}(text: str) -> bool\n\n"
        ));
    }
    let project = dir.join("project");
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(
        project.join("paw.toml"),
        "[package]\nname = \"noop\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(project.join("src/main.pw"), &source).unwrap();

    let mut files = Files::new();
    let file = files.add("main.pw", source);
    let checked = check_file(&mut files, file, &NoLoader);
    let home = PawHome::new(dir.join("home"));
    let key = BuildConfig::default().build_key(&home).unwrap();
    let store = ArtifactStore::in_home(&home);
    let planned = paw_build::plan(&checked.program, &key, &store, &Default::default()).unwrap();
    for p in &planned {
        // A 340-token prefix of the 0.5B interpreter is about 8 MiB.
        let artifact = ArtifactBuilder::new(&p.id, p.spec.clone(), key.clone())
            .prefix(vec![1; 340 * 24 * 1024], 340)
            .build();
        store.write(&artifact).unwrap();
    }
    println!("{} artifacts in {}", planned.len(), store.root().display());
}
