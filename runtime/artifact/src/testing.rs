//! Test support, not used by paw itself: a builder of stand-in artifacts for tests and benchmark fixtures that
//! need an artifact in a store but no model to make it.

use crate::artifact::FORMAT;
use crate::{Artifact, BuildKey, Meta, ProgramId, SelfTest, Spec, Timings, INPUT_PLACEHOLDER};

/// The build key of stand-in builds (`compiler_version` "test", model hashes "c" and "i", no options): what
/// tests that plan, lock or resolve without models compute program ids with.
pub fn stand_in_key() -> BuildKey {
    BuildKey {
        compiler_version: "test".into(),
        compiler_sha256: "c".into(),
        interpreter_sha256: "i".into(),
        options: "{}".into(),
        data_pipeline: String::new(),
    }
}

/// A made-up artifact of a spec: the docstring as pseudo-program inside PAW's `[INPUT]` framing, models
/// named `compiler` and `interpreter`, an empty prefix, no examples, head, adapter or calibration, and an empty
/// self-test, each changeable.
pub struct ArtifactBuilder {
    artifact: Artifact,
    prompt_template: Option<String>,
}

impl ArtifactBuilder {
    pub fn new(id: &ProgramId, spec: Spec, build: BuildKey) -> ArtifactBuilder {
        let pseudo_program = spec.doc.clone();
        ArtifactBuilder {
            artifact: Artifact {
                meta: Meta {
                    format: FORMAT.into(),
                    id: id.clone(),
                    spec,
                    build,
                    compiler_model: "compiler".into(),
                    interpreter_model: "interpreter".into(),
                    examples: vec![],
                    dropped_examples: 0,
                    calibration: vec![],
                    head: None,
                    held_out: None,
                    prefix_tokens: 0,
                    self_test: SelfTest::default(),
                    data: None,
                    imported: None,
                    adapter: None,
                },
                prompt_template: String::new(),
                pseudo_program,
                prefix: vec![],
                head: None,
                adapter: None,
                timings: Timings::default(),
            },
            prompt_template: None,
        }
    }

    pub fn models(mut self, compiler: &str, interpreter: &str) -> ArtifactBuilder {
        self.artifact.meta.compiler_model = compiler.into();
        self.artifact.meta.interpreter_model = interpreter.into();
        self
    }

    /// The pseudo-program, which the default prompt template frames.
    pub fn pseudo_program(mut self, text: &str) -> ArtifactBuilder {
        self.artifact.pseudo_program = text.into();
        self
    }

    /// A template that is not the pseudo-program in PAW's `[INPUT]` framing.
    pub fn prompt_template(mut self, template: String) -> ArtifactBuilder {
        self.prompt_template = Some(template);
        self
    }

    /// The prefix file's bytes and the number of tokens `meta.json` says it holds.
    pub fn prefix(mut self, bytes: Vec<u8>, tokens: usize) -> ArtifactBuilder {
        self.artifact.prefix = bytes;
        self.artifact.meta.prefix_tokens = tokens;
        self
    }

    /// An `adapter.gguf` (e.g. `paw_model::testing::random_adapter`'s bytes); the prefix must have been computed
    /// with it.
    pub fn adapter(mut self, bytes: Vec<u8>) -> ArtifactBuilder {
        self.artifact.adapter = Some(bytes);
        self
    }

    pub fn self_test(mut self, self_test: SelfTest) -> ArtifactBuilder {
        self.artifact.meta.self_test = self_test;
        self
    }

    pub fn build(self) -> Artifact {
        let mut artifact = self.artifact;
        artifact.prompt_template = self
            .prompt_template
            .unwrap_or_else(|| format!("{}\n[INPUT]\n{INPUT_PLACEHOLDER}\n[END_INPUT]", artifact.pseudo_program));
        artifact
    }
}
