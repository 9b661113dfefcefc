//! Runs checked programs: values, the tree-walking reference executor, natives, and the fuzzy-call boundary.
