//! What the neural compiler produces and the runtime consumes: the canonical spec of a fuzzy function, its
//! content-addressed program id, the artifact's files, the store that holds artifacts on disk, and the
//! project's `paw.lock`. No model code lives here, so checking whether a build is up to date never loads a
//! model.
pub mod artifact;
pub mod bundle;
pub mod data;
pub mod id;
pub mod lock;
pub mod spec;
pub mod store;
pub mod testing;

pub use artifact::{
    AdapterFit, Artifact, Candidate, DataUse, Example, ExampleSource, Head, HeadFit, HeldOut, HeldOutSource, Imported,
    LabelScope, Meta, SelfTest, SelfTestCase, Timings, INPUT_PLACEHOLDER,
};
pub use bundle::{Bundle, BundleError};
pub use data::{DataDigest, FunctionData, ProgramFile, RowsDigest};
pub use id::{program_id, BuildKey, ProgramId};
pub use lock::{function_key, resolve, LockError, NotReady, PawLock, Resolution, LOCK_FILE};
pub use spec::{spec_of, ParamSpec, Spec, SpecError, SpecExample, TypeSpec};
pub use store::{ArtifactStore, LoadError, Status, StoreLock};
