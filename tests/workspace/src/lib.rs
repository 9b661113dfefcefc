//! Empty: this package only holds tests (see Cargo.toml).
