//! docs/stdlib.md must match the declarations it is generated from.

use std::path::Path;

#[test]
fn stdlib_reference_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/stdlib.md");
    let generated = paw_stdlib::doc::reference_markdown();
    if std::env::var_os("PAW_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/stdlib.md is out of date: run `PAW_UPDATE_DOCS=1 cargo test -p paw-stdlib` and commit it"
    );
}

#[test]
fn every_native_is_documented() {
    for (module, source) in paw_stdlib::MODULES {
        let mut documented = false;
        for line in source.lines().map(str::trim) {
            if line.starts_with("///") {
                documented = true;
            } else if line.starts_with("native fn") {
                assert!(documented, "std.{module}: `{line}` has no docstring");
                documented = false;
            }
        }
    }
}
